import { describe, expect, it } from 'vitest';
import { CycleState } from '../framework.ts';
import { cacheWith, frameworkWith, makeNode, makePod, pluginWith, scores } from '../testing.ts';
import { podTopologySpread } from './podtopologyspread.ts';

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
