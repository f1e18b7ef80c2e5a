// NodeResourcesFit: the pod's requests must fit in the node's allocatable minus what its pods
// (assumed ones included) already request, and one more pod must fit under allocatable "pods";
// every short resource is a reason ("Insufficient cpu", "Too many pods"). Scoring is upstream's
// default LeastAllocated strategy over cpu and memory (weight 1 each), counting a container that
// requests nothing as 100m / 200Mi. Upstream: plugins/noderesources/{fit.go,least_allocated.go}.
import { MAX_NODE_SCORE, Status, type PluginFactory } from '../framework.ts';
import type { NodeInfo, PodInfo } from '../nodeinfo.ts';

export const NODE_RESOURCES_FIT = 'NodeResourcesFit';
export const ERR_REASON_TOO_MANY_PODS = 'Too many pods';

/** The reasons the pod does not fit (empty when it does). */
export function insufficientResources(pod: PodInfo, nodeInfo: NodeInfo): string[] {
  const out: string[] = [];
  const alloc = nodeInfo.allocatable;
  const used = nodeInfo.requested;
  if (nodeInfo.pods.length + 1 > alloc.allowedPodNumber) out.push(ERR_REASON_TOO_MANY_PODS);
  const r = pod.requests;
  if (r.milliCPU === 0 && r.memory === 0 && r.ephemeralStorage === 0 && !r.scalar?.size) return out;
  if (r.milliCPU > 0 && r.milliCPU > alloc.milliCPU - used.milliCPU) out.push('Insufficient cpu');
  if (r.memory > 0 && r.memory > alloc.memory - used.memory) out.push('Insufficient memory');
  if (r.ephemeralStorage > 0 && r.ephemeralStorage > alloc.ephemeralStorage - used.ephemeralStorage) out.push('Insufficient ephemeral-storage');
  for (const [name, q] of r.scalar ?? []) {
    if (q === 0) continue;
    if (q > (alloc.scalar?.get(name) ?? 0) - (used.scalar?.get(name) ?? 0)) out.push(`Insufficient ${name}`);
  }
  return out;
}

function fitsQuickly(pod: PodInfo, nodeInfo: NodeInfo): boolean {
  const alloc = nodeInfo.allocatable;
  const used = nodeInfo.requested;
  const r = pod.requests;
  return nodeInfo.pods.length + 1 <= alloc.allowedPodNumber
    && r.milliCPU <= alloc.milliCPU - used.milliCPU
    && r.memory <= alloc.memory - used.memory
    && r.ephemeralStorage <= alloc.ephemeralStorage - used.ephemeralStorage
    && !r.scalar?.size;
}

/** ((capacity − requested) × 100) / capacity, 0 when over capacity (integer arithmetic, as upstream). */
export function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.trunc(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

/** LeastAllocated over cpu and memory with equal weights; a resource the node has none of is left out. */
export function leastAllocatedScore(pod: PodInfo, nodeInfo: NodeInfo): number {
  let sum = 0;
  let weights = 0;
  const cpuAlloc = nodeInfo.allocatable.milliCPU;
  if (cpuAlloc !== 0) {
    sum += leastRequestedScore(nodeInfo.nonZeroRequested.milliCPU + pod.nonZeroCPU, cpuAlloc);
    weights++;
  }
  const memAlloc = nodeInfo.allocatable.memory;
  if (memAlloc !== 0) {
    sum += leastRequestedScore(nodeInfo.nonZeroRequested.memory + pod.nonZeroMemory, memAlloc);
    weights++;
  }
  return weights === 0 ? 0 : Math.trunc(sum / weights);
}

export const nodeResourcesFit: PluginFactory = () => ({
  name: NODE_RESOURCES_FIT,
  events: ['AssignedPod/Delete', 'AssignedPod/Update', 'Node/Add', 'Node/UpdateAllocatable', 'Node/UpdateTaint', 'Node/UpdateLabel'],
  filter(_state, pod, nodeInfo) {
    // The common case, checked without allocating: it fits.
    if (fitsQuickly(pod, nodeInfo)) return undefined;
    const reasons = insufficientResources(pod, nodeInfo);
    return reasons.length === 0 ? undefined : Status.unschedulable(...reasons);
  },
  score(_state, pod, nodeInfo) {
    return leastAllocatedScore(pod, nodeInfo);
  },
});
