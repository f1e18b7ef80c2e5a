// The EndpointSlice controller (upstream pkg/controller/endpointslice): for every Service with a
// selector, discovery.k8s.io/v1 EndpointSlices listing the pods it selects with their conditions
// (ready, serving, terminating), node and zone, at most 100 endpoints a slice, labelled with the
// service name and managed-by this controller and owned by the Service (the garbage collector
// removes them with it). The planning is pure (endpointslice/reconciler.ts); this module wires it
// to informers and carries the plan out. Slices other managers label are never touched.
import type { KubernetesObject, V1EndpointSlice, V1Pod, V1Service } from '@kubernetes/client-node';
import {
  isNotFound, keyOf, runController, splitKey,
  type Controller, type ControllerDefinition, type ControllerEnv, type Resource,
} from '../client/index.ts';
import {
  endpointSlices as endpointSlicesResource, nodes as nodesResource, pods as podsResource, services as servicesResource,
} from '../client/resources.ts';
import {
  CONTROLLER_NAME, DEFAULT_MAX_ENDPOINTS_PER_SLICE, MANAGED_BY_LABEL, SERVICE_NAME_LABEL, planReconcile,
} from './endpointslice/reconciler.ts';
import { EndpointSliceTracker } from './endpointslice/tracker.ts';
import { TriggerTimeTracker, isNamespaceTerminating, podsForService, selectorOf, serviceKeysForPod } from './endpointslice/util.ts';

export { CONTROLLER_NAME, MANAGED_BY_LABEL, SERVICE_NAME_LABEL } from './endpointslice/reconciler.ts';

export interface EndpointSliceControllerOptions {
  /** Upstream --max-endpoints-per-slice (100). */
  maxEndpointsPerSlice?: number;
  /** Upstream --concurrent-service-endpoint-syncs (5). */
  workers?: number;
}

/** How soon a sync that found the cache behind our own writes runs again. */
const CACHE_LAG_RETRY_MS = 50;

// V1EndpointSlice's required fields keep it from passing as a plain KubernetesObject resource.
const anySlices = endpointSlicesResource as unknown as Resource;

const managedByUs = (s: V1EndpointSlice) => s.metadata?.labels?.[MANAGED_BY_LABEL] === CONTROLLER_NAME;
const serviceKeyOf = (s: V1EndpointSlice): string[] => {
  const name = s.metadata?.labels?.[SERVICE_NAME_LABEL];
  return name ? [`${s.metadata?.namespace ?? ''}/${name}`] : [];
};

