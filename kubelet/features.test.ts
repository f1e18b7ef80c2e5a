// The kubelet's gifts to containers, end to end over a real API server and the fake runtime: env
// (ConfigMaps, Secrets, downward API, $(VAR)), volumes on disk under the root directory, probes,
// lifecycle hooks, termination messages, image pulls, and the events on the pod.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CoreV1Event, V1Container, V1Pod, V1PodSpec } from '@kubernetes/client-node';
import { isAlreadyExists, resources, RestClient } from '../client/index.ts';
import { configMaps, namespaces, persistentVolumeClaims, persistentVolumes, pods, secrets, serviceAccounts, services } from '../client/resources.ts';
import { createDatabaseAt } from '../test/postgres.ts';
import { startTestApiServer, type TestApiServer } from '../test/apiserver.ts';
import { FakeRuntime } from './runtime/fake.ts';
import { startKubelet } from './index.ts';
import type { RunningKubelet } from './kubelet.ts';

let srv: TestApiServer;
let rest: RestClient;
let ac: AbortController;
let kubelet: RunningKubelet;
let root: string;
let httpServer: http.Server;
let httpPort = 0;
let healthy = true;
let apiIP = '';
const NODE = 'node-features';
const NS = `kf-${Math.random().toString(36).slice(2, 8)}`;
const runtime = new FakeRuntime({
  // Pods labelled net=local get 127.0.0.1, where this test's HTTP server answers their probes.
  sandboxIP: (pod) => (pod.metadata?.labels?.net === 'local' ? '127.0.0.1' : undefined),
  absentImages: (ref) => ref.startsWith('registry.example/'),
  pullError: (ref) => (ref.includes('missing') ? `rpc error: code = NotFound desc = failed to pull and unpack image "${ref}": not found` : undefined),
});

beforeAll(async () => {
  srv = await startTestApiServer({ databaseUrl: await createDatabaseAt(inject('pgAdminUrl')) });
  rest = new RestClient(srv.kubeconfig);
  root = mkdtempSync(path.join(tmpdir(), 'kubelet-root-'));
  httpServer = http.createServer((req, res) => {
    res.writeHead(healthy && req.url === '/healthz' ? 200 : 503);
    res.end(healthy ? 'ok' : 'sick');
  });
  await new Promise<void>((r) => httpServer.listen(0, '127.0.0.1', r));
  httpPort = (httpServer.address() as AddressInfo).port;
  await rest.create(namespaces, '', { metadata: { name: NS } });
  for (const name of ['default', 'robot']) {
    await rest.create(serviceAccounts, NS, { metadata: { name } }).catch((e: unknown) => { if (!isAlreadyExists(e)) throw e; });
  }
  // The API server keeps the `kubernetes` Service itself; a bare test server may not have it yet.
  const apiService = await eventually('kubernetes service', async () => {
    try {
      return await rest.get(services, 'default', 'kubernetes');
    } catch {
      return rest.create(services, 'default', { metadata: { name: 'kubernetes' }, spec: { ports: [{ name: 'https', port: 443, protocol: 'TCP' }] } }).catch(() => undefined);
    }
  });
  apiIP = apiService.spec!.clusterIP!;
  ac = new AbortController();
  kubelet = startKubelet({
    kubeconfig: srv.kubeconfig, nodeName: NODE, runtime, signal: ac.signal, log: (m) => { if (process.env.KLOG) console.log(m); }, rootDir: root, nodeIP: '172.18.0.77',
    capacity: { cpu: '4', memory: '8Gi', pods: '110', 'ephemeral-storage': '100Gi' },
    statusIntervalMs: 1_000, leaseIntervalMs: 1_000, resyncIntervalMs: 3_000, backoff: { initialMs: 300, maxMs: 1_200 },
  });
  expect(await kubelet.ready).toBe(true);
});

