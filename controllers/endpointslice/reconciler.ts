// The EndpointSlice reconciler (upstream k8s.io/endpointslice reconciler.go and utils.go), pure:
// given a Service, the pods it selects, the nodes, and the slices this controller already manages
// for it, it plans which slices to create, update and delete. Endpoints are grouped by the ports
// they serve and by address type; an endpoint already in a slice stays there (updated in place
// when its conditions change), slices are filled before new ones are made, a slice left empty is
// deleted, and a Service with no endpoints keeps one empty placeholder slice. Unlike upstream's
// map iteration, every order here is fixed, so equal inputs give equal plans.
import type {
  DiscoveryV1EndpointPort, V1Endpoint, V1EndpointSlice, V1Node, V1OwnerReference, V1Pod, V1Service,
} from '@kubernetes/client-node';
import {
  HEADLESS_LABEL, LAST_CHANGE_TRIGGER_TIME, findPort, formatRFC3339Nano, isHeadless, isPodReady, isServiceIPSet, podIPs,
  semanticEqual, shouldPodBeInEndpoints, shouldSetHostname,
} from './util.ts';

/** discovery/v1 LabelServiceName. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
/** discovery/v1 LabelManagedBy. */
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
/** Upstream controllerQualifiedName: the managed-by value of this controller's slices. */
export const CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
/** Upstream --max-endpoints-per-slice default. */
export const DEFAULT_MAX_ENDPOINTS_PER_SLICE = 100;
/** core/v1 LabelTopologyZone. */
export const ZONE_LABEL = 'topology.kubernetes.io/zone';

export type AddressType = 'IPv4' | 'IPv6';

export interface ReconcileInput {
  service: V1Service;
  pods: V1Pod[];
  /** The node of that name, if it exists. */
  nodeOf(name: string): V1Node | undefined;
  /** Slices labelled for this service and managed by this controller, none being deleted. */
  existing: V1EndpointSlice[];
  triggerTime?: Date | undefined;
  maxEndpointsPerSlice?: number;
  controllerName?: string;
}

export interface ReconcilePlan {
  create: V1EndpointSlice[];
  update: V1EndpointSlice[];
  delete: V1EndpointSlice[];
  /** Problems that should make the sync retry after the plan is carried out (a pod's node missing). */
  errors: string[];
}

const isIPv6 = (ip: string) => ip.includes(':');
const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const nameOf = (o: { metadata?: { name?: string } }) => o.metadata?.name ?? '';

/** Upstream getAddressTypesForService: from spec.ipFamilies; else the cluster IP's family; a headless service without families gets both. */
export function addressTypesForService(svc: V1Service): AddressType[] {
  const out = new Set<AddressType>();
  for (const f of svc.spec?.ipFamilies ?? []) {
    if (f === 'IPv4') out.add('IPv4');
    if (f === 'IPv6') out.add('IPv6');
  }
  if (out.size > 0) return [...out].sort();
  if (isServiceIPSet(svc)) return [isIPv6(svc.spec!.clusterIP!) ? 'IPv6' : 'IPv4'];
  return ['IPv4', 'IPv6'];
}

