import { describe, expect, it } from 'vitest';
import type { V1DeploymentCondition, V1DeploymentStatus } from '@kubernetes/client-node';
import { makeDeployment, makeReplicaSet } from './fixtures.ts';
import {
  applyPausedCondition, calculateStatus, getCondition, newCondition, progressCheckAfterMs, rolloutStatus, sameStatus, setCondition,
} from './progress.ts';

const T0 = new Date('2026-01-01T00:00:00Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);
const progressing = (reason: string, status = 'True', t = T0): V1DeploymentCondition => ({ type: 'Progressing', status, reason, message: 'm', lastUpdateTime: t, lastTransitionTime: t });

describe('deployment status', () => {
  it('sums the ReplicaSets, leaves zero counts out, and reports minimum availability', () => {
    const d = makeDeployment({ replicas: 3, generation: 2 });
    const newRS = makeReplicaSet({ name: 'web-new', replicas: 3, available: 2 });
    const oldRS = makeReplicaSet({ name: 'web-old', replicas: 1 });
    const s = calculateStatus([oldRS, newRS], newRS, d, T0);
    expect(s).toMatchObject({ observedGeneration: 2, replicas: 4, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3, unavailableReplicas: 1 });
    expect(getCondition(s, 'Available')).toMatchObject({ status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' });
    const full = makeReplicaSet({ name: 'web-new', replicas: 3 });
    const done = calculateStatus([full], full, d, T0);
    expect(done).not.toHaveProperty('unavailableReplicas');
    const low = calculateStatus([makeReplicaSet({ name: 'web-new', replicas: 3, available: 1 })], undefined, d, T0);
    expect(low).not.toHaveProperty('updatedReplicas');
    expect(getCondition(low, 'Available')).toMatchObject({ status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' });
  });

  it('keeps a condition\'s transition time while its status stays, and changes nothing for the same status and reason', () => {
    const s: V1DeploymentStatus = { conditions: [progressing('ReplicaSetUpdated')] };
    setCondition(s, newCondition('Progressing', 'True', 'ReplicaSetUpdated', 'again', at(5)));
    expect(s.conditions![0]!.message).toBe('m');
    setCondition(s, newCondition('Progressing', 'True', 'NewReplicaSetAvailable', 'done', at(5)));
    expect(s.conditions![0]).toMatchObject({ reason: 'NewReplicaSetAvailable', lastTransitionTime: T0, lastUpdateTime: at(5) });
    setCondition(s, newCondition('Progressing', 'False', 'ProgressDeadlineExceeded', 'late', at(9)));
    expect(s.conditions![0]!.lastTransitionTime).toEqual(at(9));
  });

  it('compares statuses by their wire form', () => {
    const a: V1DeploymentStatus = { replicas: 1, conditions: [progressing('x')] };
    expect(sameStatus(a, structuredClone(a))).toBe(true);
    expect(sameStatus(a, { ...a, replicas: 2 })).toBe(false);
  });
});

describe('the Progressing condition', () => {
  const rs = (available: number) => makeReplicaSet({ name: 'web-abc', replicas: 3, available });

  it('says NewReplicaSetAvailable once every replica is updated and available', () => {
    const d = makeDeployment({ replicas: 3, progressDeadlineSeconds: 600, status: { conditions: [progressing('ReplicaSetUpdated')] } });
    const s = rolloutStatus([rs(3)], rs(3), d, at(1));
    expect(getCondition(s, 'Progressing')).toMatchObject({ status: 'True', reason: 'NewReplicaSetAvailable', message: 'ReplicaSet "web-abc" has successfully progressed.' });
  });

  it('refreshes lastUpdateTime on progress but keeps lastTransitionTime', () => {
    const d = makeDeployment({ replicas: 3, progressDeadlineSeconds: 600, status: { replicas: 3, updatedReplicas: 3, availableReplicas: 1, readyReplicas: 1, conditions: [progressing('ReplicaSetUpdated')] } });
    const c = getCondition(rolloutStatus([rs(2)], rs(2), d, at(30)), 'Progressing');
    expect(c).toMatchObject({ reason: 'ReplicaSetUpdated', message: 'ReplicaSet "web-abc" is progressing.', lastTransitionTime: T0, lastUpdateTime: at(30) });
  });

  it('turns False with ProgressDeadlineExceeded when nothing progressed within progressDeadlineSeconds, and says when to look', () => {
    const d = makeDeployment({ replicas: 3, progressDeadlineSeconds: 10, status: { observedGeneration: 1, replicas: 3, updatedReplicas: 3, readyReplicas: 1, availableReplicas: 1, unavailableReplicas: 2, conditions: [progressing('NewReplicaSetCreated')] } });
    const early = rolloutStatus([rs(1)], rs(1), d, at(5));
    expect(getCondition(early, 'Progressing')?.reason).toBe('NewReplicaSetCreated');
    expect(progressCheckAfterMs(d, early, at(5))).toBe(6_000);
    const late = rolloutStatus([rs(1)], rs(1), d, at(11));
    expect(getCondition(late, 'Progressing')).toMatchObject({ status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "web-abc" has timed out progressing.' });
    const timedOut = makeDeployment({ replicas: 3, progressDeadlineSeconds: 10, status: late });
    expect(progressCheckAfterMs(timedOut, late, at(12))).toBeUndefined();
  });

  it('is removed without a progress deadline; ReplicaFailure follows the ReplicaSets', () => {
    const d = makeDeployment({ replicas: 3, status: { conditions: [progressing('ReplicaSetUpdated'), { type: 'ReplicaFailure', status: 'True' }] } });
    const failing = rs(1);
    failing.status!.conditions = [{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'quota', lastTransitionTime: at(3) }];
    const s = rolloutStatus([failing], failing, d, at(4));
    expect(getCondition(s, 'Progressing')).toBeUndefined();
    expect(getCondition(s, 'ReplicaFailure')).toMatchObject({ status: 'True', reason: 'FailedCreate', message: 'quota', lastUpdateTime: at(3) });
    expect(getCondition(rolloutStatus([rs(3)], rs(3), d, at(4)), 'ReplicaFailure')).toBeUndefined();
  });

  it('is Unknown with DeploymentPaused while paused and DeploymentResumed after, but never replaces a timeout', () => {
    const d = makeDeployment({ progressDeadlineSeconds: 600, status: { conditions: [progressing('ReplicaSetUpdated')] } });
    d.spec!.paused = true;
    expect(applyPausedCondition(d, at(1))).toBe(true);
    expect(getCondition(d.status, 'Progressing')).toMatchObject({ status: 'Unknown', reason: 'DeploymentPaused', message: 'Deployment is paused' });
    expect(applyPausedCondition(d, at(2))).toBe(false);
    d.spec!.paused = false;
    expect(applyPausedCondition(d, at(3))).toBe(true);
    expect(getCondition(d.status, 'Progressing')).toMatchObject({ status: 'Unknown', reason: 'DeploymentResumed', message: 'Deployment is resumed' });
    const late = makeDeployment({ progressDeadlineSeconds: 600, status: { conditions: [progressing('ProgressDeadlineExceeded', 'False')] } });
    late.spec!.paused = true;
    expect(applyPausedCondition(late, at(1))).toBe(false);
  });
});
