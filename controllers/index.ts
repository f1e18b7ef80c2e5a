// The controller manager: every controller of this process over one set of shared informers,
// as kube-controller-manager. `capstan up` runs it in-process; `capstan controller-manager
// --kubeconfig …` runs it alone.
import { hostname } from 'node:os';
import type { KubeConfig } from '@kubernetes/client-node';
import {
  Backoff, InformerFactory, makeClients, newEventRecorder, restEventSink, runComponent, sleep,
  type Clients, type ComponentElection, type Controller, type ControllerEnv, type EventRecorder,
} from '../client/index.ts';
import { ServiceAccountClientBuilder, type ServiceAccountTokenSource } from '../client/satokens.ts';
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
import { endpointSliceMirroringController } from './endpointslicemirroring.ts';
import { deploymentController } from './deployment/index.ts';
import { jobController } from './job/index.ts';
import { cronJobController } from './cronjob.ts';
import { ttlAfterFinishedController } from './ttlafterfinished.ts';
import { statefulSetController } from './statefulset/index.ts';
import { daemonSetController } from './daemonset/index.ts';
import { clusterRoleAggregationController } from './clusterroleaggregation.ts';
import { resourceQuotaController } from './resourcequota.ts';
import { persistentVolumeBinderController } from './persistentvolume/index.ts';
import { pvcProtectionController } from './pvcprotection.ts';
import { pvProtectionController } from './pvprotection.ts';
import { serviceAccountTokensController, type ServiceAccountTokensOptions } from './serviceaccounttokens.ts';

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
export { endpointSliceMirroringController } from './endpointslicemirroring.ts';
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
    replicaSetController(), replicationControllerController(), endpointsController, endpointSliceController, endpointSliceMirroringController,
    deploymentController(), jobController(), cronJobController(), ttlAfterFinishedController(),
    statefulSetController(), daemonSetController(), clusterRoleAggregationController(), resourceQuotaController(),
    persistentVolumeBinderController(), pvcProtectionController(), pvProtectionController(),
  ];
}

/**
 * The controllers a controller manager runs: the defaults, plus the tokens controller when it
 * has the service-account key (kube-controller-manager's --service-account-private-key-file).
 */
export function controllersWith(tokenSigner: ServiceAccountTokensOptions | undefined): Controller[] {
  return tokenSigner ? [...defaultControllers(), serviceAccountTokensController(tokenSigner)] : defaultControllers();
}

/**
 * The ServiceAccount in kube-system each controller acts as under useServiceAccountCredentials:
 * the names upstream's controller descriptors pass to ClientBuilder.ClientOrDie, each bound to its
 * ClusterRole system:controller:<name> by the bootstrap policy (server/rbac/controllerpolicy.ts).
 * A controller missing here acts as the ServiceAccount named after it (upstream's ClientOrDie(name)),
 * which has no permissions until someone binds it some.
 */
export const CONTROLLER_SERVICE_ACCOUNTS: Readonly<Record<string, string>> = {
  namespace: 'namespace-controller',
  serviceaccount: 'service-account-controller',
  garbagecollector: 'generic-garbage-collector',
  'root-ca-cert-publisher': 'root-ca-cert-publisher',
  'node-lifecycle': 'node-controller',
  // Upstream: "taint-manager uses existing cluster role from node-controller".
  'taint-eviction-controller': 'node-controller',
  disruption: 'disruption-controller',
  replicaset: 'replicaset-controller',
  replicationcontroller: 'replication-controller',
  endpoint: 'endpoint-controller',
  endpointslice: 'endpointslice-controller',
  endpointslicemirroring: 'endpointslicemirroring-controller',
  deployment: 'deployment-controller',
  job: 'job-controller',
  'cronjob-controller': 'cronjob-controller',
  'ttl-after-finished-controller': 'ttl-after-finished-controller',
  statefulset: 'statefulset-controller',
  daemonset: 'daemon-set-controller',
  'clusterrole-aggregation': 'clusterrole-aggregation-controller',
  resourcequota: 'resourcequota-controller',
  'persistent-volume-binder': 'persistent-volume-binder',
  'pvc-protection-controller': 'pvc-protection-controller',
  'pv-protection-controller': 'pv-protection-controller',
};

