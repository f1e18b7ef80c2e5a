// The API server benchmark: configmap create / get / list / watch over HTTPS on loopback with 50
// concurrent clients, on a throwaway real PostgreSQL (fsync on) and on the embedded PGlite, beside
// a raw Express hello-world on the same TLS and the same clients as the machine's HTTP limit.
// Goals from the issue: create ≥ 1,500/s on PostgreSQL, get p99 ≤ 10 ms, a list of 10,000 ≤ 300 ms.
// It prints; it never asserts.
//
// The clients run in worker threads so the server's event loop is the one measured, not theirs:
// one worker sends requests (50 keep-alive sockets), another holds the 50 watches.
import https from 'node:https';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import express from 'express';
import { startApiServer } from '../server/index.ts';
import { ensurePki } from '../server/pki.ts';
import { stopCachers } from '../server/registry/cacher.ts';
import { openStore, type SqlStore } from '../storage/index.ts';
import { TestPostgres } from '../test/postgres.ts';

const CLIENTS = 50;
const OBJECTS = 10_000;
const CREATE_CAP_MS = 30_000; // a slow store stops early; the list then says how many it holds
const GET_MS = 4_000;
const RAW_MS = 4_000;
const LIST_REPS = 5;
const WATCHERS = 50;
const WATCH_CREATES = 2_000;
const WATCH_DRAIN_MS = 15_000;
const TOKEN = 'capstan-bench-token';
const PAYLOAD = 'x'.repeat(256);

const GOAL = { createPerSec: 1_500, getP99Ms: 10, listMs: 300 };

// --- what the client threads are asked and answer ---------------------------------------------

interface ClientData { role: 'capstan-bench-api-client'; port: number; ca: string; token: string }

/** Requests from `concurrency` clients until `total` are sent or `durationMs` has passed.
 * In `path` and `body`, `{i}` is the request's index (modulo `modulo`) and `{sent}` the epoch
 * time in ms at which it is sent, which watchers subtract from their own clock. */
interface LoadPlan {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  total?: number;
  durationMs?: number;
  modulo?: number;
  concurrency: number;
  expectStatus: number;
  /** Parse the last response as a list and report its length (after its time is taken). */
  countItems?: boolean;
}

interface LoadResult {
  ok: number;
  errors: number;
  firstError?: string;
  elapsedMs: number;
  startedAt: number;
  latencies: Float64Array;
  items?: number;
}

interface WatchResult {
  events: number;
  ended: number;
  lastEventAt: number;
  latencies: Float64Array;
}

type ToClient =
  | { op: 'load'; plan: LoadPlan }
  | { op: 'watch'; path: string; watchers: number }
  | { op: 'drain'; perWatcher: number; timeoutMs: number };

type FromClient =
  | { op: 'loaded'; result: LoadResult }
  | { op: 'watching' }
  | { op: 'drained'; result: WatchResult }
  | { op: 'failed'; message: string };

const epochMs = () => performance.timeOrigin + performance.now();

function fill(template: string, i: number, modulo: number | undefined): string {
  return template.replaceAll('{i}', String(modulo ? i % modulo : i)).replaceAll('{sent}', epochMs().toFixed(3));
}

