// The PV protection controller (upstream pkg/controller/volume/pvprotection): every volume carries
// the kubernetes.io/pv-protection finalizer (StorageObjectInUseProtection admission adds it; this
// controller adds it to volumes made before), and a volume being deleted loses it — and so goes —
// once it is not Bound: the binder's phase says whether a claim still uses it.
import type { V1PersistentVolume } from '@kubernetes/client-node';
import { defineController, isConflict, isNotFound, type Controller } from '../client/index.ts';
import { persistentVolumes } from '../client/resources.ts';
import { isDeletionCandidate, needToAddFinalizer } from './pvcprotection.ts';

export const PV_PROTECTION_FINALIZER = 'kubernetes.io/pv-protection';
export const PV_PROTECTION_CONTROLLER = 'pv-protection-controller';

export function pvProtectionController(): Controller {
  return defineController<V1PersistentVolume>({
    name: PV_PROTECTION_CONTROLLER,
    primary: persistentVolumes,
    async sync(key, { clients, lister, signal }) {
      const pv = lister(persistentVolumes).get(key);
      if (!pv) return;
      let finalizers: string[] | undefined;
      if (isDeletionCandidate(pv, PV_PROTECTION_FINALIZER)) {
        if (pv.status?.phase !== 'Bound') finalizers = (pv.metadata?.finalizers ?? []).filter((f) => f !== PV_PROTECTION_FINALIZER);
      } else if (needToAddFinalizer(pv, PV_PROTECTION_FINALIZER)) {
        finalizers = [...(pv.metadata?.finalizers ?? []), PV_PROTECTION_FINALIZER];
      }
      if (!finalizers) return;
      const next = structuredClone(pv);
      next.metadata!.finalizers = finalizers;
      try {
        await clients.rest.update(persistentVolumes, '', next, { signal });
      } catch (e) {
        // A newer version (or none) is on its way through the watch, which queues the volume again.
        if (isConflict(e) || isNotFound(e)) return;
        throw e;
      }
    },
  });
}
