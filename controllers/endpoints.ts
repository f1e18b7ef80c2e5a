// The Endpoints controller (upstream pkg/controller/endpoint): for every Service with a selector,
// an Endpoints object of the same name listing the IPs of the pods it selects, ready ones in
// `addresses` and the others in `notReadyAddresses`, grouped into subsets by the set of ports they
// serve. Services without a selector are left to their users; a deleted Service takes its
// Endpoints with it. Syncs compare before they write, so one that changes nothing writes nothing.
import type {
  CoreV1EndpointPort, KubernetesObject, V1EndpointAddress, V1Endpoints, V1EndpointSubset, V1Pod, V1Service,
} from '@kubernetes/client-node';
import {
  isAlreadyExists, isNotFound, keyOf, runController, splitKey,
  type Controller, type ControllerDefinition, type ControllerEnv,
} from '../client/index.ts';
import { endpoints as endpointsResource, pods as podsResource, services as servicesResource } from '../client/resources.ts';
import {
  HEADLESS_LABEL, LAST_CHANGE_TRIGGER_TIME, TriggerTimeTracker, findPort, formatRFC3339Nano, isHeadless, isNamespaceTerminating,
  isPodReady, isServiceIPSet, podIPs, podsForService, selectorOf, semanticEqual, serviceKeysForPod, shouldPodBeInEndpoints,
  shouldSetHostname,
} from './endpointslice/util.ts';

/** Upstream maxCapacity: the most addresses one Endpoints object carries. */
export const MAX_ENDPOINTS_CAPACITY = 1000;
/** core/v1 EndpointsOverCapacity, set to "truncated" when addresses were dropped. */
export const OVER_CAPACITY_ANNOTATION = 'endpoints.kubernetes.io/over-capacity';
/** How soon a sync that found the cache behind our own last write runs again. */
const CACHE_LAG_RETRY_MS = 50;
/** Endpoints carrying this (old leader-election records) are never cleaned up as leftovers. */
const LEADER_ELECTION_ANNOTATION = 'control-plane.alpha.kubernetes.io/leader';

const isIPv6 = (ip: string) => ip.includes(':');

/**
 * Upstream podToEndpointAddressForService: the pod's IP of the service's first IP family, its
 * node and a reference to it. Undefined when the pod has no IP of that family.
 */
export function podToEndpointAddress(svc: V1Service, pod: V1Pod): V1EndpointAddress | undefined {
  let wantV6: boolean;
  const families = svc.spec?.ipFamilies ?? [];
  if (families.length > 0) wantV6 = families[0] === 'IPv6';
  else if (isServiceIPSet(svc)) wantV6 = isIPv6(svc.spec!.clusterIP!);
  else wantV6 = isIPv6(pod.status?.podIP ?? '');
  const ip = podIPs(pod).find((p) => isIPv6(p) === wantV6);
  if (!ip) return undefined;
  const addr: V1EndpointAddress = {
    ip,
    targetRef: { kind: 'Pod', namespace: pod.metadata?.namespace, name: pod.metadata?.name, uid: pod.metadata?.uid },
  };
  // Upstream points nodeName at the pod's (possibly empty) spec.nodeName; an empty one would not
  // pass validation, so it is left out.
  if (pod.spec?.nodeName) addr.nodeName = pod.spec.nodeName;
  if (shouldSetHostname(pod, svc)) addr.hostname = pod.spec!.hostname;
  return addr;
}

/** The subsets a service's pods call for, one (address, port) at a time, then repacked. */
export function computeSubsets(svc: V1Service, pods: V1Pod[]): V1EndpointSubset[] {
  const publishNotReady = svc.spec?.publishNotReadyAddresses === true;
  const ports = svc.spec?.ports ?? [];
  const raw: V1EndpointSubset[] = [];
  const add = (pod: V1Pod, addr: V1EndpointAddress, port: CoreV1EndpointPort | undefined) => {
    const ready = publishNotReady || isPodReady(pod);
    raw.push({ ...(ready ? { addresses: [addr] } : { notReadyAddresses: [addr] }), ...(port ? { ports: [port] } : {}) });
  };
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, publishNotReady)) continue;
    const addr = podToEndpointAddress(svc, pod);
    if (!addr) continue;
    if (ports.length === 0) {
      // A headless service may have no ports: its addresses stand alone.
      if (isHeadless(svc)) add(pod, addr, undefined);
      continue;
    }
    for (const sp of ports) {
      const port = findPort(pod, sp);
      if (port === undefined) continue;
      const epp: CoreV1EndpointPort = { port, protocol: sp.protocol ?? 'TCP' };
      if (sp.name) epp.name = sp.name;
      if (sp.appProtocol !== undefined) epp.appProtocol = sp.appProtocol;
      add(pod, addr, epp);
    }
  }
  return repackSubsets(raw);
}

