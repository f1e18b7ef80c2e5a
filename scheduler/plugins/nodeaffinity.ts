// NodeAffinity: spec.nodeSelector and required node affinity must match the node's labels (and
// metadata.name for matchFields); preferred node affinity terms add their weights to the score
// (upstream's plugins/nodeaffinity). A required term pinning metadata.name narrows the nodes the
// filters look at, as DaemonSet pods do.
import { defaultNormalizeScore, MAX_NODE_SCORE, Status, type PluginFactory } from '../framework.ts';
import { PreferredSchedulingTerms, RequiredNodeAffinity } from '../corev1.ts';

export const NODE_AFFINITY = 'NodeAffinity';
export const ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector";
export const ERR_REASON_CONFLICT = 'pod affinity terms conflict';
const PRE_FILTER_KEY = 'PreFilter/NodeAffinity';
const PRE_SCORE_KEY = 'PreScore/NodeAffinity';

export const nodeAffinity: PluginFactory = () => ({
  name: NODE_AFFINITY,
  events: ['Node/Add', 'Node/UpdateLabel'],
  preFilter(state, pod) {
    const spec = pod.pod.spec;
    const required = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    if (!required && !spec?.nodeSelector) return { status: Status.skip() };
    state.write(PRE_FILTER_KEY, new RequiredNodeAffinity(pod.pod));
    const terms = required?.nodeSelectorTerms ?? [];
    if (terms.length === 0) return undefined;
    // Node names every term pins with matchFields metadata.name In (ANDed within a term, ORed across terms).
    let names: Set<string> | undefined;
    for (const t of terms) {
      let termNames: Set<string> | undefined;
      for (const r of t.matchFields ?? []) {
        if (r.key !== 'metadata.name' || r.operator !== 'In') continue;
        const s = new Set(r.values ?? []);
        termNames = termNames ? new Set([...termNames].filter((n) => s.has(n))) : s;
      }
      // A term without a name requirement lets every node through.
      if (!termNames) return undefined;
      names = new Set([...(names ?? []), ...termNames]);
    }
    if (names && names.size === 0) return { status: Status.unresolvable(ERR_REASON_CONFLICT) };
    return names ? { nodeNames: names } : undefined;
  },
  filter(state, _pod, nodeInfo) {
    const required = state.read<RequiredNodeAffinity>(PRE_FILTER_KEY);
    if (!required || !nodeInfo.node || required.matches(nodeInfo.node)) return undefined;
    return Status.unresolvable(ERR_REASON_POD);
  },
  preScore(state, pod) {
    const preferred = pod.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    if (preferred.length === 0) return Status.skip();
    try {
      state.write(PRE_SCORE_KEY, new PreferredSchedulingTerms(preferred));
    } catch (e) {
      return Status.error((e as Error).message);
    }
    return undefined;
  },
  score(state, _pod, nodeInfo) {
    const preferred = state.read<PreferredSchedulingTerms>(PRE_SCORE_KEY);
    return preferred && nodeInfo.node ? preferred.score(nodeInfo.node) : 0;
  },
  normalizeScore(_state, _pod, scores) {
    defaultNormalizeScore(MAX_NODE_SCORE, false, scores);
  },
});
