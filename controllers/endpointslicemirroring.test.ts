// The controller runs as its own ServiceAccount, kube-system/endpointslicemirroring-controller,
// so every write it makes is held to the bootstrap role system:controller:endpointslicemirroring-controller
// (as under the controller manager's --use-service-account-credentials); its informers, like the
// controller manager's shared ones, use the administrator's credential.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { V1EndpointSlice, V1Endpoints } from '@kubernetes/client-node';
import {
  InformerFactory, RestClient, kubeConfigForToken, makeClients, newEventRecorder, restEventSink, statusCodeOf,
  type Clients, type ControllerEnv, type EventRecorder, type Resource,
} from '../client/index.ts';
import { configMaps, endpointSlices, endpoints, events, namespaces, services } from '../client/resources.ts';
import { createDatabaseAt } from '../test/postgres.ts';
import { startTestApiServer, type TestApiServer } from '../test/apiserver.ts';
import { MANAGED_BY_LABEL, SERVICE_NAME_LABEL } from './endpointslice/reconciler.ts';
import { createService, eventually, makeService } from './endpointslice/fixtures.ts';
import {
  MIRRORING_CONTROLLER_NAME, SKIP_MIRROR_LABEL, TOO_MANY_ADDRESSES_TO_MIRROR, newEndpointSliceMirroringController,
} from './endpointslicemirroring.ts';

// A small per-subset cap (upstream's default is 1000; the reconciler tests cover the rule) so
// that truncation shows with a handful of addresses.
const MAX_PER_SUBSET = 4;
const SA_USER = 'system:serviceaccount:kube-system:endpointslicemirroring-controller';
const SA_TOKEN = 'endpointslicemirroring-controller-token';

let srv: TestApiServer;
let rest: RestClient;
let ac: AbortController;
let running: Promise<void>;
let informers: InformerFactory;
let own: Clients;
const recorders: EventRecorder[] = [];
const logs: string[] = [];

