// The kube-dns Service that advertises the cluster DNS, as upstream's CoreDNS manifest declares it
// (cluster/addons/dns/coredns: labels k8s-app=kube-dns, kubernetes.io/cluster-service=true,
// kubernetes.io/name=CoreDNS; ports dns 53/UDP and dns-tcp 53/TCP; the tenth address of the
// service range), but without a selector: we do not run in pods, so the endpoints controllers
// leave it alone and we write its Endpoints and an EndpointSlice ourselves, pointing at this
// host's listener. Several replicas (one per host) share the Service: each keeps its own address
// in the Endpoints and its own EndpointSlice, and leaves the others' be.
import type { V1EndpointAddress, V1Endpoints, V1EndpointSlice, V1EndpointSubset, V1Service } from '@kubernetes/client-node';
import { isConflict, isNotFound, type RestClient } from '../../client/index.ts';
import { endpoints as endpointsResource, endpointSlices, services } from '../../client/resources.ts';
import { SERVICE_NAME_LABEL } from './records.ts';

export const KUBE_DNS_NAMESPACE = 'kube-system';
export const KUBE_DNS_NAME = 'kube-dns';
export const KUBE_DNS_LABELS: Readonly<Record<string, string>> = {
  'k8s-app': 'kube-dns',
  'kubernetes.io/cluster-service': 'true',
  'kubernetes.io/name': 'CoreDNS',
};
/** discovery.k8s.io LabelManagedBy, and our value: the endpointslice controller leaves such slices alone. */
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const MANAGED_BY = 'cluster-dns.capstan.io';
/** The managed-by values of the controllers that write slices for Services with selectors, or mirror hand-written Endpoints. */
const CONTROLLER_MANAGERS = new Set(['endpointslice-controller.k8s.io', 'endpointslicemirroring-controller.k8s.io']);
/** discovery.k8s.io LabelSkipMirror: our Endpoints are not mirrored into another slice (we write our own). */
export const SKIP_MIRROR_LABEL = 'endpointslice.kubernetes.io/skip-mirror';
const DNS_PORT = 53;

export interface DnsAddress {
  /** Where pods reach this host (the node's InternalIP). */
  ip: string;
  /** Our listener's port, UDP and TCP alike. */
  port: number;
}

const SERVICE_PORTS = [
  { name: 'dns', port: DNS_PORT, protocol: 'UDP', targetPort: DNS_PORT },
  { name: 'dns-tcp', port: DNS_PORT, protocol: 'TCP', targetPort: DNS_PORT },
] as const;

const endpointPorts = (port: number) => [
  { name: 'dns', port, protocol: 'UDP' },
  { name: 'dns-tcp', port, protocol: 'TCP' },
];

export function desiredService(serviceIP: string): V1Service {
  return {
    apiVersion: 'v1', kind: 'Service',
    metadata: { name: KUBE_DNS_NAME, namespace: KUBE_DNS_NAMESPACE, labels: { ...KUBE_DNS_LABELS } },
    spec: {
      type: 'ClusterIP', clusterIP: serviceIP, clusterIPs: [serviceIP],
      ports: SERVICE_PORTS.map((p) => ({ ...p })),
    },
  };
}

/**
 * What the Service needs: nothing, an update (labels, ports, type, a selector to remove), or to be
 * made again because its cluster IP (immutable) is not ours.
 */
export function repairService(cur: V1Service, serviceIP: string): { recreate: true } | { update: V1Service } | undefined {
  const spec = cur.spec ?? {};
  if (spec.type === 'ExternalName' || spec.clusterIP !== serviceIP) return { recreate: true };
  const next = structuredClone(cur);
  let changed = false;
  const labels = { ...(next.metadata!.labels ?? {}) };
  for (const [k, v] of Object.entries(KUBE_DNS_LABELS)) {
    if (labels[k] !== v) { labels[k] = v; changed = true; }
  }
  next.metadata!.labels = labels;
  const s = next.spec!;
  if (s.type !== 'ClusterIP') {
    s.type = 'ClusterIP';
    delete s.externalTrafficPolicy;
    for (const p of s.ports ?? []) delete p.nodePort;
    changed = true;
  }
  if (s.selector && Object.keys(s.selector).length > 0) { delete s.selector; changed = true; }
  const portKey = (p: { name?: string; port: number; protocol?: string; targetPort?: unknown }) =>
    `${p.name ?? ''}/${p.port}/${p.protocol ?? 'TCP'}/${String(p.targetPort ?? p.port)}`;
  const want = SERVICE_PORTS.map(portKey).sort().join(',');
  if ((s.ports ?? []).map(portKey).sort().join(',') !== want) {
    s.ports = SERVICE_PORTS.map((p) => ({ ...p }));
    changed = true;
  }
  return changed ? { update: next } : undefined;
}

