// The service network as kube-apiserver's --service-cluster-ip-range and --service-node-port-range:
// parsed and checked with upstream's messages, and per API server: two servers in one process
// allocate from their own ranges, and each one's `kubernetes` Service takes its first address.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import request from 'supertest';
import { openStore, type SqlStore } from '../../../storage/index.ts';
import type { Store } from '../../../storage/store.ts';
import { createDatabaseAt } from '../../../test/postgres.ts';
import { ApiServer } from '../../apiserver.ts';
import { startApiServer } from '../../index.ts';
import {
  DEFAULT_SERVICE_NETWORK, parseServiceClusterIPRange, parseServiceNodePortRange, serviceIPAt, serviceNetworkOf, type ServiceNetwork,
} from './v1/services.ts';

describe('--service-cluster-ip-range', () => {
  it('defaults to 10.96.0.0/12 and is kept at its network address', () => {
    expect(parseServiceClusterIPRange('')).toBe('10.96.0.0/12');
    expect(parseServiceClusterIPRange('10.200.7.0/24')).toBe('10.200.7.0/24');
    expect(parseServiceClusterIPRange('10.96.3.4/12')).toBe('10.96.0.0/12');
    // Go's sloppy CIDR parser reads leading zeros.
    expect(parseServiceClusterIPRange('010.0.0.0/29')).toBe('10.0.0.0/29');
  });

  it('refuses what upstream refuses, with its messages', () => {
    expect(() => parseServiceClusterIPRange('banana')).toThrow('service-cluster-ip-range[0] is not a valid cidr');
    expect(() => parseServiceClusterIPRange('10.0.0.1')).toThrow('service-cluster-ip-range[0] is not a valid cidr');
    expect(() => parseServiceClusterIPRange('10.0.0.0/33')).toThrow('service-cluster-ip-range[0] is not a valid cidr');
    expect(() => parseServiceClusterIPRange('10.0.0.0/30')).toThrow(
      'error determining service IP ranges for primary service cidr: the service cluster IP range must be at least 8 IP addresses');
    expect(() => parseServiceClusterIPRange('10.0.0.0/11')).toThrow('specified --service-cluster-ip-range is too large; for 32-bit addresses, the mask must be >= 12');
    expect(() => parseServiceClusterIPRange('10.0.0.0/24,fd00::/108,10.1.0.0/24')).toThrow('--service-cluster-ip-range must not contain more than two entries');
    expect(() => parseServiceClusterIPRange('fd00::/108')).toThrow(/only a single IPv4 range is served/);
  });

  it('gives the Nth address of a range as upstream\'s GetIndexedIP', () => {
    expect(serviceIPAt('10.96.0.0/12', 1)).toBe('10.96.0.1');
    expect(serviceIPAt('10.96.0.0/12', 10)).toBe('10.96.0.10');
    expect(serviceIPAt('10.200.3.0/24', 44)).toBe('10.200.3.44');
    expect(() => serviceIPAt('10.0.0.0/29', 10)).toThrow('can\'t generate IP with index 10 from subnet. subnet too small. subnet: "10.0.0.0/29"');
  });
});

describe('--service-node-port-range', () => {
  it('reads "a-b", "a+n" and a single port as upstream\'s PortRange', () => {
    expect(parseServiceNodePortRange('')).toEqual({ first: 30000, last: 32767 });
    expect(parseServiceNodePortRange('30000-30100')).toEqual({ first: 30000, last: 30100 });
    expect(parseServiceNodePortRange(' 31000+9 ')).toEqual({ first: 31000, last: 31009 });
    expect(parseServiceNodePortRange('30500')).toEqual({ first: 30500, last: 30500 });
  });

  it('refuses what upstream refuses, with its messages', () => {
    expect(() => parseServiceNodePortRange('abc')).toThrow('strconv.Atoi: parsing "abc": invalid syntax');
    expect(() => parseServiceNodePortRange('30000-')).toThrow('strconv.Atoi: parsing "": invalid syntax');
    expect(() => parseServiceNodePortRange('1-2+3')).toThrow('unable to parse port range: 1-2+3');
    expect(() => parseServiceNodePortRange('30000-70000')).toThrow('the port range cannot be greater than 65535: 30000-70000');
    expect(() => parseServiceNodePortRange('32000-31000')).toThrow('end port cannot be less than start port: 32000-31000');
  });

  it('and both make a network, defaults unchanged', () => {
    expect(serviceNetworkOf({})).toEqual(DEFAULT_SERVICE_NETWORK);
    expect(serviceNetworkOf({ serviceClusterIPRange: '10.202.0.0/24', serviceNodePortRange: '31000-31010' }))
      .toEqual({ clusterIPRange: '10.202.0.0/24', nodePortRange: { first: 31000, last: 31010 } });
  });
});

interface Server { api: ApiServer; store: SqlStore; r: () => request.Agent }

