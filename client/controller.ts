// Controllers as values: `defineController({ name, primary, owns, sync })`, and the runner that
// wires informers → work queue → N workers calling the idempotent `sync(key)` (upstream's
// sample-controller shape). A failed sync is retried with per-key back-off; a sync may ask to be
// run again later; nothing trusts event order.
import type { KubernetesObject, V1OwnerReference } from '@kubernetes/client-node';
import type { Clients } from './kubeconfig.ts';
import { keyOf, type IndexFunc, type Informer, type InformerFactory, type Lister } from './informer.ts';
import { apiVersionOf, type Resource } from './rest.ts';
import { WorkQueue } from './workqueue.ts';
import type { EventRecorder } from './events.ts';

/** What a controller process gives each controller. */
export interface ControllerEnv {
  /**
   * The controller's own clients: what it reads directly and every write it makes goes through
   * them. Under the controller manager's service-account credentials they act as the
   * controller's ServiceAccount, limited to its RBAC role.
   */
  clients: Clients;
  /** The process's shared informers, on the process's own credential (list and watch of everything it caches). */
  informers: InformerFactory;
  /** An event recorder reporting as `component`. */
  recorder(component: string): EventRecorder;
  log(msg: string): void;
}

/** Anything the controller manager runs: it runs until the signal aborts, then resolves. */
export interface Controller {
  name: string;
  run(env: ControllerEnv, signal: AbortSignal): Promise<void>;
}

export interface SyncContext {
  clients: Clients;
  lister<T extends KubernetesObject>(r: Resource<T>): Lister<T>;
  recorder: EventRecorder;
  queue: WorkQueue<string>;
  signal: AbortSignal;
  log(msg: string): void;
}

/** What a sync may ask for beyond success: to run again after a while. */
export type SyncResult = void | { requeueAfterMs?: number };

export interface ControllerDefinition<P extends KubernetesObject> {
  name: string;
  /** The resource whose keys ("namespace/name") the queue holds. */
  primary: Resource<P>;
  /** Resources whose changes wake their controlling owner (ownerReference with controller: true) of the primary's kind. */
  owns?: Resource[];
  /**
   * Called for each change to an owned object before its owner's key is queued (upstream's
   * informer handlers lowering a controller's expectations: a pod seen created or deleted).
   * `ownerKey` is the key of the controlling owner the change wakes.
   */
  onOwnedEvent?(ownerKey: string, type: 'add' | 'update' | 'delete', obj: KubernetesObject, old?: KubernetesObject): void;
  /**
   * Other resources, with the primary keys a change to one of them wakes. `lister` reads any
   * informer's cache (an orphan pod wakes the ReplicaSets whose selector matches it).
   */
  watches?: Array<{
    resource: Resource;
    keys(obj: KubernetesObject, lister: <T extends KubernetesObject>(r: Resource<T>) => Lister<T>): string[];
    /** Indexes the sync reads through `lister(resource).byIndex(name, value)`. */
    indexers?: Record<string, IndexFunc<KubernetesObject>>;
  }>;
  workers?: number;
  maxLen?: number;
  /** Every key is queued again this often (upstream's resync period). */
  resyncMs?: number;
  sync(key: string, ctx: SyncContext): Promise<SyncResult>;
}

export function defineController<P extends KubernetesObject>(def: ControllerDefinition<P>): Controller & { definition: ControllerDefinition<P> } {
  return { name: def.name, definition: def, run: (env, signal) => runController(def, env, signal) };
}

const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '');

/** The ownerReference marked controller: true, if any. */
export function controllerRef(obj: KubernetesObject): V1OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

