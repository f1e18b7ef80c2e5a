// The cluster's DNS records as CoreDNS's kubernetes plugin serves them (the Kubernetes DNS-Based
// Service Discovery specification, github.com/kubernetes/dns docs/specification.md, in CoreDNS's
// reading: plugin/kubernetes and plugin/backend_lookup.go), computed from plain lists of
// Services, EndpointSlices and Namespaces. Pure: no clock, no sockets. A lookup says either what
// to answer or that the name is not ours and goes upstream; the server turns that into a message.
import { isIPv4, isIPv6 } from 'node:net';
import type { Answer } from 'dns-packet';
import type { V1EndpointSlice, V1Namespace, V1Service } from '@kubernetes/client-node';

/** CoreDNS's DNSSchemaVersion, served as TXT at dns-version.<zone>. */
export const DNS_SCHEMA_VERSION = '1.1.0';
/** discovery.k8s.io LabelServiceName: the Service an EndpointSlice belongs to. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
/** CoreDNS's maxCnameChainLength: how many CNAMEs one answer follows inside the cluster zone. */
const MAX_CNAME_CHAIN = 10;

export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

export interface ClusterState {
  services: V1Service[];
  endpointSlices: V1EndpointSlice[];
  /** The namespaces that exist: a name under a missing namespace is NXDOMAIN, as in CoreDNS. */
  namespaces: Array<V1Namespace | string>;
}

export interface RecordsOptions {
  /** The cluster domain, e.g. cluster.local. */
  clusterDomain: string;
  /** TTL of every answer (CoreDNS's kubernetes plugin default: 5). */
  ttlSeconds: number;
  /** The SOA serial: CoreDNS uses the Unix time of the last change it saw. */
  serial: number;
  /** The kube-dns Service IP, the address of ns.dns.<zone> (CoreDNS answers its own Service there). */
  nameserverIP?: string;
}

export interface Question {
  name: string;
  /** A dns-packet type name ('A', 'SRV', …, or 'UNKNOWN_<n>'). */
  type: string;
}

/** An answer of ours; `chase` asks the server to resolve an out-of-cluster CNAME target upstream and append it. */
export interface Authoritative {
  forward?: false;
  rcode: number;
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
  chase?: Question;
}

/** Not a cluster name: the upstream nameservers answer it. */
export interface Forward {
  forward: true;
}

export type LookupResult = Authoritative | Forward;

interface PortInfo { name: string; port: number; protocol: string }

type ServiceKind = 'clusterIP' | 'headless' | 'externalName';

interface ServiceInfo {
  name: string;
  namespace: string;
  kind: ServiceKind;
  clusterIPs: string[];
  ports: PortInfo[];
  externalName: string;
}

interface EndpointInfo {
  ip: string;
  /** The endpoint's hostname, or its dashed IP (CoreDNS endpointHostname). */
  hostname: string;
  /** The slice's ports; one port -1 when it has none (CoreDNS's sentinel: A records, no SRV). */
  ports: PortInfo[];
}

/** The lookup index built once per change of the inputs. */
export interface ClusterRecords {
  readonly zone: string;
  readonly opts: RecordsOptions;
  readonly namespaces: ReadonlySet<string>;
  readonly services: ReadonlyMap<string, ServiceInfo>;
  /** Ready endpoints by "<namespace>/<service>". */
  readonly endpoints: ReadonlyMap<string, EndpointInfo[]>;
  /** PTR targets by IP: a service's name, or else the names of the endpoints with that IP. */
  readonly reverse: ReadonlyMap<string, string[]>;
}

const lower = (s: string) => s.toLowerCase();
const trimDot = (s: string) => (s.endsWith('.') ? s.slice(0, -1) : s);
const key = (namespace: string, name: string) => `${lower(namespace)}/${lower(name)}`;

/** CoreDNS endpointHostname: the endpoint's hostname, or its IP with dashes (IPv6 ending in "-" gets a 0). */
export function endpointHostname(ip: string, hostname: string | undefined): string {
  if (hostname) return lower(hostname);
  if (ip.includes('.')) return ip.replaceAll('.', '-');
  const dashed = lower(ip).replaceAll(':', '-');
  return dashed.endsWith('-') ? `${dashed}0` : dashed;
}

