// Pod status: what the kubelet reports for a pod, computed purely from the pod, what the runtime
// holds for it and the time (upstream's generateAPIPodStatus, convertToAPIContainerStatuses,
// getPhase and status/generate.go), and the status manager, the only writer of pods/status here
// (upstream's status manager: a strategic merge patch of the status, only when it changed, with
// the pod's UID as precondition; the final DELETE of a pod whose containers have all stopped).
import type {
  V1Container, V1ContainerState, V1ContainerStateTerminated, V1ContainerStatus, V1Pod, V1PodCondition, V1PodStatus,
} from '@kubernetes/client-node';
import { encode, isConflict, isNotFound, type RestClient } from '../client/index.ts';
import { pods } from '../client/resources.ts';
import { containerIdString, containersByName, latestSandbox, type RuntimeContainer, type RuntimePod } from './runtime/runtime.ts';
import { shouldRestart, type ContainerWaiting } from './sync.ts';
import type { Limiter } from './limiter.ts';

/** Condition types the kubelet owns (upstream's PodConditionByKubelet), in the order it writes them. */
export const KUBELET_CONDITIONS = ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'] as const;

/** metav1.Time carries whole seconds. */
export const toTime = (ms: number): Date => new Date(Math.floor(ms / 1000) * 1000);

const isTerminalPhase = (p: string | undefined) => p === 'Succeeded' || p === 'Failed';

export interface PodStatusInput {
  pod: V1Pod;
  /** The status to build on: the last one written, else the pod's own. */
  oldStatus: V1PodStatus | undefined;
  runtimePod: RuntimePod | undefined;
  /** The runtime's name, for container IDs ("fake://…"). */
  runtimeName: string;
  /** Containers held back, by name (CrashLoopBackOff, image errors). */
  waiting: Readonly<Record<string, ContainerWaiting>>;
  /** The kubelet decided no container will run again (upstream's podIsTerminal). */
  podIsTerminal: boolean;
  /** The kubelet ends the pod itself (upstream's ShouldEvict): Failed with this reason. */
  evicted?: { reason: string; message: string };
  /** The node's addresses; the first is status.hostIP. */
  hostIPs: string[];
  now: number;
  /**
   * What the probes say of running container instances, by container ID (the prober manager's
   * UpdatePodStatus). A running instance without an entry is started and ready.
   */
  probes?: Readonly<Record<string, { started: boolean; ready: boolean }>>;
}

const isRestartableInit = (c: V1Container) => c.restartPolicy === 'Always';

