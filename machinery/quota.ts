// Resource quota vocabulary shared by the API server's ResourceQuota admission and the quota
// controller: resource-list arithmetic (upstream's apiserver/pkg/quota/v1 resources.go), the
// usage evaluators for pods, services, persistent volume claims and object counts
// (pkg/quota/v1/evaluator/core, apiserver/pkg/quota/v1/generic), quota scopes, and the usage a
// quota's namespace adds up to (CalculateUsage). Pure: objects in, quantities out, time a
// parameter. Objects may be plain API objects or client-node models (timestamps as strings or
// Dates, quantities as strings or numbers).
import { newQuantity, parseQuantity, type Quantity } from './quantity.ts';
import { compareGoStrings } from './goformat.ts';
import { isQualifiedName } from './validation.ts';

/** A resource list as objects carry it: name → quantity text. */
export type ResourceListText = Record<string, string | number>;
/** A parsed resource list. */
export type ResourceList = Record<string, Quantity>;

const zero = (): Quantity => newQuantity(0, 'DecimalSI');
const one = (): Quantity => newQuantity(1, 'DecimalSI');

// ---- resource lists (upstream quota.Add, Subtract, Mask, Equals, LessThanOrEqual, …) ----

/** Parses a resource list; values that are not quantities are left out (validation rejects them). */
export function parseResourceList(list: ResourceListText | null | undefined): ResourceList {
  const out: ResourceList = {};
  for (const [k, v] of Object.entries(list ?? {})) {
    if (v === undefined || v === null) continue;
    try {
      out[k] = parseQuantity(String(v));
    } catch {
      // not a quantity
    }
  }
  return out;
}

export function formatResourceList(list: ResourceList): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(list).sort(compareGoStrings)) out[k] = list[k]!.toString();
  return out;
}

export function resourceNames(list: ResourceList | ResourceListText | null | undefined): string[] {
  return Object.keys(list ?? {});
}

export function add(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = k in out ? out[k]!.add(v) : v;
  return out;
}

/** a − b, with every result at least zero (upstream's SubtractWithNonNegativeResult). */
export function subtractNonNegative(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = {};
  for (const [k, v] of Object.entries(a)) {
    const d = k in b ? v.sub(b[k]!) : v;
    out[k] = d.sign() < 0 ? zero() : d;
  }
  for (const k of Object.keys(b)) if (!(k in out)) out[k] = zero();
  return out;
}

/** Only the named resources. */
export function mask(list: ResourceList, names: readonly string[]): ResourceList {
  const out: ResourceList = {};
  for (const n of names) if (n in list) out[n] = list[n]!;
  return out;
}

export function equals(a: ResourceList, b: ResourceList): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => k in b && a[k]!.cmp(b[k]!) === 0);
}

/** Whether every quantity of `a` named in `b` is ≤ b's, and the names that are not. */
export function lessThanOrEqual(a: ResourceList, b: ResourceList): { allowed: boolean; exceeded: string[] } {
  const exceeded = Object.keys(b).filter((k) => k in a && a[k]!.cmp(b[k]!) > 0);
  return { allowed: exceeded.length === 0, exceeded };
}

export function removeZeros(list: ResourceList): ResourceList {
  const out: ResourceList = {};
  for (const [k, v] of Object.entries(list)) if (!v.isZero()) out[k] = v;
  return out;
}

export function negativeResources(list: ResourceList): string[] {
  return Object.keys(list).filter((k) => list[k]!.sign() < 0);
}

export function intersection(a: readonly string[], b: readonly string[]): string[] {
  const set = new Set(b);
  return [...new Set(a.filter((x) => set.has(x)))];
}

/** `cpu=1,memory=2Gi`, sorted by name (upstream's prettyPrint for quota errors). */
export function prettyPrint(list: ResourceList): string {
  return Object.keys(list).sort(compareGoStrings).map((k) => `${k}=${list[k]!.toString()}`).join(',');
}

export function prettyPrintResourceNames(names: readonly string[]): string {
  return [...names].sort(compareGoStrings).join(',');
}

