// The iptables rules of upstream kube-proxy's iptables mode (pkg/proxy/iptables/proxier.go,
// syncProxyRules), generated as iptables-restore input for the nat and filter tables. Pure: the
// service map in, text out. Every chain is named after the cluster's tag (CAP-<tag>-…) so that
// several Capstan clusters share a host's tables without touching each other's chains; the
// structure, matches, comments and targets are upstream's:
//   nat    SERVICES → SVC (Cluster policy) / SVL (Local policy) → SEP (one per endpoint, DNAT)
//          SERVICES → NODEPORTS → EXT (external destinations) → SVC / SVL
//          MARK-MASQ sets the mark, POSTROUTING masquerades marked packets
//   filter SERVICES and EXT-SERVICES reject (no endpoints) or drop (no local endpoints),
//          FORWARD accepts marked and established traffic, FIREWALL blocks martian localnet.
import { createHash } from 'node:crypto';
import { categorizeEndpoints, endpointString, externallyAccessible, type EndpointInfo, type ServicePortInfo } from '../servicemap.ts';

export type Table = 'nat' | 'filter';

/** Upstream's default masquerade bit (--iptables-masquerade-bit 14). */
export const MASQUERADE_MARK = '0x4000';
/** iptables refuses chain names longer than this. */
export const MAX_CHAIN_LENGTH = 28;
const TAG_PATTERN = /^[a-z0-9]{1,8}$/;

export function validateClusterTag(tag: string): void {
  if (!TAG_PATTERN.test(tag)) throw new Error(`proxy: cluster tag ${JSON.stringify(tag)} must be 1 to 8 characters of [a-z0-9]`);
}

/** The prefix of every chain this cluster's proxy owns. */
export const chainPrefix = (tag: string): string => `CAP-${tag}-`;

/** The fixed chains, upstream's KUBE-SERVICES, KUBE-EXTERNAL-SERVICES and so on, per cluster tag. */
export function topChains(tag: string) {
  const p = chainPrefix(tag);
  return {
    services: `${p}SERVICES`,
    externalServices: `${p}EXT-SERVICES`,
    nodePorts: `${p}NODEPORTS`,
    postrouting: `${p}POSTROUTING`,
    markMasq: `${p}MARK-MASQ`,
    forward: `${p}FORWARD`,
    /** Upstream's KUBE-FIREWALL (the kubelet's and kube-proxy's anti-martian rule). */
    firewall: `${p}FIREWALL`,
  };
}

/** RFC 4648 base32 (Go's base32.StdEncoding), enough of it for chain-name hashes. */
function base32(bytes: Uint8Array): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}

/**
 * A per-service chain: upstream hashes the service port name and protocol (plus the endpoint for
 * SEP chains) with SHA-256, base32, and keeps 16 characters; ours keep as many as fit in 28
 * characters after the tag.
 */
function hashedChain(tag: string, kind: 'SVC' | 'SVL' | 'EXT' | 'SEP', input: string): string {
  const prefix = `${chainPrefix(tag)}${kind}-`;
  const len = Math.min(16, MAX_CHAIN_LENGTH - prefix.length);
  return prefix + base32(createHash('sha256').update(input).digest()).slice(0, len);
}

export function serviceChains(tag: string, sp: ServicePortInfo) {
  const proto = sp.protocol.toLowerCase();
  return {
    cluster: hashedChain(tag, 'SVC', sp.nameString + proto),
    local: hashedChain(tag, 'SVL', sp.nameString + proto),
    external: hashedChain(tag, 'EXT', sp.nameString + proto),
  };
}

export const endpointChain = (tag: string, sp: ServicePortInfo, ep: EndpointInfo): string =>
  hashedChain(tag, 'SEP', sp.nameString + sp.protocol.toLowerCase() + endpointString(ep));

/** A rule in a built-in chain that sends packets into one of ours (upstream's iptablesJumpChains). */
export interface JumpRule {
  table: Table;
  /** The built-in chain (PREROUTING, OUTPUT, …). */
  chain: string;
  /** Our chain. */
  target: string;
  /** The rule's matches, before `-j target`. */
  args: string[];
}

const NEW = ['-m', 'conntrack', '--ctstate', 'NEW'];
const comment = (text: string) => ['-m', 'comment', '--comment', `"${text}"`];

