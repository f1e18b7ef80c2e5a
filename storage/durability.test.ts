// Durability on a real PostgreSQL: whatever the store acknowledged survives a kill -9 of the
// writing process, and a kill -9 of the database itself. The writer is a child process
// (storage/testdata/ack-writer.ts) that prints each acknowledged write.
import { describe, it, expect, inject } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { PgDriver } from './drivers/pg.ts';
import { SqlStore } from './sqlstore.ts';
import type { WatchEvent } from './store.ts';
import { createDatabaseAt, TestPostgres } from '../test/postgres.ts';

const root = path.resolve(import.meta.dirname, '..');
const prefix = '/registry/configmaps/d/';
const openPg = (url: string, holeTimeoutMs = 200) => SqlStore.open(new PgDriver(url), { holeTimeoutMs });

interface Ack { op: 'C' | 'U'; key: string; rv: bigint; n: number; at: number }

class Writer {
  readonly acks: Ack[] = [];
  readonly proc: ChildProcess;
  readonly closed: Promise<void>;
  private readonly waiters = new Set<() => void>();

  constructor(url: string) {
    this.proc = spawn(process.execPath, ['--import', 'tsx', 'storage/testdata/ack-writer.ts', url, '8'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] });
    const lines = createInterface({ input: this.proc.stdout! });
    lines.on('line', (line) => {
      const [op, key, rv, n] = line.split(' ');
      if (op === 'C' || op === 'U') this.acks.push({ op, key: key!, rv: BigInt(rv!), n: Number(n), at: Date.now() });
      for (const w of this.waiters) w();
    });
    this.closed = new Promise((resolve) => lines.on('close', () => resolve()));
  }

  /** Resolves once `n` writes in all have been acknowledged. */
  async waitForAcks(n: number, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.acks.length < n) {
      if (Date.now() > deadline || this.proc.exitCode !== null) throw new Error(`writer acknowledged ${this.acks.length}/${n} writes`);
      await new Promise<void>((resolve) => {
        const done = () => { this.waiters.delete(done); clearTimeout(t); resolve(); };
        const t = setTimeout(done, 100);
        this.waiters.add(done);
      });
    }
  }

  /** kill -9, then every line it printed before dying. */
  async kill9(): Promise<Ack[]> {
    this.proc.kill('SIGKILL');
    await this.closed;
    return this.acks;
  }
}

/** Every problem with the acknowledged writes as found in the database (empty when all are there). */
async function missingAcks(store: SqlStore, acks: Ack[]): Promise<string[]> {
  const problems: string[] = [];
  const maxRV = acks.reduce((m, a) => (a.rv > m ? a.rv : m), 0n);
  // The whole history from RV 0: every acknowledged RV must be in it, with what was written.
  const byRV = new Map<bigint, WatchEvent>();
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), 30_000);
  for await (const ev of store.watch(prefix, 0n, { signal: ac.signal })) {
    byRV.set(ev.rv, ev);
    if (ev.rv >= maxRV) break;
  }
  clearTimeout(timer);
  const lastSeq = new Map<string, number>();
  for (const a of acks) {
    const ev = byRV.get(a.rv);
    const data = ev?.obj?.data as { i?: string; seq?: string } | undefined;
    const got = a.op === 'C' ? data?.i : data?.seq;
    if (!ev || ev.key !== a.key || got !== String(a.n)) problems.push(`${a.op} ${a.key}@${a.rv}=${a.n}: history has ${ev ? `${ev.key}=${got}` : 'nothing'}`);
    if (a.op === 'U') lastSeq.set(a.key, Math.max(lastSeq.get(a.key) ?? 0, a.n));
  }
  // And the current state holds every acknowledged create and at least the last acknowledged update.
  const current = new Map((await store.list(prefix)).items.map((i) => [i.key, i.obj.data as { seq?: string }]));
  for (const a of acks) if (a.op === 'C' && !current.has(a.key)) problems.push(`C ${a.key}: not in the current state`);
  for (const [key, seq] of lastSeq) {
    const got = Number(current.get(key)?.seq ?? -1);
    if (got < seq) problems.push(`U ${key}: current seq ${got} < acknowledged ${seq}`);
  }
  return problems;
}

