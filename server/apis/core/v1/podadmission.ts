// The built-in admission every pod goes through (upstream's plugins, enabled by default in
// kube-apiserver): Priority (plugin/pkg/admission/priority) resolves spec.priority and
// spec.preemptionPolicy from the PriorityClass; DefaultTolerationSeconds
// (plugin/pkg/admission/defaulttolerationseconds) lets pods ride out a not-ready or unreachable
// node for 300 seconds before NoExecute evicts them.
import * as errors from '../../../../machinery/errors.ts';
import type { AdmitContext, KubeObject } from '../../types.ts';
import type { Pod, Toleration } from './pods.ts';

export const TAINT_NODE_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_NODE_UNREACHABLE = 'node.kubernetes.io/unreachable';
/** kube-apiserver's --default-not-ready-toleration-seconds and --default-unreachable-toleration-seconds. */
export const DEFAULT_TOLERATION_SECONDS = 300;

type PriorityClass = KubeObject & { value?: number; globalDefault?: boolean; preemptionPolicy?: string };

/** What the Priority plugin computes when no class is named and none is the global default. */
const DEFAULT_PRIORITY = 0;

export async function admitPod(pod: Pod, ctx: AdmitContext<Pod>): Promise<void> {
  addDefaultTolerations(pod);
  if (ctx.operation === 'UPDATE') {
    // Priority was set on create; an update that leaves it out keeps it (validation forbids changing it).
    const spec = (pod.spec ??= {});
    if (spec.priority === undefined && ctx.old?.spec?.priority !== undefined) spec.priority = ctx.old.spec.priority;
    if (spec.preemptionPolicy === undefined && ctx.old?.spec?.preemptionPolicy !== undefined) spec.preemptionPolicy = ctx.old.spec.preemptionPolicy;
    return;
  }
  await resolvePriority(pod, ctx);
}

/** DefaultTolerationSeconds: adds each default toleration that no toleration of the pod already covers. */
export function addDefaultTolerations(pod: Pod): void {
  const spec = (pod.spec ??= {});
  const tolerations = spec.tolerations ?? [];
  const covers = (key: string) => tolerations.some((t) => (!t.key || t.key === key) && (!t.effect || t.effect === 'NoExecute'));
  const added: Toleration[] = [];
  for (const key of [TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE]) {
    if (!covers(key)) added.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: DEFAULT_TOLERATION_SECONDS });
  }
  if (added.length) spec.tolerations = [...tolerations, ...added];
}

/**
 * Priority on create: the named class's value and preemption policy (403 when it does not
 * exist), or the global default class's (its name recorded), or 0 and PreemptLowerPriority. A
 * priority or policy the pod states itself must agree with the class.
 */
async function resolvePriority(pod: Pod, ctx: AdmitContext<Pod>): Promise<void> {
  const spec = (pod.spec ??= {});
  const classes = ctx.registryFor('scheduling.k8s.io', 'v1', 'priorityclasses');
  const forbid = (why: string) => errors.forbidden(ctx.registry.gr, pod.metadata?.name || 'Unknown', why);
  let priority = DEFAULT_PRIORITY;
  let policy: string | undefined = 'PreemptLowerPriority';
  if (spec.priorityClassName) {
    let pc: PriorityClass | undefined;
    try {
      pc = classes ? (await classes.getCached('', spec.priorityClassName)) as PriorityClass : undefined;
    } catch (e) {
      if (!errors.isStatusError(e, 'NotFound')) throw e;
    }
    if (!pc) throw forbid(`no PriorityClass with name ${spec.priorityClassName} was found`);
    priority = pc.value ?? 0;
    policy = pc.preemptionPolicy;
  } else if (classes) {
    // Read from the watch cache, as upstream's plugin reads its informer. More than one global
    // default can exist after a race; the lowest value wins, as upstream.
    let chosen: PriorityClass | undefined;
    for (const pc of (await classes.list('', { resourceVersion: '0' })).items as PriorityClass[]) {
      if (pc.globalDefault && (!chosen || (chosen.value ?? 0) > (pc.value ?? 0))) chosen = pc;
    }
    if (chosen) {
      spec.priorityClassName = chosen.metadata?.name;
      priority = chosen.value ?? 0;
      policy = chosen.preemptionPolicy;
    }
  }
  if (spec.priority !== undefined && spec.priority !== null && spec.priority !== priority) {
    throw forbid(`the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`);
  }
  spec.priority = priority;
  if (policy) {
    if (spec.preemptionPolicy && spec.preemptionPolicy !== policy) {
      throw forbid(`the string value of PreemptionPolicy (${spec.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${policy} from the given PriorityClass name`);
    }
    spec.preemptionPolicy = policy;
  }
}
