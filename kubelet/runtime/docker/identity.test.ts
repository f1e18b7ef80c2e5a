// Docker nodes under their node identities (`capstan up --nodes N` as kubeadm sets up kubelets):
// each kubelet and its kubelet API run with a certificate for system:node:<name>, and a pod with
// ConfigMap, Secret and service-account token volumes (ServiceAccount admission on) runs as real
// containers, its logs and exec reach it through the kubelet API, and it is cleaned away — with
// no request of any kubelet refused.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isNotFound, loadKubeConfig, RestClient } from '../../../client/index.ts';
import { configMaps, namespaces, pods, secrets, serviceAccounts } from '../../../client/resources.ts';
import { componentKubeconfig, nodeUser } from '../../../cli/identities.ts';
import { kubectl } from '../../../conformance/harness/kubectl.ts';
import type { System } from '../../../conformance/harness/system.ts';
import { openStore, type SqlStore } from '../../../storage/index.ts';
import { startApiServer, type RunningApiServer } from '../../../server/index.ts';
import { ensurePki, type Pki } from '../../../server/pki.ts';
import { writeKubeconfig } from '../../../server/kubeconfig.ts';
import { Auditor, METADATA_POLICY, memoryAuditSink, type AuditEvent } from '../../../server/pipeline/audit.ts';
import { createDatabaseAt } from '../../../test/postgres.ts';
import { eventually } from '../../../test/eventually.ts';
import type { RunningKubelet } from '../../index.ts';
import { dockerClient } from './client.ts';
import { startDockerNodes } from './nodes.ts';
import { ensureDocker } from './testing.ts';

const NS = 'docker-identity';
const PREFIX = `dkid${Math.random().toString(36).slice(2, 6)}`;
const NODE = `${PREFIX}-0`;
let dir: string;
let store: SqlStore;
let pki: Pki;
let api: RunningApiServer;
let admin: RestClient;
let sys: System;
let docker: RunningKubelet;
const audit = memoryAuditSink();
const kubeletLog: string[] = [];
const ac = new AbortController();

beforeAll(async () => {
  ensureDocker();
  dir = mkdtempSync(path.join(tmpdir(), 'capstan-docker-identity-'));
  store = await openStore({ databaseUrl: await createDatabaseAt(inject('pgAdminUrl')) });
  pki = await ensurePki(path.join(dir, 'pki'), { hosts: ['127.0.0.1'] });
  api = await startApiServer({
    store, port: 0, log: () => {},
    tls: { cert: pki.servingCert, key: pki.servingKey, ca: pki.caCert },
    serviceAccountSigningKey: pki.saPrivateKey,
    kubeletClient: await pki.issueClientCert('kube-apiserver-kubelet-client', ['system:masters']),
    audit: new Auditor(METADATA_POLICY, audit),
  });
  const adminKubeconfig = path.join(dir, 'admin.kubeconfig');
  await writeKubeconfig(adminKubeconfig, { server: api.url, caPem: pki.caCert, user: 'kubernetes-admin', clientCertPem: pki.adminCert, clientKeyPem: pki.adminKey });
  admin = new RestClient(loadKubeConfig(adminKubeconfig));
  sys = { kubeconfig: adminKubeconfig, logsFor: () => [] } as unknown as System;
  // What the controller manager would have made: the default ServiceAccount and the root CA ConfigMap.
  await admin.create(namespaces, '', { metadata: { name: NS } });
  await admin.create(serviceAccounts, NS, { metadata: { name: 'default' } });
  await admin.create(configMaps, NS, { metadata: { name: 'kube-root-ca.crt' }, data: { 'ca.crt': pki.caCert } });
  docker = await startDockerNodes({
    count: 1, namePrefix: PREFIX, dataDir: path.join(dir, 'data'), signal: ac.signal,
    kubeconfigFor: (nodeName) => componentKubeconfig({ pki, dataDir: dir, server: api.url, file: `kubelet-${nodeName}`, identity: nodeUser(nodeName) }),
    log: (m) => { kubeletLog.push(m); if (process.env.CAPSTAN_TEST_LOG) process.stderr.write(`${m}\n`); },
    statusIntervalMs: 300, statusReportIntervalMs: 2_000, leaseIntervalMs: 500, resyncIntervalMs: 3_000, backoff: { initialMs: 500, maxMs: 1_000 },
  });
  expect(await docker.ready).toBe(true);
}, 120_000);

