import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { V1EndpointAddress, V1Endpoints, V1EndpointSubset, V1Pod, V1Service, V1ServicePort } from '@kubernetes/client-node';
import { isNotFound, RestClient } from '../client/index.ts';
import { endpoints, namespaces, pods, services } from '../client/resources.ts';
import { createDatabaseAt } from '../test/postgres.ts';
import { startTestApiServer, type TestApiServer } from '../test/apiserver.ts';
import {
  MAX_ENDPOINTS_CAPACITY, OVER_CAPACITY_ANNOTATION, computeSubsets, desiredEndpoints, endpointsController, repackSubsets, truncateSubsets,
} from './endpoints.ts';
import { createService, ensureNode, eventually, makePod, makeService, setPodStatus, startPod } from './endpointslice/fixtures.ts';
import { LAST_CHANGE_TRIGGER_TIME, formatRFC3339Nano } from './endpointslice/util.ts';
import { startControllerManager, type RunningControllerManager } from './index.ts';

const addr = (ip: string, uid = `uid-${ip}`): V1EndpointAddress => ({ ip, targetRef: { kind: 'Pod', namespace: 'ns', name: `p-${ip}`, uid } });

function readyPod(name: string, ip: string, o: { ready?: boolean; ports?: Array<{ name: string; containerPort: number; protocol?: string }>; hostname?: string; subdomain?: string; phase?: string; deleting?: boolean } = {}): V1Pod {
  return {
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, labels: { app: 'web' }, ...(o.deleting ? { deletionTimestamp: new Date() } : {}) },
    spec: { nodeName: 'n1', hostname: o.hostname, subdomain: o.subdomain, containers: [{ name: 'c', ports: o.ports }] },
    status: { phase: o.phase ?? 'Running', podIP: ip, conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }] },
  } as V1Pod;
}

const svcOf = (ports: V1ServicePort[], o: { headless?: boolean; publishNotReady?: boolean } = {}): V1Service => ({
  metadata: { name: 'web', namespace: 'ns', labels: { team: 'a' } },
  spec: { selector: { app: 'web' }, ports, clusterIP: o.headless ? 'None' : '10.0.0.10', ipFamilies: ['IPv4'], publishNotReadyAddresses: o.publishNotReady },
});

