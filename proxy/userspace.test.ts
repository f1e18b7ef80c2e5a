import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEndpointsMap, buildServicePorts, type EndpointInfo } from './servicemap.ts';
import { makeService, makeSlice } from './testing.ts';
import { httpGet, httpGets } from './testbed.ts';
import { EndpointPicker, UserspaceProxier } from './userspace.ts';

const ep = (ip: string): EndpointInfo => ({ ip, port: 80, ready: true, serving: true, terminating: false, isLocal: false });

describe('userspace endpoint picker', () => {
  it('goes round the endpoints in turn', () => {
    const p = new EndpointPicker();
    const eps = [ep('10.0.0.1'), ep('10.0.0.2'), ep('10.0.0.3')];
    expect([1, 2, 3, 4].map(() => p.pick(eps, '192.0.2.1', 0)!.ip)).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.1']);
    expect(p.pick([], '192.0.2.1', 0)).toBeUndefined();
  });

  it('keeps a client IP on its endpoint until the affinity timeout passes without traffic, or the endpoint goes', () => {
    const p = new EndpointPicker();
    const eps = [ep('10.0.0.1'), ep('10.0.0.2'), ep('10.0.0.3')];
    const first = p.pick(eps, '192.0.2.1', 10, 0)!.ip;
    expect(p.pick(eps, '192.0.2.1', 10, 9_000)!.ip).toBe(first);
    expect(p.pick(eps, '192.0.2.1', 10, 18_000)!.ip).toBe(first);
    expect(p.pick(eps, '192.0.2.2', 10, 18_000)!.ip).not.toBe(first);
    expect(p.pick(eps, '192.0.2.1', 10, 40_000)!.ip).not.toBe(first);
    const held = p.pick(eps, '192.0.2.3', 10, 50_000)!.ip;
    expect(p.pick(eps.filter((e) => e.ip !== held), '192.0.2.3', 10, 51_000)!.ip).not.toBe(held);
  });
});

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('userspace proxier on loopback', () => {
  const servers: http.Server[] = [];
  const backendPorts: number[] = [];
  let proxier: UserspaceProxier;

  beforeAll(async () => {
    for (const name of ['one', 'two']) {
      const s = http.createServer((_req, res) => res.end(name));
      await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
      servers.push(s);
      backendPorts.push((s.address() as net.AddressInfo).port);
    }
    proxier = new UserspaceProxier({ addresses: ['127.0.0.1'], log: () => {} });
  });

  afterAll(async () => {
    await proxier.close();
    for (const s of servers) await new Promise<void>((r) => s.close(() => r()));
  });

  it('listens on the node port, forwards round-robin to ready endpoints, follows changes and closes when the service goes', async () => {
    const nodePort = await freePort();
    const svc = makeService({ name: 'web', type: 'NodePort', clusterIP: '10.96.1.1', ports: [{ port: 80, nodePort }] });
    // Two slices, one per backend port (the endpoints share an address).
    const slices = backendPorts.map((port, i) => makeSlice({ service: 'web', name: `web-${i}`, ports: [{ port }], endpoints: [{ ip: '127.0.0.1' }] }));
    await proxier.sync(buildServicePorts([svc]), buildEndpointsMap(slices, new Set()));
    expect(new Set(await httpGets(`http://127.0.0.1:${nodePort}/`, 4))).toEqual(new Set(['one', 'two']));

    slices[1]!.endpoints[0]!.conditions = { ready: false, serving: false, terminating: false };
    await proxier.sync(buildServicePorts([svc]), buildEndpointsMap(slices, new Set()));
    expect(new Set(await httpGets(`http://127.0.0.1:${nodePort}/`, 4))).toEqual(new Set(['one']));

    await proxier.sync([], new Map());
    await expect(httpGet(`http://127.0.0.1:${nodePort}/`, 1_000)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('refuses connections while the service has no endpoints', async () => {
    const nodePort = await freePort();
    const svc = makeService({ name: 'none', type: 'NodePort', clusterIP: '10.96.1.2', ports: [{ port: 80, nodePort }] });
    await proxier.sync(buildServicePorts([svc]), new Map());
    await expect(httpGet(`http://127.0.0.1:${nodePort}/`, 1_000)).rejects.toThrow(/ECONNRESET|socket hang up/);
  });
});
