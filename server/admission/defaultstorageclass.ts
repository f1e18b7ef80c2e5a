// DefaultStorageClass (upstream plugin/pkg/admission/storage/storageclass/setdefault): a new
// PersistentVolumeClaim that names no class, in the field or the beta annotation, gets the
// cluster's default StorageClass — the newest one marked default, ties broken by name (upstream's
// GetDefaultClass) — and none when no class is marked. An explicit "" stays: it asks for no class.
import type { KubeObject } from '../apis/types.ts';
import type { AdmissionPlugin } from '../pipeline/admission.ts';
import { isResource, listCached } from './util.ts';

const DEFAULT_CLASS_ANNOTATIONS = ['storageclass.kubernetes.io/is-default-class', 'storageclass.beta.kubernetes.io/is-default-class'];
const BETA_STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

type Claim = KubeObject & { spec?: { storageClassName?: string | null } };

const isDefaultClass = (sc: KubeObject) => DEFAULT_CLASS_ANNOTATIONS.some((a) => sc.metadata?.annotations?.[a] === 'true');

/** The default class among `classes`: the newest marked default, then the first by name. */
export function defaultStorageClass(classes: readonly KubeObject[]): KubeObject | undefined {
  const created = (sc: KubeObject) => Date.parse(String(sc.metadata?.creationTimestamp ?? '')) || 0;
  return classes.filter(isDefaultClass).sort((a, b) => created(b) - created(a) || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''))[0];
}

export function defaultStorageClassAdmission(): AdmissionPlugin {
  return {
    name: 'DefaultStorageClass',
    handles: (a) => a.operation === 'CREATE' && !a.subresource && isResource(a, '', 'persistentvolumeclaims'),
    async admit(a) {
      const claim = a.obj as Claim;
      if (claim.spec?.storageClassName != null || claim.metadata?.annotations?.[BETA_STORAGE_CLASS_ANNOTATION] !== undefined) return;
      const chosen = defaultStorageClass(await listCached(a, 'storage.k8s.io', 'v1', 'storageclasses', ''));
      if (chosen?.metadata?.name) (claim.spec ??= {}).storageClassName = chosen.metadata.name;
    },
  };
}