/** Upstream getEndpointPorts: each service port the pod resolves, with the service port's name, protocol and appProtocol. */
export function endpointPortsFor(svc: V1Service, pod: V1Pod): DiscoveryV1EndpointPort[] {
  const ports = svc.spec?.ports ?? [];
  if (ports.length === 0 && isHeadless(svc)) return [];
  const out: DiscoveryV1EndpointPort[] = [];
  for (const sp of ports) {
    const port = findPort(pod, sp);
    if (port === undefined) continue;
    const ep: DiscoveryV1EndpointPort = { name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP' };
    if (sp.appProtocol !== undefined) ep.appProtocol = sp.appProtocol;
    out.push(ep);
  }
  return out;
}

const portJSON = (p: DiscoveryV1EndpointPort) => JSON.stringify([p.name ?? '', p.port ?? null, p.protocol ?? 'TCP', p.appProtocol ?? null]);

/** Upstream NewPortMapKey: the identity of a set of ports, whatever their order. */
export function portMapKey(ports: DiscoveryV1EndpointPort[] | undefined): string {
  return `[${(ports ?? []).map(portJSON).sort(byString).join(',')}]`;
}

/** Upstream podToEndpoint: serving is readiness; ready is serving and not terminating, or publishNotReadyAddresses. */
export function podToEndpoint(pod: V1Pod, node: V1Node | undefined, svc: V1Service, addressType: AddressType): V1Endpoint {
  const serving = isPodReady(pod);
  const terminating = !!pod.metadata?.deletionTimestamp;
  const ready = svc.spec?.publishNotReadyAddresses === true || (serving && !terminating);
  const ep: V1Endpoint = {
    addresses: podIPs(pod).filter((ip) => isIPv6(ip) === (addressType === 'IPv6')),
    conditions: { ready, serving, terminating },
    targetRef: { kind: 'Pod', namespace: pod.metadata?.namespace, name: pod.metadata?.name, uid: pod.metadata?.uid },
  };
  if (pod.spec?.nodeName) ep.nodeName = pod.spec.nodeName;
  const zone = node?.metadata?.labels?.[ZONE_LABEL];
  if (zone) ep.zone = zone;
  if (shouldSetHostname(pod, svc)) ep.hostname = pod.spec!.hostname;
  return ep;
}

/** Upstream hashEndpoint: an endpoint's identity is its addresses, hostname and target; the rest may change in place. */
export function endpointKey(ep: V1Endpoint): string {
  return JSON.stringify([[...(ep.addresses ?? [])].sort(byString), ep.hostname ?? '', ep.targetRef?.namespace ?? '', ep.targetRef?.name ?? '']);
}

/** Upstream EndpointsEqualBeyondHash: node, zone, the three conditions and the target (without its resourceVersion). */
export function endpointsEqualBeyondKey(a: V1Endpoint, b: V1Endpoint): boolean {
  const ref = (e: V1Endpoint) => (e.targetRef ? { ...e.targetRef, resourceVersion: undefined } : undefined);
  return (a.nodeName ?? undefined) === (b.nodeName ?? undefined)
    && (a.zone ?? undefined) === (b.zone ?? undefined)
    && a.conditions?.ready === b.conditions?.ready
    && a.conditions?.serving === b.conditions?.serving
    && a.conditions?.terminating === b.conditions?.terminating
    && semanticEqual(ref(a), ref(b));
}

const RESERVED_LABELS = new Set([SERVICE_NAME_LABEL, MANAGED_BY_LABEL, HEADLESS_LABEL]);

/**
 * Upstream setEndpointSliceLabels: the service's labels (but the reserved ones), the headless label
 * for a service without a cluster IP, the service name and managed-by; `changed` when the
 * non-reserved labels differ from the service's.
 */
export function sliceLabels(slice: V1EndpointSlice, svc: V1Service, controllerName: string): { labels: Record<string, string>; changed: boolean } {
  const have: Record<string, string> = {};
  for (const [k, v] of Object.entries(slice.metadata?.labels ?? {})) if (!RESERVED_LABELS.has(k)) have[k] = v;
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(svc.metadata?.labels ?? {})) if (!RESERVED_LABELS.has(k)) labels[k] = v;
  const changed = !semanticEqual(have, labels);
  if (!isServiceIPSet(svc)) labels[HEADLESS_LABEL] = '';
  labels[SERVICE_NAME_LABEL] = svc.metadata?.name ?? '';
  labels[MANAGED_BY_LABEL] = controllerName;
  return { labels, changed };
}

export function serviceOwnerReference(svc: V1Service): V1OwnerReference {
  return { apiVersion: 'v1', kind: 'Service', name: svc.metadata?.name ?? '', uid: svc.metadata?.uid ?? '', controller: true, blockOwnerDeletion: true };
}

/** Upstream ownedBy: an ownerReference to this very Service (by UID). */
export function ownedBy(slice: V1EndpointSlice, svc: V1Service): boolean {
  return (slice.metadata?.ownerReferences ?? []).some((o) => o.uid === svc.metadata?.uid && o.kind === 'Service' && o.apiVersion === 'v1');
}

/** Upstream newEndpointSlice: an unnamed slice (generateName "<service>-") owned by the service. */
export function newEndpointSlice(svc: V1Service, ports: DiscoveryV1EndpointPort[], addressType: AddressType, controllerName: string): V1EndpointSlice {
  const slice: V1EndpointSlice = {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: {
      // Service names are DNS labels, so "<name>-" is always a valid prefix.
      generateName: `${svc.metadata?.name ?? ''}-`,
      namespace: svc.metadata?.namespace,
      ownerReferences: [serviceOwnerReference(svc)],
      labels: {},
    },
    addressType,
    ports: structuredClone(ports),
    endpoints: [],
  };
  slice.metadata!.labels = sliceLabels(slice, svc, controllerName).labels;
  return slice;
}

/** Upstream placeholderSliceCompare: same namespace, labels and address type, with no ports and no endpoints. */
function isPlaceholderLike(slice: V1EndpointSlice, placeholder: V1EndpointSlice): boolean {
  return slice.metadata?.namespace === placeholder.metadata?.namespace
    && semanticEqual(slice.metadata?.labels ?? {}, placeholder.metadata?.labels ?? {})
    && slice.addressType === placeholder.addressType
    && (slice.endpoints ?? []).length === 0
    && (slice.ports ?? []).length === 0;
}

