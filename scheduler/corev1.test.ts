import { describe, expect, it } from 'vitest';
import { doNotScheduleTaint, findMatchingUntoleratedTaint, moreImportantPod, PreferredSchedulingTerms, RequiredNodeAffinity, toleratesTaint } from './corev1.ts';
import { makeNode, makePod } from './testing.ts';

describe('tolerations', () => {
  it('match by key, effect and value; Exists matches any value; an empty key with Exists matches every taint', () => {
    const taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };
    expect(toleratesTaint({ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }, taint)).toBe(true);
    expect(toleratesTaint({ key: 'dedicated', value: 'cpu' }, taint)).toBe(false);
    expect(toleratesTaint({ key: 'dedicated', operator: 'Exists' }, taint)).toBe(true);
    expect(toleratesTaint({ key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }, taint)).toBe(false);
    expect(toleratesTaint({ operator: 'Exists' }, taint)).toBe(true);
  });

  it('finds the first untolerated NoSchedule/NoExecute taint in node order', () => {
    const taints = [{ key: 'soft', effect: 'PreferNoSchedule' }, { key: 'a', effect: 'NoExecute' }, { key: 'b', effect: 'NoSchedule' }];
    expect(findMatchingUntoleratedTaint(taints, [{ key: 'a', operator: 'Exists' }], doNotScheduleTaint)?.key).toBe('b');
    expect(findMatchingUntoleratedTaint(taints, [{ operator: 'Exists' }], doNotScheduleTaint)).toBeUndefined();
  });
});

describe('RequiredNodeAffinity', () => {
  const node = makeNode('n1').labels({ zone: 'a', size: '8' }).obj();

  it('ANDs nodeSelector with the ORed terms', () => {
    const both = makePod().nodeSelector({ zone: 'a' }).affinity({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [
      { matchExpressions: [{ key: 'size', operator: 'Gt', values: ['10'] }] },
      { matchExpressions: [{ key: 'size', operator: 'Lt', values: ['10'] }, { key: 'zone', operator: 'In', values: ['a', 'b'] }] },
    ] } } }).obj();
    expect(new RequiredNodeAffinity(both).matches(node)).toBe(true);
    expect(new RequiredNodeAffinity(makePod().nodeSelector({ zone: 'b' }).obj()).matches(node)).toBe(false);
  });

  it('matches metadata.name through matchFields, and never matches empty or invalid terms', () => {
    const byName = (op: string, values: string[]) => makePod().affinity({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: op, values }] }] } } }).obj();
    expect(new RequiredNodeAffinity(byName('In', ['n1'])).matches(node)).toBe(true);
    expect(new RequiredNodeAffinity(byName('NotIn', ['n1'])).matches(node)).toBe(false);
    expect(new RequiredNodeAffinity(byName('In', ['n1', 'n2'])).matches(node)).toBe(false);
    const empty = makePod().affinity({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{}] } } }).obj();
    expect(new RequiredNodeAffinity(empty).matches(node)).toBe(false);
    const bad = makePod().affinity({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'size', operator: 'Gt', values: ['x'] }] }] } } }).obj();
    expect(new RequiredNodeAffinity(bad).matches(node)).toBe(false);
    expect(new RequiredNodeAffinity(makePod().obj()).empty).toBe(true);
  });

  it('sums the weights of the preferred terms a node matches, skipping zero weights', () => {
    const p = new PreferredSchedulingTerms([
      { weight: 5, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] } },
      { weight: 3, preference: { matchExpressions: [{ key: 'size', operator: 'Exists' }] } },
      { weight: 0, preference: { matchExpressions: [{ key: 'zone', operator: 'Exists' }] } },
      { weight: 7, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] } },
    ]);
    expect(p.score(node)).toBe(8);
  });
});

describe('moreImportantPod', () => {
  it('orders by priority, then by earlier start', () => {
    expect(moreImportantPod(makePod().priority(10).obj(), makePod().priority(5).obj())).toBe(true);
    expect(moreImportantPod(makePod().startTime(100).obj(), makePod().startTime(200).obj())).toBe(true);
    expect(moreImportantPod(makePod().startTime(200).obj(), makePod().startTime(100).obj())).toBe(false);
  });
});
