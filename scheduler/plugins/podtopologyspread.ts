// PodTopologySpread: spec.topologySpreadConstraints. DoNotSchedule constraints filter: placing the
// pod in a domain (the node's value of topologyKey) may not make that domain's count of matching
// pods exceed the smallest domain's by more than maxSkew (the smallest is 0 while there are fewer
// than minDomains domains). ScheduleAnyway constraints score: fewer matching pods in the node's
// domain, weighted by log(number of domains + 2), scores higher. Domains are counted over the
// nodes the pod could go to (nodeAffinityPolicy Honor, nodeTaintsPolicy Ignore by default) that
// carry every constraint's key. Upstream: plugins/podtopologyspread/{filtering.go,scoring.go,common.go}.
// A pod that sets no constraints gets the system defaults (scheduler/defaultspread.ts) when the
// plugin is given the listers they read, as the default profile is.
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { MAX_NODE_SCORE, Status, type CycleState, type NodeScore, type PluginFactory } from '../framework.ts';
import { doNotScheduleTaint, findMatchingUntoleratedTaint, RequiredNodeAffinity } from '../corev1.ts';
import { matchesNothing, newRequirement, selectorFromLabelSelector, selectorFromRequirements, type LabelSelector, type Selector } from '../../machinery/labels.ts';
import type { NodeInfo, PodInfo } from '../nodeinfo.ts';
import { defaultSelector, SYSTEM_DEFAULT_CONSTRAINTS, type SpreadingListers } from '../defaultspread.ts';

export const POD_TOPOLOGY_SPREAD = 'PodTopologySpread';
export const ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints";
export const ERR_REASON_NODE_LABEL_NOT_MATCH = `${ERR_REASON_CONSTRAINTS_NOT_MATCH} (missing required label)`;
const LABEL_HOSTNAME = 'kubernetes.io/hostname';
const PRE_FILTER_KEY = 'PreFilter/PodTopologySpread';
const PRE_SCORE_KEY = 'PreScore/PodTopologySpread';

export interface SpreadConstraint {
  maxSkew: number;
  topologyKey: string;
  selector: Selector;
  minDomains: number;
  nodeAffinityPolicy: string;
  nodeTaintsPolicy: string;
}

/** The pod's constraints for one whenUnsatisfiable action; matchLabelKeys add the pod's own values to the selector. */
export function spreadConstraints(pod: V1Pod, action: 'DoNotSchedule' | 'ScheduleAnyway'): SpreadConstraint[] {
  const out: SpreadConstraint[] = [];
  const podLabels = pod.metadata?.labels ?? {};
  for (const c of pod.spec?.topologySpreadConstraints ?? []) {
    if (c.whenUnsatisfiable !== action) continue;
    let selector = selectorFromLabelSelector(c.labelSelector as LabelSelector | undefined);
    const extra = (c.matchLabelKeys ?? []).filter((k) => Object.hasOwn(podLabels, k));
    if (extra.length > 0 && !matchesNothing(selector)) {
      const reqs = [...selector.requirements];
      for (const k of extra) reqs.push(newRequirement(k, 'in', [podLabels[k]!]).requirement);
      selector = selectorFromRequirements(reqs);
    }
    out.push({
      maxSkew: c.maxSkew, topologyKey: c.topologyKey, selector, minDomains: c.minDomains ?? 1,
      nodeAffinityPolicy: c.nodeAffinityPolicy ?? 'Honor', nodeTaintsPolicy: c.nodeTaintsPolicy ?? 'Ignore',
    });
  }
  return out;
}

/**
 * The constraints PodTopologySpread applies for one action: the pod's own, or, when it sets none
 * and the plugin defaults, the system defaults over its workload's selector (all ScheduleAnyway).
 */
function constraintsFor(pod: V1Pod, action: 'DoNotSchedule' | 'ScheduleAnyway', defaulting: SpreadingListers | undefined): SpreadConstraint[] {
  if ((pod.spec?.topologySpreadConstraints?.length ?? 0) > 0) return spreadConstraints(pod, action);
  if (!defaulting || action !== 'ScheduleAnyway') return [];
  const selector = defaultSelector(pod, defaulting);
  if (selector.empty()) return [];
  return SYSTEM_DEFAULT_CONSTRAINTS.map((c) => ({ ...c, selector, minDomains: 1, nodeAffinityPolicy: 'Honor', nodeTaintsPolicy: 'Ignore' }));
}

const hasAllKeys = (node: V1Node, cs: SpreadConstraint[]) => {
  const labels = node.metadata?.labels ?? {};
  return cs.every((c) => Object.hasOwn(labels, c.topologyKey));
};

function includesNode(c: SpreadConstraint, pod: V1Pod, node: V1Node, required: RequiredNodeAffinity): boolean {
  if (c.nodeAffinityPolicy === 'Honor' && !required.matches(node)) return false;
  if (c.nodeTaintsPolicy === 'Honor' && findMatchingUntoleratedTaint(node.spec?.taints, pod.spec?.tolerations, doNotScheduleTaint)) return false;
  return true;
}

