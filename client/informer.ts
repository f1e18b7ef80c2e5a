// Shared informers: list, then watch from the list's resourceVersion, into an in-memory cache
// keyed by namespace/name with optional indexes, telling handlers of adds, updates and deletes.
// Upstream: client-go's reflector + DeltaFIFO + indexer + sharedIndexInformer. client-node's own
// informer stops on any error but 410; this one lists again at once on 410 Expired, starts over
// (list, then watch) with back-off after any other failure, and resumes a watch that simply ended
// (the server's timeout) from its last resourceVersion.
import { setMaxListeners } from 'node:events';
import type { KubernetesObject } from '@kubernetes/client-node';
import { Backoff, sleep } from './backoff.ts';
import { ApiError, isExpired, resourceId, type Resource, type RestClient, type WatchEvent } from './rest.ts';

/** Where an informer gets its data; the default goes to the API server, tests pass fakes. */
export interface ListerWatcher<T> {
  list(signal: AbortSignal): Promise<{ items: T[]; resourceVersion: string }>;
  /** Resolves when the watch ends normally, rejects when it fails (410 for an expired RV). */
  watch(resourceVersion: string, onEvent: (ev: WatchEvent<T>) => void, signal: AbortSignal): Promise<void>;
}

export interface ListWatchOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** The watch asks the server to end it after this long times 1–2 (upstream: 5 minutes). */
  minWatchTimeoutSeconds?: number;
}

export function listWatcherFor<T extends KubernetesObject>(rest: RestClient, r: Resource<T>, o: ListWatchOptions = {}): ListerWatcher<T> {
  const min = o.minWatchTimeoutSeconds ?? 300;
  return {
    list: (signal) => rest.list(r, o.namespace, { labelSelector: o.labelSelector, fieldSelector: o.fieldSelector, signal }),
    watch: (resourceVersion, onEvent, signal) => rest.watch(r, o.namespace, {
      resourceVersion, labelSelector: o.labelSelector, fieldSelector: o.fieldSelector,
      timeoutSeconds: Math.floor(min * (1 + Math.random())), allowWatchBookmarks: true,
    }, onEvent, signal),
  };
}

/** Upstream's MetaNamespaceKeyFunc: "namespace/name", or "name" for cluster-scoped objects. */
export function keyOf(obj: KubernetesObject): string {
  const ns = obj.metadata?.namespace;
  const name = obj.metadata?.name ?? '';
  return ns ? `${ns}/${name}` : name;
}

export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

export type IndexFunc<T> = (obj: T) => string[];

export const BY_NAMESPACE = 'namespace';
export const BY_OWNER_UID = 'ownerUid';
export const indexByNamespace: IndexFunc<KubernetesObject> = (o) => [o.metadata?.namespace ?? ''];
export const indexByOwnerUid: IndexFunc<KubernetesObject> = (o) => (o.metadata?.ownerReferences ?? []).map((r) => r.uid);

/** A read-only view of an informer's cache. Objects are shared: never mutate them. */
export interface Lister<T> {
  get(key: string): T | undefined;
  getByName(namespace: string, name: string): T | undefined;
  list(namespace?: string): T[];
  keys(): string[];
  byIndex(index: string, value: string): T[];
}

export interface ResourceEventHandler<T> {
  onAdd?(obj: T): void;
  onUpdate?(oldObj: T, newObj: T): void;
  onDelete?(obj: T): void;
}

export interface InformerOptions<T> {
  name?: string;
  indexers?: Record<string, IndexFunc<T>>;
  backoff?: { initialMs?: number; maxMs?: number };
  log?: (msg: string) => void;
}

export class Informer<T extends KubernetesObject> implements Lister<T> {
  readonly name: string;
  private readonly cache = new Map<string, T>();
  private readonly indexers = new Map<string, IndexFunc<T>>();
  private readonly indices = new Map<string, Map<string, Set<string>>>();
  private readonly handlers = new Set<ResourceEventHandler<T>>();
  private readonly log: (msg: string) => void;
  private readonly backoffOpts: { initialMs?: number; maxMs?: number };
  private rv = '';
  private synced = false;
  private syncWaiters: Array<() => void> = [];
  private running = false;

  constructor(private readonly lw: ListerWatcher<T>, opts: InformerOptions<T> = {}) {
    this.name = opts.name ?? 'informer';
    this.log = opts.log ?? ((m) => process.stderr.write(`${m}\n`));
    this.backoffOpts = opts.backoff ?? {};
    this.addIndexers(opts.indexers ?? {});
  }

  /** Adds indexes; allowed at any time (existing objects are indexed at once). */
  addIndexers(indexers: Record<string, IndexFunc<T>>): void {
    for (const [name, fn] of Object.entries(indexers)) {
      if (this.indexers.has(name)) continue;
      this.indexers.set(name, fn);
      this.indices.set(name, new Map());
      for (const [key, obj] of this.cache) this.indexAdd(name, fn, key, obj);
    }
  }

