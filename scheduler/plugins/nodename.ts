// NodeName: a pod that names its node (spec.nodeName) fits only there (upstream's plugins/nodename).
// Pods this scheduler picks have no nodeName yet, but preemption and other profiles reuse filters.
import { Status, type PluginFactory } from '../framework.ts';

export const NODE_NAME = 'NodeName';
export const ERR_REASON_NODE_NAME = "node(s) didn't match the requested node name";

export const nodeName: PluginFactory = () => ({
  name: NODE_NAME,
  events: ['Node/Add'],
  filter(_state, pod, nodeInfo) {
    const want = pod.pod.spec?.nodeName;
    if (!want || want === nodeInfo.name) return undefined;
    return Status.unresolvable(ERR_REASON_NODE_NAME);
  },
});