afterAll(async () => {
  ac?.abort();
  await kubelet?.done;
  httpServer?.close();
  rest?.close();
  await srv?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

async function eventually<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms${last ? ` (${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let seq = 0;
async function createPod(spec: Partial<V1PodSpec> & { containers: V1Container[] }, labels: Record<string, string> = {}): Promise<V1Pod> {
  return rest.create(pods, NS, { metadata: { name: `p${++seq}-${Math.random().toString(36).slice(2, 6)}`, labels }, spec: { nodeName: NODE, ...spec } });
}

const getPod = (p: V1Pod) => rest.get(pods, NS, p.metadata!.name!);
const podWhere = (p: V1Pod, what: string, ok: (p: V1Pod) => boolean, ms?: number) => eventually(what, async () => {
  const cur = await getPod(p);
  return ok(cur) ? cur : undefined;
}, ms);
const statusOf = (p: V1Pod, name = 'main') => [...(p.status?.containerStatuses ?? []), ...(p.status?.initContainerStatuses ?? [])].find((s) => s.name === name);
const runningId = (p: V1Pod, name = 'main') => statusOf(p, name)?.containerID?.replace(/^fake:\/\//, '');
const isReady = (p: V1Pod) => p.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
const volumePath = (p: V1Pod, plugin: string, name: string) => path.join(root, 'pods', p.metadata!.uid!, 'volumes', `kubernetes.io~${plugin}`, name);
const mode = (file: string) => statSync(file).mode & 0o777;

async function eventsOf(p: V1Pod): Promise<CoreV1Event[]> {
  const list = await rest.list(resources.events, NS, { fieldSelector: `involvedObject.name=${p.metadata!.name}` });
  return list.items.filter((e) => e.involvedObject.uid === p.metadata!.uid);
}
const eventWhere = (p: V1Pod, reason: string, message: string | RegExp) => eventually(`event ${reason} ${message}`, async () =>
  (await eventsOf(p)).find((e) => e.reason === reason && (typeof message === 'string' ? e.message === message : message.test(e.message ?? ''))));

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('env', () => {
  it('hands the runtime the resolved environment and the expanded command', async () => {
    await rest.create(configMaps, NS, { metadata: { name: 'app-config' }, data: { MODE: 'fast', 'log.level': 'debug' } });
    await rest.create(secrets, NS, { metadata: { name: 'app-secret' }, data: { PASSWORD: b64('s3cr3t') } });
    const pod = await createPod({
      containers: [{
        name: 'main', image: 'busybox', command: ['sh', '-c', 'echo $(GREETING) $(POD_NAME)'], args: ['$(MODE)'],
        resources: { requests: { cpu: '250m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } },
        envFrom: [{ configMapRef: { name: 'app-config' }, prefix: 'CFG_' }],
        env: [
          { name: 'GREETING', value: 'hello' },
          { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
          { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
          { name: 'HOST_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
          { name: 'MEM_MB', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
          { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'app-config', key: 'MODE' } } },
          { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'app-secret', key: 'PASSWORD' } } },
          { name: 'URL', value: 'https://$(KUBERNETES_SERVICE_HOST):$(KUBERNETES_SERVICE_PORT)/$(MODE)' },
        ],
      }],
    });
    const running = await podWhere(pod, 'Running', (p) => p.status?.phase === 'Running');
    const cfg = runtime.config(runningId(running)!)!;
    const env = Object.fromEntries(cfg.env.map((e) => [e.name, e.value]));
    expect(env).toMatchObject({
      CFG_MODE: 'fast', 'CFG_log.level': 'debug', GREETING: 'hello', POD_NAME: pod.metadata!.name, POD_IP: running.status!.podIP, NODE: NODE,
      HOST_IP: '172.18.0.77', MEM_MB: '128', MODE: 'fast', PASSWORD: 's3cr3t', URL: `https://${apiIP}:443/fast`,
      KUBERNETES_SERVICE_HOST: apiIP, KUBERNETES_PORT_443_TCP: `tcp://${apiIP}:443`,
    });
    expect(cfg.command).toEqual(['sh', '-c', `echo hello ${pod.metadata!.name}`]);
    expect(cfg.args).toEqual(['fast']);
    // The kubelet-managed /etc/hosts and the termination-message file are mounted too.
    expect(cfg.mounts.map((m) => m.containerPath)).toEqual(['/etc/hosts', '/dev/termination-log']);
    expect(readFileSync(cfg.mounts[0]!.hostPath, 'utf8')).toContain(`${running.status!.podIP}\t${pod.metadata!.name}\n`);
    await eventWhere(pod, 'Started', 'Started container main');
    await eventWhere(pod, 'Created', 'Created container main');
  });

  it('waits in CreateContainerConfigError for a missing ConfigMap, then starts once it exists', async () => {
    const pod = await createPod({ containers: [{ name: 'main', image: 'busybox:1.36', env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'late', key: 'x' } } }] }] });
    const stuck = await podWhere(pod, 'CreateContainerConfigError', (p) => statusOf(p)?.state?.waiting?.reason === 'CreateContainerConfigError');
    expect(stuck.status!.phase).toBe('Pending');
    expect(statusOf(stuck)!.state!.waiting!.message).toBe('configmap "late" not found');
    await eventWhere(pod, 'Failed', 'Error: configmap "late" not found');
    await rest.create(configMaps, NS, { metadata: { name: 'late' }, data: { y: '1' } });
    const noKey = await podWhere(pod, 'missing key', (p) => statusOf(p)?.state?.waiting?.message === `couldn't find key x in ConfigMap ${NS}/late`);
    expect(statusOf(noKey)!.state!.waiting!.reason).toBe('CreateContainerConfigError');
    await rest.patch(configMaps, NS, 'late', { data: { x: 'now' } });
    const running = await podWhere(pod, 'Running', (p) => p.status?.phase === 'Running');
    expect(runtime.config(runningId(running)!)!.env.find((e) => e.name === 'X')?.value).toBe('now');
  });
});

