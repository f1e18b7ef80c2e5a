// The periodic compactor: it trims history older than its window, and never past what a live
// watcher of any process on the database still has to read.
import { describe, it, expect, inject } from 'vitest';
import pg from 'pg';
import { compactionTarget, startCompactor, type RVSample } from './compactor.ts';
import { PgDriver } from './drivers/pg.ts';
import { SqlStore, type SqlStoreOptions } from './sqlstore.ts';
import { isStorageError, type StoredObject, type WatchEvent } from './store.ts';
import { createDatabaseAt } from '../test/postgres.ts';

const openPg = (url: string, opts: SqlStoreOptions = {}) =>
  SqlStore.open(new PgDriver(url), { holeTimeoutMs: 200, heartbeatIntervalMs: 50, ...opts });

const cm = (name: string, v: number): StoredObject =>
  ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns' }, data: { v: String(v) } });

async function until(cond: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function sql<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try { return (await c.query<T>(text, values)).rows; } finally { await c.end(); }
}

describe('compactionTarget', () => {
  const s = (at: number, rv: number): RVSample => ({ at, rv: BigInt(rv) });
  it.each([
    ['no sample is a window old yet', [s(900, 10)], 1_000, 100n, 0n, undefined, 1],
    ['the newest sample a window old', [s(0, 5), s(400, 8), s(700, 12)], 1_000, 100n, 0n, 8n, 2],
    ['held back by the oldest RV still needed', [s(0, 5), s(400, 8)], 1_000, 6n, 0n, 6n, 1],
    ['nothing to do when already compacted that far', [s(0, 5), s(400, 8)], 1_000, 100n, 8n, undefined, 1],
    ['never lowered by a floor under the compacted RV', [s(0, 5), s(400, 8)], 1_000, 3n, 4n, undefined, 1],
  ])('%s', (_name, samples, now, floor, compacted, want, kept) => {
    const got = compactionTarget(samples, now, 600, floor, compacted);
    expect(got.target).toBe(want);
    expect(got.keep).toHaveLength(kept);
  });
});

