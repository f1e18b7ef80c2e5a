// The log tailer: the one reader of capstan_log per process. It hands on the log in RV order,
// only ever a contiguous run of RVs, so a watcher can never skip a change.
//
// This process's own writes it takes from memory: a write that has returned is committed, and
// the store tells the tailer everything its log row holds (`wrote`), so when the next RV is one
// of those it is handed on without reading the database. With one process on the database, that
// is every RV but the odd hole, and the log is read only by the poll and by lists and watches
// that wait for an RV. The database is read when something else may have written: a doorbell
// from another process (NOTIFY), the poll, a waiter for an RV not yet seen, or a missing RV below
// this process's own writes that none of its writes still in flight may fill (none in flight, or
// missing for `gapMs`).
//
// RVs come from a sequence, so with concurrent writers a higher RV can commit before a lower
// one. When a read finds a hole (RV n missing while n+1 is there) the tailer stops at n and
// waits: the lower write is normally a few milliseconds from commit. A hole that outlives
// `holeTimeoutMs` belongs to a write that died; the tailer fills it with a hole row. The fill is
// an INSERT on the RV primary key, so if that write is in fact still in flight the fill waits for
// it and then yields to it; if the write has not inserted yet it fails instead. Either way no
// committed change is lost.
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

export interface TailerOptions {
  holeTimeoutMs?: number;
  pollIntervalMs?: number;
  /** How long a missing RV below this process's own writes may wait for its writes in flight (ms). */
  gapMs?: number;
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

/** Own writes held for the tailer at most; past this it reads them back like anyone else's. */
const KNOWN_LIMIT = 100_000;

export class LogTailer {
  /** Every RV at or below this has been read and handed on. */
  last: bigint;
  /** This process's committed writes above `last`, by RV. */
  private readonly known = new Map<bigint, LogEntry>();
  /** This process's writes that may hold an RV the tailer has not been told of yet. */
  private inFlight = 0;
  /** Read the database at the next drain. */
  private wantRead = false;
  /** Drains run one at a time, batched: every wake-up in one turn of the event loop makes one. */
  private state: 'idle' | 'scheduled' | 'running' = 'idle';
  /** Woken while a drain was running: drain again when it is over. */
  private again = false;
  private running: Promise<void> | undefined;
  private stopped = false;
  /** The next deadline: a hole to look at again, a gap waited on long enough, a back-off over. */
  private timer: NodeJS.Timeout | undefined;
  private poll: NodeJS.Timeout | undefined;
  /** While reads fail: how long to wait before the next (ms), 0 when they do not. */
  private backoff = 0;
  /** A missing RV (last + 1) below own writes, and since when. */
  private gapRV = 0n;
  private gapSince = 0;
  /** A hole the database showed (RV n missing, n + 1 committed), and since when. */
  private holeRV = 0n;
  private holeSince = 0;
  private readonly waiters = new Set<{ rv: bigint; resolve: () => void }>();
  private readonly holeTimeoutMs: number;
  private readonly pollIntervalMs: number;
  private readonly gapMs: number;
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
    this.gapMs = opts.gapMs ?? 20;
    this.batchSize = opts.batchSize ?? 1_000;
  }