function send(agent: https.Agent, d: ClientData, method: string, reqPath: string, body?: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { authorization: `Bearer ${d.token}`, accept: 'application/json' };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(body);
    }
    const req = https.request({ agent, host: '127.0.0.1', port: d.port, method, path: reqPath, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function load(agent: https.Agent, d: ClientData, plan: LoadPlan): Promise<LoadResult> {
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  let firstError: string | undefined;
  let last: Buffer | undefined;
  const total = plan.total ?? Infinity;
  const startedAt = epochMs();
  const start = performance.now();
  const deadline = plan.durationMs !== undefined ? start + plan.durationMs : Infinity;
  const client = async () => {
    while (next < total && performance.now() < deadline) {
      const i = next++;
      const reqPath = fill(plan.path, i, plan.modulo);
      const body = plan.body === undefined ? undefined : fill(plan.body, i, plan.modulo);
      const t0 = performance.now();
      try {
        const res = await send(agent, d, plan.method, reqPath, body);
        const t1 = performance.now();
        if (res.status === plan.expectStatus) {
          latencies.push(t1 - t0);
          last = res.body;
        } else {
          errors++;
          firstError ??= `${res.status} ${res.body.toString('utf8', 0, 300)}`;
        }
      } catch (e) {
        errors++;
        firstError ??= String(e);
      }
    }
  };
  await Promise.all(Array.from({ length: plan.concurrency }, client));
  const elapsedMs = performance.now() - start;
  const result: LoadResult = { ok: latencies.length, errors, elapsedMs, startedAt, latencies: Float64Array.from(latencies) };
  if (firstError !== undefined) result.firstError = firstError;
  if (plan.countItems && last) result.items = (JSON.parse(last.toString('utf8')) as { items?: unknown[] }).items?.length ?? 0;
  return result;
}

interface Watcher { req: ReturnType<typeof https.request>; events: number; ended: boolean }

/** Opens the watches; resolves once every one has its response headers. */
function openWatches(agent: https.Agent, d: ClientData, reqPath: string, n: number, latencies: number[], onEvent: () => void): Promise<Watcher[]> {
  const marker = '"sent":"';
  return Promise.all(Array.from({ length: n }, () => new Promise<Watcher>((resolve, reject) => {
    const w = {} as Watcher;
    w.events = 0;
    w.ended = false;
    w.req = https.request({ agent, host: '127.0.0.1', port: d.port, path: reqPath, headers: { authorization: `Bearer ${d.token}`, accept: 'application/json' } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`watch: HTTP ${res.statusCode}`));
      res.setEncoding('utf8');
      let buf = '';
      res.on('data', (chunk: string) => {
        const now = epochMs();
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          const at = line.indexOf(marker);
          if (at < 0) continue;
          const sent = Number(line.slice(at + marker.length, line.indexOf('"', at + marker.length)));
          latencies.push(now - sent);
          w.events++;
          onEvent();
        }
      });
      res.on('end', () => { w.ended = true; });
      res.on('error', () => { w.ended = true; });
      resolve(w);
    });
    w.req.on('error', (e) => { w.ended = true; reject(e); });
    w.req.end();
  })));
}