const addressKey = (a: V1EndpointAddress) => `${a.ip ?? ''}\u0000${a.targetRef?.uid ?? ''}`;
const portKey = (p: CoreV1EndpointPort) => JSON.stringify([p.name ?? '', p.port, p.protocol ?? '', p.appProtocol ?? null]);

/** Upstream LessEndpointAddress: by IP (bytewise), then by the target's UID, an address without a target first. */
export function compareAddresses(a: V1EndpointAddress, b: V1EndpointAddress): number {
  const ai = a.ip ?? '';
  const bi = b.ip ?? '';
  if (ai !== bi) return ai < bi ? -1 : 1;
  if (!b.targetRef) return a.targetRef ? 1 : 0;
  if (!a.targetRef) return -1;
  const au = a.targetRef.uid ?? '';
  const bu = b.targetRef.uid ?? '';
  return au < bu ? -1 : au > bu ? 1 : 0;
}

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Upstream RepackSubsets: expands subsets to (address, port, ready) and packs them again so that
 * addresses serving the same ports share a subset. An address is keyed by IP and target UID; one
 * listed both ready and not ready for a port counts as not ready. The result is sorted (addresses
 * by IP and UID, ports and subsets by a canonical key — upstream orders the last two by hash), so
 * equal inputs always give equal outputs.
 */
export function repackSubsets(subsets: V1EndpointSubset[]): V1EndpointSubset[] {
  const allAddrs = new Map<string, V1EndpointAddress>();
  // port key → (port, or undefined for "no ports") and its addresses with their readiness.
  const byPort = new Map<string, { port: CoreV1EndpointPort | undefined; ready: Map<string, boolean> }>();
  const mapAddress = (addr: V1EndpointAddress, port: CoreV1EndpointPort | undefined, ready: boolean) => {
    const ak = addressKey(addr);
    if (!allAddrs.has(ak)) allAddrs.set(ak, addr);
    const pk = port ? portKey(port) : '';
    let entry = byPort.get(pk);
    if (!entry) byPort.set(pk, (entry = { port, ready: new Map() }));
    const was = entry.ready.get(ak);
    if (was === undefined || was) entry.ready.set(ak, ready);
  };
  for (const ss of subsets) {
    const ports: Array<CoreV1EndpointPort | undefined> = ss.ports?.length ? ss.ports : [undefined];
    for (const port of ports) {
      for (const a of ss.addresses ?? []) mapAddress(a, port, true);
      for (const a of ss.notReadyAddresses ?? []) mapAddress(a, port, false);
    }
  }
  // Ports whose address sets (with readiness) are identical share a subset.
  const groups = new Map<string, { ready: Map<string, boolean>; ports: CoreV1EndpointPort[] }>();
  for (const { port, ready } of byPort.values()) {
    const gk = JSON.stringify([...ready.entries()].sort((x, y) => byString(x[0], y[0])));
    let g = groups.get(gk);
    if (!g) groups.set(gk, (g = { ready, ports: [] }));
    if (port) g.ports.push(port);
  }
  const out: V1EndpointSubset[] = [];
  for (const g of groups.values()) {
    const ready: V1EndpointAddress[] = [];
    const notReady: V1EndpointAddress[] = [];
    for (const [ak, r] of g.ready) (r ? ready : notReady).push(allAddrs.get(ak)!);
    ready.sort(compareAddresses);
    notReady.sort(compareAddresses);
    g.ports.sort((a, b) => byString(portKey(a), portKey(b)));
    const ss: V1EndpointSubset = {};
    if (ready.length) ss.addresses = ready;
    if (notReady.length) ss.notReadyAddresses = notReady;
    if (g.ports.length) ss.ports = g.ports;
    out.push(ss);
  }
  return out.sort((a, b) => byString(JSON.stringify(a), JSON.stringify(b)));
}

