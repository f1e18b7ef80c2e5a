// The CronJob controller (upstream pkg/controller/cronjob, the v2 controller and utils.go): at
// each time the schedule names it creates a Job `<cronjob>-<scheduled time in minutes since the
// epoch>` from the job template, honours concurrencyPolicy (Allow, Forbid, Replace), suspend and
// startingDeadlineSeconds, keeps status.active / lastScheduleTime / lastSuccessfulTime, deletes
// finished Jobs beyond the history limits, and asks to run again exactly at the next schedule
// time. The clock is an option, so tests move time instead of waiting for it.
import type { V1CronJob, V1Job, V1ObjectReference } from '@kubernetes/client-node';
import {
  ApiError, controllerRef, defineController, isAlreadyExists, isNotFound, statusCodeOf,
  type EventRecorder, type SyncContext,
} from '../client/index.ts';
import { cronJobs, jobs } from '../client/resources.ts';
import { CronError, formatRFC3339, isKnownTimeZone, localTimeZone, parseStandard, type CronSchedule } from '../machinery/cron.ts';
import { controllerRefTo } from './lib/podcontrol.ts';

export const SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';
/** Upstream nextScheduleDelta: a little past the schedule time, against clock skew. */
const NEXT_SCHEDULE_DELTA_MS = 100;

export interface CronJobControllerOptions {
  /** The clock (tests move it). */
  now?: () => number;
  /** Every CronJob is looked at again this often besides its own schedule (tests with a moved clock). */
  resyncMs?: number;
  /** Upstream --concurrent-cron-job-syncs (5). */
  workers?: number;
}

type Missed = 'none' | 'few' | 'many';

const ms = (t: Date | string | undefined | null): number | undefined => (t === undefined || t === null ? undefined : new Date(t).getTime());

