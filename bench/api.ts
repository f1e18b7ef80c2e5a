// The API server benchmark: configmap create / get / list / watch over HTTPS on 127.0.0.1 with 50
// concurrent clients, on a throwaway PostgreSQL (fsync on) and on the embedded PGlite, beside a
// raw Express hello-world on the same TLS and the same clients: the machine's HTTP limit.
// Goals from the issue: create ≥ 1,500/s on PostgreSQL, get p99 ≤ 10 ms, a list of 10,000 ≤ 300 ms.
// Figures only: nothing here asserts.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import express from 'express';
import { startApiServer } from '../server/index.ts';
import { ensurePki } from '../server/pki.ts';
import { stopCachers } from '../server/registry/cacher.ts';
import { openStore, type SqlStore } from '../storage/index.ts';
import { TestPostgres } from '../test/postgres.ts';
import { processTreeCpuMs, threadCpuMs } from './lib/cpu.ts';
import { HttpsLoad, type LoadResult } from './lib/https-load.ts';
import { fmt, percentile, renderText, type BenchResult, type BenchTable, type MachineLimit, type SloFigure } from './lib/report.ts';

const CLIENTS = 50;
const OBJECTS = 10_000;
const CREATE_CAP_MS = 20_000; // a slow store stops early; the list row says how many it holds
const GET_MS = 4_000;
const GET_ALONE_MS = 1_000;
const RAW_MS = 3_000;
const WARMUP = 2_000;
const LIST_REPS = 5;
const WATCHERS = 50;
const WATCH_CREATES = 1_000;
const WATCH_DRAIN_MS = 15_000;
const TOKEN = 'capstan-bench-token';
const PAYLOAD = 'x'.repeat(256);

const GOAL = { createPerSec: 1_500, getP99Ms: 10, listMs: 300 };
/** API server processes behind one port for the workers run (CAPSTAN_BENCH_API_WORKERS; 0: skip it). */
const WORKERS = Number(process.env.CAPSTAN_BENCH_API_WORKERS ?? 2);
const root = path.resolve(import.meta.dirname, '..');

interface Rate {
  perSec: number;
  p50Ms: number;
  p99Ms: number;
  ok: number;
  /** CPU time of this thread, where the server runs (its clients do not), per request. */
  cpuMsPerOp: number;
  /** CPU time of the PostgreSQL server's processes per request (NaN for PGlite, which runs on the server's thread). */
  dbCpuMsPerOp: number;
  /** Shares of the phase's wall time that the server's thread and the clients' thread were on a CPU. */
  serverBusy: number;
  clientBusy: number;
}

type Measure = (plan: Parameters<HttpsLoad['load']>[0], label: string) => Promise<Rate & { result: LoadResult }>;

/** Runs load plans through `clients`, taking CPU time on this thread (and the database's) around each. */
function measurer(clients: HttpsLoad, log: (l: string) => void, dbCpuMs: () => number = () => NaN, serverCpuMs: () => number = threadCpuMs): Measure {
  return async (plan, label) => {
    const cpu = serverCpuMs();
    const db = dbCpuMs();
    const r = await clients.load(plan);
    const cpuMs = serverCpuMs() - cpu;
    const dbMs = dbCpuMs() - db;
    if (r.errors > 0) log(`${label}: ${r.errors} errors, the first: ${r.firstError}`);
    const rate = {
      perSec: r.ok / (r.elapsedMs / 1_000), p50Ms: percentile(r.latencies, 50), p99Ms: percentile(r.latencies, 99),
      ok: r.ok, cpuMsPerOp: cpuMs / r.ok, dbCpuMsPerOp: dbMs / r.ok, serverBusy: cpuMs / r.elapsedMs, clientBusy: r.clientCpuMs / r.elapsedMs,
    };
    log(`${label}: ${fmt.rate(rate.perSec)}, p99 ${fmt.ms(rate.p99Ms)}; server ${fmt.pct(rate.serverBusy)} of a CPU, clients' thread ${fmt.pct(rate.clientBusy)}`);
    return { ...rate, result: r };
  };
}

interface ListFigure { medianMs: number; minMs: number; maxMs: number; items: number }

const listOf = (r: LoadResult): ListFigure => ({
  medianMs: percentile(r.latencies, 50), minMs: r.latencies[0] ?? NaN, maxMs: r.latencies[r.latencies.length - 1] ?? NaN, items: r.items ?? 0,
});