/** Pods on the node in `namespace` that the selector matches, leaving out terminating ones. */
export function countPodsMatchSelector(pods: readonly PodInfo[], selector: Selector, namespace: string): number {
  let n = 0;
  for (const p of pods) {
    const m = p.pod.metadata;
    if (m?.deletionTimestamp || m?.namespace !== namespace) continue;
    if (selector.matches(m?.labels ?? {})) n++;
  }
  return n;
}

/** Matching pods per domain, per DoNotSchedule constraint, with each constraint's minimum cached. */
class FilterState {
  private mins: Array<number | undefined>;

  constructor(readonly constraints: SpreadConstraint[], readonly counts: Array<Map<string, number>>, readonly required: RequiredNodeAffinity) {
    this.mins = constraints.map(() => undefined);
  }

  minMatchNum(i: number): number {
    const counts = this.counts[i]!;
    if (counts.size < this.constraints[i]!.minDomains) return 0;
    let m = this.mins[i];
    if (m === undefined) {
      m = Infinity;
      for (const v of counts.values()) if (v < m) m = v;
      this.mins[i] = m;
    }
    return m;
  }

  update(i: number, value: string, delta: number): void {
    const counts = this.counts[i]!;
    counts.set(value, (counts.get(value) ?? 0) + delta);
    this.mins[i] = undefined;
  }

  clone(): FilterState {
    return new FilterState(this.constraints, this.counts.map((m) => new Map(m)), this.required);
  }
}

function updateWithPod(state: CycleState, preemptor: PodInfo, pi: PodInfo, nodeInfo: NodeInfo, delta: number): void {
  const s = state.read<FilterState>(PRE_FILTER_KEY);
  const node = nodeInfo.node;
  if (!s || !node || pi.pod.metadata?.namespace !== preemptor.pod.metadata?.namespace) return;
  if (!hasAllKeys(node, s.constraints)) return;
  const labels = pi.pod.metadata?.labels ?? {};
  s.constraints.forEach((c, i) => {
    if (!c.selector.matches(labels) || !includesNode(c, preemptor.pod, node, s.required)) return;
    s.update(i, node.metadata!.labels![c.topologyKey]!, delta);
  });
}

interface ScoreState {
  constraints: SpreadConstraint[];
  ignoredNodes: Set<string>;
  counts: Array<Map<string, number>>;
  weights: number[];
}

export interface PodTopologySpreadOptions {
  /** What the system defaults read; without it a pod without constraints is not spread. */
  defaulting?: SpreadingListers;
}

