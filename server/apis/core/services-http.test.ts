// Service allocation (ResourceDef.storeHooks) and computed component statuses
// (ResourceDef.computed) end to end through HTTP.
import { describe, it, expect, afterAll } from 'vitest';
import { coreV1Extra } from './v1/extra.ts';
import { serviceAllocators } from './v1/services.ts';
import { startTestApi, expectInvalid, merge, TABLE_ACCEPT } from '../testkit.ts';

const t = await startTestApi(coreV1Extra);
const ns = await t.namespace();
afterAll(async () => { await t.close(); });


const svc = (name: string, spec: Record<string, unknown> = {}) => ({ metadata: { name }, spec: { selector: { app: name }, ports: [{ port: 80 }], ...spec } });
const path = (name = '') => `/api/v1/namespaces/${ns}/services${name ? `/${name}` : ''}`;

describe('services allocate through the registry', () => {
  it('assigns cluster IPs and node ports, unique across concurrent creates', async () => {
    const made = await Promise.all(Array.from({ length: 10 }, (_, i) => t.post(path(), svc(`c${i}`, { type: 'NodePort' })).expect(201)));
    const ips = made.map((r) => r.body.spec.clusterIP);
    const ports = made.map((r) => r.body.spec.ports[0].nodePort);
    expect(new Set(ips).size).toBe(10);
    expect(new Set(ports).size).toBe(10);
    for (const r of made) expect(r.body.spec.clusterIPs).toEqual([r.body.spec.clusterIP]);
  });

  it('refuses a taken cluster IP and node port with upstream\'s messages', async () => {
    const a = await t.post(path(), svc('a', { type: 'NodePort', ports: [{ port: 80, nodePort: 30111 }] })).expect(201);
    const ip = a.body.spec.clusterIP;
    expectInvalid(await t.post(path(), svc('b', { clusterIP: ip })), 'spec.clusterIPs', `Invalid value: ["${ip}"]: failed to allocate IP ${ip}: provided IP is already allocated`);
    expectInvalid(await t.post(path(), svc('c', { type: 'NodePort', ports: [{ port: 80, nodePort: 30111 }] })), 'spec.ports[0].nodePort', 'Invalid value: 30111: provided port is already allocated');
  });

  it('takes nothing on a dry run, and releases on delete', async () => {
    const dry = await t.post(`${path()}?dryRun=All`, svc('dry')).expect(201);
    const { ips, ports } = serviceAllocators(t.store);
    expect(await ips.ownerOf(dry.body.spec.clusterIP)).toBeUndefined();
    const d = await t.post(path(), svc('d', { type: 'NodePort' })).expect(201);
    await t.del(path('d')).expect(200);
    expect(await ips.ownerOf(d.body.spec.clusterIP)).toBeUndefined();
    expect(await ports.ownerOf(String(d.body.spec.ports[0].nodePort))).toBeUndefined();
  });

  it('moves allocations with type changes and keeps them across updates that omit them', async () => {
    const e = await t.post(path(), svc('e', { type: 'NodePort' })).expect(201);
    const omit = await t.put(path('e'), merge(e.body, { spec: { clusterIP: undefined, clusterIPs: undefined, ports: [{ port: 80 }] } })).expect(200);
    expect(omit.body.spec.clusterIP).toBe(e.body.spec.clusterIP);
    expect(omit.body.spec.ports[0].nodePort).toBe(e.body.spec.ports[0].nodePort);
    const cip = await t.patch(path('e'), { spec: { type: 'ClusterIP' } }).expect(200);
    expect(cip.body.spec.ports[0].nodePort).toBeUndefined();
    const { ports } = serviceAllocators(t.store);
    expect(await ports.ownerOf(String(e.body.spec.ports[0].nodePort))).toBeUndefined();
    const ext = await t.patch(path('e'), { spec: { type: 'ExternalName', externalName: 'example.com' } }).expect(200);
    expect(ext.body.spec.clusterIP).toBeUndefined();
    const back = await t.patch(path('e'), { spec: { type: 'ClusterIP', externalName: null } }).expect(200);
    expect(back.body.spec.clusterIP).toMatch(/^10\.(9[6-9]|10\d|11[01])\./);
  });
});

describe('componentstatuses are computed', () => {
  it('lists and gets healthy components, printed as upstream', async () => {
    const list = await t.get('/api/v1/componentstatuses').expect(200);
    expect(list.body.kind).toBe('ComponentStatusList');
    expect(list.body.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(['controller-manager', 'etcd-0', 'scheduler']);
    const one = await t.get('/api/v1/componentstatuses/etcd-0').expect(200);
    expect(one.body.conditions).toEqual([{ type: 'Healthy', status: 'True', message: 'ok' }]);
    await t.get('/api/v1/componentstatuses/nope').expect(404);
    const table = await t.get('/api/v1/componentstatuses', TABLE_ACCEPT).expect(200);
    expect(table.body.rows.map((r: { cells: unknown[] }) => r.cells)).toEqual([
      ['controller-manager', 'Healthy', 'ok', ''], ['etcd-0', 'Healthy', 'ok', ''], ['scheduler', 'Healthy', 'ok', ''],
    ]);
  });
});
