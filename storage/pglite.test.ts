// The storage contract on the embedded backend.
import { describe, expect, it } from 'vitest';
import { eventually } from '../test/eventually.ts';
import { runStoreSuite } from './store.suite.ts';
import { PgliteDriver } from './drivers/pglite.ts';
import { SqlStore } from './sqlstore.ts';

runStoreSuite('pglite', {
  async open(opts = {}) {
    return SqlStore.open(await PgliteDriver.open(), { holeTimeoutMs: 200, ...opts });
  },
});

describe('PGlite driver upkeep (the autovacuum PGlite lacks)', () => {
  it('vacuums and analyzes the tables once 50 rows plus a tenth of them have changed, so statistics follow the data', async () => {
    const driver = await PgliteDriver.open();
    const store = await SqlStore.open(driver, { holeTimeoutMs: 200 });
    try {
      const stats = async () => (await driver.query({ name: 'test_reltuples', text: `SELECT relname, reltuples::float8 AS n FROM pg_class WHERE relname IN ('capstan_objects', 'capstan_log') ORDER BY relname` }))
        .map((r) => [r.relname, Number(r.n)]);
      // Never analyzed: PostgreSQL says -1.
      expect(await stats()).toEqual([['capstan_log', -1], ['capstan_objects', -1]]);
      const cm = (i: number) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `c${i}`, namespace: 'ns' } });
      for (let i = 0; i < 60; i++) await store.create(`/registry/configmaps/ns/c${i}`, cm(i));
      await eventually(async () => (await stats()).every(([, n]) => Number(n) >= 50) || undefined, { what: 'the first pass' });
      // The next pass waits for 50 + a tenth of the rows then: 40 more writes do not reach it.
      for (let i = 60; i < 100; i++) await store.create(`/registry/configmaps/ns/c${i}`, cm(i));
      expect((await stats()).map(([, n]) => Number(n) < 100)).toEqual([true, true]);
      for (let i = 100; i < 200; i++) await store.create(`/registry/configmaps/ns/c${i}`, cm(i));
      await eventually(async () => (await stats()).every(([, n]) => Number(n) >= 150) || undefined, { what: 'a later pass' });
    } finally {
      await store.close();
    }
  });
});
