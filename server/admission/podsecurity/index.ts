// PodSecurity (upstream's built-in pod-security-admission, release 1.32): the namespace labels
// pod-security.kubernetes.io/enforce|audit|warn[-version] choose a Pod Security Standard level
// per mode. Pods that violate the enforce level are refused (403, upstream's message); pods and
// the templates of pod controllers (deployments, jobs, …) that violate the warn level get a
// `Warning:` header. Namespaces with bad labels are refused (422), and tightening a namespace's
// enforce level warns about the pods already there. There is no audit log, so audit is not acted on.
import * as errors from '../../../machinery/errors.ts';
import * as field from '../../../machinery/fieldpath.ts';
import { FieldPath } from '../../../machinery/fieldpath.ts';
import { compareGoStrings } from '../../../machinery/goformat.ts';
import type { KubeObject } from '../../apis/types.ts';
import type { AdmissionAttributes, AdmissionPlugin } from '../../pipeline/admission.ts';
import { forbidden, getCached, isResource, listCached } from '../util.ts';
import {
  enforceTightened, evaluatePod, forbiddenDetail, forbiddenReason, fullyPrivileged, levelVersionString, policyFromLabels,
  type LabelError, type LevelVersion, type PodMeta, type PodSpec, type Policy,
} from './policy.ts';

type PodLike = KubeObject & { spec?: PodSpec };

/** Pod subresources that cannot change what the pod runs. */
const IGNORED_POD_SUBRESOURCES = new Set(['exec', 'attach', 'binding', 'eviction', 'log', 'portforward', 'proxy', 'status']);

/** Where each pod controller keeps its pod template (upstream's DefaultPodSpecExtractor). */
const TEMPLATE_PATHS: Record<string, string[]> = {
  '/replicationcontrollers': ['spec', 'template'],
  '/podtemplates': ['template'],
  'apps/replicasets': ['spec', 'template'],
  'apps/deployments': ['spec', 'template'],
  'apps/statefulsets': ['spec', 'template'],
  'apps/daemonsets': ['spec', 'template'],
  'batch/jobs': ['spec', 'template'],
  'batch/cronjobs': ['spec', 'jobTemplate', 'spec', 'template'],
};

function templateOf(obj: KubeObject, path: string[]): { metadata?: PodMeta; spec?: PodSpec } | undefined {
  let cur: unknown = obj;
  for (const k of path) cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[k] : undefined;
  return cur && typeof cur === 'object' ? cur as { metadata?: PodMeta; spec?: PodSpec } : undefined;
}

/** Only a change of images or of the set of containers can change a pod's verdict (upstream's isSignificantPodUpdate). */
function significantPodUpdate(pod: PodLike, old: PodLike): boolean {
  const images = (p: PodLike, key: 'containers' | 'initContainers') => ((p.spec?.[key] ?? []) as Array<{ image?: string }>).map((c) => c.image ?? '');
  for (const key of ['containers', 'initContainers'] as const) {
    const a = images(pod, key);
    const b = images(old, key);
    if (a.length !== b.length || a.some((img, i) => img !== b[i])) return true;
  }
  const oldEphemeral = new Map(((old.spec?.ephemeralContainers ?? []) as Array<{ name?: string; image?: string }>).map((c) => [c.name, c]));
  for (const c of (pod.spec?.ephemeralContainers ?? []) as Array<{ name?: string; image?: string }>) {
    const o = oldEphemeral.get(c.name);
    if (!o || o.image !== c.image) return true;
  }
  return false;
}

const labelErrors = (errs: LabelError[]) => errs.map((e) => field.invalid(FieldPath.root('metadata', 'labels').key(e.label), e.value, e.detail));
const sameErrors = (a: LabelError[], b: LabelError[]) => JSON.stringify(a) === JSON.stringify(b);

/** Upstream's limits on checking a namespace's pods when its enforce level tightens. */
const NAMESPACE_MAX_PODS_TO_CHECK = 3000;

/**
 * Warnings for the pods of a namespace that the new enforce level would refuse (upstream's
 * EvaluatePodsInNamespace): one per distinct set of reasons, naming the first pod by name and
 * how many others share it; one pod per controller is checked before the rest.
 */
