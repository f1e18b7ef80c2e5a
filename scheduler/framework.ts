// The scheduling framework: statuses, the per-cycle state, the plugin interfaces at upstream's
// extension points (PreEnqueue, PreFilter, Filter, PostFilter, PreScore, Score, NormalizeScore,
// Reserve, PreBind, Bind) and the runner that calls a profile's plugins in order, plus FitError, whose
// message is the one users read in `kubectl describe pod`.
// Upstream: pkg/scheduler/framework/{interface.go,cycle_state.go,types.go} and runtime/framework.go.
import type { V1Pod, V1PodDisruptionBudget } from '@kubernetes/client-node';
import type { Selector } from '../machinery/labels.ts';
import type { NodeInfo, PodInfo } from './nodeinfo.ts';

/** Upstream's framework.MaxNodeScore: every normalised score is in [0, 100]. */
export const MAX_NODE_SCORE = 100;

export enum Code {
  Success = 0,
  /** An internal problem: the pod is retried after a back-off. */
  Error = 1,
  /** Rejected, but preemption may help. */
  Unschedulable = 2,
  /** Rejected, and preemption cannot help on this node. */
  UnschedulableAndUnresolvable = 3,
  /** The plugin has nothing to do for this pod in this cycle (PreFilter, PreScore). */
  Skip = 5,
}

export class Status {
  plugin = '';

  constructor(readonly code: Code, readonly reasons: string[] = []) {}

  static unschedulable(...reasons: string[]): Status { return new Status(Code.Unschedulable, reasons); }
  static unresolvable(...reasons: string[]): Status { return new Status(Code.UnschedulableAndUnresolvable, reasons); }
  static error(message: string): Status { return new Status(Code.Error, [message]); }
  static skip(): Status { return new Status(Code.Skip); }

  isSuccess(): boolean { return this.code === Code.Success; }
  isRejected(): boolean { return this.code === Code.Unschedulable || this.code === Code.UnschedulableAndUnresolvable; }
  /** Status.Message(): the reasons joined by ", ". */
  message(): string { return this.reasons.join(', '); }

  withPlugin(name: string): Status {
    this.plugin = name;
    return this;
  }
}

/** Success is `undefined` (upstream's nil status), so the hot path allocates nothing. */
export type MaybeStatus = Status | undefined;
export const isSuccess = (s: MaybeStatus): boolean => !s || s.code === Code.Success;

/** Per-cycle data plugins share between extension points; cloned for preemption's what-ifs. */
export class CycleState {
  private readonly data = new Map<string, unknown>();
  readonly skipFilterPlugins = new Set<string>();
  readonly skipScorePlugins = new Set<string>();

  read<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }

  write(key: string, value: unknown): void {
    this.data.set(key, value);
  }

  /** Values with a clone() method are cloned; others are shared (they must then be read-only). */
  clone(): CycleState {
    const c = new CycleState();
    for (const [k, v] of this.data) {
      const cl = (v as { clone?: () => unknown } | null)?.clone;
      c.data.set(k, typeof cl === 'function' ? cl.call(v) : v);
    }
    for (const p of this.skipFilterPlugins) c.skipFilterPlugins.add(p);
    for (const p of this.skipScorePlugins) c.skipScorePlugins.add(p);
    return c;
  }
}

/** The cluster as one scheduling cycle sees it. */
export interface Snapshot {
  /** Every node, interleaved across zones (upstream's nodeTree order). */
  readonly nodeInfoList: readonly NodeInfo[];
  readonly havePodsWithAffinityList: readonly NodeInfo[];
  readonly havePodsWithRequiredAntiAffinityList: readonly NodeInfo[];
  get(nodeName: string): NodeInfo | undefined;
}

/** What plugins may ask of the scheduler around them (upstream's framework.Handle). */
export interface Handle {
  snapshot(): Snapshot;
  /** A namespace's labels from the informer; undefined when it is unknown. */
  namespaceLabels(namespace: string): Record<string, string> | undefined;
  /** Names of the namespaces whose labels the selector matches. */
  namespacesMatching(selector: Selector): string[];
  /** Pods nominated to this node by preemption, waiting to be scheduled. */
  nominatedPodsForNode(nodeName: string): readonly PodInfo[];
  podDisruptionBudgets(): V1PodDisruptionBudget[];
  /** The framework itself, for plugins that run other plugins (preemption). */
  framework(): Framework;
  now(): number;
}

