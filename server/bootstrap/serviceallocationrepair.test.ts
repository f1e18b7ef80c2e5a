import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RestClient } from '../../client/index.ts';
import { eventsResource } from '../../client/events.ts';
import { namespaces, services } from '../../client/resources.ts';
import { createDatabaseAt } from '../../test/postgres.ts';
import { startTestApiServer, type TestApiServer } from '../../test/apiserver.ts';
import { KeyedAllocator, ipv4Range, type AllocationOwner } from '../apis/common/allocator.ts';
import { serviceAllocators, type Service } from '../apis/core/v1/services.ts';
import type { GenericRegistry } from '../registry/generic.ts';
import { ServiceAllocationRepair, serviceNodePorts } from './serviceallocationrepair.ts';

const NS = 'repair';
let databaseUrl: string;
let srv: TestApiServer;
let rest: RestClient;
let servicesReg: GenericRegistry;
let ips: KeyedAllocator;
let ports: KeyedAllocator;

interface EventV1 {
  metadata: { name: string }; reason: string; note: string; type: string; action: string;
  reportingController: string; reportingInstance: string; regarding: { kind: string; name: string; namespace: string; uid: string };
  series?: { count: number; lastObservedTime: string }; deprecatedSource?: Record<string, unknown>;
}

const newRepair = () => new ServiceAllocationRepair({
  store: srv.api.store, services: servicesReg, events: srv.api.registry('events.k8s.io', 'v1', 'events')!, network: srv.api.serviceNetwork, log: () => {},
});

/** events.k8s.io/v1 Events about one Service, through the API. */
async function eventsAbout(name: string): Promise<EventV1[]> {
  const res = await fetch(`${srv.url}/apis/events.k8s.io/v1/namespaces/${NS}/events?fieldSelector=regarding.name%3D${name}`, {
    headers: { Authorization: `Bearer ${srv.token}` },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { items: EventV1[] }).items;
}

/** A Service written straight to the store, as a restored backup or an older server would leave it. */
async function storeService(name: string, uid: string, spec: Record<string, unknown>): Promise<void> {
  await srv.api.store.create(servicesReg.key(NS, name), {
    apiVersion: 'v1', kind: 'Service',
    metadata: { name, namespace: NS, uid, creationTimestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') },
    spec: { ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }], sessionAffinity: 'None', ...spec },
  });
}

const ghost = (name: string, uid: string): AllocationOwner => ({ kind: 'Service', namespace: NS, name, uid });

beforeAll(async () => {
  databaseUrl = await createDatabaseAt(inject('pgAdminUrl'));
  srv = await startTestApiServer({ databaseUrl });
  rest = new RestClient(srv.kubeconfig);
  servicesReg = srv.api.registry('', 'v1', 'services')!;
  ({ ips, ports } = serviceAllocators(srv.api.store, srv.api.serviceNetwork));
  await rest.create(namespaces, '', { metadata: { name: NS } });
});

afterAll(async () => {
  rest?.close();
  await srv?.close();
});

