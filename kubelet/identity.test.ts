// Kubelets under their node identities, as kubeadm runs them: each with a client certificate for
// system:node:<name> in system:nodes (cli/identities.ts), held by the Node authorizer and the
// NodeRestriction admission plugin to its own Node, Lease and pods and to the objects those pods
// reference. Simulated nodes (one host, one credential per node) and a kubelet with volumes run
// their whole lives so — registration, node status, leases, pod status, events, ConfigMaps and
// Secrets for env and volumes, claims, projected service-account tokens, deletion, the kubelet
// API's reviews — and the audit log shows none of their requests refused. A node reaching for
// another node's pod is refused with upstream's messages.
import https from 'node:https';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CoreV1Event, V1Lease, V1Pod } from '@kubernetes/client-node';
import { ApiError, isNotFound, loadKubeConfig, resources, RestClient } from '../client/index.ts';
import {
  configMaps, namespaces, nodes, persistentVolumeClaims, persistentVolumes, pods, secrets, serviceAccounts,
} from '../client/resources.ts';
import { componentKubeconfig, nodeUser } from '../cli/identities.ts';
import { kubectl } from '../conformance/harness/kubectl.ts';
import type { System } from '../conformance/harness/system.ts';
import { openStore, type SqlStore } from '../storage/index.ts';
import { startApiServer, type RunningApiServer } from '../server/index.ts';
import { ensurePki, type Pki } from '../server/pki.ts';
import { writeKubeconfig } from '../server/kubeconfig.ts';
import { Auditor, METADATA_POLICY, memoryAuditSink, type AuditEvent } from '../server/pipeline/audit.ts';
import { createDatabaseAt } from '../test/postgres.ts';
import { eventually } from '../test/eventually.ts';
import { FakeRuntime } from './runtime/fake.ts';
import { simulatedLoopbackIP, startKubelet, startSimulatedNodes, type RunningKubelet } from './index.ts';

const NS = 'identity';
const SIM = ['idsim-0', 'idsim-1'];
const VOL = 'idvol';
const API_USER = 'kubelet-api-user';
const API_USER_TOKEN = 'kubelet-api-user-token';
/** The user agent of this file's deliberate trespasses, which the final audit check leaves out. */
const INTRUDER_AGENT = 'identity-test-intruder';
const timings = {
  statusIntervalMs: 200, statusReportIntervalMs: 1_000, leaseIntervalMs: 300, resyncIntervalMs: 2_000,
  backoff: { initialMs: 200, maxMs: 800 },
};

let dir: string;
let store: SqlStore;
let pki: Pki;
let api: RunningApiServer;
let admin: RestClient;
let sys: System;
let sim: RunningKubelet;
let vol: RunningKubelet;
let root: string;
const audit = memoryAuditSink();
const kubeletLog: string[] = [];
const ac = new AbortController();
const volRuntime = new FakeRuntime();

const log = (m: string) => {
  kubeletLog.push(m);
  if (process.env.CAPSTAN_TEST_LOG) process.stderr.write(`${m}\n`);
};

