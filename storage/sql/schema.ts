// The one schema both backends run. What the tables mean (see storage/README.md):
//   capstan_log      every change, keyed by its RV: the source of truth for watches and for
//                    reads at an older RV; compaction trims it.
//   capstan_objects  the current RV of every live key, so current reads never scan history.
//   capstan_meta     the compacted RV.
//   capstan_members  each store process's oldest RV still needed, so compaction spares it.
// RVs come from one sequence. Writes are single function calls (one statement, autocommit), and
// the functions take the RV only once the write is known to succeed, so an RV is burned only
// when a process dies mid-write; readers fill such holes (storage/watch/tailer.ts).

export const SCHEMA_VERSION = 1;

export const schema = `
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
INSERT INTO capstan_meta (name, value) VALUES ('compacted_rv', 0), ('schema_version', ${SCHEMA_VERSION})
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
