import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { V1EndpointSlice } from '@kubernetes/client-node';
import { RestClient, type Resource } from '../client/index.ts';
import { endpointSlices, namespaces, pods, services } from '../client/resources.ts';
import { createDatabaseAt } from '../test/postgres.ts';
import { startTestApiServer, type TestApiServer } from '../test/apiserver.ts';
import { CONTROLLER_NAME, MANAGED_BY_LABEL, SERVICE_NAME_LABEL, newEndpointSliceController } from './endpointslice.ts';
import { createService, ensureNode, eventually, makePod, makeService, setPodStatus, startPod } from './endpointslice/fixtures.ts';
import { garbageCollector } from './garbagecollector.ts';
import { startControllerManager, type RunningControllerManager } from './index.ts';

// Three endpoints a slice (upstream's default is 100; the reconciler tests cover that) so that
// splitting, filling and in-place updates show with a handful of pods.
const MAX_PER_SLICE = 3;

let srv: TestApiServer;
let ac: AbortController;
let cm: RunningControllerManager;
let rest: RestClient;

beforeAll(async () => {
  srv = await startTestApiServer({ databaseUrl: await createDatabaseAt(inject('pgAdminUrl')) });
  rest = new RestClient(srv.kubeconfig);
  await ensureNode(rest, 'node-z', 'zone-1');
  await ensureNode(rest, 'node-a');
  ac = new AbortController();
  cm = startControllerManager({
    kubeconfig: srv.kubeconfig, signal: ac.signal,
    controllers: [newEndpointSliceController({ maxEndpointsPerSlice: MAX_PER_SLICE }), garbageCollector({ rediscoverMs: 2_000 })],
    log: process.env.EP_LOG ? (m) => process.stderr.write(`${m}\n`) : () => {},
  });
});

afterAll(async () => {
  ac?.abort();
  await cm?.done;
  rest?.close();
  await srv?.close();
});

async function newNamespace(name: string): Promise<string> {
  await rest.create(namespaces, '', { metadata: { name } });
  return name;
}

/** The slices labelled for the service, sorted by name. */
async function slicesOf(ns: string, svc: string): Promise<V1EndpointSlice[]> {
  const { items } = await rest.list(endpointSlices, ns, { labelSelector: `${SERVICE_NAME_LABEL}=${svc}` });
  return items.sort((a, b) => (a.metadata!.name! < b.metadata!.name! ? -1 : 1));
}

const addresses = (slices: V1EndpointSlice[]) => slices.flatMap((s) => (s.endpoints ?? []).flatMap((e) => e.addresses)).sort();
const managed = (slices: V1EndpointSlice[]) => slices.filter((s) => s.metadata?.labels?.[MANAGED_BY_LABEL] === CONTROLLER_NAME);

