// policy/v1 PodDisruptionBudget through HTTP: create/get/list/update/delete, status, Table
// columns, and invalid budgets with upstream's 422 causes.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { policyResources } from './index.ts';
import { startTestApi, expectInvalid, merge, TABLE_ACCEPT, type InvalidCase, type TestApi } from '../testkit.ts';

let t: TestApi;
let ns: string;

beforeAll(async () => {
  t = await startTestApi(policyResources);
  ns = await t.namespace();
});
afterAll(async () => { await t.close(); });

const base = () => `/apis/policy/v1/namespaces/${ns}`;
const pdb = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name }, spec: { selector: { matchLabels: { app: 'web' } }, ...spec } });

describe('poddisruptionbudgets', () => {
  it('starts with a zero status and generation 1', async () => {
    const res = await t.post(`${base()}/poddisruptionbudgets`, pdb('web', { minAvailable: 2 })).expect(201);
    expect(res.body.spec).toEqual({ minAvailable: 2, selector: { matchLabels: { app: 'web' } } });
    expect(res.body.status).toEqual({ currentHealthy: 0, desiredHealthy: 0, disruptionsAllowed: 0, expectedPods: 0 });
    expect(res.body.metadata.generation).toBe(1);
  });

  it('updates, takes status through /status and prints upstream\'s columns', async () => {
    const cur = await t.get(`${base()}/poddisruptionbudgets/web`).expect(200);
    const upd = await t.put(`${base()}/poddisruptionbudgets/web`, merge(cur.body, { spec: { minAvailable: '50%' } })).expect(200);
    expect(upd.body.metadata.generation).toBe(2);
    const st = await t.put(`${base()}/poddisruptionbudgets/web/status`, merge(upd.body, { spec: { minAvailable: 9 }, status: { disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, observedGeneration: 2 } })).expect(200);
    expect(st.body.spec.minAvailable).toBe('50%');
    const table = await t.get(`${base()}/poddisruptionbudgets/web`, TABLE_ACCEPT).expect(200);
    expect(table.body.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(['Name', 'Min Available', 'Max Unavailable', 'Allowed Disruptions', 'Age']);
    expect(table.body.rows[0].cells).toEqual(['web', '50%', 'N/A', 1, expect.any(String)]);
    const bad = await t.put(`${base()}/poddisruptionbudgets/web/status`, merge(st.body, { status: { disruptionsAllowed: -1 } }));
    expectInvalid(bad, 'status.disruptionsAllowed', 'Invalid value: -1: must be greater than or equal to 0');
  });

  it('lists, deletes, and is discovered as pdb', async () => {
    expect((await t.get(`${base()}/poddisruptionbudgets`).expect(200)).body.kind).toBe('PodDisruptionBudgetList');
    await t.del(`${base()}/poddisruptionbudgets/web`).expect(200);
    const disc = await t.get('/apis/policy/v1').expect(200);
    expect(disc.body.resources.find((r: { name: string }) => r.name === 'poddisruptionbudgets')).toMatchObject({ shortNames: ['pdb'] });
    expect(disc.body.resources.find((r: { name: string }) => r.name === 'poddisruptionbudgets/status')).toBeDefined();
  });
});

const cases: InvalidCase[] = [
  { name: 'both minAvailable and maxUnavailable', path: 'poddisruptionbudgets', body: pdb('p1', { minAvailable: 1, maxUnavailable: 1 }), field: 'spec', message: 'Invalid value: {"MinAvailable":1,"Selector":{"matchLabels":{"app":"web"}},"MaxUnavailable":1,"UnhealthyPodEvictionPolicy":null}: minAvailable and maxUnavailable cannot be both set' },
  { name: 'negative minAvailable', path: 'poddisruptionbudgets', body: pdb('p2', { minAvailable: -1 }), field: 'spec.minAvailable', message: 'Invalid value: -1: must be greater than or equal to 0' },
  { name: 'maxUnavailable over 100%', path: 'poddisruptionbudgets', body: pdb('p3', { maxUnavailable: '101%' }), field: 'spec.maxUnavailable', message: 'Invalid value: "101%": must not be greater than 100%' },
  { name: 'maxUnavailable not a percent', path: 'poddisruptionbudgets', body: pdb('p4', { maxUnavailable: 'half' }), field: 'spec.maxUnavailable', message: "Invalid value: \"half\": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')" },
  { name: 'unknown eviction policy', path: 'poddisruptionbudgets', body: pdb('p5', { minAvailable: 1, unhealthyPodEvictionPolicy: 'Never' }), field: 'spec.unhealthyPodEvictionPolicy', message: 'Unsupported value: "Never": supported values: "AlwaysAllow", "IfHealthyBudget"' },
  { name: 'selector with a bad label value', path: 'poddisruptionbudgets', body: pdb('p6', { minAvailable: 1, selector: { matchLabels: { app: 'a b' } } }), field: 'spec.selector.matchLabels', message: "Invalid value: \"a b\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')" },
];

describe('validation: invalid budgets are refused with upstream\'s causes', () => {
  it.each(cases)('$name', async (c) => {
    const res = await t.post(`${base()}/${c.path}`, c.body);
    expectInvalid(res, c.field, c.message);
  });
});
