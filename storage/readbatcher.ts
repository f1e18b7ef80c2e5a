// Read batching for single-object gets, the reading twin of the write batcher. A few get
// statements are kept in flight; gets that arrive while they are all out queue up, and the next
// statement reads every queued key at once. A lone get goes as itself, at once. Under many
// concurrent readers this turns one round trip, one statement and one parse per get into one
// per batch, on the server's thread and in the database alike.
//
// Each get still sees every write acknowledged before it was asked for: the statement that
// answers it is sent after it was queued, so its snapshot holds those writes.
import type { SqlDriver } from './drivers/driver.ts';
import { InFlightPump } from './batcher.ts';
import { queries } from './sql/queries.ts';

/** An object as the database holds it: its RV and its JSON text. */
export interface Raw {
  rv: bigint;
  text: string;
}

interface Waiting {
  resolve: (r: Raw | undefined) => void;
  reject: (err: unknown) => void;
}

const MAX_KEYS = 200;

export class GetBatcher {
  /** Queued gets by key: several asking for one key share its read. */
  private queue = new Map<string, Waiting[]>();
  private readonly pump: InFlightPump<Map<string, Waiting[]>>;

  constructor(private readonly driver: SqlDriver, maxInFlight: number) {
    this.pump = new InFlightPump(maxInFlight, () => this.queue.size > 0, () => this.take(), (batch) => this.run(batch));
  }

  get(key: string): Promise<Raw | undefined> {
    return new Promise((resolve, reject) => {
      const waiting = this.queue.get(key);
      if (waiting) waiting.push({ resolve, reject });
      else this.queue.set(key, [{ resolve, reject }]);
      this.pump.pump();
    });
  }

  private take(): Map<string, Waiting[]> {
    if (this.queue.size <= MAX_KEYS) {
      const batch = this.queue;
      this.queue = new Map();
      return batch;
    }
    const batch = new Map<string, Waiting[]>();
    for (const [key, waiting] of this.queue) {
      if (batch.size === MAX_KEYS) break;
      batch.set(key, waiting);
      this.queue.delete(key);
    }
    return batch;
  }

  private async run(batch: Map<string, Waiting[]>): Promise<void> {
    const found = new Map<string, Raw>();
    try {
      if (batch.size === 1) {
        const [key] = batch.keys();
        const [row] = await this.driver.query(queries.get, [key]);
        if (row) found.set(key!, { rv: BigInt(row.rv as string), text: row.value as string });
      } else {
        for (const row of await this.driver.query(queries.getMany, [[...batch.keys()]])) {
          found.set(row.key as string, { rv: BigInt(row.rv as string), text: row.value as string });
        }
      }
    } catch (err) {
      for (const waiting of batch.values()) for (const w of waiting) w.reject(err);
      return;
    }
    for (const [key, waiting] of batch) {
      const raw = found.get(key);
      for (const w of waiting) w.resolve(raw);
    }
  }
}
