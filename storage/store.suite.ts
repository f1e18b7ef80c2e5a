// The storage contract as tests, run against every backend (storage/pglite.test.ts,
// storage/pg.test.ts): one suite, many implementations.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { isStorageError, type Store, type StoredObject, type WatchEvent } from './store.ts';

export interface StoreFactory {
  /** A fresh, empty store. */
  open(opts?: { holeTimeoutMs?: number; watcherQueueLimit?: number }): Promise<Store>;
}

let seq = 0;
const uniquePrefix = () => `/registry/suite${process.pid}x${seq++}/`;

function cm(name: string, data: Record<string, string> = {}, extra: Record<string, unknown> = {}): StoredObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', uid: `uid-${name}`, ...extra }, data };
}

/** Collects `n` events from a watch (or fails after `timeoutMs`). */
export async function collect(iter: AsyncIterable<WatchEvent>, n: number, timeoutMs = 10_000): Promise<WatchEvent[]> {
  const out: WatchEvent[] = [];
  if (n === 0) return out;
  const timer = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out with ${out.length}/${n} events`)), timeoutMs));
  const run = (async () => {
    for await (const ev of iter) {
      if (ev.type === 'BOOKMARK') continue;
      out.push(ev);
      if (out.length === n) break;
    }
    return out;
  })();
  return Promise.race([run, timer]);
}

async function expectStorageError(p: Promise<unknown>, code: string): Promise<void> {
  try {
    await p;
  } catch (e) {
    if (isStorageError(e) && e.code === code) return;
    throw new Error(`expected StorageError ${code}, got ${String(e)}`);
  }
  throw new Error(`expected StorageError ${code}, got success`);
}

export function runStoreSuite(name: string, factory: StoreFactory): void {
  describe(`Store contract (${name})`, () => {
    let store: Store;
    beforeAll(async () => { store = await factory.open(); });
    afterAll(async () => { await store?.close(); });

    it('creates an object and stamps a new resourceVersion on it', async () => {
      const p = uniquePrefix();
      const a = await store.create(`${p}default/a`, cm('a', { x: '1' }));
      const b = await store.create(`${p}default/b`, cm('b'));
      expect(b.rv).toBeGreaterThan(a.rv);
      expect(a.obj.metadata?.resourceVersion).toBe(a.rv.toString());
      const got = await store.get(`${p}default/a`);
      expect(got.obj).toEqual(a.obj);
      expect(got.rv).toBe(a.rv);
    });

    it('refuses a second create of the same key with AlreadyExists', async () => {
      const p = uniquePrefix();
      await store.create(`${p}default/a`, cm('a'));
      await expectStorageError(store.create(`${p}default/a`, cm('a')), 'AlreadyExists');
    });

    it('answers NotFound for a missing key', async () => {
      await expectStorageError(store.get(`${uniquePrefix()}default/missing`), 'NotFound');
    });

    it('updates with compare-and-swap and retries the read-modify-write on conflict', async () => {
      const p = uniquePrefix();
      const key = `${p}default/counter`;
      await store.create(key, cm('counter', { n: '0' }));
      await Promise.all(Array.from({ length: 20 }, () => store.guaranteedUpdate(key, (cur) => {
        const next = structuredClone(cur!.obj) as StoredObject & { data: Record<string, string> };
        next.data.n = String(Number(next.data.n) + 1);
        return next;
      })));
      const final = await store.get(key);
      expect((final.obj as { data: { n: string } }).data.n).toBe('20');
    });

    it('does not write (or bump the resourceVersion) when an update changes nothing', async () => {
      const p = uniquePrefix();
      const created = await store.create(`${p}default/same`, cm('same', { a: 'b' }));
      const after = await store.guaranteedUpdate(`${p}default/same`, (cur) => structuredClone(cur!.obj));
      expect(after.rv).toBe(created.rv);
    });

    it('fails an update whose preconditions do not hold', async () => {
      const p = uniquePrefix();
      const key = `${p}default/pre`;
      const created = await store.create(key, cm('pre'));
      await expectStorageError(store.guaranteedUpdate(key, (c) => c!.obj, { preconditions: { uid: 'other' } }), 'InvalidObj');
      await expectStorageError(store.guaranteedUpdate(key, (c) => ({ ...c!.obj, data: { z: '1' } }),
        { preconditions: { resourceVersion: created.rv - 1n } }), 'Conflict');
      await expectStorageError(store.guaranteedUpdate(`${p}default/nope`, (c) => c!.obj), 'NotFound');
      const made = await store.guaranteedUpdate(`${p}default/made`, (c) => c?.obj ?? cm('made'), { ignoreNotFound: true });
      expect(made.obj.metadata?.name).toBe('made');
    });

    it('lets a tryUpdate error abort the update with nothing written', async () => {
      const p = uniquePrefix();
      const created = await store.create(`${p}default/v`, cm('v'));
      await expect(store.guaranteedUpdate(`${p}default/v`, () => { throw new Error('invalid'); })).rejects.toThrow('invalid');
      expect((await store.get(`${p}default/v`)).rv).toBe(created.rv);
    });

    it('deletes an object, returning its last state, honouring preconditions', async () => {
      const p = uniquePrefix();
      const key = `${p}default/d`;
      const created = await store.create(key, cm('d', { k: 'v' }));
      await expectStorageError(store.delete(key, { preconditions: { uid: 'nope' } }), 'InvalidObj');
      const deleted = await store.delete(key, { preconditions: { uid: 'uid-d', resourceVersion: created.rv } });
      expect(deleted.obj).toEqual(created.obj);
      await expectStorageError(store.get(key), 'NotFound');
      await expectStorageError(store.delete(key), 'NotFound');
      // The key can be created again after deletion.
      await store.create(key, cm('d'));
    });

    it('lists only the keys under a prefix, sorted by key', async () => {
      const p = uniquePrefix();
      for (const n of ['c', 'a', 'b']) await store.create(`${p}ns1/${n}`, cm(n));
      await store.create(`${p}ns2/z`, cm('z'));
      await store.create(`${p.slice(0, -1)}x/ns1/q`, cm('q')); // a sibling prefix that shares the stem
      const all = await store.list(p);
      expect(all.items.map((i) => i.key)).toEqual([`${p}ns1/a`, `${p}ns1/b`, `${p}ns1/c`, `${p}ns2/z`]);
      const ns1 = await store.list(`${p}ns1/`);
      expect(ns1.items).toHaveLength(3);
      expect(await store.count(p)).toBe(4);
    });

    it('pages with limit and continue, every page at the first page\'s resourceVersion', async () => {
      const p = uniquePrefix();
      for (let i = 0; i < 10; i++) await store.create(`${p}ns/o${String(i).padStart(2, '0')}`, cm(`o${i}`));
      const first = await store.list(p, { limit: 4 });
      expect(first.items).toHaveLength(4);
      expect(first.remainingItemCount).toBe(6);
      expect(first.continue).toBeTruthy();
      // Writes between pages must not show up in later pages.
      await store.delete(`${p}ns/o05`);
      await store.create(`${p}ns/o99`, cm('o99'));
      await store.guaranteedUpdate(`${p}ns/o06`, (c) => ({ ...c!.obj, data: { changed: 'yes' } }));
      const second = await store.list(p, { limit: 4, continue: first.continue });
      expect(second.rv).toBe(first.rv);
      expect(second.items.map((i) => i.obj.metadata?.name)).toEqual(['o4', 'o5', 'o6', 'o7']);
      expect((second.items[2]!.obj as { data: object }).data).toEqual({});
      expect(second.remainingItemCount).toBe(2);
      const third = await store.list(p, { limit: 4, continue: second.continue });
      expect(third.items.map((i) => i.obj.metadata?.name)).toEqual(['o8', 'o9']);
      expect(third.continue).toBeUndefined();
      expect(third.remainingItemCount).toBeUndefined();
      const big = await store.list(p, { limit: 500 });
      expect(big.items).toHaveLength(10);
      expect(big.continue).toBeUndefined();
    });

    it('counts limit against matching items when a predicate filters the list', async () => {
      const p = uniquePrefix();
      for (let i = 0; i < 30; i++) await store.create(`${p}ns/o${String(i).padStart(2, '0')}`, cm(`o${i}`, {}, { labels: { even: String(i % 2 === 0) } }));
      const predicate = (o: StoredObject) => (o.metadata?.labels as Record<string, string>).even === 'true';
      const page = await store.list(p, { limit: 5, predicate });
      expect(page.items.map((i) => i.obj.metadata?.name)).toEqual(['o0', 'o2', 'o4', 'o6', 'o8']);
      expect(page.remainingItemCount).toBeUndefined();
      let names = page.items.map((i) => i.obj.metadata?.name);
      let token = page.continue;
      while (token) {
        const next = await store.list(p, { limit: 5, predicate, continue: token });
        names = names.concat(next.items.map((i) => i.obj.metadata?.name));
        token = next.continue;
      }
      expect(names).toHaveLength(15);
    });

    it('lists the exact state at an older resourceVersion', async () => {
      const p = uniquePrefix();
      await store.create(`${p}ns/a`, cm('a', { v: '1' }));
      await store.create(`${p}ns/b`, cm('b'));
      const at = (await store.list(p)).rv;
      await store.guaranteedUpdate(`${p}ns/a`, (c) => ({ ...c!.obj, data: { v: '2' } }));
      await store.delete(`${p}ns/b`);
      await store.create(`${p}ns/c`, cm('c'));
      const old = await store.list(p, { resourceVersion: at, resourceVersionMatch: 'Exact' });
      expect(old.rv).toBe(at);
      expect(old.items.map((i) => [i.obj.metadata?.name, (i.obj as { data: { v?: string } }).data.v])).toEqual([['a', '1'], ['b', undefined]]);
      const now = await store.list(p);
      expect(now.items.map((i) => i.obj.metadata?.name)).toEqual(['a', 'c']);
    });

    it('refuses a resourceVersion newer than the store with TooLargeResourceVersion', async () => {
      const rv = await store.currentRV();
      await expectStorageError(store.list(uniquePrefix(), { resourceVersion: rv + 1_000_000n, resourceVersionMatch: 'NotOlderThan' }), 'TooLargeResourceVersion');
    }, 15_000);

    it('rejects a continue token that does not parse or escapes the prefix', async () => {
      const p = uniquePrefix();
      await expectStorageError(store.list(p, { continue: 'not-a-token' }), 'InvalidContinue');
      const evil = Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: 5, start: '../other/\u0000' })).toString('base64');
      await expectStorageError(store.list(p, { continue: evil }), 'InvalidContinue');
    });

    it('reads its own writes: get, list and a watch from the write\'s resourceVersion', async () => {
      const p = uniquePrefix();
      const w = await store.create(`${p}ns/rw`, cm('rw'));
      const listed = await store.list(p);
      expect(listed.rv).toBeGreaterThanOrEqual(w.rv);
      expect(listed.items.map((i) => i.key)).toContain(`${p}ns/rw`);
      expect(await store.currentRV()).toBeGreaterThanOrEqual(w.rv);
      const ac = new AbortController();
      const [ev] = await collect(store.watch(p, w.rv - 1n, { signal: ac.signal }), 1);
      ac.abort();
      expect(ev!.type).toBe('ADDED');
      expect(ev!.obj).toEqual(w.obj);
    });

    it('watches every change after a resourceVersion, in order, with the previous object', async () => {
      const p = uniquePrefix();
      const start = await store.currentRV();
      const ac = new AbortController();
      const events = collect(store.watch(p, start, { signal: ac.signal }), 3);
      const created = await store.create(`${p}ns/w`, cm('w', { a: '1' }));
      const updated = await store.guaranteedUpdate(`${p}ns/w`, (c) => ({ ...c!.obj, data: { a: '2' } }));
      await store.create(`${uniquePrefix()}ns/other`, cm('other')); // another prefix: not seen
      const deleted = await store.delete(`${p}ns/w`);
      const got = await events;
      ac.abort();
      expect(got.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
      expect(got[0]!.obj).toEqual(created.obj);
      expect(got[1]!.obj).toEqual(updated.obj);
      expect(got[1]!.prevObj).toEqual(created.obj);
      expect(got[2]!.rv).toBeGreaterThan(updated.rv);
      expect(got[2]!.obj?.metadata?.resourceVersion).toBe(got[2]!.rv.toString());
      expect({ ...got[2]!.obj, metadata: { ...got[2]!.obj!.metadata, resourceVersion: '' } })
        .toEqual({ ...deleted.obj, metadata: { ...deleted.obj.metadata, resourceVersion: '' } });
    });

    it('replays history to a watch started at an older resourceVersion, then continues live', async () => {
      const p = uniquePrefix();
      const start = await store.currentRV();
      const written: bigint[] = [];
      for (let i = 0; i < 5; i++) written.push((await store.create(`${p}ns/h${i}`, cm(`h${i}`))).rv);
      const ac = new AbortController();
      const events = collect(store.watch(p, start, { signal: ac.signal }), 8);
      for (let i = 5; i < 8; i++) written.push((await store.create(`${p}ns/h${i}`, cm(`h${i}`))).rv);
      const got = await events;
      ac.abort();
      expect(got.map((e) => e.rv)).toEqual(written);
    });

    it('restarting a watch from the last resourceVersion seen resumes with no gap and no duplicate', async () => {
      const p = uniquePrefix();
      const start = await store.currentRV();
      for (let i = 0; i < 6; i++) await store.create(`${p}ns/r${i}`, cm(`r${i}`));
      await store.delete(`${p}ns/r2`);
      const ac1 = new AbortController();
      const firstHalf = await collect(store.watch(p, start, { signal: ac1.signal }), 3);
      ac1.abort();
      const ac2 = new AbortController();
      const rest = await collect(store.watch(p, firstHalf[2]!.rv, { signal: ac2.signal }), 4);
      ac2.abort();
      const all = [...firstHalf, ...rest].map((e) => e.rv);
      expect(new Set(all).size).toBe(7);
      expect([...all].sort((a, b) => (a < b ? -1 : 1))).toEqual(all);
      expect(rest[3]!.type).toBe('DELETED');
    });

    it('ends a watch when its signal aborts', async () => {
      const ac = new AbortController();
      const it = store.watch(uniquePrefix(), await store.currentRV(), { signal: ac.signal })[Symbol.asyncIterator]();
      const next = it.next();
      setTimeout(() => ac.abort(), 50);
      expect((await next).done).toBe(true);
    });

    it('sends bookmarks on an idle watch that never run ahead of delivered events', async () => {
      const p = uniquePrefix();
      const start = await store.currentRV();
      const ac = new AbortController();
      const seen: WatchEvent[] = [];
      const done = (async () => {
        for await (const ev of store.watch(p, start, { signal: ac.signal, bookmarkIntervalMs: 50 })) {
          seen.push(ev);
          if (seen.filter((e) => e.type === 'BOOKMARK').length >= 3) break;
        }
      })();
      const w = await store.create(`${p}ns/b`, cm('b'));
      await store.create(`${uniquePrefix()}ns/elsewhere`, cm('e'));
      await done;
      ac.abort();
      const bookmarks = seen.filter((e) => e.type === 'BOOKMARK');
      const lastBookmark = bookmarks[bookmarks.length - 1]!;
      expect(lastBookmark.rv).toBeGreaterThanOrEqual(w.rv);
      for (const b of bookmarks) {
        const idx = seen.indexOf(b);
        const before = seen.slice(0, idx).filter((e) => e.type !== 'BOOKMARK');
        for (const e of before) expect(b.rv).toBeGreaterThanOrEqual(e.rv);
        if (b.rv >= w.rv) expect(before.map((e) => e.rv)).toContain(w.rv);
      }
    });

    it('answers Expired for a watch, an exact list or a continue older than the compacted resourceVersion', async () => {
      const p = uniquePrefix();
      for (let i = 0; i < 6; i++) await store.create(`${p}ns/c${i}`, cm(`c${i}`));
      const first = await store.list(p, { limit: 2 });
      const beforeChanges = first.rv;
      await store.guaranteedUpdate(`${p}ns/c0`, (c) => ({ ...c!.obj, data: { v: 'new' } }));
      await store.delete(`${p}ns/c5`);
      const target = await store.currentRV();
      await store.create(`${p}ns/c9`, cm('c9'));
      await store.compact(target);
      expect(await store.compactedRV()).toBe(target);
      await expectStorageError((async () => { for await (const _ of store.watch(p, beforeChanges, { signal: AbortSignal.timeout(1000) })) break; })(), 'Expired');
      await expectStorageError(store.list(p, { resourceVersion: beforeChanges, resourceVersionMatch: 'Exact' }), 'Expired');
      try {
        await store.list(p, { limit: 2, continue: first.continue });
        throw new Error('expected Expired');
      } catch (e) {
        expect(isStorageError(e, 'Expired')).toBe(true);
        // The inconsistent continue token resumes after the same key, at the current state.
        const token = (e as { continueToken?: string }).continueToken!;
        const rest = await store.list(p, { limit: 10, continue: token });
        expect(rest.items.map((i) => i.obj.metadata?.name)).toEqual(['c2', 'c3', 'c4', 'c9']);
      }
      // The state at the compacted RV (and after) is intact.
      const atTarget = await store.list(p, { resourceVersion: target, resourceVersionMatch: 'Exact' });
      expect(atTarget.items.map((i) => i.obj.metadata?.name)).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
      expect((atTarget.items[0]!.obj as { data: { v: string } }).data.v).toBe('new');
      const ac = new AbortController();
      const after = await collect(store.watch(p, target, { signal: ac.signal }), 1);
      ac.abort();
      expect(after[0]!.obj?.metadata?.name).toBe('c9');
    });

    it('closes a watcher that falls too far behind, and a resumed watch loses nothing', async () => {
      const small = await factory.open({ watcherQueueLimit: 5 });
      try {
        const p = uniquePrefix();
        const start = await small.currentRV();
        const ac = new AbortController();
        const iter = small.watch(p, start, { signal: ac.signal })[Symbol.asyncIterator]();
        const first = await (async () => {
          const pending = iter.next();
          await small.create(`${p}ns/o0`, cm('o0'));
          return (await pending).value as WatchEvent;
        })();
        for (let i = 1; i < 20; i++) await small.create(`${p}ns/o${i}`, cm(`o${i}`));
        await new Promise((r) => setTimeout(r, 200));
        let err: unknown;
        try { for (;;) { const r = await iter.next(); if (r.done) break; } } catch (e) { err = e; }
        expect(isStorageError(err, 'WatchOverflow')).toBe(true);
        const resumed = await collect(small.watch(p, first.rv, { signal: ac.signal }), 19);
        ac.abort();
        expect(resumed.map((e) => e.obj?.metadata?.name)).toEqual(Array.from({ length: 19 }, (_, i) => `o${i + 1}`));
      } finally {
        await small.close();
      }
    });

    it('delivers every RV exactly once and in order to a watcher from RV 0 under 16 concurrent writers (5,000 writes)', async () => {
      const fresh = await factory.open();
      try {
        const ac = new AbortController();
        const seen: bigint[] = [];
        const total = 5_000;
        const watching = (async () => {
          for await (const ev of fresh.watch('/registry/', 0n, { signal: ac.signal })) {
            seen.push(ev.rv);
            if (seen.length === total) break;
          }
        })();
        const acked: bigint[] = [];
        let next = 0;
        await Promise.all(Array.from({ length: 16 }, async (_, w) => {
          while (next < total) {
            const i = next++;
            const key = `/registry/configmaps/ns${w}/o${i % 300}`;
            const op = i % 3;
            try {
              if (op === 0) acked.push((await fresh.guaranteedUpdate(key, (c) => ({ ...(c?.obj ?? cm(`o${i}`)), data: { i: String(i) } }), { ignoreNotFound: true })).rv);
              else if (op === 1) acked.push((await fresh.create(`/registry/configmaps/ns${w}/new${i}`, cm(`new${i}`))).rv);
              else acked.push((await fresh.guaranteedUpdate(key, (c) => ({ ...(c?.obj ?? cm(`o${i}`)), data: { j: String(i) } }), { ignoreNotFound: true })).rv);
            } catch (e) {
              throw new Error(`write ${i} failed: ${String(e)}`);
            }
          }
        }));
        await Promise.race([watching, new Promise((_, rej) => setTimeout(() => rej(new Error(`watch saw ${seen.length}/${total}`)), 60_000))]);
        ac.abort();
        const sortedAcked = [...acked].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        expect(new Set(seen).size).toBe(seen.length);
        for (let i = 1; i < seen.length; i++) expect(seen[i]! > seen[i - 1]!).toBe(true);
        expect(seen).toEqual(sortedAcked);
      } finally {
        await fresh.close();
      }
    }, 120_000);

    it('keeps every write\'s own outcome when concurrent writers contend for the same keys (creates, updates, deletes)', async () => {
      const fresh = await factory.open();
      try {
        const p = '/registry/configmaps/contended/';
        const from = await fresh.currentRV();
        const written: bigint[] = [];
        const deleted: bigint[] = [];
        const count = (o: StoredObject | undefined) => Number((o as { data?: { n?: string } } | undefined)?.data?.n ?? -1);
        let next = 0;
        await Promise.all(Array.from({ length: 16 }, async () => {
          while (next < 1_500) {
            const i = next++;
            const key = `${p}k${i % 8}`;
            const op = i % 5;
            try {
              if (op === 0) written.push((await fresh.create(key, cm(`k${i % 8}`, { n: '0' }))).rv);
              else if (op === 1) deleted.push((await fresh.delete(key)).rv);
              else {
                written.push((await fresh.guaranteedUpdate(key, (c) => ({ ...(c?.obj ?? cm(`k${i % 8}`)), data: { n: String(count(c?.obj) + 1) } }),
                  { ignoreNotFound: true })).rv);
              }
            } catch (e) {
              if (!isStorageError(e, 'AlreadyExists') && !isStorageError(e, 'NotFound')) throw e;
            }
          }
        }));
        const final = await fresh.list(p);
        const events: WatchEvent[] = [];
        const ac = new AbortController();
        const last = await fresh.currentRV();
        for await (const ev of fresh.watch(p, from, { signal: ac.signal })) {
          events.push(ev);
          if (ev.rv >= last) break;
        }
        ac.abort();
        expect(events.length).toBeGreaterThan(1_000);
        for (let i = 1; i < events.length; i++) expect(events[i]!.rv > events[i - 1]!.rv).toBe(true);
        const sorted = (rvs: bigint[]) => [...rvs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        // Every create and update acknowledged is one event; so is every delete (which returns the version it deleted).
        expect(events.filter((e) => e.type !== 'DELETED').map((e) => e.rv)).toEqual(sorted(written));
        expect(sorted(events.filter((e) => e.type === 'DELETED').map((e) => BigInt(e.prevObj!.metadata!.resourceVersion!)))).toEqual(sorted(deleted));
        // Each key's events chain: an update read the version before it, a create found none.
        const state = new Map<string, StoredObject>();
        for (const e of events) {
          const before = state.get(e.key);
          if (e.type === 'ADDED') expect(before).toBeUndefined();
          else {
            expect(e.prevObj?.metadata?.resourceVersion).toBe(before?.metadata?.resourceVersion);
            if (e.type === 'MODIFIED') expect(count(e.obj)).toBe(count(before) + 1);
          }
          if (e.type === 'DELETED') state.delete(e.key);
          else state.set(e.key, e.obj!);
        }
        expect(final.items.map((i) => [i.key, i.rv])).toEqual([...state].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, o]) => [k, BigInt(o.metadata!.resourceVersion!)]));
      } finally {
        await fresh.close();
      }
    }, 120_000);

    it('stores every value unchanged when concurrent writes go to the database together', async () => {
      const p = uniquePrefix();
      const awkward = ['"quoted"', 'back\\slash \\"', '{braces, commas}', 'NULL', '', 'ünïcödé ✓ 𝄞', 'tab\tnew\nline', "it's"];
      const objs = Array.from({ length: 32 }, (_, i) => cm(`o${i}`, { v: awkward[i % awkward.length]!, [awkward[(i + 3) % awkward.length]!]: 'key' }));
      await Promise.all(objs.map((o, i) => store.create(`${p}ns/{o${i}, "x"}`, o)));
      const listed = await store.list(p);
      expect(listed.items.map((i) => i.key).sort()).toEqual(objs.map((_, i) => `${p}ns/{o${i}, "x"}`).sort());
      for (const [i, o] of objs.entries()) {
        const got = await store.get(`${p}ns/{o${i}, "x"}`);
        expect({ ...got.obj, metadata: { ...got.obj.metadata, resourceVersion: undefined } }).toEqual({ ...o, metadata: { ...o.metadata, resourceVersion: undefined } });
      }
      const updated = await Promise.all(objs.map((o, i) => store.guaranteedUpdate(`${p}ns/{o${i}, "x"}`, (c) => ({ ...c!.obj, data: { v: `${awkward[i % awkward.length]!}!` } }))));
      expect(updated.map((u) => (u.obj as { data: { v: string } }).data.v)).toEqual(objs.map((_, i) => `${awkward[i % awkward.length]!}!`));
      await Promise.all(objs.map((_, i) => store.delete(`${p}ns/{o${i}, "x"}`)));
      expect((await store.list(p)).items).toHaveLength(0);
    });

    it('fails only the write that cannot be stored when concurrent writes go to the database together', async () => {
      const p = uniquePrefix();
      const results = await Promise.allSettled(Array.from({ length: 24 }, (_, i) =>
        // PostgreSQL text holds no NUL: that key cannot be stored.
        store.create(i === 13 ? `${p}ns/bad\u0000key` : `${p}ns/o${String(i).padStart(2, '0')}`, cm(`o${i}`))));
      expect(results.map((r) => r.status)).toEqual(Array.from({ length: 24 }, (_, i) => (i === 13 ? 'rejected' : 'fulfilled')));
      expect((await store.list(p)).items).toHaveLength(23);
    });

    it('answers each of many concurrent gets with its own key (read together): missing keys NotFound, repeated keys alike, writes acknowledged before a get seen by it', async () => {
      const p = uniquePrefix();
      const made = await Promise.all(Array.from({ length: 40 }, (_, i) => store.create(`${p}ns/o${i}`, cm(`o${i}`, { i: String(i) }))));
      // Keys 0..59 (40..59 missing), each asked for twice, all at once, with a NUL key among them.
      const asked = [...Array.from({ length: 120 }, (_, n) => `${p}ns/o${n % 60}`), `${p}ns/bad\u0000key`];
      const got = await Promise.allSettled(asked.map((k) => store.get(k)));
      got.forEach((r, n) => {
        if (n < 120 && n % 60 < 40) {
          expect(r.status).toBe('fulfilled');
          const s = (r as PromiseFulfilledResult<Awaited<ReturnType<Store['get']>>>).value;
          expect(s.key).toBe(asked[n]);
          expect(s.rv).toBe(made[n % 60]!.rv);
          expect((s.obj as { data: { i: string } }).data.i).toBe(String(n % 60));
        } else {
          expect(r.status).toBe('rejected');
          expect(isStorageError((r as PromiseRejectedResult).reason, 'NotFound')).toBe(true);
        }
      });
      // Each update is acknowledged before the gets that follow it are asked.
      for (let round = 0; round < 5; round++) {
        const updated = await Promise.all(made.map((m) => store.guaranteedUpdate(m.key, (c) => ({ ...c!.obj, data: { round: String(round) } }))));
        const reads = await Promise.all(made.map((m) => store.get(m.key)));
        expect(reads.map((r) => r.rv)).toEqual(updated.map((u) => u.rv));
      }
    });
  });
}
