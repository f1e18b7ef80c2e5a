// autoscaling/v2 HorizontalPodAutoscaler, the stored form (autoscaling/v1 is a view of it, see
// ../v1/horizontalpodautoscalers.ts): upstream's defaults (one min replica, 80% CPU when no metric
// is given, scaling behavior rules filled in), validation of the target, metrics and behavior,
// and a controller-written status.
import { FieldPath } from '../../../../machinery/fieldpath.ts';
import * as field from '../../../../machinery/fieldpath.ts';
import { validateNonnegativeField, validatePathSegmentName } from '../../../../machinery/validation.ts';
import type { LabelSelector } from '../../../../machinery/labels.ts';
import { defineResource, type FieldError, type KubeObject } from '../../types.ts';
import { age, ageColumn, nameColumn } from '../../common/age.ts';
import { quantityOf, quantityString } from '../../common/intstr.ts';

export interface CrossVersionObjectReference { apiVersion?: string; kind?: string; name?: string }
export interface MetricIdentifier { name?: string; selector?: LabelSelector }
export interface MetricTarget { type?: string; value?: string; averageValue?: string; averageUtilization?: number }
export interface MetricValueStatus { value?: string; averageValue?: string; averageUtilization?: number }
export interface MetricSpec {
  type?: string;
  object?: { describedObject?: CrossVersionObjectReference; target?: MetricTarget; metric?: MetricIdentifier };
  pods?: { metric?: MetricIdentifier; target?: MetricTarget };
  resource?: { name?: string; target?: MetricTarget };
  containerResource?: { name?: string; target?: MetricTarget; container?: string };
  external?: { metric?: MetricIdentifier; target?: MetricTarget };
}
export interface MetricStatus {
  type?: string;
  object?: { metric?: MetricIdentifier; current?: MetricValueStatus; describedObject?: CrossVersionObjectReference };
  pods?: { metric?: MetricIdentifier; current?: MetricValueStatus };
  resource?: { name?: string; current?: MetricValueStatus };
  containerResource?: { name?: string; current?: MetricValueStatus; container?: string };
  external?: { metric?: MetricIdentifier; current?: MetricValueStatus };
}
export interface ScalingRules { stabilizationWindowSeconds?: number; selectPolicy?: string; policies?: Array<{ type?: string; value?: number; periodSeconds?: number }> }
export interface HPACondition { type?: string; status?: string; lastTransitionTime?: string; reason?: string; message?: string }
export type HorizontalPodAutoscaler = KubeObject & {
  spec?: {
    scaleTargetRef?: CrossVersionObjectReference; minReplicas?: number; maxReplicas?: number; metrics?: MetricSpec[];
    behavior?: { scaleUp?: ScalingRules; scaleDown?: ScalingRules };
  };
  status?: {
    observedGeneration?: number; lastScaleTime?: string; currentReplicas?: number; desiredReplicas?: number;
    currentMetrics?: MetricStatus[] | null; conditions?: HPACondition[];
  };
};

const SOURCE_TYPES = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];
const SOURCE_FIELD: Record<string, keyof MetricSpec> = { Object: 'object', Pods: 'pods', Resource: 'resource', External: 'external', ContainerResource: 'containerResource' };
const MAX_PERIOD_SECONDS = 1800;
const MAX_STABILIZATION_WINDOW_SECONDS = 3600;

/** Upstream's default scale-up and scale-down rules (the behavior before it was configurable). */
const defaultScaleUp = (): ScalingRules => ({
  stabilizationWindowSeconds: 0, selectPolicy: 'Max',
  policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }],
});
const defaultScaleDown = (): ScalingRules => ({ selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] });

function fillRules(from: ScalingRules | undefined, to: ScalingRules): ScalingRules {
  if (!from) return to;
  if (from.selectPolicy !== undefined) to.selectPolicy = from.selectPolicy;
  if (from.stabilizationWindowSeconds !== undefined) to.stabilizationWindowSeconds = from.stabilizationWindowSeconds;
  if (from.policies !== undefined) to.policies = from.policies;
  return to;
}

function canonicalizeTarget(t: MetricTarget | MetricValueStatus | undefined): void {
  if (!t) return;
  if (t.value !== undefined) t.value = quantityString(t.value);
  if (t.averageValue !== undefined) t.averageValue = quantityString(t.averageValue);
}

