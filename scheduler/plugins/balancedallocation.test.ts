import { describe, expect, it } from 'vitest';
import { cacheWith, makeNode, makePod, pluginWith, scores } from '../testing.ts';
import { balancedAllocation, balancedResourceScore } from './balancedallocation.ts';

describe('NodeResourcesBalancedAllocation', () => {
  it('is (1 − |cpu share − memory share| / 2) × 100, shares capped at 1', () => {
    expect(balancedResourceScore([500, 500], [1000, 1000])).toBe(100);
    expect(balancedResourceScore([1000, 0], [1000, 1000])).toBe(50);
    expect(balancedResourceScore([3000, 0], [1000, 1000])).toBe(50);
    expect(balancedResourceScore([500, 0], [1000, 0])).toBe(100);
  });

  it('prefers the node where the pod evens out cpu and memory use', () => {
    const cache = cacheWith(
      [makeNode('cpu-heavy').allocatable({ cpu: '4', memory: '4Gi', pods: '10' }).obj(), makeNode('even').allocatable({ cpu: '4', memory: '4Gi', pods: '10' }).obj()],
      [makePod('x').node('cpu-heavy').requests({ cpu: '2' }).obj()],
    );
    const s = scores(pluginWith(balancedAllocation, cache), makePod().requests({ cpu: '1', memory: '1Gi' }).info(), [cache.get('cpu-heavy')!, cache.get('even')!]);
    // cpu-heavy: cpu 3/4, memory 1/4 → 75; even: 1/4 and 1/4 → 100.
    expect(s).toEqual({ 'cpu-heavy': 75, even: 100 });
  });
});
