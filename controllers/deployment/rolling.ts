// The RollingUpdate strategy (upstream rolling.go): each sync takes one step — grow the new
// ReplicaSet within maxSurge, or else shrink the old ones within maxUnavailable (unhealthy
// replicas first) — and then writes the rollout status. The step decisions are pure functions.
import type { V1Deployment, V1ReplicaSet } from '@kubernetes/client-node';
import { cleanupDeployment } from './history.ts';
import { deploymentComplete } from './progress.ts';
import {
  getAllReplicaSetsAndSyncRevision, scaleReplicaSetAndRecordEvent, syncRolloutStatus, type DeploymentContext, type SyncOutcome,
} from './sync.ts';
import { availableReplicaCount, byCreationTimestamp, filterActive, maxUnavailable, newRSNewReplicas, replicaCount, specReplicas } from './util.ts';

/** The size the new ReplicaSet should have now, or undefined when it stays as it is. */
export function newReplicaSetTarget(d: V1Deployment, allRSs: V1ReplicaSet[], newRS: V1ReplicaSet): number | undefined {
  const replicas = specReplicas(d);
  if (specReplicas(newRS) === replicas) return undefined;
  if (specReplicas(newRS) > replicas) return replicas;
  const target = newRSNewReplicas(d, allRSs, newRS);
  return target === specReplicas(newRS) ? undefined : target;
}

/**
 * How many old replicas may go at all this step (upstream reconcileOldReplicaSets): all pods
 * minus the minimum available minus the new ReplicaSet's unavailable ones, which must not be
 * counted on.
 */
export function maxScaledDown(d: V1Deployment, allRSs: V1ReplicaSet[], newRS: V1ReplicaSet): number {
  const minAvailable = specReplicas(d) - maxUnavailable(d);
  const newUnavailable = specReplicas(newRS) - (newRS.status?.availableReplicas ?? 0);
  return replicaCount(allRSs) - minAvailable - newUnavailable;
}

export interface ScaleStep { rs: V1ReplicaSet; to: number }

/**
 * Old ReplicaSets' unavailable replicas go first, oldest ReplicaSet first, up to `limit`
 * (upstream cleanupUnhealthyReplicas): they serve nothing and would hold the rollout up.
 */
export function unhealthyCleanupSteps(oldRSs: V1ReplicaSet[], limit: number): { steps: ScaleStep[]; total: number } {
  const steps: ScaleStep[] = [];
  let total = 0;
  for (const rs of [...oldRSs].sort(byCreationTimestamp)) {
    if (total >= limit) break;
    const replicas = specReplicas(rs);
    const available = rs.status?.availableReplicas ?? 0;
    if (replicas === 0 || replicas === available) continue;
    const n = Math.min(limit - total, replicas - available);
    if (replicas - n > replicas) throw new Error(`when cleaning up unhealthy replicas, got invalid request to scale down ${rs.metadata?.namespace}/${rs.metadata?.name} ${replicas} -> ${replicas - n}`);
    steps.push({ rs, to: replicas - n });
    total += n;
  }
  return { steps, total };
}

/**
 * Old replicas beyond the minimum available go, oldest ReplicaSet first (upstream
 * scaleDownOldReplicaSetsForRollingUpdate). `allRSs` carries the sizes after the unhealthy cleanup.
 */
export function scaleDownSteps(d: V1Deployment, allRSs: V1ReplicaSet[], oldRSs: V1ReplicaSet[]): { steps: ScaleStep[]; total: number } {
  const minAvailable = specReplicas(d) - maxUnavailable(d);
  const available = availableReplicaCount(allRSs);
  if (available <= minAvailable) return { steps: [], total: 0 };
  const wanted = available - minAvailable;
  const steps: ScaleStep[] = [];
  let total = 0;
  for (const rs of [...oldRSs].sort(byCreationTimestamp)) {
    if (total >= wanted) break;
    const replicas = specReplicas(rs);
    if (replicas === 0) continue;
    const n = Math.min(replicas, wanted - total);
    steps.push({ rs, to: replicas - n });
    total += n;
  }
  return { steps, total };
}

async function reconcileNewReplicaSet(cx: DeploymentContext, allRSs: V1ReplicaSet[], newRS: V1ReplicaSet, d: V1Deployment): Promise<boolean> {
  const target = newReplicaSetTarget(d, allRSs, newRS);
  if (target === undefined) return false;
  return (await scaleReplicaSetAndRecordEvent(cx, newRS, target, d)).scaled;
}

async function reconcileOldReplicaSets(cx: DeploymentContext, allRSs: V1ReplicaSet[], activeOldRSs: V1ReplicaSet[], newRS: V1ReplicaSet, d: V1Deployment): Promise<boolean> {
  if (replicaCount(activeOldRSs) === 0) return false;
  const limit = maxScaledDown(d, allRSs, newRS);
  if (limit <= 0) return false;
  const cleanup = unhealthyCleanupSteps(activeOldRSs, limit);
  const after = new Map<V1ReplicaSet, V1ReplicaSet>();
  for (const step of cleanup.steps) after.set(step.rs, (await scaleReplicaSetAndRecordEvent(cx, step.rs, step.to, d)).rs);
  const oldAfter = activeOldRSs.map((rs) => after.get(rs) ?? rs);
  const scaleDown = scaleDownSteps(d, [...oldAfter, newRS], oldAfter);
  for (const step of scaleDown.steps) await scaleReplicaSetAndRecordEvent(cx, step.rs, step.to, d);
  return cleanup.total + scaleDown.total > 0;
}

export async function rolloutRolling(cx: DeploymentContext, d: V1Deployment, rsList: V1ReplicaSet[]): Promise<SyncOutcome> {
  const { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(cx, d, rsList, true);
  // Created, or found, just above: a rolling update always has a new ReplicaSet here.
  const allRSs = [...oldRSs, newRS!];
  if (await reconcileNewReplicaSet(cx, allRSs, newRS!, d)) return syncRolloutStatus(cx, allRSs, newRS, d);
  if (await reconcileOldReplicaSets(cx, allRSs, filterActive(oldRSs), newRS!, d)) return syncRolloutStatus(cx, allRSs, newRS, d);
  if (deploymentComplete(d, d.status ?? {})) await cleanupDeployment(cx, oldRSs, d);
  return syncRolloutStatus(cx, allRSs, newRS, d);
}
