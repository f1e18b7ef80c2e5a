// apps/v1 StatefulSet: upstream's defaults (OrderedReady, RollingUpdate with partition 0, Retain
// claim policies, one replica, 10 revisions), validation, the rule that only some spec fields may
// change, a controller-written status and the scale subresource.
import { FieldPath } from '../../../../machinery/fieldpath.ts';
import * as field from '../../../../machinery/fieldpath.ts';
import { validateNonnegativeField } from '../../../../machinery/validation.ts';
import type { LabelSelector } from '../../../../machinery/labels.ts';
import { defineResource, type FieldError, type KubeObject } from '../../types.ts';
import { age, ageColumn, nameColumn } from '../../common/age.ts';
import { isNotMoreThan100Percent, validatePositiveIntOrPercent, intOrPercentValue, type IntOrString } from '../../common/intstr.ts';
import {
  containerCells, deepEqual, defaultEmbeddedMeta, defaultPodTemplateSpec, trySelector, validateControllerTemplate, validateRequiredSelector, type PodTemplateSpec,
} from '../../common/podtemplate.ts';
import { validateCollisionCount, validateReplicaCounts } from '../../common/workloadstatus.ts';
import { defaultClaimSpec, validateClaimSpec, type PVCSpec } from '../../core/v1/persistentvolumeclaims.ts';

interface StatefulSetSpec {
  replicas?: number; selector?: LabelSelector; template?: PodTemplateSpec; serviceName?: string; podManagementPolicy?: string;
  updateStrategy?: { type?: string; rollingUpdate?: { partition?: number; maxUnavailable?: IntOrString } };
  revisionHistoryLimit?: number; minReadySeconds?: number; ordinals?: { start?: number };
  persistentVolumeClaimRetentionPolicy?: { whenDeleted?: string; whenScaled?: string };
  volumeClaimTemplates?: Array<KubeObject & { spec?: PVCSpec; status?: { phase?: string } }>;
}
export type StatefulSet = KubeObject & {
  spec?: StatefulSetSpec;
  status?: {
    observedGeneration?: number; replicas?: number; readyReplicas?: number; currentReplicas?: number; updatedReplicas?: number;
    availableReplicas?: number; currentRevision?: string; updateRevision?: string; collisionCount?: number; conditions?: unknown[];
  };
};

const RETENTION = ['Retain', 'Delete'];

function defaults(sts: StatefulSet): void {
  const s = (sts.spec ??= {});
  s.podManagementPolicy ||= 'OrderedReady';
  const us = (s.updateStrategy ??= {});
  if (!us.type) {
    us.type = 'RollingUpdate';
    us.rollingUpdate ??= {};
  }
  if (us.type === 'RollingUpdate' && us.rollingUpdate) us.rollingUpdate.partition ??= 0;
  const pol = (s.persistentVolumeClaimRetentionPolicy ??= {});
  pol.whenDeleted ||= 'Retain';
  pol.whenScaled ||= 'Retain';
  s.replicas ??= 1;
  s.revisionHistoryLimit ??= 10;
  defaultPodTemplateSpec((s.template ??= {}));
  // The claim templates are PersistentVolumeClaims: upstream serves them with their type meta and
  // the claim defaults (Filesystem, Pending).
  for (const c of s.volumeClaimTemplates ?? []) {
    c.apiVersion = 'v1';
    c.kind = 'PersistentVolumeClaim';
    defaultEmbeddedMeta(c);
    defaultClaimSpec((c.spec ??= {}));
    c.status = { phase: 'Pending', ...c.status };
  }
}