/**
 * Cluster events that can make a pod schedulable again (upstream's ClusterEvent resource/action
 * pairs). A plugin lists those that may undo its rejections; the queue moves a pod back when one
 * of the plugins that rejected it registered the event.
 */
export type ClusterEvent =
  | 'Node/Add' | 'Node/Delete' | 'Node/UpdateLabel' | 'Node/UpdateTaint' | 'Node/UpdateAllocatable' | 'Node/UpdateImages'
  | 'AssignedPod/Add' | 'AssignedPod/Update' | 'AssignedPod/Delete'
  | 'Namespace/Add' | 'Namespace/Update' | 'PodDisruptionBudget/Change'
  | 'PersistentVolumeClaim/Add' | 'PersistentVolumeClaim/Update' | 'PersistentVolume/Add' | 'PersistentVolume/Update'
  | 'StorageClass/Add' | 'StorageClass/Update';

export interface PreFilterOutcome {
  status?: Status;
  /** Only these nodes can fit (upstream's PreFilterResult); undefined means all. */
  nodeNames?: Set<string>;
}

export interface PostFilterOutcome {
  status: Status;
  /** Set (to a node, or '' to clear) when the pod's status.nominatedNodeName should change. */
  nominatedNodeName?: string;
}

export interface NodeScore { name: string; score: number }

export interface Plugin {
  readonly name: string;
  /** Events that may make a pod this plugin rejected schedulable (upstream's EventsToRegister). */
  readonly events?: readonly ClusterEvent[];
  /** Gate before the pod enters the active queue (e.g. scheduling gates). */
  preEnqueue?(pod: V1Pod): MaybeStatus;
  preFilter?(state: CycleState, pod: PodInfo): PreFilterOutcome | undefined;
  /** How the PreFilter state changes when a pod is added to / removed from a node (preemption, nominated pods). */
  addPod?(state: CycleState, podToSchedule: PodInfo, podToAdd: PodInfo, nodeInfo: NodeInfo): void;
  removePod?(state: CycleState, podToSchedule: PodInfo, podToRemove: PodInfo, nodeInfo: NodeInfo): void;
  filter?(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): MaybeStatus;
  postFilter?(state: CycleState, pod: PodInfo, statuses: NodeToStatus): Promise<PostFilterOutcome>;
  preScore?(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): MaybeStatus;
  score?(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): number;
  normalizeScore?(state: CycleState, pod: PodInfo, scores: NodeScore[]): void;
  reserve?(state: CycleState, pod: PodInfo, nodeName: string): MaybeStatus;
  unreserve?(state: CycleState, pod: PodInfo, nodeName: string): void;
  /**
   * In the binding cycle, after Reserve and before Bind: may call the API and wait (volume
   * binding). A failure unreserves the pod and sends it back to the queue with a back-off.
   * `pod` is the assumed pod (spec.nodeName set); the signal aborts when the scheduler stops.
   */
  preBind?(state: CycleState, pod: V1Pod, nodeName: string, signal: AbortSignal): Promise<MaybeStatus>;
  bind?(state: CycleState, pod: V1Pod, nodeName: string): Promise<MaybeStatus>;
}

/** A plugin module exports one of these; the framework calls it once with its handle. */
export type PluginFactory = (h: Handle) => Plugin;

export interface ProfilePlugin { factory: PluginFactory; weight?: number }

/** Per-node statuses of a failed cycle, plus one status for the nodes a PreFilter result excluded. */
export class NodeToStatus {
  readonly byNode = new Map<string, Status>();
  absent?: Status;

  set(node: string, s: Status): void { this.byNode.set(node, s); }
  /** The node's status: its own, or the absent-nodes status, or undefined (it passed). */
  get(node: string): Status | undefined { return this.byNode.get(node) ?? this.absent; }
}

export interface Diagnosis {
  nodeToStatus: NodeToStatus;
  /** Plugins that rejected the pod somewhere: the queue moves it back on their events. */
  unschedulablePlugins: Set<string>;
  preFilterMsg: string;
  postFilterMsg: string;
}

export const newDiagnosis = (): Diagnosis => ({ nodeToStatus: new NodeToStatus(), unschedulablePlugins: new Set(), preFilterMsg: '', postFilterMsg: '' });