export function jumpRules(tag: string): JumpRule[] {
  const c = topChains(tag);
  return [
    { table: 'filter', chain: 'INPUT', target: c.externalServices, args: [...NEW, ...comment('kubernetes externally-visible service portals')] },
    { table: 'filter', chain: 'FORWARD', target: c.externalServices, args: [...NEW, ...comment('kubernetes externally-visible service portals')] },
    { table: 'filter', chain: 'FORWARD', target: c.services, args: [...NEW, ...comment('kubernetes service portals')] },
    { table: 'filter', chain: 'OUTPUT', target: c.services, args: [...NEW, ...comment('kubernetes service portals')] },
    { table: 'filter', chain: 'FORWARD', target: c.forward, args: comment('kubernetes forwarding rules') },
    { table: 'filter', chain: 'INPUT', target: c.firewall, args: [] },
    { table: 'filter', chain: 'OUTPUT', target: c.firewall, args: [] },
    { table: 'nat', chain: 'OUTPUT', target: c.services, args: comment('kubernetes service portals') },
    { table: 'nat', chain: 'PREROUTING', target: c.services, args: comment('kubernetes service portals') },
    { table: 'nat', chain: 'POSTROUTING', target: c.postrouting, args: comment('kubernetes postrouting rules') },
  ];
}

export interface RuleOptions {
  tag: string;
  /**
   * The pod network (upstream's --cluster-cidr, detect-local-mode ClusterCIDR): traffic from
   * outside it to a cluster IP is masqueraded, and pods' traffic to external destinations skips
   * the Local policy. Without it neither happens (upstream's "no local detector").
   */
  clusterCIDR?: string;
  /**
   * The addresses NodePorts answer on (upstream's --nodeport-addresses). Undefined: every local
   * address (-m addrtype --dst-type LOCAL), 127.0.0.1 included, upstream's default.
   */
  nodePortAddresses?: string[];
  /** Upstream's --masquerade-all. */
  masqueradeAll?: boolean;
  /** Drop forwarded INVALID packets (upstream does unless nf_conntrack_tcp_be_liberal is set). Default true. */
  dropInvalid?: boolean;
  /** MASQUERADE --random-fully (iptables ≥ 1.6.2). Default true. */
  randomFully?: boolean;
}

/** One table's restore input: chain declarations (each flushes the chain) and rules, in order. */
export interface TableRules {
  chains: string[];
  rules: string[];
}

export interface GeneratedRules {
  filter: TableRules;
  nat: TableRules;
}

class TableBuilder {
  readonly chains: string[] = [];
  private readonly byChain = new Map<string, string[]>();

  chain(name: string): void {
    if (this.byChain.has(name)) return;
    this.chains.push(name);
    this.byChain.set(name, []);
  }

  add(chain: string, ...args: Array<string | string[]>): void {
    this.chain(chain);
    this.byChain.get(chain)!.push(['-A', chain, ...args.flat()].join(' '));
  }

  build(): TableRules {
    return { chains: [...this.chains], rules: this.chains.flatMap((c) => this.byChain.get(c)!) };
  }
}

/** 1/n with ten decimals, as upstream's computeProbability. */
export const probability = (n: number): string => (1 / n).toFixed(10);

