// The Job controller (upstream pkg/controller/job/job_controller.go, 1.32): runs a Job's pods to
// `completions` with at most `parallelism` at once, replaces failed pods after a back-off until
// `backoffLimit`, stops at `activeDeadlineSeconds`, gives Indexed Jobs one pod per index, deletes
// the pods of a suspended Job, and tracks every pod with the batch.kubernetes.io/job-tracking
// finalizer: finished pods go into status.uncountedTerminatedPods, lose the finalizer, and only
// then are added to status.succeeded / status.failed. A Job first gets the interim
// SuccessCriteriaMet or FailureTarget condition, then Complete or Failed once no pod is left
// terminating (1.32: JobManagedBy and JobPodReplacementPolicy are on by default).
import type { KubernetesObject, V1Job, V1JobCondition, V1Pod } from '@kubernetes/client-node';
import {
  ApiError, BY_OWNER_UID, controllerRef, indexByOwnerUid, keyOf, isNotFound, runController, splitKey, statusCodeOf,
  type Controller, type ControllerDefinition, type EventRecorder, type Lister, type RestClient, type SyncContext,
} from '../../client/index.ts';
import { jobs, pods } from '../../client/resources.ts';
import { selectorFromLabelSelector } from '../../machinery/labels.ts';
import { ControllerExpectations } from '../lib/expectations.ts';
import { controllerRefTo, PodControl, podFromTemplate, slowStartBatch } from '../lib/podcontrol.ts';
import { compareForDeletion, isPodActive, isPodReady } from '../lib/pods.ts';
import { claimObjects, recheckOwner } from '../lib/refmanager.ts';
import { BackoffStore, DEFAULT_POD_FAILURE_BACKOFF_MS, MAX_POD_FAILURE_BACKOFF_MS, remainingBackoffMs, type BackoffRecord } from './backoff.ts';
import {
  addCompletionIndexEnv, byCompletionIndex, COMPLETION_INDEX_ANNOTATION, completionIndexOf, duplicatedIndexPodsForRemoval,
  firstPendingIndexes, OrderedIntervals, parseIndexes, podGenerateNameWithIndex, UNKNOWN_INDEX,
} from './indexes.ts';
import { matchPodFailurePolicy, matchSuccessPolicy } from './policies.ts';
import { FinalizerExpectations, hasTrackingFinalizer, JOB_TRACKING_FINALIZER, removeTrackingFinalizerPatch } from './tracking.ts';

export const JOB_CONTROLLER_NAME = 'kubernetes.io/job-controller';
/** Upstream MaxUncountedPods: keeps status.uncountedTerminatedPods near 20 KB. */
const MAX_UNCOUNTED_PODS = 500;
/** Upstream MaxPodCreateDeletePerSync. */
const MAX_POD_CREATE_DELETE_PER_SYNC = 500;
/** Upstream syncJobBatchPeriod: the shortest delay of a postponed sync. */
const SYNC_BATCH_PERIOD_MS = 1000;

export const REASON_BACKOFF_LIMIT_EXCEEDED = 'BackoffLimitExceeded';
export const REASON_DEADLINE_EXCEEDED = 'DeadlineExceeded';
export const REASON_POD_FAILURE_POLICY = 'PodFailurePolicy';
export const REASON_SUCCESS_POLICY = 'SuccessPolicy';
export const REASON_COMPLETIONS_REACHED = 'CompletionsReached';

export interface JobControllerOptions {
  /** The clock (tests move it). */
  now?: () => number;
  /** The pod failure back-off: first delay and cap (upstream 10 s and 10 minutes). */
  podFailureBackoff?: { initialMs?: number; maxMs?: number };
  /** Upstream --concurrent-job-syncs (5). */
  workers?: number;
}

type Condition = V1JobCondition;

const conditionOf = (job: V1Job, type: string): Condition | undefined => job.status?.conditions?.find((c) => c.type === type);
const conditionTrue = (job: V1Job, type: string): boolean => conditionOf(job, type)?.status === 'True';

/** Complete or Failed (upstream util.IsJobFinished). */
export const isJobFinished = (job: V1Job): boolean => conditionTrue(job, 'Complete') || conditionTrue(job, 'Failed');

const isIndexed = (job: V1Job): boolean => job.spec?.completionMode === 'Indexed';
const isSuspended = (job: V1Job): boolean => job.spec?.suspend === true;

/** Jobs whose spec.managedBy names another controller are left to it. */
const managedByOther = (job: V1Job): boolean => {
  const m = job.spec?.managedBy;
  return m !== undefined && m !== null && m !== JOB_CONTROLLER_NAME;
};

/** Only failed (not merely terminating) pods are replaced: podReplacementPolicy Failed, or any podFailurePolicy. */
const onlyReplaceFailedPods = (job: V1Job): boolean => job.spec?.podReplacementPolicy === 'Failed' || !!job.spec?.podFailurePolicy;

/** Upstream isPodFailed: Failed, or (unless only failed pods count) being deleted before succeeding. */
function isPodFailed(p: V1Pod, job: V1Job): boolean {
  if (p.status?.phase === 'Failed') return true;
  if (onlyReplaceFailedPods(job)) return false;
  return !!p.metadata?.deletionTimestamp && p.status?.phase !== 'Succeeded';
}

