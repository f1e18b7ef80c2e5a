// DefaultPreemption, the PostFilter plugin: when no node fits a pod, look for nodes where removing
// lower-priority pods would make it fit; on each, remove them all, then give back ("reprieve") as
// many as still leave room, highest priority first and PDB-protected ones before the rest; pick
// the best node by upstream's order (fewest PDB violations, lowest highest-victim priority,
// smallest priority sum, fewest victims, latest start); then mark the victims with the
// DisruptionTarget condition, delete them, and nominate the node for the preemptor
// (status.nominatedNodeName), which is retried once the victims are gone.
// Upstream: plugins/defaultpreemption/default_preemption.go and framework/preemption/preemption.go
// (synchronous preemption, as 1.32 runs it by default).
import type { V1Pod, V1PodDisruptionBudget } from '@kubernetes/client-node';
import { selectorFromLabelSelector, type LabelSelector } from '../machinery/labels.ts';
import { Code, isSuccess, newDiagnosis, fitErrorMessage, NodeToStatus, Status, type CycleState, type Handle, type PluginFactory, type PostFilterOutcome } from './framework.ts';
import { moreImportantPod, podPriority, podStartMillis } from './corev1.ts';
import type { NodeInfo, PodInfo } from './nodeinfo.ts';

export const DEFAULT_PREEMPTION = 'DefaultPreemption';
export const MSG_NO_VICTIMS = 'No preemption victims found for incoming pod';
export const MSG_NOT_HELPFUL = 'Preemption is not helpful for scheduling';

/** What preemption does to the cluster; the scheduler implements it over the API. */
export interface PreemptionActions {
  /** Marks the victim with DisruptionTarget (reason PreemptionByScheduler), deletes it and records the Preempted event. */
  preemptPod(victim: V1Pod, preemptor: V1Pod, nodeName: string): Promise<void>;
  /** Clears status.nominatedNodeName of these pods. */
  clearNominatedNodeName(pods: V1Pod[]): Promise<void>;
}

export interface DefaultPreemptionOptions {
  /** Upstream's DefaultPreemptionArgs: 10% of the nodes, at least 100. */
  minCandidateNodesPercentage?: number;
  minCandidateNodesAbsolute?: number;
  /** Where the dry run starts among the candidate nodes (upstream: random). */
  random?: (n: number) => number;
}

export interface Candidate {
  name: string;
  /** Highest priority first. */
  victims: V1Pod[];
  numPDBViolations: number;
}

const byImportance = (a: V1Pod, b: V1Pod) => (moreImportantPod(a, b) ? -1 : moreImportantPod(b, a) ? 1 : 0);

/** Upstream's podTerminatingByPreemption: being deleted, with DisruptionTarget True by PreemptionByScheduler. */
function podTerminatingByPreemption(p: V1Pod): boolean {
  if (!p.metadata?.deletionTimestamp) return false;
  const c = p.status?.conditions?.find((x) => x.type === 'DisruptionTarget');
  return !!c && c.status === 'True' && c.reason === 'PreemptionByScheduler';
}

/** PodEligibleToPreemptOthers: not with preemptionPolicy Never, nor while victims of an earlier preemption still terminate on its nominated node. */
export function podEligibleToPreemptOthers(pod: V1Pod, h: Handle, nominatedNodeStatus: Status | undefined): { ok: boolean; message: string } {
  if (pod.spec?.preemptionPolicy === 'Never') return { ok: false, message: 'not eligible due to preemptionPolicy=Never.' };
  const nominated = pod.status?.nominatedNodeName;
  if (nominated) {
    // A nominated node the filters now call unresolvable is no reason to wait: preempt elsewhere.
    if (nominatedNodeStatus?.code === Code.UnschedulableAndUnresolvable) return { ok: true, message: '' };
    const ni = h.snapshot().get(nominated);
    if (ni) {
      const prio = podPriority(pod);
      for (const p of ni.pods) {
        if (p.priority < prio && podTerminatingByPreemption(p.pod)) return { ok: false, message: 'not eligible due to a terminating pod on the nominated node.' };
      }
    }
  }
  return { ok: true, message: '' };
}

/** Nodes whose rejection preemption might undo; the others are "not helpful". */
export function nodesWherePreemptionMightHelp(nodes: readonly NodeInfo[], statuses: NodeToStatus): { potential: NodeInfo[]; unhelpful: NodeToStatus } {
  const potential: NodeInfo[] = [];
  const unhelpful = new NodeToStatus();
  for (const n of nodes) {
    if (statuses.get(n.name)?.code === Code.UnschedulableAndUnresolvable) {
      unhelpful.set(n.name, Status.unresolvable(MSG_NOT_HELPFUL));
      continue;
    }
    potential.push(n);
  }
  return { potential, unhelpful };
}