/** Upstream's getPhase, sidecars (restartable init containers) included. */
export function getPhase(pod: V1Pod, statuses: { init: V1ContainerStatus[]; app: V1ContainerStatus[] }, podIsTerminal: boolean): string {
  const spec = pod.spec ?? { containers: [] };
  const find = (list: V1ContainerStatus[], name: string) => list.find((s) => s.name === name);
  let pendingInit = 0;
  let pendingSidecars = 0;
  let failedInit = 0;
  let unknown = 0, running = 0, waiting = 0, stopped = 0, succeeded = 0;
  for (const c of spec.initContainers ?? []) {
    const s = find(statuses.init, c.name);
    if (isRestartableInit(c)) {
      // A sidecar counts as running; one not started yet holds the pod Pending, an ended one is ignored.
      if (!s) { unknown++; continue; }
      if (s.state?.running) { if (!s.started) pendingSidecars++; running++; }
      else if (s.state?.terminated) { /* ignored */ }
      else if (s.state?.waiting) { if (!s.lastState?.terminated) pendingSidecars++; }
      else { pendingSidecars++; unknown++; }
      continue;
    }
    if (!s) { pendingInit++; continue; }
    if (s.state?.running) pendingInit++;
    else if (s.state?.terminated) { if (s.state.terminated.exitCode !== 0) failedInit++; }
    else if (s.state?.waiting) {
      if (s.lastState?.terminated) { if (s.lastState.terminated.exitCode !== 0) failedInit++; }
      else pendingInit++;
    } else pendingInit++;
  }
  for (const c of spec.containers) {
    const s = find(statuses.app, c.name);
    if (!s) { unknown++; continue; }
    if (s.state?.running) running++;
    else if (s.state?.terminated) { stopped++; if (s.state.terminated.exitCode === 0) succeeded++; }
    else if (s.state?.waiting) { if (s.lastState?.terminated) stopped++; else waiting++; }
    else unknown++;
  }
  const restartPolicy = spec.restartPolicy ?? 'Always';
  if (failedInit > 0 && restartPolicy === 'Never') return 'Failed';
  const appStarted = anyRegularContainerStarted(statuses.app);
  if (((pendingInit > 0 || pendingSidecars > 0) && !appStarted) || waiting > 0) return 'Pending';
  if (running > 0 && unknown === 0) return 'Running';
  if (running === 0 && stopped > 0 && unknown === 0) {
    if (podIsTerminal) return stopped === succeeded ? 'Succeeded' : 'Failed';
    if (restartPolicy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (restartPolicy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

/** Upstream's HasAnyRegularContainerStarted: some app container is running or has run. */
function anyRegularContainerStarted(app: V1ContainerStatus[]): boolean {
  return app.some((s) => s.state?.running || s.state?.terminated || s.lastState?.terminated);
}

function terminatedOf(c: RuntimeContainer, cid: string): V1ContainerStateTerminated {
  return {
    exitCode: c.exitCode ?? 0,
    reason: c.reason ?? ((c.exitCode ?? 0) === 0 ? 'Completed' : 'Error'),
    ...(c.message ? { message: c.message } : {}),
    startedAt: toTime(c.startedAt ?? c.createdAt),
    finishedAt: toTime(c.finishedAt ?? c.startedAt ?? c.createdAt),
    containerID: cid,
  };
}

function containerStatuses(
  containers: V1Container[], isInit: boolean, input: PodStatusInput, byName: Map<string, RuntimeContainer[]>,
  oldStatuses: V1ContainerStatus[] | undefined,
): V1ContainerStatus[] {
  const { pod } = input;
  const hasInit = (pod.spec?.initContainers ?? []).length > 0;
  const defaultWaiting = hasInit ? 'PodInitializing' : 'ContainerCreating';
  const out: V1ContainerStatus[] = [];
  for (const c of containers) {
    const old = oldStatuses?.find((s) => s.name === c.name);
    const [latest, previous] = byName.get(c.name) ?? [];
    let st: V1ContainerStatus;
    if (!latest) {
      if (old?.state?.terminated) {
        // Reported as ended before and gone from the runtime since: what was reported stands.
        st = structuredClone(old);
      } else {
        st = {
          name: c.name, image: c.image ?? '', imageID: '', ready: false, restartCount: old?.restartCount ?? 0, started: false,
          state: { waiting: { reason: defaultWaiting } }, lastState: old?.lastState ? structuredClone(old.lastState) : {},
        };
        if (old?.state?.running && !st.lastState?.terminated) {
          // It ran and the runtime lost it (upstream: ContainerStatusUnknown).
          st.lastState = { terminated: { exitCode: 137, reason: 'ContainerStatusUnknown', message: 'The container could not be located when the pod was deleted.  The container used to be Running' } };
          if (!pod.metadata?.deletionTimestamp) st.restartCount++;
        }
      }
    } else {
      const cid = containerIdString(input.runtimeName, latest.id);
      let state: V1ContainerState;
      if (latest.state === 'running') state = { running: { startedAt: toTime(latest.startedAt ?? latest.createdAt) } };
      else if (latest.state === 'exited') state = { terminated: terminatedOf(latest, cid) };
      else state = { waiting: {} };
      st = {
        name: c.name, image: c.image ?? latest.image, imageID: latest.imageRef, containerID: cid, ready: false,
        restartCount: latest.attempt, started: false, state,
        lastState: previous?.state === 'exited'
          ? { terminated: terminatedOf(previous, containerIdString(input.runtimeName, previous.id)) }
          : (old?.lastState ? structuredClone(old.lastState) : {}),
      };
    }
    const waiting = input.waiting[c.name];
    // A waiting reason is shown only for a container that will run again (upstream applies its
    // reasonCache only to containers that should be restarted).
    const term = st.state?.terminated;
    const ended = term && (isInit ? !isRestartableInit(c) && term.exitCode === 0 : input.podIsTerminal || !shouldRestart(pod.spec?.restartPolicy, term.exitCode));
    if (waiting && !ended) {
      if (st.state?.terminated) st.lastState = st.state;
      st.state = { waiting: { reason: waiting.reason, ...(waiting.message ? { message: waiting.message } : {}) } };
    }
    // A running instance is started and ready unless its probes say otherwise; a regular init
    // container is ready once it succeeded.
    const probed = st.state?.running && latest ? input.probes?.[latest.id] : undefined;
    st.started = !!st.state?.running && (probed?.started ?? true);
    if (isInit && !isRestartableInit(c)) st.ready = st.state?.terminated?.exitCode === 0;
    else st.ready = !!st.state?.running && (probed ? probed.started && probed.ready : true);
    out.push(st);
  }
  // Upstream sorts app container statuses by name; init containers keep the spec's order.
  if (!isInit) out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return out;
}

type Condition = Pick<V1PodCondition, 'type' | 'status' | 'reason' | 'message'>;

const goList = (names: string[]) => `[${names.join(' ')}]`;

function containersReadyCondition(pod: V1Pod, init: V1ContainerStatus[], app: V1ContainerStatus[], phase: string): Condition {
  if (phase === 'Succeeded') return { type: 'ContainersReady', status: 'False', reason: 'PodCompleted' };
  if (phase === 'Failed') return { type: 'ContainersReady', status: 'False', reason: 'PodFailed' };
  const unknown: string[] = [];
  const unready: string[] = [];
  // Sidecars must be ready too, and are named first (upstream's GenerateContainersReadyCondition).
  const sidecars = (pod.spec?.initContainers ?? []).filter(isRestartableInit);
  for (const c of [...sidecars, ...(pod.spec?.containers ?? [])]) {
    const s = (sidecars.includes(c) ? init : app).find((x) => x.name === c.name);
    if (!s) unknown.push(c.name);
    else if (!s.ready) unready.push(c.name);
  }
  const msgs: string[] = [];
  if (unknown.length) msgs.push(`containers with unknown status: ${goList(unknown)}`);
  if (unready.length) msgs.push(`containers with unready status: ${goList(unready)}`);
  if (msgs.length) return { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message: msgs.join(', ') };
  return { type: 'ContainersReady', status: 'True' };
}

function readyCondition(pod: V1Pod, containersReady: Condition, others: V1PodCondition[]): Condition {
  if (containersReady.status !== 'True') return { ...containersReady, type: 'Ready' };
  const msgs: string[] = [];
  for (const gate of pod.spec?.readinessGates ?? []) {
    const c = others.find((x) => x.type === gate.conditionType);
    if (!c) msgs.push(`corresponding condition of pod readiness gate "${gate.conditionType}" does not exist.`);
    else if (c.status !== 'True') msgs.push(`the status of pod readiness gate "${gate.conditionType}" is not "True", but ${c.status}`);
  }
  if (msgs.length) return { type: 'Ready', status: 'False', reason: 'ReadinessGatesNotReady', message: msgs.join(', ') };
  return { type: 'Ready', status: 'True' };
}

function initializedCondition(pod: V1Pod, init: V1ContainerStatus[], app: V1ContainerStatus[], phase: string): Condition {
  const incomplete: string[] = [];
  for (const c of pod.spec?.initContainers ?? []) {
    const s = init.find((x) => x.name === c.name);
    // A sidecar has done its part once started; a regular init container once it succeeded.
    const done = isRestartableInit(c) ? !!s?.started : !!s?.ready;
    if (!done) incomplete.push(c.name);
  }
  if (phase === 'Succeeded' && (pod.spec?.initContainers ?? []).length > 0) return { type: 'Initialized', status: 'True', reason: 'PodCompleted' };
  if (anyRegularContainerStarted(app) || incomplete.length === 0) return { type: 'Initialized', status: 'True' };
  return { type: 'Initialized', status: 'False', reason: 'ContainersNotInitialized', message: `containers with incomplete status: ${goList(incomplete)}` };
}

/** The pod status the kubelet reports (upstream's generateAPIPodStatus plus the status manager's merge). */
export function generatePodStatus(input: PodStatusInput): V1PodStatus {
  const { pod, runtimePod, now } = input;
  const old = input.oldStatus ?? {};
  const byName = containersByName(runtimePod?.containers ?? []);
  const init = containerStatuses(pod.spec?.initContainers ?? [], true, input, byName, old.initContainerStatuses);
  const app = containerStatuses(pod.spec?.containers ?? [], false, input, byName, old.containerStatuses);

  let phase = getPhase(pod, { init, app }, input.podIsTerminal);
  // No way back from an end (upstream refuses such transitions).
  if (!isTerminalPhase(phase)) {
    if (isTerminalPhase(old.phase)) phase = old.phase!;
    else if (isTerminalPhase(pod.status?.phase)) phase = pod.status!.phase!;
  }

  if (input.evicted) phase = 'Failed';

  const sandbox = latestSandbox(runtimePod);
  const ready = sandbox?.state === 'ready' ? sandbox : undefined;
  const others = (pod.status?.conditions ?? []).filter((c) => !(KUBELET_CONDITIONS as readonly string[]).includes(c.type));
  const containersReady = containersReadyCondition(pod, init, app, phase);
  const generated: Condition[] = [
    { type: 'PodReadyToStartContainers', status: ready ? 'True' : 'False' },
    initializedCondition(pod, init, app, phase),
    readyCondition(pod, containersReady, others),
    containersReady,
    { type: 'PodScheduled', status: 'True' },
  ];
  const previous = [...(pod.status?.conditions ?? []), ...(old.conditions ?? [])];
  const conditions: V1PodCondition[] = [...others.map((c) => structuredClone(c))];
  for (const g of generated) {
    // The transition time moves only when the status does (upstream's updateLastTransitionTime).
    const prior = [...previous].reverse().find((c) => c.type === g.type);
    const lastTransitionTime = prior && prior.status === g.status && prior.lastTransitionTime ? new Date(prior.lastTransitionTime) : toTime(now);
    conditions.push({
      type: g.type, status: g.status, lastTransitionTime,
      ...(g.reason ? { reason: g.reason } : {}), ...(g.message ? { message: g.message } : {}),
    });
  }

  const status: V1PodStatus = { phase, conditions };
  if (input.evicted) {
    status.reason = input.evicted.reason;
    status.message = input.evicted.message;
  } else if (phase === old.phase) {
    if (old.reason) status.reason = old.reason;
    if (old.message) status.message = old.message;
  }
  if (input.hostIPs.length) {
    status.hostIP = input.hostIPs[0];
    status.hostIPs = input.hostIPs.map((ip) => ({ ip }));
  }
  let podIPs = ready ? (ready.hostNetwork || pod.spec?.hostNetwork ? input.hostIPs : ready.ips) : [];
  // Once given, a pod keeps its address in its status after its sandbox is gone.
  if (podIPs.length === 0 && old.podIPs?.length) podIPs = old.podIPs.map((p) => p.ip);
  if (podIPs.length) {
    status.podIP = podIPs[0];
    status.podIPs = podIPs.map((ip) => ({ ip }));
  }
  status.startTime = old.startTime ? new Date(old.startTime) : toTime(now);
  if (old.qosClass) status.qosClass = old.qosClass;
  if ((pod.spec?.initContainers ?? []).length) status.initContainerStatuses = init;
  status.containerStatuses = app;
  return status;
}

// ---- writing ----

/** A value as the wire carries it, with RFC 3339 times in whole seconds. */
export function wireOf(value: unknown, model: string): unknown {
  const fix = (v: unknown): unknown => {
    if (typeof v === 'string') return /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$/.test(v) ? v.replace(/\.\d+Z$/, 'Z') : v;
    if (Array.isArray(v)) return v.map(fix);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fix(x)]));
    return v;
  };
  return fix(encode(value, model));
}

/** Sorted keys, no null / undefined / empty values: two statuses that mean the same compare equal. */
export function canonical(value: unknown): string {
  const norm = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(norm);
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) {
        const x = norm((v as Record<string, unknown>)[k]);
        if (x === null || x === undefined || x === '') continue;
        if (typeof x === 'object' && !Array.isArray(x) && Object.keys(x).length === 0) continue;
        out[k] = x;
      }
      return out;
    }
    return v;
  };
  return JSON.stringify(norm(value));
}