/** Upstream's SetDefaults_HorizontalPodAutoscaler (v2). */
export function defaultHPA(hpa: HorizontalPodAutoscaler): void {
  const s = (hpa.spec ??= {});
  s.minReplicas ??= 1;
  if (!(s.metrics?.length)) s.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }];
  for (const m of s.metrics) for (const k of Object.values(SOURCE_FIELD)) canonicalizeTarget((m[k] as { target?: MetricTarget } | undefined)?.target);
  if (s.behavior) {
    s.behavior.scaleUp = fillRules(s.behavior.scaleUp, defaultScaleUp());
    s.behavior.scaleDown = fillRules(s.behavior.scaleDown, defaultScaleDown());
  }
}

function validateRef(ref: CrossVersionObjectReference | undefined, p: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (!ref?.kind) errs.push(field.required(p.child('kind'), ''));
  else for (const m of validatePathSegmentName(ref.kind, false)) errs.push(field.invalid(p.child('kind'), ref.kind, m));
  if (!ref?.name) errs.push(field.required(p.child('name'), ''));
  else for (const m of validatePathSegmentName(ref.name, false)) errs.push(field.invalid(p.child('name'), ref.name, m));
  return errs;
}

function validateMetricIdentifier(id: MetricIdentifier | undefined, p: FieldPath): FieldError[] {
  if (!id?.name) return [field.required(p.child('name'), 'must specify a metric name')];
  return validatePathSegmentName(id.name, false).map((m) => field.invalid(p.child('name'), id.name, m));
}

function validateTarget(t: MetricTarget | undefined, p: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const type = t?.type ?? '';
  if (!type) errs.push(field.required(p.child('type'), 'must specify a metric target type'));
  if (!['Utilization', 'Value', 'AverageValue'].includes(type)) errs.push(field.invalid(p.child('type'), type, 'must be either Utilization, Value, or AverageValue'));
  for (const k of ['value', 'averageValue'] as const) {
    if (t?.[k] === undefined) continue;
    const { q, errs: qe } = quantityOf(t[k], p.child(k));
    errs.push(...qe);
    if (q && q.sign() !== 1) errs.push(field.invalid(p.child(k), q.toString(), 'must be positive'));
  }
  if (t?.averageUtilization !== undefined && t.averageUtilization < 1) errs.push(field.invalid(p.child('averageUtilization'), t.averageUtilization, 'must be greater than 0'));
  return errs;
}

function validateSource(type: string, src: Record<string, unknown>, p: FieldPath): FieldError[] {
  const t = src.target as MetricTarget | undefined;
  const tp = p.child('target');
  const errs: FieldError[] = [];
  switch (type) {
    case 'object':
      errs.push(...validateRef(src.describedObject as CrossVersionObjectReference, p.child('describedObject')));
      errs.push(...validateMetricIdentifier(src.metric as MetricIdentifier, p.child('metric')));
      errs.push(...validateTarget(t, tp));
      if (t?.value === undefined && t?.averageValue === undefined) errs.push(field.required(tp.child('averageValue'), 'must set either a target value or averageValue'));
      break;
    case 'pods':
      errs.push(...validateMetricIdentifier(src.metric as MetricIdentifier, p.child('metric')));
      errs.push(...validateTarget(t, tp));
      if (t?.averageValue === undefined) errs.push(field.required(tp.child('averageValue'), 'must specify a positive target averageValue'));
      break;
    case 'external':
      errs.push(...validateMetricIdentifier(src.metric as MetricIdentifier, p.child('metric')));
      errs.push(...validateTarget(t, tp));
      if (t?.value === undefined && t?.averageValue === undefined) errs.push(field.required(tp.child('averageValue'), 'must set either a target value for metric or a per-pod target'));
      if (t?.value !== undefined && t?.averageValue !== undefined) errs.push(field.forbidden(tp.child('value'), 'may not set both a target value for metric and a per-pod target'));
      break;
    case 'resource':
    case 'containerResource':
      if (!src.name) errs.push(field.required(p.child('name'), 'must specify a resource name'));
      if (type === 'containerResource' && !src.container) errs.push(field.required(p.child('container'), 'must specify a container'));
      errs.push(...validateTarget(t, tp));
      if (t?.averageUtilization === undefined && t?.averageValue === undefined) errs.push(field.required(tp.child('averageUtilization'), 'must set either a target raw value or a target utilization'));
      if (t?.averageUtilization !== undefined && t?.averageValue !== undefined) errs.push(field.forbidden(tp.child('averageValue'), 'may not set both a target raw value and a target utilization'));
      break;
  }
  return errs;
}

