// The scheduling queue (upstream's PriorityQueue, pkg/scheduler/backend/queue): pods waiting to be
// scheduled, in three places. activeQ: a heap, highest priority first, then the earliest added
// (PrioritySort). backoffQ: pods that failed and wait out a back-off of 1 s doubling to 10 s per
// attempt. unschedulablePods: pods no node fits; a cluster event that one of the plugins that
// rejected a pod registered (a node added or changed, an assigned pod deleted, …) moves it back,
// and any left there 5 minutes are flushed back regardless. It also holds the nominator: which
// pods preemption nominated to which node.
import type { V1Pod } from '@kubernetes/client-node';
import type { ClusterEvent, Status } from './framework.ts';
import { Heap } from './heap.ts';
import { PodInfo } from './nodeinfo.ts';

export interface QueuedPodInfo {
  podInfo: PodInfo;
  /** When the pod was added or last failed: orders activeQ among equal priorities, and starts its back-off. */
  timestamp: number;
  /** Scheduling attempts so far; the back-off doubles with each. */
  attempts: number;
  initialAttemptTimestamp?: number;
  /** Plugins that rejected it in its last attempt: only their events move it back. */
  unschedulablePlugins: Set<string>;
  /** The PreEnqueue plugin holding it back (scheduling gates), if any. */
  gatingPlugin?: string;
}

export interface SchedulingQueueOptions {
  now?: () => number;
  /** Upstream's podInitialBackoffSeconds (1) and podMaxBackoffSeconds (10). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Upstream's podMaxInUnschedulablePodsDuration: 5 minutes. */
  maxInUnschedulableMs?: number;
  /** How often unschedulable pods are checked against that limit (upstream: every 30 s). */
  unschedulableFlushIntervalMs?: number;
  /** A PreEnqueue check: a status means the pod may not enter activeQ yet. */
  preEnqueue?: (pod: V1Pod) => Status | undefined;
  /** Plugin name → the events it registered (Framework.eventsByPlugin()). */
  pluginEvents?: Map<string, Set<ClusterEvent>>;
}

const keyOf = (pod: V1Pod) => pod.metadata?.uid ?? `${pod.metadata?.namespace}/${pod.metadata?.name}`;

const NONE: readonly PodInfo[] = Object.freeze([]);

/** Pods nominated to nodes by preemption (upstream's nominator). */
export class Nominator {
  private readonly byNode = new Map<string, PodInfo[]>();
  private readonly nodeOf = new Map<string, string>();

  add(pi: PodInfo, nodeName: string): void {
    this.delete(pi.uid);
    if (!nodeName) return;
    this.nodeOf.set(pi.uid, nodeName);
    let list = this.byNode.get(nodeName);
    if (!list) this.byNode.set(nodeName, (list = []));
    list.push(pi);
  }

  delete(uid: string): void {
    const node = this.nodeOf.get(uid);
    if (node === undefined) return;
    this.nodeOf.delete(uid);
    const list = this.byNode.get(node)!.filter((p) => p.uid !== uid);
    if (list.length > 0) this.byNode.set(node, list); else this.byNode.delete(node);
  }

  nodeFor(uid: string): string | undefined {
    return this.nodeOf.get(uid);
  }

  podsForNode(nodeName: string): readonly PodInfo[] {
    // Called for every node a cycle filters: no allocation when none are nominated.
    return this.byNode.get(nodeName) ?? NONE;
  }
}

