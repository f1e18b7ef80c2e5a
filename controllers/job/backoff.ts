// The pause before a Job replaces failed pods (upstream pkg/controller/job/backoff_utils.go): per
// Job, the failures since the last success and when the last one happened; the delay starts at
// 10 s and doubles with each further failure, up to a cap (10 minutes in 1.32's controller).
import type { V1Pod } from '@kubernetes/client-node';
import { millisOf } from '../../client/index.ts';
import { podCondition } from '../lib/pods.ts';

export const DEFAULT_POD_FAILURE_BACKOFF_MS = 10_000;
export const MAX_POD_FAILURE_BACKOFF_MS = 10 * 60_000;

export interface BackoffRecord {
  key: string;
  failuresAfterLastSuccess: number;
  lastFailureTime?: number;
}

/**
 * When a pod finished (upstream getFinishedTime): the last container's finish when all have
 * finished, else when Ready turned False, else its deletion time less the grace period, else its
 * creation.
 */
export function finishedTime(p: V1Pod): number {
  const statuses = p.status?.containerStatuses ?? [];
  let fromContainers: number | undefined;
  let allFinished = statuses.length > 0;
  for (const cs of statuses) {
    const at = millisOf(cs.state?.terminated?.finishedAt as Date | string | undefined);
    if (at === undefined || at === 0) { allFinished = false; break; }
    if (fromContainers === undefined || at > fromContainers) fromContainers = at;
  }
  if (allFinished && fromContainers !== undefined) return fromContainers;
  const ready = podCondition(p, 'Ready');
  const readyFalse = ready?.status === 'False' ? millisOf(ready.lastTransitionTime as Date | string | undefined) : undefined;
  if (readyFalse) return readyFalse;
  const deletion = millisOf(p.metadata?.deletionTimestamp);
  if (deletion !== undefined) return deletion - (p.metadata?.deletionGracePeriodSeconds ?? 0) * 1000;
  return millisOf(p.metadata?.creationTimestamp) ?? 0;
}

/** The time left before a pod may be created again, given failures since the last success. */
export function remainingBackoffMs(failures: number, lastFailureTime: number | undefined, now: number, initialMs: number, maxMs: number): number {
  if (failures === 0 || lastFailureTime === undefined) return 0;
  let delay = initialMs;
  for (let i = 1; i < failures; i++) {
    delay *= 2;
    if (delay >= maxMs) { delay = maxMs; break; }
  }
  const elapsed = now - lastFailureTime;
  return delay < elapsed ? 0 : delay - elapsed;
}

export class BackoffStore {
  private readonly records = new Map<string, BackoffRecord>();

  /**
   * The record after this sync's newly finished pods: a success resets the count, and failures
   * after the latest success add to it.
   */
  newRecord(key: string, newSucceeded: readonly V1Pod[], newFailed: readonly V1Pod[]): BackoffRecord {
    const old = this.records.get(key);
    const rec: BackoffRecord = { key, failuresAfterLastSuccess: old?.failuresAfterLastSuccess ?? 0, lastFailureTime: old?.lastFailureTime };
    const succeededTimes = newSucceeded.map(finishedTime).sort((a, b) => a - b);
    const failedTimes = newFailed.map(finishedTime).sort((a, b) => a - b);
    if (succeededTimes.length === 0) {
      if (failedTimes.length === 0) return rec;
      rec.failuresAfterLastSuccess += failedTimes.length;
      rec.lastFailureTime = failedTimes[failedTimes.length - 1];
      return rec;
    }
    rec.failuresAfterLastSuccess = 0;
    rec.lastFailureTime = undefined;
    const lastSuccess = succeededTimes[succeededTimes.length - 1]!;
    for (let i = failedTimes.length - 1; i >= 0; i--) {
      if (failedTimes[i]! <= lastSuccess) break;
      rec.lastFailureTime ??= failedTimes[i];
      rec.failuresAfterLastSuccess++;
    }
    return rec;
  }

  update(rec: BackoffRecord): void {
    this.records.set(rec.key, { ...rec });
  }

  remove(key: string): void {
    this.records.delete(key);
  }
}
