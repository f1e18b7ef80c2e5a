// The one schema both backends run. What the tables mean (see storage/README.md):
//   capstan_log      every change, keyed by its RV: the source of truth for watches and for
//                    reads at an older RV; compaction trims it.
//   capstan_objects  the current RV of every live key, so current reads never scan history.
//   capstan_meta     the compacted RV and the schema version.
//   capstan_members  each store process's oldest RV still needed, so compaction spares it.
// RVs come from one sequence. Writes are single statements (sql/queries.ts, autocommit) that take
// an RV only once the write is known to succeed, or fill the RV they took in the same statement,
// so an RV is burned only when a process dies mid-write; readers fill such holes
// (storage/watch/tailer.ts).
//
// capstan_log has one index, its primary key: a key's history is the chain of prev_rv links, so
// nothing needs an index on (key, rv), whose upkeep on every write (long text keys) costs more
// than the reads it would serve (reads at an older RV and compaction follow prev_rv instead).
//
// Version 2 (from 1): the (key, rv) index and the write functions (capstan_create, _update,
// _delete) are gone; the rows are the same, so existing data needs no change.

export const SCHEMA_VERSION = 2;

export const schema = `
-- Several API servers may start at once on one database.
SELECT pg_advisory_xact_lock(727600);
CREATE SEQUENCE IF NOT EXISTS capstan_rv AS bigint;

CREATE TABLE IF NOT EXISTS capstan_log (
  rv      bigint PRIMARY KEY,
  key     text COLLATE "C" NOT NULL,
  kind    smallint NOT NULL,          -- 0 hole filler, 1 created, 2 updated, 3 deleted
  prev_rv bigint NOT NULL DEFAULT 0,  -- the key's previous version (0 on create; 1 and 2 only)
  value   text                        -- the object without metadata.resourceVersion; NULL for 0 and 3
);

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

-- From version 1.
DROP INDEX IF EXISTS capstan_log_key_rv;
DROP FUNCTION IF EXISTS capstan_create(text, text);
DROP FUNCTION IF EXISTS capstan_update(text, bigint, text);
DROP FUNCTION IF EXISTS capstan_delete(text, bigint);
UPDATE capstan_meta SET value = ${SCHEMA_VERSION} WHERE name = 'schema_version' AND value < ${SCHEMA_VERSION};
`;
