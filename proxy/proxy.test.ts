// The proxy on the real kernel and a real Docker engine (needs root): busybox httpd "pods" on the
// capstan network behind Services with hand-written EndpointSlices, reached from the host, from a
// client container on the pod network, and from a container outside it; UDP backends on the host.
import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { V1EndpointSlice, V1Service } from '@kubernetes/client-node';
import { RestClient } from '../client/index.ts';
import { endpointSlices, namespaces, services } from '../client/resources.ts';
import { ensureDocker } from '../kubelet/runtime/docker/testing.ts';
import { createDatabaseAt } from '../test/postgres.ts';
import { startTestApiServer, type TestApiServer } from '../test/apiserver.ts';
import { eventually } from '../test/eventually.ts';
import { startProxy, type RunningProxy } from './index.ts';
import { parseSaved, renderCleanup } from './iptables/rules.ts';
import { makeService, makeSlice, type EndpointFixture } from './testing.ts';
import {
  POD_GATEWAY, Testbed, defaultBridgeGateway, ensurePodNetwork, hostIP, httpGet, httpGets, udpNameServer, udpQuery,
} from './testbed.ts';

const NS = 'proxytest';
const LOCAL_NODE = 'proxytest-local';
const REMOTE_NODE = 'proxytest-remote';

let srv: TestApiServer;
let rest: RestClient;
const bed = new Testbed();
const net = randomInt(256);
const vip = (last: number) => `10.201.${net}.${last}`;
// Node ports from the top of the range, distinct, random per run.
const nodePorts = (() => {
  const first = 31_000 + randomInt(1_700);
  return { np: first, local: first + 11, npSticky: first + 23, udp: first + 37 };
})();
const tag = `t${randomInt(36 ** 6).toString(36)}`;
let ac: AbortController;
let proxy: RunningProxy;
let backends: Record<'a' | 'b' | 'c', { name: string; ip: string }>;
let client: { name: string; ip: string };
let outside: string;
let outsideGateway: string;
const udpBackends: Array<{ port: number; close(): Promise<void> }> = [];

const iptablesSave = () => execFileSync('iptables-save', { encoding: 'utf8' });
const distinct = (xs: string[]) => [...new Set(xs)].sort();

const webEndpoints = (over: Partial<Record<'a' | 'b' | 'c', Partial<EndpointFixture>>> = {}): EndpointFixture[] => [
  { ip: backends.a.ip, node: LOCAL_NODE, ...over.a },
  { ip: backends.b.ip, node: REMOTE_NODE, ...over.b },
  { ip: backends.c.ip, node: REMOTE_NODE, ...over.c },
];

async function createService(svc: V1Service, slice?: V1EndpointSlice): Promise<void> {
  await rest.create(services, NS, svc);
  if (slice) await rest.create(endpointSlices, NS, slice);
}

async function setEndpoints(name: string, sliceName: string, endpoints: EndpointFixture[]): Promise<void> {
  const cur = await rest.get(endpointSlices, NS, sliceName);
  const next = makeSlice({ namespace: NS, service: name, name: sliceName, ports: (cur.ports ?? []).map((p) => ({ name: p.name ?? '', port: p.port!, protocol: p.protocol })), endpoints });
  next.metadata!.resourceVersion = cur.metadata!.resourceVersion;
  await rest.update(endpointSlices, NS, next);
}

/** The nat rules of our SVC chain for a cluster IP: which endpoints (ip:port) it DNATs to. */
function natTargets(clusterIP: string): string[] {
  const nat = execFileSync('iptables-save', ['-t', 'nat'], { encoding: 'utf8' }).split('\n');
  const jump = nat.find((l) => l.startsWith(`-A CAP-${tag}-SERVICES`) && l.includes(`-d ${clusterIP}/32`));
  const chain = jump ? /-j (\S+)/.exec(jump)?.[1] : undefined;
  if (!chain) return [];
  return nat.filter((l) => l.startsWith(`-A ${chain} `)).map((l) => /--comment "?[^"]* -> (\S+?)"/.exec(l)?.[1]).filter((x): x is string => !!x);
}

