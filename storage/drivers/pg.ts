// A real PostgreSQL server through `pg`: a pool for queries (prepared by name) and one
// dedicated session connection for LISTEN, reconnected with back-off when it drops. LISTEN
// needs a session, so it cannot go through a transaction-pooling proxy (pgbouncer in
// transaction mode); point --database-url at PostgreSQL itself or a session-mode pooler.
import pg from 'pg';
import type { SqlDriver, Row } from './driver.ts';
import type { NamedQuery } from '../sql/queries.ts';
import { StorageError } from '../store.ts';

// int8 as string; the store turns RVs into bigint itself.
const CONNECTION_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', '57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004']);

const CONNECT_TIMEOUT_MS = 10_000;

export function isConnectionError(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  if (err?.code && CONNECTION_ERRORS.has(err.code)) return true;
  return /Connection terminated|connection error|Client has encountered a connection error|not queryable|timeout exceeded when trying to connect/i.test(err?.message ?? '');
}

export class PgDriver implements SqlDriver {
  readonly name = 'pg' as const;
  readonly shared = true;
  readonly maxWritesInFlight: number;
  readonly maxReadsInFlight: number;
  private readonly pool: pg.Pool;
  private closed = false;

  constructor(readonly url: string, opts: { maxConnections?: number; maxWritesInFlight?: number; maxReadsInFlight?: number } = {}) {
    // Two: one statement can go out while the other is in flight (and a write held up by a row
    // lock does not hold up all the others), and writers beyond them share statements. Measured
    // on 2 cores at 16 writers, creates/s as a share of plain INSERTs: 1 in flight 137%, 2 111%,
    // 3 93%, 4 97%; one write per statement 65-70%.
    this.maxWritesInFlight = opts.maxWritesInFlight ?? 2;
    // Gets never wait on locks, so one in flight suffices and batches grow largest: measured on
    // 2 cores, API gets under 50 clients at 1 in flight 6,100-6,400/s, 2 5,600/s, 4 4,700/s.
    this.maxReadsInFlight = opts.maxReadsInFlight ?? 1;
    this.pool = new pg.Pool({
      connectionString: url, max: opts.maxConnections ?? 24, idleTimeoutMillis: 30_000,
      // A server that does not answer (rather than refusing) must still fail a request, not hang it.
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS, keepAlive: true,
    });
    // An idle client losing its server emits here; without a handler the process would exit.
    this.pool.on('error', () => {});
  }

  async query(q: NamedQuery, params: unknown[] = []): Promise<Row[]> {
    try {
      const res = await this.pool.query({ name: q.name, text: q.text, values: params });
      return res.rows as Row[];
    } catch (e) {
      if (isConnectionError(e)) throw new StorageError('Unavailable', q.name, `database unavailable: ${(e as Error).message}`);
      throw e;
    }
  }

  noteWrites(): void {
    // The server's autovacuum analyzes and vacuums the tables.
  }

  async exec(sql: string): Promise<void> {
    try {
      const c = await this.pool.connect();
      try { await c.query(sql); } catch (e) { c.release(e as Error); throw e; }
      c.release();
    } catch (e) {
      if (isConnectionError(e)) throw new StorageError('Unavailable', 'exec', `database unavailable: ${(e as Error).message}`);
      throw e;
    }
  }

  async listen(channel: string, onNotify: (payload: string) => void, onReconnect: () => void): Promise<() => Promise<void>> {
    let client: pg.Client | undefined;
    let stopped = false;
    let backoff = 100;
    const connect = async (): Promise<void> => {
      while (!stopped && !this.closed) {
        const c = new pg.Client({ connectionString: this.url, keepAlive: true, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
        let ended = false;
        let established = false;
        c.on('error', () => {});
        c.on('notification', (n) => onNotify(n.payload ?? ''));
        c.on('end', () => {
          ended = true;
          if (!established || stopped || this.closed) return;
          client = undefined;
          void connect();
        });
        try {
          await c.connect();
          await c.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
        } catch {
          await c.end().catch(() => {});
          await new Promise((r) => setTimeout(r, backoff));
          // Capped low: retrying once a second costs nothing, and a NOTIFY missed while away is
          // only made up for by the read on reconnect.
          backoff = Math.min(backoff * 2, 1_000);
          continue;
        }
        if (ended) continue; // lost again before we could use it
        if (stopped || this.closed) { await c.end().catch(() => {}); return; }
        established = true;
        client = c;
        backoff = 100;
        onReconnect();
        return;
      }
    };
    await connect();
    return async () => {
      stopped = true;
      await client?.end().catch(() => {});
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.pool.end();
  }
}
