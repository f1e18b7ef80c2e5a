// The kube-dns Service and its endpoints: what they should hold (pure), and the cluster DNS keeping
// them so against a real API server with the endpoints and endpointslice controllers running.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { V1Endpoints, V1EndpointSlice, V1Service } from '@kubernetes/client-node';
import { isNotFound, RestClient } from '../../client/index.ts';
import { endpoints, endpointSlices, namespaces, services } from '../../client/resources.ts';
import { endpointsController } from '../../controllers/endpoints.ts';
import { endpointSliceController } from '../../controllers/endpointslice.ts';
import { startControllerTestbed, type ControllerTestbed } from '../../test/controllers.ts';
import { eventually } from '../../test/eventually.ts';
import { startClusterDNS, type ClusterDNS } from './index.ts';
import { desiredEndpoints, desiredService, desiredSlice, endpointsWithout, repairService, sliceName } from './kubedns.ts';

describe('what the kube-dns objects hold', () => {
  it('is a selector-less ClusterIP Service with upstream CoreDNS\'s labels and ports', () => {
    expect(desiredService('10.96.0.10')).toEqual({
      apiVersion: 'v1', kind: 'Service',
      metadata: { name: 'kube-dns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' } },
      spec: {
        type: 'ClusterIP', clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'],
        ports: [{ name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 }, { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 }],
      },
    });
  });

  it('repairs labels, ports, type and a selector in place, and re-creates a Service with another cluster IP', () => {
    const good = { ...desiredService('10.96.0.10'), metadata: { ...desiredService('10.96.0.10').metadata, resourceVersion: '5' } };
    expect(repairService(good, '10.96.0.10')).toBeUndefined();
    const edited: V1Service = structuredClone(good);
    edited.metadata!.labels = { extra: 'kept' };
    edited.spec!.selector = { app: 'coredns' };
    edited.spec!.ports = [{ name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 }];
    const fixed = repairService(edited, '10.96.0.10');
    expect(fixed && 'update' in fixed ? fixed.update : undefined).toMatchObject({
      metadata: { resourceVersion: '5', labels: { extra: 'kept', 'k8s-app': 'kube-dns', 'kubernetes.io/name': 'CoreDNS' } },
      spec: { ports: desiredService('10.96.0.10').spec!.ports },
    });
    expect((fixed as { update: V1Service }).update.spec!.selector).toBeUndefined();
    expect(repairService({ ...good, spec: { ...good.spec, clusterIP: '10.96.0.99' } }, '10.96.0.10')).toEqual({ recreate: true });
  });

  it('puts our address into the Endpoints beside other replicas\', joining the subset with the same ports', () => {
    const mine = { ip: '10.0.0.5', port: 40000 };
    const created = desiredEndpoints(undefined, mine)!;
    expect(created.subsets).toEqual([{ addresses: [{ ip: '10.0.0.5' }], ports: [{ name: 'dns', port: 40000, protocol: 'UDP' }, { name: 'dns-tcp', port: 40000, protocol: 'TCP' }] }]);
    expect(created.metadata!.labels).toMatchObject({ 'endpointslice.kubernetes.io/skip-mirror': 'true', 'k8s-app': 'kube-dns' });
    expect(desiredEndpoints(created, mine)).toBeUndefined();

    const withOthers: V1Endpoints = { ...created, subsets: [
      { addresses: [{ ip: '10.0.0.9' }], ports: [{ name: 'dns', port: 40000, protocol: 'UDP' }, { name: 'dns-tcp', port: 40000, protocol: 'TCP' }] },
      { addresses: [{ ip: '10.0.0.7' }, { ip: '10.0.0.5' }], ports: [{ name: 'dns', port: 41000, protocol: 'UDP' }] },
    ] };
    expect(desiredEndpoints(withOthers, mine)!.subsets).toEqual([
      { addresses: [{ ip: '10.0.0.5' }, { ip: '10.0.0.9' }], ports: [{ name: 'dns', port: 40000, protocol: 'UDP' }, { name: 'dns-tcp', port: 40000, protocol: 'TCP' }] },
      { addresses: [{ ip: '10.0.0.7' }], ports: [{ name: 'dns', port: 41000, protocol: 'UDP' }] },
    ]);
    expect(endpointsWithout(created, '10.0.0.5')!.subsets).toEqual([]);
    expect(endpointsWithout(created, '10.0.0.6')).toBeUndefined();
  });

  it('writes one EndpointSlice per replica, named by its address, managed by us', () => {
    const slice = desiredSlice(undefined, { ip: '10.0.0.5', port: 40000 })!;
    expect(slice).toMatchObject({
      metadata: { name: 'kube-dns-10-0-0-5', namespace: 'kube-system', labels: { 'kubernetes.io/service-name': 'kube-dns', 'endpointslice.kubernetes.io/managed-by': 'cluster-dns.capstan.io' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.0.0.5'], conditions: { ready: true, serving: true, terminating: false } }],
      ports: [{ name: 'dns', port: 40000, protocol: 'UDP' }, { name: 'dns-tcp', port: 40000, protocol: 'TCP' }],
    });
    expect(desiredSlice(slice, { ip: '10.0.0.5', port: 40000 })).toBeUndefined();
    expect(desiredSlice(slice, { ip: '10.0.0.5', port: 40001 })!.ports![0]!.port).toBe(40001);
    expect(sliceName('fd00::53')).toBe('kube-dns-fd00--53');
  });
});

let bed: ControllerTestbed;
let rest: RestClient;
let ac: AbortController;
let dns: ClusterDNS;
const NODE_IP = '10.250.1.53';
const SERVICE_IP = '10.96.0.10';

const get = async <T extends object>(p: Promise<T>): Promise<T | undefined> => p.catch((e: unknown) => (isNotFound(e) ? undefined : Promise.reject(e)));
const ourAddressIn = (ep: V1Endpoints | undefined, ip: string, port: number) =>
  (ep?.subsets ?? []).some((s) => (s.addresses ?? []).some((a) => a.ip === ip) && (s.ports ?? []).some((p) => p.name === 'dns' && p.port === port && p.protocol === 'UDP') && (s.ports ?? []).some((p) => p.name === 'dns-tcp' && p.port === port && p.protocol === 'TCP'));
const sliceRight = (s: V1EndpointSlice | undefined, ip: string, port: number) =>
  s?.endpoints?.[0]?.addresses?.[0] === ip && s.ports?.length === 2 && s.ports.every((p) => p.port === port);

beforeAll(async () => {
  bed = await startControllerTestbed({ controllers: [endpointsController, endpointSliceController] });
  rest = bed.rest;
  ac = new AbortController();
  dns = startClusterDNS({ kubeconfig: bed.srv.kubeconfig, signal: ac.signal, log: () => {}, serviceIP: SERVICE_IP, nodeIP: NODE_IP, host: '127.0.0.1', upstreams: [] });
  await dns.ready;
});

afterAll(async () => {
  ac?.abort();
  await dns?.done;
  await bed?.close();
});

describe('the kube-dns Service owned by the cluster DNS', () => {
  it('exists once the DNS is ready, with its Endpoints and EndpointSlice at the node IP and our port', async () => {
    const svc = await rest.get(services, 'kube-system', 'kube-dns');
    expect(svc.metadata?.labels).toMatchObject({ 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' });
    expect(svc.spec).toMatchObject({ type: 'ClusterIP', clusterIP: SERVICE_IP });
    expect(svc.spec?.selector).toBeUndefined();
    expect(svc.spec?.ports?.map((p) => [p.name, p.port, p.protocol])).toEqual([['dns', 53, 'UDP'], ['dns-tcp', 53, 'TCP']]);
    expect(ourAddressIn(await rest.get(endpoints, 'kube-system', 'kube-dns'), NODE_IP, dns.port)).toBe(true);
    const slice = await rest.get(endpointSlices, 'kube-system', sliceName(NODE_IP));
    expect(sliceRight(slice, NODE_IP, dns.port)).toBe(true);
    expect(slice.metadata?.labels).toMatchObject({ 'kubernetes.io/service-name': 'kube-dns', 'endpointslice.kubernetes.io/managed-by': 'cluster-dns.capstan.io' });
  });

  it('is left alone by the endpoints and endpointslice controllers', async () => {
    const before = await rest.get(endpoints, 'kube-system', 'kube-dns');
    // A Service with a selector in the same cluster proves both controllers are running and synced.
    await rest.create(namespaces, '', { metadata: { name: 'ctl' } });
    await rest.create(services, 'ctl', { metadata: { name: 'probe', namespace: 'ctl' }, spec: { selector: { app: 'probe' }, ports: [{ port: 80 }] } });
    await eventually(() => get(rest.get(endpoints, 'ctl', 'probe')), { timeoutMs: 10_000, what: 'the endpoints controller at work' });
    await eventually(async () => (await rest.list(endpointSlices, 'ctl', { labelSelector: 'kubernetes.io/service-name=probe' })).items.length > 0, { timeoutMs: 10_000, what: 'the endpointslice controller at work' });
    const after = await rest.get(endpoints, 'kube-system', 'kube-dns');
    expect(after.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
    const slices = (await rest.list(endpointSlices, 'kube-system', { labelSelector: 'kubernetes.io/service-name=kube-dns' })).items;
    expect(slices.map((s) => s.metadata?.name)).toEqual([sliceName(NODE_IP)]);
  });

  it('puts its EndpointSlice back when it is deleted or edited', async () => {
    await rest.delete(endpointSlices, 'kube-system', sliceName(NODE_IP));
    await eventually(async () => sliceRight(await get(rest.get(endpointSlices, 'kube-system', sliceName(NODE_IP))), NODE_IP, dns.port), { timeoutMs: 5_000, what: 'the slice re-created' });
    await rest.patch(endpointSlices, 'kube-system', sliceName(NODE_IP), { endpoints: [{ addresses: ['10.250.1.99'], conditions: { ready: false } }] });
    await eventually(async () => sliceRight(await get(rest.get(endpointSlices, 'kube-system', sliceName(NODE_IP))), NODE_IP, dns.port), { timeoutMs: 5_000, what: 'the slice repaired' });
  });

  it('puts its address back into edited Endpoints, keeping the addresses it does not own', async () => {
    const ep = await rest.get(endpoints, 'kube-system', 'kube-dns');
    ep.subsets = [{ addresses: [{ ip: '10.250.1.77' }], ports: [{ name: 'dns', port: 5353, protocol: 'UDP' }] }];
    await rest.update(endpoints, 'kube-system', ep);
    const fixed = await eventually(async () => {
      const cur = await rest.get(endpoints, 'kube-system', 'kube-dns');
      return ourAddressIn(cur, NODE_IP, dns.port) ? cur : undefined;
    }, { timeoutMs: 5_000, what: 'our address back' });
    expect(fixed.subsets?.flatMap((s) => (s.addresses ?? []).map((a) => a.ip)).sort()).toEqual(['10.250.1.53', '10.250.1.77']);
    await rest.delete(endpoints, 'kube-system', 'kube-dns');
    await eventually(async () => ourAddressIn(await get(rest.get(endpoints, 'kube-system', 'kube-dns')), NODE_IP, dns.port), { timeoutMs: 5_000, what: 'the Endpoints re-created' });
  });

  it('repairs an edited Service and re-creates a deleted one', async () => {
    const svc = await rest.get(services, 'kube-system', 'kube-dns');
    svc.metadata!.labels = { mine: 'yes' };
    svc.spec!.selector = { app: 'someone-elses' };
    await rest.update(services, 'kube-system', svc);
    const repaired = await eventually(async () => {
      const cur = await rest.get(services, 'kube-system', 'kube-dns');
      return cur.metadata?.labels?.['k8s-app'] === 'kube-dns' && !cur.spec?.selector ? cur : undefined;
    }, { timeoutMs: 5_000, what: 'the Service repaired' });
    expect(repaired.metadata?.labels?.mine).toBe('yes');
    // The endpointslice controller wrote a slice for the selector while it was there; it goes again.
    await eventually(async () => {
      const slices = (await rest.list(endpointSlices, 'kube-system', { labelSelector: 'kubernetes.io/service-name=kube-dns' })).items;
      return slices.length === 1 && slices[0]!.metadata?.name === sliceName(NODE_IP);
    }, { timeoutMs: 5_000, what: 'only our slice left' });
    expect(ourAddressIn(await rest.get(endpoints, 'kube-system', 'kube-dns'), NODE_IP, dns.port)).toBe(true);
    await rest.delete(services, 'kube-system', 'kube-dns');
    const again = await eventually(async () => {
      const cur = await get(rest.get(services, 'kube-system', 'kube-dns'));
      return cur && cur.metadata?.uid !== svc.metadata?.uid ? cur : undefined;
    }, { timeoutMs: 5_000, what: 'the Service re-created' });
    expect(again.spec?.clusterIP).toBe(SERVICE_IP);
  });

  it('shares the Service with another replica, which takes only its own address away when it stops', async () => {
    const stop = new AbortController();
    const other = startClusterDNS({ kubeconfig: bed.srv.kubeconfig, signal: stop.signal, log: () => {}, serviceIP: SERVICE_IP, nodeIP: '10.250.2.53', host: '127.0.0.1', upstreams: [] });
    await other.ready;
    const both = await rest.get(endpoints, 'kube-system', 'kube-dns');
    expect([ourAddressIn(both, NODE_IP, dns.port), ourAddressIn(both, '10.250.2.53', other.port)]).toEqual([true, true]);
    expect((await rest.list(endpointSlices, 'kube-system', { labelSelector: 'kubernetes.io/service-name=kube-dns' })).items.map((s) => s.metadata?.name).sort())
      .toEqual([sliceName(NODE_IP), sliceName('10.250.2.53')]);

    stop.abort();
    await other.done;
    const after = await rest.get(endpoints, 'kube-system', 'kube-dns');
    expect([ourAddressIn(after, NODE_IP, dns.port), ourAddressIn(after, '10.250.2.53', other.port)]).toEqual([true, false]);
    expect(await get(rest.get(endpointSlices, 'kube-system', sliceName('10.250.2.53')))).toBeUndefined();
    expect((await rest.get(services, 'kube-system', 'kube-dns')).spec?.clusterIP).toBe(SERVICE_IP);
  });
});
