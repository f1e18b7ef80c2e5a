import { describe, expect, it } from 'vitest';
import { CycleState } from '../framework.ts';
import { cacheWith, filterReasons, makeNode, makePod, pluginWith, scores } from '../testing.ts';
import { nodeAffinity } from './nodeaffinity.ts';

describe('NodeAffinity', () => {
  const cache = cacheWith([
    makeNode('ssd-a').labels({ disk: 'ssd', zone: 'a' }).obj(),
    makeNode('hdd-b').labels({ disk: 'hdd', zone: 'b' }).obj(),
  ]);
  const p = pluginWith(nodeAffinity, cache);

  it('filters by nodeSelector with upstream reason', () => {
    const pod = makePod().nodeSelector({ disk: 'ssd' }).info();
    expect(filterReasons(p, pod, cache.get('ssd-a')!).reasons).toEqual([]);
    expect(filterReasons(p, pod, cache.get('hdd-b')!).reasons).toEqual(["node(s) didn't match Pod's node affinity/selector"]);
  });

  it('skips pods without a selector or required affinity', () => {
    expect(p.preFilter!(new CycleState(), makePod().info())?.status?.code).toBe(5);
  });

  it('narrows the nodes to metadata.name terms, and rejects conflicting terms', () => {
    const pinned = makePod().affinity({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [
      { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['hdd-b'] }] },
    ] } } }).info();
    expect([...p.preFilter!(new CycleState(), pinned)!.nodeNames!]).toEqual(['hdd-b']);
    const conflict = makePod().affinity({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [
      { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['a'] }, { key: 'metadata.name', operator: 'In', values: ['b'] }] },
    ] } } }).info();
    expect(p.preFilter!(new CycleState(), conflict)?.status?.message()).toBe('pod affinity terms conflict');
  });

  it('scores preferred terms by weight, normalised to 100', () => {
    const pod = makePod().affinity({ nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [
      { weight: 20, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } },
      { weight: 5, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] } },
    ] } }).info();
    expect(scores(p, pod, [cache.get('ssd-a')!, cache.get('hdd-b')!])).toEqual({ 'ssd-a': 100, 'hdd-b': 25 });
  });
});