beforeAll(async () => {
  srv = await startTestApiServer({
    databaseUrl: await createDatabaseAt(inject('pgAdminUrl')),
    tokens: [{ token: SA_TOKEN, user: { name: SA_USER, groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'] } }],
  });
  rest = new RestClient(srv.kubeconfig);
  own = makeClients(kubeConfigForToken({ server: srv.url, token: SA_TOKEN }));
  const log = (m: string) => {
    logs.push(m);
    if (process.env.ESM_LOG) process.stderr.write(`${m}\n`);
  };
  informers = new InformerFactory(rest, { log });
  const env: ControllerEnv = {
    clients: own, informers, log,
    recorder: (component) => {
      const r = newEventRecorder({ sink: restEventSink(own.rest), component, host: 'test', log });
      recorders.push(r);
      return r;
    },
  };
  ac = new AbortController();
  running = newEndpointSliceMirroringController({ maxEndpointsPerSubset: MAX_PER_SUBSET }).run(env, ac.signal);
});

afterAll(async () => {
  ac?.abort();
  await running;
  await informers?.done();
  await Promise.all(recorders.map((r) => r.flush()));
  own?.rest.close();
  rest?.close();
  await srv?.close();
});

async function newNamespace(name: string): Promise<string> {
  await rest.create(namespaces, '', { metadata: { name } });
  return name;
}

/** The slices labelled for the name, sorted by name. */
async function slicesOf(ns: string, name: string): Promise<V1EndpointSlice[]> {
  const { items } = await rest.list(endpointSlices, ns, { labelSelector: `${SERVICE_NAME_LABEL}=${name}` });
  return items.sort((a, b) => (a.metadata!.name! < b.metadata!.name! ? -1 : 1));
}

const mirrored = (slices: V1EndpointSlice[]) => slices.filter((s) => s.metadata?.labels?.[MANAGED_BY_LABEL] === MIRRORING_CONTROLLER_NAME);
const addressesOf = (slices: V1EndpointSlice[]) => slices.flatMap((s) => (s.endpoints ?? []).flatMap((e) => e.addresses)).sort();

/** Waits for the mirrored slices of the name to hold exactly these addresses. */
const mirroredWith = (ns: string, name: string, ips: string[]) => eventually(async () => {
  const s = mirrored(await slicesOf(ns, name));
  return s.length > 0 && addressesOf(s).join() === [...ips].sort().join() ? s : undefined;
});
const noneMirrored = (ns: string, name: string) => eventually(async () => (mirrored(await slicesOf(ns, name)).length === 0 ? true : undefined));

const customEndpoints = (name: string, ips: string[], o: { labels?: Record<string, string> } = {}): V1Endpoints => ({
  metadata: { name, ...(o.labels ? { labels: o.labels } : {}) },
  subsets: [{ addresses: ips.map((ip) => ({ ip })), ports: [{ name: 'example', port: 80 }] }],
});

describe('endpointslicemirroring controller', () => {
  it('mirrors a custom Endpoints of a selectorless Service through create, update and delete', async () => {
    const ns = await newNamespace('esm-crud');
    await createService(rest, ns, makeService('example-custom-endpoints', undefined, [{ name: 'example', port: 80, protocol: 'TCP' }]));
    const ep = await rest.create(endpoints, ns, {
      metadata: { name: 'example-custom-endpoints', labels: { team: 'a' }, annotations: { note: 'kept', 'kubectl.kubernetes.io/last-applied-configuration': '{}' } },
      subsets: [{
        addresses: [{ ip: '10.1.2.3', hostname: 'backend-0', nodeName: 'node-a', targetRef: { kind: 'Pod', namespace: ns, name: 'backend-0', uid: 'u-0' } }],
        notReadyAddresses: [{ ip: '10.1.2.9' }],
        ports: [{ name: 'example', port: 80 }],
      }],
    });

    const [slice] = await mirroredWith(ns, 'example-custom-endpoints', ['10.1.2.3', '10.1.2.9']);
    expect(slice!.metadata?.name).toMatch(/^example-custom-endpoints-[a-z0-9]{5}$/);
    expect(slice!.metadata?.labels).toEqual({ team: 'a', [SERVICE_NAME_LABEL]: 'example-custom-endpoints', [MANAGED_BY_LABEL]: MIRRORING_CONTROLLER_NAME });
    expect(slice!.metadata?.annotations).toEqual({ note: 'kept' });
    expect(slice!.metadata?.ownerReferences).toEqual([
      { apiVersion: 'v1', kind: 'Endpoints', name: 'example-custom-endpoints', uid: ep.metadata!.uid, controller: true, blockOwnerDeletion: true },
    ]);
    expect(slice!.addressType).toBe('IPv4');
    expect(slice!.ports).toEqual([{ name: 'example', port: 80, protocol: 'TCP' }]);
    const byIP = Object.fromEntries(slice!.endpoints.map((e) => [e.addresses[0], e]));
    expect(byIP['10.1.2.3']).toMatchObject({
      conditions: { ready: true }, hostname: 'backend-0', nodeName: 'node-a', targetRef: { kind: 'Pod', namespace: ns, name: 'backend-0', uid: 'u-0' },
    });
    expect(byIP['10.1.2.9']!.conditions?.ready).toBe(false);

    // An update rewrites the same slice.
    const cur = await rest.get(endpoints, ns, 'example-custom-endpoints');
    cur.subsets = [{ addresses: [{ ip: '10.2.3.4' }], ports: [{ name: 'example', port: 80 }] }];
    await rest.update(endpoints, ns, cur);
    const updated = await mirroredWith(ns, 'example-custom-endpoints', ['10.2.3.4']);
    expect(updated.map((s) => s.metadata!.name)).toEqual([slice!.metadata!.name]);
    expect(updated[0]!.endpoints[0]!.conditions?.ready).toBe(true);

    // Deleting the Endpoints deletes its slices.
    await rest.delete(endpoints, ns, 'example-custom-endpoints');
    await noneMirrored(ns, 'example-custom-endpoints');
  });

  it('mirrors an Endpoints only once its Service exists, and removes the slices when the Service goes', async () => {
    const ns = await newNamespace('esm-service');
    await rest.create(endpoints, ns, customEndpoints('late', ['10.3.0.1']));
    // A second Endpoints whose Service already exists shows the controller is past the first one.
    await createService(rest, ns, makeService('early', undefined, [{ port: 80 }]));
    await rest.create(endpoints, ns, customEndpoints('early', ['10.3.0.2']));
    await mirroredWith(ns, 'early', ['10.3.0.2']);
    expect(await slicesOf(ns, 'late')).toEqual([]);

    await createService(rest, ns, makeService('late', undefined, [{ port: 80 }]));
    await mirroredWith(ns, 'late', ['10.3.0.1']);
    await rest.delete(services, ns, 'late');
    await noneMirrored(ns, 'late');
    // The Endpoints itself is the user's: it stays (no endpoints controller runs here).
    expect((await rest.get(endpoints, ns, 'late')).subsets?.[0]?.addresses?.[0]?.ip).toBe('10.3.0.1');
  });

  it('does not mirror the Endpoints of a Service with a selector, and removes the slices when a selector appears', async () => {
    const ns = await newNamespace('esm-selector');
    await createService(rest, ns, makeService('selected', { app: 'web' }, [{ port: 80 }]));
    await rest.create(endpoints, ns, customEndpoints('selected', ['10.4.0.1']));
    await createService(rest, ns, makeService('manual', undefined, [{ port: 80 }]));
    await rest.create(endpoints, ns, customEndpoints('manual', ['10.4.0.2']));
    await mirroredWith(ns, 'manual', ['10.4.0.2']);
    expect(await slicesOf(ns, 'selected')).toEqual([]);

    // Gaining a selector hands the Service to the EndpointSlice controller; losing it brings the mirror back.
    await rest.patch(services, ns, 'manual', { spec: { selector: { app: 'web' } } });
    await noneMirrored(ns, 'manual');
    await rest.patch(services, ns, 'manual', { spec: { selector: null } });
    await mirroredWith(ns, 'manual', ['10.4.0.2']);
  });

  it('respects skip-mirror: never mirrors such Endpoints, and removes the slices when the label is added', async () => {
    const ns = await newNamespace('esm-skip');
    await createService(rest, ns, makeService('skipped', undefined, [{ port: 80 }]));
    await rest.create(endpoints, ns, customEndpoints('skipped', ['10.5.0.1'], { labels: { [SKIP_MIRROR_LABEL]: 'true' } }));
    await createService(rest, ns, makeService('later', undefined, [{ port: 80 }]));
    await rest.create(endpoints, ns, customEndpoints('later', ['10.5.0.2']));
    await mirroredWith(ns, 'later', ['10.5.0.2']);
    expect(await slicesOf(ns, 'skipped')).toEqual([]);
    // The API server's own `kubernetes` Endpoints carries the label too.
    expect(mirrored(await slicesOf('default', 'kubernetes'))).toEqual([]);

    await rest.patch(endpoints, ns, 'later', { metadata: { labels: { [SKIP_MIRROR_LABEL]: 'true' } } });
    await noneMirrored(ns, 'later');
  });

  it('recreates a mirrored slice someone deletes and leaves other managers\' slices alone', async () => {
    const ns = await newNamespace('esm-recreate');
    const foreign = await rest.create(endpointSlices, ns, {
      metadata: { name: 'svc-custom', labels: { [SERVICE_NAME_LABEL]: 'svc', [MANAGED_BY_LABEL]: 'someone-else' } },
      addressType: 'IPv4', endpoints: [{ addresses: ['192.0.2.1'] }], ports: [],
    });
    await createService(rest, ns, makeService('svc', undefined, [{ port: 80 }]));
    await rest.create(endpoints, ns, customEndpoints('svc', ['10.6.0.1']));
    const [first] = await mirroredWith(ns, 'svc', ['10.6.0.1']);
    await rest.delete(endpointSlices as unknown as Resource, ns, first!.metadata!.name!);
    const again = await eventually(async () => {
      const s = mirrored(await slicesOf(ns, 'svc'));
      return s.length === 1 && s[0]!.metadata?.uid !== first!.metadata?.uid ? s[0] : undefined;
    });
    expect(addressesOf([again])).toEqual(['10.6.0.1']);
    const custom = (await slicesOf(ns, 'svc')).find((s) => s.metadata?.name === 'svc-custom');
    expect(custom?.metadata?.resourceVersion).toBe(foreign.metadata?.resourceVersion);
  });

  it('mirrors at most the per-subset maximum, ready addresses first, and says so in an event', async () => {
    const ns = await newNamespace('esm-cap');
    await createService(rest, ns, makeService('big', undefined, [{ port: 80 }]));
    await rest.create(endpoints, ns, {
      metadata: { name: 'big' },
      subsets: [{
        addresses: [1, 2, 3].map((i) => ({ ip: `10.7.0.${i}` })),
        notReadyAddresses: [4, 5, 6].map((i) => ({ ip: `10.7.0.${i}` })),
        ports: [{ port: 80 }],
      }],
    });
    const [slice] = await mirroredWith(ns, 'big', ['10.7.0.1', '10.7.0.2', '10.7.0.3', '10.7.0.4']);
    expect(slice!.endpoints.filter((e) => e.conditions?.ready).length).toBe(3);
    const event = await eventually(async () =>
      (await rest.list(events, ns)).items.find((e) => e.involvedObject.name === 'big' && e.reason === TOO_MANY_ADDRESSES_TO_MIRROR));
    expect(event.type).toBe('Warning');
    expect(event.involvedObject.kind).toBe('Endpoints');
    expect(event.message).toBe(`A max of ${MAX_PER_SUBSET} addresses can be mirrored to EndpointSlices per Endpoints subset. 2 addresses were skipped`);
  });

  it('is never refused by its RBAC role, which does bind it (it may not write a ConfigMap)', async () => {
    expect(logs.filter((m) => /forbidden|cannot /i.test(m))).toEqual([]);
    const err = await own.rest.create(configMaps, 'default', { metadata: { name: 'nope' } }).catch((e: unknown) => e);
    expect(statusCodeOf(err)).toBe(403);
  });
});