/** The parts of a status the kubelet writes, on the wire. */
function ownedWire(status: V1PodStatus | undefined): Record<string, unknown> {
  const w = (status ? wireOf(status, 'V1PodStatus') : {}) as Record<string, unknown>;
  // Upstream's conditions carry `lastProbeTime: null` (a Go zero time).
  const conditions = ((w.conditions as Array<{ type: string }> | undefined) ?? [])
    .filter((c) => (KUBELET_CONDITIONS as readonly string[]).includes(c.type))
    .map((c) => ({ lastProbeTime: null, ...c }));
  return {
    phase: w.phase, reason: w.reason, message: w.message, conditions, hostIP: w.hostIP, hostIPs: w.hostIPs, podIP: w.podIP, podIPs: w.podIPs,
    startTime: w.startTime, containerStatuses: w.containerStatuses, initContainerStatuses: w.initContainerStatuses,
  };
}

interface Written { canonical: string; status: V1PodStatus; resourceVersion: bigint }

const rvOf = (pod: V1Pod) => {
  try { return BigInt(pod.metadata?.resourceVersion ?? '0'); } catch { return 0n; }
};

/**
 * The only writer of pods/status. A status goes out when it differs from what the API shows,
 * unless it is what this manager last wrote and nobody wrote since (the informer is behind).
 */
