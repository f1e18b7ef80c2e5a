// A Deployment's status and conditions (upstream pkg/controller/deployment/progress.go and the
// condition helpers of deployment/util): the counts summed over its ReplicaSets, Available from
// minimum availability, and Progressing from rollout progress against progressDeadlineSeconds.
// Pure: the clock is a parameter.
import type { V1Deployment, V1DeploymentCondition, V1DeploymentStatus, V1ReplicaSet, V1ReplicaSetCondition } from '@kubernetes/client-node';
import { encode, millisOf } from '../../client/index.ts';
import {
  AVAILABLE, PROGRESSING, REPLICA_FAILURE, Reason, actualReplicaCount, availableReplicaCount, canonicalJson, hasProgressDeadline,
  maxUnavailable, readyReplicaCount, replicaCount, specReplicas,
} from './util.ts';

/** metav1.Now as it is stored: whole seconds. */
export const truncateToSeconds = (t: Date): Date => new Date(Math.floor(t.getTime() / 1000) * 1000);

export function newCondition(type: string, status: 'True' | 'False' | 'Unknown', reason: string, message: string, now: Date): V1DeploymentCondition {
  const t = truncateToSeconds(now);
  return { type, status, reason, message, lastUpdateTime: t, lastTransitionTime: t };
}

export function getCondition(status: V1DeploymentStatus | undefined, type: string): V1DeploymentCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/**
 * Upstream SetDeploymentCondition: nothing changes when status and reason are already these;
 * the transition time is kept while the status stays; the condition moves to the end.
 */
export function setCondition(status: V1DeploymentStatus, c: V1DeploymentCondition): void {
  const current = getCondition(status, c.type);
  if (current && current.status === c.status && current.reason === c.reason) return;
  const next = { ...c };
  if (current && current.status === c.status) next.lastTransitionTime = current.lastTransitionTime;
  status.conditions = [...(status.conditions ?? []).filter((x) => x.type !== c.type), next];
}

export function removeCondition(status: V1DeploymentStatus, type: string): void {
  if (!status.conditions) return;
  status.conditions = status.conditions.filter((c) => c.type !== type);
  if (status.conditions.length === 0) delete status.conditions;
}

/** Every replica updated, existing and available, and this generation observed. */
export function deploymentComplete(d: V1Deployment, s: V1DeploymentStatus): boolean {
  const replicas = specReplicas(d);
  return (s.updatedReplicas ?? 0) === replicas && (s.replicas ?? 0) === replicas && (s.availableReplicas ?? 0) === replicas
    && (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
}

/** Any progress since the stored status: more updated, fewer old, more ready or more available pods. */
export function deploymentProgressing(d: V1Deployment, s: V1DeploymentStatus): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) || newOld < oldOld
    || (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) || (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0);
}

/** The Progressing condition was last updated longer than progressDeadlineSeconds ago. */
export function deploymentTimedOut(d: V1Deployment, s: V1DeploymentStatus, now: Date): boolean {
  if (!hasProgressDeadline(d)) return false;
  const c = getCondition(s, PROGRESSING);
  if (!c) return false;
  // A finished rollout is not re-judged; a timed-out one stays timed out.
  if (c.reason === Reason.NewRSAvailable) return false;
  if (c.reason === Reason.TimedOut) return true;
  const from = millisOf(c.lastUpdateTime) ?? 0;
  return from + d.spec!.progressDeadlineSeconds! * 1000 < now.getTime();
}

/**
 * The status the ReplicaSets add up to (upstream calculateStatus), with the Available condition.
 * Counts that are zero are left out, as upstream's omitempty fields are on the wire.
 */
export function calculateStatus(allRSs: Array<V1ReplicaSet | undefined>, newRS: V1ReplicaSet | undefined, d: V1Deployment, now: Date): V1DeploymentStatus {
  const available = availableReplicaCount(allRSs);
  const unavailable = Math.max(0, replicaCount(allRSs) - available);
  const status: V1DeploymentStatus = {};
  const put = (k: 'observedGeneration' | 'replicas' | 'updatedReplicas' | 'readyReplicas' | 'availableReplicas' | 'unavailableReplicas', v: number) => {
    if (v !== 0) status[k] = v;
  };
  put('observedGeneration', d.metadata?.generation ?? 0);
  put('replicas', actualReplicaCount(allRSs));
  put('updatedReplicas', actualReplicaCount([newRS]));
  put('readyReplicas', readyReplicaCount(allRSs));
  put('availableReplicas', available);
  put('unavailableReplicas', unavailable);
  if (d.status?.conditions?.length) status.conditions = d.status.conditions.map((c) => ({ ...c }));
  if (d.status?.collisionCount !== undefined && d.status.collisionCount !== null) status.collisionCount = d.status.collisionCount;
  if (available >= specReplicas(d) - maxUnavailable(d)) {
    setCondition(status, newCondition(AVAILABLE, 'True', Reason.MinimumReplicasAvailable, 'Deployment has minimum availability.', now));
  } else {
    setCondition(status, newCondition(AVAILABLE, 'False', Reason.MinimumReplicasUnavailable, 'Deployment does not have minimum availability.', now));
  }
  return status;
}

/** A ReplicaSet's ReplicaFailure condition as the Deployment's (both times from its transition). */
function replicaSetToDeploymentCondition(c: V1ReplicaSetCondition): V1DeploymentCondition {
  return { type: c.type, status: c.status, reason: c.reason, message: c.message, lastTransitionTime: c.lastTransitionTime, lastUpdateTime: c.lastTransitionTime };
}