describe('service allocation repair', () => {
  it('frees a leaked cluster IP or node port only on the third consecutive pass that finds it leaked', async () => {
    const repair = newRepair();
    // An owner that never got stored (a crash between allocation and write), and one re-created under another uid.
    await ips.allocate('10.96.200.1', ghost('never-stored', 'uid-never-stored'));
    await ports.allocate('30901', ghost('never-stored', 'uid-never-stored'));
    const web = await rest.create(services, NS, { metadata: { name: 'recreated' }, spec: { ports: [{ port: 80 }] } });
    await ips.allocate('10.96.200.2', ghost('recreated', 'uid-of-an-earlier-recreated'));

    for (const pass of [1, 2]) {
      const report = await repair.runOnce();
      expect(report.ips.leaked, `pass ${pass}`).toEqual(expect.arrayContaining(['10.96.200.1', '10.96.200.2']));
      expect(report.ports.leaked, `pass ${pass}`).toContain('30901');
      expect(await ips.ownerOf('10.96.200.1')).toBeDefined();
      expect(await ports.ownerOf('30901')).toBeDefined();
    }
    const third = await repair.runOnce();
    expect(third.ips.freed).toEqual(expect.arrayContaining(['10.96.200.1', '10.96.200.2']));
    expect(third.ports.freed).toContain('30901');
    expect(await ips.ownerOf('10.96.200.1')).toBeUndefined();
    expect(await ips.ownerOf('10.96.200.2')).toBeUndefined();
    expect(await ports.ownerOf('30901')).toBeUndefined();
    // What a live Service holds is never touched.
    expect((await ips.ownerOf(web.spec!.clusterIP!))?.uid).toBe(web.metadata!.uid);
  });

  it('never frees an allocation whose Service is stored after the first pass saw it (a racing create)', async () => {
    const repair = newRepair();
    await ips.allocate('10.96.200.10', ghost('racer', 'uid-racer'));
    expect((await repair.runOnce()).ips.leaked).toContain('10.96.200.10');
    await storeService('racer', 'uid-racer', { type: 'ClusterIP', clusterIP: '10.96.200.10', clusterIPs: ['10.96.200.10'] });
    for (let pass = 0; pass < 3; pass++) {
      const report = await repair.runOnce();
      expect(report.ips.leaked).not.toContain('10.96.200.10');
      expect(report.ips.freed).not.toContain('10.96.200.10');
    }
    expect((await ips.ownerOf('10.96.200.10'))?.uid).toBe('uid-racer');
  });

  it('counts only consecutive passes of one allocation: a key freed and taken again starts over', async () => {
    const repair = newRepair();
    await ports.allocate('30910', ghost('first', 'uid-first'));
    await repair.runOnce();
    await repair.runOnce();
    await ports.release('30910', ghost('first', 'uid-first'));
    await ports.allocate('30910', ghost('second', 'uid-second'));
    const report = await repair.runOnce();
    expect(report.ports.freed).not.toContain('30910');
    expect((await ports.ownerOf('30910'))?.uid).toBe('uid-second');
  });

  it('re-creates the keys of a Service\'s cluster IP and node ports, with upstream\'s warning events', async () => {
    const svc = await rest.create(services, NS, { metadata: { name: 'lost-keys' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } });
    const ip = svc.spec!.clusterIP!;
    const nodePort = String(svc.spec!.ports![0]!.nodePort);
    await srv.api.store.delete(`/registry/ranges/serviceips/${ip}`);
    await srv.api.store.delete(`/registry/ranges/servicenodeports/${nodePort}`);

    const report = await newRepair().runOnce();
    expect(report.ips.repaired).toEqual([ip]);
    expect(report.ports.repaired).toEqual([nodePort]);
    expect(await ips.ownerOf(ip)).toEqual({ kind: 'Service', namespace: NS, name: 'lost-keys', uid: svc.metadata!.uid });
    expect((await ports.ownerOf(nodePort))?.uid).toBe(svc.metadata!.uid);

    const events = await eventsAbout('lost-keys');
    const ipEvent = events.find((e) => e.reason === 'ClusterIPNotAllocated')!;
    expect(ipEvent).toMatchObject({
      type: 'Warning', note: `Cluster IP [IPv4]:${ip} is not allocated; repairing`, action: 'ClusterIPAllocation',
      reportingController: 'ipallocator-repair-controller',
      regarding: { kind: 'Service', namespace: NS, name: 'lost-keys', uid: svc.metadata!.uid },
    });
    expect(ipEvent.reportingInstance).toMatch(/^ipallocator-repair-controller-/);
    expect(ipEvent.deprecatedSource).toEqual({});
    expect(events.find((e) => e.reason === 'PortNotAllocated')).toMatchObject({
      type: 'Warning', note: `Port ${nodePort} is not allocated; repairing`, action: 'PortAllocation', reportingController: 'portallocator-repair-controller',
    });
    // Through core/v1, kubectl's view: the reporting component names the repair controller.
    const core = await rest.list(eventsResource, NS);
    expect(core.items.find((e) => e.reason === 'ClusterIPNotAllocated' && e.involvedObject.name === 'lost-keys')?.reportingComponent).toBe('ipallocator-repair-controller');

    // Repaired once: the next pass finds nothing to do.
    const again = await newRepair().runOnce();
    expect(again.ips.repaired).toEqual([]);
    expect(again.ports.repaired).toEqual([]);
  });

  it('warns about a cluster IP or node port two Services hold, on the later one, and folds repeats into a series', async () => {
    const first = await rest.create(services, NS, { metadata: { name: 'dup-a' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } });
    const ip = first.spec!.clusterIP!;
    const nodePort = first.spec!.ports![0]!.nodePort!;
    // As a restore from backup might leave it: a second Service with the same IP and port.
    await storeService('dup-b', 'uid-dup-b', { type: 'NodePort', clusterIP: ip, clusterIPs: [ip], ports: [{ port: 80, protocol: 'TCP', targetPort: 80, nodePort }] });
    const repair = newRepair();
    const report = await repair.runOnce();
    expect(report.ips.duplicates).toEqual([ip]);
    expect(report.ports.duplicates).toEqual([String(nodePort)]);
    expect(await eventsAbout('dup-a')).toEqual([]);
    const events = await eventsAbout('dup-b');
    expect(events.map((e) => [e.reason, e.note]).sort()).toEqual([
      ['ClusterIPAlreadyAllocated', `Cluster IP [IPv4]:${ip} was assigned to multiple services; please recreate service`],
      ['PortAlreadyAllocated', `Port ${nodePort} was assigned to multiple services; please recreate service`],
    ]);
    // The key stays with the Service that has it.
    expect((await ips.ownerOf(ip))?.uid).toBe(first.metadata!.uid);

    await repair.runOnce();
    const repeated = await eventsAbout('dup-b');
    expect(repeated).toHaveLength(2);
    expect(repeated.find((e) => e.reason === 'ClusterIPAlreadyAllocated')?.series?.count).toBe(2);
  });

  it('warns about a cluster IP or node port outside the configured range and keeps its key', async () => {
    // Written under an earlier --service-cluster-ip-range / --service-node-port-range.
    await storeService('old-range', 'uid-old-range', {
      type: 'NodePort', clusterIP: '10.250.0.9', clusterIPs: ['10.250.0.9'], ports: [{ port: 80, protocol: 'TCP', targetPort: 80, nodePort: 40000 }],
    });
    const oldRange = new KeyedAllocator(srv.api.store, ipv4Range('10.250.0.0/24'));
    await oldRange.allocate('10.250.0.9', ghost('old-range', 'uid-old-range'));
    const repair = newRepair();
    for (let pass = 0; pass < 3; pass++) {
      const report = await repair.runOnce();
      expect(report.ips.outOfRange).toEqual(['10.250.0.9']);
      expect(report.ports.outOfRange).toEqual(['40000']);
      expect(report.ips.freed).not.toContain('10.250.0.9');
    }
    expect((await oldRange.ownerOf('10.250.0.9'))?.uid).toBe('uid-old-range');
    const events = await eventsAbout('old-range');
    expect(events.map((e) => [e.reason, e.note]).sort()).toEqual([
      ['ClusterIPOutOfRange', 'Cluster IP [IPv4]:10.250.0.9 is not within the service CIDR 10.96.0.0/12; please recreate service'],
      ['PortOutOfRange', 'Port 40000 is not within the port range 30000-32767; please recreate service'],
    ]);
    expect(events.find((e) => e.reason === 'PortOutOfRange')?.series?.count).toBe(3);
  });

  it('hands a key naming a Service that no longer holds the item to the one that does', async () => {
    await storeService('heir', 'uid-heir', { type: 'ClusterIP', clusterIP: '10.96.200.20', clusterIPs: ['10.96.200.20'] });
    await ips.allocate('10.96.200.20', ghost('gone', 'uid-gone'));
    const report = await newRepair().runOnce();
    expect(report.ips.reassigned).toEqual(['10.96.200.20']);
    expect(report.ips.leaked).not.toContain('10.96.200.20');
    expect(await ips.ownerOf('10.96.200.20')).toEqual(ghost('heir', 'uid-heir'));
  });

  it('runs safely from several API servers at once: each pass succeeds and a repair happens once', async () => {
    const svc = await rest.create(services, NS, { metadata: { name: 'shared' }, spec: { ports: [{ port: 80 }] } });
    const ip = svc.spec!.clusterIP!;
    await srv.api.store.delete(`/registry/ranges/serviceips/${ip}`);
    await ports.allocate('30920', ghost('leak', 'uid-leak'));
    const a = newRepair();
    const b = newRepair();
    const [ra, rb] = await Promise.all([a.runOnce(), b.runOnce()]);
    expect([...ra.ips.repaired, ...rb.ips.repaired]).toEqual([ip]);
    expect((await ips.ownerOf(ip))?.uid).toBe(svc.metadata!.uid);
    expect((await eventsAbout('shared')).filter((e) => e.reason === 'ClusterIPNotAllocated')).toHaveLength(1);
    // Both free the same leaked key on their third pass; the second release finds it gone.
    await Promise.all([a.runOnce(), b.runOnce()]);
    const third = await Promise.all([a.runOnce(), b.runOnce()]);
    expect(third.flatMap((r) => r.ports.freed)).toContain('30920');
    expect(await ports.ownerOf('30920')).toBeUndefined();
  });

  it('runs when an API server starts: another server over the same database repairs before it is up', async () => {
    const svc = await rest.create(services, NS, { metadata: { name: 'at-start' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } });
    const nodePort = String(svc.spec!.ports![0]!.nodePort);
    await srv.api.store.delete(`/registry/ranges/servicenodeports/${nodePort}`);
    const second = await startTestApiServer({ databaseUrl });
    try {
      await second.api.startLoops();
      expect((await ports.ownerOf(nodePort))?.uid).toBe(svc.metadata!.uid);
    } finally {
      await second.close();
    }
  });
});

describe('the node ports a Service holds', () => {
  const svc = (ports: Array<{ port: number; protocol: string; nodePort?: number }>, healthCheckNodePort?: number): Service =>
    ({ spec: { ports, ...(healthCheckNodePort ? { healthCheckNodePort } : {}) } });

  it('lists a port shared by two protocols once, one repeated with the same protocol twice, and the health check port', () => {
    expect(serviceNodePorts(svc([{ port: 53, protocol: 'TCP', nodePort: 30053 }, { port: 53, protocol: 'UDP', nodePort: 30053 }]))).toEqual([30053]);
    expect(serviceNodePorts(svc([{ port: 80, protocol: 'TCP', nodePort: 30080 }, { port: 81, protocol: 'TCP', nodePort: 30080 }]))).toEqual([30080, 30080]);
    expect(serviceNodePorts(svc([{ port: 80, protocol: 'TCP', nodePort: 30080 }], 30100))).toEqual([30080, 30100]);
    expect(serviceNodePorts(svc([{ port: 80, protocol: 'UDP', nodePort: 30100 }], 30100))).toEqual([30100]);
  });
});
