import { describe, expect, it } from 'vitest';
import { cacheWith, fakeVolumeBinding, frameworkWith } from '../testing.ts';
import { defaultProfile } from './index.ts';

const NONE = { get: () => undefined, list: () => [] };

const options = () => ({
  bind: async () => ({}),
  preemption: { preemptPod: async () => {}, clearNominatedNodeName: async () => {} },
  volumeBinding: fakeVolumeBinding(),
  spreading: { services: NONE, replicationControllers: NONE, replicaSets: NONE, statefulSets: NONE },
});

describe('default profile', () => {
  const fwk = frameworkWith(cacheWith([]), defaultProfile(options()));

  it("has upstream's default plugins in upstream's order (filters report the first rejection)", () => {
    expect(fwk.plugins.map((p) => p.name)).toEqual([
      'SchedulingGates', 'NodeUnschedulable', 'NodeName', 'TaintToleration', 'NodeAffinity', 'NodePorts', 'NodeResourcesFit',
      'VolumeBinding', 'PodTopologySpread', 'InterPodAffinity', 'DefaultPreemption', 'NodeResourcesBalancedAllocation', 'ImageLocality', 'DefaultBinder',
    ]);
  });

  it("weights scores as upstream's default profile", () => {
    const weights = Object.fromEntries(defaultProfile(options())
      .map((p, i) => [fwk.plugins[i]!.name, p.weight ?? 1])
      .filter(([name]) => fwk.plugins.find((p) => p.name === name)?.score));
    expect(weights).toEqual({ TaintToleration: 3, NodeAffinity: 2, NodeResourcesFit: 1, PodTopologySpread: 2, InterPodAffinity: 2, NodeResourcesBalancedAllocation: 1, ImageLocality: 1 });
  });
});