export interface ApiFigures {
  store: string;
  create: Rate;
  get: Rate;
  /** One client: the service time without queueing. */
  getAlone: Rate;
  listConsistent: ListFigure;
  listCached: ListFigure;
  watch: { eventsPerSec: number; events: number; expected: number; ended: number; p50Ms: number; p99Ms: number; createP50Ms: number };
}

interface Tls { cert: string; key: string; ca: string }

const configMap = (ns: string) => JSON.stringify({
  apiVersion: 'v1', kind: 'ConfigMap',
  metadata: { name: 'cm-{i}', namespace: ns, labels: { app: 'bench' } },
  data: { sent: '{sent}', payload: PAYLOAD },
});

/**
 * The create and get phases over namespace `bench`: warms the sockets and the JIT, creates
 * OBJECTS configmaps from CLIENTS clients, then gets them for GET_MS.
 */
async function createThenGet(clients: HttpsLoad, m: Measure, label: string, log: (l: string) => void) {
  // Opens the sockets (TLS handshakes) and warms the JIT before anything is timed.
  await clients.load({ method: 'GET', path: '/version', total: WARMUP, concurrency: CLIENTS, expectStatus: 200 });
  log(`${label}: create ${OBJECTS} configmaps`);
  const create = await m({
    method: 'POST', path: '/api/v1/namespaces/bench/configmaps', body: configMap('bench'),
    total: OBJECTS, durationMs: CREATE_CAP_MS, concurrency: CLIENTS, expectStatus: 201,
  }, `${label} create`);
  log(`${label}: get for ${GET_MS / 1_000} s`);
  const getPlan = { method: 'GET', path: '/api/v1/namespaces/bench/configmaps/cm-{i}', modulo: create.ok, expectStatus: 200 } as const;
  const get = await m({ ...getPlan, durationMs: GET_MS, concurrency: CLIENTS }, `${label} get`);
  return { create, get, getPlan };
}

async function benchApi(storeName: string, store: SqlStore, tls: Tls, log: (l: string) => void, dbCpuMs?: () => number): Promise<ApiFigures> {
  const server = await startApiServer({
    store, port: 0, tls,
    tokens: [{ token: TOKEN, user: { name: 'bench', groups: ['system:masters'] } }],
  });
  const target = { port: server.port, ca: tls.ca, token: TOKEN };
  const clients = new HttpsLoad(target, CLIENTS);
  const watchers = new HttpsLoad(target, WATCHERS);
  const m = measurer(clients, log, dbCpuMs);
  try {
    const namespaces = server.api.registry('', 'v1', 'namespaces')!;
    for (const name of ['bench', 'bench-watch']) await namespaces.create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    const { create, get, getPlan } = await createThenGet(clients, m, storeName, log);
    const getAlone = await m({ ...getPlan, durationMs: GET_ALONE_MS, concurrency: 1 }, `${storeName} get alone`);

    log(`${storeName}: list ×${LIST_REPS}, consistent and from the watch cache`);
    const listPlan = { method: 'GET', total: LIST_REPS, concurrency: 1, expectStatus: 200, countItems: true } as const;
    const listConsistent = listOf(await clients.load({ ...listPlan, path: '/api/v1/namespaces/bench/configmaps' }));
    const listCached = listOf(await clients.load({ ...listPlan, path: '/api/v1/namespaces/bench/configmaps?resourceVersion=0' }));

    log(`${storeName}: ${WATCHERS} watchers while creating ${WATCH_CREATES}`);
    const rv = (await store.currentRV()).toString();
    await watchers.watch(`/api/v1/namespaces/bench-watch/configmaps?watch=1&resourceVersion=${rv}`, WATCHERS);
    const created = await m({
      method: 'POST', path: '/api/v1/namespaces/bench-watch/configmaps', body: configMap('bench-watch'),
      total: WATCH_CREATES, durationMs: CREATE_CAP_MS, concurrency: CLIENTS, expectStatus: 201,
    }, `${storeName} create while watched`);
    const w = await watchers.drain(created.ok, WATCH_DRAIN_MS);
    const watch = {
      eventsPerSec: w.events / ((w.lastEventAt - created.result.startedAt) / 1_000), events: w.events, expected: created.ok * WATCHERS,
      ended: w.ended, p50Ms: percentile(w.latencies, 50), p99Ms: percentile(w.latencies, 99), createP50Ms: created.p50Ms,
    };
    return { store: storeName, create, get, getAlone, listConsistent, listCached, watch };
  } finally {
    await clients.close();
    await watchers.close();
    await server.close();
    stopCachers(store);
    await store.close();
  }
}

