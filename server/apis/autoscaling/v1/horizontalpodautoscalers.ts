// autoscaling/v1 HorizontalPodAutoscaler: a view of the stored autoscaling/v2 object, converted
// on the way in and out as upstream's pkg/apis/autoscaling/v1 conversion does — the CPU
// utilization target is targetCPUUtilizationPercentage, and what v1 cannot express (other
// metrics, behavior, current metrics, conditions) travels in the autoscaling.alpha.kubernetes.io/*
// annotations. Validation runs on the v2 form, so its field paths are upstream's (which validates
// its internal form, shaped as v2).
import { FieldPath } from '../../../../machinery/fieldpath.ts';
import type { LabelSelector } from '../../../../machinery/labels.ts';
import { validateNonnegativeField } from '../../../../machinery/validation.ts';
import { defineResource, type KubeObject } from '../../types.ts';
import {
  defaultHPA, hpaTable, validateHPA, type CrossVersionObjectReference, type HorizontalPodAutoscaler, type HPACondition,
  type MetricSpec, type MetricStatus,
} from '../v2/horizontalpodautoscalers.ts';

export const METRIC_SPECS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/metrics';
export const METRIC_STATUSES_ANNOTATION = 'autoscaling.alpha.kubernetes.io/current-metrics';
export const CONDITIONS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/conditions';
export const BEHAVIOR_ANNOTATION = 'autoscaling.alpha.kubernetes.io/behavior';
const ROUND_TRIP = [METRIC_SPECS_ANNOTATION, METRIC_STATUSES_ANNOTATION, CONDITIONS_ANNOTATION, BEHAVIOR_ANNOTATION];

export type HorizontalPodAutoscalerV1 = KubeObject & {
  spec?: { scaleTargetRef?: CrossVersionObjectReference; minReplicas?: number; maxReplicas?: number; targetCPUUtilizationPercentage?: number };
  status?: { observedGeneration?: number; lastScaleTime?: string; currentReplicas?: number; desiredReplicas?: number; currentCPUUtilizationPercentage?: number };
};

// autoscaling/v1's (v2beta1-shaped) metric types, as the round-trip annotation holds them.
interface V1MetricSpec {
  type?: string;
  object?: { target?: CrossVersionObjectReference; metricName?: string; targetValue?: string; selector?: LabelSelector; averageValue?: string };
  pods?: { metricName?: string; targetAverageValue?: string; selector?: LabelSelector };
  resource?: { name?: string; targetAverageUtilization?: number; targetAverageValue?: string };
  containerResource?: { name?: string; targetAverageUtilization?: number; targetAverageValue?: string; container?: string };
  external?: { metricName?: string; metricSelector?: LabelSelector; targetValue?: string; targetAverageValue?: string };
}
interface V1MetricStatus {
  type?: string;
  object?: { target?: CrossVersionObjectReference; metricName?: string; currentValue?: string; selector?: LabelSelector; averageValue?: string };
  pods?: { metricName?: string; currentAverageValue?: string; selector?: LabelSelector };
  resource?: { name?: string; currentAverageUtilization?: number; currentAverageValue?: string };
  containerResource?: { name?: string; currentAverageUtilization?: number; currentAverageValue?: string; container?: string };
  external?: { metricName?: string; metricSelector?: LabelSelector; currentValue?: string; currentAverageValue?: string };
}

const compact = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
const ident = (name: string | undefined, selector: LabelSelector | undefined) => compact({ name: name ?? '', selector });

function metricToV1(m: MetricSpec): V1MetricSpec {
  switch (m.type) {
    case 'Object':
      return { type: m.type, object: compact({ target: m.object?.describedObject ?? {}, metricName: m.object?.metric?.name ?? '', targetValue: m.object?.target?.value ?? '0', selector: m.object?.metric?.selector, averageValue: m.object?.target?.averageValue }) };
    case 'Pods':
      return { type: m.type, pods: compact({ metricName: m.pods?.metric?.name ?? '', targetAverageValue: m.pods?.target?.averageValue ?? '0', selector: m.pods?.metric?.selector }) };
    case 'Resource':
      return { type: m.type, resource: compact({ name: m.resource?.name ?? '', targetAverageUtilization: m.resource?.target?.averageUtilization, targetAverageValue: m.resource?.target?.averageValue }) };
    case 'ContainerResource':
      return { type: m.type, containerResource: compact({ name: m.containerResource?.name ?? '', targetAverageUtilization: m.containerResource?.target?.averageUtilization, targetAverageValue: m.containerResource?.target?.averageValue, container: m.containerResource?.container ?? '' }) };
    case 'External':
      return { type: m.type, external: compact({ metricName: m.external?.metric?.name ?? '', metricSelector: m.external?.metric?.selector, targetValue: m.external?.target?.value, targetAverageValue: m.external?.target?.averageValue }) };
    default:
      return { type: m.type };
  }
}