function addInto(into: ResourceList, list: ResourceList): void {
  for (const [k, v] of Object.entries(list)) into[k] = k in into ? into[k]!.add(v) : v;
}

function maxInto(into: ResourceList, list: ResourceList): void {
  for (const [k, v] of Object.entries(list)) if (!(k in into) || v.cmp(into[k]!) > 0) into[k] = v;
}

// ---- the objects quota reads ----

type Time = string | Date;

interface ContainerLike {
  name?: string;
  restartPolicy?: string;
  resources?: { requests?: ResourceListText | null; limits?: ResourceListText | null } | null;
}

interface AffinityTermLike { namespaces?: string[] | null; namespaceSelector?: unknown }

export interface PodLike {
  metadata?: { deletionTimestamp?: Time | null; deletionGracePeriodSeconds?: number | null } | null;
  spec?: {
    containers?: ContainerLike[] | null;
    initContainers?: ContainerLike[] | null;
    overhead?: ResourceListText | null;
    activeDeadlineSeconds?: number | null;
    priorityClassName?: string | null;
    affinity?: {
      podAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: AffinityTermLike[] | null; preferredDuringSchedulingIgnoredDuringExecution?: Array<{ podAffinityTerm?: AffinityTermLike }> | null } | null;
      podAntiAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: AffinityTermLike[] | null; preferredDuringSchedulingIgnoredDuringExecution?: Array<{ podAffinityTerm?: AffinityTermLike }> | null } | null;
    } | null;
  } | null;
  status?: { phase?: string | null } | null;
}

export interface ServiceLike {
  spec?: { type?: string | null; ports?: Array<{ nodePort?: number | null }> | null; allocateLoadBalancerNodePorts?: boolean | null } | null;
}

export interface PersistentVolumeClaimLike {
  metadata?: { annotations?: Record<string, string> | null } | null;
  spec?: { storageClassName?: string | null; resources?: { requests?: ResourceListText | null } | null } | null;
  status?: { allocatedResources?: ResourceListText | null } | null;
}

export interface ScopedResourceSelectorRequirement { scopeName?: string; operator?: string; values?: string[] | null }

export interface ResourceQuotaLike {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string } | null;
  spec?: { hard?: ResourceListText | null; scopes?: string[] | null; scopeSelector?: { matchExpressions?: ScopedResourceSelectorRequirement[] | null } | null } | null;
  status?: { hard?: ResourceListText | null; used?: ResourceListText | null } | null;
}

export interface GroupResource { group: string; resource: string }

/** `count/pods`, `count/deployments.apps` (upstream's ObjectCountQuotaResourceNameFor). */
export function objectCountName(gr: GroupResource): string {
  return gr.group ? `count/${gr.resource}.${gr.group}` : `count/${gr.resource}`;
}

/** The group resource a `count/<resource>[.<group>]` name counts, if it is one. */
export function parseObjectCountName(name: string): GroupResource | undefined {
  if (!name.startsWith('count/')) return undefined;
  const rest = name.slice('count/'.length);
  const dot = rest.indexOf('.');
  if (!rest) return undefined;
  return dot < 0 ? { group: '', resource: rest } : { group: rest.slice(dot + 1), resource: rest.slice(0, dot) };
}

// ---- pods ----

/**
 * A pod's requests or limits as the scheduler and quota see them (component-helpers'
 * PodRequests / PodLimits): the containers summed, restartable (sidecar) init containers added
 * to the sum, the largest one-at-a-time init container kept if larger, then the pod overhead
 * (limits only for resources that have a limit).
 */
export function podResourceTotals(pod: PodLike, field: 'requests' | 'limits', opts: { overhead?: boolean } = {}): ResourceList {
  const total: ResourceList = {};
  for (const c of pod.spec?.containers ?? []) addInto(total, parseResourceList(c.resources?.[field]));
  const restartable: ResourceList = {};
  const initMax: ResourceList = {};
  for (const c of pod.spec?.initContainers ?? []) {
    const own = parseResourceList(c.resources?.[field]);
    if (c.restartPolicy === 'Always') {
      addInto(total, own);
      addInto(restartable, own);
      maxInto(initMax, restartable);
    } else {
      const running: ResourceList = {};
      addInto(running, own);
      addInto(running, restartable);
      maxInto(initMax, running);
    }
  }
  maxInto(total, initMax);
  if (opts.overhead && pod.spec?.overhead) {
    const overhead = parseResourceList(pod.spec.overhead);
    if (field === 'requests') addInto(total, overhead);
    else for (const [k, v] of Object.entries(overhead)) if (k in total) total[k] = total[k]!.add(v);
  }
  return total;
}

