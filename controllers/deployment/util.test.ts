import { describe, expect, it } from 'vitest';
import type { V1ReplicaSet } from '@kubernetes/client-node';
import { makeDeployment, makeReplicaSet } from './fixtures.ts';
import {
  CHANGE_CAUSE_ANNOTATION, DESIRED_REPLICAS_ANNOTATION, LAST_APPLIED_ANNOTATION, MAX_REPLICAS_ANNOTATION, POD_TEMPLATE_HASH_LABEL,
  REVISION_ANNOTATION, REVISION_HISTORY_ANNOTATION, bySizeNewer, bySizeOlder, byRevision, equalIgnoreHash, findActiveOrLatest,
  findNewReplicaSet, findOldReplicaSets, isSaturated, lastRevision, maxRevision, maxSurge, maxUnavailable, newRSNewReplicas,
  proportionalSizes, resolveFenceposts, roundHalfAwayFromZero, scaledValue, setDeploymentAnnotationsTo, setNewReplicaSetAnnotations,
} from './util.ts';

const names = (rss: V1ReplicaSet[]) => rss.map((rs) => rs.metadata?.name);
const sizes = (m: Map<V1ReplicaSet, number>) => Object.fromEntries([...m].map(([rs, n]) => [rs.metadata!.name!, n]));

describe('maxSurge and maxUnavailable', () => {
  it('rounds surge up and unavailable down, and makes unavailable 1 when both come to zero', () => {
    expect(resolveFenceposts('25%', '25%', 10)).toEqual({ surge: 3, unavailable: 2 });
    expect(resolveFenceposts('35%', '35%', 7)).toEqual({ surge: 3, unavailable: 2 });
    expect(resolveFenceposts('25%', '25%', 1)).toEqual({ surge: 1, unavailable: 0 });
    expect(resolveFenceposts(0, '10%', 5)).toEqual({ surge: 0, unavailable: 1 });
    expect(resolveFenceposts(2, 3, 10)).toEqual({ surge: 2, unavailable: 3 });
  });

  it('caps maxUnavailable at spec.replicas, and gives a Recreate Deployment neither', () => {
    expect(maxUnavailable(makeDeployment({ replicas: 3, maxUnavailable: 5, maxSurge: 0 }))).toBe(3);
    expect(maxUnavailable(makeDeployment({ replicas: 0 }))).toBe(0);
    expect(maxUnavailable(makeDeployment({ recreate: true }))).toBe(0);
    expect(maxSurge(makeDeployment({ recreate: true }))).toBe(0);
    expect(maxSurge(makeDeployment({ replicas: 10 }))).toBe(3);
  });

  it('refuses strings that are not percentages', () => {
    expect(() => scaledValue('5', 10, true)).toThrow(/not a percentage/);
    expect(() => scaledValue('x%', 10, true)).toThrow(/invalid value/);
    expect(scaledValue(4, 10, false)).toBe(4);
  });
});

describe('revisions and annotations', () => {
  it('reads revisions as int64, skipping ones that do not parse', () => {
    const rss = [makeReplicaSet({ name: 'a', replicas: 0, revision: '3546343826724305832' }), makeReplicaSet({ name: 'b', replicas: 0, revision: '2' }), makeReplicaSet({ name: 'c', replicas: 0, revision: 'x' })];
    expect(String(maxRevision(rss) + 1n)).toBe('3546343826724305833');
    expect(lastRevision([1, 3, 2].map((r) => makeReplicaSet({ name: `r${r}`, replicas: 0, revision: String(r) })))).toBe(2n);
  });

  it('copies the Deployment annotations but the skipped ones onto a new ReplicaSet, with revision and replica annotations', () => {
    const d = makeDeployment({ replicas: 10, annotations: { a: '1', [REVISION_ANNOTATION]: '5', [LAST_APPLIED_ANNOTATION]: '{}', [CHANGE_CAUSE_ANNOTATION]: 'why' } });
    const rs = makeReplicaSet({ name: 'n', replicas: 0 });
    expect(setNewReplicaSetAnnotations(d, rs, '3', false)).toBe(true);
    expect(rs.metadata?.annotations).toEqual({ a: '1', [CHANGE_CAUSE_ANNOTATION]: 'why', [REVISION_ANNOTATION]: '3', [DESIRED_REPLICAS_ANNOTATION]: '10', [MAX_REPLICAS_ANNOTATION]: '13' });
    expect(setNewReplicaSetAnnotations(d, rs, '3', true)).toBe(false);
  });

  it('keeps the revisions a ReplicaSet had in revision-history when a rollback raises its revision, within the length limit', () => {
    const d = makeDeployment();
    const rs = makeReplicaSet({ name: 'n', replicas: 1, revision: '1' });
    expect(setNewReplicaSetAnnotations(d, rs, '4', true)).toBe(true);
    expect(rs.metadata?.annotations?.[REVISION_ANNOTATION]).toBe('4');
    expect(rs.metadata?.annotations?.[REVISION_HISTORY_ANNOTATION]).toBe('1');
    setNewReplicaSetAnnotations(d, rs, '6', true);
    expect(rs.metadata?.annotations?.[REVISION_HISTORY_ANNOTATION]).toBe('1,4');
    // A lower revision never replaces a higher one.
    expect(setNewReplicaSetAnnotations(d, rs, '2', true)).toBe(false);
    const long = makeReplicaSet({ name: 'l', replicas: 1, revision: '12' });
    long.metadata!.annotations![REVISION_HISTORY_ANNOTATION] = 'aaaa,bbbb';
    setNewReplicaSetAnnotations(d, long, '13', true, 10);
    expect(long.metadata?.annotations?.[REVISION_HISTORY_ANNOTATION]).toBe('bbbb,12');
  });

  it('gives a Deployment rolled back to a ReplicaSet that ReplicaSet\'s annotations, keeping its own skipped ones', () => {
    const d = makeDeployment({ annotations: { [REVISION_ANNOTATION]: '3', [CHANGE_CAUSE_ANNOTATION]: 'new', other: 'x' } });
    const rs = makeReplicaSet({ name: 'old', replicas: 0, revision: '1', desired: 4 });
    rs.metadata!.annotations![CHANGE_CAUSE_ANNOTATION] = 'old';
    setDeploymentAnnotationsTo(d, rs);
    expect(d.metadata?.annotations).toEqual({ [REVISION_ANNOTATION]: '3', [CHANGE_CAUSE_ANNOTATION]: 'old' });
  });
});

