// Pods on a Docker node (`capstan up --nodes 1`) through the real kubectl, as a user works with
// them: `kubectl run`, `logs` (and `logs -f` following new lines), `exec` (the command's exit code,
// stdin), `cp` both ways, env from ConfigMaps and Secrets, a mounted ConfigMap updated in a running
// container, and init containers in order.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { System } from '../harness/system.ts';
import { kubectl, kubectlOk } from '../harness/kubectl.ts';
import { eventually } from '../../test/eventually.ts';
import {
  apply, busyboxPod, containerStatus, getPod, spawnKubectl, waitReady,
} from './pods.ts';
import { useDockerSystem } from '../harness/pods.ts';

/** A container that idles and leaves promptly on SIGTERM (sh as PID 1 has no default handler). */
const IDLE = 'trap "exit 0" TERM; while true; do sleep 1; done';

const cluster = useDockerSystem(1);
const namespace = cluster.namespace;
let sys: System;
let scratch: string;

const waitPhase = (ns: string, name: string, phase: string) =>
  kubectlOk(sys, ['wait', `--for=jsonpath={.status.phase}=${phase}`, `pod/${name}`, '-n', ns, '--timeout=90s'], { timeoutMs: 100_000 });

beforeAll(() => {
  sys = cluster.sys();
  scratch = mkdtempSync(path.join(tmpdir(), 'capstan-node-cp-'));
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('Pods: kubectl run, logs and exec', () => {
  it('runs a busybox pod with kubectl run to Running, and kubectl logs prints its line', async () => {
    const ns = await namespace('run');
    await kubectlOk(sys, ['run', 'hello', '-n', ns, '--image=busybox', '--', 'sh', '-c', `echo hello-from-kubectl-run; ${IDLE}`]);
    await waitPhase(ns, 'hello', 'Running');
    const pod = await getPod(sys, ns, 'hello');
    expect(pod.spec.nodeName).toBe('node-0');
    expect(pod.status.podIP).toMatch(/^10\.240\.\d+\.\d+$/);
    expect(containerStatus(pod, 'hello')?.state?.running?.startedAt).toBeTruthy();
    const logs = await eventually(async () => {
      const out = await kubectlOk(sys, ['logs', 'hello', '-n', ns]);
      return out.includes('hello-from-kubectl-run') ? out : undefined;
    }, { timeoutMs: 15_000, what: 'the log line of kubectl run' });
    expect(logs).toBe('hello-from-kubectl-run\n');
  }, 120_000);

  it('streams lines written after kubectl logs -f started', async () => {
    const ns = await namespace('logs-follow');
    // Prints one line, then two more once /tmp/go exists, which the test creates while following.
    const script = `echo before-follow; while [ ! -e /tmp/go ]; do sleep 1; done; echo after-go-1; echo after-go-2; ${IDLE}`;
    await apply(sys, busyboxPod(ns, 'talker', script));
    await waitReady(sys, ns, 'talker');
    const follow = spawnKubectl(sys, ['logs', '-f', 'talker', '-n', ns]);
    try {
      await follow.waitForOutput(/before-follow\n/, 20_000);
      expect(follow.stdout()).not.toContain('after-go');
      await kubectlOk(sys, ['exec', 'talker', '-n', ns, '--', 'touch', '/tmp/go']);
      const out = await follow.waitForOutput(/after-go-2\n/, 20_000);
      expect(out).toBe('before-follow\nafter-go-1\nafter-go-2\n');
      // Still following: the stream stays open while the container runs.
      expect(follow.proc.exitCode).toBeNull();
    } finally {
      follow.stop();
    }
  }, 120_000);

  it('exits kubectl exec with the exit code of the command in the container', async () => {
    const ns = await namespace('exec-code');
    await apply(sys, busyboxPod(ns, 'shell', IDLE));
    await waitReady(sys, ns, 'shell');
    const failed = await kubectl(sys, ['exec', 'shell', '-n', ns, '--', 'sh', '-c', 'echo partial-output; exit 3']);
    expect(failed.code, failed.stderr).toBe(3);
    expect(failed.stdout).toBe('partial-output\n');
    expect(failed.stderr).toContain('command terminated with exit code 3');
    const ok = await kubectl(sys, ['exec', 'shell', '-n', ns, '--', 'sh', '-c', 'echo fine; exit 0']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toBe('fine\n');
    // A command that does not exist: kubectl fails (upstream: exit code 126 or 127 from the runtime, or an error).
    const missing = await kubectl(sys, ['exec', 'shell', '-n', ns, '--', '/no/such/command']);
    expect(missing.code).not.toBe(0);
  }, 120_000);

  it('passes stdin to the container with kubectl exec -i', async () => {
    const ns = await namespace('exec-stdin');
    await apply(sys, busyboxPod(ns, 'shell', IDLE));
    await waitReady(sys, ns, 'shell');
    const input = 'first line\nsecond line\n';
    expect(await kubectlOk(sys, ['exec', '-i', 'shell', '-n', ns, '--', 'cat'], { input })).toBe(input);
    const counted = await kubectlOk(sys, ['exec', '-i', 'shell', '-n', ns, '--', 'sh', '-c', 'read first; echo "got:$first"; wc -l'], { input });
    expect(counted.split('\n').map((l) => l.trim())).toEqual(['got:first line', '1', '']);
  }, 120_000);

  it('copies a file into a pod and back out with kubectl cp, byte for byte', async () => {
    const ns = await namespace('cp');
    await apply(sys, busyboxPod(ns, 'shell', IDLE));
    await waitReady(sys, ns, 'shell');
    // Binary content, larger than one stream frame.
    const content = randomBytes(200 * 1024);
    const local = path.join(scratch, 'upload.bin');
    writeFileSync(local, content);
    await kubectlOk(sys, ['cp', local, `${ns}/shell:/tmp/upload.bin`]);
    const inPod = await kubectlOk(sys, ['exec', 'shell', '-n', ns, '--', 'sha256sum', '/tmp/upload.bin']);
    expect(inPod.split(/\s+/)[0]).toBe(createHash('sha256').update(content).digest('hex'));

    // Pod → local: a file the container wrote, and the uploaded one back again.
    await kubectlOk(sys, ['exec', 'shell', '-n', ns, '--', 'sh', '-c', 'seq 1 2000 > /tmp/numbers.txt']);
    const numbers = path.join(scratch, 'numbers.txt');
    await kubectlOk(sys, ['cp', `${ns}/shell:/tmp/numbers.txt`, numbers]);
    expect(readFileSync(numbers, 'utf8')).toBe(Array.from({ length: 2000 }, (_, i) => `${i + 1}\n`).join(''));
    const back = path.join(scratch, 'download.bin');
    await kubectlOk(sys, ['cp', `${ns}/shell:/tmp/upload.bin`, back]);
    expect(readFileSync(back).equals(content)).toBe(true);
  }, 120_000);
});

describe('Pods: configuration from ConfigMaps and Secrets', () => {
  it('sets env from a ConfigMap and a Secret, through envFrom (with a prefix) and valueFrom', async () => {
    const ns = await namespace('env-from');
    await kubectlOk(sys, ['create', 'configmap', 'game', '-n', ns, '--from-literal=MODE=fast', '--from-literal=LEVEL=7']);
    await kubectlOk(sys, ['create', 'secret', 'generic', 'creds', '-n', ns, '--from-literal=PASSWORD=s3cr3t', '--from-literal=USER=admin']);
    const pod = busyboxPod(ns, 'envy', 'env | sort', { restartPolicy: 'Never' }, {
      envFrom: [{ configMapRef: { name: 'game' } }, { secretRef: { name: 'creds' }, prefix: 'DB_' }],
      env: [
        { name: 'ONLY_LEVEL', valueFrom: { configMapKeyRef: { name: 'game', key: 'LEVEL' } } },
        { name: 'THE_PASSWORD', valueFrom: { secretKeyRef: { name: 'creds', key: 'PASSWORD' } } },
        { name: 'COMPOSED', value: '$(MODE)-$(ONLY_LEVEL)' },
      ],
    });
    await apply(sys, pod);
    await waitPhase(ns, 'envy', 'Succeeded');
    const env = (await kubectlOk(sys, ['logs', 'envy', '-n', ns])).split('\n');
    expect(env).toEqual(expect.arrayContaining([
      'MODE=fast', 'LEVEL=7', 'DB_PASSWORD=s3cr3t', 'DB_USER=admin', 'ONLY_LEVEL=7', 'THE_PASSWORD=s3cr3t', 'COMPOSED=fast-7',
    ]));
    // The Secret's keys arrive only with the prefix.
    expect(env).not.toContain('PASSWORD=s3cr3t');
  }, 120_000);

  it('updates a mounted ConfigMap file in the running container without restarting it', async () => {
    const ns = await namespace('cm-volume');
    await kubectlOk(sys, ['create', 'configmap', 'site', '-n', ns, '--from-literal=greeting=hello']);
    await apply(sys, busyboxPod(ns, 'reader', IDLE, {
      volumes: [{ name: 'site', configMap: { name: 'site' } }],
    }, { volumeMounts: [{ name: 'site', mountPath: '/etc/site' }] }));
    await waitReady(sys, ns, 'reader');
    const read = () => kubectlOk(sys, ['exec', 'reader', '-n', ns, '--', 'cat', '/etc/site/greeting']);
    expect(await read()).toBe('hello');
    const before = containerStatus(await getPod(sys, ns, 'reader'), 'main');

    const changed = Date.now();
    await kubectlOk(sys, ['patch', 'configmap', 'site', '-n', ns, '--type=merge', '-p', '{"data":{"greeting":"bonjour"}}']);
    // Upstream's kubelet takes up to its sync period (1 min) plus the cache TTL; ours rewrites the
    // volume as soon as its watch sees the change.
    await eventually(async () => (await read()) === 'bonjour', { timeoutMs: 30_000, intervalMs: 250, what: 'the new greeting in /etc/site/greeting' });
    expect(Date.now() - changed).toBeLessThan(30_000);

    const after = containerStatus(await getPod(sys, ns, 'reader'), 'main');
    expect(after?.containerID).toBe(before?.containerID);
    expect(after?.restartCount).toBe(0);
  }, 120_000);
});

describe('Pods: init containers', () => {
  it('runs init containers in order before the app container, and reports them terminated Completed', async () => {
    const ns = await namespace('init');
    const init = (name: string) => ({
      name, image: 'busybox', imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', `echo ${name} >> /work/order`],
      volumeMounts: [{ name: 'work', mountPath: '/work' }],
    });
    await apply(sys, {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'ordered', namespace: ns },
      spec: {
        restartPolicy: 'Never', terminationGracePeriodSeconds: 1,
        volumes: [{ name: 'work', emptyDir: {} }],
        initContainers: [init('init-first'), init('init-second'), init('init-third')],
        containers: [{
          name: 'app', image: 'busybox', imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', 'echo app >> /work/order; cat /work/order'],
          volumeMounts: [{ name: 'work', mountPath: '/work' }],
        }],
      },
    });
    await waitPhase(ns, 'ordered', 'Succeeded');
    expect(await kubectlOk(sys, ['logs', 'ordered', '-n', ns, '-c', 'app'])).toBe('init-first\ninit-second\ninit-third\napp\n');

    const pod = await getPod(sys, ns, 'ordered');
    const inits = pod.status.initContainerStatuses ?? [];
    expect(inits.map((s) => s.name)).toEqual(['init-first', 'init-second', 'init-third']);
    for (const s of inits) {
      expect(s.state?.terminated?.reason, s.name).toBe('Completed');
      expect(s.state?.terminated?.exitCode, s.name).toBe(0);
    }
    // One after the other: each started no earlier than the one before it finished.
    for (let i = 1; i < inits.length; i++) {
      expect(Date.parse(inits[i]!.state!.terminated!.startedAt!)).toBeGreaterThanOrEqual(Date.parse(inits[i - 1]!.state!.terminated!.finishedAt!));
    }
    expect(pod.status.conditions?.find((c) => c.type === 'Initialized')?.status).toBe('True');
    expect(containerStatus(pod, 'app')?.state?.terminated?.reason).toBe('Completed');
  }, 120_000);
});
