import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CoreV1Event, V1PersistentVolumeClaim, V1Pod, V1StatefulSet } from '@kubernetes/client-node';
import { isNotFound, RestClient } from '../../client/index.ts';
import { controllerRevisions, events, namespaces, persistentVolumeClaims, pods, statefulSets } from '../../client/resources.ts';
import { createDatabaseAt } from '../../test/postgres.ts';
import { startTestApiServer, type TestApiServer } from '../../test/apiserver.ts';
import { runPodLife, type PodLifeOptions } from '../../test/podlife.ts';
import { startControllerManager, type RunningControllerManager } from '../index.ts';
import { statefulSetController } from './index.ts';
import { eventually } from '../../test/eventually.ts';

let srv: TestApiServer;
let ac: AbortController;
let cm: RunningControllerManager;
let rest: RestClient;
const lives: Array<Promise<void>> = [];

beforeAll(async () => {
  srv = await startTestApiServer({ databaseUrl: await createDatabaseAt(inject('pgAdminUrl')) });
  ac = new AbortController();
  cm = startControllerManager({ kubeconfig: srv.kubeconfig, signal: ac.signal, controllers: [statefulSetController()], log: (m) => { if (process.env.CAPSTAN_TEST_LOG) process.stderr.write(`${m}\n`); } });
  rest = new RestClient(srv.kubeconfig);
});

afterAll(async () => {
  ac?.abort();
  await cm?.done;
  await Promise.all(lives);
  rest?.close();
  await srv?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function namespace(name: string, decide?: PodLifeOptions['decide']): Promise<string> {
  await rest.create(namespaces, '', { metadata: { name } });
  lives.push(runPodLife({ kubeconfig: srv.kubeconfig, namespace: name, signal: ac.signal, decide }).done);
  return name;
}

async function findPod(ns: string, name: string): Promise<V1Pod | undefined> {
  try {
    return await rest.get(pods, ns, name);
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

const podNames = async (ns: string) => (await rest.list(pods, ns)).items.map((p) => p.metadata!.name!).sort();

/** What a kubelet would report for a pod that passed its readiness probe. */
async function markReady(ns: string, name: string): Promise<void> {
  const now = new Date();
  await rest.patch(pods, ns, name, {
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }, { type: 'ContainersReady', status: 'True', lastTransitionTime: now }] },
  }, { type: 'merge', subresource: 'status' });
}

/** Pod events in order: "added web-0", "terminating web-2", "deleted web-2". */
function recordPods(ns: string): { log: string[]; stop(): void } {
  const log: string[] = [];
  const seenTerminating = new Set<string>();
  const watchAc = new AbortController();
  void rest.watch(pods, ns, {}, (ev) => {
    if (ev.type === 'BOOKMARK' || ev.type === 'ERROR') return;
    const name = ev.object.metadata!.name!;
    if (ev.type === 'ADDED') log.push(`added ${name}`);
    if (ev.object.metadata?.deletionTimestamp && !seenTerminating.has(ev.object.metadata.uid!)) {
      seenTerminating.add(ev.object.metadata.uid!);
      log.push(`terminating ${name}`);
    }
    if (ev.type === 'DELETED') log.push(`deleted ${name}`);
  }, watchAc.signal).catch(() => {});
  return { log, stop: () => watchAc.abort() };
}

function statefulSet(name: string, o: {
  replicas: number; policy?: 'OrderedReady' | 'Parallel'; partition?: number; image?: string;
  claims?: boolean; retention?: { whenDeleted: string; whenScaled: string };
}): V1StatefulSet {
  return {
    metadata: { name },
    spec: {
      replicas: o.replicas, serviceName: `${name}-svc`, podManagementPolicy: o.policy,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: o.image ?? 'busybox:1' }] } },
      ...(o.partition !== undefined ? { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: o.partition } } } : {}),
      ...(o.claims ? {
        volumeClaimTemplates: [{ metadata: { name: 'data', labels: { tier: 'storage' } }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      } : {}),
      ...(o.retention ? { persistentVolumeClaimRetentionPolicy: o.retention } : {}),
    },
  };
}

const scale = (ns: string, name: string, replicas: number) => rest.patch(statefulSets, ns, name, { spec: { replicas } }, { type: 'merge' });

