// apps/v1 Deployment: upstream's defaults (RollingUpdate 25%/25%, 10 revisions, 600s progress
// deadline, one replica), the template-must-match-selector and strategy rules, an immutable
// selector, a controller-written status and the scale subresource.
import { FieldPath } from '../../../../machinery/fieldpath.ts';
import * as field from '../../../../machinery/fieldpath.ts';
import { validateImmutableField, validateNonnegativeField } from '../../../../machinery/validation.ts';
import type { LabelSelector } from '../../../../machinery/labels.ts';
import { defineResource, type FieldError, type KubeObject } from '../../types.ts';
import { age, ageColumn, nameColumn } from '../../common/age.ts';
import { intOrPercentValue, isNotMoreThan100Percent, validatePositiveIntOrPercent, type IntOrString } from '../../common/intstr.ts';
import {
  containerCells, deepEqual, defaultPodTemplateSpec, formatLabelSelector, trySelector, validateControllerTemplate, validateRequiredSelector, type PodTemplateSpec,
} from '../../common/podtemplate.ts';
import { validateCollisionCount, validateReplicaCounts } from '../../common/workloadstatus.ts';

interface DeploymentStrategy { type?: string; rollingUpdate?: { maxUnavailable?: IntOrString; maxSurge?: IntOrString } }
export interface DeploymentSpec {
  replicas?: number; selector?: LabelSelector; template?: PodTemplateSpec; strategy?: DeploymentStrategy; minReadySeconds?: number;
  revisionHistoryLimit?: number; paused?: boolean; progressDeadlineSeconds?: number;
}
export type Deployment = KubeObject & {
  spec?: DeploymentSpec;
  status?: {
    observedGeneration?: number; replicas?: number; updatedReplicas?: number; readyReplicas?: number; availableReplicas?: number;
    unavailableReplicas?: number; collisionCount?: number; conditions?: unknown[];
  };
};

/** Upstream's SetDefaults_Deployment, with pod-template defaults. */
export function defaultDeploymentSpec(s: DeploymentSpec): void {
  s.replicas ??= 1;
  const st = (s.strategy ??= {});
  if (!st.type) st.type = 'RollingUpdate';
  if (st.type === 'RollingUpdate') {
    const ru = (st.rollingUpdate ??= {});
    ru.maxUnavailable ??= '25%';
    ru.maxSurge ??= '25%';
  }
  s.revisionHistoryLimit ??= 10;
  s.progressDeadlineSeconds ??= 600;
  defaultPodTemplateSpec((s.template ??= {}));
}

function validateStrategy(st: DeploymentStrategy | undefined, p: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  switch (st?.type) {
    case 'Recreate':
      if (st.rollingUpdate) errs.push(field.forbidden(p.child('rollingUpdate'), "may not be specified when strategy `type` is 'Recreate'"));
      break;
    case 'RollingUpdate': {
      const ru = st.rollingUpdate;
      if (!ru) { errs.push(field.required(p.child('rollingUpdate'), 'this should be defaulted and never be nil')); break; }
      const rp = p.child('rollingUpdate');
      errs.push(...validatePositiveIntOrPercent(ru.maxUnavailable, rp.child('maxUnavailable')));
      errs.push(...validatePositiveIntOrPercent(ru.maxSurge, rp.child('maxSurge')));
      if (intOrPercentValue(ru.maxUnavailable) === 0 && intOrPercentValue(ru.maxSurge) === 0) {
        errs.push(field.invalid(rp.child('maxUnavailable'), ru.maxUnavailable ?? 0, 'may not be 0 when `maxSurge` is 0'));
      }
      errs.push(...isNotMoreThan100Percent(ru.maxUnavailable, rp.child('maxUnavailable')));
      break;
    }
    default:
      // Upstream reports the internal strategy struct (Go field names).
      errs.push(field.notSupported(p, { Type: st?.type ?? '', RollingUpdate: st?.rollingUpdate ?? null }, ['Recreate', 'RollingUpdate']));
  }
  return errs;
}

