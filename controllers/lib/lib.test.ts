import { describe, expect, it } from 'vitest';
import type { V1Pod } from '@kubernetes/client-node';
import { ControllerExpectations } from './expectations.ts';
import { computeHash, safeEncode } from './hash.ts';
import { compareForDeletion, deletionCostOf, isPodAvailable, POD_DELETION_COST, ranksByNodeCrowding } from './pods.ts';
import { podFromTemplate, slowStartBatch } from './podcontrol.ts';

describe('controller expectations', () => {
  it('holds an owner until every expected creation and deletion is observed, then frees it', () => {
    const e = new ControllerExpectations();
    expect(e.satisfied('ns/a')).toBe(true);
    e.expectCreations('ns/a', 2);
    expect(e.satisfied('ns/a')).toBe(false);
    e.creationObserved('ns/a');
    expect(e.satisfied('ns/a')).toBe(false);
    e.creationObserved('ns/a');
    expect(e.satisfied('ns/a')).toBe(true);
    e.expectDeletions('ns/a', ['u1', 'u2']);
    e.deletionObserved('ns/a', 'u1');
    e.deletionObserved('ns/a', 'u1');
    expect(e.satisfied('ns/a')).toBe(false);
    e.deletionObserved('ns/a', 'u2');
    expect(e.satisfied('ns/a')).toBe(true);
  });

  it('gives up on expectations older than the timeout', () => {
    let now = 0;
    const e = new ControllerExpectations(() => now, 1000);
    e.expectCreations('k', 3);
    now = 999;
    expect(e.satisfied('k')).toBe(false);
    now = 1001;
    expect(e.satisfied('k')).toBe(true);
  });
});

describe('template hash', () => {
  it('is stable, ignores key order, changes with the template or the collision count, and uses the safe alphabet', () => {
    const a = computeHash({ metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } });
    const b = computeHash({ spec: { containers: [{ image: 'nginx:1', name: 'c' }] }, metadata: { labels: { app: 'web' } } });
    expect(a).toBe(b);
    expect(a).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    expect(computeHash({ spec: { containers: [{ name: 'c', image: 'nginx:2' }] } })).not.toBe(computeHash({ spec: { containers: [{ name: 'c', image: 'nginx:1' }] } }));
    expect(computeHash({ x: 1 }, 1)).not.toBe(computeHash({ x: 1 }, 0));
    expect(safeEncode('0123456789')).toBe('456789bcdf');
  });
});

const pod = (name: string, o: { node?: string; phase?: string; ready?: boolean; readySince?: string; created?: string; restarts?: number } = {}): V1Pod => ({
  metadata: { name, creationTimestamp: new Date(o.created ?? '2026-01-01T00:00:00Z') },
  spec: { containers: [], ...(o.node ? { nodeName: o.node } : {}) },
  status: {
    phase: o.phase ?? 'Running',
    conditions: o.ready === undefined ? [] : [{ type: 'Ready', status: o.ready ? 'True' : 'False', lastTransitionTime: new Date(o.readySince ?? '2026-01-01T00:00:00Z') }],
    containerStatuses: [{ name: 'c', image: 'i', imageID: '', ready: !!o.ready, restartCount: o.restarts ?? 0 }],
  },
});