export class PodStatusManager {
  private readonly written = new Map<string, Written>();

  constructor(private readonly rest: RestClient, private readonly limiter: Limiter) {}

  /** The last status written for the pod, the base of the next one. */
  cached(uid: string): V1PodStatus | undefined {
    return this.written.get(uid)?.status;
  }

  /** Writes `status` if it changes what the API holds; false if the pod is gone or was replaced. */
  async setStatus(pod: V1Pod, status: V1PodStatus, signal?: AbortSignal): Promise<boolean> {
    const uid = pod.metadata?.uid ?? '';
    const next = ownedWire(status);
    const nextCanonical = canonical(next);
    if (nextCanonical === canonical(ownedWire(pod.status))) return true;
    const last = this.written.get(uid);
    if (last && last.canonical === nextCanonical && rvOf(pod) <= last.resourceVersion) return true;
    const body: Record<string, unknown> = Object.fromEntries(Object.entries(next).filter(([, v]) => v !== undefined));
    const ours = (next.conditions as Array<{ type: string }>).map((c) => c.type);
    if (ours.length) {
      // Conditions merge by type; the order puts others' conditions first, then the kubelet's.
      const others = (pod.status?.conditions ?? []).map((c) => c.type).filter((t) => !ours.includes(t));
      body['$setElementOrder/conditions'] = [...others, ...ours].map((type) => ({ type }));
    } else delete body.conditions;
    const patch = { metadata: { uid }, status: body };
    try {
      const updated = await this.limiter.run(() => this.rest.patch(pods, pod.metadata!.namespace!, pod.metadata!.name!, patch, { type: 'strategic', subresource: 'status', signal }));
      if (updated.metadata?.uid !== uid) return false;
      this.written.set(uid, { canonical: nextCanonical, status, resourceVersion: rvOf(updated) });
      return true;
    } catch (e) {
      // Gone, or replaced by a pod of the same name (the UID in the patch no longer matches).
      if (isNotFound(e) || isConflict(e) || (e as { code?: number }).code === 422) return false;
      throw e;
    }
  }

  /**
   * Removes the API object of a pod whose containers have all stopped (upstream: grace period 0,
   * the pod's UID as precondition, so that a new pod of the same name is never touched).
   */
  async deletePod(pod: V1Pod, signal?: AbortSignal): Promise<void> {
    const uid = pod.metadata?.uid ?? '';
    try {
      await this.limiter.run(() => this.rest.delete(pods, pod.metadata!.namespace!, pod.metadata!.name!, { gracePeriodSeconds: 0, preconditions: { uid } }, { signal }));
    } catch (e) {
      if (isNotFound(e) || isConflict(e)) return;
      throw e;
    }
  }

  forget(uid: string): void {
    this.written.delete(uid);
  }
}
