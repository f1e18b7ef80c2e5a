import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RestClient } from '../../client/index.ts';
import { endpoints, endpointSlices, services } from '../../client/resources.ts';
import { startTestApiServer, type TestApiServer } from '../../test/apiserver.ts';
import { advertiseAddressFor } from '../index.ts';

let srv: TestApiServer;
let rest: RestClient;

beforeAll(async () => {
  srv = await startTestApiServer();
  rest = new RestClient(srv.kubeconfig);
});

afterAll(async () => {
  rest?.close();
  await srv?.close();
});

describe('the kubernetes Service', () => {
  it('exists from the start at the first service IP, port 443 targeting the API server, with Endpoints and an EndpointSlice naming this server', async () => {
    const port = Number(new URL(srv.url).port);
    const svc = await rest.get(services, 'default', 'kubernetes');
    expect(svc.spec?.clusterIP).toBe('10.96.0.1');
    expect(svc.spec?.ports).toEqual([{ name: 'https', port: 443, protocol: 'TCP', targetPort: port }]);
    expect(svc.metadata?.labels).toEqual({ component: 'apiserver', provider: 'kubernetes' });
    const ip = advertiseAddressFor('127.0.0.1');
    if (!ip) throw new Error('this machine has no non-loopback IPv4 address for the kubernetes Endpoints');
    const ep = await rest.get(endpoints, 'default', 'kubernetes');
    expect(ep.subsets).toEqual([{ addresses: [{ ip }], ports: [{ name: 'https', port, protocol: 'TCP' }] }]);
    const slice = await rest.get(endpointSlices, 'default', 'kubernetes');
    expect(slice.endpoints?.[0]?.addresses).toEqual([ip]);
    expect(slice.metadata?.labels?.['kubernetes.io/service-name']).toBe('kubernetes');
  });

  it('is reconciled again by a restarted server without a conflict', async () => {
    await srv.api.reconcileKubernetesService('192.0.2.10', 7443);
    const ep = await rest.get(endpoints, 'default', 'kubernetes');
    expect(ep.subsets).toEqual([{ addresses: [{ ip: '192.0.2.10' }], ports: [{ name: 'https', port: 7443, protocol: 'TCP' }] }]);
    await expect(srv.api.reconcileKubernetesService('127.0.0.1', 7443)).rejects.toThrow(/loopback/);
  });
});