describe('endpointslice controller', () => {
  it('creates a slice for a selector service: labels, owner, address type, ports, conditions, node, zone and target', async () => {
    const ns = await newNamespace('eps-basic');
    const svc = await createService(rest, ns, makeService('web', { app: 'web' }, [{ name: 'http', port: 80, targetPort: 'http', appProtocol: 'http' }], { labels: { team: 'a' } }));
    const a = await startPod(rest, ns, makePod('a', { labels: { app: 'web' }, node: 'node-z', ports: [{ name: 'http', containerPort: 8080 }] }), '10.244.0.2', true);
    await startPod(rest, ns, makePod('b', { labels: { app: 'web' }, node: 'node-a', ports: [{ name: 'http', containerPort: 8080 }] }), '10.244.0.3', false);

    const [slice] = await eventually(async () => {
      const s = await slicesOf(ns, 'web');
      return s.length === 1 && addresses(s).length === 2 ? s : undefined;
    });
    expect(slice!.metadata?.name).toMatch(/^web-[a-z0-9]{5}$/);
    expect(slice!.metadata?.generateName).toBe('web-');
    expect(slice!.metadata?.labels).toEqual({ team: 'a', [SERVICE_NAME_LABEL]: 'web', [MANAGED_BY_LABEL]: CONTROLLER_NAME });
    expect(slice!.metadata?.ownerReferences).toEqual([
      { apiVersion: 'v1', kind: 'Service', name: 'web', uid: svc.metadata!.uid, controller: true, blockOwnerDeletion: true },
    ]);
    expect(slice!.addressType).toBe('IPv4');
    expect(slice!.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP', appProtocol: 'http' }]);
    const byPod = Object.fromEntries(slice!.endpoints.map((e) => [e.targetRef!.name!, e]));
    expect(byPod.a).toMatchObject({
      addresses: ['10.244.0.2'], conditions: { ready: true, serving: true, terminating: false }, nodeName: 'node-z', zone: 'zone-1',
      targetRef: { kind: 'Pod', namespace: ns, name: 'a', uid: a.metadata!.uid },
    });
    expect(byPod.b).toMatchObject({ addresses: ['10.244.0.3'], conditions: { ready: false, serving: false, terminating: false }, nodeName: 'node-a' });
    expect(byPod.b!.zone).toBeUndefined();
  });

  it('keeps an empty placeholder slice for a service selecting no pods, then fills it in place', async () => {
    const ns = await newNamespace('eps-placeholder');
    await createService(rest, ns, makeService('web', { app: 'web' }, [{ port: 80, targetPort: 8080 }]));
    const [placeholder] = await eventually(async () => {
      const s = await slicesOf(ns, 'web');
      return s.length === 1 ? s : undefined;
    });
    expect(placeholder!.endpoints ?? []).toEqual([]);
    expect(placeholder!.ports ?? []).toEqual([]);

    await startPod(rest, ns, makePod('a', { labels: { app: 'web' }, node: 'node-a' }), '10.244.1.2', true);
    const [filled] = await eventually(async () => {
      const s = await slicesOf(ns, 'web');
      return addresses(s).length === 1 ? s : undefined;
    });
    expect(filled!.metadata?.name).toBe(placeholder!.metadata?.name);
    expect(filled!.ports).toEqual([{ name: '', port: 8080, protocol: 'TCP' }]);
    expect((await slicesOf(ns, 'web')).length).toBe(1);
  });

  it('spreads endpoints over slices of at most the maximum, updates them in place and deletes those left empty', async () => {
    const ns = await newNamespace('eps-spread');
    await createService(rest, ns, makeService('web', { app: 'web' }, [{ port: 80, targetPort: 8080 }]));
    for (let i = 0; i < 7; i++) await startPod(rest, ns, makePod(`p${i}`, { labels: { app: 'web' }, node: 'node-a' }), `10.244.2.${i + 2}`, true);
    const slices = await eventually(async () => {
      const s = await slicesOf(ns, 'web');
      return addresses(s).length === 7 ? s : undefined;
    });
    expect(slices.every((s) => s.endpoints.length <= MAX_PER_SLICE)).toBe(true);
    expect(slices).toHaveLength(3);
    const names = slices.map((s) => s.metadata!.name);

    // A readiness change rewrites the one slice holding that pod, under the same name.
    const holder = slices.find((s) => s.endpoints.some((e) => e.targetRef?.name === 'p3'))!;
    await setPodStatus(rest, ns, 'p3', '10.244.2.5', false);
    const afterReady = await eventually(async () => {
      const s = await slicesOf(ns, 'web');
      const ep = s.flatMap((x) => x.endpoints).find((e) => e.targetRef?.name === 'p3');
      return ep?.conditions?.ready === false ? s : undefined;
    });
    expect(afterReady.map((s) => s.metadata!.name)).toEqual(names);
    for (const s of afterReady) {
      const before = slices.find((x) => x.metadata!.name === s.metadata!.name)!;
      if (s.metadata!.name === holder.metadata!.name) expect(s.metadata!.resourceVersion).not.toBe(before.metadata!.resourceVersion);
      else expect(s.metadata!.resourceVersion).toBe(before.metadata!.resourceVersion);
    }

    // Deleting every pod of one slice deletes that slice; the others stay as they are.
    for (const e of holder.endpoints) await rest.delete(pods, ns, e.targetRef!.name!, { gracePeriodSeconds: 0 });
    const left = await eventually(async () => {
      const s = await slicesOf(ns, 'web');
      return s.length === 2 && addresses(s).length === 7 - holder.endpoints.length ? s : undefined;
    });
    expect(left.map((s) => s.metadata!.name)).toEqual(names.filter((n) => n !== holder.metadata!.name));
  });

  it('marks a terminating pod ready false, serving by its readiness, terminating true', async () => {
    const ns = await newNamespace('eps-terminating');
    await createService(rest, ns, makeService('web', { app: 'web' }, [{ port: 80, targetPort: 8080 }]));
    await startPod(rest, ns, makePod('a', { labels: { app: 'web' }, node: 'node-a', finalizers: ['example.com/hold'] }), '10.244.3.2', true);
    await eventually(async () => (addresses(await slicesOf(ns, 'web')).length === 1 ? true : undefined));
    await rest.delete(pods, ns, 'a');
    const ep = await eventually(async () => {
      const e = (await slicesOf(ns, 'web')).flatMap((s) => s.endpoints)[0];
      return e?.conditions?.terminating ? e : undefined;
    });
    expect(ep.conditions).toEqual({ ready: false, serving: true, terminating: true });
    await rest.patch(pods, ns, 'a', { metadata: { finalizers: null } });
  });

  it('leaves slices of other managers alone, deletes stale ones it manages, and recreates a deleted one', async () => {
    const ns = await newNamespace('eps-managers');
    const foreign: V1EndpointSlice = {
      metadata: { name: 'web-custom', labels: { [SERVICE_NAME_LABEL]: 'web', [MANAGED_BY_LABEL]: 'someone-else' } },
      addressType: 'IPv4', endpoints: [{ addresses: ['192.0.2.1'] }], ports: [{ name: 'x', port: 1234, protocol: 'TCP' }],
    };
    const createdForeign = await rest.create(endpointSlices, ns, foreign);
    // Labelled as ours, but owned by nothing: not this service's, so the controller deletes it.
    await rest.create(endpointSlices, ns, {
      metadata: { name: 'web-stale', labels: { [SERVICE_NAME_LABEL]: 'web', [MANAGED_BY_LABEL]: CONTROLLER_NAME } },
      addressType: 'IPv4', endpoints: [{ addresses: ['192.0.2.2'] }], ports: [],
    });
    await createService(rest, ns, makeService('web', { app: 'web' }, [{ port: 80, targetPort: 8080 }]));
    await startPod(rest, ns, makePod('a', { labels: { app: 'web' }, node: 'node-a' }), '10.244.4.2', true);
    const ours = await eventually(async () => {
      const s = managed(await slicesOf(ns, 'web'));
      return s.length === 1 && addresses(s).join() === '10.244.4.2' ? s[0] : undefined;
    });
    expect(ours.metadata?.name).not.toBe('web-stale');
    const custom = (await slicesOf(ns, 'web')).find((s) => s.metadata?.name === 'web-custom');
    expect(custom?.metadata?.resourceVersion).toBe(createdForeign.metadata?.resourceVersion);

    await rest.delete(endpointSlices as unknown as Resource, ns, ours.metadata!.name!);
    const again = await eventually(async () => {
      const s = managed(await slicesOf(ns, 'web'));
      return s.length === 1 && s[0]!.metadata?.uid !== ours.metadata?.uid ? s[0] : undefined;
    });
    expect(addresses([again!])).toEqual(['10.244.4.2']);
  });

  it('gives selectorless services no slices, and its slices go with a deleted service', async () => {
    const ns = await newNamespace('eps-delete');
    await createService(rest, ns, makeService('manual', undefined, [{ port: 80 }]));
    await createService(rest, ns, makeService('web', { app: 'web' }, [{ port: 80, targetPort: 8080 }]));
    await startPod(rest, ns, makePod('a', { labels: { app: 'web' }, node: 'node-a' }), '10.244.5.2', true);
    await eventually(async () => (addresses(await slicesOf(ns, 'web')).length === 1 ? true : undefined));
    expect(await slicesOf(ns, 'manual')).toEqual([]);
    await rest.delete(services, ns, 'web');
    await eventually(async () => ((await slicesOf(ns, 'web')).length === 0 ? true : undefined), 15_000);
  });
});
