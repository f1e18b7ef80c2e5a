// The proxy's view of the cluster, as upstream kube-proxy builds it (pkg/proxy/serviceport.go,
// endpointslicecache.go, topology.go): one entry per service port (a Service with a cluster IP,
// one of its ports), and the endpoints EndpointSlices give that port. Pure: plain objects in,
// plain objects out; the iptables rule generator and the userspace proxier both read it.
import type { V1EndpointSlice, V1Service } from '@kubernetes/client-node';

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

/** Upstream's label on EndpointSlices naming their Service; kube-proxy reads slices through it only. */
export const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';
/** Services carrying this label belong to another proxy (upstream's service.kubernetes.io/service-proxy-name). */
export const LABEL_SERVICE_PROXY_NAME = 'service.kubernetes.io/service-proxy-name';
/** The apiserver's default for sessionAffinityConfig.clientIP.timeoutSeconds. */
export const DEFAULT_STICKY_SECONDS = 10_800;

export interface ServicePortInfo {
  /** `<ns>/<name>:<port name>/<PROTOCOL>`: the key endpoints are filed under. */
  key: string;
  namespace: string;
  name: string;
  /** The service port's name ("" for a single unnamed port). */
  portName: string;
  /** Upstream's ServicePortName.String(): `ns/name` or `ns/name:port`. Comments and chain hashes use it. */
  nameString: string;
  protocol: Protocol;
  clusterIP: string;
  port: number;
  /** 0 when the port has none. */
  nodePort: number;
  externalIPs: string[];
  /** status.loadBalancer.ingress IPs in VIP mode (upstream's LoadBalancerVIPs). */
  loadBalancerIPs: string[];
  /** sessionAffinity: ClientIP; stickyMaxAgeSeconds is its timeout. */
  sessionAffinity: boolean;
  stickyMaxAgeSeconds: number;
  /** externalTrafficPolicy: Local on an externally reachable service. */
  externalPolicyLocal: boolean;
  /** internalTrafficPolicy: Local. */
  internalPolicyLocal: boolean;
}

export interface EndpointInfo {
  ip: string;
  port: number;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  nodeName?: string;
  zone?: string;
  /** On one of the nodes this proxy serves. */
  isLocal: boolean;
}

export const endpointString = (ep: Pick<EndpointInfo, 'ip' | 'port'>): string => `${ep.ip}:${ep.port}`;

const isIPv4 = (s: string | undefined): s is string => !!s && /^\d{1,3}(\.\d{1,3}){3}$/.test(s);

function protocolOf(p: string | undefined): Protocol {
  return p === 'UDP' || p === 'SCTP' ? p : 'TCP';
}

const servicePortKey = (namespace: string, name: string, portName: string, protocol: Protocol) => `${namespace}/${name}:${portName}/${protocol}`;

/** Upstream's ShouldSkipService plus its informer's label filter: what the proxy leaves alone. */
function shouldSkip(svc: V1Service): boolean {
  if (svc.metadata?.labels?.[LABEL_SERVICE_PROXY_NAME] !== undefined) return true;
  if (svc.spec?.type === 'ExternalName') return true;
  return clusterIPv4(svc) === undefined;
}

/** The IPv4 cluster IP ("None" and "" are no cluster IP: headless and ExternalName services). */
function clusterIPv4(svc: V1Service): string | undefined {
  const ips = svc.spec?.clusterIPs?.length ? svc.spec.clusterIPs : [svc.spec?.clusterIP ?? ''];
  return ips.find(isIPv4);
}

/** Upstream's apiservice.ExternallyAccessible. */
function externallyAccessibleService(svc: V1Service): boolean {
  const t = svc.spec?.type;
  return t === 'LoadBalancer' || t === 'NodePort' || (t === 'ClusterIP' && (svc.spec?.externalIPs?.length ?? 0) > 0);
}

/** The service ports of one Service (none for headless, ExternalName and other proxies' services). */
export function servicePortsOf(svc: V1Service): ServicePortInfo[] {
  if (shouldSkip(svc)) return [];
  const namespace = svc.metadata?.namespace ?? '';
  const name = svc.metadata?.name ?? '';
  const clusterIP = clusterIPv4(svc)!;
  const spec = svc.spec!;
  const affinity = spec.sessionAffinity === 'ClientIP';
  const externalIPs = (spec.externalIPs ?? []).filter(isIPv4);
  // Proxy-mode load balancers deliver to the node themselves; only VIP-mode ingress IPs are ours.
  const loadBalancerIPs = (svc.status?.loadBalancer?.ingress ?? []).filter((i) => isIPv4(i.ip) && i.ipMode !== 'Proxy').map((i) => i.ip!);
  return (spec.ports ?? []).map((p) => {
    const portName = p.name ?? '';
    const protocol = protocolOf(p.protocol);
    return {
      key: servicePortKey(namespace, name, portName, protocol),
      namespace, name, portName,
      nameString: `${namespace}/${name}${portName ? `:${portName}` : ''}`,
      protocol, clusterIP, port: p.port, nodePort: p.nodePort ?? 0,
      externalIPs, loadBalancerIPs,
      sessionAffinity: affinity,
      stickyMaxAgeSeconds: affinity ? spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_STICKY_SECONDS : 0,
      externalPolicyLocal: externallyAccessibleService(svc) && spec.externalTrafficPolicy === 'Local',
      internalPolicyLocal: spec.internalTrafficPolicy === 'Local',
    };
  });
}

