// Cluster IP and node port allocation for services: unique across concurrent creates and across
// API server processes sharing one store, released on delete and on failed writes. The service
// store hooks are driven the way the registry calls them (prepare, begin, store, finish).
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import { openStore, type SqlStore } from '../../../storage/index.ts';
import { createDatabaseAt } from '../../../test/postgres.ts';
import { GenericRegistry } from '../../registry/generic.ts';
import { AllocationError, KeyedAllocator, ipv4Range, portRange, type AllocationOwner } from '../common/allocator.ts';
import { services, serviceAllocators, SERVICE_CIDR, type Service } from './v1/services.ts';
import type { AnyResource, KubeObject } from '../types.ts';
import { isStatusError } from '../../../machinery/errors.ts';

let store: SqlStore;
let reg: GenericRegistry;

beforeAll(async () => {
  store = await openStore({});
  reg = new GenericRegistry(services as unknown as AnyResource, store);
});
afterAll(async () => { await store.close(); });

const owner = (n: number): AllocationOwner => ({ kind: 'Service', namespace: 'default', name: `s${n}`, uid: `uid-${n}` });
const hooks = services.storeHooks!;

/** A create as the registry will run it once it calls the store hooks. */
async function create(ns: string, body: KubeObject): Promise<Service> {
  const obj = reg.prepareCreate(ns, structuredClone(body)) as Service;
  const finish = await hooks.beginCreate!(obj, { store, dryRun: false });
  try {
    const stored = await store.create(reg.key(ns, obj.metadata!.name!), obj as Parameters<typeof store.create>[1]);
    await finish(true);
    return stored.obj as Service;
  } catch (e) {
    await finish(false);
    throw e;
  }
}

/** An update as the registry will run it: prepare against the stored object, begin, write, finish. */
async function update(ns: string, name: string, change: (s: Service) => void): Promise<Service> {
  const cur = (await store.get(reg.key(ns, name))).obj as Service;
  const next = structuredClone(cur);
  change(next);
  const prepared = reg.prepareUpdate(ns, next, structuredClone(cur), '') as Service;
  const finish = await hooks.beginUpdate!(prepared, cur, { store, dryRun: false });
  const stored = await store.guaranteedUpdate(reg.key(ns, name), () => prepared as Parameters<typeof store.create>[1]);
  await finish(true);
  return stored.obj as Service;
}

async function remove(ns: string, name: string): Promise<void> {
  const gone = await store.delete(reg.key(ns, name));
  await hooks.afterDelete!(gone.obj as Service, { store, dryRun: false });
}

const svc = (name: string, spec: Record<string, unknown> = {}) => ({ metadata: { name }, spec: { selector: { app: name }, ports: [{ port: 80 }], ...spec } });

describe('the keyed allocator', () => {
  it('hands out each item once, even to concurrent callers', async () => {
    const a = new KeyedAllocator(store, ipv4Range('10.200.0.0/24', '/registry/test/ips-a/'));
    const got = await Promise.all(Array.from({ length: 60 }, (_, i) => a.allocateNext(owner(i))));
    expect(new Set(got).size).toBe(60);
    for (const ip of got) expect(ip).toMatch(/^10\.200\.0\.\d+$/);
  });

  it('agrees across API server processes sharing one PostgreSQL', async () => {
    // Two stores on one database, each with its own connections, as two API servers have.
    const url = await createDatabaseAt(inject('pgAdminUrl'));
    const [s1, s2] = [await openStore({ databaseUrl: url }), await openStore({ databaseUrl: url })];
    try {
      const range = () => ipv4Range('10.201.0.0/28');
      const one = new KeyedAllocator(s1, range());
      const two = new KeyedAllocator(s2, range());
      const got = await Promise.all(Array.from({ length: 14 }, (_, i) => (i % 2 ? one : two).allocateNext(owner(i))));
      expect(new Set(got).size).toBe(14);
      await expect(one.allocateNext(owner(99))).rejects.toThrow('range is full');
      await expect(two.allocate(got[0]!, owner(98))).rejects.toThrow('provided IP is already allocated');
    } finally {
      await s1.close();
      await s2.close();
    }
  });

  it('refuses a taken or out-of-range item with upstream\'s messages, and frees only its owner\'s', async () => {
    const a = new KeyedAllocator(store, portRange(30000, 30010, '/registry/test/ports/'));
    expect(await a.allocate('30005', owner(1))).toBe(true);
    expect(await a.allocate('30005', owner(1))).toBe(false);
    await expect(a.allocate('30005', owner(2))).rejects.toThrow(new AllocationError('Allocated', 'provided port is already allocated'));
    await expect(a.allocate('29999', owner(2))).rejects.toThrow('provided port is not in the valid range. The range of valid ports is 30000-30010');
    await a.release('30005', owner(2));
    expect((await a.ownerOf('30005'))?.uid).toBe('uid-1');
    await a.release('30005', owner(1));
    expect(await a.ownerOf('30005')).toBeUndefined();
  });

  it('prefers the dynamic band above the range offset', async () => {
    const r = ipv4Range(SERVICE_CIDR);
    expect(r.size).toBe(2 ** 20 - 2);
    expect(r.offset).toBe(256);
    expect(r.item(0)).toBe('10.96.0.1');
    expect(r.indexOf('10.96.0.0')).toBeUndefined();
    expect(r.indexOf('10.111.255.255')).toBeUndefined();
    expect(portRange(30000, 32767).offset).toBe(86);
  });
});

