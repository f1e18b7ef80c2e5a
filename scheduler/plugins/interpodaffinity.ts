// InterPodAffinity: required pod affinity (the node's topology domain must hold a pod matching
// every term — or, for the first of a group, the pod matches its own terms), required
// anti-affinity (no matching pod in the domain), and existing pods' required anti-affinity against
// this pod. Scoring adds the weights of preferred terms, both ways, and existing pods' required
// affinity at hardPodAffinityWeight 1. Counts are per topology pair (key, value).
// Upstream: plugins/interpodaffinity/{filtering.go,scoring.go,plugin.go}.
import type { V1Node } from '@kubernetes/client-node';
import { matchesNothing, nothing } from '../../machinery/labels.ts';
import { Status, type Handle, type NodeScore, type PluginFactory } from '../framework.ts';
import { affinityTermMatches, type AffinityTerm, type PodInfo, type WeightedAffinityTerm } from '../nodeinfo.ts';

export const INTER_POD_AFFINITY = 'InterPodAffinity';
export const ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH = "node(s) didn't satisfy existing pods anti-affinity rules";
export const ERR_REASON_AFFINITY_RULES_NOT_MATCH = "node(s) didn't match pod affinity rules";
export const ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH = "node(s) didn't match pod anti-affinity rules";
const HARD_POD_AFFINITY_WEIGHT = 1;
const PRE_FILTER_KEY = 'PreFilter/InterPodAffinity';
const PRE_SCORE_KEY = 'PreScore/InterPodAffinity';

const pairKey = (key: string, value: string) => `${key}\u0000${value}`;

/** Matched-term counts per topology pair; entries that fall to zero are removed. */
class TopologyCounts extends Map<string, number> {
  bump(node: V1Node, topologyKey: string, delta: number): void {
    const labels = node.metadata?.labels ?? {};
    if (!Object.hasOwn(labels, topologyKey)) return;
    const k = pairKey(topologyKey, labels[topologyKey]!);
    const v = (this.get(k) ?? 0) + delta;
    if (v === 0) this.delete(k); else this.set(k, v);
  }

  /** When `pod` matches every term (and there is one), each term's pair on `node` counts. */
  withAffinityTerms(terms: AffinityTerm[], pi: PodInfo, node: V1Node, delta: number): void {
    if (podMatchesAllAffinityTerms(terms, pi)) for (const t of terms) this.bump(node, t.topologyKey, delta);
  }

  /** Each term `pod` matches counts its pair on `node`. */
  withAntiAffinityTerms(terms: AffinityTerm[], pi: PodInfo, nsLabels: Record<string, string> | undefined, node: V1Node, delta: number): void {
    for (const t of terms) if (affinityTermMatches(t, pi.pod, nsLabels)) this.bump(node, t.topologyKey, delta);
  }

  copy(): TopologyCounts {
    return new TopologyCounts(this);
  }
}

function podMatchesAllAffinityTerms(terms: AffinityTerm[], pi: PodInfo): boolean {
  if (terms.length === 0) return false;
  // The incoming pod's namespace selectors were merged into its namespaces.
  for (const t of terms) if (!affinityTermMatches(t, pi.pod, undefined)) return false;
  return true;
}

class FilterState {
  constructor(
    readonly podInfo: PodInfo,
    readonly requiredAffinity: AffinityTerm[],
    readonly requiredAntiAffinity: AffinityTerm[],
    readonly namespaceLabels: Record<string, string> | undefined,
    readonly existingAntiAffinityCounts: TopologyCounts,
    readonly affinityCounts: TopologyCounts,
    readonly antiAffinityCounts: TopologyCounts,
  ) {}

  clone(): FilterState {
    return new FilterState(this.podInfo, this.requiredAffinity, this.requiredAntiAffinity, this.namespaceLabels,
      this.existingAntiAffinityCounts.copy(), this.affinityCounts.copy(), this.antiAffinityCounts.copy());
  }

  updateWithPod(pi: PodInfo, node: V1Node, delta: number): void {
    this.existingAntiAffinityCounts.withAntiAffinityTerms(pi.requiredAntiAffinityTerms, this.podInfo, this.namespaceLabels, node, delta);
    this.affinityCounts.withAffinityTerms(this.requiredAffinity, pi, node, delta);
    this.antiAffinityCounts.withAntiAffinityTerms(this.requiredAntiAffinity, pi, undefined, node, delta);
  }
}

/**
 * A term's namespace selector becomes the names of the namespaces it matches (upstream's
 * mergeAffinityTermNamespacesIfNotEmpty); an empty selector ({}, every namespace) is kept.
 */
