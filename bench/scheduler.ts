// The scheduler benchmark, after upstream's scheduler_perf SchedulingBasic: 500 Node objects created
// directly through the API (no kubelet, as scheduler_perf does), then 5,000 pods, against an
// in-process API server over HTTPS on a throwaway PostgreSQL (fsync on). As `capstan up` runs them,
// the scheduler (and, for the Deployment, the controllers) run on worker threads of their own
// (cli/componentthread.ts); the pod creators on another. Runs: "backlog" (the pods exist before
// the scheduler starts; from its start to the last binding), "streaming" (20 clients create pods
// while the scheduler runs; from the first create to the last binding) and "deployment".
// Goal from the issue: ≥ 300 pods/s. Figures only: nothing asserts.
// Knobs for profiling: CAPSTAN_BENCH_SCHED_NODES, _PODS, _RUNS (backlog,streaming,deployment),
// _INFLIGHT (bindings under way at once, default 256).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { V1Pod } from '@kubernetes/client-node';
import { kubeConfigForToken } from '../client/kubeconfig.ts';
import { RestClient } from '../client/rest.ts';
import { namespaces, nodes } from '../client/resources.ts';
import { deployments } from '../client/resources.ts';
import { startComponentThread, type ComponentThread } from '../cli/componentthread.ts';
import { startApiServer } from '../server/index.ts';
import { ensurePki } from '../server/pki.ts';
import { stopCachers } from '../server/registry/cacher.ts';
import { openStore } from '../storage/index.ts';
import { TestPostgres } from '../test/postgres.ts';
import { processCpuMs, processTreeCpuMs, threadCpuMs } from './lib/cpu.ts';
import { HttpsLoad } from './lib/https-load.ts';
import { fmt, percentile, renderText, type BenchTable } from './lib/report.ts';

const NODES = Number(process.env.CAPSTAN_BENCH_SCHED_NODES ?? 500);
const PODS = Number(process.env.CAPSTAN_BENCH_SCHED_PODS ?? 5_000);
const CLIENTS = 20;
const ZONES = 5;
const TOKEN = 'capstan-bench-token';
const GOAL_PODS_PER_SEC = 300;
const TIMEOUT_MS = 180_000;
const DEPLOYMENT_REPLICAS = Number(process.env.CAPSTAN_BENCH_SCHED_DEPLOYMENT_REPLICAS ?? 1_000);

interface Run {
  name: string;
  pods: number;
  bound: number;
  seconds: number;
  perSec: number;
  /** Per-second throughput samples (upstream's SchedulingThroughput percentiles). */
  samples: number[];
  /** CPU time per pod of the API server's thread, of the components' threads (scheduler, controllers), and of PostgreSQL. */
  serverCpuMsPerPod: number;
  componentsCpuMsPerPod: number;
  dbCpuMsPerPod: number;
  attempts: number;
  createSeconds?: number;
}

/** Runs `work` over `items` with `n` concurrent workers. */
async function parallel<T>(items: T[], n: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
}

function podOf(name: string): V1Pod {
  return {
    metadata: { name, labels: { app: 'bench' } },
    spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '100m', memory: '100Mi' } } }] },
  };
}

async function createNodes(rest: RestClient, log: (l: string) => void): Promise<void> {
  log(`creating ${NODES} nodes`);
  const names = Array.from({ length: NODES }, (_, i) => `node-${i}`);
  await parallel(names, CLIENTS, async (name) => {
    const i = Number(name.slice(5));
    await rest.create(nodes, '', {
      metadata: { name, labels: { 'kubernetes.io/hostname': name, 'topology.kubernetes.io/zone': `zone-${i % ZONES}`, 'capstan.io/simulated': 'true' } },
      spec: {},
    });
    const r = { cpu: '4', memory: '32Gi', pods: '110' };
    await rest.patch(nodes, '', name, { status: { capacity: r, allocatable: r, conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }] } }, { subresource: 'status' });
  });
}

