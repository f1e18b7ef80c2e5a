import { describe, expect, it } from 'vitest';
import type { V1PodStatus } from '@kubernetes/client-node';
import { canonical, generatePodStatus, wireOf, type PodStatusInput } from './status.ts';
import { container, makePod, runtimePod, sandbox } from './testing.ts';

const NOW = Date.parse('2025-01-02T03:04:05.678Z');

function status(input: Partial<PodStatusInput> & Pick<PodStatusInput, 'pod'>): V1PodStatus {
  return generatePodStatus({
    oldStatus: input.pod.status, runtimePod: undefined, runtimeName: 'fake', waiting: {}, podIsTerminal: false, hostIPs: ['172.18.0.2'], now: NOW, ...input,
  });
}

const conditions = (s: V1PodStatus) => Object.fromEntries((s.conditions ?? []).map((c) => [c.type, c.reason ? `${c.status} ${c.reason}` : c.status]));

describe('generatePodStatus', () => {
  it('reports a new pod as Pending with ContainerCreating containers', () => {
    const s = status({ pod: makePod({ containers: ['b', 'a'] }) });
    expect(s.phase).toBe('Pending');
    expect(s.containerStatuses!.map((c) => [c.name, c.state?.waiting?.reason, c.ready, c.restartCount])).toEqual([
      ['a', 'ContainerCreating', false, 0], ['b', 'ContainerCreating', false, 0],
    ]);
    expect(s.startTime?.toISOString()).toBe('2025-01-02T03:04:05.000Z');
    expect(s.hostIP).toBe('172.18.0.2');
    expect(s.podIP).toBeUndefined();
  });

  it('reports a pod whose containers run as Running and Ready, with its sandbox IP', () => {
    const s = status({ pod: makePod({ containers: ['a', 'b'] }), runtimePod: runtimePod([container('a'), container('b')]) });
    expect(s.phase).toBe('Running');
    expect(s.podIP).toBe('10.244.0.2');
    expect(s.podIPs).toEqual([{ ip: '10.244.0.2' }]);
    expect(s.hostIPs).toEqual([{ ip: '172.18.0.2' }]);
    expect(conditions(s)).toEqual({ PodReadyToStartContainers: 'True', Initialized: 'True', Ready: 'True', ContainersReady: 'True', PodScheduled: 'True' });
    expect(s.conditions!.map((c) => c.type)).toEqual(['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled']);
    const a = s.containerStatuses![0]!;
    expect(a).toMatchObject({ name: 'a', ready: true, started: true, restartCount: 0, image: 'busybox', imageID: 'sha256:abc' });
    expect(a.containerID).toMatch(/^fake:\/\/c\d+$/);
    expect(a.state?.running?.startedAt).toBeInstanceOf(Date);
  });

  it('reports containers that are not running as not ready, naming them', () => {
    const s = status({ pod: makePod({ containers: ['a', 'b'] }), runtimePod: runtimePod([container('a')]) });
    const ready = s.conditions!.find((c) => c.type === 'Ready')!;
    expect(ready).toMatchObject({ status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [b]' });
  });

  it('holds Ready back until every readiness gate is True', () => {
    const pod = makePod({ readinessGates: ['example.com/lb'] });
    const rt = runtimePod([container('app')]);
    const missing = status({ pod, runtimePod: rt }).conditions!.find((c) => c.type === 'Ready')!;
    expect(missing).toMatchObject({ status: 'False', reason: 'ReadinessGatesNotReady', message: 'corresponding condition of pod readiness gate "example.com/lb" does not exist.' });
    const gated = makePod({ readinessGates: ['example.com/lb'], conditions: [{ type: 'example.com/lb', status: 'True' }] });
    const s = status({ pod: gated, runtimePod: rt });
    expect(conditions(s)).toMatchObject({ Ready: 'True', 'example.com/lb': 'True' });
    expect(s.conditions![0]!.type).toBe('example.com/lb');
  });

  it('reports init containers: PodInitializing until they are done, then Initialized', () => {
    const pod = makePod({ init: ['i1'], containers: ['app'] });
    const s = status({ pod, runtimePod: runtimePod([container('i1')]) });
    expect(s.phase).toBe('Pending');
    expect(s.containerStatuses![0]!.state?.waiting?.reason).toBe('PodInitializing');
    expect(conditions(s).Initialized).toBe('False ContainersNotInitialized');
    const done = status({ pod, runtimePod: runtimePod([container('i1', { exited: 0 }), container('app')]) });
    expect(done.phase).toBe('Running');
    expect(done.initContainerStatuses![0]).toMatchObject({ ready: true, started: false, state: { terminated: { exitCode: 0, reason: 'Completed' } } });
    expect(conditions(done).Initialized).toBe('True');
  });

  it('ends a Never pod whose container failed as Failed, and one that succeeded as Succeeded', () => {
    const failed = status({ pod: makePod({ restartPolicy: 'Never' }), runtimePod: runtimePod([container('app', { exited: 1 })], [sandbox({ state: 'notready' })]), podIsTerminal: true });
    expect(failed.phase).toBe('Failed');
    expect(failed.containerStatuses![0]!.state?.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
    expect(conditions(failed)).toMatchObject({ Ready: 'False PodFailed', ContainersReady: 'False PodFailed', PodReadyToStartContainers: 'False' });
    // The pod keeps the IP it had.
    expect(failed.podIP).toBeUndefined();
    const pod = makePod({ restartPolicy: 'Never' });
    pod.status = { ...pod.status, podIP: '10.244.0.9', podIPs: [{ ip: '10.244.0.9' }] };
    const succeeded = status({ pod, runtimePod: runtimePod([container('app', { exited: 0 })], [sandbox({ state: 'notready' })]), podIsTerminal: true });
    expect(succeeded.phase).toBe('Succeeded');
    expect(succeeded.podIP).toBe('10.244.0.9');
    expect(conditions(succeeded)).toMatchObject({ Ready: 'False PodCompleted', ContainersReady: 'False PodCompleted' });
  });

  it('reports a Never pod whose init container failed as Failed', () => {
    const s = status({ pod: makePod({ restartPolicy: 'Never', init: ['i1'] }), runtimePod: runtimePod([container('i1', { exited: 2 })]) });
    expect(s.phase).toBe('Failed');
  });

  it('shows CrashLoopBackOff with the last termination, and keeps an OnFailure pod Running', () => {
    const rt = runtimePod([container('app', { exited: 1, attempt: 3 })]);
    const s = status({
      pod: makePod({ restartPolicy: 'OnFailure' }), runtimePod: rt,
      waiting: { app: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container=app pod=web_default(uid-1)' } },
    });
    expect(s.phase).toBe('Running');
    const c = s.containerStatuses![0]!;
    expect(c.state?.waiting).toEqual({ reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container=app pod=web_default(uid-1)' });
    expect(c.lastState?.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
    expect(c.restartCount).toBe(3);
  });

  it('reports the previous run as lastState after a restart', () => {
    const rt = runtimePod([container('app', { exited: 1, attempt: 0 }), container('app', { attempt: 1, createdAt: 3_000 })]);
    const c = status({ pod: makePod(), runtimePod: rt }).containerStatuses![0]!;
    expect(c.restartCount).toBe(1);
    expect(c.state?.running).toBeDefined();
    expect(c.lastState?.terminated?.exitCode).toBe(1);
  });

  it('keeps transition times while a condition holds, and never leaves an ended phase', () => {
    const pod = makePod();
    const first = status({ pod, runtimePod: runtimePod([container('app')]) });
    const later = generatePodStatus({
      pod: { ...pod, status: first }, oldStatus: first, runtimePod: runtimePod([container('app')]), runtimeName: 'fake', waiting: {}, podIsTerminal: false, hostIPs: [], now: NOW + 60_000,
    });
    expect(later.conditions!.find((c) => c.type === 'Ready')!.lastTransitionTime).toEqual(first.conditions!.find((c) => c.type === 'Ready')!.lastTransitionTime);
    const ended = status({ pod: makePod({ phase: 'Succeeded' }), runtimePod: undefined });
    expect(ended.phase).toBe('Succeeded');
  });

  it('gives host-network pods the node address', () => {
    const pod = makePod();
    pod.spec!.hostNetwork = true;
    const s = status({ pod, runtimePod: runtimePod([container('app')], [sandbox({ ips: [], hostNetwork: true })]) });
    expect(s.podIP).toBe('172.18.0.2');
  });
});

describe('status on the wire', () => {
  it('writes times in whole seconds and compares statuses by meaning', () => {
    const s = status({ pod: makePod(), runtimePod: runtimePod([container('app')]) });
    const w = wireOf(s, 'V1PodStatus') as { startTime: string };
    expect(w.startTime).toBe('2025-01-02T03:04:05Z');
    expect(canonical({ a: 1, b: null, c: {}, d: '' })).toBe(canonical({ a: 1 }));
    expect(canonical({ a: 1, b: 2 })).toBe(canonical({ b: 2, a: 1 }));
  });
});

describe('generatePodStatus with probes and sidecars', () => {
  it('reports a running container that has not passed readiness as not ready, and the pod NotReady', () => {
    const pod = makePod({ containers: ['a'] });
    const s = status({ pod, runtimePod: runtimePod([container('a', { id: 'ca' })]), probes: { ca: { started: true, ready: false } } });
    expect(s.phase).toBe('Running');
    expect(s.containerStatuses![0]).toMatchObject({ ready: false, started: true });
    expect(conditions(s)).toMatchObject({ Ready: 'False ContainersNotReady', ContainersReady: 'False ContainersNotReady' });
    expect(s.conditions!.find((c) => c.type === 'Ready')?.message).toBe('containers with unready status: [a]');
  });

  it('reports a container whose startup probe has not passed as neither started nor ready', () => {
    const s = status({ pod: makePod({ containers: ['a'] }), runtimePod: runtimePod([container('a', { id: 'ca' })]), probes: { ca: { started: false, ready: true } } });
    expect(s.containerStatuses![0]).toMatchObject({ ready: false, started: false });
  });

  it('keeps a pod Pending until its sidecar has started, then counts the sidecar as initialized and running', () => {
    const pod = makePod({ containers: ['app'] });
    pod.spec!.initContainers = [{ name: 'proxy', image: 'busybox', restartPolicy: 'Always' }];
    const waiting = status({ pod, runtimePod: runtimePod([container('proxy', { id: 'px' })]), probes: { px: { started: false, ready: false } } });
    expect(waiting.phase).toBe('Pending');
    expect(conditions(waiting).Initialized).toBe('False ContainersNotInitialized');
    const up = status({ pod, runtimePod: runtimePod([container('proxy', { id: 'px' }), container('app')]) });
    expect(up.phase).toBe('Running');
    expect(up.initContainerStatuses![0]).toMatchObject({ name: 'proxy', ready: true, started: true });
    expect(conditions(up)).toMatchObject({ Initialized: 'True', Ready: 'True' });
    const unready = status({ pod, runtimePod: runtimePod([container('proxy', { id: 'px' }), container('app')]), probes: { px: { started: true, ready: false } } });
    expect(unready.conditions!.find((c) => c.type === 'ContainersReady')?.message).toBe('containers with unready status: [proxy]');
  });

  it('lets a pod whose app containers succeeded end as Succeeded though its sidecar was stopped', () => {
    const pod = makePod({ containers: ['app'], restartPolicy: 'Never' });
    pod.spec!.initContainers = [{ name: 'proxy', image: 'busybox', restartPolicy: 'Always' }];
    const s = status({ pod, runtimePod: runtimePod([container('proxy', { exited: 137 }), container('app', { exited: 0 })]), podIsTerminal: true });
    expect(s.phase).toBe('Succeeded');
  });
});
