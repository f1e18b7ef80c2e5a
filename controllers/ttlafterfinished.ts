// The TTL-after-finished controller (upstream pkg/controller/ttlafterfinished): a Job with
// spec.ttlSecondsAfterFinished is deleted that many seconds after it finished (its Complete or
// Failed condition's lastTransitionTime), in the foreground so its pods go first, and only after
// a fresh read confirms the TTL (it may have been changed since the cache saw the Job).
import type { V1Job } from '@kubernetes/client-node';
import { defineController, isNotFound } from '../client/index.ts';
import { jobs } from '../client/resources.ts';

export interface TTLAfterFinishedOptions {
  /** The clock (tests move it). */
  now?: () => number;
  /** Upstream --concurrent-ttl-after-finished-syncs (5). */
  workers?: number;
}

/** When the Job finished: the lastTransitionTime of its True Complete or Failed condition. */
export function jobFinishTime(job: V1Job): number | undefined {
  for (const c of job.status?.conditions ?? []) {
    if ((c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') {
      const t = c.lastTransitionTime ? new Date(c.lastTransitionTime).getTime() : NaN;
      return Number.isNaN(t) || t <= 0 ? undefined : t;
    }
  }
  return undefined;
}

/**
 * What to do with a Job now: nothing (no TTL, not finished, being deleted), wait `leftMs`, or
 * delete it. Pure: the caller gives the time.
 */
export function ttlDecision(job: V1Job, now: number): { action: 'none' } | { action: 'wait'; leftMs: number } | { action: 'delete' } {
  const ttl = job.spec?.ttlSecondsAfterFinished;
  if (job.metadata?.deletionTimestamp || ttl === undefined || ttl === null) return { action: 'none' };
  const finishedAt = jobFinishTime(job);
  if (finishedAt === undefined) return { action: 'none' };
  const left = finishedAt + ttl * 1000 - now;
  return left <= 0 ? { action: 'delete' } : { action: 'wait', leftMs: left };
}

export function ttlAfterFinishedController(opts: TTLAfterFinishedOptions = {}) {
  const now = opts.now ?? Date.now;
  return defineController<V1Job>({
    name: 'ttl-after-finished-controller',
    primary: jobs,
    workers: opts.workers ?? 5,
    async sync(key, { lister, clients, signal }) {
      const cached = lister(jobs).get(key);
      if (!cached) return;
      const first = ttlDecision(cached, now());
      if (first.action === 'wait') return { requeueAfterMs: first.leftMs };
      if (first.action === 'none') return;
      let fresh: V1Job;
      try {
        fresh = await clients.rest.get(jobs, cached.metadata!.namespace!, cached.metadata!.name!, { signal });
      } catch (e) {
        if (isNotFound(e)) return;
        throw e;
      }
      const second = ttlDecision(fresh, now());
      if (second.action === 'wait') return { requeueAfterMs: second.leftMs };
      if (second.action === 'none') return;
      try {
        await clients.rest.delete(jobs, fresh.metadata!.namespace!, fresh.metadata!.name!, {
          propagationPolicy: 'Foreground', preconditions: { uid: fresh.metadata!.uid! },
        }, { signal });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    },
  });
}