function metricFromV1(m: V1MetricSpec): MetricSpec {
  switch (m.type) {
    case 'Object': {
      const o = m.object ?? {};
      const target = o.averageValue !== undefined ? { type: 'AverageValue', averageValue: o.averageValue } : { type: 'Value', value: o.targetValue ?? '0' };
      return { type: m.type, object: { describedObject: o.target ?? {}, metric: ident(o.metricName, o.selector), target } };
    }
    case 'Pods':
      return { type: m.type, pods: { metric: ident(m.pods?.metricName, m.pods?.selector), target: { type: 'AverageValue', averageValue: m.pods?.targetAverageValue ?? '0' } } };
    case 'Resource':
    case 'ContainerResource': {
      const r = (m.type === 'Resource' ? m.resource : m.containerResource) ?? {};
      const target = r.targetAverageUtilization !== undefined
        ? compact({ type: 'Utilization', averageUtilization: r.targetAverageUtilization, averageValue: r.targetAverageValue })
        : compact({ type: 'AverageValue', averageValue: r.targetAverageValue });
      if (m.type === 'Resource') return { type: m.type, resource: { name: r.name ?? '', target } };
      return { type: m.type, containerResource: { name: r.name ?? '', target, container: m.containerResource?.container ?? '' } };
    }
    case 'External': {
      const e = m.external ?? {};
      const target = e.targetAverageValue !== undefined ? { type: 'AverageValue', averageValue: e.targetAverageValue } : compact({ type: 'Value', value: e.targetValue });
      return { type: m.type, external: { metric: ident(e.metricName, e.metricSelector), target } };
    }
    default:
      return { type: m.type };
  }
}

function statusToV1(m: MetricStatus): V1MetricStatus {
  switch (m.type) {
    case 'Object':
      return { type: m.type, object: compact({ target: m.object?.describedObject ?? {}, metricName: m.object?.metric?.name ?? '', currentValue: m.object?.current?.value ?? '0', selector: m.object?.metric?.selector, averageValue: m.object?.current?.averageValue }) };
    case 'Pods':
      return { type: m.type, pods: compact({ metricName: m.pods?.metric?.name ?? '', currentAverageValue: m.pods?.current?.averageValue ?? '0', selector: m.pods?.metric?.selector }) };
    case 'Resource':
      return { type: m.type, resource: compact({ name: m.resource?.name ?? '', currentAverageUtilization: m.resource?.current?.averageUtilization, currentAverageValue: m.resource?.current?.averageValue ?? '0' }) };
    case 'ContainerResource':
      return { type: m.type, containerResource: compact({ name: m.containerResource?.name ?? '', currentAverageUtilization: m.containerResource?.current?.averageUtilization, currentAverageValue: m.containerResource?.current?.averageValue ?? '0', container: m.containerResource?.container ?? '' }) };
    case 'External':
      return { type: m.type, external: compact({ metricName: m.external?.metric?.name ?? '', metricSelector: m.external?.metric?.selector, currentValue: m.external?.current?.value ?? '0', currentAverageValue: m.external?.current?.averageValue }) };
    default:
      return { type: m.type };
  }
}

function statusFromV1(m: V1MetricStatus): MetricStatus {
  switch (m.type) {
    case 'Object':
      return { type: m.type, object: { describedObject: m.object?.target ?? {}, metric: ident(m.object?.metricName, m.object?.selector), current: compact({ value: m.object?.currentValue, averageValue: m.object?.averageValue }) } };
    case 'Pods':
      return { type: m.type, pods: { metric: ident(m.pods?.metricName, m.pods?.selector), current: { averageValue: m.pods?.currentAverageValue ?? '0' } } };
    case 'Resource':
      return { type: m.type, resource: { name: m.resource?.name ?? '', current: compact({ averageUtilization: m.resource?.currentAverageUtilization, averageValue: m.resource?.currentAverageValue }) } };
    case 'ContainerResource':
      return { type: m.type, containerResource: { name: m.containerResource?.name ?? '', current: compact({ averageUtilization: m.containerResource?.currentAverageUtilization, averageValue: m.containerResource?.currentAverageValue }), container: m.containerResource?.container ?? '' } };
    case 'External':
      return { type: m.type, external: { metric: ident(m.external?.metricName, m.external?.metricSelector), current: compact({ value: m.external?.currentValue, averageValue: m.external?.currentAverageValue }) } };
    default:
      return { type: m.type };
  }
}

