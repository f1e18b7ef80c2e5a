// One worker per pod UID, as upstream's podWorkers: syncs of a pod never overlap, a change that
// arrives during a sync runs one more sync after it, and each sync reads the pod and the runtime
// afresh (level-triggered). A sync sets up the pod's volumes, computes the actions (sync.ts),
// carries them out through the runtime — pulling images per imagePullPolicy, resolving env
// (env.ts), mounting volumes, running lifecycle hooks (hooks.ts), recording the kubelet's events
// on the pod — then reports the status (status.ts) with what the probes (prober/) say; a pod
// being deleted is stopped (preStop hooks first) and then removed from the API; a pod gone from
// the API is cleaned out of the runtime and the disk.
import { existsSync, mkdirSync } from 'node:fs';
import { Writable } from 'node:stream';
import type { V1Container, V1Pod, V1Service } from '@kubernetes/client-node';
import type { EventRecorder, EventType } from '../client/index.ts';
import { computePodActions, DEFAULT_BACKOFF, inBackoffSince, nextBackoff, type BackoffConfig, type BackoffEntry, type ContainerWaiting } from './sync.ts';
import { generatePodStatus, toTime, type PodStatusManager } from './status.ts';
import type { Rejection } from './admission.ts';
import { containersByName, latestSandbox, type ContainerConfig, type ContainerRuntime, type RuntimeContainer, type RuntimePod, type Sandbox, type SandboxConfig } from './runtime/runtime.ts';
import { ContainerConfigError, expandCommandAndArgs, expandSubPathExpr, makeEnvironment, type EnvVar } from './env.ts';
import type { ObjectManager } from './objectmanager.ts';
import type { VolumeManager } from './volumes/manager.ts';
import type { MountedVolume } from './volumes/types.ts';
import { ProberManager, podRef } from './prober/manager.ts';
import { runLifecycleHandler } from './hooks.ts';

export interface PodWorkersOptions {
  nodeName: string;
  runtime: ContainerRuntime;
  /** The runtime's name, once known, for container IDs. */
  runtimeName(): string;
  statusManager: PodStatusManager;
  /** The node's addresses, for hostIP and host-network pods. */
  hostIPs(): string[];
  backoff?: BackoffConfig;
  /** Image pull back-off (upstream: 10 s doubling to 5 min, as container restarts). */
  imageBackoff?: BackoffConfig;
  /** Every pod is synced again this often even when nothing happened (upstream's syncFrequency). */
  resyncIntervalMs?: number;
  /**
   * Admission of a pod seen for the first time: a rejection, or undefined once admitted. With
   * `alreadyRunning` (a pod that started before this kubelet did) it is only recorded.
   */
  admit?(pod: V1Pod, alreadyRunning: boolean): Rejection | undefined;
  /** The kubelet's events on pods (component "kubelet", host = node name); none when unset. */
  recorder?: EventRecorder;
  /** ConfigMaps and Secrets for env and volumes. */
  objects?: ObjectManager;
  /** Volumes on disk; without it (simulated nodes) pods get no mounts and no termination-message files. */
  volumes?: VolumeManager;
  /** The Services for the service-link env vars; undefined until listed once. Unset: none. */
  services?(): V1Service[] | undefined;
  /** The node's allocatable, the default of resource limits in the downward API. */
  nodeAllocatable?(): Record<string, string>;
  /** Run liveness / readiness / startup probes (default true). */
  probes?: boolean;
  /**
   * The pod's resolver configuration for its sandbox (dns.ts; it may throw, which fails the
   * sandbox as upstream's GetPodDNS does). Unset (simulated nodes): the runtime's own.
   */
  podDNS?(pod: V1Pod): SandboxConfig['dns'];
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
  /** Image pull back-off by image (upstream keys it by pod UID and image). */
  imageBackoff: Record<string, BackoffEntry>;
  /** The DELETE for this pod went out. */
  deleted: boolean;
  failures: number;
  admitted: boolean;
  /** Why admission refused the pod, if it did. */
  rejection?: Rejection;
  /** What the runtime held at the end of the last sync (the prober's view of the containers). */
  runtimePod?: RuntimePod;
  /** Termination messages read, by container ID. */
  messages: Map<string, string>;
  /** Objects and probes registered for this pod. */
  registered: boolean;
  /** Consecutive syncs that found volumes not ready. */
  mountRetries: number;
}

