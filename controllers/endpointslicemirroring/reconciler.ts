// The EndpointSliceMirroring reconciler (upstream pkg/controller/endpointslicemirroring:
// reconciler.go, reconciler_helpers.go, utils.go), pure: given a custom Endpoints object and the
// slices this controller already mirrored for it, it plans which slices to create, update and
// delete. The Endpoints' subsets are first repacked into canonical form; each subset then gives at
// most one slice per address type, holding at most maxEndpointsPerSubset of its addresses (ready
// ones first), so a port set maps to exactly one slice. Labels and annotations are copied from the
// Endpoints (but the trigger time and kubectl's last-applied configuration), plus the service-name
// and managed-by labels; every slice is owned by the Endpoints. Unlike upstream's map iteration,
// every order here is fixed, so equal inputs give equal plans.
import type { CoreV1EndpointPort, DiscoveryV1EndpointPort, V1Endpoint, V1EndpointAddress, V1EndpointSlice, V1Endpoints, V1OwnerReference } from '@kubernetes/client-node';
import { parseIP } from '../../machinery/validation.ts';
import { repackSubsets } from '../endpoints.ts';
import { MANAGED_BY_LABEL, SERVICE_NAME_LABEL, endpointKey, endpointsEqualBeyondKey, portMapKey, type AddressType } from '../endpointslice/reconciler.ts';
import { LAST_CHANGE_TRIGGER_TIME, semanticEqual } from '../endpointslice/util.ts';

/** Upstream controllerName: the managed-by value of mirrored slices. */
export const MIRRORING_CONTROLLER_NAME = 'endpointslicemirroring-controller.k8s.io';
/** discovery/v1 LabelSkipMirror: Endpoints labelled "true" are never mirrored. */
export const SKIP_MIRROR_LABEL = 'endpointslice.kubernetes.io/skip-mirror';
/** client-go resourcelock.LeaderElectionRecordAnnotationKey: old leader-election records are not mirrored. */
export const LEADER_ELECTION_ANNOTATION = 'control-plane.alpha.kubernetes.io/leader';
/** core/v1 LastAppliedConfigAnnotation: kubectl apply's record, never copied onto slices. */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
/** Upstream --mirroring-max-endpoints-per-subset default. */
export const DEFAULT_MAX_ENDPOINTS_PER_SUBSET = 1000;

export interface MirrorInput {
  endpoints: V1Endpoints;
  /** Slices labelled for this Endpoints' name and managed by this controller. */
  existing: V1EndpointSlice[];
  maxEndpointsPerSubset?: number;
}

export interface MirrorPlan {
  create: V1EndpointSlice[];
  update: V1EndpointSlice[];
  delete: V1EndpointSlice[];
  /** Addresses left out because their IP does not parse. */
  invalidAddresses: number;
  /** Every address left out: the invalid ones and those beyond maxEndpointsPerSubset. */
  skippedAddresses: number;
}

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const nameOf = (o: { metadata?: { name?: string } }) => o.metadata?.name ?? '';

/** Upstream shouldMirror: not labelled skip-mirror "true" and not a leader-election record. */
export function shouldMirror(ep: V1Endpoints): boolean {
  return ep.metadata?.labels?.[SKIP_MIRROR_LABEL] !== 'true'
    && !(LEADER_ELECTION_ANNOTATION in (ep.metadata?.annotations ?? {}));
}

const isV4Mapped = (b: number[]) => b.length === 16 && b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;

/** Go's net.IP.String() for an IPv6 address: lower-case groups, the longest run of two or more zero groups as "::". */
function ipv6String(b: number[]): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i]! << 8) | b[i + 1]!);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i >= 2 && j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/**
 * Upstream addressToEndpoint's parsing (netutils.ParseIPSloppy, then ip.String()): the address in
 * canonical form and its type, an IPv4-mapped IPv6 address counting as IPv4; undefined when the
 * text is not an IP.
 */
export function canonicalIP(text: string): { address: string; addressType: AddressType } | undefined {
  const ip = parseIP(text);
  if (!ip) return undefined;
  if (ip.bytes.length === 4) return { address: ip.bytes.join('.'), addressType: 'IPv4' };
  if (isV4Mapped(ip.bytes)) return { address: ip.bytes.slice(12).join('.'), addressType: 'IPv4' };
  return { address: ipv6String(ip.bytes), addressType: 'IPv6' };
}