/** Upstream's ValidateDeploymentSpec. */
export function validateDeploymentSpec(s: DeploymentSpec | undefined, p: FieldPath): FieldError[] {
  const spec = s ?? {};
  const errs = validateRequiredSelector(spec.selector, p.child('selector'), 'empty selector is invalid for deployment');
  const selector = trySelector(spec.selector);
  if (spec.selector && !selector) errs.push(field.invalid(p.child('selector'), spec.selector, 'invalid label selector'));
  else errs.push(...validateControllerTemplate(spec.template, selector, p.child('template'), 'ReplicaSet'));
  errs.push(...validateNonnegativeField(spec.replicas ?? 0, p.child('replicas')));
  errs.push(...validateStrategy(spec.strategy, p.child('strategy')));
  errs.push(...validateNonnegativeField(spec.minReadySeconds ?? 0, p.child('minReadySeconds')));
  if (spec.revisionHistoryLimit !== undefined) errs.push(...validateNonnegativeField(spec.revisionHistoryLimit, p.child('revisionHistoryLimit')));
  if (spec.progressDeadlineSeconds !== undefined) {
    errs.push(...validateNonnegativeField(spec.progressDeadlineSeconds, p.child('progressDeadlineSeconds')));
    if (spec.progressDeadlineSeconds <= (spec.minReadySeconds ?? 0)) {
      errs.push(field.invalid(p.child('progressDeadlineSeconds'), spec.progressDeadlineSeconds, 'must be greater than minReadySeconds'));
    }
  }
  return errs;
}

export const deployments = defineResource<Deployment>({
  group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', singular: 'deployment',
  namespaced: true, shortNames: ['deploy'], categories: ['all'], model: 'V1Deployment', hasGeneration: true,
  scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.spec.selector' },
  strategy: {
    defaults: (d) => defaultDeploymentSpec((d.spec ??= {})),
    prepareForCreate(d) {
      d.status = {};
    },
    prepareForUpdate(d, old) {
      // Upstream also counts annotation changes (rollback requests) as a new generation.
      if (!deepEqual(d.metadata?.annotations ?? {}, old.metadata?.annotations ?? {})) d.metadata!.generation = (old.metadata?.generation ?? 0) + 1;
    },
    validate: (d) => validateDeploymentSpec(d.spec, FieldPath.root('spec')),
    validateUpdate: (d, old) => validateImmutableField(d.spec?.selector ?? null, old.spec?.selector ?? null, FieldPath.root('spec', 'selector')),
  },
  status: {
    keepsRequestAnnotations: true,
    validateUpdate: (d, old) => [
      ...validateReplicaCounts(d.status ?? {}, FieldPath.root('status'), ['updatedReplicas', 'readyReplicas', 'availableReplicas'], ['unavailableReplicas']),
      ...validateCollisionCount(d.status, old.status, FieldPath.root('status')),
    ],
  },
  table: {
    columns: [
      nameColumn,
      { name: 'Ready', type: 'string', description: 'Number of the pod with ready state' },
      { name: 'Up-to-date', type: 'string', description: 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.' },
      { name: 'Available', type: 'string', description: 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.' },
      ageColumn,
      { name: 'Containers', type: 'string', priority: 1, description: 'Names of each container in the template.' },
      { name: 'Images', type: 'string', priority: 1, description: 'Images referenced by each container in the template.' },
      { name: 'Selector', type: 'string', priority: 1, description: 'Label selector for pods.' },
    ],
    row(d, now) {
      const [names, images] = containerCells(d.spec?.template?.spec?.containers);
      return [
        d.metadata?.name ?? '', `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 0}`, d.status?.updatedReplicas ?? 0, d.status?.availableReplicas ?? 0,
        age(d, now), names, images, formatLabelSelector(d.spec?.selector).replace(/^<none>$/, ''),
      ];
    },
  },
});
