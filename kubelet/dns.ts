// A pod's resolver configuration (its containers' /etc/resolv.conf), from its dnsPolicy and
// dnsConfig, as upstream's kubelet computes it (pkg/kubelet/network/dns) and hands to the runtime
// in the sandbox config. The rules are pure (podDNSConfig); DNSConfigurer reads the host's
// resolv.conf and records the Warning events the rules call for.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { KubernetesObject, V1Pod, V1PodDNSConfigOption } from '@kubernetes/client-node';
import type { EventRecorder } from '../client/index.ts';
import { podRef } from './prober/manager.ts';
import type { SandboxConfig } from './runtime/runtime.ts';

/** Nameservers, search domains and options, in the order resolv.conf lists them. */
export type PodDNS = NonNullable<SandboxConfig['dns']>;

/** The kubelet's --cluster-domain here (upstream has none by default; kubeadm sets this). */
export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';
/** The kubelet's --resolv-conf default. */
export const DEFAULT_RESOLV_CONF = '/etc/resolv.conf';

// The limits of pkg/apis/core/validation (glibc reads at most 3 nameservers, MAXNS); the search
// limits are the ExpandedDNSConfig ones, the only ones since that feature went GA.
export const MAX_DNS_NAMESERVERS = 3;
export const MAX_DNS_SEARCH_PATHS = 32;
export const MAX_DNS_SEARCH_LIST_CHARS = 2048;
/** Some resolvers (glibc 2.28) abort on a search domain longer than a DNS-1123 subdomain: upstream drops such domains. */
export const MAX_SEARCH_DOMAIN_CHARS = 253;

/** ClusterFirst pods' options: names with fewer than 5 dots go through the search list first. */
const CLUSTER_FIRST_OPTIONS = ['ndots:5'];

/** A Warning event the rules call for, about the pod or about the node. */
export interface DNSWarning {
  about: 'pod' | 'node';
  reason: string;
  message: string;
}

export interface DNSSettings {
  /** The kubelet's --cluster-dns: valid IPs only. */
  clusterDNS: string[];
  /** The kubelet's --cluster-domain; "" adds no cluster search domains. */
  clusterDomain: string;
  /** The host's resolver configuration (the --resolv-conf file, parsed); undefined when --resolv-conf is "". */
  host: PodDNS | undefined;
  /** The node's addresses: with no host file, Default pods ask the local machine (127.0.0.1, or ::1 on IPv6). */
  nodeIPs: string[];
}

const empty = (): PodDNS => ({ servers: [], searches: [], options: [] });

/** upstream's format.Pod: "name_namespace(uid)". */
const podDesc = (pod: V1Pod) => `${pod.metadata?.name ?? ''}_${pod.metadata?.namespace ?? ''}(${pod.metadata?.uid ?? ''})`;

/**
 * A resolv.conf as upstream's kubelet reads it: `nameserver` lines accumulate, the last `search`
 * and the last `options` line win, comments and other keywords are skipped, and a search domain's
 * trailing dot is dropped (so "a.b." and "a.b" count once against the limits).
 */
export function parseResolvConf(text: string): PodDNS & { errors: string[] } {
  const out: PodDNS & { errors: string[] } = { servers: [], searches: [], options: [], errors: [] };
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed.startsWith('#')) continue;
    const fields = trimmed.split(/\s+/).filter(Boolean);
    if (fields.length === 0) continue;
    const [keyword, ...rest] = fields;
    if (keyword === 'nameserver') {
      if (rest.length > 0) out.servers.push(rest[0]!);
      else out.errors.push('nameserver list is empty ');
    } else if (keyword === 'search') {
      out.searches = rest.map((s) => (s.endsWith('.') ? s.slice(0, -1) : s));
    } else if (keyword === 'options') {
      out.options = rest;
    }
  }
  return out;
}