async function serverWith(network: ServiceNetwork): Promise<Server> {
  const store = await openStore({ databaseUrl: await createDatabaseAt(inject('pgAdminUrl')) });
  const api = new ApiServer({ store, serviceNetwork: network, tokens: [{ token: 't', user: { name: 'admin', groups: ['system:masters'] } }], log: () => {} });
  await api.bootstrap();
  return { api, store, r: () => request.agent(api.app).set('Authorization', 'Bearer t') };
}

const svc = (name: string, spec: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: name }, ports: [{ port: 80 }], ...spec } });
const SERVICES = '/api/v1/namespaces/default/services';

describe('two API servers in one process with their own service networks', () => {
  let a: Server;
  let b: Server;
  beforeAll(async () => {
    [a, b] = await Promise.all([
      serverWith({ clusterIPRange: '10.203.1.0/24', nodePortRange: { first: 31100, last: 31119 } }),
      serverWith({ clusterIPRange: '10.203.2.0/28', nodePortRange: { first: 31200, last: 31209 } }),
    ]);
  });
  afterAll(async () => {
    for (const s of [a, b]) {
      s?.api.close();
      await s?.store.close();
    }
  });

  // First, as at an API server's start: b's /28 has no low band kept from random allocation, so a
  // Service made before it could draw .1 (1 run in 14).
  it('give the kubernetes Service the first address of their range', async () => {
    await a.api.reconcileKubernetesService('192.0.2.10', 6443);
    await b.api.reconcileKubernetesService('192.0.2.11', 6443);
    expect((await a.r().get(`${SERVICES}/kubernetes`).expect(200)).body.spec.clusterIPs).toEqual(['10.203.1.1']);
    expect((await b.r().get(`${SERVICES}/kubernetes`).expect(200)).body.spec.clusterIPs).toEqual(['10.203.2.1']);
  });

  it('allocate cluster IPs and node ports from their own ranges', async () => {
    const one = await a.r().post(SERVICES).send(svc('web', { type: 'NodePort' })).expect(201);
    const two = await b.r().post(SERVICES).send(svc('web', { type: 'NodePort' })).expect(201);
    expect(one.body.spec.clusterIP).toMatch(/^10\.203\.1\.\d+$/);
    expect(two.body.spec.clusterIP).toMatch(/^10\.203\.2\.([1-9]|1[0-4])$/);
    expect(one.body.spec.ports[0].nodePort).toBeGreaterThanOrEqual(31100);
    expect(one.body.spec.ports[0].nodePort).toBeLessThanOrEqual(31119);
    expect(two.body.spec.ports[0].nodePort).toBeGreaterThanOrEqual(31200);
    expect(two.body.spec.ports[0].nodePort).toBeLessThanOrEqual(31209);
  });

  it('refuse a cluster IP or node port outside their range with upstream\'s messages', async () => {
    const ip = await a.r().post(SERVICES).send(svc('outside', { clusterIP: '10.203.2.5' })).expect(422);
    expect(ip.body.message).toBe('Service "outside" is invalid: spec.clusterIPs: Invalid value: ["10.203.2.5"]: failed to allocate IP 10.203.2.5: '
      + 'the provided IP (10.203.2.5) is not in the valid range. The range of valid IPs is 10.203.1.0/24');
    // Inside b's range it is fine, unless b's 'web' (above) drew that very address at random.
    const taken = (await b.r().get(`${SERVICES}/web`).expect(200)).body.spec.clusterIP;
    await b.r().post(SERVICES).send(svc('inside', { clusterIP: taken === '10.203.2.5' ? '10.203.2.6' : '10.203.2.5' })).expect(201);
    const port = await b.r().post(SERVICES).send(svc('np', { type: 'NodePort', ports: [{ port: 80, nodePort: 31100 }] })).expect(422);
    expect(port.body.message).toBe('Service "np" is invalid: spec.ports[0].nodePort: Invalid value: 31100: '
      + 'provided port is not in the valid range. The range of valid ports is 31200-31209');
    await a.r().post(SERVICES).send(svc('np', { type: 'NodePort', ports: [{ port: 80, nodePort: 31100 }] })).expect(201);
  });
});

describe('startApiServer', () => {
  it('refuses to start on an invalid range, with upstream\'s message, before it touches the store', async () => {
    const store = new Proxy({}, { get: () => { throw new Error('the store was used'); } }) as Store;
    await expect(startApiServer({ store, port: 0, log: () => {}, serviceClusterIPRange: '10.0.0.0/8' }))
      .rejects.toThrow('specified --service-cluster-ip-range is too large; for 32-bit addresses, the mask must be >= 12');
    await expect(startApiServer({ store, port: 0, log: () => {}, serviceNodePortRange: '3-1' }))
      .rejects.toThrow('end port cannot be less than start port: 3-1');
  });
});
