// The EndpointSliceMirroring controller (upstream pkg/controller/endpointslicemirroring): the
// Endpoints of a Service without a selector, written by hand or by some other tool, mirrored into
// discovery.k8s.io/v1 EndpointSlices, so that consumers reading only slices (our service proxy, as
// kube-proxy) reach those backends too. Only while such a Service exists: its deletion, a selector
// appearing on it, the Endpoints' deletion or a skip-mirror label removes the mirrored slices.
// Slices are labelled with the service name and managed-by this controller and owned by the
// Endpoints. The planning is pure (endpointslicemirroring/reconciler.ts); this module wires it to
// informers and carries the plan out.
import type { KubernetesObject, V1EndpointSlice, V1Endpoints, V1Service } from '@kubernetes/client-node';
import {
  isNotFound, keyOf, runController, splitKey,
  type Controller, type ControllerDefinition, type ControllerEnv, type Resource,
} from '../client/index.ts';
import { endpointSlices as endpointSlicesResource, endpoints as endpointsResource, services as servicesResource } from '../client/resources.ts';
import { MANAGED_BY_LABEL, SERVICE_NAME_LABEL } from './endpointslice/reconciler.ts';
import { EndpointSliceTracker } from './endpointslice/tracker.ts';
import { isNamespaceTerminating, selectorOf } from './endpointslice/util.ts';
import { DEFAULT_MAX_ENDPOINTS_PER_SUBSET, MIRRORING_CONTROLLER_NAME, planMirror, shouldMirror } from './endpointslicemirroring/reconciler.ts';

export {
  DEFAULT_MAX_ENDPOINTS_PER_SUBSET, LEADER_ELECTION_ANNOTATION, MIRRORING_CONTROLLER_NAME, SKIP_MIRROR_LABEL,
} from './endpointslicemirroring/reconciler.ts';

/** Event reasons (upstream events.go). */
export const INVALID_IP_ADDRESS = 'InvalidIPAddress';
export const TOO_MANY_ADDRESSES_TO_MIRROR = 'TooManyAddressesToMirror';

export interface EndpointSliceMirroringControllerOptions {
  /** Upstream --mirroring-max-endpoints-per-subset (1000). */
  maxEndpointsPerSubset?: number;
  /** Upstream --mirroring-concurrent-service-endpoint-syncs (5). */
  workers?: number;
}

/** How soon a sync that found the cache behind our own writes runs again. */
const CACHE_LAG_RETRY_MS = 50;

// V1EndpointSlice's required fields keep it from passing as a plain KubernetesObject resource.
const anySlices = endpointSlicesResource as unknown as Resource;

const mirroredByUs = (s: V1EndpointSlice) => s.metadata?.labels?.[MANAGED_BY_LABEL] === MIRRORING_CONTROLLER_NAME;
/** Upstream endpointsControllerKey: the Endpoints a slice belongs to, by its service-name label. */
const endpointsKeyOf = (s: V1EndpointSlice): string[] => {
  const name = s.metadata?.labels?.[SERVICE_NAME_LABEL];
  return name ? [`${s.metadata?.namespace ?? ''}/${name}`] : [];
};

