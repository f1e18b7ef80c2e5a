// The embedded default: PGlite (PostgreSQL compiled to WASM) in this process, so `capstan up`
// needs no database install. One process owns it, so no NOTIFY is needed: the store hands its
// own writes to its log reader.
//
// Queries go over PGlite's wire-protocol entry point as named prepared statements, as `pg` does
// against a server: each is parsed and planned once, then every run is one Bind/Describe/
// Execute/Sync exchange. PGlite's own query() parses and plans the text anew on every call, in
// six exchanges, which costs more than most of our statements take to run.
import { PGlite, protocol, parse } from '@electric-sql/pglite';
import type { SqlDriver, Row } from './driver.ts';
import type { NamedQuery } from '../sql/queries.ts';

const { serialize } = protocol;

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/** A parameter as text, PostgreSQL's input format (arrays as array literals). */
function param(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) return `{${v.map((x) => (x === null ? 'NULL' : `"${String(x).replace(/[\\"]/g, '\\$&')}"`)).join(',')}}`;
  if (typeof v === 'boolean') return v ? 't' : 'f';
  return String(v);
}

export class PgliteDriver implements SqlDriver {
  readonly name = 'pglite' as const;
  readonly shared = false;
  readonly maxWritesInFlight: number;
  readonly maxReadsInFlight = 1;
  private readonly prepared = new Set<string>();
  /** Autovacuum's bookkeeping: rows changed since the last pass, and the tables' rows then. */
  private changed = 0;
  private rowsAtLastPass = 0;
  private maintaining: Promise<void> | undefined;

  private constructor(private readonly db: PGlite, opts: { maxWritesInFlight?: number }) {
    // PGlite runs one statement at a time: what queues meanwhile goes in the next.
    this.maxWritesInFlight = opts.maxWritesInFlight ?? 1;
  }

  /** `dataDir` undefined: in memory. */
  static async open(dataDir?: string, opts: { maxWritesInFlight?: number } = {}): Promise<PgliteDriver> {
    const db = await PGlite.create(dataDir ? { dataDir } : {});
    return new PgliteDriver(db, opts);
  }

  query(q: NamedQuery, params: unknown[] = []): Promise<Row[]> {
    // One exchange at a time: PGlite collects a reply per instance, across an await.
    return this.db.runExclusive(async () => {
      if (!this.prepared.has(q.name)) {
        await this.db.execProtocol(concat([serialize.parse({ name: q.name, text: q.text }), serialize.sync()]));
        this.prepared.add(q.name);
      }
      const { messages } = await this.db.execProtocol(concat([
        serialize.bind({ statement: q.name, values: params.map(param) }),
        serialize.describe({ type: 'P' }),
        serialize.execute({}),
        serialize.sync(),
      ]));
      return (parse.parseResults(messages, this.db.parsers)[0]?.rows ?? []) as Row[];
    });
  }

  async exec(sql: string): Promise<void> {
    await this.db.exec(sql);
  }

  /**
   * PGlite runs no autovacuum, and without it the statistics never change from those of the
   * empty tables: a prepared statement planned then keeps its plan however big the tables grow
   * (a batch create's check for existing keys stayed a scan of every object, taking 3 ms and
   * more where 0.6 ms does), and dead rows are never reclaimed. So the driver does autovacuum's
   * work with its default thresholds: once 50 rows plus a tenth of the tables have changed,
   * VACUUM (ANALYZE), which also makes the prepared statements plan again.
   */
  noteWrites(rows: number): void {
    this.changed += rows;
    if (this.maintaining || this.changed < 50 + this.rowsAtLastPass / 10) return;
    this.maintaining = this.maintain().finally(() => { this.maintaining = undefined; });
  }

  private async maintain(): Promise<void> {
    this.changed = 0;
    try {
      // One statement per exec: VACUUM cannot run inside the transaction a multi-statement exec is.
      for (const table of ['capstan_objects', 'capstan_log']) await this.db.exec(`VACUUM (ANALYZE) ${table}`);
      const { rows } = await this.db.query<{ n: number }>(
        `SELECT coalesce(sum(greatest(reltuples, 0)), 0)::float8 AS n FROM pg_class WHERE relname IN ('capstan_objects', 'capstan_log')`);
      this.rowsAtLastPass = rows[0]?.n ?? 0;
    } catch {
      // Closed meanwhile, or the tables not made yet: the next writes try again.
    }
  }

  async listen(): Promise<() => Promise<void>> {
    return async () => {};
  }

  async close(): Promise<void> {
    await this.maintaining;
    await this.db.close();
  }
}