/** Upstream getSliceToFill: the slice that comes closest to full when `n` endpoints are added. */
function sliceToFill(slices: V1EndpointSlice[], n: number, max: number): V1EndpointSlice | undefined {
  let closestDiff = max;
  let closest: V1EndpointSlice | undefined;
  for (const s of slices) {
    const diff = max - (n + (s.endpoints?.length ?? 0));
    if (diff >= 0 && diff < closestDiff) {
      closestDiff = diff;
      closest = s;
      if (diff === 0) break;
    }
  }
  return closest;
}

/** Upstream reconcileByPortMapping: the changes for the slices of one port set. */
function reconcileByPortMapping(
  svc: V1Service, existing: V1EndpointSlice[], desired: Map<string, V1Endpoint>, ports: DiscoveryV1EndpointPort[],
  addressType: AddressType, max: number, controllerName: string,
): { create: V1EndpointSlice[]; update: V1EndpointSlice[]; delete: V1EndpointSlice[] } {
  const byName = new Map<string, V1EndpointSlice>();
  const unchanged = new Set<string>();
  const toUpdate = new Set<string>();
  const toDelete = new Set<string>();

  // 1. Keep the endpoints still wanted where they are (updated when they changed), drop the others.
  for (const slice of existing) {
    const name = nameOf(slice);
    byName.set(name, slice);
    const kept: V1Endpoint[] = [];
    let endpointUpdated = false;
    for (const ep of slice.endpoints ?? []) {
      const k = endpointKey(ep);
      const want = desired.get(k);
      if (!want) continue;
      kept.push(want);
      if (!endpointsEqualBeyondKey(want, ep)) endpointUpdated = true;
      desired.delete(k);
    }
    const { labels, changed } = sliceLabels(slice, svc, controllerName);
    if (endpointUpdated || kept.length !== (slice.endpoints ?? []).length) {
      if (kept.length === 0) {
        toDelete.add(name);
      } else {
        const next = structuredClone(slice);
        next.endpoints = kept;
        next.metadata!.labels = labels;
        byName.set(name, next);
        toUpdate.add(name);
      }
    } else if (changed) {
      const next = structuredClone(slice);
      next.metadata!.labels = labels;
      byName.set(name, next);
      toUpdate.add(name);
    } else {
      unchanged.add(name);
    }
  }

  const popInto = (slice: V1EndpointSlice) => {
    slice.endpoints ??= [];
    for (const [k, ep] of desired) {
      if (slice.endpoints.length >= max) break;
      slice.endpoints.push(ep);
      desired.delete(k);
    }
  };

  // 2. Fill the slices being updated anyway, fullest first.
  if (desired.size > 0 && toUpdate.size > 0) {
    const slices = [...toUpdate].sort(byString).map((n) => byName.get(n)!);
    slices.sort((a, b) => (b.endpoints?.length ?? 0) - (a.endpoints?.length ?? 0));
    for (const s of slices) popInto(s);
  }

  // 3. What is left goes into one unchanged slice it fits in, or into new slices.
  const create: V1EndpointSlice[] = [];
  while (desired.size > 0) {
    let fill: V1EndpointSlice | undefined;
    if (desired.size < max && unchanged.size > 0) {
      const candidate = sliceToFill([...unchanged].sort(byString).map((n) => byName.get(n)!), desired.size, max);
      if (candidate) {
        fill = structuredClone(candidate);
        byName.set(nameOf(fill), fill);
      }
    }
    fill ??= newEndpointSlice(svc, ports, addressType, controllerName);
    popInto(fill);
    if (nameOf(fill)) {
      toUpdate.add(nameOf(fill));
      unchanged.delete(nameOf(fill));
    } else {
      create.push(fill);
    }
  }
  return {
    create,
    update: [...toUpdate].sort(byString).map((n) => byName.get(n)!),
    delete: [...toDelete].sort(byString).map((n) => byName.get(n)!),
  };
}

