// The scheduler's VolumeBinding against a real API server over PostgreSQL, with the test playing
// the PV controller and the provisioner (no controller manager runs here): claims of a
// WaitForFirstConsumer class get selected-node and the pod binds once the test completes the
// volume bind; a static local volume pins its pod to its node; an unbound Immediate claim keeps
// its pod Pending with upstream's message until the claim is bound.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CoreV1Event, V1ObjectReference, V1PersistentVolumeClaim, V1Pod, V1StorageClass } from '@kubernetes/client-node';
import { RestClient } from '../client/index.ts';
import { events, namespaces, nodes, persistentVolumeClaims, persistentVolumes, pods } from '../client/resources.ts';
import { createDatabaseAt } from '../test/postgres.ts';
import { startTestApiServer, type TestApiServer } from '../test/apiserver.ts';
import { eventually } from '../test/eventually.ts';
import { startScheduler, storageClasses, type RunningScheduler } from './index.ts';
import type { Scheduler } from './scheduler.ts';
import { ANN_BIND_COMPLETED, ANN_BOUND_BY_CONTROLLER, ANN_SELECTED_NODE } from '../machinery/volumes.ts';

let srv: TestApiServer;
let ac: AbortController;
let running: RunningScheduler;
let sched: Scheduler;
let rest: RestClient;
const NODES = ['vb-a', 'vb-b', 'vb-c'];

beforeAll(async () => {
  srv = await startTestApiServer({ databaseUrl: await createDatabaseAt(inject('pgAdminUrl')) });
  rest = new RestClient(srv.kubeconfig);
  ac = new AbortController();
  let started: (s: Scheduler) => void;
  const ready = new Promise<Scheduler>((r) => { started = r; });
  running = startScheduler({ kubeconfig: srv.kubeconfig, signal: ac.signal, log: () => {}, onStarted: (s) => started(s) });
  sched = await ready;
  for (const name of NODES) {
    await rest.create(nodes, '', { metadata: { name, labels: { 'kubernetes.io/hostname': name } } });
    const resources = { cpu: '4', memory: '8Gi', pods: '110' };
    await rest.patch(nodes, '', name, { status: { capacity: resources, allocatable: resources, conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }] } }, { subresource: 'status' });
  }
  await eventually(async () => (NODES.every((n) => (sched.cache.get(n)?.allocatable.allowedPodNumber ?? 0) > 0) ? true : undefined), 5_000);
  await rest.create(storageClasses, '', { metadata: { name: 'vb-provisioned' }, provisioner: 'capstan.dev/local', volumeBindingMode: 'WaitForFirstConsumer' } as V1StorageClass);
  await rest.create(storageClasses, '', { metadata: { name: 'vb-static' }, provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'WaitForFirstConsumer' } as V1StorageClass);
  await rest.create(storageClasses, '', { metadata: { name: 'vb-immediate' }, provisioner: 'capstan.dev/local', volumeBindingMode: 'Immediate' } as V1StorageClass);
});

afterAll(async () => {
  ac?.abort();
  await running?.done;
  rest?.close();
  await srv?.close();
});

async function createClaim(ns: string, name: string, className: string): Promise<V1PersistentVolumeClaim> {
  return rest.create(persistentVolumeClaims, ns, {
    metadata: { name }, spec: { storageClassName: className, accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
  });
}

function podWithClaim(name: string, claimName: string): V1Pod {
  return {
    metadata: { name },
    spec: { containers: [{ name: 'c', image: 'busybox', volumeMounts: [{ name: 'data', mountPath: '/data' }] }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName } }] },
  };
}

const getClaim = (ns: string, name: string) => rest.get(persistentVolumeClaims, ns, name);

/** A local volume on one node, as a provisioner or an administrator creates it (optionally pre-bound), with its phase set through status. */
async function createLocalVolume(name: string, className: string, node: string, phase: string, claimRef?: V1ObjectReference): Promise<void> {
  await rest.create(persistentVolumes, '', {
    metadata: { name },
    spec: {
      storageClassName: className, capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Delete',
      local: { path: `/mnt/${name}` }, ...(claimRef ? { claimRef } : {}),
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] } },
    },
  });
  await rest.patch(persistentVolumes, '', name, { status: { phase } }, { subresource: 'status' });
}

/** The PV controller's half of a bind: the claim names the volume and is marked bound, both phases Bound. */
async function completeBind(ns: string, claimName: string, volumeName: string): Promise<void> {
  await rest.patch(persistentVolumeClaims, ns, claimName, { metadata: { annotations: { [ANN_BIND_COMPLETED]: 'yes' } }, spec: { volumeName } });
  await rest.patch(persistentVolumeClaims, ns, claimName, { status: { phase: 'Bound' } }, { subresource: 'status' });
  await rest.patch(persistentVolumes, '', volumeName, { status: { phase: 'Bound' } }, { subresource: 'status' });
}

const boundNode = (ns: string, name: string, ms = 10_000) => eventually(async () => (await rest.get(pods, ns, name)).spec?.nodeName || undefined, { timeoutMs: ms, what: `pod ${ns}/${name} bound` });

