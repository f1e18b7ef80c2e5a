import { describe, expect, it } from 'vitest';
import type { KubernetesObject } from '@kubernetes/client-node';
import { BY_NAMESPACE, BY_OWNER_UID, Informer, indexByNamespace, indexByOwnerUid, keyOf, splitKey, type ListerWatcher } from './informer.ts';
import { ApiError, type WatchEvent } from './rest.ts';

const obj = (ns: string, name: string, rv: string, owners: string[] = []): KubernetesObject => ({
  apiVersion: 'v1', kind: 'ConfigMap',
  metadata: { namespace: ns || undefined, name, resourceVersion: rv, uid: `uid-${ns}-${name}`, ownerReferences: owners.map((uid) => ({ apiVersion: 'v1', kind: 'ConfigMap', name: uid, uid })) },
});

type WatchScript = (emit: (ev: WatchEvent<KubernetesObject>) => void, signal: AbortSignal) => Promise<void>;

/** A scripted list/watch source: each call takes the next step; later calls wait for abort. */
class FakeLW implements ListerWatcher<KubernetesObject> {
  listCalls = 0;
  watchRVs: string[] = [];
  constructor(private lists: Array<() => Promise<{ items: KubernetesObject[]; resourceVersion: string }>>, private watches: WatchScript[]) {}

  async list(): Promise<{ items: KubernetesObject[]; resourceVersion: string }> {
    const step = this.lists[this.listCalls++];
    if (!step) throw new Error('no more lists');
    return step();
  }

  watch(rv: string, onEvent: (ev: WatchEvent<KubernetesObject>) => void, signal: AbortSignal): Promise<void> {
    this.watchRVs.push(rv);
    const step = this.watches.shift();
    // Like the real watch, an abort ends it.
    const aborted = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    return step ? Promise.race([step(onEvent, signal), aborted]) : aborted;
  }
}