export const podTopologySpreadWith = (o: PodTopologySpreadOptions = {}): PluginFactory => (h) => ({
  name: POD_TOPOLOGY_SPREAD,
  events: ['AssignedPod/Add', 'AssignedPod/Update', 'AssignedPod/Delete', 'Node/Add', 'Node/Delete', 'Node/UpdateLabel', 'Node/UpdateTaint'],
  preFilter(state, pod) {
    let constraints: SpreadConstraint[];
    try {
      constraints = constraintsFor(pod.pod, 'DoNotSchedule', o.defaulting);
    } catch (e) {
      return { status: Status.error(`calculating preFilterState: ${(e as Error).message}`) };
    }
    if (constraints.length === 0) return { status: Status.skip() };
    const required = new RequiredNodeAffinity(pod.pod);
    const counts = constraints.map(() => new Map<string, number>());
    const ns = pod.pod.metadata?.namespace ?? '';
    for (const ni of h.snapshot().nodeInfoList) {
      const node = ni.node!;
      if (!hasAllKeys(node, constraints)) continue;
      constraints.forEach((c, i) => {
        if (!includesNode(c, pod.pod, node, required)) return;
        const value = node.metadata!.labels![c.topologyKey]!;
        counts[i]!.set(value, (counts[i]!.get(value) ?? 0) + countPodsMatchSelector(ni.pods, c.selector, ns));
      });
    }
    state.write(PRE_FILTER_KEY, new FilterState(constraints, counts, required));
    return undefined;
  },
  addPod(state, podToSchedule, podToAdd, nodeInfo) {
    updateWithPod(state, podToSchedule, podToAdd, nodeInfo, 1);
  },
  removePod(state, podToSchedule, podToRemove, nodeInfo) {
    updateWithPod(state, podToSchedule, podToRemove, nodeInfo, -1);
  },
  filter(state, pod, nodeInfo) {
    const s = state.read<FilterState>(PRE_FILTER_KEY);
    if (!s) return undefined;
    const nodeLabels = nodeInfo.node?.metadata?.labels ?? {};
    const podLabels = pod.pod.metadata?.labels ?? {};
    for (let i = 0; i < s.constraints.length; i++) {
      const c = s.constraints[i]!;
      const value = Object.hasOwn(nodeLabels, c.topologyKey) ? nodeLabels[c.topologyKey] : undefined;
      if (value === undefined) return Status.unresolvable(ERR_REASON_NODE_LABEL_NOT_MATCH);
      const selfMatch = c.selector.matches(podLabels) ? 1 : 0;
      const skew = (s.counts[i]!.get(value) ?? 0) + selfMatch - s.minMatchNum(i);
      if (skew > c.maxSkew) return Status.unschedulable(ERR_REASON_CONSTRAINTS_NOT_MATCH);
    }
    return undefined;
  },
  preScore(state, pod, filteredNodes) {
    const all = h.snapshot().nodeInfoList;
    if (filteredNodes.length === 0 || all.length === 0) return Status.skip();
    let constraints: SpreadConstraint[];
    try {
      constraints = constraintsFor(pod.pod, 'ScheduleAnyway', o.defaulting);
    } catch (e) {
      return Status.error(`calculating preScoreState: ${(e as Error).message}`);
    }
    if (constraints.length === 0) return Status.skip();
    // Only a pod's own constraints (or defaults a profile configured) need every key on a node:
    // under the system defaults a node without a zone label is still spread by host name.
    const requireAll = (pod.pod.spec?.topologySpreadConstraints?.length ?? 0) > 0 || !o.defaulting;
    const valueOf = (node: V1Node, key: string): string => node.metadata?.labels?.[key] ?? '';
    const ignoredNodes = new Set<string>();
    const counts = constraints.map(() => new Map<string, number>());
    for (const ni of filteredNodes) {
      const node = ni.node!;
      // Nodes without every key are scored 0.
      if (requireAll && !hasAllKeys(node, constraints)) { ignoredNodes.add(ni.name); continue; }
      constraints.forEach((c, i) => {
        // Per-node counts (hostname) are taken in Score.
        if (c.topologyKey !== LABEL_HOSTNAME) counts[i]!.set(valueOf(node, c.topologyKey), 0);
      });
    }
    const weights = constraints.map((c, i) => Math.log((c.topologyKey === LABEL_HOSTNAME ? filteredNodes.length - ignoredNodes.size : counts[i]!.size) + 2));
    const required = new RequiredNodeAffinity(pod.pod);
    const ns = pod.pod.metadata?.namespace ?? '';
    for (const ni of all) {
      const node = ni.node!;
      if (requireAll && !hasAllKeys(node, constraints)) continue;
      constraints.forEach((c, i) => {
        if (!includesNode(c, pod.pod, node, required)) return;
        const value = valueOf(node, c.topologyKey);
        const cur = counts[i]!.get(value);
        if (cur === undefined) return;
        counts[i]!.set(value, cur + countPodsMatchSelector(ni.pods, c.selector, ns));
      });
    }
    state.write(PRE_SCORE_KEY, { constraints, ignoredNodes, counts, weights } satisfies ScoreState);
    return undefined;
  },
  score(state, pod, nodeInfo) {
    const s = state.read<ScoreState>(PRE_SCORE_KEY);
    if (!s || s.ignoredNodes.has(nodeInfo.name)) return 0;
    const labels = nodeInfo.node?.metadata?.labels ?? {};
    let score = 0;
    s.constraints.forEach((c, i) => {
      if (!Object.hasOwn(labels, c.topologyKey)) return;
      const cnt = c.topologyKey === LABEL_HOSTNAME
        ? countPodsMatchSelector(nodeInfo.pods, c.selector, pod.pod.metadata?.namespace ?? '')
        : (s.counts[i]!.get(labels[c.topologyKey]!) ?? 0);
      // maxSkew − 1 waters down differences between domains (upstream's scoreForCount).
      score += cnt * s.weights[i]! + (c.maxSkew - 1);
    });
    return Math.round(score);
  },
  normalizeScore(state, _pod, scores: NodeScore[]) {
    const s = state.read<ScoreState>(PRE_SCORE_KEY);
    if (!s) return;
    let minScore = Number.MAX_SAFE_INTEGER;
    let maxScore = 0;
    for (const sc of scores) {
      if (s.ignoredNodes.has(sc.name)) continue;
      if (sc.score < minScore) minScore = sc.score;
      if (sc.score > maxScore) maxScore = sc.score;
    }
    for (const sc of scores) {
      if (s.ignoredNodes.has(sc.name)) { sc.score = 0; continue; }
      if (maxScore === 0) { sc.score = MAX_NODE_SCORE; continue; }
      // Fewer matching pods score higher.
      sc.score = Math.trunc((MAX_NODE_SCORE * (maxScore + minScore - sc.score)) / maxScore);
    }
  },
});

/** Without the system defaults: only pods' own constraints (tests, and profiles that set none). */
export const podTopologySpread = podTopologySpreadWith();
