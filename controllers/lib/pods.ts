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

/** Upstream's PodDeletionCost annotation: pods with a lower cost are deleted first. */
export const POD_DELETION_COST = 'controller.kubernetes.io/pod-deletion-cost';

/**
 * The pod's deletion cost (upstream GetDeletionCostFromPodAnnotations): a base-10 int32 without
 * a plus sign or leading zeros; anything else counts as 0.
 */
export function deletionCostOf(pod: V1Pod): number {
  const v = pod.metadata?.annotations?.[POD_DELETION_COST];
  if (v === undefined || !/^(0|-?[1-9][0-9]*)$/.test(v)) return 0;
  const n = Number(v);
  return n >= -(2 ** 31) && n < 2 ** 31 ? n : 0;
}

/** Upstream's logarithmicRankDiff: how many powers of two apart two ages are (a non-positive age ranks -1). */
function logRankDiff(t1: number, t2: number, now: number): number {
  // Upstream takes log2 of nanoseconds; the same rank in milliseconds differs by a constant.
  const rank = (t: number) => (now - t > 0 ? Math.floor(Math.log2((now - t) * 1e6)) : -1);
  return rank(t1) - rank(t2);
}

/**
 * Two times, newer (or missing) first; with `now`, times in the same power-of-two age bucket tie
 * and are ordered by UID instead (upstream's LogarithmicScaleDown, so that scale-down does not
 * always pick the very newest pods).
 */
function compareTimes(ta: number | undefined, tb: number | undefined, a: V1Pod, b: V1Pod, now: number | undefined): number {
  if (!ta || !tb || now === undefined) {
    if (!ta || !tb) return (ta ? 1 : 0) - (tb ? 1 : 0);
    return tb - ta;
  }
  const diff = logRankDiff(ta, tb, now);
  if (diff !== 0) return diff;
  const ua = a.metadata?.uid ?? '';
  const ub = b.metadata?.uid ?? '';
  return ua < ub ? -1 : ua > ub ? 1 : 0;
}

/**
 * Orders pods so the ones to delete first come first (upstream ActivePodsWithRanks.Less): not
 * yet scheduled, pending before running, not ready before ready, lower pod-deletion-cost, more
 * pods of the same owner on the node, ready for a shorter time, more restarts, created more
 * recently. With `now` (the sort's reference time), ready and creation times compare on a
 * logarithmic scale as upstream does by default.
 */
export function compareForDeletion(a: V1Pod, b: V1Pod, ranks?: Map<V1Pod, number>, now?: number): number {
  const assigned = (p: V1Pod) => (p.spec?.nodeName ? 1 : 0);
  if (assigned(a) !== assigned(b)) return assigned(a) - assigned(b);
  const phase = (p: V1Pod) => PHASE_RANK[p.status?.phase ?? 'Pending'] ?? 0;
  if (phase(a) !== phase(b)) return phase(a) - phase(b);
  const ready = (p: V1Pod) => (isPodReady(p) ? 1 : 0);
  if (ready(a) !== ready(b)) return ready(a) - ready(b);
  const cost = deletionCostOf(a) - deletionCostOf(b);
  if (cost !== 0) return cost;
  if (ranks) {
    const ra = ranks.get(a) ?? 0;
    const rb = ranks.get(b) ?? 0;
    if (ra !== rb) return rb - ra;
  }
  if (ready(a) && ready(b)) {
    const ta = millisOf(podCondition(a, 'Ready')?.lastTransitionTime as Date | undefined);
    const tb = millisOf(podCondition(b, 'Ready')?.lastTransitionTime as Date | undefined);
    if (ta !== tb) return compareTimes(ta, tb, a, b, now);
  }
  const restarts = (p: V1Pod) => Math.max(0, ...(p.status?.containerStatuses ?? []).map((c) => c.restartCount ?? 0));
  if (restarts(a) !== restarts(b)) return restarts(b) - restarts(a);
  const ca = millisOf(a.metadata?.creationTimestamp);
  const cb = millisOf(b.metadata?.creationTimestamp);
  if (ca !== cb) return compareTimes(ca, cb, a, b, now);
  return 0;
}

/** Ranks for compareForDeletion: how many of `related` share each pod's node. */
export function ranksByNodeCrowding(pods: V1Pod[], related: V1Pod[]): Map<V1Pod, number> {
  const perNode = new Map<string, number>();
  for (const p of related) if (p.spec?.nodeName && isPodActive(p)) perNode.set(p.spec.nodeName, (perNode.get(p.spec.nodeName) ?? 0) + 1);
  return new Map(pods.map((p) => [p, p.spec?.nodeName ? perNode.get(p.spec.nodeName) ?? 0 : 0]));
}