/** Samples the bound count every second until all are bound (or the timeout). */
async function waitBound(bound: () => number, want: number): Promise<{ samples: number[]; done: boolean }> {
  const samples: number[] = [];
  const end = Date.now() + TIMEOUT_MS;
  let last = 0;
  let lastAt = performance.now();
  while (Date.now() < end) {
    await new Promise((r) => setTimeout(r, 50));
    const now = bound();
    if (performance.now() - lastAt >= 1_000) {
      samples.push(now - last);
      last = now;
      lastAt = performance.now();
    }
    if (now >= want) return { samples, done: true };
  }
  return { samples, done: false };
}

interface Cluster {
  server: Awaited<ReturnType<typeof startApiServer>>;
  kc: ReturnType<typeof kubeConfigForToken>;
  rest: RestClient;
  creators: HttpsLoad;
  close(): Promise<void>;
}

/** An API server on `store` with NODES nodes, and CLIENTS pod creators on a thread of their own. */
async function cluster(store: Awaited<ReturnType<typeof openStore>>, tls: { cert: string; key: string; ca: string }, log: (l: string) => void): Promise<Cluster> {
  const server = await startApiServer({
    store, port: 0, tls, tokens: [{ token: TOKEN, user: { name: 'bench', groups: ['system:masters'] } }],
    // No ServiceAccount controller runs here to make the default ServiceAccounts admission looks for.
    admission: { disable: ['ServiceAccount'] },
  });
  const kc = kubeConfigForToken({ server: server.url, token: TOKEN, caPem: tls.ca });
  const rest = new RestClient(kc);
  const creators = new HttpsLoad({ port: server.port, ca: tls.ca, token: TOKEN }, CLIENTS);
  await createNodes(rest, log);
  return {
    server, kc, rest, creators,
    async close() {
      await creators.close();
      rest.close();
      await server.close();
    },
  };
}

/** Creates PODS pods in `ns` from the creators' thread: the seconds it took and the creators' CPU. */
async function createPods(c: Cluster, ns: string): Promise<{ seconds: number; cpuMs: number }> {
  const r = await c.creators.load({
    method: 'POST', path: `/api/v1/namespaces/${ns}/pods`, body: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', ...podOf('pod-{i}') }),
    total: PODS, concurrency: CLIENTS, expectStatus: 201,
  });
  if (r.errors) throw new Error(`creating pods: ${r.errors} failed, the first: ${r.firstError}`);
  return { seconds: r.elapsedMs / 1_000, cpuMs: r.clientCpuMs };
}

/** The scheduler on its own thread, as `capstan up` runs it; resolves once it has every node. */
async function startSchedulerThread(kc: Cluster['kc']): Promise<ComponentThread> {
  const t = startComponentThread({
    component: 'scheduler', kubeconfig: { yaml: kc.exportConfig() }, quiet: true, statsEveryMs: 50,
    maxInFlight: Number(process.env.CAPSTAN_BENCH_SCHED_INFLIGHT ?? 256),
  }, () => {});
  while (t.stats.nodes < NODES) await new Promise((r) => setTimeout(r, 20));
  return t;
}

/** CPU of the API server's thread, the components' threads, and PostgreSQL over a run. */
function cpuMeter(dbCpuMs: () => number) {
  const server0 = threadCpuMs();
  const process0 = processCpuMs();
  const db0 = dbCpuMs();
  return (creatorsMs: number) => {
    const server = threadCpuMs() - server0;
    return { server, components: processCpuMs() - process0 - server - creatorsMs, db: dbCpuMs() - db0 };
  };
}

