// Revision history (upstream cleanupDeployment): old ReplicaSets are the rollback targets
// `kubectl rollout undo` uses; beyond spec.revisionHistoryLimit the lowest revisions go, but
// only once they are scaled to zero with no pods left and their spec observed.
import type { V1Deployment, V1ReplicaSet } from '@kubernetes/client-node';
import { isNotFound } from '../../client/index.ts';
import { replicaSets } from '../../client/resources.ts';
import type { DeploymentContext } from './sync.ts';
import { byRevision, hasRevisionHistoryLimit, specReplicas } from './util.ts';

/** The old ReplicaSets to delete now, lowest revision first. */
export function replicaSetsToCleanUp(oldRSs: V1ReplicaSet[], d: V1Deployment): V1ReplicaSet[] {
  if (!hasRevisionHistoryLimit(d)) return [];
  const alive = oldRSs.filter((rs) => !rs.metadata?.deletionTimestamp);
  const diff = alive.length - d.spec!.revisionHistoryLimit!;
  if (diff <= 0) return [];
  return [...alive].sort(byRevision).slice(0, diff).filter((rs) =>
    (rs.status?.replicas ?? 0) === 0 && specReplicas(rs) === 0
    && (rs.metadata?.generation ?? 0) <= (rs.status?.observedGeneration ?? 0));
}

/** Deletes what replicaSetsToCleanUp picks; the first failure stops it (upstream: do not press a loaded server). */
export async function cleanupDeployment(cx: DeploymentContext, oldRSs: V1ReplicaSet[], d: V1Deployment): Promise<void> {
  for (const rs of replicaSetsToCleanUp(oldRSs, d)) {
    try {
      await cx.rest.delete(replicaSets, rs.metadata!.namespace!, rs.metadata!.name!, {}, { signal: cx.signal });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
}