  start(): void {
    if (this.poll || this.stopped) return;
    // The backstop for doorbells lost on the way (NOTIFY is at-most-once).
    this.poll = setInterval(() => this.ring(), this.pollIntervalMs);
    this.poll.unref();
    this.ring();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.poll);
    clearTimeout(this.timer);
    await this.running;
    for (const w of this.waiters) w.resolve();
  }

  /** The doorbell: something may have been written; read the log soon. */
  ring(): void {
    this.wantRead = true;
    this.kick();
  }

  /** A write of this process is about to take an RV; `wrote` must follow. */
  writing(): void {
    this.inFlight++;
  }

  /** A write of this process is over: what it committed (a change, or a filler for an RV it took), or nothing. */
  wrote(entry: LogEntry | undefined): void {
    this.inFlight--;
    if (entry && entry.rv > this.last && this.known.size < KNOWN_LIMIT) {
      this.known.set(entry.rv, entry);
      this.kick();
    } else if (this.inFlight === 0 && this.known.size > 0) {
      this.kick(); // the gap below own writes has no write of ours left to fill it
    }
  }

  /** Resolves once every RV up to `rv` has been handed on (false on timeout). */
  waitFor(rv: bigint, timeoutMs: number): Promise<boolean> {
    if (this.last >= rv) return Promise.resolve(true);
    return new Promise((resolve) => {
      const w = { rv, resolve: () => { clearTimeout(timer); this.waiters.delete(w); resolve(this.last >= rv); } };
      const timer = setTimeout(() => w.resolve(), timeoutMs);
      this.waiters.add(w);
      this.ring();
    });
  }

  private kick(): void {
    if (this.stopped) return;
    if (this.state === 'running') { this.again = true; return; }
    if (this.state === 'scheduled') return;
    this.state = 'scheduled';
    // After the rest of this turn's I/O: the writes that return together are handed on together.
    setImmediate(() => { this.running = this.drainOnce(); });
  }

  private async drainOnce(): Promise<void> {
    this.state = 'running';
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.stopped) return;
    let failed = false;
    try {
      await this.drain();
      this.backoff = 0;
    } catch (err) {
      this.opts.onError?.(err);
      this.wantRead = true;
      failed = true;
      // Back off while the database is away, but a wake-up meanwhile (a local write that
      // succeeded, a NOTIFY, a reconnected LISTEN) means it is back: read again at once.
      this.backoff = Math.min(Math.max(this.backoff * 2, 50), 1_000);
    }
    this.state = 'idle';
    if (this.stopped) return;
    if (this.again) {
      this.again = false;
      this.kick();
      return;
    }
    const wait = failed ? this.backoff : this.holeRV ? 2 : this.gapRV ? Math.max(1, this.gapSince + this.gapMs - Date.now()) : undefined;
    if (wait === undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.holeRV || this.backoff) this.wantRead = true;
      this.kick();
    }, wait);
  }

  /** Hands on `run` (contiguous from last + 1) and wakes the waiters it satisfies. */
  private handOn(run: LogEntry[]): void {
    if (run.length === 0) return;
    this.last = run[run.length - 1]!.rv;
    if (this.holeRV && this.holeRV <= this.last) this.holeRV = 0n;
    this.deliver(run, this.last);
    for (const w of this.waiters) if (this.last >= w.rv) w.resolve();
  }

  /** Hands on own writes that follow on from `last`. */
  private handOnKnown(): void {
    let e = this.known.get(this.last + 1n);
    if (!e) return;
    const run: LogEntry[] = [];
    do {
      this.known.delete(e.rv);
      run.push(e);
      e = this.known.get(e.rv + 1n);
    } while (e);
    this.handOn(run);
  }

  private async drain(): Promise<void> {
    this.handOnKnown();
    if (this.gapDue()) this.wantRead = true;
    if (!this.wantRead) return;
    this.wantRead = false;
    while (await this.readLog()) { /* a full batch: read on */ }
    this.gapDue();
  }

  /**
   * Notes a missing RV right after `last` with own writes above it, and says whether to read the
   * database for it: at once if no write of ours is in flight to fill it, else after `gapMs`.
   */
  private gapDue(): boolean {
    if (this.known.size === 0) { this.gapRV = 0n; return false; }
    if (this.gapRV !== this.last + 1n) { this.gapRV = this.last + 1n; this.gapSince = Date.now(); }
    return this.inFlight === 0 || Date.now() - this.gapSince >= this.gapMs;
  }

  /** Reads one batch of the log after `last`; true if there may be more to read at once. */
  private async readLog(): Promise<boolean> {
    const skip: string[] = [];
    for (const rv of this.known.keys()) if (rv > this.last) skip.push(rv.toString());
    const rows = await this.driver.query(queries.tail, [this.last.toString(), this.batchSize, skip]);
    const run: LogEntry[] = [];
    let next = this.last + 1n;
    let i = 0;
    for (;;) {
      // Own writes (already known) and rows read, merged in RV order.
      while (i < rows.length && BigInt(rows[i]!.rv as string | number) < next) i++;
      const mine = this.known.get(next);
      if (mine) {
        this.known.delete(next);
        run.push(mine);
      } else if (i < rows.length && BigInt(rows[i]!.rv as string | number) === next) {
        run.push(toEntry(rows[i]!));
      } else {
        break;
      }
      next++;
    }
    this.handOn(run);
    for (const rv of this.known.keys()) if (rv <= this.last) this.known.delete(rv);
    if (i < rows.length) {
      // A hole at `next`, with later RVs already committed.
      const now = Date.now();
      if (this.holeRV !== next) { this.holeRV = next; this.holeSince = now; return false; }
      if (now - this.holeSince < this.holeTimeoutMs) return false;
      // A hole at or below the compacted RV was made by compaction, not by a writer: it went
      // past this reader (whose heartbeat must have lapsed), and what was there is gone.
      const [c] = await this.driver.query(queries.compactedRV);
      const compacted = BigInt((c?.rv as string | number | null) ?? 0);
      if (compacted >= next) {
        this.opts.onCompactedPast?.(compacted);
        this.last = compacted;
        this.holeRV = 0n;
        for (const rv of this.known.keys()) if (rv <= this.last) this.known.delete(rv);
        for (const w of this.waiters) if (this.last >= w.rv) w.resolve();
        return true;
      }
      const firstAfter = BigInt(rows[i]!.rv as string | number);
      await this.driver.query(queries.fillHoles, [next.toString(), (firstAfter - 1n).toString()]);
      return true;
    }
    return rows.length === this.batchSize;
  }
}
