// The scheduler and the controller manager on threads of their own. Upstream runs them as their
// own processes; `capstan up` keeps one process but gives each a worker thread, so the API server's
// event loop is not also theirs and the cluster uses more than one core. They were API clients
// already (a kubeconfig, HTTPS), so nothing about them changes but where their loops run.
//
// What crosses to the thread is plain data (paths, key PEM, names): the worker builds its own
// controllers. It reports the scheduler's counters every `statsEveryMs` when asked (benchmarks).
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

export interface ComponentThreadOptions {
  component: 'scheduler' | 'controller-manager';
  /** A kubeconfig file, or a kubeconfig's YAML (benchmarks and tests that have no file). */
  kubeconfig: { file: string } | { yaml: string };
  /** Controller manager: run only these (Controller.name); default: all of controllersWith(). */
  controllers?: string[];
  /** Controller manager: upstream's --use-service-account-credentials. */
  useServiceAccountCredentials?: boolean;
  /** Controller manager: the ServiceAccount token signer's key (adds the tokens controller), and the root CA it hands out. */
  serviceAccountKey?: { privateKey: string; rootCA?: string };
  /** Scheduler: bindings and status writes under way at once. */
  maxInFlight?: number;
  /** Post SchedulerThreadStats this often (scheduler only). */
  statsEveryMs?: number;
  /** Log lines are written to this process's stderr with a timestamp, as in the main thread. */
  quiet?: boolean;
}

export interface SchedulerThreadStats { bound: number; attempts: number; nodes: number }

export interface ComponentThread {
  /** Resolves when the component has stopped and its thread has ended. */
  done: Promise<void>;
  /** The latest counters the scheduler reported (statsEveryMs). */
  readonly stats: SchedulerThreadStats;
  stop(): Promise<void>;
}

type ToThread = { op: 'stop' };
type FromThread = { op: 'stats'; stats: SchedulerThreadStats } | { op: 'stopped' } | { op: 'failed'; message: string };

const ROLE = 'capstan-component-thread';

export function startComponentThread(opts: ComponentThreadOptions, log: (msg: string) => void): ComponentThread {
  // Node 20 does not pass `--import tsx` on to workers: register tsx first, then load this file.
  const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})`
    + `.then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); })`;
  const worker = new Worker(boot, { eval: true, workerData: { role: ROLE, opts } });
  const stats: SchedulerThreadStats = { bound: 0, attempts: 0, nodes: 0 };
  let failed: string | undefined;
  worker.on('message', (m: FromThread) => {
    if (m.op === 'stats') Object.assign(stats, m.stats);
    else if (m.op === 'failed') failed = m.message;
  });
  const done = new Promise<void>((resolve) => {
    worker.on('error', (e) => { failed ??= String((e as Error)?.stack ?? e); });
    worker.on('exit', (code) => {
      if (failed || code !== 0) log(`${opts.component} thread ended${code ? ` (exit ${code})` : ''}${failed ? `: ${failed}` : ''}`);
      resolve();
    });
  });
  return {
    done,
    stats,
    async stop() {
      worker.postMessage({ op: 'stop' } satisfies ToThread);
      await done;
    },
  };
}

// --- the thread ---------------------------------------------------------------------------------

async function runInThread(opts: ComponentThreadOptions): Promise<void> {
  const port = parentPort!;
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kubeconfig = 'file' in opts.kubeconfig ? opts.kubeconfig.file : (() => {
    const kc = new KubeConfig();
    kc.loadFromString(opts.kubeconfig.yaml);
    return kc;
  })();
  const log = opts.quiet ? () => {} : (msg: string) => process.stderr.write(`${new Date().toISOString()} ${msg}\n`);
  const ac = new AbortController();
  port.on('message', (m: ToThread) => { if (m.op === 'stop') ac.abort(); });
  let timer: NodeJS.Timeout | undefined;
  try {
    if (opts.component === 'scheduler') {
      const { startScheduler } = await import('../scheduler/index.ts');
      let report: (() => void) | undefined;
      const running = startScheduler({
        kubeconfig, signal: ac.signal, log,
        ...(opts.maxInFlight ? { maxInFlight: opts.maxInFlight } : {}),
        onStarted: (s) => {
          report = () => port.postMessage({ op: 'stats', stats: { bound: s.stats.bound, attempts: s.stats.attempts, nodes: s.cache.nodeCount() } } satisfies FromThread);
        },
      });
      if (opts.statsEveryMs) timer = setInterval(() => report?.(), opts.statsEveryMs);
      await running.done;
      report?.();
    } else {
      const controllers = await import('../controllers/index.ts');
      let list = controllers.controllersWith(opts.serviceAccountKey);
      if (opts.controllers) list = list.filter((c) => opts.controllers!.includes(c.name));
      const running = controllers.startControllerManager({
        kubeconfig, signal: ac.signal, log, controllers: list,
        ...(opts.useServiceAccountCredentials ? { useServiceAccountCredentials: true } : {}),
      });
      await running.done;
    }
  } finally {
    if (timer) clearInterval(timer);
  }
  port.postMessage({ op: 'stopped' } satisfies FromThread);
  // Lingering sockets and timers of the clients would keep the thread alive.
  process.exit(0);
}

const data = workerData as { role?: string; opts: ComponentThreadOptions } | null;
if (!isMainThread && data?.role === ROLE) {
  runInThread(data.opts).catch((e: unknown) => {
    parentPort!.postMessage({ op: 'failed', message: String((e as Error)?.stack ?? e) } satisfies FromThread);
    process.exit(1);
  });
}
