// coordination.k8s.io/v1 Leases through HTTP: create by PUT, updates need a resourceVersion,
// spec checks, and the Holder column.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import request from 'supertest';
import { auth, expectInvalid, startApi, tableOf, type TestApi } from '../common/apitest.ts';
import { leases } from './v1/leases.ts';

let t: TestApi;
beforeAll(async () => { t = await startApi([leases]); });
afterAll(async () => { await t.close(); });

describe('leases', () => {
  it('creates, gets, lists, updates and deletes a lease', async () => {
    const app = t.api.app;
    const created = await request(app).post(t.url(leases, 'default')).set(auth)
      .send({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l1' }, spec: { holderIdentity: 'a', leaseDurationSeconds: 15 } }).expect(201);
    expect(created.body.spec).toEqual({ holderIdentity: 'a', leaseDurationSeconds: 15 });
    await request(app).get(t.url(leases, 'default', 'l1')).set(auth).expect(200);
    const list = await request(app).get(t.url(leases, 'default')).set(auth).expect(200);
    expect(list.body.kind).toBe('LeaseList');
    expect(list.body.items.map((l: { metadata: { name: string } }) => l.metadata.name)).toContain('l1');
    const updated = await request(app).put(t.url(leases, 'default', 'l1')).set(auth)
      .send({ ...created.body, spec: { ...created.body.spec, holderIdentity: 'b' } }).expect(200);
    expect(updated.body.spec.holderIdentity).toBe('b');
    await request(app).delete(t.url(leases, 'default', 'l1')).set(auth).expect(200);
    await request(app).get(t.url(leases, 'default', 'l1')).set(auth).expect(404);
  });

  it('creates a lease by PUT, as upstream allows for leases', async () => {
    const res = await request(t.api.app).put(t.url(leases, 'default', 'put-made')).set(auth)
      .send({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'put-made' }, spec: { holderIdentity: 'x' } });
    expect(res.status).toBe(201);
  });

  it('refuses an update without a resourceVersion (no unconditional updates)', async () => {
    await request(t.api.app).post(t.url(leases, 'default')).set(auth).send({ metadata: { name: 'l2' }, spec: {} }).expect(201);
    const res = await request(t.api.app).put(t.url(leases, 'default', 'l2')).set(auth).send({ metadata: { name: 'l2' }, spec: { holderIdentity: 'z' } }).expect(422);
    expect(res.body.details.causes[0]).toMatchObject({ field: 'metadata.resourceVersion' });
  });

  it('drops strategy and preferredHolder, whose feature gate is off in 1.32', async () => {
    const res = await request(t.api.app).post(t.url(leases, 'default')).set(auth)
      .send({ metadata: { name: 'l3' }, spec: { holderIdentity: 'h', strategy: 'OldestEmulationVersion', preferredHolder: 'p' } }).expect(201);
    expect(res.body.spec).toEqual({ holderIdentity: 'h' });
  });

  it.each([
    { name: 'non-positive duration', spec: { leaseDurationSeconds: 0 }, field: 'spec.leaseDurationSeconds', message: 'Invalid value: 0: must be greater than 0' },
    { name: 'negative transitions', spec: { leaseTransitions: -1 }, field: 'spec.leaseTransitions', message: 'Invalid value: -1: must be greater than or equal to 0' },
  ])('rejects a lease with $name', async ({ spec, field, message }) => {
    await expectInvalid(t, { name: field, def: leases, body: { metadata: { name: 'bad' }, spec }, field, message });
  });

  it('prints Name, Holder and Age', async () => {
    await request(t.api.app).post(t.url(leases, 'default')).set(auth).send({ metadata: { name: 'tbl' }, spec: { holderIdentity: 'node-1' } }).expect(201);
    const table = await tableOf(t, t.url(leases, 'default', 'tbl'));
    expect(table.columns).toEqual(['Name', 'Holder', 'Age']);
    expect(table.rows[0]!.slice(0, 2)).toEqual(['tbl', 'node-1']);
  });
});