describe('new and old ReplicaSets', () => {
  it('finds the oldest ReplicaSet whose template matches, ignoring pod-template-hash', () => {
    const d = makeDeployment({ image: 'img:1' });
    const older = makeReplicaSet({ name: 'older', replicas: 1, image: 'img:1', created: '2026-01-01T00:00:00Z' });
    const newer = makeReplicaSet({ name: 'newer', replicas: 1, image: 'img:1', created: '2026-01-02T00:00:00Z' });
    const other = makeReplicaSet({ name: 'other', replicas: 1, image: 'img:0' });
    expect(findNewReplicaSet(d, [newer, other, older])?.metadata?.name).toBe('older');
    expect(names(findOldReplicaSets(d, [newer, other, older]))).toEqual(['newer', 'other']);
    expect(equalIgnoreHash(older.spec?.template, d.spec?.template)).toBe(true);
    const labelled = structuredClone(d.spec!.template);
    labelled.metadata!.labels!.tier = 'x';
    expect(equalIgnoreHash(labelled, older.spec?.template)).toBe(false);
    expect(older.spec?.template?.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL]).toBe('h-older');
  });

  it('picks the one active ReplicaSet, or the new one when none is active, and none when several are', () => {
    const newRS = makeReplicaSet({ name: 'new', replicas: 0, created: '2026-01-03T00:00:00Z' });
    const old1 = makeReplicaSet({ name: 'old1', replicas: 3, created: '2026-01-01T00:00:00Z' });
    const old2 = makeReplicaSet({ name: 'old2', replicas: 0, created: '2026-01-02T00:00:00Z' });
    expect(findActiveOrLatest(newRS, [old1, old2])?.metadata?.name).toBe('old1');
    expect(findActiveOrLatest({ ...newRS, spec: { ...newRS.spec!, replicas: 1 } }, [old1])).toBeUndefined();
    expect(findActiveOrLatest(newRS, [old2])?.metadata?.name).toBe('new');
    expect(findActiveOrLatest(undefined, [{ ...old1, spec: { ...old1.spec!, replicas: 0 } }, old2])?.metadata?.name).toBe('old2');
  });

  it('calls a new ReplicaSet saturated when it is sized and annotated for spec.replicas and all are available', () => {
    const d = makeDeployment({ replicas: 10 });
    expect(isSaturated(d, makeReplicaSet({ name: 'n', replicas: 10, desired: 10 }))).toBe(true);
    expect(isSaturated(d, makeReplicaSet({ name: 'n', replicas: 10, desired: 10, available: 9 }))).toBe(false);
    expect(isSaturated(d, makeReplicaSet({ name: 'n', replicas: 10 }))).toBe(false);
  });

  it('grows the new ReplicaSet only within maxSurge during a rolling update, and fully for Recreate', () => {
    const d = makeDeployment({ replicas: 10, maxSurge: 2, maxUnavailable: 0 });
    const fresh = makeReplicaSet({ name: 'n', replicas: 0 });
    expect(newRSNewReplicas(d, [makeReplicaSet({ name: 'o', replicas: 10 }), fresh], fresh)).toBe(2);
    expect(newRSNewReplicas(d, [makeReplicaSet({ name: 'o', replicas: 5 }), fresh], fresh)).toBe(7);
    const two = makeReplicaSet({ name: 'n', replicas: 2 });
    expect(newRSNewReplicas(d, [makeReplicaSet({ name: 'o', replicas: 10 }), two], two)).toBe(2);
    expect(newRSNewReplicas(makeDeployment({ replicas: 10, recreate: true }), [fresh], fresh)).toBe(10);
  });
});

