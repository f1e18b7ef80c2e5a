import { describe, expect, it } from 'vitest';
import type { V1Pod } from '@kubernetes/client-node';
import { makeReplicaSet } from './fixtures.ts';
import { oldPodsRunning } from './recreate.ts';

const pod = (phase: string): V1Pod => ({ metadata: { name: `p-${phase}` }, status: { phase } });

describe('Recreate: old pods running', () => {
  it('waits for old ReplicaSets to report no pods and for every old pod to be terminal or gone', () => {
    const newRS = makeReplicaSet({ name: 'new', replicas: 0 });
    const old = makeReplicaSet({ name: 'old', replicas: 0 });
    const oldUid = old.metadata!.uid!;
    const newUid = newRS.metadata!.uid!;
    expect(oldPodsRunning(newRS, [makeReplicaSet({ name: 'old', replicas: 0, actual: 1 })], new Map())).toBe(true);
    expect(oldPodsRunning(newRS, [old], new Map([[oldUid, [pod('Running')]]]))).toBe(true);
    expect(oldPodsRunning(newRS, [old], new Map([[oldUid, [pod('Pending')]]]))).toBe(true);
    expect(oldPodsRunning(newRS, [old], new Map([[oldUid, [pod('Succeeded'), pod('Failed')]], [newUid, [pod('Running')]]]))).toBe(false);
    expect(oldPodsRunning(undefined, [old], new Map([[oldUid, []]]))).toBe(false);
  });
});
