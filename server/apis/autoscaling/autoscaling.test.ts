// autoscaling: v2 through HTTP (defaults, status, Table, validation table), and the v1 view as
// the conversion functions produce it (round trips through the annotations upstream uses).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { autoscalingResources } from './index.ts';
import { fromStorage, toStorage, METRIC_SPECS_ANNOTATION, BEHAVIOR_ANNOTATION, CONDITIONS_ANNOTATION, METRIC_STATUSES_ANNOTATION, horizontalpodautoscalersV1 } from './v1/horizontalpodautoscalers.ts';
import { defaultHPA, type HorizontalPodAutoscaler } from './v2/horizontalpodautoscalers.ts';
import { startTestApi, expectInvalid, merge, TABLE_ACCEPT, type InvalidCase, type TestApi } from '../testkit.ts';

let t: TestApi;
let ns: string;

beforeAll(async () => {
  t = await startTestApi(autoscalingResources);
  ns = await t.namespace();
});
afterAll(async () => { await t.close(); });

const base = () => `/apis/autoscaling/v2/namespaces/${ns}`;
const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };
const hpa = (name: string, spec: Record<string, unknown> = {}) => ({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name }, spec: { scaleTargetRef: ref, maxReplicas: 5, ...spec } });
const cpu80 = { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } };

describe('autoscaling/v2 horizontalpodautoscalers', () => {
  it('defaults as upstream: one min replica and an 80% CPU target', async () => {
    const res = await t.post(`${base()}/horizontalpodautoscalers`, hpa('web')).expect(201);
    expect(res.body.spec).toEqual({ maxReplicas: 5, metrics: [cpu80], minReplicas: 1, scaleTargetRef: ref });
    expect(res.body.status).toEqual({ currentMetrics: null, desiredReplicas: 0 });
  });

  it('fills in the scaling rules of a given behavior', async () => {
    const res = await t.post(`${base()}/horizontalpodautoscalers`, hpa('b', { behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } })).expect(201);
    expect(res.body.spec.behavior).toEqual({
      scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] },
      scaleDown: { stabilizationWindowSeconds: 60, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
    });
  });

  it('updates, takes status through /status and prints upstream\'s columns', async () => {
    const cur = await t.get(`${base()}/horizontalpodautoscalers/web`).expect(200);
    const upd = await t.put(`${base()}/horizontalpodautoscalers/web`, merge(cur.body, { spec: { maxReplicas: 7 } })).expect(200);
    // 1.32's HPA strategy tracks no generation (metadata.generation arrived behind HPAGeneration later).
    expect(upd.body.metadata).not.toHaveProperty('generation');
    const st = await t.put(`${base()}/horizontalpodautoscalers/web/status`, merge(upd.body, {
      spec: { maxReplicas: 1 },
      status: { currentReplicas: 2, desiredReplicas: 2, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 35, averageValue: '35m' } } }] },
    })).expect(200);
    expect(st.body.spec.maxReplicas).toBe(7);
    const table = await t.get(`${base()}/horizontalpodautoscalers/web`, TABLE_ACCEPT).expect(200);
    expect(table.body.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(['Name', 'Reference', 'Targets', 'MinPods', 'MaxPods', 'Replicas', 'Age']);
    expect(table.body.rows[0].cells).toEqual(['web', 'Deployment/web', 'cpu: 35%/80%', '1', 7, 2, expect.any(String)]);
    const fresh = await t.get(`${base()}/horizontalpodautoscalers/b`, TABLE_ACCEPT).expect(200);
    expect(fresh.body.rows[0].cells[2]).toBe('cpu: <unknown>/80%');
    const bad = await t.put(`${base()}/horizontalpodautoscalers/web/status`, merge(st.body, { status: { desiredReplicas: -1 } }));
    expectInvalid(bad, 'status.desiredReplicas', 'Invalid value: -1: must be greater than or equal to 0');
  });

  it('lists and deletes, and is discovered with its short name and the all category', async () => {
    const list = await t.get(`${base()}/horizontalpodautoscalers`).expect(200);
    expect(list.body.kind).toBe('HorizontalPodAutoscalerList');
    await t.del(`${base()}/horizontalpodautoscalers/b`).expect(200);
    const disc = await t.get('/apis/autoscaling/v2').expect(200);
    expect(disc.body.resources.find((r: { name: string }) => r.name === 'horizontalpodautoscalers')).toMatchObject({ shortNames: ['hpa'], categories: ['all'] });
  });
});

