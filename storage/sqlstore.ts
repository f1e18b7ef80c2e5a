// The Store over PostgreSQL: what a revision log means (RVs, CAS, reads at an RV, watch,
// compaction), independent of which driver runs the SQL. See storage/README.md.
import { randomUUID } from 'node:crypto';
import type { SqlDriver, Row } from './drivers/driver.ts';
import { queries } from './sql/queries.ts';
import { WriteBatcher, type Write } from './batcher.ts';
import { GetBatcher, type Raw } from './readbatcher.ts';
import { schema, SCHEMA_VERSION } from './sql/schema.ts';
import { decode, encode, prefixEnd, encodeContinue, decodeContinue } from './codec.ts';
import { Broadcaster, Watcher, toWatchEvent } from './watch/broadcaster.ts';
import { EntryKind, LogTailer, toEntry, type LogEntry } from './watch/tailer.ts';
import {
  StorageError, type GuaranteedUpdateOptions, type Key, type KeyPrefix, type ListOptions, type ListResult,
  type Preconditions, type Store, type Stored, type StoredObject, type TryUpdate, type WatchEvent, type WatchOptions,
} from './store.ts';

export interface SqlStoreOptions {
  /** How long a hole in the RV sequence may stay open before it is filled (ms). */
  holeTimeoutMs?: number;
  /** The backstop poll of the log when no doorbell rings (ms). */
  pollIntervalMs?: number;
  /** Events a watcher may fall behind before it is closed. */
  watcherQueueLimit?: number;
  /** How often this process records the oldest RV its watchers still need (ms). */
  heartbeatIntervalMs?: number;
  logger?: (msg: string, err?: unknown) => void;
}


const created = (rv: bigint, key: Key, text: string): LogEntry =>
  ({ rv, key, kind: EntryKind.Created, value: text, prevRV: 0n, prevValue: null });

