// The scheduler against a real API server over PostgreSQL: Node objects created directly (no
// kubelet), pods bound through pods/binding. Tests run in order and each removes its nodes, so
// every "0/N nodes" count is the test's own.
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CoreV1Event, V1Pod, V1Taint } from '@kubernetes/client-node';
import { isNotFound, RestClient } from '../client/index.ts';
import { events, namespaces, nodes, pods, priorityClasses } from '../client/resources.ts';
import { createDatabaseAt } from '../test/postgres.ts';
import { startTestApiServer, type TestApiServer } from '../test/apiserver.ts';
import { startScheduler, type RunningScheduler } from './index.ts';
import type { Scheduler } from './scheduler.ts';
import { eventually } from '../test/eventually.ts';

let srv: TestApiServer;
let ac: AbortController;
let running: RunningScheduler;
let sched: Scheduler;
let rest: RestClient;
const createdNodes: string[] = [];

beforeAll(async () => {
  srv = await startTestApiServer({ databaseUrl: await createDatabaseAt(inject('pgAdminUrl')) });
  rest = new RestClient(srv.kubeconfig);
  ac = new AbortController();
  let started: (s: Scheduler) => void;
  const ready = new Promise<Scheduler>((r) => { started = r; });
  running = startScheduler({ kubeconfig: srv.kubeconfig, signal: ac.signal, log: () => {}, onStarted: (s) => started(s) });
  sched = await ready;
  await rest.create(priorityClasses, '', { metadata: { name: 'low' }, value: 1 });
  await rest.create(priorityClasses, '', { metadata: { name: 'high' }, value: 1000 });
});

afterEach(async () => {
  for (const n of createdNodes.splice(0)) {
    try { await rest.delete(nodes, '', n); } catch (e) { if (!isNotFound(e)) throw e; }
  }
  await eventually(async () => (sched.cache.nodeCount() === 0 ? true : undefined), 5_000);
});

afterAll(async () => {
  ac?.abort();
  await running?.done;
  rest?.close();
  await srv?.close();
});

interface NodeOpts { cpu?: string; memory?: string; pods?: string; labels?: Record<string, string>; taints?: V1Taint[]; unschedulable?: boolean }

/** A Node as a kubelet would register it: the object, then its status through nodes/status; waits until the scheduler sees it. */
async function createNode(name: string, o: NodeOpts = {}): Promise<void> {
  await rest.create(nodes, '', {
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...o.labels } },
    spec: { ...(o.taints ? { taints: o.taints } : {}), ...(o.unschedulable ? { unschedulable: true } : {}) },
  });
  createdNodes.push(name);
  const resources = { cpu: o.cpu ?? '4', memory: o.memory ?? '8Gi', pods: o.pods ?? '110' };
  await rest.patch(nodes, '', name, { status: { capacity: resources, allocatable: resources, conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }] } }, { subresource: 'status' });
  await eventually(async () => ((sched.cache.get(name)?.allocatable.allowedPodNumber ?? 0) > 0 ? true : undefined), 5_000);
}

async function createNamespace(name: string): Promise<void> {
  await rest.create(namespaces, '', { metadata: { name } });
}

function podSpec(name: string, o: Partial<V1Pod['spec']> & { cpu?: string; labels?: Record<string, string> } = {}): V1Pod {
  const { cpu, labels, ...spec } = o;
  return {
    metadata: { name, labels: labels ?? {} },
    spec: { containers: [{ name: 'c', image: 'busybox', ...(cpu ? { resources: { requests: { cpu } } } : {}) }], ...spec },
  };
}

async function createPod(ns: string, pod: V1Pod): Promise<V1Pod> {
  return rest.create(pods, ns, pod);
}

const getPod = (ns: string, name: string) => rest.get(pods, ns, name);

async function boundNode(ns: string, name: string, ms = 10_000): Promise<string> {
  return eventually(async () => (await getPod(ns, name)).spec?.nodeName || undefined, ms);
}

async function eventsFor(ns: string, podName: string, reason: string): Promise<CoreV1Event[]> {
  const list = await rest.list(events, ns);
  return list.items.filter((e) => e.involvedObject?.name === podName && e.reason === reason);
}