/** Upstream epPortsToEpsPorts: name (empty when unset), port, protocol and appProtocol. */
export function endpointPortsOf(ports: CoreV1EndpointPort[] | undefined): DiscoveryV1EndpointPort[] {
  return (ports ?? []).map((p) => {
    // The API server defaults an Endpoints port's protocol to TCP.
    const out: DiscoveryV1EndpointPort = { name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' };
    if (p.appProtocol !== undefined && p.appProtocol !== null) out.appProtocol = p.appProtocol;
    return out;
  });
}

/** Upstream addressToEndpoint: the address, ready as listed, with its target, node and hostname. */
export function addressToEndpoint(addr: V1EndpointAddress, address: string, ready: boolean): V1Endpoint {
  const ep: V1Endpoint = { addresses: [address], conditions: { ready } };
  if (addr.targetRef) ep.targetRef = structuredClone(addr.targetRef);
  if (addr.nodeName) ep.nodeName = addr.nodeName;
  if (addr.hostname) ep.hostname = addr.hostname;
  return ep;
}

/** The Endpoints' labels with service-name and managed-by set (upstream newEndpointSlice). */
export function mirroredLabels(ep: V1Endpoints): Record<string, string> {
  return { ...(ep.metadata?.labels ?? {}), [SERVICE_NAME_LABEL]: ep.metadata?.name ?? '', [MANAGED_BY_LABEL]: MIRRORING_CONTROLLER_NAME };
}

/** The Endpoints' annotations but the trigger time and kubectl's last-applied configuration. */
export function mirroredAnnotations(ep: V1Endpoints): Record<string, string> {
  const out = { ...(ep.metadata?.annotations ?? {}) };
  delete out[LAST_CHANGE_TRIGGER_TIME];
  delete out[LAST_APPLIED_ANNOTATION];
  return out;
}

export function endpointsOwnerReference(ep: V1Endpoints): V1OwnerReference {
  return { apiVersion: 'v1', kind: 'Endpoints', name: nameOf(ep), uid: ep.metadata?.uid ?? '', controller: true, blockOwnerDeletion: true };
}

/** Upstream getEndpointSlicePrefix: "<name>-" unless that is too long for a name, then "<name>". */
export function sliceNamePrefix(name: string): string {
  return name.length + 1 <= 253 ? `${name}-` : name;
}

/** Upstream newEndpointSlice: named `name` (an update), or generateName "<endpoints>-" (a create). */
export function newMirroredSlice(ep: V1Endpoints, ports: DiscoveryV1EndpointPort[], addressType: AddressType, name?: string): V1EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: {
      ...(name ? { name } : { generateName: sliceNamePrefix(nameOf(ep)) }),
      namespace: ep.metadata?.namespace,
      labels: mirroredLabels(ep),
      annotations: mirroredAnnotations(ep),
      ownerReferences: [endpointsOwnerReference(ep)],
    },
    addressType,
    ports: structuredClone(ports),
    endpoints: [],
  };
}

/** Upstream addrTypePortMapKey: the address type and the port set. */
const groupKey = (addressType: string, ports: DiscoveryV1EndpointPort[] | undefined) => `${addressType}-${portMapKey(ports)}`;

interface DesiredGroup { addressType: AddressType; ports: DiscoveryV1EndpointPort[]; endpoints: Map<string, V1Endpoint> }

/** Upstream's desired-state pass of reconcile: endpoints by (address type, port set), and what was skipped. */
function desiredGroups(ep: V1Endpoints, max: number): { groups: Map<string, DesiredGroup>; invalid: number; skipped: number } {
  const groups = new Map<string, DesiredGroup>();
  let invalid = 0;
  let skipped = 0;
  for (const subset of repackSubsets(ep.subsets ?? [])) {
    const ports = endpointPortsOf(subset.ports);
    // Both address types get a (possibly empty) group, as upstream's initPorts: an empty group
    // deletes the slices left over for it.
    for (const t of ['IPv4', 'IPv6'] as const) {
      if (!groups.has(groupKey(t, ports))) groups.set(groupKey(t, ports), { addressType: t, ports, endpoints: new Map() });
    }
    const listed = [
      ...(subset.addresses ?? []).map((a) => ({ a, ready: true })),
      ...(subset.notReadyAddresses ?? []).map((a) => ({ a, ready: false })),
    ];
    let added = 0;
    for (const { a, ready } of listed) {
      // The cap is per subset, so that one subset maps to one slice of each address type.
      if (added >= max) break;
      const ip = canonicalIP(a.ip ?? '');
      if (!ip) {
        invalid++;
        continue;
      }
      const endpoint = addressToEndpoint(a, ip.address, ready);
      groups.get(groupKey(ip.addressType, ports))!.endpoints.set(endpointKey(endpoint), endpoint);
      added++;
    }
    skipped += listed.length - added;
  }
  return { groups, invalid, skipped };
}