const countAddresses = (subsets: V1EndpointSubset[] | undefined) =>
  (subsets ?? []).reduce((n, ss) => n + (ss.addresses?.length ?? 0) + (ss.notReadyAddresses?.length ?? 0), 0);

/**
 * Upstream truncateEndpoints: above MAX_ENDPOINTS_CAPACITY addresses, keeps ready addresses first
 * and shares what room is left among the subsets in proportion to their size (rounded up, so the
 * last may get less). Changes the subsets in place; true when it dropped any.
 */
export function truncateSubsets(subsets: V1EndpointSubset[], max = MAX_ENDPOINTS_CAPACITY): boolean {
  let totalReady = 0;
  let totalNotReady = 0;
  for (const ss of subsets) {
    totalReady += ss.addresses?.length ?? 0;
    totalNotReady += ss.notReadyAddresses?.length ?? 0;
  }
  if (totalReady + totalNotReady <= max) return false;
  const truncateReady = totalReady > max;
  const room = truncateReady ? max : max - totalReady;
  const total = truncateReady ? totalReady : totalNotReady;
  let canBeAdded = room;
  for (const ss of subsets) {
    const inSubset = truncateReady ? ss.addresses?.length ?? 0 : ss.notReadyAddresses?.length ?? 0;
    const toBeAdded = Math.min(Math.ceil((inSubset / total) * room), canBeAdded);
    if (truncateReady) {
      ss.addresses = (ss.addresses ?? []).slice(0, toBeAdded);
      delete ss.notReadyAddresses;
      canBeAdded -= ss.addresses.length;
    } else {
      ss.notReadyAddresses = (ss.notReadyAddresses ?? []).slice(0, toBeAdded);
      canBeAdded -= ss.notReadyAddresses.length;
    }
  }
  return true;
}

const withoutLabel = (labels: Record<string, string> | undefined, key: string) => {
  if (!labels || !(key in labels)) return labels;
  const { [key]: _dropped, ...rest } = labels;
  return rest;
};

/** Upstream capacityAnnotationSetCorrectly. */
function capacityAnnotationSetCorrectly(ep: V1Endpoints): boolean {
  if (countAddresses(ep.subsets) > MAX_ENDPOINTS_CAPACITY) return false;
  return !(OVER_CAPACITY_ANNOTATION in (ep.metadata?.annotations ?? {}));
}

/**
 * The Endpoints to write for a service, given what exists (`current`, undefined when none) and the
 * trigger time; undefined when what exists is already right. Pure: the heart of syncService.
 */
export function desiredEndpoints(svc: V1Service, subsets: V1EndpointSubset[], current: V1Endpoints | undefined, triggerTime: Date | undefined): V1Endpoints | undefined {
  const svcLabels = svc.metadata?.labels ?? {};
  if (current
    && semanticEqual(current.subsets, subsets)
    && semanticEqual(withoutLabel(current.metadata?.labels, HEADLESS_LABEL), svcLabels)
    && capacityAnnotationSetCorrectly(current)) return undefined;

  const next: V1Endpoints = current
    ? structuredClone(current)
    : { metadata: { name: svc.metadata?.name, namespace: svc.metadata?.namespace } };
  next.apiVersion = 'v1';
  next.kind = 'Endpoints';
  next.subsets = structuredClone(subsets);
  const annotations = { ...(next.metadata!.annotations ?? {}) };
  if (triggerTime) annotations[LAST_CHANGE_TRIGGER_TIME] = formatRFC3339Nano(triggerTime);
  else delete annotations[LAST_CHANGE_TRIGGER_TIME];
  const truncated = truncateSubsets(next.subsets);
  if (truncated) annotations[OVER_CAPACITY_ANNOTATION] = 'truncated';
  else delete annotations[OVER_CAPACITY_ANNOTATION];
  next.metadata!.annotations = annotations;
  const labels = { ...svcLabels };
  if (!isServiceIPSet(svc)) labels[HEADLESS_LABEL] = '';
  else delete labels[HEADLESS_LABEL];
  next.metadata!.labels = labels;

  // Over capacity, the stored (truncated) subsets never equal the full ones; once the truncated
  // result is what is stored, there is nothing to write.
  if (current && truncated
    && semanticEqual(current.subsets, next.subsets)
    && semanticEqual(current.metadata?.labels, labels)
    && current.metadata?.annotations?.[OVER_CAPACITY_ANNOTATION] === 'truncated') return undefined;
  return next;
}

