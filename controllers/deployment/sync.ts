// The Deployment controller's ReplicaSet work (upstream pkg/controller/deployment/sync.go):
// finding or creating the new ReplicaSet (named <deployment>-<pod-template-hash>), keeping
// revisions in step, scaling one ReplicaSet with its replica annotations, proportional scaling
// while paused or on a scale change mid-rollout, and writing the status.
import type { V1Deployment, V1ReplicaSet } from '@kubernetes/client-node';
import { ApiError, isAlreadyExists, statusCodeOf, type EventRecorder, type Lister, type RestClient } from '../../client/index.ts';
import { deployments, replicaSets } from '../../client/resources.ts';
import { computeHash } from '../lib/hash.ts';
import { cleanupDeployment } from './history.ts';
import { getCondition, newCondition, rolloutStatus, calculateStatus, progressCheckAfterMs, sameStatus, setCondition } from './progress.ts';
import {
  POD_TEMPLATE_HASH_LABEL, PROGRESSING, deprecatedRollbackTo, REVISION_ANNOTATION, Reason, desiredReplicasAnnotation, equalIgnoreHash, filterActive,
  findActiveOrLatest, findNewReplicaSet, findOldReplicaSets, hasProgressDeadline, isRollingUpdate, isSaturated, maxRevision,
  maxSurge, newRSNewReplicas, proportionalSizes, replicasAnnotationsNeedUpdate, setDeploymentRevision, setNewReplicaSetAnnotations,
  setReplicasAnnotations, specReplicas, templateWire,
} from './util.ts';

/** What one sync of one Deployment works with. */
export interface DeploymentContext {
  rest: RestClient;
  recorder: EventRecorder;
  replicaSets: Lister<V1ReplicaSet>;
  now(): Date;
  signal?: AbortSignal;
}

/** What a sync asks of the work queue: to look again after a while (progress deadlines). */
export interface SyncOutcome { requeueAfterMs?: number }

/** Upstream's controllerKind for the references it writes. */
export const DEPLOYMENT_API_VERSION = 'apps/v1';
export const DEPLOYMENT_KIND = 'Deployment';

/**
 * PUT deployments/status with `d` as it stands (status and annotations: upstream's status
 * strategy keeps the request's annotations, which is how the revision annotation is written),
 * then carry the new resourceVersion on `d` so a later write in this sync is not a conflict.
 */
export async function updateDeploymentStatus(cx: DeploymentContext, d: V1Deployment): Promise<void> {
  const ns = d.metadata!.namespace!;
  const stored = await cx.rest.update(deployments, ns, d, { subresource: 'status', signal: cx.signal });
  d.metadata!.resourceVersion = stored.metadata?.resourceVersion;
}

/** PUT of the whole Deployment (rollback templates and clearing the rollback annotation). */
export async function updateDeployment(cx: DeploymentContext, d: V1Deployment): Promise<void> {
  const stored = await cx.rest.update(deployments, d.metadata!.namespace!, d, { signal: cx.signal });
  d.metadata!.resourceVersion = stored.metadata?.resourceVersion;
}

async function updateReplicaSet(cx: DeploymentContext, rs: V1ReplicaSet): Promise<V1ReplicaSet> {
  return cx.rest.update(replicaSets, rs.metadata!.namespace!, rs, { signal: cx.signal });
}

/**
 * Sets a ReplicaSet's size and its desired/max-replicas annotations (upstream scaleReplicaSet),
 * recording ScalingReplicaSet when the size changed.
 */
