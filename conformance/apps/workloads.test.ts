// StatefulSets, DaemonSets, Jobs and CronJobs through the real kubectl on
// `capstan up --simulated-nodes 2` (simulated nodes run no containers; their runtime plays
// `true`, `false`, `sh -c "exit N"` and `sleep N` so Jobs finish).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startSystem, type System } from '../harness/system.ts';
import { kubectlOk } from '../harness/kubectl.ts';
import { eventually } from '../../test/eventually.ts';

let sys: System;
let seq = 0;
const ns = () => `wl-${process.pid}-${seq++}`;

beforeAll(async () => { sys = await startSystem({ extraArgs: ['--simulated-nodes', '2'] }); });
afterAll(async () => { await sys?.stop(); });

const apply = (doc: object) => kubectlOk(sys, ['apply', '-f', '-'], { input: JSON.stringify(doc) });
const jsonpath = (args: string[], path: string) => kubectlOk(sys, [...args, '-o', `jsonpath=${path}`]);
const podTemplate = (app: string, command?: string[]) => ({
  metadata: { labels: { app } },
  spec: { containers: [{ name: 'c', image: 'busybox', ...(command ? { command } : {}) }] },
});

describe('StatefulSets through kubectl', () => {
  it('scales up in order, one pod Ready before the next, and down in reverse', async () => {
    const n = ns();
    await kubectlOk(sys, ['create', 'namespace', n]);
    await apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: n }, spec: { clusterIP: 'None', selector: { app: 'web' }, ports: [{ port: 80 }] } });
    await apply({
      apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web', namespace: n },
      spec: { serviceName: 'web', replicas: 3, selector: { matchLabels: { app: 'web' } }, template: podTemplate('web') },
    });
    await kubectlOk(sys, ['rollout', 'status', 'statefulset/web', '-n', n, '--timeout=60s']);
    const created = async () => (await jsonpath(['get', 'pods', '-n', n, '-l', 'app=web', '--sort-by=.metadata.creationTimestamp'], '{.items[*].metadata.name}')).split(' ');
    expect(await created()).toEqual(['web-0', 'web-1', 'web-2']);
    expect(await kubectlOk(sys, ['get', 'statefulset', 'web', '-n', n])).toMatch(/web\s+3\/3\s+/);

    await kubectlOk(sys, ['scale', 'statefulset/web', '--replicas=1', '-n', n]);
    await eventually(async () => (await jsonpath(['get', 'pods', '-n', n, '-l', 'app=web'], '{.items[*].metadata.name}')) === 'web-0', 30_000);
  });
});

describe('DaemonSets through kubectl', () => {
  it('runs one pod per node and follows a node added later', async () => {
    const n = ns();
    await kubectlOk(sys, ['create', 'namespace', n]);
    await apply({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: n }, spec: { selector: { matchLabels: { app: 'agent' } }, template: podTemplate('agent') } });
    await kubectlOk(sys, ['rollout', 'status', 'daemonset/agent', '-n', n, '--timeout=60s']);
    const nodesOfPods = async () => (await jsonpath(['get', 'pods', '-n', n, '-l', 'app=agent'], '{.items[*].spec.nodeName}')).split(' ').filter(Boolean).sort();
    expect(await nodesOfPods()).toEqual(['sim-0', 'sim-1']);

    // A node without a kubelet (its registration carries its capacity, as a kubelet's does): its
    // pod is created and bound to it, and stays Pending.
    const node = `extra-${n}`;
    const capacity = { cpu: '4', memory: '8Gi', pods: '10' };
    await kubectlOk(sys, ['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: node, labels: { 'kubernetes.io/hostname': node } }, status: { capacity, allocatable: capacity } }) });
    try {
      await eventually(async () => (await nodesOfPods()).includes(node), 30_000);
      expect(await jsonpath(['get', 'daemonset', 'agent', '-n', n], '{.status.desiredNumberScheduled}')).toBe('3');
    } finally {
      await kubectlOk(sys, ['delete', 'node', node]);
    }
  });
});

describe('Jobs and CronJobs through kubectl', () => {
  it('runs a Job to completion', async () => {
    const n = ns();
    await kubectlOk(sys, ['create', 'namespace', n]);
    await kubectlOk(sys, ['create', 'job', 'done', '--image=busybox', '-n', n, '--', 'sh', '-c', 'exit 0']);
    await kubectlOk(sys, ['wait', '--for=condition=complete', 'job/done', '-n', n, '--timeout=60s']);
    expect(await kubectlOk(sys, ['get', 'job', 'done', '-n', n])).toMatch(/done\s+Complete\s+1\/1\s+/);
  });

  it('fails a Job whose pods fail once backoffLimit is reached', async () => {
    const n = ns();
    await kubectlOk(sys, ['create', 'namespace', n]);
    await apply({
      apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'broken', namespace: n },
      spec: { backoffLimit: 1, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'exit 1'] }] } } },
    });
    await kubectlOk(sys, ['wait', '--for=condition=failed', 'job/broken', '-n', n, '--timeout=90s']);
    expect(await jsonpath(['get', 'job', 'broken', '-n', n], '{.status.conditions[?(@.type=="Failed")].reason}')).toBe('BackoffLimitExceeded');
    expect(await jsonpath(['get', 'job', 'broken', '-n', n], '{.status.failed}')).toBe('2');
  });

  it('fires a CronJob on its schedule, and creates a Job from it by hand', async () => {
    const n = ns();
    await kubectlOk(sys, ['create', 'namespace', n]);
    await kubectlOk(sys, ['create', 'cronjob', 'tick', '--image=busybox', '--schedule=* * * * *', '-n', n, '--', 'true']);
    await kubectlOk(sys, ['create', 'job', 'by-hand', '--from=cronjob/tick', '-n', n]);
    await kubectlOk(sys, ['wait', '--for=condition=complete', 'job/by-hand', '-n', n, '--timeout=60s']);
    // The next minute boundary is at most 60 s away.
    await eventually(async () => (await jsonpath(['get', 'jobs', '-n', n], '{.items[*].metadata.name}')).split(' ').some((j) => /^tick-\d+$/.test(j)), 75_000);
    expect(await jsonpath(['get', 'cronjob', 'tick', '-n', n], '{.status.lastScheduleTime}')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:00Z$/);
  }, 120_000);
});
