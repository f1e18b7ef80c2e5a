import { describe, expect, it } from 'vitest';
import type { V1Pod, V1ReplicaSet, V1ReplicationController, V1Service, V1StatefulSet } from '@kubernetes/client-node';
import { defaultSelector, type SpreadingListers } from '../defaultspread.ts';
import { CycleState, Status } from '../framework.ts';
import { cacheWith, FakeLister, frameworkWith, makeNode, makePod, pluginWith, scores } from '../testing.ts';
import { podTopologySpread, podTopologySpreadWith } from './podtopologyspread.ts';

const zoneNode = (name: string, zone: string) => makeNode(name).labels({ zone }).obj();
const web = (name: string, node: string) => makePod(name).labels({ app: 'web' }).node(node).obj();
const spread = (maxSkew: number, topologyKey: string, whenUnsatisfiable = 'DoNotSchedule', extra: object = {}) =>
  ({ maxSkew, topologyKey, whenUnsatisfiable, labelSelector: { matchLabels: { app: 'web' } }, ...extra });

describe('PodTopologySpread filter', () => {
  // zone a: a1 (2 web), a2 (0); zone b: b1 (1 web); c1 has no zone label.
  const cache = cacheWith(
    [zoneNode('a1', 'a'), zoneNode('a2', 'a'), zoneNode('b1', 'b'), makeNode('c1').obj()],
    [web('w1', 'a1'), web('w2', 'a1'), web('w3', 'b1')],
  );
  const fwk = frameworkWith(cache, [{ factory: podTopologySpread }]);
  const run = (pod: ReturnType<typeof makePod>) => {
    const state = new CycleState();
    const pi = pod.info();
    fwk.runPreFilterPlugins(state, pi);
    return Object.fromEntries(cache.nodeInfoList.map((n) => [n.name, fwk.runFilterPlugins(state, pi, n)?.message() ?? 'ok']));
  };

  it('keeps the skew between zones within maxSkew, and rejects nodes without the key', () => {
    expect(run(makePod().labels({ app: 'web' }).spread(spread(1, 'zone')))).toEqual({
      a1: "node(s) didn't match pod topology spread constraints",
      a2: "node(s) didn't match pod topology spread constraints",
      b1: 'ok',
      c1: "node(s) didn't match pod topology spread constraints (missing required label)",
    });
  });

  it('does not count the pod itself when it does not match the selector', () => {
    expect(run(makePod().labels({ app: 'other' }).spread(spread(1, 'zone'))).a1).toBe('ok');
  });

  it('treats the minimum as 0 while there are fewer domains than minDomains', () => {
    const r = run(makePod().labels({ app: 'web' }).spread(spread(2, 'zone', 'DoNotSchedule', { minDomains: 3 })));
    // b1: 1 + 1 − 0 = 2 ≤ 2; a1: 2 + 1 − 0 = 3 > 2.
    expect([r.a1, r.b1]).toEqual(["node(s) didn't match pod topology spread constraints", 'ok']);
  });

  it('counts only nodes passing the pod node affinity (nodeAffinityPolicy Honor)', () => {
    const r = run(makePod().labels({ app: 'web' }).nodeSelector({ zone: 'a' }).spread(spread(1, 'zone')));
    // Only zone a counts: its one domain is the minimum, so it passes.
    expect(r.a2).toBe('ok');
  });

  it('updates its counts when preemption removes a pod', () => {
    const state = new CycleState();
    const pi = makePod().labels({ app: 'web' }).spread(spread(1, 'zone')).info();
    fwk.runPreFilterPlugins(state, pi);
    const a1 = cache.get('a1')!.clone();
    const victim = a1.pods[0]!;
    a1.removePod(victim.uid);
    fwk.runPreFilterExtensionRemovePod(state, pi, victim, a1);
    // zone a now has 1, b has 1: either fits.
    expect(fwk.runFilterPlugins(state, pi, a1)).toBeUndefined();
  });
});

describe('PodTopologySpread score', () => {
  it('prefers domains with fewer matching pods for ScheduleAnyway constraints', () => {
    const cache = cacheWith(
      [makeNode('n1').obj(), makeNode('n2').obj(), makeNode('n3').obj()],
      [web('w1', 'n1'), web('w2', 'n1'), web('w3', 'n2')],
    );
    const s = scores(pluginWith(podTopologySpread, cache), makePod().labels({ app: 'web' }).spread(spread(1, 'kubernetes.io/hostname', 'ScheduleAnyway')).info(), cache.nodeInfoList);
    // raw: n1 round(2·ln 5) = 3, n2 round(ln 5) = 2, n3 0; 100 × (3 + 0 − s) / 3.
    expect(s).toEqual({ n1: 0, n2: 33, n3: 100 });
  });
});

