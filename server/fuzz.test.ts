// 10,000 random and malformed requests at every endpoint the server serves, fired fast over
// keep-alive connections: hostile bodies (too large, too deep, not UTF-8, YAML bombs, random
// bytes, broken protobuf), names with path separators, selectors and values built to break SQL,
// nonsense parameters and media types. The server must answer every one of them with something
// other than a 5xx, stay alive and correct, keep its tables, and not grow its heap.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import http from 'node:http';
import v8 from 'node:v8';
import vm from 'node:vm';
import pg from 'pg';
import { openStore, type SqlStore } from '../storage/index.ts';
import { createDatabaseAt } from '../test/postgres.ts';
import { startApiServer, type RunningApiServer } from './index.ts';
import type { AnyResource } from './apis/types.ts';

const TOTAL = 10_000;
const WARM_UP = 1_500;
const CONCURRENCY = 16;
const TOKEN = 'fuzz-admin-token';
const USER_TOKEN = 'fuzz-user-token';

let store: SqlStore;
let srv: RunningApiServer;
let databaseUrl: string;
const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

beforeAll(async () => {
  databaseUrl = await createDatabaseAt(inject('pgAdminUrl'));
  store = await openStore({ databaseUrl });
  srv = await startApiServer({
    store, port: 0, log: () => {},
    tokens: [
      { token: TOKEN, user: { name: 'fuzz-admin', groups: ['system:masters'] } },
      { token: USER_TOKEN, user: { name: 'fuzz-user', groups: [] } },
    ],
  });
});

afterAll(async () => {
  agent.destroy();
  await srv?.close();
  await store?.close();
});

/** A small, seeded PRNG (mulberry32), so a failure can be replayed. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const chance = (p: number) => next() < p;
  return { next, int, pick, chance };
}

type Rand = ReturnType<typeof prng>;

const SQLISH = [
  "'; DROP TABLE capstan_log; --", "x' OR '1'='1", '"; DELETE FROM capstan_objects; --', "\\'; SELECT pg_sleep(10); --",
  '%27%20OR%201%3D1', "a'||(SELECT value FROM capstan_log LIMIT 1)||'", '$$; TRUNCATE capstan_objects; $$', '\u0000', '*/ UNION SELECT 1 /*',
];
const NAMES = ['a', 'b', 'fuzz', 'web-1', 'default', 'kube-system', 'x.y', '..', '.', 'a%2Fb', 'a%00b', '%E0%A4%A', 'A_B', 'ünïcode', 'a'.repeat(300), ...SQLISH.map(encodeURIComponent)];
const NAMESPACES = ['default', 'kube-system', 'fuzz-ns', 'missing-ns', '..', 'a%2Fb', encodeURIComponent(SQLISH[0]!)];
const SUBRESOURCES = ['status', 'scale', 'binding', 'eviction', 'log', 'exec', 'attach', 'portforward', 'proxy', 'token', 'approval', 'ephemeralcontainers', 'resize', 'finalize', 'nonsense'];
const CONTENT_TYPES = [
  'application/json', 'application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf', 'application/merge-patch+json',
  'application/strategic-merge-patch+json', 'application/json-patch+json', 'application/apply-patch+yaml', 'text/plain',
  'application/json; charset=latin1', 'multipart/form-data; boundary=x', '', 'application/x-www-form-urlencoded', '../../etc/passwd',
];
const ACCEPTS = [
  'application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf', '*/*', 'text/html',
  'application/json;as=Table;v=v1;g=meta.k8s.io', 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io',
  'application/json;as=Table;v=v9;g=evil', 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList', ';;;,,,q=x', '',
];
// /openapi/v2 (a large document, ~0.1 s to build) is fired a few times up front instead.
const NON_RESOURCE = ['/version', '/healthz', '/livez', '/readyz?verbose', '/readyz/etcd', '/healthz/nope', '/api', '/apis', '/api/v1',
  '/openapi/v3', '/openapi/v3/api/v1', '/openapi/v3/../../x', '/metrics', '/', '/%', '/api/v1/..%2F..%2F', '/apis/%00',
  '/api/v99', '/apis/apps', '/apis/apps/v1', '/apis/nope/v1/things', '//api//v1//pods', '/logs', '/debug/pprof/'];