export interface WorkersFigures {
  workers: number;
  create: Rate;
  get: Rate;
}

/**
 * `capstan apiserver --workers N` as a user starts it, on a fresh database of the same PostgreSQL:
 * the same create and get load, with the CPU of all its processes counted as the server's.
 */
async function benchWorkers(databaseUrl: string, dir: string, log: (l: string) => void, dbCpuMs: () => number): Promise<WorkersFigures> {
  writeFileSync(path.join(dir, 'tokens.csv'), `${TOKEN},bench,bench-uid,"system:masters"\n`);
  const args = ['--import', 'tsx', path.join(root, 'cli', 'main.ts'), 'apiserver', '--workers', String(WORKERS), '--database-url', databaseUrl,
    '--data-dir', path.join(dir, 'data'), '--host', '127.0.0.1', '--port', '0', '--token-auth-file', path.join(dir, 'tokens.csv'),
    '--service-cluster-ip-range', '10.250.0.0/24'];
  const proc = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  proc.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`capstan apiserver --workers did not start:\n${out}`)), 60_000);
      const check = () => {
        const m = / workers serving at https:\/\/127\.0\.0\.1:(\d+)/.exec(out);
        if (m) { clearTimeout(timer); resolve(Number(m[1])); }
      };
      proc.stderr.on('data', check);
      proc.once('exit', () => { clearTimeout(timer); reject(new Error(`capstan apiserver --workers exited:\n${out}`)); });
    });
    const target = { port, ca: readFileSync(path.join(dir, 'data', 'pki', 'ca.crt'), 'utf8'), token: TOKEN };
    const clients = new HttpsLoad(target, CLIENTS);
    // The server's CPU: every process of the command (primary and workers), not this thread.
    const m = measurer(clients, log, dbCpuMs, () => processTreeCpuMs(proc.pid!));
    try {
      const label = `PostgreSQL, ${WORKERS} workers`;
      await clients.load({ method: 'POST', path: '/api/v1/namespaces', body: JSON.stringify({ metadata: { name: 'bench' } }), total: 1, concurrency: 1, expectStatus: 201 });
      const { create, get } = await createThenGet(clients, m, label, log);
      return { workers: WORKERS, create, get };
    } finally {
      await clients.close();
    }
  } finally {
    proc.kill('SIGTERM');
    await exited;
  }
}