describe('the autoscaling/v1 view', () => {
  const stored = (): HorizontalPodAutoscaler => {
    const h = hpa('web', {
      metrics: [cpu80, { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } } }],
      behavior: { scaleUp: { policies: [{ type: 'Pods', value: 2, periodSeconds: 30 }] } },
    }) as HorizontalPodAutoscaler;
    defaultHPA(h);
    h.metadata = { ...h.metadata, annotations: { team: 'a' } };
    h.status = {
      currentReplicas: 3, desiredReplicas: 4,
      currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 50, averageValue: '100m' } } }],
      conditions: [{ type: 'AbleToScale', status: 'True', reason: 'ReadyForNewScale' }],
    };
    return h;
  };

  it('shows the CPU target as targetCPUUtilizationPercentage and the rest in annotations', () => {
    const v1 = fromStorage(stored());
    expect(v1.apiVersion).toBe('autoscaling/v1');
    expect(v1.spec).toEqual({ scaleTargetRef: ref, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 80 });
    expect(v1.status).toEqual({ currentReplicas: 3, desiredReplicas: 4, currentCPUUtilizationPercentage: 50 });
    const ann = v1.metadata!.annotations!;
    expect(ann.team).toBe('a');
    expect(JSON.parse(ann[METRIC_SPECS_ANNOTATION]!)).toEqual([{ type: 'Pods', pods: { metricName: 'qps', targetAverageValue: '10' } }]);
    expect(JSON.parse(ann[METRIC_STATUSES_ANNOTATION]!)).toEqual([{ type: 'Resource', resource: { name: 'cpu', currentAverageUtilization: 50, currentAverageValue: '100m' } }]);
    expect(JSON.parse(ann[CONDITIONS_ANNOTATION]!)).toEqual([{ type: 'AbleToScale', status: 'True', reason: 'ReadyForNewScale' }]);
    // Behavior travels in upstream's internal (Go field name) form.
    expect(JSON.parse(ann[BEHAVIOR_ANNOTATION]!).ScaleUp.Policies).toEqual([{ Type: 'Pods', Value: 2, PeriodSeconds: 30 }]);
  });

  it('round-trips through v1 without loss, and drops the round-trip annotations from storage', () => {
    const before = stored();
    const after = toStorage(fromStorage(before));
    expect(after.metadata!.annotations).toEqual({ team: 'a' });
    expect(after.spec!.behavior).toEqual(before.spec!.behavior);
    expect(after.spec!.metrics).toEqual([before.spec!.metrics![1], before.spec!.metrics![0]]);
    expect(after.status!.currentMetrics).toEqual(before.status!.currentMetrics);
    expect(after.status!.conditions).toEqual(before.status!.conditions);
  });

  it('makes v1\'s implicit 80% CPU target explicit, as upstream\'s conversion does', () => {
    const v2 = toStorage({ apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'x' }, spec: { scaleTargetRef: ref, maxReplicas: 3 } });
    expect(v2.spec!.metrics).toEqual([cpu80]);
    expect(v2.apiVersion).toBe('autoscaling/v2');
  });

  it('is the same resource at v1, stored as v2', () => {
    expect(horizontalpodautoscalersV1).toMatchObject({ group: 'autoscaling', version: 'v1', plural: 'horizontalpodautoscalers', shortNames: ['hpa'], categories: ['all'], model: 'V1HorizontalPodAutoscaler' });
    expect(horizontalpodautoscalersV1.storageVersion).toMatchObject({ group: 'autoscaling', plural: 'horizontalpodautoscalers' });
    const row = horizontalpodautoscalersV1.table!.row(fromStorage(stored()), new Date());
    // Upstream pairs spec and status metrics by position; the v1 round trip puts the CPU target last.
    expect(row.slice(0, 6)).toEqual(['web', 'Deployment/web', '<unknown>/10, cpu: <unknown>/80%', '1', 5, 3]);
  });
});