const timeOf = (t: Time): number => (t instanceof Date ? t.getTime() : Date.parse(t));

/**
 * Whether a pod's compute resources count against quota (upstream's QuotaV1Pod): not once it
 * has finished, nor once its deletion grace period has run out (a pod stuck on a lost node).
 */
export function podCountsForQuota(pod: PodLike, now: Date): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Failed' || phase === 'Succeeded') return false;
  const ts = pod.metadata?.deletionTimestamp;
  const grace = pod.metadata?.deletionGracePeriodSeconds;
  if (ts && grace !== undefined && grace !== null && now.getTime() > timeOf(ts) + grace * 1000) return false;
  return true;
}

/** Upstream's IsTerminating: the pod has an active deadline. */
export function podIsTerminating(pod: PodLike): boolean {
  const d = pod.spec?.activeDeadlineSeconds;
  return d !== undefined && d !== null && d >= 0;
}

/** BestEffort QoS: no container (init containers included) requests or limits any cpu or memory. */
export function podIsBestEffort(pod: PodLike): boolean {
  for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
    for (const list of [c.resources?.requests, c.resources?.limits]) {
      const parsed = parseResourceList(list);
      for (const r of ['cpu', 'memory']) if (parsed[r] && parsed[r]!.sign() > 0) return false;
    }
  }
  return true;
}

function usesCrossNamespacePodAffinity(pod: PodLike): boolean {
  const cross = (t: AffinityTermLike | undefined) => !!t && ((t.namespaces ?? []).length > 0 || (t.namespaceSelector !== undefined && t.namespaceSelector !== null));
  for (const a of [pod.spec?.affinity?.podAffinity, pod.spec?.affinity?.podAntiAffinity]) {
    if (!a) continue;
    if ((a.requiredDuringSchedulingIgnoredDuringExecution ?? []).some(cross)) return true;
    if ((a.preferredDuringSchedulingIgnoredDuringExecution ?? []).some((w) => cross(w.podAffinityTerm))) return true;
  }
  return false;
}

/** Whether a pod falls in one scope requirement (upstream's podMatchesScopeFunc). */
export function podMatchesScope(sel: ScopedResourceSelectorRequirement, pod: PodLike): boolean {
  switch (sel.scopeName) {
    case 'Terminating': return podIsTerminating(pod);
    case 'NotTerminating': return !podIsTerminating(pod);
    case 'BestEffort': return podIsBestEffort(pod);
    case 'NotBestEffort': return !podIsBestEffort(pod);
    case 'PriorityClass': {
      const pc = pod.spec?.priorityClassName ?? '';
      // The scope is a label selector over {PriorityClass: <name>} (none when the pod names no class).
      switch (sel.operator) {
        case 'Exists': return pc !== '';
        case 'DoesNotExist': return pc === '';
        case 'In': return pc !== '' && (sel.values ?? []).includes(pc);
        case 'NotIn': return pc === '' || !(sel.values ?? []).includes(pc);
        default: return false;
      }
    }
    case 'CrossNamespacePodAffinity': return usesCrossNamespacePodAffinity(pod);
    default: return false;
  }
}

/** The scopes of a quota as selector requirements: spec.scopes (Exists) then spec.scopeSelector. */
export function scopeSelectorsOf(q: ResourceQuotaLike): ScopedResourceSelectorRequirement[] {
  return [
    ...(q.spec?.scopes ?? []).map((scopeName) => ({ scopeName, operator: 'Exists' })),
    ...(q.spec?.scopeSelector?.matchExpressions ?? []),
  ];
}

