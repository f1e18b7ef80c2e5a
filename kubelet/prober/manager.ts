// The prober manager (upstream's pkg/kubelet/prober/prober_manager.go): one worker per probe of
// each app container and sidecar (restartable init container), started when the kubelet first
// syncs a pod and stopped when the pod goes; a results cache keyed by container instance; a
// change of a reported result wakes the pod's worker, which writes the new readiness into the
// status or, for a liveness / startup failure, restarts the container.
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import type { EventRecorder } from '../../client/index.ts';
import type { ContainerRuntime } from '../runtime/runtime.ts';
import type { ProbeOutcome, ProbeResult, ProbeTarget } from './probe.ts';
import { PROBE_NAMES, ProbeWorker, type ProbeType, type WorkerHost, type WorkerTarget } from './worker.ts';
import type { V1Probe } from '@kubernetes/client-node';

export interface ProberManagerOptions {
  runtime: ContainerRuntime;
  /** The current instance of a container of a pod, or undefined when there is none yet. */
  target(podUid: string, containerName: string): Omit<WorkerTarget, 'runtime'> | undefined;
  /** A reported result changed for this pod. */
  onChange(podUid: string): void;
  recorder?: EventRecorder;
  /** The pod as the events name it. */
  pod(podUid: string): V1Pod | undefined;
  now?: () => number;
  /** Replaces the real probes (tests). */
  run?(probe: V1Probe, target: ProbeTarget, signal: AbortSignal): Promise<ProbeOutcome>;
}

/** What the status reports for a running container: started (startup probe passed) and ready. */
export interface ContainerProbeStatus {
  started: boolean;
  ready: boolean;
}

const isSidecar = (c: V1Container) => c.restartPolicy === 'Always';

/** The containers a pod's probes watch: app containers and sidecars. */
function probedContainers(pod: V1Pod): V1Container[] {
  return [...(pod.spec?.initContainers ?? []).filter(isSidecar), ...(pod.spec?.containers ?? [])];
}

export class ProberManager implements WorkerHost {
  private readonly workers = new Map<string, ProbeWorker[]>();
  private readonly results = new Map<string, Partial<Record<ProbeType, ProbeResult>>>();
  readonly now: () => number;
  readonly run?: WorkerHost['run'];

  constructor(private readonly o: ProberManagerOptions) {
    this.now = o.now ?? Date.now;
    if (o.run) this.run = o.run;
  }

  /** Starts the workers of a pod's probes (once per pod). */
  addPod(pod: V1Pod): void {
    const uid = pod.metadata?.uid;
    if (!uid || this.workers.has(uid)) return;
    const list: ProbeWorker[] = [];
    for (const c of probedContainers(pod)) {
      const probes: Array<[ProbeType, V1Probe | undefined]> = [['startup', c.startupProbe], ['readiness', c.readinessProbe], ['liveness', c.livenessProbe]];
      for (const [type, spec] of probes) if (spec) list.push(new ProbeWorker(this, uid, c.name, type, spec));
    }
    this.workers.set(uid, list);
    for (const w of list) w.start();
  }

  removePod(uid: string): void {
    for (const w of this.workers.get(uid) ?? []) w.stop();
    this.workers.delete(uid);
  }

  stop(): void {
    for (const uid of [...this.workers.keys()]) this.removePod(uid);
  }

  /** upstream's UpdatePodStatus for one running container instance. */
  status(container: V1Container, containerId: string): ContainerProbeStatus {
    const r = this.results.get(containerId) ?? {};
    const started = container.startupProbe ? r.startup === 'success' : true;
    const ready = started && (container.readinessProbe ? r.readiness === 'success' : true);
    return { started, ready };
  }

  /** The instance failed its liveness or startup probe and must be restarted. */
  failure(containerId: string): 'liveness' | 'startup' | undefined {
    const r = this.results.get(containerId);
    if (r?.liveness === 'failure') return 'liveness';
    if (r?.startup === 'failure') return 'startup';
    return undefined;
  }

  // ---- WorkerHost ----

  target(podUid: string, containerName: string): WorkerTarget | undefined {
    const t = this.o.target(podUid, containerName);
    return t ? { ...t, runtime: this.o.runtime } : undefined;
  }

  get(containerId: string, type: ProbeType): ProbeResult | undefined {
    return this.results.get(containerId)?.[type];
  }

  set(containerId: string, type: ProbeType, result: ProbeResult | undefined, podUid: string): void {
    let r = this.results.get(containerId);
    if (r?.[type] === result) return;
    if (!r) this.results.set(containerId, (r = {}));
    if (result === undefined) delete r[type];
    else r[type] = result;
    if (Object.keys(r).length === 0) this.results.delete(containerId);
    this.o.onChange(podUid);
  }

  failed(podUid: string, containerName: string, type: ProbeType, outcome: ProbeOutcome): void {
    const pod = this.o.pod(podUid);
    if (!pod || !this.o.recorder) return;
    const message = outcome.error !== undefined ? `${PROBE_NAMES[type]} probe errored: ${outcome.error}` : `${PROBE_NAMES[type]} probe failed: ${outcome.output}`;
    this.o.recorder.event(podRef(pod), 'Warning', 'Unhealthy', message);
  }
}

/** The pod as an event's involvedObject (informer objects may lack apiVersion and kind). */
export function podRef(pod: V1Pod): V1Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: pod.metadata };
}