describe('PodTopologySpread system defaults (a pod that sets no constraints)', () => {
  const rs: V1ReplicaSet = { metadata: { name: 'web-1', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'web', hash: '1' } }, template: {} } };
  const owned = (name: string, node?: string) => {
    const b = makePod(name).labels({ app: 'web', hash: '1' });
    b.obj().metadata!.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'u', controller: true }];
    return node ? b.node(node) : b;
  };
  const listers = (o: { services?: V1Service[]; replicaSets?: V1ReplicaSet[]; statefulSets?: V1StatefulSet[]; rcs?: V1ReplicationController[] } = {}): SpreadingListers => ({
    services: new FakeLister(o.services ?? []), replicaSets: new FakeLister(o.replicaSets ?? []),
    statefulSets: new FakeLister(o.statefulSets ?? []), replicationControllers: new FakeLister(o.rcs ?? []),
  });

  it("spreads a ReplicaSet's pods over nodes by host name, nodes without a zone label included", () => {
    // No zone labels (as on kind or simulated nodes): upstream still spreads by host name.
    const cache = cacheWith([makeNode('n1').obj(), makeNode('n2').obj()], [owned('a', 'n1').obj(), owned('b', 'n1').obj(), owned('c', 'n1').obj()]);
    const plugin = pluginWith(podTopologySpreadWith({ defaulting: listers({ replicaSets: [rs] }) }), cache);
    // raw: n1 round(3·ln 4 + 2) = 6, n2 round(0 + 2) = 2; 100 × (6 + 2 − s) / 6.
    expect(scores(plugin, owned('new').info(), cache.nodeInfoList)).toEqual({ n1: 33, n2: 100 });
  });

  it('leaves alone a pod of no workload, and does not default without the listers', () => {
    const cache = cacheWith([makeNode('n1').obj(), makeNode('n2').obj()], [owned('a', 'n1').obj()]);
    const state = new CycleState();
    const defaulting = pluginWith(podTopologySpreadWith({ defaulting: listers({ replicaSets: [rs] }) }), cache);
    expect(defaulting.preScore!(state, makePod('bare').labels({ app: 'web' }).info(), cache.nodeInfoList)?.code).toBe(Status.skip().code);
    expect(pluginWith(podTopologySpread, cache).preScore!(new CycleState(), owned('new').info(), cache.nodeInfoList)?.code).toBe(Status.skip().code);
  });

  it("takes the workload's selector from the Services that select the pod and its controller (ReplicaSet, StatefulSet, ReplicationController)", () => {
    const svc: V1Service = { metadata: { name: 's', namespace: 'default' }, spec: { selector: { app: 'web' } } };
    const other: V1Service = { metadata: { name: 'o', namespace: 'default' }, spec: { selector: { app: 'db' } } };
    const elsewhere: V1Service = { metadata: { name: 's', namespace: 'other' }, spec: { selector: { app: 'web' } } };
    const pod = owned('p').obj();
    const sel = (l: SpreadingListers, p: V1Pod = pod) => defaultSelector(p, l).toString();
    expect(sel(listers({ services: [svc, other, elsewhere], replicaSets: [rs] }))).toBe('app=web,app=web,hash=1');
    expect(sel(listers({ services: [svc] }))).toBe('app=web');
    expect(sel(listers())).toBe('');
    const ssPod = makePod('ss-0').labels({ app: 'web' }).obj();
    ssPod.metadata!.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'ss', uid: 'u', controller: true }];
    const ss: V1StatefulSet = { metadata: { name: 'ss', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'web' } }, serviceName: 's', template: {} } };
    expect(sel(listers({ statefulSets: [ss] }), ssPod)).toBe('app=web');
    const rcPod = makePod('rc-x').labels({ app: 'web', tier: 'f' }).obj();
    rcPod.metadata!.ownerReferences = [{ apiVersion: 'v1', kind: 'ReplicationController', name: 'rc', uid: 'u', controller: true }];
    const rc: V1ReplicationController = { metadata: { name: 'rc', namespace: 'default' }, spec: { selector: { tier: 'f' } } };
    expect(sel(listers({ services: [svc], rcs: [rc] }), rcPod)).toBe('app=web,tier=f');
  });
});
