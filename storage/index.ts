// Opening a store: real PostgreSQL when a URL is given, else the embedded PGlite.
import { PgDriver } from './drivers/pg.ts';
import { PgliteDriver } from './drivers/pglite.ts';
import { SqlStore, type SqlStoreOptions } from './sqlstore.ts';

export * from './store.ts';
export { SqlStore, type SqlStoreOptions } from './sqlstore.ts';

export interface OpenStoreOptions extends SqlStoreOptions {
  /** postgres://… : a real PostgreSQL server. Unset: embedded PGlite. */
  databaseUrl?: string;
  /** Where the embedded store keeps its files; unset: in memory. */
  dataDir?: string;
}

export async function openStore(opts: OpenStoreOptions = {}): Promise<SqlStore> {
  const driver = opts.databaseUrl ? new PgDriver(opts.databaseUrl) : await PgliteDriver.open(opts.dataDir);
  return SqlStore.open(driver, opts);
}