describe('the compactor on PostgreSQL', () => {
  it('compacts history older than its window: older watches and exact lists get Expired, the current state is intact', async () => {
    const url = await createDatabaseAt(inject('pgAdminUrl'));
    const store = await openPg(url);
    const compactor = startCompactor(store, { intervalMs: 20, windowMs: 100 });
    try {
      const first = await store.create('/registry/configmaps/ns/a', cm('a', 0));
      for (let i = 1; i <= 20; i++) await store.guaranteedUpdate('/registry/configmaps/ns/a', (c) => ({ ...c!.obj, data: { v: String(i) } }));
      const last = await store.create('/registry/configmaps/ns/b', cm('b', 0));
      await until(async () => (await store.compactedRV()) >= last.rv, 'compaction past the writes');

      await expect((async () => {
        for await (const _ of store.watch('/registry/configmaps/', first.rv, { signal: AbortSignal.timeout(5_000) })) break;
      })()).rejects.toSatisfy((e) => isStorageError(e, 'Expired'));
      await expect(store.list('/registry/configmaps/', { resourceVersion: first.rv, resourceVersionMatch: 'Exact' }))
        .rejects.toSatisfy((e) => isStorageError(e, 'Expired'));
      const now = await store.list('/registry/configmaps/');
      expect(now.items.map((i) => [i.obj.metadata?.name, (i.obj as { data: { v: string } }).data.v])).toEqual([['a', '20'], ['b', '0']]);
      // The superseded versions of a are gone from the log; only its current one is left.
      const rows = await sql<{ n: string }>(url, `SELECT count(*) AS n FROM capstan_log WHERE key = $1`, ['/registry/configmaps/ns/a']);
      expect(rows[0]!.n).toBe('1');
    } finally {
      await compactor.stop();
      await store.close();
    }
  });

  it.each(['this process', 'another process'])('never compacts past a slow watcher catching up in %s', async (where) => {
    const url = await createDatabaseAt(inject('pgAdminUrl'));
    const compacting = await openPg(url);
    const watching = where === 'this process' ? compacting : await openPg(url);
    const ac = new AbortController();
    let compactor: { stop(): Promise<void> } | undefined;
    try {
      const from = await compacting.currentRV();
      // More than one catch-up batch (1,000 rows), so the watcher must still read from the log.
      const written: bigint[] = [];
      let n = 0;
      await Promise.all(Array.from({ length: 16 }, async (_, w) => {
        while (n < 2_500) {
          const i = n++;
          // Updates of a few keys per writer, so compaction has superseded versions to delete.
          const key = `/registry/configmaps/ns/w${w}-${i % 3}`;
          written.push((await compacting.guaranteedUpdate(key, (c) => ({ ...(c?.obj ?? cm('n', i)), data: { v: String(i) } }), { ignoreNotFound: true })).rv);
        }
      }));
      written.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      const iter = watching.watch('/registry/configmaps/', from, { signal: ac.signal })[Symbol.asyncIterator]();
      const got: WatchEvent[] = [((await iter.next()).value as WatchEvent)];
      await new Promise((r) => setTimeout(r, 200)); // the watching process's next heartbeat
      // The watcher stalls here while the compactor runs many rounds over the whole history.
      let compactions = 0;
      compactor = startCompactor(compacting, { intervalMs: 20, windowMs: 50, onCompacted: () => { compactions++; } });
      await until(async () => compactions > 0, 'a first compaction');
      await new Promise((r) => setTimeout(r, 500));
      expect(await compacting.compactedRV()).toBe(from);
      for (;;) {
        const r = await iter.next();
        got.push(r.value as WatchEvent);
        if (got.length === written.length) break;
      }
      expect(got.map((e) => e.rv)).toEqual(written);
      ac.abort();
      await iter.return?.(undefined);
      // Once the watcher is gone, the compactor does go past where it was.
      await until(async () => (await compacting.compactedRV()) >= written[written.length - 1]!, 'compaction after the watcher left');
    } finally {
      ac.abort();
      await compactor?.stop();
      if (watching !== compacting) await watching.close();
      await compacting.close();
    }
  });

  it('is held back by a process heard from recently, and not by one that has gone quiet', async () => {
    const url = await createDatabaseAt(inject('pgAdminUrl'));
    const store = await openPg(url);
    const compactor = startCompactor(store, { intervalMs: 20, windowMs: 50, memberTimeoutMs: 5_000 });
    try {
      const before = await store.currentRV();
      await sql(url, `INSERT INTO capstan_members (id, min_rv, seen) VALUES ('elsewhere', $1, now())`, [before.toString()]);
      let last = 0n;
      for (let i = 0; i < 50; i++) last = (await store.guaranteedUpdate('/registry/configmaps/ns/a', (c) => ({ ...(c?.obj ?? cm('a', i)), data: { v: String(i) } }), { ignoreNotFound: true })).rv;
      await new Promise((r) => setTimeout(r, 500));
      expect(await store.compactedRV()).toBeLessThanOrEqual(before);
      // Not heard from for longer than the member timeout: taken as gone.
      await sql(url, `UPDATE capstan_members SET seen = now() - interval '1 minute' WHERE id = 'elsewhere'`);
      await until(async () => (await store.compactedRV()) >= last, 'compaction past the quiet process');
    } finally {
      await compactor.stop();
      await store.close();
    }
  });

  it('expires the watchers of a process the log was compacted past, rather than skip what they missed', async () => {
    const url = await createDatabaseAt(inject('pgAdminUrl'));
    const writer = await openPg(url);
    // A process that has stopped reading (no NOTIFY, a one-minute poll) and so falls behind.
    const behind = await openPg(url, { pollIntervalMs: 60_000, holeTimeoutMs: 50 });
    await behind['unlisten']?.();
    await new Promise((r) => setTimeout(r, 200)); // its last read (on opening) is over
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), 10_000);
    try {
      const got: bigint[] = [];
      let error: unknown;
      const watching = (async () => {
        try {
          for await (const ev of behind.watch('/registry/configmaps/', await behind.currentRV(), { signal: ac.signal })) got.push(ev.rv);
        } catch (e) { error = e; }
      })();
      await new Promise((r) => setTimeout(r, 50));
      const written: bigint[] = [];
      for (let i = 0; i < 20; i++) written.push((await writer.guaranteedUpdate('/registry/configmaps/ns/a', (c) => ({ ...(c?.obj ?? cm('a', i)), data: { v: String(i) } }), { ignoreNotFound: true })).rv);
      await writer.compact(written[written.length - 1]!);
      behind['tailer'].ring();
      await watching;
      expect(isStorageError(error, 'Expired')).toBe(true);
      // Whatever it delivered before expiring has no gap.
      expect(got).toEqual(written.slice(0, got.length));
    } finally {
      clearTimeout(timer);
      ac.abort();
      await behind.close();
      await writer.close();
    }
  });
});
