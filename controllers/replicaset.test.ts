import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { execFile } from 'node:child_process';
import type { CoreV1Event, KubernetesObject, V1Pod, V1ReplicaSet, V1ReplicationController } from '@kubernetes/client-node';
import {
  Informer, InformerFactory, listWatcherFor, makeClients, newEventRecorder, restEventSink, RestClient,
  type Controller, type ControllerEnv, type EventRecorder, type Resource, type WatchEvent, type WatchOptions,
} from '../client/index.ts';
import { events, namespaces, pods, replicaSets, replicationControllers } from '../client/resources.ts';
import { createDatabaseAt } from '../test/postgres.ts';
import { startTestApiServer, type TestApiServer } from '../test/apiserver.ts';
import { runPodLife } from '../test/podlife.ts';
import { calculateStatus, podsToDelete, REPLICA_FAILURE, replicaSetController, replicationControllerController, untilNextAvailable } from './replicaset.ts';
import { startControllerManager, type RunningControllerManager } from './index.ts';
import { eventually } from '../test/eventually.ts';

let srv: TestApiServer;
let ac: AbortController;
let cm: RunningControllerManager;
let rest: RestClient;
const background: Array<Promise<void>> = [];

beforeAll(async () => {
  srv = await startTestApiServer({ databaseUrl: await createDatabaseAt(inject('pgAdminUrl')), tls: true });
  ac = new AbortController();
  cm = startControllerManager({
    kubeconfig: srv.kubeconfig, signal: ac.signal, log: () => {},
    controllers: [replicaSetController(), replicationControllerController()],
  });
  rest = new RestClient(srv.kubeconfig);
});