async function eventsFor(ns: string, podName: string, reason: string): Promise<CoreV1Event[]> {
  return (await rest.list(events, ns)).items.filter((e) => e.involvedObject?.name === podName && e.reason === reason);
}

describe('VolumeBinding in the scheduler', () => {
  it('sets selected-node on a WaitForFirstConsumer claim, and binds the pod once the claim is provisioned and bound', async () => {
    const ns = 'vb-provision';
    await rest.create(namespaces, '', { metadata: { name: ns } });
    const claim = await createClaim(ns, 'data', 'vb-provisioned');
    await rest.create(pods, ns, podWithClaim('web', 'data'));
    const selected = await eventually(async () => (await getClaim(ns, 'data')).metadata?.annotations?.[ANN_SELECTED_NODE], { what: 'selected-node' });
    expect(NODES).toContain(selected);
    // PreBind waits for the volume: the pod is not bound yet.
    await new Promise((r) => setTimeout(r, 200));
    expect((await rest.get(pods, ns, 'web')).spec?.nodeName).toBeUndefined();

    // The provisioner creates a volume on that node pre-bound to the claim; the PV controller binds them.
    const pvName = `pvc-${claim.metadata!.uid}`;
    await createLocalVolume(pvName, 'vb-provisioned', selected, 'Bound', { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: ns, name: 'data', uid: claim.metadata!.uid });
    await completeBind(ns, 'data', pvName);
    expect(await boundNode(ns, 'web')).toBe(selected);
    const ev = await eventually(async () => (await eventsFor(ns, 'web', 'Scheduled'))[0]);
    expect(ev.message).toBe(`Successfully assigned ${ns}/web to ${selected}`);
  });

  it('puts a pod whose claim matches a static local volume on that volume\'s node, writing the claimRef', async () => {
    const ns = 'vb-static';
    await rest.create(namespaces, '', { metadata: { name: ns } });
    await createLocalVolume('vb-local-b', 'vb-static', 'vb-b', 'Available');
    const claim = await createClaim(ns, 'data', 'vb-static');
    await rest.create(pods, ns, podWithClaim('db', 'data'));
    const pv = await eventually(async () => {
      const v = await rest.get(persistentVolumes, '', 'vb-local-b');
      return v.spec?.claimRef ? v : undefined;
    }, { what: 'claimRef written' });
    expect(pv.spec?.claimRef).toMatchObject({ kind: 'PersistentVolumeClaim', namespace: ns, name: 'data', uid: claim.metadata!.uid });
    expect(pv.metadata?.annotations?.[ANN_BOUND_BY_CONTROLLER]).toBe('yes');
    await completeBind(ns, 'data', 'vb-local-b');
    expect(await boundNode(ns, 'db')).toBe('vb-b');
  });

  it('keeps a pod with an unbound Immediate claim Pending with upstream\'s message, and schedules it once the claim is bound', async () => {
    const ns = 'vb-immediate';
    await rest.create(namespaces, '', { metadata: { name: ns } });
    await createClaim(ns, 'data', 'vb-immediate');
    await rest.create(pods, ns, podWithClaim('app', 'data'));
    const want = '0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.';
    const cond = await eventually(async () => (await rest.get(pods, ns, 'app')).status?.conditions?.find((c) => c.type === 'PodScheduled'), { what: 'PodScheduled' });
    expect(cond).toMatchObject({ status: 'False', reason: 'Unschedulable', message: want });
    const ev = await eventually(async () => (await eventsFor(ns, 'app', 'FailedScheduling'))[0]);
    expect(ev.message).toBe(want);

    // The PV controller binds the claim: the claim update moves the pod back, and it schedules.
    await createLocalVolume('vb-imm', 'vb-immediate', 'vb-c', 'Available');
    await completeBind(ns, 'data', 'vb-imm');
    expect(await boundNode(ns, 'app')).toBe('vb-c');
  });

  it('reports that no node found a volume for a claim no volume or provisioner can serve', async () => {
    const ns = 'vb-none';
    await rest.create(namespaces, '', { metadata: { name: ns } });
    await createClaim(ns, 'data', 'vb-static');
    await rest.create(pods, ns, podWithClaim('lonely', 'data'));
    const cond = await eventually(async () => (await rest.get(pods, ns, 'lonely')).status?.conditions?.find((c) => c.type === 'PodScheduled'), { what: 'PodScheduled' });
    expect(cond.message).toBe("0/3 nodes are available: 3 node(s) didn't find available persistent volumes to bind. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.");

    // A volume that fits arrives (PersistentVolume/Add): the pod is tried again and lands on its node.
    await createLocalVolume('vb-late', 'vb-static', 'vb-a', 'Available');
    await eventually(async () => (await rest.get(persistentVolumes, '', 'vb-late')).spec?.claimRef, { what: 'claimRef written' });
    await completeBind(ns, 'data', 'vb-late');
    expect(await boundNode(ns, 'lonely')).toBe('vb-a');
  });
});