export async function scaleReplicaSet(cx: DeploymentContext, rs: V1ReplicaSet, newScale: number, d: V1Deployment, op: string): Promise<{ scaled: boolean; rs: V1ReplicaSet }> {
  const oldScale = specReplicas(rs);
  const sizeChanges = oldScale !== newScale;
  const desired = specReplicas(d);
  const max = desired + maxSurge(d);
  if (!sizeChanges && !replicasAnnotationsNeedUpdate(rs, desired, max)) return { scaled: false, rs };
  const copy = structuredClone(rs);
  copy.spec!.replicas = newScale;
  setReplicasAnnotations(copy, desired, max);
  const updated = await updateReplicaSet(cx, copy);
  if (sizeChanges) cx.recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled ${op} replica set ${rs.metadata?.name} to ${newScale} from ${oldScale}`);
  return { scaled: sizeChanges, rs: updated };
}

export async function scaleReplicaSetAndRecordEvent(cx: DeploymentContext, rs: V1ReplicaSet, newScale: number, d: V1Deployment): Promise<{ scaled: boolean; rs: V1ReplicaSet }> {
  if (specReplicas(rs) === newScale) return { scaled: false, rs };
  return scaleReplicaSet(cx, rs, newScale, d, specReplicas(rs) < newScale ? 'up' : 'down');
}

/** The ReplicaSet a template describes: `<deployment>-<hash>`, the hash in its labels, selector and template. */
export function newReplicaSetFor(d: V1Deployment, ownerUid: string): V1ReplicaSet {
  const template = structuredClone(d.spec!.template);
  const hash = computeHash(templateWire(d.spec?.template), d.status?.collisionCount ?? undefined);
  template.metadata ??= {};
  template.metadata.labels = { ...(template.metadata.labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
  const selector = structuredClone(d.spec!.selector);
  selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
  return {
    apiVersion: 'apps/v1', kind: 'ReplicaSet',
    metadata: {
      name: `${d.metadata!.name}-${hash}`,
      namespace: d.metadata!.namespace,
      ownerReferences: [{ apiVersion: DEPLOYMENT_API_VERSION, kind: DEPLOYMENT_KIND, name: d.metadata!.name!, uid: ownerUid, controller: true, blockOwnerDeletion: true }],
      labels: { ...template.metadata.labels },
    },
    spec: { replicas: 0, minReadySeconds: d.spec?.minReadySeconds ?? 0, selector, template },
  };
}

function namespaceTerminating(e: unknown): boolean {
  if (statusCodeOf(e) !== 403 || !(e instanceof ApiError)) return false;
  return !!e.status?.details?.causes?.some((c) => c.reason === 'NamespaceTerminating') || /because it is being terminated/.test(e.message);
}

/**
 * The new ReplicaSet (upstream getNewReplicaSet). An existing one gets the Deployment's
 * annotations, revision and minReadySeconds, and the Deployment its revision; otherwise, when
 * asked, one is created — a name taken by another template is a hash collision, answered by
 * bumping status.collisionCount and trying again on the next sync.
 */
export async function getNewReplicaSet(cx: DeploymentContext, d: V1Deployment, rsList: V1ReplicaSet[], oldRSs: V1ReplicaSet[], create: boolean): Promise<V1ReplicaSet | undefined> {
  const existing = findNewReplicaSet(d, rsList);
  const newRevision = String(maxRevision(oldRSs) + 1n);
  if (existing) {
    const copy = structuredClone(existing);
    const annotationsChanged = setNewReplicaSetAnnotations(d, copy, newRevision, true);
    const minReadyChanged = (copy.spec?.minReadySeconds ?? 0) !== (d.spec?.minReadySeconds ?? 0);
    if (annotationsChanged || minReadyChanged) {
      copy.spec!.minReadySeconds = d.spec?.minReadySeconds ?? 0;
      return updateReplicaSet(cx, copy);
    }
    // The revision written on the ReplicaSet is the reliable one: the Deployment follows it.
    let needsUpdate = setDeploymentRevision(d, copy.metadata?.annotations?.[REVISION_ANNOTATION] ?? '');
    if (hasProgressDeadline(d) && !getCondition(d.status, PROGRESSING)) {
      d.status ??= {};
      setCondition(d.status, newCondition(PROGRESSING, 'True', Reason.FoundNewRS, `Found new replica set "${copy.metadata?.name}"`, cx.now()));
      needsUpdate = true;
    }
    if (needsUpdate) await updateDeploymentStatus(cx, d);
    return copy;
  }
  if (!create) return undefined;

  const rs = newReplicaSetFor(d, d.metadata!.uid!);
  const name = rs.metadata!.name!;
  const ns = d.metadata!.namespace!;
  rs.spec!.replicas = newRSNewReplicas(d, [...oldRSs, rs], rs);
  setNewReplicaSetAnnotations(d, rs, newRevision, false);
  let created: V1ReplicaSet;
  let alreadyExists = false;
  try {
    created = await cx.rest.create(replicaSets, ns, rs, { signal: cx.signal });
  } catch (e) {
    if (isAlreadyExists(e)) {
      alreadyExists = true;
      // A slow cache or a fast resync; the cache may not have it yet, so read it.
      let found = cx.replicaSets.getByName(ns, name);
      if (!found) found = await cx.rest.get(replicaSets, ns, name, { signal: cx.signal });
      const ref = found.metadata?.ownerReferences?.find((r) => r.controller === true);
      if (ref && ref.uid === d.metadata?.uid && equalIgnoreHash(d.spec?.template, found.spec?.template)) {
        created = found;
      } else {
        // Same name, another template: a hash collision. A new collisionCount gives a new name.
        d.status ??= {};
        d.status.collisionCount = (d.status.collisionCount ?? 0) + 1;
        await updateDeploymentStatus(cx, d);
        throw e;
      }
    } else if (namespaceTerminating(e)) {
      throw e;
    } else {
      const msg = `Failed to create new replica set "${name}": ${(e as Error).message}`;
      if (hasProgressDeadline(d)) {
        d.status ??= {};
        setCondition(d.status, newCondition(PROGRESSING, 'False', Reason.FailedRSCreate, msg, cx.now()));
        // The bigger problem is reported below; a failure to record it changes nothing.
        await updateDeploymentStatus(cx, d).catch(() => undefined);
      }
      cx.recorder.event(d, 'Warning', Reason.FailedRSCreate, msg);
      throw e;
    }
  }
  const replicas = specReplicas(rs);
  if (!alreadyExists && replicas > 0) cx.recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${created.metadata?.name} to ${replicas}`);
  let needsUpdate = setDeploymentRevision(d, newRevision);
  if (!alreadyExists && hasProgressDeadline(d)) {
    d.status ??= {};
    setCondition(d.status, newCondition(PROGRESSING, 'True', Reason.NewReplicaSet, `Created new replica set "${created.metadata?.name}"`, cx.now()));
    needsUpdate = true;
  }
  if (needsUpdate) await updateDeploymentStatus(cx, d);
  return created;
}