function serviceInfo(svc: V1Service): ServiceInfo | undefined {
  const name = svc.metadata?.name;
  const namespace = svc.metadata?.namespace;
  if (!name || !namespace) return undefined;
  const spec = svc.spec ?? {};
  const ports = (spec.ports ?? []).map((p) => ({ name: lower(p.name ?? ''), port: p.port, protocol: lower(p.protocol ?? 'TCP') }));
  const clusterIPs = (spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : []).filter((ip) => ip !== 'None' && ip !== '');
  let kind: ServiceKind;
  if (spec.type === 'ExternalName') kind = 'externalName';
  else if (spec.clusterIP === 'None' || clusterIPs.length === 0) kind = 'headless';
  else kind = 'clusterIP';
  return { name: lower(name), namespace: lower(namespace), kind, clusterIPs, ports, externalName: trimDot(spec.externalName ?? '') };
}

/** Builds the index. Endpoints count when ready (unset means ready), or always when the Service publishes not-ready addresses. */
export function buildRecords(state: ClusterState, opts: RecordsOptions): ClusterRecords {
  const zone = lower(trimDot(opts.clusterDomain));
  const namespaces = new Set(state.namespaces.map((n) => lower(typeof n === 'string' ? n : n.metadata?.name ?? '')));
  const services = new Map<string, ServiceInfo>();
  const publishNotReady = new Set<string>();
  for (const svc of state.services) {
    const info = serviceInfo(svc);
    if (!info) continue;
    const k = `${info.namespace}/${info.name}`;
    services.set(k, info);
    if (svc.spec?.publishNotReadyAddresses) publishNotReady.add(k);
  }

  const endpoints = new Map<string, EndpointInfo[]>();
  const endpointNames = new Map<string, string[]>();
  for (const slice of state.endpointSlices) {
    const svcName = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
    const namespace = slice.metadata?.namespace;
    if (!svcName || !namespace || slice.addressType === 'FQDN') continue;
    const k = key(namespace, svcName);
    const ports: PortInfo[] = slice.ports?.length
      ? slice.ports.map((p) => ({ name: lower(p.name ?? ''), port: p.port ?? -1, protocol: lower(p.protocol ?? 'TCP') }))
      : [{ name: '', port: -1, protocol: '' }];
    const list = endpoints.get(k) ?? [];
    for (const ep of slice.endpoints ?? []) {
      if (ep.conditions?.ready === false && !publishNotReady.has(k)) continue;
      for (const ip of ep.addresses ?? []) {
        const hostname = endpointHostname(ip, ep.hostname);
        list.push({ ip, hostname, ports });
        const names = endpointNames.get(ip) ?? [];
        names.push(`${hostname}.${lower(svcName)}.${lower(namespace)}.svc.${zone}`);
        endpointNames.set(ip, names);
      }
    }
    endpoints.set(k, list);
  }

  // CoreDNS serviceRecordForIP: a Service's cluster IP names the Service alone; only an IP no
  // Service holds is looked up among the endpoints.
  const reverse = new Map<string, string[]>();
  for (const info of services.values()) {
    for (const ip of info.clusterIPs) {
      const canonical = canonicalIP(ip);
      if (canonical && !reverse.has(canonical)) reverse.set(canonical, [`${info.name}.${info.namespace}.svc.${zone}`]);
    }
  }
  for (const [ip, names] of endpointNames) {
    const canonical = canonicalIP(ip);
    if (canonical && !reverse.has(canonical)) reverse.set(canonical, [...new Set(names)]);
  }
  return { zone, opts: { ...opts, clusterDomain: zone }, namespaces, services, endpoints, reverse };
}

/** An IP in one spelling (IPv6 fully expanded, lower case), so reverse names and stored IPs meet. */
function canonicalIP(ip: string): string | undefined {
  if (isIPv4(ip)) return ip;
  if (!isIPv6(ip)) return undefined;
  return expandIPv6(ip);
}