describe('durability on PostgreSQL', () => {
  it('keeps every acknowledged write when the writing process is killed with SIGKILL mid-stream', async () => {
    const url = await createDatabaseAt(inject('pgAdminUrl'));
    const writer = new Writer(url);
    await writer.waitForAcks(2_000);
    const acks = await writer.kill9();
    expect(acks.length).toBeGreaterThanOrEqual(2_000);
    // Opening resolves the writes that died in flight (their RVs become holes, then fillers).
    const store = await openPg(url);
    try {
      expect(await missingAcks(store, acks)).toEqual([]);
      // And the store carries on from there.
      const after = await store.create(`${prefix}after`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after' } });
      expect(after.rv).toBeGreaterThan(acks.reduce((m, a) => (a.rv > m ? a.rv : m), 0n));
    } finally {
      await store.close();
    }
  });

  it('keeps every acknowledged write through a kill -9 of PostgreSQL; watches on a surviving process miss nothing', async () => {
    const server = await TestPostgres.start({ fsync: true });
    const url = await server.createDatabase('durability');
    const holeTimeoutMs = 300;
    const surviving = await openPg(url, holeTimeoutMs);
    const writer = new Writer(url);
    const seen: WatchEvent[] = [];
    const seenAt = new Map<bigint, number>();
    let watchError: unknown;
    const ac = new AbortController();
    const watching = (async () => {
      try {
        for await (const ev of surviving.watch(prefix, await surviving.currentRV(), { signal: ac.signal })) {
          seen.push(ev);
          seenAt.set(ev.rv, Date.now());
        }
      } catch (e) { watchError = e; }
    })();
    try {
      await writer.waitForAcks(1_500);
      await server.kill9();
      await new Promise((r) => setTimeout(r, 500));
      const atRestart = writer.acks.length; // every line printed before the crash has been read by now
      await server.startServer();
      // The writer recovers on its own, through its pool.
      await writer.waitForAcks(atRestart + 1_500);
      // The first write after the restart. Crash recovery moves the sequence ahead (PostgreSQL
      // WAL-logs it 32 values at a time), and writes in flight at the crash burned their RVs:
      // readers meet a hole here, which they must fill rather than stall on.
      const firstAfter = writer.acks.slice(atRestart).reduce((m, a) => (a.rv < m.rv ? a : m));
      const acks = await writer.kill9();
      const maxRV = acks.reduce((m, a) => (a.rv > m ? a.rv : m), 0n);

      const fresh = await openPg(url, holeTimeoutMs);
      try {
        expect(await missingAcks(fresh, acks)).toEqual([]);
        // A store opened after the crash lists and watches.
        expect((await fresh.list(prefix, { limit: 10 })).items).toHaveLength(10);
        const ac2 = new AbortController();
        const iter = fresh.watch(prefix, await fresh.currentRV(), { signal: ac2.signal })[Symbol.asyncIterator]();
        const next = iter.next();
        const w = await fresh.create(`${prefix}fresh`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'fresh' } });
        expect(((await next).value as WatchEvent).rv).toBe(w.rv);
        ac2.abort();
        await iter.return?.(undefined);
      } finally {
        await fresh.close();
      }

      // The watcher opened before the crash either has every acknowledged write, in order, with
      // no gap, or has ended with an error: never a silent skip.
      const deadline = Date.now() + 30_000;
      while (!watchError && (seen[seen.length - 1]?.rv ?? 0n) < maxRV && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const lastSeen = seen[seen.length - 1]?.rv ?? 0n;
      const seenRVs = new Set(seen.map((e) => e.rv));
      const skipped = acks.filter((a) => a.rv <= lastSeen && !seenRVs.has(a.rv));
      expect(skipped).toEqual([]);
      for (let i = 1; i < seen.length; i++) expect(seen[i]!.rv > seen[i - 1]!.rv).toBe(true);
      if (!watchError) {
        expect(lastSeen).toBeGreaterThanOrEqual(maxRV);
        // The first write after the restart reached the watcher without waiting on more than the
        // hole timeout, reconnecting and back-off (generously bounded: only a stall fails this).
        const delay = (seenAt.get(firstAfter.rv) ?? Infinity) - firstAfter.at;
        expect(delay).toBeLessThan(10_000);
      }
    } finally {
      ac.abort();
      writer.proc.kill('SIGKILL');
      await watching;
      await surviving.close();
      await server.stop();
    }
  }, 120_000);
});
