// Pod conditions as the API server writes them (binding's PodScheduled, eviction's
// DisruptionTarget): upstream's podutil.UpdatePodCondition.
import type { Pod, PodCondition } from './pods.ts';

export type { Pod, PodCondition };

/**
 * Adds or replaces the condition of `cond.type`. The transition time is `now` unless the status
 * stays the same; reason and message are the new condition's (none when it has none).
 */
export function setPodCondition(status: NonNullable<Pod['status']>, cond: { type: string; status: string; reason?: string; message?: string }, now: string): void {
  const conditions = (status.conditions ??= []);
  const i = conditions.findIndex((c) => c.type === cond.type);
  const old = i >= 0 ? conditions[i] : undefined;
  // Field order as upstream's PodCondition serialises; lastProbeTime is a zero time (null).
  const next: PodCondition = {
    type: cond.type, status: cond.status, lastProbeTime: null,
    lastTransitionTime: old && old.status === cond.status ? old.lastTransitionTime ?? null : now,
    ...(cond.reason ? { reason: cond.reason } : {}),
    ...(cond.message ? { message: cond.message } : {}),
  };
  if (i >= 0) conditions[i] = next; else conditions.push(next);
}

/** Upstream's podutil.IsPodReady: the Ready condition is True. */
export function isPodReady(pod: Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}
