// storage.k8s.io/v1 StorageClass: how volumes of a class are provisioned. Provisioner,
// parameters and reclaim policy are fixed once created; volumeBindingMode too.
import { FieldPath } from '../../../../machinery/fieldpath.ts';
import * as field from '../../../../machinery/fieldpath.ts';
import { byteLength } from '../../../../machinery/goformat.ts';
import { isQualifiedName, validateImmutableField } from '../../../../machinery/validation.ts';
import { defineResource, type FieldError, type KubeObject } from '../../types.ts';
import { age, ageColumn, nameColumn } from '../../common/age.ts';
import { semanticEqual } from '../../common/shapes.ts';
import { validateAllowedTopologies, type TopologySelectorTerm } from './validation.ts';

type StorageClass = KubeObject & {
  provisioner?: string; parameters?: Record<string, string>; reclaimPolicy?: string; mountOptions?: string[];
  allowVolumeExpansion?: boolean; volumeBindingMode?: string; allowedTopologies?: TopologySelectorTerm[];
};

const maxParameterSize = 256 * 1024;
const maxParameterCount = 512;
const reclaimPolicies = ['Delete', 'Retain'];
const bindingModes = ['Immediate', 'WaitForFirstConsumer'];

export function validateParameters(params: Record<string, string> | undefined, path: FieldPath): FieldError[] {
  const entries = Object.entries(params ?? {});
  if (entries.length > maxParameterCount) return [field.tooLong(path, '', maxParameterCount)];
  const errs: FieldError[] = [];
  let total = 0;
  for (const [k, v] of entries) {
    if (k.length < 1) errs.push(field.invalid(path, k, 'field can not be empty.'));
    total += byteLength(k) + byteLength(v);
  }
  if (total > maxParameterSize) errs.push(field.tooLong(path, '', maxParameterSize));
  return errs;
}

export function validateStorageClass(sc: StorageClass): FieldError[] {
  const errs: FieldError[] = [];
  const provisioner = sc.provisioner ?? '';
  if (provisioner === '') errs.push(field.required(FieldPath.root('provisioner')));
  else for (const m of isQualifiedName(provisioner.toLowerCase())) errs.push(field.invalid(FieldPath.root('provisioner'), provisioner.toLowerCase(), m));
  errs.push(...validateParameters(sc.parameters, FieldPath.root('parameters')));
  if (sc.reclaimPolicy && !reclaimPolicies.includes(sc.reclaimPolicy)) errs.push(field.notSupported(FieldPath.root('reclaimPolicy'), sc.reclaimPolicy, reclaimPolicies));
  if (sc.volumeBindingMode === undefined || sc.volumeBindingMode === null) errs.push(field.required(FieldPath.root('volumeBindingMode')));
  else if (!bindingModes.includes(sc.volumeBindingMode)) errs.push(field.notSupported(FieldPath.root('volumeBindingMode'), sc.volumeBindingMode, bindingModes));
  errs.push(...validateAllowedTopologies(sc.allowedTopologies, FieldPath.root('allowedTopologies')));
  return errs;
}

const isDefaultClass = (sc: StorageClass) =>
  sc.metadata?.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true' ||
  sc.metadata?.annotations?.['storageclass.beta.kubernetes.io/is-default-class'] === 'true';

export const storageclasses = defineResource<StorageClass>({
  group: 'storage.k8s.io', version: 'v1', kind: 'StorageClass', plural: 'storageclasses', singular: 'storageclass',
  namespaced: false, shortNames: ['sc'], model: 'V1StorageClass', returnDeletedObject: true,
  strategy: {
    defaults(sc) {
      sc.reclaimPolicy ??= 'Delete';
      sc.volumeBindingMode ??= 'Immediate';
    },
    validate: (sc) => validateStorageClass(sc),
    validateUpdate(sc, old) {
      const errs: FieldError[] = [];
      if (!semanticEqual(sc.parameters, old.parameters)) errs.push(field.forbidden(FieldPath.root('parameters'), 'updates to parameters are forbidden.'));
      if ((sc.provisioner ?? '') !== (old.provisioner ?? '')) errs.push(field.forbidden(FieldPath.root('provisioner'), 'updates to provisioner are forbidden.'));
      if ((sc.reclaimPolicy ?? '') !== (old.reclaimPolicy ?? '')) errs.push(field.forbidden(FieldPath.root('reclaimPolicy'), 'updates to reclaimPolicy are forbidden.'));
      errs.push(...validateImmutableField(sc.volumeBindingMode ?? null, old.volumeBindingMode ?? null, FieldPath.root('volumeBindingMode')));
      return errs;
    },
  },
  table: {
    columns: [
      nameColumn,
      { name: 'Provisioner', type: 'string', description: 'The volume plugin that provisions volumes of this class.' },
      { name: 'ReclaimPolicy', type: 'string', description: 'What happens to a provisioned volume when its claim goes.' },
      { name: 'VolumeBindingMode', type: 'string', description: 'When volumes are bound and provisioned.' },
      { name: 'AllowVolumeExpansion', type: 'string', description: 'Whether volumes of this class may be expanded.' },
      ageColumn,
    ],
    row: (sc, now) => [
      `${sc.metadata?.name ?? ''}${isDefaultClass(sc) ? ' (default)' : ''}`, sc.provisioner ?? '', sc.reclaimPolicy ?? 'Delete',
      sc.volumeBindingMode ?? 'Immediate', sc.allowVolumeExpansion ?? false, age(sc, now),
    ],
  },
});
