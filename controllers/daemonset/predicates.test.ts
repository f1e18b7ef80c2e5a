import { describe, expect, it } from 'vitest';
import type { V1DaemonSet, V1Node, V1PodSpec, V1Taint } from '@kubernetes/client-node';
import { nodeShouldRunDaemonPod, withDaemonTolerations } from './predicates.ts';
import { daemonPodTemplate, isPodUpdated, pinToNode, scaledValue, surgeCount, targetNodeName, unavailableCount } from './util.ts';

const node = (name: string, labels: Record<string, string> = {}, taints: V1Taint[] = []): V1Node => ({ metadata: { name, labels }, spec: { taints } });
const ds = (spec: Partial<V1PodSpec> = {}, extra: Partial<V1DaemonSet['spec']> = {}): V1DaemonSet => ({
  metadata: { name: 'd', namespace: 'ns', annotations: { 'deprecated.daemonset.template.generation': '4' } },
  spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c' }], ...spec } }, ...extra },
});
const run = (n: V1Node, d: V1DaemonSet) => nodeShouldRunDaemonPod(n, d);

describe('which nodes a DaemonSet runs on', () => {
  it('honours the template\'s nodeName and nodeSelector', () => {
    expect(run(node('n1'), ds({ nodeName: 'n2' }))).toEqual({ shouldRun: false, shouldContinueRunning: false });
    expect(run(node('n2'), ds({ nodeName: 'n2' }))).toEqual({ shouldRun: true, shouldContinueRunning: true });
    expect(run(node('n1', { disk: 'ssd' }), ds({ nodeSelector: { disk: 'ssd' } })).shouldRun).toBe(true);
    expect(run(node('n1', { disk: 'hdd' }), ds({ nodeSelector: { disk: 'ssd' } }))).toEqual({ shouldRun: false, shouldContinueRunning: false });
  });

  it('honours required node affinity: terms are ORed, requirements ANDed, matchFields on the node name, an empty term matches nothing', () => {
    const affinity = (terms: object[]) => ds({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } } } as Partial<V1PodSpec>);
    const zoneA = affinity([{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }, { key: 'gpu', operator: 'DoesNotExist' }] }, { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['special'] }] }]);
    expect(run(node('n1', { zone: 'a' }), zoneA).shouldRun).toBe(true);
    expect(run(node('n1', { zone: 'a', gpu: '1' }), zoneA).shouldRun).toBe(false);
    expect(run(node('special', { zone: 'b' }), zoneA).shouldRun).toBe(true);
    expect(run(node('n1', { zone: 'b' }), zoneA).shouldRun).toBe(false);
    const big = affinity([{ matchExpressions: [{ key: 'cpus', operator: 'Gt', values: ['8'] }, { key: 'tier', operator: 'NotIn', values: ['edge'] }] }]);
    expect(run(node('n1', { cpus: '16' }), big).shouldRun).toBe(true);
    expect(run(node('n1', { cpus: '4' }), big).shouldRun).toBe(false);
    expect(run(node('n1', { cpus: 'many' }), big).shouldRun).toBe(false);
    expect(run(node('n1', { cpus: '16', tier: 'edge' }), big).shouldRun).toBe(false);
    expect(run(node('n1', { x: 'y' }), affinity([{}])).shouldRun).toBe(false);
  });

  it('keeps off untolerated NoSchedule taints but stays on them, and leaves untolerated NoExecute taints', () => {
    const noSchedule = node('n1', {}, [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }]);
    expect(run(noSchedule, ds())).toEqual({ shouldRun: false, shouldContinueRunning: true });
    expect(run(noSchedule, ds({ tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }] })).shouldRun).toBe(true);
    expect(run(noSchedule, ds({ tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'web', effect: 'NoSchedule' }] })).shouldRun).toBe(false);
    const noExecute = node('n1', {}, [{ key: 'dedicated', value: 'db', effect: 'NoExecute' }]);
    expect(run(noExecute, ds())).toEqual({ shouldRun: false, shouldContinueRunning: false });
    expect(run(node('n1', {}, [{ key: 'x', effect: 'PreferNoSchedule' }]), ds()).shouldRun).toBe(true);
  });

  it('tolerates the node-condition taints every daemon pod tolerates; network-unavailable only with hostNetwork', () => {
    for (const key of ['node.kubernetes.io/unschedulable', 'node.kubernetes.io/disk-pressure', 'node.kubernetes.io/memory-pressure', 'node.kubernetes.io/pid-pressure']) {
      expect(run(node('n1', {}, [{ key, effect: 'NoSchedule' }]), ds()).shouldRun).toBe(true);
    }
    for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
      expect(run(node('n1', {}, [{ key, effect: 'NoExecute' }]), ds()).shouldRun).toBe(true);
    }
    const netDown = node('n1', {}, [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }]);
    expect(run(netDown, ds()).shouldRun).toBe(false);
    expect(run(netDown, ds({ hostNetwork: true })).shouldRun).toBe(true);
  });

  it('adds the daemon tolerations once, replacing an identical one the template already has', () => {
    const tolerations = withDaemonTolerations({ containers: [], tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }, { key: 'mine', operator: 'Exists' }] });
    expect(tolerations.filter((t) => t.key === 'node.kubernetes.io/not-ready')).toEqual([{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' }]);
    expect(tolerations).toHaveLength(7);
    expect(tolerations[1]).toEqual({ key: 'mine', operator: 'Exists' });
  });
});

describe('daemon pods', () => {
  it('come from the template with the tolerations, the template generation and the revision hash', () => {
    const t = daemonPodTemplate(ds(), 'h4sh');
    expect(t.metadata?.labels).toEqual({ a: 'b', 'pod-template-generation': '4', 'controller-revision-hash': 'h4sh' });
    expect(t.spec?.tolerations).toHaveLength(6);
  });

  it('are pinned to their node by a matchFields node affinity that replaces required terms and keeps the rest', () => {
    const a = pinToNode({
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] },
        preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [{ key: 'x', operator: 'Exists' }] } }],
      },
      podAntiAffinity: {},
    }, 'n7');
    expect(a.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution).toEqual({ nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n7'] }] }] });
    expect(a.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution).toHaveLength(1);
    expect(a.podAntiAffinity).toEqual({});
    expect(targetNodeName({ spec: { containers: [], affinity: a } })).toBe('n7');
    expect(targetNodeName({ spec: { containers: [], affinity: a, nodeName: 'bound' } })).toBe('bound');
    expect(targetNodeName({ spec: { containers: [] } })).toBeUndefined();
  });

  it('are up to date when they carry the current hash or template generation', () => {
    expect(isPodUpdated({ metadata: { labels: { 'controller-revision-hash': 'h' } } }, 'h', undefined)).toBe(true);
    expect(isPodUpdated({ metadata: { labels: { 'pod-template-generation': '4' } } }, 'h', '4')).toBe(true);
    expect(isPodUpdated({ metadata: { labels: { 'controller-revision-hash': 'old', 'pod-template-generation': '3' } } }, 'h', '4')).toBe(false);
  });

  it('scale maxSurge and maxUnavailable percentages up against the desired count', () => {
    expect(scaledValue('10%', 15, true)).toBe(2);
    expect(scaledValue('10%', 15, false)).toBe(1);
    expect(scaledValue(3, 15, true)).toBe(3);
    const rolling = ds({}, { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: 0 } } });
    expect(unavailableCount(rolling, 10)).toBe(3);
    expect(surgeCount(rolling, 10)).toBe(0);
    expect(unavailableCount(ds({}, { updateStrategy: { type: 'OnDelete' } }), 10)).toBe(0);
  });
});