const POD_RESOURCES = [
  'count/pods', 'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage',
  'limits.cpu', 'limits.memory', 'limits.ephemeral-storage', 'pods',
];
const POD_RESOURCE_PREFIXES = ['hugepages-', 'requests.hugepages-'];

/** Upstream's IsNativeResource: no domain, or a kubernetes.io one. */
const isNativeResource = (name: string) => !name.includes('/') || name.includes('kubernetes.io/');

/** An extended resource a pod may request (`example.com/dongle`), counted as `requests.<name>`. */
function isExtendedResourceName(name: string): boolean {
  if (isNativeResource(name) || name.startsWith('requests.')) return false;
  return isQualifiedName(`requests.${name}`).length === 0;
}

/** The quota resources one container's requests and limits add up to (upstream's podComputeUsageHelper). */
export function podComputeUsage(requests: ResourceList, limits: ResourceList): ResourceList {
  const out: ResourceList = { pods: one() };
  for (const r of ['cpu', 'memory', 'ephemeral-storage']) {
    if (requests[r]) { out[r] = requests[r]!; out[`requests.${r}`] = requests[r]!; }
    if (limits[r]) out[`limits.${r}`] = limits[r]!;
  }
  for (const [r, q] of Object.entries(requests)) {
    if (r.startsWith('hugepages-')) { out[r] = q; out[`requests.${r}`] = q; }
    if (isExtendedResourceName(r)) out[`requests.${r}`] = q;
  }
  return out;
}

/** Quota resources that pods must state for every container when a quota limits them (a historical rule). */
const POD_VALIDATION_SET = new Set(['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory']);

/** How one kind of object counts against quota (upstream's quota.Evaluator). */
export interface QuotaEvaluator {
  groupResource: GroupResource;
  /** The given quota resource names this evaluator tracks. */
  matchingResources(names: readonly string[]): string[];
  /** Whether a write of this kind can change usage. */
  handles(operation: string, subresource: string): boolean;
  /** Whether an object falls in one scope requirement (objects without scopes fall in none). */
  matchesScope(sel: ScopedResourceSelectorRequirement, obj: unknown): boolean;
  /** What the object charges. */
  usage(obj: unknown, now: Date): ResourceList;
  /** A reason the object cannot be charged against these resources (pods must state cpu and memory). */
  constraints?(required: readonly string[], obj: unknown): string | undefined;
}

export const podEvaluator: QuotaEvaluator = {
  groupResource: { group: '', resource: 'pods' },
  matchingResources(names) {
    return [...new Set(names.filter((n) => POD_RESOURCES.includes(n) || POD_RESOURCE_PREFIXES.some((p) => n.startsWith(p))
      || (!isNativeResource(n) && n.startsWith('requests.'))))];
  },
  // Pod resources are immutable in 1.32 (no in-place resize): only a create charges.
  handles: (op, sub) => op === 'CREATE' && sub === '',
  matchesScope: (sel, obj) => podMatchesScope(sel, obj as PodLike),
  usage(obj, now) {
    const pod = obj as PodLike;
    // count/pods tracks every pod in storage; the rest only pods that have not finished.
    const out: ResourceList = { 'count/pods': one() };
    if (!podCountsForQuota(pod, now)) return out;
    return add(out, podComputeUsage(podResourceTotals(pod, 'requests', { overhead: true }), podResourceTotals(pod, 'limits', { overhead: true })));
  },
  constraints(required, obj) {
    const pod = obj as PodLike;
    const wanted = required.filter((r) => POD_VALIDATION_SET.has(r));
    const missing = new Map<string, Set<string>>();
    for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
      const has = podComputeUsage(parseResourceList(c.resources?.requests), parseResourceList(c.resources?.limits));
      for (const r of wanted) {
        if (r in has) continue;
        if (!missing.has(r)) missing.set(r, new Set());
        missing.get(r)!.add(c.name ?? '');
      }
    }
    if (missing.size === 0) return undefined;
    const parts = [...missing.keys()].sort(compareGoStrings).map((r) => `${r} for: ${[...missing.get(r)!].sort(compareGoStrings).join(',')}`);
    return `must specify ${parts.join('; ')}`;
  },
};