describe('volumes', () => {
  it('writes configMap volumes atomically with items and modes, and propagates updates', async () => {
    await rest.create(configMaps, NS, { metadata: { name: 'files' }, data: { 'app.conf': 'v=1', other: 'o' } });
    const pod = await createPod({
      volumes: [
        { name: 'all', configMap: { name: 'files' } },
        { name: 'some', configMap: { name: 'files', items: [{ key: 'app.conf', path: 'conf/app.conf', mode: 0o400 }], defaultMode: 0o640 } },
        { name: 'maybe', configMap: { name: 'absent', optional: true } },
      ],
      containers: [{
        name: 'main', image: 'busybox:1.36',
        volumeMounts: [{ name: 'all', mountPath: '/etc/all' }, { name: 'some', mountPath: '/etc/some' }, { name: 'maybe', mountPath: '/etc/maybe' }],
      }],
    });
    const running = await podWhere(pod, 'Running', (p) => p.status?.phase === 'Running');
    const all = volumePath(running, 'configmap', 'all');
    expect(readFileSync(path.join(all, 'app.conf'), 'utf8')).toBe('v=1');
    expect(readlinkSync(path.join(all, 'app.conf'))).toBe('..data/app.conf');
    expect(readlinkSync(path.join(all, '..data'))).toMatch(/^\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\.\d+$/);
    expect(mode(path.join(all, 'app.conf'))).toBe(0o644);
    const some = volumePath(running, 'configmap', 'some');
    expect(readFileSync(path.join(some, 'conf/app.conf'), 'utf8')).toBe('v=1');
    expect(mode(path.join(some, 'conf/app.conf'))).toBe(0o400);
    expect(existsSync(path.join(some, 'other'))).toBe(false);
    const mounts = runtime.config(runningId(running)!)!.mounts;
    expect(mounts.find((m) => m.containerPath === '/etc/all')).toEqual({ hostPath: all, containerPath: '/etc/all', readOnly: true });
    await rest.patch(configMaps, NS, 'files', { data: { 'app.conf': 'v=2' } });
    await eventually('update propagated', () => readFileSync(path.join(all, 'app.conf'), 'utf8') === 'v=2');
    await eventually('update propagated to items', () => readFileSync(path.join(some, 'conf/app.conf'), 'utf8') === 'v=2');
  });

  it('fails the mount of a missing ConfigMap with FailedMount and keeps the pod ContainerCreating', async () => {
    const pod = await createPod({
      volumes: [{ name: 'cfg', configMap: { name: 'nowhere' } }],
      containers: [{ name: 'main', image: 'busybox:1.36', volumeMounts: [{ name: 'cfg', mountPath: '/cfg' }] }],
    });
    await eventWhere(pod, 'FailedMount', 'MountVolume.SetUp failed for volume "cfg" : configmap "nowhere" not found');
    const cur = await podWhere(pod, 'ContainerCreating', (p) => statusOf(p)?.state?.waiting?.reason === 'ContainerCreating');
    expect(cur.status!.phase).toBe('Pending');
    expect(await runtime.podStatus(pod.metadata!.uid!)).toBeUndefined();
  });

  it('writes secret volumes decoded, with defaultMode and per-item modes', async () => {
    await rest.create(secrets, NS, { metadata: { name: 'creds' }, data: { user: b64('admin'), pass: b64('pw') } });
    const pod = await createPod({
      volumes: [
        { name: 's', secret: { secretName: 'creds', defaultMode: 0o400 } },
        { name: 'i', secret: { secretName: 'creds', items: [{ key: 'pass', path: 'p', mode: 0o440 }] } },
      ],
      containers: [{ name: 'main', image: 'busybox:1.36', volumeMounts: [{ name: 's', mountPath: '/s' }, { name: 'i', mountPath: '/i' }] }],
    });
    const running = await podWhere(pod, 'Running', (p) => p.status?.phase === 'Running');
    const s = volumePath(running, 'secret', 's');
    expect(readFileSync(path.join(s, 'user'), 'utf8')).toBe('admin');
    expect(mode(path.join(s, 'user'))).toBe(0o400);
    expect(mode(path.join(s, 'pass'))).toBe(0o400);
    const i = volumePath(running, 'secret', 'i');
    expect(readFileSync(path.join(i, 'p'), 'utf8')).toBe('pw');
    expect(mode(path.join(i, 'p'))).toBe(0o440);
  });

  it('writes downwardAPI labels and annotations files and follows label changes', async () => {
    const pod = await createPod({
      volumes: [{ name: 'info', downwardAPI: { items: [
        { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
        { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
        { path: 'mem', resourceFieldRef: { containerName: 'main', resource: 'limits.memory', divisor: '1Mi' } },
      ] } }],
      containers: [{ name: 'main', image: 'busybox:1.36', volumeMounts: [{ name: 'info', mountPath: '/info' }] }],
    }, { tier: 'web', app: 'shop' });
    const running = await podWhere(pod, 'Running', (p) => p.status?.phase === 'Running');
    const dir = volumePath(running, 'downward-api', 'info');
    expect(readFileSync(path.join(dir, 'labels'), 'utf8')).toBe('app="shop"\ntier="web"');
    expect(readFileSync(path.join(dir, 'name'), 'utf8')).toBe(pod.metadata!.name);
    expect(readFileSync(path.join(dir, 'mem'), 'utf8')).toBe(String(8 * 1024));
    await rest.patch(pods, NS, pod.metadata!.name!, { metadata: { labels: { tier: 'api' } } });
    await eventually('labels updated', () => readFileSync(path.join(dir, 'labels'), 'utf8') === 'app="shop"\ntier="api"');
  });

  it('projects a bound service-account token, a ConfigMap key and the namespace into one volume', async () => {
    await rest.create(configMaps, NS, { metadata: { name: 'ca' }, data: { 'ca.crt': 'CERT' } });
    const pod = await createPod({
      serviceAccountName: 'robot',
      volumes: [{ name: 'api', projected: { defaultMode: 0o644, sources: [
        { serviceAccountToken: { path: 'token', expirationSeconds: 3600, audience: 'vault' } },
        { configMap: { name: 'ca', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }] } },
      ] } }],
      containers: [{ name: 'main', image: 'busybox:1.36', volumeMounts: [{ name: 'api', mountPath: '/var/run/secrets/tokens', readOnly: true }] }],
    });
    const running = await podWhere(pod, 'Running', (p) => p.status?.phase === 'Running');
    const dir = volumePath(running, 'projected', 'api');
    expect(readFileSync(path.join(dir, 'ca.crt'), 'utf8')).toBe('CERT');
    expect(readFileSync(path.join(dir, 'namespace'), 'utf8')).toBe(NS);
    const token = readFileSync(path.join(dir, 'token'), 'utf8');
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { aud?: string[]; sub?: string; 'kubernetes.io'?: { pod?: { name?: string; uid?: string } } };
    expect(claims.sub).toBe(`system:serviceaccount:${NS}:robot`);
    expect(claims.aud).toEqual(['vault']);
    expect(claims['kubernetes.io']?.pod).toEqual({ name: pod.metadata!.name, uid: pod.metadata!.uid });
    expect(mode(path.join(dir, 'token'))).toBe(0o644);
  });

  it('shares an emptyDir (0777) between containers, and mounts hostPath volumes as they are', async () => {
    const hostDir = path.join(root, 'host-data');
    const pod = await createPod({
      volumes: [
        { name: 'scratch', emptyDir: {} },
        { name: 'mem', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } },
        { name: 'host', hostPath: { path: hostDir, type: 'DirectoryOrCreate' } },
      ],
      containers: [
        { name: 'main', image: 'busybox:1.36', command: ['sh', '-c', 'echo from-main > /scratch/note; sleep 3600'], volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }, { name: 'host', mountPath: '/host' }, { name: 'mem', mountPath: '/mem' }] },
        { name: 'side', image: 'busybox:1.36', volumeMounts: [{ name: 'scratch', mountPath: '/shared', readOnly: true }] },
      ],
    });
    const running = await podWhere(pod, 'Running', (p) => p.status?.phase === 'Running' && !!runningId(p, 'side'));
    const scratch = volumePath(running, 'empty-dir', 'scratch');
    expect(mode(scratch)).toBe(0o777);
    expect(readFileSync(path.join(scratch, 'note'), 'utf8')).toBe('from-main\n');
    expect(runtime.config(runningId(running, 'side')!)!.mounts[0]).toEqual({ hostPath: scratch, containerPath: '/shared', readOnly: true });
    expect(statSync(hostDir).isDirectory()).toBe(true);
    expect(runtime.config(runningId(running)!)!.mounts.find((m) => m.containerPath === '/host')?.hostPath).toBe(hostDir);
    // medium: Memory is a tmpfs when the kubelet runs as root (as here), a plain directory otherwise.
    const mem = volumePath(running, 'empty-dir', 'mem');
    const mountLine = readFileSync('/proc/mounts', 'utf8').split('\n').find((l) => l.split(' ')[1] === mem);
    if (process.getuid?.() === 0) expect(mountLine).toMatch(/^tmpfs .* tmpfs .*size=16384k/);
    else expect(mountLine).toBeUndefined();
    // The pod's directory goes with the pod.
    await rest.delete(pods, NS, pod.metadata!.name!, { gracePeriodSeconds: 0 });
    await eventually('pod dir removed', () => !existsSync(path.join(root, 'pods', pod.metadata!.uid!)));
    expect(readFileSync('/proc/mounts', 'utf8')).not.toContain(mem);
  });

  it('reports a hostPath whose type does not match', async () => {
    const pod = await createPod({
      volumes: [{ name: 'f', hostPath: { path: path.join(root, 'no-such-file'), type: 'File' } }],
      containers: [{ name: 'main', image: 'busybox:1.36', volumeMounts: [{ name: 'f', mountPath: '/f' }] }],
    });
    await eventWhere(pod, 'FailedMount', `MountVolume.SetUp failed for volume "f" : hostPath type check failed: ${path.join(root, 'no-such-file')} is not a file`);
  });

  it('keeps a pod with an unbound claim ContainerCreating, then mounts the hostPath PersistentVolume it gets bound to', async () => {
    const pvDir = path.join(root, `pv-${seq}`);
    mkdirSync(pvDir);
    const pvName = `pv-${NS}`;
    await rest.create(persistentVolumeClaims, NS, {
      metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeName: pvName, storageClassName: '' },
    });
    const pod = await createPod({
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }],
      containers: [{ name: 'main', image: 'busybox:1.36', volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
    });
    await eventWhere(pod, 'FailedMount', /^Unable to attach or mount volumes: unmounted volumes=\[data\].*error processing PVC .*\/data: PVC is not bound$/);
    expect((await getPod(pod)).status?.phase).toBe('Pending');
    const pvc = await rest.get(persistentVolumeClaims, NS, 'data');
    await rest.create(persistentVolumes, '', {
      metadata: { name: pvName },
      spec: {
        capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: pvDir }, storageClassName: '',
        claimRef: { kind: 'PersistentVolumeClaim', namespace: NS, name: 'data', uid: pvc.metadata!.uid },
      },
    });
    await rest.patch(persistentVolumeClaims, NS, 'data', { status: { phase: 'Bound' } }, { subresource: 'status' });
    const running = await podWhere(pod, 'Running', (p) => p.status?.phase === 'Running', 15_000);
    expect(runtime.config(runningId(running)!)!.mounts.find((m) => m.containerPath === '/data')).toEqual({ hostPath: pvDir, containerPath: '/data', readOnly: false });
  });
});

