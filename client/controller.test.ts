// The framework against a real API server: informers over HTTP, the runner's wiring of primary
// and owned resources, retries, the dynamic client and the event recorder.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CoreV1Event, KubernetesObject, V1ConfigMap } from '@kubernetes/client-node';
import { openStore } from '../storage/index.ts';
import { startApiServer } from '../server/index.ts';
import { createDatabaseAt } from '../test/postgres.ts';
import { startTestApiServer, type TestApiServer } from '../test/apiserver.ts';
import { defineController, runController, type ControllerEnv } from './controller.ts';
import { discoverResources } from './discovery.ts';
import { newEventRecorder, restEventSink } from './events.ts';
import { InformerFactory, keyOf } from './informer.ts';
import { kubeConfigForToken, makeClients, type Clients } from './kubeconfig.ts';
import { ApiError, isAlreadyExists, isConflict, isNotFound } from './rest.ts';
import { configMaps, events, namespaces, secrets } from './resources.ts';
import { eventually } from '../test/eventually.ts';

let srv: TestApiServer;
let clients: Clients;

beforeAll(async () => {
  srv = await startTestApiServer({ databaseUrl: await createDatabaseAt(inject('pgAdminUrl')) });
  clients = makeClients(srv.kubeconfig);
  await clients.rest.create(namespaces, '', { metadata: { name: 'fw' } });
});

afterAll(async () => {
  clients?.rest.close();
  await srv?.close();
});

function envFor(informers: InformerFactory, logs: string[]): ControllerEnv {
  return {
    clients, informers, log: (m) => logs.push(m),
    recorder: (component) => newEventRecorder({ sink: restEventSink(clients.rest), component, log: (m) => logs.push(m) }),
  };
}

describe('rest client', () => {
  it('maps API errors to ApiError with the Status reason', async () => {
    const err = await clients.rest.get(configMaps, 'fw', 'missing').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(isNotFound(err)).toBe(true);
    expect((err as ApiError).reason).toBe('NotFound');
    await clients.rest.create(configMaps, 'fw', { metadata: { name: 'dup' } });
    const dup = await clients.rest.create(configMaps, 'fw', { metadata: { name: 'dup' } }).catch((e: unknown) => e);
    expect(isAlreadyExists(dup)).toBe(true);
    expect(isConflict(dup)).toBe(false);
    const cm = await clients.rest.get(configMaps, 'fw', 'dup');
    expect(cm.metadata?.creationTimestamp).toBeInstanceOf(Date);
    await clients.rest.update(configMaps, 'fw', { ...cm, data: { a: '1' } });
    const stale = await clients.rest.update(configMaps, 'fw', { ...cm, data: { a: '2' } }).catch((e: unknown) => e);
    expect(isConflict(stale)).toBe(true);
  });

  it('lists every page, stamping items with apiVersion and kind', async () => {
    for (let i = 0; i < 7; i++) await clients.rest.create(secrets, 'fw', { metadata: { name: `page-${i}` } });
    const page = await clients.rest.list(secrets, 'fw', { limit: 3 });
    expect(page.items).toHaveLength(3);
    expect(page.continue).toBeTruthy();
    const all = await clients.rest.list(secrets, 'fw');
    expect(all.items.filter((s) => s.metadata?.name?.startsWith('page-'))).toHaveLength(7);
    expect(all.items[0]).toMatchObject({ apiVersion: 'v1', kind: 'Secret' });
  });

  it('discovers the served resources with their verbs', async () => {
    const { resources, failed } = await discoverResources(clients.rest);
    expect(failed.size).toBe(0);
    const cm = resources.find((r) => r.plural === 'configmaps');
    expect(cm).toMatchObject({ group: '', version: 'v1', kind: 'ConfigMap', namespaced: true });
    expect(cm!.verbs).toContain('deletecollection');
    expect(resources.some((r) => r.plural.includes('/'))).toBe(false);
  });
});

describe('controller runner', () => {
  it('syncs primary keys on change and when an owned object changes, retrying failures with back-off', async () => {
    const informers = new InformerFactory(clients.rest, { log: () => {} });
    const logs: string[] = [];
    const synced: string[] = [];
    let failuresLeft = 2;
    const ctrl = defineController({
      name: 'test-owner',
      primary: configMaps,
      owns: [secrets],
      workers: 2,
      async sync(key, { lister, clients: c }) {
        synced.push(key);
        if (key === 'fw/flaky' && failuresLeft-- > 0) throw new Error('transient');
        const cm = lister(configMaps).get(key);
        if (!cm || !key.startsWith('fw/ctl-')) return;
        // Level-triggered: make the owned Secret exist.
        const name = cm.metadata!.name!;
        if (lister(secrets).getByName('fw', name)) return;
        await c.rest.create(secrets, 'fw', {
          metadata: { name, ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name, uid: cm.metadata!.uid!, controller: true }] },
        }).catch((e: unknown) => { if (!isAlreadyExists(e)) throw e; });
      },
    });
    const ac = new AbortController();
    const running = runController(ctrl.definition, envFor(informers, logs), ac.signal);
    await clients.rest.create(configMaps, 'fw', { metadata: { name: 'ctl-a' } });
    await eventually(() => informers.informerFor(secrets).getByName('fw', 'ctl-a'));

    // A change to the owned Secret wakes its owner.
    const before = synced.filter((k) => k === 'fw/ctl-a').length;
    await clients.rest.patch(secrets, 'fw', 'ctl-a', { metadata: { labels: { touched: 'yes' } } });
    await eventually(() => (synced.filter((k) => k === 'fw/ctl-a').length > before ? true : undefined));

    await clients.rest.create(configMaps, 'fw', { metadata: { name: 'flaky' } });
    await eventually(() => (synced.filter((k) => k === 'fw/flaky').length === 3 ? true : undefined));
    expect(logs.filter((l) => /sync fw\/flaky failed/.test(l))).toHaveLength(2);

    ac.abort();
    await running;
    await informers.done();
  });

  it('stops promptly when its signal aborts', async () => {
    const informers = new InformerFactory(clients.rest, { log: () => {} });
    const ctrl = defineController({ name: 'idle', primary: namespaces, sync: async () => {} });
    const ac = new AbortController();
    const running = runController(ctrl.definition, envFor(informers, []), ac.signal);
    await informers.informerFor(namespaces).waitForSync();
    const t = Date.now();
    ac.abort();
    await running;
    await informers.done();
    expect(Date.now() - t).toBeLessThan(1_000);
  });
});