export interface EndpointsControllerOptions {
  /** Upstream --concurrent-endpoint-syncs (5). */
  workers?: number;
}

/** The endpoints controller; `endpointsController` is the one with upstream's defaults. */
export function newEndpointsController(opts: EndpointsControllerOptions = {}): Controller {
  return {
    name: 'endpoint',
    run(env: ControllerEnv, signal: AbortSignal) {
      const services = env.informers.informerFor(servicesResource);
      const podsInformer = env.informers.informerFor(podsResource);
      const endpointsInformer = env.informers.informerFor(endpointsResource);
      const triggerTimes = new TriggerTimeTracker();
      // Upstream staleEndpointsTracker: the resourceVersion each Endpoints had before our last
      // update of it; seeing it again in the cache means the cache has not caught up yet.
      const staleVersions = new Map<string, string>();

      const def: ControllerDefinition<V1Service> = {
        name: 'endpoint',
        primary: servicesResource,
        workers: opts.workers ?? 5,
        watches: [
          { resource: podsResource, keys: (pod: KubernetesObject) => serviceKeysForPod(pod as V1Pod, services) },
          {
            resource: endpointsResource,
            // Upstream reacts to Endpoints only when they are deleted (the informer has already
            // dropped them from its cache when handlers hear of it), plus a first pass over every
            // Endpoints at start-up that removes those whose Service is gone.
            keys: (ep: KubernetesObject) => {
              const key = keyOf(ep);
              if (!endpointsInformer.hasSynced()) return ep.metadata?.annotations?.[LEADER_ELECTION_ANNOTATION] !== undefined ? [] : [key];
              return endpointsInformer.get(key) === undefined ? [key] : [];
            },
          },
        ],
        async sync(key, { clients, recorder, signal: syncSignal }) {
          const { namespace, name } = splitKey(key);
          const svc = services.get(key);
          if (!svc) {
            try {
              await clients.rest.delete(endpointsResource, namespace, name, {}, { signal: syncSignal });
            } catch (e) {
              if (!isNotFound(e)) throw e;
            }
            triggerTimes.deleteService(namespace, name);
            staleVersions.delete(key);
            return;
          }
          // ExternalName services and services without a selector get nothing from this controller.
          if (svc.spec?.type === 'ExternalName' || !selectorOf(svc)) return;

          const current = endpointsInformer.get(key);
          // Checked before the trigger time is taken (upstream takes it first), so that the retry
          // still publishes the trigger this sync saw, as the EndpointSlice controller does.
          // (Upstream fails the sync here and retries with back-off; a quiet short retry does the
          // same without logging an error for what is only the cache lagging behind our write.)
          if (current && staleVersions.get(key) === current.metadata?.resourceVersion) return { requeueAfterMs: CACHE_LAG_RETRY_MS };
          const pods = podsForService(svc, podsInformer);
          // Taken before the no-op check so the tracker sees every sync, as upstream.
          const triggerTime = triggerTimes.compute(svc, pods);
          const subsets = computeSubsets(svc, pods);
          const next = desiredEndpoints(svc, subsets, current, triggerTime);
          if (!next) return;
          try {
            if (!current) {
              await clients.rest.create(endpointsResource, namespace, next, { signal: syncSignal });
            } else {
              const updated = await clients.rest.update(endpointsResource, namespace, next, { signal: syncSignal });
              if (updated.metadata?.resourceVersion !== current.metadata?.resourceVersion) staleVersions.set(key, current.metadata?.resourceVersion ?? '');
            }
          } catch (e) {
            // A terminating namespace refuses creates for good: drop the key.
            if (!current && isNamespaceTerminating(e)) return;
            // Our own create, not yet in the cache: the retry will see it.
            if (!current && isAlreadyExists(e)) return { requeueAfterMs: CACHE_LAG_RETRY_MS };
            if (syncSignal.aborted) throw e;
            if (!current) recorder.event(next, 'Warning', 'FailedToCreateEndpoint', `Failed to create endpoint for service ${namespace}/${name}: ${(e as Error).message}`);
            else recorder.event(next, 'Warning', 'FailedToUpdateEndpoint', `Failed to update endpoint ${namespace}/${name}: ${(e as Error).message}`);
            throw e;
          }
        },
      };
      return runController(def, { ...env, recorder: () => env.recorder('endpoint-controller') }, signal);
    },
  };
}

export const endpointsController = newEndpointsController();