const SERVICE_RESOURCES = ['count/services', 'services', 'services.nodeports', 'services.loadbalancers'];

/** The service type that matters to quota (upstream's GetQuotaServiceType). */
export function quotaServiceType(svc: ServiceLike): string {
  const t = svc.spec?.type;
  return t === 'NodePort' || t === 'LoadBalancer' ? t : '';
}

export const serviceEvaluator: QuotaEvaluator = {
  groupResource: { group: '', resource: 'services' },
  matchingResources: (names) => intersection(names, SERVICE_RESOURCES),
  handles: (op) => op === 'CREATE' || op === 'UPDATE',
  matchesScope: () => false,
  usage(obj) {
    const svc = obj as ServiceLike;
    const ports = svc.spec?.ports ?? [];
    const out: ResourceList = { 'count/services': one(), services: one(), 'services.loadbalancers': zero(), 'services.nodeports': zero() };
    if (svc.spec?.type === 'NodePort') out['services.nodeports'] = newQuantity(ports.length, 'DecimalSI');
    if (svc.spec?.type === 'LoadBalancer') {
      // Without allocated node ports only the ports that still have one count.
      const n = svc.spec.allocateLoadBalancerNodePorts === false ? ports.filter((p) => p.nodePort).length : ports.length;
      out['services.nodeports'] = newQuantity(n, 'DecimalSI');
      out['services.loadbalancers'] = one();
    }
    return out;
  },
};

const STORAGE_CLASS_SUFFIX = '.storageclass.storage.k8s.io/';
const PVC_RESOURCES = ['persistentvolumeclaims', 'requests.storage'];

/** The claim's class: the beta annotation wins over spec.storageClassName (upstream's GetPersistentVolumeClaimClass). */
export function claimStorageClass(pvc: PersistentVolumeClaimLike): string {
  return pvc.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? pvc.spec?.storageClassName ?? '';
}

export const persistentVolumeClaimEvaluator: QuotaEvaluator = {
  groupResource: { group: '', resource: 'persistentvolumeclaims' },
  matchingResources: (names) => [...new Set(names.filter((n) => n === 'count/persistentvolumeclaims' || PVC_RESOURCES.includes(n)
    || PVC_RESOURCES.some((r) => n.endsWith(STORAGE_CLASS_SUFFIX + r))))],
  handles: (op) => op === 'CREATE' || op === 'UPDATE',
  matchesScope: () => false,
  usage(obj) {
    const pvc = obj as PersistentVolumeClaimLike;
    const out: ResourceList = { persistentvolumeclaims: one(), 'count/persistentvolumeclaims': one() };
    const cls = claimStorageClass(pvc);
    if (cls) out[`${cls}${STORAGE_CLASS_SUFFIX}persistentvolumeclaims`] = one();
    // Whole bytes; an allocation larger than the request (a resize in progress) counts instead.
    const wholeBytes = (q: Quantity) => q.roundUp(0).quantity;
    let storage = parseResourceList(pvc.spec?.resources?.requests).storage;
    if (storage) {
      storage = wholeBytes(storage);
      const allocated = parseResourceList(pvc.status?.allocatedResources).storage;
      if (allocated && allocated.cmp(storage) > 0) storage = wholeBytes(allocated);
      out['requests.storage'] = storage;
      if (cls) out[`${cls}${STORAGE_CLASS_SUFFIX}requests.storage`] = storage;
    }
    return out;
  },
};

/** Counts objects of any kind: `count/<resource>.<group>`, and the legacy name some core kinds have. */
export function objectCountEvaluator(gr: GroupResource, legacyName?: string): QuotaEvaluator {
  const names = [objectCountName(gr), ...(legacyName ? [legacyName] : [])];
  return {
    groupResource: gr,
    matchingResources: (input) => intersection(input, names),
    handles: (op) => op === 'CREATE',
    matchesScope: () => false,
    usage: () => Object.fromEntries(names.map((n) => [n, one()])),
  };
}

