import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CoreV1Event, V1DaemonSet, V1Node, V1Pod, V1Taint, V1Toleration } from '@kubernetes/client-node';
import { isNotFound, RestClient } from '../../client/index.ts';
import { controllerRevisions, daemonSets, events, namespaces, nodes, pods } from '../../client/resources.ts';
import { createDatabaseAt } from '../../test/postgres.ts';
import { startTestApiServer, type TestApiServer } from '../../test/apiserver.ts';
import { runPodLife, type PodLifeOptions } from '../../test/podlife.ts';
import { startControllerManager, type RunningControllerManager } from '../index.ts';
import { daemonSetController } from './index.ts';
import { targetNodeName } from './util.ts';
import { eventually } from '../../test/eventually.ts';

let srv: TestApiServer;
let ac: AbortController;
let cm: RunningControllerManager;
let rest: RestClient;
const lives: Array<Promise<void>> = [];
const createdNodes: string[] = [];

beforeAll(async () => {
  srv = await startTestApiServer({ databaseUrl: await createDatabaseAt(inject('pgAdminUrl')) });
  ac = new AbortController();
  cm = startControllerManager({
    kubeconfig: srv.kubeconfig, signal: ac.signal, controllers: [daemonSetController()],
    log: (m) => { if (process.env.CAPSTAN_TEST_LOG) process.stderr.write(`${m}\n`); },
  });
  rest = new RestClient(srv.kubeconfig);
});

afterAll(async () => {
  ac?.abort();
  await cm?.done;
  await Promise.all(lives);
  rest?.close();
  await srv?.close();
});

// Nodes are cluster-wide: each test removes its own so the next one's DaemonSets do not see them.
afterEach(async () => {
  for (const n of createdNodes.splice(0)) await rest.delete(nodes, '', n).catch(() => {});
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function namespace(name: string, decide?: PodLifeOptions['decide']): Promise<string> {
  await rest.create(namespaces, '', { metadata: { name } });
  lives.push(runPodLife({ kubeconfig: srv.kubeconfig, namespace: name, signal: ac.signal, decide }).done);
  return name;
}

/** A Node as a kubelet registers it, Ready. */
async function node(name: string, labels: Record<string, string> = {}, taints: V1Taint[] = []): Promise<V1Node> {
  const n = await rest.create(nodes, '', { metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } }, spec: { taints } });
  createdNodes.push(name);
  await rest.patch(nodes, '', name, { status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: new Date(), lastTransitionTime: new Date() }] } }, { type: 'merge', subresource: 'status' });
  return n;
}

function daemonSet(name: string, o: { nodeSelector?: Record<string, string>; image?: string; tolerations?: V1Toleration[]; maxUnavailable?: number; maxSurge?: number } = {}): V1DaemonSet {
  return {
    metadata: { name },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [{ name: 'c', image: o.image ?? 'agent:v1' }],
          ...(o.nodeSelector ? { nodeSelector: o.nodeSelector } : {}),
          ...(o.tolerations ? { tolerations: o.tolerations } : {}),
        },
      },
      ...(o.maxUnavailable !== undefined || o.maxSurge !== undefined
        ? { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: o.maxUnavailable ?? 0, maxSurge: o.maxSurge ?? 0 } } }
        : {}),
    },
  };
}

const live = async (ns: string, app: string): Promise<V1Pod[]> =>
  (await rest.list(pods, ns, { labelSelector: `app=${app}` })).items.filter((p) => !p.metadata?.deletionTimestamp);

const targets = async (ns: string, app: string) => (await live(ns, app)).map((p) => targetNodeName(p)).sort();

const sameNodes = (ns: string, app: string, want: string[]) => async () => ((await targets(ns, app)).join() === [...want].sort().join() ? true : undefined);

/** What the kubelet reports once the readiness probe passes; waits for podlife's own report first so as not to race it. */
async function markReady(ns: string, name: string): Promise<void> {
  await eventually(async () => (await findPod(ns, name))?.status?.phase === 'Running');
  const now = new Date();
  await rest.patch(pods, ns, name, {
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }, { type: 'ContainersReady', status: 'True', lastTransitionTime: now }] },
  }, { type: 'merge', subresource: 'status' });
}

async function findPod(ns: string, name: string): Promise<V1Pod | undefined> {
  try { return await rest.get(pods, ns, name); } catch (e) { if (isNotFound(e)) return undefined; throw e; }
}