function randomLabelSelector(r: Rand): string {
  switch (r.int(7)) {
    case 0: return 'app=web,tier!=db';
    case 1: return `app in (${SQLISH.map((s) => s.replace(/[,()]/g, '')).slice(0, 3).join(',')})`;
    case 2: return r.pick(SQLISH);
    case 3: return Array.from({ length: 200 }, (_, i) => `k${i}=v${i}`).join(',');
    case 4: return '!!!,==,in (';
    case 5: return `${'a'.repeat(64)}.example.com/${'b'.repeat(64)}=c`;
    default: return 'environment notin (prod),!legacy';
  }
}

function randomFieldSelector(r: Rand): string {
  return r.pick(['metadata.name=a', `metadata.name=${r.pick(SQLISH)}`, 'spec.nodeName=', 'status.phase!=Running', 'nope=1', 'metadata.name', '=,=', `metadata.namespace=${encodeURIComponent(SQLISH[1]!)}`]);
}

function randomQuery(r: Rand): string {
  const q = new URLSearchParams();
  const n = r.int(4);
  for (let i = 0; i < n; i++) {
    switch (r.int(16)) {
      case 0: q.set('labelSelector', randomLabelSelector(r)); break;
      case 1: q.set('fieldSelector', randomFieldSelector(r)); break;
      case 2: q.set('limit', r.pick(['1', '2', '500', '-1', '0', '99999999999999999999999', 'abc', '1e3', '9007199254740993'])); break;
      case 3: q.set('continue', r.pick(['junk', Buffer.from('{"v":"meta.k8s.io/v1","rv":5,"start":"../../secrets/x"}').toString('base64'),
        Buffer.from(`{"v":"meta.k8s.io/v1","rv":-1,"start":"${SQLISH[0]}"}`).toString('base64'), '%%%', 'eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MSwic3RhcnQiOiJhXHUwMDAwIn0='])); break;
      // Never a resourceVersion from the future: the upstream answer to that is a 504 after a 3 s wait.
      case 4: q.set('resourceVersion', r.pick(['0', '1', '2', '', 'abc', '-5', '1.5', SQLISH[1]!])); break;
      case 5: q.set('resourceVersionMatch', r.pick(['Exact', 'NotOlderThan', 'Bogus', ''])); break;
      case 6: q.set('dryRun', r.pick(['All', 'None', 'x'])); break;
      case 7: q.set('fieldValidation', r.pick(['Strict', 'Warn', 'Ignore', 'Loose'])); break;
      case 8: q.set('fieldManager', r.pick(['fuzz', 'x'.repeat(200), SQLISH[2]!])); break;
      case 9: q.set('propagationPolicy', r.pick(['Foreground', 'Background', 'Orphan', 'Sideways'])); break;
      case 10: q.set('gracePeriodSeconds', r.pick(['0', '-1', '30', 'x', '99999999999999999999'])); break;
      case 11: q.set('timeoutSeconds', r.pick(['1', '-3', 'x'])); break;
      case 12: q.set('pretty', 'true'); break;
      case 13: q.set('force', r.pick(['true', 'false', 'x'])); break;
      case 14: q.set('includeObject', r.pick(['Object', 'Metadata', 'None', 'All'])); break;
      default: q.set(r.pick(['allowWatchBookmarks', 'sendInitialEvents', 'container', 'follow', 'tailLines', 'sinceSeconds', 'command', 'ports', '%00', 'a'.repeat(100)]), r.pick(['true', '1', '-1', 'x', SQLISH[3]!]));
    }
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

function deepJson(n: number): string {
  return '{"a":'.repeat(n) + '1' + '}'.repeat(n);
}

function yamlBomb(): string {
  const lines = ['apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: bomb}', 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  let prev = 'a';
  for (const name of ['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i']) {
    lines.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    prev = name;
  }
  return lines.join('\n');
}

function randomValue(r: Rand, depth = 0): unknown {
  switch (depth > 4 ? r.int(4) : r.int(7)) {
    case 0: return r.int(1000) - 500;
    case 1: return r.pick(['', 'x', ...SQLISH, '\u202e\u0000\ud800']);
    case 2: return r.chance(0.5);
    case 3: return null;
    case 4: return Array.from({ length: r.int(4) }, () => randomValue(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = r.int(5); i > 0; i--) o[r.pick(['metadata', 'spec', 'status', 'data', 'name', 'labels', 'items', '$patch', '$setElementOrder/x', 'kind', 'apiVersion', 'x'])] = randomValue(r, depth + 1);
      return o;
    }
  }
}

interface Fired { method: string; path: string; headers: Record<string, string>; body?: Buffer; oversized?: boolean }

function randomBody(r: Rand, def: AnyResource | undefined): { body: Buffer; contentType?: string; oversized?: boolean } {
  const apiVersion = def ? (def.group ? `${def.group}/${def.version}` : def.version) : 'v1';
  const kind = def?.kind ?? 'ConfigMap';
  const name = r.pick(['a', 'b', 'fuzz', 'web-1', 'x.y', 'a/b', '..', r.pick(SQLISH), 'A'.repeat(300)]);
  switch (r.int(14)) {
    case 0: case 1: case 2: {
      const obj: Record<string, unknown> = { apiVersion, kind, metadata: { name, labels: r.chance(0.5) ? { app: r.pick(['web', ...SQLISH]) } : undefined, namespace: r.chance(0.2) ? 'other' : undefined } };
      if (r.chance(0.5)) obj.spec = randomValue(r);
      if (r.chance(0.3)) obj.data = { k: r.pick(SQLISH) };
      return { body: Buffer.from(JSON.stringify(obj)), contentType: 'application/json' };
    }
    case 3: return { body: Buffer.from(JSON.stringify(randomValue(r))) };
    case 4: return { body: Buffer.from(r.pick(['{', '{"a":', '[1,2', '"unterminated', '{"a":1}{"b":2}', 'nul\u0000l', '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dup","name":"dup2"}}', '{"metadata":{"name":1e999}}'])) };
    case 5: return { body: Buffer.from(`{"apiVersion":"${apiVersion}","kind":"${kind}","metadata":{"name":"deep"},"x":${deepJson(r.pick([50, 999, 1001, 20_000]))}}`), contentType: 'application/json' };
    case 6: return { body: Buffer.concat([Buffer.from(`{"apiVersion":"${apiVersion}","kind":"${kind}","metadata":{"name":"`), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80]), Buffer.from('"}}')]) };
    case 7: return { body: Buffer.from(yamlBomb()), contentType: 'application/yaml' };
    case 8: return { body: Buffer.from(Array.from({ length: r.int(200) }, () => r.int(256))) };
    case 9: return { body: Buffer.concat([Buffer.from('k8s\u0000'), Buffer.from(Array.from({ length: r.int(64) }, () => r.int(256)))]), contentType: 'application/vnd.kubernetes.protobuf' };
    case 10: return { body: Buffer.from(JSON.stringify([{ op: r.pick(['add', 'remove', 'replace', 'move', 'copy', 'test', 'explode']), path: r.pick(['/metadata/labels/x', '/spec', '', '/~2', '/metadata/name', '/a/-']), value: randomValue(r), from: '/metadata' }])), contentType: 'application/json-patch+json' };
    case 11: return { body: Buffer.from(`apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata:\n  name: ${JSON.stringify(name)}\n  labels: {a: &x b, c: *x}\nspec: !!binary aGVsbG8=\n`), contentType: 'application/apply-patch+yaml' };
    case 12: return r.chance(0.04)
      ? { body: Buffer.alloc(3 * 1024 * 1024 + 1, 0x20), contentType: 'application/json', oversized: true }
      : { body: Buffer.from('') };
    default: return { body: Buffer.from(`{"metadata":{"labels":{"a":${JSON.stringify(r.pick(SQLISH))}}},"data":null,"spec":{"$patch":"replace"}}`), contentType: 'application/strategic-merge-patch+json' };
  }
}

function resourcePath(r: Rand, def: AnyResource): string {
  let p = def.group ? `/apis/${def.group}/${def.version}` : `/api/${def.version}`;
  if (r.chance(0.05)) p += '/watch';
  if (def.namespaced && r.chance(0.8)) p += `/namespaces/${r.pick(NAMESPACES)}`;
  p += `/${def.plural}`;
  if (r.chance(0.6)) {
    p += `/${r.pick(NAMES)}`;
    if (r.chance(0.25)) p += `/${r.pick(SUBRESOURCES)}`;
    if (r.chance(0.03)) p += '/extra/segments/%2e%2e/';
  }
  return p;
}

function randomRequest(r: Rand, resources: AnyResource[]): Fired {
  const method = r.pick(['GET', 'GET', 'GET', 'GET', 'POST', 'POST', 'PUT', 'PATCH', 'PATCH', 'DELETE', 'DELETE', 'HEAD', 'OPTIONS', 'TRACE', 'PROPFIND']);
  const def = r.chance(0.92) ? r.pick(resources) : undefined;
  let path = def ? resourcePath(r, def) : r.pick(NON_RESOURCE);
  let query = randomQuery(r);
  // Watches hold their connection: few, and short.
  if (method === 'GET' && r.chance(0.004)) query = '?watch=true&timeoutSeconds=1';
  else if (query.includes('watch') || path.includes('/watch/')) { query = query.replace(/watch=[^&]*/g, 'x=1'); path = path.replace('/watch/', '/'); }
  const headers: Record<string, string> = {};
  const auth = r.int(20);
  if (auth < 17) headers.authorization = `Bearer ${TOKEN}`;
  else if (auth === 17) headers.authorization = `Bearer ${USER_TOKEN}`;
  else if (auth === 18) headers.authorization = r.pick(['Bearer ', 'Basic Zm9vOmJhcg==', `Bearer ${SQLISH[0]}`, 'Bearer ' + 'x'.repeat(4000)]);
  if (r.chance(0.8)) headers.accept = r.pick(ACCEPTS);
  if (r.chance(0.05)) headers['impersonate-user'] = r.pick(['system:admin', SQLISH[1]!, '']);
  if (r.chance(0.05)) headers['audit-id'] = r.pick(['abc', 'x'.repeat(500)]);
  let body: Buffer | undefined;
  let oversized = false;
  if (method !== 'GET' && method !== 'HEAD' && r.chance(0.9)) {
    const b = randomBody(r, def);
    body = b.body;
    oversized = !!b.oversized;
    headers['content-type'] = b.contentType && r.chance(0.8) ? b.contentType : r.pick(CONTENT_TYPES);
  }
  return { method, path: path + query, headers, ...(body ? { body } : {}), oversized };
}

interface Answer { status: number; error?: string; message?: string }

function fire(base: URL, f: Fired): Promise<Answer> {
  return new Promise((resolve) => {
    const req = http.request({
      host: base.hostname, port: base.port, method: f.method, path: f.path, agent,
      headers: { ...f.headers, ...(f.body ? { 'content-length': String(f.body.length) } : {}) },
    }, (res) => {
      // A server error's own words, for the report; every other answer is only drained.
      const keep = (res.statusCode ?? 0) >= 500;
      let text = '';
      res.on('data', (d: Buffer) => { if (keep && text.length < 300) text += d.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ...(keep ? { message: text.slice(0, 300) } : {}) }));
      res.on('error', (e) => resolve({ status: res.statusCode ?? 0, error: e.message }));
    });
    req.setTimeout(15_000, () => req.destroy(new Error('no answer within 15 s')));
    req.on('error', (e) => resolve({ status: 0, error: e.message }));
    if (f.body) req.end(f.body); else req.end();
  });
}

