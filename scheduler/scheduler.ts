// The scheduler (upstream's pkg/scheduler/schedule_one.go and eventhandlers.go): informers on pods,
// nodes, namespaces, PodDisruptionBudgets, claims, volumes and storage classes feed the cache and
// the queue; one loop pops a pod, filters the nodes (stopping once enough fit, as
// percentageOfNodesToScore allows), scores those, assumes the pod on the best one, and moves on
// while the binding cycle (PreBind, then Bind) goes on in the background. A
// pod no node fits gets preemption's attempt, a FailedScheduling event and the PodScheduled=False
// condition, and waits in the queue for a cluster event that may help.
//
// A cycle runs from pop to assume without awaiting anything, so the cache cannot change under it;
// the loop yields to the event loop between cycles so informer events and bindings make progress.
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type {
  V1Namespace, V1Node, V1PersistentVolume, V1PersistentVolumeClaim, V1Pod, V1PodCondition, V1PodDisruptionBudget, V1ReplicaSet,
  V1ReplicationController, V1Service, V1StatefulSet, V1StorageClass,
} from '@kubernetes/client-node';
import { isNotFound, type EventRecorder, type Informer, type RestClient } from '../client/index.ts';
import { persistentVolumeClaims as claimsResource, persistentVolumes as volumesResource, pods as podsResource } from '../client/resources.ts';
import type { Selector } from '../machinery/labels.ts';
import { Cache } from './cache.ts';
import { isAssigned, isTerminal } from './corev1.ts';
import {
  CycleState, FitError, Framework, isSuccess, newDiagnosis, Status, type ClusterEvent, type Diagnosis, type Handle, type ProfilePlugin,
} from './framework.ts';
import type { NodeInfo } from './nodeinfo.ts';
import { PodInfo } from './nodeinfo.ts';
import type { SpreadingListers } from './defaultspread.ts';
import { defaultProfile, type DefaultProfileOptions } from './plugins/index.ts';
import type { VolumeBindingOptions } from './plugins/volumebinding.ts';
import type { PreemptionActions } from './preemption.ts';
import { SchedulingQueue, specOrMetaChanged, type QueuedPodInfo } from './queue.ts';

export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

/** Upstream's minFeasibleNodesToFind and minFeasibleNodesPercentageToFind. */
const MIN_FEASIBLE_NODES_TO_FIND = 100;
const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;
/** Upstream truncates event notes and condition messages to 1024 bytes. */
const NOTE_LENGTH_LIMIT = 1024;

export interface SchedulerInformers {
  pods: Informer<V1Pod>;
  nodes: Informer<V1Node>;
  namespaces?: Informer<V1Namespace>;
  podDisruptionBudgets?: Informer<V1PodDisruptionBudget>;
  /** VolumeBinding's; without them every claim a pod names is "not found". */
  persistentVolumeClaims?: Informer<V1PersistentVolumeClaim>;
  persistentVolumes?: Informer<V1PersistentVolume>;
  storageClasses?: Informer<V1StorageClass>;
  /** PodTopologySpread's system defaults: which pods are one workload's. */
  services?: Informer<V1Service>;
  replicationControllers?: Informer<V1ReplicationController>;
  replicaSets?: Informer<V1ReplicaSet>;
  statefulSets?: Informer<V1StatefulSet>;
}

/** An empty lister, for informers a test leaves out. */
const NO_OBJECTS = { get: () => undefined, list: () => [] };

export interface SchedulerOptions {
  rest: RestClient;
  informers: SchedulerInformers;
  recorder: EventRecorder;
  /** The scheduler names (profiles) this scheduler serves; default ["default-scheduler"]. */
  schedulerNames?: string[];
  /** 0 (the default) is upstream's adaptive share: 50% minus 1% per 125 nodes, at least 5%. */
  percentageOfNodesToScore?: number;
  /** Bindings and status writes under way at once; the loop waits when this many are. */
  maxInFlight?: number;
  /** Replaces the default plugins (tests). */
  profile?: (o: DefaultProfileOptions) => ProfilePlugin[];
  /** VolumeBinding's PreBind wait: upstream's bindTimeoutSeconds (600 s) and its 1 s poll. */
  volumeBinding?: { bindTimeoutMs?: number; pollIntervalMs?: number };
  queue?: { initialBackoffMs?: number; maxBackoffMs?: number; maxInUnschedulableMs?: number };
  log?: (msg: string) => void;
  now?: () => number;
  random?: () => number;
}

