// The controller manager under its own identity (a client certificate for
// system:kube-controller-manager) with useServiceAccountCredentials: every controller acts as its
// ServiceAccount kube-system/<name> and is held to its system:controller:<name> role, as upstream's
// kube-controller-manager under kubeadm. The audit log says who made each request: every write by
// a controller comes from its ServiceAccount, and none is refused; a controller without a binding
// is refused, says so in the log, and the others carry on.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type {
  KubernetesObject, V1ClusterRole, V1ConfigMap, V1CronJob, V1DaemonSet, V1Deployment, V1Endpoints, V1Job, V1Node,
  V1PodDisruptionBudget, V1ResourceQuota, V1Secret, V1StatefulSet, V1EndpointSlice,
} from '@kubernetes/client-node';
import {
  defineController, isNotFound, loadKubeConfig, makeClients, resource, statusCodeOf, type Clients, type Controller,
} from '../client/index.ts';
import {
  configMaps, cronJobs, daemonSets, deployments, endpointSlices, endpoints, jobs, namespaces, nodes, podDisruptionBudgets,
  pods, secrets, serviceAccounts, services, statefulSets,
} from '../client/resources.ts';
import { openStore, type SqlStore } from '../storage/index.ts';
import { startApiServer, type RunningApiServer } from '../server/index.ts';
import { ensurePki, type Pki } from '../server/pki.ts';
import { writeKubeconfig } from '../server/kubeconfig.ts';
import { Auditor, METADATA_POLICY, memoryAuditSink, type AuditEvent } from '../server/pipeline/audit.ts';
import { createDatabaseAt } from '../test/postgres.ts';
import { eventually } from '../test/eventually.ts';
import { runPodLife, type PodLifeOptions } from '../test/podlife.ts';
import { cronJobController } from './cronjob.ts';
import { serviceAccountTokensController } from './serviceaccounttokens.ts';
import { defaultControllers, serviceAccountFor, startControllerManager, type RunningControllerManager } from './index.ts';

const resourceQuotas = resource<V1ResourceQuota>('v1/resourcequotas', { model: 'V1ResourceQuota', kind: 'ResourceQuota', namespaced: true });
const clusterRoles = resource<V1ClusterRole>('rbac.authorization.k8s.io/v1/clusterroles', { model: 'V1ClusterRole', kind: 'ClusterRole', namespaced: false });

const KCM_USER = 'system:kube-controller-manager';
const SA_PREFIX = 'system:serviceaccount:kube-system:';
const DENIED_SYNC = 'configmap-stamper';
const DENIED_RUN = 'secret-lister';
const NODE = 'sa-node';

let dir: string;
let store: SqlStore;
let pki: Pki;
let api: RunningApiServer;
let cm: RunningControllerManager;
let admin: Clients;
let kcm: Clients;
let adminKubeconfig: string;
const audit = memoryAuditSink();
const logs: string[] = [];
const ac = new AbortController();
/** The cron job controller's clock, moved ahead by the CronJob test. */
let clock = Date.now();

/** Tries to stamp every ConfigMap in namespace "denied": its ServiceAccount has no binding. */
const configMapStamper = defineController<V1ConfigMap>({
  name: DENIED_SYNC,
  primary: configMaps,
  async sync(key, { clients, lister, signal }) {
    const cmap = lister(configMaps).get(key);
    if (!cmap || cmap.metadata?.namespace !== 'denied') return;
    await clients.rest.patch(configMaps, 'denied', cmap.metadata.name!, { metadata: { annotations: { stamped: 'yes' } } }, { signal });
  },
});