/** kubeadm's kubelet.conf for one node, written under the test's data dir. */
const kubeconfigFor = (nodeName: string) => componentKubeconfig({ pki, dataDir: dir, server: api.url, file: `kubelet-${nodeName}`, identity: nodeUser(nodeName) });

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'capstan-kubelet-identity-'));
  root = path.join(dir, 'kubelet');
  store = await openStore({ databaseUrl: await createDatabaseAt(inject('pgAdminUrl')) });
  pki = await ensurePki(path.join(dir, 'pki'), { hosts: ['127.0.0.1'] });
  api = await startApiServer({
    store, port: 0, log: () => {},
    tls: { cert: pki.servingCert, key: pki.servingKey, ca: pki.caCert },
    serviceAccountSigningKey: pki.saPrivateKey,
    kubeletClient: await pki.issueClientCert('kube-apiserver-kubelet-client', ['system:masters']),
    tokens: [{ token: API_USER_TOKEN, user: { name: API_USER, groups: [] } }],
    audit: new Auditor(METADATA_POLICY, audit),
  });
  const adminKubeconfig = path.join(dir, 'admin.kubeconfig');
  await writeKubeconfig(adminKubeconfig, { server: api.url, caPem: pki.caCert, user: 'kubernetes-admin', clientCertPem: pki.adminCert, clientKeyPem: pki.adminKey });
  admin = new RestClient(loadKubeConfig(adminKubeconfig));
  sys = { kubeconfig: adminKubeconfig, logsFor: () => [] } as unknown as System;
  // What the controller manager would have made: the namespace's default ServiceAccount and the
  // root CA ConfigMap every service-account token volume projects.
  await admin.create(namespaces, '', { metadata: { name: NS } });
  await admin.create(serviceAccounts, NS, { metadata: { name: 'default' } });
  await admin.create(configMaps, NS, { metadata: { name: 'kube-root-ca.crt' }, data: { 'ca.crt': pki.caCert } });
  // A user allowed the kubelet API (upstream's system:kubelet-api-admin), who calls it with a bearer token.
  await admin.request('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
    body: {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'kubelet-api-user' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:kubelet-api-admin' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: API_USER }],
    },
  });

  sim = startSimulatedNodes({
    kubeconfigFor, count: SIM.length, namePrefix: 'idsim', signal: ac.signal, log, serveKubeletApi: true, recordEvents: true, ...timings,
  });
  mkdirSync(root, { recursive: true });
  vol = startKubelet({
    kubeconfig: await kubeconfigFor(VOL), nodeName: VOL, runtime: volRuntime, signal: ac.signal, log, rootDir: root, nodeIP: '172.18.9.9', ...timings,
  });
  expect(await sim.ready).toBe(true);
  expect(await vol.ready).toBe(true);
}, 60_000);

