// One worker per pod UID, as upstream's podWorkers: syncs of a pod never overlap, a change that
// arrives during a sync runs one more sync after it, and each sync reads the pod and the runtime
// afresh (level-triggered). A sync computes the actions (sync.ts), carries them out through the
// runtime, then reports the status (status.ts); a pod being deleted is stopped and then removed
// from the API; a pod gone from the API is cleaned out of the runtime.
import type { V1Container, V1EnvVar, V1Pod } from '@kubernetes/client-node';
import { computePodActions, DEFAULT_BACKOFF, type BackoffConfig, type BackoffEntry, type ContainerWaiting } from './sync.ts';
import { generatePodStatus, toTime, type PodStatusManager } from './status.ts';
import type { Rejection } from './admission.ts';
import type { ContainerConfig, ContainerRuntime, RuntimePod, Sandbox, SandboxConfig } from './runtime/runtime.ts';

export interface PodWorkersOptions {
  nodeName: string;
  runtime: ContainerRuntime;
  /** The runtime's name, once known, for container IDs. */
  runtimeName(): string;
  statusManager: PodStatusManager;
  /** The node's addresses, for hostIP and host-network pods. */
  hostIPs(): string[];
  backoff?: BackoffConfig;
  /** Every pod is synced again this often even when nothing happened (upstream's syncFrequency). */
  resyncIntervalMs?: number;
  /**
   * Admission of a pod seen for the first time: a rejection, or undefined once admitted. With
   * `alreadyRunning` (a pod that started before this kubelet did) it is only recorded.
   */
  admit?(pod: V1Pod, alreadyRunning: boolean): Rejection | undefined;
  log(msg: string): void;
  now?: () => number;
  signal: AbortSignal;
}

interface Worker {
  uid: string;
  /** The newest pod from the API; undefined once the API no longer has it. */
  pod: V1Pod | undefined;
  running: boolean;
  /** Something changed during the running sync: sync again after it. */
  dirty: boolean;
  timer?: NodeJS.Timeout;
  backoff: Record<string, BackoffEntry>;
  /** The DELETE for this pod went out. */
  deleted: boolean;
  failures: number;
  admitted: boolean;
  /** Why admission refused the pod, if it did. */
  rejection?: Rejection;
}

const isTerminalPhase = (p: string | undefined) => p === 'Succeeded' || p === 'Failed';

export class PodWorkers {
  private readonly workers = new Map<string, Worker>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly now: () => number;
  private readonly backoffConfig: BackoffConfig;

  constructor(private readonly o: PodWorkersOptions) {
    this.now = o.now ?? Date.now;
    this.backoffConfig = o.backoff ?? DEFAULT_BACKOFF;
  }

  /** The pod was added or changed in the API. */
  update(pod: V1Pod): void {
    const uid = pod.metadata?.uid;
    if (!uid) return;
    let w = this.workers.get(uid);
    if (!w) {
      w = { uid, pod, running: false, dirty: false, backoff: {}, deleted: false, failures: 0, admitted: false };
      this.workers.set(uid, w);
    }
    w.pod = pod;
    this.schedule(w, 0);
  }

  /** The pod is gone from the API: its worker cleans up the runtime and ends. */
  remove(uid: string): void {
    const w = this.workers.get(uid);
    if (!w) {
      // The runtime may still hold it (a kubelet restart); a worker without a pod cleans up.
      this.workers.set(uid, { uid, pod: undefined, running: false, dirty: false, backoff: {}, deleted: true, failures: 0, admitted: false });
      this.schedule(this.workers.get(uid)!, 0);
      return;
    }
    w.pod = undefined;
    this.schedule(w, 0);
  }

  /** Something changed in the runtime for this pod (a container died). */
  wake(uid: string): void {
    const w = this.workers.get(uid);
    if (w) this.schedule(w, 0);
  }

  /** Stops every timer and resolves once the syncs in flight have ended (the signal aborts their API calls). */
  async stop(): Promise<void> {
    for (const w of this.workers.values()) if (w.timer) clearTimeout(w.timer);
    await Promise.allSettled([...this.inFlight]);
  }