describe('autoscaling/v1 through HTTP', () => {
  const v1 = () => `/apis/autoscaling/v1/namespaces/${ns}/horizontalpodautoscalers`;

  it('creates at v1 and reads the same object at v2, and the other way round', async () => {
    const created = await t.post(v1(), { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'one' }, spec: { scaleTargetRef: ref, maxReplicas: 4, targetCPUUtilizationPercentage: 60 } }).expect(201);
    expect(created.body).toMatchObject({ apiVersion: 'autoscaling/v1', spec: { scaleTargetRef: ref, minReplicas: 1, maxReplicas: 4, targetCPUUtilizationPercentage: 60 }, status: { currentReplicas: 0, desiredReplicas: 0 } });
    const asV2 = await t.get(`${base()}/horizontalpodautoscalers/one`).expect(200);
    expect(asV2.body.apiVersion).toBe('autoscaling/v2');
    expect(asV2.body.spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }]);
    await t.post(`${base()}/horizontalpodautoscalers`, hpa('two', { metrics: [{ type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } } }] })).expect(201);
    const two = await t.get(`${v1()}/two`).expect(200);
    expect(two.body.spec.targetCPUUtilizationPercentage).toBeUndefined();
    expect(JSON.parse(two.body.metadata.annotations['autoscaling.alpha.kubernetes.io/metrics'])).toEqual([{ type: 'Pods', pods: { metricName: 'qps', targetAverageValue: '10' } }]);
    // A v1 update that keeps the annotation keeps the v2-only metric.
    await t.put(`${v1()}/two`, merge(two.body, { spec: { maxReplicas: 9 } })).expect(200);
    const back = await t.get(`${base()}/horizontalpodautoscalers/two`).expect(200);
    expect(back.body.spec.maxReplicas).toBe(9);
    expect(back.body.spec.metrics[0].type).toBe('Pods');
    expect(back.body.metadata.annotations).toBeUndefined();
    const list = await t.get(v1()).expect(200);
    expect(list.body.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(expect.arrayContaining(['one', 'two']));
  });

  it('reports v1 mistakes at upstream\'s (v2-shaped) paths', async () => {
    const res = await t.post(v1(), { metadata: { name: 'bad' }, spec: { scaleTargetRef: ref, maxReplicas: 3, targetCPUUtilizationPercentage: 0 } });
    expectInvalid(res, 'spec.metrics[0].resource.target.averageUtilization', 'Invalid value: 0: must be greater than 0');
  });
});