/** Being deleted and not yet terminal (upstream controller.IsPodTerminating). */
const isPodTerminating = (p: V1Pod): boolean => !!p.metadata?.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';

function newCondition(type: string, status: string, reason: string, message: string, now: number): Condition {
  const t = new Date(Math.floor(now / 1000) * 1000);
  return { type, status, lastProbeTime: t, lastTransitionTime: t, ...(reason ? { reason } : {}), ...(message ? { message } : {}) };
}

/**
 * Sets a condition, appending it when new unless it would be False (nothing → False says
 * nothing). Returns whether the list changed.
 */
function ensureCondition(job: V1Job, type: string, status: string, reason: string, message: string, now: number): boolean {
  const list = (job.status!.conditions ??= []);
  const i = list.findIndex((c) => c.type === type);
  if (i >= 0) {
    const c = list[i]!;
    if (c.status === status && (c.reason ?? '') === reason && (c.message ?? '') === message) return false;
    list[i] = newCondition(type, status, reason, message, now);
    return true;
  }
  if (status === 'False') return false;
  list.push(newCondition(type, status, reason, message, now));
  return true;
}

/** With restartPolicy OnFailure: the container restarts of running pods reach backoffLimit. */
function pastBackoffLimitOnFailure(job: V1Job, jobPods: readonly V1Pod[]): boolean {
  if (job.spec?.template?.spec?.restartPolicy !== 'OnFailure') return false;
  let restarts = 0;
  for (const p of jobPods) {
    if (p.status?.phase !== 'Running' && p.status?.phase !== 'Pending') continue;
    for (const cs of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]) restarts += cs.restartCount ?? 0;
  }
  const limit = job.spec?.backoffLimit ?? 6;
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

function namespaceTerminating(e: unknown): boolean {
  if (statusCodeOf(e) !== 403 || !(e instanceof ApiError)) return false;
  return !!e.status?.details?.causes?.some((c) => c.reason === 'NamespaceTerminating') || /because it is being terminated/.test(e.message);
}

interface SyncJobCtx {
  key: string;
  job: V1Job;
  pods: V1Pod[];
  activePods: V1Pod[];
  finishedCondition?: Condition;
  succeeded: number;
  failed: number;
  prevSucceededIndexes: OrderedIntervals;
  succeededIndexes: OrderedIntervals;
  newBackoffRecord: BackoffRecord;
  expectedRmFinalizers: ReadonlySet<string>;
  uncounted: { succeeded: Set<string>; failed: Set<string> };
  terminating: number;
  ready: number;
}

/** The state one Job controller keeps between syncs: expectations and back-off records. */
export class JobSyncer {
  readonly expectations = new ControllerExpectations();
  readonly finalizerExpectations = new FinalizerExpectations();
  readonly backoff = new BackoffStore();
  private readonly now: () => number;
  private readonly backoffInitialMs: number;
  private readonly backoffMaxMs: number;

  constructor(opts: JobControllerOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.backoffInitialMs = opts.podFailureBackoff?.initialMs ?? DEFAULT_POD_FAILURE_BACKOFF_MS;
    this.backoffMaxMs = opts.podFailureBackoff?.maxMs ?? MAX_POD_FAILURE_BACKOFF_MS;
  }

  /** Upstream's pod event handlers, lowering the expectations of the pod's Job. */
  onPodEvent(jobKey: string, type: 'add' | 'update' | 'delete', pod: V1Pod): void {
    const uid = pod.metadata?.uid ?? '';
    if (type === 'delete') {
      this.expectations.deletionObserved(jobKey, uid);
      this.finalizerExpectations.removalObserved(jobKey, uid);
      return;
    }
    if (pod.metadata?.deletionTimestamp) {
      this.expectations.deletionObserved(jobKey, uid);
      if (!hasTrackingFinalizer(pod)) this.finalizerExpectations.removalObserved(jobKey, uid);
      return;
    }
    if (type === 'add') this.expectations.creationObserved(jobKey);
    if (!hasTrackingFinalizer(pod)) this.finalizerExpectations.removalObserved(jobKey, uid);
  }