describe('endpoints subsets (pure)', () => {
  it('puts ready pods in addresses and the others in notReadyAddresses, resolving named target ports per pod', () => {
    const svc = svcOf([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
    const subsets = computeSubsets(svc, [
      readyPod('a', '10.1.0.2', { ports: [{ name: 'http', containerPort: 8080 }] }),
      readyPod('b', '10.1.0.3', { ports: [{ name: 'http', containerPort: 8080 }], ready: false }),
      readyPod('c', '10.1.0.4', { ports: [{ name: 'http', containerPort: 9090 }] }),
      readyPod('d', '10.1.0.5', { ports: [{ name: 'other', containerPort: 8080 }] }),
    ]);
    expect(subsets).toEqual([
      { addresses: [{ ip: '10.1.0.2', nodeName: 'n1', targetRef: { kind: 'Pod', namespace: 'ns', name: 'a', uid: 'uid-a' } }],
        notReadyAddresses: [{ ip: '10.1.0.3', nodeName: 'n1', targetRef: { kind: 'Pod', namespace: 'ns', name: 'b', uid: 'uid-b' } }],
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] },
      { addresses: [{ ip: '10.1.0.4', nodeName: 'n1', targetRef: { kind: 'Pod', namespace: 'ns', name: 'c', uid: 'uid-c' } }],
        ports: [{ name: 'http', port: 9090, protocol: 'TCP' }] },
    ]);
  });

  it('requires the named port to have the service port protocol, and finds sidecar ports', () => {
    const svc = svcOf([{ name: 'dns', port: 53, targetPort: 'dns', protocol: 'UDP' }]);
    const tcpOnly = readyPod('a', '10.1.0.2', { ports: [{ name: 'dns', containerPort: 5353, protocol: 'TCP' }] });
    expect(computeSubsets(svc, [tcpOnly])).toEqual([]);
    const sidecar = readyPod('b', '10.1.0.3');
    sidecar.spec!.initContainers = [{ name: 's', restartPolicy: 'Always', ports: [{ name: 'dns', containerPort: 5353, protocol: 'UDP' }] }];
    expect(computeSubsets(svc, [sidecar])[0]!.ports).toEqual([{ name: 'dns', port: 5353, protocol: 'UDP' }]);
  });

  it('skips terminal pods, pods without an IP and terminating pods unless publishNotReadyAddresses, which also makes all ready', () => {
    const ports = [{ port: 80, targetPort: 8080, protocol: 'TCP' }];
    const podsIn = [
      readyPod('a', '10.1.0.2'),
      readyPod('done', '10.1.0.3', { phase: 'Succeeded' }),
      { ...readyPod('noip', ''), status: { phase: 'Running' } } as V1Pod,
      readyPod('bye', '10.1.0.4', { deleting: true }),
      readyPod('slow', '10.1.0.5', { ready: false }),
    ];
    const plain = computeSubsets(svcOf(ports), podsIn);
    expect(plain.flatMap((s) => (s.addresses ?? []).map((a) => a.ip))).toEqual(['10.1.0.2']);
    expect(plain.flatMap((s) => (s.notReadyAddresses ?? []).map((a) => a.ip))).toEqual(['10.1.0.5']);
    const publish = computeSubsets(svcOf(ports, { publishNotReady: true }), podsIn);
    expect(publish).toHaveLength(1);
    expect(publish[0]!.addresses!.map((a) => a.ip)).toEqual(['10.1.0.2', '10.1.0.4', '10.1.0.5']);
    expect(publish[0]!.notReadyAddresses).toBeUndefined();
  });

  it('sets the hostname only when hostname and subdomain match the service; headless services may have no ports', () => {
    const svc = svcOf([], { headless: true });
    const subsets = computeSubsets(svc, [
      readyPod('a', '10.1.0.2', { hostname: 'a', subdomain: 'web' }),
      readyPod('b', '10.1.0.3', { hostname: 'b', subdomain: 'other' }),
    ]);
    expect(subsets).toHaveLength(1);
    expect(subsets[0]!.ports).toBeUndefined();
    expect(subsets[0]!.addresses!.map((a) => [a.ip, a.hostname])).toEqual([['10.1.0.2', 'a'], ['10.1.0.3', undefined]]);
    // A service with a cluster IP and no ports gets nothing.
    expect(computeSubsets(svcOf([]), [readyPod('a', '10.1.0.2')])).toEqual([]);
  });

  it('repacks: addresses sharing ports share a subset, not-ready wins for an address listed both ways, order is canonical', () => {
    const p80 = { name: 'a', port: 80, protocol: 'TCP' };
    const p81 = { name: 'b', port: 81, protocol: 'TCP' };
    const input: V1EndpointSubset[] = [
      { addresses: [addr('10.0.0.9')], ports: [p81] },
      { addresses: [addr('10.0.0.1')], ports: [p80] },
      { addresses: [addr('10.0.0.9')], ports: [p80] },
      { addresses: [addr('10.0.0.1')], ports: [p81] },
      { notReadyAddresses: [addr('10.0.0.1')], ports: [p81] },
    ];
    const out = repackSubsets(input);
    expect(out).toEqual([
      { addresses: [addr('10.0.0.1'), addr('10.0.0.9')], ports: [p80] },
      { addresses: [addr('10.0.0.9')], notReadyAddresses: [addr('10.0.0.1')], ports: [p81] },
    ]);
    expect(repackSubsets([...input].reverse())).toEqual(out);
  });

  it('truncates over 1000 addresses, ready first, in proportion to subset size', () => {
    const many = (n: number, base: number) => Array.from({ length: n }, (_, i) => addr(`10.${base}.${Math.floor(i / 250)}.${i % 250}`));
    const subsets: V1EndpointSubset[] = [
      { addresses: many(600, 1), notReadyAddresses: many(100, 3), ports: [{ port: 80, protocol: 'TCP' }] },
      { addresses: many(300, 2), notReadyAddresses: many(300, 4), ports: [{ port: 81, protocol: 'TCP' }] },
    ];
    expect(truncateSubsets(subsets)).toBe(true);
    // 900 ready stay; the 100 places left go to not-ready addresses 1:3 (rounded up).
    expect(subsets.map((s) => [s.addresses!.length, s.notReadyAddresses!.length])).toEqual([[600, 25], [300, 75]]);
    const ready = [{ addresses: many(800, 1), ports: [] }, { addresses: many(700, 2), notReadyAddresses: many(5, 3), ports: [] }];
    expect(truncateSubsets(ready)).toBe(true);
    expect(ready.map((s) => [s.addresses!.length, s.notReadyAddresses?.length ?? 0])).toEqual([[534, 0], [466, 0]]);
    expect(truncateSubsets([{ addresses: many(MAX_ENDPOINTS_CAPACITY, 1) }])).toBe(false);
  });

  it('writes nothing when subsets and labels already match; marks truncation; labels headless services', () => {
    const svc = svcOf([{ port: 80, targetPort: 8080, protocol: 'TCP' }]);
    const subsets = computeSubsets(svc, [readyPod('a', '10.1.0.2')]);
    const created = desiredEndpoints(svc, subsets, undefined, new Date('2024-05-01T10:00:00Z'))!;
    expect(created.metadata).toMatchObject({
      name: 'web', namespace: 'ns', labels: { team: 'a' }, annotations: { [LAST_CHANGE_TRIGGER_TIME]: '2024-05-01T10:00:00Z' },
    });
    const stored: V1Endpoints = { ...structuredClone(created), metadata: { ...created.metadata, resourceVersion: '5' } };
    expect(desiredEndpoints(svc, subsets, stored, undefined)).toBeUndefined();

    const headless = svcOf([{ port: 80, targetPort: 8080, protocol: 'TCP' }], { headless: true });
    expect(desiredEndpoints(headless, subsets, undefined, undefined)!.metadata!.labels).toEqual({ team: 'a', 'service.kubernetes.io/headless': '' });

    const big = Array.from({ length: 1001 }, (_, i) => readyPod(`p${i}`, `10.2.${Math.floor(i / 200)}.${(i % 200) + 1}`));
    const full = computeSubsets(svc, big);
    const truncated = desiredEndpoints(svc, full, undefined, undefined)!;
    expect(truncated.metadata!.annotations![OVER_CAPACITY_ANNOTATION]).toBe('truncated');
    expect(truncated.subsets![0]!.addresses).toHaveLength(1000);
    expect(desiredEndpoints(svc, full, { ...truncated, metadata: { ...truncated.metadata, resourceVersion: '9' } }, undefined)).toBeUndefined();
  });

  it('formats trigger times as Go RFC3339Nano', () => {
    expect(formatRFC3339Nano(new Date('2024-05-01T10:00:00.000Z'))).toBe('2024-05-01T10:00:00Z');
    expect(formatRFC3339Nano(new Date('2024-05-01T10:00:00.120Z'))).toBe('2024-05-01T10:00:00.12Z');
  });
});

let srv: TestApiServer;
let ac: AbortController;
let cm: RunningControllerManager;
let rest: RestClient;

beforeAll(async () => {
  srv = await startTestApiServer({ databaseUrl: await createDatabaseAt(inject('pgAdminUrl')) });
  rest = new RestClient(srv.kubeconfig);
  // Present before the controller starts: its first pass removes it (upstream checkLeftoverEndpoints).
  await rest.create(namespaces, '', { metadata: { name: 'ep-leftover' } });
  await rest.create(endpoints, 'ep-leftover', { metadata: { name: 'gone' } });
  await ensureNode(rest, 'node-a');
  ac = new AbortController();
  cm = startControllerManager({ kubeconfig: srv.kubeconfig, signal: ac.signal, controllers: [endpointsController], log: process.env.EP_LOG ? (m) => process.stderr.write(`${m}\n`) : () => {} });
});

afterAll(async () => {
  ac?.abort();
  await cm?.done;
  rest?.close();
  await srv?.close();
});

async function getEndpoints(ns: string, name: string): Promise<V1Endpoints | undefined> {
  try {
    return await rest.get(endpoints, ns, name);
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

const ips = (ep: V1Endpoints | undefined, field: 'addresses' | 'notReadyAddresses') =>
  (ep?.subsets ?? []).flatMap((s) => (s[field] ?? []).map((a) => a.ip)).sort();

async function newNamespace(name: string): Promise<string> {
  await rest.create(namespaces, '', { metadata: { name } });
  return name;
}

const webPorts = [{ name: 'http', containerPort: 8080 }];

describe('endpoints controller', () => {
  it('creates the Endpoints of a selector service with ready and not-ready pods, node, targetRef and resolved ports', async () => {
    const ns = await newNamespace('ep-basic');
    await createService(rest, ns, makeService('web', { app: 'web' }, [
      { name: 'http', port: 80, targetPort: 'http' },
      { name: 'metrics', port: 9090, targetPort: 9100, appProtocol: 'http' },
    ], { labels: { team: 'a' } }));
    const a = await startPod(rest, ns, makePod('a', { labels: { app: 'web' }, node: 'node-a', ports: webPorts }), '10.244.0.2', true);
    await startPod(rest, ns, makePod('b', { labels: { app: 'web' }, node: 'node-a', ports: webPorts }), '10.244.0.3', false);
    await startPod(rest, ns, makePod('c', { labels: { app: 'web' }, node: 'node-a' }), '10.244.0.4', true);
    await startPod(rest, ns, makePod('no-ip', { labels: { app: 'web' }, node: 'node-a', ports: webPorts }), undefined, true);
    await startPod(rest, ns, makePod('other', { labels: { app: 'db' }, node: 'node-a', ports: webPorts }), '10.244.0.9', true);

    // Subsets group ports served by the same addresses: "http" by a and b (pod c lacks the name),
    // "metrics" (a numeric target port) by all three.
    const ep = await eventually(async () => {
      const e = await getEndpoints(ns, 'web');
      return ips(e, 'addresses').length === 3 && ips(e, 'notReadyAddresses').length === 2 ? e : undefined;
    });
    expect(ep.metadata?.labels).toEqual({ team: 'a' });
    const byPorts = Object.fromEntries((ep.subsets ?? []).map((s) => [JSON.stringify((s.ports ?? []).map((p) => [p.name, p.port, p.protocol, p.appProtocol ?? null])), s]));
    const http = byPorts[JSON.stringify([['http', 8080, 'TCP', null]])];
    const metrics = byPorts[JSON.stringify([['metrics', 9100, 'TCP', 'http']])];
    expect(Object.keys(byPorts)).toHaveLength(2);
    expect(http?.addresses?.map((x) => x.ip)).toEqual(['10.244.0.2']);
    expect(http?.notReadyAddresses?.map((x) => x.ip)).toEqual(['10.244.0.3']);
    expect(metrics?.addresses?.map((x) => x.ip)).toEqual(['10.244.0.2', '10.244.0.4']);
    expect(metrics?.notReadyAddresses?.map((x) => x.ip)).toEqual(['10.244.0.3']);
    const both = http;
    expect(both?.addresses?.[0]).toMatchObject({ nodeName: 'node-a', targetRef: { kind: 'Pod', namespace: ns, name: 'a', uid: a.metadata!.uid } });
  });

  it('follows readiness changes, label changes and deletions, down to no subsets', async () => {
    const ns = await newNamespace('ep-follow');
    await createService(rest, ns, makeService('web', { app: 'web' }, [{ port: 80, targetPort: 8080 }]));
    await startPod(rest, ns, makePod('a', { labels: { app: 'web' }, node: 'node-a' }), '10.244.1.2', false);
    await startPod(rest, ns, makePod('b', { labels: { app: 'web' }, node: 'node-a' }), '10.244.1.3', true);
    await eventually(async () => (ips(await getEndpoints(ns, 'web'), 'notReadyAddresses').join() === '10.244.1.2' ? true : undefined));

    const readyAt = new Date(Date.now() + 5_000);
    await setPodStatus(rest, ns, 'a', '10.244.1.2', true, readyAt);
    const ep = await eventually(async () => {
      const e = await getEndpoints(ns, 'web');
      return ips(e, 'addresses').join() === '10.244.1.2,10.244.1.3' ? e : undefined;
    });
    expect(ips(ep, 'notReadyAddresses')).toEqual([]);
    // The readiness change's time; on a loaded machine the sync that published pod a as not ready
    // may have been folded into this one, and then the older change's time is the trigger (the
    // tracker reports the oldest change not yet published, as upstream's).
    const trigger = ep.metadata?.annotations?.[LAST_CHANGE_TRIGGER_TIME] ?? '';
    expect(Date.parse(trigger)).toBeLessThanOrEqual(Math.floor(readyAt.getTime() / 1000) * 1000);
    expect(Date.parse(trigger)).toBeGreaterThanOrEqual(Math.floor(readyAt.getTime() / 1000) * 1000 - 30_000);

    await rest.patch(pods, ns, 'b', { metadata: { labels: { app: 'other' } } });
    await eventually(async () => (ips(await getEndpoints(ns, 'web'), 'addresses').join() === '10.244.1.2' ? true : undefined));
    await rest.delete(pods, ns, 'a', { gracePeriodSeconds: 0 });
    const empty = await eventually(async () => {
      const e = await getEndpoints(ns, 'web');
      return e && (e.subsets ?? []).length === 0 ? e : undefined;
    });
    expect(empty.metadata?.name).toBe('web');
  });

  it('excludes terminating pods, unless publishNotReadyAddresses, which publishes every pod as ready', async () => {
    const ns = await newNamespace('ep-terminating');
    await createService(rest, ns, makeService('plain', { app: 'web' }, [{ port: 80, targetPort: 8080 }]));
    await createService(rest, ns, makeService('all', { app: 'web' }, [{ port: 80, targetPort: 8080 }], { publishNotReadyAddresses: true }));
    await startPod(rest, ns, makePod('keep', { labels: { app: 'web' }, node: 'node-a', finalizers: ['example.com/hold'] }), '10.244.2.2', true);
    await startPod(rest, ns, makePod('slow', { labels: { app: 'web' }, node: 'node-a' }), '10.244.2.3', false);
    await eventually(async () => (ips(await getEndpoints(ns, 'plain'), 'addresses').join() === '10.244.2.2' ? true : undefined));
    await eventually(async () => (ips(await getEndpoints(ns, 'all'), 'addresses').join() === '10.244.2.2,10.244.2.3' ? true : undefined));

    await rest.delete(pods, ns, 'keep');
    const pod = await rest.get(pods, ns, 'keep');
    expect(pod.metadata?.deletionTimestamp).toBeDefined();
    await eventually(async () => (ips(await getEndpoints(ns, 'plain'), 'addresses').length === 0 ? true : undefined));
    expect(ips(await getEndpoints(ns, 'plain'), 'notReadyAddresses')).toEqual(['10.244.2.3']);
    expect(ips(await getEndpoints(ns, 'all'), 'addresses')).toEqual(['10.244.2.2', '10.244.2.3']);
    await rest.patch(pods, ns, 'keep', { metadata: { finalizers: null } });
  });

  it('sets hostnames for pods whose subdomain is the service, and labels headless services', async () => {
    const ns = await newNamespace('ep-headless');
    await createService(rest, ns, makeService('db', { app: 'db' }, [], { headless: true }));
    await startPod(rest, ns, makePod('db-0', { labels: { app: 'db' }, node: 'node-a', hostname: 'db-0', subdomain: 'db' }), '10.244.3.2', true);
    await startPod(rest, ns, makePod('db-1', { labels: { app: 'db' }, node: 'node-a', hostname: 'db-1', subdomain: 'elsewhere' }), '10.244.3.3', true);
    const ep = await eventually(async () => {
      const e = await getEndpoints(ns, 'db');
      return ips(e, 'addresses').length === 2 ? e : undefined;
    });
    expect(ep.metadata?.labels).toEqual({ 'service.kubernetes.io/headless': '' });
    expect(ep.subsets).toHaveLength(1);
    expect(ep.subsets![0]!.ports ?? []).toEqual([]);
    expect(ep.subsets![0]!.addresses!.map((a) => [a.ip, a.hostname])).toEqual([['10.244.3.2', 'db-0'], ['10.244.3.3', undefined]]);
  });

  it('gives a service selecting nothing empty Endpoints, leaves selectorless ones alone, recreates deleted Endpoints and deletes them with the service', async () => {
    const ns = await newNamespace('ep-lifecycle');
    await createService(rest, ns, makeService('manual', undefined, [{ port: 80 }]));
    await rest.create(endpoints, ns, { metadata: { name: 'manual' }, subsets: [{ addresses: [{ ip: '192.0.2.10' }], ports: [{ port: 80 }] }] });
    // An Endpoints object with no Service at all (the conformance lifecycle test) is left alone too.
    await rest.create(endpoints, ns, { metadata: { name: 'orphan' }, subsets: [{ addresses: [{ ip: '192.0.2.11' }], ports: [{ port: 80 }] }] });
    const lonely = await createService(rest, ns, makeService('lonely', { app: 'nothing' }, [{ port: 80, targetPort: 8080 }]));
    await createService(rest, ns, makeService('web', { app: 'web' }, [{ port: 80, targetPort: 8080 }]));
    await startPod(rest, ns, makePod('a', { labels: { app: 'web' }, node: 'node-a' }), '10.244.4.2', true);
    // A service selecting no pods has empty Endpoints, stamped with its creation as the trigger.
    const none = await eventually(() => getEndpoints(ns, 'lonely'));
    expect(none.subsets ?? []).toEqual([]);
    expect(none.metadata?.annotations?.[LAST_CHANGE_TRIGGER_TIME]).toBe(formatRFC3339Nano(lonely.metadata!.creationTimestamp!));
    const first = await eventually(async () => {
      const e = await getEndpoints(ns, 'web');
      return ips(e, 'addresses').length === 1 ? e : undefined;
    });

    await rest.delete(endpoints, ns, 'web');
    const again = await eventually(async () => {
      const e = await getEndpoints(ns, 'web');
      return e && e.metadata?.uid !== first.metadata?.uid ? e : undefined;
    });
    expect(ips(again, 'addresses')).toEqual(['10.244.4.2']);

    await rest.delete(services, ns, 'web');
    await eventually(async () => ((await getEndpoints(ns, 'web')) === undefined ? true : undefined));
    expect(ips(await getEndpoints(ns, 'manual'), 'addresses')).toEqual(['192.0.2.10']);
    expect(ips(await getEndpoints(ns, 'orphan'), 'addresses')).toEqual(['192.0.2.11']);
  });

  it('removes Endpoints left without a Service when it starts', async () => {
    await eventually(async () => ((await getEndpoints('ep-leftover', 'gone')) === undefined ? true : undefined));
  });

  it('writes nothing for a pod change that does not change the endpoints', async () => {
    const ns = await newNamespace('ep-noop');
    await createService(rest, ns, makeService('web', { app: 'web' }, [{ port: 80, targetPort: 8080 }]));
    await startPod(rest, ns, makePod('a', { labels: { app: 'web' }, node: 'node-a' }), '10.244.5.2', true);
    const ep = await eventually(async () => {
      const e = await getEndpoints(ns, 'web');
      return ips(e, 'addresses').length === 1 ? e : undefined;
    });
    const modified: string[] = [];
    const wac = new AbortController();
    const watching = rest.watch(endpoints, ns, { resourceVersion: ep.metadata!.resourceVersion }, (ev) => {
      if (ev.type === 'MODIFIED') modified.push(ips(ev.object, 'addresses').join());
    }, wac.signal);
    try {
      await rest.patch(pods, ns, 'a', { metadata: { annotations: { touched: 'yes' } } });
      await new Promise((r) => setTimeout(r, 500));
      await startPod(rest, ns, makePod('b', { labels: { app: 'web' }, node: 'node-a' }), '10.244.5.3', true);
      await eventually(async () => (modified.length > 0 ? true : undefined));
      await new Promise((r) => setTimeout(r, 300));
      expect(modified).toEqual(['10.244.5.2,10.244.5.3']);
    } finally {
      wac.abort();
      await watching;
    }
  });
});
