import { describe, expect, it } from 'vitest';
import { buildEndpointsMap, buildServicePorts, categorizeEndpoints, servicePortsOf, type EndpointInfo, type ServicePortInfo } from './servicemap.ts';
import { makeService, makeSlice } from './testing.ts';

const LOCAL = new Set(['node-a']);

describe('service map: service ports', () => {
  it('makes one entry per port of a service with a cluster IP, keyed by port name and protocol', () => {
    const svc = makeService({
      namespace: 'ns1', name: 'web', clusterIP: '10.96.0.20', type: 'NodePort',
      ports: [{ name: 'http', port: 80, nodePort: 30080 }, { name: 'dns', port: 53, protocol: 'UDP' }],
      externalIPs: ['192.0.2.50', 'fd00::1'], sessionAffinitySeconds: 600, externalTrafficPolicy: 'Local',
    });
    const [http, dns] = servicePortsOf(svc);
    expect(http).toEqual({
      key: 'ns1/web:http/TCP', namespace: 'ns1', name: 'web', portName: 'http', nameString: 'ns1/web:http', protocol: 'TCP',
      clusterIP: '10.96.0.20', port: 80, nodePort: 30080, externalIPs: ['192.0.2.50'], loadBalancerIPs: [],
      sessionAffinity: true, stickyMaxAgeSeconds: 600, externalPolicyLocal: true, internalPolicyLocal: false,
    });
    expect(dns).toMatchObject({ key: 'ns1/web:dns/UDP', protocol: 'UDP', port: 53, nodePort: 0, nameString: 'ns1/web:dns' });
  });

  it('names an unnamed port by the service alone, as upstream ServicePortName.String does', () => {
    const [sp] = servicePortsOf(makeService({ name: 'one', clusterIP: '10.96.0.21', ports: [{ port: 8080 }] }));
    expect(sp).toMatchObject({ key: 'default/one:/TCP', nameString: 'default/one', portName: '' });
  });

  it('skips headless, ExternalName and other proxies\' services', () => {
    expect(servicePortsOf(makeService({ name: 'headless', clusterIP: 'None', ports: [{ port: 80 }] }))).toEqual([]);
    expect(servicePortsOf({ metadata: { name: 'ext', namespace: 'default' }, spec: { type: 'ExternalName', externalName: 'example.com', ports: [{ port: 80 }] } })).toEqual([]);
    expect(servicePortsOf(makeService({ name: 'other', clusterIP: '10.96.0.22', ports: [{ port: 80 }], labels: { 'service.kubernetes.io/service-proxy-name': 'x' } }))).toEqual([]);
  });

  it('honours externalTrafficPolicy only where the service is externally reachable, and internalTrafficPolicy always', () => {
    const plain = makeService({ name: 'c', clusterIP: '10.96.0.23', ports: [{ port: 80 }], internalTrafficPolicy: 'Local' });
    plain.spec!.externalTrafficPolicy = 'Local';
    expect(servicePortsOf(plain)[0]).toMatchObject({ externalPolicyLocal: false, internalPolicyLocal: true });
    const lb = makeService({ name: 'lb', type: 'LoadBalancer', clusterIP: '10.96.0.24', ports: [{ port: 80, nodePort: 30001 }], loadBalancerIPs: ['198.51.100.7'], externalTrafficPolicy: 'Local' });
    expect(servicePortsOf(lb)[0]).toMatchObject({ externalPolicyLocal: true, loadBalancerIPs: ['198.51.100.7'] });
  });

  it('defaults the affinity timeout to 10800 s and sorts service ports by key', () => {
    const svc = makeService({ name: 'b', clusterIP: '10.96.0.25', ports: [{ port: 80 }], sessionAffinitySeconds: 1 });
    delete svc.spec!.sessionAffinityConfig;
    const ports = buildServicePorts([svc, makeService({ name: 'a', clusterIP: '10.96.0.26', ports: [{ port: 80 }] })]);
    expect(ports.map((p) => p.key)).toEqual(['default/a:/TCP', 'default/b:/TCP']);
    expect(ports[1]!.stickyMaxAgeSeconds).toBe(10_800);
  });
});