/** The EndpointSlice controller; `endpointSliceController` is the one with upstream's defaults. */
export function newEndpointSliceController(opts: EndpointSliceControllerOptions = {}): Controller {
  const maxEndpointsPerSlice = opts.maxEndpointsPerSlice ?? DEFAULT_MAX_ENDPOINTS_PER_SLICE;
  return {
    name: 'endpointslice',
    run(env: ControllerEnv, signal: AbortSignal) {
      const services = env.informers.informerFor(servicesResource);
      const podsInformer = env.informers.informerFor(podsResource);
      const slices = env.informers.informerFor(endpointSlicesResource);
      const nodes = env.informers.informerFor(nodesResource);
      const tracker = new EndpointSliceTracker();
      const triggerTimes = new TriggerTimeTracker();

      // Upstream onEndpointSliceAdd/Update/Delete. The framework calls this for each side of an
      // event; the cache tells them apart: a deleted slice is already gone from it, and the old
      // side of an update is not the object it holds.
      const sliceKeys = (obj: KubernetesObject): string[] => {
        const slice = obj as V1EndpointSlice;
        const cur = slices.get(keyOf(slice));
        if (!cur) {
          // Deleted: wake the service only for a slice of ours we did not delete ourselves.
          return managedByUs(slice) && tracker.has(slice) && !tracker.handleDeletion(slice) ? serviceKeyOf(slice) : [];
        }
        if (cur !== slice) {
          // The old side of an update: a slice moved to another service or manager wakes its old service.
          const moved = cur.metadata?.labels?.[SERVICE_NAME_LABEL] !== slice.metadata?.labels?.[SERVICE_NAME_LABEL];
          return moved || managedByUs(cur) !== managedByUs(slice) ? serviceKeyOf(slice) : [];
        }
        // Added or updated: unless it is our own write coming back.
        return managedByUs(slice) && tracker.shouldSync(slice) ? serviceKeyOf(slice) : [];
      };

      const def: ControllerDefinition<V1Service> = {
        name: 'endpointslice',
        primary: servicesResource,
        workers: opts.workers ?? 5,
        watches: [
          { resource: podsResource, keys: (pod: KubernetesObject) => serviceKeysForPod(pod as V1Pod, services) },
          { resource: anySlices, keys: sliceKeys },
          // Read for zones and to skip pods on nodes that do not exist; node changes wake nothing.
          { resource: nodesResource, keys: () => [] },
        ],
        async sync(key, { clients, recorder, signal: syncSignal }) {
          const { namespace, name } = splitKey(key);
          const svc = services.get(key);
          if (!svc) {
            // The garbage collector deletes the slices with their owner.
            triggerTimes.deleteService(namespace, name);
            tracker.deleteService(namespace, name);
            return;
          }
          if (svc.spec?.type === 'ExternalName' || !selectorOf(svc)) return;

          const pods = podsForService(svc, podsInformer);
          const existing = slices.list(namespace).filter((s) =>
            s.metadata?.labels?.[SERVICE_NAME_LABEL] === name && managedByUs(s) && !s.metadata?.deletionTimestamp);
          // The cache has not caught up with our own writes yet. Upstream fails the sync and retries
          // with back-off; a quiet short retry does the same without logging an error.
          if (tracker.staleSlices(svc, existing)) return { requeueAfterMs: CACHE_LAG_RETRY_MS };
          const triggerTime = triggerTimes.compute(svc, pods);
          const plan = planReconcile({
            service: svc, pods, existing, triggerTime, maxEndpointsPerSlice, controllerName: CONTROLLER_NAME,
            nodeOf: (n) => nodes.get(n),
          });

          try {
            for (const slice of plan.create) {
              try {
                tracker.update(await clients.rest.create(endpointSlicesResource, namespace, slice, { signal: syncSignal }));
              } catch (e) {
                if (isNamespaceTerminating(e)) return;
                throw new Error(`failed to create EndpointSlice for Service ${key}: ${(e as Error).message}`);
              }
            }
            for (const slice of plan.update) {
              try {
                tracker.update(await clients.rest.update(endpointSlicesResource, namespace, slice, { signal: syncSignal }));
              } catch (e) {
                throw new Error(`failed to update ${slice.metadata?.name} EndpointSlice for Service ${key}: ${(e as Error).message}`);
              }
            }
            for (const slice of plan.delete) {
              try {
                await clients.rest.delete(anySlices, namespace, slice.metadata?.name ?? '', {}, { signal: syncSignal });
                tracker.expectDeletion(slice);
              } catch (e) {
                if (isNotFound(e)) continue;
                throw new Error(`failed to delete ${slice.metadata?.name} EndpointSlice for Service ${key}: ${(e as Error).message}`);
              }
            }
            if (plan.errors.length > 0) throw new Error(plan.errors.join(', '));
          } catch (e) {
            if (!syncSignal.aborted) {
              recorder.event(svc, 'Warning', 'FailedToUpdateEndpointSlices', `Error updating Endpoint Slices for Service ${key}: ${(e as Error).message}`);
            }
            throw e;
          }
        },
      };
      return runController(def, { ...env, recorder: () => env.recorder('endpoint-slice-controller') }, signal);
    },
  };
}

export const endpointSliceController = newEndpointSliceController();
