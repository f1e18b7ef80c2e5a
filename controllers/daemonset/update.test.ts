import { describe, expect, it } from 'vitest';
import type { V1DaemonSet, V1Node, V1Pod } from '@kubernetes/client-node';
import { rollingUpdatePlan } from './update.ts';

const NOW = Date.parse('2026-01-01T00:10:00Z');
const node = (name: string): V1Node => ({ metadata: { name, labels: {} }, spec: {} });
const ds = (maxUnavailable: number | string, maxSurge: number | string = 0, minReadySeconds = 0): V1DaemonSet => ({
  metadata: { name: 'd', namespace: 'ns' },
  spec: {
    selector: { matchLabels: { a: 'b' } }, minReadySeconds,
    template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c' }] } },
    updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable, maxSurge } },
  },
});
const pod = (name: string, hash: string, ready: boolean, readySince = '2026-01-01T00:00:00Z'): V1Pod => ({
  metadata: { name, labels: { 'controller-revision-hash': hash } },
  spec: { containers: [] },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: new Date(readySince) }] },
});
const plan = (d: V1DaemonSet, nodes: V1Node[], pods: Record<string, V1Pod[]>) => {
  const p = rollingUpdatePlan(d, nodes, new Map(Object.entries(pods)), 'new', NOW);
  return { remove: p.remove.map((x) => x.metadata!.name).sort(), create: p.create.sort() };
};
const three = [node('n1'), node('n2'), node('n3')];

describe('DaemonSet rolling update plan', () => {
  it('without surge deletes old available pods up to maxUnavailable, counting new pods not yet available against it', () => {
    expect(plan(ds(1), three, { n1: [pod('o1', 'old', true)], n2: [pod('o2', 'old', true)], n3: [pod('o3', 'old', true)] }).remove).toHaveLength(1);
    expect(plan(ds('100%'), three, { n1: [pod('o1', 'old', true)], n2: [pod('o2', 'old', true)], n3: [pod('o3', 'old', true)] }).remove).toEqual(['o1', 'o2', 'o3']);
    expect(plan(ds(1), three, { n1: [pod('n1', 'new', false)], n2: [pod('o2', 'old', true)], n3: [pod('o3', 'old', true)] })).toEqual({ remove: [], create: [] });
    // A node still without a pod counts as unavailable too.
    expect(plan(ds(1), three, { n2: [pod('o2', 'old', true)], n3: [pod('o3', 'old', true)] }).remove).toEqual([]);
    // An old pod that is not available anyway may always be replaced.
    expect(plan(ds(1), three, { n1: [pod('n1', 'new', false)], n2: [pod('o2', 'old', false)], n3: [pod('o3', 'old', true)] }).remove).toEqual(['o2']);
  });

  it('honours minReadySeconds: a pod ready for less time is not yet available', () => {
    const d = ds(1, 0, 300);
    expect(plan(d, three, { n1: [pod('n1', 'new', true, '2026-01-01T00:09:00Z')], n2: [pod('o2', 'old', true)], n3: [pod('o3', 'old', true)] }).remove).toEqual([]);
  });

  it('with surge starts new pods beside old ones up to maxSurge and deletes an old pod once its successor is available', () => {
    const d = ds(0, 1);
    expect(plan(d, three, { n1: [pod('o1', 'old', true)], n2: [pod('o2', 'old', true)], n3: [pod('o3', 'old', true)] }).create).toHaveLength(1);
    expect(plan(d, three, { n1: [pod('o1', 'old', true), pod('x1', 'new', false)], n2: [pod('o2', 'old', true)], n3: [pod('o3', 'old', true)] })).toEqual({ remove: [], create: [] });
    expect(plan(d, three, { n1: [pod('o1', 'old', true), pod('x1', 'new', true)], n2: [pod('o2', 'old', true)], n3: [pod('o3', 'old', true)] }).remove).toEqual(['o1']);
    // An unavailable old pod gets its successor at once, beyond the surge budget.
    expect(plan(d, three, { n1: [pod('o1', 'old', true), pod('x1', 'new', false)], n2: [pod('o2', 'old', false)], n3: [pod('o3', 'old', true)] }).create).toEqual(['n2']);
  });
});