/** Counts of what the scheduler did, for tests and benchmarks. */
export interface SchedulerStats {
  attempts: number;
  scheduled: number;
  bound: number;
  unschedulable: number;
  errors: number;
  preemptions: number;
}

function truncate(message: string): string {
  if (Buffer.byteLength(message) <= NOTE_LENGTH_LIMIT) return message;
  const suffix = ' ...';
  return Buffer.from(message).subarray(0, NOTE_LENGTH_LIMIT - suffix.length).toString('utf8') + suffix;
}

/** Bounds concurrent background work; acquire() waits for a free slot. */
class Limiter {
  private active = 0;
  private readonly waiters: Array<() => void> = [];
  private readonly all = new Set<Promise<void>>();

  constructor(private readonly max: number, private readonly onError: (e: unknown) => void) {}

  async run(work: () => Promise<void>): Promise<void> {
    while (this.active >= this.max) await new Promise<void>((r) => this.waiters.push(r));
    this.active++;
    const p = work().catch(this.onError).finally(() => {
      this.active--;
      this.all.delete(p);
      this.waiters.shift()?.();
    });
    this.all.add(p);
  }

  async drain(): Promise<void> {
    while (this.all.size > 0) await Promise.allSettled([...this.all]);
  }
}

/** Which node changes may make pods schedulable (upstream's node update event classification). */
export function nodeUpdateEvents(oldNode: V1Node, node: V1Node): ClusterEvent[] {
  const out: ClusterEvent[] = [];
  const j = (v: unknown) => JSON.stringify(v ?? null);
  if (j(oldNode.metadata?.labels) !== j(node.metadata?.labels)) out.push('Node/UpdateLabel');
  if (j(oldNode.spec?.taints) !== j(node.spec?.taints) || !!oldNode.spec?.unschedulable !== !!node.spec?.unschedulable) out.push('Node/UpdateTaint');
  if (j(oldNode.status?.allocatable) !== j(node.status?.allocatable)) out.push('Node/UpdateAllocatable');
  return out;
}

export class Scheduler {
  readonly cache = new Cache();
  readonly queue: SchedulingQueue;
  readonly stats: SchedulerStats = { attempts: 0, scheduled: 0, bound: 0, unschedulable: 0, errors: 0, preemptions: 0 };
  private readonly profiles = new Map<string, Framework>();
  private readonly log: (msg: string) => void;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly limiter: Limiter;
  private nextStartNodeIndex = 0;
  /** Aborts when run() stops: PreBind waits end with it. */
  private runSignal: AbortSignal = new AbortController().signal;
  /** Woken by every claim or volume change (VolumeBinding's PreBind waits on them). */
  private readonly volumeListeners = new Set<() => void>();

  constructor(private readonly o: SchedulerOptions) {
    this.log = o.log ?? ((m) => process.stderr.write(`${m}\n`));
    this.now = o.now ?? Date.now;
    this.random = o.random ?? Math.random;
    this.limiter = new Limiter(o.maxInFlight ?? 256, (e) => this.log(`scheduler: ${(e as Error)?.stack ?? String(e)}`));
    const names = o.schedulerNames?.length ? o.schedulerNames : [DEFAULT_SCHEDULER_NAME];
    const bind = (pod: V1Pod, binding: object) => o.rest.createSubresource(podsResource, pod.metadata?.namespace ?? '', pod.metadata?.name ?? '', 'binding', binding);
    const preemption = this.preemptionActions();
    const inf = o.informers;
    const volumeBinding: VolumeBindingOptions = {
      claims: inf.persistentVolumeClaims ?? NO_OBJECTS,
      volumes: inf.persistentVolumes ?? NO_OBJECTS,
      classes: inf.storageClasses ?? NO_OBJECTS,
      pods: inf.pods,
      nodes: inf.nodes,
      updateVolume: (pv) => o.rest.update(volumesResource, '', pv),
      updateClaim: (pvc) => o.rest.update(claimsResource, pvc.metadata?.namespace ?? '', pvc),
      onChange: (listener) => {
        this.volumeListeners.add(listener);
        return () => { this.volumeListeners.delete(listener); };
      },
      ...o.volumeBinding,
    };
    const spreading: SpreadingListers = {
      services: inf.services ?? NO_OBJECTS,
      replicationControllers: inf.replicationControllers ?? NO_OBJECTS,
      replicaSets: inf.replicaSets ?? NO_OBJECTS,
      statefulSets: inf.statefulSets ?? NO_OBJECTS,
    };
    for (const name of names) {
      let fwk: Framework | undefined;
      const handle: Handle = {
        snapshot: () => this.cache.snapshot(),
        namespaceLabels: (ns) => o.informers.namespaces?.get(ns)?.metadata?.labels ?? undefined,
        namespacesMatching: (sel: Selector) => (o.informers.namespaces?.list() ?? []).filter((n) => sel.matches(n.metadata?.labels ?? {})).map((n) => n.metadata?.name ?? ''),
        nominatedPodsForNode: (node) => this.queue.nominator.podsForNode(node),
        podDisruptionBudgets: () => o.informers.podDisruptionBudgets?.list() ?? [],
        framework: () => fwk!,
        now: this.now,
      };
      const plugins = (o.profile ?? defaultProfile)({ bind, preemption, volumeBinding, spreading });
      fwk = new Framework(name, plugins, handle);
      this.profiles.set(name, fwk);
    }
    const first = this.profiles.values().next().value!;
    this.queue = new SchedulingQueue({
      now: this.now,
      ...o.queue,
      preEnqueue: (pod) => this.frameworkFor(pod)?.runPreEnqueuePlugins(pod),
      pluginEvents: first.eventsByPlugin(),
    });
  }

