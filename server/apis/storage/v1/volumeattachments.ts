// storage.k8s.io/v1 VolumeAttachment: a request to attach a volume to a node, and the attacher's
// report in status. The spec never changes after creation.
import { FieldPath } from '../../../../machinery/fieldpath.ts';
import * as field from '../../../../machinery/fieldpath.ts';
import { byteLength } from '../../../../machinery/goformat.ts';
import { inclusiveRangeError, nameIsDNSSubdomain } from '../../../../machinery/validation.ts';
import { defineResource, type FieldError, type KubeObject } from '../../types.ts';
import { age, ageColumn, nameColumn } from '../../common/age.ts';
import { semanticEqual } from '../../common/shapes.ts';
import { validateCSIDriverName } from './validation.ts';

interface VolumeError { message?: string; errorCode?: number; time?: string }
type VolumeAttachment = KubeObject & {
  spec?: { attacher?: string; nodeName?: string; source?: { persistentVolumeName?: string; inlineVolumeSpec?: unknown } };
  status?: { attached?: boolean; attachmentMetadata?: Record<string, string>; attachError?: VolumeError; detachError?: VolumeError };
};

const maxAttachedVolumeMetadataSize = 256 * 1024;
const maxVolumeErrorMessageSize = 1024;

function validateVolumeError(e: VolumeError | undefined, path: FieldPath): FieldError[] {
  if (!e) return [];
  const errs: FieldError[] = [];
  // Upstream caps the message at 1024 bytes but reports the metadata limit.
  if (byteLength(e.message ?? '') > maxVolumeErrorMessageSize) errs.push(field.tooLong(path.child('message'), '', maxAttachedVolumeMetadataSize));
  if (e.errorCode !== undefined && e.errorCode !== null && e.errorCode < 0) {
    errs.push(field.invalid(path.child('errorCode'), e.errorCode, inclusiveRangeError(0, 2147483647)));
  }
  return errs;
}

/** Upstream's ValidateVolumeAttachment (spec and status), for create and every update. */
export function validateVolumeAttachment(va: VolumeAttachment): FieldError[] {
  const errs: FieldError[] = [];
  const spec = va.spec ?? {};
  const specPath = FieldPath.root('spec');
  if (!spec.attacher) errs.push(field.required(specPath.child('attacher')));
  const src = spec.source ?? {};
  const hasInline = src.inlineVolumeSpec !== undefined && src.inlineVolumeSpec !== null;
  const hasPV = src.persistentVolumeName !== undefined && src.persistentVolumeName !== null;
  const srcPath = specPath.child('source');
  if (!hasInline && !hasPV) errs.push(field.required(srcPath, 'must specify exactly one of inlineVolumeSpec and persistentVolumeName'));
  else if (hasInline && hasPV) errs.push(field.forbidden(srcPath, 'must specify exactly one of inlineVolumeSpec and persistentVolumeName'));
  else if (hasPV && src.persistentVolumeName === '') errs.push(field.required(srcPath.child('persistentVolumeName'), 'must specify non empty persistentVolumeName'));
  for (const m of nameIsDNSSubdomain(spec.nodeName ?? '', false)) errs.push(field.invalid(specPath.child('nodeName'), spec.nodeName ?? '', m));
  const status = va.status ?? {};
  let size = 0;
  for (const [k, v] of Object.entries(status.attachmentMetadata ?? {})) size += byteLength(k) + byteLength(v);
  if (size > maxAttachedVolumeMetadataSize) errs.push(field.tooLong(FieldPath.root('status', 'attachmentMetadata'), '', maxAttachedVolumeMetadataSize));
  errs.push(...validateVolumeError(status.attachError, FieldPath.root('status', 'attachError')));
  errs.push(...validateVolumeError(status.detachError, FieldPath.root('status', 'detachError')));
  return errs;
}

/** The stricter checks upstream applies to attachments created through v1. */
function validateV1(va: VolumeAttachment): FieldError[] {
  const errs = validateCSIDriverName(va.spec?.attacher ?? '', FieldPath.root('spec', 'attacher'));
  const pv = va.spec?.source?.persistentVolumeName;
  if (pv !== undefined && pv !== null) {
    for (const m of nameIsDNSSubdomain(pv, false)) errs.push(field.invalid(FieldPath.root('spec', 'source', 'persistentVolumeName'), pv, m));
  }
  return errs;
}

function validateUpdate(va: VolumeAttachment, old: VolumeAttachment): FieldError[] {
  if (semanticEqual(va.spec, old.spec)) return [];
  return [field.invalid(FieldPath.root('spec'), va.spec ?? null, 'field is immutable')];
}

export const volumeattachments = defineResource<VolumeAttachment>({
  group: 'storage.k8s.io', version: 'v1', kind: 'VolumeAttachment', plural: 'volumeattachments', singular: 'volumeattachment',
  namespaced: false, model: 'V1VolumeAttachment', returnDeletedObject: true,
  strategy: {
    prepareForCreate(va) {
      va.status = { attached: false };
    },
    validate: (va, ctx) => [...validateVolumeAttachment(va), ...(ctx.operation === 'UPDATE' ? [] : validateV1(va))],
    validateUpdate,
  },
  status: {
    validateUpdate: (va, old) => [...validateVolumeAttachment(va), ...validateUpdate(va, old)],
  },
  table: {
    columns: [
      nameColumn,
      { name: 'Attacher', type: 'string', format: 'name', description: 'The CSI driver that attaches the volume.' },
      { name: 'PV', type: 'string', description: 'The persistent volume to attach.' },
      { name: 'Node', type: 'string', description: 'The node to attach it to.' },
      { name: 'Attached', type: 'boolean', description: 'Whether the attach operation succeeded.' },
      ageColumn,
    ],
    row: (va, now) => [
      va.metadata?.name ?? '', va.spec?.attacher ?? '', va.spec?.source?.persistentVolumeName ?? '', va.spec?.nodeName ?? '',
      va.status?.attached ?? false, age(va, now),
    ],
  },
});
