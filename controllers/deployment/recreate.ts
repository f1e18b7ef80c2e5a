// The Recreate strategy (upstream recreate.go): scale every old ReplicaSet to zero, wait until
// none of their pods is left running, and only then create (or grow) the new ReplicaSet.
import type { V1Deployment, V1Pod, V1ReplicaSet } from '@kubernetes/client-node';
import { cleanupDeployment } from './history.ts';
import { deploymentComplete } from './progress.ts';
import { getAllReplicaSetsAndSyncRevision, scaleReplicaSetAndRecordEvent, syncRolloutStatus, type DeploymentContext, type SyncOutcome } from './sync.ts';
import { actualReplicaCount, filterActive, specReplicas } from './util.ts';

/**
 * Whether an old ReplicaSet still reports pods, or a pod of one is not yet terminal (upstream
 * oldPodsRunning). `podsByOwner` groups the Deployment's pods by their ReplicaSet's UID; pods
 * being deleted still count until they are gone.
 */
export function oldPodsRunning(newRS: V1ReplicaSet | undefined, oldRSs: V1ReplicaSet[], podsByOwner: Map<string, V1Pod[]>): boolean {
  if (actualReplicaCount(oldRSs) > 0) return true;
  for (const [uid, pods] of podsByOwner) {
    if (newRS && newRS.metadata?.uid === uid) continue;
    for (const pod of pods) {
      const phase = pod.status?.phase;
      if (phase === 'Failed' || phase === 'Succeeded') continue;
      return true;
    }
  }
  return false;
}

export async function rolloutRecreate(cx: DeploymentContext, d: V1Deployment, rsList: V1ReplicaSet[], podsByOwner: Map<string, V1Pod[]>): Promise<SyncOutcome> {
  // No new ReplicaSet yet: creating it would scale up before the old pods are gone.
  let { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(cx, d, rsList, false);
  let allRSs = [...oldRSs, newRS];

  let scaledDown = false;
  for (const rs of filterActive(oldRSs)) {
    if ((await scaleReplicaSetAndRecordEvent(cx, rs, 0, d)).scaled) scaledDown = true;
  }
  if (scaledDown) return syncRolloutStatus(cx, allRSs, newRS, d);
  if (oldPodsRunning(newRS, oldRSs, podsByOwner)) return syncRolloutStatus(cx, allRSs, newRS, d);

  if (!newRS) {
    ({ newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(cx, d, rsList, true));
    allRSs = [...oldRSs, newRS];
  }
  if (newRS && specReplicas(newRS) !== specReplicas(d)) await scaleReplicaSetAndRecordEvent(cx, newRS, specReplicas(d), d);
  if (deploymentComplete(d, d.status ?? {})) await cleanupDeployment(cx, oldRSs, d);
  return syncRolloutStatus(cx, allRSs, newRS, d);
}
