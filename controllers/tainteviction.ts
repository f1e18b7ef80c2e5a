// The taint-eviction controller (upstream pkg/controller/tainteviction): pods on a node with
// NoExecute taints they do not tolerate are deleted at once; pods that tolerate them only for
// tolerationSeconds are deleted when that time has run out, counted from when the taint was
// added. Removing the taint first cancels the eviction: the controller is level-triggered and
// just finds nothing to do.
import type { V1Pod, V1Taint } from '@kubernetes/client-node';
import { defineController, isNotFound, millisOf } from '../client/index.ts';
import { nodes, pods } from '../client/resources.ts';
import { toleratesTaint } from './lib/taints.ts';
import { BY_NODE_NAME, indexPodsByNode } from './nodelifecycle.ts';

export interface TaintEvictionOptions { now?: () => number }

/**
 * When the pod must go, in epoch ms: now for an untolerated taint, the end of the shortest
 * tolerationSeconds otherwise, never (undefined) when every taint is tolerated forever.
 */
export function evictionTime(pod: V1Pod, taints: V1Taint[], now: number): number | undefined {
  const noExecute = taints.filter((t) => t.effect === 'NoExecute');
  if (noExecute.length === 0) return undefined;
  let deadline: number | undefined;
  for (const taint of noExecute) {
    const used = (pod.spec?.tolerations ?? []).filter((t) => toleratesTaint(t, taint));
    if (used.length === 0) return now;
    // A taint tolerated forever by one toleration is tolerated forever.
    if (used.some((t) => t.tolerationSeconds === undefined || t.tolerationSeconds === null)) continue;
    const seconds = Math.max(0, Math.min(...used.map((t) => t.tolerationSeconds!)));
    const since = millisOf(taint.timeAdded) ?? now;
    const at = since + seconds * 1000;
    deadline = deadline === undefined ? at : Math.min(deadline, at);
  }
  return deadline;
}

export function taintEvictionController(opts: TaintEvictionOptions = {}) {
  const now = opts.now ?? Date.now;
  return defineController({
    name: 'taint-eviction-controller',
    primary: nodes,
    watches: [{
      resource: pods,
      keys: (p) => ((p as V1Pod).spec?.nodeName ? [(p as V1Pod).spec!.nodeName!] : []),
      indexers: { [BY_NODE_NAME]: (p) => indexPodsByNode(p as V1Pod) },
    }],
    workers: 4,
    async sync(name, { clients, lister, recorder, signal }) {
      const node = lister(nodes).get(name);
      if (!node) return;
      const taints = node.spec?.taints ?? [];
      if (!taints.some((t) => t.effect === 'NoExecute')) return;
      const t = now();
      let next: number | undefined;
      for (const pod of lister(pods).byIndex(BY_NODE_NAME, name)) {
        if (pod.metadata?.deletionTimestamp) continue;
        const at = evictionTime(pod, taints, t);
        if (at === undefined) continue;
        if (at > t) { next = next === undefined ? at : Math.min(next, at); continue; }
        const ns = pod.metadata!.namespace!;
        const podName = pod.metadata!.name!;
        recorder.event(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${ns}/${podName}`);
        try {
          await clients.rest.patch(pods, ns, podName, {
            status: { conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint', lastTransitionTime: new Date(t) }] },
          }, { type: 'strategic', subresource: 'status', signal });
          await clients.rest.delete(pods, ns, podName, { preconditions: { uid: pod.metadata!.uid } }, { signal });
        } catch (e) {
          if (!isNotFound(e) && (e as { code?: number }).code !== 409) throw e;
        }
      }
      return next === undefined ? undefined : { requeueAfterMs: Math.max(0, next - t) + 10 };
    },
  });
}
