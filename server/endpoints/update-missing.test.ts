// Writes to an object that is not there, in a namespace being terminated: upstream's Store.Update
// finds the object missing before admission runs, so an update or patch that may not create is
// 404 NotFound (not NamespaceLifecycle's 403); a write that may create (create-on-update, apply)
// is a create, which a terminating namespace refuses.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import request from 'supertest';
import { openStore, type SqlStore } from '../../storage/index.ts';
import { ApiServer } from '../apiserver.ts';
import { createDatabaseAt } from '../../test/postgres.ts';

let store: SqlStore;
let api: ApiServer;
const AUTH = { Authorization: 'Bearer um-admin' };
const t = {
  get: (path: string) => request(api.app).get(path).set(AUTH),
  post: (path: string, body: object) => request(api.app).post(path).set(AUTH).send(body),
  put: (path: string, body: object) => request(api.app).put(path).set(AUTH).send(body),
  patch: (path: string, body: unknown, type = 'application/merge-patch+json') => request(api.app).patch(path).set(AUTH).set('Content-Type', type).send(JSON.stringify(body)),
  del: (path: string) => request(api.app).delete(path).set(AUTH),
};
let seq = 0;
async function namespace(): Promise<string> {
  const name = `um-${seq++}`;
  await t.post('/api/v1/namespaces', { metadata: { name } }).expect(201);
  return name;
}
/** A namespace being terminated (no namespace controller runs here, so it stays so). */
let ns: string;
/** An active namespace. */
let live: string;

const rs = (name: string) => ({
  apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name },
  spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } } },
});
const lease = (name: string) => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name }, spec: { holderIdentity: 'me' } });
const rsPath = (namespace: string, name: string, sub = '') => `/apis/apps/v1/namespaces/${namespace}/replicasets/${name}${sub}`;
const leasePath = (namespace: string, name: string) => `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/${name}`;

beforeAll(async () => {
  store = await openStore({ databaseUrl: await createDatabaseAt(inject('pgAdminUrl')) });
  api = new ApiServer({ store, log: () => {}, tokens: [{ token: 'um-admin', user: { name: 'admin', groups: ['system:masters'] } }] });
  await api.bootstrap();
  ns = await namespace();
  live = await namespace();
  await t.post(`/apis/apps/v1/namespaces/${ns}/replicasets`, rs('kept')).expect(201);
  const gone = await t.del(`/api/v1/namespaces/${ns}`).expect(200);
  expect(gone.body.status.phase).toBe('Terminating');
});
afterAll(async () => {
  api?.close();
  await store?.close();
});

function expectNotFound(res: request.Response, message: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(404);
  expect(res.body).toMatchObject({ kind: 'Status', reason: 'NotFound', code: 404, message });
}

function expectTerminating(res: request.Response): void {
  expect(res.status, JSON.stringify(res.body)).toBe(403);
  expect(res.body.reason).toBe('Forbidden');
  expect(res.body.message).toContain(`unable to create new content in namespace ${ns} because it is being terminated`);
  expect(res.body.details.causes).toContainEqual(expect.objectContaining({ reason: 'NamespaceTerminating', field: 'metadata.namespace' }));
}

describe('an update of a missing object in a terminating namespace', () => {
  it('is 404 NotFound for PUT of the object and of its status', async () => {
    const missing = 'replicasets.apps "gone" not found';
    expectNotFound(await t.put(rsPath(ns, 'gone', '/status'), { ...rs('gone'), status: { replicas: 1 } }), missing);
    expectNotFound(await t.put(rsPath(ns, 'gone'), rs('gone')), missing);
  });

  it('is 404 NotFound for every patch that cannot create, of the object and of its status', async () => {
    const missing = 'replicasets.apps "gone" not found';
    for (const sub of ['', '/status']) {
      expectNotFound(await t.patch(rsPath(ns, 'gone', sub), { status: { replicas: 2 } }), missing);
      expectNotFound(await t.patch(rsPath(ns, 'gone', sub), { status: { replicas: 2 } }, 'application/strategic-merge-patch+json'), missing);
      expectNotFound(await t.patch(rsPath(ns, 'gone', sub), [{ op: 'add', path: '/metadata/labels', value: { a: 'b' } }], 'application/json-patch+json'), missing);
    }
    // Subresources never create, so an apply to status is 404 too (upstream's StatusREST).
    expectNotFound(await t.patch(`${rsPath(ns, 'gone', '/status')}?fieldManager=test`, { ...rs('gone'), status: { replicas: 1 } }, 'application/apply-patch+yaml'), missing);
  });

  it('is a create where creation is allowed, and the namespace refuses it: apply, and PUT of a Lease', async () => {
    expectTerminating(await t.patch(`${rsPath(ns, 'gone')}?fieldManager=test`, rs('gone'), 'application/apply-patch+yaml'));
    expectTerminating(await t.put(leasePath(ns, 'gone'), lease('gone')));
  });

  it('still updates objects that exist there', async () => {
    const cur = (await t.get(rsPath(ns, 'kept')).expect(200)).body;
    const updated = await t.put(rsPath(ns, 'kept', '/status'), { ...cur, status: { replicas: 1 } }).expect(200);
    expect(updated.body.status.replicas).toBe(1);
    await t.patch(rsPath(ns, 'kept'), { metadata: { labels: { still: 'here' } } }).expect(200);
  });
});

describe('create-on-update in an active namespace', () => {
  it('creates a Lease by PUT and a ReplicaSet by apply, as upstream', async () => {
    const created = await t.put(leasePath(live, 'held'), lease('held')).expect(201);
    expect(created.body.metadata.uid).toBeDefined();
    await t.patch(`${rsPath(live, 'applied')}?fieldManager=test`, rs('applied'), 'application/apply-patch+yaml').expect(201);
    // A ReplicaSet is never created by PUT, and a status write never creates.
    expectNotFound(await t.put(rsPath(live, 'put'), rs('put')), 'replicasets.apps "put" not found');
    expectNotFound(await t.put(rsPath(live, 'put', '/status'), rs('put')), 'replicasets.apps "put" not found');
  });
});
