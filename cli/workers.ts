// `capstan apiserver --workers N`: N API server processes behind one port, as node:cluster
// shares a listening socket (the primary accepts connections and hands them out in turn). Node
// runs JavaScript on one thread, so one process serves from one core; upstream's API server, in
// Go, uses them all. The workers are API servers like any others on one PostgreSQL: each keeps its
// own watch cache, and each learns of the others' writes from the database (NOTIFY), as separate
// `capstan apiserver` processes do. The embedded store belongs to one process, so workers need
// --database-url.
import cluster, { type Worker } from 'node:cluster';

/** What a worker tells the primary once its API server is serving. */
export interface WorkerReady {
  type: 'capstan-apiserver-ready';
  url: string;
}

const isReady = (m: unknown): m is WorkerReady => (m as WorkerReady | undefined)?.type === 'capstan-apiserver-ready';

/** In a worker: tells the primary the API server is serving (no-op in a process of its own). */
export function reportServing(url: string): void {
  if (cluster.isWorker) process.send?.({ type: 'capstan-apiserver-ready', url } satisfies WorkerReady);
}

/** The label a worker's log lines carry, so each request's line says which process served it. */
export const workerLabel = (): string => (cluster.isWorker ? `[worker ${cluster.worker!.id}] ` : '');

/**
 * Runs in the primary: starts one worker first (it makes the certificates, the kubeconfig and
 * the bootstrap objects, so the others find them made rather than race to make them), then the
 * rest together. Stops them all on SIGINT/SIGTERM; if one ends on its own, stops the others and
 * exits 1, for a supervisor to restart the whole, as `capstan up` does when a component fails.
 */
export async function runWorkers(count: number, log: (msg: string) => void, onServing: () => void): Promise<never> {
  const workers = new Set<Worker>();
  // The first reason to stop decides the exit code; later ones join it.
  let stopping: Promise<never> | undefined;
  const stopAll = (code: number): Promise<never> => (stopping ??= (async () => {
    await Promise.all([...workers].map((w) => new Promise<void>((resolve) => {
      if (w.isDead()) return resolve();
      w.once('exit', () => resolve());
      w.process.kill('SIGTERM');
    })));
    process.exit(code);
  })());
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => void stopAll(0));

  const start = (): Promise<string> => new Promise((resolve, reject) => {
    const w = cluster.fork();
    workers.add(w);
    const onMessage = (m: unknown) => {
      if (!isReady(m)) return;
      w.off('message', onMessage);
      resolve(m.url);
    };
    w.on('message', onMessage);
    w.once('exit', (code, signal) => {
      workers.delete(w);
      reject(new Error(`worker ${w.id} exited (${signal ?? `code ${code}`}) before serving`));
      if (stopping) return;
      log(`capstan apiserver: worker ${w.id} exited (${signal ?? `code ${code}`}); stopping the others`);
      void stopAll(1);
    });
  });

  try {
    const url = await start();
    await Promise.all(Array.from({ length: count - 1 }, start));
    log(`capstan apiserver: ${count} workers serving at ${url}`);
    onServing();
  } catch {
    return stopAll(1);
  }
  return new Promise<never>(() => {});
}

/** Whether this process is one of the workers of `capstan apiserver --workers`. */
export const isWorker = (): boolean => cluster.isWorker;