describe('which pods go first', () => {
  it('orders unscheduled, pending, not ready, crowded, newly ready, restarting, then newer pods first', () => {
    const list = [
      pod('old-ready', { node: 'n1', ready: true, readySince: '2026-01-01T00:00:00Z' }),
      pod('new-ready', { node: 'n2', ready: true, readySince: '2026-01-02T00:00:00Z' }),
      pod('not-ready', { node: 'n1', ready: false }),
      pod('pending', { node: 'n1', phase: 'Pending' }),
      pod('unscheduled', { phase: 'Pending' }),
    ];
    const sorted = [...list].sort((a, b) => compareForDeletion(a, b));
    expect(sorted.map((p) => p.metadata?.name)).toEqual(['unscheduled', 'pending', 'not-ready', 'new-ready', 'old-ready']);
    const crowded = [pod('alone', { node: 'a', ready: true }), pod('crowd1', { node: 'b', ready: true }), pod('crowd2', { node: 'b', ready: true })];
    const ranks = ranksByNodeCrowding(crowded, crowded);
    expect([...crowded].sort((a, b) => compareForDeletion(a, b, ranks))[2]!.metadata?.name).toBe('alone');
    const restarts = [pod('calm', { node: 'a', ready: true }), pod('flaky', { node: 'a', ready: true, restarts: 5 })];
    expect([...restarts].sort((a, b) => compareForDeletion(a, b))[0]!.metadata?.name).toBe('flaky');
  });

  it('deletes lower pod-deletion-cost first, ignoring malformed costs', () => {
    const withCost = (name: string, cost?: string) => {
      const p = pod(name, { node: 'a', ready: true });
      if (cost !== undefined) p.metadata!.annotations = { [POD_DELETION_COST]: cost };
      return p;
    };
    const list = [withCost('high', '100'), withCost('none'), withCost('low', '-5'), withCost('bad', '+7'), withCost('zeros', '007')];
    expect(deletionCostOf(list[3]!)).toBe(0);
    expect(deletionCostOf(list[4]!)).toBe(0);
    const sorted = [...list].sort((a, b) => compareForDeletion(a, b));
    expect(sorted[0]!.metadata?.name).toBe('low');
    expect(sorted[4]!.metadata?.name).toBe('high');
  });

  it('compares ready and creation times on a log scale when given the time, breaking ties by UID', () => {
    const now = Date.parse('2026-01-01T01:00:00Z');
    const at = (name: string, uid: string, readySince: string) => {
      const p = pod(name, { node: 'a', ready: true, readySince });
      p.metadata!.uid = uid;
      return p;
    };
    // Ready 100 s and 101 s: the same power of two, so the UID decides; 1 h is older by buckets.
    const a = at('a', 'uid-b', '2026-01-01T00:58:20Z');
    const b = at('b', 'uid-a', '2026-01-01T00:58:19Z');
    const old = at('old', 'uid-0', '2026-01-01T00:00:00Z');
    expect([a, b, old].sort((x, y) => compareForDeletion(x, y, undefined, now)).map((p) => p.metadata?.name)).toEqual(['b', 'a', 'old']);
    // Without a time, plain order: the most recently ready first.
    expect([b, a, old].sort((x, y) => compareForDeletion(x, y)).map((p) => p.metadata?.name)).toEqual(['a', 'b', 'old']);
  });

  it('counts a pod available only once it has been ready for minReadySeconds', () => {
    const p = pod('p', { ready: true, readySince: '2026-01-01T00:00:00Z' });
    const t = Date.parse('2026-01-01T00:00:10Z');
    expect(isPodAvailable(p, 0, t)).toBe(true);
    expect(isPodAvailable(p, 10, t)).toBe(true);
    expect(isPodAvailable(p, 11, t)).toBe(false);
    expect(isPodAvailable(pod('q', { ready: false }), 0, t)).toBe(false);
  });
});

describe('pods from a template', () => {
  it('copies labels, annotations, finalizers and spec, generates the name from the owner, and sets the controller ref', () => {
    const ref = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'u', controller: true, blockOwnerDeletion: true };
    const p = podFromTemplate({ metadata: { labels: { app: 'web' }, annotations: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } }, 'web', ref);
    expect(p.metadata).toEqual({ generateName: 'web-', labels: { app: 'web' }, annotations: { a: 'b' }, ownerReferences: [ref] });
    expect(p.spec?.containers[0]?.image).toBe('i');
  });

  it('creates in doubling batches and stops at the first failing batch', async () => {
    let calls = 0;
    const ok = await slowStartBatch(10, 1, async () => { calls++; });
    expect(ok).toEqual({ succeeded: 10 });
    expect(calls).toBe(10);
    calls = 0;
    const failing = await slowStartBatch(10, 1, async () => { calls++; if (calls > 2) throw new Error('quota'); });
    expect(calls).toBe(3); // batches of 1 and 2, then the batch of 4 stops after its errors
    expect(failing.succeeded).toBe(2);
  });
});
