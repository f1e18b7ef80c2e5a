// The embedded default: PGlite (PostgreSQL compiled to WASM) in this process, so `capstan up`
// needs no database install. One process owns it, so no NOTIFY is needed: the store rings its
// own doorbell after every write.
import { PGlite } from '@electric-sql/pglite';
import type { SqlDriver, Row } from './driver.ts';
import type { NamedQuery } from '../sql/queries.ts';

export class PgliteDriver implements SqlDriver {
  readonly name = 'pglite' as const;
  readonly shared = false;

  private constructor(private readonly db: PGlite) {}

  /** `dataDir` undefined: in memory. */
  static async open(dataDir?: string): Promise<PgliteDriver> {
    const db = await PGlite.create(dataDir ? { dataDir } : {});
    return new PgliteDriver(db);
  }

  async query(q: NamedQuery, params: unknown[] = []): Promise<Row[]> {
    const res = await this.db.query<Row>(q.text, params);
    return res.rows;
  }

  async exec(sql: string): Promise<void> {
    await this.db.exec(sql);
  }

  async listen(): Promise<() => Promise<void>> {
    return async () => {};
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