describe('scheduler', () => {
  it('binds a pod through pods/binding to a node with room for its requests, and records Scheduled', async () => {
    const ns = 'sched-fit';
    await createNamespace(ns);
    await createNode('fit-small', { cpu: '1' });
    await createNode('fit-big', { cpu: '4' });
    await createPod(ns, podSpec('web', { cpu: '2' }));
    expect(await boundNode(ns, 'web')).toBe('fit-big');
    const pod = await getPod(ns, 'web');
    expect(pod.status?.conditions?.find((c) => c.type === 'PodScheduled')?.status).toBe('True');
    const ev = await eventually(async () => (await eventsFor(ns, 'web', 'Scheduled'))[0]);
    expect(ev.message).toBe(`Successfully assigned ${ns}/web to fit-big`);
    expect(ev.type).toBe('Normal');
    expect(ev.source?.component).toBe('default-scheduler');
  });

  it('places pods by nodeSelector and required node affinity, and leaves other schedulers\' pods alone', async () => {
    const ns = 'sched-affinity';
    await createNamespace(ns);
    await createNode('aff-ssd', { labels: { disk: 'ssd', zone: 'a' } });
    await createNode('aff-hdd', { labels: { disk: 'hdd', zone: 'b' } });
    await createPod(ns, podSpec('selector', { nodeSelector: { disk: 'hdd' } }));
    await createPod(ns, podSpec('affinity', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] } } } }));
    await createPod(ns, podSpec('other', { schedulerName: 'my-scheduler' }));
    expect(await boundNode(ns, 'selector')).toBe('aff-hdd');
    expect(await boundNode(ns, 'affinity')).toBe('aff-ssd');
    await new Promise((r) => setTimeout(r, 300));
    expect((await getPod(ns, 'other')).spec?.nodeName).toBeUndefined();
  });

  it('keeps pods off tainted and cordoned nodes unless they tolerate them', async () => {
    const ns = 'sched-taints';
    await createNamespace(ns);
    await createNode('taint-gpu', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] });
    await createNode('taint-cordoned', { unschedulable: true });
    await createNode('taint-plain', { cpu: '1' });
    await createPod(ns, podSpec('plain'));
    await createPod(ns, podSpec('gpu-job', { cpu: '2', tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] }));
    expect(await boundNode(ns, 'plain')).toBe('taint-plain');
    expect(await boundNode(ns, 'gpu-job')).toBe('taint-gpu');
  });

  it('spreads pods across zones with topologySpreadConstraints and apart with pod anti-affinity', async () => {
    const ns = 'sched-spread';
    await createNamespace(ns);
    await createNode('spread-a1', { labels: { 'topology.kubernetes.io/zone': 'a' } });
    await createNode('spread-a2', { labels: { 'topology.kubernetes.io/zone': 'a' } });
    await createNode('spread-b1', { labels: { 'topology.kubernetes.io/zone': 'b' } });
    const spread = [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } } }];
    for (let i = 0; i < 4; i++) await createPod(ns, podSpec(`web-${i}`, { labels: { app: 'web' }, topologySpreadConstraints: spread }));
    const placed = await Promise.all([0, 1, 2, 3].map((i) => boundNode(ns, `web-${i}`)));
    const zoneB = placed.filter((n) => n === 'spread-b1').length;
    expect(zoneB).toBe(2);

    const anti = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'cache' } } }] } };
    for (let i = 0; i < 3; i++) await createPod(ns, podSpec(`cache-${i}`, { labels: { app: 'cache' }, affinity: anti }));
    const cacheNodes = await Promise.all([0, 1, 2].map((i) => boundNode(ns, `cache-${i}`)));
    expect(new Set(cacheNodes).size).toBe(3);
    await createPod(ns, podSpec('cache-3', { labels: { app: 'cache' }, affinity: anti }));
    const cond = await eventually(async () => (await getPod(ns, 'cache-3')).status?.conditions?.find((c) => c.type === 'PodScheduled'));
    expect(cond.message).toBe("0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.");
  });

  it('marks a pod no node fits PodScheduled=False with the upstream message and a FailedScheduling event, then binds it when a node fits', async () => {
    const ns = 'sched-unschedulable';
    await createNamespace(ns);
    await createNode('us-cp', { cpu: '8', taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] });
    await createNode('us-w1', { cpu: '1' });
    await createNode('us-w2', { cpu: '1' });
    await createPod(ns, podSpec('hungry', { cpu: '2' }));
    const want = '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. '
      + 'preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.';
    const cond = await eventually(async () => (await getPod(ns, 'hungry')).status?.conditions?.find((c) => c.type === 'PodScheduled'));
    expect(cond).toMatchObject({ status: 'False', reason: 'Unschedulable', message: want });
    const ev = await eventually(async () => (await eventsFor(ns, 'hungry', 'FailedScheduling'))[0]);
    expect(ev.type).toBe('Warning');
    expect(ev.message).toBe(want);
    expect(sched.queue.where((await getPod(ns, 'hungry')))).toBe('unschedulable');

    // A node that fits makes it schedulable (Node/Add moves it back).
    await createNode('us-big', { cpu: '4' });
    expect(await boundNode(ns, 'hungry')).toBe('us-big');
  });

  it('preempts lower-priority pods for a higher-priority one: DisruptionTarget, deletion, nominatedNodeName, then binding', async () => {
    const ns = 'sched-preempt';
    await createNamespace(ns);
    await createNode('pre-n1', { cpu: '2' });
    // The finalizer holds the victims after deletion, so their condition can be read (as the e2e test does).
    for (const name of ['low-1', 'low-2']) {
      await createPod(ns, { ...podSpec(name, { cpu: '1', priorityClassName: 'low', terminationGracePeriodSeconds: 0 }), metadata: { name, finalizers: ['capstan.test/hold'] } });
    }
    await boundNode(ns, 'low-1');
    await boundNode(ns, 'low-2');
    await createPod(ns, podSpec('vip', { cpu: '2', priorityClassName: 'high' }));
    const vip = await eventually(async () => {
      const p = await getPod(ns, 'vip');
      return p.status?.nominatedNodeName ? p : undefined;
    });
    expect(vip.status?.nominatedNodeName).toBe('pre-n1');
    for (const name of ['low-1', 'low-2']) {
      const victim = await eventually(async () => {
        const p = await getPod(ns, name);
        return p.metadata?.deletionTimestamp ? p : undefined;
      });
      expect(victim.status?.conditions?.find((c) => c.type === 'DisruptionTarget')).toMatchObject({
        status: 'True', reason: 'PreemptionByScheduler', message: 'default-scheduler: preempting to accommodate a higher priority pod',
      });
      const ev = await eventually(async () => (await eventsFor(ns, name, 'Preempted'))[0]);
      expect(ev.message).toBe(`Preempted by pod ${vip.metadata?.uid} on node pre-n1`);
    }
    // Still held: the preemptor waits for them.
    expect((await getPod(ns, 'vip')).spec?.nodeName).toBeUndefined();
    for (const name of ['low-1', 'low-2']) await rest.patch(pods, ns, name, { metadata: { finalizers: null } });
    expect(await boundNode(ns, 'vip')).toBe('pre-n1');
  });
});