beforeAll(async () => {
  ensureDocker();
  await ensurePodNetwork();
  srv = await startTestApiServer({ databaseUrl: await createDatabaseAt(inject('pgAdminUrl')), serviceClusterIPRange: `10.201.${net}.0/24` });
  rest = new RestClient(srv.kubeconfig);
  await rest.create(namespaces, '', { metadata: { name: NS } });
  const [a, b, c, cl, out, gw] = await Promise.all([
    bed.httpBackend('be-a'), bed.httpBackend('be-b'), bed.httpBackend('be-c'),
    bed.podContainer('client', 'exec sleep 3600'), bed.outsideContainer('outside'), defaultBridgeGateway(),
  ]);
  backends = { a: a!, b: b!, c: c! };
  client = cl;
  outside = out;
  outsideGateway = gw;
  for (const be of Object.values(backends)) await eventually(() => httpGet(`http://${be.ip}:8080/`).catch(() => undefined), { timeoutMs: 20_000, what: `${be.name} serving` });
  udpBackends.push(await udpNameServer(POD_GATEWAY, '10.99.0.1'), await udpNameServer(POD_GATEWAY, '10.99.0.2'));

  // The service's target port is the name "web"; the slices carry the resolved number, 8080.
  const httpPort = () => [{ name: 'http', port: 80, targetPort: 'web' }];
  const webSlice = (service: string) => makeSlice({ namespace: NS, service, name: `${service}-1`, ports: [{ name: 'http', port: 8080 }], endpoints: webEndpoints() });
  await createService(makeService({ namespace: NS, name: 'web', clusterIP: vip(10), ports: httpPort() }), webSlice('web'));
  await createService(makeService({ namespace: NS, name: 'sticky', clusterIP: vip(11), sessionAffinitySeconds: 600, ports: httpPort() }), webSlice('sticky'));
  await createService(makeService({ namespace: NS, name: 'np', clusterIP: vip(12), type: 'NodePort', ports: [{ name: 'http', port: 80, nodePort: nodePorts.np }] }), webSlice('np'));
  await createService(makeService({ namespace: NS, name: 'local', clusterIP: vip(13), type: 'NodePort', externalTrafficPolicy: 'Local', ports: [{ name: 'http', port: 80, nodePort: nodePorts.local }] }),
    makeSlice({ namespace: NS, service: 'local', name: 'local-1', ports: [{ name: 'http', port: 8080 }], endpoints: webEndpoints().slice(0, 2) }));
  await createService(makeService({ namespace: NS, name: 'np-sticky', clusterIP: vip(14), type: 'NodePort', sessionAffinitySeconds: 600, ports: [{ name: 'http', port: 80, nodePort: nodePorts.npSticky }] }), webSlice('np-sticky'));
  // A UDP service with two endpoints on the host (one slice per backend port) and a named target port.
  await createService(makeService({ namespace: NS, name: 'udp', clusterIP: vip(15), type: 'NodePort', ports: [{ name: 'dns', port: 53, protocol: 'UDP', targetPort: 'dns', nodePort: nodePorts.udp }] }));
  for (const [i, be] of udpBackends.entries()) {
    await rest.create(endpointSlices, NS, makeSlice({ namespace: NS, service: 'udp', name: `udp-${i}`, ports: [{ name: 'dns', port: be.port, protocol: 'UDP' }], endpoints: [{ ip: POD_GATEWAY }] }));
  }
  await createService(makeService({ namespace: NS, name: 'empty', clusterIP: vip(16), ports: [{ port: 80 }] }));

  ac = new AbortController();
  proxy = startProxy({ kubeconfig: srv.kubeconfig, signal: ac.signal, nodeNames: [LOCAL_NODE], clusterTag: tag, mode: 'iptables', log: () => {} });
  await proxy.ready;
}, 180_000);