/**
 * Splits victims into those whose eviction would violate a PDB (taking disruptionsAllowed down as
 * it goes; pods already in disruptedPods do not count) and the rest. A PDB with an empty selector
 * matches nothing, as upstream.
 */
export function filterPodsWithPDBViolation(pods: PodInfo[], pdbs: V1PodDisruptionBudget[]): { violating: PodInfo[]; nonViolating: PodInfo[] } {
  const allowed = pdbs.map((p) => p.status?.disruptionsAllowed ?? 0);
  const selectors = pdbs.map((p) => {
    try { return selectorFromLabelSelector(p.spec?.selector as LabelSelector | undefined); } catch { return undefined; }
  });
  const violating: PodInfo[] = [];
  const nonViolating: PodInfo[] = [];
  for (const pi of pods) {
    const labels = pi.pod.metadata?.labels ?? {};
    let violated = false;
    if (Object.keys(labels).length > 0) {
      pdbs.forEach((pdb, i) => {
        if (pdb.metadata?.namespace !== pi.pod.metadata?.namespace) return;
        const sel = selectors[i];
        if (!sel || sel.empty() || !sel.matches(labels)) return;
        if (Object.hasOwn(pdb.status?.disruptedPods ?? {}, pi.pod.metadata?.name ?? '')) return;
        allowed[i]!--;
        if (allowed[i]! < 0) violated = true;
      });
    }
    (violated ? violating : nonViolating).push(pi);
  }
  return { violating, nonViolating };
}

/**
 * SelectVictimsOnNode, on a copy of the node and the cycle state: the fewest lower-priority pods
 * whose removal lets the pod pass every filter, and how many of them a PDB protects.
 */
export function selectVictimsOnNode(h: Handle, state: CycleState, pod: PodInfo, nodeInfo: NodeInfo, pdbs: V1PodDisruptionBudget[]): { victims: V1Pod[]; numPDBViolations: number; status?: Status } {
  const fwk = h.framework();
  const remove = (pi: PodInfo) => {
    nodeInfo.removePod(pi.uid);
    fwk.runPreFilterExtensionRemovePod(state, pod, pi, nodeInfo);
  };
  const add = (pi: PodInfo) => {
    nodeInfo.addPod(pi);
    fwk.runPreFilterExtensionAddPod(state, pod, pi, nodeInfo);
  };
  const potential: PodInfo[] = [];
  for (const pi of [...nodeInfo.pods]) {
    if (pi.priority < pod.priority) {
      potential.push(pi);
      remove(pi);
    }
  }
  if (potential.length === 0) return { victims: [], numPDBViolations: 0, status: Status.unresolvable(MSG_NO_VICTIMS) };
  // Not even an empty-of-victims node fits: preemption cannot help here.
  const first = fwk.runFilterPluginsWithNominatedPods(state, pod, nodeInfo);
  if (!isSuccess(first)) return { victims: [], numPDBViolations: 0, status: first };
  potential.sort((a, b) => byImportance(a.pod, b.pod));
  const { violating, nonViolating } = filterPodsWithPDBViolation(potential, pdbs);
  const victims: V1Pod[] = [];
  let numPDBViolations = 0;
  const reprieve = (pi: PodInfo): boolean => {
    add(pi);
    const fits = isSuccess(fwk.runFilterPluginsWithNominatedPods(state, pod, nodeInfo));
    if (!fits) {
      remove(pi);
      victims.push(pi.pod);
    }
    return fits;
  };
  for (const pi of violating) if (!reprieve(pi)) numPDBViolations++;
  for (const pi of nonViolating) reprieve(pi);
  if (violating.length > 0 && nonViolating.length > 0) victims.sort(byImportance);
  return { victims, numPDBViolations };
}

/** The earliest start among the highest-priority victims (upstream's GetEarliestPodStartTime). */
function earliestStartOfHighest(victims: V1Pod[], now: number): number {
  let maxPrio = podPriority(victims[0]!);
  let earliest = podStartMillis(victims[0]!, now);
  for (const v of victims) {
    const p = podPriority(v);
    if (p === maxPrio) earliest = Math.min(earliest, podStartMillis(v, now));
    else if (p > maxPrio) { maxPrio = p; earliest = podStartMillis(v, now); }
  }
  return earliest;
}