describe('probes', () => {
  it('restarts a container whose exec liveness probe fails, with the Unhealthy and Killing events', async () => {
    const pod = await createPod({
      volumes: [{ name: 'data', emptyDir: {} }],
      containers: [{
        name: 'main', image: 'busybox:1.36', command: ['sh', '-c', 'touch /data/healthy; sleep 1; rm -f /data/healthy; sleep 600'],
        volumeMounts: [{ name: 'data', mountPath: '/data' }],
        livenessProbe: { exec: { command: ['cat', '/data/healthy'] }, periodSeconds: 1, failureThreshold: 1 },
      }],
    });
    const restarted = await podWhere(pod, 'restarted', (p) => (statusOf(p)?.restartCount ?? 0) >= 1, 15_000);
    expect(statusOf(restarted)!.lastState?.terminated?.exitCode).toBe(137);
    await eventWhere(pod, 'Unhealthy', /^Liveness probe failed: /);
    await eventWhere(pod, 'Killing', 'Container main failed liveness probe, will be restarted');
  });

  it('flips Ready with an exec readiness probe, without restarting the container', async () => {
    const pod = await createPod({
      volumes: [{ name: 'data', emptyDir: {} }],
      containers: [{
        name: 'main', image: 'busybox:1.36', volumeMounts: [{ name: 'data', mountPath: '/data' }],
        readinessProbe: { exec: { command: ['cat', '/data/ready'] }, periodSeconds: 1, failureThreshold: 1 },
      }],
    });
    const notReady = await podWhere(pod, 'Running, not Ready', (p) => p.status?.phase === 'Running' && statusOf(p)?.started === true);
    expect(isReady(notReady)).toBe(false);
    expect(statusOf(notReady)!.ready).toBe(false);
    const flag = path.join(volumePath(notReady, 'empty-dir', 'data'), 'ready');
    writeFileSync(flag, 'yes');
    await podWhere(pod, 'Ready', (p) => isReady(p) && statusOf(p)?.ready === true);
    unlinkSync(flag);
    const unready = await podWhere(pod, 'not Ready again', (p) => !isReady(p));
    expect(unready.status!.conditions!.find((c) => c.type === 'ContainersReady')).toMatchObject({ status: 'False', message: 'containers with unready status: [main]' });
    expect(statusOf(unready)!.restartCount).toBe(0);
  });

  it('probes over HTTP at the pod address for readiness', async () => {
    healthy = true;
    const pod = await createPod({
      containers: [{
        name: 'main', image: 'busybox:1.36', ports: [{ name: 'http', containerPort: httpPort }],
        readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 1, failureThreshold: 1 },
      }],
    }, { net: 'local' });
    await podWhere(pod, 'Ready over HTTP', isReady);
    healthy = false;
    await podWhere(pod, 'unready over HTTP', (p) => !isReady(p));
    await eventWhere(pod, 'Unhealthy', 'Readiness probe failed: HTTP probe failed with statuscode: 503');
    healthy = true;
  });

  it('holds liveness back until the startup probe passes, then lets it act', async () => {
    const pod = await createPod({
      volumes: [{ name: 'data', emptyDir: {} }],
      containers: [{
        name: 'main', image: 'busybox:1.36', volumeMounts: [{ name: 'data', mountPath: '/data' }],
        startupProbe: { exec: { command: ['cat', '/data/started'] }, periodSeconds: 1, failureThreshold: 60 },
        livenessProbe: { exec: { command: ['sh', '-c', 'exit 1'] }, periodSeconds: 1, failureThreshold: 1 },
      }],
    });
    const waiting = await podWhere(pod, 'running, not started', (p) => p.status?.phase === 'Running');
    expect(statusOf(waiting)).toMatchObject({ started: false, ready: false, restartCount: 0 });
    await new Promise((r) => setTimeout(r, 2_500));
    const still = await getPod(pod);
    expect(statusOf(still)).toMatchObject({ started: false, restartCount: 0 });
    writeFileSync(path.join(volumePath(waiting, 'empty-dir', 'data'), 'started'), '');
    await podWhere(pod, 'started', (p) => statusOf(p)?.started === true || (statusOf(p)?.restartCount ?? 0) >= 1);
    await podWhere(pod, 'liveness restarts it', (p) => (statusOf(p)?.restartCount ?? 0) >= 1, 10_000);
  });
});