/** The new ReplicaSet's ReplicaFailure conditions, else those of any ReplicaSet. */
export function replicaFailures(allRSs: Array<V1ReplicaSet | undefined>, newRS: V1ReplicaSet | undefined): V1DeploymentCondition[] {
  const of = (rs: V1ReplicaSet) => (rs.status?.conditions ?? []).filter((c) => c.type === REPLICA_FAILURE).map(replicaSetToDeploymentCondition);
  if (newRS) {
    const own = of(newRS);
    if (own.length > 0) return own;
  }
  return allRSs.flatMap((rs) => (rs ? of(rs) : []));
}

/**
 * The status during a rollout (upstream syncRolloutStatus, without the write): calculateStatus,
 * then Progressing — NewReplicaSetAvailable once complete, ReplicaSetUpdated on any progress
 * (keeping the transition time), ProgressDeadlineExceeded past the deadline — and ReplicaFailure.
 */
export function rolloutStatus(allRSs: Array<V1ReplicaSet | undefined>, newRS: V1ReplicaSet | undefined, d: V1Deployment, now: Date): V1DeploymentStatus {
  const status = calculateStatus(allRSs, newRS, d, now);
  if (!hasProgressDeadline(d)) removeCondition(status, PROGRESSING);
  const current = getCondition(d.status, PROGRESSING);
  const alreadyComplete = (status.replicas ?? 0) === (status.updatedReplicas ?? 0) && current?.reason === Reason.NewRSAvailable;
  if (hasProgressDeadline(d) && !alreadyComplete) {
    const name = d.metadata?.name ?? '';
    if (deploymentComplete(d, status)) {
      const msg = newRS ? `ReplicaSet "${newRS.metadata?.name}" has successfully progressed.` : `Deployment "${name}" has successfully progressed.`;
      setCondition(status, newCondition(PROGRESSING, 'True', Reason.NewRSAvailable, msg, now));
    } else if (deploymentProgressing(d, status)) {
      const msg = newRS ? `ReplicaSet "${newRS.metadata?.name}" is progressing.` : `Deployment "${name}" is progressing.`;
      const c = newCondition(PROGRESSING, 'True', Reason.ReplicaSetUpdated, msg, now);
      // Progress refreshes lastUpdateTime even when the reason stays the same.
      if (current) {
        if (current.status === 'True') c.lastTransitionTime = current.lastTransitionTime;
        removeCondition(status, PROGRESSING);
      }
      setCondition(status, c);
    } else if (deploymentTimedOut(d, status, now)) {
      const msg = newRS ? `ReplicaSet "${newRS.metadata?.name}" has timed out progressing.` : `Deployment "${name}" has timed out progressing.`;
      setCondition(status, newCondition(PROGRESSING, 'False', Reason.TimedOut, msg, now));
    }
  }
  const failures = replicaFailures(allRSs, newRS);
  if (failures.length > 0) setCondition(status, failures[0]!);
  else removeCondition(status, REPLICA_FAILURE);
  return status;
}

/**
 * When to look again for a progress deadline (upstream requeueStuckDeployment): undefined when
 * no check is due (no deadline, complete, or already timed out), otherwise the milliseconds
 * until the Progressing condition's lastUpdateTime plus the deadline, and a second more.
 */
export function progressCheckAfterMs(d: V1Deployment, newStatus: V1DeploymentStatus, now: Date): number | undefined {
  const current = getCondition(d.status, PROGRESSING);
  if (!hasProgressDeadline(d) || !current) return undefined;
  if (deploymentComplete(d, newStatus) || current.reason === Reason.TimedOut) return undefined;
  const after = (millisOf(current.lastUpdateTime) ?? 0) + d.spec!.progressDeadlineSeconds! * 1000 - now.getTime();
  // Under a second: look again almost at once (upstream: rate-limited now).
  if (after < 1000) return 100;
  return after + 1000;
}

/**
 * The Progressing condition for a paused or resumed Deployment (upstream
 * checkPausedConditions): Unknown/DeploymentPaused while paused, Unknown/DeploymentResumed once
 * resumed, never over a ProgressDeadlineExceeded. True when the status changed.
 */
export function applyPausedCondition(d: V1Deployment, now: Date): boolean {
  if (!hasProgressDeadline(d)) return false;
  d.status ??= {};
  const c = getCondition(d.status, PROGRESSING);
  if (c?.reason === Reason.TimedOut) return false;
  const pausedCond = c?.reason === Reason.Paused;
  if (d.spec?.paused && !pausedCond) {
    setCondition(d.status, newCondition(PROGRESSING, 'Unknown', Reason.Paused, 'Deployment is paused', now));
    return true;
  }
  if (!d.spec?.paused && pausedCond) {
    setCondition(d.status, newCondition(PROGRESSING, 'Unknown', Reason.Resumed, 'Deployment is resumed', now));
    return true;
  }
  return false;
}

/** Upstream compares statuses with DeepEqual; we compare their wire forms. */
export function sameStatus(a: V1DeploymentStatus | undefined, b: V1DeploymentStatus | undefined): boolean {
  return canonicalJson(encode(a ?? {}, 'V1DeploymentStatus')) === canonicalJson(encode(b ?? {}, 'V1DeploymentStatus'));
}
