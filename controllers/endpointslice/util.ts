// What the Endpoints and EndpointSlice controllers share about pods and services (upstream
// k8s.io/endpointslice/util and pkg/api/v1/pod): which pods belong in a service's endpoints, how a
// service port resolves against a pod, readiness, the last-change-trigger-time tracker, and the
// service keys a pod change wakes.
import type { V1Pod, V1PodCondition, V1Service, V1ServicePort } from '@kubernetes/client-node';
import { ApiError, statusCodeOf, type Lister } from '../../client/index.ts';

/** core/v1 EndpointsLastChangeTriggerTime. */
export const LAST_CHANGE_TRIGGER_TIME = 'endpoints.kubernetes.io/last-change-trigger-time';
/** core/v1 IsHeadlessService: set on Endpoints and EndpointSlices of services without a cluster IP. */
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';

/** A create refused because the namespace is terminating (403 with cause NamespaceTerminating). */
export function isNamespaceTerminating(e: unknown): boolean {
  if (statusCodeOf(e) !== 403 || !(e instanceof ApiError)) return false;
  if (e.status?.details?.causes?.some((c) => c.reason === 'NamespaceTerminating')) return true;
  return /because it is being terminated/.test(e.message);
}

/** A service's selector, or undefined when it selects nothing (nil or empty: servers omit an empty one). */
export function selectorOf(svc: V1Service): Record<string, string> | undefined {
  const sel = svc.spec?.selector;
  return sel && Object.keys(sel).length > 0 ? sel : undefined;
}

export function selectorMatches(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  for (const [k, v] of Object.entries(selector)) if (labels?.[k] !== v) return false;
  return true;
}

/** The pods of the service's namespace its selector matches. */
export function podsForService(svc: V1Service, pods: Lister<V1Pod>): V1Pod[] {
  const sel = selectorOf(svc);
  if (!sel) return [];
  return pods.list(svc.metadata?.namespace ?? '').filter((p) => selectorMatches(sel, p.metadata?.labels));
}

/** Keys of the services in the pod's namespace whose selector matches its labels (upstream getServicesForPod). */
export function serviceKeysForPod(pod: V1Pod, services: Lister<V1Service>): string[] {
  const ns = pod.metadata?.namespace ?? '';
  const keys: string[] = [];
  for (const svc of services.list(ns)) {
    const sel = selectorOf(svc);
    if (sel && selectorMatches(sel, pod.metadata?.labels)) keys.push(`${ns}/${svc.metadata?.name ?? ''}`);
  }
  return keys;
}

function readyCondition(pod: V1Pod): V1PodCondition | undefined {
  return pod.status?.conditions?.find((c) => c.type === 'Ready');
}

/** Upstream IsPodReady: the Ready condition is True. */
export function isPodReady(pod: V1Pod): boolean {
  return readyCondition(pod)?.status === 'True';
}

/** The pod's IPs: status.podIPs, or status.podIP alone (upstream's v1 conversion keeps the two in step). */
export function podIPs(pod: V1Pod): string[] {
  const ips = (pod.status?.podIPs ?? []).map((p) => p.ip).filter((ip): ip is string => !!ip);
  if (ips.length > 0) return ips;
  return pod.status?.podIP ? [pod.status.podIP] : [];
}

/**
 * Upstream ShouldPodBeInEndpoints: never a terminal pod (Succeeded, Failed) nor one without an IP;
 * a terminating pod (deletionTimestamp set) only when `includeTerminating`.
 */
export function shouldPodBeInEndpoints(pod: V1Pod, includeTerminating: boolean): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  if (podIPs(pod).length === 0) return false;
  if (!includeTerminating && pod.metadata?.deletionTimestamp) return false;
  return true;
}

/** Upstream ShouldSetHostname: the pod names a hostname and this service as its subdomain. */
export function shouldSetHostname(pod: V1Pod, svc: V1Service): boolean {
  return !!pod.spec?.hostname && pod.spec?.subdomain === svc.metadata?.name && svc.metadata?.namespace === pod.metadata?.namespace;
}

