// flowcontrol.apiserver.k8s.io/v1 through HTTP: the bootstrap objects, defaults, the fixed
// mandatory specs, validation causes, status and Tables.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import request from 'supertest';
import { auth, expectInvalid, startApi, tableOf, type TestApi } from '../common/apitest.ts';
import { flowschemas } from './v1/flowschemas.ts';
import { prioritylevelconfigurations as plcs } from './v1/prioritylevelconfigurations.ts';
import { flowcontrolBootstrapObjects } from './index.ts';

let t: TestApi;
beforeAll(async () => {
  t = await startApi([flowschemas, plcs]);
  // The server creates the upstream defaults at start-up.
  for (const obj of flowcontrolBootstrapObjects) {
    const def = obj.kind === 'FlowSchema' ? flowschemas : plcs;
    await request(t.api.app).get(`${t.url(def)}/${obj.metadata!.name}`).set(auth).expect(200);
  }
});
afterAll(async () => { await t.close(); });

const everything = { resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], clusterScope: true, namespaces: ['*'] }] };

describe('bootstrap objects', () => {
  it('creates the mandatory and suggested priority levels and flow schemas', async () => {
    const pl = await request(t.api.app).get(t.url(plcs)).set(auth).expect(200);
    expect(pl.body.items.map((o: { metadata: { name: string } }) => o.metadata.name).sort())
      .toEqual(['catch-all', 'exempt', 'global-default', 'leader-election', 'node-high', 'system', 'workload-high', 'workload-low']);
    const fs = await request(t.api.app).get(t.url(flowschemas)).set(auth).expect(200);
    expect(fs.body.items).toHaveLength(13);
    const exempt = fs.body.items.find((o: { metadata: { name: string } }) => o.metadata.name === 'exempt');
    expect(exempt.spec).toMatchObject({ matchingPrecedence: 1, priorityLevelConfiguration: { name: 'exempt' } });
    expect(exempt.metadata.generation).toBe(1);
    expect(exempt.status).toEqual({});
  });

  it('prints FlowSchemas and PriorityLevelConfigurations as upstream', async () => {
    const fs = await tableOf(t, t.url(flowschemas, '', 'catch-all'));
    expect(fs.columns).toEqual(['Name', 'PriorityLevel', 'MatchingPrecedence', 'DistinguisherMethod', 'Age', 'MissingPL']);
    const [name, pl, prec, dm, , missing] = fs.rows[0]!;
    expect([name, pl, prec, dm, missing]).toEqual(['catch-all', 'catch-all', 10000, 'ByUser', '?']);
    const plc = await tableOf(t, t.url(plcs, '', 'global-default'));
    expect(plc.columns).toEqual(['Name', 'Type', 'NominalConcurrencyShares', 'Queues', 'HandSize', 'QueueLengthLimit', 'Age']);
    expect(plc.rows[0]!.slice(0, 6)).toEqual(['global-default', 'Limited', 20, 128, 6, 50]);
    const exempt = await tableOf(t, t.url(plcs, '', 'exempt'));
    expect(exempt.rows[0]!.slice(0, 6)).toEqual(['exempt', 'Exempt', '<none>', '<none>', '<none>', '<none>']);
  });
});

