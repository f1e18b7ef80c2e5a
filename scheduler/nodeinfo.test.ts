import { describe, expect, it } from 'vitest';
import { computePodResource, HostPortInfo, isScalarResourceName, NodeInfo, PodInfo, resourceFromList } from './nodeinfo.ts';
import { makeNode, makePod } from './testing.ts';

describe('pod requests (upstream resource.PodRequests)', () => {
  it('sums containers and adds overhead', () => {
    const r = computePodResource(makePod().requests({ cpu: '100m', memory: '64Mi' }).requests({ cpu: '250m' }).overhead({ cpu: '10m' }).obj()).requests;
    expect(r.milliCPU).toBe(360);
    expect(r.memory).toBe(64 * 1024 * 1024);
  });

  it('takes the max of the sum and each init container', () => {
    const r = computePodResource(makePod().requests({ cpu: '100m' }).initRequests({ cpu: '500m' }).initRequests({ cpu: '200m' }).obj()).requests;
    expect(r.milliCPU).toBe(500);
  });

  it('adds a restartable (sidecar) init container to the sum and to the init containers after it', () => {
    const pod = makePod().requests({ cpu: '100m' }).initRequests({ cpu: '50m' }, 'Always').initRequests({ cpu: '120m' }).obj();
    // containers 100 + sidecar 50 = 150; the later init container needs 120 + 50 = 170.
    expect(computePodResource(pod).requests.milliCPU).toBe(170);
  });

  it('counts a container without requests as 100m / 200Mi for scoring only', () => {
    const r = computePodResource(makePod().obj());
    expect(r.requests.milliCPU).toBe(0);
    expect(r.nonZeroCPU).toBe(100);
    expect(r.nonZeroMemory).toBe(200 * 1024 * 1024);
    const explicit = computePodResource(makePod().requests({ cpu: '0', memory: '1Gi' }).obj());
    expect(explicit.nonZeroCPU).toBe(0);
    expect(explicit.nonZeroMemory).toBe(1024 ** 3);
  });

  it('keeps extended resources and hugepages as scalar resources', () => {
    const r = computePodResource(makePod().requests({ 'example.com/gpu': '2', 'hugepages-2Mi': '4Mi' }).obj()).requests;
    expect(r.scalar?.get('example.com/gpu')).toBe(2);
    expect(r.scalar?.get('hugepages-2Mi')).toBe(4 * 1024 * 1024);
    expect(isScalarResourceName('cpu')).toBe(false);
    expect(isScalarResourceName('requests.example.com/gpu')).toBe(false);
  });

  it('reads allocatable, with pods as the allowed pod count', () => {
    const r = resourceFromList({ cpu: '1500m', memory: '2Gi', pods: '10', 'ephemeral-storage': '1G' });
    expect(r).toMatchObject({ milliCPU: 1500, memory: 2 * 1024 ** 3, allowedPodNumber: 10, ephemeralStorage: 1e9 });
  });
});

describe('NodeInfo', () => {
  it('accounts requested and non-zero requested resources and ports as pods come and go', () => {
    const ni = new NodeInfo(makeNode('n1').obj());
    const a = new PodInfo(makePod('a').requests({ cpu: '200m', memory: '1Gi' }).hostPort(80).obj());
    const b = new PodInfo(makePod('b').obj());
    ni.addPod(a);
    ni.addPod(b);
    expect(ni.requested.milliCPU).toBe(200);
    expect(ni.nonZeroRequested.milliCPU).toBe(300);
    expect(ni.usedPorts.conflicts({ ip: '0.0.0.0', protocol: 'TCP', port: 80 })).toBe(true);
    const c = ni.clone();
    expect(ni.removePod(a.uid)).toBe(true);
    expect(ni.requested.milliCPU).toBe(0);
    expect(ni.usedPorts.conflicts({ ip: '0.0.0.0', protocol: 'TCP', port: 80 })).toBe(false);
    expect(ni.pods.map((p) => p.key)).toEqual(['default/b']);
    // The clone kept its own lists.
    expect(c.pods).toHaveLength(2);
    expect(c.requested.milliCPU).toBe(200);
  });

  it('tracks pods with affinity and with required anti-affinity', () => {
    const ni = new NodeInfo(makeNode('n1').obj());
    const anti = makePod('x').affinity({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { a: 'b' } } }] } }).info();
    ni.addPod(anti);
    expect(ni.podsWithAffinity).toHaveLength(1);
    expect(ni.podsWithRequiredAntiAffinity).toHaveLength(1);
    ni.removePod(anti.uid);
    expect(ni.podsWithRequiredAntiAffinity).toHaveLength(0);
  });
});

describe('HostPortInfo', () => {
  it('treats 0.0.0.0 as conflicting with every address, and protocols apart', () => {
    const h = new HostPortInfo();
    h.add({ ip: '10.0.0.1', protocol: 'TCP', port: 8080 });
    expect(h.conflicts({ ip: '0.0.0.0', protocol: 'TCP', port: 8080 })).toBe(true);
    expect(h.conflicts({ ip: '10.0.0.2', protocol: 'TCP', port: 8080 })).toBe(false);
    expect(h.conflicts({ ip: '10.0.0.1', protocol: 'UDP', port: 8080 })).toBe(false);
    h.add({ ip: '0.0.0.0', protocol: 'UDP', port: 53 });
    expect(h.conflicts({ ip: '10.0.0.9', protocol: 'UDP', port: 53 })).toBe(true);
  });
});
