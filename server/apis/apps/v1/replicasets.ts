// apps/v1 ReplicaSet: one replica by default, a required and immutable selector that the
// template labels must satisfy, a controller-written status and the scale subresource.
import { FieldPath } from '../../../../machinery/fieldpath.ts';
import * as field from '../../../../machinery/fieldpath.ts';
import { validateImmutableField, validateNonnegativeField } from '../../../../machinery/validation.ts';
import type { LabelSelector } from '../../../../machinery/labels.ts';
import { defineResource, type FieldError, type KubeObject } from '../../types.ts';
import { age } from '../../common/age.ts';
import {
  containerCells, defaultPodTemplateSpec, formatLabelSelector, trySelector, validateControllerTemplate, validateRequiredSelector, type PodTemplateSpec,
} from '../../common/podtemplate.ts';
import { replicaControllerColumns, validateReplicaCounts } from '../../common/workloadstatus.ts';

export type ReplicaSet = KubeObject & {
  spec?: { replicas?: number; minReadySeconds?: number; selector?: LabelSelector; template?: PodTemplateSpec };
  status?: { replicas?: number; fullyLabeledReplicas?: number; readyReplicas?: number; availableReplicas?: number; observedGeneration?: number; conditions?: unknown[] };
};

/** Upstream's ValidateReplicaSetSpec (its empty-selector message says "deployment", as upstream's does). */
function validateSpec(rs: ReplicaSet): FieldError[] {
  const s = rs.spec ?? {};
  const p = FieldPath.root('spec');
  const errs: FieldError[] = [
    ...validateNonnegativeField(s.replicas ?? 0, p.child('replicas')),
    ...validateNonnegativeField(s.minReadySeconds ?? 0, p.child('minReadySeconds')),
    ...validateRequiredSelector(s.selector, p.child('selector'), 'empty selector is invalid for deployment'),
  ];
  const selector = trySelector(s.selector);
  if (s.selector && !selector) errs.push(field.invalid(p.child('selector'), s.selector, 'invalid label selector'));
  else errs.push(...validateControllerTemplate(s.template, selector, p.child('template'), 'ReplicaSet'));
  return errs;
}

export const replicasets = defineResource<ReplicaSet>({
  group: 'apps', version: 'v1', kind: 'ReplicaSet', plural: 'replicasets', singular: 'replicaset',
  namespaced: true, shortNames: ['rs'], categories: ['all'], model: 'V1ReplicaSet', hasGeneration: true,
  scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.spec.selector' },
  strategy: {
    defaults(rs) {
      const s = (rs.spec ??= {});
      s.replicas ??= 1;
      defaultPodTemplateSpec((s.template ??= {}));
    },
    prepareForCreate(rs) {
      rs.status = { replicas: 0 };
    },
    validate: validateSpec,
    validateUpdate: (rs, old) => validateImmutableField(rs.spec?.selector ?? null, old.spec?.selector ?? null, FieldPath.root('spec', 'selector')),
  },
  status: {
    validateUpdate: (rs) => validateReplicaCounts(rs.status ?? {}, FieldPath.root('status'), ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas']),
  },
  table: {
    columns: replicaControllerColumns,
    row(rs, now) {
      const [names, images] = containerCells(rs.spec?.template?.spec?.containers);
      return [rs.metadata?.name ?? '', rs.spec?.replicas ?? 0, rs.status?.replicas ?? 0, rs.status?.readyReplicas ?? 0, age(rs, now), names, images, formatLabelSelector(rs.spec?.selector)];
    },
  },
});