async function runOnce(
  name: string, store: Awaited<ReturnType<typeof openStore>>, tls: { cert: string; key: string; ca: string }, streaming: boolean,
  log: (l: string) => void, dbCpuMs: () => number,
): Promise<Run> {
  const c = await cluster(store, tls, log);
  let sched: ComponentThread | undefined;
  try {
    const ns = `bench-${name}`;
    await c.rest.create(namespaces, '', { metadata: { name: ns } });
    let createSeconds: number | undefined;
    let creatorsMs = 0;
    if (streaming) {
      // Every node is in the scheduler's cache before the first pod arrives.
      sched = await startSchedulerThread(c.kc);
      log(`${name}: ${CLIENTS} clients create ${PODS} pods while the scheduler runs`);
    } else {
      log(`${name}: creating ${PODS} pods, then starting the scheduler`);
      await createPods(c, ns);
    }
    const t0 = performance.now();
    const cpu = cpuMeter(dbCpuMs);
    let created: Promise<void> = Promise.resolve();
    if (streaming) {
      created = createPods(c, ns).then((r) => { createSeconds = r.seconds; creatorsMs = r.cpuMs; });
    } else {
      sched = await startSchedulerThread(c.kc);
    }
    const w = await waitBound(() => sched!.stats.bound, PODS);
    await created;
    const seconds = (performance.now() - t0) / 1_000;
    const bound = sched!.stats.bound;
    const used = cpu(creatorsMs);
    if (!w.done) log(`${name}: only ${bound} of ${PODS} pods bound within ${TIMEOUT_MS / 1_000} s`);
    const per = Math.max(1, bound);
    const r: Run = {
      name, pods: PODS, bound, seconds, perSec: bound / seconds, samples: w.samples,
      serverCpuMsPerPod: used.server / per, componentsCpuMsPerPod: used.components / per, dbCpuMsPerPod: used.db / per,
      attempts: sched!.stats.attempts, createSeconds,
    };
    log(`${name}: ${bound} pods bound in ${seconds.toFixed(1)} s: ${fmt.rate(r.perSec)}; ${fmt.ms(r.serverCpuMsPerPod)} of the API server's thread per pod, ${fmt.ms(r.componentsCpuMsPerPod)} of the scheduler's`);
    return r;
  } finally {
    await sched?.stop();
    await c.close();
  }
}

/**
 * A Deployment of DEPLOYMENT_REPLICAS created on the same kind of cluster, with the Deployment
 * and ReplicaSet controllers and the scheduler running: from the create to the last pod bound.
 */
async function runDeployment(
  store: Awaited<ReturnType<typeof openStore>>, tls: { cert: string; key: string; ca: string }, log: (l: string) => void, dbCpuMs: () => number,
): Promise<Run> {
  const c = await cluster(store, tls, log);
  const sched = await startSchedulerThread(c.kc);
  const cm = startComponentThread({
    component: 'controller-manager', kubeconfig: { yaml: c.kc.exportConfig() }, quiet: true, controllers: ['deployment', 'replicaset'],
  }, log);
  try {
    const ns = 'bench-deployment';
    await c.rest.create(namespaces, '', { metadata: { name: ns } });
    log(`deployment: creating a Deployment of ${DEPLOYMENT_REPLICAS} replicas`);
    const t0 = performance.now();
    const cpu = cpuMeter(dbCpuMs);
    await c.rest.create(deployments, ns, {
      metadata: { name: 'big' },
      spec: { replicas: DEPLOYMENT_REPLICAS, selector: { matchLabels: { app: 'big' } }, template: { metadata: { labels: { app: 'big' } }, spec: podOf('x').spec! } },
    });
    const w = await waitBound(() => sched.stats.bound, DEPLOYMENT_REPLICAS);
    const seconds = (performance.now() - t0) / 1_000;
    const bound = sched.stats.bound;
    const used = cpu(0);
    if (!w.done) log(`deployment: only ${bound} of ${DEPLOYMENT_REPLICAS} pods bound within ${TIMEOUT_MS / 1_000} s`);
    log(`deployment: ${bound} pods created and bound in ${seconds.toFixed(1)} s`);
    const per = Math.max(1, bound);
    return {
      name: 'deployment', pods: DEPLOYMENT_REPLICAS, bound, seconds, perSec: bound / seconds, samples: w.samples,
      serverCpuMsPerPod: used.server / per, componentsCpuMsPerPod: used.components / per, dbCpuMsPerPod: used.db / per, attempts: sched.stats.attempts,
    };
  } finally {
    await cm.stop();
    await sched.stop();
    await c.close();
  }
}

