import { describe, expect, it } from 'vitest';
import type { V1PodAffinityTerm } from '@kubernetes/client-node';
import { Code, CycleState } from '../framework.ts';
import { cacheWith, frameworkWith, makeNode, makePod, pluginWith, scores } from '../testing.ts';
import { interPodAffinity } from './interpodaffinity.ts';

const zoneNode = (name: string, zone: string) => makeNode(name).labels({ zone }).obj();
const term = (labels: Record<string, string>, topologyKey = 'zone', extra: Partial<V1PodAffinityTerm> = {}): V1PodAffinityTerm => ({ labelSelector: { matchLabels: labels }, topologyKey, ...extra });

describe('InterPodAffinity filter', () => {
  const cache = cacheWith(
    [zoneNode('a1', 'a'), zoneNode('a2', 'a'), zoneNode('b1', 'b'), makeNode('nozone').obj()],
    [makePod('db').labels({ app: 'db' }).node('a1').obj()],
  );
  const fwk = frameworkWith(cache, [{ factory: interPodAffinity }], { namespaces: { default: { team: 'x' }, other: { team: 'y' } } });
  const run = (pod: ReturnType<typeof makePod>) => {
    const state = new CycleState();
    const pi = pod.info();
    const pre = fwk.runPreFilterPlugins(state, pi);
    if (pre.status) return { pre: pre.status.message() };
    return Object.fromEntries(cache.nodeInfoList.map((n) => {
      const s = fwk.runFilterPlugins(state, pi, n);
      return [n.name, s ? `${s.code === Code.UnschedulableAndUnresolvable ? 'X' : 'x'} ${s.message()}` : 'ok'];
    }));
  };

  it('requires a matching pod in the same topology domain (unresolvable otherwise)', () => {
    expect(run(makePod().affinity({ podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'db' })] } }))).toEqual({
      a1: 'ok', a2: 'ok', b1: "X node(s) didn't match pod affinity rules", nozone: "X node(s) didn't match pod affinity rules",
    });
  });

  it('lets the first pod of a self-affine group through when no pod matches anywhere', () => {
    const first = makePod().labels({ app: 'cache' }).affinity({ podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'cache' })] } });
    expect(run(first).b1).toBe('ok');
    expect(run(first).nozone).toBe("X node(s) didn't match pod affinity rules");
  });

  it('keeps a pod away from domains with pods its anti-affinity matches', () => {
    expect(run(makePod().affinity({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'db' })] } }))).toMatchObject({
      a1: "x node(s) didn't match pod anti-affinity rules", a2: "x node(s) didn't match pod anti-affinity rules", b1: 'ok', nozone: 'ok',
    });
  });

  it("honours existing pods' anti-affinity against the incoming pod", () => {
    const c = cacheWith([zoneNode('a1', 'a'), zoneNode('b1', 'b')], [
      makePod('loner').node('a1').affinity({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'web' })] } }).obj(),
    ]);
    const f = frameworkWith(c, [{ factory: interPodAffinity }]);
    const state = new CycleState();
    const pi = makePod().labels({ app: 'web' }).info();
    f.runPreFilterPlugins(state, pi);
    expect(f.runFilterPlugins(state, pi, c.get('a1')!)?.message()).toBe("node(s) didn't satisfy existing pods anti-affinity rules");
    expect(f.runFilterPlugins(state, pi, c.get('b1')!)).toBeUndefined();
  });

  it('matches other namespaces through namespaceSelector', () => {
    const c = cacheWith([zoneNode('a1', 'a'), zoneNode('b1', 'b')], [makePod('db').namespace('other').labels({ app: 'db' }).node('b1').obj()]);
    const f = frameworkWith(c, [{ factory: interPodAffinity }], { namespaces: { default: {}, other: { team: 'y' } } });
    const state = new CycleState();
    const pi = makePod().affinity({ podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'db' }, 'zone', { namespaceSelector: { matchLabels: { team: 'y' } } })] } }).info();
    f.runPreFilterPlugins(state, pi);
    expect(f.runFilterPlugins(state, pi, c.get('b1')!)).toBeUndefined();
    expect(f.runFilterPlugins(state, pi, c.get('a1')!)?.message()).toBe("node(s) didn't match pod affinity rules");
  });

  it('skips pods with no affinity when no existing pod has required anti-affinity', () => {
    expect(pluginWith(interPodAffinity, cache).preFilter!(new CycleState(), makePod().info())?.status?.code).toBe(Code.Skip);
  });
});

describe('InterPodAffinity score', () => {
  it('adds preferred affinity weights and subtracts preferred anti-affinity, normalised to 0–100', () => {
    const cache = cacheWith(
      [zoneNode('a1', 'a'), zoneNode('b1', 'b'), zoneNode('c1', 'c')],
      [makePod('db').labels({ app: 'db' }).node('a1').obj(), makePod('noisy').labels({ app: 'noisy' }).node('b1').obj()],
    );
    const pod = makePod().affinity({
      podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, podAffinityTerm: term({ app: 'db' }) }] },
      podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, podAffinityTerm: term({ app: 'noisy' }) }] },
    }).info();
    expect(scores(pluginWith(interPodAffinity, cache), pod, cache.nodeInfoList)).toEqual({ a1: 100, b1: 0, c1: 50 });
  });
});
