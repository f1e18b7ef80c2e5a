// The controller manager: every controller of this process over one set of shared informers,
// as kube-controller-manager. `capstan up` runs it in-process; `capstan controller-manager
// --kubeconfig …` runs it alone.
import { hostname } from 'node:os';
import type { KubeConfig } from '@kubernetes/client-node';
import {
  Backoff, InformerFactory, makeClients, newEventRecorder, restEventSink, runComponent, sleep,
  type ComponentElection, type Controller, type ControllerEnv, type EventRecorder,
} from '../client/index.ts';
import { namespaceController } from './namespace.ts';
import { serviceAccountsController } from './serviceaccounts.ts';
import { garbageCollector } from './garbagecollector.ts';
import { nodeLifecycleController } from './nodelifecycle.ts';
import { taintEvictionController } from './tainteviction.ts';
import { disruptionController } from './disruption.ts';
import { rootCACertPublisher } from './rootcacertpublisher.ts';
import { replicaSetController, replicationControllerController } from './replicaset.ts';
import { endpointsController } from './endpoints.ts';
import { endpointSliceController } from './endpointslice.ts';
import { deploymentController } from './deployment/index.ts';
import { jobController } from './job/index.ts';
import { cronJobController } from './cronjob.ts';
import { ttlAfterFinishedController } from './ttlafterfinished.ts';
import { statefulSetController } from './statefulset/index.ts';
import { daemonSetController } from './daemonset/index.ts';
import { clusterRoleAggregationController } from './clusterroleaggregation.ts';
import { resourceQuotaController } from './resourcequota.ts';

export { namespaceController } from './namespace.ts';
export { serviceAccountsController } from './serviceaccounts.ts';
export { garbageCollector, GarbageCollector } from './garbagecollector.ts';
export { nodeLifecycleController } from './nodelifecycle.ts';
export { taintEvictionController } from './tainteviction.ts';
export { disruptionController } from './disruption.ts';
export { rootCACertPublisher } from './rootcacertpublisher.ts';
export { replicaSetController, replicationControllerController } from './replicaset.ts';
export { endpointsController } from './endpoints.ts';
export { endpointSliceController } from './endpointslice.ts';
export { deploymentController } from './deployment/index.ts';
export { jobController } from './job/index.ts';
export { cronJobController } from './cronjob.ts';
export { ttlAfterFinishedController } from './ttlafterfinished.ts';
export { statefulSetController } from './statefulset/index.ts';
export { daemonSetController } from './daemonset/index.ts';
export { clusterRoleAggregationController } from './clusterroleaggregation.ts';
export { resourceQuotaController } from './resourcequota.ts';
export { serviceAccountTokensController } from './serviceaccounttokens.ts';

/** The controllers `capstan controller-manager` runs, by name (upstream's --controllers names). */
export function defaultControllers(): Controller[] {
  return [
    namespaceController, serviceAccountsController, garbageCollector(), rootCACertPublisher(),
    nodeLifecycleController(), taintEvictionController(), disruptionController(),
    replicaSetController(), replicationControllerController(), endpointsController, endpointSliceController,
    deploymentController(), jobController(), cronJobController(), ttlAfterFinishedController(),
    statefulSetController(), daemonSetController(), clusterRoleAggregationController(), resourceQuotaController(),
  ];
}

export interface ControllerManagerOptions {
  kubeconfig: string | KubeConfig;
  signal: AbortSignal;
  /** Default: defaultControllers(). */
  controllers?: Controller[];
  log?: (msg: string) => void;
  /**
   * Run only while holding the Lease kube-system/kube-controller-manager (upstream's
   * --leader-elect). Off by default: `capstan up` runs a single controller manager.
   */
  leaderElection?: ComponentElection;
}

export interface RunningControllerManager {
  /** Resolves once every controller has stopped after the signal aborted. */
  done: Promise<void>;
}

export function startControllerManager(opts: ControllerManagerOptions): RunningControllerManager {
  const log = opts.log ?? ((m: string) => process.stderr.write(`${new Date().toISOString()} ${m}\n`));
  const clients = makeClients(opts.kubeconfig, { userAgent: 'capstan-controller-manager' });
  const controllers = opts.controllers ?? defaultControllers();

  const work = async (signal: AbortSignal) => {
    const informers = new InformerFactory(clients.rest, { log });
    const recorders: EventRecorder[] = [];
    const env: ControllerEnv = {
      clients, informers, log,
      recorder: (component) => {
        const r = newEventRecorder({ sink: restEventSink(clients.rest), component, host: hostname(), log });
        recorders.push(r);
        return r;
      },
    };
    await Promise.all(controllers.map((c) => runRestarting(c, env, signal, log)));
    await informers.done();
    await Promise.all(recorders.map((r) => r.flush()));
  };
  const done = runComponent({ rest: clients.rest, election: opts.leaderElection, leaseName: 'kube-controller-manager', log, signal: opts.signal, work })
    .finally(() => clients.rest.close());
  return { done };
}

/** A controller whose run() fails unexpectedly is logged and started again after a back-off. */
async function runRestarting(c: Controller, env: ControllerEnv, signal: AbortSignal, log: (m: string) => void): Promise<void> {
  const backoff = new Backoff(1_000, 60_000);
  while (!signal.aborted) {
    try {
      await c.run(env, signal);
      return;
    } catch (e) {
      if (signal.aborted) return;
      const delay = backoff.next();
      log(`controller ${c.name} failed (restarting in ${Math.round(delay)} ms): ${(e as Error)?.stack ?? String(e)}`);
      await sleep(delay, signal);
    }
  }
}
