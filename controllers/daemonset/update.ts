// The DaemonSet rolling update, as a plan (upstream pkg/controller/daemon/update.go rollingUpdate):
// given the nodes and the pods on each, which old pods to delete and which nodes get a new pod
// now. Pure: the controller carries the plan out with its expectations.
import type { V1DaemonSet, V1Node, V1Pod } from '@kubernetes/client-node';
import { isPodAvailable } from '../lib/pods.ts';
import { nodeShouldRunDaemonPod } from './predicates.ts';
import { isPodUpdated, surgeCount, templateGeneration, unavailableCount } from './util.ts';

/** Upstream findUpdatedPodsOnNode: at most one new and one old live pod on the node, or not ok. */
export function updatedPodsOnNode(ds: V1DaemonSet, list: V1Pod[], hash: string): { newPod?: V1Pod; oldPod?: V1Pod; ok: boolean } {
  let newPod: V1Pod | undefined;
  let oldPod: V1Pod | undefined;
  const gen = templateGeneration(ds);
  for (const pod of list) {
    if (pod.metadata?.deletionTimestamp) continue;
    if (isPodUpdated(pod, hash, gen)) {
      if (newPod) return { ok: false };
      newPod = pod;
    } else {
      if (oldPod) return { ok: false };
      oldPod = pod;
    }
  }
  return { newPod, oldPod, ok: true };
}

export interface RollingUpdatePlan { remove: V1Pod[]; create: string[] }

/**
 * Without surge: delete old pods while fewer than maxUnavailable nodes lack an available pod
 * (the manage pass then creates their successors); an old pod that is not available anyway may
 * always go. With surge: start a new pod beside an old available one (at most maxSurge at a
 * time), delete each old one once its successor is available. Deleted pods do not count as
 * unavailable, so an update progresses past nodes that are down.
 */
export function rollingUpdatePlan(ds: V1DaemonSet, nodeList: V1Node[], podsByNode: Map<string, V1Pod[]>, hash: string, now: number): RollingUpdatePlan {
  const nodePods = new Map(podsByNode);
  const nodesByName = new Map(nodeList.map((n) => [n.metadata!.name!, n]));
  const minReady = ds.spec?.minReadySeconds ?? 0;
  let desired = 0;
  for (const node of nodeList) {
    if (!nodeShouldRunDaemonPod(node, ds).shouldRun) continue;
    desired++;
    if (!nodePods.has(node.metadata!.name!)) nodePods.set(node.metadata!.name!, []);
  }
  let maxUnavailable = unavailableCount(ds, desired);
  const maxSurge = surgeCount(ds, desired);
  // Neither budget (an impossible configuration): upstream falls back to one unavailable.
  if (desired > 0 && maxUnavailable === 0 && maxSurge === 0) maxUnavailable = 1;
  const available = (p: V1Pod) => isPodAvailable(p, minReady, now);

  if (maxSurge === 0) {
    let numUnavailable = 0;
    const allowed: V1Pod[] = [];
    const candidates: V1Pod[] = [];
    for (const list of nodePods.values()) {
      const { newPod, oldPod, ok } = updatedPodsOnNode(ds, list, hash);
      // Excess pods, no pod, or an old and a new one: the manage pass sorts these out; count them unavailable.
      if (!ok || (!oldPod && !newPod) || (oldPod && newPod)) { numUnavailable++; continue; }
      if (newPod) { if (!available(newPod)) numUnavailable++; continue; }
      if (!available(oldPod!)) { allowed.push(oldPod!); numUnavailable++; continue; }
      if (numUnavailable >= maxUnavailable) continue;
      candidates.push(oldPod!);
    }
    const remaining = Math.min(Math.max(0, maxUnavailable - numUnavailable), candidates.length);
    return { remove: [...allowed, ...candidates.slice(0, remaining)], create: [] };
  }

  const remove: V1Pod[] = [];
  const shouldNotRun: V1Pod[] = [];
  const candidateNodes: string[] = [];
  const allowedNodes: string[] = [];
  let numSurge = 0;
  let numAvailable = 0;
  for (const [nodeName, list] of nodePods) {
    const { newPod, oldPod, ok } = updatedPodsOnNode(ds, list, hash);
    if (!ok) { numSurge++; continue; }
    if (oldPod ? available(oldPod) : newPod && available(newPod)) numAvailable++;
    if (!oldPod) continue;
    if (newPod) {
      // Already surged here: the old pod goes once the new one is available.
      if (!available(newPod)) numSurge++;
      else remove.push(oldPod);
      continue;
    }
    const node = nodesByName.get(nodeName);
    const shouldRun = !!node && nodeShouldRunDaemonPod(node, ds).shouldRun;
    if (!available(oldPod)) {
      if (shouldRun) allowedNodes.push(nodeName);
      else remove.push(oldPod);
      continue;
    }
    if (!shouldRun) { shouldNotRun.push(oldPod); continue; }
    if (numSurge >= maxSurge) continue;
    candidateNodes.push(nodeName);
  }
  // With surge the owner expects full availability: a pod on a node that no longer qualifies
  // goes only once as many pods are available as are desired.
  const deletable = Math.min(Math.max(0, numAvailable - desired), shouldNotRun.length);
  remove.push(...shouldNotRun.slice(0, deletable));
  const remainingSurge = Math.min(Math.max(0, maxSurge - numSurge), candidateNodes.length);
  return { remove, create: [...allowedNodes, ...candidateNodes.slice(0, remainingSurge)] };
}