  frameworkFor(pod: V1Pod): Framework | undefined {
    return this.profiles.get(pod.spec?.schedulerName || DEFAULT_SCHEDULER_NAME);
  }

  private responsibleFor(pod: V1Pod): boolean {
    return this.profiles.has(pod.spec?.schedulerName || DEFAULT_SCHEDULER_NAME);
  }

  /** Runs until the signal aborts: event handlers, caches, then the scheduling loop. */
  async run(signal: AbortSignal): Promise<void> {
    this.runSignal = signal;
    const inf = this.o.informers;
    const removers = [
      inf.nodes.addEventHandler({
        onAdd: (n) => { this.cache.addNode(n); this.queue.moveAllToActiveOrBackoffQueue('Node/Add'); },
        onUpdate: (old, n) => {
          this.cache.updateNode(old, n);
          for (const e of nodeUpdateEvents(old, n)) this.queue.moveAllToActiveOrBackoffQueue(e);
        },
        onDelete: (n) => { this.cache.removeNode(n); this.queue.moveAllToActiveOrBackoffQueue('Node/Delete'); },
      }),
      inf.pods.addEventHandler({
        onAdd: (p) => this.onPodAdd(p),
        onUpdate: (old, p) => this.onPodUpdate(old, p),
        onDelete: (p) => this.onPodDelete(p),
      }),
    ];
    if (inf.namespaces) {
      removers.push(inf.namespaces.addEventHandler({
        onAdd: () => this.queue.moveAllToActiveOrBackoffQueue('Namespace/Add'),
        onUpdate: (old, n) => {
          if (JSON.stringify(old.metadata?.labels ?? {}) !== JSON.stringify(n.metadata?.labels ?? {})) this.queue.moveAllToActiveOrBackoffQueue('Namespace/Update');
        },
      }));
    }
    // Claim, volume and class events (upstream's VolumeBinding registers Add and Update of each).
    type Watched = { addEventHandler(h: { onAdd?(): void; onUpdate?(): void; onDelete?(): void }): () => void };
    const volumeEvents = (informer: Watched | undefined, add: ClusterEvent, update: ClusterEvent) => {
      if (!informer) return;
      const changed = (e: ClusterEvent | undefined) => {
        if (e) this.queue.moveAllToActiveOrBackoffQueue(e);
        for (const l of [...this.volumeListeners]) l();
      };
      removers.push(informer.addEventHandler({ onAdd: () => changed(add), onUpdate: () => changed(update), onDelete: () => changed(undefined) }));
    };
    volumeEvents(inf.persistentVolumeClaims, 'PersistentVolumeClaim/Add', 'PersistentVolumeClaim/Update');
    volumeEvents(inf.persistentVolumes, 'PersistentVolume/Add', 'PersistentVolume/Update');
    volumeEvents(inf.storageClasses, 'StorageClass/Add', 'StorageClass/Update');
    this.queue.run(signal);
    try {
      const informers = [
        inf.nodes, inf.pods, inf.namespaces, inf.podDisruptionBudgets, inf.persistentVolumeClaims, inf.persistentVolumes, inf.storageClasses,
        inf.services, inf.replicationControllers, inf.replicaSets, inf.statefulSets,
      ];
      const synced = await Promise.all(informers.filter((i) => i !== undefined).map((i) => i!.waitForSync(signal)));
      if (!synced.every(Boolean)) return;
      while (!signal.aborted) {
        const qpi = await this.queue.pop();
        if (!qpi) break;
        try {
          await this.scheduleOne(qpi);
        } catch (e) {
          this.log(`scheduler: scheduling ${qpi.podInfo.key} failed: ${(e as Error)?.stack ?? String(e)}`);
          this.queue.addUnschedulableIfNotPresent(qpi, this.queue.schedulingCycle(), { error: true });
        }
        // A cycle does not await: let watch events and binding answers in.
        await yieldToEventLoop();
      }
    } finally {
      this.queue.close();
      for (const r of removers) r();
      await this.limiter.drain();
    }
  }

