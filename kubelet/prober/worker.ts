// One probe of one container (upstream's prober worker, pkg/kubelet/prober/worker.go): every
// periodSeconds it looks at the container's current instance and probes it, and it turns runs of
// results into the reported result with the thresholds. A new container instance starts from the
// probe type's initial value (readiness: failure, liveness: success, startup: unknown); nothing is
// probed before initialDelaySeconds after the start, liveness and readiness wait for the startup
// probe, and after a liveness or startup failure the worker holds until the container is replaced.
import type { V1Probe } from '@kubernetes/client-node';
import { runProbe, type ProbeOutcome, type ProbeResult, type ProbeTarget } from './probe.ts';

export type ProbeType = 'liveness' | 'readiness' | 'startup';

/** Upstream's probe type names in events: "Liveness probe failed: …". */
export const PROBE_NAMES: Record<ProbeType, string> = { liveness: 'Liveness', readiness: 'Readiness', startup: 'Startup' };

/** The container as the worker needs it, looked up afresh on every tick. */
export interface WorkerTarget extends ProbeTarget {
  state: 'created' | 'running' | 'exited' | 'unknown';
  /** Epoch ms. */
  startedAt?: number;
  restartPolicy: string;
  /** The pod is being deleted. */
  terminating: boolean;
}

export interface WorkerHost {
  target(podUid: string, containerName: string): WorkerTarget | undefined;
  /** The reported result of a probe of a container instance; undefined to clear it. */
  set(containerId: string, type: ProbeType, result: ProbeResult | undefined, podUid: string): void;
  get(containerId: string, type: ProbeType): ProbeResult | undefined;
  /** A failed run, for the Unhealthy event. */
  failed(podUid: string, containerName: string, type: ProbeType, outcome: ProbeOutcome): void;
  now(): number;
  run?(probe: V1Probe, target: ProbeTarget, signal: AbortSignal): Promise<ProbeOutcome>;
}

const INITIAL: Record<ProbeType, ProbeResult | undefined> = { readiness: 'failure', liveness: 'success', startup: undefined };

export class ProbeWorker {
  private containerId = '';
  private lastResult: ProbeResult | undefined;
  private resultRun = 0;
  private onHold = false;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private readonly ac = new AbortController();

  constructor(
    private readonly host: WorkerHost,
    readonly podUid: string,
    readonly containerName: string,
    readonly type: ProbeType,
    private readonly spec: V1Probe,
  ) {}

  private get periodMs(): number {
    return Math.max(1, this.spec.periodSeconds ?? 10) * 1000;
  }

  start(): void {
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    this.ac.abort();
    if (this.timer) clearTimeout(this.timer);
    if (this.containerId) this.host.set(this.containerId, this.type, undefined, this.podUid);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.tick().then((keep) => { if (keep) this.schedule(this.periodMs); }, () => this.schedule(this.periodMs));
    }, ms);
    this.timer.unref?.();
  }

  /** One probe attempt; false when the worker should end (the container ended for good). */
  async tick(): Promise<boolean> {
    const t = this.host.target(this.podUid, this.containerName);
    if (!t || !t.containerId) return true;
    if (t.containerId !== this.containerId) {
      if (this.containerId) this.host.set(this.containerId, this.type, undefined, this.podUid);
      this.containerId = t.containerId;
      this.lastResult = undefined;
      this.resultRun = 0;
      this.onHold = false;
      this.host.set(this.containerId, this.type, INITIAL[this.type], this.podUid);
    }
    if (this.onHold) return true;
    if (t.state !== 'running') {
      this.host.set(this.containerId, this.type, 'failure', this.podUid);
      // A container that ended under restartPolicy Never is not coming back.
      return !(t.state === 'exited' && t.restartPolicy === 'Never');
    }
    // A pod on its way out is not restarted for failing probes (upstream: liveness and startup report success).
    if (t.terminating && this.type !== 'readiness') {
      this.host.set(this.containerId, this.type, 'success', this.podUid);
      return true;
    }
    const started = t.startedAt ?? this.host.now();
    if (this.host.now() - started < (this.spec.initialDelaySeconds ?? 0) * 1000) return true;
    const startup = this.host.get(this.containerId, 'startup');
    if (this.type === 'startup') {
      // Once started, a container's startup probe is done with it.
      if (startup === 'success') return true;
    } else if (t.container.startupProbe && startup !== 'success') return true;

    const run = this.host.run ?? runProbe;
    const outcome = await run(this.spec, t, this.ac.signal);
    if (this.stopped) return false;
    // The container may have been replaced while the probe ran.
    if (this.host.target(this.podUid, this.containerName)?.containerId !== this.containerId) return true;
    let result: ProbeResult = outcome.result;
    if (result !== 'success') {
      this.host.failed(this.podUid, this.containerName, this.type, outcome);
      // An error is neither success nor failure: the result stays as it was.
      if (result === 'unknown') return true;
    }
    result = result === 'success' ? 'success' : 'failure';
    if (this.lastResult === result) this.resultRun++;
    else { this.lastResult = result; this.resultRun = 1; }
    const failureThreshold = this.spec.failureThreshold ?? 3;
    const successThreshold = this.spec.successThreshold ?? 1;
    if ((result === 'failure' && this.resultRun < failureThreshold) || (result === 'success' && this.resultRun < successThreshold)) return true;
    this.host.set(this.containerId, this.type, result, this.podUid);
    if (result === 'failure' && (this.type === 'liveness' || this.type === 'startup')) {
      // The container will be restarted; stop probing this instance.
      this.onHold = true;
      this.resultRun = 0;
    }
    return true;
  }
}
