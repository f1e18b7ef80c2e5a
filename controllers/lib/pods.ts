// Pod facts every workload controller shares (upstream pkg/api/v1/pod and pkg/controller's
// ActivePods ranking).
import type { V1Pod, V1PodCondition } from '@kubernetes/client-node';
import { millisOf } from '../../client/index.ts';

export function podCondition(pod: V1Pod, type: string): V1PodCondition | undefined {
  return pod.status?.conditions?.find((c) => c.type === type);
}

export function isPodReady(pod: V1Pod): boolean {
  return podCondition(pod, 'Ready')?.status === 'True';
}

/** Ready for at least minReadySeconds (upstream IsPodAvailable). */
export function isPodAvailable(pod: V1Pod, minReadySeconds: number, now: number): boolean {
  const ready = podCondition(pod, 'Ready');
  if (ready?.status !== 'True') return false;
  if (minReadySeconds <= 0) return true;
  const since = millisOf(ready.lastTransitionTime as Date | string | undefined);
  return since !== undefined && since + minReadySeconds * 1000 <= now;
}

export const isPodTerminal = (pod: V1Pod): boolean => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';

/** Not terminal and not being deleted: the pods a ReplicaSet counts (upstream IsPodActive). */
export const isPodActive = (pod: V1Pod): boolean => !isPodTerminal(pod) && !pod.metadata?.deletionTimestamp;

const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/**
 * Orders pods so the ones to delete first come first (upstream ActivePodsWithRanks.Less): not
 * yet scheduled, pending before running, not ready before ready, more pods of the same owner on
 * the node, ready for a shorter time, more restarts, created more recently.
 */
export function compareForDeletion(a: V1Pod, b: V1Pod, ranks?: Map<V1Pod, number>): number {
  const assigned = (p: V1Pod) => (p.spec?.nodeName ? 1 : 0);
  if (assigned(a) !== assigned(b)) return assigned(a) - assigned(b);
  const phase = (p: V1Pod) => PHASE_RANK[p.status?.phase ?? 'Pending'] ?? 0;
  if (phase(a) !== phase(b)) return phase(a) - phase(b);
  const ready = (p: V1Pod) => (isPodReady(p) ? 1 : 0);
  if (ready(a) !== ready(b)) return ready(a) - ready(b);
  if (ranks) {
    const ra = ranks.get(a) ?? 0;
    const rb = ranks.get(b) ?? 0;
    if (ra !== rb) return rb - ra;
  }
  if (ready(a) && ready(b)) {
    const ta = millisOf(podCondition(a, 'Ready')?.lastTransitionTime as Date | undefined) ?? 0;
    const tb = millisOf(podCondition(b, 'Ready')?.lastTransitionTime as Date | undefined) ?? 0;
    if (ta !== tb) return tb - ta;
  }
  const restarts = (p: V1Pod) => Math.max(0, ...(p.status?.containerStatuses ?? []).map((c) => c.restartCount ?? 0));
  if (restarts(a) !== restarts(b)) return restarts(b) - restarts(a);
  const ca = millisOf(a.metadata?.creationTimestamp) ?? 0;
  const cb = millisOf(b.metadata?.creationTimestamp) ?? 0;
  return cb - ca;
}

/** Ranks for compareForDeletion: how many of `related` share each pod's node. */
export function ranksByNodeCrowding(pods: V1Pod[], related: V1Pod[]): Map<V1Pod, number> {
  const perNode = new Map<string, number>();
  for (const p of related) if (p.spec?.nodeName && isPodActive(p)) perNode.set(p.spec.nodeName, (perNode.get(p.spec.nodeName) ?? 0) + 1);
  return new Map(pods.map((p) => [p, p.spec?.nodeName ? perNode.get(p.spec.nodeName) ?? 0 : 0]));
}