describe('StatefulSet controller', () => {
  it('OrderedReady: creates web-0, web-1, web-2 one at a time, each only after the one before is Running and Ready, and scales down from the highest ordinal', async () => {
    const ns = await namespace('sts-ordered', () => 'pending');
    const rec = recordPods(ns);
    await rest.create(statefulSets, ns, statefulSet('web', { replicas: 3 }));
    for (let i = 0; i < 3; i++) {
      const pod = await eventually(() => findPod(ns, `web-${i}`));
      if (i === 0) {
        expect(pod.metadata?.labels).toMatchObject({ app: 'web', 'statefulset.kubernetes.io/pod-name': 'web-0', 'apps.kubernetes.io/pod-index': '0' });
        expect(pod.metadata?.labels?.['controller-revision-hash']).toMatch(/^web-/);
        expect(pod.spec?.hostname).toBe('web-0');
        expect(pod.spec?.subdomain).toBe('web-svc');
        expect(pod.metadata?.ownerReferences).toEqual([expect.objectContaining({ kind: 'StatefulSet', name: 'web', controller: true, blockOwnerDeletion: true })]);
      }
      // The next ordinal waits for this one.
      await sleep(300);
      expect(await podNames(ns)).toEqual(Array.from({ length: i + 1 }, (_, k) => `web-${k}`));
      await markReady(ns, `web-${i}`);
    }
    const ready = await eventually(async () => {
      const s = await rest.get(statefulSets, ns, 'web');
      return s.status?.readyReplicas === 3 && s.status.availableReplicas === 3 ? s : undefined;
    });
    expect(ready.status).toMatchObject({ replicas: 3, currentReplicas: 3, updatedReplicas: 3, observedGeneration: 1 });
    expect(ready.status?.currentRevision).toBe(ready.status?.updateRevision);
    expect(rec.log.filter((l) => l.startsWith('added'))).toEqual(['added web-0', 'added web-1', 'added web-2']);

    await scale(ns, 'web', 1);
    await eventually(async () => ((await podNames(ns)).join() === 'web-0' ? true : undefined));
    await eventually(async () => rec.log.includes('deleted web-1'));
    rec.stop();
    const removals = rec.log.filter((l) => !l.startsWith('added'));
    // web-2 is gone before web-1 is touched.
    const firstOf = (name: string) => removals.findIndex((l) => l.endsWith(` ${name}`));
    expect(removals.indexOf('deleted web-2')).toBeGreaterThanOrEqual(0);
    expect(removals.indexOf('deleted web-2')).toBeLessThan(firstOf('web-1'));

    const evs = await eventually(async () => {
      const list = (await rest.list(events, ns)).items as CoreV1Event[];
      return list.some((e) => e.reason === 'SuccessfulDelete') ? list : undefined;
    });
    expect(evs.map((e) => `${e.reason}: ${e.message}`)).toEqual(expect.arrayContaining([
      'SuccessfulCreate: create Pod web-0 in StatefulSet web successful',
      'SuccessfulCreate: create Pod web-2 in StatefulSet web successful',
      'SuccessfulDelete: delete Pod web-2 in StatefulSet web successful',
    ]));
  });

  it('Parallel: creates every pod at once without waiting for readiness, and deletes them all at once', async () => {
    const ns = await namespace('sts-parallel', () => 'pending');
    await rest.create(statefulSets, ns, statefulSet('burst', { replicas: 3, policy: 'Parallel' }));
    await eventually(async () => ((await podNames(ns)).length === 3 ? true : undefined));
    const list = (await rest.list(pods, ns)).items;
    expect(list.map((p) => p.status?.phase)).toEqual(['Pending', 'Pending', 'Pending']);
    await scale(ns, 'burst', 0);
    await eventually(async () => ((await podNames(ns)).length === 0 ? true : undefined));
  });

  it('creates each pod\'s claims from volumeClaimTemplates before the pod, with owner references as persistentVolumeClaimRetentionPolicy says', async () => {
    const ns = await namespace('sts-claims');
    const rec = recordPods(ns);
    await rest.create(statefulSets, ns, statefulSet('db', { replicas: 2, claims: true, retention: { whenDeleted: 'Delete', whenScaled: 'Delete' } }));
    const set = await eventually(async () => {
      const s = await rest.get(statefulSets, ns, 'db');
      return s.status?.readyReplicas === 2 ? s : undefined;
    });
    const pod0 = (await findPod(ns, 'db-0'))!;
    expect(pod0.spec?.volumes).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'data', persistentVolumeClaim: expect.objectContaining({ claimName: 'data-db-0' }) })]));
    const claim0 = await rest.get(persistentVolumeClaims, ns, 'data-db-0');
    expect(claim0.metadata?.labels).toEqual({ tier: 'storage', app: 'db' });
    expect(claim0.spec?.resources?.requests?.storage).toBe('1Gi');
    // Deleted with the set: the set is the claim's controller while the pod is in range.
    expect(claim0.metadata?.ownerReferences).toEqual([expect.objectContaining({ kind: 'StatefulSet', name: 'db', uid: set.metadata?.uid, controller: true })]);
    // Resource versions are one global sequence: the claim was written before the pod.
    await eventually(async () => rec.log.includes('added db-1'));
    const claim1 = await rest.get(persistentVolumeClaims, ns, 'data-db-1');
    const pod1Created = (await rest.list(pods, ns)).items.find((p) => p.metadata?.name === 'db-1')!;
    expect(BigInt(claim1.metadata!.resourceVersion!)).toBeLessThan(BigInt(pod1Created.metadata!.resourceVersion!));

    // Scaled away: the condemned pod's claim is handed to the pod (deleted with it by the garbage collector).
    await scale(ns, 'db', 1);
    const handed = await eventually(async () => {
      const c = await rest.get(persistentVolumeClaims, ns, 'data-db-1');
      return c.metadata?.ownerReferences?.some((r) => r.kind === 'Pod' && r.name === 'db-1') ? c : undefined;
    });
    expect(handed.metadata?.ownerReferences?.some((r) => r.kind === 'StatefulSet')).toBe(false);
    await eventually(async () => ((await podNames(ns)).join() === 'db-0' ? true : undefined));
    rec.stop();
    const still: V1PersistentVolumeClaim = await rest.get(persistentVolumeClaims, ns, 'data-db-0');
    expect(still.metadata?.ownerReferences?.[0]?.kind).toBe('StatefulSet');
  });

  it('rolls pods at ordinals ≥ partition onto a new template from the highest down, keeps the revisions, and rolls back onto the old revision', async () => {
    const ns = await namespace('sts-rolling');
    await rest.create(statefulSets, ns, statefulSet('roll', { replicas: 3, partition: 2, image: 'app:v1' }));
    const v1 = await eventually(async () => {
      const s = await rest.get(statefulSets, ns, 'roll');
      return s.status?.readyReplicas === 3 && s.status.currentRevision ? s : undefined;
    });
    const rev1 = v1.status!.currentRevision!;
    const revs1 = (await rest.list(controllerRevisions, ns)).items;
    expect(revs1).toHaveLength(1);
    expect(revs1[0]).toMatchObject({ revision: 1, metadata: { name: rev1, labels: { app: 'roll' } } });
    expect(rev1).toBe(`roll-${revs1[0]!.metadata!.labels!['controller.kubernetes.io/hash']}`);
    expect(revs1[0]!.metadata?.ownerReferences).toEqual([expect.objectContaining({ kind: 'StatefulSet', name: 'roll', controller: true })]);
    expect((revs1[0]!.data as { spec: { template: Record<string, unknown> } }).spec.template.$patch).toBe('replace');

    const revisionOf = async (i: number) => (await findPod(ns, `roll-${i}`))?.metadata?.labels?.['controller-revision-hash'];
    const image = (img: string) => rest.patch(statefulSets, ns, 'roll', { spec: { template: { spec: { containers: [{ name: 'c', image: img }] } } } }, { type: 'strategic' });

    // A canary: only roll-2 (≥ partition 2) moves.
    await image('app:v2');
    const canary = await eventually(async () => {
      const s = await rest.get(statefulSets, ns, 'roll');
      return s.status?.updatedReplicas === 1 && s.status.readyReplicas === 3 ? s : undefined;
    });
    const rev2 = canary.status!.updateRevision!;
    expect(rev2).not.toBe(rev1);
    expect(canary.status).toMatchObject({ currentRevision: rev1, currentReplicas: 2 });
    await sleep(300);
    expect([await revisionOf(0), await revisionOf(1), await revisionOf(2)]).toEqual([rev1, rev1, rev2]);
    expect((await findPod(ns, 'roll-2'))?.spec?.containers[0]?.image).toBe('app:v2');

    // The rest, roll-1 before roll-0.
    const rec = recordPods(ns);
    await rest.patch(statefulSets, ns, 'roll', { spec: { updateStrategy: { rollingUpdate: { partition: 0 } } } }, { type: 'merge' });
    const done = await eventually(async () => {
      const s = await rest.get(statefulSets, ns, 'roll');
      return s.status?.currentRevision === rev2 && s.status.readyReplicas === 3 && s.status.currentReplicas === 3 ? s : undefined;
    });
    await eventually(async () => rec.log.includes('deleted roll-0'));
    rec.stop();
    expect(done.status?.updateRevision).toBe(rev2);
    expect(rec.log.filter((l) => l.startsWith('deleted'))).toEqual(['deleted roll-1', 'deleted roll-0']);
    const revs2 = (await rest.list(controllerRevisions, ns)).items;
    expect(revs2.map((r) => [r.metadata?.name, r.revision]).sort()).toEqual([[rev1, 1], [rev2, 2]].sort());

    // Back to v1: the first revision is reused with the next number, not duplicated.
    await image('app:v1');
    await eventually(async () => {
      const s = await rest.get(statefulSets, ns, 'roll');
      return s.status?.currentRevision === rev1 && s.status.updatedReplicas === 3 && s.status.readyReplicas === 3 ? s : undefined;
    });
    const revs3 = (await rest.list(controllerRevisions, ns)).items;
    expect(revs3.map((r) => [r.metadata?.name, r.revision]).sort()).toEqual([[rev1, 3], [rev2, 2]].sort());
  });
});
