// The life of pods on a Docker node (`capstan up --nodes 1`), observed through the real kubectl:
// CrashLoopBackOff with a growing back-off, liveness restarts, readiness gating the pod's Ready
// condition and its Service endpoints, a Job's pod succeeding, graceful deletion (preStop within
// the grace period; SIGKILL at its end), and a missing image. The tests run concurrently, each in
// its own namespace: most of their time is waiting for the kubelet's clocks.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it, beforeAll, afterAll } from 'vitest';
import type { System } from '../harness/system.ts';
import { kubectl, kubectlOk } from '../harness/kubectl.ts';
import { eventually } from '../../test/eventually.ts';
import {
  apply, busyboxPod, conditionOf, containerStatus, getPod, podEventually, waitReady, watchPod,
} from './pods.ts';
import { useDockerSystem } from '../harness/pods.ts';

/** A container that idles and leaves promptly on SIGTERM (sh as PID 1 has no default handler). */
const IDLE = 'trap "exit 0" TERM; while true; do sleep 1; done';

const cluster = useDockerSystem(1);
const namespace = cluster.namespace;
let sys: System;
let hostDir: string;

interface EventJson { reason: string; message: string; type: string; involvedObject: { name: string }; source?: { component?: string } }

async function eventsOf(ns: string, pod: string, reason: string): Promise<EventJson[]> {
  const out = await kubectlOk(sys, ['get', 'events', '-n', ns, '--field-selector', `involvedObject.name=${pod},reason=${reason}`, '-o', 'json']);
  return (JSON.parse(out) as { items: EventJson[] }).items;
}

/** Seconds kubectl took to delete the pod (it waits until the pod is gone). */
async function timedDelete(ns: string, name: string, graceSeconds: number): Promise<number> {
  const started = Date.now();
  await kubectlOk(sys, ['delete', 'pod', name, '-n', ns, `--grace-period=${graceSeconds}`, '--timeout=60s'], { timeoutMs: 70_000 });
  return (Date.now() - started) / 1000;
}

beforeAll(() => {
  sys = cluster.sys();
  // A host directory the pods' preStop hooks write to through a hostPath volume (the engine runs here).
  hostDir = mkdtempSync(path.join(tmpdir(), 'capstan-node-lifecycle-'));
});

afterAll(() => rmSync(hostDir, { recursive: true, force: true }));

