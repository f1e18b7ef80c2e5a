// What the kubelet must do to one pod, as a pure function of its spec, what the runtime holds for
// it, the restart back-off and the time (upstream's kubeGenericRuntimeManager.computePodActions,
// with the back-off of doBackOff and the restart rules of ShouldContainerBeRestarted). No I/O:
// podworkers.ts carries the actions out.
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { containersByName, latestSandbox, type RuntimeContainer, type RuntimePod } from './runtime/runtime.ts';

/** One container's restart back-off (client-go's flowcontrol.Backoff entry): times in epoch ms. */
export interface BackoffEntry {
  backoffMs: number;
  lastUpdate: number;
}

export interface BackoffConfig {
  /** Upstream's kubelet: 10 s doubling to MaxContainerBackOff, 5 minutes. */
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffConfig = { initialMs: 10_000, maxMs: 300_000 };

/** A back-off is forgotten once the container stayed up for twice the maximum (flowcontrol's hasExpired). */
const expired = (eventTime: number, e: BackoffEntry, cfg: BackoffConfig) => eventTime - e.lastUpdate > 2 * cfg.maxMs;

/** flowcontrol.Backoff.IsInBackOffSince: still waiting after a container that finished at `eventTime`. */
export function inBackoffSince(e: BackoffEntry | undefined, eventTime: number, now: number, cfg: BackoffConfig): boolean {
  if (!e || expired(eventTime, e, cfg)) return false;
  return now - eventTime < e.backoffMs;
}

/** flowcontrol.Backoff.Next: the entry after a restart now, for a container that finished at `eventTime`. */
export function nextBackoff(e: BackoffEntry | undefined, eventTime: number, now: number, cfg: BackoffConfig): BackoffEntry {
  if (!e || expired(eventTime, e, cfg)) return { backoffMs: cfg.initialMs, lastUpdate: now };
  return { backoffMs: Math.min(e.backoffMs * 2, cfg.maxMs), lastUpdate: now };
}

/** A duration as Go's time.Duration.String() prints whole seconds: "10s", "1m20s", "5m0s". */
export function goDuration(ms: number): string {
  let s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  return h > 0 ? `${h}h${m}m${s}s` : `${m}m${s}s`;
}

export interface ContainerStart {
  container: V1Container;
  init: boolean;
  /** The restart count the new container carries. */
  attempt: number;
}

export interface ContainerWaiting {
  reason: string;
  message: string;
}

export interface PodActions {
  /** Stop every running container and ready sandbox of the pod. */
  killPod: boolean;
  createSandbox: boolean;
  /** The attempt number of the sandbox to create. */
  sandboxAttempt: number;
  /** The ready sandbox new containers go into (unset when one is to be created). */
  sandboxId?: string;
  /** In order: at most one init container, or the app containers. */
  containersToStart: ContainerStart[];
  /**
   * Containers to stop, with why (upstream's containersToKill): the message is the Killing event's;
   * `remove` drops a container that never ran (stuck in created), the others keep their exit status.
   */
  containersToKill: Array<{ id: string; name: string; reason: string; message: string; remove: boolean }>;
  /** Exited containers beyond the newest two of each name (upstream's container GC). */
  containersToRemove: string[];
  /** Containers that should run but wait, by name: CrashLoopBackOff (upstream's reasonCache). */
  waiting: Record<string, ContainerWaiting>;
  /** Back-off entries to store, by container name. */
  backoff: Record<string, BackoffEntry>;
  /** No container of the pod will run again: it has reached its end (Succeeded or Failed). */
  podTerminal: boolean;
  /** The kubelet ends the pod itself: Failed, for this reason (activeDeadlineSeconds). */
  evict?: { reason: string; message: string };
  /** Sync again after this long (a back-off ends). */
  requeueAfterMs?: number;
}

export interface PodSyncInput {
  pod: V1Pod;
  runtimePod: RuntimePod | undefined;
  /** The pod's stored back-off entries, by container name. */
  backoff: Readonly<Record<string, BackoffEntry>>;
  now: number;
  backoffConfig?: BackoffConfig;
  /** Running container instances (by ID) that failed their liveness or startup probe (the prober's results). */
  probeFailures?: Readonly<Record<string, 'liveness' | 'startup'>>;
  /** Running container instances (by ID) whose startup probe has not passed yet: a sidecar that is not started holds the next init container. */
  notStarted?: ReadonlySet<string>;
}

/** Upstream's activeDeadlineHandler. */
export const DEADLINE_EXCEEDED = { reason: 'DeadlineExceeded', message: 'Pod was active on the node longer than the specified deadline' };

const isTerminalPhase = (phase: string | undefined) => phase === 'Succeeded' || phase === 'Failed';

/** A sidecar: an init container with restartPolicy Always, started in order and kept running (upstream's IsRestartableInitContainer). */
export const isRestartableInit = (c: V1Container): boolean => c.restartPolicy === 'Always';
const isLive = (c: RuntimeContainer) => c.state === 'running' || c.state === 'created';

/** Upstream's ShouldContainerBeRestarted for a container that exited with `exitCode`. */
export function shouldRestart(restartPolicy: string | undefined, exitCode: number | undefined): boolean {
  if (restartPolicy === 'Never') return false;
  if (restartPolicy === 'OnFailure') return (exitCode ?? 0) !== 0;
  return true;
}

/** upstream's format.Pod: "name_namespace(uid)". */
const podDesc = (pod: V1Pod) => `${pod.metadata?.name ?? ''}_${pod.metadata?.namespace ?? ''}(${pod.metadata?.uid ?? ''})`;

export function computePodActions(input: PodSyncInput): PodActions {
  const { pod, runtimePod, now } = input;
  const cfg = input.backoffConfig ?? DEFAULT_BACKOFF;
  const spec = pod.spec ?? { containers: [] };
  const restartPolicy = spec.restartPolicy ?? 'Always';
  const all = runtimePod?.containers ?? [];
  const byName = containersByName(all);
  const sandbox = latestSandbox(runtimePod);
  const anythingLive = all.some(isLive) || (runtimePod?.sandboxes ?? []).some((s) => s.state === 'ready');

  const actions: PodActions = {
    killPod: false, createSandbox: false, sandboxAttempt: 0, containersToStart: [], containersToKill: [],
    containersToRemove: garbage(byName), waiting: {}, backoff: {}, podTerminal: false,
  };

  // A pod being deleted, or one the API already shows finished, never runs anything again.
  if (pod.metadata?.deletionTimestamp || isTerminalPhase(pod.status?.phase)) {
    actions.killPod = anythingLive;
    actions.podTerminal = true;
    return actions;
  }

  // spec.activeDeadlineSeconds counts from status.startTime; past it the pod is stopped and Failed.
  const deadline = spec.activeDeadlineSeconds;
  const startTime = pod.status?.startTime ? new Date(pod.status.startTime).getTime() : undefined;
  if (deadline !== undefined && deadline !== null && startTime !== undefined && !Number.isNaN(startTime)) {
    const end = startTime + deadline * 1000;
    if (now >= end) {
      actions.killPod = anythingLive;
      actions.podTerminal = true;
      actions.evict = DEADLINE_EXCEEDED;
      return actions;
    }
    actions.requeueAfterMs = end - now;
  }

  /** Starts `c` unless its back-off holds it; a start after an exit takes the next back-off step. */
  const reported = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  const startOrWait = (c: V1Container, init: boolean, last: RuntimeContainer | undefined, backoffFrom: RuntimeContainer | undefined = last) => {
    // A container the runtime lost (a restarted simulated node) continues the reported restart count.
    const seen = reported.find((s) => s.name === c.name && s.containerID);
    const attempt = last ? last.attempt + 1 : seen ? seen.restartCount + 1 : 0;
    if (backoffFrom?.state === 'exited' && backoffFrom.finishedAt !== undefined) {
      last = backoffFrom;
      const entry = input.backoff[c.name];
      if (inBackoffSince(entry, last.finishedAt!, now, cfg)) {
        actions.waiting[c.name] = {
          reason: 'CrashLoopBackOff',
          message: `back-off ${goDuration(entry!.backoffMs)} restarting failed container=${c.name} pod=${podDesc(pod)}`,
        };
        const wait = Math.max(1, last.finishedAt! + entry!.backoffMs - now);
        actions.requeueAfterMs = Math.min(actions.requeueAfterMs ?? Infinity, wait);
        return;
      }
      actions.backoff[c.name] = nextBackoff(entry, last.finishedAt!, now, cfg);
    }
    actions.containersToStart.push({ container: c, init, attempt });
  };

  const initContainers = spec.initContainers ?? [];
  if (!sandbox || sandbox.state !== 'ready') {
    // Upstream: a Never pod whose containers already ran is not given a new sandbox.
    if (restartPolicy === 'Never' && sandbox && all.length > 0) {
      actions.killPod = anythingLive;
      actions.podTerminal = true;
      return actions;
    }
    actions.createSandbox = true;
    actions.sandboxAttempt = sandbox ? sandbox.attempt + 1 : 0;
    actions.killPod = anythingLive;
    if (initContainers.length > 0) {
      const first = initContainers[0]!;
      startOrWait(first, true, byName.get(first.name)?.[0]);
      return actions;
    }
    for (const c of spec.containers) {
      const last = byName.get(c.name)?.[0];
      // A container that already succeeded under OnFailure is done, new sandbox or not.
      if (restartPolicy === 'OnFailure' && last?.state === 'exited' && last.exitCode === 0) continue;
      startOrWait(c, false, last);
    }
    return actions;
  }

  actions.sandboxId = sandbox.id;
  const probeFailures = input.probeFailures ?? {};
  /** The newest exited instance of a container: where its restart back-off counts from. */
  const lastExited = (name: string) => byName.get(name)?.find((c) => c.state === 'exited');
  const kill = (c: RuntimeContainer, message: string, remove = false) => {
    actions.containersToKill.push({ id: c.id, name: c.name, reason: message, message, remove });
  };
  // In this sandbox, init containers run one at a time and in order, until all regular ones have
  // succeeded or any app container exists (then initialisation happened already). Sidecars start
  // in their turn, hold the next init container until they are started, and are kept running.
  const inSandbox = (name: string) => byName.get(name)?.filter((c) => c.sandboxId === sandbox.id) ?? [];
  const initialized = spec.containers.some((c) => inSandbox(c.name).length > 0);
  for (const c of initContainers) {
    const last = inSandbox(c.name)[0];
    const newest = byName.get(c.name)?.[0];
    if (isRestartableInit(c)) {
      if (!last) {
        startOrWait(c, true, newest);
        if (initialized) continue;
        return actions;
      }
      if (last.state === 'running') {
        const failure = probeFailures[last.id];
        if (failure) {
          kill(last, `Init container ${c.name} failed ${failure} probe`);
          startOrWait(c, true, last, lastExited(c.name));
          if (initialized) continue;
          return actions;
        }
        if (!initialized && input.notStarted?.has(last.id)) return actions;
        continue;
      }
      if (last.state === 'created' || last.state === 'unknown') kill(last, `Init container ${c.name} is in "${last.state}" state and will be restarted`, true);
      // A sidecar that ended is started again, whatever the pod's restartPolicy.
      startOrWait(c, true, last, last.state === 'exited' ? last : lastExited(c.name));
      if (initialized) continue;
      return actions;
    }
    if (initialized) continue;
    if (!last) {
      startOrWait(c, true, newest);
      return actions;
    }
    if (last.state === 'running') return actions;
    if (last.state === 'exited' && last.exitCode === 0) continue;
    if (last.state === 'created' || last.state === 'unknown') {
      kill(last, 'Init container is in "Created" state and will be restarted', true);
      startOrWait(c, true, newest);
      return actions;
    }
    // It failed: under Never the pod is over; otherwise it runs again, after its back-off.
    if (restartPolicy === 'Never') {
      actions.killPod = anythingLive;
      actions.podTerminal = true;
      return actions;
    }
    startOrWait(c, true, newest);
    return actions;
  }

  let keep = 0;
  for (const c of spec.containers) {
    const last = byName.get(c.name)?.[0];
    if (!last) { startOrWait(c, false, undefined); continue; }
    if (last.state === 'running') {
      const failure = probeFailures[last.id];
      if (!failure) { keep++; continue; }
      // Upstream's computePodActions: a failed liveness / startup probe kills the container, restarted unless the policy is Never.
      const restart = restartPolicy !== 'Never';
      kill(last, `Container ${c.name} failed ${failure} probe${restart ? ', will be restarted' : ''}`);
      if (restart) startOrWait(c, false, last, lastExited(c.name));
      continue;
    }
    if (last.state === 'created' || last.state === 'unknown') {
      kill(last, `Container ${c.name} is in "${last.state}" state and will be restarted`, true);
      startOrWait(c, false, last);
      continue;
    }
    if (shouldRestart(restartPolicy, last.exitCode)) startOrWait(c, false, last);
  }
  const appStarting = actions.containersToStart.some((s) => !s.init);
  const appWaiting = spec.containers.some((c) => actions.waiting[c.name]);
  if (keep === 0 && !appStarting && !appWaiting) {
    // Nothing runs and nothing will: upstream kills the sandbox and the pod reaches its end;
    // sidecars stop with it rather than start again.
    actions.containersToStart = [];
    actions.waiting = {};
    actions.killPod = anythingLive;
    actions.podTerminal = true;
  }
  return actions;
}

/** Exited containers beyond the two newest of each name (the current one and the one before). */
function garbage(byName: Map<string, RuntimeContainer[]>): string[] {
  const out: string[] = [];
  for (const list of byName.values()) {
    for (const c of list.slice(2)) if (c.state === 'exited') out.push(c.id);
  }
  return out;
}
