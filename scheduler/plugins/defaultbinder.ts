// DefaultBinder: binds through the pods/binding subresource, a Binding naming the node, with the
// pod's UID as precondition (upstream's plugins/defaultbinder). The API server sets spec.nodeName
// and the PodScheduled=True condition.
import type { V1Pod } from '@kubernetes/client-node';
import { Status, type PluginFactory } from '../framework.ts';

export const DEFAULT_BINDER = 'DefaultBinder';

/** The Binding object POSTed to pods/<name>/binding. */
export function bindingFor(pod: V1Pod, nodeName: string): object {
  const m = pod.metadata ?? {};
  return {
    apiVersion: 'v1', kind: 'Binding',
    metadata: { name: m.name, namespace: m.namespace, ...(m.uid ? { uid: m.uid } : {}) },
    target: { kind: 'Node', name: nodeName },
  };
}

/** `post` sends the Binding; it rejects with the API error when the server refuses. */
export function defaultBinder(post: (pod: V1Pod, binding: object) => Promise<unknown>): PluginFactory {
  return () => ({
    name: DEFAULT_BINDER,
    async bind(_state, pod, nodeName) {
      try {
        await post(pod, bindingFor(pod, nodeName));
        return undefined;
      } catch (e) {
        return Status.error((e as Error)?.message ?? String(e));
      }
    },
  });
}