describe('service allocation', () => {
  it('gives a ClusterIP service a cluster IP from the dynamic band and keeps it out of others\' reach', async () => {
    const s = await create('default', svc('a1'));
    const ip = s.spec!.clusterIP!;
    expect(s.spec!.clusterIPs).toEqual([ip]);
    const idx = ipv4Range(SERVICE_CIDR).indexOf(ip)!;
    expect(idx).toBeGreaterThanOrEqual(256);
    const err = await create('default', svc('a2', { clusterIP: ip })).catch((e: unknown) => e);
    expect(isStatusError(err, 'Invalid')).toBe(true);
    expect((err as { status: { details: { causes: unknown[] } } }).status.details.causes).toEqual([
      { reason: 'FieldValueInvalid', field: 'spec.clusterIPs', message: `Invalid value: ["${ip}"]: failed to allocate IP ${ip}: provided IP is already allocated` },
    ]);
  });

  it('refuses a cluster IP outside the service range', async () => {
    const err = await create('default', svc('a3', { clusterIP: '10.0.0.1' })).catch((e: unknown) => e);
    expect((err as { status: { message: string } }).status.message).toBe(
      'Service "a3" is invalid: spec.clusterIPs: Invalid value: ["10.0.0.1"]: failed to allocate IP 10.0.0.1: the provided IP (10.0.0.1) is not in the valid range. The range of valid IPs is 10.96.0.0/12');
  });

  it('allocates unique IPs to concurrent creates', async () => {
    const made = await Promise.all(Array.from({ length: 25 }, (_, i) => create('conc', svc(`c${i}`))));
    expect(new Set(made.map((s) => s.spec!.clusterIP)).size).toBe(25);
  });

  it('gives headless and ExternalName services no IP', async () => {
    expect((await create('default', svc('h1', { clusterIP: 'None' }))).spec!.clusterIPs).toEqual(['None']);
    expect((await create('default', { metadata: { name: 'x1' }, spec: { type: 'ExternalName', externalName: 'example.com' } })).spec!.clusterIP).toBeUndefined();
  });

  it('allocates node ports once per service port, honours requested ones and refuses taken ones', async () => {
    const s = await create('default', svc('np1', { type: 'NodePort', ports: [{ port: 80, name: 'http' }, { port: 443, name: 'https', nodePort: 31443 }] }));
    const [http, https] = s.spec!.ports!;
    expect(http!.nodePort).toBeGreaterThanOrEqual(30000);
    expect(http!.nodePort).toBeLessThanOrEqual(32767);
    expect(https!.nodePort).toBe(31443);
    const err = await create('default', svc('np2', { type: 'NodePort', ports: [{ port: 80, nodePort: 31443 }] })).catch((e: unknown) => e);
    expect((err as { status: { message: string } }).status.message).toBe('Service "np2" is invalid: spec.ports[0].nodePort: Invalid value: 31443: provided port is already allocated');
    const out = await create('default', svc('np3', { type: 'NodePort', ports: [{ port: 80, nodePort: 40000 }] })).catch((e: unknown) => e);
    expect((out as { status: { message: string } }).status.message).toBe(
      'Service "np3" is invalid: spec.ports[0].nodePort: Invalid value: 40000: provided port is not in the valid range. The range of valid ports is 30000-32767');
    // The failed creates took nothing: their cluster IPs went back.
    const { ips } = serviceAllocators(store);
    const owners = [...(await ips.allocated()).values()].map((o) => o.name);
    expect(owners).not.toContain('np2');
    expect(owners).not.toContain('np3');
  });

  it('releases what a failed write took', async () => {
    const obj = reg.prepareCreate('default', svc('f1', { type: 'NodePort' })) as Service;
    const finish = await hooks.beginCreate!(obj, { store, dryRun: false });
    const { ips, ports } = serviceAllocators(store);
    expect((await ips.ownerOf(obj.spec!.clusterIP!))?.name).toBe('f1');
    await finish(false);
    expect(await ips.ownerOf(obj.spec!.clusterIP!)).toBeUndefined();
    expect(await ports.ownerOf(String(obj.spec!.ports![0]!.nodePort))).toBeUndefined();
  });

  it('takes nothing on a dry run', async () => {
    const obj = reg.prepareCreate('default', svc('d1', { type: 'NodePort' })) as Service;
    await hooks.beginCreate!(obj, { store, dryRun: true });
    expect(obj.spec!.clusterIP).toMatch(/^10\./);
    expect(await serviceAllocators(store).ips.ownerOf(obj.spec!.clusterIP!)).toBeUndefined();
  });

  it('releases node ports when a NodePort service becomes ClusterIP, and the IP on delete', async () => {
    const s = await create('default', svc('u1', { type: 'NodePort' }));
    const port = String(s.spec!.ports![0]!.nodePort);
    const { ips, ports } = serviceAllocators(store);
    expect((await ports.ownerOf(port))?.name).toBe('u1');
    const after = await update('default', 'u1', (x) => { x.spec!.type = 'ClusterIP'; });
    expect(after.spec!.ports![0]!.nodePort).toBeUndefined();
    expect(after.spec!.externalTrafficPolicy).toBeUndefined();
    expect(await ports.ownerOf(port)).toBeUndefined();
    await remove('default', 'u1');
    expect(await ips.ownerOf(s.spec!.clusterIP!)).toBeUndefined();
  });

  it('allocates a cluster IP when an ExternalName service becomes ClusterIP, and releases it going back', async () => {
    await create('default', { metadata: { name: 'e1' }, spec: { type: 'ExternalName', externalName: 'example.com' } });
    const s = await update('default', 'e1', (x) => { x.spec = { type: 'ClusterIP', selector: { app: 'e1' }, ports: [{ port: 80 }] }; });
    expect(s.spec).toMatchObject({ ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack' });
    const ip = s.spec!.clusterIP!;
    const { ips } = serviceAllocators(store);
    expect((await ips.ownerOf(ip))?.name).toBe('e1');
    const back = await update('default', 'e1', (x) => { x.spec!.type = 'ExternalName'; x.spec!.externalName = 'example.org'; });
    expect(back.spec!.clusterIP).toBeUndefined();
    expect(back.spec!.ipFamilies).toBeUndefined();
    expect(await ips.ownerOf(ip)).toBeUndefined();
  });

  it('keeps allocated values an update leaves out (upstream\'s patchAllocatedValues)', async () => {
    const s = await create('default', svc('k1', { type: 'NodePort' }));
    const after = await update('default', 'k1', (x) => {
      delete x.spec!.clusterIP;
      delete x.spec!.clusterIPs;
      delete x.spec!.ports![0]!.nodePort;
    });
    expect(after.spec!.clusterIP).toBe(s.spec!.clusterIP);
    expect(after.spec!.ports![0]!.nodePort).toBe(s.spec!.ports![0]!.nodePort);
  });
});
