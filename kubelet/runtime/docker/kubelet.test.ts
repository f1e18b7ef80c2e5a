// The kubelet with the Docker runtime against a real API server: pods run as real containers.
// Two containers of a pod share localhost, an exit code and its reason reach the pod's status, a
// missing image that cannot be pulled shows ErrImagePull then ImagePullBackOff, a memory limit
// reaches Docker, and deleting the pod removes its containers.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { isNotFound, RestClient } from '../../../client/index.ts';
import { pods } from '../../../client/resources.ts';
import { createDatabaseAt } from '../../../test/postgres.ts';
import { startTestApiServer, type TestApiServer } from '../../../test/apiserver.ts';
import { eventually } from '../../../test/eventually.ts';
import { startKubelet, type RunningKubelet } from '../../index.ts';
import type { DockerRuntime } from './docker.ts';
import { ensureDocker, testRuntime } from './testing.ts';

const NS = 'default';
const NODE_IP = '172.30.0.10';
const POD_CIDR = '10.240.210.0/24';
let srv: TestApiServer;
let rest: RestClient;
let ac: AbortController;
let kubelet: RunningKubelet;
let runtime: DockerRuntime;
let rootDir: string;
const node = `docker-e2e-${Math.random().toString(36).slice(2, 8)}`;

beforeAll(async () => {
  ensureDocker();
  srv = await startTestApiServer({ databaseUrl: await createDatabaseAt(inject('pgAdminUrl')) });
  rest = new RestClient(srv.kubeconfig);
  runtime = testRuntime({ podCIDR: POD_CIDR });
  rootDir = mkdtempSync(path.join(tmpdir(), 'capstan-kubelet-'));
  ac = new AbortController();
  kubelet = startKubelet({
    kubeconfig: srv.kubeconfig, nodeName: node, runtime, signal: ac.signal, log: () => {}, podCIDR: POD_CIDR, nodeIP: NODE_IP, rootDir,
    statusIntervalMs: 300, statusReportIntervalMs: 3_000, leaseIntervalMs: 500, resyncIntervalMs: 3_000,
    backoff: { initialMs: 1_000, maxMs: 2_000 },
  });
  expect(await kubelet.ready).toBe(true);
});

afterAll(async () => {
  ac?.abort();
  await kubelet?.done;
  await runtime?.removeAll();
  runtime?.close();
  rest?.close();
  await srv?.close();
  if (rootDir) rmSync(rootDir, { recursive: true, force: true });
});

let seq = 0;
function createPod(containers: V1Container[], o: { restartPolicy?: string } = {}): Promise<V1Pod> {
  return rest.create(pods, NS, {
    metadata: { name: `dk${++seq}-${Math.random().toString(36).slice(2, 7)}` },
    spec: { nodeName: node, restartPolicy: o.restartPolicy ?? 'Never', terminationGracePeriodSeconds: 1, containers },
  });
}

const getPod = (p: V1Pod) => rest.get(pods, NS, p.metadata!.name!);
const podWhere = (p: V1Pod, what: string, ok: (cur: V1Pod) => boolean, timeoutMs = 20_000) =>
  eventually(async () => { const cur = await getPod(p); return ok(cur) ? cur : undefined; }, { what, timeoutMs, intervalMs: 100 });
const statusOf = (p: V1Pod, name: string) => p.status?.containerStatuses?.find((s) => s.name === name);

