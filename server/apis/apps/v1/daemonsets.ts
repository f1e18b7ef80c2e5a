// apps/v1 DaemonSet: upstream's defaults (RollingUpdate maxUnavailable 1 / maxSurge 0, 10
// revisions), validation, an immutable selector, the template generation kept in the
// `deprecated.daemonset.template.generation` annotation (as apps/v1 converts it), and a
// controller-written status.
import { FieldPath } from '../../../../machinery/fieldpath.ts';
import * as field from '../../../../machinery/fieldpath.ts';
import { validateImmutableField, validateNonnegativeField } from '../../../../machinery/validation.ts';
import { validateLabelSelector, type LabelSelector } from '../../../../machinery/labels.ts';
import { defineResource, type FieldError, type KubeObject } from '../../types.ts';
import { age, ageColumn, nameColumn } from '../../common/age.ts';
import { intOrPercentValue, isNotMoreThan100Percent, validatePositiveIntOrPercent, type IntOrString } from '../../common/intstr.ts';
import {
  containerCells, deepEqual, defaultPodTemplateSpec, formatLabelSelector, formatLabels, trySelector, validatePodTemplateSpec, type PodTemplateSpec,
} from '../../common/podtemplate.ts';

const TEMPLATE_GENERATION = 'deprecated.daemonset.template.generation';

interface DaemonSetSpec {
  selector?: LabelSelector; template?: PodTemplateSpec; minReadySeconds?: number; revisionHistoryLimit?: number;
  updateStrategy?: { type?: string; rollingUpdate?: { maxUnavailable?: IntOrString; maxSurge?: IntOrString } };
}
export type DaemonSet = KubeObject & {
  spec?: DaemonSetSpec;
  status?: {
    currentNumberScheduled?: number; numberMisscheduled?: number; desiredNumberScheduled?: number; numberReady?: number;
    observedGeneration?: number; updatedNumberScheduled?: number; numberAvailable?: number; numberUnavailable?: number; collisionCount?: number;
  };
};

function defaults(ds: DaemonSet): void {
  const s = (ds.spec ??= {});
  const us = (s.updateStrategy ??= {});
  if (!us.type) us.type = 'RollingUpdate';
  if (us.type === 'RollingUpdate') {
    const ru = (us.rollingUpdate ??= {});
    ru.maxUnavailable ??= 1;
    ru.maxSurge ??= 0;
  }
  s.revisionHistoryLimit ??= 10;
  defaultPodTemplateSpec((s.template ??= {}));
}

function validateUpdateStrategy(us: DaemonSetSpec['updateStrategy'], p: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  switch (us?.type) {
    case 'OnDelete': break;
    case 'RollingUpdate': {
      const ru = us.rollingUpdate;
      if (!ru) return [field.required(p.child('rollingUpdate'), '')];
      const rp = p.child('rollingUpdate');
      errs.push(...validatePositiveIntOrPercent(ru.maxUnavailable, rp.child('maxUnavailable')));
      errs.push(...validatePositiveIntOrPercent(ru.maxSurge, rp.child('maxSurge')));
      errs.push(...isNotMoreThan100Percent(ru.maxUnavailable, rp.child('maxUnavailable')));
      errs.push(...isNotMoreThan100Percent(ru.maxSurge, rp.child('maxSurge')));
      const hasUnavailable = intOrPercentValue(ru.maxUnavailable) !== 0;
      const hasSurge = intOrPercentValue(ru.maxSurge) !== 0;
      if (hasUnavailable && hasSurge) errs.push(field.invalid(rp.child('maxSurge'), ru.maxSurge ?? 0, 'may not be set when maxUnavailable is non-zero'));
      if (!hasUnavailable && !hasSurge) errs.push(field.required(rp.child('maxUnavailable'), 'cannot be 0 when maxSurge is 0'));
      break;
    }
    default:
      errs.push(field.notSupported(p, { Type: us?.type ?? '', RollingUpdate: us?.rollingUpdate ?? null }, ['RollingUpdate', 'OnDelete']));
  }
  return errs;
}

