// PostgreSQL restarting under a running store (a failover, a maintenance restart): requests
// fail fast with Unavailable while it is down, everything works again once it is back, and
// watches opened across the restart miss nothing.
import { describe, it, expect } from 'vitest';
import pg from 'pg';
import { PgDriver } from './drivers/pg.ts';
import { SqlStore, type SqlStoreOptions } from './sqlstore.ts';
import { isStorageError, type StoredObject, type WatchEvent } from './store.ts';
import { TestPostgres } from '../test/postgres.ts';

const prefix = '/registry/configmaps/';
const cm = (name: string): StoredObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns' } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A watch drained in the background: what it has delivered, and the error it ended with. */
function follow(store: SqlStore, from: bigint, signal: AbortSignal) {
  const w = { events: [] as WatchEvent[], at: new Map<bigint, number>(), error: undefined as unknown, done: Promise.resolve() };
  w.done = (async () => {
    try {
      for await (const ev of store.watch(prefix, from, { signal })) {
        w.events.push(ev);
        w.at.set(ev.rv, Date.now());
      }
    } catch (e) { w.error = e; }
  })();
  return w;
}

describe('a PostgreSQL restart under a running store', () => {
  it('fails requests fast with Unavailable while the server is down, and recovers fully once it is back', async () => {
    const server = await TestPostgres.start();
    const url = await server.createDatabase('restart');
    const opts: SqlStoreOptions = { holeTimeoutMs: 200 };
    const a = await SqlStore.open(new PgDriver(url), opts);
    // A second process that learns of writes only through NOTIFY: its poll is a minute.
    const b = await SqlStore.open(new PgDriver(url), { ...opts, pollIntervalMs: 60_000 });
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => { unhandled.push(e); };
    process.on('unhandledRejection', onUnhandled);
    const ac = new AbortController();
    const start = await a.currentRV();
    const onA = follow(a, start, ac.signal);
    const onB = follow(b, start, ac.signal);
    // A steady writer across the whole restart: every failure must be Unavailable.
    const acked: bigint[] = [];
    const otherErrors: unknown[] = [];
    let writing = true;
    let n = 0;
    const writer = (async () => {
      while (writing) {
        try {
          const i = n++;
          acked.push((await a.create(`${prefix}ns/w${i}`, cm(`w${i}`))).rv);
        } catch (e) {
          if (!isStorageError(e, 'Unavailable')) otherErrors.push(e);
          await sleep(10);
        }
      }
    })();
    try {
      await sleep(300);

      await server.stopServer();
      const t0 = performance.now();
      const failures = await Promise.allSettled([
        a.create(`${prefix}ns/down`, cm('down')),
        a.get(`${prefix}ns/w0`),
        a.list(prefix),
        a.guaranteedUpdate(`${prefix}ns/w0`, (c) => c!.obj),
        a.currentRV(),
      ]);
      const elapsed = performance.now() - t0;
      for (const f of failures) {
        expect(f.status).toBe('rejected');
        const reason = (f as PromiseRejectedResult).reason as unknown;
        expect(isStorageError(reason, 'Unavailable'), String(reason)).toBe(true);
        expect((reason as Error).message).toMatch(/database unavailable/);
      }
      expect(elapsed).toBeLessThan(5_000); // fast: refused, not hung on a dead server
      await sleep(5_000); // long enough for every back-off to have grown to its cap

      await server.startServer();
      const afterRestart = Date.now();
      // Writes work again at once: the pool holds no dead connections.
      const first = await a.create(`${prefix}ns/back`, cm('back'));
      const firstAt = Date.now();
      while ((!onA.at.has(first.rv) || !onB.at.has(first.rv)) && Date.now() - firstAt < 10_000) await sleep(5);
      // The reader here wakes on the write itself, not at the end of its error back-off; the other
      // process as soon as its LISTEN reconnects (back-off capped at 1 s) and reads on reconnect.
      expect((onA.at.get(first.rv) ?? Infinity) - firstAt).toBeLessThan(1_000);
      expect((onB.at.get(first.rv) ?? Infinity) - afterRestart).toBeLessThan(2_500);
      // Then NOTIFY alone (the other process polls once a minute) delivers promptly.
      await sleep(1_000);
      const probe = await a.create(`${prefix}ns/probe`, cm('probe'));
      const probeAt = Date.now();
      while (!onB.at.has(probe.rv) && Date.now() - probeAt < 5_000) await sleep(5);
      expect((onB.at.get(probe.rv) ?? Infinity) - probeAt).toBeLessThan(1_000);
      await sleep(300);
      writing = false;
      await writer;
      // Each process holds exactly one LISTEN session again: reconnecting did not leak any.
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      const listening = await admin.query<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %'`);
      await admin.end();
      expect(listening.rows[0]!.n).toBe('2');

      // What the database holds (creates only, so the current list is the whole history): every
      // acknowledged write is in it, and the watchers must deliver exactly it.
      const all = (await a.list(prefix)).items.map((i) => i.rv).filter((rv) => rv > start).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
      for (const rv of [...acked, first.rv, probe.rv]) expect(all).toContain(rv);
      const last = all[all.length - 1]!;
      for (const w of [onA, onB]) {
        const deadline = Date.now() + 10_000;
        while (!w.error && (w.events[w.events.length - 1]?.rv ?? 0n) < last && Date.now() < deadline) await sleep(20);
        const got = w.events.map((e) => e.rv);
        if (w.error) {
          // Ending with an error is allowed; delivering with a gap is not.
          expect(got).toEqual(all.slice(0, got.length));
        } else {
          expect(got).toEqual(all);
        }
      }
      expect(acked.filter((rv) => onA.at.get(rv)! >= afterRestart).length).toBeGreaterThan(0);
      expect(otherErrors).toEqual([]);
      expect(unhandled).toEqual([]);
    } finally {
      writing = false;
      ac.abort();
      process.off('unhandledRejection', onUnhandled);
      await a.close();
      await b.close();
      await server.stop();
    }
  }, 60_000);
});
