// NodeResourcesBalancedAllocation: prefers nodes where cpu and memory would be used in equal
// shares after placing the pod: score = (1 − std of the two fractions) × 100, each fraction
// capped at 1 (upstream's plugins/noderesources/balanced_allocation.go; it counts actual requests,
// not the non-zero defaults).
import { MAX_NODE_SCORE, type PluginFactory } from '../framework.ts';
import type { NodeInfo, PodInfo } from '../nodeinfo.ts';

export const BALANCED_ALLOCATION = 'NodeResourcesBalancedAllocation';

/** The standard deviation of the used fractions; with two resources that is |f1 − f2| / 2. */
export function balancedResourceScore(requested: number[], allocatable: number[]): number {
  const fractions: number[] = [];
  let total = 0;
  for (let i = 0; i < requested.length; i++) {
    if (allocatable[i] === 0) continue;
    const f = Math.min(1, requested[i]! / allocatable[i]!);
    total += f;
    fractions.push(f);
  }
  let std = 0;
  if (fractions.length === 2) {
    std = Math.abs((fractions[0]! - fractions[1]!) / 2);
  } else if (fractions.length > 2) {
    const mean = total / fractions.length;
    std = Math.sqrt(fractions.reduce((s, f) => s + (f - mean) ** 2, 0) / fractions.length);
  }
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
}

export function balancedAllocationScore(pod: PodInfo, nodeInfo: NodeInfo): number {
  const alloc = nodeInfo.allocatable;
  const used = nodeInfo.requested;
  return balancedResourceScore(
    [used.milliCPU + pod.requests.milliCPU, used.memory + pod.requests.memory],
    [alloc.milliCPU, alloc.memory],
  );
}

export const balancedAllocation: PluginFactory = () => ({
  name: BALANCED_ALLOCATION,
  score(_state, pod, nodeInfo) {
    return balancedAllocationScore(pod, nodeInfo);
  },
});