  // ---- informer events ----

  private onPodAdd(pod: V1Pod): void {
    if (isAssigned(pod)) {
      if (isTerminal(pod)) return;
      this.cache.addPod(pod);
      this.queue.moveAllToActiveOrBackoffQueue('AssignedPod/Add');
      return;
    }
    if (this.responsibleFor(pod) && !isTerminal(pod) && !pod.metadata?.deletionTimestamp) this.queue.add(pod);
  }

  private onPodUpdate(old: V1Pod, pod: V1Pod): void {
    if (isAssigned(old)) {
      // Terminal pods leave the cache: upstream's informer does not even see them.
      if (isTerminal(pod)) {
        this.cache.removePod(pod);
        this.queue.moveAllToActiveOrBackoffQueue('AssignedPod/Delete');
        return;
      }
      this.cache.updatePod(old, pod);
      if (specOrMetaChanged(old, pod)) this.queue.moveAllToActiveOrBackoffQueue('AssignedPod/Update');
      return;
    }
    if (isAssigned(pod)) {
      // Bound (by us, whose assumed copy this confirms, or by someone else).
      this.queue.delete(pod);
      if (!isTerminal(pod)) {
        this.cache.addPod(pod);
        this.queue.moveAllToActiveOrBackoffQueue('AssignedPod/Add');
      }
      return;
    }
    if (!this.responsibleFor(pod)) return;
    if (isTerminal(pod) || pod.metadata?.deletionTimestamp) {
      this.queue.delete(pod);
      return;
    }
    this.queue.update(old, pod);
  }

  private onPodDelete(pod: V1Pod): void {
    if (isAssigned(pod) || this.cache.getPod(pod.metadata?.uid ?? '')) {
      this.cache.removePod(pod);
      this.queue.moveAllToActiveOrBackoffQueue('AssignedPod/Delete');
    }
    this.queue.delete(pod);
  }

  // ---- one scheduling cycle ----

  /** Upstream's numFeasibleNodesToFind: all under 100 nodes, else the share percentageOfNodesToScore gives, at least 100. */
  numFeasibleNodesToFind(numAllNodes: number): number {
    if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
    let pct = this.o.percentageOfNodesToScore ?? 0;
    if (pct === 0) {
      pct = 50 - Math.trunc(numAllNodes / 125);
      if (pct < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND) pct = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND;
    }
    const n = Math.trunc((numAllNodes * pct) / 100);
    return n < MIN_FEASIBLE_NODES_TO_FIND ? MIN_FEASIBLE_NODES_TO_FIND : n;
  }