/** Upstream reconcileByAddressType plus finalize's planning. */
function reconcileByAddressType(input: ReconcileInput, existing: V1EndpointSlice[], addressType: AddressType, plan: ReconcilePlan): void {
  const svc = input.service;
  const max = input.maxEndpointsPerSlice ?? DEFAULT_MAX_ENDPOINTS_PER_SLICE;
  const controllerName = input.controllerName ?? CONTROLLER_NAME;
  const create: V1EndpointSlice[] = [];
  const update: V1EndpointSlice[] = [];
  const del: V1EndpointSlice[] = [];

  const existingByPorts = new Map<string, V1EndpointSlice[]>();
  for (const slice of existing) {
    if (!ownedBy(slice, svc)) {
      del.push(slice);
      continue;
    }
    const k = portMapKey(slice.ports);
    existingByPorts.set(k, [...(existingByPorts.get(k) ?? []), slice]);
  }

  const desiredByPorts = new Map<string, { ports: DiscoveryV1EndpointPort[]; endpoints: Map<string, V1Endpoint> }>();
  const pods = [...input.pods].sort((a, b) => byString(nameOf(a), nameOf(b)));
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const ports = endpointPortsFor(svc, pod);
    const k = portMapKey(ports);
    let group = desiredByPorts.get(k);
    if (!group) desiredByPorts.set(k, (group = { ports, endpoints: new Map() }));
    const nodeName = pod.spec?.nodeName ?? '';
    const node = nodeName ? input.nodeOf(nodeName) : undefined;
    if (!node && svc.spec?.publishNotReadyAddresses !== true) {
      // Upstream leaves out a pod whose node does not exist and retries the service later.
      plan.errors.push(`skipping Pod ${nameOf(pod)} for Service ${svc.metadata?.namespace}/${nameOf(svc)}: Node ${nodeName} Not Found`);
      continue;
    }
    const ep = podToEndpoint(pod, node, svc, addressType);
    if ((ep.addresses ?? []).length > 0) group.endpoints.set(endpointKey(ep), ep);
  }

  for (const k of [...desiredByPorts.keys()].sort(byString)) {
    const group = desiredByPorts.get(k)!;
    const r = reconcileByPortMapping(svc, existingByPorts.get(k) ?? [], group.endpoints, group.ports, addressType, max, controllerName);
    create.push(...r.create);
    update.push(...r.update);
    del.push(...r.delete);
  }
  // Port sets no longer wanted at all.
  for (const k of [...existingByPorts.keys()].sort(byString)) if (!desiredByPorts.has(k)) del.push(...existingByPorts.get(k)!);

  // A service with no endpoints keeps one empty slice, so consumers can tell "none" from "not yet".
  if (existing.length === del.length && create.length === 0) {
    const placeholder = newEndpointSlice(svc, [], addressType, controllerName);
    if (del.length === 1 && isPlaceholderLike(del[0]!, placeholder)) del.length = 0;
    else create.push(placeholder);
  }

  // finalize: a slice to create replaces one to delete (same address type, owned by this service)
  // by an update of it, so names stay put.
  for (let i = 0; i < del.length && create.length > 0;) {
    const old = del[i]!;
    const fresh = create[create.length - 1]!;
    if (old.addressType === fresh.addressType && ownedBy(old, svc)) {
      fresh.metadata!.name = nameOf(old);
      // Our own precondition (upstream updates unconditionally): a slice changed since we read it is retried.
      fresh.metadata!.resourceVersion = old.metadata?.resourceVersion;
      create.pop();
      update.push(fresh);
      del.splice(i, 1);
    } else {
      i++;
    }
  }
  plan.create.push(...create);
  plan.update.push(...update);
  plan.delete.push(...del);
}

/** Upstream addTriggerTimeAnnotation. */
function setTriggerTime(slice: V1EndpointSlice, t: Date | undefined): void {
  const annotations = { ...(slice.metadata!.annotations ?? {}) };
  if (t) annotations[LAST_CHANGE_TRIGGER_TIME] = formatRFC3339Nano(t);
  else delete annotations[LAST_CHANGE_TRIGGER_TIME];
  slice.metadata!.annotations = annotations;
}

/** Upstream Reconcile: the whole plan for one service. */
export function planReconcile(input: ReconcileInput): ReconcilePlan {
  const plan: ReconcilePlan = { create: [], update: [], delete: [], errors: [] };
  const types = addressTypesForService(input.service);
  const byType = new Map<string, V1EndpointSlice[]>();
  const unsupported: V1EndpointSlice[] = [];
  for (const slice of [...input.existing].sort((a, b) => byString(nameOf(a), nameOf(b)))) {
    const t = slice.addressType ?? '';
    if (!(types as string[]).includes(t)) {
      unsupported.push(slice);
      continue;
    }
    byType.set(t, [...(byType.get(t) ?? []), slice]);
  }
  for (const t of types) reconcileByAddressType(input, byType.get(t) ?? [], t, plan);
  plan.delete.push(...unsupported);
  // No new slices for a service being deleted: the garbage collector is removing them.
  if (input.service.metadata?.deletionTimestamp) plan.create = [];
  for (const s of [...plan.create, ...plan.update]) setTriggerTime(s, input.triggerTime);
  return plan;
}
