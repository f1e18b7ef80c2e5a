// The storage contract on a real PostgreSQL server, plus what only a shared server can show:
// writers in flight out of RV order, several processes on one database, and restarts.
import { describe, it, expect, inject } from 'vitest';
import pg from 'pg';
import { runStoreSuite, collect } from './store.suite.ts';
import { PgDriver } from './drivers/pg.ts';
import { SqlStore } from './sqlstore.ts';
import { queries, type NamedQuery } from './sql/queries.ts';
import { createDatabaseAt } from '../test/postgres.ts';
import type { StoredObject } from './store.ts';

const adminUrl = () => inject('pgAdminUrl');
const openPg = async (url: string, opts = {}, driver = new PgDriver(url)) => SqlStore.open(driver, { holeTimeoutMs: 200, ...opts });

runStoreSuite('postgresql', {
  async open(opts = {}) {
    return openPg(await createDatabaseAt(adminUrl()), opts);
  },
});

const cm = (name: string): StoredObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns' }, data: {} });

describe('Store on PostgreSQL: ordering across transactions and processes', () => {
  it('holds back later RVs until a slower transaction holding a lower RV commits', async () => {
    const url = await createDatabaseAt(adminUrl());
    // A hole timeout far shorter than the slow transaction: the fill must wait for it, not skip it.
    const store = await openPg(url, { holeTimeoutMs: 20 });
    const slow = new pg.Client({ connectionString: url });
    await slow.connect();
    try {
      const base = await store.create('/registry/configmaps/ns/slow', cm('slow'));
      const ac = new AbortController();
      const events = collect(store.watch('/registry/configmaps/', base.rv, { signal: ac.signal }), 4);
      await slow.query('BEGIN');
      const [{ rv: slowRV }] = (await slow.query(queries.update.text,
        ['/registry/configmaps/ns/slow', base.rv.toString(), JSON.stringify(cm('slow'))])).rows;
      const fast: bigint[] = [];
      for (let i = 0; i < 3; i++) fast.push((await store.create(`/registry/configmaps/ns/f${i}`, cm(`f${i}`))).rv);
      await new Promise((r) => setTimeout(r, 300));
      await slow.query('COMMIT');
      store['tailer'].ring();
      const got = await events;
      ac.abort();
      expect(got.map((e) => e.rv)).toEqual([BigInt(slowRV), ...fast]);
      expect(got[0]!.type).toBe('MODIFIED');
    } finally {
      await slow.end();
      await store.close();
    }
  });

  it('fills the hole left by a write that never commits, and carries on', async () => {
    const url = await createDatabaseAt(adminUrl());
    const store = await openPg(url, { holeTimeoutMs: 50 });
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    try {
      const start = await store.currentRV();
      const ac = new AbortController();
      const events = collect(store.watch('/registry/configmaps/', start, { signal: ac.signal }), 2);
      await other.query('BEGIN');
      await other.query(queries.create.text, ['/registry/configmaps/ns/doomed', JSON.stringify(cm('doomed'))]);
      const a = await store.create('/registry/configmaps/ns/a', cm('a'));
      await other.query('ROLLBACK');
      const b = await store.create('/registry/configmaps/ns/b', cm('b'));
      const got = await events;
      ac.abort();
      expect(got.map((e) => e.rv)).toEqual([a.rv, b.rv]);
      const list = await store.list('/registry/configmaps/');
      expect(list.items.map((i) => i.obj.metadata?.name)).toEqual(['a', 'b']);
    } finally {
      await other.end();
      await store.close();
    }
  });

  it('keeps list resourceVersions behind a lower RV still in flight, and waits for it', async () => {
    const url = await createDatabaseAt(adminUrl());
    const store = await openPg(url, { holeTimeoutMs: 5_000 });
    const slow = new pg.Client({ connectionString: url });
    await slow.connect();
    try {
      const base = await store.create('/registry/configmaps/ns/x', cm('x'));
      await slow.query('BEGIN');
      const [{ rv: slowRV }] = (await slow.query(queries.update.text,
        ['/registry/configmaps/ns/x', base.rv.toString(), JSON.stringify({ ...cm('x'), data: { v: 'slow' } })])).rows;
      const later = await store.create('/registry/configmaps/ns/y', cm('y'));
      const listing = store.list('/registry/configmaps/');
      await new Promise((r) => setTimeout(r, 200));
      await slow.query('COMMIT');
      const list = await listing;
      // Whatever RV the list claims, its contents are the state at that RV: x's slow update included.
      expect(list.rv).toBeGreaterThanOrEqual(later.rv);
      expect(BigInt(slowRV)).toBeLessThan(later.rv);
      const x = list.items.find((i) => i.obj.metadata?.name === 'x')!;
      expect((x.obj as { data: { v?: string } }).data.v).toBe('slow');
    } finally {
      await slow.end();
      await store.close();
    }
  });

  it('hands a process its own writes without reading them back, and rings no doorbell while no other process listens', async () => {
    const url = await createDatabaseAt(adminUrl());
    const counted = new Map<string, number>();
    class CountingDriver extends PgDriver {
      override query(q: NamedQuery, params?: unknown[]) {
        counted.set(q.name, (counted.get(q.name) ?? 0) + 1);
        return super.query(q, params);
      }
    }
    const store = await openPg(url, { pollIntervalMs: 60_000 }, new CountingDriver(url));
    let peer: SqlStore | undefined;
    try {
      const ac = new AbortController();
      const events = collect(store.watch('/registry/configmaps/', await store.currentRV(), { signal: ac.signal }), 100);
      counted.clear();
      for (let i = 0; i < 100; i++) await store.create(`/registry/configmaps/ns/o${i}`, cm(`o${i}`));
      expect((await events).map((e) => e.obj?.metadata?.name)).toEqual(Array.from({ length: 100 }, (_, i) => `o${i}`));
      ac.abort();
      expect([counted.get('capstan_tail') ?? 0, counted.get('capstan_notify') ?? 0]).toEqual([0, 0]);
      // Another process says hello: from now on this one rings for it.
      peer = await openPg(url, { pollIntervalMs: 60_000 });
      const seen = collect(peer.watch('/registry/configmaps/', await peer.currentRV(), { signal: AbortSignal.timeout(5_000) }), 1);
      await new Promise((r) => setTimeout(r, 20));
      const w = await store.create('/registry/configmaps/ns/after', cm('after'));
      expect((await seen)[0]!.rv).toBe(w.rv);
      expect(counted.get('capstan_notify') ?? 0).toBeGreaterThan(0);
    } finally {
      await peer?.close();
      await store.close();
    }
  });

  it('shows a write on one process to a watch on another within 100 ms, through NOTIFY', async () => {
    const url = await createDatabaseAt(adminUrl());
    const writer = await openPg(url);
    // A one-minute poll: only the NOTIFY doorbell can deliver in time.
    const reader = await openPg(url, { pollIntervalMs: 60_000 });
    try {
      const start = await writer.currentRV();
      await reader.list('/registry/configmaps/');
      const latencies: number[] = [];
      for (let i = 0; i < 10; i++) {
        const ac = new AbortController();
        const watching = collect(reader.watch('/registry/configmaps/', await writer.currentRV(), { signal: ac.signal }), 1);
        await new Promise((r) => setTimeout(r, 20));
        const t0 = performance.now();
        const w = await writer.create(`/registry/configmaps/ns/x${i}`, cm(`x${i}`));
        const [ev] = await watching;
        latencies.push(performance.now() - t0);
        ac.abort();
        expect(ev!.rv).toBe(w.rv);
      }
      expect(Math.max(...latencies)).toBeLessThan(100);
      expect(start).toBeGreaterThan(0n);
    } finally {
      await writer.close();
      await reader.close();
    }
  });
});