/** Lists Secrets directly (not through an informer) as it starts: refused, so its run() fails. */
const secretLister: Controller = {
  name: DENIED_RUN,
  async run(env, signal) {
    await env.clients.rest.list(secrets, 'kube-system', { signal });
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  },
};

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'capstan-kcm-sa-'));
  store = await openStore({ databaseUrl: await createDatabaseAt(inject('pgAdminUrl')) });
  pki = await ensurePki(path.join(dir, 'pki'), { hosts: ['127.0.0.1'] });
  api = await startApiServer({
    store, port: 0, log: () => {},
    tls: { cert: pki.servingCert, key: pki.servingKey, ca: pki.caCert },
    serviceAccountSigningKey: pki.saPrivateKey,
    audit: new Auditor(METADATA_POLICY, audit),
  });
  adminKubeconfig = path.join(dir, 'admin.kubeconfig');
  await writeKubeconfig(adminKubeconfig, { server: api.url, caPem: pki.caCert, user: 'kubernetes-admin', clientCertPem: pki.adminCert, clientKeyPem: pki.adminKey });
  admin = makeClients(adminKubeconfig);
  await admin.rest.create(nodes, '', { metadata: { name: NODE, labels: { 'kubernetes.io/hostname': NODE } } } as V1Node);

  // kubeadm's controller-manager.conf: a certificate whose CN is the component's user, no groups.
  const cert = await pki.issueClientCert(KCM_USER, []);
  const kcmKubeconfig = path.join(dir, 'controller-manager.kubeconfig');
  await writeKubeconfig(kcmKubeconfig, { server: api.url, caPem: pki.caCert, user: KCM_USER, clientCertPem: cert.cert, clientKeyPem: cert.key });
  kcm = makeClients(kcmKubeconfig);

  const controllers = [
    ...defaultControllers().map((c) => (c.name === 'cronjob-controller' ? cronJobController({ now: () => clock, resyncMs: 100 }) : c)),
    serviceAccountTokensController({ privateKey: pki.saPrivateKey, rootCA: pki.caCert }),
    configMapStamper, secretLister,
  ];
  cm = startControllerManager({
    kubeconfig: kcmKubeconfig, signal: ac.signal, useServiceAccountCredentials: true, controllers,
    log: (m) => {
      logs.push(m);
      if (process.env.CAPSTAN_TEST_LOG) process.stderr.write(`${m}\n`);
    },
  });
});

