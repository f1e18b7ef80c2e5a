import { describe, expect, it } from 'vitest';
import type { V1Container } from '@kubernetes/client-node';
import { computePodActions, goDuration, inBackoffSince, nextBackoff, DEFAULT_BACKOFF, type PodSyncInput } from './sync.ts';
import { container, makePod, runtimePod, sandbox } from './testing.ts';

const at = (input: Partial<PodSyncInput> & Pick<PodSyncInput, 'pod'>) => computePodActions({ runtimePod: undefined, backoff: {}, now: 100_000, ...input });
const started = (a: ReturnType<typeof computePodActions>) => a.containersToStart.map((s) => `${s.container.name}#${s.attempt}${s.init ? ' (init)' : ''}`);

describe('computePodActions', () => {
  it('creates a sandbox and starts every container of a new pod', () => {
    const a = at({ pod: makePod({ containers: ['a', 'b'] }) });
    expect(a.createSandbox).toBe(true);
    expect(a.sandboxAttempt).toBe(0);
    expect(a.killPod).toBe(false);
    expect(started(a)).toEqual(['a#0', 'b#0']);
    expect(a.podTerminal).toBe(false);
  });

  it('starts only the first init container with a new sandbox', () => {
    const a = at({ pod: makePod({ init: ['i1', 'i2'], containers: ['app'] }) });
    expect(a.createSandbox).toBe(true);
    expect(started(a)).toEqual(['i1#0 (init)']);
  });

  it('runs init containers one at a time and in order, then the app containers', () => {
    const pod = makePod({ init: ['i1', 'i2'], containers: ['a', 'b'] });
    expect(started(at({ pod, runtimePod: runtimePod([container('i1')]) }))).toEqual([]);
    expect(started(at({ pod, runtimePod: runtimePod([container('i1', { exited: 0 })]) }))).toEqual(['i2#0 (init)']);
    expect(started(at({ pod, runtimePod: runtimePod([container('i1', { exited: 0 }), container('i2', { exited: 0 })]) }))).toEqual(['a#0', 'b#0']);
  });

  it('does nothing to a pod whose containers all run', () => {
    const a = at({ pod: makePod({ containers: ['a', 'b'] }), runtimePod: runtimePod([container('a'), container('b')]) });
    expect(a).toMatchObject({ createSandbox: false, killPod: false, containersToStart: [], containersToKill: [], podTerminal: false, sandboxId: 'sb1' });
  });

  it('restarts an exited container under Always at once the first time, with the next attempt number', () => {
    const a = at({ pod: makePod(), runtimePod: runtimePod([container('app', { exited: 0, attempt: 2 })]) });
    expect(started(a)).toEqual(['app#3']);
    expect(a.backoff.app).toEqual({ backoffMs: 10_000, lastUpdate: 100_000 });
  });

  it('holds a container that fails again in CrashLoopBackOff, and starts it once the back-off has passed', () => {
    const pod = makePod();
    const rt = runtimePod([container('app', { exited: 1, attempt: 1, finishedAt: 95_000 })]);
    const backoff = { app: { backoffMs: 10_000, lastUpdate: 90_000 } };
    const waiting = at({ pod, runtimePod: rt, backoff, now: 100_000 });
    expect(waiting.containersToStart).toEqual([]);
    expect(waiting.waiting.app).toEqual({ reason: 'CrashLoopBackOff', message: 'back-off 10s restarting failed container=app pod=web_default(uid-1)' });
    expect(waiting.requeueAfterMs).toBe(5_000);
    expect(waiting.podTerminal).toBe(false);
    const later = at({ pod, runtimePod: rt, backoff, now: 105_000 });
    expect(started(later)).toEqual(['app#2']);
    expect(later.backoff.app).toEqual({ backoffMs: 20_000, lastUpdate: 105_000 });
  });

  it('restarts under OnFailure only after a failure', () => {
    const pod = makePod({ restartPolicy: 'OnFailure' });
    expect(started(at({ pod, runtimePod: runtimePod([container('app', { exited: 3 })]) }))).toEqual(['app#1']);
    const done = at({ pod, runtimePod: runtimePod([container('app', { exited: 0 })]) });
    expect(done.containersToStart).toEqual([]);
    expect(done.podTerminal).toBe(true);
    expect(done.killPod).toBe(true); // the sandbox is still up
  });

  it('never restarts under Never: the pod ends when its containers have', () => {
    const pod = makePod({ restartPolicy: 'Never', containers: ['a', 'b'] });
    const oneLeft = at({ pod, runtimePod: runtimePod([container('a', { exited: 1 }), container('b')]) });
    expect(oneLeft.containersToStart).toEqual([]);
    expect(oneLeft.podTerminal).toBe(false);
    const over = at({ pod, runtimePod: runtimePod([container('a', { exited: 1 }), container('b', { exited: 0 })]) });
    expect(over.podTerminal).toBe(true);
  });

  it('fails a Never pod whose init container failed, and retries it under OnFailure', () => {
    const rt = runtimePod([container('i1', { exited: 2 })]);
    const never = at({ pod: makePod({ restartPolicy: 'Never', init: ['i1'] }), runtimePod: rt });
    expect(never.podTerminal).toBe(true);
    expect(never.containersToStart).toEqual([]);
    const onFailure = at({ pod: makePod({ restartPolicy: 'OnFailure', init: ['i1'] }), runtimePod: rt });
    expect(started(onFailure)).toEqual(['i1#1 (init)']);
  });

  it('kills everything of a pod being deleted and starts nothing', () => {
    const a = at({ pod: makePod({ deleting: true }), runtimePod: runtimePod([container('app')]) });
    expect(a).toMatchObject({ killPod: true, podTerminal: true, createSandbox: false, containersToStart: [] });
    const gone = at({ pod: makePod({ deleting: true }), runtimePod: runtimePod([container('app', { exited: 137 })], [sandbox({ state: 'notready' })]) });
    expect(gone.killPod).toBe(false);
    expect(gone.podTerminal).toBe(true);
  });

  it('starts nothing for a pod the API already shows finished', () => {
    const a = at({ pod: makePod({ phase: 'Succeeded' }) });
    expect(a).toMatchObject({ createSandbox: false, containersToStart: [], podTerminal: true, killPod: false });
  });

  it('replaces a sandbox that is not ready, stopping what is left of the pod', () => {
    const rt = runtimePod([container('app')], [sandbox({ state: 'notready', attempt: 1 })]);
    const a = at({ pod: makePod(), runtimePod: rt });
    expect(a.createSandbox).toBe(true);
    expect(a.sandboxAttempt).toBe(2);
    expect(a.killPod).toBe(true);
  });

  it('gives a Never pod whose containers ran no new sandbox', () => {
    const rt = runtimePod([container('app', { exited: 0 })], [sandbox({ state: 'notready' })]);
    const a = at({ pod: makePod({ restartPolicy: 'Never' }), runtimePod: rt });
    expect(a.createSandbox).toBe(false);
    expect(a.podTerminal).toBe(true);
  });

  it('stops a pod past its activeDeadlineSeconds, and syncs again when the deadline comes', () => {
    const pod = makePod();
    pod.spec!.activeDeadlineSeconds = 30;
    pod.status!.startTime = new Date(80_000);
    const before = at({ pod, runtimePod: runtimePod([container('app')]), now: 100_000 });
    expect(before.requeueAfterMs).toBe(10_000);
    expect(before.podTerminal).toBe(false);
    const after = at({ pod, runtimePod: runtimePod([container('app')]), now: 110_000 });
    expect(after).toMatchObject({ killPod: true, podTerminal: true, evict: { reason: 'DeadlineExceeded', message: 'Pod was active on the node longer than the specified deadline' } });
  });

  it('removes exited containers beyond the newest two of a name', () => {
    const rt = runtimePod([
      container('app', { id: 'old', exited: 1, attempt: 0 }), container('app', { id: 'prev', exited: 1, attempt: 1 }), container('app', { id: 'cur', attempt: 2 }),
    ]);
    expect(at({ pod: makePod(), runtimePod: rt }).containersToRemove).toEqual(['old']);
  });

  it('continues the reported restart count for a container the runtime no longer has', () => {
    const pod = makePod();
    pod.status!.containerStatuses = [{ name: 'app', containerID: 'fake://gone', restartCount: 4, image: 'busybox', imageID: '', ready: true }];
    expect(started(at({ pod }))).toEqual(['app#5']);
  });
});

