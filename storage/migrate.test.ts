// Upgrading: a database made by an older Capstan opens with this one, keeps its objects, its
// history (reads at an older RV, watches from one) and compacts, on both backends. The old
// schema is written out here as that version created it, with writes made by its functions.
import { describe, it, expect, inject } from 'vitest';
import { SqlStore } from './sqlstore.ts';
import { PgDriver } from './drivers/pg.ts';
import { PgliteDriver } from './drivers/pglite.ts';
import type { SqlDriver } from './drivers/driver.ts';
import { SCHEMA_VERSION } from './sql/schema.ts';
import { collect } from './store.suite.ts';
import type { StoredObject } from './store.ts';
import { createDatabaseAt } from '../test/postgres.ts';

/** Schema version 1, as storage/sql/schema.ts had it. */
const SCHEMA_V1 = `
-- Several API servers may start at once on one database.
SELECT pg_advisory_xact_lock(727600);
CREATE SEQUENCE IF NOT EXISTS capstan_rv AS bigint;

CREATE TABLE IF NOT EXISTS capstan_log (
  rv      bigint PRIMARY KEY,
  key     text COLLATE "C" NOT NULL,
  kind    smallint NOT NULL,          -- 0 hole filler, 1 created, 2 updated, 3 deleted
  prev_rv bigint NOT NULL DEFAULT 0,  -- the key's previous version (0 on create)
  value   text                        -- the object without metadata.resourceVersion; NULL for 0 and 3
);
CREATE INDEX IF NOT EXISTS capstan_log_key_rv ON capstan_log (key, rv);

CREATE TABLE IF NOT EXISTS capstan_objects (
  key text COLLATE "C" PRIMARY KEY,
  rv  bigint NOT NULL
);

CREATE TABLE IF NOT EXISTS capstan_meta (
  name  text PRIMARY KEY,
  value bigint NOT NULL
);
INSERT INTO capstan_meta (name, value) VALUES ('compacted_rv', 0), ('schema_version', 1)
  ON CONFLICT (name) DO NOTHING;

CREATE TABLE IF NOT EXISTS capstan_members (
  id     text PRIMARY KEY,
  min_rv bigint NOT NULL,
  seen   timestamptz NOT NULL DEFAULT now()
);

-- RV 1 is the empty store, so a current RV is never 0 (which the API reads as "any").
INSERT INTO capstan_log (rv, key, kind)
  SELECT nextval('capstan_rv'), '', 0 WHERE NOT EXISTS (SELECT 1 FROM capstan_log);

CREATE OR REPLACE FUNCTION capstan_create(k text, v text) RETURNS bigint AS $$
DECLARE r bigint;
BEGIN
  PERFORM 1 FROM capstan_objects WHERE key = k;
  IF FOUND THEN RETURN 0; END IF;
  r := nextval('capstan_rv');
  INSERT INTO capstan_objects (key, rv) VALUES (k, r) ON CONFLICT (key) DO NOTHING;
  IF NOT FOUND THEN
    -- Lost a race with another creator: fill the RV we took, so readers need not wait for it.
    INSERT INTO capstan_log (rv, key, kind) VALUES (r, '', 0);
    RETURN 0;
  END IF;
  INSERT INTO capstan_log (rv, key, kind, prev_rv, value) VALUES (r, k, 1, 0, v);
  RETURN r;
END $$ LANGUAGE plpgsql;

-- Compare-and-swap: returns 0 unless the key's current RV is still 'expected'.
CREATE OR REPLACE FUNCTION capstan_update(k text, expected bigint, v text) RETURNS bigint AS $$
DECLARE r bigint;
BEGIN
  PERFORM 1 FROM capstan_objects WHERE key = k AND rv = expected FOR UPDATE;
  IF NOT FOUND THEN RETURN 0; END IF;
  r := nextval('capstan_rv');
  UPDATE capstan_objects SET rv = r WHERE key = k;
  INSERT INTO capstan_log (rv, key, kind, prev_rv, value) VALUES (r, k, 2, expected, v);
  RETURN r;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION capstan_delete(k text, expected bigint) RETURNS bigint AS $$
DECLARE r bigint;
BEGIN
  PERFORM 1 FROM capstan_objects WHERE key = k AND rv = expected FOR UPDATE;
  IF NOT FOUND THEN RETURN 0; END IF;
  r := nextval('capstan_rv');
  DELETE FROM capstan_objects WHERE key = k;
  INSERT INTO capstan_log (rv, key, kind, prev_rv) VALUES (r, k, 3, expected);
  RETURN r;
END $$ LANGUAGE plpgsql;
`;