/** Every service port of these Services, sorted by key so that generated rules are stable. */
export function buildServicePorts(services: readonly V1Service[]): ServicePortInfo[] {
  return services.flatMap(servicePortsOf).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * Endpoints per service port key from EndpointSlices (IPv4 slices labelled with their Service), as
 * upstream's EndpointSliceCache merges them: a slice port matches the service port of the same name
 * and protocol (the EndpointSlice controller has already resolved named target ports to numbers),
 * each endpoint's first address counts, duplicates across slices collapse (a local one wins), and
 * the list is sorted by "ip:port".
 */
export function buildEndpointsMap(slices: readonly V1EndpointSlice[], localNodes: ReadonlySet<string>): Map<string, EndpointInfo[]> {
  const byKey = new Map<string, Map<string, EndpointInfo>>();
  const sorted = [...slices].sort((a, b) => ((a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1));
  for (const slice of sorted) {
    const service = slice.metadata?.labels?.[LABEL_SERVICE_NAME];
    if (!service || slice.addressType !== 'IPv4') continue;
    const namespace = slice.metadata?.namespace ?? '';
    for (const port of slice.ports ?? []) {
      if (!port.port) continue;
      const key = servicePortKey(namespace, service, port.name ?? '', protocolOf(port.protocol));
      let set = byKey.get(key);
      if (!set) byKey.set(key, (set = new Map()));
      for (const ep of slice.endpoints ?? []) {
        const ip = ep.addresses?.[0];
        if (!isIPv4(ip)) continue;
        const ready = ep.conditions?.ready ?? true;
        const info: EndpointInfo = {
          ip, port: port.port, ready,
          serving: ep.conditions?.serving ?? ready,
          terminating: ep.conditions?.terminating ?? false,
          isLocal: !!ep.nodeName && localNodes.has(ep.nodeName),
          ...(ep.nodeName ? { nodeName: ep.nodeName } : {}),
          ...(ep.zone ? { zone: ep.zone } : {}),
        };
        const s = endpointString(info);
        if (!set.has(s) || info.isLocal) set.set(s, info);
      }
    }
  }
  const out = new Map<string, EndpointInfo[]>();
  for (const [key, set] of byKey) {
    if (set.size === 0) continue;
    out.set(key, [...set.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, e]) => e));
  }
  return out;
}

/** NodePort, external IPs or load-balancer IPs: reachable other than by cluster IP. */
export const externallyAccessible = (sp: ServicePortInfo): boolean => sp.nodePort !== 0 || sp.externalIPs.length > 0 || sp.loadBalancerIPs.length > 0;
/** Upstream: Cluster endpoints are needed for a Cluster internal policy, and for any external traffic (short-circuiting). */
export const usesClusterEndpoints = (sp: ServicePortInfo): boolean => !sp.internalPolicyLocal || externallyAccessible(sp);
export const usesLocalEndpoints = (sp: ServicePortInfo): boolean => sp.internalPolicyLocal || (sp.externalPolicyLocal && externallyAccessible(sp));

export interface CategorizedEndpoints {
  /** For "Cluster" policy: the ready endpoints, else the serving-and-terminating ones. */
  cluster: EndpointInfo[];
  /** For "Local" policy: this host's ready endpoints, else its serving-and-terminating ones. */
  local: EndpointInfo[];
  /** Everything either list may send to (one SEP chain each). */
  reachable: EndpointInfo[];
  /** The service has usable endpoints anywhere in the cluster. */
  hasAny: boolean;
}

/** Upstream's CategorizeEndpoints, without topology hints. */
export function categorizeEndpoints(endpoints: readonly EndpointInfo[], sp: ServicePortInfo): CategorizedEndpoints {
  let cluster: EndpointInfo[] = [];
  let local: EndpointInfo[] = [];
  let hasAny = false;
  const servingTerminating = (e: EndpointInfo) => e.serving && e.terminating;
  if (usesClusterEndpoints(sp)) {
    cluster = endpoints.filter((e) => e.ready);
    // Falling back to terminating endpoints that still serve keeps connections from being dropped.
    if (cluster.length === 0) cluster = endpoints.filter(servingTerminating);
    hasAny = cluster.length > 0;
  }
  if (!usesLocalEndpoints(sp)) return { cluster, local, reachable: cluster, hasAny };
  let localReady = false;
  let localServingTerminating = false;
  for (const e of endpoints) {
    if (e.ready) {
      hasAny = true;
      if (e.isLocal) localReady = true;
    } else if (servingTerminating(e)) {
      hasAny = true;
      if (e.isLocal) localServingTerminating = true;
    }
  }
  if (localReady) local = endpoints.filter((e) => e.isLocal && e.ready);
  else if (localServingTerminating) local = endpoints.filter((e) => e.isLocal && servingTerminating(e));
  if (!usesClusterEndpoints(sp)) return { cluster, local, reachable: local, hasAny };
  // Local ready endpoints are all in the cluster list already; terminating local ones may not be.
  if (!localServingTerminating || localReady) return { cluster, local, reachable: cluster, hasAny };
  const seen = new Set(cluster.map(endpointString));
  const reachable = [...cluster, ...local.filter((e) => !seen.has(endpointString(e)))];
  return { cluster, local, reachable, hasAny };
}
