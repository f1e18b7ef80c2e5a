// The log tailer: the one reader of capstan_log per process. It reads the log in RV order and
// hands on only a contiguous run of RVs, so a watcher can never skip a change.
//
// RVs come from a sequence, so with concurrent writers a higher RV can commit before a lower
// one. When the tailer sees a hole (RV n missing while n+1 is there) it stops at n and waits:
// the lower write is normally a few milliseconds from commit. A hole that outlives
// `holeTimeoutMs` belongs to a write that died; the tailer fills it with a hole row. The fill is
// an INSERT on the RV primary key, so if that write is in fact still in flight the fill waits for
// it and then yields to it; if the write has not inserted yet it fails instead and is retried
// with a new RV. Either way no committed change is lost.
//
// Wake-ups: ring() after a local write, NOTIFY from other processes, and a slow poll as the
// backstop for lost notifications.
import type { SqlDriver } from '../drivers/driver.ts';
import { queries } from '../sql/queries.ts';

export const EntryKind = { Hole: 0, Created: 1, Updated: 2, Deleted: 3 } as const;
export type EntryKind = (typeof EntryKind)[keyof typeof EntryKind];

export interface LogEntry {
  rv: bigint;
  key: string;
  kind: EntryKind;
  value: string | null;
  prevRV: bigint;
  prevValue: string | null;
}

/** Values of this process's own writes, by RV, so the tailer need not read them back. */
export type KnownValues = Map<bigint, { value: string | null; prevValue: string | null }>;

export interface TailerOptions {
  known?: KnownValues;
  holeTimeoutMs?: number;
  pollIntervalMs?: number;
  batchSize?: number;
  onError?: (err: unknown) => void;
  /** The log was compacted past this reader: every watcher below `compacted` has lost events. */
  onCompactedPast?: (compacted: bigint) => void;
}

export function toEntry(row: Record<string, unknown>): LogEntry {
  return {
    rv: BigInt(row.rv as string | number),
    key: row.key as string,
    kind: Number(row.kind) as EntryKind,
    value: (row.value as string | null) ?? null,
    prevRV: BigInt((row.prev_rv as string | number | null) ?? 0),
    prevValue: (row.prev_value as string | null) ?? null,
  };
}

export class LogTailer {
  /** Every RV at or below this has been read and handed on. */
  last: bigint;
  private rung = false;
  private wake: (() => void) | undefined;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private holeRV = 0n;
  private holeSince = 0;
  private readonly waiters = new Set<{ rv: bigint; resolve: () => void }>();
  private readonly holeTimeoutMs: number;
  private readonly pollIntervalMs: number;
  private readonly batchSize: number;

  constructor(
    private readonly driver: SqlDriver,
    startRV: bigint,
    private readonly deliver: (entries: LogEntry[], upTo: bigint) => void,
    private readonly opts: TailerOptions = {},
  ) {
    this.last = startRV;
    this.holeTimeoutMs = opts.holeTimeoutMs ?? 1_000;
    this.pollIntervalMs = opts.pollIntervalMs ?? 1_000;
    this.batchSize = opts.batchSize ?? 1_000;
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    for (const w of this.waiters) w.resolve();
  }

  /** The doorbell: something was written; read the log soon. */
  ring(): void {
    this.rung = true;
    this.wake?.();
  }

  /** Resolves once every RV up to `rv` has been handed on (false on timeout). */
  waitFor(rv: bigint, timeoutMs: number): Promise<boolean> {
    if (this.last >= rv) return Promise.resolve(true);
    this.ring();
    return new Promise((resolve) => {
      const w = { rv, resolve: () => { clearTimeout(timer); this.waiters.delete(w); resolve(this.last >= rv); } };
      const timer = setTimeout(() => w.resolve(), timeoutMs);
      this.waiters.add(w);
    });
  }

  /** Sleeps for `ms`, or until ring() or stop(). */
  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() { clearTimeout(timer); resolve(); }
      this.wake = done;
    }).finally(() => { this.wake = undefined; });
  }

  private async run(): Promise<void> {
    let backoff = 50;
    while (!this.stopped) {
      if (!this.rung) await this.sleep(this.holeRV ? 2 : this.pollIntervalMs);
      if (this.stopped) break;
      this.rung = false;
      try {
        await this.drain();
        backoff = 50;
      } catch (err) {
        this.opts.onError?.(err);
        // Back off while the database is away, but a ring (a local write that succeeded, a
        // NOTIFY, a reconnected LISTEN) means it is back: read again at once.
        if (!this.rung) await this.sleep(backoff);
        backoff = Math.min(backoff * 2, 1_000);
      }
    }
  }

  private async drain(): Promise<void> {
    for (;;) {
      const known = this.opts.known;
      const skip: string[] = [];
      if (known) for (const rv of known.keys()) if (rv > this.last) skip.push(rv.toString());
      const rows = await this.driver.query(queries.tail, [this.last.toString(), this.batchSize, skip]);
      const run: LogEntry[] = [];
      let next = this.last + 1n;
      for (const row of rows) {
        const e = toEntry(row);
        if (e.rv !== next) break;
        const k = known?.get(e.rv);
        if (k && skip.length) {
          e.value = k.value;
          e.prevValue = k.prevValue;
        }
        run.push(e);
        next++;
      }
      if (run.length > 0) {
        this.last = run[run.length - 1]!.rv;
        if (known) for (const rv of known.keys()) if (rv <= this.last) known.delete(rv);
        this.holeRV = 0n;
        this.deliver(run, this.last);
        for (const w of this.waiters) if (this.last >= w.rv) w.resolve();
      }
      if (run.length < rows.length) {
        // A hole at `next`, with later RVs already committed.
        const now = Date.now();
        if (this.holeRV !== next) { this.holeRV = next; this.holeSince = now; return; }
        if (now - this.holeSince < this.holeTimeoutMs) return;
        // A hole at or below the compacted RV was made by compaction, not by a writer: it went
        // past this reader (whose heartbeat must have lapsed), and what was there is gone.
        const [c] = await this.driver.query(queries.compactedRV);
        const compacted = BigInt((c?.rv as string | number | null) ?? 0);
        if (compacted >= next) {
          this.opts.onCompactedPast?.(compacted);
          this.last = compacted;
          this.holeRV = 0n;
          for (const w of this.waiters) if (this.last >= w.rv) w.resolve();
          continue;
        }
        const firstAfter = toEntry(rows[run.length]!).rv;
        await this.driver.query(queries.fillHoles, [next.toString(), (firstAfter - 1n).toString()]);
        continue;
      }
      if (rows.length < this.batchSize) return;
    }
  }
}