describe('informer over HTTP', () => {
  it('follows creates, updates and deletes through the watch', async () => {
    const informers = new InformerFactory(clients.rest, { log: () => {} });
    const inf = informers.informerFor(configMaps);
    const seen: string[] = [];
    inf.addEventHandler({
      onAdd: (o: V1ConfigMap) => { if (o.metadata?.name === 'watched') seen.push(`add ${o.data?.v ?? ''}`); },
      onUpdate: (_o, n: V1ConfigMap) => { if (n.metadata?.name === 'watched') seen.push(`update ${n.data?.v ?? ''}`); },
      onDelete: (o: KubernetesObject) => { if (o.metadata?.name === 'watched') seen.push('delete'); },
    });
    const ac = new AbortController();
    informers.start(ac.signal);
    expect(await informers.waitForSync(ac.signal)).toBe(true);
    await clients.rest.create(configMaps, 'fw', { metadata: { name: 'watched' }, data: { v: '1' } });
    await clients.rest.patch(configMaps, 'fw', 'watched', { data: { v: '2' } });
    await clients.rest.delete(configMaps, 'fw', 'watched');
    await eventually(() => (seen.length === 3 ? true : undefined));
    expect(seen).toEqual(['add 1', 'update 2', 'delete']);
    expect(inf.get('fw/watched')).toBeUndefined();
    expect(inf.list('fw').map(keyOf)).toContain('fw/dup');
    ac.abort();
    await informers.done();
  });
});

describe('informer across an API server restart', () => {
  it('keeps retrying while the server is down and catches up when it is back', async () => {
    const store = await openStore({ databaseUrl: await createDatabaseAt(inject('pgAdminUrl')) });
    const tokens = [{ token: 't', user: { name: 'admin', groups: ['system:masters'] } }];
    let api = await startApiServer({ store, port: 0, tokens, log: () => {} });
    const port = api.port;
    const c = makeClients(kubeConfigForToken({ server: api.url, token: 't' }));
    const logs: string[] = [];
    const informers = new InformerFactory(c.rest, { log: (m) => logs.push(m), backoff: { initialMs: 20, maxMs: 100 } });
    const inf = informers.informerFor(namespaces);
    const ac = new AbortController();
    informers.start(ac.signal);
    await inf.waitForSync();
    try {
      await api.close();
      await eventually(() => (logs.some((l) => /failed/.test(l)) ? true : undefined));
      api = await startApiServer({ store, port, tokens, log: () => {} });
      await c.rest.create(namespaces, '', { metadata: { name: 'after-restart' } });
      await eventually(() => inf.get('after-restart'));
    } finally {
      ac.abort();
      await informers.done();
      c.rest.close();
      await api.close();
      await store.close();
    }
  });
});

describe('event recorder against the API server', () => {
  it('creates an Event and counts a repeat on it', async () => {
    const cm = await clients.rest.create(configMaps, 'fw', { metadata: { name: 'evented' } });
    const rec = newEventRecorder({ sink: restEventSink(clients.rest), component: 'test-controller', host: 'node-1' });
    rec.event(cm, 'Warning', 'FailedThing', 'it failed');
    rec.event(cm, 'Warning', 'FailedThing', 'it failed');
    await rec.flush();
    const list = await clients.rest.list(events, 'fw', { fieldSelector: 'involvedObject.name=evented' });
    expect(list.items).toHaveLength(1);
    const ev: CoreV1Event = list.items[0]!;
    expect(ev).toMatchObject({
      reason: 'FailedThing', message: 'it failed', type: 'Warning', count: 2,
      involvedObject: { kind: 'ConfigMap', name: 'evented', namespace: 'fw', uid: cm.metadata?.uid },
      source: { component: 'test-controller', host: 'node-1' },
    });
    expect(ev.firstTimestamp).toBeInstanceOf(Date);
    expect(ev.lastTimestamp!.getTime()).toBeGreaterThanOrEqual(ev.firstTimestamp!.getTime());
  });
});