/** Upstream's ValidateDaemonSetSpec. */
function validateSpec(ds: DaemonSet): FieldError[] {
  const s = ds.spec ?? {};
  const p = FieldPath.root('spec');
  const errs = validateLabelSelector(s.selector, p.child('selector'));
  const selector = trySelector(s.selector);
  if (selector && !selector.matches(s.template?.metadata?.labels ?? {})) {
    errs.push(field.invalid(p.child('template', 'metadata', 'labels'), s.template?.metadata?.labels ?? {}, '`selector` does not match template `labels`'));
  }
  if (s.selector && Object.keys(s.selector.matchLabels ?? {}).length + (s.selector.matchExpressions ?? []).length === 0) {
    errs.push(field.invalid(p.child('selector'), s.selector, 'empty selector is invalid for daemonset'));
  }
  errs.push(...validatePodTemplateSpec(s.template, p.child('template')));
  const rp = s.template?.spec?.restartPolicy ?? '';
  if (rp !== 'Always') errs.push(field.notSupported(p.child('template', 'spec', 'restartPolicy'), rp, ['Always']));
  if (s.template?.spec?.activeDeadlineSeconds !== undefined) {
    errs.push(field.forbidden(p.child('template', 'spec', 'activeDeadlineSeconds'), 'activeDeadlineSeconds in DaemonSet is not Supported'));
  }
  errs.push(...validateNonnegativeField(s.minReadySeconds ?? 0, p.child('minReadySeconds')));
  errs.push(...validateUpdateStrategy(s.updateStrategy, p.child('updateStrategy')));
  if (s.revisionHistoryLimit !== undefined) errs.push(...validateNonnegativeField(s.revisionHistoryLimit, p.child('revisionHistoryLimit')));
  return errs;
}

const templateGeneration = (ds: DaemonSet) => Number(ds.metadata?.annotations?.[TEMPLATE_GENERATION] ?? 0) || 0;
const setTemplateGeneration = (ds: DaemonSet, gen: number) => {
  ds.metadata!.annotations = { ...ds.metadata!.annotations, [TEMPLATE_GENERATION]: String(gen) };
};

const STATUS_COUNTS = ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady', 'observedGeneration', 'updatedNumberScheduled', 'numberAvailable', 'numberUnavailable'] as const;

export const daemonsets = defineResource<DaemonSet>({
  group: 'apps', version: 'v1', kind: 'DaemonSet', plural: 'daemonsets', singular: 'daemonset',
  namespaced: true, shortNames: ['ds'], categories: ['all'], model: 'V1DaemonSet', hasGeneration: true,
  strategy: {
    defaults,
    prepareForCreate(ds) {
      ds.status = { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 };
      if (templateGeneration(ds) < 1) setTemplateGeneration(ds, 1);
    },
    prepareForUpdate(ds, old) {
      // The template generation is the server's: kept, and counted up when the template changes.
      const gen = templateGeneration(old) + (deepEqual(ds.spec?.template, old.spec?.template) ? 0 : 1);
      setTemplateGeneration(ds, Math.max(gen, 1));
    },
    validate: validateSpec,
    validateUpdate: (ds, old) => validateImmutableField(ds.spec?.selector ?? null, old.spec?.selector ?? null, FieldPath.root('spec', 'selector')),
  },
  status: {
    validateUpdate(ds, old) {
      const st = ds.status ?? {};
      const errs: FieldError[] = [];
      for (const k of STATUS_COUNTS) errs.push(...validateNonnegativeField(st[k] ?? 0, FieldPath.root('status', k)));
      if (st.collisionCount !== undefined) {
        errs.push(...validateNonnegativeField(st.collisionCount, FieldPath.root('status', 'collisionCount')));
        if (old.status?.collisionCount !== undefined && st.collisionCount < old.status.collisionCount) {
          errs.push(field.invalid(FieldPath.root('status', 'collisionCount'), st.collisionCount, 'cannot be decremented'));
        }
      }
      return errs;
    },
  },
  table: {
    columns: [
      nameColumn,
      { name: 'Desired', type: 'integer', description: 'The number of nodes that should be running the daemon pod.' },
      { name: 'Current', type: 'integer', description: 'The number of nodes running at least one daemon pod and supposed to.' },
      { name: 'Ready', type: 'integer', description: 'The number of nodes whose daemon pod is ready.' },
      { name: 'Up-to-date', type: 'integer', description: 'The number of nodes running the updated daemon pod.' },
      { name: 'Available', type: 'integer', description: 'The number of nodes whose daemon pod is available.' },
      { name: 'Node Selector', type: 'string', description: 'The node labels the daemon pods must match.' },
      ageColumn,
      { name: 'Containers', type: 'string', priority: 1, description: 'Names of each container in the template.' },
      { name: 'Images', type: 'string', priority: 1, description: 'Images referenced by each container in the template.' },
      { name: 'Selector', type: 'string', priority: 1, description: 'Label selector for pods.' },
    ],
    row(ds, now) {
      const st = ds.status ?? {};
      const [names, images] = containerCells(ds.spec?.template?.spec?.containers);
      return [
        ds.metadata?.name ?? '', st.desiredNumberScheduled ?? 0, st.currentNumberScheduled ?? 0, st.numberReady ?? 0, st.updatedNumberScheduled ?? 0,
        st.numberAvailable ?? 0, formatLabels(ds.spec?.template?.spec?.nodeSelector), age(ds, now), names, images, formatLabelSelector(ds.spec?.selector),
      ];
    },
  },
});