const h = (name: string, spec: Record<string, unknown>) => ({ metadata: { name }, spec: { scaleTargetRef: ref, maxReplicas: 5, ...spec } });
const metric = (m: Record<string, unknown>) => h('m', { metrics: [m] });
const cases: InvalidCase[] = [
  { name: 'maxReplicas zero', path: 'horizontalpodautoscalers', body: h('a1', { maxReplicas: 0 }), field: 'spec.maxReplicas', message: 'Invalid value: 0: must be greater than 0' },
  { name: 'minReplicas zero', path: 'horizontalpodautoscalers', body: h('a2', { minReplicas: 0 }), field: 'spec.minReplicas', message: 'Invalid value: 0: must be greater than or equal to 1' },
  { name: 'maxReplicas below minReplicas', path: 'horizontalpodautoscalers', body: h('a3', { minReplicas: 6 }), field: 'spec.maxReplicas', message: 'Invalid value: 5: must be greater than or equal to `minReplicas`' },
  { name: 'target without kind', path: 'horizontalpodautoscalers', body: h('a4', { scaleTargetRef: { name: 'web' } }), field: 'spec.scaleTargetRef.kind', message: 'Required value' },
  { name: 'target name with a slash', path: 'horizontalpodautoscalers', body: h('a5', { scaleTargetRef: { kind: 'Deployment', name: 'a/b' } }), field: 'spec.scaleTargetRef.name', message: "Invalid value: \"a/b\": may not contain '/'" },
  { name: 'unknown metric type', path: 'horizontalpodautoscalers', body: metric({ type: 'Magic' }), field: 'spec.metrics[0].type', message: 'Unsupported value: "Magic": supported values: "ContainerResource", "External", "Object", "Pods", "Resource"' },
  { name: 'resource metric without its source', path: 'horizontalpodautoscalers', body: metric({ type: 'Resource' }), field: 'spec.metrics[0].resource', message: 'Required value: must populate information for the given metric source' },
  { name: 'resource target without value or utilization', path: 'horizontalpodautoscalers', body: metric({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization' } } }), field: 'spec.metrics[0].resource.target.averageUtilization', message: 'Required value: must set either a target raw value or a target utilization' },
  { name: 'zero utilization', path: 'horizontalpodautoscalers', body: metric({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 0 } } }), field: 'spec.metrics[0].resource.target.averageUtilization', message: 'Invalid value: 0: must be greater than 0' },
  { name: 'unknown target type', path: 'horizontalpodautoscalers', body: metric({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Max', averageUtilization: 50 } } }), field: 'spec.metrics[0].resource.target.type', message: 'Invalid value: "Max": must be either Utilization, Value, or AverageValue' },
  { name: 'pods metric without averageValue', path: 'horizontalpodautoscalers', body: metric({ type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue' } } }), field: 'spec.metrics[0].pods.target.averageValue', message: 'Required value: must specify a positive target averageValue' },
  { name: 'two sources in one metric', path: 'horizontalpodautoscalers', body: metric({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } }, pods: { metric: { name: 'q' }, target: { type: 'AverageValue', averageValue: '1' } } }), field: 'spec.metrics[0].pods', message: 'Forbidden: must populate the given metric source only' },
  { name: 'negative averageValue', path: 'horizontalpodautoscalers', body: metric({ type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '-1' } } }), field: 'spec.metrics[0].pods.target.averageValue', message: 'Invalid value: "-1": must be positive' },
  { name: 'behavior policy period too long', path: 'horizontalpodautoscalers', body: h('a6', { behavior: { scaleUp: { policies: [{ type: 'Pods', value: 1, periodSeconds: 3600 }] } } }), field: 'spec.behavior.scaleUp.policies[0].periodSeconds', message: 'Invalid value: 3600: must be less than or equal to 1800' },
  { name: 'behavior unknown policy type', path: 'horizontalpodautoscalers', body: h('a7', { behavior: { scaleDown: { policies: [{ type: 'Nodes', value: 1, periodSeconds: 60 }] } } }), field: 'spec.behavior.scaleDown.policies[0].type', message: 'Unsupported value: "Nodes": supported values: "Percent", "Pods"' },
  { name: 'behavior unknown select policy', path: 'horizontalpodautoscalers', body: h('a8', { behavior: { scaleDown: { selectPolicy: 'Avg' } } }), field: 'spec.behavior.scaleDown.selectPolicy', message: 'Unsupported value: "Avg": supported values: "Disabled", "Max", "Min"' },
  { name: 'behavior stabilization window too long', path: 'horizontalpodautoscalers', body: h('a9', { behavior: { scaleUp: { stabilizationWindowSeconds: 4000 } } }), field: 'spec.behavior.scaleUp.stabilizationWindowSeconds', message: 'Invalid value: 4000: must be less than or equal to 3600' },
];

describe('validation: invalid autoscalers are refused with upstream\'s causes', () => {
  it.each(cases)('$name', async (c) => {
    const res = await t.post(`${base()}/${c.path}`, c.body);
    expectInvalid(res, c.field, c.message);
  });
});
