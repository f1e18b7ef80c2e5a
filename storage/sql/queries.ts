// Every statement the store runs, each with a name (used as the prepared-statement name and in
// logs). Nothing else builds SQL; parameters are always bound, never spliced.

export interface NamedQuery {
  name: string;
  text: string;
}

const q = (name: string, text: string): NamedQuery => ({ name, text: text.trim().replace(/\s+/g, ' ') });

export const queries = {
  // The writes. Each is one statement (one plan, no procedural language) that inserts the log row
  // and returns it (`rv`, `kind`): no row when the write did not happen and took no RV; kind 0, a
  // hole filler, when it took an RV and then lost (a create of a key that exists), so that no
  // reader waits for that RV.

  /**
   * Creates key $1 with value $2, unless the key is there in this statement's snapshot: then no
   * RV is taken. The check must come first: a create that took its RV and then waited for an
   * uncommitted delete of the key would commit after it with a lower RV, and watchers would see
   * it added before the delete. What the check cannot see (a create racing this one) the insert's
   * conflict catches; the same statement then fills the RV it took (currval: this session's last
   * nextval, which the insert has just called).
   */
  create: q('capstan_create', `
    WITH f AS (SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM capstan_objects WHERE key = $1::text)),
         o AS (INSERT INTO capstan_objects (key, rv) SELECT $1::text, nextval('capstan_rv') FROM f
               ON CONFLICT (key) DO NOTHING RETURNING rv)
    INSERT INTO capstan_log (rv, key, kind, value)
      SELECT coalesce(o.rv, currval('capstan_rv')), CASE WHEN o.rv IS NULL THEN '' ELSE $1::text END,
             CASE WHEN o.rv IS NULL THEN 0 ELSE 1 END, CASE WHEN o.rv IS NULL THEN NULL ELSE $2::text END
      FROM f LEFT JOIN o ON true
    RETURNING rv, kind`),

  /**
   * Compare-and-swap: replaces key $1's value with $3 if its current RV is still $2. The row lock
   * comes before the RV (an UPDATE's SET would take it first, and burn it when a concurrent
   * update wins the row), so a lost swap takes no RV.
   */
  update: q('capstan_update', `
    WITH c AS (SELECT key FROM capstan_objects WHERE key = $1::text AND rv = $2::bigint FOR NO KEY UPDATE),
         r AS (SELECT nextval('capstan_rv') AS rv FROM c),
         o AS (UPDATE capstan_objects SET rv = r.rv FROM r WHERE capstan_objects.key = $1::text RETURNING r.rv)
    INSERT INTO capstan_log (rv, key, kind, prev_rv, value)
      SELECT r.rv, CASE WHEN o.rv IS NULL THEN '' ELSE $1::text END, CASE WHEN o.rv IS NULL THEN 0 ELSE 2 END,
             CASE WHEN o.rv IS NULL THEN 0 ELSE $2::bigint END, CASE WHEN o.rv IS NULL THEN NULL ELSE $3::text END
      FROM r LEFT JOIN o ON true
    RETURNING rv, kind`),

  /** Compare-and-swap delete of key $1 at RV $2. */
  delete: q('capstan_delete', `
    WITH c AS (SELECT key FROM capstan_objects WHERE key = $1::text AND rv = $2::bigint FOR UPDATE),
         r AS (SELECT nextval('capstan_rv') AS rv FROM c),
         o AS (DELETE FROM capstan_objects USING r WHERE capstan_objects.key = $1::text RETURNING r.rv)
    INSERT INTO capstan_log (rv, key, kind, prev_rv)
      SELECT r.rv, CASE WHEN o.rv IS NULL THEN '' ELSE $1::text END, CASE WHEN o.rv IS NULL THEN 0 ELSE 3 END,
             CASE WHEN o.rv IS NULL THEN 0 ELSE $2::bigint END
      FROM r LEFT JOIN o ON true
    RETURNING rv, kind`),

  // The same writes for several keys at once (distinct keys), in one statement and one commit:
  // the store sends these when writes queue up behind others in flight. $1 holds the keys; each
  // returns, for each write (`i`, its place in the arrays from 1) that took an RV, that RV and
  // whether the write happened (`ok`; if not, a hole filler holds the RV). Rows are locked and
  // inserted in key order, so two of these never deadlock, and log rows in RV order, as a reader
  // filling holes inserts them.

  /** Creates keys $1 with values $2; a key already there takes no RV (see create). */
  createMany: q('capstan_create_many', `
    WITH w AS (SELECT * FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS w(key, value, i)),
         r AS (SELECT w.*, nextval('capstan_rv') AS rv FROM w
               WHERE NOT EXISTS (SELECT 1 FROM capstan_objects cur WHERE cur.key = w.key)),
         o AS (INSERT INTO capstan_objects (key, rv) SELECT key, rv FROM r ORDER BY key
               ON CONFLICT (key) DO NOTHING RETURNING rv),
         l AS (INSERT INTO capstan_log (rv, key, kind, value)
               SELECT r.rv, CASE WHEN o.rv IS NULL THEN '' ELSE r.key END, CASE WHEN o.rv IS NULL THEN 0 ELSE 1 END,
                      CASE WHEN o.rv IS NULL THEN NULL ELSE r.value END
               FROM r LEFT JOIN o ON o.rv = r.rv ORDER BY r.rv)
    SELECT r.i, r.rv, o.rv IS NOT NULL AS ok FROM r LEFT JOIN o ON o.rv = r.rv`),

  /** Compare-and-swap of keys $1 from RVs $2 to values $3. */
  updateMany: q('capstan_update_many', `
    WITH w AS (SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[]) WITH ORDINALITY AS w(key, expected, value, i)),
         c AS (SELECT w.i FROM w JOIN capstan_objects cur ON cur.key = w.key AND cur.rv = w.expected
               ORDER BY cur.key FOR NO KEY UPDATE OF cur),
         r AS (SELECT w.*, nextval('capstan_rv') AS rv FROM w JOIN c USING (i)),
         o AS (UPDATE capstan_objects SET rv = r.rv FROM r WHERE capstan_objects.key = r.key RETURNING r.rv),
         l AS (INSERT INTO capstan_log (rv, key, kind, prev_rv, value)
               SELECT r.rv, CASE WHEN o.rv IS NULL THEN '' ELSE r.key END, CASE WHEN o.rv IS NULL THEN 0 ELSE 2 END,
                      CASE WHEN o.rv IS NULL THEN 0 ELSE r.expected END, CASE WHEN o.rv IS NULL THEN NULL ELSE r.value END
               FROM r LEFT JOIN o ON o.rv = r.rv ORDER BY r.rv)
    SELECT r.i, r.rv, o.rv IS NOT NULL AS ok FROM r LEFT JOIN o ON o.rv = r.rv`),

  /** Compare-and-swap delete of keys $1 at RVs $2. */
  deleteMany: q('capstan_delete_many', `
    WITH w AS (SELECT * FROM unnest($1::text[], $2::bigint[]) WITH ORDINALITY AS w(key, expected, i)),
         c AS (SELECT w.i FROM w JOIN capstan_objects cur ON cur.key = w.key AND cur.rv = w.expected
               ORDER BY cur.key FOR UPDATE OF cur),
         r AS (SELECT w.*, nextval('capstan_rv') AS rv FROM w JOIN c USING (i)),
         o AS (DELETE FROM capstan_objects USING r WHERE capstan_objects.key = r.key RETURNING r.rv),
         l AS (INSERT INTO capstan_log (rv, key, kind, prev_rv)
               SELECT r.rv, CASE WHEN o.rv IS NULL THEN '' ELSE r.key END, CASE WHEN o.rv IS NULL THEN 0 ELSE 3 END,
                      CASE WHEN o.rv IS NULL THEN 0 ELSE r.expected END
               FROM r LEFT JOIN o ON o.rv = r.rv ORDER BY r.rv)
    SELECT r.i, r.rv, o.rv IS NOT NULL AS ok FROM r LEFT JOIN o ON o.rv = r.rv`),

  get: q('capstan_get', `
    SELECT l.rv, l.value FROM capstan_objects o JOIN capstan_log l ON l.rv = o.rv WHERE o.key = $1`),

  /** The current objects of several keys at once (those that exist). */
  getMany: q('capstan_get_many', `
    SELECT o.key, l.rv, l.value FROM capstan_objects o JOIN capstan_log l ON l.rv = o.rv WHERE o.key = ANY($1::text[])`),

  /** Max committed RV visible in this statement's snapshot. */
  maxRV: q('capstan_max_rv', `SELECT coalesce(max(rv), 0) AS rv FROM capstan_log`),

  /**
   * A page of the current state, with the snapshot's max RV and how many RVs in ($5, max] the
   * snapshot holds: when that is max - $5, no lower RV is still in flight and the snapshot is
   * exactly the state at max. $1..$2 key range, $3 exclusive start key, $4 limit, $5 resolved RV.
   */
  listCurrent: q('capstan_list_current', `
    WITH m AS (SELECT coalesce(max(rv), 0) AS max_rv FROM capstan_log),
         c AS (SELECT count(*) AS n FROM capstan_log, m WHERE rv > $5 AND rv <= m.max_rv)
    SELECT m.max_rv, c.n, p.key, p.rv, p.value FROM m CROSS JOIN c LEFT JOIN LATERAL (
      SELECT o.key, l.rv, l.value FROM capstan_objects o JOIN capstan_log l ON l.rv = o.rv
      WHERE o.key >= $1 AND o.key < $2 AND o.key > $3 ORDER BY o.key LIMIT $4) p ON true`),

  /** Live keys in a range after a start key, in the current state (remainingItemCount). */
  countCurrent: q('capstan_count_current', `
    SELECT count(*) AS n FROM capstan_objects WHERE key >= $1 AND key < $2 AND key > $3`),

  /**
   * A page of the state at RV $4: keys unchanged since then read from capstan_objects, keys
   * changed since then read back from the log. A key's first change after $4 links (prev_rv) to
   * its version at $4, or has prev_rv 0 if it had none; its later changes link to RVs above $4.
   * So the versions at $4 of the keys changed since are the prev_rv rows of the changes after $4
   * with 0 < prev_rv <= $4: primary-key lookups, however long the keys' histories are.
   * $1..$2 key range, $3 exclusive start, $5 limit.
   */
  listAt: q('capstan_list_at', `
    SELECT key, rv, value FROM (
      SELECT o.key, l.rv, l.value FROM capstan_objects o JOIN capstan_log l ON l.rv = o.rv
        WHERE o.key >= $1 AND o.key < $2 AND o.key > $3 AND o.rv <= $4
      UNION ALL
      SELECT p.key, p.rv, p.value FROM capstan_log n JOIN capstan_log p ON p.rv = n.prev_rv
        WHERE n.rv > $4 AND n.prev_rv > 0 AND n.prev_rv <= $4 AND n.key >= $1 AND n.key < $2 AND n.key > $3
    ) s ORDER BY key LIMIT $5`),

  countAt: q('capstan_count_at', `
    SELECT (SELECT count(*) FROM capstan_objects o WHERE o.key >= $1 AND o.key < $2 AND o.key > $3 AND o.rv <= $4)
         + (SELECT count(*) FROM capstan_log n
             WHERE n.rv > $4 AND n.prev_rv > 0 AND n.prev_rv <= $4 AND n.key >= $1 AND n.key < $2 AND n.key > $3) AS n`),

  count: q('capstan_count', `SELECT count(*) AS n FROM capstan_objects WHERE key >= $1 AND key < $2`),

  /**
   * The log after an RV, with each change's previous value, for the tailer; $3 lists RVs this
   * process wrote itself, whose values the tailer already holds (they are not read back).
   */
  tail: q('capstan_tail', `
    SELECT l.rv, l.key, l.kind, CASE WHEN l.rv = ANY($3::bigint[]) THEN NULL ELSE l.value END AS value, l.prev_rv, p.value AS prev_value
    FROM capstan_log l LEFT JOIN capstan_log p ON p.rv = l.prev_rv AND l.prev_rv > 0 AND NOT (l.rv = ANY($3::bigint[]))
    WHERE l.rv > $1 ORDER BY l.rv LIMIT $2`),

  /** The log of one key range between two RVs, for a watcher catching up. */
  tailRange: q('capstan_tail_range', `
    SELECT l.rv, l.key, l.kind, l.value, l.prev_rv, p.value AS prev_value
    FROM capstan_log l LEFT JOIN capstan_log p ON p.rv = l.prev_rv AND l.prev_rv > 0
    WHERE l.rv > $1 AND l.rv <= $2 AND l.key >= $3 AND l.key < $4 ORDER BY l.rv LIMIT $5`),

  /** Fills RVs taken by writes that will never commit; waits on any that still might. */
  fillHoles: q('capstan_fill_holes', `
    INSERT INTO capstan_log (rv, key, kind) SELECT g, '', 0 FROM generate_series($1::bigint, $2::bigint) g
    ON CONFLICT (rv) DO NOTHING`),

  schemaVersion: q('capstan_schema_version', `SELECT value AS version FROM capstan_meta WHERE name = 'schema_version'`),

  compactedRV: q('capstan_compacted_rv', `SELECT value AS rv FROM capstan_meta WHERE name = 'compacted_rv'`),
  raiseCompactedRV: q('capstan_raise_compacted_rv', `
    UPDATE capstan_meta SET value = greatest(value, $1) WHERE name = 'compacted_rv' RETURNING value AS rv`),

  /**
   * Deletes, in one small batch, history not needed at or after the compacted RV $3, found from
   * the changes n in the RV window ($1, $2] at or below $3 (at most $4 of them): each n's previous
   * version (superseded at n), and n itself if it is a deletion or a hole filler below $3. A change
   * and the version it superseded go in the same statement, so a deletion never outlives its
   * previous version unlinked. Returns how many changes it took: fewer than $4 when the window is
   * done.
   */
  compactBatch: q('capstan_compact_batch', `
    WITH n AS (
      SELECT l.rv, l.kind, l.prev_rv FROM capstan_log l
      WHERE l.rv > $1 AND l.rv <= $2 AND l.rv <= $3
        AND ((l.kind IN (0, 3) AND l.rv < $3) OR (l.prev_rv > 0 AND EXISTS (SELECT 1 FROM capstan_log p WHERE p.rv = l.prev_rv)))
      ORDER BY l.rv LIMIT $4),
    d AS (DELETE FROM capstan_log WHERE rv IN (
      SELECT rv FROM n WHERE kind IN (0, 3) AND rv < $3 UNION ALL SELECT prev_rv FROM n WHERE prev_rv > 0))
    SELECT count(*) AS n FROM n`),
  minLogRV: q('capstan_min_log_rv', `SELECT coalesce(min(rv), 0) AS rv FROM capstan_log`),

  /** Records this process ($1) and the oldest RV it needs ($2); says whether another process was heard from in the last $3 s. */
  heartbeat: q('capstan_heartbeat', `
    WITH beat AS (INSERT INTO capstan_members (id, min_rv, seen) VALUES ($1, $2, now())
                  ON CONFLICT (id) DO UPDATE SET min_rv = excluded.min_rv, seen = now())
    SELECT EXISTS (SELECT 1 FROM capstan_members WHERE id <> $1 AND seen > now() - make_interval(secs => $3)) AS peers`),
  leave: q('capstan_leave', `DELETE FROM capstan_members WHERE id = $1`),
  membersMinRV: q('capstan_members_min_rv', `
    SELECT min(min_rv) AS rv FROM capstan_members WHERE seen > now() - make_interval(secs => $1)`),
  forgetMembers: q('capstan_forget_members', `
    DELETE FROM capstan_members WHERE seen < now() - make_interval(secs => $1)`),

  /**
   * The doorbell, carrying the sender's id ($1) so a process can tell its own rings from others'.
   * Its transaction need not wait for the WAL flush (synchronous_commit off for this transaction
   * only): the notification is delivered at commit either way, and a lost one is covered by the poll.
   */
  notify: q('capstan_notify', `SELECT set_config('synchronous_commit', 'off', true), pg_notify('capstan_log', $1)`),
} as const;
