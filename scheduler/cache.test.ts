import { describe, expect, it } from 'vitest';
import { Cache, zoneInterleaved } from './cache.ts';
import { NodeInfo, PodInfo } from './nodeinfo.ts';
import { makeNode, makePod } from './testing.ts';

describe('scheduler cache', () => {
  it('counts an assumed pod at once, confirms it from the informer, and forgets it when binding fails', () => {
    const c = new Cache();
    c.addNode(makeNode('n1').obj());
    const pod = makePod('a').requests({ cpu: '1' }).obj();
    const assumed = new PodInfo({ ...pod, spec: { ...pod.spec!, nodeName: 'n1' } });
    c.assumePod(assumed);
    expect(c.isAssumed(assumed.uid)).toBe(true);
    expect(c.get('n1')!.requested.milliCPU).toBe(1000);
    c.addPod({ ...pod, spec: { ...pod.spec!, nodeName: 'n1' } });
    expect(c.isAssumed(assumed.uid)).toBe(false);
    expect(c.get('n1')!.pods).toHaveLength(1);

    const other = makePod('b').requests({ cpu: '2' }).obj();
    const b = new PodInfo({ ...other, spec: { ...other.spec!, nodeName: 'n1' } });
    c.assumePod(b);
    expect(c.get('n1')!.requested.milliCPU).toBe(3000);
    c.forgetPod(b.uid);
    expect(c.get('n1')!.requested.milliCPU).toBe(1000);
  });

  it('keeps pods of a deleted node accounted until they go, and lists only existing nodes', () => {
    const c = new Cache();
    const node = makeNode('n1').obj();
    c.addNode(node);
    c.addNode(makeNode('n2').obj());
    const pod = makePod('a').node('n1').obj();
    c.addPod(pod);
    c.removeNode(node);
    expect(c.nodeInfoList.map((n) => n.name)).toEqual(['n2']);
    expect(c.get('n1')).toBeUndefined();
    c.addNode(node);
    expect(c.get('n1')!.pods).toHaveLength(1);
    c.removePod(pod);
    expect(c.get('n1')!.pods).toHaveLength(0);
  });

  it('lists nodes hosting pods with (anti-)affinity', () => {
    const c = new Cache();
    c.addNode(makeNode('n1').obj());
    c.addNode(makeNode('n2').obj());
    const anti = makePod('x').node('n2').affinity({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname' }] } }).obj();
    c.addPod(anti);
    expect(c.havePodsWithAffinityList.map((n) => n.name)).toEqual(['n2']);
    expect(c.havePodsWithRequiredAntiAffinityList.map((n) => n.name)).toEqual(['n2']);
    c.removePod(anti);
    expect(c.havePodsWithRequiredAntiAffinityList).toEqual([]);
  });

  it('tracks on how many nodes each image is', () => {
    const c = new Cache();
    const img = { names: ['nginx:1.25', 'registry/nginx@sha256:abc'], sizeBytes: 100 };
    c.addNode(makeNode('n1').images(img).obj());
    c.addNode(makeNode('n2').images(img).obj());
    expect(c.get('n1')!.imageStates.get('nginx:1.25')!.nodes.size).toBe(2);
    c.updateNode(makeNode('n2').obj(), makeNode('n2').obj());
    expect(c.get('n1')!.imageStates.get('nginx:1.25')!.nodes.size).toBe(1);
  });

  it('interleaves nodes across zones', () => {
    const z = (name: string, zone: string) => new NodeInfo(makeNode(name).labels({ 'topology.kubernetes.io/zone': zone }).obj());
    const order = zoneInterleaved([z('a1', 'a'), z('a2', 'a'), z('a3', 'a'), z('b1', 'b'), z('c1', 'c'), z('c2', 'c')]).map((n) => n.name);
    expect(order).toEqual(['a1', 'b1', 'c1', 'a2', 'c2', 'a3']);
  });
});