/** The new ReplicaSet (created when asked and missing) and all the old ones. */
export async function getAllReplicaSetsAndSyncRevision(cx: DeploymentContext, d: V1Deployment, rsList: V1ReplicaSet[], create: boolean): Promise<{ newRS: V1ReplicaSet | undefined; oldRSs: V1ReplicaSet[] }> {
  const oldRSs = findOldReplicaSets(d, rsList);
  const newRS = await getNewReplicaSet(cx, d, rsList, oldRSs, create);
  return { newRS, oldRSs };
}

/**
 * Scaling outside a rollout (upstream scale): one active ReplicaSet takes spec.replicas; a
 * saturated new one sends the old ones to zero; otherwise a rolling Deployment shares the
 * change among its active ReplicaSets in proportion to their sizes.
 */
export async function scale(cx: DeploymentContext, d: V1Deployment, newRS: V1ReplicaSet | undefined, oldRSs: V1ReplicaSet[]): Promise<void> {
  const only = findActiveOrLatest(newRS, oldRSs);
  if (only) {
    if (specReplicas(only) === specReplicas(d)) return;
    await scaleReplicaSetAndRecordEvent(cx, only, specReplicas(d), d);
    return;
  }
  if (isSaturated(d, newRS)) {
    for (const old of filterActive(oldRSs)) await scaleReplicaSetAndRecordEvent(cx, old, 0, d);
    return;
  }
  if (isRollingUpdate(d)) {
    const { sizes, direction } = proportionalSizes(d, filterActive([...oldRSs, newRS]));
    // One at a time, stopping at the first failure: the Deployment is synced again.
    for (const [rs, size] of sizes) await scaleReplicaSet(cx, rs, size, d, direction);
  }
}

/** Whether spec.replicas differs from the desired-replicas an active ReplicaSet was sized for. */
export async function isScalingEvent(cx: DeploymentContext, d: V1Deployment, rsList: V1ReplicaSet[]): Promise<boolean> {
  const { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(cx, d, rsList, false);
  for (const rs of filterActive([...oldRSs, newRS])) {
    const desired = desiredReplicasAnnotation(rs);
    if (desired === undefined) continue;
    if (desired !== specReplicas(d)) return true;
  }
  return false;
}

/** Writes the status the ReplicaSets add up to, when it differs (upstream syncDeploymentStatus). */
export async function syncDeploymentStatus(cx: DeploymentContext, allRSs: Array<V1ReplicaSet | undefined>, newRS: V1ReplicaSet | undefined, d: V1Deployment): Promise<void> {
  const status = calculateStatus(allRSs, newRS, d, cx.now());
  if (sameStatus(d.status, status)) return;
  d.status = status;
  await updateDeploymentStatus(cx, d);
}

/** Writes the rollout status when it differs; otherwise says when to check the progress deadline. */
export async function syncRolloutStatus(cx: DeploymentContext, allRSs: Array<V1ReplicaSet | undefined>, newRS: V1ReplicaSet | undefined, d: V1Deployment): Promise<SyncOutcome> {
  const now = cx.now();
  const status = rolloutStatus(allRSs, newRS, d, now);
  if (sameStatus(d.status, status)) {
    const after = progressCheckAfterMs(d, status, now);
    return after === undefined ? {} : { requeueAfterMs: after };
  }
  d.status = status;
  await updateDeploymentStatus(cx, d);
  return {};
}

/** A Deployment being deleted: status only. */
export async function syncStatusOnly(cx: DeploymentContext, d: V1Deployment, rsList: V1ReplicaSet[]): Promise<void> {
  const { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(cx, d, rsList, false);
  await syncDeploymentStatus(cx, [...oldRSs, newRS], newRS, d);
}

/** A paused Deployment or a scale change: scale, clean up history while paused, write status. */
export async function syncScaling(cx: DeploymentContext, d: V1Deployment, rsList: V1ReplicaSet[]): Promise<void> {
  const { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(cx, d, rsList, false);
  await scale(cx, d, newRS, oldRSs);
  if (d.spec?.paused && deprecatedRollbackTo(d) === undefined) await cleanupDeployment(cx, oldRSs, d);
  await syncDeploymentStatus(cx, [...oldRSs, newRS], newRS, d);
}