  async scheduleOne(qpi: QueuedPodInfo): Promise<void> {
    const pod = qpi.podInfo.pod;
    const uid = qpi.podInfo.uid;
    const fwk = this.frameworkFor(pod);
    if (!fwk) { this.queue.done(uid); return; }
    if (pod.metadata?.deletionTimestamp) {
      this.o.recorder.event(pod, 'Warning', 'FailedScheduling', `skip schedule deleting pod: ${pod.metadata.namespace}/${pod.metadata.name}`);
      this.queue.done(uid);
      return;
    }
    if (this.cache.isAssumed(uid)) { this.queue.done(uid); return; }
    this.stats.attempts++;
    const cycle = this.queue.schedulingCycle();
    const state = new CycleState();
    const result = this.schedulePod(fwk, state, qpi.podInfo);

    if ('host' in result) {
      await this.assumeAndBind(fwk, state, qpi, result.host, cycle);
      return;
    }
    if ('error' in result) {
      this.stats.errors++;
      await this.handleFailure(fwk, qpi, result.error, result.error.message(), cycle, new Set(), undefined);
      return;
    }
    // No node fits: PostFilter (preemption) may make room for a later attempt.
    const fitError = result.fitError;
    let nominated: string | undefined;
    if (fwk.hasPostFilterPlugins()) {
      const out = await fwk.runPostFilterPlugins(state, qpi.podInfo, fitError.diagnosis.nodeToStatus);
      fitError.diagnosis.postFilterMsg = out.status.message();
      nominated = out.nominatedNodeName;
      if (out.status.isSuccess() && nominated) this.stats.preemptions++;
    }
    this.stats.unschedulable++;
    await this.handleFailure(fwk, qpi, Status.unschedulable(), fitError.message(), cycle, fitError.diagnosis.unschedulablePlugins, nominated);
  }

  /**
   * Upstream's schedulePod: PreFilter, the nominated node first, then Filter across the nodes
   * (from where the last cycle stopped, until enough fit), then PreScore / Score and the best
   * total (ties broken at random).
   */
  schedulePod(fwk: Framework, state: CycleState, pi: PodInfo): { host: string } | { fitError: FitError } | { error: Status } {
    const snap = this.cache.snapshot();
    const all = snap.nodeInfoList;
    if (all.length === 0) return { error: Status.unresolvable('no nodes available to schedule pods') };
    const diagnosis = newDiagnosis();
    const pre = fwk.runPreFilterPlugins(state, pi);
    if (pre.status) {
      if (!pre.status.isRejected()) return { error: pre.status };
      // Every node gets the PreFilter's status, so preemption sees them all rejected the same way.
      diagnosis.nodeToStatus.absent = pre.status;
      diagnosis.preFilterMsg = pre.status.message();
      for (const p of pre.plugins) diagnosis.unschedulablePlugins.add(p);
      return { fitError: new FitError(pi.pod, all.length, diagnosis) };
    }

    // A pod nominated by an earlier preemption tries its node first.
    const nominated = pi.pod.status?.nominatedNodeName;
    if (nominated && (!pre.nodeNames || pre.nodeNames.has(nominated))) {
      const ni = snap.get(nominated);
      if (ni && isSuccess(fwk.runFilterPluginsWithNominatedPods(state, pi, ni))) return { host: ni.name };
    }

    let nodes: readonly NodeInfo[] = all;
    if (pre.nodeNames) {
      nodes = [...pre.nodeNames].map((n) => snap.get(n)).filter((n): n is NodeInfo => n !== undefined);
      diagnosis.nodeToStatus.absent = Status.unresolvable(`node(s) didn't satisfy plugin(s) [${[...pre.plugins].sort().join(' ')}]`);
      for (const p of pre.plugins) diagnosis.unschedulablePlugins.add(p);
    }
    const feasible = this.findNodesThatPassFilters(fwk, state, pi, diagnosis, nodes, all.length);
    if ('error' in feasible) return feasible;
    if (feasible.nodes.length === 0) return { fitError: new FitError(pi.pod, all.length, diagnosis) };
    if (feasible.nodes.length === 1) return { host: feasible.nodes[0]!.name };

    const ps = fwk.runPreScorePlugins(state, pi, feasible.nodes);
    if (ps) return { error: ps };
    const totals = fwk.runScorePlugins(state, pi, feasible.nodes);
    return { host: feasible.nodes[this.selectHost(totals)]!.name };
  }

  private findNodesThatPassFilters(
    fwk: Framework, state: CycleState, pi: PodInfo, diagnosis: Diagnosis, nodes: readonly NodeInfo[], numAll: number,
  ): { nodes: NodeInfo[] } | { error: Status } {
    const want = this.numFeasibleNodesToFind(nodes.length);
    const out: NodeInfo[] = [];
    let processed = 0;
    const n = nodes.length;
    for (let i = 0; i < n; i++) {
      const ni = nodes[(this.nextStartNodeIndex + i) % n]!;
      processed++;
      const s = fwk.runFilterPluginsWithNominatedPods(state, pi, ni);
      if (!s) {
        out.push(ni);
        if (out.length >= want) break;
        continue;
      }
      if (!s.isRejected()) return { error: s };
      diagnosis.nodeToStatus.set(ni.name, s);
      if (s.plugin) diagnosis.unschedulablePlugins.add(s.plugin);
    }
    // The next cycle starts where this one stopped, so every node gets its turn.
    if (numAll > 0) this.nextStartNodeIndex = (this.nextStartNodeIndex + processed) % numAll;
    return { nodes: out };
  }