/**
 * Behavior travels as upstream marshals its internal type: Go field names. These map the JSON
 * (v2) form to that and back.
 */
type Json = Record<string, unknown>;
function behaviorToInternal(b: NonNullable<HorizontalPodAutoscaler['spec']>['behavior']): Json {
  const rules = (r: Json | undefined) => (r ? {
    StabilizationWindowSeconds: r.stabilizationWindowSeconds ?? null, SelectPolicy: r.selectPolicy ?? null,
    Policies: ((r.policies as Json[] | undefined) ?? null)?.map((p) => ({ Type: p.type, Value: p.value, PeriodSeconds: p.periodSeconds })) ?? null,
  } : null);
  return { ScaleUp: rules(b?.scaleUp as Json | undefined), ScaleDown: rules(b?.scaleDown as Json | undefined) };
}
function behaviorFromInternal(b: Json): NonNullable<HorizontalPodAutoscaler['spec']>['behavior'] {
  const rules = (r: Json | null | undefined) => (r ? compact({
    stabilizationWindowSeconds: (r.StabilizationWindowSeconds as number | null) ?? undefined, selectPolicy: (r.SelectPolicy as string | null) ?? undefined,
    policies: (r.Policies as Json[] | null)?.map((p) => ({ type: p.Type as string, value: p.Value as number, periodSeconds: p.PeriodSeconds as number })),
  }) : undefined);
  return compact({ scaleUp: rules(b.ScaleUp as Json | null), scaleDown: rules(b.ScaleDown as Json | null) });
}

const isCPUUtilization = (m: MetricSpec) => m.type === 'Resource' && m.resource?.name === 'cpu' && m.resource.target?.averageUtilization !== undefined;

function parseJSON<T>(text: string | undefined): T | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/** autoscaling/v1 → the stored v2 form (upstream's Convert_v1_HorizontalPodAutoscaler_To_autoscaling_HorizontalPodAutoscaler). */
export function toStorage(input: KubeObject): HorizontalPodAutoscaler {
  const v1 = structuredClone(input) as HorizontalPodAutoscalerV1;
  const ann = v1.metadata?.annotations ?? {};
  const s = v1.spec ?? {};
  const metrics: MetricSpec[] = [];
  const other = parseJSON<V1MetricSpec[]>(ann[METRIC_SPECS_ANNOTATION]);
  if (other) metrics.push(...other.map(metricFromV1));
  if (s.targetCPUUtilizationPercentage !== undefined) {
    metrics.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: s.targetCPUUtilizationPercentage } } });
  }
  // v1 had an implicit 80% CPU target, made explicit here as upstream's conversion does.
  if (metrics.length === 0) metrics.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } });
  const spec: NonNullable<HorizontalPodAutoscaler['spec']> = compact({ scaleTargetRef: s.scaleTargetRef, minReplicas: s.minReplicas, maxReplicas: s.maxReplicas, metrics });
  const behavior = parseJSON<Json>(ann[BEHAVIOR_ANNOTATION]);
  if (behavior && (behavior.ScaleUp || behavior.ScaleDown)) spec.behavior = behaviorFromInternal(behavior);
  const out: HorizontalPodAutoscaler = { ...v1, apiVersion: 'autoscaling/v2', spec } as HorizontalPodAutoscaler;
  if (v1.status) {
    const st = v1.status;
    const status: NonNullable<HorizontalPodAutoscaler['status']> = compact({
      observedGeneration: st.observedGeneration, lastScaleTime: st.lastScaleTime, currentReplicas: st.currentReplicas, desiredReplicas: st.desiredReplicas ?? 0,
    });
    const current = parseJSON<V1MetricStatus[]>(ann[METRIC_STATUSES_ANNOTATION]);
    if (current) status.currentMetrics = current.map(statusFromV1);
    const conditions = parseJSON<HPACondition[]>(ann[CONDITIONS_ANNOTATION]);
    if (conditions) status.conditions = conditions;
    out.status = status;
  }
  if (out.metadata?.annotations) {
    const kept = Object.fromEntries(Object.entries(out.metadata.annotations).filter(([k]) => !ROUND_TRIP.includes(k)));
    out.metadata = { ...out.metadata, annotations: kept };
    if (Object.keys(kept).length === 0) delete out.metadata.annotations;
  }
  return out;
}

