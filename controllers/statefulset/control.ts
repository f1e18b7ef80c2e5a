// One pass of the StatefulSet controller over a set and its pods (upstream
// defaultStatefulSetControl.UpdateStatefulSet): find or make the current and update revisions,
// keep one pod per ordinal in [start, start+replicas) — created in order and only once every
// predecessor is Running and Ready under OrderedReady, all at once under Parallel — delete pods
// beyond the range from the highest ordinal down, roll pods at ordinals ≥ partition onto the
// update revision from the highest down (one at a time, each Ready before the next), then write
// the status and trim the revision history.
import type { V1ControllerRevision, V1Pod, V1StatefulSet, V1StatefulSetStatus } from '@kubernetes/client-node';
import { isConflict, type RestClient } from '../../client/index.ts';
import { statefulSets } from '../../client/resources.ts';
import { controllerRefTo, slowStartBatch } from '../lib/podcontrol.ts';
import {
  ControllerHistory, findEqualRevisions, equalRevision, newControllerRevision, nextRevision, revisionsToTruncate, sortRevisions, templatePatch,
} from '../revisions.ts';
import type { StatefulPodControl } from './podcontrol.ts';
import {
  SET_API_VERSION, SET_KIND, completeRollingUpdate, endOrdinal, identityMatches, inOrdinalRange, isCreated, isFailed, isHealthy, isPending,
  isRunningAndAvailable, isRunningAndReady, isSucceeded, isTerminating, newVersionedPod, ordinalOf, podRevision, replicaStatus, replicasOf,
  setAtRevision, startOrdinal, statusDiffers, storageMatches,
} from './utils.ts';

export interface SetControlEnv {
  rest: RestClient;
  podControl: StatefulPodControl;
  history: ControllerHistory;
  now(): number;
  signal?: AbortSignal;
}

/**
 * Upstream getStatefulSetRevisions: the update revision is the set's template as a revision —
 * the newest one if equal, an older equal one renumbered (a rollback), or a new one — and the
 * current revision the one status names (the update revision for a new set).
 */
export async function getRevisions(set: V1StatefulSet, revisions: V1ControllerRevision[], env: SetControlEnv): Promise<{
  current: V1ControllerRevision; update: V1ControllerRevision; collisionCount: number;
}> {
  const sorted = sortRevisions(revisions);
  let collisionCount = set.status?.collisionCount ?? 0;
  const candidate = newControllerRevision(
    set, controllerRefTo(set, SET_API_VERSION, SET_KIND), set.spec?.template?.metadata?.labels,
    templatePatch(set.spec?.template), nextRevision(sorted), collisionCount, set.metadata?.annotations,
  );
  const equal = findEqualRevisions(sorted, candidate);
  let update: V1ControllerRevision;
  if (equal.length > 0 && equalRevision(sorted[sorted.length - 1], equal[equal.length - 1])) {
    update = sorted[sorted.length - 1]!;
  } else if (equal.length > 0) {
    update = await env.history.setRevision(equal[equal.length - 1]!, candidate.revision!);
  } else {
    const created = await env.history.create(candidate, collisionCount);
    update = created.revision;
    collisionCount = created.collisionCount;
  }
  const current = sorted.find((r) => r.metadata?.name === set.status?.currentRevision) ?? update;
  return { current, update, collisionCount };
}

type Step = (i: number) => Promise<boolean>;

/**
 * Upstream runForAll: in order, stopping at the first step that says so (monotonic), or all at
 * once in slow-start batches (burst).
 */
async function runForAll(count: number, step: Step, monotonic: boolean): Promise<boolean> {
  if (monotonic) {
    for (let i = 0; i < count; i++) if (await step(i)) return true;
    return false;
  }
  let next = 0;
  const res = await slowStartBatch(count, 1, () => step(next++));
  if (res.error !== undefined) throw res.error;
  return false;
}