const v1 = {
  create: { name: 'v1_create', text: 'SELECT capstan_create($1, $2) AS rv' },
  update: { name: 'v1_update', text: 'SELECT capstan_update($1, $2, $3) AS rv' },
  delete: { name: 'v1_delete', text: 'SELECT capstan_delete($1, $2) AS rv' },
};

const cm = (name: string, v: string): StoredObject =>
  ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns', uid: `uid-${name}` }, data: { v } });
const key = (name: string) => `/registry/configmaps/ns/${name}`;
const data = (o: StoredObject | undefined) => (o as { data?: { v?: string } } | undefined)?.data?.v;

const backends: [string, () => Promise<SqlDriver>][] = [
  ['pglite', () => PgliteDriver.open()],
  ['postgresql', async () => new PgDriver(await createDatabaseAt(inject('pgAdminUrl')))],
];

describe.each(backends)('upgrading a database made by schema version 1 (%s)', (_name, makeDriver) => {
  it('keeps its objects, reads and watches its history, compacts it, and writes on', async () => {
    const driver = await makeDriver();
    await driver.exec(SCHEMA_V1);
    const write = async (q: { name: string; text: string }, params: unknown[]) => BigInt((await driver.query(q, params))[0]!.rv as string | number);
    const a1 = await write(v1.create, [key('a'), JSON.stringify(cm('a', '1'))]);
    const b1 = await write(v1.create, [key('b'), JSON.stringify(cm('b', '1'))]);
    const a2 = await write(v1.update, [key('a'), a1.toString(), JSON.stringify(cm('a', '2'))]);
    const b2 = await write(v1.delete, [key('b'), b1.toString()]);
    const c1 = await write(v1.create, [key('c'), JSON.stringify(cm('c', '1'))]);

    const store = await SqlStore.open(driver, { holeTimeoutMs: 200 });
    try {
      const a = await store.get(key('a'));
      expect([a.rv, data(a.obj), a.obj.metadata?.resourceVersion]).toEqual([a2, '2', a2.toString()]);
      expect((await store.list('/registry/configmaps/')).items.map((i) => [i.key, i.rv])).toEqual([[key('a'), a2], [key('c'), c1]]);
      const then = await store.list('/registry/configmaps/', { resourceVersion: b1, resourceVersionMatch: 'Exact' });
      expect(then.items.map((i) => [i.key, data(i.obj)])).toEqual([[key('a'), '1'], [key('b'), '1']]);

      const ac = new AbortController();
      const events = await collect(store.watch('/registry/configmaps/', a1, { signal: ac.signal }), 4);
      ac.abort();
      expect(events.map((e) => [e.type, e.rv, data(e.obj), data(e.prevObj)]))
        .toEqual([['ADDED', b1, '1', undefined], ['MODIFIED', a2, '2', '1'], ['DELETED', b2, '1', '1'], ['ADDED', c1, '1', undefined]]);

      const a3 = await store.guaranteedUpdate(key('a'), (cur) => cm('a', String(Number(data(cur!.obj)) + 1)));
      expect(data((await store.get(key('a'))).obj)).toBe('3');
      await store.compact(a3.rv);
      const left = await driver.query({ name: 't_log', text: 'SELECT key, rv FROM capstan_log WHERE key <> \'\' ORDER BY rv' });
      expect(left.map((r) => [r.key, BigInt(r.rv as string | number)])).toEqual([[key('c'), c1], [key('a'), a3.rv]]);

      const [version] = await driver.query({ name: 't_version', text: "SELECT value FROM capstan_meta WHERE name = 'schema_version'" });
      expect(Number(version!.value)).toBe(SCHEMA_VERSION);
      const [gone] = await driver.query({ name: 't_gone', text: `SELECT
        (SELECT count(*) FROM pg_indexes WHERE indexname = 'capstan_log_key_rv')
        + (SELECT count(*) FROM pg_proc WHERE proname IN ('capstan_create', 'capstan_update', 'capstan_delete')) AS n` });
      expect(Number(gone!.n)).toBe(0);
    } finally {
      await store.close();
    }
  });
});

describe('a database made by a newer Capstan', () => {
  it('is refused rather than written with an older schema\'s statements', async () => {
    const driver = await PgliteDriver.open();
    await driver.exec(SCHEMA_V1);
    await driver.query({ name: 't_newer', text: "UPDATE capstan_meta SET value = $1 WHERE name = 'schema_version'" }, [SCHEMA_VERSION + 1]);
    await expect(SqlStore.open(driver)).rejects.toThrow(/schema is version \d+, newer than this Capstan's/);
  });
});
