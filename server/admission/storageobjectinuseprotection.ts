// StorageObjectInUseProtection (upstream plugin/pkg/admission/storage/storageobjectinuseprotection):
// every new PersistentVolumeClaim gets the kubernetes.io/pvc-protection finalizer and every new
// PersistentVolume kubernetes.io/pv-protection, so that deleting one still in use leaves it
// Terminating until the pvc-protection / pv-protection controller sees it unused and lets it go.
import type { AdmissionAttributes, AdmissionPlugin } from '../pipeline/admission.ts';
import { isResource } from './util.ts';

export const PVC_PROTECTION_FINALIZER = 'kubernetes.io/pvc-protection';
export const PV_PROTECTION_FINALIZER = 'kubernetes.io/pv-protection';

/** The finalizer a create of this resource gets, if any (objects only, not their subresources). */
function finalizerFor(a: AdmissionAttributes): string | undefined {
  if (a.operation !== 'CREATE' || a.subresource) return undefined;
  if (isResource(a, '', 'persistentvolumeclaims')) return PVC_PROTECTION_FINALIZER;
  if (isResource(a, '', 'persistentvolumes')) return PV_PROTECTION_FINALIZER;
  return undefined;
}

export function storageObjectInUseProtection(): AdmissionPlugin {
  return {
    name: 'StorageObjectInUseProtection',
    handles: (a) => finalizerFor(a) !== undefined,
    admit(a) {
      const finalizer = finalizerFor(a);
      if (!finalizer) return;
      const meta = (a.obj.metadata ??= {});
      const finalizers = meta.finalizers ?? [];
      if (!finalizers.includes(finalizer)) meta.finalizers = [...finalizers, finalizer];
    },
  };
}