  async sync(key: string, ctx: SyncContext): Promise<void> {
    const rest = ctx.clients.rest;
    const shared = ctx.lister(jobs).get(key);
    if (!shared) {
      this.expectations.forget(key);
      this.finalizerExpectations.forget(key);
      this.backoff.remove(key);
      return;
    }
    if (managedByOther(shared)) return;
    if (isJobFinished(shared)) {
      this.backoff.remove(key);
      // A backstop: pods of a finished Job lose the tracking finalizer.
      await this.releaseFinishedJobPods(shared, ctx);
      return;
    }
    const mode = shared.spec?.completionMode;
    if (mode !== undefined && mode !== null && mode !== 'NonIndexed' && mode !== 'Indexed') {
      ctx.recorder.event(shared, 'Warning', 'UnknownCompletionMode', 'Skipped Job sync because completion mode is unknown');
      return;
    }

    const job = structuredClone(shared) as V1Job;
    const status = (job.status ??= {});
    const uncountedStatus = (status.uncountedTerminatedPods ??= {});
    uncountedStatus.succeeded = [...(uncountedStatus.succeeded ?? [])];
    uncountedStatus.failed = [...(uncountedStatus.failed ?? [])];

    // Expectations first: a pod created after this check waits for the next sync.
    const satisfied = this.expectations.satisfied(key);
    const jobPods = await this.podsForJob(job, ctx);
    const activePods = jobPods.filter(isPodActive);
    const jc: SyncJobCtx = {
      key, job, pods: jobPods, activePods,
      succeeded: 0, failed: 0,
      prevSucceededIndexes: new OrderedIntervals(), succeededIndexes: new OrderedIntervals(),
      newBackoffRecord: { key, failuresAfterLastSuccess: 0 },
      expectedRmFinalizers: this.finalizerExpectations.expected(key),
      uncounted: { succeeded: new Set(uncountedStatus.succeeded), failed: new Set(uncountedStatus.failed) },
      terminating: jobPods.filter(isPodTerminating).length,
      ready: activePods.filter(isPodReady).length,
    };
    let active = activePods.length;
    const { newSucceeded, newFailed } = this.newFinishedPods(jc);
    jc.succeeded = (status.succeeded ?? 0) + newSucceeded.length + jc.uncounted.succeeded.size;
    jc.failed = (status.failed ?? 0) + newFailed.filter((p) => matchPodFailurePolicy(job.spec?.podFailurePolicy, p).countFailed).length + jc.uncounted.failed.size;

    const now = this.now();
    // The first start; a Job created suspended starts when it is resumed.
    if (!status.startTime && !isSuspended(job)) status.startTime = new Date(Math.floor(now / 1000) * 1000);

    jc.newBackoffRecord = this.backoff.newRecord(key, newSucceeded, newFailed);

    let manageErr: unknown;
    const exceedsBackoffLimit = jc.failed > (job.spec?.backoffLimit ?? 6);
    const successCriteriaMet = conditionOf(job, 'SuccessCriteriaMet');
    jc.finishedCondition = successCriteriaMet?.status === 'True' ? successCriteriaMet : undefined;

    // Once SuccessCriteriaMet is set the Job succeeds; failure rules are looked at only before.
    if (!jc.finishedCondition) {
      const failureTarget = conditionOf(job, 'FailureTarget');
      if (failureTarget?.status === 'True') {
        jc.finishedCondition = newCondition('Failed', 'True', failureTarget.reason ?? '', failureTarget.message ?? '', now);
      } else {
        const failJobMessage = job.spec?.podFailurePolicy
          ? jobPods.filter((p) => isPodFailed(p, job)).map((p) => matchPodFailurePolicy(job.spec?.podFailurePolicy, p).failJobMessage).find((m) => m !== undefined)
          : undefined;
        if (failJobMessage !== undefined) jc.finishedCondition = newCondition('FailureTarget', 'True', REASON_POD_FAILURE_POLICY, failJobMessage, now);
      }
    }
    if (!jc.finishedCondition) {
      if (exceedsBackoffLimit || pastBackoffLimitOnFailure(job, jobPods)) {
        jc.finishedCondition = newCondition('FailureTarget', 'True', REASON_BACKOFF_LIMIT_EXCEEDED, 'Job has reached the specified backoff limit', now);
      } else if (this.pastActiveDeadline(job, now)) {
        jc.finishedCondition = newCondition('FailureTarget', 'True', REASON_DEADLINE_EXCEEDED, 'Job was active longer than specified deadline', now);
      } else if (job.spec?.activeDeadlineSeconds !== undefined && job.spec.activeDeadlineSeconds !== null && !isSuspended(job) && status.startTime) {
        const left = job.spec.activeDeadlineSeconds * 1000 - (now - new Date(status.startTime).getTime());
        ctx.queue.addAfter(key, Math.max(left, 1));
      }
    }

    if (isIndexed(job)) {
      const completions = job.spec?.completions ?? 0;
      jc.prevSucceededIndexes = parseIndexes(status.completedIndexes, completions);
      const fresh = jobPods
        .filter((p) => p.status?.phase === 'Succeeded' && hasTrackingFinalizer(p))
        .map(completionIndexOf).filter((ix) => ix !== UNKNOWN_INDEX && ix < completions);
      jc.succeededIndexes = jc.prevSucceededIndexes.withOrderedIndexes([...new Set(fresh)].sort((a, b) => a - b));
      jc.succeeded = jc.succeededIndexes.total();
      if (!jc.finishedCondition) {
        const msg = matchSuccessPolicy(job.spec?.successPolicy, completions, jc.succeededIndexes);
        if (msg !== undefined) jc.finishedCondition = newCondition('SuccessCriteriaMet', 'True', REASON_SUCCESS_POLICY, msg, now);
      }
    }

    let suspendChanged = false;
    if (jc.finishedCondition) {
      // Finished: the remaining pods are deleted (their finalizers stay until they are counted).
      const { deleted, deletedReady, error } = await this.deleteActivePods(job, jc.activePods, ctx);
      if (deleted !== active || !satisfied) {
        // Pods may be left, or not yet seen: finish on a later sync.
        jc.finishedCondition = undefined;
      }
      active -= deleted;
      jc.terminating += deleted;
      jc.ready -= deletedReady;
      manageErr = error;
    } else {
      let manageCalled = false;
      if (satisfied && !job.metadata?.deletionTimestamp) {
        const r = await this.manageJob(jc, ctx);
        active = r.active;
        manageErr = r.error;
        manageCalled = true;
      }
      const completions = job.spec?.completions;
      // Without completions the Job is done when any pod succeeded and none is left running.
      const complete = completions === undefined || completions === null ? jc.succeeded > 0 && active === 0 : jc.succeeded >= completions && active === 0;
      if (complete) {
        jc.finishedCondition = newCondition('SuccessCriteriaMet', 'True', REASON_COMPLETIONS_REACHED, 'Reached expected number of succeeded pods', now);
      } else if (manageCalled) {
        if (isSuspended(job)) {
          if (ensureCondition(job, 'Suspended', 'True', 'JobSuspended', 'Job suspended', now)) {
            suspendChanged = true;
            ctx.recorder.event(job, 'Normal', 'Suspended', 'Job suspended');
          }
        } else if (ensureCondition(job, 'Suspended', 'False', 'JobResumed', 'Job resumed', now)) {
          suspendChanged = true;
          ctx.recorder.event(job, 'Normal', 'Resumed', 'Job resumed');
          // activeDeadlineSeconds counts time spent running, so a resumed Job starts anew.
          status.startTime = new Date(Math.floor(now / 1000) * 1000);
        }
      }
    }

    const needsStatusUpdate = suspendChanged || active !== (status.active ?? 0) || jc.ready !== status.ready || jc.terminating !== status.terminating;
    status.active = active;
    status.ready = jc.ready;
    status.terminating = jc.terminating;
    await this.trackStatusAndRemoveFinalizers(jc, needsStatusUpdate, rest, ctx);
    if (manageErr) throw manageErr;
  }