const sameAddress = (a: V1EndpointAddress, ip: string) => a.ip === ip;
const portSetKey = (ports: Array<{ name?: string; port: number; protocol?: string }> | undefined) =>
  (ports ?? []).map((p) => `${p.name ?? ''}/${p.port}/${p.protocol ?? 'TCP'}`).sort().join(',');

/** The subsets with `ip` taken out of every one (empty subsets dropped). */
function subsetsWithout(subsets: V1EndpointSubset[], ip: string): V1EndpointSubset[] {
  const out: V1EndpointSubset[] = [];
  for (const s of subsets) {
    const addresses = (s.addresses ?? []).filter((a) => !sameAddress(a, ip));
    const notReady = (s.notReadyAddresses ?? []).filter((a) => !sameAddress(a, ip));
    if (addresses.length === 0 && notReady.length === 0) continue;
    out.push({ ...s, addresses: addresses.length ? addresses : undefined, notReadyAddresses: notReady.length ? notReady : undefined });
  }
  return out;
}

function endpointsLabels(cur: V1Endpoints | undefined): Record<string, string> {
  return { ...(cur?.metadata?.labels ?? {}), ...KUBE_DNS_LABELS, [SKIP_MIRROR_LABEL]: 'true' };
}

const sameLabels = (a: Record<string, string> | undefined, b: Record<string, string>) =>
  JSON.stringify(Object.entries(a ?? {}).sort()) === JSON.stringify(Object.entries(b).sort());

/**
 * The Endpoints with our address ready under our ports, other replicas' addresses kept; undefined
 * when `cur` already is so. Our address joins a subset with the same ports, as the endpoints
 * controller packs them.
 */
export function desiredEndpoints(cur: V1Endpoints | undefined, addr: DnsAddress): V1Endpoints | undefined {
  const ports = endpointPorts(addr.port);
  const want = portSetKey(ports);
  const subsets = cur?.subsets ?? [];
  const labels = endpointsLabels(cur);
  const ours = subsets.filter((s) => (s.addresses ?? []).some((a) => sameAddress(a, addr.ip)) || (s.notReadyAddresses ?? []).some((a) => sameAddress(a, addr.ip)));
  const right = ours.length === 1 && portSetKey(ours[0]!.ports) === want
    && (ours[0]!.addresses ?? []).filter((a) => sameAddress(a, addr.ip)).length === 1
    && !(ours[0]!.notReadyAddresses ?? []).some((a) => sameAddress(a, addr.ip));
  if (cur && right && sameLabels(cur.metadata?.labels, labels)) return undefined;

  const next = subsetsWithout(subsets, addr.ip);
  const shared = next.find((s) => portSetKey(s.ports) === want);
  if (shared) shared.addresses = [...(shared.addresses ?? []), { ip: addr.ip }].sort((a, b) => a.ip.localeCompare(b.ip));
  else next.push({ addresses: [{ ip: addr.ip }], ports });
  return {
    apiVersion: 'v1', kind: 'Endpoints',
    metadata: { ...(cur?.metadata ?? {}), name: KUBE_DNS_NAME, namespace: KUBE_DNS_NAMESPACE, labels },
    subsets: next,
  };
}

/** The Endpoints without our address; undefined when it is not there. */
export function endpointsWithout(cur: V1Endpoints, ip: string): V1Endpoints | undefined {
  const has = (cur.subsets ?? []).some((s) => [...(s.addresses ?? []), ...(s.notReadyAddresses ?? [])].some((a) => sameAddress(a, ip)));
  if (!has) return undefined;
  return { ...cur, subsets: subsetsWithout(cur.subsets ?? [], ip) };
}

/** Our EndpointSlice's name: one per replica, named by its address. */
export function sliceName(ip: string): string {
  return `${KUBE_DNS_NAME}-${ip.toLowerCase().replaceAll(/[.:]/g, '-')}`.replace(/-+$/, '');
}

/** Our EndpointSlice as it should be; undefined when `cur` already is so. */
export function desiredSlice(cur: V1EndpointSlice | undefined, addr: DnsAddress): V1EndpointSlice | undefined {
  const labels = { ...(cur?.metadata?.labels ?? {}), [SERVICE_NAME_LABEL]: KUBE_DNS_NAME, [MANAGED_BY_LABEL]: MANAGED_BY, ...KUBE_DNS_LABELS };
  const body = {
    addressType: addr.ip.includes(':') ? 'IPv6' : 'IPv4',
    endpoints: [{ addresses: [addr.ip], conditions: { ready: true, serving: true, terminating: false } }],
    ports: endpointPorts(addr.port),
  };
  if (cur) {
    const have = {
      addressType: cur.addressType,
      endpoints: (cur.endpoints ?? []).map((e) => ({ addresses: e.addresses, conditions: { ready: e.conditions?.ready, serving: e.conditions?.serving, terminating: e.conditions?.terminating } })),
      ports: (cur.ports ?? []).map((p) => ({ name: p.name, port: p.port, protocol: p.protocol })),
    };
    const extra = (cur.endpoints ?? []).some((e) => e.hostname || e.nodeName || e.targetRef || e.zone);
    if (!extra && JSON.stringify(have) === JSON.stringify(body) && sameLabels(cur.metadata?.labels, labels)) return undefined;
  }
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { ...(cur?.metadata ?? {}), name: sliceName(addr.ip), namespace: KUBE_DNS_NAMESPACE, labels },
    ...body,
  } as V1EndpointSlice;
}