function validateSpec(sts: StatefulSet): FieldError[] {
  const s = sts.spec ?? {};
  const p = FieldPath.root('spec');
  const errs: FieldError[] = [];
  switch (s.podManagementPolicy ?? '') {
    case '': errs.push(field.required(p.child('podManagementPolicy'), '')); break;
    case 'OrderedReady': case 'Parallel': break;
    default: errs.push(field.invalid(p.child('podManagementPolicy'), s.podManagementPolicy, "must be 'OrderedReady' or 'Parallel'"));
  }
  const us = s.updateStrategy ?? {};
  switch (us.type ?? '') {
    case '': errs.push(field.required(p.child('updateStrategy'), '')); break;
    case 'OnDelete':
      if (us.rollingUpdate) errs.push(field.invalid(p.child('updateStrategy', 'rollingUpdate'), us.rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'"));
      break;
    case 'RollingUpdate':
      if (us.rollingUpdate) {
        const rp = p.child('updateStrategy', 'rollingUpdate');
        errs.push(...validateNonnegativeField(us.rollingUpdate.partition ?? 0, rp.child('partition')));
        if (us.rollingUpdate.maxUnavailable !== undefined) {
          errs.push(...validatePositiveIntOrPercent(us.rollingUpdate.maxUnavailable, rp.child('maxUnavailable')));
          if (intOrPercentValue(us.rollingUpdate.maxUnavailable) === 0) errs.push(field.invalid(rp.child('maxUnavailable'), us.rollingUpdate.maxUnavailable, 'cannot be 0'));
          errs.push(...isNotMoreThan100Percent(us.rollingUpdate.maxUnavailable, rp.child('maxUnavailable')));
        }
      }
      break;
    default:
      errs.push(field.invalid(p.child('updateStrategy'), us, "must be 'RollingUpdate' or 'OnDelete'"));
  }
  const pol = s.persistentVolumeClaimRetentionPolicy;
  if (pol) {
    const pp = p.child('persistentVolumeClaimRetentionPolicy');
    if (!RETENTION.includes(pol.whenDeleted ?? '')) errs.push(field.notSupported(pp.child('whenDeleted'), pol.whenDeleted ?? '', RETENTION));
    if (!RETENTION.includes(pol.whenScaled ?? '')) errs.push(field.notSupported(pp.child('whenScaled'), pol.whenScaled ?? '', RETENTION));
  }
  if (s.ordinals) errs.push(...validateNonnegativeField(s.ordinals.start ?? 0, p.child('ordinals', 'start')));
  errs.push(...validateNonnegativeField(s.replicas ?? 0, p.child('replicas')));
  errs.push(...validateNonnegativeField(s.minReadySeconds ?? 0, p.child('minReadySeconds')));
  errs.push(...validateRequiredSelector(s.selector, p.child('selector'), 'empty selector is invalid for statefulset'));
  const selector = trySelector(s.selector);
  if (s.selector && !selector) errs.push(field.invalid(p.child('selector'), s.selector, ''));
  else errs.push(...validateControllerTemplate(s.template, selector, p.child('template'), 'StatefulSet'));
  (s.volumeClaimTemplates ?? []).forEach((c, i) => errs.push(...validateClaimSpec(c.spec, p.child('volumeClaimTemplates').index(i).child('spec'))));
  if (s.revisionHistoryLimit !== undefined) errs.push(...validateNonnegativeField(s.revisionHistoryLimit, p.child('revisionHistoryLimit')));
  return errs;
}

/** Upstream's ValidateStatefulSetUpdate: only these spec fields may change. */
const MUTABLE: Array<keyof StatefulSetSpec> = ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];

function validateUpdate(sts: StatefulSet, old: StatefulSet): FieldError[] {
  const strip = (s: StatefulSetSpec | undefined) => {
    const c: Record<string, unknown> = { ...(s ?? {}) };
    for (const k of MUTABLE) delete c[k];
    return c;
  };
  if (!deepEqual(strip(sts.spec), strip(old.spec))) {
    return [field.forbidden(FieldPath.root('spec'), "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden")];
  }
  return [];
}

export const statefulsets = defineResource<StatefulSet>({
  group: 'apps', version: 'v1', kind: 'StatefulSet', plural: 'statefulsets', singular: 'statefulset',
  namespaced: true, shortNames: ['sts'], categories: ['all'], model: 'V1StatefulSet', hasGeneration: true,
  scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.spec.selector' },
  strategy: {
    defaults,
    prepareForCreate(sts) {
      sts.status = { replicas: 0, availableReplicas: 0 };
    },
    validate: validateSpec,
    validateUpdate,
  },
  status: {
    validateUpdate: (sts, old) => [
      ...validateReplicaCounts(sts.status ?? {}, FieldPath.root('status'), ['readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas']),
      ...validateCollisionCount(sts.status, old.status, FieldPath.root('status')),
    ],
  },
  table: {
    columns: [
      nameColumn,
      { name: 'Ready', type: 'string', description: 'Number of the pod with ready state' },
      ageColumn,
      { name: 'Containers', type: 'string', priority: 1, description: 'Names of each container in the template.' },
      { name: 'Images', type: 'string', priority: 1, description: 'Images referenced by each container in the template.' },
    ],
    row(sts, now) {
      const [names, images] = containerCells(sts.spec?.template?.spec?.containers);
      return [sts.metadata?.name ?? '', `${sts.status?.readyReplicas ?? 0}/${sts.spec?.replicas ?? 0}`, age(sts, now), names, images];
    },
  },
});
