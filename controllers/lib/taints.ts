// Taints and tolerations as upstream's helpers define them (k8s.io/api/core/v1 toleration.go):
// shared by the taint-eviction and DaemonSet controllers (the scheduler has its own plugin).
import type { V1Taint, V1Toleration } from '@kubernetes/client-node';

export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const TAINT_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
export const TAINT_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
export const TAINT_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';
export const TAINT_NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';

/** Upstream Toleration.ToleratesTaint. */
export function toleratesTaint(t: V1Toleration, taint: V1Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator ?? 'Equal') {
    case 'Exists': return true;
    case 'Equal': return (t.value ?? '') === (taint.value ?? '');
    default: return false;
  }
}

export const tolerates = (tolerations: V1Toleration[] | undefined, taint: V1Taint): boolean =>
  (tolerations ?? []).some((t) => toleratesTaint(t, taint));

/** Same key and effect: the identity of a taint on a node. */
export const sameTaint = (a: V1Taint, b: V1Taint): boolean => a.key === b.key && a.effect === b.effect;