export class SchedulingQueue {
  readonly nominator = new Nominator();
  private readonly now: () => number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxInUnschedulableMs: number;
  private readonly activeQ = new Heap<QueuedPodInfo>((q) => q.podInfo.uid || q.podInfo.key, (a, b) => {
    // PrioritySort: higher priority first, then the earlier timestamp.
    if (a.podInfo.priority !== b.podInfo.priority) return a.podInfo.priority > b.podInfo.priority;
    return a.timestamp < b.timestamp;
  });
  private readonly backoffQ = new Heap<QueuedPodInfo>((q) => q.podInfo.uid || q.podInfo.key, (a, b) => this.backoffExpiry(a) < this.backoffExpiry(b));
  private readonly unschedulable = new Map<string, QueuedPodInfo>();
  private readonly inFlight = new Map<string, QueuedPodInfo>();
  private readonly waiters: Array<() => void> = [];
  private cycle = 0;
  private moveRequestCycle = -1;
  private closed = false;
  private backoffTimer: NodeJS.Timeout | undefined;
  private backoffTimerAt = Infinity;
  private leftoverTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: SchedulingQueueOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.initialBackoffMs = opts.initialBackoffMs ?? 1_000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 10_000;
    this.maxInUnschedulableMs = opts.maxInUnschedulableMs ?? 5 * 60_000;
  }

  /** Starts the timers: back-off expiry and the periodic flush of long-unschedulable pods. */
  run(signal: AbortSignal): void {
    const interval = this.opts.unschedulableFlushIntervalMs ?? 30_000;
    this.leftoverTimer = setInterval(() => this.flushUnschedulablePodsLeftover(), interval);
    this.leftoverTimer.unref();
    this.armBackoffTimer();
    signal.addEventListener('abort', () => this.close(), { once: true });
  }

  close(): void {
    this.closed = true;
    if (this.backoffTimer) clearTimeout(this.backoffTimer);
    if (this.leftoverTimer) clearInterval(this.leftoverTimer);
    for (const w of this.waiters.splice(0)) w();
  }

  /** The number of pods popped so far (upstream's scheduling cycle). */
  schedulingCycle(): number {
    return this.cycle;
  }

  /** A new pending pod. */
  add(pod: V1Pod): void {
    const qpi: QueuedPodInfo = { podInfo: new PodInfo(pod), timestamp: this.now(), attempts: 0, unschedulablePlugins: new Set() };
    this.updateNominator(qpi.podInfo);
    this.moveToActiveQ(qpi);
  }

  /** A pending pod changed. */
  update(oldPod: V1Pod, newPod: V1Pod): void {
    const key = keyOf(newPod);
    const refresh = (q: QueuedPodInfo) => {
      q.podInfo = new PodInfo(newPod);
      this.updateNominator(q.podInfo);
    };
    const inActive = this.activeQ.get(key);
    if (inActive) { refresh(inActive); this.activeQ.addOrUpdate(inActive); return; }
    const inBackoff = this.backoffQ.get(key);
    if (inBackoff) { refresh(inBackoff); this.backoffQ.addOrUpdate(inBackoff); return; }
    const inUnschedulable = this.unschedulable.get(key);
    if (inUnschedulable) {
      refresh(inUnschedulable);
      // A gated pod is checked again; any other pod moves on when its spec or labels changed.
      if (inUnschedulable.gatingPlugin || specOrMetaChanged(oldPod, newPod)) {
        this.unschedulable.delete(key);
        if (this.isBackingOff(inUnschedulable)) {
          this.backoffQ.addOrUpdate(inUnschedulable);
          this.armBackoffTimer();
        } else {
          this.moveToActiveQ(inUnschedulable);
        }
      }
      return;
    }
    const flying = this.inFlight.get(key);
    if (flying) {
      // Being scheduled: the failure handler re-reads the pod; a change sends it to back-off, not unschedulable.
      this.updateNominator(new PodInfo(newPod));
      if (specOrMetaChanged(oldPod, newPod)) this.moveRequestCycle = this.cycle;
      return;
    }
    this.add(newPod);
  }

  delete(pod: V1Pod): void {
    const key = keyOf(pod);
    this.activeQ.delete(key);
    this.backoffQ.delete(key);
    this.unschedulable.delete(key);
    this.nominator.delete(pod.metadata?.uid ?? '');
  }

  /** Waits for the highest-priority active pod; undefined once the queue is closed. */
  async pop(): Promise<QueuedPodInfo | undefined> {
    while (this.activeQ.size === 0) {
      if (this.closed) return undefined;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    if (this.closed) return undefined;
    const qpi = this.activeQ.pop()!;
    this.cycle++;
    qpi.attempts++;
    qpi.initialAttemptTimestamp ??= this.now();
    this.inFlight.set(qpi.podInfo.uid || qpi.podInfo.key, qpi);
    return qpi;
  }

  /** The pod's scheduling attempt is over (bound, or handed back to the queue). */
  done(uid: string): void {
    this.inFlight.delete(uid);
  }

  /**
   * A pod whose attempt failed comes back: to back-off if the attempt erred, if no plugin said
   * why, or if a cluster event arrived while it was being scheduled (the event may have fixed
   * it); otherwise to the unschedulable pods.
   */
  addUnschedulableIfNotPresent(qpi: QueuedPodInfo, podSchedulingCycle: number, opts: { error?: boolean } = {}): void {
    const key = qpi.podInfo.uid || qpi.podInfo.key;
    this.inFlight.delete(key);
    if (this.activeQ.has(key) || this.backoffQ.has(key) || this.unschedulable.has(key)) return;
    qpi.timestamp = this.now();
    this.updateNominator(qpi.podInfo);
    if (opts.error || qpi.unschedulablePlugins.size === 0 || this.moveRequestCycle >= podSchedulingCycle) {
      this.backoffQ.addOrUpdate(qpi);
      this.armBackoffTimer();
    } else {
      this.unschedulable.set(key, qpi);
    }
  }

  /**
   * A cluster event: unschedulable pods that a plugin registered for it rejected go back to
   * activeQ (or backoffQ while their back-off lasts). Gated pods wait for their own update.
   */
  moveAllToActiveOrBackoffQueue(event: ClusterEvent | 'UnschedulableTimeout' | 'ForceActivate'): void {
    this.moveRequestCycle = this.cycle;
    if (this.unschedulable.size === 0) return;
    const events = this.opts.pluginEvents;
    for (const [key, qpi] of [...this.unschedulable]) {
      if (qpi.gatingPlugin) continue;
      if (event !== 'UnschedulableTimeout' && event !== 'ForceActivate' && events && qpi.unschedulablePlugins.size > 0) {
        let relevant = false;
        for (const p of qpi.unschedulablePlugins) if (events.get(p)?.has(event)) { relevant = true; break; }
        if (!relevant) continue;
      }
      this.unschedulable.delete(key);
      if (this.isBackingOff(qpi)) {
        this.backoffQ.addOrUpdate(qpi);
      } else {
        this.activeQ.addOrUpdate(qpi);
      }
    }
    this.armBackoffTimer();
    this.wake();
  }

  /** Moves pods whose back-off has ended to activeQ (upstream runs this every second; we arm a timer for the next expiry). */
  flushBackoffQCompleted(): void {
    const now = this.now();
    let moved = false;
    for (;;) {
      const top = this.backoffQ.peek();
      if (!top || this.backoffExpiry(top) > now) break;
      this.backoffQ.pop();
      this.activeQ.addOrUpdate(top);
      moved = true;
    }
    if (moved) this.wake();
    this.armBackoffTimer();
  }

  /** Pods unschedulable for longer than the limit go back to be tried again. */
  flushUnschedulablePodsLeftover(): void {
    const now = this.now();
    for (const [key, qpi] of [...this.unschedulable]) {
      if (qpi.gatingPlugin) continue;
      if (now - qpi.timestamp <= this.maxInUnschedulableMs) continue;
      this.unschedulable.delete(key);
      if (this.isBackingOff(qpi)) this.backoffQ.addOrUpdate(qpi); else this.activeQ.addOrUpdate(qpi);
    }
    this.armBackoffTimer();
    this.wake();
  }

  /** Back-off: none before the first attempt, then initial × 2^(attempts−1), at most the maximum. */
  backoffDuration(qpi: QueuedPodInfo): number {
    if (qpi.attempts === 0) return 0;
    let d = this.initialBackoffMs;
    for (let i = 1; i < qpi.attempts; i++) {
      if (d > this.maxBackoffMs - d) return this.maxBackoffMs;
      d += d;
    }
    return Math.min(d, this.maxBackoffMs);
  }

  private backoffExpiry(qpi: QueuedPodInfo): number {
    return qpi.timestamp + this.backoffDuration(qpi);
  }

  private isBackingOff(qpi: QueuedPodInfo): boolean {
    return this.backoffExpiry(qpi) > this.now();
  }

  /** Where the pod is, for tests and metrics. */
  where(pod: V1Pod): 'active' | 'backoff' | 'unschedulable' | 'inFlight' | undefined {
    const key = keyOf(pod);
    if (this.activeQ.has(key)) return 'active';
    if (this.backoffQ.has(key)) return 'backoff';
    if (this.unschedulable.has(key)) return 'unschedulable';
    if (this.inFlight.has(key)) return 'inFlight';
    return undefined;
  }

  /** Pods waiting, per place. */
  counts(): { active: number; backoff: number; unschedulable: number; inFlight: number } {
    return { active: this.activeQ.size, backoff: this.backoffQ.size, unschedulable: this.unschedulable.size, inFlight: this.inFlight.size };
  }

  /** The pod enters activeQ unless a PreEnqueue plugin holds it (then it waits, gated, with the unschedulable pods). */
  private moveToActiveQ(qpi: QueuedPodInfo): void {
    const key = qpi.podInfo.uid || qpi.podInfo.key;
    const gate = this.opts.preEnqueue?.(qpi.podInfo.pod);
    if (gate) {
      qpi.gatingPlugin = gate.plugin || 'PreEnqueue';
      this.unschedulable.set(key, qpi);
      return;
    }
    qpi.gatingPlugin = undefined;
    this.activeQ.addOrUpdate(qpi);
    this.wake();
  }

  private updateNominator(pi: PodInfo): void {
    // The pod's status names its node; without one, a nomination this scheduler made (whose status
    // write may still be under way) is kept, with the newer pod. Clearing is explicit.
    const node = pi.pod.status?.nominatedNodeName || this.nominator.nodeFor(pi.uid);
    if (node) this.nominator.add(pi, node);
  }

  private wake(): void {
    if (this.activeQ.size === 0) return;
    for (const w of this.waiters.splice(0)) w();
  }

  private armBackoffTimer(): void {
    if (this.closed) return;
    const top = this.backoffQ.peek();
    const at = top ? this.backoffExpiry(top) : Infinity;
    if (at === this.backoffTimerAt) return;
    if (this.backoffTimer) clearTimeout(this.backoffTimer);
    this.backoffTimer = undefined;
    this.backoffTimerAt = at;
    if (at === Infinity) return;
    this.backoffTimer = setTimeout(() => {
      this.backoffTimerAt = Infinity;
      this.flushBackoffQCompleted();
    }, Math.max(0, at - this.now()));
    this.backoffTimer.unref();
  }
}

/** Upstream's isPodUpdated: a change beyond status, resourceVersion, generation and managedFields. */
export function specOrMetaChanged(oldPod: V1Pod, newPod: V1Pod): boolean {
  const strip = (p: V1Pod) => {
    const { resourceVersion: _rv, generation: _g, managedFields: _m, ...meta } = p.metadata ?? {};
    return JSON.stringify([meta, p.spec]);
  };
  return strip(oldPod) !== strip(newPod);
}
