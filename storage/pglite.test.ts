// The storage contract on the embedded backend.
import { runStoreSuite } from './store.suite.ts';
import { PgliteDriver } from './drivers/pglite.ts';
import { SqlStore } from './sqlstore.ts';

runStoreSuite('pglite', {
  async open(opts = {}) {
    return SqlStore.open(await PgliteDriver.open(), { holeTimeoutMs: 200, ...opts });
  },
});