describe('DaemonSet controller', () => {
  it('runs one pod per eligible node — node selector and untolerated taints exclude nodes — pinned by node affinity, and follows nodes that come and go', async () => {
    const ns = await namespace('ds-place');
    await node('place-a', { role: 'worker' });
    await node('place-b', { role: 'worker' });
    await node('place-c', { role: 'worker' }, [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }]);
    await node('place-d');
    await rest.create(daemonSets, ns, daemonSet('agent', { nodeSelector: { role: 'worker' } }));

    await eventually(sameNodes(ns, 'agent', ['place-a', 'place-b']));
    const pod = (await live(ns, 'agent')).find((p) => targetNodeName(p) === 'place-a')!;
    // The scheduler binds it: the controller only pins it with node affinity on the node's name.
    expect(pod.spec?.nodeName).toBeUndefined();
    expect(pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution).toEqual({
      nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['place-a'] }] }],
    });
    expect(pod.spec?.tolerations).toEqual(expect.arrayContaining([
      expect.objectContaining({ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' }),
      expect.objectContaining({ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' }),
      expect.objectContaining({ key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' }),
      expect.objectContaining({ key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' }),
      expect.objectContaining({ key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' }),
      expect.objectContaining({ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }),
    ]));
    expect(pod.spec?.tolerations?.some((t) => t.key === 'node.kubernetes.io/network-unavailable')).toBe(false);
    expect(pod.metadata?.generateName).toBe('agent-');
    expect(pod.metadata?.labels).toMatchObject({ app: 'agent', 'pod-template-generation': '1' });
    expect(pod.metadata?.ownerReferences).toEqual([expect.objectContaining({ kind: 'DaemonSet', name: 'agent', controller: true })]);
    const revs = (await rest.list(controllerRevisions, ns)).items;
    expect(revs).toHaveLength(1);
    expect(pod.metadata?.labels?.['controller-revision-hash']).toBe(revs[0]!.metadata?.labels?.['controller-revision-hash']);
    expect(revs[0]!.metadata?.name).toBe(`agent-${revs[0]!.metadata?.labels?.['controller-revision-hash']}`);

    const status = await eventually(async () => {
      const ds = await rest.get(daemonSets, ns, 'agent');
      return ds.status?.numberAvailable === 2 ? ds.status : undefined;
    });
    expect(status).toMatchObject({
      desiredNumberScheduled: 2, currentNumberScheduled: 2, numberMisscheduled: 0, numberReady: 2, updatedNumberScheduled: 2,
      numberAvailable: 2, observedGeneration: 1,
    });
    expect(status.numberUnavailable ?? 0).toBe(0);

    // A new node gets a pod; a node that loses the label loses its pod.
    await node('place-e', { role: 'worker' });
    await eventually(sameNodes(ns, 'agent', ['place-a', 'place-b', 'place-e']));
    await rest.patch(nodes, '', 'place-b', { metadata: { labels: { role: null } } }, { type: 'merge' });
    await eventually(sameNodes(ns, 'agent', ['place-a', 'place-e']));
    await eventually(async () => {
      const ds = await rest.get(daemonSets, ns, 'agent');
      return ds.status?.desiredNumberScheduled === 2 && ds.status.numberMisscheduled === 0 && ds.status.currentNumberScheduled === 2 ? true : undefined;
    });

    // Tolerating the taint makes the tainted node eligible.
    await rest.create(daemonSets, ns, daemonSet('tolerant', {
      nodeSelector: { role: 'worker' }, tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }],
    }));
    await eventually(sameNodes(ns, 'tolerant', ['place-a', 'place-c', 'place-e']));
  });

  it('rolling update with maxUnavailable 1: replaces one node\'s pod at a time, waiting for each new pod to be available, and records the revisions', async () => {
    const ns = await namespace('ds-roll', (p) => (p.spec?.containers[0]?.image === 'agent:v2' ? 'running-not-ready' : 'ready'));
    for (const n of ['roll-1', 'roll-2', 'roll-3']) await node(n, { pool: 'roll' });
    await rest.create(daemonSets, ns, daemonSet('roller', { nodeSelector: { pool: 'roll' }, maxUnavailable: 1 }));
    await eventually(async () => ((await rest.get(daemonSets, ns, 'roller')).status?.numberAvailable === 3 ? true : undefined));
    const hash1 = (await live(ns, 'roller'))[0]!.metadata!.labels!['controller-revision-hash']!;

    await rest.patch(daemonSets, ns, 'roller', { spec: { template: { spec: { containers: [{ name: 'c', image: 'agent:v2' }] } } } }, { type: 'strategic' });
    const isNew = (p: V1Pod) => p.spec?.containers[0]?.image === 'agent:v2';
    for (let done = 1; done <= 3; done++) {
      const fresh = await eventually(async () => {
        const list = await live(ns, 'roller');
        const news = list.filter(isNew);
        return news.length === done && list.length === 3 ? news : undefined;
      });
      // The new pod is not ready yet: no other old pod may go meanwhile.
      await sleep(300);
      const list = await live(ns, 'roller');
      expect(list.filter(isNew)).toHaveLength(done);
      expect(list.filter((p) => !isNew(p))).toHaveLength(3 - done);
      for (const p of fresh) if (!p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) await markReady(ns, p.metadata!.name!);
    }
    const ds = await eventually(async () => {
      const d = await rest.get(daemonSets, ns, 'roller');
      return d.status?.updatedNumberScheduled === 3 && d.status.numberAvailable === 3 ? d : undefined;
    });
    expect(ds.status).toMatchObject({ desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 3, observedGeneration: 2 });
    const revs = (await rest.list(controllerRevisions, ns)).items;
    const hash2 = (await live(ns, 'roller'))[0]!.metadata!.labels!['controller-revision-hash']!;
    expect(hash2).not.toBe(hash1);
    expect(revs.map((r) => [r.metadata?.labels?.['controller-revision-hash'], r.revision]).sort()).toEqual([[hash1, 1], [hash2, 2]].sort());
    expect((await live(ns, 'roller')).every((p) => p.metadata?.labels?.['pod-template-generation'] === '2')).toBe(true);
  });

  it('rolling update with maxSurge 1: starts the new pod beside the old one and removes the old one once the new is available', async () => {
    const ns = await namespace('ds-surge', (p) => (p.spec?.containers[0]?.image === 'agent:v2' ? 'running-not-ready' : 'ready'));
    for (const n of ['surge-1', 'surge-2']) await node(n, { pool: 'surge' });
    await rest.create(daemonSets, ns, daemonSet('surger', { nodeSelector: { pool: 'surge' }, maxSurge: 1, maxUnavailable: 0 }));
    await eventually(async () => ((await rest.get(daemonSets, ns, 'surger')).status?.numberAvailable === 2 ? true : undefined));
    await rest.patch(daemonSets, ns, 'surger', { spec: { template: { spec: { containers: [{ name: 'c', image: 'agent:v2' }] } } } }, { type: 'strategic' });
    const isNew = (p: V1Pod) => p.spec?.containers[0]?.image === 'agent:v2';

    const first = await eventually(async () => {
      const list = await live(ns, 'surger');
      return list.length === 3 ? list.find(isNew) : undefined;
    });
    // Both old pods still serve while the new one is not available.
    await sleep(300);
    const during = await live(ns, 'surger');
    expect(during.filter((p) => !isNew(p))).toHaveLength(2);
    expect(during.filter((p) => targetNodeName(p) === targetNodeName(first))).toHaveLength(2);

    await markReady(ns, first.metadata!.name!);
    const second = await eventually(async () => (await live(ns, 'surger')).find((p) => isNew(p) && p.metadata?.name !== first.metadata?.name));
    expect(targetNodeName(second)).not.toBe(targetNodeName(first));
    await markReady(ns, second.metadata!.name!);
    await eventually(async () => {
      const list = await live(ns, 'surger');
      return list.length === 2 && list.every(isNew) ? true : undefined;
    });
  });

  it('deletes a daemon pod that failed, reports it, and puts a new one on the node', async () => {
    let failedOnce = false;
    const ns = await namespace('ds-failed', () => {
      if (failedOnce) return 'ready';
      failedOnce = true;
      return 'failed';
    });
    await node('failed-1', { pool: 'failed' });
    await rest.create(daemonSets, ns, daemonSet('crashy', { nodeSelector: { pool: 'failed' } }));
    const ds = await eventually(async () => {
      const d = await rest.get(daemonSets, ns, 'crashy');
      return d.status?.numberReady === 1 ? d : undefined;
    });
    expect(ds.status?.currentNumberScheduled).toBe(1);
    const evs = await eventually(async () => {
      const list = (await rest.list(events, ns)).items as CoreV1Event[];
      return list.some((e) => e.reason === 'FailedDaemonPod') ? list : undefined;
    });
    const failed = evs.find((e) => e.reason === 'FailedDaemonPod')!;
    expect(failed.type).toBe('Warning');
    expect(failed.message).toMatch(/^Found failed daemon pod ds-failed\/crashy-\w+ on node failed-1, will try to kill it$/);
    expect(evs.filter((e) => e.reason === 'SuccessfulCreate').map((e) => e.message)).toEqual(expect.arrayContaining([expect.stringMatching(/^Created pod: crashy-/)]));
    const pods2 = await live(ns, 'crashy');
    expect(pods2).toHaveLength(1);
    expect(await findPod(ns, failed.message!.split(' ')[4]!.split('/')[1]!)).toBeUndefined();
  });
});
