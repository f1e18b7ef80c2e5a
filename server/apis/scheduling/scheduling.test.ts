// scheduling.k8s.io/v1 PriorityClasses through HTTP: the preemption default, the reserved
// system- prefix, immutable value, the bootstrap classes and the Table.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import request from 'supertest';
import { auth, expectInvalid, startApi, tableOf, type TestApi } from '../common/apitest.ts';
import { priorityclasses } from './v1/priorityclasses.ts';
import { schedulingBootstrapObjects } from './index.ts';

let t: TestApi;
beforeAll(async () => {
  t = await startApi([priorityclasses]);
  // The server creates the two system classes at start-up.
  for (const obj of schedulingBootstrapObjects) await request(t.api.app).get(`${t.url(priorityclasses)}/${obj.metadata!.name}`).set(auth).expect(200);
});
afterAll(async () => { await t.close(); });

describe('priorityclasses', () => {
  it('has the two system classes with upstream values', async () => {
    const node = await request(t.api.app).get(t.url(priorityclasses, '', 'system-node-critical')).set(auth).expect(200);
    expect(node.body).toMatchObject({ value: 2000001000, preemptionPolicy: 'PreemptLowerPriority', description: 'Used for system critical pods that must not be moved from their current node.' });
    const cluster = await request(t.api.app).get(t.url(priorityclasses, '', 'system-cluster-critical')).set(auth).expect(200);
    expect(cluster.body.value).toBe(2000000000);
  });

  it('creates with preemptionPolicy PreemptLowerPriority, updates the description, keeps value immutable, deletes', async () => {
    const app = t.api.app;
    const created = await request(app).post(t.url(priorityclasses)).set(auth)
      .send({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'high' }, value: 1000, globalDefault: false }).expect(201);
    expect(created.body.preemptionPolicy).toBe('PreemptLowerPriority');
    const updated = await request(app).put(t.url(priorityclasses, '', 'high')).set(auth).send({ ...created.body, description: 'important' }).expect(200);
    const res = await request(app).put(t.url(priorityclasses, '', 'high')).set(auth).send({ ...updated.body, value: 5 }).expect(422);
    expect(res.body.details.causes).toContainEqual({ reason: 'FieldValueForbidden', field: 'value', message: 'Forbidden: may not be changed in an update.' });
    const pp = await request(app).put(t.url(priorityclasses, '', 'high')).set(auth).send({ ...updated.body, preemptionPolicy: 'Never' }).expect(422);
    expect(pp.body.details.causes).toContainEqual({ reason: 'FieldValueInvalid', field: 'preemptionPolicy', message: 'Invalid value: "Never": field is immutable' });
    const list = await request(app).get(t.url(priorityclasses)).set(auth).expect(200);
    expect(list.body.kind).toBe('PriorityClassList');
    await request(app).delete(t.url(priorityclasses, '', 'high')).set(auth).expect(200);
  });

  it.each([
    { name: 'an unknown system- name', body: { metadata: { name: 'system-mine' }, value: 10 }, field: 'metadata.name', message: "Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class" },
    { name: 'a system class with another value', body: { metadata: { name: 'system-node-critical' }, value: 10 }, field: 'metadata.name', message: "Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: value of system-node-critical PriorityClass must be 2000001000" },
    { name: 'a system class as global default', body: { metadata: { name: 'system-cluster-critical' }, value: 2000000000, globalDefault: true }, field: 'metadata.name', message: "Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: globalDefault of system-cluster-critical PriorityClass must be false" },
    { name: 'a user value above one billion', body: { metadata: { name: 'huge' }, value: 1000000001 }, field: 'value', message: 'Forbidden: maximum allowed value of a user defined priority is 1000000000' },
    { name: 'an unknown preemption policy', body: { metadata: { name: 'pp' }, value: 1, preemptionPolicy: 'Sometimes' }, field: 'preemptionPolicy', message: 'Unsupported value: "Sometimes": supported values: "PreemptLowerPriority", "Never"' },
  ])('rejects $name', async (c) => {
    await expectInvalid(t, { ...c, def: priorityclasses });
  });

  it('prints Name, Value, Global-Default, Age, PreemptionPolicy', async () => {
    const table = await tableOf(t, t.url(priorityclasses, '', 'system-node-critical'));
    expect(table.columns).toEqual(['Name', 'Value', 'Global-Default', 'Age', 'PreemptionPolicy']);
    const [name, value, global, , policy] = table.rows[0]!;
    expect([name, value, global, policy]).toEqual(['system-node-critical', 2000001000, false, 'PreemptLowerPriority']);
  });
});