/** The nat and filter rules for every service port, as upstream's syncProxyRules writes them. */
export function generateRules(servicePorts: readonly ServicePortInfo[], endpoints: ReadonlyMap<string, readonly EndpointInfo[]>, o: RuleOptions): GeneratedRules {
  validateClusterTag(o.tag);
  const c = topChains(o.tag);
  const mark = `${MASQUERADE_MARK}/${MASQUERADE_MARK}`;
  const filter = new TableBuilder();
  const nat = new TableBuilder();
  for (const ch of [c.services, c.externalServices, c.forward, c.firewall]) filter.chain(ch);
  for (const ch of [c.services, c.nodePorts, c.postrouting, c.markMasq]) nat.chain(ch);

  nat.add(c.postrouting, '-m', 'mark', '!', '--mark', mark, '-j', 'RETURN');
  // Clear the mark so that a packet going round the stack again is not masqueraded twice.
  nat.add(c.postrouting, '-j', 'MARK', '--xor-mark', MASQUERADE_MARK);
  nat.add(c.postrouting, comment('kubernetes service traffic requiring SNAT'), '-j', 'MASQUERADE', ...(o.randomFully === false ? [] : ['--random-fully']));
  nat.add(c.markMasq, '-j', 'MARK', '--or-mark', MASQUERADE_MARK);

  // route_localnet=1 (for NodePorts on 127.0.0.1) would let other hosts reach loopback services;
  // upstream's rule (issue 90259) drops such packets unless they were DNATed here.
  const localhostNodePorts = o.nodePortAddresses === undefined || o.nodePortAddresses.some((a) => a.startsWith('127.'));
  if (localhostNodePorts) {
    filter.add(c.firewall, comment('block incoming localnet connections'), '-d', '127.0.0.0/8', '!', '-s', '127.0.0.0/8',
      '-m', 'conntrack', '!', '--ctstate', 'RELATED,ESTABLISHED,DNAT', '-j', 'DROP');
  }

  const ifLocal = o.clusterCIDR ? ['-s', o.clusterCIDR] : undefined;
  const ifNotLocal = o.clusterCIDR ? ['!', '-s', o.clusterCIDR] : undefined;

  for (const sp of servicePorts) {
    const proto = sp.protocol.toLowerCase();
    const matchProto = ['-m', proto, '-p', proto];
    const name = sp.nameString;
    const chains = serviceChains(o.tag, sp);
    const cat = categorizeEndpoints(endpoints.get(sp.key) ?? [], sp);
    const usesClusterChain = cat.cluster.length > 0;
    const usesLocalChain = cat.local.length > 0 && (sp.internalPolicyLocal || (sp.externalPolicyLocal && externallyAccessible(sp)));

    const internalChain = sp.internalPolicyLocal ? chains.local : chains.cluster;
    const hasInternal = cat.hasAny && (!sp.internalPolicyLocal || cat.local.length > 0);
    const externalPolicyChain = sp.externalPolicyLocal ? chains.local : chains.cluster;
    const hasExternal = cat.hasAny && (!sp.externalPolicyLocal || cat.local.length > 0);
    const usesExternalChain = cat.hasAny && externallyAccessible(sp);

    let internalFilter: { target: string; comment: string } | undefined;
    let externalFilter: { target: string; comment: string } | undefined;
    if (!cat.hasAny) {
      internalFilter = externalFilter = { target: 'REJECT', comment: `${name} has no endpoints` };
    } else {
      // Local policy without local endpoints: dropped, not rejected, as upstream.
      if (!hasInternal) internalFilter = { target: 'DROP', comment: `${name} has no local endpoints` };
      if (!hasExternal) externalFilter = { target: 'DROP', comment: `${name} has no local endpoints` };
    }

    const clusterIPMatch = [...comment(`${name} cluster IP`), ...matchProto, '-d', sp.clusterIP, '--dport', String(sp.port)];
    if (hasInternal) nat.add(c.services, clusterIPMatch, '-j', internalChain);
    else filter.add(c.services, comment(internalFilter!.comment), matchProto, '-d', sp.clusterIP, '--dport', String(sp.port), '-j', internalFilter!.target);

    for (const ip of sp.externalIPs) {
      if (cat.hasAny) nat.add(c.services, comment(`${name} external IP`), matchProto, '-d', ip, '--dport', String(sp.port), '-j', chains.external);
      if (externalFilter) filter.add(c.externalServices, comment(externalFilter.comment), matchProto, '-d', ip, '--dport', String(sp.port), '-j', externalFilter.target);
    }
    for (const ip of sp.loadBalancerIPs) {
      if (cat.hasAny) nat.add(c.services, comment(`${name} loadbalancer IP`), matchProto, '-d', ip, '--dport', String(sp.port), '-j', chains.external);
    }
    if (externalFilter) {
      for (const ip of sp.loadBalancerIPs) filter.add(c.externalServices, comment(externalFilter.comment), matchProto, '-d', ip, '--dport', String(sp.port), '-j', externalFilter.target);
    }
    if (sp.nodePort) {
      if (cat.hasAny) nat.add(c.nodePorts, comment(name), matchProto, '--dport', String(sp.nodePort), '-j', chains.external);
      if (externalFilter) {
        filter.add(c.externalServices, comment(externalFilter.comment), '-m', 'addrtype', '--dst-type', 'LOCAL', matchProto, '--dport', String(sp.nodePort), '-j', externalFilter.target);
      }
    }

    // Internal traffic: masquerade what comes from outside the pod network, so replies return here.
    if (hasInternal) {
      if (o.masqueradeAll) nat.add(internalChain, clusterIPMatch, '-j', c.markMasq);
      else if (ifNotLocal) nat.add(internalChain, clusterIPMatch, ifNotLocal, '-j', c.markMasq);
    }

    if (usesExternalChain) {
      nat.chain(chains.external);
      if (!sp.externalPolicyLocal) {
        // Cluster policy may cross nodes: masquerade so that replies come back through us.
        nat.add(chains.external, comment(`masquerade traffic for ${name} external destinations`), '-j', c.markMasq);
      } else {
        // Pods and the host itself reach external destinations through the Cluster policy, as if
        // they went out to a load balancer and came back in.
        if (ifLocal) nat.add(chains.external, comment(`pod traffic for ${name} external destinations`), ifLocal, '-j', chains.cluster);
        nat.add(chains.external, comment(`masquerade LOCAL traffic for ${name} external destinations`), '-m', 'addrtype', '--src-type', 'LOCAL', '-j', c.markMasq);
        nat.add(chains.external, comment(`route LOCAL traffic for ${name} external destinations`), '-m', 'addrtype', '--src-type', 'LOCAL', '-j', chains.cluster);
      }
      if (hasExternal) nat.add(chains.external, '-j', externalPolicyChain);
    }

    if (usesClusterChain) writeServiceToEndpointRules(nat, o.tag, sp, chains.cluster, cat.cluster);
    if (usesLocalChain) writeServiceToEndpointRules(nat, o.tag, sp, chains.local, cat.local);

    for (const ep of cat.reachable) {
      const sep = endpointChain(o.tag, sp, ep);
      nat.chain(sep);
      // Hairpin: an endpoint reaching itself through the service must see a source other than its own.
      nat.add(sep, comment(name), '-s', ep.ip, '-j', c.markMasq);
      nat.add(sep, comment(name), ...(sp.sessionAffinity ? [['-m', 'recent', '--name', sep, '--set']] : []), matchProto, '-j', 'DNAT', '--to-destination', endpointString(ep));
    }
  }

  // NodePorts last: a cluster IP or external IP that is also local must match as such first.
  const nodePortsComment = comment('kubernetes service nodeports; NOTE: this must be the last rule in this chain');
  if (o.nodePortAddresses === undefined) {
    nat.add(c.services, nodePortsComment, '-m', 'addrtype', '--dst-type', 'LOCAL', '-j', c.nodePorts);
  } else {
    for (const ip of o.nodePortAddresses) nat.add(c.services, nodePortsComment, '-d', ip, '-j', c.nodePorts);
  }

  if (o.dropInvalid !== false) filter.add(c.forward, '-m', 'conntrack', '--ctstate', 'INVALID', '-j', 'DROP');
  // NodePort traffic is forwarded even where the FORWARD policy is DROP (Docker sets it so).
  filter.add(c.forward, comment('kubernetes forwarding rules'), '-m', 'mark', '--mark', mark, '-j', 'ACCEPT');
  filter.add(c.forward, comment('kubernetes forwarding conntrack rule'), '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT');
  if (o.clusterCIDR) {
    // Not upstream (its CNI's bridge accepts this): Docker's FORWARD policy and isolation rules drop
    // unmarked packets between interfaces, which is what externalTrafficPolicy: Local traffic is.
    filter.add(c.forward, comment('service traffic DNATed into the pod network'), '-d', o.clusterCIDR, '-m', 'conntrack', '--ctstate', 'DNAT', '-j', 'ACCEPT');
  }
  return { filter: filter.build(), nat: nat.build() };
}