/** pickOneNodeForPreemption: each rule keeps the best-scoring candidates; the first that leaves one decides. */
export function pickOneNodeForPreemption(candidates: Candidate[], now = Date.now()): Candidate | undefined {
  if (candidates.length === 0) return undefined;
  const rules: Array<(c: Candidate) => number> = [
    (c) => -c.numPDBViolations,
    (c) => -podPriority(c.victims[0]!),
    // 2^31 is added to every priority so that negative priorities cannot make more victims look cheaper.
    (c) => -c.victims.reduce((s, v) => s + podPriority(v) + 2 ** 31, 0),
    (c) => -c.victims.length,
    (c) => earliestStartOfHighest(c.victims, now),
  ];
  let remaining = candidates;
  for (const rule of rules) {
    let best = -Infinity;
    let selected: Candidate[] = [];
    for (const c of remaining) {
      const s = rule(c);
      if (s > best) { best = s; selected = []; }
      if (s === best) selected.push(c);
    }
    if (selected.length === 1) return selected[0];
    remaining = selected;
  }
  return remaining[0];
}

export function defaultPreemption(actions: PreemptionActions, opts: DefaultPreemptionOptions = {}): PluginFactory {
  const pct = opts.minCandidateNodesPercentage ?? 10;
  const abs = opts.minCandidateNodesAbsolute ?? 100;
  const random = opts.random ?? ((n: number) => Math.floor(Math.random() * n));
  return (h) => ({
    name: DEFAULT_PREEMPTION,
    async postFilter(state, pod, statuses): Promise<PostFilterOutcome> {
      const out = await preempt(h, actions, state, pod, statuses, { pct, abs, random });
      const msg = out.status.message();
      // Upstream prefixes whatever preemption says with "preemption: ".
      if (msg) return { ...out, status: new Status(out.status.code, [`preemption: ${msg}`]) };
      return out;
    },
  });
}

async function preempt(
  h: Handle, actions: PreemptionActions, state: CycleState, pod: PodInfo, statuses: NodeToStatus,
  o: { pct: number; abs: number; random: (n: number) => number },
): Promise<PostFilterOutcome> {
  const nominatedName = pod.pod.status?.nominatedNodeName;
  const eligible = podEligibleToPreemptOthers(pod.pod, h, nominatedName ? statuses.get(nominatedName) : undefined);
  if (!eligible.ok) return { status: Status.unschedulable(eligible.message) };

  const allNodes = h.snapshot().nodeInfoList;
  if (allNodes.length === 0) return { status: Status.error('no nodes available') };
  const { potential, unhelpful } = nodesWherePreemptionMightHelp(allNodes, statuses);
  const nodeStatuses = new NodeToStatus();
  let candidates: Candidate[] = [];
  if (potential.length === 0) {
    // Nothing to preempt for: drop a nomination left from an earlier attempt.
    if (nominatedName) await actions.clearNominatedNodeName([pod.pod]);
  } else {
    const pdbs = h.podDisruptionBudgets();
    const offset = o.random(potential.length);
    let numCandidates = Math.trunc((potential.length * o.pct) / 100);
    if (numCandidates < o.abs) numCandidates = o.abs;
    if (numCandidates > potential.length) numCandidates = potential.length;
    const nonViolating: Candidate[] = [];
    const violating: Candidate[] = [];
    for (let i = 0; i < potential.length; i++) {
      const ni = potential[(offset + i) % potential.length]!;
      const r = selectVictimsOnNode(h, state.clone(), pod, ni.clone(), pdbs);
      if (!r.status && r.victims.length > 0) {
        (r.numPDBViolations === 0 ? nonViolating : violating).push({ name: ni.name, victims: r.victims, numPDBViolations: r.numPDBViolations });
        if (nonViolating.length > 0 && nonViolating.length + violating.length >= numCandidates) break;
        continue;
      }
      nodeStatuses.set(ni.name, r.status ?? Status.error(`expected at least one victim pod on node "${ni.name}"`));
    }
    candidates = [...nonViolating, ...violating];
  }
  for (const [name, s] of unhelpful.byNode) nodeStatuses.set(name, s);

  if (candidates.length === 0) {
    const d = newDiagnosis();
    for (const [name, s] of nodeStatuses.byNode) d.nodeToStatus.set(name, s);
    d.nodeToStatus.absent = Status.unresolvable(MSG_NOT_HELPFUL);
    // The preemptor's nomination is cleared: there is nothing to wait for.
    return { status: Status.unschedulable(fitErrorMessage(allNodes.length, d)), nominatedNodeName: '' };
  }

  const best = pickOneNodeForPreemption(candidates, h.now());
  if (!best) return { status: Status.unschedulable('no candidate node for preemption') };
  try {
    await Promise.all(best.victims.map((v) => actions.preemptPod(v, pod.pod, best.name)));
    // Lower-priority pods nominated to this node may no longer fit there: they look again.
    const lower = h.nominatedPodsForNode(best.name).filter((p) => p.priority < pod.priority).map((p) => p.pod);
    if (lower.length > 0) await actions.clearNominatedNodeName(lower);
  } catch (e) {
    return { status: Status.error((e as Error)?.message ?? String(e)) };
  }
  return { status: new Status(Code.Success), nominatedNodeName: best.name };
}