  private schedule(w: Worker, delayMs: number): void {
    if (this.o.signal.aborted) return;
    if (delayMs <= 0) {
      if (w.timer) { clearTimeout(w.timer); w.timer = undefined; }
      if (w.running) { w.dirty = true; return; }
      const p = this.run(w).finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
      return;
    }
    if (w.timer) clearTimeout(w.timer);
    w.timer = setTimeout(() => { w.timer = undefined; this.schedule(w, 0); }, delayMs);
    w.timer.unref?.();
  }

  private async run(w: Worker): Promise<void> {
    w.running = true;
    let next: number | undefined;
    try {
      do {
        w.dirty = false;
        next = await this.sync(w);
        w.failures = 0;
      } while (w.dirty && !this.o.signal.aborted);
    } catch (e) {
      if (!this.o.signal.aborted) {
        w.failures++;
        this.o.log(`kubelet ${this.o.nodeName}: sync of pod ${describe(w)} failed: ${(e as Error)?.message ?? String(e)}`);
        // Upstream retries a failed sync after a back-off; ours doubles from 1 s to 1 minute.
        next = Math.min(60_000, 1000 * 2 ** Math.min(w.failures - 1, 6));
      }
    } finally {
      w.running = false;
    }
    if (this.o.signal.aborted) return;
    if (!this.workers.has(w.uid)) return;
    if (w.dirty) { this.schedule(w, 0); return; }
    const resync = this.o.resyncIntervalMs ?? 60_000;
    // Spread resyncs of many pods over time.
    const base = next !== undefined ? Math.min(next, resync) : resync * (0.5 + Math.random());
    this.schedule(w, base);
  }

  /** One sync; returns when to sync again at the latest (a back-off ending), if any. */
  private async sync(w: Worker): Promise<number | undefined> {
    const { runtime, statusManager, signal } = this.o;
    const pod = w.pod;
    if (!pod) {
      await this.cleanup(w.uid);
      this.workers.delete(w.uid);
      statusManager.forget(w.uid);
      return undefined;
    }
    const deleting = !!pod.metadata?.deletionTimestamp;
    if (!w.admitted && !w.rejection) {
      const alreadyRunning = !!pod.status?.startTime || isTerminalPhase(pod.status?.phase) || deleting;
      w.rejection = this.o.admit?.(pod, alreadyRunning);
      if (w.rejection) this.o.log(`kubelet ${this.o.nodeName}: rejected pod ${describe(w)}: ${w.rejection.reason}: ${w.rejection.message}`);
      else w.admitted = true;
    }
    if (w.rejection && !deleting) {
      // Upstream's rejectPod: Failed with the reason, and nothing runs.
      await statusManager.setStatus(pod, {
        ...(pod.status ?? {}), phase: 'Failed', reason: w.rejection.reason, message: `Pod was rejected: ${w.rejection.message}`,
        startTime: pod.status?.startTime ?? toTime(this.now()),
      }, signal);
      return undefined;
    }

    let runtimePod = await runtime.podStatus(w.uid);
    const actions = computePodActions({ pod, runtimePod, backoff: w.backoff, now: this.now(), backoffConfig: this.backoffConfig });
    Object.assign(w.backoff, actions.backoff);

    if (actions.killPod) await this.killPod(pod, runtimePod);
    for (const k of actions.containersToKill) {
      await runtime.stopContainer(k.id, 0);
      await runtime.removeContainer(k.id);
    }
    for (const id of actions.containersToRemove) await runtime.removeContainer(id);

    const waiting: Record<string, ContainerWaiting> = { ...actions.waiting };
    let sandbox: Sandbox | undefined = actions.sandboxId ? runtimePod?.sandboxes.find((s) => s.id === actions.sandboxId) : undefined;
    let sandboxError: unknown;
    if (actions.createSandbox) {
      try {
        sandbox = await runtime.runPodSandbox(pod, sandboxConfig(pod), actions.sandboxAttempt);
      } catch (e) {
        // Reported below (the containers stay ContainerCreating), then retried with back-off.
        sandboxError = e;
      }
    }
    if (sandbox) {
      for (const start of actions.containersToStart) {
        const err = await this.startContainer(sandbox, pod, start.container, start.attempt);
        if (err) {
          waiting[start.container.name] = err;
          // Later containers wait for a failed init container.
          if (start.init) break;
        }
      }
    }

    runtimePod = await runtime.podStatus(w.uid);
    const status = generatePodStatus({
      pod, oldStatus: statusManager.cached(w.uid) ?? pod.status, runtimePod, runtimeName: this.o.runtimeName(),
      waiting, podIsTerminal: actions.podTerminal, evicted: actions.evict, hostIPs: this.o.hostIPs(), now: this.now(),
    });
    // An ended pod's status is final; only a pod on its way out (deleted) is still reported.
    if (!isTerminalPhase(pod.status?.phase) || deleting) {
      const current = await statusManager.setStatus(pod, status, signal);
      if (!current) return undefined;
    }

    if (sandboxError) throw new Error(`cannot create the pod sandbox: ${(sandboxError as Error)?.message ?? String(sandboxError)}`);
    if (deleting && actions.podTerminal && !hasLive(runtimePod) && !w.deleted) {
      // Every container has stopped and the final status is written: the pod may go.
      await statusManager.deletePod(pod, signal);
      w.deleted = true;
    }
    return actions.requeueAfterMs;
  }