afterAll(async () => {
  ac.abort();
  await docker?.done;
  // Whatever this cluster left in the engine: its owner label ends with the data dir's cluster id.
  if (dir) {
    const cluster = createHash('sha256').update(path.resolve(path.join(dir, 'data'))).digest('hex').slice(0, 10);
    const docker = dockerClient();
    const left = await docker.listContainers({ all: true, filters: { label: [`dev.capstan.kubelet=${NODE}.${cluster}`] } }).catch(() => []);
    for (const c of left) await docker.getContainer(c.Id).remove({ force: true }).catch(() => {});
  }
  admin?.close();
  await api?.close();
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const finals = () => audit.events.filter((e) => e.stage === 'ResponseComplete');
const codeOf = (e: AuditEvent) => Number(e.responseStatus?.code ?? 0);

describe('Docker nodes under their node identities', () => {
  it('run a pod with ConfigMap, Secret and service-account token volumes, serve its logs and exec, and clean it away', async () => {
    await admin.create(configMaps, NS, { metadata: { name: 'greeting' }, data: { text: 'hello from a ConfigMap' } });
    await admin.create(secrets, NS, { metadata: { name: 'word' }, stringData: { word: 'swordfish' } });
    const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
    await admin.create(pods, NS, {
      metadata: { name: 'reader' },
      spec: {
        nodeName: NODE, terminationGracePeriodSeconds: 1,
        volumes: [{ name: 'greeting', configMap: { name: 'greeting' } }],
        containers: [{
          name: 'main', image: 'busybox', volumeMounts: [{ name: 'greeting', mountPath: '/greeting' }],
          env: [{ name: 'WORD', valueFrom: { secretKeyRef: { name: 'word', key: 'word' } } }],
          command: ['sh', '-c', `cat /greeting/text; echo; echo "$WORD"; cat ${SA_DIR}/namespace; echo; test -s ${SA_DIR}/token && echo token; sleep 3600`],
        }],
      },
    });
    const running = await eventually(async () => {
      const p = await admin.get(pods, NS, 'reader');
      return p.status?.phase === 'Running' && p;
    }, { what: 'the pod to run', timeoutMs: 60_000, intervalMs: 200 });
    expect(running.spec?.volumes?.some((v) => v.name.startsWith('kube-api-access-'))).toBe(true);
    await eventually(async () => (await kubectl(sys, ['logs', '-n', NS, 'reader'])).stdout === `hello from a ConfigMap\nswordfish\n${NS}\ntoken\n`, {
      what: 'the pod\'s output through kubectl logs', timeoutMs: 20_000, intervalMs: 300,
    });
    expect(await kubectl(sys, ['exec', '-n', NS, 'reader', '--', 'cat', `${SA_DIR}/ca.crt`])).toMatchObject({ code: 0, stdout: pki.caCert });
    const me = `system:node:${NODE}`;
    const byMe = finals().filter((e) => e.user.username === me && codeOf(e) < 300);
    expect(byMe.some((e) => e.objectRef?.resource === 'serviceaccounts' && e.objectRef?.subresource === 'token')).toBe(true);
    expect(byMe.some((e) => e.objectRef?.resource === 'subjectaccessreviews')).toBe(true);
    await admin.delete(pods, NS, 'reader');
    await eventually(() => admin.get(pods, NS, 'reader').then(() => false, (e: unknown) => isNotFound(e)), { what: 'the pod to be gone', timeoutMs: 30_000 });
    expect(finals().some((e) => e.user.username === me && e.verb === 'delete' && e.objectRef?.resource === 'pods' && codeOf(e) === 200)).toBe(true);
  });

  it('left no request of the kubelet refused: no 401 or 403 in the audit log, none in its log', () => {
    const refused = finals().filter((e) => codeOf(e) === 401 || codeOf(e) === 403);
    expect(refused.map((e) => `${e.user.username} ${e.verb} ${e.requestURI} → ${codeOf(e)}`)).toEqual([]);
    expect(new Set(finals().filter((e) => e.user.groups?.includes('system:nodes')).map((e) => e.user.username))).toEqual(new Set([`system:node:${NODE}`]));
    expect(kubeletLog.filter((l) => /forbidden|unauthorized/i.test(l))).toEqual([]);
  });
});