function expandIPv6(ip: string): string | undefined {
  let s = lower(ip);
  // An embedded IPv4 tail (::ffff:1.2.3.4) as two hextets.
  const v4 = s.match(/(\d+\.\d+\.\d+\.\d+)$/);
  if (v4) {
    const o = v4[1]!.split('.').map(Number);
    s = s.slice(0, -v4[1]!.length) + `${((o[0]! << 8) | o[1]!).toString(16)}:${((o[2]! << 8) | o[3]!).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const fill = 8 - head.length - tail.length;
  if (fill < 0 || (halves.length === 1 && fill !== 0)) return undefined;
  return [...head, ...Array(fill).fill('0'), ...tail].map((h) => h.padStart(4, '0')).join(':');
}

/** The IP an in-addr.arpa or ip6.arpa name stands for (CoreDNS dnsutil.ExtractAddressFromReverse). */
export function ipFromReverseName(name: string): string | undefined {
  const n = lower(trimDot(name));
  if (n.endsWith('.in-addr.arpa')) {
    const parts = n.slice(0, -'.in-addr.arpa'.length).split('.');
    if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255)) return undefined;
    return parts.reverse().join('.');
  }
  if (n.endsWith('.ip6.arpa')) {
    const nibbles = n.slice(0, -'.ip6.arpa'.length).split('.');
    if (nibbles.length !== 32 || !nibbles.every((x) => /^[0-9a-f]$/.test(x))) return undefined;
    const hex = nibbles.reverse().join('');
    return Array.from({ length: 8 }, (_, i) => hex.slice(i * 4, i * 4 + 4)).join(':');
  }
  return undefined;
}

const isReverseZone = (n: string) => n === 'in-addr.arpa' || n.endsWith('.in-addr.arpa') || n === 'ip6.arpa' || n.endsWith('.ip6.arpa');

/** One thing a name resolves to before it becomes records (CoreDNS's msg.Service). */
interface Entry {
  /** An IP, or a name for an ExternalName service. */
  host: string;
  port: number;
  /** The name an SRV record points at and its address record is owned by. */
  target: string;
}

interface Found {
  /** False: NXDOMAIN. True with no entries: the name exists with nothing of this kind (NODATA). */
  exists: boolean;
  entries: Entry[];
}

const NOT_FOUND: Found = { exists: false, entries: [] };
const EMPTY: Found = { exists: true, entries: [] };

/** A leading underscore is optional on SRV labels (CoreDNS stripUnderscore). */
const stripUnderscore = (s: string) => (s.startsWith('_') ? s.slice(1) : s);

/**
 * What a name under the zone stands for (CoreDNS parseRequest + Records): `svc` or `pod`, then the
 * namespace, then a service (or dashed pod IP), then an endpoint hostname or `_port._proto`.
 */
function resolveName(r: ClusterRecords, qname: string): Found {
  const base = qname === r.zone ? '' : qname.slice(0, -(r.zone.length + 1));
  if (base === '') return EMPTY;
  const segs = base.split('.');
  const kind = segs.pop();
  if (kind !== 'svc' && kind !== 'pod') return NOT_FOUND;
  const namespace = segs.pop();
  if (namespace === undefined) return EMPTY;
  if (!r.namespaces.has(namespace)) return NOT_FOUND;
  const name = segs.pop();
  if (name === undefined) return EMPTY;
  if (kind === 'pod') {
    // `pods insecure`: any well-formed dashed IP in an existing namespace answers with that IP.
    if (segs.length > 0) return NOT_FOUND;
    const ip = name.split('-').length === 4 && !name.includes('--') ? name.replaceAll('-', '.') : name.replaceAll('-', ':');
    if (!isIPv4(ip) && !isIPv6(ip)) return NOT_FOUND;
    return { exists: true, entries: [{ host: ip, port: -1, target: qname }] };
  }
  let endpoint = '';
  let port = '';
  let protocol = '';
  if (segs.length === 1) endpoint = segs[0]!;
  else if (segs.length === 2) {
    port = stripUnderscore(segs[0]!);
    protocol = stripUnderscore(segs[1]!);
  } else if (segs.length > 2) return NOT_FOUND;
  return findServices(r, { service: name, namespace, endpoint, port, protocol });
}

function findServices(r: ClusterRecords, q: { service: string; namespace: string; endpoint: string; port: string; protocol: string }): Found {
  const svc = r.services.get(`${q.namespace}/${q.service}`);
  if (!svc) return NOT_FOUND;
  const svcDomain = `${svc.name}.${svc.namespace}.svc.${r.zone}`;
  const portMatches = (p: PortInfo) => (q.port === '' || q.port === p.name) && (q.protocol === '' || q.protocol === p.protocol);

  if (svc.kind === 'externalName') {
    // An ExternalName has no endpoints and no ports; a name that is an IP is not served (CoreDNS only serves it as a CNAME).
    if (q.endpoint || q.port || q.protocol) return NOT_FOUND;
    if (!svc.externalName || isIPv4(svc.externalName) || isIPv6(svc.externalName)) return NOT_FOUND;
    return { exists: true, entries: [{ host: svc.externalName, port: -1, target: svcDomain }] };
  }

  if (svc.kind === 'headless' || q.endpoint) {
    const entries: Entry[] = [];
    for (const ep of r.endpoints.get(`${q.namespace}/${q.service}`) ?? []) {
      if (q.endpoint && q.endpoint !== ep.hostname) continue;
      for (const p of ep.ports) {
        if (!portMatches(p)) continue;
        entries.push({ host: ep.ip, port: p.port, target: `${ep.hostname}.${svcDomain}` });
      }
    }
    // A headless service with no ready endpoint does not exist as a name (the spec's NXDOMAIN).
    return entries.length > 0 ? { exists: true, entries } : NOT_FOUND;
  }

  const entries: Entry[] = [];
  let matched = false;
  for (const p of svc.ports) {
    if (!portMatches(p)) continue;
    matched = true;
    for (const ip of svc.clusterIPs) entries.push({ host: ip, port: p.port, target: svcDomain });
  }
  return matched ? { exists: true, entries } : NOT_FOUND;
}

const isName = (host: string) => !isIPv4(host) && !isIPv6(host);

function inZone(r: ClusterRecords, name: string): boolean {
  const n = lower(trimDot(name));
  return n === r.zone || n.endsWith(`.${r.zone}`);
}

interface Addresses {
  exists: boolean;
  records: Answer[];
  chase?: Question;
}

/**
 * A or AAAA records for a name (CoreDNS plugin.A / plugin.AAAA): addresses of its entries, and
 * for an ExternalName its CNAME, followed inside the zone or handed upstream by `chase`.
 */
function addresses(r: ClusterRecords, name: string, type: 'A' | 'AAAA', previous: Answer[]): Addresses {
  const found = resolveName(r, lower(name));
  if (!found.exists) return { exists: false, records: [] };
  const ttl = r.opts.ttlSeconds;
  const records: Answer[] = [];
  const seen = new Set<string>();
  let chase: Question | undefined;
  for (const e of found.entries) {
    if (isName(e.host)) {
      if (lower(e.host) === lower(name) || previous.length > MAX_CNAME_CHAIN) continue;
      const cname: Answer = { name, type: 'CNAME', ttl, data: e.host };
      if (previous.some((p) => p.type === 'CNAME' && lower(p.name) === lower(name) && lower(String(p.data)) === lower(e.host))) continue;
      if (inZone(r, e.host)) {
        const next = addresses(r, e.host, type, [...previous, cname]);
        if (next.records.length > 0) records.push(cname, ...next.records);
        chase ??= next.chase;
      } else {
        records.push(cname);
        chase ??= { name: e.host, type };
      }
      continue;
    }
    const v4 = isIPv4(e.host);
    if ((type === 'A') !== v4 || seen.has(e.host)) continue;
    seen.add(e.host);
    records.push({ name, type, ttl, data: e.host });
  }
  return { exists: true, records, ...(chase ? { chase } : {}) };
}

/** SRV records and the addresses of their targets (CoreDNS plugin.SRV): priority 0, weights splitting 100. */
function srv(r: ClusterRecords, name: string): { exists: boolean; records: Answer[]; extra: Answer[] } {
  const found = resolveName(r, lower(name));
  if (!found.exists) return { exists: false, records: [], extra: [] };
  const ttl = r.opts.ttlSeconds;
  const entries = found.entries.filter((e) => !isName(e.host));
  const weight = entries.length > 0 ? Math.max(1, Math.floor(100 / entries.length)) : 0;
  const records: Answer[] = [];
  const extra: Answer[] = [];
  const seenRecord = new Set<string>();
  const seenExtra = new Set<string>();
  for (const e of entries) {
    if (e.port === -1) continue;
    const recordKey = `${e.target} ${e.port}`;
    if (!seenRecord.has(recordKey)) {
      seenRecord.add(recordKey);
      records.push({ name, type: 'SRV', ttl, data: { priority: 0, weight, port: e.port, target: e.target } });
    }
    const extraKey = `${e.target} ${e.host}`;
    if (!seenExtra.has(extraKey)) {
      seenExtra.add(extraKey);
      extra.push({ name: e.target, type: isIPv4(e.host) ? 'A' : 'AAAA', ttl, data: e.host });
    }
  }
  return { exists: true, records, extra };
}

/** CoreDNS plugin.SOA: the zone's SOA, put in the authority section of every negative answer. */
function soa(r: ClusterRecords, zoneName: string): Answer {
  const ttl = r.opts.ttlSeconds;
  return {
    name: zoneName, type: 'SOA', ttl: Math.min(ttl, 300),
    data: {
      mname: `ns.dns.${r.zone}`, rname: `hostmaster.${r.zone}`, serial: r.opts.serial >>> 0,
      refresh: 7200, retry: 1800, expire: 86400, minimum: ttl,
    },
  };
}

/** Answers one question: records of ours, or `forward` for names outside the cluster domain. */
export function lookup(r: ClusterRecords, q: Question): LookupResult {
  const name = trimDot(q.name);
  const qname = lower(name);
  const type = q.type.toUpperCase();

  if (qname !== r.zone && !qname.endsWith(`.${r.zone}`)) {
    // The reverse zones: PTRs for the IPs we know; every other reverse name falls through upstream
    // (the kubeadm Corefile: `kubernetes cluster.local in-addr.arpa ip6.arpa { fallthrough in-addr.arpa ip6.arpa }`).
    if (type === 'PTR' && isReverseZone(qname)) {
      const ip = ipFromReverseName(qname);
      const targets = ip ? r.reverse.get(canonicalIP(ip) ?? '') : undefined;
      if (targets?.length) {
        const answers: Answer[] = targets.map((t) => ({ name, type: 'PTR', ttl: r.opts.ttlSeconds, data: t }));
        return { rcode: RCODE.NOERROR, answers, authorities: [], additionals: [] };
      }
    }
    return { forward: true };
  }

  // The zone as the question spelled it: CoreDNS keeps the query's case in what it writes back.
  const zoneName = name.slice(name.length - r.zone.length);
  const answer = (answers: Answer[], additionals: Answer[] = [], chase?: Question): Authoritative =>
    ({ rcode: RCODE.NOERROR, answers, authorities: [], additionals, ...(chase ? { chase } : {}) });
  const negative = (exists: boolean): Authoritative =>
    ({ rcode: exists ? RCODE.NOERROR : RCODE.NXDOMAIN, answers: [], authorities: [soa(r, zoneName)], additionals: [] });
  const exists = () => resolveName(r, qname).exists;
  const ttl = r.opts.ttlSeconds;
  const nsName = `ns.dns.${r.zone}`;

  switch (type) {
    case 'A':
    case 'AAAA': {
      if (qname === nsName) {
        const ip = r.opts.nameserverIP;
        if (ip && (type === 'A') === isIPv4(ip)) return answer([{ name, type, ttl, data: ip }]);
        return negative(true);
      }
      const res = addresses(r, name, type, []);
      if (!res.exists || res.records.length === 0) return res.chase ? answer([], [], res.chase) : negative(res.exists);
      return answer(res.records, [], res.chase);
    }
    case 'SRV': {
      const res = srv(r, name);
      return res.records.length > 0 ? answer(res.records, res.extra) : negative(res.exists);
    }
    case 'CNAME': {
      const found = resolveName(r, qname);
      const first = found.entries[0];
      if (first && isName(first.host)) return answer([{ name, type: 'CNAME', ttl, data: first.host }]);
      return negative(found.exists);
    }
    case 'TXT':
      if (qname === `dns-version.${r.zone}`) return answer([{ name, type: 'TXT', ttl: 28800, data: DNS_SCHEMA_VERSION }]);
      return negative(exists());
    case 'SOA':
      return qname === r.zone ? answer([soa(r, zoneName)]) : negative(exists());
    case 'NS':
      if (qname === r.zone) {
        const ip = r.opts.nameserverIP;
        const glue: Answer[] = ip ? [{ name: nsName, type: isIPv4(ip) ? 'A' : 'AAAA', ttl, data: ip }] : [];
        return answer([{ name, type: 'NS', ttl, data: nsName }], glue);
      }
      return negative(exists());
    case 'AXFR':
    case 'IXFR':
      return { rcode: RCODE.REFUSED, answers: [], authorities: [], additionals: [] };
    default:
      // Any other type: the name's existence decides between NXDOMAIN and NODATA.
      return negative(exists());
  }
}
