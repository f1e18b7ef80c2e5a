// Pod and node predicates the plugins share: tolerations against taints, node selectors and
// required / preferred node affinity, priorities. Upstream: component-helpers/scheduling/corev1
// (helpers.go, nodeaffinity/nodeaffinity.go) and v1helper's taint functions.
import type { V1Node, V1NodeSelectorRequirement, V1NodeSelectorTerm, V1Pod, V1PreferredSchedulingTerm, V1Taint, V1Toleration } from '@kubernetes/client-node';
import { newRequirement, selectorFromRequirements, selectorFromSet, type Requirement, type Selector } from '../machinery/labels.ts';

// ---- taints and tolerations ----

/** Toleration.ToleratesTaint: effect and key match when set; Exists matches any value, Equal (or none) the same value. */
export function toleratesTaint(t: V1Toleration, taint: V1Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator ?? '') {
    case '': case 'Equal': return (t.value ?? '') === (taint.value ?? '');
    case 'Exists': return true;
    default: return false;
  }
}

export function tolerationsTolerateTaint(tolerations: V1Toleration[] | undefined, taint: V1Taint): boolean {
  for (const t of tolerations ?? []) if (toleratesTaint(t, taint)) return true;
  return false;
}

/** NoSchedule and NoExecute: the taints that keep pods off a node (DoNotScheduleTaintsFilterFunc). */
export const doNotScheduleTaint = (t: V1Taint): boolean => t.effect === 'NoSchedule' || t.effect === 'NoExecute';

/** The first taint (in the node's order) passing `filter` that no toleration tolerates. */
export function findMatchingUntoleratedTaint(taints: V1Taint[] | undefined, tolerations: V1Toleration[] | undefined, filter: (t: V1Taint) => boolean): V1Taint | undefined {
  for (const taint of taints ?? []) {
    if (!filter(taint)) continue;
    if (!tolerationsTolerateTaint(tolerations, taint)) return taint;
  }
  return undefined;
}

// ---- node selector terms ----

const nodeOperators: Record<string, string> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!', Gt: 'gt', Lt: 'lt' };

/** A parsed NodeSelectorTerm; a term that did not parse never matches (upstream's lazy-error selector). */
interface NodeSelectorTerm {
  labels?: Selector;
  /** metadata.name requirements: [wantEqual, value]. */
  fields?: Array<[boolean, string, string]>;
  invalid?: boolean;
}

const isEmptyTerm = (t: V1NodeSelectorTerm | undefined) => !t || ((t.matchExpressions?.length ?? 0) === 0 && (t.matchFields?.length ?? 0) === 0);

function parseTerm(t: V1NodeSelectorTerm): NodeSelectorTerm {
  const out: NodeSelectorTerm = {};
  if ((t.matchExpressions?.length ?? 0) > 0) {
    const reqs: Requirement[] = [];
    for (const e of t.matchExpressions!) {
      const op = nodeOperators[e.operator];
      if (!op) return { invalid: true };
      const r = newRequirement(e.key, op, e.values ?? []);
      if (r.errors.length > 0) return { invalid: true };
      reqs.push(r.requirement);
    }
    out.labels = selectorFromRequirements(reqs);
  }
  if ((t.matchFields?.length ?? 0) > 0) {
    out.fields = [];
    for (const e of t.matchFields as V1NodeSelectorRequirement[]) {
      if ((e.operator !== 'In' && e.operator !== 'NotIn') || (e.values?.length ?? 0) !== 1) return { invalid: true };
      out.fields.push([e.operator === 'In', e.key, e.values![0]!]);
    }
  }
  return out;
}

function termMatches(t: NodeSelectorTerm, node: V1Node): boolean {
  if (t.invalid) return false;
  if (t.labels && !t.labels.matches(node.metadata?.labels ?? {})) return false;
  if (t.fields) {
    // The only node field a selector can name is metadata.name.
    const name = node.metadata?.name ?? '';
    for (const [equal, key, value] of t.fields) {
      const have = key === 'metadata.name' ? name : '';
      if ((have === value) !== equal) return false;
    }
  }
  return true;
}

/** spec.nodeSelector AND the required node affinity terms (ORed), as upstream's RequiredNodeAffinity. */
export class RequiredNodeAffinity {
  private readonly labelSelector?: Selector;
  private readonly terms?: NodeSelectorTerm[];

  constructor(pod: V1Pod) {
    const ns = pod.spec?.nodeSelector;
    if (ns && Object.keys(ns).length > 0) this.labelSelector = selectorFromSet(ns);
    const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    if (required) this.terms = (required.nodeSelectorTerms ?? []).filter((t) => !isEmptyTerm(t)).map(parseTerm);
  }

  /** True when neither a node selector nor required node affinity is set. */
  get empty(): boolean {
    return !this.labelSelector && !this.terms;
  }

  matches(node: V1Node): boolean {
    if (this.labelSelector && !this.labelSelector.matches(node.metadata?.labels ?? {})) return false;
    if (this.terms) return this.terms.some((t) => termMatches(t, node));
    return true;
  }
}

/**
 * MatchNodeSelectorTerms: any of the (non-empty, parsable) terms matches the node; no terms match
 * nothing. PersistentVolume node affinity is checked this way.
 */
export function matchNodeSelectorTerms(terms: readonly V1NodeSelectorTerm[] | undefined, node: V1Node): boolean {
  for (const t of terms ?? []) if (!isEmptyTerm(t) && termMatches(parseTerm(t), node)) return true;
  return false;
}

/** Weighted preferred node affinity terms; throws on a term that does not parse (upstream: an error status). */
export class PreferredSchedulingTerms {
  private readonly terms: Array<{ term: NodeSelectorTerm; weight: number }> = [];

  constructor(terms: V1PreferredSchedulingTerm[]) {
    for (const t of terms) {
      if (!t.weight || isEmptyTerm(t.preference)) continue;
      const term = parseTerm(t.preference);
      if (term.invalid) throw new Error(`invalid preferred node affinity term ${JSON.stringify(t.preference)}`);
      this.terms.push({ term, weight: t.weight });
    }
  }

  get length(): number {
    return this.terms.length;
  }

  /** The sum of the weights of the terms the node matches. */
  score(node: V1Node): number {
    let s = 0;
    for (const { term, weight } of this.terms) if (termMatches(term, node)) s += weight;
    return s;
  }
}

// ---- pods ----

export const podPriority = (pod: V1Pod): number => pod.spec?.priority ?? 0;

export const isTerminal = (pod: V1Pod): boolean => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';

export const isAssigned = (pod: V1Pod): boolean => !!pod.spec?.nodeName;

/** upstream's util.MoreImportantPod: higher priority first, then the one that started earlier. */
export function moreImportantPod(a: V1Pod, b: V1Pod): boolean {
  const pa = podPriority(a);
  const pb = podPriority(b);
  if (pa !== pb) return pa > pb;
  return podStartMillis(a) < podStartMillis(b);
}

/** status.startTime, or now when the pod has not started (upstream's GetPodStartTime). */
export function podStartMillis(pod: V1Pod, now = Date.now()): number {
  const t = pod.status?.startTime;
  if (!t) return now;
  const ms = t instanceof Date ? t.getTime() : Date.parse(String(t));
  return Number.isNaN(ms) ? now : ms;
}