function tables(runs: Run[], load: number): BenchTable[] {
  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
  return [{
    title: `Scheduler: ${PODS.toLocaleString('en-US')} pods on ${NODES} simulated nodes`,
    columns: ['run', 'pods/s', 'goal', 'bound', 'seconds', 'per-second p50 / p90 / max', 'attempts', 'API server CPU per pod', 'scheduler (+ controllers) CPU per pod', 'database CPU per pod'],
    rows: runs.map((r) => {
      const s = sorted(r.samples);
      return [
        r.name, fmt.rate(r.perSec), `≥ ${GOAL_PODS_PER_SEC}/s`, `${r.bound.toLocaleString('en-US')} / ${r.pods.toLocaleString('en-US')}`, r.seconds.toFixed(1),
        s.length ? `${percentile(s, 50)} / ${percentile(s, 90)} / ${s[s.length - 1]}` : 'n/a', r.attempts.toLocaleString('en-US'),
        fmt.ms(r.serverCpuMsPerPod), fmt.ms(r.componentsCpuMsPerPod), fmt.ms(r.dbCpuMsPerPod),
      ];
    }),
    notes: [
      `${NODES} Node objects (4 cpu, 32Gi, 110 pods; ${ZONES} zones) created through the API with their status through nodes/status; pods request 100m / 100Mi; the default profile (percentageOfNodesToScore adaptive: ${Math.max(5, 50 - Math.trunc(NODES / 125))}% of ${NODES}).`,
      'backlog: all pods exist before the scheduler starts; timed from its start (informer lists included) to the last binding.',
      `streaming: ${CLIENTS} clients create the pods while the scheduler runs; timed from the first create to the last binding${runs.find((r) => r.createSeconds) ? ` (creating them took ${runs.find((r) => r.createSeconds)!.createSeconds!.toFixed(1)} s)` : ''}.`,
      `deployment: one Deployment of ${DEPLOYMENT_REPLICAS.toLocaleString('en-US')} replicas on the same ${NODES} nodes, the Deployment and ReplicaSet controllers and the scheduler running; "seconds" is the time from its create until every pod is created and bound (the issue's second figure).`,
      'As `capstan up` runs them: the API server (HTTPS) on this process\'s main thread, the scheduler and the controllers each on a worker thread of their own (API clients over HTTPS), the pod creators on another; PostgreSQL (fsync on) shares the machine.',
      'API server CPU per pod: its thread\'s, so the create, the binding, the watch events and the Scheduled event; scheduler CPU: the process\'s less the API server\'s and the creators\' threads.',
      `Load average when the run began: ${load.toFixed(1)} on ${cpus().length} CPUs.`,
    ],
  }];
}

/** Which runs: CAPSTAN_BENCH_SCHED_RUNS=backlog,streaming,deployment (the default); some of them, e.g. to profile. */
const runsToDo = () => (process.env.CAPSTAN_BENCH_SCHED_RUNS ?? 'backlog,streaming,deployment').split(',').map((s) => s.trim()).filter((s) => s === 'backlog' || s === 'streaming' || s === 'deployment');

export async function run(log: (line: string) => void): Promise<BenchTable[]> {
  const load = loadavg()[0]!;
  const tmp = mkdtempSync(path.join(tmpdir(), 'capstan-bench-sched-'));
  const runs: Run[] = [];
  try {
    const pki = await ensurePki(path.join(tmp, 'pki'), { hosts: ['127.0.0.1', 'localhost'] });
    const tls = { cert: pki.servingCert, key: pki.servingKey, ca: pki.caCert };
    const pg = await TestPostgres.start({ fsync: true });
    try {
      const postmaster = Number(readFileSync(path.join(pg.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
      const dbCpu = () => processTreeCpuMs(postmaster);
      for (const name of runsToDo()) {
        const streaming = name === 'streaming';
        const store = await openStore({ databaseUrl: await pg.createDatabase(`bench_sched_${name}`) });
        try {
          runs.push(name === 'deployment' ? await runDeployment(store, tls, log, dbCpu) : await runOnce(name, store, tls, streaming, log, dbCpu));
        } finally {
          stopCachers(store);
          await store.close();
        }
      }
    } finally {
      await pg.stop();
    }
    return tables(runs, load);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const began = performance.now();
  const out = await run((line) => process.stderr.write(`  ${((performance.now() - began) / 1_000).toFixed(1)} s  ${line}\n`));
  for (const t of out) process.stdout.write(`\n${renderText(t)}\n`);
}
