// An in-memory copy of the objects under one store prefix, kept current by a store watch (list,
// then watch from the list's RV; relist after an expired or overflowing watch), as the
// informers upstream's authorizers read. Each object is kept in a projected form, and every
// change is reported so that callers can keep their own indexes; `generation` moves on each
// change so an index built from the mirror knows when to rebuild.
import { isStorageError, type Store, type StoredObject } from '../../storage/store.ts';

const RELIST_BACKOFF_MS = [100, 500, 1000, 2000, 5000];

export interface MirrorOptions<T> {
  /** What to keep of an object (undefined: nothing). */
  project(obj: StoredObject): T | undefined;
  /** Each change: an object added (prev undefined), changed, or gone (next undefined). */
  onChange?(key: string, prev: T | undefined, next: T | undefined): void;
  log?: (msg: string) => void;
}

export class StoreMirror<T> {
  private readonly items = new Map<string, T>();
  private readonly ac = new AbortController();
  private synced = false;
  private markSynced!: () => void;
  /** Resolves once the first list is in (never rejects; stop() resolves it too). */
  readonly ready: Promise<void> = new Promise((r) => { this.markSynced = r; });
  /** Moves on every change, so derived indexes know when they are stale. */
  generation = 0;
  /** The store RV this copy reflects (bookmarks move it past other prefixes' changes). */
  private rv = 0n;
  private readonly waiters = new Set<{ rv: bigint; resolve: (ok: boolean) => void }>();

  constructor(private readonly store: Store, readonly prefix: string, private readonly opts: MirrorOptions<T>) {
    void this.run();
  }

  get isSynced(): boolean { return this.synced; }

  get(key: string): T | undefined { return this.items.get(key); }

  values(): IterableIterator<T> { return this.items.values(); }

  stop(): void {
    this.ac.abort();
    this.markSynced();
    for (const w of this.waiters) w.resolve(false);
    this.waiters.clear();
  }

  /** Resolves true once this copy reflects every change up to `rv`, false after `timeoutMs`. */
  waitFor(rv: bigint, timeoutMs: number): Promise<boolean> {
    if (this.synced && this.rv >= rv) return Promise.resolve(true);
    return new Promise((resolve) => {
      const w = { rv, resolve: (ok: boolean) => { clearTimeout(timer); resolve(ok); } };
      const timer = setTimeout(() => { this.waiters.delete(w); resolve(false); }, timeoutMs);
      this.waiters.add(w);
    });
  }

  private advance(rv: bigint): void {
    if (rv > this.rv) this.rv = rv;
    for (const w of this.waiters) if (this.rv >= w.rv) { this.waiters.delete(w); w.resolve(true); }
  }

  private set(key: string, next: T | undefined): void {
    const prev = this.items.get(key);
    if (prev === undefined && next === undefined) return;
    if (next === undefined) this.items.delete(key);
    else this.items.set(key, next);
    this.generation++;
    this.opts.onChange?.(key, prev, next);
  }

  private async run(): Promise<void> {
    let failures = 0;
    const signal = this.ac.signal;
    while (!signal.aborted) {
      try {
        const list = await this.store.list(this.prefix);
        const seen = new Set<string>();
        for (const item of list.items) {
          seen.add(item.key);
          this.set(item.key, this.opts.project(item.obj));
        }
        for (const key of [...this.items.keys()]) if (!seen.has(key)) this.set(key, undefined);
        this.generation++;
        this.synced = true;
        this.advance(list.rv);
        this.markSynced();
        failures = 0;
        for await (const ev of this.store.watch(this.prefix, list.rv, { signal, progressNotify: true })) {
          if (ev.type === 'ADDED' || ev.type === 'MODIFIED') this.set(ev.key, this.opts.project(ev.obj!));
          else if (ev.type === 'DELETED') this.set(ev.key, undefined);
          this.advance(ev.rv);
        }
      } catch (e) {
        if (signal.aborted) return;
        // Said once per run of failures: a closed store fails every retry.
        if (failures === 0 && !isStorageError(e, 'WatchOverflow') && !isStorageError(e, 'Expired')) this.opts.log?.(`authorizer cache ${this.prefix}: ${String(e)}`);
      }
      if (signal.aborted) return;
      await new Promise((r) => setTimeout(r, RELIST_BACKOFF_MS[Math.min(failures++, RELIST_BACKOFF_MS.length - 1)]).unref());
    }
  }
}
