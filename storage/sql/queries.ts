// Every statement the store runs, each with a name (used as the prepared-statement name and in
// logs). Nothing else builds SQL; parameters are always bound, never spliced.

export interface NamedQuery {
  name: string;
  text: string;
}

const q = (name: string, text: string): NamedQuery => ({ name, text: text.trim().replace(/\s+/g, ' ') });

export const queries = {
  create: q('capstan_create', `SELECT capstan_create($1, $2) AS rv`),
  update: q('capstan_update', `SELECT capstan_update($1, $2, $3) AS rv`),
  delete: q('capstan_delete', `SELECT capstan_delete($1, $2) AS rv`),

  get: q('capstan_get', `
    SELECT l.rv, l.value FROM capstan_objects o JOIN capstan_log l ON l.rv = o.rv WHERE o.key = $1`),

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
   * changed since then read back from the log. $1..$2 key range, $3 exclusive start, $5 limit.
   */
  listAt: q('capstan_list_at', `
    SELECT key, rv, value FROM (
      SELECT o.key, l.rv, l.value FROM capstan_objects o JOIN capstan_log l ON l.rv = o.rv
        WHERE o.key >= $1 AND o.key < $2 AND o.key > $3 AND o.rv <= $4
      UNION ALL
      SELECT ch.key, v.rv, v.value FROM
        (SELECT DISTINCT key FROM capstan_log WHERE rv > $4 AND key >= $1 AND key < $2 AND key > $3) ch
        CROSS JOIN LATERAL (SELECT rv, kind, value FROM capstan_log
          WHERE key = ch.key AND rv <= $4 ORDER BY rv DESC LIMIT 1) v
        WHERE v.kind IN (1, 2)
    ) s ORDER BY key LIMIT $5`),

  countAt: q('capstan_count_at', `
    SELECT (SELECT count(*) FROM capstan_objects o WHERE o.key >= $1 AND o.key < $2 AND o.key > $3 AND o.rv <= $4)
         + (SELECT count(*) FROM
             (SELECT DISTINCT key FROM capstan_log WHERE rv > $4 AND key >= $1 AND key < $2 AND key > $3) ch
             CROSS JOIN LATERAL (SELECT kind FROM capstan_log
               WHERE key = ch.key AND rv <= $4 ORDER BY rv DESC LIMIT 1) v
             WHERE v.kind IN (1, 2)) AS n`),

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

  compactedRV: q('capstan_compacted_rv', `SELECT value AS rv FROM capstan_meta WHERE name = 'compacted_rv'`),
  raiseCompactedRV: q('capstan_raise_compacted_rv', `
    UPDATE capstan_meta SET value = greatest(value, $1) WHERE name = 'compacted_rv' RETURNING value AS rv`),

  /**
   * Deletes, in one small batch of the RV window ($1, $2], history not needed at or after the
   * compacted RV $3: hole fillers, deletions, and versions superseded at or before $3.
   */
  compactBatch: q('capstan_compact_batch', `
    DELETE FROM capstan_log WHERE rv IN (
      SELECT l.rv FROM capstan_log l
      WHERE l.rv > $1 AND l.rv <= $2 AND l.rv < $3 AND (l.kind IN (0, 3) OR EXISTS (
        SELECT 1 FROM capstan_log n WHERE n.key = l.key AND n.rv > l.rv AND n.rv <= $3))
      LIMIT $4) RETURNING rv`),
  minLogRV: q('capstan_min_log_rv', `SELECT coalesce(min(rv), 0) AS rv FROM capstan_log`),

  heartbeat: q('capstan_heartbeat', `
    INSERT INTO capstan_members (id, min_rv, seen) VALUES ($1, $2, now())
    ON CONFLICT (id) DO UPDATE SET min_rv = excluded.min_rv, seen = now()`),
  leave: q('capstan_leave', `DELETE FROM capstan_members WHERE id = $1`),
  membersMinRV: q('capstan_members_min_rv', `
    SELECT min(min_rv) AS rv FROM capstan_members WHERE seen > now() - make_interval(secs => $1)`),
  forgetMembers: q('capstan_forget_members', `
    DELETE FROM capstan_members WHERE seen < now() - make_interval(secs => $1)`),

  /**
   * The doorbell. Its transaction need not wait for the WAL flush (synchronous_commit off for
   * this transaction only): the notification is delivered at commit either way, and a lost one
   * is covered by the poll.
   */
  notify: q('capstan_notify', `SELECT set_config('synchronous_commit', 'off', true), pg_notify('capstan_log', '')`),
} as const;