/** The machine's HTTP limit: Express answering "hello world" on the same TLS to the same clients. */
async function benchRaw(tls: Tls, log: (l: string) => void): Promise<Rate> {
  const app = express();
  app.disable('x-powered-by');
  app.get('/', (_req, res) => { res.send('hello world'); });
  const server = https.createServer({ cert: tls.cert, key: tls.key, ca: tls.ca, requestCert: true, rejectUnauthorized: false }, app);
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const clients = new HttpsLoad({ port: (server.address() as AddressInfo).port, ca: tls.ca, token: TOKEN }, CLIENTS);
  try {
    await clients.load({ method: 'GET', path: '/', total: WARMUP, concurrency: CLIENTS, expectStatus: 200 });
    log(`raw Express hello-world for ${RAW_MS / 1_000} s`);
    return await measurer(clients, log)({ method: 'GET', path: '/', durationMs: RAW_MS, concurrency: CLIENTS, expectStatus: 200 }, 'raw');
  } finally {
    await clients.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
}

// --- the tables ---------------------------------------------------------------------------------

const num = (n: number, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : 'n/a');
const spread = (l: ListFigure) => `${fmt.ms(l.medianMs)} (${fmt.ms(l.minMs)}–${fmt.ms(l.maxMs)})`;

interface Row { figure: string; goal: string; value: (f: ApiFigures) => string; vsRaw?: (f: ApiFigures, raw: Rate) => string }

// Throughput as a share of raw get/s; latency and CPU as a multiple of raw's.
const share = (v: number, raw: Rate) => fmt.pct(v / raw.perSec);
const times = (v: number, base: number) => `${num(v / base, 1)}×`;

const ROWS: Row[] = [
  { figure: 'create', goal: `≥ ${num(GOAL.createPerSec)}/s (PostgreSQL)`, value: (f) => fmt.rate(f.create.perSec), vsRaw: (f, r) => share(f.create.perSec, r) },
  { figure: 'create p50', goal: '', value: (f) => fmt.ms(f.create.p50Ms), vsRaw: (f, r) => times(f.create.p50Ms, r.p50Ms) },
  { figure: 'create p99', goal: '', value: (f) => fmt.ms(f.create.p99Ms), vsRaw: (f, r) => times(f.create.p99Ms, r.p99Ms) },
  { figure: 'server CPU per create', goal: '', value: (f) => fmt.ms(f.create.cpuMsPerOp), vsRaw: (f, r) => times(f.create.cpuMsPerOp, r.cpuMsPerOp) },
  { figure: 'database CPU per create', goal: '', value: (f) => fmt.ms(f.create.dbCpuMsPerOp) },
  { figure: 'get', goal: '', value: (f) => fmt.rate(f.get.perSec), vsRaw: (f, r) => share(f.get.perSec, r) },
  { figure: 'get p50', goal: '', value: (f) => fmt.ms(f.get.p50Ms), vsRaw: (f, r) => times(f.get.p50Ms, r.p50Ms) },
  { figure: 'get p99', goal: `≤ ${GOAL.getP99Ms} ms`, value: (f) => fmt.ms(f.get.p99Ms), vsRaw: (f, r) => times(f.get.p99Ms, r.p99Ms) },
  { figure: 'server CPU per get', goal: '', value: (f) => fmt.ms(f.get.cpuMsPerOp), vsRaw: (f, r) => times(f.get.cpuMsPerOp, r.cpuMsPerOp) },
  { figure: 'database CPU per get', goal: '', value: (f) => fmt.ms(f.get.dbCpuMsPerOp) },
  { figure: 'get p50 / p99, 1 client', goal: '', value: (f) => `${fmt.ms(f.getAlone.p50Ms)} / ${fmt.ms(f.getAlone.p99Ms)}` },
  { figure: 'list, rv="" (median, min–max)', goal: `≤ ${GOAL.listMs} ms`, value: (f) => spread(f.listConsistent) },
  { figure: 'list, rv="0" from the watch cache', goal: `≤ ${GOAL.listMs} ms`, value: (f) => spread(f.listCached) },
  { figure: 'items per list', goal: num(OBJECTS), value: (f) => num(f.listConsistent.items) },
  { figure: `watch events delivered to ${WATCHERS} watchers`, goal: '', value: (f) => fmt.rate(f.watch.eventsPerSec), vsRaw: (f, r) => share(f.watch.eventsPerSec, r) },
  { figure: 'watch events received / expected', goal: '', value: (f) => `${num(f.watch.events)} / ${num(f.watch.expected)}${f.watch.ended ? ` (${f.watch.ended} closed early)` : ''}` },
  { figure: 'create sent → event p50', goal: '', value: (f) => fmt.ms(f.watch.p50Ms), vsRaw: (f, r) => times(f.watch.p50Ms, r.p50Ms) },
  { figure: 'create sent → event p99', goal: '', value: (f) => fmt.ms(f.watch.p99Ms), vsRaw: (f, r) => times(f.watch.p99Ms, r.p99Ms) },
  { figure: 'create p50 meanwhile', goal: '', value: (f) => fmt.ms(f.watch.createP50Ms) },
];

function tables(stores: ApiFigures[], raw: Rate, load: number): BenchTable[] {
  const pg = stores.find((f) => f.store === 'PostgreSQL') ?? stores[0];
  const summary: BenchTable = {
    title: 'API server: summary',
    columns: ['store', 'create', 'get p99', 'list 10,000', 'list from cache', 'watch events', 'create → event p99', 'raw Express get'],
    rows: stores.map((f) => [f.store, fmt.rate(f.create.perSec), fmt.ms(f.get.p99Ms), fmt.ms(f.listConsistent.medianMs), fmt.ms(f.listCached.medianMs),
      fmt.rate(f.watch.eventsPerSec), fmt.ms(f.watch.p99Ms), fmt.rate(raw.perSec)]),
    notes: pg ? [`Goals: create ≥ ${num(GOAL.createPerSec)}/s on PostgreSQL, get p99 ≤ ${GOAL.getP99Ms} ms, a list of 10,000 ≤ ${GOAL.listMs} ms.`] : [],
  };
  const full: BenchTable = {
    title: `API server: configmaps over HTTPS, ${CLIENTS} clients, beside raw Express`,
    columns: ['figure', 'goal', ...stores.flatMap((f) => [f.store, '÷ raw'])],
    rows: [
      ...ROWS.map((r) => [r.figure, r.goal, ...stores.flatMap((f) => [r.value(f), r.vsRaw?.(f, raw) ?? ''])]),
      ['raw Express hello-world get', '', fmt.rate(raw.perSec), ...stores.flatMap(() => ['', '']).slice(1)],
      ['raw p50 / p99', '', `${fmt.ms(raw.p50Ms)} / ${fmt.ms(raw.p99Ms)}`, ...stores.flatMap(() => ['', '']).slice(1)],
      ['raw server CPU per get', '', fmt.ms(raw.cpuMsPerOp), ...stores.flatMap(() => ['', '']).slice(1)],
    ],
    notes: [
      `The API server runs in this process over a store from openStore(): a throwaway PostgreSQL (fsync on) and PGlite on disk; TLS from ensurePki, a bearer token; every request to 127.0.0.1.`,
      `${CLIENTS} clients: keep-alive HTTPS sockets driven from a worker thread, so the server's thread is the one measured; each sends its next request when the last is answered.`,
      `create: ${num(OBJECTS)} configmaps (~500 bytes) in one namespace, stopped after ${CREATE_CAP_MS / 1_000} s; get: ${GET_MS / 1_000} s over them; list: ${LIST_REPS} in a row, one client, the whole response read.`,
      'The first list of a resource after start also fills its watch cache from the store (the max of rv=""); later ones, "" or "0", are served from the cache.',
      `watch: ${WATCHERS} watches of a second namespace while ${num(WATCH_CREATES)} configmaps are created in it; latency from each create's send (a stamp in its data) to the event's arrival, so it includes the create's own latency (create p50 meanwhile).`,
      `÷ raw: throughput as a share of raw Express get/s; latency and CPU as a multiple of raw's. Server CPU: the CPU time of the server's thread over the phase divided by requests (PGlite runs on that thread too); database CPU: that of PostgreSQL's processes.`,
      `Raw Express: server thread ${fmt.pct(raw.serverBusy)} busy, clients' thread ${fmt.pct(raw.clientBusy)} busy. Server thread busy in create / get: ${stores.map((f) => `${f.store} ${fmt.pct(f.create.serverBusy)} / ${fmt.pct(f.get.serverBusy)}`).join(', ')}.`,
      `Load average when the run began: ${num(load, 1)} on ${cpus().length} CPUs (other work on the machine moves these figures).`,
    ],
  };
  return [summary, full];
}

/** One API server process beside `--workers N`, on the same PostgreSQL and load. */
function workersTable(stores: ApiFigures[], w: WorkersFigures, raw: Rate): BenchTable {
  const one = stores.find((f) => f.store === 'PostgreSQL')!;
  const row = (figure: string, goal: string, v: (r: { create: Rate; get: Rate }) => string): string[] => [figure, goal, v(one), v(w)];
  return {
    title: `API server: one process, and capstan apiserver --workers ${w.workers}`,
    columns: ['figure', 'goal', 'one process (in the bench)', `--workers ${w.workers}`],
    rows: [
      row('create', `≥ ${num(GOAL.createPerSec)}/s`, (r) => fmt.rate(r.create.perSec)),
      row('create p99', '', (r) => fmt.ms(r.create.p99Ms)),
      row('get', '', (r) => fmt.rate(r.get.perSec)),
      row('get p50', '', (r) => fmt.ms(r.get.p50Ms)),
      row('get p99', `≤ ${GOAL.getP99Ms} ms`, (r) => fmt.ms(r.get.p99Ms)),
      row('server CPU per get', '', (r) => fmt.ms(r.get.cpuMsPerOp)),
      row('server busy in get (CPUs)', '', (r) => num(r.get.serverBusy, 2)),
      row('clients\' thread busy in get', '', (r) => fmt.pct(r.get.clientBusy)),
      ['raw Express hello-world get p50 / p99', '', `${fmt.ms(raw.p50Ms)} / ${fmt.ms(raw.p99Ms)}`, ''],
    ],
    notes: [
      `--workers ${w.workers}: the \`capstan apiserver\` command as a user runs it, a child process of the bench with ${w.workers} worker processes behind one port (node:cluster deals out connections), on its own database of the same PostgreSQL; the same ${CLIENTS} clients and plans. Its server CPU is that of all the command's processes.`,
      `Node runs JavaScript on one thread, so one API server process can use one core; workers let the API server use more. On a machine with ${cpus().length} CPUs, the clients, PostgreSQL and the workers share them.`,
    ],
  };
}

// --- the figures the report's first section sets beside upstream's SLOs and the machine's limits ---

function sloFigures(stores: ApiFigures[]): SloFigure[] {
  return stores.flatMap((f): SloFigure[] => [
    { sli: 'api-mutating', measured: `${fmt.ms(f.create.p99Ms)} p99`, ms: f.create.p99Ms, how: `configmap create, ${CLIENTS} clients over HTTPS, ${f.store}` },
    { sli: 'api-read-resource', measured: `${fmt.ms(f.get.p99Ms)} p99`, ms: f.get.p99Ms, how: `configmap get, ${CLIENTS} clients over HTTPS, ${f.store}` },
    { sli: 'api-read-resource', measured: `${fmt.ms(f.getAlone.p99Ms)} p99`, ms: f.getAlone.p99Ms, how: `configmap get, 1 client, ${f.store}` },
    {
      sli: 'api-read-namespace', measured: `${fmt.ms(f.listConsistent.maxMs)} max of ${LIST_REPS}`, ms: f.listConsistent.maxMs,
      how: `list of ${num(f.listConsistent.items)} configmaps, rv="", 1 client, ${f.store}`,
    },
    {
      sli: 'api-read-namespace', measured: `${fmt.ms(f.listCached.maxMs)} max of ${LIST_REPS}`, ms: f.listCached.maxMs,
      how: `list of ${num(f.listCached.items)} configmaps, rv="0" (watch cache), 1 client, ${f.store}`,
    },
    {
      sli: 'watch-latency', measured: `${fmt.ms(f.watch.p99Ms)} p99`, ms: f.watch.p99Ms,
      how: `create sent → event at each of ${WATCHERS} HTTPS watchers (includes the create itself), ${f.store}`,
    },
  ]);
}

function machineLimits(stores: ApiFigures[], raw: Rate): MachineLimit[] {
  return [{
    limit: `raw HTTPS: Express hello-world get, ${CLIENTS} clients`,
    measured: `${fmt.rate(raw.perSec)}, p99 ${fmt.ms(raw.p99Ms)}`,
    beside: stores.map((f) => `${f.store}: get ${fmt.rate(f.get.perSec)} (${share(f.get.perSec, raw)}), create ${fmt.rate(f.create.perSec)} (${share(f.create.perSec, raw)})`).join('; '),
  }];
}

/** Which stores to run: CAPSTAN_BENCH_API_STORES=postgres,pglite (the default); one of them, e.g. to profile. */
const storesToRun = () => (process.env.CAPSTAN_BENCH_API_STORES ?? 'postgres,pglite').split(',').map((s) => s.trim());

export async function run(log: (line: string) => void): Promise<BenchResult> {
  const load = loadavg()[0]!;
  const tmp = mkdtempSync(path.join(tmpdir(), 'capstan-bench-api-'));
  try {
    const pki = await ensurePki(path.join(tmp, 'pki'), { hosts: ['127.0.0.1', 'localhost'] });
    const tls = { cert: pki.servingCert, key: pki.servingKey, ca: pki.caCert };
    const raw = await benchRaw(tls, log);
    const stores: ApiFigures[] = [];
    let workers: WorkersFigures | undefined;
    for (const which of storesToRun()) {
      if (which === 'postgres') {
        const pg = await TestPostgres.start({ fsync: true });
        try {
          const postmaster = Number(readFileSync(path.join(pg.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
          stores.push(await benchApi('PostgreSQL', await openStore({ databaseUrl: await pg.createDatabase('bench') }), tls, log, () => processTreeCpuMs(postmaster)));
          if (WORKERS > 1) {
            const dir = mkdtempSync(path.join(tmp, 'workers-'));
            workers = await benchWorkers(await pg.createDatabase('benchworkers'), dir, log, () => processTreeCpuMs(postmaster));
          }
        } finally {
          await pg.stop();
        }
      } else if (which === 'pglite') {
        stores.push(await benchApi('PGlite', await openStore({ dataDir: path.join(tmp, 'pglite') }), tls, log));
      }
    }
    return { tables: [...tables(stores, raw, load), ...(workers ? [workersTable(stores, workers, raw)] : [])], slos: sloFigures(stores), limits: machineLimits(stores, raw) };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const began = performance.now();
  const out = await run((line) => process.stderr.write(`  ${((performance.now() - began) / 1_000).toFixed(1)} s  ${line}\n`));
  for (const t of out.tables) process.stdout.write(`\n${renderText(t)}\n`);
}
