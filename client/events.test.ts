import { describe, expect, it } from 'vitest';
import type { CoreV1Event, KubernetesObject } from '@kubernetes/client-node';
import { EventCorrelator, newEventRecorder, type EventSink } from './events.ts';
import { ApiError } from './rest.ts';

const pod: KubernetesObject = { apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'web', name: 'p1', uid: 'u1', resourceVersion: '7' } };
const node: KubernetesObject = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', uid: 'u2' } };

class FakeSink implements EventSink {
  created: CoreV1Event[] = [];
  patches: Array<{ namespace: string; name: string; count: number; message: string }> = [];
  patchFails = false;
  async create(namespace: string, ev: CoreV1Event) {
    this.created.push({ ...ev, metadata: { ...ev.metadata, namespace } });
    return ev;
  }
  async patch(namespace: string, name: string, p: { count: number; lastTimestamp: string; message: string }) {
    if (this.patchFails) throw new ApiError(404, 'NotFound', 'gone');
    this.patches.push({ namespace, name, count: p.count, message: p.message });
    return { metadata: { name }, involvedObject: {} } as CoreV1Event;
  }
}

describe('event recorder', () => {
  it('creates an Event naming the object, source, reason, type and times', async () => {
    const sink = new FakeSink();
    const t = new Date('2026-01-01T00:00:00Z');
    const rec = newEventRecorder({ sink, component: 'replicaset-controller', host: 'h1', now: () => t });
    rec.event(pod, 'Normal', 'SuccessfulCreate', 'Created pod: p1-abc');
    await rec.flush();
    expect(sink.created).toHaveLength(1);
    const ev = sink.created[0]!;
    expect(ev.metadata.name).toMatch(/^p1\.[0-9a-f]+$/);
    expect(ev.metadata.namespace).toBe('web');
    expect(ev).toMatchObject({
      involvedObject: { apiVersion: 'v1', kind: 'Pod', namespace: 'web', name: 'p1', uid: 'u1', resourceVersion: '7' },
      reason: 'SuccessfulCreate', message: 'Created pod: p1-abc', type: 'Normal',
      source: { component: 'replicaset-controller', host: 'h1' }, count: 1, firstTimestamp: t, lastTimestamp: t,
    });
  });

  it('puts events about cluster-scoped objects in "default"', async () => {
    const sink = new FakeSink();
    const rec = newEventRecorder({ sink, component: 'c' });
    rec.event(node, 'Warning', 'NodeNotReady', 'not ready');
    await rec.flush();
    expect(sink.created[0]!.metadata.namespace).toBe('default');
  });

  it('counts repeats of the same event on the one already written instead of creating more', async () => {
    const sink = new FakeSink();
    const rec = newEventRecorder({ sink, component: 'c' });
    for (let i = 0; i < 3; i++) rec.event(pod, 'Warning', 'BackOff', 'Back-off restarting failed container');
    rec.event(pod, 'Warning', 'BackOff', 'a different message');
    await rec.flush();
    expect(sink.created.map((e) => e.message)).toEqual(['Back-off restarting failed container', 'a different message']);
    expect(sink.patches.map((p) => [p.name, p.count])).toEqual([[sink.created[0]!.metadata.name, 2], [sink.created[0]!.metadata.name, 3]]);
  });

  it('creates the event again, keeping its count, when the one it repeats is gone', async () => {
    const sink = new FakeSink();
    const rec = newEventRecorder({ sink, component: 'c' });
    rec.event(pod, 'Normal', 'Pulled', 'pulled');
    await rec.flush();
    sink.patchFails = true;
    rec.event(pod, 'Normal', 'Pulled', 'pulled');
    await rec.flush();
    expect(sink.created).toHaveLength(2);
    expect(sink.created[1]!.count).toBe(2);
    expect(sink.created[1]!.metadata.name).toBe(sink.created[0]!.metadata.name);
  });

  it('drops events beyond maxPending rather than queue without bound, and never throws', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => { release = r; });
    const created: string[] = [];
    const sink: EventSink = {
      create: async (_ns, ev) => { await gate; created.push(ev.reason!); return ev; },
      patch: async () => { throw new Error('unused'); },
    };
    const logs: string[] = [];
    const rec = newEventRecorder({ sink, component: 'c', maxPending: 2, log: (m) => logs.push(m) });
    for (let i = 0; i < 5; i++) rec.event(pod, 'Normal', `R${i}`, 'm');
    release();
    await rec.flush();
    expect(created).toEqual(['R0', 'R1']);
    const failing = newEventRecorder({ sink: { create: async () => { throw new Error('down'); }, patch: async () => { throw new Error('down'); } }, component: 'c', log: (m) => logs.push(m) });
    failing.event(pod, 'Normal', 'X', 'm');
    await failing.flush();
    expect(logs.some((l) => /cannot record X/.test(l))).toBe(true);
  });
});

describe('EventCorrelator', () => {
  it('forgets the least recently seen events beyond its bound', () => {
    const c = new EventCorrelator(2);
    const ev = (reason: string): CoreV1Event => ({ metadata: { name: reason, namespace: 'n' }, involvedObject: { name: 'o' }, reason, message: 'm' });
    const t = new Date();
    expect('create' in c.correlate(ev('a'), t)).toBe(true);
    expect('create' in c.correlate(ev('b'), t)).toBe(true);
    expect('patch' in c.correlate(ev('a'), t)).toBe(true);
    expect('create' in c.correlate(ev('c'), t)).toBe(true);
    // b was the least recently seen.
    expect('create' in c.correlate(ev('b'), t)).toBe(true);
    expect('patch' in c.correlate(ev('c'), t)).toBe(true);
  });
});