describe('proportional scaling', () => {
  const rs = (name: string, replicas: number, created: string, max?: number) => makeReplicaSet({ name, replicas, created, max });

  it('shares a scale-up by size, the larger ReplicaSet first', () => {
    const d = makeDeployment({ replicas: 20, maxSurge: 0, maxUnavailable: 1 });
    const r = proportionalSizes(d, [rs('new', 4, '2026-01-02T00:00:00Z', 10), rs('old', 6, '2026-01-01T00:00:00Z', 10)]);
    expect(r.direction).toBe('up');
    expect([...r.sizes.keys()][0]!.metadata?.name).toBe('old');
    expect(sizes(r.sizes)).toEqual({ old: 12, new: 8 });
    // Rounding would overshoot: the second ReplicaSet gets only what is left.
    expect(sizes(proportionalSizes(makeDeployment({ replicas: 15, maxSurge: 0, maxUnavailable: 1 }), [rs('new', 3, '2026-01-02T00:00:00Z', 10), rs('old', 7, '2026-01-01T00:00:00Z', 10)]).sizes))
      .toEqual({ old: 11, new: 4 });
  });

  it('shares a scale-down, giving the leftover to the largest, and empties every ReplicaSet when scaled to zero', () => {
    const d = makeDeployment({ replicas: 5, maxSurge: 0, maxUnavailable: 1 });
    const r = proportionalSizes(d, [rs('new', 3, '2026-01-02T00:00:00Z', 10), rs('old', 7, '2026-01-01T00:00:00Z', 10)]);
    expect(r.direction).toBe('down');
    expect(sizes(r.sizes)).toEqual({ old: 3, new: 2 });
    expect(sizes(proportionalSizes(makeDeployment({ replicas: 0 }), [rs('new', 3, '2026-01-02T00:00:00Z', 10), rs('old', 7, '2026-01-01T00:00:00Z', 10)]).sizes)).toEqual({ old: 0, new: 0 });
  });

  it('matches upstream\'s proportional-scaling e2e: 10 → 30 with maxSurge 3 splits 8 + 5 into 20 + 13', () => {
    const d = makeDeployment({ replicas: 30, maxSurge: 3, maxUnavailable: 2 });
    expect(sizes(proportionalSizes(d, [rs('first', 8, '2026-01-01T00:00:00Z', 13), rs('second', 5, '2026-01-02T00:00:00Z', 13)]).sizes)).toEqual({ first: 20, second: 13 });
  });

  it('falls back to status.replicas when a ReplicaSet lacks the max-replicas annotation', () => {
    const d = makeDeployment({ replicas: 20, maxSurge: 0, maxUnavailable: 1, status: { replicas: 10 } });
    expect(sizes(proportionalSizes(d, [rs('new', 4, '2026-01-02T00:00:00Z'), rs('old', 6, '2026-01-01T00:00:00Z')]).sizes)).toEqual({ old: 12, new: 8 });
  });

  it('rounds halves away from zero as Go does', () => {
    expect(roundHalfAwayFromZero(2.5)).toBe(3);
    expect(roundHalfAwayFromZero(-2.5)).toBe(-3);
    expect(roundHalfAwayFromZero(-2.4)).toBe(-2);
  });

  it('orders equal sizes newer first for scaling up and older first for scaling down, and history by revision', () => {
    const a = makeReplicaSet({ name: 'a', replicas: 2, created: '2026-01-01T00:00:00Z', revision: '10' });
    const b = makeReplicaSet({ name: 'b', replicas: 2, created: '2026-01-02T00:00:00Z', revision: '9' });
    const big = makeReplicaSet({ name: 'big', replicas: 5, created: '2026-01-03T00:00:00Z', revision: '11' });
    expect(names([a, b, big].sort(bySizeNewer))).toEqual(['big', 'b', 'a']);
    expect(names([a, b, big].sort(bySizeOlder))).toEqual(['big', 'a', 'b']);
    expect(names([big, a, b].sort(byRevision))).toEqual(['b', 'a', 'big']);
  });
});