afterAll(async () => {
  ac?.abort();
  await cm?.done;
  await Promise.all(background);
  rest?.close();
  await srv?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The real kubectl, asynchronously: the API server answering it runs in this process. */
function kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('kubectl', args, { env: { ...process.env, KUBECONFIG: srv.kubeconfigPath, KUBECTL_VERSION: '1.32' }, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

type Fate = 'ready' | 'running-not-ready' | 'pending';

/** A namespace whose pods come alive as `fate.next` says when they are first seen (Ready by default). */
async function namespace(name: string): Promise<{ ns: string; fate: { next: Fate } }> {
  await rest.create(namespaces, '', { metadata: { name } });
  const fate: { next: Fate } = { next: 'ready' };
  background.push(runPodLife({ kubeconfig: srv.kubeconfig, namespace: name, signal: ac.signal, decide: () => fate.next }).done);
  return { ns: name, fate };
}

function rsOf(name: string, replicas: number, extra: { minReadySeconds?: number; finalizers?: string[]; templateFinalizers?: string[] } = {}): V1ReplicaSet {
  return {
    metadata: { name, ...(extra.finalizers ? { finalizers: extra.finalizers } : {}) },
    spec: {
      replicas, minReadySeconds: extra.minReadySeconds,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name, tier: 'web' }, ...(extra.templateFinalizers ? { finalizers: extra.templateFinalizers } : {}) },
        spec: { containers: [{ name: 'c', image: 'busybox' }] },
      },
    },
  };
}

const activePods = async (ns: string): Promise<V1Pod[]> => (await rest.list(pods, ns)).items.filter((p) => !p.metadata?.deletionTimestamp);
const ownedBy = (p: V1Pod, uid: string | undefined) => p.metadata?.ownerReferences?.some((r) => r.uid === uid && r.controller) ?? false;

/** Waits until the owner has exactly `n` active pods, all Ready, and its status says so. */
async function settled(ns: string, name: string, n: number): Promise<{ rs: V1ReplicaSet; pods: V1Pod[] }> {
  return eventually(async () => {
    const rs = await rest.get(replicaSets, ns, name);
    const list = (await activePods(ns)).filter((p) => ownedBy(p, rs.metadata?.uid));
    const ready = list.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    return list.length === n && ready.length === n && rs.status?.replicas === n && (rs.status?.readyReplicas ?? 0) === n
      && rs.status?.observedGeneration === rs.metadata?.generation ? { rs, pods: list } : undefined;
  });
}

async function eventsFor(ns: string, name: string, reason: string): Promise<CoreV1Event[]> {
  return (await rest.list(events, ns)).items.filter((e) => e.involvedObject.name === name && e.reason === reason);
}

/** A client whose pod watches deliver every event `lagMs` late (in order): a controller's pod cache that trails the API server. */
class LaggingPodWatches extends RestClient {
  constructor(kc: ConstructorParameters<typeof RestClient>[0], private readonly lagMs: number) { super(kc); }
  override watch<T extends KubernetesObject>(r: Resource<T>, ns: string | undefined, o: WatchOptions, onEvent: (ev: WatchEvent<T>) => void, signal: AbortSignal): Promise<void> {
    if (r.plural !== 'pods') return super.watch(r, ns, o, onEvent, signal);
    return super.watch(r, ns, o, (ev) => { setTimeout(() => { if (!signal.aborted) onEvent(ev); }, this.lagMs); }, signal);
  }
}

/** Runs controllers as the controller manager does, but over informers whose pod cache lags. */
function runWithLaggingPods(kubeconfig: TestApiServer['kubeconfig'], controllers: Controller[], lagMs: number, signal: AbortSignal): Promise<void> {
  const clients = makeClients(kubeconfig);
  const lagging = new LaggingPodWatches(clients.kc, lagMs);
  const informers = new InformerFactory(lagging, { log: () => {} });
  const recorders: EventRecorder[] = [];
  const env: ControllerEnv = {
    clients, informers, log: () => {},
    recorder: (component) => {
      const r = newEventRecorder({ sink: restEventSink(clients.rest), component, log: () => {} });
      recorders.push(r);
      return r;
    },
  };
  return Promise.all(controllers.map((c) => c.run(env, signal)))
    .then(() => informers.done())
    .then(() => Promise.all(recorders.map((r) => r.flush())))
    .then(() => undefined)
    .finally(() => { clients.rest.close(); lagging.close(); });
}

/** Watches a namespace's pods and remembers the fewest and most active ones at any moment. */
function countPods(rc: RestClient, ns: string, signal: AbortSignal) {
  const informer = new Informer<V1Pod>(listWatcherFor(rc, pods, { namespace: ns }), { name: `count-${ns}` });
  const stats = { current: 0, max: 0, min: Infinity, created: new Set<string>() };
  const recount = () => {
    stats.current = informer.list().filter((p) => !p.metadata?.deletionTimestamp).length;
    stats.max = Math.max(stats.max, stats.current);
    stats.min = Math.min(stats.min, stats.current);
  };
  informer.addEventHandler({ onAdd: (p) => { stats.created.add(p.metadata!.uid!); recount(); }, onUpdate: recount, onDelete: recount });
  const done = informer.run(signal);
  return { stats, synced: informer.waitForSync(signal), done, reset: () => { stats.max = stats.current; stats.min = stats.current; } };
}

describe('replicaset controller', () => {
  it('creates exactly `replicas` pods from the template, each controlled by the ReplicaSet, and says so in status and events', async () => {
    const { ns } = await namespace('rs-create');
    const created = await rest.create(replicaSets, ns, rsOf('web', 3));
    const { rs, pods: list } = await settled(ns, 'web', 3);
    for (const p of list) {
      expect(p.metadata?.name).toMatch(/^web-[a-z0-9]{5}$/);
      expect(p.metadata?.labels).toEqual({ app: 'web', tier: 'web' });
      expect(p.metadata?.ownerReferences).toEqual([{
        apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: created.metadata?.uid, controller: true, blockOwnerDeletion: true,
      }]);
    }
    expect(rs.status).toMatchObject({ replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 3, availableReplicas: 3, observedGeneration: 1 });
    expect(rs.status?.conditions ?? []).toEqual([]);
    const ev = await eventually(async () => {
      const e = await eventsFor(ns, 'web', 'SuccessfulCreate');
      return e.length === 3 ? e : undefined;
    });
    expect(ev.map((e) => e.message).sort()).toEqual(list.map((p) => `Created pod: ${p.metadata?.name}`).sort());
    expect(ev[0]!.source?.component).toBe('replicaset-controller');
    expect(ev[0]!.involvedObject.kind).toBe('ReplicaSet');
    expect(await activePods(ns)).toHaveLength(3);
  });

  it('scales up and down; scaling down deletes pending and not-ready pods before ready ones', async () => {
    const { ns, fate } = await namespace('rs-scale');
    await rest.create(replicaSets, ns, rsOf('web', 2));
    const first = await settled(ns, 'web', 2);
    const readyUids = first.pods.map((p) => p.metadata?.uid).sort();

    fate.next = 'pending';
    await rest.patch(replicaSets, ns, 'web', { spec: { replicas: 3 } });
    await eventually(async () => ((await activePods(ns)).length === 3 ? true : undefined));
    fate.next = 'running-not-ready';
    await rest.patch(replicaSets, ns, 'web', { spec: { replicas: 4 } });
    const four = await eventually(async () => {
      const list = await activePods(ns);
      return list.length === 4 && list.some((p) => p.status?.phase === 'Running' && !readyUids.includes(p.metadata?.uid)) ? list : undefined;
    });
    expect(four.filter((p) => p.status?.phase === 'Pending')).toHaveLength(1);
    const rs4 = await eventually(async () => {
      const rs = await rest.get(replicaSets, ns, 'web');
      return rs.status?.replicas === 4 && rs.status?.observedGeneration === rs.metadata?.generation ? rs : undefined;
    });
    expect(rs4.status?.readyReplicas).toBe(2);

    fate.next = 'ready';
    await rest.patch(replicaSets, ns, 'web', { spec: { replicas: 2 } });
    const after = await settled(ns, 'web', 2);
    expect(after.pods.map((p) => p.metadata?.uid).sort()).toEqual(readyUids);
    const deleted = await eventually(async () => {
      const e = await eventsFor(ns, 'web', 'SuccessfulDelete');
      return e.length === 2 ? e : undefined;
    });
    expect(deleted.every((e) => /^Deleted pod: web-/.test(e.message ?? ''))).toBe(true);
  });

  it('replaces a deleted pod', async () => {
    const { ns } = await namespace('rs-replace');
    await rest.create(replicaSets, ns, rsOf('web', 2));
    const { pods: before } = await settled(ns, 'web', 2);
    const victim = before[0]!;
    await rest.delete(pods, ns, victim.metadata!.name!);
    const after = await eventually(async () => {
      const s = await settled(ns, 'web', 2);
      return s.pods.some((p) => p.metadata?.uid === victim.metadata?.uid) ? undefined : s;
    });
    expect(after.pods.map((p) => p.metadata?.uid)).toContain(before[1]!.metadata?.uid);
  });

  it('adopts a matching orphan, which counts toward replicas, so one fewer pod is created', async () => {
    const { ns } = await namespace('rs-adopt');
    await rest.create(pods, ns, { metadata: { name: 'orphan', labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    await rest.create(pods, ns, { metadata: { name: 'stranger', labels: { app: 'other' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    const rs = await rest.create(replicaSets, ns, rsOf('web', 3));
    const { rs: done, pods: owned } = await settled(ns, 'web', 3);
    expect(owned.map((p) => p.metadata?.name)).toContain('orphan');
    const orphan = await rest.get(pods, ns, 'orphan');
    expect(orphan.metadata?.ownerReferences).toEqual([expect.objectContaining({ kind: 'ReplicaSet', name: 'web', uid: rs.metadata?.uid, controller: true })]);
    expect((await rest.get(pods, ns, 'stranger')).metadata?.ownerReferences ?? []).toEqual([]);
    // The orphan lacks the template's tier label: a replica, but not a fully labeled one.
    expect(done.status).toMatchObject({ replicas: 3, fullyLabeledReplicas: 2 });
    expect(await eventsFor(ns, 'web', 'SuccessfulCreate')).toHaveLength(2);
    expect(await activePods(ns)).toHaveLength(4);
  });

  it('releases a pod whose labels stop matching and replaces it', async () => {
    const { ns } = await namespace('rs-release');
    const rs = await rest.create(replicaSets, ns, rsOf('web', 2));
    const { pods: before } = await settled(ns, 'web', 2);
    const name = before[0]!.metadata!.name!;
    await rest.patch(pods, ns, name, { metadata: { labels: { app: 'debug' } } });
    const released = await eventually(async () => {
      const p = await rest.get(pods, ns, name);
      return (p.metadata?.ownerReferences ?? []).length === 0 ? p : undefined;
    });
    expect(released.metadata?.labels?.app).toBe('debug');
    const after = await settled(ns, 'web', 2);
    expect(after.pods.map((p) => p.metadata?.name)).not.toContain(name);
    expect(after.pods.every((p) => ownedBy(p, rs.metadata?.uid))).toBe(true);
    expect(await activePods(ns)).toHaveLength(3);
  });

  it('counts pods available only after minReadySeconds, noticed without any further event', async () => {
    const { ns } = await namespace('rs-available');
    await rest.create(replicaSets, ns, rsOf('web', 2, { minReadySeconds: 2 }));
    const early = await settled(ns, 'web', 2);
    expect(early.rs.status?.availableReplicas ?? 0).toBe(0);
    const readySince = Math.max(...early.pods.map((p) => new Date(p.status!.conditions!.find((c) => c.type === 'Ready')!.lastTransitionTime!).getTime()));
    const rs = await eventually(async () => {
      const r = await rest.get(replicaSets, ns, 'web');
      return r.status?.availableReplicas === 2 ? r : undefined;
    }, 8_000);
    expect(Date.now()).toBeGreaterThanOrEqual(readySince + 2_000);
    expect(rs.status).toMatchObject({ replicas: 2, readyReplicas: 2, availableReplicas: 2, fullyLabeledReplicas: 2 });

    // A spec change bumps the generation; status follows it.
    await rest.patch(replicaSets, ns, 'web', { spec: { minReadySeconds: 0 } });
    const bumped = await eventually(async () => {
      const r = await rest.get(replicaSets, ns, 'web');
      return r.metadata?.generation === 2 && r.status?.observedGeneration === 2 ? r : undefined;
    });
    expect(bumped.status?.availableReplicas).toBe(2);
  });

  it('never overshoots a burst of 50 replicas', async () => {
    const { ns } = await namespace('rs-burst');
    const watchAc = new AbortController();
    const counter = countPods(rest, ns, watchAc.signal);
    try {
      await counter.synced;
      await rest.create(replicaSets, ns, rsOf('web', 50));
      await eventually(async () => {
        const rs = await rest.get(replicaSets, ns, 'web');
        return rs.status?.replicas === 50 && rs.status?.readyReplicas === 50 ? rs : undefined;
      }, 30_000);
      // Pod status updates keep waking the ReplicaSet; give a stale cache every chance to create more.
      await sleep(500);
      expect(counter.stats.max).toBe(50);
      expect(counter.stats.created.size).toBe(50);
      expect(await activePods(ns)).toHaveLength(50);
    } finally {
      watchAc.abort();
      await counter.done;
    }
  }, 45_000);

  it('sets ReplicaFailure when the API server rejects its pods, and clears it once creation succeeds', async () => {
    const { ns } = await namespace('rs-failure');
    // Template finalizers are not validated with the ReplicaSet (upstream neither), but a pod's are.
    await rest.create(replicaSets, ns, rsOf('web', 2, { templateFinalizers: ['a/b/c'] }));
    const failed = await eventually(async () => {
      const rs = await rest.get(replicaSets, ns, 'web');
      return rs.status?.conditions?.find((c) => c.type === REPLICA_FAILURE) ? rs : undefined;
    });
    const cond = failed.status!.conditions!.find((c) => c.type === REPLICA_FAILURE)!;
    expect(cond).toMatchObject({ status: 'True', reason: 'FailedCreate' });
    expect(cond.message).toContain('finalizers');
    expect(failed.status?.replicas).toBe(0);
    const warn = await eventually(async () => {
      const e = await eventsFor(ns, 'web', 'FailedCreate');
      return e.length ? e[0] : undefined;
    });
    expect(warn.type).toBe('Warning');
    expect(warn.message).toMatch(/^Error creating: /);
    expect(await activePods(ns)).toHaveLength(0);

    await rest.patch(replicaSets, ns, 'web', { spec: { template: { metadata: { finalizers: null } } } });
    const { rs } = await settled(ns, 'web', 2);
    const healed = await eventually(async () => {
      const r = await rest.get(replicaSets, ns, 'web');
      return (r.status?.conditions ?? []).length === 0 ? r : undefined;
    });
    expect(healed.status?.replicas).toBe(2);
    expect(rs.status?.observedGeneration).toBe(2);
  });

  it('does not count a terminating pod but replaces it at once, and creates nothing while being deleted', async () => {
    const { ns } = await namespace('rs-terminating');
    // A finalizer on the pods keeps a deleted one terminating; one on the ReplicaSet keeps it in deletion.
    await rest.create(replicaSets, ns, rsOf('web', 2, { templateFinalizers: ['example.com/hold'], finalizers: ['example.com/keep'] }));
    const { pods: before } = await settled(ns, 'web', 2);
    await rest.delete(pods, ns, before[0]!.metadata!.name!);
    const after = await settled(ns, 'web', 2);
    const all = (await rest.list(pods, ns)).items;
    expect(all).toHaveLength(3);
    expect(all.filter((p) => p.metadata?.deletionTimestamp).map((p) => p.metadata?.uid)).toEqual([before[0]!.metadata?.uid]);
    expect(after.rs.status?.replicas).toBe(2);

    await rest.delete(replicaSets, ns, 'web', { propagationPolicy: 'Orphan' });
    await eventually(async () => ((await rest.get(replicaSets, ns, 'web')).metadata?.deletionTimestamp ? true : undefined));
    await rest.delete(pods, ns, after.pods[0]!.metadata!.name!);
    await eventually(async () => ((await rest.get(replicaSets, ns, 'web')).status?.replicas === 1 ? true : undefined));
    await sleep(500);
    expect(await activePods(ns)).toHaveLength(1);
    expect((await rest.get(replicaSets, ns, 'web')).status?.replicas).toBe(1);
  });

  it('kubectl scale changes the pod count and kubectl get shows the READY column', async () => {
    const { ns } = await namespace('rs-kubectl');
    await rest.create(replicaSets, ns, rsOf('web', 1));
    await settled(ns, 'web', 1);
    const scaled = await kubectl('scale', 'rs', 'web', '--replicas=3', '-n', ns);
    expect(scaled.stderr).toBe('');
    expect(scaled.stdout.trim()).toBe('replicaset.apps/web scaled');
    await settled(ns, 'web', 3);
    const got = await kubectl('get', 'rs', 'web', '-n', ns);
    expect(got.code).toBe(0);
    const [header, row] = got.stdout.trim().split('\n');
    expect(header!.split(/\s+/)).toEqual(['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE']);
    expect(row!.split(/\s+/).slice(0, 4)).toEqual(['web', '3', '3', '3']);
    const podList = await kubectl('get', 'pods', '-n', ns, '-l', 'app=web', '--no-headers');
    expect(podList.stdout.trim().split('\n')).toHaveLength(3);
  });
});

describe('replication controller', () => {
  it('keeps replicas like a ReplicaSet: creates, adopts, scales, releases, with RC owner references and events', async () => {
    const { ns } = await namespace('rc-basic');
    await rest.create(pods, ns, { metadata: { name: 'orphan', labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    const rc = await rest.create(replicationControllers, ns, {
      metadata: { name: 'web' },
      spec: { replicas: 2, selector: { app: 'web' }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
    });
    const rcSettled = (n: number) => eventually(async () => {
      const cur = await rest.get(replicationControllers, ns, 'web');
      const owned = (await activePods(ns)).filter((p) => ownedBy(p, rc.metadata?.uid));
      return owned.length === n && cur.status?.replicas === n && cur.status?.readyReplicas === n && cur.status?.availableReplicas === n
        && cur.status?.observedGeneration === cur.metadata?.generation ? { rc: cur, pods: owned } : undefined;
    });
    const two = await rcSettled(2);
    expect(two.pods.map((p) => p.metadata?.name)).toContain('orphan');
    for (const p of two.pods) {
      expect(p.metadata?.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'ReplicationController', name: 'web', uid: rc.metadata?.uid, controller: true, blockOwnerDeletion: true }]);
    }
    expect(two.rc.status?.fullyLabeledReplicas).toBe(2);

    await rest.patch(replicationControllers, ns, 'web', { spec: { replicas: 3 } });
    const three = await rcSettled(3);
    expect(three.rc.status?.observedGeneration).toBe(2);

    await rest.patch(pods, ns, 'orphan', { metadata: { labels: { app: 'debug' } } });
    const after = await eventually(async () => {
      const s = await rcSettled(3);
      return s.pods.some((p) => p.metadata?.name === 'orphan') ? undefined : s;
    });
    expect(after.pods).toHaveLength(3);
    expect((await rest.get(pods, ns, 'orphan')).metadata?.ownerReferences ?? []).toEqual([]);

    const created = await eventually(async () => {
      // One beside the adopted orphan, one for the scale-up, one replacing the released orphan.
      const e = await eventsFor(ns, 'web', 'SuccessfulCreate');
      return e.length === 3 ? e : undefined;
    });
    expect(created[0]!.source?.component).toBe('replication-controller');
    expect(created[0]!.involvedObject.kind).toBe('ReplicationController');
  });

  it('sets and clears ReplicaFailure on an RC', async () => {
    const { ns } = await namespace('rc-failure');
    const spec = (finalizers?: string[]): V1ReplicationController['spec'] => ({
      replicas: 1, selector: { app: 'web' },
      template: { metadata: { labels: { app: 'web' }, ...(finalizers ? { finalizers } : {}) }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
    });
    await rest.create(replicationControllers, ns, { metadata: { name: 'web' }, spec: spec(['a/b/c']) });
    const failed = await eventually(async () => {
      const rc = await rest.get(replicationControllers, ns, 'web');
      return rc.status?.conditions?.find((c) => c.type === REPLICA_FAILURE) ? rc : undefined;
    });
    expect(failed.status!.conditions![0]).toMatchObject({ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate' });
    await rest.patch(replicationControllers, ns, 'web', { spec: { template: { metadata: { finalizers: null } } } });
    const healed = await eventually(async () => {
      const rc = await rest.get(replicationControllers, ns, 'web');
      return (rc.status?.conditions ?? []).length === 0 && rc.status?.readyReplicas === 1 ? rc : undefined;
    });
    expect(healed.status?.replicas).toBe(1);
  });
});

describe('replicaset controller over a pod cache that lags 300 ms behind the API server', () => {
  let lagSrv: TestApiServer;
  let lagAc: AbortController;
  let lagDone: Promise<void>;
  let lagRest: RestClient;
  beforeAll(async () => {
    lagSrv = await startTestApiServer({ databaseUrl: await createDatabaseAt(inject('pgAdminUrl')) });
    lagAc = new AbortController();
    lagDone = runWithLaggingPods(lagSrv.kubeconfig, [replicaSetController()], 300, lagAc.signal);
    lagRest = new RestClient(lagSrv.kubeconfig);
  });
  afterAll(async () => {
    lagAc?.abort();
    await lagDone;
    lagRest?.close();
    await lagSrv?.close();
  });

  it('expectations hold it back: a burst to 30 never overshoots, a scale down to 10 never undershoots', async () => {
    const ns = 'rs-lag';
    await lagRest.create(namespaces, '', { metadata: { name: ns } });
    const watchAc = new AbortController();
    const life = runPodLife({ kubeconfig: lagSrv.kubeconfig, namespace: ns, signal: watchAc.signal });
    const counter = countPods(lagRest, ns, watchAc.signal);
    try {
      await counter.synced;
      await lagRest.create(replicaSets, ns, rsOf('web', 30));
      const status = (n: number) => eventually(async () => {
        const rs = await lagRest.get(replicaSets, ns, 'web');
        return rs.status?.replicas === n && rs.status?.readyReplicas === n ? rs : undefined;
      }, 30_000);
      await status(30);
      await sleep(700);
      expect(counter.stats.max).toBe(30);
      expect(counter.stats.created.size).toBe(30);

      counter.reset();
      await lagRest.patch(replicaSets, ns, 'web', { spec: { replicas: 10 } });
      await status(10);
      await sleep(700);
      expect(counter.stats.min).toBe(10);
      expect(counter.stats.current).toBe(10);
      expect(counter.stats.created.size).toBe(30);
    } finally {
      watchAc.abort();
      await counter.done;
      await life.done;
    }
  }, 60_000);
});

describe('replica set status and deletion order (pure)', () => {
  const at = (iso: string) => new Date(iso);
  const pod = (name: string, o: { labels?: Record<string, string>; ready?: boolean; readySince?: string; node?: string; phase?: string } = {}): V1Pod => ({
    metadata: { name, uid: `uid-${name}`, labels: o.labels ?? { app: 'web', tier: 'web' }, creationTimestamp: at('2026-01-01T00:00:00Z') },
    spec: { containers: [{ name: 'c', image: 'i' }], ...(o.node ? { nodeName: o.node } : {}) },
    status: {
      phase: o.phase ?? 'Running',
      conditions: o.ready === undefined ? [] : [{ type: 'Ready', status: o.ready ? 'True' : 'False', lastTransitionTime: at(o.readySince ?? '2026-01-01T00:00:00Z') }],
    },
  });
  const now = Date.parse('2026-01-01T00:00:10Z');
  const spec = { replicas: 3, minReadySeconds: 5, templateLabels: { app: 'web', tier: 'web' } };

  it('counts fully labeled, ready and available pods, leaving zero counts out', () => {
    const list = [
      pod('a', { ready: true, readySince: '2026-01-01T00:00:00Z' }),
      pod('b', { ready: true, readySince: '2026-01-01T00:00:08Z' }),
      pod('c', { ready: false, labels: { app: 'web' } }),
    ];
    expect(calculateStatus({ replicas: 0 }, spec, list, undefined, now)).toEqual({ replicas: 3, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 1 });
    expect(calculateStatus({ replicas: 3, observedGeneration: 4 }, spec, [], undefined, now)).toEqual({ replicas: 0, observedGeneration: 4 });
    // b turns available 5 s after 00:00:08, i.e. 3 s from now (plus a little).
    const wait = untilNextAvailable(list, 5, now)!;
    expect(wait).toBeGreaterThanOrEqual(3_000);
    expect(wait).toBeLessThan(3_200);
    expect(untilNextAvailable(list, 0, now)).toBeUndefined();
  });

  it('adds ReplicaFailure once (keeping the first message) and removes it after a clean sync', () => {
    const failed = calculateStatus({ replicas: 0 }, spec, [], new Error('pods "web-" is forbidden: exceeded quota'), now);
    expect(failed.conditions).toEqual([{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'pods "web-" is forbidden: exceeded quota', lastTransitionTime: new Date(now) }]);
    const again = calculateStatus(failed, spec, [], new Error('another message'), now + 1000);
    expect(again.conditions).toBe(failed.conditions);
    const tooMany = calculateStatus({ replicas: 4 }, { ...spec, replicas: 1 }, [pod('a'), pod('b')], new Error('boom'), now);
    expect(tooMany.conditions?.[0]?.reason).toBe('FailedDelete');
    expect(calculateStatus(failed, spec, [], undefined, now).conditions).toBeUndefined();
  });

  it('picks unscheduled, pending, not-ready, then crowded pods for deletion', () => {
    const list = [
      pod('ready-alone', { node: 'n3', ready: true }),
      pod('ready-crowded', { node: 'n2', ready: true }),
      pod('not-ready', { node: 'n1', ready: false }),
      pod('pending', { node: 'n1', phase: 'Pending' }),
      pod('unscheduled', { phase: 'Pending' }),
    ];
    const related = [...list, pod('sibling-on-n2', { node: 'n2', ready: true })];
    expect(podsToDelete(list, related, 4, now).map((p) => p.metadata?.name)).toEqual(['unscheduled', 'pending', 'not-ready', 'ready-crowded']);
    expect(podsToDelete(list, related, 9, now)).toHaveLength(5);
  });
});