export async function runController<P extends KubernetesObject>(def: ControllerDefinition<P>, env: ControllerEnv, signal: AbortSignal): Promise<void> {
  const log = (msg: string) => env.log(`${def.name}: ${msg}`);
  let dropped = false;
  const queue = new WorkQueue<string>({ name: def.name, maxLen: def.maxLen, onDrop: () => { dropped = true; } });
  const primary = env.informers.informerFor(def.primary);
  const informers: Array<Informer<KubernetesObject>> = [primary as unknown as Informer<KubernetesObject>];
  const removers: Array<() => void> = [];
  const enqueue = (obj: KubernetesObject) => queue.add(keyOf(obj));
  removers.push(primary.addEventHandler({ onAdd: enqueue, onUpdate: (_o, n) => enqueue(n), onDelete: enqueue }));

  const primaryKind = def.primary.kind;
  const primaryApiVersion = apiVersionOf(def.primary);
  for (const r of def.owns ?? []) {
    const inf = env.informers.informerFor(r);
    informers.push(inf);
    const ownerKeyOf = (obj: KubernetesObject): string | undefined => {
      const ref = controllerRef(obj);
      if (!ref || ref.kind !== primaryKind || groupOf(ref.apiVersion) !== groupOf(primaryApiVersion)) return undefined;
      const ns = obj.metadata?.namespace;
      return ns ? `${ns}/${ref.name}` : ref.name;
    };
    const wake = (type: 'add' | 'update' | 'delete', obj: KubernetesObject, old?: KubernetesObject) => {
      const key = ownerKeyOf(obj);
      if (key === undefined) return;
      def.onOwnedEvent?.(key, type, obj, old);
      queue.add(key);
    };
    removers.push(inf.addEventHandler({
      onAdd: (o) => wake('add', o),
      onUpdate: (o, n) => {
        wake('update', n, o);
        // A changed controller: the old owner learns it lost the object.
        if (controllerRef(o)?.uid !== controllerRef(n)?.uid) { const k = ownerKeyOf(o); if (k !== undefined) queue.add(k); }
      },
      onDelete: (o) => wake('delete', o),
    }));
  }
  for (const w of def.watches ?? []) {
    const inf = env.informers.informerFor(w.resource, { indexers: w.indexers });
    informers.push(inf);
    const listerOf = <T extends KubernetesObject>(r: Resource<T>): Lister<T> => env.informers.informerFor(r);
    const wake = (obj: KubernetesObject) => { for (const k of w.keys(obj, listerOf)) queue.add(k); };
    removers.push(inf.addEventHandler({ onAdd: wake, onUpdate: (o, n) => { wake(o); wake(n); }, onDelete: wake }));
  }

  env.informers.start(signal);
  const onAbort = () => queue.shutDown();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const synced = await Promise.all(informers.map((i) => i.waitForSync(signal)));
    if (!synced.every(Boolean)) return;
    log('caches synced, starting workers');

    // After a drop, every key is queued again once the queue has room, starting where the last
    // such resync stopped so that keys beyond maxLen are reached too.
    let offset = 0;
    const resyncAll = () => {
      const keys = primary.keys();
      if (keys.length === 0) return;
      let added = 0;
      dropped = false;
      for (let i = 0; i < keys.length; i++) {
        if (!queue.add(keys[(offset + i) % keys.length]!)) break;
        added++;
      }
      offset = (offset + added) % keys.length;
    };
    const resyncTimer = def.resyncMs ? setInterval(resyncAll, def.resyncMs) : undefined;
    const ctx: SyncContext = {
      clients: env.clients,
      lister: (r) => env.informers.informerFor(r),
      recorder: env.recorder(def.name),
      queue, signal, log,
    };
    try {
      await runWorkers(queue, def.workers ?? 1, async (key) => {
        const res = await def.sync(key, ctx);
        if (res && res.requeueAfterMs !== undefined) queue.addAfter(key, res.requeueAfterMs);
      }, signal, log, () => { if (dropped && queue.size() < queue.maxLen / 2) resyncAll(); });
    } finally {
      if (resyncTimer) clearInterval(resyncTimer);
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    queue.shutDown();
    for (const r of removers) r();
  }
}

/**
 * N workers taking keys from the queue until it shuts down. A key whose handler throws is
 * re-queued with back-off; one that succeeds has its back-off forgotten.
 */
export async function runWorkers<K>(
  queue: WorkQueue<K>, workers: number, handle: (key: K) => Promise<void>, signal: AbortSignal,
  log: (msg: string) => void, afterEach?: () => void,
): Promise<void> {
  const onAbort = () => queue.shutDown();
  signal.addEventListener('abort', onAbort, { once: true });
  const worker = async () => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        await handle(key);
        queue.forget(key);
      } catch (e) {
        if (!signal.aborted) {
          log(`sync ${String(key)} failed (retry ${queue.numRequeues(key) + 1}): ${(e as Error)?.message ?? String(e)}`);
          queue.addRateLimited(key);
        }
      } finally {
        queue.done(key);
      }
      afterEach?.();
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, workers) }, worker));
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
