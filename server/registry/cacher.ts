// The watch cache, in the spirit of upstream's cacher: per storage key root, the current objects
// in memory, kept up to date by one store watch. Lists are served from it — resourceVersion "0"
// at once, and consistent lists ("" or NotOlderThan N) once the cache has caught up with the
// store's current RV — so many clients listing do not each read the database. Paged and exact
// lists still go to the store, which can read at an older RV.
import { isStorageError, type Store, type StoredObject } from '../../storage/store.ts';

export interface CachedList {
  items: StoredObject[];
  rv: bigint;
}

const RELIST_BACKOFF_MS = [100, 500, 1000, 2000, 5000];

export class Cacher {
  private readonly objects = new Map<string, StoredObject>();
  private sorted: string[] | undefined;
  private rv = 0n;
  private ready = false;
  private readonly waiters = new Set<{ rv: bigint; resolve: (ok: boolean) => void }>();
  private readonly ac = new AbortController();
  private failures = 0;

  constructor(private readonly store: Store, readonly root: string, private readonly log: (msg: string) => void = () => {}) {
    void this.run();
  }

  stop(): void {
    this.ac.abort();
    for (const w of this.waiters) w.resolve(false);
  }

  private async run(): Promise<void> {
    while (!this.ac.signal.aborted) {
      try {
        const list = await this.store.list(this.root);
        this.objects.clear();
        for (const item of list.items) this.objects.set(item.key, item.obj);
        this.sorted = undefined;
        this.advance(list.rv);
        this.ready = true;
        this.failures = 0;
        for await (const ev of this.store.watch(this.root, list.rv, { signal: this.ac.signal, progressNotify: true })) {
          if (ev.type === 'ADDED' || ev.type === 'MODIFIED') {
            if (!this.objects.has(ev.key)) this.sorted = undefined;
            this.objects.set(ev.key, ev.obj!);
          } else if (ev.type === 'DELETED') {
            this.objects.delete(ev.key);
            this.sorted = undefined;
          }
          this.advance(ev.rv);
        }
      } catch (e) {
        if (!isStorageError(e, 'WatchOverflow') && !isStorageError(e, 'Expired')) this.log(`watch cache ${this.root}: ${String(e)}`);
      }
      this.ready = false;
      if (this.ac.signal.aborted) return;
      await new Promise((r) => setTimeout(r, RELIST_BACKOFF_MS[Math.min(this.failures++, RELIST_BACKOFF_MS.length - 1)]).unref());
    }
  }

  private advance(rv: bigint): void {
    if (rv > this.rv) this.rv = rv;
    for (const w of this.waiters) if (this.rv >= w.rv) { this.waiters.delete(w); w.resolve(true); }
  }

  /** Waits until the cache reflects every change up to `rv` (false if it cannot within the timeout). */
  private waitFor(rv: bigint, timeoutMs: number): Promise<boolean> {
    if (this.ready && this.rv >= rv) return Promise.resolve(true);
    return new Promise((resolve) => {
      const w = { rv, resolve: (ok: boolean) => { clearTimeout(timer); resolve(ok && this.ready); } };
      const timer = setTimeout(() => { this.waiters.delete(w); resolve(false); }, timeoutMs);
      this.waiters.add(w);
    });
  }

  /** One object from the cache as it is now (possibly a moment stale), if the cache is ready. */
  peek(key: string): { ready: boolean; obj?: StoredObject } {
    return this.ready ? { ready: true, obj: this.objects.get(key) } : { ready: false };
  }

  /**
   * The objects under `prefix` as of an RV at or after `minRV` (0: whatever the cache has), or
   * undefined when the cache cannot answer in time (the caller reads the store).
   */
  async list(prefix: string, minRV: bigint, predicate?: (o: StoredObject) => boolean): Promise<CachedList | undefined> {
    if (!(await this.waitFor(minRV, 3_000))) return undefined;
    this.sorted ??= [...this.objects.keys()].sort();
    const items: StoredObject[] = [];
    for (const key of this.sorted) {
      if (!key.startsWith(prefix)) continue;
      const obj = this.objects.get(key)!;
      if (!predicate || predicate(obj)) items.push(obj);
    }
    return { items, rv: this.rv };
  }
}

const cachers = new WeakMap<Store, Map<string, Cacher>>();

/** One cacher per store and key root, shared by every registry (and version) over it. */
export function cacherFor(store: Store, root: string, log?: (msg: string) => void): Cacher {
  let byRoot = cachers.get(store);
  if (!byRoot) cachers.set(store, (byRoot = new Map()));
  let c = byRoot.get(root);
  if (!c) byRoot.set(root, (c = new Cacher(store, root, log)));
  return c;
}

export function stopCachers(store: Store): void {
  for (const c of cachers.get(store)?.values() ?? []) c.stop();
  cachers.delete(store);
}
