import { describe, expect, it } from 'vitest';
import { Code } from '../framework.ts';
import { cacheWith, filterReasons, makeNode, makePod, pluginWith, scores } from '../testing.ts';
import { leastRequestedScore, nodeResourcesFit } from './noderesourcesfit.ts';

describe('NodeResourcesFit', () => {
  const cache = cacheWith(
    [makeNode('small').allocatable({ cpu: '1', memory: '1Gi', pods: '2', 'example.com/gpu': '1' }).obj(), makeNode('big').allocatable({ cpu: '8', memory: '16Gi', pods: '110' }).obj()],
    [makePod('a').node('small').requests({ cpu: '600m', memory: '512Mi' }).obj()],
  );
  const p = pluginWith(nodeResourcesFit, cache);

  it('lists every short resource as a reason (resolvable by preemption)', () => {
    const pod = makePod().requests({ cpu: '500m', memory: '600Mi', 'example.com/gpu': '2' }).info();
    expect(filterReasons(p, pod, cache.get('small')!)).toEqual({ code: Code.Unschedulable, reasons: ['Insufficient cpu', 'Insufficient memory', 'Insufficient example.com/gpu'] });
    expect(filterReasons(p, pod, cache.get('big')!).reasons).toEqual(['Insufficient example.com/gpu']);
  });

  it('counts a pod without requests against the pod limit', () => {
    const full = cacheWith([makeNode('n').allocatable({ cpu: '1', memory: '1Gi', pods: '1' }).obj()], [makePod('x').node('n').obj()]);
    expect(filterReasons(pluginWith(nodeResourcesFit, full), makePod().info(), full.get('n')!).reasons).toEqual(['Too many pods']);
  });

  it('fits what is left exactly', () => {
    expect(filterReasons(p, makePod().requests({ cpu: '400m' }).info(), cache.get('small')!).reasons).toEqual([]);
  });

  it('scores least allocated highest, counting requests-free containers as 100m / 200Mi', () => {
    expect(leastRequestedScore(600, 1000)).toBe(40);
    expect(leastRequestedScore(1100, 1000)).toBe(0);
    // small: cpu (600 + 100) of 1000 → 30, memory (512Mi + 200Mi) of 1Gi → 30; big: 98 and 98.
    expect(scores(p, makePod().info(), [cache.get('small')!, cache.get('big')!])).toEqual({ small: 30, big: 98 });
  });
});