describe('scheduler with leader election', () => {
  it('schedules only while holding its Lease, and releases it when stopped', async () => {
    const { leases } = await import('../client/resources.ts');
    const ns = 'sched-leader';
    await createNamespace(ns);
    await createNode('le-n1');
    const stop = new AbortController();
    const le = startScheduler({
      kubeconfig: srv.kubeconfig, signal: stop.signal, log: () => {}, schedulerNames: ['le-scheduler'],
      leaderElection: { name: 'kube-scheduler-test', identity: 'replica-a' },
    });
    try {
      const lease = await eventually(async () => {
        try { return await rest.get(leases, 'kube-system', 'kube-scheduler-test'); } catch (e) { if (isNotFound(e)) return undefined; throw e; }
      });
      expect(lease.spec?.holderIdentity).toBe('replica-a');
      await createPod(ns, podSpec('led', { schedulerName: 'le-scheduler' }));
      expect(await boundNode(ns, 'led')).toBe('le-n1');
    } finally {
      stop.abort();
      await le.done;
    }
    expect((await rest.get(leases, 'kube-system', 'kube-scheduler-test')).spec?.holderIdentity ?? '').toBe('');
  });
});

// ---- the loop against fakes: what the real server cannot be made to do on cue ----

type Handler<T> = { onAdd?(o: T): void; onUpdate?(a: T, b: T): void; onDelete?(o: T): void };

