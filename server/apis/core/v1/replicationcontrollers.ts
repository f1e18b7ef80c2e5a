// core/v1 ReplicationController: a map selector defaulted from the template labels, the
// ReplicaSet-like template rules, a status written by the controller, and the scale subresource.
import { FieldPath } from '../../../../machinery/fieldpath.ts';
import * as field from '../../../../machinery/fieldpath.ts';
import { selectorFromSet } from '../../../../machinery/labels.ts';
import { validateNonnegativeField } from '../../../../machinery/validation.ts';
import { defineResource, type FieldError, type KubeObject } from '../../types.ts';
import { age } from '../../common/age.ts';
import { containerCells, defaultPodTemplateSpec, formatLabels, validateControllerTemplate, type PodTemplateSpec } from '../../common/podtemplate.ts';
import { replicaControllerColumns, validateReplicaCounts } from '../../common/workloadstatus.ts';

export type ReplicationController = KubeObject & {
  spec?: { replicas?: number; minReadySeconds?: number; selector?: Record<string, string>; template?: PodTemplateSpec };
  status?: { replicas?: number; fullyLabeledReplicas?: number; readyReplicas?: number; availableReplicas?: number; observedGeneration?: number; conditions?: unknown[] };
};

function validateSpec(rc: ReplicationController): FieldError[] {
  const s = rc.spec ?? {};
  const p = FieldPath.root('spec');
  const errs: FieldError[] = [...validateNonnegativeField(s.minReadySeconds ?? 0, p.child('minReadySeconds'))];
  const selector = selectorFromSet(s.selector ?? {});
  if (selector.empty()) errs.push(field.required(p.child('selector'), ''));
  errs.push(...validateNonnegativeField(s.replicas ?? 0, p.child('replicas')));
  errs.push(...validateControllerTemplate(s.template, selector, p.child('template'), 'ReplicationController'));
  return errs;
}

export const replicationcontrollers = defineResource<ReplicationController>({
  group: '', version: 'v1', kind: 'ReplicationController', plural: 'replicationcontrollers', singular: 'replicationcontroller',
  namespaced: true, shortNames: ['rc'], categories: ['all'], model: 'V1ReplicationController', hasGeneration: true,
  // The scale status selector would be spec.selector as a string; the generic scale view reads only LabelSelector objects.
  scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' },
  strategy: {
    defaults(rc) {
      // SetDefaults_ReplicationController: selector and object labels from the template labels.
      const s = (rc.spec ??= {});
      const labels = s.template?.metadata?.labels;
      if (labels) {
        if (!Object.keys(s.selector ?? {}).length) s.selector = { ...labels };
        if (!Object.keys(rc.metadata?.labels ?? {}).length) rc.metadata!.labels = { ...labels };
      }
      s.replicas ??= 1;
      if (s.template) defaultPodTemplateSpec(s.template);
    },
    prepareForCreate(rc) {
      rc.status = { replicas: 0 };
    },
    validate: validateSpec,
  },
  status: {
    validateUpdate: (rc) => validateReplicaCounts(rc.status ?? {}, FieldPath.root('status'), ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas']),
  },
  table: {
    columns: replicaControllerColumns,
    row(rc, now) {
      const [names, images] = containerCells(rc.spec?.template?.spec?.containers);
      return [rc.metadata?.name ?? '', rc.spec?.replicas ?? 0, rc.status?.replicas ?? 0, rc.status?.readyReplicas ?? 0, age(rc, now), names, images, formatLabels(rc.spec?.selector)];
    },
  },
});