/** Upstream's validateMetricSpec. */
function validateMetric(m: MetricSpec, p: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const type = m.type ?? '';
  if (!type) errs.push(field.required(p.child('type'), 'must specify a metric source type'));
  if (!SOURCE_TYPES.includes(type)) errs.push(field.notSupported(p.child('type'), type, SOURCE_TYPES));
  const present = (['object', 'pods', 'resource', 'external', 'containerResource'] as const).filter((k) => m[k] !== undefined && m[k] !== null);
  if (present.length) errs.push(...validateSource(present[0]!, m[present[0]!] as Record<string, unknown>, p.child(present[0]!)));
  const expected = SOURCE_FIELD[type];
  if (expected) {
    if (!m[expected]) errs.push(field.required(p.child(expected), 'must populate information for the given metric source'));
  } else {
    errs.push(field.notSupported(p.child('type'), type, SOURCE_TYPES));
  }
  if (present.length !== 1) for (const k of present.filter((k) => k !== expected)) errs.push(field.forbidden(p.child(k), 'must populate the given metric source only'));
  return errs;
}

function validateRules(r: ScalingRules | undefined, p: FieldPath): FieldError[] {
  if (!r) return [];
  const errs: FieldError[] = [];
  const w = r.stabilizationWindowSeconds;
  if (w !== undefined && w < 0) errs.push(field.invalid(p.child('stabilizationWindowSeconds'), w, 'must be greater than or equal to zero'));
  if (w !== undefined && w > MAX_STABILIZATION_WINDOW_SECONDS) errs.push(field.invalid(p.child('stabilizationWindowSeconds'), w, `must be less than or equal to ${MAX_STABILIZATION_WINDOW_SECONDS}`));
  if (r.selectPolicy !== undefined && !['Disabled', 'Max', 'Min'].includes(r.selectPolicy)) errs.push(field.notSupported(p.child('selectPolicy'), r.selectPolicy, ['Disabled', 'Max', 'Min']));
  if (!(r.policies?.length)) errs.push(field.required(p.child('policies'), 'must specify at least one Policy'));
  (r.policies ?? []).forEach((pol, i) => {
    const pp = p.child('policies').index(i);
    if (pol.type !== 'Pods' && pol.type !== 'Percent') errs.push(field.notSupported(pp.child('type'), pol.type ?? '', ['Percent', 'Pods']));
    if ((pol.value ?? 0) <= 0) errs.push(field.invalid(pp.child('value'), pol.value ?? 0, 'must be greater than zero'));
    if ((pol.periodSeconds ?? 0) <= 0) errs.push(field.invalid(pp.child('periodSeconds'), pol.periodSeconds ?? 0, 'must be greater than zero'));
    if ((pol.periodSeconds ?? 0) > MAX_PERIOD_SECONDS) errs.push(field.invalid(pp.child('periodSeconds'), pol.periodSeconds, `must be less than or equal to ${MAX_PERIOD_SECONDS}`));
  });
  return errs;
}

/** Upstream's validateHorizontalPodAutoscalerSpec: the first failing of target, metrics and behavior is reported. */
export function validateHPA(hpa: HorizontalPodAutoscaler): FieldError[] {
  const s = hpa.spec ?? {};
  const p = FieldPath.root('spec');
  const errs: FieldError[] = [];
  if (s.minReplicas !== undefined && s.minReplicas < 1) errs.push(field.invalid(p.child('minReplicas'), s.minReplicas, 'must be greater than or equal to 1'));
  if ((s.maxReplicas ?? 0) < 1) errs.push(field.invalid(p.child('maxReplicas'), s.maxReplicas ?? 0, 'must be greater than 0'));
  if (s.minReplicas !== undefined && (s.maxReplicas ?? 0) < s.minReplicas) errs.push(field.invalid(p.child('maxReplicas'), s.maxReplicas ?? 0, 'must be greater than or equal to `minReplicas`'));
  const refErrs = validateRef(s.scaleTargetRef, p.child('scaleTargetRef'));
  if (refErrs.length) return [...errs, ...refErrs];
  const metricErrs = (s.metrics ?? []).flatMap((m, i) => validateMetric(m, p.child('metrics').index(i)));
  if (metricErrs.length) return [...errs, ...metricErrs];
  if (s.behavior) errs.push(...validateRules(s.behavior.scaleUp, p.child('behavior', 'scaleUp')), ...validateRules(s.behavior.scaleDown, p.child('behavior', 'scaleDown')));
  return errs;
}