  /** Image, create, start; a failure becomes the container's waiting reason (upstream's startContainer errors). */
  private async startContainer(sandbox: Sandbox, pod: V1Pod, c: V1Container, attempt: number): Promise<ContainerWaiting | undefined> {
    const { runtime } = this.o;
    const image = c.image ?? '';
    try {
      if (!(await runtime.hasImage(image))) {
        if (c.imagePullPolicy === 'Never') {
          return { reason: 'ErrImageNeverPull', message: `Container image "${image}" is not present with pull policy of Never` };
        }
        try {
          await runtime.pullImage(image);
        } catch (e) {
          return { reason: 'ErrImagePull', message: (e as Error)?.message ?? String(e) };
        }
      }
    } catch (e) {
      return { reason: 'ErrImagePull', message: (e as Error)?.message ?? String(e) };
    }
    let id: string;
    try {
      id = await runtime.createContainer(sandbox, pod, c, containerConfig(pod, c, attempt));
    } catch (e) {
      return { reason: 'CreateContainerError', message: (e as Error)?.message ?? String(e) };
    }
    try {
      await runtime.startContainer(id);
    } catch (e) {
      return { reason: 'RunContainerError', message: (e as Error)?.message ?? String(e) };
    }
    return undefined;
  }

  /** Stops the pod's containers, then its sandboxes (upstream's KillPod). */
  private async killPod(pod: V1Pod, runtimePod: RuntimePod | undefined): Promise<void> {
    if (!runtimePod) return;
    const grace = gracePeriodOf(pod);
    await Promise.all(runtimePod.containers.filter((c) => c.state === 'running' || c.state === 'created').map((c) => this.o.runtime.stopContainer(c.id, grace)));
    for (const sb of runtimePod.sandboxes) if (sb.state === 'ready') await this.o.runtime.stopPodSandbox(sb.id);
  }

  /** Everything the runtime holds for a pod the API no longer has. */
  private async cleanup(uid: string): Promise<void> {
    const runtimePod = await this.o.runtime.podStatus(uid);
    if (!runtimePod) return;
    for (const c of runtimePod.containers) if (c.state === 'running' || c.state === 'created') await this.o.runtime.stopContainer(c.id, 0);
    for (const sb of runtimePod.sandboxes) {
      await this.o.runtime.stopPodSandbox(sb.id);
      await this.o.runtime.removePodSandbox(sb.id);
    }
    for (const c of runtimePod.containers) await this.o.runtime.removeContainer(c.id);
  }
}

const hasLive = (p: RuntimePod | undefined) => !!p && (p.containers.some((c) => c.state === 'running' || c.state === 'created') || p.sandboxes.some((s) => s.state === 'ready'));

