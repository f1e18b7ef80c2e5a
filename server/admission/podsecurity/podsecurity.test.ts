// PodSecurity over HTTP and through the real kubectl: the namespace labels choose the level;
// enforce refuses with upstream's message, warn answers with a Warning header (pods and pod
// templates), bad labels are refused, and tightening a namespace warns about its pods.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { execFile } from 'node:child_process';
import request from 'supertest';
import { createDatabaseAt } from '../../../test/postgres.ts';
import { eventually } from '../../../test/eventually.ts';
import { startTestApiServer, type TestApiServer } from '../../../test/apiserver.ts';

let srv: TestApiServer;
let auth: Record<string, string>;
const api = () => request(srv.api.app);

beforeAll(async () => {
  srv = await startTestApiServer({ databaseUrl: await createDatabaseAt(inject('pgAdminUrl')), tls: true });
  auth = { Authorization: `Bearer ${srv.token}` };
});
afterAll(async () => { await srv?.close(); });

let seq = 0;
async function namespace(labels: Record<string, string>): Promise<string> {
  const ns = `psa-${seq++}`;
  await api().post('/api/v1/namespaces').set(auth).send({ metadata: { name: ns, labels } }).expect(201);
  return ns;
}

const createPod = (ns: string, name: string, spec: object) => api().post(`/api/v1/namespaces/${ns}/pods`).set(auth).send({ metadata: { name }, spec });
const privileged = { containers: [{ name: 'c', image: 'busybox:1.36', securityContext: { privileged: true } }] };
const restrictedOK = {
  securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
  containers: [{ name: 'c', image: 'busybox:1.36', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
};

const RESTRICTED_PRIVILEGED = 'violates PodSecurity "restricted:latest": privileged (container "c" must not set securityContext.privileged=true), '
  + 'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), '
  + 'unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), '
  + 'runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), '
  + 'seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")';

function kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('kubectl', args, { env: { ...process.env, KUBECONFIG: srv.kubeconfigPath, KUBECTL_VERSION: '1.32' }, timeout: 45_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

describe('PodSecurity', () => {
  it('restricted refuses a privileged pod with upstream\'s message', async () => {
    const ns = await namespace({ 'pod-security.kubernetes.io/enforce': 'restricted' });
    const res = await createPod(ns, 'priv', privileged).expect(403);
    expect(res.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Forbidden', code: 403, details: { name: 'priv', kind: 'pods' } });
    expect(res.body.message).toBe(`pods "priv" is forbidden: ${RESTRICTED_PRIVILEGED}`);
    await createPod(ns, 'fine', restrictedOK).expect(201);
  });

  it('baseline refuses host namespaces and ports but admits what restricted would not', async () => {
    const ns = await namespace({ 'pod-security.kubernetes.io/enforce': 'baseline' });
    const res = await createPod(ns, 'host', { hostNetwork: true, containers: [{ name: 'c', image: 'busybox:1.36', ports: [{ containerPort: 8080 }] }] }).expect(403);
    // hostNetwork defaults the hostPort to the containerPort, as the pod is stored.
    expect(res.body.message).toBe('pods "host" is forbidden: violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true), hostPort (container "c" uses hostPort 8080)');
    const ok = await createPod(ns, 'plain', { containers: [{ name: 'c', image: 'busybox:1.36' }] }).expect(201);
    expect(ok.headers.warning).toBeUndefined();
  });

  it('warns, and admits, what the warn level forbids', async () => {
    const ns = await namespace({ 'pod-security.kubernetes.io/enforce': 'baseline', 'pod-security.kubernetes.io/warn': 'restricted', 'pod-security.kubernetes.io/warn-version': 'v1.32' });
    const res = await createPod(ns, 'plain', { containers: [{ name: 'c', image: 'busybox:1.36' }] }).expect(201);
    expect(res.headers.warning).toBe('299 - "would violate PodSecurity \\"restricted:v1.32\\": allowPrivilegeEscalation != false (container \\"c\\" must set securityContext.allowPrivilegeEscalation=false), '
      + 'unrestricted capabilities (container \\"c\\" must set securityContext.capabilities.drop=[\\"ALL\\"]), runAsNonRoot != true (pod or container \\"c\\" must set securityContext.runAsNonRoot=true), '
      + 'seccompProfile (pod or container \\"c\\" must set securityContext.seccompProfile.type to \\"RuntimeDefault\\" or \\"Localhost\\")"');
  });

  it('warns about the pod templates of pod controllers, never refusing them', async () => {
    const ns = await namespace({ 'pod-security.kubernetes.io/enforce': 'restricted' });
    const res = await api().post(`/apis/apps/v1/namespaces/${ns}/deployments`).set(auth).send({
      metadata: { name: 'web' },
      spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: privileged } },
    }).expect(201);
    expect(res.headers.warning).toContain('would violate PodSecurity \\"restricted:latest\\": privileged (container \\"c\\" must not set securityContext.privileged=true)');
  });

  it('refuses a namespace whose labels name no level or version', async () => {
    const res = await api().post('/api/v1/namespaces').set(auth)
      .send({ metadata: { name: 'psa-bad', labels: { 'pod-security.kubernetes.io/enforce': 'strict', 'pod-security.kubernetes.io/warn-version': '1.30' } } }).expect(422);
    expect(res.body.reason).toBe('Invalid');
    expect(res.body.details.causes).toEqual([
      { reason: 'FieldValueInvalid', field: 'metadata.labels[pod-security.kubernetes.io/enforce]', message: 'Invalid value: "strict": must be one of privileged, baseline, restricted' },
      { reason: 'FieldValueInvalid', field: 'metadata.labels[pod-security.kubernetes.io/warn-version]', message: 'Invalid value: "1.30": must be "latest" or "v1.x"' },
    ]);
  });

  it('warns about existing pods when a namespace\'s enforce level tightens', async () => {
    const ns = await namespace({});
    await createPod(ns, 'p1', privileged).expect(201);
    await createPod(ns, 'p2', privileged).expect(201);
    await createPod(ns, 'ok', { containers: [{ name: 'c', image: 'busybox:1.36' }] }).expect(201);
    // The check reads the pods from the watch cache, as upstream's reads them from an informer:
    // wait until it holds all three, or a loaded machine sees only some of them.
    await eventually(async () => (await api().get(`/api/v1/namespaces/${ns}/pods?resourceVersion=0`).set(auth)).body.items?.length === 3,
      { what: 'the watch cache to hold the three pods', timeoutMs: 10_000 });
    const res = await api().patch(`/api/v1/namespaces/${ns}`).set(auth).set('Content-Type', 'application/merge-patch+json')
      .send(JSON.stringify({ metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'baseline' } } })).expect(200);
    expect(res.headers.warning).toBe(`299 - "existing pods in namespace \\"${ns}\\" violate the new PodSecurity enforce level \\"baseline:latest\\"", 299 - "p1 (and 1 other pod): privileged"`);
  });

  it('kubectl shows the refusal and the warning as upstream\'s kubectl does', async () => {
    const ns = await namespace({ 'pod-security.kubernetes.io/enforce': 'restricted' });
    const refused = await kubectl('run', 'priv', '--image=busybox:1.36', '--privileged', '-n', ns);
    console.log(`kubectl run --privileged in a restricted namespace:\n${refused.stderr}`);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr.trim()).toBe(`Error from server (Forbidden): pods "priv" is forbidden: ${RESTRICTED_PRIVILEGED.replace(/"c"/g, '"priv"')}`);
    const warned = await kubectl('create', 'deployment', 'web', '--image=busybox:1.36', '-n', ns);
    expect(warned.code, warned.stderr).toBe(0);
    expect(warned.stderr).toContain('Warning: would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "busybox" must set securityContext.allowPrivilegeEscalation=false)');
    expect(warned.stdout.trim()).toBe('deployment.apps/web created');
  });
});
