import { describe, expect, it } from 'vitest';
import type { V1ReplicaSet } from '@kubernetes/client-node';
import { makeDeployment, makeReplicaSet } from './fixtures.ts';
import { maxScaledDown, newReplicaSetTarget, scaleDownSteps, unhealthyCleanupSteps } from './rolling.ts';
import { maxSurge, maxUnavailable } from './util.ts';

const rs = (name: string, replicas: number, available = replicas, created = '2026-01-01T00:00:00Z') => makeReplicaSet({ name, replicas, available, created });
const stepSizes = (steps: Array<{ rs: V1ReplicaSet; to: number }>) => steps.map((s) => [s.rs.metadata?.name, s.to]);

describe('rolling update: the new ReplicaSet', () => {
  const d = makeDeployment({ replicas: 10, maxSurge: 2, maxUnavailable: 0 });
  it('grows within maxSurge and shrinks to spec.replicas when above it', () => {
    const grow = (oldN: number, newN: number) => { const n = rs('new', newN, 0); return newReplicaSetTarget(d, [rs('old', oldN), n], n); };
    expect(grow(10, 0)).toBe(2);
    expect(grow(5, 0)).toBe(7);
    expect(grow(10, 2)).toBeUndefined();
    expect(grow(2, 11)).toBe(10);
    expect(grow(0, 10)).toBeUndefined();
  });
});

describe('rolling update: the old ReplicaSets', () => {
  const plan = (d: ReturnType<typeof makeDeployment>, old: V1ReplicaSet[], newRS: V1ReplicaSet) => {
    const limit = maxScaledDown(d, [...old, newRS], newRS);
    if (limit <= 0) return { limit, cleanup: [], scaleDown: [] };
    const cleanup = unhealthyCleanupSteps(old, limit);
    const after = old.map((o) => {
      const s = cleanup.steps.find((x) => x.rs === o);
      return s ? { ...o, spec: { ...o.spec!, replicas: s.to } } : o;
    });
    const down = scaleDownSteps(d, [...after, newRS], after);
    return { limit, cleanup: stepSizes(cleanup.steps), scaleDown: stepSizes(down.steps) };
  };

  it('scales down only what maxUnavailable allows, unhealthy replicas first', () => {
    const d = makeDeployment({ replicas: 10, maxSurge: 0, maxUnavailable: 2 });
    expect(plan(d, [rs('old', 10)], rs('new', 0))).toEqual({ limit: 2, cleanup: [], scaleDown: [['old', 8]] });
    expect(plan(d, [rs('old', 10, 8)], rs('new', 0))).toEqual({ limit: 2, cleanup: [['old', 8]], scaleDown: [] });
    expect(plan(d, [rs('old', 10, 9)], rs('new', 0))).toEqual({ limit: 2, cleanup: [['old', 9]], scaleDown: [['old', 8]] });
  });

  it('waits while the new ReplicaSet\'s replicas are unavailable, then takes from the oldest ReplicaSet first', () => {
    const d = makeDeployment({ replicas: 10, maxSurge: 2, maxUnavailable: 0 });
    expect(plan(d, [rs('old', 10)], rs('new', 2, 0)).limit).toBe(0);
    expect(plan(d, [rs('old', 10)], rs('new', 2, 2))).toEqual({ limit: 2, cleanup: [], scaleDown: [['old', 8]] });
    const d3 = makeDeployment({ replicas: 10, maxSurge: 0, maxUnavailable: 3 });
    const oldest = rs('old1', 3, 3, '2026-01-01T00:00:00Z');
    const older = rs('old2', 4, 4, '2026-01-02T00:00:00Z');
    expect(plan(d3, [older, oldest], rs('new', 3, 3, '2026-01-03T00:00:00Z'))).toEqual({ limit: 3, cleanup: [], scaleDown: [['old1', 0]] });
  });

  it('refuses to "clean up" a ReplicaSet that reports more available replicas than it wants (a stale status)', () => {
    expect(() => unhealthyCleanupSteps([rs('old', 5, 6)], 3)).toThrow(/invalid request to scale down/);
  });
});

describe('a whole rolling update, step by step', () => {
  const cases: Array<[number, number | string, number | string]> = [[10, '25%', '25%'], [4, 1, 0], [5, 0, 1], [7, '35%', '35%'], [3, '100%', 0], [10, 0, '100%']];
  it.each(cases)('replicas %s, maxSurge %s, maxUnavailable %s: stays within both bounds and finishes', (replicas, surge, unavailable) => {
    const d = makeDeployment({ replicas, maxSurge: surge, maxUnavailable: unavailable });
    const minAvailable = replicas - maxUnavailable(d);
    const ceiling = replicas + maxSurge(d);
    // New pods become available one step after they are asked for; removed pods vanish at once.
    let old = rs('old', replicas);
    let neu = rs('new', 0, 0, '2026-01-02T00:00:00Z');
    for (let step = 0; step < 100; step++) {
      const available = (old.status?.availableReplicas ?? 0) + (neu.status?.availableReplicas ?? 0);
      expect(available).toBeGreaterThanOrEqual(minAvailable);
      expect((old.spec?.replicas ?? 0) + (neu.spec?.replicas ?? 0)).toBeLessThanOrEqual(ceiling);
      if (neu.spec?.replicas === replicas && old.spec?.replicas === 0 && available === replicas) return;
      neu = rs('new', neu.spec!.replicas!, neu.spec!.replicas!, '2026-01-02T00:00:00Z');
      const target = newReplicaSetTarget(d, [old, neu], neu);
      if (target !== undefined) { neu = rs('new', target, neu.status!.availableReplicas!, '2026-01-02T00:00:00Z'); continue; }
      const limit = maxScaledDown(d, [old, neu], neu);
      if (limit > 0) {
        const cleanup = unhealthyCleanupSteps([old], limit);
        for (const s of cleanup.steps) old = rs('old', s.to);
        for (const s of scaleDownSteps(d, [old, neu], [old]).steps) old = rs('old', s.to);
      }
    }
    throw new Error('the rollout did not finish in 100 steps');
  });
});