describe('probes and sidecars in computePodActions', () => {
  const sidecar = (name: string, o: Partial<V1Container> = {}): V1Container => ({ name, image: 'busybox', restartPolicy: 'Always', ...o });

  it('kills a container that failed its liveness probe and starts its next attempt (upstream: "…, will be restarted")', () => {
    const rt = runtimePod([container('app', { id: 'live', attempt: 1 })]);
    const a = at({ pod: makePod(), runtimePod: rt, probeFailures: { live: 'liveness' } });
    expect(a.containersToKill).toEqual([{ id: 'live', name: 'app', reason: 'Container app failed liveness probe, will be restarted', message: 'Container app failed liveness probe, will be restarted', remove: false }]);
    expect(started(a)).toEqual(['app#2']);
    expect(a.podTerminal).toBe(false);
  });

  it('holds the restart after a liveness kill in back-off when the container failed before', () => {
    const rt = runtimePod([container('app', { id: 'prev', exited: 137, attempt: 0, finishedAt: 95_000 }), container('app', { id: 'live', attempt: 1 })]);
    const a = at({ pod: makePod(), runtimePod: rt, probeFailures: { live: 'liveness' }, backoff: { app: { backoffMs: 10_000, lastUpdate: 95_000 } } });
    expect(a.containersToKill.map((k) => k.id)).toEqual(['live']);
    expect(a.containersToStart).toEqual([]);
    expect(a.waiting.app?.reason).toBe('CrashLoopBackOff');
  });

  it('does not restart a container killed for a startup failure under restartPolicy Never', () => {
    const rt = runtimePod([container('app', { id: 's' })]);
    const a = at({ pod: makePod({ restartPolicy: 'Never' }), runtimePod: rt, probeFailures: { s: 'startup' } });
    expect(a.containersToKill.map((k) => k.message)).toEqual(['Container app failed startup probe']);
    expect(a.containersToStart).toEqual([]);
  });

  it('starts a sidecar, then the next init container only once the sidecar has started', () => {
    const pod = makePod({ containers: ['app'] });
    pod.spec!.initContainers = [sidecar('proxy'), { name: 'setup', image: 'busybox' }];
    expect(started(at({ pod, runtimePod: runtimePod([]) }))).toEqual(['proxy#0 (init)']);
    const proxy = container('proxy', { id: 'px' });
    expect(started(at({ pod, runtimePod: runtimePod([proxy]), notStarted: new Set(['px']) }))).toEqual([]);
    expect(started(at({ pod, runtimePod: runtimePod([proxy]) }))).toEqual(['setup#0 (init)']);
    expect(started(at({ pod, runtimePod: runtimePod([proxy, container('setup', { exited: 0 })]) }))).toEqual(['app#0']);
  });

  it('restarts a sidecar that exits, whatever the pod restartPolicy, while app containers run', () => {
    const pod = makePod({ restartPolicy: 'Never', containers: ['app'] });
    pod.spec!.initContainers = [sidecar('proxy')];
    const a = at({ pod, runtimePod: runtimePod([container('proxy', { exited: 1 }), container('app')]) });
    expect(started(a)).toEqual(['proxy#1 (init)']);
    expect(a.podTerminal).toBe(false);
  });

  it('ends the pod when its app containers are done, stopping sidecars rather than restarting them', () => {
    const pod = makePod({ restartPolicy: 'Never', containers: ['app'] });
    pod.spec!.initContainers = [sidecar('proxy')];
    const running = at({ pod, runtimePod: runtimePod([container('proxy'), container('app', { exited: 0 })]) });
    expect(running).toMatchObject({ podTerminal: true, killPod: true, containersToStart: [] });
    const stopped = at({ pod, runtimePod: runtimePod([container('proxy', { exited: 137 }), container('app', { exited: 0 })]) });
    expect(stopped).toMatchObject({ podTerminal: true, containersToStart: [] });
  });
});

describe('container back-off', () => {
  it('doubles from 10 s to at most 5 minutes', () => {
    let e = nextBackoff(undefined, 0, 0, DEFAULT_BACKOFF);
    const seen = [e.backoffMs];
    for (let i = 1; i < 8; i++) {
      e = nextBackoff(e, i * 1000, i * 1000, DEFAULT_BACKOFF);
      seen.push(e.backoffMs);
    }
    expect(seen).toEqual([10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);
  });

  it('starts over once a container stayed up for twice the maximum', () => {
    const e = { backoffMs: 160_000, lastUpdate: 0 };
    expect(nextBackoff(e, 600_001, 600_001, DEFAULT_BACKOFF).backoffMs).toBe(10_000);
    expect(inBackoffSince(e, 600_001, 600_002, DEFAULT_BACKOFF)).toBe(false);
    expect(inBackoffSince(e, 1_000, 2_000, DEFAULT_BACKOFF)).toBe(true);
  });

  it('prints durations as Go does', () => {
    expect([10_000, 20_000, 40_000, 80_000, 160_000, 300_000].map(goDuration)).toEqual(['10s', '20s', '40s', '1m20s', '2m40s', '5m0s']);
  });
});
