// TaintToleration: a node's NoSchedule / NoExecute taints keep off pods that do not tolerate them;
// scoring prefers nodes with fewer untolerated PreferNoSchedule taints (upstream's
// plugins/tainttoleration). NotReady and unreachable nodes are kept off this way, through the
// node.kubernetes.io/not-ready and unreachable taints, not by reading node conditions.
import type { V1Toleration } from '@kubernetes/client-node';
import { defaultNormalizeScore, MAX_NODE_SCORE, Status, type PluginFactory } from '../framework.ts';
import { doNotScheduleTaint, findMatchingUntoleratedTaint, tolerationsTolerateTaint } from '../corev1.ts';

export const TAINT_TOLERATION = 'TaintToleration';
const PRE_SCORE_KEY = 'PreScore/TaintToleration';

export const taintToleration: PluginFactory = () => ({
  name: TAINT_TOLERATION,
  events: ['Node/Add', 'Node/UpdateTaint'],
  filter(_state, pod, nodeInfo) {
    const taint = findMatchingUntoleratedTaint(nodeInfo.node?.spec?.taints, pod.pod.spec?.tolerations, doNotScheduleTaint);
    if (!taint) return undefined;
    return Status.unresolvable(`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`);
  },
  preScore(state, pod) {
    // Only tolerations that can tolerate PreferNoSchedule (that effect, or any) count.
    const tolerations = (pod.pod.spec?.tolerations ?? []).filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
    state.write(PRE_SCORE_KEY, tolerations);
    return undefined;
  },
  score(state, _pod, nodeInfo) {
    const tolerations = state.read<V1Toleration[]>(PRE_SCORE_KEY) ?? [];
    let intolerable = 0;
    for (const taint of nodeInfo.node?.spec?.taints ?? []) {
      if (taint.effect === 'PreferNoSchedule' && !tolerationsTolerateTaint(tolerations, taint)) intolerable++;
    }
    return intolerable;
  },
  normalizeScore(_state, _pod, scores) {
    defaultNormalizeScore(MAX_NODE_SCORE, true, scores);
  },
});
