// Pod admission: before running a pod the kubelet checks that it fits next to the pods it already
// admitted (upstream's predicateAdmitHandler over the scheduler's AdmissionCheck): pod count, CPU,
// memory and ephemeral-storage requests against allocatable, the node selector and required node
// affinity, and host ports. A rejected pod ends Failed with the reason and "Pod was rejected: …".
import type { V1Container, V1Node, V1NodeSelectorRequirement, V1Pod } from '@kubernetes/client-node';
import { parseQuantity } from '../machinery/quantity.ts';

export interface Rejection {
  reason: string;
  message: string;
}

interface Requests { cpu: number; memory: number; 'ephemeral-storage': number }

const quantity = (v: string | undefined, milli: boolean): number => {
  if (v === undefined) return 0;
  try {
    const q = parseQuantity(String(v));
    return milli ? q.milliValue() : q.value();
  } catch {
    return 0;
  }
};

function containerRequests(c: V1Container): Requests {
  // A limit alone stands for the request too (upstream defaults requests from limits).
  const req = { ...(c.resources?.limits ?? {}), ...(c.resources?.requests ?? {}) } as Record<string, string>;
  return { cpu: quantity(req.cpu, true), memory: quantity(req.memory, false), 'ephemeral-storage': quantity(req['ephemeral-storage'], false) };
}

/** Upstream's PodRequests: the larger of the app containers' sum and any one init container, plus overhead. */
export function podRequests(pod: V1Pod): Requests {
  const sum: Requests = { cpu: 0, memory: 0, 'ephemeral-storage': 0 };
  for (const c of pod.spec?.containers ?? []) {
    const r = containerRequests(c);
    for (const k of Object.keys(sum) as Array<keyof Requests>) sum[k] += r[k];
  }
  for (const c of pod.spec?.initContainers ?? []) {
    const r = containerRequests(c);
    for (const k of Object.keys(sum) as Array<keyof Requests>) sum[k] = Math.max(sum[k], r[k]);
  }
  const overhead = pod.spec?.overhead ?? {};
  sum.cpu += quantity(overhead.cpu, true);
  sum.memory += quantity(overhead.memory, false);
  sum['ephemeral-storage'] += quantity(overhead['ephemeral-storage'], false);
  return sum;
}

function matchExpression(r: V1NodeSelectorRequirement, value: string | undefined): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In': return value !== undefined && values.includes(value);
    case 'NotIn': return value === undefined || !values.includes(value);
    case 'Exists': return value !== undefined;
    case 'DoesNotExist': return value === undefined;
    case 'Gt': case 'Lt': {
      if (value === undefined || values.length !== 1) return false;
      const [a, b] = [Number.parseInt(value, 10), Number.parseInt(values[0]!, 10)];
      if (Number.isNaN(a) || Number.isNaN(b)) return false;
      return r.operator === 'Gt' ? a > b : a < b;
    }
    default: return false;
  }
}

/** nodeSelector, then required node affinity (its terms ORed, each term's requirements ANDed). */
export function matchesNodeSelector(pod: V1Pod, node: V1Node): boolean {
  const labels = node.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(pod.spec?.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (!required) return true;
  return (required.nodeSelectorTerms ?? []).some((t) => {
    const exprs = t.matchExpressions ?? [];
    const fields = t.matchFields ?? [];
    if (exprs.length === 0 && fields.length === 0) return false;
    return exprs.every((e) => matchExpression(e, labels[e.key]))
      && fields.every((f) => f.key === 'metadata.name' && matchExpression(f, node.metadata?.name));
  });
}

function hostPorts(pod: V1Pod): Array<{ port: number; protocol: string; ip: string }> {
  const out: Array<{ port: number; protocol: string; ip: string }> = [];
  for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
    for (const p of c.ports ?? []) if (p.hostPort) out.push({ port: p.hostPort, protocol: p.protocol ?? 'TCP', ip: p.hostIP || '0.0.0.0' });
  }
  return out;
}

const portsConflict = (a: { port: number; protocol: string; ip: string }, b: { port: number; protocol: string; ip: string }) =>
  a.port === b.port && a.protocol === b.protocol && (a.ip === b.ip || a.ip === '0.0.0.0' || b.ip === '0.0.0.0');

/** Why `pod` may not run next to `admitted` on `node`, or undefined when it may. */
export function admitPod(pod: V1Pod, admitted: V1Pod[], node: V1Node): Rejection | undefined {
  const allocatable = (node.status?.allocatable ?? {}) as Record<string, string>;
  const insufficient = (resource: string, requested: number, used: number, capacity: number): Rejection => ({
    reason: `OutOf${resource}`,
    message: `Node didn't have enough resource: ${resource}, requested: ${requested}, used: ${used}, capacity: ${capacity}`,
  });
  const maxPods = quantity(allocatable.pods, false);
  if (allocatable.pods !== undefined && admitted.length + 1 > maxPods) return insufficient('pods', 1, admitted.length, maxPods);

  const want = podRequests(pod);
  const used: Requests = { cpu: 0, memory: 0, 'ephemeral-storage': 0 };
  for (const p of admitted) {
    const r = podRequests(p);
    for (const k of Object.keys(used) as Array<keyof Requests>) used[k] += r[k];
  }
  const capacity: Requests = {
    cpu: quantity(allocatable.cpu, true), memory: quantity(allocatable.memory, false), 'ephemeral-storage': quantity(allocatable['ephemeral-storage'], false),
  };
  for (const k of ['cpu', 'memory', 'ephemeral-storage'] as const) {
    if (want[k] > 0 && want[k] > capacity[k] - used[k]) return insufficient(k, want[k], used[k], capacity[k]);
  }

  if (!matchesNodeSelector(pod, node)) {
    return { reason: 'NodeAffinity', message: "Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector" };
  }
  const mine = hostPorts(pod);
  if (mine.length) {
    const taken = admitted.flatMap(hostPorts);
    if (mine.some((p) => taken.some((t) => portsConflict(p, t)))) {
      return { reason: 'NodePorts', message: "Predicate NodePorts failed: node(s) didn't have free ports for the requested pod ports" };
    }
  }
  return undefined;
}
