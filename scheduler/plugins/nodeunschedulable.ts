// NodeUnschedulable: a cordoned node (spec.unschedulable, `kubectl cordon`) takes only pods that
// tolerate the node.kubernetes.io/unschedulable:NoSchedule taint (upstream's plugins/nodeunschedulable).
import { Status, type PluginFactory } from '../framework.ts';
import { tolerationsTolerateTaint } from '../corev1.ts';

export const NODE_UNSCHEDULABLE = 'NodeUnschedulable';
export const ERR_REASON_UNSCHEDULABLE = 'node(s) were unschedulable';
export const TAINT_NODE_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';

export const nodeUnschedulable: PluginFactory = () => ({
  name: NODE_UNSCHEDULABLE,
  events: ['Node/Add', 'Node/UpdateTaint'],
  filter(_state, pod, nodeInfo) {
    if (!nodeInfo.node?.spec?.unschedulable) return undefined;
    if (tolerationsTolerateTaint(pod.pod.spec?.tolerations, { key: TAINT_NODE_UNSCHEDULABLE, effect: 'NoSchedule' })) return undefined;
    return Status.unresolvable(ERR_REASON_UNSCHEDULABLE);
  },
});
