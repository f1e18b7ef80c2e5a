// HTTPS load from a worker thread, so that a server in the benchmark's own process is measured
// on its event loop alone: `concurrency` keep-alive clients sending requests, and watchers holding
// long watch responses and timing each event. Only Node's builtins (and ./cpu.ts), so the worker
// starts quickly.
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { threadCpuMs } from './cpu.ts';

export interface ClientTarget {
  port: number;
  /** The CA that signed the server's certificate. */
  ca: string;
  /** Sent as `Authorization: Bearer …`. */
  token: string;
}

/**
 * Requests from `concurrency` clients until `total` are sent or `durationMs` has passed. In
 * `path` and `body`, `{i}` is the request's index (modulo `modulo`) and `{sent}` the epoch time in
 * ms at which it is sent, which a watcher subtracts from its own clock.
 */
export interface LoadPlan {
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

export interface LoadResult {
  ok: number;
  errors: number;
  firstError?: string;
  elapsedMs: number;
  /** Epoch ms of the first request. */
  startedAt: number;
  /** Of the successful requests, in ms, sorted. */
  latencies: number[];
  items?: number;
  /** CPU time the clients' thread spent, in ms: near `elapsedMs`, the clients were the limit. */
  clientCpuMs: number;
}

export interface WatchResult {
  events: number;
  /** Watches the server closed before the drain was over. */
  ended: number;
  /** Epoch ms of the last event. */
  lastEventAt: number;
  /** From the `{sent}` stamp in each event's object to its arrival, in ms, sorted. */
  latencies: number[];
}

type ToWorker =
  | { op: 'load'; plan: LoadPlan }
  | { op: 'watch'; path: string; watchers: number }
  | { op: 'drain'; perWatcher: number; timeoutMs: number };

type FromWorker =
  | { op: 'loaded'; result: Omit<LoadResult, 'latencies'>; latencies: Float64Array }
  | { op: 'watching' }
  | { op: 'drained'; result: Omit<WatchResult, 'latencies'>; latencies: Float64Array }
  | { op: 'failed'; message: string };

const ROLE = 'capstan-bench-https-load';
/** The stamp a watcher looks for in each event: `"sent":"<epoch ms>"` in the object's data. */
const SENT_MARKER = '"sent":"';

const epochMs = () => performance.timeOrigin + performance.now();
const sorted = (a: Float64Array) => Array.from(a.sort());

/** The main thread's handle on one load worker. One request at a time. */
export class HttpsLoad {
  private readonly worker: Worker;
  private pending: { resolve: (m: FromWorker) => void; reject: (e: Error) => void } | undefined;

