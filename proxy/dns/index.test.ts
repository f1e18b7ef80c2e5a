// The cluster DNS server end to end: a real API server, Services and EndpointSlices written
// through it, queries over UDP and TCP on loopback with node's resolver and by hand, and a fake
// upstream nameserver on loopback for everything outside the cluster domain.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Resolver } from 'node:dns/promises';
import type { V1EndpointSlice, V1Service } from '@kubernetes/client-node';
import { RestClient, kubeConfigForToken } from '../../client/index.ts';
import { endpointSlices, namespaces, services } from '../../client/resources.ts';
import { createDatabaseAt } from '../../test/postgres.ts';
import { startTestApiServer, type TestApiServer } from '../../test/apiserver.ts';
import { eventually } from '../../test/eventually.ts';
import { startClusterDNS, type ClusterDNS } from './index.ts';
import { askTcp, askUdp, dataOf, startFakeUpstream, type FakeUpstream } from './testing.ts';

const NS = 'dnstest';
/** The address the kube-dns endpoints advertise (an endpoint may not be loopback); the server listens on 127.0.0.1. */
const NODE_IP = '10.250.0.53';
let srv: TestApiServer;
let rest: RestClient;
let upstream: FakeUpstream;
let ac: AbortController;
let dns: ClusterDNS;
let resolver: Resolver;

const svc = (name: string, spec: V1Service['spec']): V1Service => ({ metadata: { name, namespace: NS }, spec });
const slice = (service: string, endpoints: Array<{ ip: string; ready?: boolean; hostname?: string }>, ports: Array<{ name: string; port: number; protocol: string }>): V1EndpointSlice => ({
  metadata: { name: `${service}-manual`, namespace: NS, labels: { 'kubernetes.io/service-name': service } },
  addressType: 'IPv4',
  endpoints: endpoints.map((e) => ({ addresses: [e.ip], conditions: { ready: e.ready ?? true }, ...(e.hostname ? { hostname: e.hostname } : {}) })),
  ports,
});

beforeAll(async () => {
  srv = await startTestApiServer({ databaseUrl: await createDatabaseAt(inject('pgAdminUrl')) });
  rest = new RestClient(srv.kubeconfig);
  upstream = await startFakeUpstream({
    answers: {
      'example.test': [{ name: 'example.test', type: 'A', ttl: 60, data: '192.0.2.44' }],
      'www.external.test': [{ name: 'www.external.test', type: 'A', ttl: 60, data: '192.0.2.80' }],
      'big.test': Array.from({ length: 100 }, (_, i) => ({ name: 'big.test', type: 'A' as const, ttl: 60, data: `192.0.2.${i + 1}` })),
    },
    silent: ['quiet.test'],
  });
  await rest.create(namespaces, '', { metadata: { name: NS } });
  await rest.create(services, NS, svc('web', { type: 'ClusterIP', clusterIP: '10.96.77.7', ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'metrics', port: 9100, protocol: 'TCP' }] }));
  await rest.create(services, NS, svc('db', { clusterIP: 'None', ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }] }));
  await rest.create(endpointSlices, NS, slice('db', [
    { ip: '10.240.9.10', hostname: 'db-0' }, { ip: '10.240.9.11', hostname: 'db-1' }, { ip: '10.240.9.12', ready: false, hostname: 'db-2' },
  ], [{ name: 'pg', port: 5432, protocol: 'TCP' }]));
  await rest.create(services, NS, svc('crowd', { clusterIP: 'None', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }));
  await rest.create(endpointSlices, NS, slice('crowd', Array.from({ length: 40 }, (_, i) => ({ ip: `10.240.8.${i + 1}` })), [{ name: 'http', port: 80, protocol: 'TCP' }]));
  await rest.create(services, NS, svc('ext', { type: 'ExternalName', externalName: 'www.external.test' }));

  ac = new AbortController();
  dns = startClusterDNS({
    kubeconfig: srv.kubeconfig, signal: ac.signal, log: () => {},
    serviceIP: '10.96.0.10', nodeIP: NODE_IP, host: '127.0.0.1',
    upstreams: [upstream.address], forwardTimeoutMs: 300,
  });
  await dns.ready;
  resolver = new Resolver({ timeout: 2_000, tries: 1 });
  resolver.setServers([`127.0.0.1:${dns.port}`]);
});

afterAll(async () => {
  ac?.abort();
  await dns?.done;
  await upstream?.close();
  rest?.close();
  await srv?.close();
});

const sorted = (xs: string[]) => [...xs].sort();
const code = (p: Promise<unknown>) => p.then(() => 'resolved', (e: { code?: string }) => e.code);