  /**
   * Registers a handler; objects already cached are replayed to it as adds, as upstream does for
   * handlers added to a running informer. Returns the function that removes it.
   */
  addEventHandler(h: ResourceEventHandler<T>): () => void {
    this.handlers.add(h);
    if (h.onAdd) for (const obj of this.cache.values()) this.call(() => h.onAdd!(obj));
    return () => { this.handlers.delete(h); };
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** True once the first list is in the cache; false if the signal aborts first. */
  waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onAbort = () => resolve(false);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.syncWaiters.push(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve(true);
      });
    });
  }

  /** The resourceVersion the cache is at. */
  lastSyncResourceVersion(): string {
    return this.rv;
  }

  get(key: string): T | undefined {
    return this.cache.get(key);
  }

  getByName(namespace: string, name: string): T | undefined {
    return this.cache.get(namespace ? `${namespace}/${name}` : name);
  }

  list(namespace?: string): T[] {
    if (!namespace) return [...this.cache.values()];
    if (this.indexers.has(BY_NAMESPACE)) return this.byIndex(BY_NAMESPACE, namespace);
    return [...this.cache.values()].filter((o) => o.metadata?.namespace === namespace);
  }

  keys(): string[] {
    return [...this.cache.keys()];
  }

  byIndex(index: string, value: string): T[] {
    const idx = this.indices.get(index);
    if (!idx) throw new Error(`informer ${this.name}: no index ${JSON.stringify(index)}`);
    return [...(idx.get(value) ?? [])].map((k) => this.cache.get(k)!).filter((o) => o !== undefined);
  }

  /** Lists and watches until the signal aborts; restarts after every failure. */
  async run(signal: AbortSignal): Promise<void> {
    if (this.running) throw new Error(`informer ${this.name}: already running`);
    this.running = true;
    const backoff = new Backoff(this.backoffOpts.initialMs ?? 800, this.backoffOpts.maxMs ?? 30_000);
    let needList = true;
    try {
      while (!signal.aborted) {
        let healthy = false;
        try {
          if (needList) {
            const res = await this.lw.list(signal);
            if (signal.aborted) break;
            this.replace(res.items, res.resourceVersion);
            needList = false;
          }
          const started = Date.now();
          const outcome = await this.watchOnce(signal);
          healthy = outcome.events > 0 || Date.now() - started >= 10_000;
          if (outcome.expired) {
            // Upstream reflector: 410 Gone means list again, at once.
            needList = true;
            continue;
          }
          if (outcome.error) throw outcome.error;
          if (!healthy) await sleep(backoff.next(), signal);
          else backoff.reset();
        } catch (e) {
          if (signal.aborted) break;
          if (isExpired(e)) {
            needList = true;
            continue;
          }
          if (healthy) backoff.reset();
          const delay = backoff.next();
          this.log(`informer ${this.name}: ${needList ? 'list' : 'watch'} failed (retrying in ${Math.round(delay)} ms): ${(e as Error)?.message ?? String(e)}`);
          // Upstream's reflector starts over with a list after any failure: the server may have
          // restarted on other storage, where our resourceVersion means nothing.
          needList = true;
          await sleep(delay, signal);
        }
      }
    } finally {
      this.running = false;
    }
  }

  private async watchOnce(signal: AbortSignal): Promise<{ events: number; expired: boolean; error?: Error }> {
    const ac = new AbortController();
    const onAbort = () => ac.abort();
    // A factory started on an already-aborted signal stops at once (no abort event will come).
    if (signal.aborted) ac.abort(); else signal.addEventListener('abort', onAbort, { once: true });
    const out: { events: number; expired: boolean; error?: Error } = { events: 0, expired: false };
    try {
      await this.lw.watch(this.rv, (ev) => {
        switch (ev.type) {
          case 'ADDED':
          case 'MODIFIED':
            out.events++;
            this.upsert(ev.object);
            this.rv = ev.object.metadata?.resourceVersion ?? this.rv;
            break;
          case 'DELETED':
            out.events++;
            this.remove(ev.object);
            this.rv = ev.object.metadata?.resourceVersion ?? this.rv;
            break;
          case 'BOOKMARK':
            if (ev.resourceVersion) this.rv = ev.resourceVersion;
            break;
          case 'ERROR': {
            const s = ev.status;
            if (s.code === 410) out.expired = true;
            else out.error = new ApiError(s.code ?? 500, s.reason ?? '', `watch error: ${s.message ?? JSON.stringify(s)}`);
            // The server ends the stream after an ERROR; do not wait for it.
            ac.abort();
            break;
          }
        }
      }, ac.signal);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    return out;
  }

  /** A fresh list: the cache becomes exactly these items, with events for the differences. */
  private replace(items: T[], resourceVersion: string): void {
    const fresh = new Map<string, T>();
    for (const obj of items) fresh.set(keyOf(obj), obj);
    for (const [key, old] of [...this.cache]) {
      if (!fresh.has(key)) {
        this.store(key, undefined);
        this.emit((h) => h.onDelete?.(old));
      }
    }
    for (const [key, obj] of fresh) {
      const old = this.cache.get(key);
      this.store(key, obj);
      if (!old) this.emit((h) => h.onAdd?.(obj));
      else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) this.emit((h) => h.onUpdate?.(old, obj));
    }
    this.rv = resourceVersion;
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }

  private upsert(obj: T): void {
    const key = keyOf(obj);
    const old = this.cache.get(key);
    this.store(key, obj);
    if (!old) this.emit((h) => h.onAdd?.(obj));
    else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) this.emit((h) => h.onUpdate?.(old, obj));
  }

  private remove(obj: T): void {
    const key = keyOf(obj);
    if (!this.cache.has(key)) return;
    this.store(key, undefined);
    this.emit((h) => h.onDelete?.(obj));
  }

  private store(key: string, obj: T | undefined): void {
    const old = this.cache.get(key);
    if (old) for (const [name, fn] of this.indexers) this.indexRemove(name, fn, key, old);
    if (obj) {
      this.cache.set(key, obj);
      for (const [name, fn] of this.indexers) this.indexAdd(name, fn, key, obj);
    } else {
      this.cache.delete(key);
    }
  }

  private indexAdd(name: string, fn: IndexFunc<T>, key: string, obj: T): void {
    const idx = this.indices.get(name)!;
    for (const v of fn(obj)) {
      let set = idx.get(v);
      if (!set) idx.set(v, (set = new Set()));
      set.add(key);
    }
  }

  private indexRemove(name: string, fn: IndexFunc<T>, key: string, obj: T): void {
    const idx = this.indices.get(name)!;
    for (const v of fn(obj)) {
      const set = idx.get(v);
      if (!set) continue;
      set.delete(key);
      if (set.size === 0) idx.delete(v);
    }
  }

  private emit(fn: (h: ResourceEventHandler<T>) => void): void {
    for (const h of [...this.handlers]) this.call(() => fn(h));
  }

  private call(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.log(`informer ${this.name}: event handler failed: ${(e as Error)?.stack ?? String(e)}`);
    }
  }
}

