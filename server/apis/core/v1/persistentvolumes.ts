// core/v1 PersistentVolume: cluster-scoped storage with one volume source, Pending until bound,
// its phase changes stamped in status.lastPhaseTransitionTime (GA in 1.31).
import { FieldPath } from '../../../../machinery/fieldpath.ts';
import * as field from '../../../../machinery/fieldpath.ts';
import { isDNS1123Subdomain } from '../../../../machinery/validation.ts';
import { rfc3339 } from '../../common/time.ts';
import { defineResource, type FieldError, type KubeObject } from '../../types.ts';
import { age, ageColumn, nameColumn } from '../../common/age.ts';
import { canonicalizeResourceList, quantityString, validateResourceQuantityValue } from '../../common/intstr.ts';
import { deepEqual } from '../../common/podtemplate.ts';
import { defaultVolumeSourceFields } from './poddefaults.ts';

export const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
export const VOLUME_MODES = ['Block', 'Filesystem'];

/** The volume source fields a PersistentVolumeSpec may carry (exactly one). */
const SOURCES = [
  'gcePersistentDisk', 'awsElasticBlockStore', 'hostPath', 'glusterfs', 'nfs', 'rbd', 'iscsi', 'cinder', 'cephfs', 'fc', 'flocker',
  'flexVolume', 'azureFile', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'portworxVolume', 'scaleIO', 'local',
  'storageos', 'csi',
];

interface PVSpec {
  capacity?: Record<string, string>; accessModes?: string[]; persistentVolumeReclaimPolicy?: string; storageClassName?: string;
  volumeMode?: string; claimRef?: { namespace?: string; name?: string }; volumeAttributesClassName?: string; nodeAffinity?: object;
  [source: string]: unknown;
}
export type PersistentVolume = KubeObject & { spec?: PVSpec; status?: { phase?: string; reason?: string; message?: string; lastPhaseTransitionTime?: string } };

/** helper.GetAccessModesAsString: RWO,ROX,RWX,RWOP in that order. */
export function accessModesString(modes: string[] | undefined): string {
  const m = new Set(modes ?? []);
  const out: string[] = [];
  if (m.has('ReadWriteOnce')) out.push('RWO');
  if (m.has('ReadOnlyMany')) out.push('ROX');
  if (m.has('ReadWriteMany')) out.push('RWX');
  if (m.has('ReadWriteOncePod')) out.push('RWOP');
  return out.join(',');
}

/** The class of a volume or claim: spec.storageClassName, else the beta annotation. */
export function storageClassOf(obj: KubeObject & { spec?: { storageClassName?: string | null } }): string {
  return obj.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? obj.spec?.storageClassName ?? '';
}

function validatePV(pv: PersistentVolume): FieldError[] {
  const s = pv.spec ?? {};
  const p = FieldPath.root('spec');
  const errs: FieldError[] = [];
  if (!(s.accessModes?.length)) errs.push(field.required(p.child('accessModes'), ''));
  for (const m of s.accessModes ?? []) if (!ACCESS_MODES.includes(m)) errs.push(field.notSupported(p.child('accessModes'), m, ACCESS_MODES));
  if (!Object.keys(s.capacity ?? {}).length) errs.push(field.required(p.child('capacity'), ''));
  else if (s.capacity?.storage === undefined || Object.keys(s.capacity).length > 1) errs.push(field.notSupported(p.child('capacity'), s.capacity, ['storage']));
  for (const [k, v] of Object.entries(s.capacity ?? {})) errs.push(...validateResourceQuantityValue(k, v, p.child('capacity').key(k)));
  if (s.persistentVolumeReclaimPolicy && !['Delete', 'Recycle', 'Retain'].includes(s.persistentVolumeReclaimPolicy)) {
    errs.push(field.notSupported(p.child('persistentVolumeReclaimPolicy'), s.persistentVolumeReclaimPolicy, ['Delete', 'Recycle', 'Retain']));
  }
  if (s.storageClassName) for (const m of isDNS1123Subdomain(s.storageClassName)) errs.push(field.invalid(p.child('storageClassName'), s.storageClassName, m));
  if (s.volumeMode !== undefined && !VOLUME_MODES.includes(s.volumeMode)) errs.push(field.notSupported(p.child('volumeMode'), s.volumeMode, VOLUME_MODES));
  const present = SOURCES.filter((k) => s[k] !== undefined && s[k] !== null);
  if (present.length === 0) errs.push(field.required(p, 'must specify a volume type'));
  for (const k of present.slice(1)) errs.push(field.forbidden(p.child(k), 'may not specify more than 1 volume type'));
  return errs;
}

