// The spreading PodTopologySpread applies to a pod that sets no constraints of its own (upstream's
// system defaulting, the default scheduler's): replicas of one workload are spread over nodes
// (maxSkew 3) and zones (maxSkew 5) as a preference, never a requirement. "One workload" is the
// pods the Services selecting this pod select, narrowed to those of its controller
// (ReplicationController, ReplicaSet or StatefulSet): upstream's helper.DefaultSelector
// (pkg/scheduler/framework/plugins/helper/spread.go) and the system defaults of
// pkg/scheduler/apis/config/v1 (getDefaultTopologySpreadConstraints).
import type { V1Pod, V1ReplicaSet, V1ReplicationController, V1Service, V1StatefulSet } from '@kubernetes/client-node';
import { selectorFromLabelSelector, selectorFromRequirements, selectorFromSet, type LabelSelector, type Selector } from '../machinery/labels.ts';

/** Lookups the defaulting reads: by "namespace/name", and every object. */
interface Lister<T> {
  get(key: string): T | undefined;
  list(): T[];
}

export interface SpreadingListers {
  services: Lister<V1Service>;
  replicationControllers: Lister<V1ReplicationController>;
  replicaSets: Lister<V1ReplicaSet>;
  statefulSets: Lister<V1StatefulSet>;
}

/** The system default constraints, all ScheduleAnyway. */
export const SYSTEM_DEFAULT_CONSTRAINTS: ReadonlyArray<{ maxSkew: number; topologyKey: string }> = [
  { maxSkew: 3, topologyKey: 'kubernetes.io/hostname' },
  { maxSkew: 5, topologyKey: 'topology.kubernetes.io/zone' },
];

/**
 * The selector of the pod's workload: the union of the selectors of the Services in its namespace
 * that select it, and its controller's selector. Empty (no workload) when neither applies.
 */
export function defaultSelector(pod: V1Pod, l: SpreadingListers): Selector {
  const ns = pod.metadata?.namespace ?? '';
  const podLabels = pod.metadata?.labels ?? {};
  // Services, RCs, ReplicaSets and StatefulSets that all match the pod cannot disagree on a
  // label's value, so merging their sets loses nothing.
  let set: Record<string, string> = {};
  for (const svc of l.services.list()) {
    const sel = svc.spec?.selector;
    if (svc.metadata?.namespace !== ns || !sel || Object.keys(sel).length === 0) continue;
    if (selectorFromSet(sel).matches(podLabels)) set = { ...set, ...sel };
  }
  let selector = selectorFromSet(set);
  const owner = pod.metadata?.ownerReferences?.find((r) => r.controller);
  if (!owner) return selector;
  const key = `${ns}/${owner.name}`;
  if (owner.apiVersion === 'v1' && owner.kind === 'ReplicationController') {
    const rc = l.replicationControllers.get(key);
    if (rc) selector = selectorFromSet({ ...set, ...rc.spec?.selector });
  } else if (owner.apiVersion === 'apps/v1' && (owner.kind === 'ReplicaSet' || owner.kind === 'StatefulSet')) {
    const controller = owner.kind === 'ReplicaSet' ? l.replicaSets.get(key) : l.statefulSets.get(key);
    if (controller?.spec?.selector) {
      try {
        const own = selectorFromLabelSelector(controller.spec.selector as LabelSelector);
        selector = selectorFromRequirements([...selector.requirements, ...own.requirements]);
      } catch {
        // A selector that does not parse adds nothing, as upstream ignores the error.
      }
    }
  }
  return selector;
}
