// storage.k8s.io/v1 CSIDriver: what Kubernetes should know about an installed CSI driver
// (attach, pod info on mount, capacity tracking, tokens, lifecycle modes).
import { FieldPath } from '../../../../machinery/fieldpath.ts';
import * as field from '../../../../machinery/fieldpath.ts';
import { validateImmutableField } from '../../../../machinery/validation.ts';
import { defineResource, type FieldError, type KubeObject } from '../../types.ts';
import { age, ageColumn, nameColumn } from '../../common/age.ts';

type CSIDriver = KubeObject & {
  spec?: {
    attachRequired?: boolean; podInfoOnMount?: boolean; storageCapacity?: boolean; fsGroupPolicy?: string;
    tokenRequests?: Array<{ audience?: string; expirationSeconds?: number }>; requiresRepublish?: boolean;
    volumeLifecycleModes?: string[]; seLinuxMount?: boolean; nodeAllocatableUpdatePeriodSeconds?: number;
  };
};

const fsGroupPolicies = ['File', 'None', 'ReadWriteOnceWithFSType'];
const lifecycleModes = ['Persistent', 'Ephemeral'];

export function validateCSIDriverSpec(spec: NonNullable<CSIDriver['spec']>, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const unset = (v: unknown) => v === undefined || v === null;
  // Upstream reports attachRequired under the misspelt path "attachedRequired".
  if (unset(spec.attachRequired)) errs.push(field.required(path.child('attachedRequired')));
  if (unset(spec.podInfoOnMount)) errs.push(field.required(path.child('podInfoOnMount')));
  if (unset(spec.storageCapacity)) errs.push(field.required(path.child('storageCapacity')));
  if (!unset(spec.fsGroupPolicy) && !fsGroupPolicies.includes(spec.fsGroupPolicy!)) errs.push(field.notSupported(path.child('fsGroupPolicy'), spec.fsGroupPolicy, fsGroupPolicies));
  const audiences = new Set<string>();
  (spec.tokenRequests ?? []).forEach((tr, i) => {
    const p = path.child('tokenRequests').index(i);
    const audience = tr.audience ?? '';
    if (audiences.has(audience)) {
      errs.push(field.duplicate(p.child('audience'), audience));
      return;
    }
    audiences.add(audience);
    if (unset(tr.expirationSeconds)) return;
    if (tr.expirationSeconds! < 600) errs.push(field.invalid(p.child('expirationSeconds'), tr.expirationSeconds, 'may not specify a duration less than 10 minutes'));
    if (tr.expirationSeconds! > 2 ** 32) errs.push(field.invalid(p.child('expirationSeconds'), tr.expirationSeconds, 'may not specify a duration larger than 2^32 seconds'));
  });
  for (const mode of spec.volumeLifecycleModes ?? []) {
    if (!lifecycleModes.includes(mode)) errs.push(field.notSupported(path.child('volumeLifecycleModes'), mode, lifecycleModes));
  }
  // SELinuxMountReadWriteOncePod is on in 1.32: the field is required (and defaulted).
  if (unset(spec.seLinuxMount)) errs.push(field.required(path.child('seLinuxMount')));
  return errs;
}

export const csidrivers = defineResource<CSIDriver>({
  group: 'storage.k8s.io', version: 'v1', kind: 'CSIDriver', plural: 'csidrivers', singular: 'csidriver',
  namespaced: false, model: 'V1CSIDriver', returnDeletedObject: true,
  strategy: {
    defaults(d) {
      const spec = (d.spec ??= {});
      spec.attachRequired ??= true;
      spec.podInfoOnMount ??= false;
      spec.storageCapacity ??= false;
      spec.fsGroupPolicy ??= 'ReadWriteOnceWithFSType';
      if ((spec.volumeLifecycleModes ?? []).length === 0) spec.volumeLifecycleModes = ['Persistent'];
      spec.requiresRepublish ??= false;
      spec.seLinuxMount ??= false;
    },
    validate: (d) => validateCSIDriverSpec(d.spec ?? {}, FieldPath.root('spec')),
    validateUpdate: (d, old) => [
      ...validateImmutableField(d.spec?.attachRequired ?? null, old.spec?.attachRequired ?? null, FieldPath.root('spec', 'attachedRequired')),
      ...validateImmutableField(d.spec?.volumeLifecycleModes ?? null, old.spec?.volumeLifecycleModes ?? null, FieldPath.root('spec', 'volumeLifecycleModes')),
    ],
  },
  table: {
    columns: [
      nameColumn,
      { name: 'AttachRequired', type: 'boolean', description: 'Whether volumes need an attach step.' },
      { name: 'PodInfoOnMount', type: 'boolean', description: 'Whether the driver gets pod information on mount.' },
      { name: 'StorageCapacity', type: 'boolean', description: 'Whether the scheduler considers storage capacity.' },
      { name: 'TokenRequests', type: 'string', description: 'Audiences of the service account tokens passed to the driver.' },
      { name: 'RequiresRepublish', type: 'boolean', description: 'Whether NodePublishVolume is called periodically.' },
      { name: 'Modes', type: 'string', description: 'The volume lifecycle modes the driver supports.' },
      ageColumn,
    ],
    row(d, now) {
      const s = d.spec ?? {};
      const tokens = s.tokenRequests === undefined || s.tokenRequests === null ? '<unset>' : s.tokenRequests.map((t) => t.audience ?? '').join(',');
      const modes = (s.volumeLifecycleModes ?? []).join(',') || '<none>';
      return [d.metadata?.name ?? '', s.attachRequired ?? true, s.podInfoOnMount ?? false, s.storageCapacity ?? false, tokens, s.requiresRepublish ?? false, modes, age(d, now)];
    },
  },
});