/** The kind of base configuration a pod starts from (upstream's getPodDNSType). */
export function podDNSType(pod: V1Pod): { type: 'cluster' | 'host' | 'none'; invalid?: string } {
  // The API server defaults an unset policy to ClusterFirst.
  const policy = pod.spec?.dnsPolicy ?? 'ClusterFirst';
  switch (policy) {
    case 'None': return { type: 'none' };
    case 'ClusterFirstWithHostNet': return { type: 'cluster' };
    // A host-network pod under ClusterFirst gets the node's resolver, as Default.
    case 'ClusterFirst': return { type: pod.spec?.hostNetwork ? 'host' : 'cluster' };
    case 'Default': return { type: 'host' };
    // The API server rejects anything else; upstream falls back to ClusterFirst.
    default: return { type: 'cluster', invalid: policy };
  }
}

/** Order-keeping de-duplication (upstream's omitDuplicates). */
const unique = (xs: string[]): string[] => [...new Set(xs)];

/** ClusterFirst's search list: <ns>.svc.<domain>, svc.<domain>, <domain>, then the host's, without repeats. */
export function clusterFirstSearches(namespace: string, clusterDomain: string, hostSearches: string[]): string[] {
  if (!clusterDomain) return [...hostSearches];
  return unique([`${namespace}.svc.${clusterDomain}`, `svc.${clusterDomain}`, clusterDomain, ...hostSearches]);
}

/**
 * Options merged by name (upstream's mergeDNSOptions): the pod's value wins, an option without a
 * value is written bare. Upstream goes through a Go map (any order); ours keeps the first
 * appearance's place and appends the pod's new options in its order, so the file is stable.
 */
export function mergeDNSOptions(existing: string[], podOptions: V1PodDNSConfigOption[]): string[] {
  const byName = new Map<string, string>();
  for (const op of existing) {
    const i = op.indexOf(':');
    if (i >= 0) byName.set(op.slice(0, i), op.slice(i + 1));
    else byName.set(op, '');
  }
  for (const op of podOptions) {
    if (!op.name) continue;
    byName.set(op.name, op.value ?? '');
  }
  return [...byName].map(([name, value]) => (value !== '' ? `${name}:${value}` : name));
}

/** At most 3 nameservers (upstream's formDNSNameserversFitsLimits). */
function fitNameservers(servers: string[], warnings: DNSWarning[]): string[] {
  if (servers.length <= MAX_DNS_NAMESERVERS) return servers;
  const kept = servers.slice(0, MAX_DNS_NAMESERVERS);
  warnings.push({
    about: 'pod', reason: 'DNSConfigForming',
    message: `Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: ${kept.join(' ')}`,
  });
  return kept;
}

/**
 * At most 32 search domains, none longer than 253 characters, and a search line of at most 2048
 * characters, cut from the end (upstream's formDNSSearchFitsLimits).
 */
function fitSearches(searches: string[], warnings: DNSWarning[]): string[] {
  let exceeded = false;
  let kept = searches;
  if (kept.length > MAX_DNS_SEARCH_PATHS) {
    kept = kept.slice(0, MAX_DNS_SEARCH_PATHS);
    exceeded = true;
  }
  const short = kept.filter((s) => s.length <= MAX_SEARCH_DOMAIN_CHARS);
  if (short.length !== kept.length) exceeded = true;
  kept = short;
  const lineLength = kept.join(' ').length;
  if (lineLength > MAX_DNS_SEARCH_LIST_CHARS) {
    // Drop domains from the end, each with its separating space, until the line fits.
    let cut = 0;
    let cutChars = 0;
    for (let i = kept.length - 1; i >= 0; i--) {
      cutChars += kept[i]!.length + 1;
      cut++;
      if (lineLength - cutChars <= MAX_DNS_SEARCH_LIST_CHARS) break;
    }
    kept = kept.slice(0, kept.length - cut);
    exceeded = true;
  }
  if (exceeded) {
    warnings.push({
      about: 'pod', reason: 'DNSConfigForming',
      message: `Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${kept.join(' ')}`,
    });
  }
  return kept;
}

