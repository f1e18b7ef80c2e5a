// Write batching. The store keeps a few write statements in flight (the driver says how many);
// writes that arrive while they are all out queue up, and the next statement carries the queue:
// writes of one kind to distinct keys, in one round trip and one commit. A lone write goes as
// itself, at once, so batching costs nothing until writers outnumber the statements in flight,
// and then it saves what every statement costs whatever it carries: the round trip, the
// transaction, its commit record and flush. Each write keeps its own outcome: a batch takes or
// loses each write's compare-and-swap separately, and a batch that fails as a whole for a reason
// of its own (not the database going away) is retried a write at a time, so one bad write fails
// alone.
import type { SqlDriver, Row } from './drivers/driver.ts';
import { queries, type NamedQuery } from './sql/queries.ts';
import { isStorageError } from './store.ts';

export type WriteKind = 'create' | 'update' | 'delete';

export interface Write {
  kind: WriteKind;
  key: string;
  /** The key's RV the write expects (update, delete). */
  expected?: bigint;
  /** The new value (create, update). */
  value?: string;
}

/** What became of a write: its RV (0 if it did not happen), and the RV of the hole filler it left instead, if any. */
export interface Outcome {
  rv: bigint;
  filler?: bigint;
}

interface Pending {
  write: Write;
  resolve: (o: Outcome) => void;
  reject: (err: unknown) => void;
}

const MAX_WRITES = 100;
const MAX_BYTES = 1 << 20;

const single: Record<WriteKind, NamedQuery> = { create: queries.create, update: queries.update, delete: queries.delete };
const many: Record<WriteKind, NamedQuery> = { create: queries.createMany, update: queries.updateMany, delete: queries.deleteMany };

const bytesOf = (w: Write): number => w.key.length + (w.value?.length ?? 0);

function singleParams(w: Write): unknown[] {
  if (w.kind === 'create') return [w.key, w.value];
  if (w.kind === 'update') return [w.key, w.expected!.toString(), w.value];
  return [w.key, w.expected!.toString()];
}

function manyParams(kind: WriteKind, ws: Write[]): unknown[] {
  const keys = ws.map((w) => w.key);
  if (kind === 'create') return [keys, ws.map((w) => w.value)];
  const expected = ws.map((w) => w.expected!.toString());
  return kind === 'update' ? [keys, expected, ws.map((w) => w.value)] : [keys, expected];
}

const big = (v: unknown): bigint => BigInt(v as string | number | bigint);

/**
 * Keeps up to `max` batches in flight: while fewer are out and work is queued, takes the next
 * batch and runs it; each batch that returns makes room for the next. The write and get batchers
 * both run on it.
 */
export class InFlightPump<B> {
  private inFlight = 0;

  constructor(
    private readonly max: number,
    private readonly queued: () => boolean,
    private readonly take: () => B,
    private readonly run: (batch: B) => Promise<void>,
  ) {}

  pump(): void {
    while (this.inFlight < this.max && this.queued()) {
      const batch = this.take();
      this.inFlight++;
      void this.run(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }
}

export class WriteBatcher {
  private queue: Pending[] = [];
  private readonly pump: InFlightPump<Pending[]>;

  constructor(private readonly driver: SqlDriver, maxInFlight: number) {
    this.pump = new InFlightPump(maxInFlight, () => this.queue.length > 0, () => this.take(), (batch) => this.run(batch));
  }

  submit(write: Write): Promise<Outcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ write, resolve, reject });
      this.pump.pump();
    });
  }

  /** The next batch: the oldest write, and the queued writes of its kind to other keys (in order, up to the limits). */
  private take(): Pending[] {
    const first = this.queue[0]!;
    const batch = [first];
    const keys = new Set([first.write.key]);
    let bytes = bytesOf(first.write);
    const rest: Pending[] = [];
    for (let i = 1; i < this.queue.length; i++) {
      const p = this.queue[i]!;
      const w = p.write;
      if (batch.length < MAX_WRITES && w.kind === first.write.kind && !keys.has(w.key) && bytes + bytesOf(w) <= MAX_BYTES) {
        batch.push(p);
        keys.add(w.key);
        bytes += bytesOf(w);
      } else {
        rest.push(p);
      }
    }
    this.queue = rest;
    return batch;
  }

  private async run(batch: Pending[]): Promise<void> {
    const kind = batch[0]!.write.kind;
    let outcomes: Outcome[];
    try {
      outcomes = batch.length === 1
        ? [this.outcomeOfOne(await this.driver.query(single[kind], singleParams(batch[0]!.write)))]
        : this.outcomesOfMany(batch.length, await this.driver.query(many[kind], manyParams(kind, batch.map((p) => p.write))));
    } catch (err) {
      if (batch.length > 1 && !isStorageError(err, 'Unavailable')) {
        // Find the write that failed it: each on its own.
        await Promise.all(batch.map((p) => this.run([p])));
        return;
      }
      for (const p of batch) p.reject(err);
      return;
    }
    batch.forEach((p, i) => p.resolve(outcomes[i]!));
  }

  /** A single write's row: none if it took no RV; kind 0 if the RV it took went to a filler. */
  private outcomeOfOne(rows: Row[]): Outcome {
    const row = rows[0];
    if (!row) return { rv: 0n };
    return Number(row.kind) === 0 ? { rv: 0n, filler: big(row.rv) } : { rv: big(row.rv) };
  }

  private outcomesOfMany(n: number, rows: Row[]): Outcome[] {
    const out: Outcome[] = Array.from({ length: n }, () => ({ rv: 0n }));
    for (const row of rows) {
      const rv = big(row.rv);
      out[Number(row.i) - 1] = row.ok === true ? { rv } : { rv: 0n, filler: rv };
    }
    return out;
  }
}