/** Upstream IsServiceIPSet: a cluster IP other than None. */
export function isServiceIPSet(svc: V1Service): boolean {
  const ip = svc.spec?.clusterIP ?? '';
  return ip !== '' && ip !== 'None';
}

export function isHeadless(svc: V1Service): boolean {
  return svc.spec?.clusterIP === 'None';
}

/**
 * Upstream FindPort: a numeric targetPort is the port; a named one is looked up among the
 * container ports (then those of restartable init containers, i.e. sidecars) with the same
 * protocol. Undefined when the pod has no such port. An unset targetPort defaults to the port.
 */
export function findPort(pod: V1Pod, sp: V1ServicePort): number | undefined {
  const target = sp.targetPort ?? sp.port;
  if (typeof target === 'number') return target;
  const protocol = sp.protocol ?? 'TCP';
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
  }
  for (const c of pod.spec?.initContainers ?? []) {
    if (c.restartPolicy !== 'Always') continue;
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
  }
  return undefined;
}

/** Go's time.RFC3339Nano in UTC: fractional seconds without trailing zeros. */
export function formatRFC3339Nano(t: Date): string {
  return t.toISOString().replace(/\.(\d*?)0*Z$/, (_m, frac: string) => (frac ? `.${frac}Z` : 'Z'));
}

const timeOf = (t: Date | string | undefined): number => {
  if (t === undefined) return 0;
  const ms = typeof t === 'string' ? Date.parse(t) : t.getTime();
  return Number.isNaN(ms) ? 0 : ms;
};

interface ServiceTriggerState { serviceTime: number; podTimes: Map<string, number> }

/**
 * Upstream TriggerTimeTracker: the time to publish as `endpoints.kubernetes.io/last-change-trigger-time`
 * is the service's creation for a service seen for the first time, and afterwards the earliest
 * trigger (a pod's Ready transition, the service's creation) that changed since the previous sync;
 * undefined means "no new trigger" and the annotation is dropped. One per controller.
 */
export class TriggerTimeTracker {
  private readonly states = new Map<string, ServiceTriggerState>();

  compute(svc: V1Service, pods: V1Pod[]): Date | undefined {
    const key = `${svc.metadata?.namespace ?? ''}/${svc.metadata?.name ?? ''}`;
    const prev = this.states.get(key);
    let min = 0;
    const podTimes = new Map<string, number>();
    for (const pod of pods) {
      const t = timeOf(readyCondition(pod)?.lastTransitionTime);
      if (t === 0) continue;
      const name = pod.metadata?.name ?? '';
      podTimes.set(name, t);
      if (t > (prev?.podTimes.get(name) ?? 0) && (min === 0 || t < min)) min = t;
    }
    const serviceTime = timeOf(svc.metadata?.creationTimestamp);
    if (serviceTime > (prev?.serviceTime ?? 0) && (min === 0 || serviceTime < min)) min = serviceTime;
    this.states.set(key, { serviceTime, podTimes });
    if (!prev) return serviceTime ? new Date(serviceTime) : undefined;
    return min ? new Date(min) : undefined;
  }

  deleteService(namespace: string, name: string): void {
    this.states.delete(`${namespace}/${name}`);
  }
}

/**
 * Equality as upstream's Semantic.DeepEqual sees these API objects: absent, null, empty list and
 * empty map are alike; everything else compares by value (Dates by time).
 */
export function semanticEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const empty = (v: unknown) => v === undefined || v === null || (Array.isArray(v) && v.length === 0)
    || (typeof v === 'object' && v !== null && !(v instanceof Date) && !Array.isArray(v) && Object.values(v).every((x) => x === undefined));
  if (empty(a) && empty(b)) return true;
  if (a instanceof Date || b instanceof Date) return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => semanticEqual(x, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  for (const k of new Set([...Object.keys(ao), ...Object.keys(bo)])) {
    const x = ao[k];
    const y = bo[k];
    // A key holding undefined is an absent key; an absent list or map equals an empty one.
    if (x === undefined && y === undefined) continue;
    if (!semanticEqual(x, y)) return false;
  }
  return true;
}