  constructor(target: ClientTarget, readonly maxSockets: number) {
    // Node 20 does not pass `--import tsx` on to workers: register tsx first, then load this file.
    const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})`
      + `.then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); })`;
    this.worker = new Worker(boot, { eval: true, workerData: { role: ROLE, target, maxSockets } });
    this.worker.on('message', (m: FromWorker) => {
      const p = this.pending;
      this.pending = undefined;
      if (m.op === 'failed') p?.reject(new Error(`https load: ${m.message}`));
      else p?.resolve(m);
    });
    this.worker.on('error', (e) => { this.pending?.reject(e); this.pending = undefined; });
  }

  private ask(m: ToWorker): Promise<FromWorker> {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.postMessage(m);
    });
  }

  async load(plan: LoadPlan): Promise<LoadResult> {
    const m = await this.ask({ op: 'load', plan });
    if (m.op !== 'loaded') throw new Error(`https load answered ${m.op}`);
    return { ...m.result, latencies: sorted(m.latencies) };
  }

  /** Opens `watchers` watches of `path`; resolves once each has its response headers. */
  async watch(path: string, watchers: number): Promise<void> {
    await this.ask({ op: 'watch', path, watchers });
  }

  /** Waits until each watch has `perWatcher` events (or `timeoutMs`), then closes them. */
  async drain(perWatcher: number, timeoutMs: number): Promise<WatchResult> {
    const m = await this.ask({ op: 'drain', perWatcher, timeoutMs });
    if (m.op !== 'drained') throw new Error(`https load answered ${m.op}`);
    return { ...m.result, latencies: sorted(m.latencies) };
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

// --- the worker ---------------------------------------------------------------------------------

function send(agent: https.Agent, t: ClientTarget, method: string, path: string, body?: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { authorization: `Bearer ${t.token}`, accept: 'application/json' };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(body);
    }
    const req = https.request({ agent, host: '127.0.0.1', port: t.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function fill(template: string, i: number, modulo: number | undefined): string {
  return template.replaceAll('{i}', String(modulo ? i % modulo : i)).replaceAll('{sent}', epochMs().toFixed(3));
}

async function load(agent: https.Agent, t: ClientTarget, plan: LoadPlan): Promise<{ result: Omit<LoadResult, 'latencies'>; latencies: Float64Array }> {
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  let firstError: string | undefined;
  let last: Buffer | undefined;
  const total = plan.total ?? Infinity;
  const startedAt = epochMs();
  const cpu = threadCpuMs();
  const start = performance.now();
  const deadline = plan.durationMs !== undefined ? start + plan.durationMs : Infinity;
  const client = async () => {
    while (next < total && performance.now() < deadline) {
      const i = next++;
      const path = fill(plan.path, i, plan.modulo);
      const body = plan.body === undefined ? undefined : fill(plan.body, i, plan.modulo);
      const t0 = performance.now();
      try {
        const res = await send(agent, t, plan.method, path, body);
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
  const result: Omit<LoadResult, 'latencies'> = {
    ok: latencies.length, errors, elapsedMs: performance.now() - start, startedAt, clientCpuMs: threadCpuMs() - cpu,
  };
  if (firstError !== undefined) result.firstError = firstError;
  if (plan.countItems && last) result.items = (JSON.parse(last.toString('utf8')) as { items?: unknown[] }).items?.length ?? 0;
  return { result, latencies: Float64Array.from(latencies) };
}

interface OpenWatch { req: ReturnType<typeof https.request>; events: number; ended: boolean }

function openWatch(agent: https.Agent, t: ClientTarget, path: string, latencies: number[], onEvent: () => void): Promise<OpenWatch> {
  return new Promise((resolve, reject) => {
    const w: OpenWatch = {
      events: 0,
      ended: false,
      req: https.request({ agent, host: '127.0.0.1', port: t.port, path, headers: { authorization: `Bearer ${t.token}`, accept: 'application/json' } }, (res) => {
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
            const at = line.indexOf(SENT_MARKER);
            if (at < 0) continue;
            const from = at + SENT_MARKER.length;
            latencies.push(now - Number(line.slice(from, line.indexOf('"', from))));
            w.events++;
            onEvent();
          }
        });
        res.on('end', () => { w.ended = true; });
        res.on('error', () => { w.ended = true; });
        resolve(w);
      }),
    };
    w.req.on('error', (e) => { w.ended = true; reject(e); });
    w.req.end();
  });
}

function serve(t: ClientTarget, maxSockets: number): void {
  const port = parentPort!;
  const agent = new https.Agent({ keepAlive: true, maxSockets, ca: t.ca });
  const watchAgent = new https.Agent({ keepAlive: false, maxSockets: Infinity, ca: t.ca });
  let watches: OpenWatch[] = [];
  let latencies: number[] = [];
  let lastEventAt = 0;
  port.on('message', (m: ToWorker) => {
    void (async (): Promise<FromWorker> => {
      if (m.op === 'load') {
        const { result, latencies: l } = await load(agent, t, m.plan);
        return { op: 'loaded', result, latencies: l };
      }
      if (m.op === 'watch') {
        latencies = [];
        watches = await Promise.all(Array.from({ length: m.watchers }, () => openWatch(watchAgent, t, m.path, latencies, () => { lastEventAt = epochMs(); })));
        return { op: 'watching' };
      }
      const deadline = performance.now() + m.timeoutMs;
      while (performance.now() < deadline && watches.some((w) => !w.ended && w.events < m.perWatcher)) {
        await new Promise((r) => setTimeout(r, 10));
      }
      const result = { events: watches.reduce((s, w) => s + w.events, 0), ended: watches.filter((w) => w.ended).length, lastEventAt };
      for (const w of watches) w.req.destroy();
      watches = [];
      return { op: 'drained', result, latencies: Float64Array.from(latencies) };
    })().then(
      (reply) => port.postMessage(reply, 'latencies' in reply ? [reply.latencies.buffer as ArrayBuffer] : []),
      (e: unknown) => port.postMessage({ op: 'failed', message: String((e as Error)?.stack ?? e) } satisfies FromWorker),
    );
  });
}

const data = workerData as { role?: string; target: ClientTarget; maxSockets: number } | null;
if (!isMainThread && data?.role === ROLE) serve(data.target, data.maxSockets);