const isTerminalPhase = (p: string | undefined) => p === 'Succeeded' || p === 'Failed';

/** upstream's format.Pod: "name_namespace(uid)". */
const podDesc = (pod: V1Pod) => `${pod.metadata?.name ?? ''}_${pod.metadata?.namespace ?? ''}(${pod.metadata?.uid ?? ''})`;

/** Upstream's minimumGracePeriodInSeconds: a container always gets this long to stop. */
const MIN_GRACE_SECONDS = 2;
/** Upstream's FallbackToLogsOnError reads at most 80 lines, 2048 bytes, of the log's end. */
const FALLBACK_LOG_LINES = 80;
const FALLBACK_LOG_BYTES = 2048;

/** The image pull policy the API server defaults (Always for :latest or no tag, else IfNotPresent). */
export function pullPolicyOf(c: V1Container): string {
  if (c.imagePullPolicy) return c.imagePullPolicy;
  const image = c.image ?? '';
  if (image.includes('@')) return 'IfNotPresent';
  const tag = /:([^/]+)$/.exec(image)?.[1];
  return !tag || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

/** A duration as Go's time.Duration prints it: "523.4ms", "1.2345s", "1m2.5s". */
export function goPreciseDuration(ms: number): string {
  const trim = (x: string) => x.replace(/\.?0+$/, '');
  if (ms < 1) return `${trim((ms * 1000).toFixed(3))}µs`;
  if (ms < 1000) return `${trim(ms.toFixed(6))}ms`;
  const s = ms / 1000;
  if (s < 60) return `${trim(s.toFixed(9))}s`;
  const m = Math.floor(s / 60);
  return `${m}m${trim((s - m * 60).toFixed(9))}s`;
}

class Tail extends Writable {
  private buf = Buffer.alloc(0);
  override _write(chunk: Buffer, _e: BufferEncoding, cb: () => void): void {
    this.buf = Buffer.concat([this.buf, chunk]);
    if (this.buf.length > FALLBACK_LOG_BYTES) this.buf = this.buf.subarray(this.buf.length - FALLBACK_LOG_BYTES);
    cb();
  }
  text(): string { return this.buf.toString('utf8'); }
}

export class PodWorkers {
  private readonly workers = new Map<string, Worker>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly now: () => number;
  private readonly backoffConfig: BackoffConfig;
  private readonly imageBackoffConfig: BackoffConfig;
  readonly prober?: ProberManager;

  constructor(private readonly o: PodWorkersOptions) {
    this.now = o.now ?? Date.now;
    this.backoffConfig = o.backoff ?? DEFAULT_BACKOFF;
    this.imageBackoffConfig = o.imageBackoff ?? o.backoff ?? DEFAULT_BACKOFF;
    if (o.probes ?? true) {
      this.prober = new ProberManager({
        runtime: o.runtime, recorder: o.recorder, now: this.now,
        target: (uid, name) => this.probeTarget(uid, name),
        onChange: (uid) => this.wake(uid),
        pod: (uid) => this.workers.get(uid)?.pod,
      });
    }
  }

  /** The pod was added or changed in the API. */
  update(pod: V1Pod): void {
    const uid = pod.metadata?.uid;
    if (!uid) return;
    let w = this.workers.get(uid);
    if (!w) this.workers.set(uid, (w = newWorker(uid, pod)));
    w.pod = pod;
    this.schedule(w, 0);
  }

  /** The pod is gone from the API: its worker cleans up the runtime and ends. */
  remove(uid: string): void {
    const w = this.workers.get(uid);
    if (!w) {
      // The runtime may still hold it (a kubelet restart); a worker without a pod cleans up.
      const orphan = newWorker(uid, undefined);
      orphan.deleted = true;
      this.workers.set(uid, orphan);
      this.schedule(orphan, 0);
      return;
    }
    w.pod = undefined;
    this.schedule(w, 0);
  }

  /** Something changed for this pod (a container died, a probe result, a ConfigMap it uses). */
  wake(uid: string): void {
    const w = this.workers.get(uid);
    if (w) this.schedule(w, 0);
  }

  /** UIDs of the pods this node has workers for. */
  uids(): Set<string> {
    return new Set(this.workers.keys());
  }

  /** Stops every timer and resolves once the syncs in flight have ended (the signal aborts their API calls). */
  async stop(): Promise<void> {
    for (const w of this.workers.values()) if (w.timer) clearTimeout(w.timer);
    this.prober?.stop();
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

  private event(pod: V1Pod, type: EventType, reason: string, message: string): void {
    this.o.recorder?.event(podRef(pod), type, reason, message);
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
    const active = !deleting && !isTerminalPhase(pod.status?.phase);
    if (!w.registered && active) {
      this.o.objects?.registerPod(pod, !!this.o.volumes);
      this.prober?.addPod(pod);
      w.registered = true;
    }

    let runtimePod = await runtime.podStatus(w.uid);
    const probeFailures: Record<string, 'liveness' | 'startup'> = {};
    const notStarted = new Set<string>();
    if (this.prober) {
      for (const c of runtimePod?.containers ?? []) {
        if (c.state !== 'running') continue;
        const failure = this.prober.failure(c.id);
        if (failure) probeFailures[c.id] = failure;
        const spec = specOf(pod, c.name);
        if (spec && !this.prober.status(spec, c.id).started) notStarted.add(c.id);
      }
    }
    const actions = computePodActions({
      pod, runtimePod, backoff: w.backoff, now: this.now(), backoffConfig: this.backoffConfig, probeFailures, notStarted,
    });
    Object.assign(w.backoff, actions.backoff);
    let requeue = actions.requeueAfterMs;
    const soonest = (ms: number) => { requeue = Math.min(requeue ?? Infinity, ms); };

    if (actions.killPod) await this.killPod(pod, runtimePod);
    for (const k of actions.containersToKill) {
      const rc = runtimePod?.containers.find((c) => c.id === k.id);
      if (k.remove || !rc) {
        await runtime.stopContainer(k.id, 0);
        await runtime.removeContainer(k.id);
      } else await this.killContainer(pod, rc, k.message, latestSandbox(runtimePod));
    }
    for (const id of actions.containersToRemove) await runtime.removeContainer(id);

    const waiting: Record<string, ContainerWaiting> = { ...actions.waiting };
    for (const [name, why] of Object.entries(actions.waiting)) {
      if (why.reason === 'CrashLoopBackOff') this.event(pod, 'Warning', 'BackOff', `Back-off restarting failed container ${name} in pod ${podDesc(pod)}`);
    }

    // Volumes come first: a container whose volume was never set up does not start (upstream's WaitForAttachAndMount).
    let volumes = new Map<string, MountedVolume>();
    let mountsBlocked = false;
    const willStart = actions.createSandbox || actions.containersToStart.length > 0;
    if (this.o.volumes && !deleting && !actions.podTerminal) {
      const sb = latestSandbox(runtimePod);
      const pv = await this.o.volumes.setUp(pod, {
        fieldRef: { podIPs: this.podIPs(pod, sb), hostIPs: this.o.hostIPs() }, nodeAllocatable: this.o.nodeAllocatable?.() ?? {},
      }, signal);
      volumes = pv.volumes;
      for (const f of pv.failures) this.event(pod, 'Warning', 'FailedMount', f.message);
      if (pv.refreshAt !== undefined) soonest(Math.max(1000, pv.refreshAt - this.now()));
      if (pv.blocking.length > 0) {
        mountsBlocked = true;
        w.mountRetries++;
        soonest(Math.min(8_000, 500 * 2 ** Math.min(w.mountRetries - 1, 4)));
      } else w.mountRetries = 0;
    }

    let sandbox: Sandbox | undefined = actions.sandboxId ? runtimePod?.sandboxes.find((s) => s.id === actions.sandboxId) : undefined;
    let sandboxError: unknown;
    if (actions.createSandbox && !mountsBlocked) {
      try {
        sandbox = await runtime.runPodSandbox(pod, sandboxConfig(pod, this.o.podDNS?.(pod)), actions.sandboxAttempt);
      } catch (e) {
        // Reported below (the containers stay ContainerCreating), then retried with back-off.
        sandboxError = e;
        this.event(pod, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${(e as Error)?.message ?? String(e)}`);
      }
    }
    if (sandbox && !mountsBlocked && willStart) {
      for (const start of actions.containersToStart) {
        const err = await this.startContainer(w, sandbox, pod, start.container, start.attempt, volumes);
        if (err) {
          waiting[start.container.name] = err;
          if (err.reason === 'ErrImagePull' || err.reason === 'ImagePullBackOff') {
            const e = w.imageBackoff[start.container.image ?? ''];
            if (e) soonest(Math.max(1, e.lastUpdate + e.backoffMs - this.now()));
          } else soonest(this.backoffConfig.initialMs);
          // Later containers wait for a failed init container.
          if (start.init) break;
        }
      }
    }

    runtimePod = await runtime.podStatus(w.uid);
    runtimePod = await this.withTerminationMessages(w, pod, runtimePod);
    w.runtimePod = runtimePod;
    const probes: Record<string, { started: boolean; ready: boolean }> = {};
    if (this.prober) {
      for (const c of runtimePod?.containers ?? []) {
        const spec = c.state === 'running' ? specOf(pod, c.name) : undefined;
        if (spec) probes[c.id] = this.prober.status(spec, c.id);
      }
    }
    const status = generatePodStatus({
      pod, oldStatus: statusManager.cached(w.uid) ?? pod.status, runtimePod, runtimeName: this.o.runtimeName(),
      waiting, podIsTerminal: actions.podTerminal, evicted: actions.evict, hostIPs: this.o.hostIPs(), now: this.now(), probes,
    });
    // An ended pod's status is final; only a pod on its way out (deleted) is still reported.
    if (!isTerminalPhase(pod.status?.phase) || deleting) {
      const current = await statusManager.setStatus(pod, status, signal);
      if (!current) return undefined;
    }
    if (actions.podTerminal && !hasLive(runtimePod)) this.prober?.removePod(w.uid);

    if (sandboxError) throw new Error(`cannot create the pod sandbox: ${(sandboxError as Error)?.message ?? String(sandboxError)}`);
    if (deleting && actions.podTerminal && !hasLive(runtimePod) && !w.deleted) {
      // Every container has stopped and the final status is written: the pod may go.
      await statusManager.deletePod(pod, signal);
      w.deleted = true;
    }
    return requeue;
  }

  /** The pod's addresses: the sandbox's, or the node's for host-network pods. */
  private podIPs(pod: V1Pod, sb: Sandbox | undefined): string[] {
    if (pod.spec?.hostNetwork || sb?.hostNetwork) return this.o.hostIPs();
    return sb?.ips ?? [];
  }

  /** The container instance a probe looks at: the newest of that name. */
  private probeTarget(uid: string, name: string) {
    const w = this.workers.get(uid);
    const pod = w?.pod;
    const spec = pod ? specOf(pod, name) : undefined;
    const rc = w?.runtimePod ? containersByName(w.runtimePod.containers).get(name)?.[0] : undefined;
    if (!pod || !spec || !rc) return undefined;
    const sb = w!.runtimePod!.sandboxes.find((s) => s.id === rc.sandboxId);
    return {
      containerId: rc.id, container: spec, podIP: this.podIPs(pod, sb)[0], state: rc.state,
      ...(rc.startedAt !== undefined ? { startedAt: rc.startedAt } : {}),
      restartPolicy: pod.spec?.restartPolicy ?? 'Always', terminating: !!pod.metadata?.deletionTimestamp,
    };
  }

  /**
   * Upstream's EnsureImageExists: per imagePullPolicy, with events, and a pull back-off per image
   * (ErrImagePull first, then ImagePullBackOff while the back-off lasts).
   */
  private async ensureImage(w: Worker, pod: V1Pod, c: V1Container): Promise<ContainerWaiting | undefined> {
    const { runtime } = this.o;
    const image = c.image ?? '';
    const policy = pullPolicyOf(c);
    let present: boolean;
    try {
      present = await runtime.hasImage(image);
    } catch (e) {
      const msg = `Failed to inspect image "${image}": ${(e as Error)?.message ?? String(e)}`;
      this.event(pod, 'Warning', 'InspectFailed', msg);
      return { reason: 'ImageInspectError', message: msg };
    }
    if (policy === 'Never' && !present) {
      const msg = `Container image "${image}" is not present with pull policy of Never`;
      this.event(pod, 'Warning', 'ErrImageNeverPull', msg);
      this.event(pod, 'Warning', 'Failed', 'Error: ErrImageNeverPull');
      return { reason: 'ErrImageNeverPull', message: msg };
    }
    if (policy !== 'Always' && present) {
      this.event(pod, 'Normal', 'Pulled', `Container image "${image}" already present on machine`);
      return undefined;
    }
    const now = this.now();
    const entry = w.imageBackoff[image];
    if (entry && inBackoffSince(entry, entry.lastUpdate, now, this.imageBackoffConfig)) {
      const msg = `Back-off pulling image "${image}"`;
      this.event(pod, 'Normal', 'BackOff', msg);
      this.event(pod, 'Warning', 'Failed', 'Error: ImagePullBackOff');
      return { reason: 'ImagePullBackOff', message: msg };
    }
    this.event(pod, 'Normal', 'Pulling', `Pulling image "${image}"`);
    const started = performance.now();
    try {
      await runtime.pullImage(image);
    } catch (e) {
      const err = (e as Error)?.message ?? String(e);
      this.event(pod, 'Warning', 'Failed', `Failed to pull image "${image}": ${err}`);
      this.event(pod, 'Warning', 'Failed', 'Error: ErrImagePull');
      w.imageBackoff[image] = nextBackoff(entry, now, now, this.imageBackoffConfig);
      return { reason: 'ErrImagePull', message: err };
    }
    delete w.imageBackoff[image];
    const took = goPreciseDuration(performance.now() - started);
    const size = (await runtime.listImages().catch(() => [])).find((i) => i.names.some((n) => n === image || n === `${image}:latest` || n.endsWith(`/${image}`) || n.endsWith(`/library/${image}:latest`)))?.sizeBytes;
    this.event(pod, 'Normal', 'Pulled', `Successfully pulled image "${image}" in ${took} (${took} including waiting)${size !== undefined ? `. Image size: ${size} bytes.` : ''}`);
    return undefined;
  }

  /** The container's runtime configuration (upstream's generateContainerConfig); a ContainerConfigError when it cannot be made. */
  private async containerConfig(pod: V1Pod, c: V1Container, attempt: number, sandbox: Sandbox, volumes: Map<string, MountedVolume>): Promise<ContainerConfig> {
    const podIPs = this.podIPs(pod, sandbox);
    const objects = this.o.objects;
    const env: EnvVar[] = await makeEnvironment(pod, c, {
      getConfigMap: (ns, name) => {
        if (!objects) throw new ContainerConfigError(`couldn't get configMap ${ns}/${name}, no kubeClient defined`);
        return objects.getConfigMap(ns, name);
      },
      getSecret: (ns, name) => {
        if (!objects) throw new ContainerConfigError(`couldn't get secret ${ns}/${name}, no kubeClient defined`);
        return objects.getSecret(ns, name);
      },
      services: this.o.services ?? (() => []),
      nodeAllocatable: this.o.nodeAllocatable?.() ?? {},
      podIPs, hostIPs: this.o.hostIPs(),
    });
    const { command, args } = expandCommandAndArgs(c, env);
    const mounts: ContainerConfig['mounts'] = [];
    if (this.o.volumes) {
      for (const m of c.volumeMounts ?? []) {
        const vol = volumes.get(m.name);
        if (!vol) throw new ContainerConfigError(`cannot find volume "${m.name}" to mount into container "${c.name}"`);
        let subPath = m.subPath ?? '';
        if (m.subPathExpr) subPath = expandSubPathExpr(m, env);
        let hostPath = vol.hostPath;
        if (subPath) {
          if (subPath.startsWith('/')) throw new ContainerConfigError(`error SubPath \`${subPath}\` must not be an absolute path`);
          if (subPath.split('/').includes('..')) throw new ContainerConfigError(`unable to provision SubPath \`${subPath}\`: must not contain '..'`);
          hostPath = `${vol.hostPath.replace(/\/+$/, '')}/${subPath}`;
          if (!existsSync(hostPath)) {
            try { mkdirSync(hostPath, { recursive: true }); } catch {
              throw new ContainerConfigError(`failed to create subPath directory for volumeMount "${m.name}" of container "${c.name}"`);
            }
          }
        }
        mounts.push({ hostPath, containerPath: m.mountPath, readOnly: (m.readOnly ?? false) || vol.readOnly });
      }
      // The kubelet-managed /etc/hosts, unless the container mounts its own.
      if ((podIPs.length > 0 || pod.spec?.hostNetwork) && !mounts.some((m) => m.containerPath === '/etc/hosts')) {
        mounts.push({ hostPath: await this.o.volumes.writeEtcHosts(pod, podIPs), containerPath: '/etc/hosts', readOnly: false });
      }
      if (c.terminationMessagePath) {
        const file = await this.o.volumes.createTerminationMessageFile(pod.metadata?.uid ?? '', c.name, attempt);
        mounts.push({ hostPath: file, containerPath: c.terminationMessagePath, readOnly: false });
      }
    }
    return {
      name: c.name, image: c.image ?? '', command, args, env, ...(c.workingDir ? { workingDir: c.workingDir } : {}),
      attempt, tty: c.tty ?? false, stdin: c.stdin ?? false, stdinOnce: c.stdinOnce ?? false, mounts,
      ...(c.terminationMessagePath ? { terminationMessagePath: c.terminationMessagePath } : {}),
      labels: {
        'io.kubernetes.container.name': c.name,
        'io.kubernetes.pod.name': pod.metadata?.name ?? '',
        'io.kubernetes.pod.namespace': pod.metadata?.namespace ?? '',
        'io.kubernetes.pod.uid': pod.metadata?.uid ?? '',
      },
    };
  }

  /** Image, config, create, start, postStart; a failure becomes the container's waiting reason (upstream's startContainer). */
  private async startContainer(w: Worker, sandbox: Sandbox, pod: V1Pod, c: V1Container, attempt: number, volumes: Map<string, MountedVolume>): Promise<ContainerWaiting | undefined> {
    const { runtime } = this.o;
    const imageError = await this.ensureImage(w, pod, c);
    if (imageError) return imageError;
    let cfg: ContainerConfig;
    try {
      cfg = await this.containerConfig(pod, c, attempt, sandbox, volumes);
    } catch (e) {
      const msg = (e as Error)?.message ?? String(e);
      this.event(pod, 'Warning', 'Failed', `Error: ${msg}`);
      return { reason: 'CreateContainerConfigError', message: msg };
    }
    let id: string;
    try {
      id = await runtime.createContainer(sandbox, pod, c, cfg);
    } catch (e) {
      const msg = (e as Error)?.message ?? String(e);
      this.event(pod, 'Warning', 'Failed', `Error: ${msg}`);
      return { reason: 'CreateContainerError', message: msg };
    }
    this.event(pod, 'Normal', 'Created', `Created container ${c.name}`);
    try {
      await runtime.startContainer(id);
    } catch (e) {
      const msg = ((e as Error)?.message ?? String(e)).split(id).join(c.name);
      this.event(pod, 'Warning', 'Failed', `Error: ${msg}`);
      return { reason: 'RunContainerError', message: msg };
    }
    this.event(pod, 'Normal', 'Started', `Started container ${c.name}`);
    const postStart = c.lifecycle?.postStart;
    if (postStart) {
      const msg = await runLifecycleHandler(postStart, {
        runtime, containerId: id, pod, container: c, podIP: this.podIPs(pod, sandbox)[0], signal: this.o.signal,
      });
      if (msg !== undefined) {
        // The message is left out of the event so that secrets do not leak into it (upstream does the same).
        this.event(pod, 'Warning', 'FailedPostStartHook', 'PostStartHook failed');
        const rc = (await runtime.podStatus(pod.metadata?.uid ?? ''))?.containers.find((x) => x.id === id);
        if (rc) await this.killContainer(pod, rc, 'FailedPostStartHook', sandbox);
        return { reason: 'PostStartHookError', message: msg };
      }
    }
    return undefined;
  }

  /**
   * Upstream's killContainer: the Killing event, the preStop hook within the grace period, then a
   * stop with what is left of it (at least 2 s).
   */
  private async killContainer(pod: V1Pod, rc: RuntimeContainer, message: string | undefined, sandbox: Sandbox | undefined, graceOverride?: number): Promise<void> {
    const spec = specOf(pod, rc.name);
    let grace = graceOverride ?? gracePeriodOf(pod);
    // A probe's own terminationGracePeriodSeconds applies when that probe killed the container.
    const probeGrace = message?.includes('failed liveness probe') ? spec?.livenessProbe?.terminationGracePeriodSeconds
      : message?.includes('failed startup probe') ? spec?.startupProbe?.terminationGracePeriodSeconds : undefined;
    if (probeGrace !== undefined && probeGrace !== null && graceOverride === undefined && !pod.metadata?.deletionTimestamp) grace = probeGrace;
    this.event(pod, 'Normal', 'Killing', message ?? `Stopping container ${rc.name}`);
    const preStop = spec?.lifecycle?.preStop;
    if (preStop && grace > 0 && rc.state === 'running') {
      const started = this.now();
      const failure = await runLifecycleHandler(preStop, {
        runtime: this.o.runtime, containerId: rc.id, pod, container: spec!, podIP: this.podIPs(pod, sandbox)[0], signal: this.o.signal, timeoutMs: grace * 1000,
      });
      if (failure !== undefined) this.event(pod, 'Warning', 'FailedPreStopHook', 'PreStopHook failed');
      grace -= Math.floor((this.now() - started) / 1000);
    }
    await this.o.runtime.stopContainer(rc.id, Math.max(grace, MIN_GRACE_SECONDS));
  }

  /** Stops the pod's containers, then its sandboxes (upstream's KillPod). */
  private async killPod(pod: V1Pod, runtimePod: RuntimePod | undefined): Promise<void> {
    if (!runtimePod) return;
    const sandbox = latestSandbox(runtimePod);
    await Promise.all(runtimePod.containers.filter((c) => c.state === 'running' || c.state === 'created')
      .map((c) => this.killContainer(pod, c, undefined, sandbox)));
    for (const sb of runtimePod.sandboxes) if (sb.state === 'ready') await this.o.runtime.stopPodSandbox(sb.id);
  }

  /**
   * Exited containers' termination messages (upstream's convertToKubeContainerStatus): the file
   * behind terminationMessagePath, or with FallbackToLogsOnError and a failure the log's end,
   * appended to the runtime's own message.
   */
  private async withTerminationMessages(w: Worker, pod: V1Pod, rp: RuntimePod | undefined): Promise<RuntimePod | undefined> {
    if (!rp) return rp;
    const uid = pod.metadata?.uid ?? '';
    const out: RuntimeContainer[] = [];
    for (const c of rp.containers) {
      if (c.state !== 'exited') { out.push(c); continue; }
      let msg = w.messages.get(c.id);
      if (msg === undefined) {
        const spec = specOf(pod, c.name);
        let t = '';
        if (spec?.terminationMessagePath && this.o.volumes) t = (await this.o.volumes.readTerminationMessage(uid, c.name, c.attempt)) ?? '';
        if (!t && spec?.terminationMessagePolicy === 'FallbackToLogsOnError' && (c.exitCode ?? 0) !== 0) {
          const tail = new Tail();
          try {
            await this.o.runtime.logs(c.id, { tailLines: FALLBACK_LOG_LINES }, tail, this.o.signal);
            t = tail.text();
          } catch (e) {
            t = `Error on reading termination message from logs: ${(e as Error)?.message ?? String(e)}`;
          }
        }
        msg = t ? (c.message ? `${c.message}: ${t}` : t) : (c.message ?? '');
        w.messages.set(c.id, msg);
      }
      out.push(msg ? { ...c, message: msg } : c);
    }
    for (const id of [...w.messages.keys()]) if (!rp.containers.some((c) => c.id === id)) w.messages.delete(id);
    return { ...rp, containers: out };
  }

  /** Everything the runtime and the disk hold for a pod the API no longer has. */
  private async cleanup(uid: string): Promise<void> {
    this.prober?.removePod(uid);
    this.o.objects?.unregisterPod(uid);
    const runtimePod = await this.o.runtime.podStatus(uid);
    if (runtimePod) {
      for (const c of runtimePod.containers) if (c.state === 'running' || c.state === 'created') await this.o.runtime.stopContainer(c.id, 0);
      for (const sb of runtimePod.sandboxes) {
        await this.o.runtime.stopPodSandbox(sb.id);
        await this.o.runtime.removePodSandbox(sb.id);
      }
      for (const c of runtimePod.containers) await this.o.runtime.removeContainer(c.id);
    }
    await this.o.volumes?.tearDown(uid);
  }
}

function newWorker(uid: string, pod: V1Pod | undefined): Worker {
  return {
    uid, pod, running: false, dirty: false, backoff: {}, imageBackoff: {}, deleted: false, failures: 0, admitted: false,
    messages: new Map(), registered: false, mountRetries: 0,
  };
}

/** The spec of a container (app or init) by name. */
function specOf(pod: V1Pod, name: string): V1Container | undefined {
  return pod.spec?.containers.find((c) => c.name === name) ?? pod.spec?.initContainers?.find((c) => c.name === name);
}

const hasLive = (p: RuntimePod | undefined) => !!p && (p.containers.some((c) => c.state === 'running' || c.state === 'created') || p.sandboxes.some((s) => s.state === 'ready'));

const describe = (w: Worker) => (w.pod ? `${w.pod.metadata?.namespace}/${w.pod.metadata?.name} (${w.uid})` : w.uid);

/** The deletion's grace period when the pod is being deleted, else the spec's (upstream's KillPod). */
function gracePeriodOf(pod: V1Pod): number {
  const g = pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
  return Math.max(0, g);
}

/** Upstream's generatePodSandboxConfig, the parts a runtime acts on; `dns` from the node's DNS settings (dns.ts). */
export function sandboxConfig(pod: V1Pod, dns?: SandboxConfig['dns']): SandboxConfig {
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
    ...(dns ? { dns } : {}),
    labels: {
      'io.kubernetes.pod.name': pod.metadata?.name ?? '',
      'io.kubernetes.pod.namespace': pod.metadata?.namespace ?? '',
      'io.kubernetes.pod.uid': pod.metadata?.uid ?? '',
    },
  };
}