  private pastActiveDeadline(job: V1Job, now: number): boolean {
    const ads = job.spec?.activeDeadlineSeconds;
    const start = job.status?.startTime;
    if (ads === undefined || ads === null || !start || isSuspended(job)) return false;
    return now - new Date(start).getTime() >= ads * 1000;
  }

  /** Pods finished since the last count: tracked (finalizer), not yet in the uncounted lists, with a valid index. */
  private newFinishedPods(jc: SyncJobCtx): { newSucceeded: V1Pod[]; newFailed: V1Pod[] } {
    const valid = (p: V1Pod, uncounted: Set<string>): boolean => {
      const uid = p.metadata?.uid ?? '';
      if (!hasTrackingFinalizer(p) || uncounted.has(uid) || jc.expectedRmFinalizers.has(uid)) return false;
      if (isIndexed(jc.job)) {
        const ix = completionIndexOf(p);
        if (ix === UNKNOWN_INDEX || ix >= (jc.job.spec?.completions ?? 0)) return false;
      }
      return true;
    };
    return {
      newSucceeded: jc.pods.filter((p) => valid(p, jc.uncounted.succeeded) && p.status?.phase === 'Succeeded'),
      newFailed: jc.pods.filter((p) => valid(p, jc.uncounted.failed) && isPodFailed(p, jc.job)),
    };
  }