interface Entry {
  informer: Informer<KubernetesObject>;
  ac?: AbortController;
  done?: Promise<void>;
}

/**
 * One informer per resource, shared by every controller of a process (upstream's
 * SharedInformerFactory). Informers asked for after start() start at once.
 */
export class InformerFactory {
  private readonly entries = new Map<string, Entry>();
  private signal: AbortSignal | undefined;

  constructor(private readonly rest: RestClient, private readonly opts: { log?: (msg: string) => void; backoff?: { initialMs?: number; maxMs?: number } } = {}) {}

  informerFor<T extends KubernetesObject>(r: Resource<T>, opts: { indexers?: Record<string, IndexFunc<T>> } = {}): Informer<T> {
    const id = `${resourceId(r)}#${r.model}`;
    let e = this.entries.get(id);
    if (!e) {
      const informer = new Informer<T>(listWatcherFor(this.rest, r), {
        name: resourceId(r), log: this.opts.log, backoff: this.opts.backoff, indexers: { [BY_NAMESPACE]: indexByNamespace },
      });
      e = { informer: informer as unknown as Informer<KubernetesObject> };
      this.entries.set(id, e);
      if (this.signal) this.startEntry(e, this.signal);
    }
    const informer = e.informer as unknown as Informer<T>;
    if (opts.indexers) informer.addIndexers(opts.indexers);
    return informer;
  }

  /** Starts every informer (and later ones) until the signal aborts. */
  start(signal: AbortSignal): void {
    if (this.signal) return;
    // One listener on the caller's signal; the informers listen on ours (as many as there are resources).
    const root = new AbortController();
    setMaxListeners(0, root.signal);
    if (signal.aborted) root.abort();
    else signal.addEventListener('abort', () => root.abort(), { once: true });
    this.signal = root.signal;
    for (const e of this.entries.values()) this.startEntry(e, root.signal);
  }

  private startEntry(e: Entry, signal: AbortSignal): void {
    if (e.ac) return;
    e.ac = new AbortController();
    const ac = e.ac;
    const onAbort = () => ac.abort();
    // A factory started on an already-aborted signal stops at once (no abort event will come).
    if (signal.aborted) ac.abort(); else signal.addEventListener('abort', onAbort, { once: true });
    e.done = e.informer.run(ac.signal).finally(() => signal.removeEventListener('abort', onAbort));
  }

  /** Stops and forgets one informer (a resource that is no longer served). */
  async stop(r: Resource): Promise<void> {
    const id = `${resourceId(r)}#${r.model}`;
    const e = this.entries.get(id);
    if (!e) return;
    this.entries.delete(id);
    e.ac?.abort();
    await e.done;
  }

  /** True once every informer asked for so far has synced; false if the signal aborts first. */
  async waitForSync(signal: AbortSignal): Promise<boolean> {
    const results = await Promise.all([...this.entries.values()].map((e) => e.informer.waitForSync(signal)));
    return results.every(Boolean);
  }

  /** Resolves when every started informer has stopped. */
  async done(): Promise<void> {
    await Promise.all([...this.entries.values()].map((e) => e.done));
  }
}
