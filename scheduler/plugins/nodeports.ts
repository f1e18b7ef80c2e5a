// NodePorts: a pod's host ports must be free on the node; 0.0.0.0 conflicts with every address
// (upstream's plugins/nodeports).
import { Status, type PluginFactory } from '../framework.ts';

export const NODE_PORTS = 'NodePorts';
export const ERR_REASON_NODE_PORTS = "node(s) didn't have free ports for the requested pod ports";

export const nodePorts: PluginFactory = () => ({
  name: NODE_PORTS,
  events: ['Node/Add', 'AssignedPod/Delete'],
  preFilter(_state, pod) {
    return pod.hostPorts.length === 0 ? { status: Status.skip() } : undefined;
  },
  filter(_state, pod, nodeInfo) {
    if (nodeInfo.usedPorts.size === 0) return undefined;
    for (const p of pod.hostPorts) if (nodeInfo.usedPorts.conflicts(p)) return Status.unschedulable(ERR_REASON_NODE_PORTS);
    return undefined;
  },
});
