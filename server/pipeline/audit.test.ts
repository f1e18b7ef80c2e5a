import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openStore, type SqlStore } from '../../storage/index.ts';
import { createDatabaseAt } from '../../test/postgres.ts';
import { startApiServer, type RunningApiServer } from '../index.ts';
import { parseRequestInfo } from '../endpoints/requestinfo.ts';
import {
  Auditor, evaluatePolicy, fileAuditSink, loadAuditPolicy, memoryAuditSink, microTime, parseAuditPolicy, METADATA_POLICY,
  type AuditEvent, type AuditPolicy,
} from './audit.ts';

const info = (method: string, url: string) => { const u = new URL(url, 'http://x'); return parseRequestInfo(method, u.pathname, u.searchParams); };
const alice = { name: 'alice', groups: ['dev', 'system:authenticated'] };

describe('audit policy', () => {
  const policy = parseAuditPolicy({
    apiVersion: 'audit.k8s.io/v1', kind: 'Policy', omitStages: ['RequestReceived'],
    rules: [
      { level: 'None', users: ['system:kube-proxy'], verbs: ['watch'] },
      { level: 'None', nonResourceURLs: ['/healthz*', '/version'] },
      { level: 'RequestResponse', resources: [{ group: '', resources: ['configmaps'] }], namespaces: ['prod'] },
      { level: 'Metadata', resources: [{ group: '', resources: ['secrets', 'pods/log', '*/status'] }] },
      { level: 'Request', userGroups: ['dev'], resources: [{ group: 'apps', resources: ['deployments'], resourceNames: ['web'] }] },
      { level: 'Request', resources: [{ group: '*', resources: ['leases/*'] }], omitStages: ['ResponseComplete'] },
    ],
  });

  it.each([
    ['GET', '/healthz/etcd', alice, 'None'],
    ['GET', '/version', alice, 'None'],
    ['GET', '/api/v1/namespaces/prod/configmaps/c', alice, 'RequestResponse'],
    ['GET', '/api/v1/namespaces/dev/configmaps/c', alice, 'None'],
    ['GET', '/api/v1/namespaces/dev/secrets', alice, 'Metadata'],
    ['GET', '/api/v1/namespaces/dev/pods/p/log', alice, 'Metadata'],
    ['PUT', '/api/v1/namespaces/dev/pods/p/status', alice, 'Metadata'],
    ['PATCH', '/apis/apps/v1/namespaces/dev/deployments/web', alice, 'Request'],
    ['PATCH', '/apis/apps/v1/namespaces/dev/deployments/api', alice, 'None'],
    ['PATCH', '/apis/apps/v1/namespaces/dev/deployments/web', { name: 'bob', groups: [] }, 'None'],
    ['GET', '/apis/coordination.k8s.io/v1/namespaces/x/leases/l/status', alice, 'Request'],
  ])('%s %s → %s… (first matching rule, default None)', (method, url, user, level) => {
    expect(evaluatePolicy(policy, user, info(method, url)).level).toBe(level as string);
  });

  it('unions the policy\'s omitted stages with the rule\'s', () => {
    expect(evaluatePolicy(policy, alice, info('GET', '/apis/coordination.k8s.io/v1/namespaces/x/leases/l/status')).omitStages.sort())
      .toEqual(['RequestReceived', 'ResponseComplete']);
  });

  it('refuses a policy with an unknown level or stage, or of another kind', () => {
    expect(() => parseAuditPolicy({ apiVersion: 'audit.k8s.io/v1', kind: 'Policy', rules: [{ level: 'Everything' }] })).toThrow('rules[0].level: Unsupported value: "Everything"');
    expect(() => parseAuditPolicy({ apiVersion: 'audit.k8s.io/v1', kind: 'Policy', rules: [{ level: 'None' }], omitStages: ['Later'] })).toThrow('omitStages[0]: Unsupported value');
    expect(() => parseAuditPolicy({ apiVersion: 'v1', kind: 'ConfigMap' })).toThrow('expected kind Policy');
  });

  it('writes timestamps as metav1.MicroTime', () => {
    expect(microTime(new Date('2026-01-02T03:04:05.678Z'))).toBe('2026-01-02T03:04:05.678000Z');
  });
});