function validatePVUpdate(pv: PersistentVolume, old: PersistentVolume): FieldError[] {
  const errs: FieldError[] = [];
  const source = (x: PersistentVolume) => Object.fromEntries(SOURCES.filter((k) => x.spec?.[k] !== undefined).map((k) => [k, x.spec![k]]));
  if (!deepEqual(source(pv), source(old))) {
    errs.push(field.forbidden(FieldPath.root('spec', 'persistentvolumesource'), 'spec.persistentvolumesource is immutable after creation'));
  }
  if ((pv.spec?.volumeMode ?? null) !== (old.spec?.volumeMode ?? null)) errs.push(field.invalid(FieldPath.root('volumeMode'), pv.spec?.volumeMode ?? null, 'field is immutable'));
  if (old.spec?.nodeAffinity && !deepEqual(pv.spec?.nodeAffinity, old.spec.nodeAffinity)) errs.push(field.invalid(FieldPath.root('nodeAffinity'), pv.spec?.nodeAffinity ?? null, 'field is immutable'));
  return errs;
}

export const persistentvolumes = defineResource<PersistentVolume>({
  group: '', version: 'v1', kind: 'PersistentVolume', plural: 'persistentvolumes', singular: 'persistentvolume',
  namespaced: false, shortNames: ['pv'], model: 'V1PersistentVolume', returnDeletedObject: true,
  strategy: {
    defaults(pv) {
      const s = (pv.spec ??= {});
      s.persistentVolumeReclaimPolicy ||= 'Retain';
      s.volumeMode ??= 'Filesystem';
      defaultVolumeSourceFields(s);
      canonicalizeResourceList(s.capacity);
    },
    prepareForCreate(pv, ctx) {
      pv.status = { phase: 'Pending', lastPhaseTransitionTime: rfc3339(ctx.now) };
    },
    validate: validatePV,
    validateUpdate: validatePVUpdate,
  },
  status: {
    prepareForUpdate(pv, old, ctx) {
      pv.status ??= {};
      pv.status.phase ||= 'Pending';
      // A phase change is stamped with the time of the change.
      if (pv.status.phase !== old.status?.phase) pv.status.lastPhaseTransitionTime = rfc3339(ctx?.now ?? new Date());
    },
    validateUpdate(pv) {
      const phase = pv.status?.phase ?? '';
      const phases = ['Available', 'Bound', 'Failed', 'Pending', 'Released'];
      return phases.includes(phase) ? [] : [field.notSupported(FieldPath.root('status', 'phase'), phase, phases)];
    },
  },
  table: {
    columns: [
      nameColumn,
      { name: 'Capacity', type: 'string', description: 'The storage the volume offers.' },
      { name: 'Access Modes', type: 'string', description: 'How the volume can be mounted.' },
      { name: 'Reclaim Policy', type: 'string', description: 'What happens to the volume when its claim goes.' },
      { name: 'Status', type: 'string', description: 'The phase of the volume.' },
      { name: 'Claim', type: 'string', description: 'The claim bound to the volume.' },
      { name: 'StorageClass', type: 'string', description: 'StorageClass of the pv' },
      { name: 'VolumeAttributesClass', type: 'string', description: 'VolumeAttributesClass of the pv' },
      { name: 'Reason', type: 'string', description: 'Why the volume is in its phase.' },
      ageColumn,
      { name: 'VolumeMode', type: 'string', priority: 1, description: 'Filesystem or raw block.' },
    ],
    row(pv, now) {
      const s = pv.spec ?? {};
      const claim = s.claimRef ? `${s.claimRef.namespace ?? ''}/${s.claimRef.name ?? ''}` : '';
      const phase = pv.metadata?.deletionTimestamp ? 'Terminating' : pv.status?.phase ?? '';
      return [
        pv.metadata?.name ?? '', quantityString(s.capacity?.storage ?? '0'), accessModesString(s.accessModes), s.persistentVolumeReclaimPolicy ?? '',
        phase, claim, storageClassOf(pv), s.volumeAttributesClassName ?? '<unset>', pv.status?.reason ?? '', age(pv, now), s.volumeMode ?? '<unset>',
      ];
    },
  },
});
