// pods/eviction over HTTP, as upstream's EvictionREST answers it (pkg/registry/core/pod/storage/
// eviction.go): budgets decide, 429 while one allows no disruption, 500 for two budgets.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startTestApi, type TestApi } from '../testkit.ts';

let t: TestApi;
let ns: string;

beforeAll(async () => {
  t = await startTestApi([]);
  ns = await t.namespace();
});
afterAll(async () => { await t.close(); });

const pods = () => `/api/v1/namespaces/${ns}/pods`;
const pdbs = () => `/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets`;
const eviction = (name: string, extra: Record<string, unknown> = {}) =>
  ({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: ns }, ...extra });

/** A pod bound to a node and reported Running (Ready unless `ready` is false). */
async function runningPod(name: string, labels: Record<string, string>, ready = true) {
  await t.post(pods(), { metadata: { name, labels }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } }).expect(201);
  await t.post(`${pods()}/${name}/binding`, { metadata: { name }, target: { name: 'n1' } }).expect(201);
  const cur = (await t.get(`${pods()}/${name}`)).body;
  const conditions = [...cur.status.conditions, { type: 'Ready', status: ready ? 'True' : 'False' }];
  return (await t.put(`${pods()}/${name}/status`, { ...cur, status: { ...cur.status, phase: 'Running', conditions } }).expect(200)).body;
}

/** A budget over `app=<app>` with the status the disruption controller would have written. */
async function budget(name: string, app: string, status: Record<string, unknown>, spec: Record<string, unknown> = {}) {
  const created = await t.post(pdbs(), { metadata: { name }, spec: { minAvailable: 1, selector: { matchLabels: { app } }, ...spec } }).expect(201);
  const st = { observedGeneration: created.body.metadata.generation, currentHealthy: 2, desiredHealthy: 1, expectedPods: 2, disruptionsAllowed: 1, ...status };
  return (await t.put(`${pdbs()}/${name}/status`, { ...created.body, status: st }).expect(200)).body;
}

const conditionOf = (obj: { status?: { conditions?: Array<{ type: string }> } }, type: string) => obj.status?.conditions?.find((c) => c.type === type);