describe('audit log of a running server', () => {
  let store: SqlStore;
  let srv: RunningApiServer;
  const token = 'audit-admin-token';
  const sink = memoryAuditSink();
  const dir = mkdtempSync(path.join(tmpdir(), 'capstan-audit-'));

  beforeAll(async () => {
    store = await openStore({ databaseUrl: await createDatabaseAt(inject('pgAdminUrl')) });
    srv = await startApiServer({ store, port: 0, log: () => {}, tokens: [{ token, user: { name: 'admin', groups: ['system:masters'] } }] });
  });

  afterAll(async () => {
    await srv?.close();
    await store?.close();
  });

  const call = (method: string, p: string, body?: unknown, headers: Record<string, string> = {}) => fetch(srv.url + p, {
    method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'User-Agent': 'audit-test/1.0', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

  const eventsOf = (id: string | null) => sink.events.filter((e) => e.auditID === id);

  it('records who did what at Metadata level, as upstream\'s JSON events', async () => {
    srv.api.audit = new Auditor(METADATA_POLICY, sink);
    const res = await call('POST', '/api/v1/namespaces/default/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'audited' }, stringData: { p: 'secret-value' } });
    expect(res.status).toBe(201);
    const id = res.headers.get('audit-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const events = eventsOf(id);
    expect(events.map((e) => e.stage)).toEqual(['RequestReceived', 'ResponseComplete']);
    const done = events[1]!;
    expect(Object.keys(done)).toEqual(['kind', 'apiVersion', 'level', 'auditID', 'stage', 'requestURI', 'verb', 'user', 'sourceIPs', 'userAgent', 'objectRef', 'responseStatus', 'requestReceivedTimestamp', 'stageTimestamp', 'annotations']);
    expect(done).toMatchObject({
      kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', stage: 'ResponseComplete',
      requestURI: '/api/v1/namespaces/default/secrets', verb: 'create',
      user: { username: 'admin', groups: expect.arrayContaining(['system:masters']) },
      sourceIPs: ['127.0.0.1'], userAgent: 'audit-test/1.0',
      objectRef: { resource: 'secrets', namespace: 'default', apiVersion: 'v1' },
      responseStatus: { metadata: {}, code: 201 },
      annotations: { 'authorization.k8s.io/decision': 'allow' },
    });
    expect(done.requestReceivedTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(done.requestReceivedTimestamp).toBe(events[0]!.requestReceivedTimestamp);
    expect(JSON.stringify(events)).not.toContain('secret-value');
  });

  it('records failures with their Status, refusals before authorization included', async () => {
    const missing = await call('GET', '/api/v1/namespaces/default/configmaps/nope');
    const [, done] = eventsOf(missing.headers.get('audit-id'));
    expect(done!.responseStatus).toEqual({
      metadata: {}, status: 'Failure', message: 'configmaps "nope" not found', reason: 'NotFound',
      details: { name: 'nope', kind: 'configmaps' }, code: 404,
    });
    const stranger = await fetch(`${srv.url}/api/v1/namespaces/default/secrets`, { headers: { Authorization: 'Bearer wrong' } });
    expect([401, 403]).toContain(stranger.status);
    const refused = eventsOf(stranger.headers.get('audit-id'));
    expect(refused.map((e) => e.stage)).toEqual(['RequestReceived', 'ResponseComplete']);
    expect(refused[1]!.responseStatus!.code).toBe(stranger.status);
    expect(refused[1]!.verb).toBe('list');
    const tooLarge = await call('POST', '/api/v1/namespaces/default/configmaps', 'x'.repeat(3 * 1024 * 1024 + 10));
    expect(tooLarge.status).toBe(413);
    expect(eventsOf(tooLarge.headers.get('audit-id')).at(-1)!.responseStatus).toMatchObject({ reason: 'RequestEntityTooLarge', code: 413 });
  });

  it('follows the policy: levels, omitted stages, request and response bodies, streams', async () => {
    const policy: AuditPolicy = parseAuditPolicy({
      apiVersion: 'audit.k8s.io/v1', kind: 'Policy', omitStages: ['RequestReceived'], omitManagedFields: true,
      rules: [
        { level: 'RequestResponse', resources: [{ resources: ['configmaps'] }] },
        { level: 'Metadata', verbs: ['watch'] },
        { level: 'None' },
      ],
    });
    srv.api.audit = new Auditor(policy, sink);
    const created = await call('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm-audit' }, data: { a: 'b' } });
    expect(created.status).toBe(201);
    const [event, ...more] = eventsOf(created.headers.get('audit-id'));
    expect(more).toEqual([]);
    expect(event!.stage).toBe('ResponseComplete');
    expect(event!.level).toBe('RequestResponse');
    expect(event!.requestObject).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm-audit' }, data: { a: 'b' } });
    expect((event!.responseObject as { metadata: Record<string, unknown> }).metadata).toMatchObject({ name: 'cm-audit', namespace: 'default' });
    expect((event!.responseObject as { metadata: Record<string, unknown> }).metadata.managedFields).toBeUndefined();

    const quiet = await call('GET', '/api/v1/namespaces/default/secrets/audited');
    expect(quiet.status).toBe(200);
    expect(eventsOf(quiet.headers.get('audit-id'))).toEqual([]);

    const watch = await call('GET', '/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=1');
    await watch.text();
    const id = watch.headers.get('audit-id');
    for (let i = 0; i < 100 && eventsOf(id).length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    const streamed = eventsOf(id);
    expect(streamed.map((e) => e.stage)).toEqual(['ResponseStarted', 'ResponseComplete']);
    expect(streamed[0]!.responseStatus).toEqual({ metadata: {}, code: 200 });
    expect(streamed.every((e: AuditEvent) => e.responseObject === undefined)).toBe(true);
  });

  it('appends JSON lines to --audit-log-path and reads --audit-policy-file', async () => {
    const policyFile = path.join(dir, 'policy.yaml');
    writeFileSync(policyFile, 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n  - level: Metadata\n    resources:\n      - group: ""\n        resources: [namespaces]\n');
    const logFile = path.join(dir, 'audit.log');
    const fileSink = fileAuditSink(logFile);
    srv.api.audit = new Auditor(loadAuditPolicy(policyFile), fileSink);
    const res = await call('GET', '/api/v1/namespaces/default');
    expect(res.status).toBe(200);
    await call('GET', '/api/v1/namespaces/default/configmaps');
    srv.api.audit = undefined;
    await fileSink.close();
    const lines = readFileSync(logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as AuditEvent);
    expect(lines.map((e) => [e.stage, e.verb, e.objectRef?.resource, e.objectRef?.name])).toEqual([
      ['RequestReceived', 'get', 'namespaces', 'default'],
      ['ResponseComplete', 'get', 'namespaces', 'default'],
    ]);
    expect(lines[0]!.auditID).toBe(res.headers.get('audit-id'));
  });
});