class FakeInformer<T extends { metadata?: { name?: string; namespace?: string } }> {
  readonly objs = new Map<string, T>();
  private readonly handlers: Array<Handler<T>> = [];
  private key = (o: T) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
  addEventHandler(h: Handler<T>) { this.handlers.push(h); for (const o of this.objs.values()) h.onAdd?.(o); return () => {}; }
  waitForSync() { return Promise.resolve(true); }
  get(k: string) { return this.objs.get(k.includes('/') ? k : `/${k}`); }
  getByName(ns: string, name: string) { return this.objs.get(`${ns}/${name}`); }
  list() { return [...this.objs.values()]; }
  add(o: T) { this.objs.set(this.key(o), o); for (const h of this.handlers) h.onAdd?.(o); }
  update(o: T) { const old = this.objs.get(this.key(o))!; this.objs.set(this.key(o), o); for (const h of this.handlers) h.onUpdate?.(old, o); }
}

describe('scheduler loop (fake API)', () => {
  it('forgets an assumed pod whose binding fails, reports SchedulerError, and binds it after its back-off', async () => {
    const { Scheduler } = await import('./scheduler.ts');
    const { makeNode, makePod } = await import('./testing.ts');
    const podInf = new FakeInformer<V1Pod>();
    const nodeInf = new FakeInformer<import('@kubernetes/client-node').V1Node>();
    const patches: unknown[] = [];
    const binds: string[] = [];
    const events: string[] = [];
    const fakeRest = {
      async createSubresource(_r: unknown, ns: string, name: string, _sub: string, body: { target: { name: string } }) {
        binds.push(body.target.name);
        if (binds.length === 1) throw new Error('etcdserver: request timed out');
        const pod = podInf.getByName(ns, name)!;
        podInf.update({ ...pod, spec: { ...pod.spec!, nodeName: body.target.name } });
        return {};
      },
      async patch(_r: unknown, _ns: string, _name: string, body: unknown) { patches.push(body); return {}; },
    };
    const s = new Scheduler({
      rest: fakeRest as unknown as RestClient,
      informers: { pods: podInf as never, nodes: nodeInf as never },
      recorder: { event: (_o, type, reason, msg) => { events.push(`${type} ${reason} ${msg}`); }, flush: async () => {} },
      queue: { initialBackoffMs: 50 },
      log: () => {},
    });
    nodeInf.add(makeNode('n1').obj());
    const pod = makePod('web').requests({ cpu: '1' }).obj();
    podInf.add(pod);
    const stop = new AbortController();
    const done = s.run(stop.signal);
    try {
      await eventually(async () => (binds.length >= 1 && s.stats.errors === 1 ? true : undefined), 5_000);
      await eventually(async () => (patches.length > 0 ? true : undefined), 5_000);
      expect(patches[0]).toMatchObject({ status: { conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulerError', message: 'running Bind plugin "DefaultBinder": etcdserver: request timed out' }] } });
      expect(events[0]).toBe('Warning FailedScheduling running Bind plugin "DefaultBinder": etcdserver: request timed out');
      await eventually(async () => (s.stats.bound === 1 ? true : undefined), 5_000);
      expect(binds).toEqual(['n1', 'n1']);
      // Counted once on the node: the failed assumption was forgotten.
      expect(s.cache.get('n1')!.requested.milliCPU).toBe(1000);
      expect(events).toContain('Normal Scheduled Successfully assigned default/web to n1');
    } finally {
      stop.abort();
      await done;
    }
  });
});