/**
 * The pod's resolver configuration (upstream's GetPodDNS):
 * - None: nothing but the pod's dnsConfig;
 * - ClusterFirst (not host-network) and ClusterFirstWithHostNet: the cluster DNS servers only,
 *   the cluster search domains before the host's, `ndots:5`; without cluster DNS servers, Default
 *   with MissingClusterDNS warnings on the node and the pod;
 * - Default (and ClusterFirst on the host network): the host's nameservers, searches and options
 *   (with no host file: the local machine, search ".");
 * then the pod's dnsConfig appended (nameservers and searches without repeats, options merged by
 * name), then cut to the resolver's limits, with a DNSConfigForming warning when anything went.
 */
export function podDNSConfig(pod: V1Pod, s: DNSSettings): { dns: PodDNS; warnings: DNSWarning[] } {
  const warnings: DNSWarning[] = [];
  const host = s.host ? { servers: [...s.host.servers], searches: [...s.host.searches], options: [...s.host.options] } : empty();
  const { type } = podDNSType(pod);
  let dns: PodDNS;
  if (type === 'none') {
    dns = empty();
  } else if (type === 'cluster' && s.clusterDNS.length > 0) {
    // The cluster DNS server is the pod's only nameserver: it forwards what it does not serve itself.
    dns = {
      servers: [...s.clusterDNS],
      searches: clusterFirstSearches(pod.metadata?.namespace ?? '', s.clusterDomain, host.searches),
      options: [...CLUSTER_FIRST_OPTIONS],
    };
  } else {
    if (type === 'cluster') {
      const nodeMessage = 'kubelet does not have ClusterDNS IP configured and cannot create Pod using "ClusterFirst" policy. Falling back to "Default" policy.';
      warnings.push({ about: 'node', reason: 'MissingClusterDNS', message: nodeMessage });
      warnings.push({ about: 'pod', reason: 'MissingClusterDNS', message: `pod: "${podDesc(pod)}". ${nodeMessage}` });
    }
    dns = host;
    if (!s.host) {
      // No host file (--resolv-conf ""): upstream overrides the runtime's default with the local
      // machine's resolver, which is what a resolver without nameservers would ask anyway.
      dns.servers = s.nodeIPs.map((ip) => (isIP(ip) === 6 ? '::1' : '127.0.0.1'));
      if (dns.servers.length === 0) dns.servers = ['127.0.0.1'];
      dns.searches = ['.'];
    }
  }
  const extra = pod.spec?.dnsConfig;
  if (extra) {
    dns = {
      servers: unique([...dns.servers, ...(extra.nameservers ?? [])]),
      searches: unique([...dns.searches, ...(extra.searches ?? [])]),
      options: mergeDNSOptions(dns.options, extra.options ?? []),
    };
  }
  dns.servers = fitNameservers(dns.servers, warnings);
  dns.searches = fitSearches(dns.searches, warnings);
  return { dns, warnings };
}

/**
 * What is wrong with the host's search line for pods (upstream's CheckLimitsForResolvConf, run
 * once at start): more domains than leave room for the three cluster ones, a domain too long, or
 * a line too long. Undefined when it fits.
 */
export function resolvConfLimitsProblem(file: string, hostSearches: string[], clusterDomain: string): string | undefined {
  const maxDomains = MAX_DNS_SEARCH_PATHS - (clusterDomain ? 3 : 0);
  if (hostSearches.length > maxDomains) return `Resolv.conf file '${file}' contains search line consisting of more than ${maxDomains} domains!`;
  if (hostSearches.some((s) => s.length > MAX_SEARCH_DOMAIN_CHARS)) {
    return `Resolv.conf file ${JSON.stringify(file)} contains a search path which length is more than allowed ${MAX_SEARCH_DOMAIN_CHARS} chars!`;
  }
  if (hostSearches.join(' ').length > MAX_DNS_SEARCH_LIST_CHARS) {
    return `Resolv.conf file '${file}' contains search line which length is more than allowed ${MAX_DNS_SEARCH_LIST_CHARS} chars!`;
  }
  return undefined;
}