function clientThread(d: ClientData): void {
  const port = parentPort!;
  const agent = new https.Agent({ keepAlive: true, maxSockets: CLIENTS, ca: d.ca });
  const watchAgent = new https.Agent({ keepAlive: false, maxSockets: WATCHERS, ca: d.ca });
  let watchers: Watcher[] = [];
  let watchLatencies: number[] = [];
  let lastEventAt = 0;
  const reply = (m: FromClient, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
  port.on('message', (m: ToClient) => {
    void (async () => {
      try {
        if (m.op === 'load') {
          const result = await load(agent, d, m.plan);
          reply({ op: 'loaded', result }, [result.latencies.buffer as ArrayBuffer]);
        } else if (m.op === 'watch') {
          watchLatencies = [];
          watchers = await openWatches(watchAgent, d, m.path, m.watchers, watchLatencies, () => { lastEventAt = epochMs(); });
          reply({ op: 'watching' });
        } else {
          const deadline = performance.now() + m.timeoutMs;
          while (performance.now() < deadline && watchers.some((w) => !w.ended && w.events < m.perWatcher)) {
            await new Promise((r) => setTimeout(r, 10));
          }
          const result: WatchResult = {
            events: watchers.reduce((s, w) => s + w.events, 0),
            ended: watchers.filter((w) => w.ended).length,
            lastEventAt,
            latencies: Float64Array.from(watchLatencies),
          };
          for (const w of watchers) w.req.destroy();
          watchers = [];
          reply({ op: 'drained', result }, [result.latencies.buffer as ArrayBuffer]);
        }
      } catch (e) {
        reply({ op: 'failed', message: String((e as Error)?.stack ?? e) });
      }
    })();
  });
}

// --- the main thread's side of a client thread ------------------------------------------------

class Clients {
  private readonly worker: Worker;
  private pending: { resolve: (m: FromClient) => void; reject: (e: Error) => void } | undefined;

  constructor(data: Omit<ClientData, 'role'>) {
    // Node 20 does not pass `--import tsx` on to workers; register tsx first, then load this file.
    const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})`
      + `.then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); })`;
    this.worker = new Worker(boot, { eval: true, workerData: { role: 'capstan-bench-api-client', ...data } satisfies ClientData });
    this.worker.on('message', (m: FromClient) => {
      const p = this.pending;
      this.pending = undefined;
      if (m.op === 'failed') p?.reject(new Error(`bench client: ${m.message}`));
      else p?.resolve(m);
    });
    this.worker.on('error', (e) => { this.pending?.reject(e); this.pending = undefined; });
  }

  private ask(m: ToClient): Promise<FromClient> {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.postMessage(m);
    });
  }

  async load(plan: LoadPlan): Promise<LoadResult> {
    const m = await this.ask({ op: 'load', plan });
    if (m.op !== 'loaded') throw new Error(`bench client answered ${m.op}`);
    return m.result;
  }

  async watch(reqPath: string, watchers: number): Promise<void> {
    await this.ask({ op: 'watch', path: reqPath, watchers });
  }

  async drain(perWatcher: number, timeoutMs: number): Promise<WatchResult> {
    const m = await this.ask({ op: 'drain', perWatcher, timeoutMs });
    if (m.op !== 'drained') throw new Error(`bench client answered ${m.op}`);
    return m.result;
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

// --- figures ------------------------------------------------------------------------------------

/** Nearest-rank percentile of `q` in [0, 1]. */
function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

interface Rate { perSec: number; p50Ms: number; p99Ms: number; n: number; errors: number }

function rateOf(r: LoadResult, label: string): Rate {
  if (r.errors > 0) process.stderr.write(`bench api: ${label}: ${r.errors} errors, first: ${r.firstError}\n`);
  const sorted = r.latencies.sort();
  return { perSec: r.ok / (r.elapsedMs / 1000), p50Ms: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99), n: r.ok, errors: r.errors };
}

interface ListFigure { medianMs: number; minMs: number; maxMs: number; items: number }

function listOf(r: LoadResult): ListFigure {
  const sorted = r.latencies.sort();
  return { medianMs: percentile(sorted, 0.5), minMs: sorted[0] ?? NaN, maxMs: sorted[sorted.length - 1] ?? NaN, items: r.items ?? 0 };
}

export interface ApiFigures {
  store: string;
  create: Rate;
  get: Rate;
  listConsistent: ListFigure;
  listCached: ListFigure;
  watch: { eventsPerSec: number; events: number; expected: number; ended: number; p50Ms: number; p99Ms: number };
}

interface Tls { cert: string; key: string; ca: string }

const progress = (msg: string) => process.stderr.write(`bench api: ${msg}\n`);

const configMap = (ns: string) => JSON.stringify({
  apiVersion: 'v1', kind: 'ConfigMap',
  metadata: { name: 'cm-{i}', namespace: ns, labels: { app: 'bench' } },
  data: { sent: '{sent}', payload: PAYLOAD },
});

async function benchApi(storeName: string, store: SqlStore, tls: Tls): Promise<ApiFigures> {
  const server = await startApiServer({
    store, port: 0, tls,
    tokens: [{ token: TOKEN, user: { name: 'bench', groups: ['system:masters'] } }],
  });
  const clients = new Clients({ port: server.port, ca: tls.ca, token: TOKEN });
  const watchClients = new Clients({ port: server.port, ca: tls.ca, token: TOKEN });
  try {
    const namespaces = server.api.registry('', 'v1', 'namespaces')!;
    for (const name of ['bench', 'bench-watch']) await namespaces.create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    // Opens the 50 sockets (TLS handshakes) and warms the JIT before anything is timed.
    await clients.load({ method: 'GET', path: '/version', total: 2_000, concurrency: CLIENTS, expectStatus: 200 });

    progress(`${storeName}: creating ${OBJECTS} configmaps`);
    const create = rateOf(await clients.load({
      method: 'POST', path: '/api/v1/namespaces/bench/configmaps', body: configMap('bench'),
      total: OBJECTS, durationMs: CREATE_CAP_MS, concurrency: CLIENTS, expectStatus: 201,
    }), `${storeName} create`);

    progress(`${storeName}: get for ${GET_MS / 1000}s`);
    const get = rateOf(await clients.load({
      method: 'GET', path: '/api/v1/namespaces/bench/configmaps/cm-{i}', modulo: create.n,
      durationMs: GET_MS, concurrency: CLIENTS, expectStatus: 200,
    }), `${storeName} get`);

    progress(`${storeName}: list ×${LIST_REPS}, consistent and from the watch cache`);
    const listPlan = { method: 'GET', total: LIST_REPS, concurrency: 1, expectStatus: 200, countItems: true } as const;
    const listConsistent = listOf(await clients.load({ ...listPlan, path: '/api/v1/namespaces/bench/configmaps' }));
    const listCached = listOf(await clients.load({ ...listPlan, path: '/api/v1/namespaces/bench/configmaps?resourceVersion=0' }));

    progress(`${storeName}: ${WATCHERS} watchers while creating ${WATCH_CREATES}`);
    const rv = (await store.currentRV()).toString();
    await watchClients.watch(`/api/v1/namespaces/bench-watch/configmaps?watch=1&resourceVersion=${rv}`, WATCHERS);
    const created = await clients.load({
      method: 'POST', path: '/api/v1/namespaces/bench-watch/configmaps', body: configMap('bench-watch'),
      total: WATCH_CREATES, durationMs: CREATE_CAP_MS, concurrency: CLIENTS, expectStatus: 201,
    });
    const w = await watchClients.drain(created.ok, WATCH_DRAIN_MS);
    const wl = w.latencies.sort();
    const watch = {
      eventsPerSec: w.events / ((w.lastEventAt - created.startedAt) / 1000), events: w.events, expected: created.ok * WATCHERS,
      ended: w.ended, p50Ms: percentile(wl, 0.5), p99Ms: percentile(wl, 0.99),
    };
    return { store: storeName, create, get, listConsistent, listCached, watch };
  } finally {
    await clients.close();
    await watchClients.close();
    await server.close();
    stopCachers(store);
    await store.close();
  }
}

/** The machine's HTTP limit: Express answering "hello world" on the same TLS to the same clients. */
async function benchRaw(tls: Tls): Promise<Rate> {
  const app = express();
  app.disable('x-powered-by');
  app.get('/', (_req, res) => { res.send('hello world'); });
  const server = https.createServer({ cert: tls.cert, key: tls.key, ca: tls.ca, requestCert: true, rejectUnauthorized: false }, app);
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const clients = new Clients({ port: (server.address() as AddressInfo).port, ca: tls.ca, token: TOKEN });
  try {
    await clients.load({ method: 'GET', path: '/', total: 2_000, concurrency: CLIENTS, expectStatus: 200 });
    progress(`raw Express hello-world for ${RAW_MS / 1000}s`);
    return rateOf(await clients.load({ method: 'GET', path: '/', durationMs: RAW_MS, concurrency: CLIENTS, expectStatus: 200 }), 'raw');
  } finally {
    await clients.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
}

// --- the report ---------------------------------------------------------------------------------

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '—');
const ms = (n: number) => fmt(n, n < 10 ? 2 : 1);

interface Row { figure: string; goal: string; value: (f: ApiFigures) => string; vsRaw?: (f: ApiFigures) => string }

function table(figures: ApiFigures[], raw: Rate): string {
  // Throughput as a share of raw get/s; latency as a multiple of raw p99.
  const share = (v: number) => `${fmt((100 * v) / raw.perSec, 1)}%`;
  const times = (v: number) => `${fmt(v / raw.p99Ms, 1)}×`;
  const rows: Row[] = [
    { figure: 'create /s', goal: `≥ ${fmt(GOAL.createPerSec)} (PostgreSQL)`, value: (f) => fmt(f.create.perSec), vsRaw: (f) => share(f.create.perSec) },
    { figure: 'create p50 ms', goal: '', value: (f) => ms(f.create.p50Ms), vsRaw: (f) => times(f.create.p50Ms) },
    { figure: 'create p99 ms', goal: '', value: (f) => ms(f.create.p99Ms), vsRaw: (f) => times(f.create.p99Ms) },
    { figure: 'get /s', goal: '', value: (f) => fmt(f.get.perSec), vsRaw: (f) => share(f.get.perSec) },
    { figure: 'get p50 ms', goal: '', value: (f) => ms(f.get.p50Ms), vsRaw: (f) => times(f.get.p50Ms) },
    { figure: 'get p99 ms', goal: `≤ ${GOAL.getP99Ms}`, value: (f) => ms(f.get.p99Ms), vsRaw: (f) => times(f.get.p99Ms) },
    { figure: 'list rv="" ms (median; min–max)', goal: `≤ ${GOAL.listMs}`, value: (f) => `${ms(f.listConsistent.medianMs)} (${ms(f.listConsistent.minMs)}–${ms(f.listConsistent.maxMs)})` },
    { figure: 'list rv="0" ms (median; min–max)', goal: `≤ ${GOAL.listMs}`, value: (f) => `${ms(f.listCached.medianMs)} (${ms(f.listCached.minMs)}–${ms(f.listCached.maxMs)})` },
    { figure: 'items per list', goal: fmt(OBJECTS), value: (f) => fmt(f.listConsistent.items) },
    { figure: `watch events /s to ${WATCHERS} watchers`, goal: '', value: (f) => fmt(f.watch.eventsPerSec), vsRaw: (f) => share(f.watch.eventsPerSec) },
    { figure: 'watch events delivered / expected', goal: '', value: (f) => `${fmt(f.watch.events)} / ${fmt(f.watch.expected)}` },
    { figure: 'create→event p50 ms', goal: '', value: (f) => ms(f.watch.p50Ms), vsRaw: (f) => times(f.watch.p50Ms) },
    { figure: 'create→event p99 ms', goal: '', value: (f) => ms(f.watch.p99Ms), vsRaw: (f) => times(f.watch.p99Ms) },
  ];
  const head = ['figure', 'goal', ...figures.flatMap((f) => [f.store, '÷ raw'])];
  const lines = [`| ${head.join(' | ')} |`, `| ${head.map((_, i) => (i < 2 ? '---' : '---:')).join(' | ')} |`];
  for (const r of rows) lines.push(`| ${[r.figure, r.goal, ...figures.flatMap((f) => [r.value(f), r.vsRaw?.(f) ?? ''])].join(' | ')} |`);
  const blank = figures.flatMap(() => ['', '']).slice(1);
  lines.push(`| raw Express hello-world get /s | | ${[fmt(raw.perSec), ...blank].join(' | ')} |`);
  lines.push(`| raw p50 / p99 ms | | ${[`${ms(raw.p50Ms)} / ${ms(raw.p99Ms)}`, ...blank].join(' | ')} |`);
  return lines.join('\n');
}

export interface ApiBenchSummary {
  name: 'api';
  /** One line for REPORT.md. */
  summary: string;
  /** The full table, Markdown. */
  table: string;
  figures: { postgres: ApiFigures; pglite: ApiFigures; raw: Rate };
}

export async function run(): Promise<ApiBenchSummary> {
  const tmp = mkdtempSync(path.join(tmpdir(), 'capstan-bench-api-'));
  try {
    const pki = await ensurePki(path.join(tmp, 'pki'), { hosts: ['127.0.0.1', 'localhost'] });
    const tls = { cert: pki.servingCert, key: pki.servingKey, ca: pki.caCert };

    const pg = await TestPostgres.start({ fsync: true });
    let postgres: ApiFigures;
    try {
      postgres = await benchApi('PostgreSQL', await openStore({ databaseUrl: await pg.createDatabase('bench') }), tls);
    } finally {
      await pg.stop();
    }
    const pglite = await benchApi('PGlite', await openStore({ dataDir: path.join(tmp, 'pglite') }), tls);
    const raw = await benchRaw(tls);

    const md = table([postgres, pglite], raw);
    process.stdout.write(`\nAPI server, configmaps over HTTPS on 127.0.0.1, ${CLIENTS} clients (PostgreSQL with fsync on)\n\n${md}\n\n`);
    const summary = `PostgreSQL: create ${fmt(postgres.create.perSec)}/s (goal ≥ ${fmt(GOAL.createPerSec)}), get p99 ${ms(postgres.get.p99Ms)} ms (≤ ${GOAL.getP99Ms}), `
      + `list ${fmt(postgres.listConsistent.items)} ${ms(postgres.listConsistent.medianMs)} ms / cached ${ms(postgres.listCached.medianMs)} ms (≤ ${GOAL.listMs}), `
      + `watch ${fmt(postgres.watch.eventsPerSec)} events/s p99 ${ms(postgres.watch.p99Ms)} ms; `
      + `PGlite create ${fmt(pglite.create.perSec)}/s; raw Express ${fmt(raw.perSec)}/s p99 ${ms(raw.p99Ms)} ms`;
    return { name: 'api', summary, table: md, figures: { postgres, pglite, raw } };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (!isMainThread && (workerData as Partial<ClientData> | null)?.role === 'capstan-bench-api-client') {
  clientThread(workerData as ClientData);
} else if (isMainThread && process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await run();
  process.stdout.write(`${r.summary}\n`);
}