async function fireAll(base: URL, requests: Fired[], failures: string[]): Promise<number[]> {
  const statuses: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const f = requests[next++]!;
      const a = await fire(base, f);
      statuses.push(a.status);
      const summary = `${f.method} ${f.path.slice(0, 200)} [${f.headers['content-type'] ?? '-'}; ${f.body?.length ?? 0} bytes]`;
      if (a.status >= 500) failures.push(`${a.status} ${a.message ?? ''} ← ${summary}`);
      // A refused upload may see its connection closed before it finishes sending; nothing else may fail.
      else if (a.status === 0 && !f.oversized) failures.push(`${a.error} ← ${summary}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return statuses;
}

/** The heap after a full collection, where the process lets us collect. */
function settledHeap(): number | undefined {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as (() => void) | undefined;
  if (typeof gc !== 'function') return undefined;
  gc(); gc();
  return process.memoryUsage().heapUsed;
}

describe('fuzzing every endpoint', () => {
  it(`answers ${TOTAL} random and malformed requests without a 5xx, stays up, and keeps its memory`, async () => {
    const base = new URL(srv.url);
    const r = prng(0xc0ffee);
    // Some objects to hit: a namespace and a few of the names the fuzz uses.
    const admin = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    await fire(base, { method: 'POST', path: '/api/v1/namespaces', headers: admin, body: Buffer.from('{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"fuzz-ns"}}') });
    for (const name of ['a', 'fuzz', 'web-1']) {
      await fire(base, { method: 'POST', path: '/api/v1/namespaces/default/configmaps', headers: admin, body: Buffer.from(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"${name}"}}`) });
    }
    for (const p of ['/openapi/v2', '/openapi/v2?x=%00', '/openapi/v2/../../etc']) {
      expect((await fire(base, { method: 'GET', path: p, headers: { authorization: `Bearer ${TOKEN}`, accept: r.pick(ACCEPTS) } })).status).toBeLessThan(500);
    }
    const resources = srv.api.all();
    expect(resources.length).toBeGreaterThan(40);
    const requests = Array.from({ length: TOTAL }, () => randomRequest(r, resources));
    const failures: string[] = [];
    const started = Date.now();

    const warm = await fireAll(base, requests.slice(0, WARM_UP), failures);
    const heapBefore = settledHeap();
    const rest = await fireAll(base, requests.slice(WARM_UP), failures);
    const heapAfter = settledHeap();
    const statuses = [...warm, ...rest];

    expect(failures.slice(0, 20)).toEqual([]);
    expect(statuses).toHaveLength(TOTAL);
    // The mix reached the server's refusals and its successes alike.
    const count = (pred: (s: number) => boolean) => statuses.filter(pred).length;
    expect(count((s) => s >= 200 && s < 300)).toBeGreaterThan(500);
    for (const code of [400, 401, 404, 405, 413, 415, 422]) expect(count((s) => s === code), `status ${code}`).toBeGreaterThan(0);
    if (heapBefore !== undefined && heapAfter !== undefined) {
      // Generous: caches (watch cache, discovery, OpenAPI) settle during warm-up; a leak of a few
      // bytes per request would show as tens of MiB here.
      const growth = heapAfter - heapBefore;
      expect(growth, `heap grew by ${(growth / 1048576).toFixed(1)} MiB over ${TOTAL - WARM_UP} requests`).toBeLessThan(48 * 1024 * 1024);
    }
    expect(Date.now() - started).toBeLessThan(90_000);

    // Alive and correct afterwards, with its tables intact.
    const ready = await fetch(`${srv.url}/readyz`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(ready.status).toBe(200);
    const create = await fetch(`${srv.url}/api/v1/namespaces/default/configmaps`, {
      method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after-fuzz' }, data: { ok: 'yes' } }),
    });
    expect(create.status).toBe(201);
    const got = await fetch(`${srv.url}/api/v1/namespaces/default/configmaps/after-fuzz`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(((await got.json()) as { data: unknown }).data).toEqual({ ok: 'yes' });
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      // Every key is still one the API could have written: no stray rows from injected SQL.
      const { rows } = await db.query("SELECT count(*)::int AS n, count(*) FILTER (WHERE key NOT LIKE '/registry/%')::int AS stray FROM capstan_objects");
      expect(rows[0].n).toBeGreaterThan(10);
      expect(rows[0].stray).toBe(0);
      const { rows: kept } = await db.query('SELECT 1 FROM capstan_objects WHERE key = $1', ['/registry/core/configmaps/default/after-fuzz']);
      expect(kept).toHaveLength(1);
      const tables = await db.query("SELECT tablename FROM pg_tables WHERE tablename LIKE 'capstan_%' ORDER BY tablename");
      expect(tables.rows.map((t) => t.tablename)).toEqual(['capstan_log', 'capstan_members', 'capstan_meta', 'capstan_objects']);
    } finally {
      await db.end();
    }
  }, 120_000);
});