const describe = (w: Worker) => (w.pod ? `${w.pod.metadata?.namespace}/${w.pod.metadata?.name} (${w.uid})` : w.uid);

/** The deletion's grace period when the pod is being deleted, else the spec's (upstream's KillPod). */
function gracePeriodOf(pod: V1Pod): number {
  const g = pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
  return Math.max(0, g);
}

export function sandboxConfig(pod: V1Pod): SandboxConfig {
  const spec = pod.spec;
  const portMappings: SandboxConfig['portMappings'] = [];
  for (const c of spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (p.hostPort) portMappings.push({ containerPort: p.containerPort, hostPort: p.hostPort, protocol: p.protocol ?? 'TCP', ...(p.hostIP ? { hostIP: p.hostIP } : {}) });
    }
  }
  return {
    hostname: spec?.hostname ?? pod.metadata?.name ?? '',
    hostNetwork: spec?.hostNetwork ?? false,
    portMappings,
    labels: {
      'io.kubernetes.pod.name': pod.metadata?.name ?? '',
      'io.kubernetes.pod.namespace': pod.metadata?.namespace ?? '',
      'io.kubernetes.pod.uid': pod.metadata?.uid ?? '',
    },
  };
}

/**
 * Upstream's expansion of `$(VAR)` in command, args and env values: a defined variable is
 * replaced, `$$` escapes, anything else stays as written.
 */
export function expandVars(s: string, vars: ReadonlyMap<string, string>): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch !== '$' || i + 1 >= s.length) { out += ch; continue; }
    const nx = s[i + 1];
    if (nx === '$') { out += '$'; i++; continue; }
    if (nx === '(') {
      const end = s.indexOf(')', i + 2);
      if (end > 0) {
        const name = s.slice(i + 2, end);
        const v = vars.get(name);
        out += v !== undefined ? v : s.slice(i, end + 1);
        i = end;
        continue;
      }
    }
    out += ch;
  }
  return out;
}

/** Literal env values and the pod fields a fieldRef names; other sources come with the Docker runtime's volumes and API reads. */
function envValue(e: V1EnvVar, pod: V1Pod): string | undefined {
  if (e.value !== undefined) return e.value;
  const path = e.valueFrom?.fieldRef?.fieldPath;
  if (!path) return undefined;
  const fields: Record<string, string | undefined> = {
    'metadata.name': pod.metadata?.name, 'metadata.namespace': pod.metadata?.namespace, 'metadata.uid': pod.metadata?.uid,
    'spec.nodeName': pod.spec?.nodeName, 'spec.serviceAccountName': pod.spec?.serviceAccountName,
    'status.hostIP': pod.status?.hostIP, 'status.podIP': pod.status?.podIP,
  };
  return fields[path];
}

export function containerConfig(pod: V1Pod, c: V1Container, attempt: number): ContainerConfig {
  const vars = new Map<string, string>();
  const env: Array<{ name: string; value: string }> = [];
  for (const e of c.env ?? []) {
    const raw = envValue(e, pod);
    if (raw === undefined) continue;
    const value = e.value !== undefined ? expandVars(raw, vars) : raw;
    vars.set(e.name, value);
    env.push({ name: e.name, value });
  }
  return {
    name: c.name, image: c.image ?? '',
    command: (c.command ?? []).map((x) => expandVars(x, vars)),
    args: (c.args ?? []).map((x) => expandVars(x, vars)),
    env, ...(c.workingDir ? { workingDir: c.workingDir } : {}),
    attempt, tty: c.tty ?? false, stdin: c.stdin ?? false, stdinOnce: c.stdinOnce ?? false, mounts: [],
    ...(c.terminationMessagePath ? { terminationMessagePath: c.terminationMessagePath } : {}),
    labels: {
      'io.kubernetes.container.name': c.name,
      'io.kubernetes.pod.name': pod.metadata?.name ?? '',
      'io.kubernetes.pod.namespace': pod.metadata?.namespace ?? '',
      'io.kubernetes.pod.uid': pod.metadata?.uid ?? '',
    },
  };
}