  /**
   * The pods this Job manages: every pod of the namespace it controls, plus matching orphans it
   * adopts (fresh owner read first); adopted pods get the tracking finalizer.
   */
  private async podsForJob(job: V1Job, ctx: SyncContext): Promise<V1Pod[]> {
    const rest = ctx.clients.rest;
    const ns = job.metadata!.namespace!;
    const candidates = ctx.lister(pods).list(ns);
    const ref = controllerRefTo(job, 'batch/v1', 'Job');
    const claimed = await claimObjects(candidates, {
      rest, resource: pods, owner: job, ownerRef: ref, selector: selectorFromLabelSelector(job.spec?.selector),
      canAdopt: recheckOwner(() => rest.get(jobs, ns, job.metadata!.name!, { signal: ctx.signal }), job.metadata?.uid),
      signal: ctx.signal,
    });
    const before = new Map(candidates.map((p) => [p.metadata?.uid, p]));
    const out: V1Pod[] = [];
    for (const p of claimed) {
      const wasOwned = controllerRef(before.get(p.metadata?.uid) ?? p)?.uid === job.metadata?.uid;
      if (!wasOwned && !hasTrackingFinalizer(p)) {
        // Adopted just now: from here on it is tracked like the Job's own pods.
        try {
          out.push(await rest.patch(pods, ns, p.metadata!.name!, { metadata: { finalizers: [JOB_TRACKING_FINALIZER] } }, { type: 'strategic', signal: ctx.signal }));
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
        continue;
      }
      out.push(p);
    }
    return out;
  }

  /** manageJob: creates or deletes pods towards the wanted number of active ones. Returns the active count. */
  private async manageJob(jc: SyncJobCtx, ctx: SyncContext): Promise<{ active: number; error?: unknown }> {
    const { job, key } = jc;
    let active = jc.activePods.length;
    const parallelism = job.spec?.parallelism ?? 1;

    if (isSuspended(job)) {
      const toDelete = this.activePodsForRemoval(job, jc.activePods, active);
      this.expectations.expectDeletions(key, toDelete.map((p) => p.metadata?.uid ?? ''));
      const r = await this.deleteJobPods(job, key, toDelete, ctx);
      active -= r.deleted;
      jc.terminating += r.deleted;
      jc.ready -= r.deletedReady;
      return { active, error: r.error };
    }

    const completions = job.spec?.completions;
    let wantActive: number;
    if (completions === undefined || completions === null) {
      // Without completions: keep `parallelism` running until one succeeds, then let the rest finish.
      wantActive = jc.succeeded > 0 ? active : parallelism;
    } else {
      wantActive = Math.max(0, Math.min(completions - jc.succeeded, parallelism));
    }

    let toDelete = this.activePodsForRemoval(job, jc.activePods, Math.max(active - wantActive, 0));
    if (toDelete.length > MAX_POD_CREATE_DELETE_PER_SYNC) toDelete = toDelete.slice(0, MAX_POD_CREATE_DELETE_PER_SYNC);
    if (toDelete.length > 0) {
      // Deleting and creating in one sync is possible (repeated indexes); deletion goes first.
      this.expectations.expectDeletions(key, toDelete.map((p) => p.metadata?.uid ?? ''));
      const r = await this.deleteJobPods(job, key, toDelete, ctx);
      active -= r.deleted;
      jc.terminating += r.deleted;
      jc.ready -= r.deletedReady;
      return { active, error: r.error };
    }

    const terminating = onlyReplaceFailedPods(job) ? jc.terminating : 0;
    let diff = wantActive - terminating - active;
    if (diff <= 0) return { active };

    const remaining = remainingBackoffMs(jc.newBackoffRecord.failuresAfterLastSuccess, jc.newBackoffRecord.lastFailureTime, this.now(), this.backoffInitialMs, this.backoffMaxMs);
    if (remaining > 0) {
      ctx.queue.addAfter(key, Math.max(remaining, Math.min(SYNC_BATCH_PERIOD_MS, this.backoffInitialMs)));
      return { active };
    }
    diff = Math.min(diff, MAX_POD_CREATE_DELETE_PER_SYNC);
    let indexes: number[] = [];
    if (isIndexed(job)) {
      indexes = firstPendingIndexes({
        count: diff, completions: completions ?? 0, activePods: jc.activePods, succeeded: jc.succeededIndexes,
        ...(onlyReplaceFailedPods(job) ? { terminatingPods: jc.pods.filter(isPodTerminating) } : {}),
      });
      diff = indexes.length;
      if (diff === 0) return { active };
    }

    this.expectations.expectCreations(key, diff);
    active += diff;
    const template = structuredClone(job.spec!.template);
    if (isIndexed(job)) addCompletionIndexEnv(template);
    const meta = (template.metadata ??= {});
    if (!(meta.finalizers ?? []).includes(JOB_TRACKING_FINALIZER)) meta.finalizers = [...(meta.finalizers ?? []), JOB_TRACKING_FINALIZER];
    const ref = controllerRefTo(job, 'batch/v1', 'Job');
    const podControl = new PodControl(ctx.clients.rest, ctx.recorder);
    const ns = job.metadata!.namespace!;
    let attempted = 0;
    const res = await slowStartBatch(diff, 1, async () => {
      attempted++;
      const ix = indexes.length > 0 ? indexes.shift()! : UNKNOWN_INDEX;
      const pod = podFromTemplate(template, job.metadata!.name!, ref);
      if (ix !== UNKNOWN_INDEX) {
        const m = pod.metadata!;
        m.annotations = { ...m.annotations, [COMPLETION_INDEX_ANNOTATION]: String(ix) };
        m.labels = { ...m.labels, [COMPLETION_INDEX_ANNOTATION]: String(ix) };
        m.generateName = podGenerateNameWithIndex(job.metadata!.name!, ix);
        pod.spec!.hostname = `${job.metadata!.name}-${ix}`;
      }
      try {
        await podControl.create(ns, pod, job, ctx.signal);
      } catch (e) {
        // The namespace is going away: every further create fails too.
        if (namespaceTerminating(e)) return;
        this.expectations.creationObserved(key);
        active--;
        throw e;
      }
    });
    if (res.error !== undefined) {
      // Pods never attempted are not expected; the next sync tries again.
      const skipped = diff - attempted;
      for (let i = 0; i < skipped; i++) this.expectations.creationObserved(key);
      active -= skipped;
    }
    return { active, ...(res.error !== undefined ? { error: res.error } : {}) };
  }

  /** The active pods to remove first (upstream activePodsForRemoval): bad or repeated indexes, then the least useful. */
  private activePodsForRemoval(job: V1Job, activePods: V1Pod[], rmAtLeast: number): V1Pod[] {
    let rm: V1Pod[] = [];
    let left: V1Pod[] = activePods;
    if (isIndexed(job)) ({ rm, left } = duplicatedIndexPodsForRemoval(activePods, job.spec?.completions ?? 0));
    if (rm.length < rmAtLeast) {
      const sorted = [...left].sort((a, b) => compareForDeletion(a, b));
      rm = [...rm, ...sorted.slice(0, rmAtLeast - rm.length)];
    }
    return rm;
  }

  /** Deletes pods the Job no longer wants: the finalizer goes first, so they are not counted as failures. */
  private async deleteJobPods(job: V1Job, key: string, list: V1Pod[], ctx: SyncContext): Promise<{ deleted: number; deletedReady: number; error?: unknown }> {
    const rest = ctx.clients.rest;
    const podControl = new PodControl(rest, ctx.recorder);
    let deleted = list.length;
    let deletedReady = 0;
    let error: unknown;
    await Promise.all(list.map(async (p) => {
      const fail = (e: unknown) => {
        this.expectations.deletionObserved(key, p.metadata?.uid);
        if (!isNotFound(e)) { deleted--; error ??= e; }
      };
      try {
        if (hasTrackingFinalizer(p)) await rest.patch(pods, p.metadata!.namespace!, p.metadata!.name!, removeTrackingFinalizerPatch, { type: 'strategic', signal: ctx.signal });
      } catch (e) {
        fail(e);
        return;
      }
      try {
        await podControl.delete(job.metadata!.namespace!, p.metadata!.name!, job, ctx.signal);
      } catch (e) {
        fail(e);
      }
      if (isPodReady(p)) deletedReady++;
    }));
    return { deleted, deletedReady, ...(error !== undefined ? { error } : {}) };
  }

  /** Deletes the active pods of a finishing Job, keeping their finalizers so they are counted. */
  private async deleteActivePods(job: V1Job, list: V1Pod[], ctx: SyncContext): Promise<{ deleted: number; deletedReady: number; error?: unknown }> {
    const podControl = new PodControl(ctx.clients.rest, ctx.recorder);
    let deleted = list.length;
    let deletedReady = 0;
    let error: unknown;
    await Promise.all(list.map(async (p) => {
      try {
        await podControl.delete(job.metadata!.namespace!, p.metadata!.name!, job, ctx.signal);
      } catch (e) {
        if (!isNotFound(e)) { deleted--; error ??= e; }
      }
      if (isPodReady(p)) deletedReady++;
    }));
    return { deleted, deletedReady, ...(error !== undefined ? { error } : {}) };
  }

  /**
   * trackJobStatusAndRemoveFinalizers: finished pods go into uncountedTerminatedPods (written
   * first), then lose their finalizers, then move into the counters; the terminal condition is
   * set once nothing is left uncounted or terminating.
   */
  private async trackStatusAndRemoveFinalizers(jc: SyncJobCtx, needsFlushIn: boolean, rest: RestClient, ctx: SyncContext): Promise<void> {
    let needsFlush = needsFlushIn;
    const job = jc.job;
    const status = job.status!;
    const uncounted = status.uncountedTerminatedPods!;
    const indexed = isIndexed(job);
    const completions = job.spec?.completions ?? 0;
    if (indexed) jc.pods.sort(byCompletionIndex);
    const uidsWithFinalizer = new Set<string>();
    for (const p of jc.pods) {
      const uid = p.metadata?.uid ?? '';
      if (hasTrackingFinalizer(p) && !jc.expectedRmFinalizers.has(uid)) uidsWithFinalizer.add(uid);
    }
    if (cleanUncountedPodsWithoutFinalizers(job, uidsWithFinalizer)) needsFlush = true;

    const toRemoveFinalizer: V1Pod[] = [];
    const newSucceededIndexes: number[] = [];
    let reachedMaxUncounted = false;
    const finishedIsFailure = () => jc.finishedCondition !== undefined && jc.finishedCondition.type !== 'SuccessCriteriaMet';
    for (const p of jc.pods) {
      const uid = p.metadata?.uid ?? '';
      if (!hasTrackingFinalizer(p) || jc.expectedRmFinalizers.has(uid)) continue;
      const failed = isPodFailed(p, job);
      // The finalizer stays on a running pod until the Job is finished or being deleted.
      if (!(job.metadata?.deletionTimestamp || jc.finishedCondition || p.status?.phase === 'Succeeded' || failed)) continue;
      toRemoveFinalizer.push(p);
      if (p.status?.phase === 'Succeeded' && !jc.uncounted.failed.has(uid)) {
        if (indexed) {
          const ix = completionIndexOf(p);
          if (ix !== UNKNOWN_INDEX && ix < completions && !jc.prevSucceededIndexes.has(ix)) {
            newSucceededIndexes.push(ix);
            needsFlush = true;
          }
        } else if (!jc.uncounted.succeeded.has(uid)) {
          needsFlush = true;
          uncounted.succeeded!.push(uid);
        }
      } else if (failed || finishedIsFailure()) {
        // Once the Job has failed, every pod not yet finished counts as failed.
        const ix = completionIndexOf(p);
        if (!jc.uncounted.failed.has(uid) && (!indexed || (ix !== UNKNOWN_INDEX && ix < completions))) {
          if (matchPodFailurePolicy(job.spec?.podFailurePolicy, p).countFailed) {
            needsFlush = true;
            uncounted.failed!.push(uid);
          }
        }
      }
      if (newSucceededIndexes.length + uncounted.succeeded!.length + uncounted.failed!.length >= MAX_UNCOUNTED_PODS) {
        // Enough for one status write; the status and pod updates bring the Job back for the rest.
        reachedMaxUncounted = true;
        break;
      }
    }
    if (indexed) {
      jc.succeededIndexes = jc.succeededIndexes.withOrderedIndexes([...new Set(newSucceededIndexes)].sort((a, b) => a - b));
      const s = jc.succeededIndexes.toString();
      if (s !== (status.completedIndexes ?? '')) needsFlush = true;
      status.succeeded = jc.succeededIndexes.total();
      status.completedIndexes = s;
    }
    const now = this.now();
    if (jc.finishedCondition?.type === 'FailureTarget') {
      // The interim condition is written before finalizers go, so the reason survives a restart.
      (status.conditions ??= []).push(jc.finishedCondition);
      needsFlush = true;
      jc.finishedCondition = newCondition('Failed', 'True', jc.finishedCondition.reason ?? '', jc.finishedCondition.message ?? '', now);
    }
    if (jc.finishedCondition?.type === 'SuccessCriteriaMet' && jc.finishedCondition.status === 'True') {
      if (!conditionTrue(job, 'SuccessCriteriaMet')) {
        (status.conditions ??= []).push(jc.finishedCondition);
        needsFlush = true;
      }
      jc.finishedCondition = newCondition('Complete', 'True', jc.finishedCondition.reason ?? '', jc.finishedCondition.message ?? '', now);
    }

    // Flush the uncounted UIDs (and interim conditions), then remove finalizers, then count.
    if (needsFlush) {
      jc.job = await this.updateStatus(jc.job, rest, ctx);
      this.backoff.update(jc.newBackoffRecord);
      needsFlush = false;
    }
    let rmError: unknown;
    if (toRemoveFinalizer.length > 0) {
      const removed = await this.removeTrackingFinalizers(jc.key, toRemoveFinalizer, rest, ctx);
      toRemoveFinalizer.forEach((p, i) => { if (removed.ok[i]) uidsWithFinalizer.delete(p.metadata?.uid ?? ''); });
      rmError = removed.error;
    }
    if (cleanUncountedPodsWithoutFinalizers(jc.job, uidsWithFinalizer)) needsFlush = true;
    if (rmError !== undefined) {
      if (needsFlush) await this.updateStatus(jc.job, rest, ctx);
      throw rmError;
    }

    const finished = !reachedMaxUncounted && this.enactJobFinished(jc, now);
    if (finished) needsFlush = true;
    if (needsFlush) {
      jc.job = await this.updateStatus(jc.job, rest, ctx);
      if (finished) this.recordJobFinished(jc.job, jc.finishedCondition!, ctx.recorder);
    }
  }

  /** Sets Complete or Failed once no pod is uncounted or still terminating. */
  private enactJobFinished(jc: SyncJobCtx, now: number): boolean {
    const cond = jc.finishedCondition;
    if (!cond) return false;
    const u = jc.job.status?.uncountedTerminatedPods;
    if ((u?.succeeded?.length ?? 0) + (u?.failed?.length ?? 0) > 0) return false;
    if (jc.terminating > 0) return false;
    ensureCondition(jc.job, cond.type, cond.status, cond.reason ?? '', cond.message ?? '', now);
    if (cond.type === 'Complete') jc.job.status!.completionTime = conditionOf(jc.job, 'Complete')!.lastTransitionTime;
    return true;
  }

  private recordJobFinished(job: V1Job, cond: Condition, recorder: EventRecorder): void {
    if (cond.type === 'Complete') {
      const completions = job.spec?.completions;
      if (completions !== undefined && completions !== null && (job.status?.succeeded ?? 0) > completions) {
        recorder.event(job, 'Warning', 'TooManySucceededPods', 'Too many succeeded pods running after completion count reached');
      }
      recorder.event(job, 'Normal', 'Completed', 'Job completed');
    } else {
      recorder.event(job, 'Warning', cond.reason ?? '', cond.message ?? '');
    }
  }

  private async removeTrackingFinalizers(key: string, list: V1Pod[], rest: RestClient, ctx: SyncContext): Promise<{ ok: boolean[]; error?: unknown }> {
    this.finalizerExpectations.expectRemoved(key, list.map((p) => p.metadata?.uid ?? ''));
    const ok = list.map(() => false);
    let error: unknown;
    await Promise.all(list.map(async (p, i) => {
      try {
        await rest.patch(pods, p.metadata!.namespace!, p.metadata!.name!, removeTrackingFinalizerPatch, { type: 'strategic', signal: ctx.signal });
        ok[i] = true;
      } catch (e) {
        // No update will come for this one.
        this.finalizerExpectations.removalObserved(key, p.metadata?.uid ?? '');
        if (isNotFound(e)) ok[i] = true;
        else error ??= e;
      }
    }));
    return { ok, ...(error !== undefined ? { error } : {}) };
  }

  private async updateStatus(job: V1Job, rest: RestClient, ctx: SyncContext): Promise<V1Job> {
    const body = structuredClone(job) as V1Job;
    const u = body.status?.uncountedTerminatedPods;
    // Upstream omits empty lists and zero counters (the status reads `uncountedTerminatedPods: {}`);
    // ready and terminating are pointers upstream, so their zeros stay.
    if (u) {
      if (!u.succeeded?.length) delete u.succeeded;
      if (!u.failed?.length) delete u.failed;
    }
    const st0 = body.status!;
    for (const k of ['active', 'succeeded', 'failed'] as const) if (!st0[k]) delete st0[k];
    const updated = await rest.update(jobs, job.metadata!.namespace!, body, { subresource: 'status', signal: ctx.signal });
    const st = (updated.status ??= {});
    const uu = (st.uncountedTerminatedPods ??= {});
    uu.succeeded = [...(uu.succeeded ?? [])];
    uu.failed = [...(uu.failed ?? [])];
    return updated;
  }

  /** Drops the tracking finalizer from every pod of a finished Job that still has it. */
  private async releaseFinishedJobPods(job: V1Job, ctx: SyncContext): Promise<void> {
    const owned = ctx.lister(pods).list(job.metadata!.namespace!).filter((p) => controllerRef(p)?.uid === job.metadata?.uid && hasTrackingFinalizer(p));
    for (const p of owned) {
      try {
        await ctx.clients.rest.patch(pods, p.metadata!.namespace!, p.metadata!.name!, removeTrackingFinalizerPatch, { type: 'strategic', signal: ctx.signal });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
  }
}

/**
 * Moves pods whose finalizer is gone from the uncounted lists into the counters. Returns whether
 * the status changed.
 */
function cleanUncountedPodsWithoutFinalizers(job: V1Job, uidsWithFinalizer: ReadonlySet<string>): boolean {
  const status = job.status!;
  const u = (status.uncountedTerminatedPods ??= {});
  let changed = false;
  const keepS = (u.succeeded ?? []).filter((uid) => uidsWithFinalizer.has(uid));
  if (keepS.length !== (u.succeeded ?? []).length) {
    changed = true;
    status.succeeded = (status.succeeded ?? 0) + (u.succeeded ?? []).length - keepS.length;
    u.succeeded = keepS;
  }
  const keepF = (u.failed ?? []).filter((uid) => uidsWithFinalizer.has(uid));
  if (keepF.length !== (u.failed ?? []).length) {
    changed = true;
    status.failed = (status.failed ?? 0) + (u.failed ?? []).length - keepF.length;
    u.failed = keepF;
  }
  return changed;
}

/** Whether a pod must lose the tracking finalizer though no Job will count it (upstream syncOrphanPod). */
export function orphanPodNeedsRelease(pod: V1Pod, jobLister: Lister<V1Job>): boolean {
  if (!hasTrackingFinalizer(pod)) return false;
  const ref = controllerRef(pod);
  if (!ref) return true;
  // Another kind of owner put the finalizer there: not ours to remove.
  if (ref.kind !== 'Job' || ref.apiVersion !== 'batch/v1') return false;
  const job = jobLister.getByName(pod.metadata?.namespace ?? '', ref.name);
  if (!job || job.metadata?.uid !== ref.uid) return true;
  if (managedByOther(job)) return false;
  return isJobFinished(job);
}

/**
 * The Job controller as the controller manager runs it: the Job sync loop, and the loop that
 * frees pods left with the tracking finalizer by a Job that is gone or finished.
 */
export function jobController(opts: JobControllerOptions = {}): Controller & { syncer: JobSyncer } {
  const syncer = new JobSyncer(opts);
  const main: ControllerDefinition<V1Job> = {
    name: 'job-controller',
    primary: jobs,
    owns: [pods],
    // An orphan pod wakes the Jobs whose selector matches it: one of them may adopt it.
    watches: [{
      resource: pods,
      keys: (pod: KubernetesObject, lister) => {
        if (controllerRef(pod)) return [];
        const labels = pod.metadata?.labels ?? {};
        return lister(jobs).list(pod.metadata?.namespace ?? '').filter((j) => {
          try { return selectorFromLabelSelector(j.spec?.selector).matches(labels); } catch { return false; }
        }).map(keyOf);
      },
    }],
    workers: opts.workers ?? 5,
    onOwnedEvent: (key, type, obj) => syncer.onPodEvent(key, type, obj as V1Pod),
    sync: (key, ctx) => syncer.sync(key, ctx),
  };
  const orphans: ControllerDefinition<V1Pod> = {
    name: 'job-orphan-pod',
    primary: pods,
    // A Job deleted or finished frees its pods even when nothing else about them changes (a Job
    // still in the cache and running wakes nothing: its status changes often).
    watches: [{
      resource: jobs,
      keys: (job: KubernetesObject, lister) => {
        const cur = lister(jobs).get(keyOf(job));
        if (cur && cur.metadata?.uid === job.metadata?.uid && !isJobFinished(cur)) return [];
        return lister(pods).byIndex(BY_OWNER_UID, job.metadata?.uid ?? '').filter(hasTrackingFinalizer).map(keyOf);
      },
    }],
    async sync(key, ctx) {
      const pod = ctx.lister(pods).get(key);
      if (!pod || !orphanPodNeedsRelease(pod, ctx.lister(jobs))) return;
      const { namespace, name } = splitKey(key);
      try {
        await ctx.clients.rest.patch(pods, namespace, name, removeTrackingFinalizerPatch, { type: 'strategic', signal: ctx.signal });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    },
  };
  return {
    name: 'job',
    syncer,
    async run(env, signal) {
      env.informers.informerFor(pods, { indexers: { [BY_OWNER_UID]: indexByOwnerUid } });
      await Promise.all([runController(main, env, signal), runController(orphans, env, signal)]);
    },
  };
}