/** Upstream's formatHPAMetrics: up to two `current/target` entries, then `+ N more...`. */
export function formatMetrics(specs: MetricSpec[] | undefined, statuses: MetricStatus[] | null | undefined): string {
  if (!(specs?.length)) return '<none>';
  const list = specs.map((m, i) => {
    const st = statuses?.[i];
    switch (m.type) {
      case 'External':
      case 'Object': {
        const src = m.type === 'External' ? m.external : m.object;
        const cur = m.type === 'External' ? st?.external?.current : st?.object?.current;
        if (src?.target?.averageValue !== undefined) return `${cur?.averageValue !== undefined ? quantityString(cur.averageValue) : '<unknown>'}/${quantityString(src.target.averageValue)} (avg)`;
        return `${cur ? quantityString(cur.value ?? '0') : '<unknown>'}/${quantityString(src?.target?.value ?? '0')}`;
      }
      case 'Pods':
        return `${st?.pods ? quantityString(st.pods.current?.averageValue ?? '0') : '<unknown>'}/${quantityString(m.pods?.target?.averageValue ?? '0')}`;
      case 'Resource':
      case 'ContainerResource': {
        const src = m.type === 'Resource' ? m.resource : m.containerResource;
        const cur = m.type === 'Resource' ? st?.resource : st?.containerResource;
        if (src?.target?.averageValue !== undefined) {
          return `${src.name}: ${cur ? quantityString(cur.current?.averageValue ?? '0') : '<unknown>'}/${quantityString(src.target.averageValue)}`;
        }
        const current = cur?.current?.averageUtilization !== undefined ? `${cur.current.averageUtilization}%` : '<unknown>';
        const target = src?.target?.averageUtilization !== undefined ? `${src.target.averageUtilization}%` : '<auto>';
        return `${src?.name ?? ''}: ${current}/${target}`;
      }
      default:
        return '<unknown type>';
    }
  });
  return list.length > 2 ? `${list.slice(0, 2).join(', ')} + ${list.length - 2} more...` : list.join(', ');
}

export const hpaTable = {
  columns: [
    nameColumn,
    { name: 'Reference', type: 'string' as const, description: 'The scaled resource, as Kind/name.' },
    { name: 'Targets', type: 'string' as const, description: 'Current and target values of each metric.' },
    { name: 'MinPods', type: 'string' as const, description: 'The lower limit of replicas.' },
    { name: 'MaxPods', type: 'string' as const, description: 'The upper limit of replicas.' },
    { name: 'Replicas', type: 'string' as const, description: 'The current number of replicas.' },
    ageColumn,
  ],
  row: (hpa: HorizontalPodAutoscaler, now: Date): unknown[] => [
    hpa.metadata?.name ?? '', `${hpa.spec?.scaleTargetRef?.kind ?? ''}/${hpa.spec?.scaleTargetRef?.name ?? ''}`,
    formatMetrics(hpa.spec?.metrics, hpa.status?.currentMetrics), hpa.spec?.minReplicas !== undefined ? String(hpa.spec.minReplicas) : '<unset>',
    hpa.spec?.maxReplicas ?? 0, hpa.status?.currentReplicas ?? 0, age(hpa, now),
  ],
};

export const horizontalpodautoscalers = defineResource<HorizontalPodAutoscaler>({
  group: 'autoscaling', version: 'v2', kind: 'HorizontalPodAutoscaler', plural: 'horizontalpodautoscalers', singular: 'horizontalpodautoscaler',
  namespaced: true, shortNames: ['hpa'], categories: ['all'], model: 'V2HorizontalPodAutoscaler',
  strategy: {
    defaults: defaultHPA,
    prepareForCreate(hpa) {
      // currentMetrics has no omitempty in v2: a new object carries it as null.
      hpa.status = { currentMetrics: null, desiredReplicas: 0 };
    },
    validate: validateHPA,
  },
  status: {
    validateUpdate(hpa) {
      const st = hpa.status ?? {};
      return [
        ...validateNonnegativeField(st.currentReplicas ?? 0, FieldPath.root('status', 'currentReplicas')),
        ...validateNonnegativeField(st.desiredReplicas ?? 0, FieldPath.root('status', 'desiredReplicas')),
      ];
    },
  },
  table: hpaTable,
});