export function namespacePodWarnings(namespace: string, enforce: LevelVersion, pods: PodLike[]): string[] {
  const seen = new Set<string>();
  const first: PodLike[] = [];
  const rest: PodLike[] = [];
  for (const p of pods) {
    const owner = p.metadata?.ownerReferences?.find((r) => r.controller === true);
    if (owner && seen.has(owner.uid)) { rest.push(p); continue; }
    if (owner) seen.add(owner.uid);
    first.push(p);
  }
  const ordered = [...first, ...rest];
  const checked = ordered.slice(0, NAMESPACE_MAX_PODS_TO_CHECK);
  const byReason = new Map<string, { podName: string; count: number }>();
  const order: string[] = [];
  for (const p of checked) {
    const failed = evaluatePod(enforce, p.metadata ?? {}, p.spec ?? {});
    if (!failed.length) continue;
    const reason = forbiddenReason(failed);
    const name = p.metadata?.name ?? '';
    const c = byReason.get(reason);
    if (!c) { byReason.set(reason, { podName: name, count: 1 }); order.push(reason); continue; }
    c.count++;
    if (compareGoStrings(name, c.podName) < 0) c.podName = name;
  }
  const warnings: string[] = [];
  if (checked.length < ordered.length) warnings.push(`new PodSecurity enforce level only checked against the first ${checked.length} of ${ordered.length} existing pods`);
  if (order.length) warnings.push(`existing pods in namespace "${namespace}" violate the new PodSecurity enforce level "${levelVersionString(enforce)}"`);
  const decorated = order.map((reason) => {
    const c = byReason.get(reason)!;
    if (c.count === 1) return `${c.podName}: ${reason}`;
    if (c.count === 2) return `${c.podName} (and 1 other pod): ${reason}`;
    return `${c.podName} (and ${c.count - 1} other pods): ${reason}`;
  });
  return [...warnings, ...decorated.sort(compareGoStrings)];
}

export function podSecurity(): AdmissionPlugin {
  const namespacePolicy = async (a: AdmissionAttributes): Promise<Policy> => {
    const ns = await getCached(a, '', 'v1', 'namespaces', '', a.namespace);
    // Upstream answers 500 when the namespace cannot be read; NamespaceLifecycle has refused a missing one already.
    if (!ns) throw errors.internalError(new Error(`failed to lookup namespace "${a.namespace}"`));
    return policyFromLabels(ns.metadata?.labels).policy;
  };

  /** Refuses what violates the enforce level (pods only); warns about what violates the warn level. */
  const evaluate = (a: AdmissionAttributes, policy: Policy, meta: PodMeta, spec: PodSpec, enforce: boolean) => {
    if (enforce) {
      const failed = evaluatePod(policy.enforce, meta, spec);
      if (failed.length) throw forbidden(a, `violates PodSecurity "${levelVersionString(policy.enforce)}": ${forbiddenDetail(failed)}`);
    }
    const failed = evaluatePod(policy.warn, meta, spec);
    if (failed.length) a.warn(`would violate PodSecurity "${levelVersionString(policy.warn)}": ${forbiddenDetail(failed)}`);
  };

  const validateNamespace = async (a: AdmissionAttributes) => {
    if (a.subresource) return;
    const next = policyFromLabels(a.obj.metadata?.labels);
    if (a.operation === 'CREATE') {
      if (next.errors.length) throw errors.invalid(a.registry.gk, a.obj.metadata?.name ?? '', labelErrors(next.errors));
      return;
    }
    const prev = policyFromLabels(a.old?.metadata?.labels);
    if (next.errors.length && (!prev.errors.length || !sameErrors(next.errors, prev.errors))) {
      throw errors.invalid(a.registry.gk, a.obj.metadata?.name ?? '', labelErrors(next.errors));
    }
    if (!enforceTightened(prev.policy.enforce, next.policy.enforce)) return;
    const name = a.obj.metadata?.name ?? '';
    const pods = await listCached(a, '', 'v1', 'pods', name) as PodLike[];
    for (const w of namespacePodWarnings(name, next.policy.enforce, pods)) a.warn(w);
  };

  return {
    name: 'PodSecurity',
    readsDefaults: true,
    handles(a) {
      if (a.operation !== 'CREATE' && a.operation !== 'UPDATE') return false;
      if (isResource(a, '', 'namespaces')) return !a.subresource;
      if (isResource(a, '', 'pods')) return !IGNORED_POD_SUBRESOURCES.has(a.subresource);
      return !a.subresource && `${a.registry.def.group}/${a.registry.def.plural}` in TEMPLATE_PATHS;
    },
    async validate(a) {
      if (isResource(a, '', 'namespaces')) return validateNamespace(a);
      const policy = await namespacePolicy(a);
      if (isResource(a, '', 'pods')) {
        if (fullyPrivileged(policy)) return;
        const pod = a.obj as PodLike;
        if (a.operation === 'UPDATE' && a.old && !significantPodUpdate(pod, a.old as PodLike)) return;
        evaluate(a, policy, pod.metadata ?? {}, pod.spec ?? {}, true);
        return;
      }
      // Pod controllers are never refused: their pods will be.
      if (policy.warn.level === 'privileged' && policy.audit.level === 'privileged') return;
      const template = templateOf(a.obj, TEMPLATE_PATHS[`${a.registry.def.group}/${a.registry.def.plural}`]!);
      if (!template) return;
      evaluate(a, policy, template.metadata ?? {}, template.spec ?? {}, false);
    },
  };
}