/** The stored v2 form → autoscaling/v1 (upstream's Convert_autoscaling_HorizontalPodAutoscaler_To_v1_HorizontalPodAutoscaler). */
export function fromStorage(input: KubeObject): HorizontalPodAutoscalerV1 {
  const hpa = structuredClone(input) as HorizontalPodAutoscaler;
  const s = hpa.spec ?? {};
  const annotations: Record<string, string> = Object.fromEntries(Object.entries(hpa.metadata?.annotations ?? {}).filter(([k]) => !ROUND_TRIP.includes(k)));
  const cpu = (s.metrics ?? []).find((m) => m.type === 'Resource' && m.resource?.name === 'cpu' && m.resource.target?.averageUtilization !== undefined);
  const other = (s.metrics ?? []).filter((m) => !isCPUUtilization(m));
  if (other.length) annotations[METRIC_SPECS_ANNOTATION] = JSON.stringify(other.map(metricToV1));
  const st = hpa.status;
  if (st?.currentMetrics?.length) annotations[METRIC_STATUSES_ANNOTATION] = JSON.stringify(st.currentMetrics.map(statusToV1));
  if (s.behavior) annotations[BEHAVIOR_ANNOTATION] = JSON.stringify(behaviorToInternal(s.behavior));
  if (st?.conditions?.length) annotations[CONDITIONS_ANNOTATION] = JSON.stringify(st.conditions);
  const out: HorizontalPodAutoscalerV1 = {
    ...hpa,
    apiVersion: 'autoscaling/v1',
    spec: compact({ scaleTargetRef: s.scaleTargetRef, minReplicas: s.minReplicas, maxReplicas: s.maxReplicas, targetCPUUtilizationPercentage: cpu?.resource?.target?.averageUtilization }),
  };
  out.metadata = { ...hpa.metadata };
  if (Object.keys(annotations).length) out.metadata.annotations = annotations; else delete out.metadata.annotations;
  if (st) {
    const cpuNow = st.currentMetrics?.find((m) => m.type === 'Resource' && m.resource?.name === 'cpu' && m.resource.current?.averageUtilization !== undefined);
    out.status = compact({
      observedGeneration: st.observedGeneration, lastScaleTime: st.lastScaleTime, currentReplicas: st.currentReplicas ?? 0, desiredReplicas: st.desiredReplicas ?? 0,
      currentCPUUtilizationPercentage: cpuNow?.resource?.current?.averageUtilization,
    });
  }
  return out;
}

/** The v1 object as the v2 validation sees it: converted, with v2's defaults. */
function asV2(v1: HorizontalPodAutoscalerV1): HorizontalPodAutoscaler {
  const v2 = toStorage(v1);
  defaultHPA(v2);
  return v2;
}

export const horizontalpodautoscalersV1 = defineResource<HorizontalPodAutoscalerV1>({
  group: 'autoscaling', version: 'v1', kind: 'HorizontalPodAutoscaler', plural: 'horizontalpodautoscalers', singular: 'horizontalpodautoscaler',
  namespaced: true, shortNames: ['hpa'], categories: ['all'], model: 'V1HorizontalPodAutoscaler',
  storageVersion: { group: 'autoscaling', plural: 'horizontalpodautoscalers', toStorage, fromStorage },
  strategy: {
    // Upstream's v1 SetDefaults_HorizontalPodAutoscaler: only minReplicas (the CPU target is the conversion's).
    defaults(hpa) {
      (hpa.spec ??= {}).minReplicas ??= 1;
    },
    prepareForCreate(hpa) {
      hpa.status = { currentReplicas: 0, desiredReplicas: 0 };
    },
    validate: (hpa) => validateHPA(asV2(hpa)),
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
  // Rows are printed from the v1 form the client receives, through the v2 form upstream prints.
  table: { columns: hpaTable.columns, row: (obj, now) => hpaTable.row(toStorage(obj), now) },
});
