// node.k8s.io/v1 RuntimeClasses through HTTP: handler rules, overhead and scheduling checks.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import request from 'supertest';
import { auth, expectInvalid, startApi, tableOf, type TestApi } from '../common/apitest.ts';
import { runtimeclasses } from './v1/runtimeclasses.ts';

let t: TestApi;
beforeAll(async () => { t = await startApi([runtimeclasses]); });
afterAll(async () => { await t.close(); });

describe('runtimeclasses', () => {
  it('creates, gets, lists, updates and deletes; the handler is immutable', async () => {
    const app = t.api.app;
    const created = await request(app).post(t.url(runtimeclasses)).set(auth).send({
      apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name: 'gvisor' }, handler: 'runsc',
      overhead: { podFixed: { cpu: '250m', memory: '64Mi' } }, scheduling: { nodeSelector: { sandbox: 'true' }, tolerations: [{ key: 'sandbox', operator: 'Exists', effect: 'NoSchedule' }] },
    }).expect(201);
    await request(app).get(t.url(runtimeclasses, '', 'gvisor')).set(auth).expect(200);
    const list = await request(app).get(t.url(runtimeclasses)).set(auth).expect(200);
    expect(list.body.kind).toBe('RuntimeClassList');
    const updated = await request(app).put(t.url(runtimeclasses, '', 'gvisor')).set(auth).send({ ...created.body, metadata: { ...created.body.metadata, labels: { a: 'b' } } }).expect(200);
    const res = await request(app).put(t.url(runtimeclasses, '', 'gvisor')).set(auth).send({ ...updated.body, handler: 'kata' }).expect(422);
    expect(res.body.details.causes).toContainEqual({ reason: 'FieldValueInvalid', field: 'handler', message: 'Invalid value: "kata": field is immutable' });
    const table = await tableOf(t, t.url(runtimeclasses, '', 'gvisor'));
    expect(table.columns).toEqual(['Name', 'Handler', 'Age']);
    expect(table.rows[0]!.slice(0, 2)).toEqual(['gvisor', 'runsc']);
    await request(app).delete(t.url(runtimeclasses, '', 'gvisor')).set(auth).expect(200);
  });

  it('writes the overhead in canonical quantities, rounded to milli units', async () => {
    const res = await request(t.api.app).post(t.url(runtimeclasses)).set(auth).send({
      apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name: 'kata' }, handler: 'kata', overhead: { podFixed: { cpu: '0.1', memory: '1024Mi' } },
    }).expect(201);
    expect(res.body.overhead).toEqual({ podFixed: { cpu: '100m', memory: '1Gi' } });
    await request(t.api.app).delete(t.url(runtimeclasses, '', 'kata')).set(auth).expect(200);
  });

  it.each([
    { name: 'a handler that is not a DNS label', body: { metadata: { name: 'bad' }, handler: 'Run_SC' }, field: 'handler', message: 'Invalid value: "Run_SC": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or \'-\', and must start and end with an alphanumeric character (e.g. \'my-name\',  or \'123-abc\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?\')' },
    { name: 'a negative overhead', body: { metadata: { name: 'bad' }, handler: 'h', overhead: { podFixed: { cpu: '-1' } } }, field: 'overhead.limits[cpu]', message: 'Invalid value: "-1": must be greater than or equal to 0' },
    { name: 'an overhead that is not a container resource', body: { metadata: { name: 'bad' }, handler: 'h', overhead: { podFixed: { pods: '1' } } }, field: 'overhead.limits[pods]', message: 'Invalid value: "pods": must be a standard resource for containers' },
    { name: 'a toleration with an empty key and Equal', body: { metadata: { name: 'bad' }, handler: 'h', scheduling: { tolerations: [{ operator: 'Equal', value: 'x' }] } }, field: 'scheduling.tolerations[0].operator', message: 'Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys"' },
    { name: 'a toleration with an unknown effect', body: { metadata: { name: 'bad' }, handler: 'h', scheduling: { tolerations: [{ key: 'k', operator: 'Exists', effect: 'Never' }] } }, field: 'scheduling.tolerations[0].effect', message: 'Unsupported value: "Never": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"' },
  ])('rejects $name', async (c) => {
    await expectInvalid(t, { ...c, def: runtimeclasses });
  });
});
