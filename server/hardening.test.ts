// The protections of a running API server, each with upstream's answer: the in-flight limit
// (429), oversized, too deep and bomb-shaped bodies, names with path separators, and selector
// values written to break SQL (which never reach the database as SQL).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { openStore, type SqlStore } from '../storage/index.ts';
import { createDatabaseAt } from '../test/postgres.ts';
import { startApiServer, type RunningApiServer } from './index.ts';

const ADMIN = 'hardening-admin';
const USER = 'hardening-user';
let store: SqlStore;
let srv: RunningApiServer;
let databaseUrl: string;

beforeAll(async () => {
  databaseUrl = await createDatabaseAt(inject('pgAdminUrl'));
  store = await openStore({ databaseUrl });
  srv = await startApiServer({
    store, port: 0, log: () => {},
    tokens: [
      { token: ADMIN, user: { name: 'admin', groups: ['system:masters'] } },
      { token: USER, user: { name: 'limited-user', groups: [] } },
    ],
  });
  // The plain user may do anything (through RBAC, not system:masters, which the limit spares).
  const bind = await call(ADMIN, 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'limited-user-admin' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'limited-user' }],
  });
  expect(bind.status).toBe(201);
});

afterAll(async () => {
  await srv?.close();
  await store?.close();
});

function call(token: string, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Response> {
  return fetch(srv.url + path, {
    method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': contentType },
    ...(body === undefined ? {} : { body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body) }),
  });
}

async function until(cond: () => boolean): Promise<void> {
  const end = Date.now() + 5_000;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('overload', () => {
  it('turns read-only requests past --max-requests-inflight away with 429, sparing system:masters and watches', async () => {
    srv.api.inflight.setLimits({ readOnly: 1 });
    try {
      // A list at a resourceVersion the store has not reached waits for it (up to 3 s): one slot held.
      const rv = BigInt((await (await call(ADMIN, 'GET', '/api/v1/namespaces')).json() as { metadata: { resourceVersion: string } }).metadata.resourceVersion);
      const slow = call(USER, 'GET', `/api/v1/namespaces/default/configmaps?resourceVersion=${rv + 1_000n}&resourceVersionMatch=NotOlderThan&limit=5`);
      await until(() => srv.api.inflight.inFlight.readOnly === 1);
      const refused = await call(USER, 'GET', '/api/v1/namespaces/default/configmaps');
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(await refused.text()).toBe('Too many requests, please try again later.\n');
      expect((await call(ADMIN, 'GET', '/api/v1/namespaces/default/configmaps')).status).toBe(200);
      expect((await call(USER, 'POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'while-busy' } })).status).toBe(201);
      const watch = await call(USER, 'GET', '/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=1');
      expect(watch.status).toBe(200);
      await watch.text();
      expect((await slow).status).toBe(504);
      await until(() => srv.api.inflight.inFlight.readOnly === 0);
      expect((await call(USER, 'GET', '/api/v1/namespaces/default/configmaps')).status).toBe(200);
    } finally {
      srv.api.inflight.setLimits({ readOnly: 400 });
    }
  });
});

describe('hostile input', () => {
  it('answers a body over 3 MiB with 413 RequestEntityTooLarge', async () => {
    const res = await call(USER, 'POST', '/api/v1/namespaces/default/configmaps', Buffer.alloc(3 * 1024 * 1024 + 1, 0x20));
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
      message: 'Request entity too large: limit is 3145728', reason: 'RequestEntityTooLarge', code: 413,
    });
  });

  it('answers deep nesting, YAML bombs and mistyped fields with 400, and survives them', async () => {
    const deep = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep"},"x":${'['.repeat(50_000)}${']'.repeat(50_000)}}`;
    const tooDeep = await call(USER, 'POST', '/api/v1/namespaces/default/configmaps', deep);
    expect(tooDeep.status).toBe(400);
    expect(((await tooDeep.json()) as { message: string }).message).toContain('exceeded max depth');
    const patch = await call(USER, 'PATCH', '/api/v1/namespaces/default/configmaps/while-busy', `{"data":${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}}`, 'application/merge-patch+json');
    expect(patch.status).toBe(400);

    const bomb = ['apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: bomb}', 'data: &a {a: "lol", b: "lol"}'];
    for (let i = 0; i < 30; i++) bomb.push(`l${i}: &l${i} [${i === 0 ? '*a, *a' : `*l${i - 1}, *l${i - 1}`}]`);
    const started = Date.now();
    const refused = await call(USER, 'POST', '/api/v1/namespaces/default/configmaps', bomb.join('\n'), 'application/yaml');
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { message: string }).message).toBe('error converting YAML to JSON: yaml: document contains excessive aliasing');
    expect(Date.now() - started).toBeLessThan(5_000);

    const mistyped = await call(USER, 'POST', '/apis/apps/v1/namespaces/default/deployments', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: false });
    expect(mistyped.status).toBe(400);
    expect(((await mistyped.json()) as { message: string }).message)
      .toBe('Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal bool into Go struct field Deployment.spec of type v1.DeploymentSpec');
    expect((await call(USER, 'GET', '/api/v1/namespaces/default/configmaps/while-busy')).status).toBe(200);
  });

  it('keeps names with path separators out of other keys', async () => {
    const slash = await call(USER, 'POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: '../../secrets/x' } });
    expect(slash.status).toBe(422);
    expect(((await slash.json()) as { reason: string }).reason).toBe('Invalid');
    expect((await call(USER, 'GET', '/api/v1/namespaces/default/configmaps/..%2F..%2Fsecrets%2Fx')).status).toBe(404);
    const inNamespace = await call(USER, 'POST', '/api/v1/namespaces/..%2Fkube-system/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } });
    expect(inNamespace.status).toBeGreaterThanOrEqual(400);
    expect(inNamespace.status).toBeLessThan(500);
  });

  it('treats selector and field values written as SQL as plain values', async () => {
    const injected = "x' OR '1'='1'; DROP TABLE capstan_log; --";
    const field = await call(USER, 'GET', `/api/v1/namespaces/default/configmaps?fieldSelector=${encodeURIComponent(`metadata.name=${injected.replace(/[=,]/g, '')}`)}&limit=10`);
    expect(field.status).toBe(200);
    expect(((await field.json()) as { items: unknown[] }).items).toEqual([]);
    const label = await call(USER, 'GET', `/api/v1/namespaces/default/configmaps?labelSelector=${encodeURIComponent(`app=${injected}`)}`);
    expect(label.status).toBe(400);
    const created = await call(USER, 'POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'sqlish' }, data: { v: injected } });
    expect(created.status).toBe(201);
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query("SELECT count(*)::int AS n FROM capstan_log WHERE key = '/registry/core/configmaps/default/sqlish'");
      expect(rows[0].n).toBe(1);
    } finally {
      await db.end();
    }
    expect(((await (await call(USER, 'GET', '/api/v1/namespaces/default/configmaps/sqlish')).json()) as { data: { v: string } }).data.v).toBe(injected);
  });
});