function mergeNamespaces<T extends AffinityTerm>(h: Handle, t: T): T {
  if (matchesNothing(t.namespaceSelector) || t.namespaceSelector.empty()) return t;
  const namespaces = new Set(t.namespaces);
  for (const n of h.namespacesMatching(t.namespaceSelector)) namespaces.add(n);
  return { ...t, namespaces, namespaceSelector: nothing() };
}

function satisfyExistingPodsAntiAffinity(s: FilterState, node: V1Node): boolean {
  if (s.existingAntiAffinityCounts.size === 0) return true;
  for (const [k, v] of Object.entries(node.metadata?.labels ?? {})) {
    if ((s.existingAntiAffinityCounts.get(pairKey(k, v)) ?? 0) > 0) return false;
  }
  return true;
}

function satisfyPodAntiAffinity(s: FilterState, node: V1Node): boolean {
  if (s.antiAffinityCounts.size === 0) return true;
  const labels = node.metadata?.labels ?? {};
  for (const t of s.requiredAntiAffinity) {
    if (!Object.hasOwn(labels, t.topologyKey)) continue;
    if ((s.antiAffinityCounts.get(pairKey(t.topologyKey, labels[t.topologyKey]!)) ?? 0) > 0) return false;
  }
  return true;
}

function satisfyPodAffinity(s: FilterState, node: V1Node): boolean {
  const labels = node.metadata?.labels ?? {};
  let podsExist = true;
  for (const t of s.requiredAffinity) {
    // Every term's topology key must be on the node.
    if (!Object.hasOwn(labels, t.topologyKey)) return false;
    if ((s.affinityCounts.get(pairKey(t.topologyKey, labels[t.topologyKey]!)) ?? 0) <= 0) podsExist = false;
  }
  if (podsExist) return true;
  // The first pod of a group with affinity to itself: allowed when no pod anywhere matches and it
  // matches its own terms, so that such groups can start.
  return s.affinityCounts.size === 0 && podMatchesAllAffinityTerms(s.requiredAffinity, s.podInfo);
}

interface ScoreState { topologyScore: Map<string, Map<string, number>> }

function processTerm(scores: Map<string, Map<string, number>>, t: AffinityTerm, weight: number, pi: PodInfo, nsLabels: Record<string, string> | undefined, node: V1Node, multiplier: number): void {
  if (!affinityTermMatches(t, pi.pod, nsLabels)) return;
  const labels = node.metadata?.labels ?? {};
  if (!Object.hasOwn(labels, t.topologyKey)) return;
  let m = scores.get(t.topologyKey);
  if (!m) scores.set(t.topologyKey, (m = new Map()));
  const v = labels[t.topologyKey]!;
  m.set(v, (m.get(v) ?? 0) + weight * multiplier);
}

function processTerms(scores: Map<string, Map<string, number>>, terms: WeightedAffinityTerm[], pi: PodInfo, nsLabels: Record<string, string> | undefined, node: V1Node, multiplier: number): void {
  for (const t of terms) processTerm(scores, t, t.weight, pi, nsLabels, node, multiplier);
}