/** The EndpointSliceMirroring controller; `endpointSliceMirroringController` is the one with upstream's defaults. */
export function newEndpointSliceMirroringController(opts: EndpointSliceMirroringControllerOptions = {}): Controller {
  const maxEndpointsPerSubset = opts.maxEndpointsPerSubset ?? DEFAULT_MAX_ENDPOINTS_PER_SUBSET;
  return {
    name: 'endpointslicemirroring',
    run(env: ControllerEnv, signal: AbortSignal) {
      const endpointsInformer = env.informers.informerFor(endpointsResource);
      const services = env.informers.informerFor(servicesResource);
      const slices = env.informers.informerFor(endpointSlicesResource);
      // Keyed by the slices' service-name label, which is the Endpoints' name.
      const tracker = new EndpointSliceTracker();

      /** Upstream endpointSlicesMirroredForService: every slice of ours labelled with this name. */
      const mirroredSlices = (namespace: string, name: string) => slices.list(namespace).filter((s) =>
        s.metadata?.labels?.[SERVICE_NAME_LABEL] === name && mirroredByUs(s));

      // Upstream onEndpointSliceAdd/Update/Delete. The framework calls this for each side of an
      // event; the cache tells them apart: a deleted slice is already gone from it, and the old
      // side of an update is not the object it holds.
      const sliceKeys = (obj: KubernetesObject): string[] => {
        const slice = obj as V1EndpointSlice;
        const cur = slices.get(keyOf(slice));
        if (!cur) {
          // Deleted: wake the Endpoints only for a slice of ours we did not delete ourselves.
          return mirroredByUs(slice) && tracker.has(slice) && !tracker.handleDeletion(slice) ? endpointsKeyOf(slice) : [];
        }
        if (cur !== slice) {
          // The old side of an update: a slice moved to another name or manager wakes its old Endpoints.
          const moved = cur.metadata?.labels?.[SERVICE_NAME_LABEL] !== slice.metadata?.labels?.[SERVICE_NAME_LABEL];
          return moved || mirroredByUs(cur) !== mirroredByUs(slice) ? endpointsKeyOf(slice) : [];
        }
        // Added or updated: unless it is our own write coming back.
        return mirroredByUs(slice) && tracker.shouldSync(slice) ? endpointsKeyOf(slice) : [];
      };

      const def: ControllerDefinition<V1Endpoints> = {
        name: 'endpointslicemirroring',
        primary: endpointsResource,
        workers: opts.workers ?? 5,
        watches: [
          // Upstream onServiceAdd/Update/Delete: a Service without a selector appearing, going, or
          // gaining or losing its selector (one side of that update has none).
          { resource: servicesResource, keys: (svc: KubernetesObject) => (selectorOf(svc as V1Service) ? [] : [keyOf(svc)]) },
          { resource: anySlices, keys: sliceKeys },
        ],
        async sync(key, { clients, recorder, signal: syncSignal }) {
          const { namespace, name } = splitKey(key);

          /** Upstream deleteMirroredSlices: forgets what it wrote for the name, then deletes every slice it mirrored. */
          const deleteMirrored = async () => {
            tracker.deleteService(namespace, name);
            const doomed = mirroredSlices(namespace, name);
            const errors: string[] = [];
            for (const slice of doomed) {
              try {
                await clients.rest.delete(anySlices, namespace, slice.metadata?.name ?? '', {}, { signal: syncSignal });
              } catch (e) {
                if (!isNotFound(e)) errors.push((e as Error).message);
              }
            }
            if (errors.length > 0) {
              throw new Error(`error(s) deleting ${errors.length}/${doomed.length} EndpointSlices for ${key} Endpoints, including: ${errors[0]}`);
            }
          };

          const ep = endpointsInformer.get(key);
          if (!ep || !shouldMirror(ep)) return deleteMirrored();
          const svc = services.get(key);
          // Only the Endpoints of an existing Service without a selector are mirrored; the
          // EndpointSlice controller writes the slices of a Service with one.
          if (!svc || selectorOf(svc)) return deleteMirrored();

          const existing = mirroredSlices(namespace, name);
          // The cache has not caught up with our own writes yet. Upstream fails the sync and retries
          // with back-off; a quiet short retry does the same without logging an error.
          if (tracker.staleSlices(svc, existing)) return { requeueAfterMs: CACHE_LAG_RETRY_MS };
          const plan = planMirror({ endpoints: ep, existing, maxEndpointsPerSubset });

          if (plan.invalidAddresses > 0) {
            recorder.event(ep, 'Warning', INVALID_IP_ADDRESS, `Skipped ${plan.invalidAddresses} invalid IP addresses when mirroring to EndpointSlices`);
          }
          if (plan.skippedAddresses > plan.invalidAddresses) {
            recorder.event(ep, 'Warning', TOO_MANY_ADDRESSES_TO_MIRROR,
              `A max of ${maxEndpointsPerSubset} addresses can be mirrored to EndpointSlices per Endpoints subset. ${plan.skippedAddresses} addresses were skipped`);
          }

          for (const slice of plan.create) {
            try {
              tracker.update(await clients.rest.create(endpointSlicesResource, namespace, slice, { signal: syncSignal }));
            } catch (e) {
              // A terminating namespace refuses creates for good: drop the key.
              if (isNamespaceTerminating(e)) return;
              throw new Error(`failed to create EndpointSlice for Endpoints ${key}: ${(e as Error).message}`);
            }
          }
          for (const slice of plan.update) {
            try {
              tracker.update(await clients.rest.update(endpointSlicesResource, namespace, slice, { signal: syncSignal }));
            } catch (e) {
              throw new Error(`failed to update ${slice.metadata?.name} EndpointSlice for Endpoints ${key}: ${(e as Error).message}`);
            }
          }
          for (const slice of plan.delete) {
            try {
              await clients.rest.delete(anySlices, namespace, slice.metadata?.name ?? '', {}, { signal: syncSignal });
              tracker.expectDeletion(slice);
            } catch (e) {
              if (isNotFound(e)) continue;
              throw new Error(`failed to delete ${slice.metadata?.name} EndpointSlice for Endpoints ${key}: ${(e as Error).message}`);
            }
          }
        },
      };
      return runController(def, { ...env, recorder: () => env.recorder('endpoint-slice-mirroring-controller') }, signal);
    },
  };
}

export const endpointSliceMirroringController = newEndpointSliceMirroringController();
