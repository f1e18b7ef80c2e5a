// Which nodes a DaemonSet runs on (upstream daemon_controller.go NodeShouldRunDaemonPod and its
// predicates, with the scheduler's required node affinity and taint checks): the template's
// nodeName, nodeSelector and required node affinity must admit the node, and every NoSchedule
// or NoExecute taint must be tolerated — by the template's tolerations plus those the
// controller adds to every daemon pod.
import type {
  V1DaemonSet, V1Node, V1NodeSelector, V1NodeSelectorRequirement, V1NodeSelectorTerm, V1PodSpec, V1Taint, V1Toleration,
} from '@kubernetes/client-node';
import {
  TAINT_DISK_PRESSURE, TAINT_MEMORY_PRESSURE, TAINT_NETWORK_UNAVAILABLE, TAINT_NOT_READY, TAINT_PID_PRESSURE, TAINT_UNREACHABLE, TAINT_UNSCHEDULABLE,
  tolerates,
} from '../lib/taints.ts';

/**
 * The tolerations every daemon pod gets (upstream AddOrUpdateDaemonPodTolerations): it rides
 * out node problems instead of being evicted, and lands on nodes under pressure or cordoned;
 * a host-network pod also on nodes whose network is not ready.
 */
export function daemonPodTolerations(spec: V1PodSpec | undefined): V1Toleration[] {
  const out = [
    { key: TAINT_NOT_READY, operator: 'Exists', effect: 'NoExecute' },
    { key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoExecute' },
    { key: TAINT_DISK_PRESSURE, operator: 'Exists', effect: 'NoSchedule' },
    { key: TAINT_MEMORY_PRESSURE, operator: 'Exists', effect: 'NoSchedule' },
    { key: TAINT_PID_PRESSURE, operator: 'Exists', effect: 'NoSchedule' },
    { key: TAINT_UNSCHEDULABLE, operator: 'Exists', effect: 'NoSchedule' },
  ];
  if (spec?.hostNetwork) out.push({ key: TAINT_NETWORK_UNAVAILABLE, operator: 'Exists', effect: 'NoSchedule' });
  return out;
}

/**
 * Upstream v1helper.AddOrUpdateTolerationInPodSpec for each daemon toleration: one with the same
 * key, operator, value and effect is replaced, others are appended.
 */
export function withDaemonTolerations(spec: V1PodSpec | undefined): V1Toleration[] {
  const result = [...(spec?.tolerations ?? [])];
  for (const t of daemonPodTolerations(spec)) {
    const i = result.findIndex((x) => (x.key ?? '') === t.key && (x.operator ?? 'Equal') === t.operator && (x.value ?? '') === '' && (x.effect ?? '') === t.effect);
    if (i >= 0) result[i] = t;
    else result.push(t);
  }
  return result;
}

/** Upstream nodeaffinity's NodeSelectorRequirement match against labels (or fields). */
function requirementMatches(r: V1NodeSelectorRequirement, values: Record<string, string>): boolean {
  const has = Object.hasOwn(values, r.key);
  const v = has ? values[r.key]! : undefined;
  switch (r.operator) {
    case 'In': return has && (r.values ?? []).includes(v!);
    case 'NotIn': return !has || !(r.values ?? []).includes(v!);
    case 'Exists': return has;
    case 'DoesNotExist': return !has;
    case 'Gt': case 'Lt': {
      if (!has || (r.values ?? []).length !== 1) return false;
      const have = Number.parseInt(v!, 10);
      const want = Number.parseInt(r.values![0]!, 10);
      if (!/^-?\d+$/.test(v!) || !/^-?\d+$/.test(r.values![0]!)) return false;
      return r.operator === 'Gt' ? have > want : have < want;
    }
    default: return false;
  }
}

/** A term with neither expressions nor fields matches nothing (upstream). Fields: only metadata.name. */
function termMatches(term: V1NodeSelectorTerm, node: V1Node): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata?.labels ?? {};
  const nodeFields = { 'metadata.name': node.metadata?.name ?? '' };
  return exprs.every((r) => requirementMatches(r, labels)) && fields.every((r) => requirementMatches(r, nodeFields));
}

/** Any term matches (terms are ORed). */
export function nodeSelectorMatches(sel: V1NodeSelector, node: V1Node): boolean {
  return sel.nodeSelectorTerms.some((t) => termMatches(t, node));
}

/** Upstream GetRequiredNodeAffinity(pod).Match(node): the nodeSelector and the required node affinity. */
export function requiredNodeAffinityMatches(spec: V1PodSpec | undefined, node: V1Node): boolean {
  const labels = node.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(spec?.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const required = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  return !required || nodeSelectorMatches(required, node);
}

/** Upstream FindMatchingUntoleratedTaint with an effect filter. */
export function untoleratedTaint(taints: V1Taint[] | undefined, tolerations: V1Toleration[], effects: string[]): V1Taint | undefined {
  return (taints ?? []).find((t) => effects.includes(t.effect) && !tolerates(tolerations, t));
}

/**
 * Upstream NodeShouldRunDaemonPod: `shouldRun` when a daemon pod should be placed on the node,
 * `shouldContinueRunning` when one already there may stay (a NoSchedule taint alone does not
 * evict it; an untolerated NoExecute one does).
 */
export function nodeShouldRunDaemonPod(node: V1Node, ds: V1DaemonSet): { shouldRun: boolean; shouldContinueRunning: boolean } {
  const spec = ds.spec?.template?.spec;
  const nodeName = node.metadata?.name ?? '';
  if (spec?.nodeName && spec.nodeName !== nodeName) return { shouldRun: false, shouldContinueRunning: false };
  if (!requiredNodeAffinityMatches(spec, node)) return { shouldRun: false, shouldContinueRunning: false };
  const tolerations = withDaemonTolerations(spec);
  if (untoleratedTaint(node.spec?.taints, tolerations, ['NoSchedule', 'NoExecute'])) {
    return { shouldRun: false, shouldContinueRunning: !untoleratedTaint(node.spec?.taints, tolerations, ['NoExecute']) };
  }
  return { shouldRun: true, shouldContinueRunning: true };
}
