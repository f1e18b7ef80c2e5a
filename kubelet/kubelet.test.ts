import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { V1Lease, V1Node, V1Pod } from '@kubernetes/client-node';
import { isNotFound, millisOf, resources, RestClient } from '../client/index.ts';
import { nodes, pods } from '../client/resources.ts';
import { createDatabaseAt } from '../test/postgres.ts';
import { startTestApiServer, type TestApiServer } from '../test/apiserver.ts';
import { FakeRuntime } from './runtime/fake.ts';
import { startKubelet, startSimulatedNodes, SIMULATED_NODE_LABEL, KUBELET_VERSION } from './index.ts';
import type { RunningKubelet } from './kubelet.ts';

let srv: TestApiServer;
let rest: RestClient;
let ac: AbortController;
let kubelet: RunningKubelet;
let sim: RunningKubelet;
const runtime = new FakeRuntime();
const NODE = 'node-a';
const NS = 'default';
const timings = {
  statusIntervalMs: 150, statusReportIntervalMs: 1_500, leaseIntervalMs: 300, resyncIntervalMs: 3_000,
  backoff: { initialMs: 200, maxMs: 800 },
};

beforeAll(async () => {
  srv = await startTestApiServer({ databaseUrl: await createDatabaseAt(inject('pgAdminUrl')) });
  rest = new RestClient(srv.kubeconfig);
  ac = new AbortController();
  kubelet = startKubelet({
    kubeconfig: srv.kubeconfig, nodeName: NODE, runtime, signal: ac.signal, log: () => {}, podCIDR: '10.244.5.0/24', nodeIP: '172.18.0.10',
    labels: { 'example.com/team': 'a' }, ...timings,
  });
  sim = startSimulatedNodes({ kubeconfig: srv.kubeconfig, count: 3, signal: ac.signal, log: () => {}, ...timings });
  expect(await kubelet.ready).toBe(true);
  expect(await sim.ready).toBe(true);
});

afterAll(async () => {
  ac?.abort();
  await kubelet?.done;
  await sim?.done;
  rest?.close();
  await srv?.close();
});