  /** The index of the highest total; among equals, each has the same chance (reservoir sampling, as upstream). */
  private selectHost(totals: number[]): number {
    let selected = 0;
    let max = totals[0]!;
    let count = 1;
    for (let i = 1; i < totals.length; i++) {
      const t = totals[i]!;
      if (t > max) { max = t; selected = i; count = 1; } else if (t === max) {
        count++;
        if (Math.floor(this.random() * count) === 0) selected = i;
      }
    }
    return selected;
  }

  /**
   * Assume: the pod counts on the node from now; Reserve; then bind in the background. Resolves
   * once the binding has started (at once, unless maxInFlight bindings are already under way).
   */
  private async assumeAndBind(fwk: Framework, state: CycleState, qpi: QueuedPodInfo, host: string, cycle: number): Promise<void> {
    const pod = qpi.podInfo.pod;
    const uid = qpi.podInfo.uid;
    // Cached objects are shared: the assumed pod is a copy with spec.nodeName set.
    const assumedPod: V1Pod = { ...pod, spec: { ...pod.spec!, nodeName: host } };
    const assumed = qpi.podInfo.withPod(assumedPod);
    try {
      this.cache.assumePod(assumed);
    } catch (e) {
      await this.handleFailure(fwk, qpi, Status.error((e as Error).message), (e as Error).message, cycle, new Set(), undefined);
      return;
    }
    this.queue.nominator.delete(uid);
    const rs = fwk.runReservePlugins(state, assumed, host);
    if (rs) {
      fwk.runUnreservePlugins(state, assumed, host);
      this.cache.forgetPod(uid);
      await this.handleFailure(fwk, qpi, rs, rs.message(), cycle, new Set(rs.plugin ? [rs.plugin] : []), undefined);
      return;
    }
    this.stats.scheduled++;
    await this.limiter.run(async () => {
      // The binding cycle: PreBind (volumes), then Bind.
      let s = await fwk.runPreBindPlugins(state, assumedPod, host, this.runSignal);
      if (isSuccess(s)) s = await fwk.runBindPlugins(state, assumedPod, host);
      if (isSuccess(s)) {
        this.cache.finishBinding(uid);
        this.stats.bound++;
        this.queue.done(uid);
        this.o.recorder.event(pod, 'Normal', 'Scheduled', `Successfully assigned ${pod.metadata?.namespace}/${pod.metadata?.name} to ${host}`);
        return;
      }
      // PreBind or the binding failed: the pod leaves the node it was assumed on, and what it held is free again.
      fwk.runUnreservePlugins(state, assumed, host);
      this.cache.forgetPod(uid);
      this.queue.moveAllToActiveOrBackoffQueue('AssignedPod/Delete');
      this.stats.errors++;
      await this.handleFailure(fwk, qpi, s!, s!.message(), cycle, new Set(), undefined, true);
    });
  }

  /**
   * Upstream's handleSchedulingFailure: back to the queue (unless the pod is gone or already
   * bound), the nomination kept or changed, a FailedScheduling event, and the PodScheduled=False
   * condition (reason Unschedulable, or SchedulerError for an error) with the same message.
   */
  private async handleFailure(
    _fwk: Framework, qpi: QueuedPodInfo, status: Status, message: string, cycle: number,
    unschedulablePlugins: Set<string>, nominatedNodeName: string | undefined, fromBinding = false,
  ): Promise<void> {
    const pod = qpi.podInfo.pod;
    const uid = qpi.podInfo.uid;
    const current = this.o.informers.pods.getByName(pod.metadata?.namespace ?? '', pod.metadata?.name ?? '');
    if (!current || current.metadata?.uid !== uid) {
      this.queue.done(uid);
      return;
    }
    if (current.spec?.nodeName) {
      this.queue.done(uid);
      return;
    }
    if (current !== pod) qpi.podInfo = new PodInfo(current);
    // Until the status write lands, the queued copy carries the nomination, so that the next
    // attempt tries that node first and waits for its victims rather than preempting again.
    if (nominatedNodeName !== undefined && (current.status?.nominatedNodeName ?? '') !== nominatedNodeName) {
      qpi.podInfo = qpi.podInfo.withPod({ ...current, status: { ...current.status, nominatedNodeName: nominatedNodeName || undefined } });
    }
    qpi.unschedulablePlugins = unschedulablePlugins;
    this.queue.addUnschedulableIfNotPresent(qpi, cycle, { error: !status.isRejected() });
    if (nominatedNodeName === '') this.queue.nominator.delete(uid);
    else if (nominatedNodeName) this.queue.nominator.add(qpi.podInfo, nominatedNodeName);
    const msg = truncate(message);
    this.o.recorder.event(current, 'Warning', 'FailedScheduling', msg);
    const reason = status.isRejected() ? 'Unschedulable' : 'SchedulerError';
    const work = () => this.updatePodStatus(current, { type: 'PodScheduled', status: 'False', reason, message: msg }, nominatedNodeName);
    // From a binding we already hold a slot; otherwise take one so status writes stay bounded.
    if (fromBinding) await work();
    else await this.limiter.run(work);
  }