describe('flowschemas', () => {
  it('defaults matchingPrecedence to 1000, bumps the generation, writes status through /status', async () => {
    const app = t.api.app;
    const created = await request(app).post(t.url(flowschemas)).set(auth).send({
      apiVersion: 'flowcontrol.apiserver.k8s.io/v1', kind: 'FlowSchema', metadata: { name: 'mine' },
      spec: { priorityLevelConfiguration: { name: 'workload-low' }, rules: [{ subjects: [{ kind: 'User', user: { name: 'jane' } }], ...everything }] },
    }).expect(201);
    expect(created.body.spec.matchingPrecedence).toBe(1000);
    const updated = await request(app).put(t.url(flowschemas, '', 'mine')).set(auth).send({ ...created.body, spec: { ...created.body.spec, matchingPrecedence: 700 } }).expect(200);
    expect(updated.body.metadata.generation).toBe(2);
    const status = await request(app).put(t.url(flowschemas, '', 'mine', 'status')).set(auth)
      .send({ ...updated.body, status: { conditions: [{ type: 'Dangling', status: 'False', reason: 'Found', message: 'ok', lastTransitionTime: '2026-01-01T00:00:00Z' }] } }).expect(200);
    expect(status.body.status.conditions[0].type).toBe('Dangling');
    const table = await tableOf(t, t.url(flowschemas, '', 'mine'));
    expect(table.rows[0]![5]).toBe('False');
    const dup = await request(app).put(t.url(flowschemas, '', 'mine', 'status')).set(auth)
      .send({ ...status.body, status: { conditions: [{ type: 'Dangling' }, { type: 'Dangling' }] } }).expect(422);
    expect(dup.body.details.causes).toContainEqual({ reason: 'FieldValueDuplicate', field: 'status.conditions[1].type', message: 'Duplicate value: "Dangling"' });
    await request(app).delete(t.url(flowschemas, '', 'mine')).set(auth).expect(200);
  });

  it('writes a cluster-scoped resource rule without namespaces as namespaces: null (no omitempty)', async () => {
    const app = t.api.app;
    const created = await request(app).post(t.url(flowschemas)).set(auth).send({
      apiVersion: 'flowcontrol.apiserver.k8s.io/v1', kind: 'FlowSchema', metadata: { name: 'nodes-only' },
      spec: {
        priorityLevelConfiguration: { name: 'workload-low' },
        rules: [{ subjects: [{ kind: 'User', user: { name: 'jane' } }], resourceRules: [{ verbs: ['list'], apiGroups: [''], resources: ['nodes'], clusterScope: true }] }],
      },
    }).expect(201);
    expect(created.body.spec.rules[0].resourceRules).toEqual([{ verbs: ['list'], apiGroups: [''], resources: ['nodes'], clusterScope: true, namespaces: null }]);
    await request(app).delete(t.url(flowschemas, '', 'nodes-only')).set(auth).expect(200);
  });

  it('keeps the mandatory catch-all schema fixed', async () => {
    const cur = await request(t.api.app).get(t.url(flowschemas, '', 'catch-all')).set(auth).expect(200);
    const res = await request(t.api.app).put(t.url(flowschemas, '', 'catch-all')).set(auth).send({ ...cur.body, spec: { ...cur.body.spec, matchingPrecedence: 9999 } }).expect(422);
    expect(res.body.details.causes.map((c: { field: string; message: string }) => [c.field, c.message.replace(/^Invalid value: .*: spec/, 'spec')]))
      .toContainEqual(['spec', "spec of 'catch-all' must equal the fixed value"]);
  });

  const fs = (spec: Record<string, unknown>, name = 'bad') => ({ metadata: { name }, spec: { priorityLevelConfiguration: { name: 'pl' }, ...spec } });
  const user = [{ kind: 'User', user: { name: 'u' } }];
  it.each([
    { name: 'a precedence above 10000', body: fs({ matchingPrecedence: 10001 }), field: 'spec.matchingPrecedence', message: 'Invalid value: 10001: must not be greater than 10000' },
    { name: 'precedence 1 for another schema', body: fs({ matchingPrecedence: 1 }), field: 'spec.matchingPrecedence', message: "Invalid value: 1: only the schema named 'exempt' may have matchingPrecedence 1" },
    { name: 'an unknown distinguisher', body: fs({ distinguisherMethod: { type: 'ByColour' } }), field: 'spec.distinguisherMethod.type', message: 'Unsupported value: {"Type":"ByColour"}: supported values: "ByNamespace", "ByUser"' },
    { name: 'no priority level', body: { metadata: { name: 'bad' }, spec: {} }, field: 'spec.priorityLevelConfiguration.name', message: 'Required value: must reference a priority level' },
    { name: 'a rule without subjects', body: fs({ rules: [{ ...everything }] }), field: 'spec.rules[0].subjects', message: 'Required value: subjects must contain at least one value' },
    { name: 'a rule without resource or non-resource rules', body: fs({ rules: [{ subjects: user }] }), field: 'spec.rules[0]', message: 'Required value: at least one of resourceRules and nonResourceRules has to be non-empty' },
    { name: 'a user subject without a user', body: fs({ rules: [{ subjects: [{ kind: 'User' }], ...everything }] }), field: 'spec.rules[0].subjects[0].user', message: "Required value: user is required when subject kind is 'User'" },
    { name: 'a service account without a namespace', body: fs({ rules: [{ subjects: [{ kind: 'ServiceAccount', serviceAccount: { name: 'sa' } }], ...everything }] }), field: 'spec.rules[0].subjects[0].serviceAccount.namespace', message: 'Required value: must specify namespace for service account' },
    { name: 'an unknown verb', body: fs({ rules: [{ subjects: user, resourceRules: [{ verbs: ['fly'], apiGroups: ['*'], resources: ['*'], clusterScope: true }] }] }), field: 'spec.rules[0].resourceRules[0].verbs', message: 'Unsupported value: ["fly"]: supported values: "create", "delete", "deletecollection", "get", "list", "patch", "proxy", "update", "watch"' },
    { name: 'a namespaced rule without namespaces', body: fs({ rules: [{ subjects: user, resourceRules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }] }] }), field: 'spec.rules[0].resourceRules[0].namespaces', message: 'Required value: resource rules that are not cluster scoped must supply at least one namespace' },
    { name: 'a non-resource URL with a mid wildcard', body: fs({ rules: [{ subjects: user, nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/a/*/b'] }] }] }), field: 'spec.rules[0].nonResourceRules[0].nonResourceURLs[0]', message: 'Invalid value: "/a/*/b": wildcard can only do suffix matching' },
  ])('rejects a flowschema with $name', async (c) => {
    await expectInvalid(t, { ...c, def: flowschemas });
  });
});

describe('prioritylevelconfigurations', () => {
  it('defaults shares, lendable percent and queuing', async () => {
    const app = t.api.app;
    const created = await request(app).post(t.url(plcs)).set(auth).send({
      apiVersion: 'flowcontrol.apiserver.k8s.io/v1', kind: 'PriorityLevelConfiguration', metadata: { name: 'mine' },
      spec: { type: 'Limited', limited: { limitResponse: { type: 'Queue', queuing: {} } } },
    }).expect(201);
    expect(created.body.spec.limited).toEqual({ nominalConcurrencyShares: 30, lendablePercent: 0, limitResponse: { type: 'Queue', queuing: { handSize: 8, queues: 64, queueLengthLimit: 50 } } });
    await request(app).delete(t.url(plcs, '', 'mine')).set(auth).expect(200);
  });

  it('lets the exempt level tune spec.exempt only', async () => {
    const cur = await request(t.api.app).get(t.url(plcs, '', 'exempt')).set(auth).expect(200);
    await request(t.api.app).put(t.url(plcs, '', 'exempt')).set(auth).send({ ...cur.body, spec: { type: 'Exempt', exempt: { nominalConcurrencyShares: 10, lendablePercent: 20 } } }).expect(200);
  });

  const pl = (spec: Record<string, unknown>, name = 'bad') => ({ metadata: { name }, spec });
  const queue = (queuing: Record<string, unknown>) => ({ type: 'Limited', limited: { nominalConcurrencyShares: 10, limitResponse: { type: 'Queue', queuing } } });
  it.each([
    { name: 'an Exempt type under another name', body: pl({ type: 'Exempt' }), field: 'spec.type', message: 'Invalid value: "Exempt": type must be \'Exempt\' if and only if name is \'exempt\'' },
    { name: 'an unknown type', body: pl({ type: 'Sometimes' }), field: 'spec.type', message: 'Unsupported value: "Sometimes": supported values: "Exempt", "Limited"' },
    { name: 'Limited without limited', body: pl({ type: 'Limited' }), field: 'spec.limited', message: 'Required value: must not be empty when type is Limited' },
    { name: 'Limited with exempt', body: pl({ type: 'Limited', exempt: {}, limited: { limitResponse: { type: 'Reject' } } }), field: 'spec.exempt', message: 'Forbidden: must be nil if the type is Limited' },
    { name: 'negative shares', body: pl({ type: 'Limited', limited: { nominalConcurrencyShares: -1, limitResponse: { type: 'Reject' } } }), field: 'spec.limited.nominalConcurrencyShares', message: 'Invalid value: -1: must be a non-negative integer' },
    { name: 'lendable over 100', body: pl({ type: 'Limited', limited: { lendablePercent: 101, limitResponse: { type: 'Reject' } } }), field: 'spec.limited.lendablePercent', message: 'Invalid value: 101: must be between 0 and 100, inclusive' },
    { name: 'queuing with Reject', body: pl({ type: 'Limited', limited: { limitResponse: { type: 'Reject', queuing: { queues: 1 } } } }), field: 'spec.limited.limitResponse.queuing', message: 'Forbidden: must be nil if limited.limitResponse.type is not Limited' },
    { name: 'hand size over queues', body: pl(queue({ queues: 4, handSize: 5, queueLengthLimit: 10 })), field: 'spec.limited.limitResponse.queuing.handSize', message: 'Invalid value: 5: should not be greater than queues (4)' },
    { name: 'too much entropy', body: pl(queue({ queues: 512, handSize: 8, queueLengthLimit: 10 })), field: 'spec.limited.limitResponse.queuing.handSize', message: 'Invalid value: 8: required entropy bits of deckSize 512 and handSize 8 should not be greater than 60' },
    { name: 'too many queues', body: pl(queue({ queues: 10000001, handSize: 1, queueLengthLimit: 10 })), field: 'spec.limited.limitResponse.queuing.queues', message: 'Invalid value: 10000001: must not be greater than 10000000' },
  ])('rejects a priority level with $name', async (c) => {
    await expectInvalid(t, { ...c, def: plcs });
  });
});