async function eventually<T>(what: string, fn: () => Promise<T | undefined>, ms = 8_000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms${last ? ` (${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let podSeq = 0;
async function createPod(o: { command?: string[]; restartPolicy?: string; node?: string; finalizers?: string[]; init?: string[][] } = {}): Promise<V1Pod> {
  const name = `p${++podSeq}-${Math.random().toString(36).slice(2, 7)}`;
  return rest.create(pods, NS, {
    metadata: { name, ...(o.finalizers ? { finalizers: o.finalizers } : {}) },
    spec: {
      nodeName: o.node ?? NODE, restartPolicy: o.restartPolicy ?? 'Always',
      ...(o.init ? { initContainers: o.init.map((command, i) => ({ name: `init${i}`, image: 'busybox', command })) } : {}),
      containers: [{ name: 'main', image: 'busybox', ...(o.command ? { command: o.command } : {}) }],
    },
  });
}

const getPod = (p: V1Pod) => rest.get(pods, NS, p.metadata!.name!);
const podWhere = (p: V1Pod, what: string, ok: (p: V1Pod) => boolean) => eventually(what, async () => {
  const cur = await getPod(p);
  return ok(cur) ? cur : undefined;
});
const gone = async (p: V1Pod) => {
  try { await getPod(p); return undefined; } catch (e) { if (isNotFound(e)) return true; throw e; }
};

describe('kubelet with the fake runtime', () => {
  it('registers its Node with labels, capacity, addresses, node info and upstream conditions', async () => {
    const node = await rest.get(nodes, '', NODE);
    expect(node.metadata?.labels).toMatchObject({
      'kubernetes.io/hostname': NODE, 'kubernetes.io/os': 'linux', 'beta.kubernetes.io/os': 'linux',
      [SIMULATED_NODE_LABEL]: 'true', 'example.com/team': 'a',
    });
    expect(node.metadata?.labels?.['kubernetes.io/arch']).toMatch(/^(amd64|arm64|[a-z0-9]+)$/);
    expect(node.spec?.podCIDR).toBe('10.244.5.0/24');
    expect(node.status?.capacity).toMatchObject({ cpu: '32', memory: '256Gi', pods: '110' });
    expect(node.status?.allocatable).toMatchObject({ cpu: '32', pods: '110' });
    expect(node.status?.addresses).toEqual([{ type: 'InternalIP', address: '172.18.0.10' }, { type: 'Hostname', address: NODE }]);
    expect(node.status?.nodeInfo).toMatchObject({
      operatingSystem: 'linux', containerRuntimeVersion: 'fake://0.1.0', kubeletVersion: KUBELET_VERSION,
    });
    expect(node.status?.daemonEndpoints?.kubeletEndpoint?.Port).toBe(10250);
    const conds = Object.fromEntries((node.status?.conditions ?? []).map((c) => [c.type, [c.status, c.reason, c.message]]));
    expect(conds).toEqual({
      MemoryPressure: ['False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'],
      DiskPressure: ['False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'],
      PIDPressure: ['False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'],
      Ready: ['True', 'KubeletReady', 'kubelet is posting ready status'],
    });
  });

  it('holds a Lease in kube-node-lease owned by its Node and renews it', async () => {
    const node = await rest.get(nodes, '', NODE);
    const first = await eventually('lease', () => rest.get(resources.leases, 'kube-node-lease', NODE));
    expect(first.spec).toMatchObject({ holderIdentity: NODE, leaseDurationSeconds: 40 });
    expect(first.metadata?.ownerReferences).toEqual([expect.objectContaining({ apiVersion: 'v1', kind: 'Node', name: NODE, uid: node.metadata!.uid })]);
    const renewed = await eventually('lease renewal', async () => {
      const l: V1Lease = await rest.get(resources.leases, 'kube-node-lease', NODE);
      return millisOf(l.spec?.renewTime)! > millisOf(first.spec?.renewTime)! ? l : undefined;
    }, 3_000);
    expect(renewed.spec?.holderIdentity).toBe(NODE);
  });

  it('reports an unchanged node status again after the report interval, and restores Ready when someone else changes it', async () => {
    const heartbeat = (n: V1Node) => millisOf(n.status?.conditions?.find((c) => c.type === 'Ready')?.lastHeartbeatTime)!;
    const before = heartbeat(await rest.get(nodes, '', NODE));
    await eventually('heartbeat', async () => (heartbeat(await rest.get(nodes, '', NODE)) > before ? true : undefined), 5_000);
    await rest.patch(nodes, '', NODE, { status: { conditions: [{ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' }] } }, { type: 'strategic', subresource: 'status' });
    await eventually('Ready again', async () => {
      const n = await rest.get(nodes, '', NODE);
      return n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' ? n : undefined;
    }, 3_000);
  });

  it('runs a bound pod: Running and Ready, with an IP from the node pod CIDR', async () => {
    const pod = await createPod();
    const running = await podWhere(pod, 'Running and Ready', (p) => p.status?.phase === 'Running' && !!p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    const st = running.status!;
    expect(st.podIP).toMatch(/^10\.244\.5\.\d+$/);
    expect(st.podIPs).toEqual([{ ip: st.podIP }]);
    expect(st.hostIP).toBe('172.18.0.10');
    expect(st.hostIPs).toEqual([{ ip: '172.18.0.10' }]);
    expect(st.startTime).toBeInstanceOf(Date);
    expect(st.conditions?.map((c) => [c.type, c.status])).toEqual([
      ['PodReadyToStartContainers', 'True'], ['Initialized', 'True'], ['Ready', 'True'], ['ContainersReady', 'True'], ['PodScheduled', 'True'],
    ]);
    const cs = st.containerStatuses![0]!;
    expect(cs).toMatchObject({ name: 'main', ready: true, started: true, restartCount: 0, image: 'busybox' });
    expect(cs.containerID).toMatch(/^fake:\/\/[0-9a-f]{64}$/);
    expect(cs.imageID).toMatch(/^sha256:/);
    expect(cs.state?.running?.startedAt).toBeInstanceOf(Date);
  });

  it('writes pod status only when it changed', async () => {
    const pod = await createPod();
    await podWhere(pod, 'Ready', (p) => !!p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    // A change outside the status wakes the pod's worker; the status it computes is the same.
    const labelled = await rest.patch(pods, NS, pod.metadata!.name!, { metadata: { labels: { touched: 'yes' } } });
    await new Promise((r) => setTimeout(r, 600));
    expect((await getPod(pod)).metadata?.resourceVersion).toBe(labelled.metadata?.resourceVersion);
  });

  it('ends a `sh -c "exit 1"` pod with restartPolicy Never as Failed', async () => {
    const pod = await createPod({ command: ['sh', '-c', 'exit 1'], restartPolicy: 'Never' });
    const failed = await podWhere(pod, 'Failed', (p) => p.status?.phase === 'Failed');
    const cs = failed.status!.containerStatuses![0]!;
    expect(cs.state?.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
    expect(cs.ready).toBe(false);
    expect(failed.status!.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'PodFailed' });
    expect(failed.status!.podIP).toMatch(/^10\.244\.5\./);
  });

  it('runs init containers first and lets a `sleep 1` pod under Never succeed', async () => {
    const pod = await createPod({ command: ['sleep', '1'], restartPolicy: 'Never', init: [['true'], ['sh', '-c', 'exit 0']] });
    const done = await podWhere(pod, 'Succeeded', (p) => p.status?.phase === 'Succeeded');
    expect(done.status!.initContainerStatuses!.map((s) => [s.name, s.state?.terminated?.reason])).toEqual([['init0', 'Completed'], ['init1', 'Completed']]);
    expect(done.status!.containerStatuses![0]!.state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(done.status!.conditions?.find((c) => c.type === 'Initialized')).toMatchObject({ status: 'True' });
  });

  it('restarts a failing container under OnFailure with a growing restartCount and CrashLoopBackOff', async () => {
    const pod = await createPod({ command: ['sh', '-c', 'exit 1'], restartPolicy: 'OnFailure' });
    const restarted = await podWhere(pod, 'restartCount ≥ 2', (p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2);
    expect(restarted.status!.phase).toBe('Running');
    const waiting = await podWhere(pod, 'CrashLoopBackOff', (p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff');
    const cs = waiting.status!.containerStatuses![0]!;
    expect(cs.state!.waiting!.message).toMatch(new RegExp(`^back-off \\d+(\\.\\d+)?s restarting failed container=main pod=${pod.metadata!.name}_${NS}\\(${pod.metadata!.uid}\\)$`));
    expect(cs.lastState?.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
  });

  it('fails a pod past its activeDeadlineSeconds with DeadlineExceeded', async () => {
    const pod = await rest.create(pods, NS, {
      metadata: { name: `deadline-${Math.random().toString(36).slice(2, 7)}` },
      spec: { nodeName: NODE, activeDeadlineSeconds: 1, containers: [{ name: 'main', image: 'busybox' }] },
    });
    const failed = await podWhere(pod, 'DeadlineExceeded', (p) => p.status?.phase === 'Failed');
    expect(failed.status).toMatchObject({ reason: 'DeadlineExceeded', message: 'Pod was active on the node longer than the specified deadline' });
    expect(failed.status!.containerStatuses![0]!.state?.terminated?.exitCode).toBe(137);
  });

  it('rejects a pod that does not fit: Failed with OutOfcpu, and nothing runs', async () => {
    const pod = await rest.create(pods, NS, {
      metadata: { name: `big-${Math.random().toString(36).slice(2, 7)}` },
      spec: { nodeName: NODE, containers: [{ name: 'main', image: 'busybox', resources: { requests: { cpu: '64' } } }] },
    });
    const failed = await podWhere(pod, 'rejected', (p) => p.status?.phase === 'Failed');
    expect(failed.status).toMatchObject({ reason: 'OutOfcpu', message: "Pod was rejected: Node didn't have enough resource: cpu, requested: 64000, used: 0, capacity: 32000" });
    expect(await runtime.podStatus(pod.metadata!.uid!)).toBeUndefined();
  });

  it('cleans up the runtime of a pod removed from the API at once (gracePeriodSeconds 0)', async () => {
    const pod = await createPod();
    await podWhere(pod, 'Running', (p) => p.status?.phase === 'Running');
    expect(await runtime.podStatus(pod.metadata!.uid!)).toBeDefined();
    await rest.delete(pods, NS, pod.metadata!.name!, { gracePeriodSeconds: 0 });
    expect(await gone(pod)).toBe(true);
    await eventually('runtime cleaned', async () => ((await runtime.podStatus(pod.metadata!.uid!)) === undefined ? true : undefined));
  });

  it('completes a graceful deletion: the pod is stopped and then removed by the kubelet', async () => {
    const pod = await createPod();
    await podWhere(pod, 'Running', (p) => p.status?.phase === 'Running');
    // On a server with graceful pod deletion this only sets deletionTimestamp; the kubelet finishes it.
    await rest.delete(pods, NS, pod.metadata!.name!);
    await eventually('pod gone', () => gone(pod));
    await eventually('runtime cleaned', async () => ((await runtime.podStatus(pod.metadata!.uid!)) === undefined ? true : undefined));
  });

  it('stops the containers of a pod marked for deletion, reports its end and deletes it with its UID as precondition', async () => {
    // A finalizer keeps the object after the DELETE, as graceful deletion keeps a bound pod.
    const pod = await createPod({ finalizers: ['example.com/hold'] });
    await podWhere(pod, 'Running', (p) => p.status?.phase === 'Running');
    await rest.delete(pods, NS, pod.metadata!.name!);
    const ended = await podWhere(pod, 'stopped and reported', (p) => !!p.metadata?.deletionTimestamp && p.status?.containerStatuses?.[0]?.state?.terminated !== undefined);
    expect(ended.status!.phase).toBe('Failed');
    expect(ended.status!.containerStatuses![0]!.state!.terminated!.exitCode).toBe(137);
    const rt = await runtime.podStatus(pod.metadata!.uid!);
    expect(rt?.containers.every((c) => c.state === 'exited')).toBe(true);
    expect(rt?.sandboxes.every((s) => s.state === 'notready')).toBe(true);
    await rest.patch(pods, NS, pod.metadata!.name!, { metadata: { finalizers: null } });
    await eventually('pod gone', () => gone(pod));
    await eventually('runtime cleaned', async () => ((await runtime.podStatus(pod.metadata!.uid!)) === undefined ? true : undefined));
  });

  it('leaves a new pod of the same name alone when the old one is deleted', async () => {
    const old = await createPod();
    await podWhere(old, 'Running', (p) => p.status?.phase === 'Running');
    await rest.delete(pods, NS, old.metadata!.name!, { gracePeriodSeconds: 0 });
    const again = await rest.create(pods, NS, { metadata: { name: old.metadata!.name }, spec: { nodeName: NODE, containers: [{ name: 'main', image: 'busybox' }] } });
    const running = await podWhere(again, 'replacement Running', (p) => p.metadata?.uid === again.metadata!.uid && p.status?.phase === 'Running');
    expect(running.metadata?.deletionTimestamp).toBeUndefined();
    await eventually('old runtime state cleaned', async () => ((await runtime.podStatus(old.metadata!.uid!)) === undefined ? true : undefined));
  });
});

describe('simulated nodes', () => {
  it('registers each node with its own pod CIDR and Lease, and runs pods bound to them', async () => {
    for (let i = 0; i < 3; i++) {
      const node = await rest.get(nodes, '', `sim-${i}`);
      expect(node.spec?.podCIDR).toBe(`10.244.${i}.0/24`);
      expect(node.metadata?.labels?.[SIMULATED_NODE_LABEL]).toBe('true');
      await eventually(`lease of sim-${i}`, () => rest.get(resources.leases, 'kube-node-lease', `sim-${i}`));
    }
    const pod = await createPod({ node: 'sim-2' });
    const running = await podWhere(pod, 'Running on sim-2', (p) => p.status?.phase === 'Running');
    expect(running.status!.podIP).toMatch(/^10\.244\.2\.\d+$/);
    expect(running.status!.hostIP).toBe('172.18.0.4');
  });
});