describe('cluster DNS server', () => {
  it('listens on one ephemeral port for UDP and TCP', async () => {
    expect(dns.port).toBeGreaterThan(0);
    const [udp, tcp] = await Promise.all([askUdp(dns.port, 'web.dnstest.svc.cluster.local', 'A'), askTcp(dns.port, 'web.dnstest.svc.cluster.local', 'A')]);
    expect(udp.answers!.map(dataOf)).toEqual(['10.96.77.7']);
    expect(tcp.answers!.map(dataOf)).toEqual(['10.96.77.7']);
  });

  it('resolves a ClusterIP service by its full name, in any case, with TTL 5', async () => {
    expect(await resolver.resolve4('web.dnstest.svc.cluster.local', { ttl: true })).toEqual([{ address: '10.96.77.7', ttl: 5 }]);
    expect(await resolver.resolve4('Web.DNStest.svc.Cluster.Local')).toEqual(['10.96.77.7']);
  });

  it('answers AAAA for an IPv4 service with NOERROR and no records', async () => {
    expect(await code(resolver.resolve6('web.dnstest.svc.cluster.local'))).toBe('ENODATA');
    const raw = await askUdp(dns.port, 'web.dnstest.svc.cluster.local', 'AAAA');
    expect([raw.rcode, raw.answers, raw.authorities!.map((a) => a.type)]).toEqual(['NOERROR', [], ['SOA']]);
  });

  it('answers SRV for named ports', async () => {
    expect(await resolver.resolveSrv('_http._tcp.web.dnstest.svc.cluster.local')).toEqual([{ name: 'web.dnstest.svc.cluster.local', port: 80, priority: 0, weight: 100 }]);
    expect((await resolver.resolveSrv('_pg._tcp.db.dnstest.svc.cluster.local')).map((s) => s.name).sort()).toEqual(['db-0.db.dnstest.svc.cluster.local', 'db-1.db.dnstest.svc.cluster.local']);
  });

  it('resolves a headless service to its ready endpoints and each hostname to its endpoint', async () => {
    expect(sorted(await resolver.resolve4('db.dnstest.svc.cluster.local'))).toEqual(['10.240.9.10', '10.240.9.11']);
    expect(await resolver.resolve4('db-1.db.dnstest.svc.cluster.local')).toEqual(['10.240.9.11']);
    expect(await code(resolver.resolve4('db-2.db.dnstest.svc.cluster.local'))).toBe('ENOTFOUND');
  });

  it('answers an ExternalName with its CNAME, and the target\'s address from upstream', async () => {
    expect(await resolver.resolveCname('ext.dnstest.svc.cluster.local')).toEqual(['www.external.test']);
    const raw = await askUdp(dns.port, 'ext.dnstest.svc.cluster.local', 'A');
    expect(raw.answers!.map((a) => [a.type, dataOf(a)])).toEqual([['CNAME', 'www.external.test'], ['A', '192.0.2.80']]);
    expect(await resolver.resolve4('ext.dnstest.svc.cluster.local')).toEqual(['192.0.2.80']);
  });

  it('answers pod names and PTR for service IPs and headless endpoints', async () => {
    expect(await resolver.resolve4('10-240-4-2.dnstest.pod.cluster.local')).toEqual(['10.240.4.2']);
    expect(await resolver.reverse('10.96.77.7')).toEqual(['web.dnstest.svc.cluster.local']);
    expect(await resolver.reverse('10.240.9.10')).toEqual(['db-0.db.dnstest.svc.cluster.local']);
  });

  it('is NXDOMAIN with the SOA in the authority section for a name that does not exist', async () => {
    const raw = await askUdp(dns.port, 'nope.dnstest.svc.cluster.local', 'A');
    expect([raw.rcode, raw.flag_aa, raw.answers]).toEqual(['NXDOMAIN', true, []]);
    expect(raw.authorities).toHaveLength(1);
    expect(raw.authorities![0]).toMatchObject({ name: 'cluster.local', type: 'SOA', ttl: 5, data: { mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', minimum: 5 } });
    expect(await code(resolver.resolve4('nope.dnstest.svc.cluster.local'))).toBe('ENOTFOUND');
  });

  it('sets TC on a UDP answer over 512 bytes and serves the whole answer over TCP', async () => {
    const udp = await askUdp(dns.port, 'crowd.dnstest.svc.cluster.local', 'A');
    expect(udp.flag_tc).toBe(true);
    expect(udp.size).toBeLessThanOrEqual(512);
    expect(udp.answers!.length).toBeLessThan(40);
    const withEdns = await askUdp(dns.port, 'crowd.dnstest.svc.cluster.local', 'A', { edns: 4096 });
    expect([withEdns.flag_tc, withEdns.answers!.length]).toEqual([false, 40]);
    const tcp = await askTcp(dns.port, 'crowd.dnstest.svc.cluster.local', 'A');
    expect([tcp.flag_tc, tcp.answers!.length]).toEqual([false, 40]);
    // node's resolver (c-ares) asks again over TCP when it sees TC.
    expect((await resolver.resolve4('crowd.dnstest.svc.cluster.local')).length).toBe(40);
  });

  it('follows Services and EndpointSlices as they change', async () => {
    await rest.create(services, NS, svc('late', { type: 'ClusterIP', clusterIP: '10.96.77.8', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }));
    await eventually(async () => (await code(resolver.resolve4('late.dnstest.svc.cluster.local'))) === 'resolved', { timeoutMs: 5_000, what: 'the new service in DNS' });
    await rest.patch(endpointSlices, NS, 'db-manual', { endpoints: [{ addresses: ['10.240.9.12'], conditions: { ready: true }, hostname: 'db-2' }] });
    await eventually(async () => JSON.stringify(sorted(await resolver.resolve4('db.dnstest.svc.cluster.local'))) === '["10.240.9.12"]', { timeoutMs: 5_000, what: 'the changed endpoints in DNS' });
    await rest.delete(services, NS, 'late');
    await eventually(async () => (await code(resolver.resolve4('late.dnstest.svc.cluster.local'))) === 'ENOTFOUND', { timeoutMs: 5_000, what: 'the deleted service gone from DNS' });
  });

  it('forwards other names upstream, over TCP too when the upstream truncates', async () => {
    expect(await resolver.resolve4('example.test')).toEqual(['192.0.2.44']);
    expect(await code(resolver.resolve4('missing.test'))).toBe('ENOTFOUND');
    expect((await resolver.resolve4('big.test')).length).toBe(100);
    expect(upstream.asked).toContain('big.test A tcp');
  });

  it('answers SERVFAIL when no upstream answers', async () => {
    const raw = await askUdp(dns.port, 'quiet.test', 'A');
    expect(raw.rcode).toBe('SERVFAIL');
  });

  it('never forwards a name in the cluster domain', async () => {
    await code(resolver.resolve4('nothing.here.cluster.local'));
    await code(resolver.resolve4('nope.dnstest.svc.cluster.local'));
    expect(upstream.asked.filter((a) => a.includes('cluster.local'))).toEqual([]);
    expect(upstream.asked.length).toBeGreaterThan(0);
  });

  it('advertises itself as the kube-dns Service before it says it is ready', async () => {
    const kubeDns = await rest.get(services, 'kube-system', 'kube-dns');
    expect(kubeDns.spec?.clusterIP).toBe('10.96.0.10');
    const slices = (await rest.list(endpointSlices, 'kube-system', { labelSelector: 'kubernetes.io/service-name=kube-dns' })).items;
    expect(slices.flatMap((s) => s.ports ?? []).map((p) => p.port)).toEqual([dns.port, dns.port]);
  });
});

describe('cluster DNS lifecycle', () => {
  it('refuses a node IP that an Endpoints object cannot hold', () => {
    const opts = { kubeconfig: srv.kubeconfig, signal: new AbortController().signal, serviceIP: '10.96.0.10' };
    expect(() => startClusterDNS({ ...opts, nodeIP: '127.0.0.1' })).toThrow(/loopback/);
    expect(() => startClusterDNS({ ...opts, nodeIP: '169.254.1.1' })).toThrow(/link-local/);
    expect(() => startClusterDNS({ ...opts, nodeIP: 'node-1' })).toThrow(/not an IP/);
  });

  it('rejects ready when it cannot listen, and still ends', async () => {
    const stop = new AbortController();
    const clash = startClusterDNS({ kubeconfig: srv.kubeconfig, signal: stop.signal, log: () => {}, serviceIP: '10.96.0.10', nodeIP: NODE_IP, host: '127.0.0.1', port: dns.port, upstreams: [] });
    await expect(clash.ready).rejects.toThrow(/cannot listen/);
    await clash.done;
    expect(await resolver.resolve4('web.dnstest.svc.cluster.local')).toEqual(['10.96.77.7']);
  });

  it('keeps the cluster zone before its caches sync: SERVFAIL, not NXDOMAIN, for names it cannot find', async () => {
    // Not yet synced is hard to catch against a fast server; an unreachable API server never syncs.
    const stop = new AbortController();
    const dead = startClusterDNS({
      kubeconfig: kubeConfigForToken({ server: 'http://127.0.0.1:1', token: 'nobody' }), signal: stop.signal, log: () => {},
      serviceIP: '10.96.0.10', nodeIP: NODE_IP, host: '127.0.0.1', upstreams: [],
    });
    try {
      await eventually(() => dead.port > 0, { timeoutMs: 2_000, what: 'the listener' });
      expect((await askUdp(dead.port, 'web.dnstest.svc.cluster.local', 'A')).rcode).toBe('SERVFAIL');
      expect((await askUdp(dead.port, 'svc.cluster.local', 'A')).rcode).toBe('NOERROR');
    } finally {
      stop.abort();
      await expect(dead.ready).rejects.toThrow(/stopped/);
      await dead.done;
    }
  });

  it('knows a namespace once it exists: NXDOMAIN before, NOERROR after', async () => {
    expect((await askUdp(dns.port, 'dnslate.svc.cluster.local', 'A')).rcode).toBe('NXDOMAIN');
    await rest.create(namespaces, '', { metadata: { name: 'dnslate' } });
    await eventually(async () => (await askUdp(dns.port, 'dnslate.svc.cluster.local', 'A')).rcode === 'NOERROR', { timeoutMs: 5_000, what: 'the namespace in DNS' });
  });
});
