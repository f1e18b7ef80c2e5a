// SchedulingGates: a pod with spec.schedulingGates waits outside the active queue until every gate
// is removed (upstream's plugins/schedulinggates, a PreEnqueue plugin).
import { Status, type PluginFactory } from '../framework.ts';

export const SCHEDULING_GATES = 'SchedulingGates';

export const schedulingGates: PluginFactory = () => ({
  name: SCHEDULING_GATES,
  preEnqueue(pod) {
    const gates = pod.spec?.schedulingGates ?? [];
    if (gates.length === 0) return undefined;
    // Go prints a []string as [a b].
    return Status.unresolvable(`waiting for scheduling gates: [${gates.map((g) => g.name).join(' ')}]`);
  },
});
