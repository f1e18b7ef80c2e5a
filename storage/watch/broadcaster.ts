// Fan-out of the tailer's ordered log to every watcher in this process: one read of the log,
// any number of watchers, each with a bounded queue. A watcher that falls `maxQueue` events
// behind is closed with WatchOverflow; its client resumes from the last RV it saw, so nothing
// is lost and memory stays bounded.
import { decode } from '../codec.ts';
import { StorageError, type KeyPrefix, type WatchEvent } from '../store.ts';
import { EntryKind, type LogEntry } from './tailer.ts';

export function toWatchEvent(e: LogEntry): WatchEvent | undefined {
  switch (e.kind) {
    case EntryKind.Created:
      return { type: 'ADDED', rv: e.rv, key: e.key, obj: decode(e.value!, e.rv) };
    case EntryKind.Updated:
      return { type: 'MODIFIED', rv: e.rv, key: e.key, obj: decode(e.value!, e.rv),
        ...(e.prevValue !== null ? { prevObj: decode(e.prevValue, e.prevRV) } : {}) };
    case EntryKind.Deleted:
      // The last state, stamped with the deletion RV, as upstream's DELETED events carry.
      if (e.prevValue === null) return undefined;
      return { type: 'DELETED', rv: e.rv, key: e.key, obj: decode(e.prevValue, e.rv), prevObj: decode(e.prevValue, e.prevRV) };
    default:
      return undefined;
  }
}

export class Watcher {
  readonly queue: WatchEvent[] = [];
  /** Every event at or below this RV has been queued (live) or yielded (catching up). */
  pos: bigint;
  live = false;
  /** Wake on every advance of the position, not only on events (progress notify). */
  progress = false;
  error: Error | undefined;
  private wake: (() => void) | undefined;

  constructor(readonly prefix: KeyPrefix, fromRV: bigint, readonly maxQueue: number) {
    this.pos = fromRV;
  }

  push(ev: WatchEvent): void {
    if (this.error) return;
    if (this.queue.length >= this.maxQueue) {
      this.fail(new StorageError('WatchOverflow', this.prefix, `watcher fell more than ${this.maxQueue} events behind; resume from resourceVersion ${this.pos}`));
      return;
    }
    this.queue.push(ev);
    this.wake?.();
  }

  nudge(): void {
    this.wake?.();
  }

  fail(err: Error): void {
    this.error = err;
    this.queue.length = 0;
    this.wake?.();
  }

  /** Waits for an event, an error, an abort or the timeout. */
  wait(signal: AbortSignal, timeoutMs: number): Promise<void> {
    if (this.queue.length || this.error || signal.aborted) return Promise.resolve();
    // Woken by push, fail or nudge.
    return new Promise((resolve) => {
      const done = () => { clearTimeout(timer); signal.removeEventListener('abort', done); this.wake = undefined; resolve(); };
      const timer = setTimeout(done, timeoutMs);
      signal.addEventListener('abort', done, { once: true });
      this.wake = done;
    });
  }
}

export class Broadcaster {
  private readonly byPrefix = new Map<KeyPrefix, Set<Watcher>>();

  add(w: Watcher): void {
    let set = this.byPrefix.get(w.prefix);
    if (!set) this.byPrefix.set(w.prefix, (set = new Set()));
    set.add(w);
  }

  remove(w: Watcher): void {
    const set = this.byPrefix.get(w.prefix);
    set?.delete(w);
    if (set?.size === 0) this.byPrefix.delete(w.prefix);
  }

  /** The lowest RV any watcher here still has to read from the log (compaction spares it). */
  minPosition(): bigint | undefined {
    let min: bigint | undefined;
    for (const set of this.byPrefix.values()) for (const w of set) if (min === undefined || w.pos < min) min = w.pos;
    return min;
  }

  get size(): number {
    let n = 0;
    for (const set of this.byPrefix.values()) n += set.size;
    return n;
  }

  failAll(err: Error): void {
    for (const set of this.byPrefix.values()) for (const w of set) w.fail(err);
  }

  /** Closes every watcher still needing an RV at or below `rv` (which is gone from the log). */
  failBelow(rv: bigint, err: (w: Watcher) => Error): void {
    for (const set of this.byPrefix.values()) for (const w of set) if (w.pos < rv) w.fail(err(w));
  }

  /** Hands a contiguous run of the log to every live watcher whose prefix it touches. */
  deliver(entries: LogEntry[], upTo: bigint): void {
    if (this.byPrefix.size === 0) return;
    const events = new Map<LogEntry, WatchEvent | undefined>();
    for (const [prefix, set] of this.byPrefix) {
      for (const e of entries) {
        if (e.kind === EntryKind.Hole || !e.key.startsWith(prefix)) continue;
        let ev = events.get(e);
        if (!events.has(e)) events.set(e, (ev = toWatchEvent(e)));
        if (!ev) continue;
        for (const w of set) if (w.live && e.rv > w.pos) w.push(ev);
      }
      for (const w of set) {
        if (w.live && upTo > w.pos) {
          w.pos = upTo;
          if (w.progress) w.nudge();
        }
      }
    }
  }
}
