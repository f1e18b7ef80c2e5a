// The Store over PostgreSQL: what a revision log means (RVs, CAS, reads at an RV, watch,
// compaction), independent of which driver runs the SQL. See storage/README.md.
import { randomUUID } from 'node:crypto';
import type { SqlDriver, Row } from './drivers/driver.ts';
import { queries } from './sql/queries.ts';
import { schema } from './sql/schema.ts';
import { decode, encode, prefixEnd, encodeContinue, decodeContinue } from './codec.ts';
import { Broadcaster, Watcher, toWatchEvent } from './watch/broadcaster.ts';
import { LogTailer, toEntry, type KnownValues } from './watch/tailer.ts';
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

interface Raw { rv: bigint; text: string }

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
const CATCH_UP_BATCH = 1_000;
const TOO_LARGE_RV_WAIT_MS = 3_000;

export class SqlStore implements Store {
  readonly id = randomUUID();
  private readonly broadcaster = new Broadcaster();
  /** Values of writes this process made that the tailer has not passed yet (bounded). */
  private readonly known: KnownValues = new Map();
  private readonly tailer: LogTailer;
  private notifyInFlight = false;
  private notifyAgain = false;
  private unlisten: (() => Promise<void>) | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(readonly driver: SqlDriver, startRV: bigint, private readonly opts: SqlStoreOptions) {
    this.tailer = new LogTailer(driver, startRV, (entries, upTo) => this.broadcaster.deliver(entries, upTo), {
      known: this.known,
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
    const [max] = await driver.query(queries.maxRV);
    const [compacted] = await driver.query(queries.compactedRV);
    // Start a little behind the head so that writes still in flight at start-up are not
    // stepped over; the tailer resolves any hole in that window before moving past it.
    let start = rvOf(max) - 1_000n;
    if (start < rvOf(compacted)) start = rvOf(compacted);
    if (start < 0n) start = 0n;
    const store = new SqlStore(driver, start, opts);
    if (driver.shared) {
      store.unlisten = await driver.listen('capstan_log', () => store.tailer.ring(), () => store.tailer.ring());
    }
    store.tailer.start();
    await store.tailer.waitFor(rvOf(max), 30_000);
    store.heartbeat = setInterval(() => void store.beat(), opts.heartbeatIntervalMs ?? 10_000);
    store.heartbeat.unref();
    await store.beat();
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

  private async beat(): Promise<void> {
    if (this.closed) return;
    try {
      await this.driver.query(queries.heartbeat, [this.id, this.minNeededRV().toString()]);
    } catch (err) {
      this.opts.logger?.('storage: heartbeat failed', err);
    }
  }

  private remember(rv: bigint, value: string | null, prevValue: string | null): void {
    // Bounded: past this the tailer just reads the values back.
    if (this.known.size < 100_000 && rv > this.tailer.last) this.known.set(rv, { value, prevValue });
  }

  /** After a commit: wake the local tailer now, and other processes with one coalesced NOTIFY. */
  private afterWrite(): void {
    this.tailer.ring();
    if (!this.driver.shared) return;
    if (this.notifyInFlight) { this.notifyAgain = true; return; }
    this.notifyInFlight = true;
    void (async () => {
      do {
        this.notifyAgain = false;
        try { await this.driver.query(queries.notify); } catch { /* the poll is the backstop */ }
      } while (this.notifyAgain && !this.closed);
      this.notifyInFlight = false;
    })();
  }

  private async getRaw(key: Key): Promise<Raw | undefined> {
    const [row] = await this.driver.query(queries.get, [queryable(key)]);
    return row ? { rv: rvOf(row), text: row.value as string } : undefined;
  }

  async create(key: Key, obj: StoredObject): Promise<Stored> {
    const text = encode(obj);
    const [row] = await this.driver.query(queries.create, [key, text]);
    const rv = rvOf(row);
    if (rv === 0n) throw new StorageError('AlreadyExists', key);
    this.remember(rv, text, null);
    this.afterWrite();
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
      const [row] = cur
        ? await this.driver.query(queries.update, [key, cur.rv.toString(), text])
        : await this.driver.query(queries.create, [key, text]);
      const rv = rvOf(row);
      if (rv === 0n) continue; // lost the compare-and-swap: read again and retry
      this.remember(rv, text, cur ? cur.text : null);
      this.afterWrite();
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
      const [row] = await this.driver.query(queries.delete, [key, cur.rv.toString()]);
      if (rvOf(row) === 0n) continue;
      this.remember(rvOf(row), null, cur.text);
      this.afterWrite();
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
        const deleted = await this.driver.query(queries.compactBatch,
          [from.toString(), (from + step).toString(), target.toString(), 1_000]);
        if (deleted.length < 1_000) break;
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