describe('lifecycle and termination', () => {
  it('runs postStart after the start, and preStop before the stop', async () => {
    const hostDir = path.join(root, `hooks-${seq}`);
    const pod = await createPod({
      volumes: [{ name: 'out', hostPath: { path: hostDir, type: 'DirectoryOrCreate' } }],
      containers: [{
        name: 'main', image: 'busybox:1.36', volumeMounts: [{ name: 'out', mountPath: '/out' }],
        lifecycle: {
          postStart: { exec: { command: ['sh', '-c', 'echo started > /out/post'] } },
          preStop: { exec: { command: ['sh', '-c', 'echo stopping > /out/pre'] } },
        },
      }],
    });
    await podWhere(pod, 'Running', (p) => p.status?.phase === 'Running');
    expect(readFileSync(path.join(hostDir, 'post'), 'utf8')).toBe('started\n');
    expect(existsSync(path.join(hostDir, 'pre'))).toBe(false);
    await rest.delete(pods, NS, pod.metadata!.name!);
    await eventually('preStop ran', () => existsSync(path.join(hostDir, 'pre')));
    expect(readFileSync(path.join(hostDir, 'pre'), 'utf8')).toBe('stopping\n');
  });

  it('kills a container whose postStart hook fails', async () => {
    const pod = await createPod({
      restartPolicy: 'Never',
      containers: [{ name: 'main', image: 'busybox:1.36', lifecycle: { postStart: { exec: { command: ['sh', '-c', 'exit 2'] } } } }],
    });
    await eventWhere(pod, 'FailedPostStartHook', 'PostStartHook failed');
    await eventWhere(pod, 'Killing', 'FailedPostStartHook');
    const failed = await podWhere(pod, 'Failed', (p) => p.status?.phase === 'Failed');
    expect(statusOf(failed)!.state!.terminated!.exitCode).toBe(137);
  });

  it('reports what the container wrote to its terminationMessagePath', async () => {
    const pod = await createPod({
      restartPolicy: 'Never',
      containers: [
        { name: 'main', image: 'busybox:1.36', command: ['sh', '-c', 'echo all done > /dev/termination-log; exit 3'] },
        { name: 'custom', image: 'busybox:1.36', terminationMessagePath: '/tmp/why', command: ['sh', '-c', 'printf bye > /tmp/why'] },
      ],
    });
    const done = await podWhere(pod, 'Failed', (p) => p.status?.phase === 'Failed');
    expect(statusOf(done)!.state!.terminated).toMatchObject({ exitCode: 3, reason: 'Error', message: 'all done\n' });
    expect(statusOf(done, 'custom')!.state!.terminated).toMatchObject({ exitCode: 0, reason: 'Completed', message: 'bye' });
  });
});