const orUndefined = <T>(p: Promise<T>): Promise<T | undefined> => p.catch((e: unknown) => {
  if (isNotFound(e)) return undefined;
  throw e;
});

/**
 * One pass: the Service, the Endpoints and our EndpointSlice made right. Level-triggered: it reads
 * the objects afresh; a conflict or a lost create race is an error, and the caller runs it again.
 * Returns what it changed, for the log.
 */
export async function reconcileKubeDns(rest: RestClient, serviceIP: string, addr: DnsAddress, signal?: AbortSignal): Promise<string[]> {
  const changed: string[] = [];
  const ns = KUBE_DNS_NAMESPACE;
  const svc = await orUndefined(rest.get(services, ns, KUBE_DNS_NAME, { signal }));
  if (!svc) {
    await rest.create(services, ns, desiredService(serviceIP), { signal });
    changed.push('created Service');
  } else {
    const repair = repairService(svc, serviceIP);
    if (repair && 'recreate' in repair) {
      await rest.delete(services, ns, KUBE_DNS_NAME, { preconditions: { uid: svc.metadata?.uid } }, { signal });
      await rest.create(services, ns, desiredService(serviceIP), { signal });
      changed.push(`re-created Service (its clusterIP was ${svc.spec?.clusterIP ?? '<none>'})`);
    } else if (repair) {
      await rest.update(services, ns, repair.update, { signal });
      changed.push('repaired Service');
    }
  }

  const ep = await orUndefined(rest.get(endpointsResource, ns, KUBE_DNS_NAME, { signal }));
  const wantEp = desiredEndpoints(ep, addr);
  if (wantEp && ep) {
    await rest.update(endpointsResource, ns, wantEp, { signal });
    changed.push('updated Endpoints');
  } else if (wantEp) {
    await rest.create(endpointsResource, ns, wantEp, { signal });
    changed.push('created Endpoints');
  }

  // Slices a controller wrote while someone had given the Service a selector: they would send DNS
  // traffic to whatever that selector matched, and the controllers never take them back.
  const slices = await rest.list(endpointSlices, ns, { labelSelector: `${SERVICE_NAME_LABEL}=${KUBE_DNS_NAME}`, signal });
  for (const s of slices.items) {
    if (!CONTROLLER_MANAGERS.has(s.metadata?.labels?.[MANAGED_BY_LABEL] ?? '')) continue;
    await orUndefined(rest.delete(endpointSlices, ns, s.metadata!.name!, { preconditions: { uid: s.metadata?.uid } }, { signal }));
    changed.push(`deleted EndpointSlice ${s.metadata?.name} of ${s.metadata?.labels?.[MANAGED_BY_LABEL]}`);
  }

  const name = sliceName(addr.ip);
  const slice = slices.items.find((s) => s.metadata?.name === name);
  const wantSlice = desiredSlice(slice, addr);
  if (wantSlice && slice) {
    await rest.update(endpointSlices, ns, wantSlice, { signal });
    changed.push('updated EndpointSlice');
  } else if (wantSlice) {
    await rest.create(endpointSlices, ns, wantSlice, { signal });
    changed.push('created EndpointSlice');
  }
  return changed;
}

/** On stop: our address out of the Endpoints and our EndpointSlice gone; the Service stays for the other replicas. */
export async function withdrawKubeDns(rest: RestClient, addr: DnsAddress, signal?: AbortSignal): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const ep = await orUndefined(rest.get(endpointsResource, KUBE_DNS_NAMESPACE, KUBE_DNS_NAME, { signal }));
    const next = ep && endpointsWithout(ep, addr.ip);
    if (!next) break;
    try {
      await rest.update(endpointsResource, KUBE_DNS_NAMESPACE, next, { signal });
      break;
    } catch (e) {
      if (!isConflict(e)) throw e;
    }
  }
  await orUndefined(rest.delete(endpointSlices, KUBE_DNS_NAMESPACE, sliceName(addr.ip), {}, { signal }));
}