describe.concurrent('Node: restarts, probes, jobs, deletion and images', () => {
  it('backs a crashing container off in CrashLoopBackOff, waiting longer before each restart', async ({ expect }) => {
    const ns = await namespace('crashloop');
    const watch = watchPod(sys, ns, 'crasher', ['-o', 'jsonpath={.status.containerStatuses[0].restartCount}|{.status.containerStatuses[0].state.waiting.reason}|{.status.containerStatuses[0].state.waiting.message}{"\\n"}']);
    try {
      const created = Date.now();
      await apply(sys, busyboxPod(ns, 'crasher', 'echo crashing; exit 1'));
      // Upstream's doBackOff: the first restart is immediate, then 10 s, then 20 s (doubling to 5 min).
      const restartSeen = (n: number) => watch.lines().find((l) => Number(l.line.split('|')[0]) >= n);
      const timeline = () => watch.lines().map((l) => `+${((l.at - created) / 1000).toFixed(1)}s ${l.line}`).join('\n');
      const third = await eventually(() => restartSeen(3), { timeoutMs: 55_000, intervalMs: 100, what: 'restartCount 3' })
        .catch((e: Error) => { throw new Error(`${e.message}; the pod as watched:\n${timeline()}\n${watch.stderr()}`); });
      const first = restartSeen(1)!;
      const second = restartSeen(2)!;
      const gap12 = (second.at - first.at) / 1000;
      const gap23 = (third.at - second.at) / 1000;
      // Lower bounds from the back-off (less a little for when the watch saw each restart); a
      // loaded machine only stretches the gaps.
      const gaps = `restarts 1→2 after ${gap12}s, 2→3 after ${gap23}s:\n${timeline()}`;
      expect(gap12, gaps).toBeGreaterThanOrEqual(8);
      expect(gap23, gaps).toBeGreaterThanOrEqual(17);
      expect(gap23, gaps).toBeGreaterThan(gap12);

      const waiting = watch.lines().map((l) => l.line.split('|')).filter(([, reason]) => reason === 'CrashLoopBackOff');
      expect(waiting.length).toBeGreaterThan(0);
      const uid = (await getPod(sys, ns, 'crasher')).metadata.uid;
      expect(waiting.map(([, , message]) => message)).toContain(`back-off 10s restarting failed container=main pod=crasher_${ns}(${uid})`);
      expect(waiting.map(([, , message]) => message)).toContain(`back-off 20s restarting failed container=main pod=crasher_${ns}(${uid})`);

      // Now in its 40 s back-off: kubectl shows it, and the kubelet said so in an event.
      const row = await eventually(async () => {
        const out = (await kubectlOk(sys, ['get', 'pod', 'crasher', '-n', ns, '--no-headers'])).trim().split(/\s+/);
        return out[2] === 'CrashLoopBackOff' ? out : undefined;
      }, { timeoutMs: 15_000, what: 'STATUS CrashLoopBackOff' });
      expect(Number(row[3])).toBeGreaterThanOrEqual(3);
      const backOff = await eventsOf(ns, 'crasher', 'BackOff');
      expect(backOff.length).toBeGreaterThan(0);
      expect(backOff[0]!.type).toBe('Warning');
      expect(backOff[0]!.message).toBe(`Back-off restarting failed container main in pod crasher_${ns}(${uid})`);
      const pod = await getPod(sys, ns, 'crasher');
      expect(containerStatus(pod, 'main')?.lastState?.terminated?.exitCode).toBe(1);
      expect(containerStatus(pod, 'main')?.lastState?.terminated?.reason).toBe('Error');
      expect(await kubectlOk(sys, ['logs', 'crasher', '-n', ns, '--previous'])).toBe('crashing\n');
    } finally {
      watch.stop();
    }
  }, 90_000);

  it('restarts a container whose liveness probe fails', async ({ expect }) => {
    const ns = await namespace('liveness');
    // Healthy for a few seconds, then the file the probe reads is gone.
    await apply(sys, busyboxPod(ns, 'sickly', `touch /tmp/healthy; sleep 4; rm /tmp/healthy; ${IDLE}`, {}, {
      livenessProbe: { exec: { command: ['cat', '/tmp/healthy'] }, periodSeconds: 1, failureThreshold: 2 },
    }));
    await waitReady(sys, ns, 'sickly');
    const firstId = containerStatus(await getPod(sys, ns, 'sickly'), 'main')?.containerID;
    expect(firstId).toMatch(/^docker:\/\/[0-9a-f]{64}$/);
    const restarted = await podEventually(sys, ns, 'sickly', (p) => {
      const s = containerStatus(p, 'main');
      return s && s.restartCount >= 1 && s.containerID !== firstId ? s : undefined;
    }, 45_000, 'a restart after the liveness probe failed');
    expect(restarted.lastState?.terminated).toBeTruthy();
    const unhealthy = await eventsOf(ns, 'sickly', 'Unhealthy');
    expect(unhealthy.map((e) => e.message).some((m) => m.startsWith('Liveness probe failed:'))).toBe(true);
    const killing = await eventsOf(ns, 'sickly', 'Killing');
    expect(killing.map((e) => e.message)).toContain('Container main failed liveness probe, will be restarted');
  }, 90_000);

  it('keeps a pod NotReady and out of its Service\'s ready endpoints until its readiness probe passes', async ({ expect }) => {
    const ns = await namespace('readiness');
    await apply(sys, {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'gated', namespace: ns },
      spec: { selector: { app: 'gated' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    });
    await apply(sys, busyboxPod(ns, 'gated', IDLE, {}, {
      readinessProbe: { exec: { command: ['cat', '/tmp/ready'] }, periodSeconds: 1, failureThreshold: 1 },
    }));
    const running = await podEventually(sys, ns, 'gated', (p) => (p.status.phase === 'Running' && p.status.podIP ? p : undefined), 60_000, 'the pod Running');
    const ip = running.status.podIP!;
    type Endpoints = { subsets?: Array<{ addresses?: Array<{ ip: string }>; notReadyAddresses?: Array<{ ip: string }> }> };
    type Slices = { items: Array<{ endpoints?: Array<{ addresses: string[]; conditions?: { ready?: boolean } }> }> };
    const endpoints = async () => JSON.parse(await kubectlOk(sys, ['get', 'endpoints', 'gated', '-n', ns, '-o', 'json'])) as Endpoints;
    const sliceReady = async () => {
      const slices = JSON.parse(await kubectlOk(sys, ['get', 'endpointslices', '-n', ns, '-l', 'kubernetes.io/service-name=gated', '-o', 'json'])) as Slices;
      return slices.items.flatMap((s) => s.endpoints ?? []).find((e) => e.addresses.includes(ip))?.conditions?.ready;
    };

    // Running but not ready: listed as a not-ready address, never restarted for it.
    await eventually(async () => (await endpoints()).subsets?.some((s) => s.notReadyAddresses?.some((a) => a.ip === ip)), { timeoutMs: 30_000, what: 'the pod IP in notReadyAddresses' });
    const notReady = await getPod(sys, ns, 'gated');
    expect(conditionOf(notReady, 'Ready')).toBe('False');
    expect(conditionOf(notReady, 'ContainersReady')).toBe('False');
    expect((await endpoints()).subsets?.flatMap((s) => s.addresses ?? []).map((a) => a.ip) ?? []).not.toContain(ip);
    expect(await eventually(async () => ((await sliceReady()) === false ? 'not ready' : undefined), { timeoutMs: 30_000, what: 'the slice endpoint not ready' })).toBe('not ready');
    expect(containerStatus(notReady, 'main')?.ready).toBe(false);

    // The file appears: Ready, and the address moves to the ready ones.
    await kubectlOk(sys, ['exec', 'gated', '-n', ns, '--', 'touch', '/tmp/ready']);
    await waitReady(sys, ns, 'gated', 30);
    await eventually(async () => (await endpoints()).subsets?.some((s) => s.addresses?.some((a) => a.ip === ip)), { timeoutMs: 30_000, what: 'the pod IP in addresses' });
    expect((await endpoints()).subsets?.flatMap((s) => s.notReadyAddresses ?? []).map((a) => a.ip) ?? []).not.toContain(ip);
    expect(await eventually(async () => ((await sliceReady()) === true ? 'ready' : undefined), { timeoutMs: 30_000, what: 'the slice endpoint ready' })).toBe('ready');
    const ready = await getPod(sys, ns, 'gated');
    expect(conditionOf(ready, 'ContainersReady')).toBe('True');
    expect(containerStatus(ready, 'main')?.restartCount).toBe(0);
  }, 90_000);

  it('completes a Job created with kubectl create job, its pod Succeeded', async ({ expect }) => {
    const ns = await namespace('job');
    await kubectlOk(sys, ['create', 'job', 'once', '-n', ns, '--image=busybox', '--', 'sh', '-c', 'echo job-finished']);
    await kubectlOk(sys, ['wait', '--for=condition=complete', 'job/once', '-n', ns, '--timeout=90s'], { timeoutMs: 100_000 });
    expect((await kubectlOk(sys, ['get', 'job', 'once', '-n', ns, '-o', 'jsonpath={.status.succeeded}'])).trim()).toBe('1');
    const pods = JSON.parse(await kubectlOk(sys, ['get', 'pods', '-n', ns, '-l', 'job-name=once', '-o', 'json'])) as { items: Array<{ metadata: { name: string }; status: { phase: string } }> };
    expect(pods.items.map((p) => p.status.phase)).toEqual(['Succeeded']);
    expect(await kubectlOk(sys, ['logs', pods.items[0]!.metadata.name, '-n', ns])).toBe('job-finished\n');
  }, 120_000);

  it('runs the preStop hook before SIGTERM on deletion, within the grace period', async ({ expect }) => {
    const ns = await namespace('prestop');
    const dir = path.join(hostDir, 'prestop');
    // preStop takes 3 s and notes its start and end; the container notes SIGTERM and leaves.
    await apply(sys, busyboxPod(ns, 'graceful', 'trap "echo sigterm >> /host/order; exit 0" TERM; while true; do sleep 1; done', {
      terminationGracePeriodSeconds: 60,
      volumes: [{ name: 'host', hostPath: { path: dir, type: 'DirectoryOrCreate' } }],
    }, {
      volumeMounts: [{ name: 'host', mountPath: '/host' }],
      lifecycle: { preStop: { exec: { command: ['sh', '-c', 'echo prestop-start >> /host/order; sleep 3; echo prestop-end >> /host/order'] } } },
    }));
    await waitReady(sys, ns, 'graceful');
    const took = await timedDelete(ns, 'graceful', 20);
    expect(readFileSync(path.join(dir, 'order'), 'utf8')).toBe('prestop-start\nprestop-end\nsigterm\n');
    // At least the hook's 3 s; well under the 20 s grace period (not the spec's 60 s), since the
    // container left on SIGTERM.
    expect(took).toBeGreaterThanOrEqual(3);
    expect(took).toBeLessThan(15);
    const gone = await kubectl(sys, ['get', 'pod', 'graceful', '-n', ns]);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain('NotFound');
  }, 90_000);

  it('kills a container that ignores SIGTERM when the grace period ends', async ({ expect }) => {
    const ns = await namespace('sigkill');
    await apply(sys, busyboxPod(ns, 'stubborn', 'trap "" TERM; while true; do sleep 1; done', { terminationGracePeriodSeconds: 30 }));
    await waitReady(sys, ns, 'stubborn');
    const watch = watchPod(sys, ns, 'stubborn', ['-o', 'jsonpath={.status.containerStatuses[0].state.terminated.exitCode}{"\\n"}']);
    try {
      const took = await timedDelete(ns, 'stubborn', 4);
      expect(took).toBeGreaterThanOrEqual(4);
      expect(took).toBeLessThan(14);
      // The status the kubelet wrote before the pod went: killed (128 + SIGKILL).
      const exitCodes = await eventually(() => {
        const codes = watch.lines().map((l) => l.line.trim()).filter((l) => l !== '');
        return codes.length > 0 ? codes : undefined;
      }, { timeoutMs: 5_000, what: 'a terminated state in the watch' });
      expect(exitCodes).toContain('137');
    } finally {
      watch.stop();
    }
    const gone = await kubectl(sys, ['get', 'pod', 'stubborn', '-n', ns]);
    expect(gone.stderr).toContain('NotFound');
  }, 90_000);

  it('shows ErrImagePull, then ImagePullBackOff, for an image that cannot be pulled', async ({ expect }) => {
    const ns = await namespace('image-pull');
    const image = 'busybox:no-such-tag';
    const table = watchPod(sys, ns, 'ghost', ['--no-headers']);
    try {
      await apply(sys, { ...busyboxPod(ns, 'ghost', IDLE), spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image, command: ['sh', '-c', IDLE] }] } });
      const statusColumn = () => table.lines().map((l) => l.line.trim().split(/\s+/)[2]);
      await eventually(() => statusColumn().includes('ErrImagePull') && statusColumn().includes('ImagePullBackOff'), {
        timeoutMs: 45_000, intervalMs: 100, what: 'STATUS ErrImagePull and ImagePullBackOff',
      }).catch((e: Error) => { throw new Error(`${e.message}; seen: ${statusColumn().join(', ')}`); });
      const seen = statusColumn();
      expect(seen.indexOf('ErrImagePull')).toBeLessThan(seen.indexOf('ImagePullBackOff'));
    } finally {
      table.stop();
    }
    const pod = await getPod(sys, ns, 'ghost');
    expect(pod.status.phase).toBe('Pending');
    const waiting = containerStatus(pod, 'main')?.state?.waiting;
    expect(['ErrImagePull', 'ImagePullBackOff']).toContain(waiting?.reason);
    const failed = await eventsOf(ns, 'ghost', 'Failed');
    expect(failed.some((e) => e.message.startsWith(`Failed to pull image "${image}"`))).toBe(true);
    const backOff = await eventsOf(ns, 'ghost', 'BackOff');
    expect(backOff.map((e) => e.message)).toContain(`Back-off pulling image "${image}"`);
  }, 90_000);
});