describe('sidecars', () => {
  it('starts a restartable init container before the app, keeps it running, and stops it when the app is done', async () => {
    const pod = await createPod({
      restartPolicy: 'Never',
      initContainers: [
        { name: 'proxy', image: 'busybox:1.36', restartPolicy: 'Always', command: ['sh', '-c', 'sleep 3600'] },
        { name: 'setup', image: 'busybox:1.36', command: ['true'] },
      ],
      containers: [{ name: 'main', image: 'busybox:1.36', command: ['sleep', '2'] }],
    });
    const running = await podWhere(pod, 'app running beside the sidecar', (p) => !!statusOf(p)?.state?.running);
    expect(running.status!.phase).toBe('Running');
    expect(statusOf(running, 'proxy')).toMatchObject({ started: true, ready: true });
    expect(statusOf(running, 'proxy')!.state!.running).toBeDefined();
    expect(statusOf(running, 'setup')!.state!.terminated).toMatchObject({ exitCode: 0 });
    const done = await podWhere(pod, 'Succeeded', (p) => p.status?.phase === 'Succeeded');
    expect(statusOf(done, 'proxy')!.state!.terminated?.exitCode).toBe(137);
    await eventWhere(pod, 'Killing', 'Stopping container proxy');
  });
});

describe('images', () => {
  it('reports ErrImagePull, then ImagePullBackOff, for an image that cannot be pulled', async () => {
    const pod = await createPod({ containers: [{ name: 'main', image: 'registry.example/missing:1', imagePullPolicy: 'IfNotPresent' }] });
    const pulled = await podWhere(pod, 'ErrImagePull', (p) => statusOf(p)?.state?.waiting?.reason === 'ErrImagePull');
    expect(statusOf(pulled)!.state!.waiting!.message).toContain('not found');
    await eventWhere(pod, 'Failed', 'Error: ErrImagePull');
    const backoff = await podWhere(pod, 'ImagePullBackOff', (p) => statusOf(p)?.state?.waiting?.reason === 'ImagePullBackOff');
    expect(statusOf(backoff)!.state!.waiting!.message).toBe('Back-off pulling image "registry.example/missing:1"');
    expect(backoff.status!.phase).toBe('Pending');
  });

  it('pulls an absent image it can get, and never pulls under Never', async () => {
    const ok = await createPod({ containers: [{ name: 'main', image: 'registry.example/app:2', imagePullPolicy: 'IfNotPresent' }] });
    await podWhere(ok, 'Running', (p) => p.status?.phase === 'Running');
    await eventWhere(ok, 'Pulling', 'Pulling image "registry.example/app:2"');
    await eventWhere(ok, 'Pulled', /^Successfully pulled image "registry\.example\/app:2" in \S+ \(\S+ including waiting\)/);
    const never = await createPod({ containers: [{ name: 'main', image: 'registry.example/other:3', imagePullPolicy: 'Never' }] });
    const stuck = await podWhere(never, 'ErrImageNeverPull', (p) => statusOf(p)?.state?.waiting?.reason === 'ErrImageNeverPull');
    expect(statusOf(stuck)!.state!.waiting!.message).toBe('Container image "registry.example/other:3" is not present with pull policy of Never');
    const present = await createPod({ containers: [{ name: 'main', image: 'busybox:1.36', imagePullPolicy: 'IfNotPresent' }] });
    await eventWhere(present, 'Pulled', 'Container image "busybox:1.36" already present on machine');
  });
});
