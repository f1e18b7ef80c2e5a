import { describe, expect, it } from 'vitest';
import type { V1EndpointSlice, V1Service } from '@kubernetes/client-node';
import { buildRecords, ipFromReverseName, lookup, RCODE, type Authoritative, type ClusterState, type LookupResult } from './records.ts';

// Fixtures: plain objects as the informers hold them.
function clusterIPService(ns: string, name: string, ip: string, ports: Array<{ name?: string; port: number; protocol?: string }>): V1Service {
  return { metadata: { namespace: ns, name }, spec: { type: 'ClusterIP', clusterIP: ip, clusterIPs: [ip], ports } };
}
function headlessService(ns: string, name: string, ports: Array<{ name?: string; port: number; protocol?: string }> = [], o: { publishNotReadyAddresses?: boolean } = {}): V1Service {
  return { metadata: { namespace: ns, name }, spec: { type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'], ports, ...o } };
}
function externalNameService(ns: string, name: string, externalName: string): V1Service {
  return { metadata: { namespace: ns, name }, spec: { type: 'ExternalName', externalName } };
}
function slice(ns: string, service: string, endpoints: Array<{ ip: string; ready?: boolean; hostname?: string }>, ports: Array<{ name?: string; port: number; protocol?: string }> = []): V1EndpointSlice {
  return {
    metadata: { namespace: ns, name: `${service}-abcde`, labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    endpoints: endpoints.map((e) => ({ addresses: [e.ip], ...(e.ready === undefined ? {} : { conditions: { ready: e.ready } }), ...(e.hostname ? { hostname: e.hostname } : {}) })),
    ports,
  };
}

const state: ClusterState = {
  namespaces: ['default', 'ns1', 'kube-system'],
  services: [
    clusterIPService('default', 'kubernetes', '10.96.0.1', [{ name: 'https', port: 443, protocol: 'TCP' }]),
    clusterIPService('ns1', 'web', '10.96.5.5', [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'dns', port: 53, protocol: 'UDP' }, { port: 8080 }]),
    headlessService('ns1', 'db', [{ name: 'pg', port: 5432, protocol: 'TCP' }]),
    headlessService('ns1', 'empty', [{ name: 'pg', port: 5432 }]),
    headlessService('ns1', 'eager', [{ name: 'http', port: 80 }], { publishNotReadyAddresses: true }),
    headlessService('ns1', 'portless'),
    externalNameService('ns1', 'ext', 'www.example.com'),
    externalNameService('ns1', 'alias', 'web.ns1.svc.cluster.local'),
    externalNameService('ns1', 'byip', '192.0.2.9'),
  ],
  endpointSlices: [
    slice('ns1', 'web', [{ ip: '10.240.1.5', ready: true }], [{ name: 'http', port: 8080, protocol: 'TCP' }]),
    slice('ns1', 'db', [
      { ip: '10.240.1.10', ready: true, hostname: 'db-0' },
      { ip: '10.240.1.11', hostname: 'db-1' },
      { ip: '10.240.1.12', ready: false, hostname: 'db-2' },
      { ip: '10.240.1.13', ready: true },
    ], [{ name: 'pg', port: 5432, protocol: 'TCP' }]),
    slice('ns1', 'empty', [{ ip: '10.240.1.20', ready: false }], [{ name: 'pg', port: 5432, protocol: 'TCP' }]),
    slice('ns1', 'eager', [{ ip: '10.240.1.30', ready: false }], [{ name: 'http', port: 80, protocol: 'TCP' }]),
    slice('ns1', 'portless', [{ ip: '10.240.1.40', ready: true }]),
  ],
};

const records = buildRecords(state, { clusterDomain: 'cluster.local', ttlSeconds: 5, serial: 1_700_000_000, nameserverIP: '10.96.0.10' });
const ask = (name: string, type: string): Authoritative => {
  const res: LookupResult = lookup(records, { name, type });
  if (res.forward) throw new Error(`${name} ${type} was forwarded`);
  return res;
};
const data = (res: Authoritative, type = 'A') => res.answers.filter((a) => a.type === type).map((a) => (a as { data: unknown }).data);
const sorted = (xs: unknown[]) => [...xs].sort();

const SOA = {
  name: 'cluster.local', type: 'SOA', ttl: 5,
  data: { mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', serial: 1_700_000_000, refresh: 7200, retry: 1800, expire: 86400, minimum: 5 },
};

describe('records for a ClusterIP service', () => {
  it('answers <svc>.<ns>.svc.<zone> A with the cluster IP and the TTL', () => {
    const res = ask('web.ns1.svc.cluster.local', 'A');
    expect(res.rcode).toBe(RCODE.NOERROR);
    expect(res.answers).toEqual([{ name: 'web.ns1.svc.cluster.local', type: 'A', ttl: 5, data: '10.96.5.5' }]);
    expect(res.authorities).toEqual([]);
  });

  it('compares names case-insensitively and answers in the case of the question', () => {
    const res = ask('WEB.Ns1.SVC.Cluster.Local.', 'A');
    expect(res.answers).toEqual([{ name: 'WEB.Ns1.SVC.Cluster.Local', type: 'A', ttl: 5, data: '10.96.5.5' }]);
  });

  it('answers AAAA for an IPv4-only service with NOERROR, no records and the SOA', () => {
    const res = ask('web.ns1.svc.cluster.local', 'AAAA');
    expect(res.rcode).toBe(RCODE.NOERROR);
    expect(res.answers).toEqual([]);
    expect(res.authorities).toEqual([SOA]);
  });

  it('answers SRV for a named port with the service name as target and its address as additional', () => {
    const res = ask('_http._tcp.web.ns1.svc.cluster.local', 'SRV');
    expect(res.answers).toEqual([{ name: '_http._tcp.web.ns1.svc.cluster.local', type: 'SRV', ttl: 5, data: { priority: 0, weight: 100, port: 80, target: 'web.ns1.svc.cluster.local' } }]);
    expect(res.additionals).toEqual([{ name: 'web.ns1.svc.cluster.local', type: 'A', ttl: 5, data: '10.96.5.5' }]);
    expect(data(ask('_dns._udp.web.ns1.svc.cluster.local', 'SRV'), 'SRV')).toEqual([{ priority: 0, weight: 100, port: 53, target: 'web.ns1.svc.cluster.local' }]);
  });

  it('is NXDOMAIN for a port name or protocol the service does not have', () => {
    expect(ask('_http._udp.web.ns1.svc.cluster.local', 'SRV').rcode).toBe(RCODE.NXDOMAIN);
    expect(ask('_nope._tcp.web.ns1.svc.cluster.local', 'SRV').rcode).toBe(RCODE.NXDOMAIN);
  });

  it('answers SRV at the service name with every port, the weights splitting 100', () => {
    const res = ask('web.ns1.svc.cluster.local', 'SRV');
    expect(sorted(data(res, 'SRV').map((d) => JSON.stringify(d)))).toEqual(sorted([
      { priority: 0, weight: 33, port: 80, target: 'web.ns1.svc.cluster.local' },
      { priority: 0, weight: 33, port: 53, target: 'web.ns1.svc.cluster.local' },
      { priority: 0, weight: 33, port: 8080, target: 'web.ns1.svc.cluster.local' },
    ].map((d) => JSON.stringify(d))));
  });

  it('answers <endpoint>.<svc> with the endpoint (dashed IP as its name)', () => {
    expect(data(ask('10-240-1-5.web.ns1.svc.cluster.local', 'A'))).toEqual(['10.240.1.5']);
    expect(ask('10-240-1-6.web.ns1.svc.cluster.local', 'A').rcode).toBe(RCODE.NXDOMAIN);
  });
});

describe('records for a headless service', () => {
  it('answers one A per ready endpoint (unset readiness counts as ready)', () => {
    expect(sorted(data(ask('db.ns1.svc.cluster.local', 'A')))).toEqual(['10.240.1.10', '10.240.1.11', '10.240.1.13']);
  });

  it('publishes not-ready endpoints when the service says publishNotReadyAddresses', () => {
    expect(data(ask('eager.ns1.svc.cluster.local', 'A'))).toEqual(['10.240.1.30']);
  });

  it('is NXDOMAIN when no endpoint is ready, as the spec says', () => {
    expect(ask('empty.ns1.svc.cluster.local', 'A').rcode).toBe(RCODE.NXDOMAIN);
  });

  it('answers <hostname>.<svc>.<ns>.svc.<zone> for endpoints with a hostname (StatefulSet pods)', () => {
    expect(data(ask('db-0.db.ns1.svc.cluster.local', 'A'))).toEqual(['10.240.1.10']);
    expect(data(ask('db-1.db.ns1.svc.cluster.local', 'A'))).toEqual(['10.240.1.11']);
    expect(data(ask('10-240-1-13.db.ns1.svc.cluster.local', 'A'))).toEqual(['10.240.1.13']);
    expect(ask('db-2.db.ns1.svc.cluster.local', 'A').rcode).toBe(RCODE.NXDOMAIN);
  });

  it('answers SRV with one record per ready endpoint, each targeting its own name', () => {
    const res = ask('_pg._tcp.db.ns1.svc.cluster.local', 'SRV');
    expect(sorted(data(res, 'SRV').map((d) => (d as { target: string }).target))).toEqual([
      '10-240-1-13.db.ns1.svc.cluster.local', 'db-0.db.ns1.svc.cluster.local', 'db-1.db.ns1.svc.cluster.local',
    ]);
    expect(data(res, 'SRV').every((d) => (d as { port: number; weight: number }).port === 5432 && (d as { weight: number }).weight === 33)).toBe(true);
    expect(res.additionals).toContainEqual({ name: 'db-0.db.ns1.svc.cluster.local', type: 'A', ttl: 5, data: '10.240.1.10' });
    expect(res.additionals).toHaveLength(3);
  });

  it('answers A for endpoints of a slice without ports, and SRV there with no records', () => {
    expect(data(ask('portless.ns1.svc.cluster.local', 'A'))).toEqual(['10.240.1.40']);
    const srv = ask('portless.ns1.svc.cluster.local', 'SRV');
    expect([srv.rcode, srv.answers]).toEqual([RCODE.NOERROR, []]);
  });
});

describe('records for an ExternalName service', () => {
  it('answers A with a CNAME to the external name, asking the server to resolve it upstream', () => {
    const res = ask('ext.ns1.svc.cluster.local', 'A');
    expect(res.answers).toEqual([{ name: 'ext.ns1.svc.cluster.local', type: 'CNAME', ttl: 5, data: 'www.example.com' }]);
    expect(res.chase).toEqual({ name: 'www.example.com', type: 'A' });
  });

  it('answers a CNAME question with the CNAME', () => {
    expect(ask('ext.ns1.svc.cluster.local', 'CNAME').answers).toEqual([{ name: 'ext.ns1.svc.cluster.local', type: 'CNAME', ttl: 5, data: 'www.example.com' }]);
  });

  it('follows a CNAME to a name inside the cluster itself', () => {
    const res = ask('alias.ns1.svc.cluster.local', 'A');
    expect(res.answers).toEqual([
      { name: 'alias.ns1.svc.cluster.local', type: 'CNAME', ttl: 5, data: 'web.ns1.svc.cluster.local' },
      { name: 'web.ns1.svc.cluster.local', type: 'A', ttl: 5, data: '10.96.5.5' },
    ]);
    expect(res.chase).toBeUndefined();
  });

  it('has no SRV records and no ports, and serves no external name that is an IP', () => {
    expect([ask('ext.ns1.svc.cluster.local', 'SRV').rcode, ask('ext.ns1.svc.cluster.local', 'SRV').answers]).toEqual([RCODE.NOERROR, []]);
    expect(ask('_http._tcp.ext.ns1.svc.cluster.local', 'SRV').rcode).toBe(RCODE.NXDOMAIN);
    expect(ask('byip.ns1.svc.cluster.local', 'A').rcode).toBe(RCODE.NXDOMAIN);
  });
});

describe('pod records (pods insecure)', () => {
  it('answers <a-b-c-d>.<ns>.pod.<zone> with that address for any well-formed name', () => {
    expect(ask('10-240-3-7.ns1.pod.cluster.local', 'A').answers).toEqual([{ name: '10-240-3-7.ns1.pod.cluster.local', type: 'A', ttl: 5, data: '10.240.3.7' }]);
  });

  it('is NXDOMAIN for a malformed address or a namespace that does not exist, NODATA for AAAA', () => {
    expect(ask('10-240-3.ns1.pod.cluster.local', 'A').rcode).toBe(RCODE.NXDOMAIN);
    expect(ask('10-240-3-999.ns1.pod.cluster.local', 'A').rcode).toBe(RCODE.NXDOMAIN);
    expect(ask('10-240-3-7.nowhere.pod.cluster.local', 'A').rcode).toBe(RCODE.NXDOMAIN);
    const aaaa = ask('10-240-3-7.ns1.pod.cluster.local', 'AAAA');
    expect([aaaa.rcode, aaaa.answers, aaaa.authorities]).toEqual([RCODE.NOERROR, [], [SOA]]);
  });
});

describe('reverse records', () => {
  it('answers PTR for a service IP with the service name', () => {
    expect(ask('5.5.96.10.in-addr.arpa', 'PTR').answers).toEqual([{ name: '5.5.96.10.in-addr.arpa', type: 'PTR', ttl: 5, data: 'web.ns1.svc.cluster.local' }]);
    expect(data(ask('1.0.96.10.in-addr.arpa.', 'PTR'), 'PTR')).toEqual(['kubernetes.default.svc.cluster.local']);
  });

  it('answers PTR for a headless endpoint with its hostname under the service', () => {
    expect(data(ask('10.1.240.10.in-addr.arpa', 'PTR'), 'PTR')).toEqual(['db-0.db.ns1.svc.cluster.local']);
    expect(data(ask('13.1.240.10.in-addr.arpa', 'PTR'), 'PTR')).toEqual(['10-240-1-13.db.ns1.svc.cluster.local']);
  });

  it('forwards reverse names it does not know, and other types in the reverse zones', () => {
    expect(lookup(records, { name: '8.8.8.8.in-addr.arpa', type: 'PTR' })).toEqual({ forward: true });
    expect(lookup(records, { name: '12.1.240.10.in-addr.arpa', type: 'PTR' })).toEqual({ forward: true });
    expect(lookup(records, { name: '5.5.96.10.in-addr.arpa', type: 'A' })).toEqual({ forward: true });
  });

  it('reads IPv4 and IPv6 reverse names', () => {
    expect(ipFromReverseName('4.3.2.1.in-addr.arpa.')).toBe('1.2.3.4');
    expect(ipFromReverseName('256.3.2.1.in-addr.arpa')).toBeUndefined();
    expect(ipFromReverseName(`${'1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f'}.ip6.arpa`)).toBe('fd00:0000:0000:0000:0000:0000:0000:0001');
  });

  it('answers PTR for an IPv6 service IP', () => {
    const v6 = buildRecords({ namespaces: ['ns1'], endpointSlices: [], services: [clusterIPService('ns1', 'six', 'fd00::a', [{ port: 80 }])] }, { clusterDomain: 'cluster.local', ttlSeconds: 5, serial: 1 });
    const res = lookup(v6, { name: `${'a.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f'}.ip6.arpa`, type: 'PTR' }) as Authoritative;
    expect(data(res, 'PTR')).toEqual(['six.ns1.svc.cluster.local']);
    expect(data(lookup(v6, { name: 'six.ns1.svc.cluster.local', type: 'AAAA' }) as Authoritative, 'AAAA')).toEqual(['fd00::a']);
  });
});

describe('negative answers and the rest of the zone', () => {
  it('is NXDOMAIN with the SOA for a service, namespace or shape that does not exist', () => {
    for (const name of ['nope.ns1.svc.cluster.local', 'web.nowhere.svc.cluster.local', 'nowhere.svc.cluster.local', 'foo.cluster.local', 'a.b.c.web.ns1.svc.cluster.local']) {
      const res = ask(name, 'A');
      expect([name, res.rcode, res.answers, res.authorities]).toEqual([name, RCODE.NXDOMAIN, [], [SOA]]);
    }
  });

  it('keeps the question\'s case in the SOA owner name', () => {
    expect(ask('nope.ns1.svc.CLUSTER.local', 'A').authorities[0]!.name).toBe('CLUSTER.local');
  });

  it('is NOERROR with no records for names that exist with nothing of the asked type', () => {
    for (const [name, type] of [['cluster.local', 'A'], ['svc.cluster.local', 'A'], ['ns1.svc.cluster.local', 'A'], ['ns1.pod.cluster.local', 'A'], ['web.ns1.svc.cluster.local', 'MX'], ['web.ns1.svc.cluster.local', 'TXT'], ['web.ns1.svc.cluster.local', 'UNKNOWN_65']]) {
      const res = ask(name!, type!);
      expect([name, type, res.rcode, res.answers, res.authorities]).toEqual([name, type, RCODE.NOERROR, [], [SOA]]);
    }
    expect(ask('nope.ns1.svc.cluster.local', 'MX').rcode).toBe(RCODE.NXDOMAIN);
  });

  it('serves the zone\'s SOA, its NS with glue, ns.dns and the schema version', () => {
    expect(ask('cluster.local', 'SOA').answers).toEqual([SOA]);
    const ns = ask('cluster.local', 'NS');
    expect(ns.answers).toEqual([{ name: 'cluster.local', type: 'NS', ttl: 5, data: 'ns.dns.cluster.local' }]);
    expect(ns.additionals).toEqual([{ name: 'ns.dns.cluster.local', type: 'A', ttl: 5, data: '10.96.0.10' }]);
    expect(data(ask('ns.dns.cluster.local', 'A'))).toEqual(['10.96.0.10']);
    expect(ask('dns-version.cluster.local', 'TXT').answers).toEqual([{ name: 'dns-version.cluster.local', type: 'TXT', ttl: 28800, data: '1.1.0' }]);
  });

  it('refuses zone transfers', () => {
    expect(ask('cluster.local', 'AXFR').rcode).toBe(RCODE.REFUSED);
  });

  it('forwards every name outside the cluster domain, and none inside it', () => {
    expect(lookup(records, { name: 'example.com', type: 'A' })).toEqual({ forward: true });
    expect(lookup(records, { name: 'local', type: 'A' })).toEqual({ forward: true });
    expect(lookup(records, { name: 'xcluster.local', type: 'A' })).toEqual({ forward: true });
    expect(lookup(records, { name: 'anything.at.all.cluster.local', type: 'A' }).forward).toBeFalsy();
  });

  it('serves another cluster domain', () => {
    const other = buildRecords(state, { clusterDomain: 'Corp.Example.', ttlSeconds: 30, serial: 7 });
    expect((lookup(other, { name: 'web.ns1.svc.corp.example', type: 'A' }) as Authoritative).answers).toEqual([{ name: 'web.ns1.svc.corp.example', type: 'A', ttl: 30, data: '10.96.5.5' }]);
    expect(lookup(other, { name: 'web.ns1.svc.cluster.local', type: 'A' })).toEqual({ forward: true });
  });
});
