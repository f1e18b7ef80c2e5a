// The thin adapter between the store's SQL and a PostgreSQL implementation. One dialect,
// one schema; drivers differ only in how they connect, pool and listen.
import type { NamedQuery } from '../sql/queries.ts';

export type Row = Record<string, unknown>;

export interface SqlDriver {
  readonly name: 'pg' | 'pglite';
  /** Whether other processes can share this database (and so need NOTIFY to learn of writes). */
  readonly shared: boolean;
  /** Write statements to keep in flight at once; writes beyond them queue and go together (storage/batcher.ts). */
  readonly maxWritesInFlight: number;
  /** Get statements to keep in flight at once; gets beyond them queue and go together (storage/readbatcher.ts). */
  readonly maxReadsInFlight: number;
  query(q: NamedQuery, params?: unknown[]): Promise<Row[]>;
  /**
   * The store changed `rows` rows (a write takes an RV whether or not it happens). Where no
   * autovacuum runs (PGlite), the driver keeps the tables' statistics and dead rows in check
   * itself; a PostgreSQL server's autovacuum does that on its own.
   */
  noteWrites(rows: number): void;
  /** Runs DDL (several statements, no parameters). */
  exec(sql: string): Promise<void>;
  /**
   * LISTEN on a channel. `onNotify` (with the notification's payload) is a doorbell: delivery is
   * at-most-once, so the caller re-reads the log after `onReconnect` too. Returns a function that
   * stops listening.
   */
  listen(channel: string, onNotify: (payload: string) => void, onReconnect: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}