/**
 * Controllers that keep the controller manager's own credential even under
 * useServiceAccountCredentials (upstream's rootClientBuilder): the tokens controller writes the
 * token Secrets ServiceAccounts are checked against.
 */
export const ROOT_CREDENTIAL_CONTROLLERS: ReadonlySet<string> = new Set(['serviceaccount-token']);

/** The ServiceAccount `controller` acts as, or undefined for the controller manager's own credential. */
export function serviceAccountFor(controller: Pick<Controller, 'name'>): string | undefined {
  if (ROOT_CREDENTIAL_CONTROLLERS.has(controller.name)) return undefined;
  return CONTROLLER_SERVICE_ACCOUNTS[controller.name] ?? controller.name;
}

/** Where the ServiceAccounts of the controllers live (upstream: metav1.NamespaceSystem). */
const CONTROLLER_SERVICE_ACCOUNT_NAMESPACE = 'kube-system';

export interface ControllerManagerOptions {
  /**
   * The controller manager's own credential. With useServiceAccountCredentials it needs only
   * system:kube-controller-manager's rights: list and watch everything (the shared informers),
   * get and create ServiceAccounts and create serviceaccounts/token (the controllers' tokens).
   */
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
  /**
   * Each controller talks to the API server as its own ServiceAccount kube-system/<name>
   * (CONTROLLER_SERVICE_ACCOUNTS), with tokens from the TokenRequest API, so it can do only what
   * its system:controller:<name> ClusterRole allows (upstream's --use-service-account-credentials,
   * which kubeadm sets). The shared informers, leader election and the tokens controller stay on
   * the kubeconfig's credential. Off: every controller uses the kubeconfig's credential.
   */
  useServiceAccountCredentials?: boolean;
}

export interface RunningControllerManager {
  /** Resolves once every controller has stopped after the signal aborted. */
  done: Promise<void>;
}

const USER_AGENT = 'capstan-controller-manager';

export function startControllerManager(opts: ControllerManagerOptions): RunningControllerManager {
  const log = opts.log ?? ((m: string) => process.stderr.write(`${new Date().toISOString()} ${m}\n`));
  const clients = makeClients(opts.kubeconfig, { userAgent: USER_AGENT });
  const controllers = opts.controllers ?? defaultControllers();

  const work = async (signal: AbortSignal) => {
    // Upstream's "shared-informers" client is the root one: it may list and watch everything.
    const informers = new InformerFactory(clients.rest, { log });
    const recorders: EventRecorder[] = [];
    const builder = opts.useServiceAccountCredentials
      ? new ServiceAccountClientBuilder({ root: clients, namespace: CONTROLLER_SERVICE_ACCOUNT_NAMESPACE, userAgent: USER_AGENT, log, signal })
      : undefined;
    // A controller's events are written with its own client, as upstream's per-controller broadcasters do.
    const envFor = (own: Clients): ControllerEnv => ({
      clients: own, informers, log,
      recorder: (component) => {
        const r = newEventRecorder({ sink: restEventSink(own.rest), component, host: hostname(), log });
        recorders.push(r);
        return r;
      },
    });
    const runOne = (c: Controller) => {
      const account = builder ? serviceAccountFor(c) : undefined;
      if (!builder || account === undefined) return runRestarting(c, envFor(clients), signal, log);
      const own = builder.clientsFor(account);
      return runRestarting(c, envFor(own), signal, log, own.tokens);
    };
    try {
      await Promise.all(controllers.map(runOne));
      await informers.done();
      await Promise.all(recorders.map((r) => r.flush()));
    } finally {
      builder?.close();
    }
  };
  const done = runComponent({ rest: clients.rest, election: opts.leaderElection, leaseName: 'kube-controller-manager', log, signal: opts.signal, work })
    .finally(() => clients.rest.close());
  return { done };
}

/**
 * A controller whose run() fails unexpectedly is logged and started again after a back-off. One
 * acting as a ServiceAccount starts only once it holds a token (upstream's ConfigOrDie ends the
 * process instead; here the controller alone waits and tries again).
 */
async function runRestarting(c: Controller, env: ControllerEnv, signal: AbortSignal, log: (m: string) => void, tokens?: ServiceAccountTokenSource): Promise<void> {
  const backoff = new Backoff(1_000, 60_000);
  while (!signal.aborted) {
    try {
      if (tokens) await tokens.token();
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
