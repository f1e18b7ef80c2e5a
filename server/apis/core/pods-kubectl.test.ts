// The real kubectl against pods: `kubectl delete pod` waits out a graceful deletion and returns
// once the kubelet (played here by the test) confirms; `--grace-period=0 --force` removes at
// once; `kubectl drain` evicts through pods/eviction (its typed client sends protobuf).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { execFile } from 'node:child_process';
import request from 'supertest';
import { createDatabaseAt } from '../../../test/postgres.ts';
import { startTestApiServer, type TestApiServer } from '../../../test/apiserver.ts';

let srv: TestApiServer;
let auth: Record<string, string>;
const ns = 'pods-kubectl';

beforeAll(async () => {
  srv = await startTestApiServer({ databaseUrl: await createDatabaseAt(inject('pgAdminUrl')), tls: true });
  auth = { Authorization: `Bearer ${srv.token}` };
  await api().post('/api/v1/namespaces').set(auth).send({ metadata: { name: ns } }).expect(201);
});

afterAll(async () => { await srv?.close(); });

const api = () => request(srv.api.app);
const pods = `/api/v1/namespaces/${ns}/pods`;

function kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const start = Date.now();
  return new Promise((resolve) => {
    execFile('kubectl', args, { env: { ...process.env, KUBECONFIG: srv.kubeconfigPath, KUBECTL_VERSION: '1.32' }, timeout: 45_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr, ms: Date.now() - start });
    });
  });
}

async function eventually<T>(fn: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A pod bound to `node` and reported Running, as the scheduler and the kubelet would leave it. */
async function runningPod(name: string, node = 'n1') {
  await api().post(pods).set(auth).send({ metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } }).expect(201);
  await api().post(`${pods}/${name}/binding`).set(auth).send({ metadata: { name }, target: { name: node } }).expect(201);
  const cur = (await api().get(`${pods}/${name}`).set(auth).expect(200)).body;
  await api().put(`${pods}/${name}/status`).set(auth).send({ ...cur, status: { ...cur.status, phase: 'Running' } }).expect(200);
}

describe('kubectl and pods', () => {
  it('kubectl delete pod returns at once for an unbound pod', async () => {
    await api().post(pods).set(auth).send({ metadata: { name: 'unbound' }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } }).expect(201);
    const r = await kubectl('delete', 'pod', 'unbound', '-n', ns);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('pod "unbound" deleted');
    await api().get(`${pods}/unbound`).set(auth).expect(404);
  });

  it('kubectl delete pod waits for the graceful deletion and returns when the kubelet confirms it', async () => {
    await runningPod('graceful');
    const del = kubectl('delete', 'pod', 'graceful', '-n', ns);
    // The kubelet sees deletionTimestamp, stops the containers, then deletes with grace 0.
    await eventually(async () => {
      const res = await api().get(`${pods}/graceful`).set(auth);
      return res.body.metadata?.deletionTimestamp ? true : undefined;
    });
    await api().delete(`${pods}/graceful`).set(auth).send({ gracePeriodSeconds: 0 }).expect(200);
    const r = await del;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('pod "graceful" deleted');
    await api().get(`${pods}/graceful`).set(auth).expect(404);
  });

  it('kubectl delete pod --wait=false returns with the pod terminating', async () => {
    await runningPod('nowait');
    const r = await kubectl('delete', 'pod', 'nowait', '-n', ns, '--wait=false');
    expect(r.code, r.stderr).toBe(0);
    const got = await api().get(`${pods}/nowait`).set(auth).expect(200);
    expect(got.body.metadata.deletionGracePeriodSeconds).toBe(30);
  });

  it('kubectl delete pod --grace-period=0 --force removes it at once', async () => {
    await runningPod('forced');
    const r = await kubectl('delete', 'pod', 'forced', '-n', ns, '--grace-period=0', '--force');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('pod "forced" force deleted');
    await api().get(`${pods}/forced`).set(auth).expect(404);
  });

  it('kubectl drain evicts the pods of a node through pods/eviction', async () => {
    await api().post('/api/v1/nodes').set(auth).send({ metadata: { name: 'drain-me' } }).expect(201);
    await runningPod('on-node-a', 'drain-me');
    await runningPod('on-node-b', 'drain-me');
    const r = await kubectl('drain', 'drain-me', '--force', '--grace-period=0', '--timeout=40s');
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toContain(`pod/on-node-a evicted`);
    expect(r.stdout).toContain(`pod/on-node-b evicted`);
    await api().get(`${pods}/on-node-a`).set(auth).expect(404);
    await api().get(`${pods}/on-node-b`).set(auth).expect(404);
    const node = await api().get('/api/v1/nodes/drain-me').set(auth).expect(200);
    expect(node.body.spec.unschedulable).toBe(true);
  });
});