const until = async (cond: () => boolean, ms = 2000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

function recorder(inf: Informer<KubernetesObject>) {
  const events: string[] = [];
  inf.addEventHandler({
    onAdd: (o) => events.push(`add ${keyOf(o)}@${o.metadata?.resourceVersion}`),
    onUpdate: (a, b) => events.push(`update ${keyOf(b)}@${a.metadata?.resourceVersion}->${b.metadata?.resourceVersion}`),
    onDelete: (o) => events.push(`delete ${keyOf(o)}`),
  });
  return events;
}

const fast = { initialMs: 5, maxMs: 20 };

describe('Informer', () => {
  it('lists into the cache, reports synced, then applies watch events from the list RV', async () => {
    const lw = new FakeLW([async () => ({ items: [obj('a', 'x', '1'), obj('b', 'y', '2')], resourceVersion: '5' })], [
      async (emit) => {
        emit({ type: 'ADDED', object: obj('a', 'z', '6') });
        emit({ type: 'MODIFIED', object: obj('a', 'x', '7') });
        emit({ type: 'DELETED', object: obj('b', 'y', '8') });
        emit({ type: 'BOOKMARK', resourceVersion: '9' });
        await new Promise(() => {});
      },
    ]);
    const inf = new Informer(lw, { indexers: { [BY_NAMESPACE]: indexByNamespace }, backoff: fast, log: () => {} });
    const events = recorder(inf);
    const ac = new AbortController();
    expect(inf.hasSynced()).toBe(false);
    const running = inf.run(ac.signal);
    expect(await inf.waitForSync()).toBe(true);
    await until(() => inf.lastSyncResourceVersion() === '9');
    expect(lw.watchRVs).toEqual(['5']);
    expect(events).toEqual(['add a/x@1', 'add b/y@2', 'add a/z@6', 'update a/x@1->7', 'delete b/y']);
    expect(inf.keys().sort()).toEqual(['a/x', 'a/z']);
    expect(inf.getByName('a', 'x')?.metadata?.resourceVersion).toBe('7');
    expect(inf.list('a').map(keyOf).sort()).toEqual(['a/x', 'a/z']);
    expect(inf.list('b')).toEqual([]);
    ac.abort();
    await running;
  });

  it('keeps indexes (by namespace, by owner UID) current through changes', async () => {
    let emit: ((ev: WatchEvent<KubernetesObject>) => void) | undefined;
    const lw = new FakeLW([async () => ({ items: [obj('a', 'd1', '1', ['o1']), obj('a', 'd2', '2', ['o1', 'o2'])], resourceVersion: '2' })], [
      (e) => { emit = e; return new Promise(() => {}); },
    ]);
    const inf = new Informer(lw, { backoff: fast, log: () => {} });
    inf.addIndexers({ [BY_OWNER_UID]: indexByOwnerUid });
    const ac = new AbortController();
    const running = inf.run(ac.signal);
    await inf.waitForSync();
    await until(() => emit !== undefined);
    expect(inf.byIndex(BY_OWNER_UID, 'o1').map(keyOf).sort()).toEqual(['a/d1', 'a/d2']);
    emit!({ type: 'MODIFIED', object: obj('a', 'd2', '3', ['o2']) });
    emit!({ type: 'DELETED', object: obj('a', 'd1', '4', ['o1']) });
    expect(inf.byIndex(BY_OWNER_UID, 'o1')).toEqual([]);
    expect(inf.byIndex(BY_OWNER_UID, 'o2').map(keyOf)).toEqual(['a/d2']);
    // An index added late covers what is cached.
    inf.addIndexers({ [BY_NAMESPACE]: indexByNamespace });
    expect(inf.byIndex(BY_NAMESPACE, 'a').map(keyOf)).toEqual(['a/d2']);
    expect(() => inf.byIndex('nope', 'x')).toThrow(/no index/);
    ac.abort();
    await running;
  });

  it('starts over with a list, after back-off, when a watch fails; resumes a watch that just ended', async () => {
    const lw = new FakeLW([
      async () => ({ items: [], resourceVersion: '10' }),
      async () => ({ items: [obj('a', 'x', '11')], resourceVersion: '12' }),
      async () => ({ items: [obj('a', 'x', '11')], resourceVersion: '13' }),
      async () => ({ items: [obj('a', 'x', '11')], resourceVersion: '14' }),
    ], [
      async (emit) => { emit({ type: 'ADDED', object: obj('a', 'x', '11') }); throw new Error('connection reset'); },
      async () => { throw new ApiError(500, 'InternalError', 'boom'); },
      async (emit) => { emit({ type: 'ERROR', status: { code: 500, reason: 'InternalError', message: 'stream broke' } }); await new Promise(() => {}); },
      // The server's timeout: a normal end, resumed from the last RV (a bookmark's here).
      async (emit) => { emit({ type: 'BOOKMARK', resourceVersion: '20' }); },
    ]);
    const logs: string[] = [];
    const inf = new Informer(lw, { backoff: fast, log: (m) => logs.push(m) });
    const events = recorder(inf);
    const ac = new AbortController();
    const running = inf.run(ac.signal);
    await until(() => lw.watchRVs.length === 5);
    expect(lw.listCalls).toBe(4);
    expect(lw.watchRVs).toEqual(['10', '12', '13', '14', '20']);
    expect(logs.filter((l) => /watch failed/.test(l))).toHaveLength(3);
    // The lists found nothing new: no events beyond the first add.
    expect(events).toEqual(['add a/x@11']);
    ac.abort();
    await running;
  });

  it('lists again on 410 Expired (as an ERROR event or a failed watch), reconciling the cache with events', async () => {
    const lw = new FakeLW([
      async () => ({ items: [obj('a', 'keep', '1'), obj('a', 'gone', '2'), obj('a', 'changed', '3')], resourceVersion: '3' }),
      async () => ({ items: [obj('a', 'keep', '1'), obj('a', 'changed', '20'), obj('a', 'new', '21')], resourceVersion: '21' }),
      async () => ({ items: [obj('a', 'keep', '1')], resourceVersion: '30' }),
    ], [
      async (emit) => { emit({ type: 'ERROR', status: { code: 410, reason: 'Expired', message: 'too old resource version: 3 (15)' } }); await new Promise(() => {}); },
      async () => { throw new ApiError(410, 'Gone', 'gone'); },
    ]);
    const inf = new Informer(lw, { backoff: fast, log: () => {} });
    const events = recorder(inf);
    const ac = new AbortController();
    const running = inf.run(ac.signal);
    await until(() => lw.watchRVs.length === 3);
    expect(lw.listCalls).toBe(3);
    expect(lw.watchRVs).toEqual(['3', '21', '30']);
    expect(events).toEqual([
      'add a/keep@1', 'add a/gone@2', 'add a/changed@3',
      'delete a/gone', 'update a/changed@3->20', 'add a/new@21',
      'delete a/changed', 'delete a/new',
    ]);
    ac.abort();
    await running;
  });

  it('retries a failing list with back-off and only then reports synced', async () => {
    const lw = new FakeLW([
      async () => { throw new Error('connection refused'); },
      async () => { throw new Error('connection refused'); },
      async () => ({ items: [obj('', 'cluster-scoped', '1')], resourceVersion: '1' }),
    ], []);
    const inf = new Informer(lw, { backoff: fast, log: () => {} });
    const ac = new AbortController();
    const running = inf.run(ac.signal);
    expect(await inf.waitForSync()).toBe(true);
    expect(lw.listCalls).toBe(3);
    expect(inf.get('cluster-scoped')).toBeDefined();
    ac.abort();
    await running;
  });

  it('replays the cache to a handler added late, and isolates a throwing handler', async () => {
    const lw = new FakeLW([async () => ({ items: [obj('a', 'x', '1')], resourceVersion: '1' })], []);
    const logs: string[] = [];
    const inf = new Informer(lw, { backoff: fast, log: (m) => logs.push(m) });
    inf.addEventHandler({ onAdd: () => { throw new Error('bad handler'); } });
    const ac = new AbortController();
    const running = inf.run(ac.signal);
    await inf.waitForSync();
    const late: string[] = [];
    const remove = inf.addEventHandler({ onAdd: (o) => late.push(keyOf(o)) });
    expect(late).toEqual(['a/x']);
    remove();
    expect(logs.some((l) => /bad handler/.test(l))).toBe(true);
    ac.abort();
    await running;
  });

  it('stops when the signal aborts, even while waiting to retry', async () => {
    const lw = new FakeLW([async () => { throw new Error('down'); }], []);
    const inf = new Informer(lw, { backoff: { initialMs: 60_000, maxMs: 60_000 }, log: () => {} });
    const ac = new AbortController();
    const running = inf.run(ac.signal);
    await until(() => lw.listCalls === 1);
    const t = Date.now();
    ac.abort();
    await running;
    expect(Date.now() - t).toBeLessThan(1000);
    expect(await inf.waitForSync(ac.signal)).toBe(false);
  });
});

describe('keys', () => {
  it('are namespace/name, or name for cluster-scoped objects (upstream MetaNamespaceKeyFunc)', () => {
    expect(keyOf(obj('ns', 'n', '1'))).toBe('ns/n');
    expect(keyOf(obj('', 'n', '1'))).toBe('n');
    expect(splitKey('ns/n')).toEqual({ namespace: 'ns', name: 'n' });
    expect(splitKey('n')).toEqual({ namespace: '', name: 'n' });
  });
});