describe('pods/eviction', () => {
  it('evicts a pod no budget covers: 201 Success, DisruptionTarget set, graceful deletion started', async () => {
    await runningPod('free', { app: 'free' });
    const res = await t.post(`${pods()}/free/eviction`, eviction('free')).expect(201);
    expect(res.body).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
    const got = (await t.get(`${pods()}/free`).expect(200)).body;
    expect(got.metadata.deletionGracePeriodSeconds).toBe(30);
    expect(conditionOf(got, 'DisruptionTarget')).toMatchObject({ status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting' });
    // Evicting it again while it terminates succeeds too.
    await t.post(`${pods()}/free/eviction`, eviction('free')).expect(201);
  });

  it('takes one disruption from the budget and records the pod in status.disruptedPods', async () => {
    await runningPod('web-1', { app: 'web' });
    await budget('web-pdb', 'web', { disruptionsAllowed: 1 });
    await t.post(`${pods()}/web-1/eviction`, eviction('web-1')).expect(201);
    const pdb = (await t.get(`${pdbs()}/web-pdb`).expect(200)).body;
    expect(pdb.status.disruptionsAllowed).toBe(0);
    expect(Object.keys(pdb.status.disruptedPods)).toEqual(['web-1']);
    expect(pdb.status.disruptedPods['web-1']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(conditionOf(pdb, 'DisruptionAllowed')).toMatchObject({ status: 'False', reason: 'InsufficientPods' });
    expect((await t.get(`${pods()}/web-1`)).body.metadata.deletionTimestamp).toBeDefined();
  });

  it('answers 429 while the budget allows no disruption, and succeeds once it does', async () => {
    await runningPod('db-1', { app: 'db' });
    const pdb = await budget('db-pdb', 'db', { disruptionsAllowed: 0, currentHealthy: 2, desiredHealthy: 2 });
    const res = await t.post(`${pods()}/db-1/eviction`, eviction('db-1')).expect(429);
    expect(res.body).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 429, reason: 'TooManyRequests',
      message: "Cannot evict pod as it would violate the pod's disruption budget.",
      details: { causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget db-pdb needs 2 healthy pods and has 2 currently' }] },
    });
    const untouched = (await t.get(`${pods()}/db-1`)).body;
    expect(untouched.metadata.deletionTimestamp).toBeUndefined();
    expect(conditionOf(untouched, 'DisruptionTarget')).toBeUndefined();
    await t.put(`${pdbs()}/db-pdb/status`, { ...pdb, status: { ...pdb.status, disruptionsAllowed: 1, currentHealthy: 3 } }).expect(200);
    await t.post(`${pods()}/db-1/eviction`, eviction('db-1')).expect(201);
  });

  it('answers 429 with Retry-After while the budget is still being processed', async () => {
    await runningPod('stale-1', { app: 'stale' });
    await budget('stale-pdb', 'stale', { observedGeneration: 0 });
    const res = await t.post(`${pods()}/stale-1/eviction`, eviction('stale-1')).expect(429);
    expect(res.headers['retry-after']).toBe('10');
    expect(res.body.details).toEqual({ retryAfterSeconds: 10, causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget stale-pdb is still being processed by the server.' }] });
  });

  it('refuses a pod covered by two budgets with upstream\'s 500', async () => {
    await runningPod('two-1', { app: 'two', tier: 'x' });
    await budget('two-a', 'two', {});
    await budget('two-b', 'two', {}, { selector: { matchLabels: { tier: 'x' } } });
    const res = await t.post(`${pods()}/two-1/eviction`, eviction('two-1')).expect(500);
    expect(res.body).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.', code: 500 });
  });

  it('evicts pending pods without consulting budgets', async () => {
    await t.post(pods(), { metadata: { name: 'pend-1', labels: { app: 'pend' } }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } }).expect(201);
    await budget('pend-pdb', 'pend', { disruptionsAllowed: 0 });
    await t.post(`${pods()}/pend-1/eviction`, eviction('pend-1')).expect(201);
    await t.get(`${pods()}/pend-1`).expect(404);
  });

  it('lets an unready pod go when the budget is healthy without it (or always allows it)', async () => {
    await runningPod('sick-1', { app: 'sick' }, false);
    await budget('sick-pdb', 'sick', { disruptionsAllowed: 0, currentHealthy: 2, desiredHealthy: 2 });
    await t.post(`${pods()}/sick-1/eviction`, eviction('sick-1')).expect(201);
    // The budget gave no disruption for it.
    expect((await t.get(`${pdbs()}/sick-pdb`)).body.status.disruptionsAllowed).toBe(0);

    await runningPod('weak-1', { app: 'weak' }, false);
    await budget('weak-pdb', 'weak', { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 2 });
    await t.post(`${pods()}/weak-1/eviction`, eviction('weak-1')).expect(429);
    await runningPod('always-1', { app: 'always' }, false);
    await budget('always-pdb', 'always', { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 2 }, { unhealthyPodEvictionPolicy: 'AlwaysAllow' });
    await t.post(`${pods()}/always-1/eviction`, eviction('always-1')).expect(201);
  });

  it("deletes with the eviction's deleteOptions, and changes nothing on a dry run", async () => {
    await runningPod('opts-1', { app: 'opts' });
    await budget('opts-pdb', 'opts', { disruptionsAllowed: 1 });
    await t.post(`${pods()}/opts-1/eviction?dryRun=All`, eviction('opts-1')).expect(201);
    expect((await t.get(`${pdbs()}/opts-pdb`)).body.status.disruptionsAllowed).toBe(1);
    const still = (await t.get(`${pods()}/opts-1`).expect(200)).body;
    expect(still.metadata.deletionTimestamp).toBeUndefined();
    await t.post(`${pods()}/opts-1/eviction`, eviction('opts-1', { deleteOptions: { gracePeriodSeconds: 0 } })).expect(201);
    await t.get(`${pods()}/opts-1`).expect(404);
  });

  it('accepts a policy/v1beta1 body; refuses other versions, a wrong name and a missing pod', async () => {
    await runningPod('beta-1', { app: 'beta' });
    await t.post(`${pods()}/beta-1/eviction`, { ...eviction('beta-1'), apiVersion: 'policy/v1beta1' }).expect(201);
    const v2 = await t.post(`${pods()}/beta-1/eviction`, { ...eviction('beta-1'), apiVersion: 'policy/v2' }).expect(400);
    expect(v2.body.message).toBe('the API version in the data (policy/v2) does not match the expected API version (policy/v1)');
    const mismatch = await t.post(`${pods()}/beta-1/eviction`, eviction('other')).expect(400);
    expect(mismatch.body.message).toBe('name in URL does not match name in Eviction object');
    const missing = await t.post(`${pods()}/ghost/eviction`, eviction('ghost')).expect(404);
    expect(missing.body.message).toBe('pods "ghost" not found');
    const wrongNs = await t.post(`${pods()}/beta-1/eviction`, { ...eviction('beta-1'), metadata: { name: 'beta-1', namespace: 'elsewhere' } }).expect(400);
    expect(wrongNs.body.message).toBe('the namespace of the provided object does not match the namespace sent on the request');
  });
});