/** Go's sort.Strings order: by UTF-8 bytes, which for these ASCII reasons is code-unit order. */
const byBytes = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * FitError.Error(): "0/N nodes are available: <prefilter msg>." or a histogram of the node
 * reasons ("1 node(s) had untolerated taint {k: v}, 2 Insufficient cpu." sorted as strings), then
 * " " and the PostFilter message ("preemption: 0/N nodes are available: …").
 */
export function fitErrorMessage(numAllNodes: number, d: Diagnosis): string {
  let msg = `0/${numAllNodes} nodes are available:`;
  if (d.preFilterMsg) {
    msg += ` ${d.preFilterMsg}.`;
  } else {
    const counts = new Map<string, number>();
    for (const s of d.nodeToStatus.byNode.values()) for (const r of s.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
    const absentCount = numAllNodes - d.nodeToStatus.byNode.size;
    if (absentCount > 0 && d.nodeToStatus.absent) for (const r of d.nodeToStatus.absent.reasons) counts.set(r, (counts.get(r) ?? 0) + absentCount);
    const parts = [...counts].map(([r, n]) => `${n} ${r}`).sort(byBytes);
    if (parts.length > 0) msg += ` ${parts.join(', ')}.`;
  }
  if (d.postFilterMsg) msg += ` ${d.postFilterMsg}`;
  return msg;
}

/** The scheduling algorithm found no node: the diagnosis says why (its message is computed when asked). */
export class FitError {
  constructor(readonly pod: V1Pod, readonly numAllNodes: number, readonly diagnosis: Diagnosis) {}

  message(): string {
    return fitErrorMessage(this.numAllNodes, this.diagnosis);
  }
}

/** The profile's plugins, by extension point, run in the order they were given (upstream's frameworkImpl). */
export class Framework {
  readonly plugins: Plugin[];
  private readonly weights = new Map<string, number>();
  private readonly preEnqueuePlugins: Plugin[];
  private readonly preFilterPlugins: Plugin[];
  private readonly filterPlugins: Plugin[];
  private readonly postFilterPlugins: Plugin[];
  private readonly preScorePlugins: Plugin[];
  private readonly scorePlugins: Plugin[];
  private readonly reservePlugins: Plugin[];
  private readonly preBindPlugins: Plugin[];
  private readonly bindPlugins: Plugin[];
  private readonly extensionPlugins: Plugin[];

  constructor(readonly schedulerName: string, profile: ProfilePlugin[], readonly handle: Handle) {
    this.plugins = profile.map((p) => {
      const plugin = p.factory(handle);
      this.weights.set(plugin.name, p.weight ?? 1);
      return plugin;
    });
    const at = (has: (p: Plugin) => boolean) => this.plugins.filter(has);
    this.preEnqueuePlugins = at((p) => !!p.preEnqueue);
    this.preFilterPlugins = at((p) => !!p.preFilter);
    this.filterPlugins = at((p) => !!p.filter);
    this.postFilterPlugins = at((p) => !!p.postFilter);
    this.preScorePlugins = at((p) => !!p.preScore);
    this.scorePlugins = at((p) => !!p.score);
    this.reservePlugins = at((p) => !!p.reserve);
    this.preBindPlugins = at((p) => !!p.preBind);
    this.bindPlugins = at((p) => !!p.bind);
    this.extensionPlugins = at((p) => !!p.addPod || !!p.removePod);
  }

  /** Plugin name → the events it registered. */
  eventsByPlugin(): Map<string, Set<ClusterEvent>> {
    return new Map(this.plugins.map((p) => [p.name, new Set(p.events ?? [])]));
  }

  hasPostFilterPlugins(): boolean {
    return this.postFilterPlugins.length > 0;
  }

  /** The first PreEnqueue plugin that refuses the pod, if any. */
  runPreEnqueuePlugins(pod: V1Pod): Status | undefined {
    for (const p of this.preEnqueuePlugins) {
      const s = p.preEnqueue!(pod);
      if (!isSuccess(s)) return s!.withPlugin(p.name);
    }
    return undefined;
  }

  /**
   * PreFilter plugins in order; a rejection stops the cycle. Node-name results intersect; an empty
   * intersection rejects the pod as no node can pass.
   */
  runPreFilterPlugins(state: CycleState, pod: PodInfo): { status?: Status; nodeNames?: Set<string>; plugins: Set<string> } {
    let nodeNames: Set<string> | undefined;
    const withNodes: string[] = [];
    for (const p of this.preFilterPlugins) {
      const out = p.preFilter!(state, pod);
      const s = out?.status;
      if (s && s.code === Code.Skip) {
        state.skipFilterPlugins.add(p.name);
        continue;
      }
      if (!isSuccess(s)) {
        s!.withPlugin(p.name);
        if (s!.isRejected()) return { status: s, plugins: new Set([p.name]) };
        return { status: Status.error(`running PreFilter plugin "${p.name}": ${s!.message()}`).withPlugin(p.name), plugins: new Set() };
      }
      if (out?.nodeNames) {
        withNodes.push(p.name);
        nodeNames = nodeNames ? new Set([...nodeNames].filter((n) => out.nodeNames!.has(n))) : new Set(out.nodeNames);
        if (nodeNames.size === 0) {
          const msg = withNodes.length === 1
            ? `node(s) didn't satisfy plugin ${withNodes[0]}`
            : `node(s) didn't satisfy plugin(s) [${withNodes.join(' ')}] simultaneously`;
          return { status: Status.unresolvable(msg), nodeNames, plugins: new Set(withNodes) };
        }
      }
    }
    return { nodeNames, plugins: new Set(withNodes) };
  }

  runPreFilterExtensionAddPod(state: CycleState, podToSchedule: PodInfo, podToAdd: PodInfo, nodeInfo: NodeInfo): void {
    for (const p of this.extensionPlugins) {
      if (state.skipFilterPlugins.has(p.name)) continue;
      p.addPod?.(state, podToSchedule, podToAdd, nodeInfo);
    }
  }

  runPreFilterExtensionRemovePod(state: CycleState, podToSchedule: PodInfo, podToRemove: PodInfo, nodeInfo: NodeInfo): void {
    for (const p of this.extensionPlugins) {
      if (state.skipFilterPlugins.has(p.name)) continue;
      p.removePod?.(state, podToSchedule, podToRemove, nodeInfo);
    }
  }

  /** Filter plugins in order, stopping at the first that does not pass. */
  runFilterPlugins(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): MaybeStatus {
    for (const p of this.filterPlugins) {
      if (state.skipFilterPlugins.size > 0 && state.skipFilterPlugins.has(p.name)) continue;
      const s = p.filter!(state, pod, nodeInfo);
      if (!isSuccess(s)) {
        if (!s!.isRejected()) return Status.error(`running "${p.name}" filter plugin: ${s!.message()}`).withPlugin(p.name);
        return s!.withPlugin(p.name);
      }
    }
    return undefined;
  }

  /**
   * Filters as if nominated pods of equal or higher priority were already on the node, then (when
   * there were some and that passed) without them: the pod must fit both ways, as upstream's
   * RunFilterPluginsWithNominatedPods (inter-pod affinity may need them absent, resources present).
   */
  runFilterPluginsWithNominatedPods(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): MaybeStatus {
    const nominated = this.handle.nominatedPodsForNode(nodeInfo.name);
    if (nominated.length > 0) {
      let added: { state: CycleState; nodeInfo: NodeInfo } | undefined;
      for (const pi of nominated) {
        if (pi.priority < pod.priority || pi.uid === pod.uid) continue;
        if (!added) added = { state: state.clone(), nodeInfo: nodeInfo.clone() };
        added.nodeInfo.addPod(pi);
        this.runPreFilterExtensionAddPod(added.state, pod, pi, added.nodeInfo);
      }
      if (added) {
        const s = this.runFilterPlugins(added.state, pod, added.nodeInfo);
        if (!isSuccess(s)) return s;
      }
    }
    return this.runFilterPlugins(state, pod, nodeInfo);
  }

  /** PostFilter plugins until one makes the pod schedulable (upstream stops at the first success). */
  async runPostFilterPlugins(state: CycleState, pod: PodInfo, statuses: NodeToStatus): Promise<PostFilterOutcome> {
    const reasons: string[] = [];
    let nominatedNodeName: string | undefined;
    for (const p of this.postFilterPlugins) {
      const out = await p.postFilter!(state, pod, statuses);
      if (out.status.isSuccess()) return out;
      if (!out.status.isRejected()) return { status: out.status.withPlugin(p.name), nominatedNodeName: out.nominatedNodeName };
      reasons.push(...out.status.reasons);
      if (out.nominatedNodeName !== undefined) nominatedNodeName = out.nominatedNodeName;
    }
    return { status: new Status(Code.Unschedulable, reasons), nominatedNodeName };
  }

  runPreScorePlugins(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): MaybeStatus {
    for (const p of this.preScorePlugins) {
      const s = p.preScore!(state, pod, nodes);
      if (s && s.code === Code.Skip) {
        state.skipScorePlugins.add(p.name);
        continue;
      }
      if (!isSuccess(s)) return Status.error(`running PreScore plugin "${p.name}": ${s!.message()}`).withPlugin(p.name);
    }
    return undefined;
  }

  /** Each score plugin's scores, normalised to [0, 100] and weighted, summed per node (same order as `nodes`). */
  runScorePlugins(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): number[] {
    const totals = new Array<number>(nodes.length).fill(0);
    for (const p of this.scorePlugins) {
      if (state.skipScorePlugins.has(p.name)) continue;
      const scores: NodeScore[] = nodes.map((n) => ({ name: n.name, score: p.score!(state, pod, n) }));
      p.normalizeScore?.(state, pod, scores);
      const w = this.weights.get(p.name) ?? 1;
      for (let i = 0; i < scores.length; i++) totals[i]! += scores[i]!.score * w;
    }
    return totals;
  }

  /** Reserve plugins in order until one fails: a rejection keeps its reasons, an error is wrapped as upstream's. */
  runReservePlugins(state: CycleState, pod: PodInfo, nodeName: string): MaybeStatus {
    for (const p of this.reservePlugins) {
      const s = p.reserve!(state, pod, nodeName);
      if (isSuccess(s)) continue;
      if (s!.isRejected()) return s!.withPlugin(p.name);
      return Status.error(`running Reserve plugin "${p.name}": ${s!.message()}`).withPlugin(p.name);
    }
    return undefined;
  }

  runUnreservePlugins(state: CycleState, pod: PodInfo, nodeName: string): void {
    for (const p of [...this.reservePlugins].reverse()) p.unreserve?.(state, pod, nodeName);
  }

  /** PreBind plugins in order, each awaited; the first failure ends the binding cycle (upstream's RunPreBindPlugins). */
  async runPreBindPlugins(state: CycleState, pod: V1Pod, nodeName: string, signal: AbortSignal): Promise<MaybeStatus> {
    for (const p of this.preBindPlugins) {
      const s = await p.preBind!(state, pod, nodeName, signal);
      if (isSuccess(s)) continue;
      if (s!.isRejected()) return s!.withPlugin(p.name);
      return Status.error(`running PreBind plugin "${p.name}": ${s!.message()}`).withPlugin(p.name);
    }
    return undefined;
  }

  /** Bind plugins in order until one binds (upstream's RunBindPlugins; a Skip would pass to the next). */
  async runBindPlugins(state: CycleState, pod: V1Pod, nodeName: string): Promise<MaybeStatus> {
    for (const p of this.bindPlugins) {
      const s = await p.bind!(state, pod, nodeName);
      if (s && s.code === Code.Skip) continue;
      if (!isSuccess(s)) {
        if (s!.isRejected()) return s!.withPlugin(p.name);
        return Status.error(`running Bind plugin "${p.name}": ${s!.message()}`).withPlugin(p.name);
      }
      return undefined;
    }
    return Status.error('no bind plugin bound the pod');
  }
}

/**
 * Upstream's helper.DefaultNormalizeScore: scale to [0, max] by the highest score (reversed:
 * max − that); all zero stays zero, or becomes max when reversed.
 */
export function defaultNormalizeScore(maxPriority: number, reverse: boolean, scores: NodeScore[]): void {
  let maxCount = 0;
  for (const s of scores) if (s.score > maxCount) maxCount = s.score;
  if (maxCount === 0) {
    if (reverse) for (const s of scores) s.score = maxPriority;
    return;
  }
  for (const s of scores) {
    let v = Math.trunc((maxPriority * s.score) / maxCount);
    if (reverse) v = maxPriority - v;
    s.score = v;
  }
}