/** Upstream updateStatefulSet: acts on the pods and returns the status they add up to. */
export async function updatePods(
  set: V1StatefulSet, pods: V1Pod[], current: V1ControllerRevision, update: V1ControllerRevision, collisionCount: number, env: SetControlEnv,
): Promise<{ status: V1StatefulSetStatus; error?: unknown }> {
  const currentSet = setAtRevision(set, current);
  const updateSet = setAtRevision(set, update);
  const currentName = current.metadata!.name!;
  const updateName = update.metadata!.name!;
  const minReady = set.spec?.minReadySeconds ?? 0;
  const status: V1StatefulSetStatus = {
    observedGeneration: set.metadata?.generation, currentRevision: currentName, updateRevision: updateName, collisionCount, replicas: 0,
  };
  const start = startOrdinal(set);
  const replicas: V1Pod[] = new Array(replicasOf(set));
  const condemned: V1Pod[] = [];
  for (const pod of pods) {
    if (inOrdinalRange(pod, set)) replicas[ordinalOf(pod) - start] = pod;
    else if (ordinalOf(pod) >= 0) condemned.push(pod);
  }
  for (let ord = start; ord <= endOrdinal(set); ord++) {
    replicas[ord - start] ??= newVersionedPod(currentSet, updateSet, currentName, updateName, ord);
  }
  condemned.sort((a, b) => ordinalOf(b) - ordinalOf(a));
  const firstUnhealthy = replicas.find((p) => !isHealthy(p)) ?? [...condemned].reverse().find((p) => !isHealthy(p));

  // A pod deleted for the update this pass no longer counts as current (upstream decrements it).
  let deletedForUpdate = 0;
  const finish = (error?: unknown) => {
    Object.assign(status, replicaStatus([...replicas, ...condemned], minReady, currentName, updateName, env.now()));
    status.currentReplicas = Math.max(0, (status.currentReplicas ?? 0) - deletedForUpdate);
    return error === undefined ? { status } : { status, error };
  };
  if (set.metadata?.deletionTimestamp) return finish();

  const monotonic = set.spec?.podManagementPolicy !== 'Parallel';
  const pc = env.podControl;
  try {
    // Living replicas: replace what ended, create what is missing, wait for what is not ready.
    const processReplica: Step = async (i) => {
      const pod = replicas[i]!;
      if (isFailed(pod) || isSucceeded(pod)) {
        // Upstream restarts a pod that ended whatever its exit code; the successor is created
        // on a later pass, once this one is gone.
        if (!isTerminating(pod)) await pc.deletePod(set, pod);
        return true;
      }
      if (!isCreated(pod)) {
        if (pc.podClaimIsStale(set, pod)) return true;
        const created = await pc.createPod(set, pod);
        // Under OrderedReady one creation per pass; a name already taken waits for the cache.
        if (monotonic || !created) return true;
        return false;
      }
      if (isPending(pod)) await pc.createMissingClaims(set, pod);
      if (monotonic && isTerminating(pod)) return true;
      if (monotonic && !isRunningAndReady(pod)) return true;
      if (monotonic && !isRunningAndAvailable(pod, minReady, env.now())) return true;
      if (identityMatches(set, pod) && storageMatches(set, pod) && pc.claimsMatchRetention(updateSet, pod)) return false;
      await pc.updatePod(updateSet, pod);
      return false;
    };
    if (await runForAll(replicas.length, processReplica, monotonic)) return finish();

    // Condemned pods' claims take the owner references scale-down calls for before the pods go.
    const fixClaims: Step = async (i) => {
      if (!pc.claimsMatchRetention(updateSet, condemned[i]!)) await pc.updateClaimsForRetention(updateSet, condemned[i]!);
      return false;
    };
    if (await runForAll(condemned.length, fixClaims, monotonic)) return finish();

    // Scale down, highest ordinal first; under OrderedReady one at a time, each gone before the next.
    const processCondemned: Step = async (i) => {
      const pod = condemned[i]!;
      if (isTerminating(pod)) return monotonic;
      if (monotonic && pod !== firstUnhealthy && (!isRunningAndReady(pod) || !isRunningAndAvailable(pod, minReady, env.now()))) return true;
      await pc.deletePod(set, pod);
      return true;
    };
    if (await runForAll(condemned.length, processCondemned, monotonic)) return finish();

    if (set.spec?.updateStrategy?.type === 'OnDelete') return finish();

    // Rolling update: the highest ordinal not at the update revision goes first; each updated pod
    // must be healthy before the next lower one is touched.
    const partition = set.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
    for (let target = replicas.length - 1; target >= partition; target--) {
      const pod = replicas[target]!;
      if (podRevision(pod) !== updateName && !isTerminating(pod)) {
        await pc.deletePod(set, pod);
        deletedForUpdate++;
        break;
      }
      if (!isHealthy(pod)) break;
    }
    return finish();
  } catch (e) {
    return finish(e);
  }
}

/** Upstream StatefulSetStatusUpdater: writes the status, re-reading the set after a conflict. */
export async function writeStatus(set: V1StatefulSet, status: V1StatefulSetStatus, env: SetControlEnv): Promise<void> {
  let current = set;
  for (let attempt = 0; ; attempt++) {
    const next = structuredClone(current);
    next.status = { ...next.status, ...status };
    try {
      await env.rest.update(statefulSets, set.metadata!.namespace!, next, { subresource: 'status', signal: env.signal });
      return;
    } catch (e) {
      if (!isConflict(e) || attempt >= 4) throw e;
      current = await env.rest.get(statefulSets, set.metadata!.namespace!, set.metadata!.name!, { signal: env.signal });
      if (current.metadata?.uid !== set.metadata?.uid) return;
    }
  }
}

/**
 * Upstream UpdateStatefulSet: revisions, pods, status, then history beyond revisionHistoryLimit
 * (never the current or update revision, nor one a pod still runs). Returns the status written.
 */
export async function updateStatefulSet(set: V1StatefulSet, pods: V1Pod[], revisions: V1ControllerRevision[], env: SetControlEnv): Promise<V1StatefulSetStatus> {
  const { current, update, collisionCount } = await getRevisions(set, revisions, env);
  const { status, error } = await updatePods(set, pods, current, update, collisionCount, env);
  let statusError: unknown;
  completeRollingUpdate(set, status);
  if (statusDiffers(set, status)) {
    try { await writeStatus(set, status, env); } catch (e) { statusError = e; }
  }
  const live = new Set([current.metadata!.name!, update.metadata!.name!, ...pods.map(podRevision)]);
  const all = revisions.some((r) => r.metadata?.name === update.metadata?.name) ? revisions : [...revisions, update];
  const doomed = revisionsToTruncate(all, live, set.spec?.revisionHistoryLimit ?? 10);
  for (const r of doomed) await env.history.delete(r);
  if (error !== undefined) throw error;
  if (statusError !== undefined) throw statusError;
  return status;
}
