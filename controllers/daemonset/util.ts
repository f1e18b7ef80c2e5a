// DaemonSet pod helpers (upstream pkg/controller/daemon/util): the pod template a daemon pod is
// made from (the daemon tolerations, the revision hash and template generation labels), the
// node affinity that pins it to its node for the scheduler, the node a pod is meant for, and the
// rolling update's surge and unavailability budgets.
import { scaledValue } from '../../machinery/intstr.ts';
import type { V1Affinity, V1DaemonSet, V1Pod, V1PodTemplateSpec } from '@kubernetes/client-node';
import { millisOf } from '../../client/index.ts';
import { CONTROLLER_REVISION_HASH_LABEL } from '../revisions.ts';
import { withDaemonTolerations } from './predicates.ts';

/** The annotation apps/v1 keeps the template generation in, and the pod label it becomes. */
export const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';
export const TEMPLATE_GENERATION_LABEL = 'pod-template-generation';

/** Upstream GetTemplateGeneration: undefined when absent or unparseable. */
export function templateGeneration(ds: V1DaemonSet): string | undefined {
  const v = ds.metadata?.annotations?.[TEMPLATE_GENERATION_ANNOTATION];
  return v !== undefined && /^-?\d+$/.test(v) ? String(Number(v)) : undefined;
}

/** Upstream CreatePodTemplate: the template with the daemon tolerations and the generation and hash labels. */
export function daemonPodTemplate(ds: V1DaemonSet, hash: string): V1PodTemplateSpec {
  const t = structuredClone(ds.spec!.template);
  t.spec = { ...t.spec!, tolerations: withDaemonTolerations(t.spec) };
  const labels = { ...t.metadata?.labels };
  const gen = templateGeneration(ds);
  if (gen !== undefined) labels[TEMPLATE_GENERATION_LABEL] = gen;
  if (hash) labels[CONTROLLER_REVISION_HASH_LABEL] = hash;
  t.metadata = { ...t.metadata, labels };
  return t;
}

/**
 * Upstream ReplaceDaemonSetPodNodeNameNodeAffinity: the required node affinity becomes one term,
 * `metadata.name In [node]` on matchFields. The scheduler binds the pod; the controller never
 * sets spec.nodeName.
 */
export function pinToNode(affinity: V1Affinity | undefined, nodeName: string): V1Affinity {
  const required = { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }] };
  const a = structuredClone(affinity ?? {});
  a.nodeAffinity = { ...a.nodeAffinity, requiredDuringSchedulingIgnoredDuringExecution: required };
  return a;
}

/**
 * Upstream GetTargetNodeName: spec.nodeName once bound, else the node the `metadata.name In`
 * matchFields affinity names; undefined when there is none.
 */
export function targetNodeName(pod: V1Pod): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  for (const term of pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    for (const f of term.matchFields ?? []) {
      if (f.key === 'metadata.name' && f.operator === 'In') return f.values?.length === 1 ? f.values[0] : undefined;
    }
  }
  return undefined;
}

/** Upstream IsPodUpdated: the pod carries the current hash, or the current template generation. */
export function isPodUpdated(pod: V1Pod, hash: string, generation: string | undefined): boolean {
  const labels = pod.metadata?.labels ?? {};
  return (generation !== undefined && labels[TEMPLATE_GENERATION_LABEL] === generation) || (hash.length > 0 && labels[CONTROLLER_REVISION_HASH_LABEL] === hash);
}

const rollingUpdate = (ds: V1DaemonSet) => (ds.spec?.updateStrategy?.type === 'RollingUpdate' ? ds.spec.updateStrategy.rollingUpdate : undefined);

/** Upstream SurgeCount. */
export const surgeCount = (ds: V1DaemonSet, n: number): number => scaledValue((rollingUpdate(ds)?.maxSurge as number | string | undefined) ?? 0, n, true);
/** Upstream UnavailableCount. */
export const unavailableCount = (ds: V1DaemonSet, n: number): number => scaledValue((rollingUpdate(ds)?.maxUnavailable as number | string | undefined) ?? 0, n, true);
/** Upstream AllowsSurge: more than one pod per node during an update. */
export function allowsSurge(ds: V1DaemonSet): boolean {
  try { return surgeCount(ds, 1) > 0; } catch { return false; }
}

/** Upstream podByCreationTimestampAndPhase: bound pods first, then oldest, then by name. */
export function compareByCreation(a: V1Pod, b: V1Pod): number {
  const boundA = a.spec?.nodeName ? 0 : 1;
  const boundB = b.spec?.nodeName ? 0 : 1;
  if (boundA !== boundB) return boundA - boundB;
  const ta = millisOf(a.metadata?.creationTimestamp) ?? 0;
  const tb = millisOf(b.metadata?.creationTimestamp) ?? 0;
  if (ta !== tb) return ta - tb;
  const na = a.metadata?.name ?? '';
  const nb = b.metadata?.name ?? '';
  return na < nb ? -1 : na > nb ? 1 : 0;
}

export { scaledValue };
