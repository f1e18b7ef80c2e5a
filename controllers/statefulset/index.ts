// The StatefulSet controller (upstream pkg/controller/statefulset): pods with stable names
// `<set>-<ordinal>`, each with its own claims from volumeClaimTemplates, created and removed in
// order (OrderedReady) or all at once (Parallel), rolled onto new templates from the highest
// ordinal down to the partition, with the templates' history kept as ControllerRevisions.
import type { KubernetesObject, V1Pod, V1StatefulSet } from '@kubernetes/client-node';
import { controllerRef, defineController, splitKey, type Controller, type Lister, type Resource } from '../../client/index.ts';
import { controllerRevisions, persistentVolumeClaims, pods, statefulSets } from '../../client/resources.ts';
import { selectorFromLabelSelector, type Selector } from '../../machinery/labels.ts';
import { claimObjects, recheckOwner } from '../lib/refmanager.ts';
import { controllerRefTo } from '../lib/podcontrol.ts';
import { ControllerHistory } from '../revisions.ts';
import { updateStatefulSet } from './control.ts';
import { StatefulPodControl } from './podcontrol.ts';
import { SET_API_VERSION, SET_KIND, isMemberOf, replicasOf } from './utils.ts';

export { updateStatefulSet } from './control.ts';

// ControllerRevision's required `revision` keeps its handle from widening to Resource on its own.
const revisionsResource = controllerRevisions as unknown as Resource;

/** The sets in the pod's namespace whose selector matches it (upstream getStatefulSetsForPod). */
function setsSelecting(obj: KubernetesObject, sets: Lister<V1StatefulSet>): string[] {
  const ns = obj.metadata?.namespace ?? '';
  return sets.list(ns).filter((s) => {
    try {
      return selectorFromLabelSelector(s.spec?.selector).matches(obj.metadata?.labels ?? {});
    } catch {
      return false;
    }
  }).map((s) => `${ns}/${s.metadata!.name}`);
}

export interface StatefulSetControllerOptions {
  workers?: number;
  /** The clock, for minReadySeconds (tests). */
  now?: () => number;
}

export function statefulSetController(opts: StatefulSetControllerOptions = {}): Controller {
  const now = opts.now ?? Date.now;
  return defineController({
    name: 'statefulset',
    primary: statefulSets,
    owns: [pods, revisionsResource],
    watches: [
      // An orphan that a set's selector matches may be adopted.
      { resource: pods, keys: (pod, lister) => (controllerRef(pod) ? [] : setsSelecting(pod, lister(statefulSets))) },
      { resource: revisionsResource, keys: (rev, lister) => (controllerRef(rev) ? [] : setsSelecting(rev, lister(statefulSets))) },
      // Claims owned by a set (a Delete retention policy) wake it; the informer also feeds the claim lister.
      {
        resource: persistentVolumeClaims,
        keys: (claim) => (claim.metadata?.ownerReferences ?? []).filter((r) => r.kind === SET_KIND && r.apiVersion === SET_API_VERSION).map((r) => `${claim.metadata?.namespace}/${r.name}`),
      },
    ],
    workers: opts.workers ?? 5,
    async sync(key, { clients, lister, recorder, signal, log }) {
      const set = lister(statefulSets).get(key);
      if (!set) return;
      const { namespace } = splitKey(key);
      const rest = clients.rest;
      let selector: Selector;
      try {
        selector = selectorFromLabelSelector(set.spec?.selector);
      } catch (e) {
        // Upstream reports a selector it cannot parse and gives up on the set: retrying cannot help.
        log(`${key}: invalid label selector: ${(e as Error).message}`);
        return undefined;
      }
      const ownerRef = controllerRefTo(set, SET_API_VERSION, SET_KIND);
      // One fresh read of the set decides every adoption of this pass (upstream RecheckDeletionTimestamp).
      let adoptable: Promise<boolean> | undefined;
      const recheck = recheckOwner(() => rest.get(statefulSets, namespace, set.metadata!.name!, { signal }), set.metadata?.uid);
      const canAdopt = () => (adoptable ??= recheck());
      const claim = <T extends KubernetesObject>(candidates: T[], resource: typeof pods | typeof controllerRevisions) =>
        claimObjects(candidates, { rest, resource: resource as never, owner: set, ownerRef, selector, canAdopt, signal }) as Promise<T[]>;

      const revisions = await claim(lister(controllerRevisions).list(namespace), controllerRevisions);
      // Upstream claims only pods named as members of the set.
      const members = await claim(lister(pods).list(namespace).filter((p: V1Pod) => isMemberOf(set, p)), pods);

      const podControl = new StatefulPodControl(rest, recorder, lister(persistentVolumeClaims), signal);
      const history = new ControllerHistory(rest, signal);
      const status = await updateStatefulSet(set, members, revisions, { rest, podControl, history, now, signal });
      // Pods become available minReadySeconds after they turn ready: look again then.
      const minReady = set.spec?.minReadySeconds ?? 0;
      if (minReady > 0 && status.availableReplicas !== replicasOf(set)) return { requeueAfterMs: minReady * 1000 };
      return undefined;
    },
  });
}
