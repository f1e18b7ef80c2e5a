import { describe, expect, it } from 'vitest';
import type { ClusterEvent } from './framework.ts';
import { Status } from './framework.ts';
import { SchedulingQueue, type QueuedPodInfo } from './queue.ts';
import { makePod } from './testing.ts';

function queueAt(clock: { t: number }, o: Partial<ConstructorParameters<typeof SchedulingQueue>[0]> = {}) {
  const pluginEvents = new Map<string, Set<ClusterEvent>>([
    ['NodeResourcesFit', new Set<ClusterEvent>(['Node/Add', 'AssignedPod/Delete'])],
    ['NodeAffinity', new Set<ClusterEvent>(['Node/Add', 'Node/UpdateLabel'])],
  ]);
  return new SchedulingQueue({ now: () => clock.t, pluginEvents, ...o });
}

async function popAll(q: SchedulingQueue): Promise<string[]> {
  const out: string[] = [];
  while (q.counts().active > 0) out.push((await q.pop())!.podInfo.pod.metadata!.name!);
  return out;
}

describe('scheduling queue', () => {
  it('pops the highest priority first, then the earliest added', async () => {
    const clock = { t: 1000 };
    const q = queueAt(clock);
    q.add(makePod('low').priority(1).obj());
    clock.t++;
    q.add(makePod('high').priority(100).obj());
    clock.t++;
    q.add(makePod('low-later').priority(1).obj());
    q.add(makePod('high-later').priority(100).obj());
    expect(await popAll(q)).toEqual(['high', 'high-later', 'low', 'low-later']);
  });

  it('backs off 1 s, 2 s, 4 s, 8 s, then 10 s per attempt', () => {
    const q = queueAt({ t: 0 });
    const qpi = { attempts: 0 } as QueuedPodInfo;
    const durations = [0, 1, 2, 3, 4, 5, 6].map((attempts) => q.backoffDuration({ ...qpi, attempts }));
    expect(durations).toEqual([0, 1000, 2000, 4000, 8000, 10000, 10000]);
  });

  it('parks an unschedulable pod until an event its rejecting plugin registered, then backs it off', async () => {
    const clock = { t: 0 };
    const q = queueAt(clock);
    const pod = makePod('p').obj();
    q.add(pod);
    const qpi = (await q.pop())!;
    const cycle = q.schedulingCycle();
    qpi.unschedulablePlugins = new Set(['NodeAffinity']);
    q.addUnschedulableIfNotPresent(qpi, cycle);
    expect(q.where(pod)).toBe('unschedulable');
    q.moveAllToActiveOrBackoffQueue('AssignedPod/Delete');
    expect(q.where(pod)).toBe('unschedulable');
    q.moveAllToActiveOrBackoffQueue('Node/UpdateLabel');
    // Still within its 1 s back-off.
    expect(q.where(pod)).toBe('backoff');
    clock.t += 1000;
    q.flushBackoffQCompleted();
    expect(q.where(pod)).toBe('active');
  });

  it('sends a pod to back-off rather than unschedulable when an event came during its cycle', async () => {
    const clock = { t: 0 };
    const q = queueAt(clock);
    const pod = makePod('p').obj();
    q.add(pod);
    const qpi = (await q.pop())!;
    const cycle = q.schedulingCycle();
    q.moveAllToActiveOrBackoffQueue('Node/Add');
    qpi.unschedulablePlugins = new Set(['NodeResourcesFit']);
    q.addUnschedulableIfNotPresent(qpi, cycle);
    expect(q.where(pod)).toBe('backoff');
  });

  it('sends errored pods to back-off and flushes pods unschedulable for over 5 minutes', async () => {
    const clock = { t: 0 };
    const q = queueAt(clock);
    const a = makePod('a').obj();
    const b = makePod('b').obj();
    q.add(a);
    q.add(b);
    const qa = (await q.pop())!;
    const qb = (await q.pop())!;
    q.addUnschedulableIfNotPresent(qa, q.schedulingCycle(), { error: true });
    expect(q.where(a)).toBe('backoff');
    qb.unschedulablePlugins = new Set(['NodeResourcesFit']);
    q.addUnschedulableIfNotPresent(qb, q.schedulingCycle());
    clock.t += 5 * 60_000;
    q.flushUnschedulablePodsLeftover();
    expect(q.where(b)).toBe('unschedulable');
    clock.t += 1;
    q.flushUnschedulablePodsLeftover();
    expect(q.where(b)).toBe('active');
  });

  it('keeps a gated pod out of the active queue until its gates are removed', async () => {
    const q = queueAt({ t: 0 }, { preEnqueue: (p) => ((p.spec?.schedulingGates?.length ?? 0) > 0 ? Status.unresolvable('gated').withPlugin('SchedulingGates') : undefined) });
    const gated = makePod('g').gates('wait').obj();
    q.add(gated);
    expect(q.where(gated)).toBe('unschedulable');
    q.moveAllToActiveOrBackoffQueue('Node/Add');
    expect(q.where(gated)).toBe('unschedulable');
    const open = { ...gated, spec: { ...gated.spec!, schedulingGates: [] } };
    q.update(gated, open);
    expect(q.where(open)).toBe('active');
  });

  it('moves an unschedulable pod whose spec changed, and deletes pods from every place', async () => {
    const q = queueAt({ t: 0 });
    const pod = makePod('p').obj();
    q.add(pod);
    const qpi = (await q.pop())!;
    qpi.unschedulablePlugins = new Set(['NodeAffinity']);
    q.addUnschedulableIfNotPresent(qpi, q.schedulingCycle());
    const statusOnly = { ...pod, status: { ...pod.status, conditions: [{ type: 'PodScheduled', status: 'False' }] } };
    q.update(pod, statusOnly);
    expect(q.where(pod)).toBe('unschedulable');
    const relabelled = { ...pod, metadata: { ...pod.metadata, labels: { x: 'y' } } };
    q.update(statusOnly, relabelled);
    expect(q.where(pod)).toBe('backoff');
    q.delete(pod);
    expect(q.where(pod)).toBeUndefined();
  });

  it('waits in pop until a pod arrives, and returns undefined once closed', async () => {
    const q = queueAt({ t: 0 });
    const waiting = q.pop();
    q.add(makePod('late').obj());
    expect((await waiting)?.podInfo.pod.metadata?.name).toBe('late');
    const closed = q.pop();
    q.close();
    expect(await closed).toBeUndefined();
  });

  it('tracks nominated pods per node', () => {
    const q = queueAt({ t: 0 });
    const pod = makePod('p').nominated('n1').obj();
    q.add(pod);
    expect(q.nominator.podsForNode('n1').map((p) => p.key)).toEqual(['default/p']);
    q.delete(pod);
    expect(q.nominator.podsForNode('n1')).toEqual([]);
  });
});