/** The kinds with their own evaluators, and the core kinds counted under a legacy name. */
const REGISTERED: QuotaEvaluator[] = [
  podEvaluator, serviceEvaluator, persistentVolumeClaimEvaluator,
  objectCountEvaluator({ group: '', resource: 'configmaps' }, 'configmaps'),
  objectCountEvaluator({ group: '', resource: 'resourcequotas' }, 'resourcequotas'),
  objectCountEvaluator({ group: '', resource: 'replicationcontrollers' }, 'replicationcontrollers'),
  objectCountEvaluator({ group: '', resource: 'secrets' }, 'secrets'),
];

/** Resources quota never counts: virtual ones, and events (upstream's ignored resources). */
const IGNORED = new Set([
  '/bindings', '/componentstatuses', '/events', 'events.k8s.io/events',
  'authentication.k8s.io/tokenreviews', 'authentication.k8s.io/selfsubjectreviews',
  'authorization.k8s.io/subjectaccessreviews', 'authorization.k8s.io/selfsubjectaccessreviews',
  'authorization.k8s.io/localsubjectaccessreviews', 'authorization.k8s.io/selfsubjectrulesreviews',
]);

export function registeredEvaluators(): readonly QuotaEvaluator[] {
  return REGISTERED;
}

/** The evaluator for a kind: its own, or an object counter; none for ignored resources. */
export function evaluatorFor(gr: GroupResource): QuotaEvaluator | undefined {
  if (IGNORED.has(`${gr.group}/${gr.resource}`)) return undefined;
  return REGISTERED.find((e) => e.groupResource.group === gr.group && e.groupResource.resource === gr.resource) ?? objectCountEvaluator(gr);
}

/**
 * Whether a quota covers an object (upstream's generic.Matches): it limits one of the
 * evaluator's resources in status.hard, and the object falls in every one of its scopes.
 */
export function quotaMatches(q: ResourceQuotaLike, evaluator: QuotaEvaluator, obj: unknown): boolean {
  if (evaluator.matchingResources(resourceNames(q.status?.hard)).length === 0) return false;
  return scopeSelectorsOf(q).every((sel) => evaluator.matchesScope(sel, obj));
}

/**
 * The usage a quota's scopes select among the given objects of one kind, for the named
 * resources (each starting at zero): upstream's CalculateUsageStats.
 */
export function usageStats(evaluator: QuotaEvaluator, items: readonly unknown[], q: ResourceQuotaLike, names: readonly string[], now: Date): ResourceList {
  let used: ResourceList = {};
  for (const n of names) used[n] = zero();
  const selectors = scopeSelectorsOf(q);
  for (const item of items) {
    if (!selectors.every((sel) => evaluator.matchesScope(sel, item))) continue;
    used = add(used, evaluator.usage(item, now));
  }
  return mask(used, names);
}

/**
 * The usage of everything a quota limits in its namespace (upstream's CalculateUsage): for each
 * evaluator that tracks a resource of spec.hard, its objects' usage; `itemsOf` gives a kind's
 * objects in the namespace, or undefined when they cannot be read (those resources keep their
 * last recorded usage). Object counts of other kinds use `count/<resource>.<group>`.
 */
export function calculateUsage(q: ResourceQuotaLike, itemsOf: (gr: GroupResource) => readonly unknown[] | undefined, now: Date): { used: ResourceList; unknown: string[] } {
  const hard = resourceNames(q.spec?.hard);
  const evaluators: QuotaEvaluator[] = [...REGISTERED];
  for (const n of hard) {
    const gr = parseObjectCountName(n);
    if (gr && !evaluators.some((e) => e.groupResource.group === gr.group && e.groupResource.resource === gr.resource)) {
      const e = evaluatorFor(gr);
      if (e) evaluators.push(e);
    }
  }
  let used: ResourceList = {};
  const unknown: string[] = [];
  for (const e of evaluators) {
    const names = e.matchingResources(hard);
    if (names.length === 0) continue;
    const items = itemsOf(e.groupResource);
    if (!items) { unknown.push(...names); continue; }
    used = add(used, usageStats(e, items, q, names, now));
  }
  return { used, unknown };
}