describe('service map: endpoints', () => {
  it('files endpoints under the service port of the same name and protocol, with the slice\'s port number (named target ports)', () => {
    const map = buildEndpointsMap([
      makeSlice({ service: 'web', ports: [{ name: 'http', port: 8080 }, { name: 'dns', port: 5353, protocol: 'UDP' }], endpoints: [
        { ip: '10.240.1.5', node: 'node-a', zone: 'z1' },
        { ip: '10.240.2.5', node: 'node-b', ready: false, serving: true, terminating: true },
      ] }),
    ], LOCAL);
    expect([...map.keys()].sort()).toEqual(['default/web:dns/UDP', 'default/web:http/TCP']);
    expect(map.get('default/web:http/TCP')).toEqual([
      { ip: '10.240.1.5', port: 8080, ready: true, serving: true, terminating: false, nodeName: 'node-a', zone: 'z1', isLocal: true },
      { ip: '10.240.2.5', port: 8080, ready: false, serving: true, terminating: true, nodeName: 'node-b', isLocal: false },
    ]);
    expect(map.get('default/web:dns/UDP')![0]).toMatchObject({ ip: '10.240.1.5', port: 5353 });
  });

  it('treats absent conditions as upstream does: ready unless false, serving like ready, not terminating', () => {
    const slice = makeSlice({ service: 's', ports: [{ port: 80 }], endpoints: [{ ip: '10.240.1.9' }] });
    slice.endpoints[0]!.conditions = {};
    expect(buildEndpointsMap([slice], LOCAL).get('default/s:/TCP')).toEqual([{ ip: '10.240.1.9', port: 80, ready: true, serving: true, terminating: false, isLocal: false }]);
  });

  it('merges a service\'s slices, drops duplicates, IPv6 and FQDN slices and unlabelled ones, and sorts by ip:port', () => {
    const map = buildEndpointsMap([
      makeSlice({ service: 's', name: 's-2', ports: [{ port: 80 }], endpoints: [{ ip: '10.240.3.1' }, { ip: '10.240.1.1' }] }),
      makeSlice({ service: 's', name: 's-1', ports: [{ port: 80 }], endpoints: [{ ip: '10.240.1.1', node: 'node-a' }, { ip: '10.240.10.1' }] }),
      makeSlice({ service: 's', name: 's-6', addressType: 'IPv6', ports: [{ port: 80 }], endpoints: [{ ip: 'fd00::5' }] }),
      { ...makeSlice({ service: 's', name: 's-x', ports: [{ port: 80 }], endpoints: [{ ip: '10.240.9.9' }] }), metadata: { name: 's-x', namespace: 'default' } },
    ], LOCAL);
    const eps = map.get('default/s:/TCP')!;
    expect(eps.map((e) => `${e.ip}:${e.port}`)).toEqual(['10.240.1.1:80', '10.240.10.1:80', '10.240.3.1:80']);
    expect(eps[0]!.isLocal).toBe(true);
  });
});

const sp = (over: Partial<ServicePortInfo> = {}): ServicePortInfo => ({
  key: 'default/s:/TCP', namespace: 'default', name: 's', portName: '', nameString: 'default/s', protocol: 'TCP',
  clusterIP: '10.96.0.30', port: 80, nodePort: 0, externalIPs: [], loadBalancerIPs: [],
  sessionAffinity: false, stickyMaxAgeSeconds: 0, externalPolicyLocal: false, internalPolicyLocal: false, ...over,
});
const ep = (ip: string, o: Partial<EndpointInfo> = {}): EndpointInfo => ({ ip, port: 80, ready: true, serving: true, terminating: false, isLocal: false, ...o });
const ips = (eps: EndpointInfo[]) => eps.map((e) => e.ip);

describe('service map: categorizing endpoints (upstream CategorizeEndpoints)', () => {
  it('Cluster policy: the ready endpoints; none ready falls back to serving terminating ones', () => {
    const eps = [ep('10.0.0.1'), ep('10.0.0.2', { ready: false, serving: false }), ep('10.0.0.3', { ready: false, serving: true, terminating: true })];
    expect(categorizeEndpoints(eps, sp())).toMatchObject({ hasAny: true, local: [] });
    expect(ips(categorizeEndpoints(eps, sp()).cluster)).toEqual(['10.0.0.1']);
    const noneReady = eps.slice(1);
    expect(ips(categorizeEndpoints(noneReady, sp()).cluster)).toEqual(['10.0.0.3']);
    expect(categorizeEndpoints([ep('10.0.0.2', { ready: false, serving: false })], sp()).hasAny).toBe(false);
  });

  it('internalTrafficPolicy Local on a ClusterIP service uses only local endpoints, but knows of remote ones', () => {
    const eps = [ep('10.0.0.1', { isLocal: true }), ep('10.0.0.2')];
    const c = categorizeEndpoints(eps, sp({ internalPolicyLocal: true }));
    expect(ips(c.cluster)).toEqual([]);
    expect(ips(c.local)).toEqual(['10.0.0.1']);
    expect(ips(c.reachable)).toEqual(['10.0.0.1']);
    const remoteOnly = categorizeEndpoints([ep('10.0.0.2')], sp({ internalPolicyLocal: true }));
    expect(remoteOnly).toMatchObject({ hasAny: true, local: [] });
  });

  it('externalTrafficPolicy Local keeps Cluster endpoints for short-circuited traffic and adds local terminating ones to the reachable set', () => {
    const nodePort = sp({ nodePort: 30000, externalPolicyLocal: true });
    const eps = [ep('10.0.0.1', { ready: false, serving: true, terminating: true, isLocal: true }), ep('10.0.0.2')];
    const c = categorizeEndpoints(eps, nodePort);
    expect(ips(c.cluster)).toEqual(['10.0.0.2']);
    expect(ips(c.local)).toEqual(['10.0.0.1']);
    expect(ips(c.reachable)).toEqual(['10.0.0.2', '10.0.0.1']);
  });
});
