import { describe, expect, it } from 'vitest';
import type { V1Container, V1Node, V1Pod } from '@kubernetes/client-node';
import { admitPod, matchesNodeSelector, podRequests } from './admission.ts';

const node: V1Node = {
  metadata: { name: 'n1', labels: { 'kubernetes.io/hostname': 'n1', zone: 'a', gen: '5' } },
  status: { allocatable: { cpu: '4', memory: '8Gi', pods: '3', 'ephemeral-storage': '100Gi' } },
};

function pod(o: { cpu?: string; memory?: string; hostPort?: number; init?: V1Container[]; nodeSelector?: Record<string, string> } = {}): V1Pod {
  const requests: Record<string, string> = {};
  if (o.cpu) requests.cpu = o.cpu;
  if (o.memory) requests.memory = o.memory;
  return {
    metadata: { name: 'p', uid: Math.random().toString(36) },
    spec: {
      containers: [{ name: 'c', image: 'busybox', resources: { requests }, ...(o.hostPort ? { ports: [{ containerPort: 80, hostPort: o.hostPort }] } : {}) }],
      ...(o.init ? { initContainers: o.init } : {}),
      ...(o.nodeSelector ? { nodeSelector: o.nodeSelector } : {}),
    },
  };
}

describe('kubelet admission', () => {
  it('admits a pod that fits', () => {
    expect(admitPod(pod({ cpu: '1', memory: '1Gi' }), [pod({ cpu: '2' })], node)).toBeUndefined();
  });

  it('rejects a pod beyond the pod count as OutOfpods', () => {
    expect(admitPod(pod(), [pod(), pod(), pod()], node)).toEqual({
      reason: 'OutOfpods', message: "Node didn't have enough resource: pods, requested: 1, used: 3, capacity: 3",
    });
  });

  it('rejects a pod whose requests exceed what is left, in millicores and bytes', () => {
    expect(admitPod(pod({ cpu: '1500m' }), [pod({ cpu: '3' })], node)).toEqual({
      reason: 'OutOfcpu', message: "Node didn't have enough resource: cpu, requested: 1500, used: 3000, capacity: 4000",
    });
    expect(admitPod(pod({ memory: '9Gi' }), [], node)?.reason).toBe('OutOfmemory');
  });

  it('rejects a node selector or required affinity that does not match', () => {
    expect(admitPod(pod({ nodeSelector: { zone: 'b' } }), [], node)).toEqual({
      reason: 'NodeAffinity', message: "Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector",
    });
    const p = pod();
    p.spec!.affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [
      { matchExpressions: [{ key: 'zone', operator: 'In', values: ['x'] }] },
      { matchExpressions: [{ key: 'gen', operator: 'Gt', values: ['4'] }, { key: 'gpu', operator: 'DoesNotExist' }] },
    ] } } };
    expect(matchesNodeSelector(p, node)).toBe(true);
    p.spec!.affinity.nodeAffinity!.requiredDuringSchedulingIgnoredDuringExecution!.nodeSelectorTerms = [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n2'] }] }];
    expect(matchesNodeSelector(p, node)).toBe(false);
  });

  it('rejects a host port already taken', () => {
    expect(admitPod(pod({ hostPort: 8080 }), [pod({ hostPort: 8080 })], node)?.reason).toBe('NodePorts');
    expect(admitPod(pod({ hostPort: 8080 }), [pod({ hostPort: 8081 })], node)).toBeUndefined();
  });

  it('counts the larger of the app containers and any one init container', () => {
    const p = pod({ cpu: '500m', init: [{ name: 'i', image: 'busybox', resources: { requests: { cpu: '2' } } }] });
    expect(podRequests(p).cpu).toBe(2000);
    const limitsOnly = pod();
    limitsOnly.spec!.containers[0]!.resources = { limits: { memory: '1Gi' } };
    expect(podRequests(limitsOnly).memory).toBe(1024 ** 3);
  });
});