  /** Upstream's updatePod: a status patch only when the condition or the nomination changes. */
  private async updatePodStatus(pod: V1Pod, condition: V1PodCondition, nominatedNodeName: string | undefined): Promise<void> {
    const old = pod.status?.conditions?.find((c) => c.type === condition.type);
    const conditionChanged = !old || old.status !== condition.status || (old.reason ?? '') !== (condition.reason ?? '') || (old.message ?? '') !== (condition.message ?? '');
    const nominationChanged = nominatedNodeName !== undefined && (pod.status?.nominatedNodeName ?? '') !== nominatedNodeName;
    if (!conditionChanged && !nominationChanged) return;
    const status: Record<string, unknown> = {};
    if (conditionChanged) {
      const transition = !old || old.status !== condition.status ? new Date(Math.floor(this.now() / 1000) * 1000) : old.lastTransitionTime;
      status.conditions = [{
        type: condition.type, status: condition.status, lastProbeTime: null,
        lastTransitionTime: transition ? new Date(transition).toISOString().replace(/\.\d{3}Z$/, 'Z') : null,
        reason: condition.reason, message: condition.message,
      }];
    }
    if (nominationChanged) status.nominatedNodeName = nominatedNodeName || null;
    await this.patchStatus(pod, status);
  }

  private async patchStatus(pod: V1Pod, status: Record<string, unknown>): Promise<void> {
    try {
      await this.o.rest.patch(podsResource, pod.metadata?.namespace ?? '', pod.metadata?.name ?? '', { status }, { type: 'strategic', subresource: 'status' });
    } catch (e) {
      if (!isNotFound(e)) this.log(`scheduler: updating the status of pod ${pod.metadata?.namespace}/${pod.metadata?.name}: ${(e as Error)?.message ?? String(e)}`);
    }
  }

  /** Preemption's API side: DisruptionTarget, delete, event; and clearing nominations. */
  private preemptionActions(): PreemptionActions {
    return {
      preemptPod: async (victim, preemptor, nodeName) => {
        const ns = victim.metadata?.namespace ?? '';
        const name = victim.metadata?.name ?? '';
        const has = victim.status?.conditions?.some((c) => c.type === 'DisruptionTarget' && c.status === 'True' && c.reason === 'PreemptionByScheduler');
        if (!has) {
          await this.patchStatus(victim, {
            conditions: [{
              type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler',
              message: `${preemptor.spec?.schedulerName || DEFAULT_SCHEDULER_NAME}: preempting to accommodate a higher priority pod`,
              lastTransitionTime: new Date(Math.floor(this.now() / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
            }],
          });
        }
        try {
          await this.o.rest.delete(podsResource, ns, name, victim.metadata?.uid ? { preconditions: { uid: victim.metadata.uid } } : {});
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
        this.o.recorder.event(victim, 'Normal', 'Preempted', `Preempted by pod ${preemptor.metadata?.uid ?? ''} on node ${nodeName}`);
      },
      clearNominatedNodeName: async (pods) => {
        await Promise.all(pods.map(async (p) => {
          this.queue.nominator.delete(p.metadata?.uid ?? '');
          if (p.status?.nominatedNodeName) await this.patchStatus(p, { nominatedNodeName: null });
        }));
      },
    };
  }

  /** Waits for bindings and status writes under way (tests, benchmarks). */
  async idle(): Promise<void> {
    await this.limiter.drain();
  }
}