export const interPodAffinity: PluginFactory = (h) => ({
  name: INTER_POD_AFFINITY,
  events: ['AssignedPod/Add', 'AssignedPod/Update', 'AssignedPod/Delete', 'Node/Add', 'Node/UpdateLabel', 'Namespace/Add', 'Namespace/Update'],
  preFilter(state, pod) {
    if (pod.parseError) return { status: Status.unresolvable(`parsing pod: ${pod.parseError}`) };
    const snap = h.snapshot();
    const nsLabels = h.namespaceLabels(pod.pod.metadata?.namespace ?? '');
    const existing = new TopologyCounts();
    for (const ni of snap.havePodsWithRequiredAntiAffinityList) {
      for (const p of ni.podsWithRequiredAntiAffinity) existing.withAntiAffinityTerms(p.requiredAntiAffinityTerms, pod, nsLabels, ni.node!, 1);
    }
    const requiredAffinity = pod.requiredAffinityTerms.map((t) => mergeNamespaces(h, t));
    const requiredAntiAffinity = pod.requiredAntiAffinityTerms.map((t) => mergeNamespaces(h, t));
    if (existing.size === 0 && requiredAffinity.length === 0 && requiredAntiAffinity.length === 0) return { status: Status.skip() };
    const affinityCounts = new TopologyCounts();
    const antiAffinityCounts = new TopologyCounts();
    if (requiredAffinity.length > 0 || requiredAntiAffinity.length > 0) {
      for (const ni of snap.nodeInfoList) {
        for (const p of ni.pods) {
          affinityCounts.withAffinityTerms(requiredAffinity, p, ni.node!, 1);
          antiAffinityCounts.withAntiAffinityTerms(requiredAntiAffinity, p, undefined, ni.node!, 1);
        }
      }
    }
    state.write(PRE_FILTER_KEY, new FilterState(pod, requiredAffinity, requiredAntiAffinity, nsLabels, existing, affinityCounts, antiAffinityCounts));
    return undefined;
  },
  addPod(state, _podToSchedule, podToAdd, nodeInfo) {
    if (nodeInfo.node) state.read<FilterState>(PRE_FILTER_KEY)?.updateWithPod(podToAdd, nodeInfo.node, 1);
  },
  removePod(state, _podToSchedule, podToRemove, nodeInfo) {
    if (nodeInfo.node) state.read<FilterState>(PRE_FILTER_KEY)?.updateWithPod(podToRemove, nodeInfo.node, -1);
  },
  filter(state, _pod, nodeInfo) {
    const s = state.read<FilterState>(PRE_FILTER_KEY);
    const node = nodeInfo.node;
    if (!s || !node) return undefined;
    if (!satisfyPodAffinity(s, node)) return Status.unresolvable(ERR_REASON_AFFINITY_RULES_NOT_MATCH);
    if (!satisfyPodAntiAffinity(s, node)) return Status.unschedulable(ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH);
    if (!satisfyExistingPodsAntiAffinity(s, node)) return Status.unschedulable(ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH);
    return undefined;
  },
  preScore(state, pod, nodes) {
    if (nodes.length === 0) return Status.skip();
    const hasConstraints = pod.preferredAffinityTerms.length > 0 || pod.preferredAntiAffinityTerms.length > 0;
    const snap = h.snapshot();
    // Without preferred terms of its own, only pods with affinity can score this pod.
    const candidates = hasConstraints ? snap.nodeInfoList : snap.havePodsWithAffinityList;
    if (candidates.length === 0) return Status.skip();
    const preferredAffinity = pod.preferredAffinityTerms.map((t) => mergeNamespaces(h, t));
    const preferredAntiAffinity = pod.preferredAntiAffinityTerms.map((t) => mergeNamespaces(h, t));
    const nsLabels = h.namespaceLabels(pod.pod.metadata?.namespace ?? '') ?? {};
    const topologyScore = new Map<string, Map<string, number>>();
    for (const ni of candidates) {
      const node = ni.node!;
      if (Object.keys(node.metadata?.labels ?? {}).length === 0) continue;
      for (const existing of hasConstraints ? ni.pods : ni.podsWithAffinity) {
        processTerms(topologyScore, preferredAffinity, existing, undefined, node, 1);
        processTerms(topologyScore, preferredAntiAffinity, existing, undefined, node, -1);
        for (const t of existing.requiredAffinityTerms) processTerm(topologyScore, t, HARD_POD_AFFINITY_WEIGHT, pod, nsLabels, node, 1);
        processTerms(topologyScore, existing.preferredAffinityTerms, pod, nsLabels, node, 1);
        processTerms(topologyScore, existing.preferredAntiAffinityTerms, pod, nsLabels, node, -1);
      }
    }
    if (topologyScore.size === 0) return Status.skip();
    state.write(PRE_SCORE_KEY, { topologyScore } satisfies ScoreState);
    return undefined;
  },
  score(state, _pod, nodeInfo) {
    const s = state.read<ScoreState>(PRE_SCORE_KEY);
    if (!s) return 0;
    const labels = nodeInfo.node?.metadata?.labels ?? {};
    let score = 0;
    for (const [key, values] of s.topologyScore) {
      if (Object.hasOwn(labels, key)) score += values.get(labels[key]!) ?? 0;
    }
    return score;
  },
  normalizeScore(state, _pod, scores: NodeScore[]) {
    const s = state.read<ScoreState>(PRE_SCORE_KEY);
    if (!s || s.topologyScore.size === 0) return;
    let min = Infinity;
    let max = -Infinity;
    for (const sc of scores) {
      if (sc.score > max) max = sc.score;
      if (sc.score < min) min = sc.score;
    }
    const diff = max - min;
    for (const sc of scores) sc.score = diff > 0 ? Math.trunc(100 * ((sc.score - min) / diff)) : 0;
  },
});