afterAll(async () => {
  ac?.abort();
  await proxy?.done;
  await bed.removeAll();
  for (const u of udpBackends) await u.close();
  rest?.close();
  await srv?.close();
  // Whatever happened, leave no chain of this tag behind.
  const left = iptablesSave().split('\n').filter((l) => l.includes(`CAP-${tag}-`));
  if (left.length) {
    const saved = { nat: parseSaved(execFileSync('iptables-save', ['-t', 'nat'], { encoding: 'utf8' }), tag), filter: parseSaved(execFileSync('iptables-save', ['-t', 'filter'], { encoding: 'utf8' }), tag) };
    execFileSync('iptables-restore', ['--noflush'], { input: renderCleanup(saved) });
    throw new Error(`rules of tag ${tag} left behind:\n${left.join('\n')}`);
  }
}, 60_000);

describe('service proxy, iptables mode', () => {
  it('programs the node at start: its chains under the cluster tag and jumps from the built-in chains', () => {
    expect(proxy.mode).toBe('iptables');
    const saved = iptablesSave();
    for (const jump of [
      `-A PREROUTING -m comment --comment "kubernetes service portals" -j CAP-${tag}-SERVICES`,
      `-A OUTPUT -m comment --comment "kubernetes service portals" -j CAP-${tag}-SERVICES`,
      `-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j CAP-${tag}-POSTROUTING`,
      `-A FORWARD -m comment --comment "kubernetes forwarding rules" -j CAP-${tag}-FORWARD`,
    ]) expect(saved).toContain(jump);
    expect(execFileSync('cat', ['/proc/sys/net/ipv4/conf/all/route_localnet'], { encoding: 'utf8' }).trim()).toBe('1');
  });

  it('reaches every backend through the cluster IP from the host, by the named target port', async () => {
    expect(distinct(await httpGets(`http://${vip(10)}/`, 30))).toEqual(['be-a', 'be-b', 'be-c']);
  });

  it('reaches every backend through the cluster IP from a pod', async () => {
    const out = await bed.exec(client.name, `for i in $(seq 30); do timeout 2 wget -q -O - http://${vip(10)}/; done`);
    expect(distinct(out.trim().split('\n'))).toEqual(['be-a', 'be-b', 'be-c']);
  });

  it('lets a backend reach itself through its own service (hairpin, masqueraded)', async () => {
    // The bridge port must allow hairpin traffic (the kubelet's job upstream: --hairpin-mode).
    await bed.enableHairpin(`capstan-${bed.id}-be-a`);
    const out = await bed.exec(`capstan-${bed.id}-be-a`, `for i in $(seq 12); do timeout 2 wget -q -O - http://${vip(10)}/; done`);
    expect(distinct(out.trim().split('\n'))).toEqual(['be-a', 'be-b', 'be-c']);
  });

  it('stops sending to an endpoint within a second of it going unready, and takes it back when ready', async () => {
    const start = Date.now();
    await setEndpoints('web', 'web-1', webEndpoints({ c: { ready: false } }));
    await eventually(() => !natTargets(vip(10)).includes(`${backends.c.ip}:8080`), { timeoutMs: 1_000, intervalMs: 20, what: 'be-c out of the rules' });
    const elapsed = Date.now() - start;
    expect(elapsed).toBeLessThan(1_000);
    expect(distinct(await httpGets(`http://${vip(10)}/`, 24))).toEqual(['be-a', 'be-b']);
    await setEndpoints('web', 'web-1', webEndpoints());
    await eventually(() => natTargets(vip(10)).includes(`${backends.c.ip}:8080`), { timeoutMs: 1_000, intervalMs: 20, what: 'be-c back in the rules' });
  });

  it('keeps a client on one backend under sessionAffinity ClientIP', async () => {
    expect(distinct(await httpGets(`http://${vip(11)}/`, 20))).toHaveLength(1);
    const out = await bed.exec(client.name, `for i in $(seq 15); do timeout 2 wget -q -O - http://${vip(11)}/; done`);
    expect(distinct(out.trim().split('\n'))).toHaveLength(1);
  });

  it('serves a NodePort on 127.0.0.1 and on the node IP, over every backend', async () => {
    expect(distinct(await httpGets(`http://127.0.0.1:${nodePorts.np}/`, 30))).toEqual(['be-a', 'be-b', 'be-c']);
    expect(distinct(await httpGets(`http://${hostIP()}:${nodePorts.np}/`, 30))).toEqual(['be-a', 'be-b', 'be-c']);
  });

  it('externalTrafficPolicy Local: outside clients reach only this host\'s endpoints, and nothing when it has none', async () => {
    const url = `http://${outsideGateway}:${nodePorts.local}/`;
    const out = await bed.exec(outside, `for i in $(seq 12); do timeout 2 wget -q -O - ${url}; done`);
    expect(distinct(out.trim().split('\n'))).toEqual(['be-a']);
    // The host itself is not "outside": its traffic takes the Cluster policy, as upstream's.
    expect(distinct(await httpGets(`http://127.0.0.1:${nodePorts.local}/`, 20))).toEqual(['be-a', 'be-b']);
    await setEndpoints('local', 'local-1', webEndpoints({ a: { ready: false } }).slice(0, 2));
    await eventually(() => iptablesSave().includes(`"${NS}/local:http has no local endpoints"`), { timeoutMs: 2_000, intervalMs: 20, what: 'the drop rule' });
    await expect(bed.exec(outside, `timeout 1 wget -q -O - ${url}`)).rejects.toThrow();
    expect(distinct(await httpGets(`http://127.0.0.1:${nodePorts.local}/`, 6))).toEqual(['be-b']);
  });

  it('carries UDP to every endpoint, from the host and from a pod', async () => {
    const answers: string[] = [];
    for (let i = 0; i < 20; i++) answers.push(await udpQuery(vip(15), 53));
    expect(distinct(answers)).toEqual(['10.99.0.1', '10.99.0.2']);
    const out = await bed.exec(client.name, `for i in $(seq 12); do nslookup -type=A probe.test. ${vip(15)}; done`);
    expect(distinct([...out.matchAll(/Address: (10\.99\.0\.\d)/g)].map((m) => m[1]!))).toEqual(['10.99.0.1', '10.99.0.2']);
  });

  it('rejects connections to a service without endpoints', async () => {
    await expect(httpGet(`http://${vip(16)}/`, 2_000)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('removes every rule and chain of its tag when stopped', async () => {
    ac.abort();
    await proxy.done;
    expect(iptablesSave()).not.toContain(`CAP-${tag}-`);
    await expect(httpGet(`http://127.0.0.1:${nodePorts.np}/`, 1_000)).rejects.toThrow();
  });
});

describe('service proxy, userspace mode', () => {
  it('serves NodePorts (TCP and UDP) on 127.0.0.1 and the node IP, round-robin, with ClientIP affinity', async () => {
    const us = new AbortController();
    const utag = `${tag}u`;
    const p = startProxy({ kubeconfig: srv.kubeconfig, signal: us.signal, nodeNames: [LOCAL_NODE], clusterTag: utag, mode: 'userspace', log: () => {} });
    try {
      await p.ready;
      expect(p.mode).toBe('userspace');
      expect(distinct(await httpGets(`http://127.0.0.1:${nodePorts.np}/`, 6))).toEqual(['be-a', 'be-b', 'be-c']);
      expect(distinct(await httpGets(`http://${hostIP()}:${nodePorts.np}/`, 6))).toEqual(['be-a', 'be-b', 'be-c']);
      expect(distinct(await httpGets(`http://127.0.0.1:${nodePorts.npSticky}/`, 10))).toHaveLength(1);
      const answers: string[] = [];
      for (let i = 0; i < 6; i++) answers.push(await udpQuery('127.0.0.1', nodePorts.udp));
      expect(distinct(answers)).toEqual(['10.99.0.1', '10.99.0.2']);
      // No iptables rules in this mode: cluster IPs are not reachable.
      expect(iptablesSave()).not.toContain(`CAP-${utag}-`);
    } finally {
      us.abort();
      await p.done;
    }
    await expect(httpGet(`http://127.0.0.1:${nodePorts.np}/`, 1_000)).rejects.toThrow(/ECONNREFUSED/);
  });
});