describe('kubelet with the Docker runtime', () => {
  it('runs a pod of two containers that share localhost, with its IP from the node\'s pod CIDR', async () => {
    const p = await createPod([
      { name: 'web', image: 'busybox', command: ['httpd', '-f', '-p', '8080', '-h', '/etc'] },
      {
        name: 'client', image: 'busybox',
        command: ['sh', '-c', 'for i in $(seq 1 100); do timeout 5 wget -qO- http://127.0.0.1:8080/hostname && exit 0; sleep 0.1; done; exit 1'],
      },
    ]);
    const done = await podWhere(p, 'the client container to succeed', (cur) => !!statusOf(cur, 'client')?.state?.terminated);
    expect(statusOf(done, 'client')?.state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(statusOf(done, 'web')?.state?.running).toBeDefined();
    expect(statusOf(done, 'web')?.containerID).toMatch(/^docker:\/\/[0-9a-f]{64}$/);
    expect(statusOf(done, 'web')?.imageID).toMatch(/^docker:\/\/sha256:[0-9a-f]{64}$/);
    expect(done.status?.phase).toBe('Running');
    expect(done.status?.podIP).toMatch(/^10\.240\.210\.\d+$/);
    expect(done.status?.podIPs).toEqual([{ ip: done.status?.podIP }]);
    expect(done.status?.hostIP).toBe(NODE_IP);
    // What the client fetched over localhost: the pod's hostname, served by the other container.
    const client = (await runtime.podStatus(p.metadata!.uid!))!.containers.find((c) => c.name === 'client')!;
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (b: Buffer) => chunks.push(b));
    await runtime.logs(client.id, {}, out, new AbortController().signal);
    expect(Buffer.concat(chunks).toString().trim()).toBe(p.metadata!.name);
  });

  it('ends a pod whose container exits 3 as Failed, exit code 3, reason Error', async () => {
    const p = await createPod([{ name: 'c', image: 'busybox', command: ['sh', '-c', 'exit 3'] }]);
    const done = await podWhere(p, 'the pod to fail', (cur) => cur.status?.phase === 'Failed');
    expect(statusOf(done, 'c')?.state?.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
  });

  it('shows ErrImagePull, then ImagePullBackOff, for a missing image with imagePullPolicy Always', async () => {
    const p = await createPod([{ name: 'c', image: 'busybox:no-such-tag', imagePullPolicy: 'Always' }]);
    // Every status the kubelet writes, in order, from a watch of the pod.
    const seen: string[] = [];
    const ac = new AbortController();
    const watching = rest.watch(pods, NS, { fieldSelector: `metadata.name=${p.metadata!.name}`, resourceVersion: p.metadata!.resourceVersion }, (ev) => {
      if (ev.type !== 'ADDED' && ev.type !== 'MODIFIED') return;
      const reason = statusOf(ev.object, 'c')?.state?.waiting?.reason;
      if (reason && reason !== seen[seen.length - 1]) seen.push(reason);
    }, ac.signal);
    try {
      await eventually(() => seen.includes('ErrImagePull') && seen.slice(seen.indexOf('ErrImagePull')).includes('ImagePullBackOff'),
        { what: 'ErrImagePull, then ImagePullBackOff', timeoutMs: 20_000 });
    } finally {
      ac.abort();
      await watching;
    }
    expect(seen[seen.indexOf('ErrImagePull') - 1] ?? 'ContainerCreating').toBe('ContainerCreating');
    const cur = await getPod(p);
    expect(cur.status?.phase).toBe('Pending');
    const waiting = statusOf(cur, 'c')?.state?.waiting;
    if (waiting?.reason === 'ErrImagePull') expect(waiting.message).toMatch(/^Error response from daemon: /);
    else expect(waiting?.message).toBe('Back-off pulling image "busybox:no-such-tag"');
  });

  it('applies a memory limit to the container, and removes the containers when the pod is deleted', async () => {
    const p = await createPod([{ name: 'c', image: 'busybox', command: ['sleep', '3600'], resources: { limits: { memory: '48Mi' } } }]);
    await podWhere(p, 'the pod to run', (cur) => cur.status?.phase === 'Running');
    const held = (await runtime.podStatus(p.metadata!.uid!))!;
    const c = held.containers.find((x) => x.name === 'c')!;
    const inspected = await runtime.docker.getContainer(c.id).inspect();
    expect(inspected.HostConfig.Memory).toBe(48 * 1024 * 1024);
    await rest.delete(pods, NS, p.metadata!.name!);
    await eventually(async () => {
      try { await getPod(p); return false; } catch (e) { if (isNotFound(e)) return true; throw e; }
    }, { what: 'the pod to be gone', timeoutMs: 20_000 });
    await eventually(async () => (await runtime.podStatus(p.metadata!.uid!)) === undefined, { what: 'the containers to be removed', timeoutMs: 20_000 });
    const left = await runtime.docker.listContainers({ all: true, filters: { label: [`io.kubernetes.pod.uid=${p.metadata!.uid}`] } });
    expect(left).toEqual([]);
  });
});
