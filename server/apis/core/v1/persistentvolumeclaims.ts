// core/v1 PersistentVolumeClaim: a request for storage, Pending until bound. The spec is fixed
// after creation except resources.requests and volumeAttributesClassName (upstream's update rule).
import { FieldPath } from '../../../../machinery/fieldpath.ts';
import * as field from '../../../../machinery/fieldpath.ts';
import { isDNS1123Subdomain } from '../../../../machinery/validation.ts';
import { validateLabelSelector, type LabelSelector } from '../../../../machinery/labels.ts';
import { defineResource, type FieldError, type KubeObject } from '../../types.ts';
import { age, ageColumn, nameColumn } from '../../common/age.ts';
import { canonicalizeResourceList, quantityString, validatePositiveQuantity, validateResourceQuantityValue } from '../../common/intstr.ts';
import { deepEqual } from '../../common/podtemplate.ts';
import { ACCESS_MODES, VOLUME_MODES, accessModesString, storageClassOf } from './persistentvolumes.ts';

export interface PVCSpec {
  accessModes?: string[]; selector?: LabelSelector; resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  volumeName?: string; storageClassName?: string; volumeMode?: string; volumeAttributesClassName?: string; dataSource?: object; dataSourceRef?: object;
}
export type PersistentVolumeClaim = KubeObject & {
  spec?: PVCSpec;
  status?: { phase?: string; accessModes?: string[]; capacity?: Record<string, string>; conditions?: unknown[] };
};

/** SetDefaults_PersistentVolumeClaimSpec and the quantity canonical forms. */
export function defaultClaimSpec(s: PVCSpec): void {
  s.volumeMode ??= 'Filesystem';
  canonicalizeResourceList(s.resources?.requests);
  canonicalizeResourceList(s.resources?.limits);
  s.resources ??= {};
}

/** Upstream's ValidatePersistentVolumeClaimSpec. */
export function validateClaimSpec(s: PVCSpec | undefined, p: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (!(s?.accessModes?.length)) errs.push(field.required(p.child('accessModes'), 'at least 1 access mode is required'));
  if (s?.selector) errs.push(...validateLabelSelector(s.selector, p.child('selector')));
  for (const m of s?.accessModes ?? []) if (!ACCESS_MODES.includes(m)) errs.push(field.notSupported(p.child('accessModes'), m, ACCESS_MODES));
  const storagePath = p.child('resources').key('storage');
  const storage = s?.resources?.requests?.storage;
  if (storage === undefined) errs.push(field.required(storagePath, ''));
  else {
    const pos = validatePositiveQuantity(storage, storagePath);
    errs.push(...(pos.length ? pos : validateResourceQuantityValue('storage', storage, storagePath)));
  }
  if (s?.storageClassName) for (const m of isDNS1123Subdomain(s.storageClassName)) errs.push(field.invalid(p.child('storageClassName'), s.storageClassName, m));
  if (s?.volumeMode !== undefined && !VOLUME_MODES.includes(s.volumeMode)) errs.push(field.notSupported(p.child('volumeMode'), s.volumeMode, VOLUME_MODES));
  return errs;
}

const BETA_STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

/**
 * Upstream's validateStorageClassUpgradeFromNil / FromAnnotation: a claim with no class may be
 * given one once (the PV controller's retroactive default class, GA in 1.28), and a claim whose
 * class is in the beta annotation may move it into the field.
 */
function storageClassUpgraded(pvc: PersistentVolumeClaim, old: PersistentVolumeClaim): boolean {
  const oldClass = old.spec?.storageClassName;
  const newClass = pvc.spec?.storageClassName;
  if (oldClass != null || newClass == null) return false;
  const oldAnnotation = old.metadata?.annotations?.[BETA_STORAGE_CLASS_ANNOTATION];
  if (oldAnnotation === undefined) return true;
  const newAnnotation = pvc.metadata?.annotations?.[BETA_STORAGE_CLASS_ANNOTATION];
  return (newAnnotation === undefined || newAnnotation === oldAnnotation) && newClass === oldAnnotation;
}

function validateUpdate(pvc: PersistentVolumeClaim, old: PersistentVolumeClaim): FieldError[] {
  // Upstream compares the specs with requests and volumeAttributesClassName taken from the old
  // claim (and volumeName allowed to be set once); its message also carries a diff.
  const upgraded = storageClassUpgraded(pvc, old);
  const strip = (s: PVCSpec | undefined, volumeName: string | undefined) => {
    const c = structuredClone(s ?? {});
    delete c.volumeAttributesClassName;
    if (c.resources) delete c.resources.requests;
    if (upgraded) delete c.storageClassName;
    c.volumeName = volumeName;
    return c;
  };
  const volumeName = old.spec?.volumeName || pvc.spec?.volumeName;
  if (!deepEqual(strip(pvc.spec, pvc.spec?.volumeName), strip(old.spec, volumeName))) {
    return [field.forbidden(FieldPath.root('spec'), 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims')];
  }
  return [];
}

export const persistentvolumeclaims = defineResource<PersistentVolumeClaim>({
  group: '', version: 'v1', kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims', singular: 'persistentvolumeclaim',
  namespaced: true, shortNames: ['pvc'], model: 'V1PersistentVolumeClaim', returnDeletedObject: true,
  strategy: {
    defaults: (pvc) => defaultClaimSpec((pvc.spec ??= {})),
    prepareForCreate(pvc) {
      pvc.status = { phase: 'Pending' };
    },
    validate: (pvc) => validateClaimSpec(pvc.spec, FieldPath.root('spec')),
    validateUpdate,
  },
  status: {
    prepareForUpdate(pvc) {
      pvc.status ??= {};
      pvc.status.phase ||= 'Pending';
      canonicalizeResourceList(pvc.status.capacity);
    },
  },
  table: {
    columns: [
      nameColumn,
      { name: 'Status', type: 'string', description: 'The phase of the claim.' },
      { name: 'Volume', type: 'string', description: 'The volume bound to the claim.' },
      { name: 'Capacity', type: 'string', description: 'The storage of the bound volume.' },
      { name: 'Access Modes', type: 'string', description: 'How the bound volume can be mounted.' },
      { name: 'StorageClass', type: 'string', description: 'StorageClass of the pvc' },
      { name: 'VolumeAttributesClass', type: 'string', description: 'VolumeAttributesClass of the pvc' },
      ageColumn,
      { name: 'VolumeMode', type: 'string', priority: 1, description: 'Filesystem or raw block.' },
    ],
    row(pvc, now) {
      const s = pvc.spec ?? {};
      const bound = !!s.volumeName;
      return [
        pvc.metadata?.name ?? '', pvc.metadata?.deletionTimestamp ? 'Terminating' : pvc.status?.phase ?? '', s.volumeName ?? '',
        bound ? quantityString(pvc.status?.capacity?.storage ?? '0') : '', bound ? accessModesString(pvc.status?.accessModes) : '',
        storageClassOf(pvc), s.volumeAttributesClassName ?? '<unset>', age(pvc, now), s.volumeMode ?? '<unset>',
      ];
    },
  },
});