/** Complete or Failed, whichever condition is True first (upstream getFinishedStatus). */
export function finishedStatus(job: V1Job): 'Complete' | 'Failed' | undefined {
  for (const c of job.status?.conditions ?? []) {
    if ((c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') return c.type;
  }
  return undefined;
}

/**
 * Upstream mostRecentScheduleTime: the time counted from (last schedule, else creation; with
 * startingDeadlineSeconds no earlier than now minus the deadline), the latest schedule time not
 * after `now` since then, and how many were missed. A schedule that never fires, or fires twice
 * within a second, is an error.
 */
export function mostRecentScheduleTime(cj: V1CronJob, now: number, sched: CronSchedule, includeStartingDeadline: boolean): {
  earliest: number; mostRecent?: number; missed: Missed; error?: string;
} {
  let earliest = ms(cj.status?.lastScheduleTime) ?? ms(cj.metadata?.creationTimestamp) ?? 0;
  const sds = cj.spec?.startingDeadlineSeconds;
  if (includeStartingDeadline && sds !== undefined && sds !== null) {
    const deadline = now - sds * 1000;
    if (deadline > earliest) earliest = deadline;
  }
  const t1 = sched.next(earliest);
  const t2 = t1 === undefined ? undefined : sched.next(t1);
  if (t1 !== undefined && now < t1) return { earliest, missed: 'none' };
  if (t1 !== undefined && t2 !== undefined && now < t2) return { earliest, mostRecent: t1, missed: 'none' };
  const between = t1 === undefined || t2 === undefined ? 0 : Math.round((t2 - t1) / 1000);
  if (between < 1) return { earliest, missed: 'none', error: 'time difference between two schedules is less than 1 second' };
  const elapsed = Math.trunc((now - t1!) / 1000);
  const missedCount = Math.floor(elapsed / between) + 1;
  // Jump close to now, one interval early, and let the schedule find the exact latest time.
  let mostRecent: number | undefined;
  for (let t = sched.next(t1! + (missedCount - 2) * between * 1000); t !== undefined && t <= now; t = sched.next(t)) mostRecent = t;
  const missed: Missed = missedCount > 100 ? 'many' : missedCount > 0 ? 'few' : 'none';
  return mostRecent === undefined ? { earliest, missed } : { earliest, mostRecent, missed };
}

/** How long until the schedule's next time after the latest one due, plus 100 ms (upstream nextScheduleTimeDuration). */
export function nextScheduleDelayMs(cj: V1CronJob, now: number, sched: CronSchedule): number | undefined {
  const r = mostRecentScheduleTime(cj, now, sched, false);
  let from: number;
  if (r.error !== undefined) from = now;
  else if (r.mostRecent !== undefined) from = r.mostRecent;
  else from = r.missed === 'none' ? r.earliest : now;
  const next = sched.next(from);
  return next === undefined ? undefined : next + NEXT_SCHEDULE_DELTA_MS - now;
}

/** `<cronjob>-<minutes since the epoch>`: one name per scheduled time, so a time never runs twice. */
export const jobNameFor = (cj: V1CronJob, scheduled: number): string => `${cj.metadata!.name}-${Math.floor(scheduled / 60_000)}`;

/** The Job for one scheduled time (upstream getJobFromTemplate2). */
export function jobFromTemplate(cj: V1CronJob, scheduled: number): V1Job {
  const tmpl = cj.spec!.jobTemplate;
  const annotations: Record<string, string> = { ...(tmpl.metadata?.annotations ?? {}) };
  // The scheduled time, in the CronJob's zone (UTC without one).
  annotations[SCHEDULED_TIMESTAMP_ANNOTATION] = formatRFC3339(scheduled, cj.spec?.timeZone ?? 'UTC');
  return {
    metadata: {
      name: jobNameFor(cj, scheduled),
      labels: { ...(tmpl.metadata?.labels ?? {}) },
      annotations,
      ownerReferences: [controllerRefTo(cj, 'batch/v1', 'CronJob')],
    },
    spec: structuredClone(tmpl.spec!),
  };
}

/** Jobs with a start time first, oldest first; then by name (upstream byJobStartTime). */
function byJobStartTime(a: V1Job, b: V1Job): number {
  const sa = ms(a.status?.startTime), sb = ms(b.status?.startTime);
  if (sa === undefined && sb !== undefined) return 1;
  if (sa !== undefined && sb === undefined) return -1;
  if (sa === sb) return (a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : (a.metadata?.name ?? '') > (b.metadata?.name ?? '') ? 1 : 0;
  return sa! - sb!;
}

/** Go's time.RFC1123Z in UTC: "Mon, 02 Jan 2006 15:04:05 +0000". */
function rfc1123z(t: number): string {
  return new Date(t).toUTCString().replace('GMT', '+0000');
}

const inActiveList = (cj: V1CronJob, uid: string | undefined) => (cj.status?.active ?? []).some((r) => r.uid === uid);
const deleteFromActiveList = (cj: V1CronJob, uid: string | undefined) => {
  cj.status!.active = (cj.status!.active ?? []).filter((r) => r.uid !== uid);
};

function namespaceTerminating(e: unknown): boolean {
  if (statusCodeOf(e) !== 403 || !(e instanceof ApiError)) return false;
  return !!e.status?.details?.causes?.some((c) => c.reason === 'NamespaceTerminating') || /because it is being terminated/.test(e.message);
}

const jobRef = (j: V1Job): V1ObjectReference => ({
  kind: 'Job', namespace: j.metadata?.namespace, name: j.metadata?.name, uid: j.metadata?.uid, apiVersion: 'batch/v1', resourceVersion: j.metadata?.resourceVersion,
});

class CronJobSyncer {
  constructor(private readonly now: () => number) {}

  async sync(key: string, ctx: SyncContext): Promise<{ requeueAfterMs?: number } | void> {
    const cached = ctx.lister(cronJobs).get(key);
    if (!cached) return;
    const ns = cached.metadata!.namespace!;
    // Every Job this CronJob controls, including ones whose labels no longer match its template.
    const children = ctx.lister(jobs).list(ns).filter((j) => {
      const ref = controllerRef(j);
      return ref?.kind === 'CronJob' && ref.name === cached.metadata?.name;
    });
    let cj = structuredClone(cached) as V1CronJob;
    cj.status ??= {};
    const cleaned = await this.cleanupFinishedJobs(cj, children, ctx);
    const r = await this.syncCronJob(cj, children, ctx).catch((e: unknown) => ({ error: e, update: false, cj, requeueAfterMs: undefined }));
    cj = r.cj;
    if (cleaned || r.update) await ctx.clients.rest.update(cronJobs, ns, cj, { subresource: 'status', signal: ctx.signal });
    if (r.requeueAfterMs !== undefined) return { requeueAfterMs: Math.max(r.requeueAfterMs, 1) };
    if (r.error !== undefined) throw r.error;
  }

  private async syncCronJob(cjIn: V1CronJob, children: V1Job[], ctx: SyncContext): Promise<{ cj: V1CronJob; update: boolean; requeueAfterMs?: number; error?: unknown }> {
    const rest = ctx.clients.rest;
    const rec = ctx.recorder;
    let cj = cjIn;
    const ns = cj.metadata!.namespace!;
    const now = this.now();
    let update = false;

    const childUids = new Set<string>();
    for (const j of children) {
      const uid = j.metadata?.uid ?? '';
      childUids.add(uid);
      const found = inActiveList(cj, uid);
      const finished = finishedStatus(j);
      if (!found && !finished) {
        // Our own status may lag our informer: read it fresh before calling the Job unexpected.
        const fresh = await rest.get(cronJobs, ns, cj.metadata!.name!, { signal: ctx.signal });
        if (inActiveList(fresh, uid)) {
          cj = structuredClone(fresh) as V1CronJob;
          cj.status ??= {};
          continue;
        }
        rec.event(cj, 'Warning', 'UnexpectedJob', `Saw a job that the controller did not create or forgot: ${j.metadata?.name}`);
      } else if (found && finished) {
        deleteFromActiveList(cj, uid);
        rec.event(cj, 'Normal', 'SawCompletedJob', `Saw completed job: ${j.metadata?.name}, status: ${finished}`);
        update = true;
      } else if (finished === 'Complete') {
        // A Job need not be active to count: its completion time is the latest success.
        const done = ms(j.status?.completionTime);
        const last = ms(cj.status!.lastSuccessfulTime);
        if (last === undefined || (done !== undefined && done > last)) {
          cj.status!.lastSuccessfulTime = j.status?.completionTime;
          update = true;
        }
      }
    }

    // A Job in the active list that no longer exists (checked with the API server, not the cache).
    for (const ref of [...(cj.status!.active ?? [])]) {
      if (childUids.has(ref.uid ?? '')) continue;
      try {
        await rest.get(jobs, ref.namespace ?? ns, ref.name ?? '', { signal: ctx.signal });
      } catch (e) {
        if (!isNotFound(e)) return { cj, update, error: e };
        rec.event(cj, 'Normal', 'MissingJob', `Active job went missing: ${ref.name}`);
        deleteFromActiveList(cj, ref.uid);
        update = true;
      }
    }

    if (cj.metadata?.deletionTimestamp) return { cj, update };

    const tz = cj.spec?.timeZone;
    if (tz !== undefined && tz !== null && !isKnownTimeZone(tz)) {
      rec.event(cj, 'Warning', 'UnknownTimeZone', `invalid timeZone: "${tz}": unknown time zone ${tz}`);
      return { cj, update };
    }
    if (cj.spec?.suspend) return { cj, update };

    let sched: CronSchedule;
    try {
      sched = parseStandard(formatSchedule(cj, rec), localTimeZone());
    } catch (e) {
      if (!(e instanceof CronError)) throw e;
      rec.event(cj, 'Warning', 'UnparseableSchedule', `unparseable schedule: "${cj.spec?.schedule}" : ${e.message}`);
      return { cj, update };
    }

    const r = mostRecentScheduleTime(cj, now, sched, true);
    if (r.mostRecent !== undefined && r.mostRecent <= now && r.missed === 'many') {
      rec.event(cj, 'Warning', 'TooManyMissedTimes', 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew');
    }
    if (r.error !== undefined) {
      rec.event(cj, 'Warning', 'InvalidSchedule', `invalid schedule: ${cj.spec?.schedule} : ${r.error}`);
      return { cj, update };
    }
    const requeue = () => nextScheduleDelayMs(cj, now, sched);
    const scheduled = r.mostRecent;
    if (scheduled === undefined) return { cj, update, requeueAfterMs: requeue() };

    const sds = cj.spec?.startingDeadlineSeconds;
    if (sds !== undefined && sds !== null && scheduled + sds * 1000 < now) {
      rec.event(cj, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${rfc1123z(scheduled)}`);
      return { cj, update, requeueAfterMs: requeue() };
    }
    const name = jobNameFor(cj, scheduled);
    if ((cj.status!.active ?? []).some((a) => a.name === name && (a.namespace ?? ns) === ns) || ms(cj.status!.lastScheduleTime) === scheduled) {
      // This time was already started.
      return { cj, update, requeueAfterMs: requeue() };
    }
    const policy = cj.spec?.concurrencyPolicy ?? 'Allow';
    if (policy === 'Forbid' && (cj.status!.active ?? []).length > 0) {
      rec.event(cj, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
      return { cj, update, requeueAfterMs: requeue() };
    }
    if (policy === 'Replace') {
      for (const ref of [...(cj.status!.active ?? [])]) {
        let job: V1Job;
        try {
          job = await rest.get(jobs, ref.namespace ?? ns, ref.name ?? '', { signal: ctx.signal });
        } catch (e) {
          rec.event(cj, 'Warning', 'FailedGet', `Get job: ${(e as Error).message}`);
          return { cj, update, error: e };
        }
        if (!(await deleteJob(cj, job, ctx))) return { cj, update, error: new Error(`could not replace job ${job.metadata?.namespace}/${job.metadata?.name}`) };
        update = true;
      }
    }

    const req = jobFromTemplate(cj, scheduled);
    let created: V1Job;
    let alreadyExisted = false;
    try {
      created = await rest.create(jobs, ns, req, { signal: ctx.signal });
    } catch (e) {
      if (namespaceTerminating(e)) return { cj, update, error: e };
      if (!isAlreadyExists(e)) {
        rec.event(cj, 'Warning', 'FailedCreate', `Error creating job: ${(e as Error).message}`);
        return { cj, update, error: e };
      }
      // Created before, but maybe not recorded in status (a crash between the two).
      alreadyExisted = true;
      created = await rest.get(jobs, ns, req.metadata!.name!, { signal: ctx.signal });
      if (controllerRef(created)?.uid !== cj.metadata?.uid) return { cj, update };
      if (inActiveList(cj, created.metadata?.uid)) return { cj, update };
    }
    if (!alreadyExisted) rec.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${created.metadata?.name}`);
    cj.status!.active = [...(cj.status!.active ?? []), jobRef(created)];
    cj.status!.lastScheduleTime = new Date(scheduled);
    update = true;
    return { cj, update, requeueAfterMs: requeue() };
  }

  /** Deletes the oldest finished Jobs beyond successfulJobsHistoryLimit / failedJobsHistoryLimit. */
  private async cleanupFinishedJobs(cj: V1CronJob, children: V1Job[], ctx: SyncContext): Promise<boolean> {
    const succ = cj.spec?.successfulJobsHistoryLimit, fail = cj.spec?.failedJobsHistoryLimit;
    if ((succ === undefined || succ === null) && (fail === undefined || fail === null)) return false;
    let update = false;
    const removeOldest = async (list: V1Job[], limit: number | undefined | null) => {
      if (limit === undefined || limit === null) return;
      const excess = list.length - limit;
      if (excess <= 0) return;
      const sorted = [...list].sort(byJobStartTime);
      for (let i = 0; i < excess; i++) if (await deleteJob(cj, sorted[i]!, ctx)) update = true;
    };
    await removeOldest(children.filter((j) => finishedStatus(j) === 'Complete'), succ);
    await removeOldest(children.filter((j) => finishedStatus(j) === 'Failed'), fail);
    return update;
  }
}

/** Deletes a Job (its pods go in the background) and drops it from the active list. */
async function deleteJob(cj: V1CronJob, job: V1Job, ctx: SyncContext): Promise<boolean> {
  try {
    await ctx.clients.rest.delete(jobs, job.metadata!.namespace!, job.metadata!.name!, { propagationPolicy: 'Background' }, { signal: ctx.signal });
  } catch (e) {
    if (!isNotFound(e)) {
      ctx.recorder.event(cj, 'Warning', 'FailedDelete', `Deleted job: ${(e as Error).message}`);
      return false;
    }
  }
  deleteFromActiveList(cj, job.metadata?.uid);
  ctx.recorder.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata?.name}`);
  return true;
}

/**
 * The schedule the parser reads: spec.timeZone becomes a TZ= prefix; a TZ already in the schedule
 * (allowed only on objects older than the timeZone field) is used as it is, with a warning.
 */
function formatSchedule(cj: V1CronJob, rec: EventRecorder): string {
  const schedule = cj.spec?.schedule ?? '';
  if (schedule.includes('TZ')) {
    rec.event(cj, 'Warning', 'UnsupportedSchedule', `CRON_TZ or TZ used in schedule "${schedule}" is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details`);
    return schedule;
  }
  const tz = cj.spec?.timeZone;
  if (tz !== undefined && tz !== null && isKnownTimeZone(tz)) return `TZ=${tz} ${schedule}`;
  return schedule;
}

export function cronJobController(opts: CronJobControllerOptions = {}) {
  const syncer = new CronJobSyncer(opts.now ?? Date.now);
  return defineController<V1CronJob>({
    name: 'cronjob-controller',
    primary: cronJobs,
    owns: [jobs],
    workers: opts.workers ?? 5,
    ...(opts.resyncMs ? { resyncMs: opts.resyncMs } : {}),
    sync: (key, ctx) => syncer.sync(key, ctx),
  });
}