afterAll(async () => {
  ac.abort();
  await sim?.done;
  await vol?.done;
  admin?.close();
  await api?.close();
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const finals = () => audit.events.filter((e) => e.stage === 'ResponseComplete');
const codeOf = (e: AuditEvent) => Number(e.responseStatus?.code ?? 0);
const byNode = (node: string) => finals().filter((e) => e.user.username === `system:node:${node}`);
const did = (node: string, verb: string, resource: string, subresource = '') =>
  byNode(node).some((e) => e.verb === verb && e.objectRef?.resource === resource && (e.objectRef?.subresource ?? '') === subresource && codeOf(e) < 300);

async function runningPod(name: string, spec: V1Pod['spec']): Promise<V1Pod> {
  await admin.create(pods, NS, { metadata: { name }, spec });
  return eventually(async () => {
    const p = await admin.get(pods, NS, name);
    return p.status?.phase === 'Running' && p;
  }, { what: `pod ${name} Running`, timeoutMs: 15_000 });
}

describe('kubelets under their node identities', () => {
  it('register each Node as system:node:<name>, report its status and renew its Lease', async () => {
    for (const node of [...SIM, VOL]) {
      const n = await admin.get(nodes, '', node);
      expect(n.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
      const lease = await eventually(() => admin.get(resources.leases, 'kube-node-lease', node).catch(() => undefined) as Promise<V1Lease | undefined>, { what: `lease ${node}` });
      expect(lease.spec?.holderIdentity).toBe(node);
      expect(did(node, 'create', 'nodes')).toBe(true);
      await eventually(() => did(node, 'update', 'leases') && did(node, 'patch', 'nodes', 'status'), { what: `${node}'s lease renewals and status reports`, timeoutMs: 5_000 });
    }
    // The kubelet watches only its own pods and its own Node.
    const watches = byNode(VOL).filter((e) => e.verb === 'watch' || e.verb === 'list');
    expect(watches.filter((e) => e.objectRef?.resource === 'pods').every((e) => e.requestURI.includes(`spec.nodeName%3D${VOL}`))).toBe(true);
    expect(watches.filter((e) => e.objectRef?.resource === 'nodes').every((e) => e.requestURI.includes(`metadata.name%3D${VOL}`))).toBe(true);
  });

  it('run a pod with env from a ConfigMap and a Secret, write its status and events, and delete it once stopped', async () => {
    await admin.create(configMaps, NS, { metadata: { name: 'settings' }, data: { mode: 'fast' } });
    await admin.create(secrets, NS, { metadata: { name: 'creds' }, stringData: { password: 'hunter2' } });
    const pod = await runningPod('env-pod', {
      nodeName: SIM[0], terminationGracePeriodSeconds: 1,
      containers: [{
        name: 'main', image: 'busybox', command: ['sh', '-c', 'echo "$MODE $PASSWORD"; sleep 3600'],
        env: [
          { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'settings', key: 'mode' } } },
          { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
        ],
      }],
    });
    expect(pod.status?.containerStatuses?.[0]?.ready).toBe(true);
    // The service-account token volume ServiceAccount admission added, on a node that mounts nothing.
    expect(pod.spec?.volumes?.some((v) => v.name.startsWith('kube-api-access-'))).toBe(true);
    expect(did(SIM[0]!, 'patch', 'pods', 'status')).toBe(true);
    const events = await eventually(async () => {
      const list = await admin.list(resources.events, NS, { fieldSelector: 'involvedObject.name=env-pod' });
      return list.items.some((e: CoreV1Event) => e.reason === 'Started') && list.items;
    }, { what: 'the kubelet\'s Started event' });
    expect(events.find((e) => e.reason === 'Started')?.source?.host).toBe(SIM[0]);
    expect(did(SIM[0]!, 'create', 'events')).toBe(true);
    expect((await kubectl(sys, ['logs', '-n', NS, 'env-pod'])).stdout).toBe('fast hunter2\n');
    await admin.delete(pods, NS, 'env-pod');
    await eventually(() => admin.get(pods, NS, 'env-pod').then(() => false, (e: unknown) => isNotFound(e)), { what: 'env-pod gone', timeoutMs: 10_000 });
    expect(did(SIM[0]!, 'delete', 'pods')).toBe(true);
  });

  it('mount ConfigMap, Secret and claim volumes and the projected service-account token through the node\'s own reads', async () => {
    await admin.create(configMaps, NS, { metadata: { name: 'web-config' }, data: { 'index.html': 'hello' } });
    await admin.create(secrets, NS, { metadata: { name: 'web-tls' }, stringData: { 'tls.key': 'KEY' } });
    const pvDir = path.join(dir, 'pv-data');
    mkdirSync(pvDir);
    const pvc = await admin.create(persistentVolumeClaims, NS, {
      metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeName: 'identity-pv', storageClassName: '' },
    });
    await admin.create(persistentVolumes, '', {
      metadata: { name: 'identity-pv' },
      spec: {
        capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: pvDir }, storageClassName: '',
        claimRef: { kind: 'PersistentVolumeClaim', namespace: NS, name: 'data', uid: pvc.metadata!.uid },
      },
    });
    await admin.patch(persistentVolumeClaims, NS, 'data', { status: { phase: 'Bound' } }, { subresource: 'status' });
    const pod = await runningPod('vol-pod', {
      nodeName: VOL,
      volumes: [
        { name: 'config', configMap: { name: 'web-config' } },
        { name: 'tls', secret: { secretName: 'web-tls' } },
        { name: 'data', persistentVolumeClaim: { claimName: 'data' } },
      ],
      containers: [{
        name: 'main', image: 'busybox',
        volumeMounts: [{ name: 'config', mountPath: '/config' }, { name: 'tls', mountPath: '/tls' }, { name: 'data', mountPath: '/data' }],
      }],
    });
    const volumes = path.join(root, 'pods', pod.metadata!.uid!, 'volumes');
    expect(readFileSync(path.join(volumes, 'kubernetes.io~configmap', 'config', 'index.html'), 'utf8')).toBe('hello');
    expect(readFileSync(path.join(volumes, 'kubernetes.io~secret', 'tls', 'tls.key'), 'utf8')).toBe('KEY');
    const tokenVolume = pod.spec!.volumes!.find((v) => v.name.startsWith('kube-api-access-'))!.name;
    const projected = path.join(volumes, 'kubernetes.io~projected', tokenVolume);
    expect(readFileSync(path.join(projected, 'ca.crt'), 'utf8')).toBe(pki.caCert);
    expect(readFileSync(path.join(projected, 'namespace'), 'utf8')).toBe(NS);
    const token = readFileSync(path.join(projected, 'token'), 'utf8');
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { sub?: string; 'kubernetes.io'?: { pod?: { uid?: string }; node?: { name?: string } } };
    expect(claims.sub).toBe(`system:serviceaccount:${NS}:default`);
    expect(claims['kubernetes.io']?.pod?.uid).toBe(pod.metadata!.uid);
    expect(did(VOL, 'create', 'serviceaccounts', 'token')).toBe(true);
    expect(did(VOL, 'get', 'persistentvolumeclaims') && did(VOL, 'get', 'persistentvolumes')).toBe(true);
    // The Secret through a list and watch of that one object, as upstream's kubelet reads what its pods use.
    const secretReads = audit.events.filter((e) => e.user.username === `system:node:${VOL}` && e.objectRef?.resource === 'secrets' && e.requestURI.includes('metadata.name%3Dweb-tls'));
    expect(new Set(secretReads.map((e) => e.verb))).toEqual(new Set(['list', 'watch']));
  });

  it('serve the kubelet API to callers the node\'s own TokenReviews and SubjectAccessReviews admit', async () => {
    await runningPod('api-pod', { nodeName: SIM[1], containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', 'echo up; sleep 3600'] }] });
    expect(await kubectl(sys, ['exec', '-n', NS, 'api-pod', '--', 'sh', '-c', 'echo "in $HOSTNAME"'])).toMatchObject({ code: 0, stdout: 'in api-pod\n', stderr: '' });
    // A bearer token straight at the kubelet: it asks the API server who that is and whether they may.
    const node = await admin.get(nodes, '', SIM[1]!);
    const port = node.status!.daemonEndpoints!.kubeletEndpoint!.Port;
    const answer = await new Promise<{ code: number; body: string }>((resolve, reject) => {
      https.get({ host: simulatedLoopbackIP(1), port, path: '/pods', rejectUnauthorized: false, headers: { authorization: `Bearer ${API_USER_TOKEN}` } }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => { body += d.toString(); });
        res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
      }).on('error', reject);
    });
    expect(answer.code).toBe(200);
    expect((JSON.parse(answer.body) as { items: V1Pod[] }).items.map((p) => p.metadata?.name)).toEqual(['api-pod']);
    expect(did(SIM[1]!, 'create', 'tokenreviews') && did(SIM[1]!, 'create', 'subjectaccessreviews')).toBe(true);
  });

  it('adopt their Node again after a restart, and keep its pods running', async () => {
    const node = 'idrestart';
    const runtime = new FakeRuntime();
    const run = async () => {
      const stop = new AbortController();
      const k = startKubelet({ kubeconfig: await kubeconfigFor(node), nodeName: node, runtime, signal: stop.signal, log, nodeIP: '172.18.9.10', ...timings });
      expect(await k.ready).toBe(true);
      return { stop: async () => { stop.abort(); await k.done; } };
    };
    const first = await run();
    const uid = (await admin.get(nodes, '', node)).metadata!.uid;
    const pod = await runningPod('survivor', { nodeName: node, containers: [{ name: 'main', image: 'busybox' }] });
    await first.stop();
    // The Node exists: the create is refused as AlreadyExists, and the kubelet reads, labels and reports on its own.
    const second = await run();
    try {
      expect((await admin.get(nodes, '', node)).metadata!.uid).toBe(uid);
      await eventually(() => did(node, 'get', 'nodes') && byNode(node).some((e) => e.verb === 'create' && e.objectRef?.resource === 'nodes' && codeOf(e) === 409), { what: 'the adoption' });
      await new Promise((r) => setTimeout(r, 2 * timings.statusIntervalMs));
      const after = await admin.get(pods, NS, 'survivor');
      expect(after.status?.phase).toBe('Running');
      expect(after.status?.containerStatuses?.[0]).toMatchObject({ containerID: pod.status?.containerStatuses?.[0]?.containerID, restartCount: 0 });
    } finally {
      await second.stop();
    }
  });

  it('refuse a node another node\'s pod, its status, its secrets and its tokens', async () => {
    await admin.create(secrets, NS, { metadata: { name: 'theirs' }, stringData: { k: 'v' } });
    // The intruder has a pod of its own here, running as the same ServiceAccount as the victim.
    await runningPod('own', { nodeName: SIM[0], containers: [{ name: 'main', image: 'busybox' }] });
    const victim = await runningPod('victim', {
      nodeName: SIM[1], containers: [{ name: 'main', image: 'busybox', env: [{ name: 'K', valueFrom: { secretKeyRef: { name: 'theirs', key: 'k' } } }] }],
    });
    const intruder = new RestClient(loadKubeConfig(await kubeconfigFor(SIM[0]!)), { userAgent: INTRUDER_AGENT });
    const refusal = async (call: () => Promise<unknown>) => {
      const e = await call().then(() => undefined, (err: unknown) => err);
      expect(e).toBeInstanceOf(ApiError);
      return { code: (e as ApiError).code, message: (e as ApiError).status?.message ?? (e as ApiError).message };
    };
    try {
      const me = 'User "system:node:idsim-0"';
      expect(await refusal(() => intruder.get(pods, NS, 'victim'))).toEqual({
        code: 403, message: `pods "victim" is forbidden: ${me} cannot get resource "pods" in API group "" in the namespace "${NS}": no relationship found between node 'idsim-0' and this object`,
      });
      expect(await refusal(() => intruder.list(pods, NS))).toEqual({
        code: 403, message: `pods is forbidden: ${me} cannot list resource "pods" in API group "" in the namespace "${NS}": can only list/watch pods with spec.nodeName field selector`,
      });
      // Its own field selector shows only its own pods.
      expect((await intruder.list(pods, '', { fieldSelector: 'spec.nodeName=idsim-0' })).items.map((p) => p.metadata?.name)).not.toContain('victim');
      expect(await refusal(() => intruder.patch(pods, NS, 'victim', { status: { message: 'mine now' } }, { subresource: 'status', type: 'strategic' }))).toEqual({
        code: 403, message: 'pods "victim" is forbidden: node "idsim-0" can only update pod status for pods with spec.nodeName set to itself',
      });
      expect(await refusal(() => intruder.delete(pods, NS, 'victim'))).toEqual({
        code: 403, message: 'pods "victim" is forbidden: node "idsim-0" can only delete pods with spec.nodeName set to itself',
      });
      expect(await refusal(() => intruder.get(secrets, NS, 'theirs'))).toEqual({
        code: 403, message: `secrets "theirs" is forbidden: ${me} cannot get resource "secrets" in API group "" in the namespace "${NS}": no relationship found between node 'idsim-0' and this object`,
      });
      const tokenRequest = {
        apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest',
        spec: { expirationSeconds: 600, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'victim', uid: victim.metadata!.uid } },
      };
      expect(await refusal(() => intruder.createSubresource(serviceAccounts, NS, 'default', 'token', tokenRequest))).toEqual({
        code: 403, message: 'serviceaccounts "default" is forbidden: node requested token bound to a pod scheduled on a different node',
      });
      expect(await refusal(() => intruder.get(nodes, '', SIM[1]!))).toEqual({
        code: 403, message: `nodes "idsim-1" is forbidden: ${me} cannot get resource "nodes" in API group "" at the cluster scope: node 'idsim-0' cannot read 'idsim-1', only its own Node object`,
      });
      expect((await refusal(() => intruder.patch(nodes, '', SIM[1]!, { metadata: { labels: { x: 'y' } } }, { type: 'strategic' }))).message)
        .toBe('nodes "idsim-1" is forbidden: node "idsim-0" is not allowed to modify node "idsim-1"');
      // The victim runs on, untouched.
      expect((await admin.get(pods, NS, 'victim')).status?.phase).toBe('Running');
    } finally {
      intruder.close();
    }
    expect(finals().filter((e) => e.userAgent === INTRUDER_AGENT && codeOf(e) === 403).length).toBeGreaterThanOrEqual(8);
  });

  it('left no request of any kubelet refused: no 401 or 403 in the audit log, no refusal in the kubelets\' log', async () => {
    // Another round of status reports and lease renewals first.
    const seen = finals().length;
    await eventually(() => finals().length > seen + 10, { what: 'more kubelet requests' });
    const refused = finals().filter((e) => (codeOf(e) === 401 || codeOf(e) === 403) && e.userAgent !== INTRUDER_AGENT);
    expect(refused.map((e) => `${e.user.username} ${e.verb} ${e.requestURI} → ${codeOf(e)}`)).toEqual([]);
    const nodeUsers = new Set(finals().filter((e) => e.user.groups?.includes('system:nodes')).map((e) => e.user.username));
    expect([...nodeUsers].sort()).toEqual([...SIM, VOL, 'idrestart'].map((n) => `system:node:${n}`).sort());
    expect(kubeletLog.filter((l) => /forbidden|unauthorized/i.test(l))).toEqual([]);
  });
});
