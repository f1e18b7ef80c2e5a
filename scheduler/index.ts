// kube-scheduler for Capstan: `capstan up` runs it in-process; `capstan scheduler --kubeconfig …`
// runs it alone. An API client only: shared informers on pods, nodes, namespaces,
// PodDisruptionBudgets, PersistentVolumeClaims, PersistentVolumes and StorageClasses; bindings
// through pods/binding, volume bindings by updating PVs and PVCs (system:volume-scheduler's
// rights). With leaderElection it schedules only while holding the Lease
// kube-system/kube-scheduler, so replicas take turns.
import { hostname } from 'node:os';
import type { KubeConfig } from '@kubernetes/client-node';
import { InformerFactory, makeClients, newEventRecorder, restEventSink, runComponent, type ComponentElection } from '../client/index.ts';
import {
  namespaces, nodes, persistentVolumeClaims, persistentVolumes, podDisruptionBudgets, pods, replicaSets, replicationControllers, services, statefulSets,
  storageClasses,
} from '../client/resources.ts';

export { storageClasses };
import { DEFAULT_SCHEDULER_NAME, Scheduler, type SchedulerOptions } from './scheduler.ts';

export { Scheduler, DEFAULT_SCHEDULER_NAME } from './scheduler.ts';

/** storage.k8s.io/v1 StorageClasses (client/resources.ts names none yet). */

export interface StartSchedulerOptions {
  kubeconfig: string | KubeConfig;
  signal: AbortSignal;
  log?: (msg: string) => void;
  /** Upstream's --leader-elect; Lease kube-system/kube-scheduler unless named otherwise. */
  leaderElection?: ComponentElection;
  /** The schedulerName values this scheduler serves; default ["default-scheduler"]. */
  schedulerNames?: string[];
  /** 0 (the default): upstream's adaptive share of nodes to score. */
  percentageOfNodesToScore?: number;
  /** Called with each scheduler instance as it starts leading (tests and benchmarks read its stats). */
  onStarted?: (s: Scheduler) => void;
  queue?: SchedulerOptions['queue'];
  /** Bindings and status writes under way at once (default 256). */
  maxInFlight?: number;
  /** How long VolumeBinding's PreBind waits for a pod's claims to be bound: upstream's bindTimeoutSeconds, 600. */
  volumeBindTimeoutSeconds?: number;
}

export interface RunningScheduler {
  /** Resolves once the scheduler has stopped after the signal aborted. */
  done: Promise<void>;
}

export function startScheduler(opts: StartSchedulerOptions): RunningScheduler {
  const log = opts.log ?? ((m: string) => process.stderr.write(`${new Date().toISOString()} ${m}\n`));
  const clients = makeClients(opts.kubeconfig, { userAgent: 'capstan-scheduler' });
  const names = opts.schedulerNames?.length ? opts.schedulerNames : [DEFAULT_SCHEDULER_NAME];

  const work = async (signal: AbortSignal, stop: () => void) => {
    const factory = new InformerFactory(clients.rest, { log });
    // Events name the scheduler as their source, as upstream's default-scheduler does.
    const recorder = newEventRecorder({ sink: restEventSink(clients.rest), component: names[0]!, host: hostname(), log });
    const scheduler = new Scheduler({
      rest: clients.rest,
      informers: {
        pods: factory.informerFor(pods),
        nodes: factory.informerFor(nodes),
        namespaces: factory.informerFor(namespaces),
        podDisruptionBudgets: factory.informerFor(podDisruptionBudgets),
        persistentVolumeClaims: factory.informerFor(persistentVolumeClaims),
        persistentVolumes: factory.informerFor(persistentVolumes),
        storageClasses: factory.informerFor(storageClasses),
        services: factory.informerFor(services),
        replicationControllers: factory.informerFor(replicationControllers),
        replicaSets: factory.informerFor(replicaSets),
        statefulSets: factory.informerFor(statefulSets),
      },
      recorder,
      schedulerNames: names,
      percentageOfNodesToScore: opts.percentageOfNodesToScore,
      queue: opts.queue,
      maxInFlight: opts.maxInFlight,
      ...(opts.volumeBindTimeoutSeconds !== undefined ? { volumeBinding: { bindTimeoutMs: opts.volumeBindTimeoutSeconds * 1000 } } : {}),
      log,
    });
    factory.start(signal);
    opts.onStarted?.(scheduler);
    try {
      await scheduler.run(signal);
    } finally {
      stop();
      await factory.done();
      await recorder.flush();
    }
  };
  const done = runComponent({ rest: clients.rest, election: opts.leaderElection, leaseName: 'kube-scheduler', log, signal: opts.signal, work })
    .finally(() => clients.rest.close());
  return { done };
}