/** Session-affinity checks first, then the random spread: each rule takes 1/(endpoints left). */
function writeServiceToEndpointRules(nat: TableBuilder, tag: string, sp: ServicePortInfo, chain: string, endpoints: readonly EndpointInfo[]): void {
  nat.chain(chain);
  if (sp.sessionAffinity) {
    for (const ep of endpoints) {
      const sep = endpointChain(tag, sp, ep);
      nat.add(chain, comment(`${sp.nameString} -> ${endpointString(ep)}`), '-m', 'recent', '--name', sep, '--rcheck', '--seconds', String(sp.stickyMaxAgeSeconds), '--reap', '-j', sep);
    }
  }
  endpoints.forEach((ep, i) => {
    const spread = i < endpoints.length - 1 ? ['-m', 'statistic', '--mode', 'random', '--probability', probability(endpoints.length - i)] : [];
    nat.add(chain, comment(`${sp.nameString} -> ${endpointString(ep)}`), spread, '-j', endpointChain(tag, sp, ep));
  });
}

/** What a sync writes besides the rules: chains to delete and jumps to insert. */
export interface RestoreExtras {
  /** Our chains that exist but are no longer wanted: flushed, then deleted. */
  staleChains?: { nat?: readonly string[]; filter?: readonly string[] };
  /** Jump rules missing from the built-in chains: inserted at their tops. */
  missingJumps?: readonly JumpRule[];
  /** Jump rules (as iptables-save prints them) into chains no longer wanted: deleted first. */
  staleJumps?: { nat?: readonly string[]; filter?: readonly string[] };
}