afterAll(async () => {
  ac.abort();
  await cm?.done;
  admin?.rest.close();
  kcm?.rest.close();
  await api?.close();
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function namespace(name: string, decide?: PodLifeOptions['decide']): Promise<string> {
  await admin.rest.create(namespaces, '', { metadata: { name } });
  runPodLife({ kubeconfig: loadKubeConfig(adminKubeconfig), namespace: name, signal: ac.signal, decide });
  return name;
}

const gone = (get: () => Promise<unknown>) => () => get().then(() => false, (e: unknown) => isNotFound(e));
/** Pods already bound to the one (kubelet-less) Node: the EndpointSlice controller leaves out pods of unknown nodes. */
const template = (app: string) => ({
  metadata: { labels: { app } },
  spec: { nodeName: NODE, containers: [{ name: 'c', image: 'busybox' }] },
});

/** The audit log's final events of requests the controller manager made (its user agent). */
const controllerManagerRequests = (): AuditEvent[] =>
  audit.events.filter((e) => e.stage === 'ResponseComplete' && (e.userAgent ?? '').startsWith('capstan-controller-manager'));
const codeOf = (e: AuditEvent) => Number(e.responseStatus?.code ?? 0);
const resourceOf = (e: AuditEvent) => [e.objectRef?.resource, e.objectRef?.subresource].filter(Boolean).join('/');
const MUTATING = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

/** Whether `account` made a successful `verb` on `res` (resource[/subresource]). */
const wrote = (account: string, verb: string, res: string) =>
  controllerManagerRequests().some((e) => e.user.username === SA_PREFIX + account && e.verb === verb && resourceOf(e) === res && codeOf(e) < 300);

describe('the controller manager with service account credentials', () => {
  it('names each controller\'s ServiceAccount as upstream does; the tokens controller keeps the root credential', () => {
    const byName = Object.fromEntries(defaultControllers().map((c) => [c.name, serviceAccountFor(c)]));
    expect(byName).toMatchObject({
      deployment: 'deployment-controller', replicaset: 'replicaset-controller', namespace: 'namespace-controller',
      garbagecollector: 'generic-garbage-collector', daemonset: 'daemon-set-controller', 'taint-eviction-controller': 'node-controller',
      'node-lifecycle': 'node-controller', endpoint: 'endpoint-controller', resourcequota: 'resourcequota-controller',
    });
    expect(serviceAccountFor({ name: 'serviceaccount-token' })).toBeUndefined();
    expect(serviceAccountFor({ name: 'my-controller' })).toBe('my-controller');
  });

  it('runs on a credential that is not an administrator: system:kube-controller-manager cannot write a ConfigMap', async () => {
    const err = await kcm.rest.create(configMaps, 'default', { metadata: { name: 'nope' } }).catch((e: unknown) => e);
    expect(statusCodeOf(err)).toBe(403);
    expect((err as Error).message).toContain(`User "${KCM_USER}" cannot create resource "configmaps"`);
  });

  it('creates each controller\'s ServiceAccount in kube-system and gets its token through the TokenRequest API', async () => {
    for (const sa of ['deployment-controller', 'replicaset-controller', 'namespace-controller', 'generic-garbage-collector']) {
      await eventually(() => admin.rest.get(serviceAccounts, 'kube-system', sa).catch(() => undefined), { what: `ServiceAccount ${sa}` });
    }
    await eventually(() => controllerManagerRequests().some((e) => e.user.username === KCM_USER && resourceOf(e) === 'serviceaccounts/token' && codeOf(e) === 201), { what: 'a TokenRequest by the controller manager' });
  });

  it('logs a controller refused by RBAC and keeps running it and the others', async () => {
    await admin.rest.create(namespaces, '', { metadata: { name: 'denied' } });
    await admin.rest.create(configMaps, 'denied', { metadata: { name: 'target' } });
    await eventually(() => logs.some((m) => m.startsWith(`${DENIED_SYNC}: sync denied/target failed`)
      && m.includes(`User "${SA_PREFIX}${DENIED_SYNC}" cannot patch resource "configmaps" in API group "" in the namespace "denied"`)), { what: 'the refused sync in the log' });
    await eventually(() => logs.some((m) => m.startsWith(`controller ${DENIED_RUN} failed (restarting in`)
      && m.includes(`User "${SA_PREFIX}${DENIED_RUN}" cannot list resource "secrets"`)), { what: 'the refused start in the log' });
    const stamped = await admin.rest.get(configMaps, 'denied', 'target');
    expect(stamped.metadata?.annotations?.stamped).toBeUndefined();
    // The manager still serves everyone else: a new namespace gets its ServiceAccount and root CA.
    await admin.rest.create(namespaces, '', { metadata: { name: 'after-denial' } });
    await eventually(() => admin.rest.get(serviceAccounts, 'after-denial', 'default').catch(() => undefined), { what: 'the default ServiceAccount' });
    const ca = await eventually(() => admin.rest.get(configMaps, 'after-denial', 'kube-root-ca.crt').catch(() => undefined), { what: 'kube-root-ca.crt' });
    expect(ca.data?.['ca.crt']).toBe(pki.caCert);
    // The refused controller is started again, not given up on.
    await eventually(() => logs.filter((m) => m.startsWith(`controller ${DENIED_RUN} failed`)).length >= 2, { what: 'a second start of the refused controller', timeoutMs: 5_000 });
  });

  it('drives a Deployment to available pods, with Endpoints, EndpointSlices, quota usage and PDB status', async () => {
    const ns = await namespace('sa-apps');
    await admin.rest.create(resourceQuotas, ns, { metadata: { name: 'q' }, spec: { hard: { pods: '10' } } });
    await admin.rest.create(deployments, ns, {
      metadata: { name: 'web' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: template('web') },
    } as V1Deployment);
    await admin.rest.create(services, ns, { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } });
    await admin.rest.create(podDisruptionBudgets, ns, { metadata: { name: 'web' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } } } as V1PodDisruptionBudget);

    await eventually(async () => {
      const d = await admin.rest.get(deployments, ns, 'web');
      return d.status?.availableReplicas === 2 && d.status.updatedReplicas === 2 && d.status.observedGeneration === d.metadata?.generation;
    }, { what: 'the Deployment available', timeoutMs: 15_000 });
    const ep = await eventually(async () => {
      const e = await admin.rest.get(endpoints, ns, 'web').catch(() => undefined) as V1Endpoints | undefined;
      return (e?.subsets?.[0]?.addresses?.length ?? 0) === 2 ? e : undefined;
    }, { what: 'Endpoints with both pods' });
    expect(ep.subsets?.[0]?.ports?.[0]?.port).toBe(80);
    await eventually(async () => {
      const slices = (await admin.rest.list(endpointSlices, ns, { labelSelector: 'kubernetes.io/service-name=web' })).items as V1EndpointSlice[];
      return slices.reduce((n, s) => n + (s.endpoints?.length ?? 0), 0) === 2;
    }, { what: 'an EndpointSlice with both pods' });
    await eventually(async () => (await admin.rest.get(resourceQuotas, ns, 'q')).status?.used?.pods === '2', { what: 'quota usage of 2 pods' });
    await eventually(async () => (await admin.rest.get(podDisruptionBudgets, ns, 'web')).status?.currentHealthy === 2, { what: 'the PDB status' });

    expect(wrote('deployment-controller', 'create', 'replicasets')).toBe(true);
    expect(wrote('deployment-controller', 'update', 'deployments/status')).toBe(true);
    expect(wrote('replicaset-controller', 'create', 'pods')).toBe(true);
    expect(wrote('endpoint-controller', 'create', 'endpoints')).toBe(true);
    expect(wrote('endpointslice-controller', 'create', 'endpointslices')).toBe(true);
    expect(wrote('resourcequota-controller', 'update', 'resourcequotas/status')).toBe(true);
    expect(wrote('disruption-controller', 'update', 'poddisruptionbudgets/status')).toBe(true);
  });

  it('runs StatefulSets and DaemonSets to ready pods', async () => {
    const ns = await namespace('sa-sets');
    await admin.rest.create(statefulSets, ns, {
      metadata: { name: 'db' }, spec: { replicas: 2, serviceName: 'db', selector: { matchLabels: { app: 'db' } }, template: template('db') },
    } as V1StatefulSet);
    await admin.rest.create(daemonSets, ns, {
      metadata: { name: 'agent' }, spec: { selector: { matchLabels: { app: 'agent' } }, template: template('agent') },
    } as V1DaemonSet);
    await eventually(async () => (await admin.rest.get(statefulSets, ns, 'db')).status?.readyReplicas === 2, { what: 'the StatefulSet ready', timeoutMs: 15_000 });
    await eventually(async () => (await admin.rest.get(daemonSets, ns, 'agent')).status?.numberReady === 1, { what: 'the DaemonSet ready' });
    expect(wrote('statefulset-controller', 'create', 'pods')).toBe(true);
    expect(wrote('statefulset-controller', 'create', 'controllerrevisions')).toBe(true);
    expect(wrote('daemon-set-controller', 'create', 'pods')).toBe(true);
  });

  it('collects garbage in the background and in the foreground', async () => {
    const ns = await namespace('sa-gc');
    const owner = await admin.rest.create(configMaps, ns, { metadata: { name: 'owner' } });
    const ref = (o: KubernetesObject, blockOwnerDeletion = false) => [{ apiVersion: 'v1', kind: 'ConfigMap', name: o.metadata!.name!, uid: o.metadata!.uid!, blockOwnerDeletion }];
    await admin.rest.create(secrets, ns, { metadata: { name: 'dep', ownerReferences: ref(owner) } } as V1Secret);
    await admin.rest.delete(configMaps, ns, 'owner');
    await eventually(gone(() => admin.rest.get(secrets, ns, 'dep')), { what: 'the dependent collected' });

    const fg = await admin.rest.create(configMaps, ns, { metadata: { name: 'fg-owner' } });
    await admin.rest.create(configMaps, ns, { metadata: { name: 'fg-dep', ownerReferences: ref(fg, true) } });
    await admin.rest.delete(configMaps, ns, 'fg-owner', { propagationPolicy: 'Foreground' });
    await eventually(gone(() => admin.rest.get(configMaps, ns, 'fg-owner')), { what: 'the foreground owner gone after its dependent' });
    await eventually(gone(() => admin.rest.get(configMaps, ns, 'fg-dep')), { what: 'the foreground dependent gone' });
    expect(wrote('generic-garbage-collector', 'delete', 'secrets')).toBe(true);
  });

  it('runs a Job to completion and deletes it after its TTL', async () => {
    const ns = await namespace('sa-jobs', () => 'succeeded');
    await admin.rest.create(jobs, ns, {
      metadata: { name: 'once' },
      spec: { ttlSecondsAfterFinished: 0, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } },
    } as V1Job);
    await eventually(gone(() => admin.rest.get(jobs, ns, 'once')), { what: 'the finished Job deleted', timeoutMs: 15_000 });
    expect(wrote('job-controller', 'create', 'pods')).toBe(true);
    expect(wrote('job-controller', 'update', 'jobs/status')).toBe(true);
    expect(wrote('ttl-after-finished-controller', 'delete', 'jobs')).toBe(true);
  });

  it('runs a CronJob\'s Job when its time comes', async () => {
    const ns = await namespace('sa-cron', () => 'succeeded');
    clock = Date.now();
    const created = await admin.rest.create(cronJobs, ns, {
      metadata: { name: 'tick' },
      spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } } },
    } as V1CronJob);
    clock = (Math.floor(created.metadata!.creationTimestamp!.getTime() / 60_000) + 1) * 60_000 + 1_000;
    await eventually(async () => (await admin.rest.get(cronJobs, ns, 'tick')).status?.lastSuccessfulTime, { what: 'the CronJob\'s Job succeeded', timeoutMs: 15_000 });
    expect(wrote('cronjob-controller', 'create', 'jobs')).toBe(true);
    expect(wrote('cronjob-controller', 'update', 'cronjobs/status')).toBe(true);
  });

  it('aggregates ClusterRoles (which needs escalate) and fills legacy token Secrets on the root credential', async () => {
    await admin.rest.create(clusterRoles, '', {
      metadata: { name: 'sa-test-aggregate' },
      aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'sa-test/aggregate': 'true' } }] },
    } as V1ClusterRole);
    await admin.rest.create(clusterRoles, '', {
      metadata: { name: 'sa-test-part', labels: { 'sa-test/aggregate': 'true' } },
      rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }],
    } as V1ClusterRole);
    await eventually(async () => (await admin.rest.get(clusterRoles, '', 'sa-test-aggregate')).rules?.some((r) => r.resources?.includes('configmaps')), { what: 'the aggregated rules' });
    expect(wrote('clusterrole-aggregation-controller', 'patch', 'clusterroles')).toBe(true);

    const ns = await namespace('sa-tokens');
    await eventually(() => admin.rest.get(serviceAccounts, ns, 'default').catch(() => undefined), { what: 'the default ServiceAccount' });
    await admin.rest.create(secrets, ns, {
      metadata: { name: 'legacy', annotations: { 'kubernetes.io/service-account.name': 'default' } }, type: 'kubernetes.io/service-account-token',
    } as V1Secret);
    await eventually(async () => (await admin.rest.get(secrets, ns, 'legacy')).data?.token, { what: 'the legacy token filled' });
    expect(controllerManagerRequests().some((e) => e.user.username === KCM_USER && e.verb === 'update' && resourceOf(e) === 'secrets' && codeOf(e) < 300)).toBe(true);
  });

  it('deletes a namespace with all its content', async () => {
    const ns = await namespace('sa-nsdel');
    await admin.rest.create(configMaps, ns, { metadata: { name: 'content' } });
    await admin.rest.create(deployments, ns, {
      metadata: { name: 'web' }, spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: template('web') },
    } as V1Deployment);
    await eventually(async () => (await admin.rest.list(pods, ns)).items.length === 1, { what: 'the pod' });
    await admin.rest.delete(namespaces, '', ns);
    await eventually(gone(() => admin.rest.get(namespaces, '', ns)), { what: 'the namespace gone', timeoutMs: 15_000 });
    expect(wrote('namespace-controller', 'update', 'namespaces/finalize')).toBe(true);
  });

  it('made every controller write as its ServiceAccount, and none was refused but the unbound ones', () => {
    const requests = controllerManagerRequests();
    expect(requests.length).toBeGreaterThan(100);
    const denied = new Set([SA_PREFIX + DENIED_SYNC, SA_PREFIX + DENIED_RUN]);
    // Refused by authorization, that is: a namespace being deleted refuses new content with 403 too (admission).
    const refusedByRbac = (e: AuditEvent) => codeOf(e) === 403 && e.annotations?.['authorization.k8s.io/decision'] !== 'allow';
    const refused = requests.filter((e) => refusedByRbac(e) && !denied.has(e.user.username ?? ''));
    expect(refused.map((e) => `${e.user.username} ${e.verb} ${e.requestURI}: ${String(e.responseStatus?.message)}`)).toEqual([]);
    expect(requests.filter((e) => refusedByRbac(e) && denied.has(e.user.username ?? '')).length).toBeGreaterThan(0);
    // Every token was accepted: none went stale, none was used before its account existed.
    expect(requests.filter((e) => codeOf(e) === 401).map((e) => `${e.user.username ?? '(none)'} ${e.verb} ${e.requestURI}`)).toEqual([]);

    for (const e of requests) {
      const user = e.user.username ?? '';
      // Each ServiceAccount's requests carry its name in the user agent, as upstream's AddUserAgent.
      if (user.startsWith(SA_PREFIX)) expect(e.userAgent).toBe(`capstan-controller-manager/${user}`);
      else expect(user).toBe(KCM_USER);
    }
    // The controller manager's own writes are only its controllers' accounts and tokens, and the
    // tokens controller's Secrets and ServiceAccounts.
    const ownWrites = new Set(requests.filter((e) => e.user.username === KCM_USER && MUTATING.has(e.verb)).map((e) => `${e.verb} ${resourceOf(e)}`));
    for (const w of ownWrites) expect(['create serviceaccounts', 'create serviceaccounts/token', 'create secrets', 'update secrets', 'delete secrets', 'update serviceaccounts']).toContain(w);
    expect(ownWrites).toContain('create serviceaccounts/token');
    // And every ServiceAccount's requests were its own: the namespace controller's writes are not
    // the deployment controller's, and so on.
    expect(wrote('service-account-controller', 'create', 'serviceaccounts')).toBe(true);
    expect(wrote('root-ca-cert-publisher', 'create', 'configmaps')).toBe(true);
    expect(requests.some((e) => e.user.username === SA_PREFIX + 'deployment-controller' && resourceOf(e) === 'pods' && MUTATING.has(e.verb))).toBe(false);
  });
});