/** Upstream totalChanges == 0: the slice holds exactly the desired endpoints, each unchanged. */
function sameEndpoints(slice: V1EndpointSlice, desired: Map<string, V1Endpoint>): boolean {
  const have = slice.endpoints ?? [];
  if (have.length !== desired.size) return false;
  const seen = new Set<string>();
  for (const e of have) {
    const k = endpointKey(e);
    const want = desired.get(k);
    if (!want || seen.has(k) || !endpointsEqualBeyondKey(want, e)) return false;
    seen.add(k);
  }
  return true;
}

/**
 * Upstream reconcileByPortMapping: no endpoints wanted deletes the group's slices; otherwise the
 * first existing slice is kept (the others deleted) and rewritten unless its endpoints, labels and
 * annotations are already right, or a new slice is made.
 */
function reconcileGroup(ep: V1Endpoints, existing: V1EndpointSlice[], group: DesiredGroup, max: number, plan: MirrorPlan): void {
  if (group.endpoints.size === 0) {
    plan.delete.push(...existing);
    return;
  }
  const [first, ...rest] = existing;
  plan.delete.push(...rest);
  // Upstream compares the Endpoints' labels with the slice's minus service-name and managed-by;
  // comparing the full label set the slice should carry is the same but for an Endpoints that
  // carries those two labels itself, where upstream would rewrite the slice on every sync.
  if (first
    && sameEndpoints(first, group.endpoints)
    && semanticEqual(first.metadata?.labels, mirroredLabels(ep))
    && semanticEqual(first.metadata?.annotations, mirroredAnnotations(ep))) return;

  const slice = newMirroredSlice(ep, group.ports, group.addressType, first ? nameOf(first) : undefined);
  for (const e of group.endpoints.values()) {
    if (slice.endpoints.length >= max) break;
    slice.endpoints.push(e);
  }
  if (first) {
    // Our own precondition (upstream updates unconditionally): a slice changed since we read it is retried.
    slice.metadata!.resourceVersion = first.metadata?.resourceVersion;
    plan.update.push(slice);
  } else {
    plan.create.push(slice);
  }
}

/**
 * Upstream recycleSlices: a slice to create and one to delete of the same address type become an
 * update of the latter, so names are reused rather than churned.
 */
function recycleSlices(plan: MirrorPlan): void {
  for (const t of ['IPv4', 'IPv6']) {
    const creates = plan.create.filter((s) => s.addressType === t);
    const deletes = plan.delete.filter((s) => s.addressType === t);
    for (let i = 0; i < creates.length && i < deletes.length; i++) {
      const fresh = creates[i]!;
      const old = deletes[i]!;
      delete fresh.metadata!.generateName;
      fresh.metadata!.name = nameOf(old);
      fresh.metadata!.resourceVersion = old.metadata?.resourceVersion;
      plan.create.splice(plan.create.indexOf(fresh), 1);
      plan.delete.splice(plan.delete.indexOf(old), 1);
      plan.update.push(fresh);
    }
  }
}

/** Upstream reconcile plus finalize's planning: the whole plan for one Endpoints. */
export function planMirror(input: MirrorInput): MirrorPlan {
  const ep = input.endpoints;
  const max = input.maxEndpointsPerSubset ?? DEFAULT_MAX_ENDPOINTS_PER_SUBSET;
  const { groups, invalid, skipped } = desiredGroups(ep, max);
  const plan: MirrorPlan = { create: [], update: [], delete: [], invalidAddresses: invalid, skippedAddresses: skipped };

  const existingByKey = new Map<string, V1EndpointSlice[]>();
  for (const slice of [...input.existing].sort((a, b) => byString(nameOf(a), nameOf(b)))) {
    const k = groupKey(slice.addressType ?? '', slice.ports);
    existingByKey.set(k, [...(existingByKey.get(k) ?? []), slice]);
  }
  for (const k of [...groups.keys()].sort(byString)) reconcileGroup(ep, existingByKey.get(k) ?? [], groups.get(k)!, max, plan);
  // Port sets (or address types) no longer wanted at all.
  for (const k of [...existingByKey.keys()].sort(byString)) if (!groups.has(k)) plan.delete.push(...existingByKey.get(k)!);

  recycleSlices(plan);
  // No new slices for an Endpoints being deleted.
  if (ep.metadata?.deletionTimestamp) plan.create = [];
  return plan;
}