/** One iptables-restore --noflush transaction: both tables, our chains flushed and rewritten. */
export function renderRestore(rules: GeneratedRules, extras: RestoreExtras = {}): string {
  const out: string[] = [];
  for (const table of ['filter', 'nat'] as const) {
    const t = rules[table];
    const stale = (extras.staleChains?.[table] ?? []).filter((ch) => !t.chains.includes(ch));
    out.push(`*${table}`);
    for (const ch of [...t.chains, ...stale]) out.push(`:${ch} - [0:0]`);
    out.push(...t.rules);
    for (const j of extras.missingJumps ?? []) if (j.table === table) out.push(['-I', j.chain, ...j.args, '-j', j.target].join(' '));
    for (const spec of extras.staleJumps?.[table] ?? []) out.push(`-D ${spec}`);
    for (const ch of stale) out.push(`-X ${ch}`);
    out.push('COMMIT');
  }
  return `${out.join('\n')}\n`;
}

/** What iptables-save says of one table, as far as this cluster's chains go. */
export interface SavedTable {
  /** Our chains (by prefix) that exist. */
  chains: string[];
  /** Rules in other chains (built-in ones) that jump to ours, as iptables-save prints them after "-A ". */
  jumps: Array<{ chain: string; spec: string; target: string }>;
}

/** Reads one table of iptables-save output for the chains and jumps of a cluster tag. */
export function parseSaved(text: string, tag: string): SavedTable {
  const prefix = chainPrefix(tag);
  const chains: string[] = [];
  const jumps: SavedTable['jumps'] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith(':')) {
      const name = line.slice(1).split(' ')[0]!;
      if (name.startsWith(prefix)) chains.push(name);
    } else if (line.startsWith('-A ')) {
      const spec = line.slice(3);
      const chain = spec.split(' ')[0]!;
      if (chain.startsWith(prefix)) continue;
      const m = / -j (\S+)/.exec(spec);
      if (m && m[1]!.startsWith(prefix)) jumps.push({ chain, spec, target: m[1]! });
    }
  }
  return { chains, jumps };
}

/** The jumps a table lacks: a built-in chain with no rule at all that jumps to the target. */
export function missingJumps(tag: string, saved: { nat: SavedTable; filter: SavedTable }): JumpRule[] {
  return jumpRules(tag).filter((j) => !saved[j.table].jumps.some((s) => s.chain === j.chain && s.target === j.target));
}

/** The restore input that removes everything of this tag: jumps deleted, chains flushed and deleted. */
export function renderCleanup(saved: { nat: SavedTable; filter: SavedTable }): string {
  const out: string[] = [];
  for (const table of ['filter', 'nat'] as const) {
    const s = saved[table];
    if (s.chains.length === 0 && s.jumps.length === 0) continue;
    out.push(`*${table}`);
    for (const ch of s.chains) out.push(`:${ch} - [0:0]`);
    for (const j of s.jumps) out.push(`-D ${j.spec}`);
    for (const ch of s.chains) out.push(`-X ${ch}`);
    out.push('COMMIT');
  }
  return out.length ? `${out.join('\n')}\n` : '';
}