/** Deep equality of two JSON texts regardless of object key order. */
function sameJSON(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  return canonical(JSON.parse(a)) === canonical(JSON.parse(b));
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

const rvOf = (row: Row | undefined): bigint => BigInt((row?.rv as string | number | null) ?? 0);
/**
 * A key or prefix as SQL may be asked about it. PostgreSQL text holds no NUL, so no stored key has
 * one, and a name from a request path (where %00 decodes to NUL) must simply find nothing: U+FFFF,
 * which no valid name holds either, stands in for it.
 */
const queryable = (key: string): string => (key.includes('\0') ? key.replaceAll('\0', '\uffff') : key);
const MAX_UPDATE_ATTEMPTS = 100;
/** Another process is taken to be listening while its heartbeat is this recent (s). */
const PEER_TIMEOUT_S = 60;
const NOTIFY_CHANNEL = 'capstan_log';
const CATCH_UP_BATCH = 1_000;
const TOO_LARGE_RV_WAIT_MS = 3_000;

export class SqlStore implements Store {
  readonly id = randomUUID();
  private readonly broadcaster = new Broadcaster();
  private readonly tailer: LogTailer;
  private readonly writes: WriteBatcher;
  private readonly reads: GetBatcher;
  /** Whether another process may be listening for this one's doorbell (see `heard` and `beat`). */
  private peers = false;
  private notifying: Promise<void> | undefined;
  private notifyAgain = false;
  private unlisten: (() => Promise<void>) | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(readonly driver: SqlDriver, startRV: bigint, private readonly opts: SqlStoreOptions) {
    this.writes = new WriteBatcher(driver, driver.maxWritesInFlight);
    this.reads = new GetBatcher(driver, driver.maxReadsInFlight);
    this.tailer = new LogTailer(driver, startRV, (entries, upTo) => this.broadcaster.deliver(entries, upTo), {
      holeTimeoutMs: opts.holeTimeoutMs,
      pollIntervalMs: opts.pollIntervalMs,
      onError: (err) => opts.logger?.('storage: reading the log failed', err),
      onCompactedPast: (compacted) => {
        opts.logger?.(`storage: the log was compacted to ${compacted} past this process's reader; expiring its watchers`);
        this.broadcaster.failBelow(compacted, (w) =>
          new StorageError('Expired', w.prefix, `too old resource version: ${w.pos} (${compacted})`));
      },
    });
  }

  static async open(driver: SqlDriver, opts: SqlStoreOptions = {}): Promise<SqlStore> {
    await driver.exec(schema);
    const [version] = await driver.query(queries.schemaVersion);
    if (Number(version?.version) > SCHEMA_VERSION) {
      await driver.close();
      throw new Error(`storage: the database's schema is version ${String(version?.version)}, newer than this Capstan's (${SCHEMA_VERSION})`);
    }
    const [max] = await driver.query(queries.maxRV);
    const [compacted] = await driver.query(queries.compactedRV);
    // Start a little behind the head so that writes still in flight at start-up are not
    // stepped over; the tailer resolves any hole in that window before moving past it.
    let start = rvOf(max) - 1_000n;
    if (start < rvOf(compacted)) start = rvOf(compacted);
    if (start < 0n) start = 0n;
    const store = new SqlStore(driver, start, opts);
    if (driver.shared) {
      store.unlisten = await driver.listen(NOTIFY_CHANNEL, (sender) => store.heard(sender), () => {
        // NOTIFYs sent while away are lost, so read the log; and see who is here now.
        store.tailer.ring();
        void store.beat();
      });
    }
    store.tailer.start();
    await store.tailer.waitFor(rvOf(max), 30_000);
    store.heartbeat = setInterval(() => void store.beat(), opts.heartbeatIntervalMs ?? 10_000);
    store.heartbeat.unref();
    await store.beat();
    // Hello: processes already here that took themselves to be alone start ringing for this one.
    if (driver.shared) await store.ringPeers();
    return store;
  }

  /** The RV this process has read the log up to. */
  get tailedRV(): bigint {
    return this.tailer.last;
  }

  /** The lowest RV this process still needs from the log. */
  minNeededRV(): bigint {
    const w = this.broadcaster.minPosition();
    return w !== undefined && w < this.tailer.last ? w : this.tailer.last;
  }

  /**
   * The lowest RV any process still needs: this one's, and that of every process heard from in
   * the last `memberTimeoutMs` (capstan_members). Compaction never goes past it.
   */
  async oldestNeededRV(memberTimeoutMs: number): Promise<bigint> {
    const local = this.minNeededRV();
    const [row] = await this.driver.query(queries.membersMinRV, [memberTimeoutMs / 1_000]);
    if (row?.rv === null || row?.rv === undefined) return local;
    const members = rvOf(row);
    return members < local ? members : local;
  }

  /** Drops the heartbeat rows of processes not heard from for `olderThanMs`. */
  async forgetMembers(olderThanMs: number): Promise<void> {
    await this.driver.query(queries.forgetMembers, [olderThanMs / 1_000]);
  }

  /** Records this process in capstan_members, and learns whether any other process is there. */
  private async beat(): Promise<void> {
    if (this.closed) return;
    try {
      const [row] = await this.driver.query(queries.heartbeat, [this.id, this.minNeededRV().toString(), PEER_TIMEOUT_S]);
      if (row?.peers === true) this.joined();
      else this.peers = false;
    } catch (err) {
      this.opts.logger?.('storage: heartbeat failed', err);
    }
  }

  /** A doorbell from `sender`: read the log, unless it is this process's own. */
  private heard(sender: string): void {
    if (sender === this.id) return;
    this.tailer.ring();
    this.joined();
  }

  /**
   * Another process is listening. If this one took itself to be alone, it has written without
   * ringing: ring now, so the newcomer reads what it may have missed.
   */
  private joined(): void {
    if (this.peers || !this.driver.shared) return;
    this.peers = true;
    void this.ringPeers();
  }

  /**
   * Wakes the other processes' log readers: one NOTIFY in flight at a time, coalescing the
   * writes made meanwhile. Not sent while no other process is there to hear it: each process
   * says hello with one when it opens, and heartbeats in capstan_members show who is still here.
   */
  private ringPeers(): Promise<void> {
    if (this.notifying) { this.notifyAgain = true; return this.notifying; }
    this.notifying = (async () => {
      do {
        this.notifyAgain = false;
        try { await this.driver.query(queries.notify, [this.id]); } catch { /* the poll is the backstop */ }
      } while (this.notifyAgain && !this.closed);
      this.notifying = undefined;
    })();
    return this.notifying;
  }

  /**
   * Makes one write (batched with others that queue meanwhile) and tells the log reader what it
   * committed (`change` at the write's RV), or the hole filler it left if it took an RV and lost
   * (a create of a key that exists), so the reader hands both on without reading them back.
   * Returns the write's RV, 0 if it did not happen.
   */
  private async write(w: Write, change: (rv: bigint) => LogEntry): Promise<bigint> {
    this.tailer.writing();
    let entry: LogEntry | undefined;
    try {
      const out = await this.writes.submit(w);
      this.driver.noteWrites(1);
      if (out.rv === 0n) {
        if (out.filler) entry = { rv: out.filler, key: '', kind: EntryKind.Hole, value: null, prevRV: 0n, prevValue: null };
        return 0n;
      }
      entry = change(out.rv);
      if (this.peers) void this.ringPeers();
      return out.rv;
    } finally {
      this.tailer.wrote(entry);
    }
  }

  private getRaw(key: Key): Promise<Raw | undefined> {
    return this.reads.get(queryable(key));
  }

  async create(key: Key, obj: StoredObject): Promise<Stored> {
    const text = encode(obj);
    const rv = await this.write({ kind: 'create', key, value: text }, (rv) => created(rv, key, text));
    if (rv === 0n) throw new StorageError('AlreadyExists', key);
    return { key, rv, obj: decode(text, rv) };
  }

  async get(key: Key): Promise<Stored> {
    const raw = await this.getRaw(key);
    if (!raw) throw new StorageError('NotFound', key);
    return { key, rv: raw.rv, obj: decode(raw.text, raw.rv) };
  }

  private checkPreconditions(key: Key, cur: Raw, pre: Preconditions | undefined): void {
    if (!pre) return;
    if (pre.uid !== undefined) {
      const uid = (JSON.parse(cur.text) as StoredObject).metadata?.uid;
      if (uid !== pre.uid) {
        throw new StorageError('InvalidObj', key, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${uid ?? ''}`);
      }
    }
    if (pre.resourceVersion !== undefined && pre.resourceVersion !== cur.rv) {
      throw new StorageError('Conflict', key,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${cur.rv}`);
    }
  }

  async guaranteedUpdate(key: Key, tryUpdate: TryUpdate, opts: GuaranteedUpdateOptions = {}): Promise<Stored> {
    for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
      const cur = await this.getRaw(key);
      if (!cur && !opts.ignoreNotFound) throw new StorageError('NotFound', key);
      if (cur) this.checkPreconditions(key, cur, opts.preconditions);
      const next = await tryUpdate(cur ? { key, rv: cur.rv, obj: decode(cur.text, cur.rv) } : undefined);
      const text = encode(next);
      // No change, whatever order its keys came in: nothing is written and the RV stays.
      if (cur && (text === cur.text || sameJSON(text, cur.text))) return { key, rv: cur.rv, obj: decode(cur.text, cur.rv) };
      const rv = cur
        ? await this.write({ kind: 'update', key, expected: cur.rv, value: text },
          (rv) => ({ rv, key, kind: EntryKind.Updated, value: text, prevRV: cur.rv, prevValue: cur.text }))
        : await this.write({ kind: 'create', key, value: text }, (rv) => created(rv, key, text));
      if (rv === 0n) continue; // lost the compare-and-swap: read again and retry
      return { key, rv, obj: decode(text, rv) };
    }
    throw new StorageError('Conflict', key, `too many concurrent updates to ${key}`);
  }

  async delete(key: Key, opts: { preconditions?: Preconditions; validate?: (current: Stored) => void } = {}): Promise<Stored> {
    for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
      const cur = await this.getRaw(key);
      if (!cur) throw new StorageError('NotFound', key);
      this.checkPreconditions(key, cur, opts.preconditions);
      const stored = { key, rv: cur.rv, obj: decode(cur.text, cur.rv) };
      opts.validate?.(stored);
      const rv = await this.write({ kind: 'delete', key, expected: cur.rv },
        (rv) => ({ rv, key, kind: EntryKind.Deleted, value: null, prevRV: cur.rv, prevValue: cur.text }));
      if (rv === 0n) continue;
      return stored;
    }
    throw new StorageError('Conflict', key, `too many concurrent updates to ${key}`);
  }

  async count(prefix: KeyPrefix): Promise<number> {
    const [row] = await this.driver.query(queries.count, [queryable(prefix), prefixEnd(queryable(prefix))]);
    return Number(row?.n ?? 0);
  }

  async compactedRV(): Promise<bigint> {
    const [row] = await this.driver.query(queries.compactedRV);
    return rvOf(row);
  }

  async currentRV(): Promise<bigint> {
    const [row] = await this.driver.query(queries.maxRV);
    const max = rvOf(row);
    await this.waitResolved(max);
    return max;
  }

  /** Waits until no RV at or below `rv` can still appear (the tailer has read past it). */
  private async waitResolved(rv: bigint): Promise<void> {
    if (!(await this.tailer.waitFor(rv, 30_000))) {
      throw new StorageError('Unavailable', '', `timed out waiting for resourceVersion ${rv} to be resolved`);
    }
  }

  async list(asked: KeyPrefix, opts: ListOptions = {}): Promise<ListResult> {
    const prefix = queryable(asked);
    const end = prefixEnd(prefix);
    let afterKey = '';
    let at: bigint | undefined; // undefined: the most recent state
    if (opts.continue) {
      const token = decodeContinue(opts.continue, prefix);
      if (!token) throw new StorageError('InvalidContinue', prefix, 'continue key is not valid');
      afterKey = token.afterKey;
      if (token.rv > 0n) {
        const compacted = await this.compactedRV();
        if (token.rv < compacted) {
          throw new StorageError('Expired', prefix,
            'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
            encodeContinue(afterKey, prefix, -1n));
        }
        at = token.rv;
      }
    } else if (opts.resourceVersion !== undefined && opts.resourceVersion > 0n) {
      const rv = opts.resourceVersion;
      if (opts.resourceVersionMatch === 'Exact') {
        const compacted = await this.compactedRV();
        if (rv < compacted) throw new StorageError('Expired', prefix, `too old resource version: ${rv} (${compacted})`);
        await this.waitForRV(rv);
        at = rv;
      } else {
        await this.waitForRV(rv);
      }
    }

    const limit = opts.limit && opts.limit > 0 ? opts.limit : undefined;
    const items: Stored[] = [];
    let more = false;
    for (;;) {
      const want = limit === undefined ? null : opts.predicate ? Math.max(limit - items.length, 100) + 1 : limit - items.length + 1;
      const page = at === undefined
        ? await this.listCurrentPage(prefix, end, afterKey, want)
        : { at, rows: await this.driver.query(queries.listAt, [prefix, end, afterKey, at.toString(), want]) };
      at = page.at;
      for (const row of page.rows) {
        if (limit !== undefined && items.length === limit) { more = true; break; }
        const key = row.key as string;
        afterKey = key;
        const rv = rvOf(row);
        const obj = decode(row.value as string, rv);
        if (opts.predicate && !opts.predicate(obj)) continue;
        items.push({ key, rv, obj });
      }
      if (more || want === null || page.rows.length < want) break;
    }
    const result: ListResult = { items, rv: at };
    if (more) {
      const lastKey = items[items.length - 1]!.key;
      result.continue = encodeContinue(lastKey, prefix, at);
      if (!opts.predicate) {
        const [row] = await this.driver.query(queries.countAt, [prefix, end, lastKey, at.toString()]);
        result.remainingItemCount = Number(row?.n ?? 0);
      }
    }
    return result;
  }

  /** NotOlderThan: wait (briefly) for the log to reach `rv`, as upstream waits for its cache. */
  private async waitForRV(rv: bigint): Promise<void> {
    if (this.tailer.last >= rv) return;
    const [row] = await this.driver.query(queries.maxRV);
    if (rvOf(row) >= rv) return this.waitResolved(rv);
    if (!(await this.tailer.waitFor(rv, TOO_LARGE_RV_WAIT_MS))) {
      throw new StorageError('TooLargeResourceVersion', '', `Too large resource version: ${rv}, current: ${this.tailer.last}`);
    }
  }

  /**
   * One page of the current state, read in one statement (one snapshot). If the snapshot holds
   * every RV up to its max, it is exactly the state at that max; otherwise a lower write is still
   * in flight, so wait for it and read the state at that max from the log instead.
   */
  private async listCurrentPage(prefix: string, end: string, afterKey: string, want: number | null): Promise<{ at: bigint; rows: Row[] }> {
    const resolved = this.tailer.last;
    const rows = await this.driver.query(queries.listCurrent, [prefix, end, afterKey, want, resolved.toString()]);
    const max = BigInt(rows[0]!.max_rv as string | number);
    const seen = BigInt(rows[0]!.n as string | number);
    if (seen === max - resolved || max <= resolved) {
      return { at: max, rows: rows.filter((r) => r.key !== null) };
    }
    await this.waitResolved(max);
    return { at: max, rows: await this.driver.query(queries.listAt, [prefix, end, afterKey, max.toString(), want]) };
  }

  async *watch(prefix: KeyPrefix, fromRV: bigint, opts: WatchOptions): AsyncGenerator<WatchEvent> {
    const { signal } = opts;
    const compacted = await this.compactedRV();
    if (fromRV < compacted) throw new StorageError('Expired', prefix, `too old resource version: ${fromRV} (${compacted})`);
    const w = new Watcher(prefix, fromRV, this.opts.watcherQueueLimit ?? 10_000);
    // Registered before reading the backlog, so compaction spares it (minPosition).
    this.broadcaster.add(w);
    try {
      const end = prefixEnd(prefix);
      // Catch up from the log until level with the tailer, then go live in the same tick.
      while (w.pos < this.tailer.last && !signal.aborted) {
        const upTo = this.tailer.last;
        const rows = await this.driver.query(queries.tailRange, [w.pos.toString(), upTo.toString(), prefix, end, CATCH_UP_BATCH]);
        if ((await this.compactedRV()) > w.pos) {
          throw new StorageError('Expired', prefix, `too old resource version: ${w.pos}`);
        }
        for (const row of rows) {
          const ev = toWatchEvent(toEntry(row));
          if (ev) yield ev;
          w.pos = ev?.rv ?? w.pos;
        }
        w.pos = rows.length === CATCH_UP_BATCH ? rvOf(rows[rows.length - 1]) : upTo;
      }
      w.progress = !!opts.progressNotify;
      w.live = true;
      const bookmarkMs = opts.bookmarkIntervalMs;
      let lastYield = Date.now();
      let reported = w.pos;
      while (!signal.aborted) {
        const ev = w.queue.shift();
        if (ev) { yield ev; lastYield = Date.now(); reported = ev.rv; continue; }
        if (w.error) throw w.error;
        if (this.closed) return;
        if (w.progress && w.pos > reported) {
          reported = w.pos;
          yield { type: 'BOOKMARK', rv: w.pos, key: prefix };
          continue;
        }
        if (bookmarkMs !== undefined && Date.now() - lastYield >= bookmarkMs) {
          yield { type: 'BOOKMARK', rv: w.pos, key: prefix };
          lastYield = Date.now();
          continue;
        }
        await w.wait(signal, bookmarkMs !== undefined ? Math.max(1, bookmarkMs - (Date.now() - lastYield)) : 60_000);
      }
    } finally {
      this.broadcaster.remove(w);
    }
  }

  /** Watchers currently open in this process. */
  get watcherCount(): number {
    return this.broadcaster.size;
  }

  async compact(rv: bigint): Promise<bigint> {
    const [raised] = await this.driver.query(queries.raiseCompactedRV, [rv.toString()]);
    const target = rvOf(raised);
    // The compacted RV is raised first, so a reader of a row about to go sees Expired, not a gap.
    const [minRow] = await this.driver.query(queries.minLogRV);
    const step = 5_000n;
    for (let from = rvOf(minRow) - 1n; from < target; from += step) {
      for (;;) {
        const [done] = await this.driver.query(queries.compactBatch,
          [from.toString(), (from + step).toString(), target.toString(), 1_000]);
        if (Number(done?.n ?? 0) < 1_000) break;
      }
    }
    return target;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    this.broadcaster.failAll(new StorageError('Unavailable', '', 'storage is shutting down'));
    await this.tailer.stop();
    await this.unlisten?.();
    await this.driver.query(queries.leave, [this.id]).catch(() => {});
    await this.driver.close();
  }
}
