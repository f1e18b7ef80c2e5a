// Scheduling through the real kubectl on `capstan up --simulated-nodes 3`: requests against
// allocatable, node selectors, node affinity, taints and tolerations, topology spread, and the
// FailedScheduling message a pod that fits nowhere gets.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startSystem, type System } from '../harness/system.ts';
import { kubectlOk } from '../harness/kubectl.ts';
import { eventually } from '../../test/eventually.ts';

let sys: System;
let seq = 0;
const ns = () => `sched-${process.pid}-${seq++}`;

beforeAll(async () => {
  sys = await startSystem({ extraArgs: ['--simulated-nodes', '3'] });
  await kubectlOk(sys, ['label', 'node', 'sim-0', 'disk=ssd', 'zone=a']);
  await kubectlOk(sys, ['label', 'node', 'sim-1', 'disk=hdd', 'zone=b']);
  await kubectlOk(sys, ['label', 'node', 'sim-2', 'disk=hdd', 'zone=c']);
});
afterAll(async () => { await sys?.stop(); });

const create = (doc: object) => kubectlOk(sys, ['create', '-f', '-'], { input: JSON.stringify(doc) });
const pod = (n: string, name: string, spec: object = {}, labels: Record<string, string> = {}) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: n, labels },
  spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec },
});
const nodeOf = (n: string, name: string) => eventually(async () => (await kubectlOk(sys, ['get', 'pod', name, '-n', n, '-o', 'jsonpath={.spec.nodeName}'])) || undefined, 30_000);
const scheduledReason = (n: string, name: string) => kubectlOk(sys, ['get', 'pod', name, '-n', n, '-o', 'jsonpath={.status.conditions[?(@.type=="PodScheduled")].reason}']);
const scheduledMessage = (n: string, name: string) => kubectlOk(sys, ['get', 'pod', name, '-n', n, '-o', 'jsonpath={.status.conditions[?(@.type=="PodScheduled")].message}']);

describe('scheduling through kubectl', () => {
  it('places by nodeSelector and required node affinity, and leaves a pod no node matches Pending with upstream\'s message', async () => {
    const n = ns();
    await kubectlOk(sys, ['create', 'namespace', n]);
    await create(pod(n, 'on-ssd', { nodeSelector: { disk: 'ssd' } }));
    expect(await nodeOf(n, 'on-ssd')).toBe('sim-0');
    await create(pod(n, 'zone-c', {
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['c'] }] }] } } },
    }));
    expect(await nodeOf(n, 'zone-c')).toBe('sim-2');
    await create(pod(n, 'nowhere', { nodeSelector: { disk: 'nvme' } }));
    await eventually(async () => (await scheduledReason(n, 'nowhere')) === 'Unschedulable', 30_000);
    expect(await scheduledMessage(n, 'nowhere')).toBe("0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.");
    const events = await kubectlOk(sys, ['get', 'events', '-n', n, '--field-selector', 'involvedObject.name=nowhere,reason=FailedScheduling', '-o', 'jsonpath={.items[*].type}']);
    expect(events).toContain('Warning');
    // Labelling a node to match lets the waiting pod schedule.
    await kubectlOk(sys, ['label', 'node', 'sim-1', 'disk=nvme', '--overwrite']);
    try {
      expect(await nodeOf(n, 'nowhere')).toBe('sim-1');
    } finally {
      await kubectlOk(sys, ['label', 'node', 'sim-1', 'disk=hdd', '--overwrite']);
    }
  });

  it('keeps pods off a tainted node unless they tolerate it, and off a cordoned node', async () => {
    const n = ns();
    await kubectlOk(sys, ['create', 'namespace', n]);
    await kubectlOk(sys, ['taint', 'node', 'sim-0', 'dedicated=gpu:NoSchedule']);
    await kubectlOk(sys, ['cordon', 'sim-1']);
    try {
      for (const i of [0, 1, 2]) await create(pod(n, `plain-${i}`));
      for (const i of [0, 1, 2]) expect(await nodeOf(n, `plain-${i}`)).toBe('sim-2');
      await create(pod(n, 'tolerant', { nodeSelector: { disk: 'ssd' }, tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] }));
      expect(await nodeOf(n, 'tolerant')).toBe('sim-0');
    } finally {
      await kubectlOk(sys, ['taint', 'node', 'sim-0', 'dedicated=gpu:NoSchedule-']);
      await kubectlOk(sys, ['uncordon', 'sim-1']);
    }
  });

  it('spreads a zone topology constraint evenly and fits requests to allocatable', async () => {
    const n = ns();
    await kubectlOk(sys, ['create', 'namespace', n]);
    const spread = { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'spread' } } }] };
    for (const i of [0, 1, 2, 3, 4, 5]) await create(pod(n, `s-${i}`, spread, { app: 'spread' }));
    const placed: string[] = [];
    for (const i of [0, 1, 2, 3, 4, 5]) placed.push(await nodeOf(n, `s-${i}`));
    const counts = ['sim-0', 'sim-1', 'sim-2'].map((x) => placed.filter((p) => p === x).length);
    expect(counts).toEqual([2, 2, 2]);

    // Each simulated node has 32 CPUs: a pod asking for 20 fits once per node, a fourth does not.
    for (const i of [0, 1, 2, 3]) await create(pod(n, `big-${i}`, { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '20' } } }] }));
    const bigNodes = new Set<string>();
    for (const i of [0, 1, 2]) bigNodes.add(await nodeOf(n, `big-${i}`));
    expect(bigNodes.size).toBe(3);
    await eventually(async () => (await scheduledReason(n, 'big-3')) === 'Unschedulable', 30_000);
    expect(await scheduledMessage(n, 'big-3')).toMatch(/^0\/3 nodes are available: 3 Insufficient cpu\./);
  });
});
