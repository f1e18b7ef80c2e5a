// The deprecated server-side rollback (upstream rollback.go): extensions/v1beta1's
// spec.rollbackTo survives in apps/v1 as the `deprecated.deployment.rollback.to` annotation. The
// controller copies that revision's template (and annotations) back into the Deployment and
// clears the request. `kubectl rollout undo` no longer uses this: it patches the template itself.
import type { V1Deployment, V1ReplicaSet } from '@kubernetes/client-node';
import { getAllReplicaSetsAndSyncRevision, updateDeployment, type DeploymentContext } from './sync.ts';
import {
  DEPRECATED_ROLLBACK_TO_ANNOTATION, POD_TEMPLATE_HASH_LABEL, Reason, deprecatedRollbackTo, equalIgnoreHash, lastRevision, revisionOf, setDeploymentAnnotationsTo,
} from './util.ts';

export { deprecatedRollbackTo } from './util.ts';

/** Drops the rollback request and writes the Deployment (with whatever template it now has). */
async function clearRollbackTo(cx: DeploymentContext, d: V1Deployment): Promise<void> {
  if (d.metadata?.annotations) delete d.metadata.annotations[DEPRECATED_ROLLBACK_TO_ANNOTATION];
  await updateDeployment(cx, d);
}

/** Upstream SetFromReplicaSetTemplate: the ReplicaSet's template without its pod-template-hash. */
export function setFromReplicaSetTemplate(d: V1Deployment, rs: V1ReplicaSet): void {
  const t = structuredClone(rs.spec!.template!);
  if (t.metadata?.labels) delete t.metadata.labels[POD_TEMPLATE_HASH_LABEL];
  d.spec!.template = t;
}

export async function rollback(cx: DeploymentContext, d: V1Deployment, rsList: V1ReplicaSet[]): Promise<void> {
  const { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(cx, d, rsList, true);
  const all = newRS ? [...oldRSs, newRS] : oldRSs;
  let to = deprecatedRollbackTo(d) ?? 0n;
  if (to === 0n) {
    to = lastRevision(all);
    if (to === 0n) {
      cx.recorder.event(d, 'Warning', Reason.RollbackRevisionNotFound, 'Unable to find last revision.');
      await clearRollbackTo(cx, d);
      return;
    }
  }
  const target = all.find((rs) => revisionOf(rs) === to);
  if (!target) {
    cx.recorder.event(d, 'Warning', Reason.RollbackRevisionNotFound, 'Unable to find the revision to rollback to.');
    await clearRollbackTo(cx, d);
    return;
  }
  if (equalIgnoreHash(d.spec?.template, target.spec?.template)) {
    cx.recorder.event(d, 'Warning', Reason.RollbackTemplateUnchanged, `The rollback revision contains the same template as current deployment "${d.metadata?.name}"`);
    await clearRollbackTo(cx, d);
    return;
  }
  setFromReplicaSetTemplate(d, target);
  // The Deployment takes the old revision's annotations (its change-cause) back with its template.
  setDeploymentAnnotationsTo(d, target);
  await clearRollbackTo(cx, d);
  cx.recorder.event(d, 'Normal', Reason.RollbackDone, `Rolled back deployment "${d.metadata?.name}" to revision ${to}`);
}