export interface DNSConfigurerOptions {
  nodeName: string;
  /** Upstream's --cluster-dns; entries that are not IPs are dropped (and logged), as upstream does. */
  clusterDNS?: string[];
  /** Upstream's --cluster-domain; default cluster.local. */
  clusterDomain?: string;
  /** Upstream's --resolv-conf; default /etc/resolv.conf; "" for none. */
  resolvConf?: string;
  nodeIPs(): string[];
  recorder?: EventRecorder;
  log(msg: string): void;
}

/** Go's wording for a file that cannot be read ("open /x: no such file or directory"), as upstream's errors show it. */
function readError(file: string, e: unknown): Error {
  const code = (e as NodeJS.ErrnoException)?.code;
  const text = ({ ENOENT: 'no such file or directory', EACCES: 'permission denied', EISDIR: 'is a directory' } as Record<string, string>)[code ?? ''];
  if (code === 'EISDIR') return new Error(`read ${file}: ${text}`);
  return new Error(text ? `open ${file}: ${text}` : ((e as Error)?.message ?? String(e)));
}

/** The node's DNS settings: each pod's configuration with the host file read afresh, and the events. */
export class DNSConfigurer {
  readonly clusterDNS: string[];
  readonly clusterDomain: string;
  readonly resolvConf: string;

  constructor(private readonly o: DNSConfigurerOptions) {
    this.clusterDNS = [];
    for (const ip of o.clusterDNS ?? []) {
      if (isIP(ip)) this.clusterDNS.push(ip);
      else o.log(`kubelet ${o.nodeName}: invalid clusterDNS IP ${JSON.stringify(ip)}: ignored`);
    }
    this.clusterDomain = o.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN;
    this.resolvConf = o.resolvConf ?? DEFAULT_RESOLV_CONF;
  }

  /** Upstream's node reference for the kubelet's events: kind Node, the node's name as its UID. */
  private nodeRef(): KubernetesObject {
    return { kind: 'Node', metadata: { name: this.o.nodeName, uid: this.o.nodeName } };
  }

  /** The host file, parsed; undefined without one. Throws (as upstream fails the sandbox) when it cannot be read or has an empty nameserver line. */
  private host(): PodDNS | undefined {
    if (!this.resolvConf) return undefined;
    let text: string;
    try {
      text = readFileSync(this.resolvConf, 'utf8');
    } catch (e) {
      throw readError(this.resolvConf, e);
    }
    const { errors, ...dns } = parseResolvConf(text);
    if (errors.length === 1) throw new Error(errors[0]);
    if (errors.length > 1) throw new Error(`[${errors.join(', ')}]`);
    return dns;
  }

  /** The pod's resolver configuration for its sandbox, recording the warnings the rules call for. */
  podDNS(pod: V1Pod): PodDNS {
    const { dns, warnings } = podDNSConfig(pod, {
      clusterDNS: this.clusterDNS, clusterDomain: this.clusterDomain, host: this.host(), nodeIPs: this.o.nodeIPs(),
    });
    for (const w of warnings) {
      this.o.recorder?.event(w.about === 'node' ? this.nodeRef() : podRef(pod), 'Warning', w.reason, w.message);
    }
    return dns;
  }

  /** Upstream's CheckLimitsForResolvConf: a CheckLimitsForResolvConf Warning on the node when the host file will not fit pods. */
  checkResolvConfLimits(): void {
    if (!this.resolvConf) return;
    let problem: string | undefined;
    try {
      const text = readFileSync(this.resolvConf, 'utf8');
      const parsed = parseResolvConf(text);
      problem = parsed.errors.length ? parsed.errors.join(', ') : resolvConfLimitsProblem(this.resolvConf, parsed.searches, this.clusterDomain);
    } catch (e) {
      problem = readError(this.resolvConf, e).message;
    }
    if (problem === undefined) return;
    this.o.log(`kubelet ${this.o.nodeName}: ${problem}`);
    this.o.recorder?.event(this.nodeRef(), 'Warning', 'CheckLimitsForResolvConf', problem);
  }
}
