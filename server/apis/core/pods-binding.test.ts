// pods/binding and the legacy bindings resource through HTTP, with upstream's answers
// (pkg/registry/core/pod/storage/storage.go BindingREST).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { bindings } from './v1/podbinding.ts';
import { startTestApi, type TestApi } from '../testkit.ts';

let t: TestApi;
let ns: string;

beforeAll(async () => {
  t = await startTestApi([bindings]);
  ns = await t.namespace();
});
afterAll(async () => { await t.close(); });

const pods = () => `/api/v1/namespaces/${ns}/pods`;
const pod = (name: string, spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}) =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, ...metadata }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }], ...spec } });
const binding = (name: string, node: string, extra: Record<string, unknown> = {}) =>
  ({ apiVersion: 'v1', kind: 'Binding', metadata: { name, ...extra }, target: { kind: 'Node', name: node } });

describe('pods/binding', () => {
  it('binds a pod: 201 Success, spec.nodeName set, PodScheduled=True, annotations merged', async () => {
    await t.post(pods(), pod('web', {}, { annotations: { keep: 'me' } })).expect(201);
    const res = await t.post(`${pods()}/web/binding`, binding('web', 'n1', { annotations: { 'scheduler.example/by': 'test' } })).expect(201);
    expect(res.body).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
    const got = await t.get(`${pods()}/web`).expect(200);
    expect(got.body.spec.nodeName).toBe('n1');
    expect(got.body.metadata.annotations).toEqual({ keep: 'me', 'scheduler.example/by': 'test' });
    const cond = got.body.status.conditions.find((c: { type: string }) => c.type === 'PodScheduled');
    expect(cond).toMatchObject({ type: 'PodScheduled', status: 'True', lastProbeTime: null });
    expect(cond.lastTransitionTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('refuses a pod that is already bound with 409 Conflict on pods/binding', async () => {
    await t.post(pods(), pod('twice')).expect(201);
    await t.post(`${pods()}/twice/binding`, binding('twice', 'n1')).expect(201);
    const res = await t.post(`${pods()}/twice/binding`, binding('twice', 'n2')).expect(409);
    expect(res.body).toMatchObject({
      status: 'Failure', reason: 'Conflict', code: 409,
      message: 'Operation cannot be fulfilled on pods/binding "twice": pod twice is already assigned to node "n1"',
      details: { name: 'twice', kind: 'pods/binding' },
    });
    expect((await t.get(`${pods()}/twice`)).body.spec.nodeName).toBe('n1');
  });

  it('refuses a pod that is being deleted', async () => {
    await t.post(pods(), pod('going', {}, { finalizers: ['example.com/hold'] })).expect(201);
    await t.del(`${pods()}/going`).expect(200);
    const res = await t.post(`${pods()}/going/binding`, binding('going', 'n1')).expect(409);
    expect(res.body.message).toBe('Operation cannot be fulfilled on pods/binding "going": pod going is being deleted, cannot be assigned to a host');
  });

  it('refuses a pod held by scheduling gates', async () => {
    const created = await t.post(pods(), pod('gated', { schedulingGates: [{ name: 'example.com/wait' }] })).expect(201);
    expect(created.body.status.conditions).toEqual([{
      type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: null,
      reason: 'SchedulingGated', message: 'Scheduling is blocked due to non-empty scheduling gates',
    }]);
    const res = await t.post(`${pods()}/gated/binding`, binding('gated', 'n1')).expect(409);
    expect(res.body.message).toBe('Operation cannot be fulfilled on pods/binding "gated": pod gated has non-empty .spec.schedulingGates');
  });

  it('answers a target that is not a Node as upstream does: 500 with the validation text and no reason', async () => {
    await t.post(pods(), pod('odd')).expect(201);
    const res = await t.post(`${pods()}/odd/binding`, { ...binding('odd', 'n1'), target: { kind: 'Pod', name: 'n1' } }).expect(500);
    expect(res.body).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'target.kind: Unsupported value: "Pod": supported values: "Node", "<empty>"', code: 500 });
    const noName = await t.post(`${pods()}/odd/binding`, { ...binding('odd', 'n1'), target: { kind: 'Node' } }).expect(500);
    expect(noName.body.message).toBe('target.name: Required value');
    // An empty kind means Node.
    await t.post(`${pods()}/odd/binding`, { ...binding('odd', 'n1'), target: { name: 'n1' } }).expect(201);
  });

  it('404s a missing pod, 400s a name that does not match the URL, 405s POST to the pod itself', async () => {
    const missing = await t.post(`${pods()}/nope/binding`, binding('nope', 'n1')).expect(404);
    expect(missing.body).toMatchObject({ reason: 'NotFound', message: 'pods "nope" not found' });
    await t.post(pods(), pod('named')).expect(201);
    const mismatch = await t.post(`${pods()}/named/binding`, binding('other', 'n1')).expect(400);
    expect(mismatch.body.message).toBe('name in URL does not match name in Binding object');
    const wrongKind = await t.post(`${pods()}/named/binding`, { ...binding('named', 'n1'), kind: 'Pod' }).expect(400);
    expect(wrongKind.body.reason).toBe('BadRequest');
    await t.post(`${pods()}/named`, binding('named', 'n1')).expect(405);
    await t.post(`${pods()}/named/status`, binding('named', 'n1')).expect(405);
  });

  it('takes the binding uid and resourceVersion as preconditions on the pod', async () => {
    const created = await t.post(pods(), pod('pinned')).expect(201);
    const stale = await t.post(`${pods()}/pinned/binding`, binding('pinned', 'n1', { uid: '00000000-0000-0000-0000-000000000000' })).expect(409);
    expect(stale.body.message).toContain('Precondition failed: UID in precondition: 00000000-0000-0000-0000-000000000000');
    await t.post(`${pods()}/pinned/binding`, binding('pinned', 'n1', { uid: created.body.metadata.uid, resourceVersion: created.body.metadata.resourceVersion })).expect(201);
  });

  it('binds nothing on a dry run', async () => {
    await t.post(pods(), pod('dry')).expect(201);
    await t.post(`${pods()}/dry/binding?dryRun=All`, binding('dry', 'n1')).expect(201);
    expect((await t.get(`${pods()}/dry`)).body.spec.nodeName).toBeUndefined();
  });

  it('serves the legacy bindings resource: POST namespaces/<ns>/bindings binds the pod the body names', async () => {
    await t.post(pods(), pod('legacy')).expect(201);
    const res = await t.post(`/api/v1/namespaces/${ns}/bindings`, binding('legacy', 'n3')).expect(201);
    expect(res.body).toMatchObject({ kind: 'Status', status: 'Success', code: 201 });
    expect((await t.get(`${pods()}/legacy`)).body.spec.nodeName).toBe('n3');
    const noName = await t.post(`/api/v1/namespaces/${ns}/bindings`, { apiVersion: 'v1', kind: 'Binding', metadata: {}, target: { name: 'n3' } }).expect(400);
    expect(noName.body.message).toBe('Name parameter required.');
    await t.get(`/api/v1/namespaces/${ns}/bindings`).expect(405);
  });

  it('is listed in discovery with upstream kinds and verbs', async () => {
    const res = await t.get('/api/v1').expect(200);
    const byName = Object.fromEntries(res.body.resources.map((r: { name: string }) => [r.name, r]));
    expect(byName['pods/binding']).toMatchObject({ kind: 'Binding', verbs: ['create'] });
    expect(byName['pods/eviction']).toMatchObject({ group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] });
    expect(byName.bindings).toMatchObject({ kind: 'Binding', namespaced: true, verbs: ['create'] });
  });
});
