// The DaemonSet controller (upstream pkg/controller/daemon): one pod per node that the
// template's node name, node selector, required node affinity and tolerations admit — created
// unbound, pinned to its node by a `metadata.name In [node]` node affinity for the scheduler to
// bind — removed from nodes that stop qualifying, replaced when it fails, and rolled onto a new
// template within maxUnavailable / maxSurge. The status counts nodes: desired, scheduled,
// misscheduled, ready, updated, available, unavailable.
import type { KubernetesObject, V1ControllerRevision, V1DaemonSet, V1Node, V1Pod } from '@kubernetes/client-node';
import {
  controllerRef, defineController, isConflict, type Controller, type EventRecorder, type Lister, type Resource, type RestClient,
} from '../../client/index.ts';
import { controllerRevisions, daemonSets, nodes, pods } from '../../client/resources.ts';
import { selectorFromLabelSelector, type Selector } from '../../machinery/labels.ts';
import { ControllerExpectations } from '../lib/expectations.ts';
import { controllerRefTo, isNamespaceTerminating, PodControl, podFromTemplate, slowStartBatch } from '../lib/podcontrol.ts';
import { isPodAvailable, isPodReady, isPodTerminal } from '../lib/pods.ts';
import { claimObjects, recheckOwner } from '../lib/refmanager.ts';
import { CONTROLLER_REVISION_HASH_LABEL } from '../revisions.ts';
import { DS_API_VERSION, DS_KIND, cleanupHistory, constructHistory } from './history.ts';
import { nodeShouldRunDaemonPod } from './predicates.ts';
import { rollingUpdatePlan } from './update.ts';
import { allowsSurge, compareByCreation, daemonPodTemplate, isPodUpdated, pinToNode, targetNodeName, templateGeneration } from './util.ts';

export { nodeShouldRunDaemonPod } from './predicates.ts';

/** Upstream BurstReplicas: at most this many creations (and deletions) per pass. */
export const BURST_REPLICAS = 250;

// ControllerRevision's required `revision` keeps its handle from widening to Resource on its own.
const revisionsResource = controllerRevisions as unknown as Resource;

/** Upstream's failedPodsBackoff (flowcontrol.Backoff, 1 s doubling to 15 min) for deleting failed pods. */
export class FailedPodBackoff {
  private readonly entries = new Map<string, { delayMs: number; lastMs: number }>();
  constructor(private readonly initialMs = 1_000, private readonly maxMs = 15 * 60_000) {}

  inBackoff(key: string, now: number): boolean {
    const e = this.entries.get(key);
    return !!e && now - e.lastMs < e.delayMs;
  }

  delayMs(key: string): number {
    return this.entries.get(key)?.delayMs ?? 0;
  }

  next(key: string, now: number): void {
    const e = this.entries.get(key);
    const fresh = !e || now - e.lastMs > 2 * this.maxMs;
    this.entries.set(key, { delayMs: fresh ? this.initialMs : Math.min(e.delayMs * 2, this.maxMs), lastMs: now });
    // Upstream garbage-collects entries idle for twice the cap.
    for (const [k, v] of this.entries) if (now - v.lastMs > 2 * this.maxMs) this.entries.delete(k);
  }
}

/** The daemon sets in the object's namespace whose selector matches it (upstream getDaemonSetsForPod). */
function selecting(obj: KubernetesObject, sets: Lister<V1DaemonSet>): string[] {
  const ns = obj.metadata?.namespace ?? '';
  return sets.list(ns).filter((ds) => {
    try {
      return selectorFromLabelSelector(ds.spec?.selector).matches(obj.metadata?.labels ?? {});
    } catch {
      return false;
    }
  }).map((ds) => `${ns}/${ds.metadata!.name}`);
}

const dsKey = (ds: V1DaemonSet) => `${ds.metadata!.namespace}/${ds.metadata!.name}`;

export interface DaemonSetControllerOptions {
  workers?: number;
  now?: () => number;
}

interface PassEnv {
  rest: RestClient;
  recorder: EventRecorder;
  podControl: PodControl;
  nodes: Lister<V1Node>;
  signal: AbortSignal;
  now: number;
  /** The shortest wait anything in this pass asked for before the next one. */
  requeueAfterMs?: number;
}

export function daemonSetController(opts: DaemonSetControllerOptions = {}): Controller {
  const clock = opts.now ?? Date.now;
  // Upstream keeps one expectation record with both counts; two records (creations, deletions) say the same.
  const creations = new ControllerExpectations(clock);
  const deletions = new ControllerExpectations(clock);
  const satisfied = (key: string) => creations.satisfied(key) && deletions.satisfied(key);
  const failedBackoff = new FailedPodBackoff();
  const seenNodes = new Map<string, V1Node>();

  const requeueAfter = (env: PassEnv, ms: number) => { env.requeueAfterMs = Math.min(env.requeueAfterMs ?? ms, ms); };

  /**
   * The DaemonSet's pods keyed by the node each is meant for (upstream getNodesToDaemonPods),
   * leaving out terminal pods already being deleted: nothing more is to be done with them.
   * (History cleanup looks at every pod.)
   */
  const byNode = (claimed: V1Pod[]): Map<string, V1Pod[]> => {
    const out = new Map<string, V1Pod[]>();
    for (const pod of claimed) {
      if (isPodTerminal(pod) && pod.metadata?.deletionTimestamp) continue;
      const node = targetNodeName(pod);
      if (node === undefined) continue;
      out.set(node, [...(out.get(node) ?? []), pod]);
    }
    return out;
  };

  /** Upstream podsShouldBeOnNode: what to create and delete on one node. */
  const podsShouldBeOnNode = (ds: V1DaemonSet, node: V1Node, nodePods: Map<string, V1Pod[]>, hash: string, env: PassEnv): { create: boolean; remove: V1Pod[] } => {
    const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds);
    const name = node.metadata!.name!;
    const daemonPods = nodePods.get(name);
    const remove: V1Pod[] = [];
    if (shouldRun && !daemonPods) return { create: true, remove };
    if (!shouldContinueRunning) {
      for (const pod of daemonPods ?? []) if (!pod.metadata?.deletionTimestamp) remove.push(pod);
      return { create: false, remove };
    }
    const running: V1Pod[] = [];
    for (const pod of daemonPods ?? []) {
      if (pod.metadata?.deletionTimestamp) continue;
      const where = `${pod.metadata?.namespace}/${pod.metadata?.name} on node ${name}`;
      if (pod.status?.phase === 'Failed') {
        // The kubelet may keep rejecting it: delete with back-off, not in a hot loop.
        const key = `${ds.metadata?.uid}/${ds.status?.observedGeneration ?? 0}/${name}`;
        if (failedBackoff.inBackoff(key, env.now)) {
          requeueAfter(env, failedBackoff.delayMs(key));
          continue;
        }
        failedBackoff.next(key, env.now);
        env.recorder.event(ds, 'Warning', 'FailedDaemonPod', `Found failed daemon pod ${where}, will try to kill it`);
        remove.push(pod);
      } else if (pod.status?.phase === 'Succeeded') {
        env.recorder.event(ds, 'Normal', 'SucceededDaemonPod', `Found succeeded daemon pod ${where}, will try to delete it`);
        remove.push(pod);
      } else {
        running.push(pod);
      }
    }
    running.sort(compareByCreation);
    if (!allowsSurge(ds)) {
      // One pod per node: the oldest stays.
      remove.push(...running.slice(1));
      return { create: false, remove };
    }
    if (running.length <= 1) return { create: running.length === 0 && shouldRun, remove };
    // Surging: an old and a new pod may coexist while the new one is not yet available.
    let oldestNew: V1Pod | undefined;
    let oldestOld: V1Pod | undefined;
    for (const pod of running) {
      const isNew = pod.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash;
      if (isNew && !oldestNew) oldestNew = pod;
      else if (!isNew && !oldestOld) oldestOld = pod;
      else remove.push(pod);
    }
    if (oldestNew && oldestOld && (!isPodReady(oldestOld) || isPodAvailable(oldestNew, ds.spec?.minReadySeconds ?? 0, env.now))) remove.push(oldestOld);
    return { create: false, remove };
  };

  /** Upstream syncNodes: deletions and creations, with expectations set first. */
  const syncNodes = async (ds: V1DaemonSet, remove: V1Pod[], needs: string[], hash: string, env: PassEnv): Promise<void> => {
    const key = dsKey(ds);
    const toCreate = needs.slice(0, BURST_REPLICAS);
    const toDelete = remove.slice(0, BURST_REPLICAS);
    creations.expectCreations(key, toCreate.length);
    deletions.expectDeletions(key, toDelete.map((p) => p.metadata!.uid!));
    const errors: unknown[] = [];
    const template = daemonPodTemplate(ds, hash);
    const ref = controllerRefTo(ds, DS_API_VERSION, DS_KIND);
    let next = 0;
    const created = await slowStartBatch(toCreate.length, 1, async () => {
      const node = toCreate[next++]!;
      const pod = podFromTemplate(template, ds.metadata!.name!, ref);
      pod.spec!.affinity = pinToNode(pod.spec!.affinity, node);
      try {
        await env.podControl.create(ds.metadata!.namespace!, pod, ds, env.signal);
      } catch (e) {
        // All later creations would fail the same way in a namespace being torn down.
        if (isNamespaceTerminating(e)) return;
        throw e;
      }
    });
    // Creations that failed or were never tried will not be seen.
    for (let i = created.succeeded; i < toCreate.length; i++) creations.creationObserved(key);
    if (created.error !== undefined) errors.push(created.error);
    const results = await Promise.allSettled(toDelete.map((p) => env.podControl.delete(ds.metadata!.namespace!, p.metadata!.name!, ds, env.signal)));
    results.forEach((r, i) => {
      // A deletion that failed, or found the pod already gone, may never be seen by the informer.
      if (r.status === 'fulfilled' && r.value) return;
      deletions.deletionObserved(key, toDelete[i]!.metadata!.uid!);
      if (r.status === 'rejected') errors.push(r.reason);
    });
    if (errors.length > 0) throw errors.length === 1 ? errors[0] : new Error(errors.map((e) => (e as Error).message).join('; '));
  };

  /** Upstream manage: each node gets its pod; nodes that should not run one lose theirs. */
  const manage = async (ds: V1DaemonSet, nodeList: V1Node[], claimed: V1Pod[], hash: string, env: PassEnv): Promise<void> => {
    const nodePods = byNode(claimed);
    const needs: string[] = [];
    const remove: V1Pod[] = [];
    for (const node of nodeList) {
      const r = podsShouldBeOnNode(ds, node, nodePods, hash, env);
      if (r.create) needs.push(node.metadata!.name!);
      remove.push(...r.remove);
    }
    // Unbound pods meant for nodes that no longer exist would never be scheduled nor collected.
    const existing = new Set(nodeList.map((n) => n.metadata!.name!));
    for (const [node, list] of nodePods) if (!existing.has(node)) remove.push(...list.filter((p) => !p.spec?.nodeName));
    await syncNodes(ds, remove, needs, hash, env);
  };

  /** Upstream rollingUpdate: the plan is pure (update.ts); syncNodes carries it out. */
  const rollingUpdate = async (ds: V1DaemonSet, nodeList: V1Node[], claimed: V1Pod[], hash: string, env: PassEnv): Promise<void> => {
    const plan = rollingUpdatePlan(ds, nodeList, byNode(claimed), hash, env.now);
    await syncNodes(ds, plan.remove, plan.create, hash, env);
  };

  /** Upstream updateDaemonSetStatus and storeDaemonSetStatus. */
  const updateStatus = async (ds: V1DaemonSet, nodeList: V1Node[], claimed: V1Pod[], hash: string, updateObservedGen: boolean, env: PassEnv): Promise<void> => {
    const nodePods = byNode(claimed);
    const minReady = ds.spec?.minReadySeconds ?? 0;
    const gen = templateGeneration(ds);
    let desired = 0, current = 0, misscheduled = 0, ready = 0, updated = 0, available = 0;
    for (const node of nodeList) {
      const { shouldRun } = nodeShouldRunDaemonPod(node, ds);
      const list = nodePods.get(node.metadata!.name!) ?? [];
      if (!shouldRun) {
        if (list.length > 0) misscheduled++;
        continue;
      }
      desired++;
      if (list.length === 0) continue;
      current++;
      const pod = [...list].sort(compareByCreation)[0]!;
      if (isPodReady(pod)) {
        ready++;
        if (isPodAvailable(pod, minReady, env.now)) available++;
      }
      if (isPodUpdated(pod, hash, gen)) updated++;
    }
    const counts = {
      desiredNumberScheduled: desired, currentNumberScheduled: current, numberMisscheduled: misscheduled, numberReady: ready,
      updatedNumberScheduled: updated, numberAvailable: available, numberUnavailable: desired - available,
    };
    const st = ds.status;
    const same = (Object.keys(counts) as Array<keyof typeof counts>).every((k) => (st?.[k] ?? 0) === counts[k]);
    if (!(same && (st?.observedGeneration ?? 0) >= (ds.metadata?.generation ?? 0))) {
      // Upstream StatusUpdateRetries: one more try on the freshest DaemonSet.
      let target = ds;
      for (let attempt = 0; ; attempt++) {
        const next = structuredClone(target);
        next.status = { ...next.status!, ...counts, ...(updateObservedGen ? { observedGeneration: ds.metadata?.generation } : {}) };
        try {
          await env.rest.update(daemonSets, ds.metadata!.namespace!, next, { subresource: 'status', signal: env.signal });
          break;
        } catch (e) {
          if (attempt >= 1 || !isConflict(e)) throw e;
          target = await env.rest.get(daemonSets, ds.metadata!.namespace!, ds.metadata!.name!, { signal: env.signal });
        }
      }
    }
    // Pods turn available minReadySeconds after they turn ready: look again then.
    if (minReady > 0 && ready !== available) requeueAfter(env, minReady * 1000);
  };

  /** Upstream nodeShouldRunDaemonPod changes that matter: a new node, or changed labels or taints. */
  const nodeKeys = (node: KubernetesObject, lister: <T extends KubernetesObject>(r: Resource<T>) => Lister<T>): string[] => {
    const name = node.metadata?.name ?? '';
    const sets = lister(daemonSets).list();
    const cur = lister(nodes).get(name);
    const prev = seenNodes.get(name);
    if (!cur) {
      // Deleted: its pods are no longer desired, and unbound ones must go.
      seenNodes.delete(name);
      return sets.map(dsKey);
    }
    // The informer calls us with the old object first: only the current one counts.
    if (node.metadata?.resourceVersion !== cur.metadata?.resourceVersion) return [];
    seenNodes.set(name, cur);
    if (!prev) return sets.filter((ds) => nodeShouldRunDaemonPod(cur, ds).shouldRun).map(dsKey);
    if (JSON.stringify([prev.metadata?.labels ?? {}, prev.spec?.taints ?? []]) === JSON.stringify([cur.metadata?.labels ?? {}, cur.spec?.taints ?? []])) return [];
    return sets.filter((ds) => {
      const a = nodeShouldRunDaemonPod(prev, ds);
      const b = nodeShouldRunDaemonPod(cur, ds);
      return a.shouldRun !== b.shouldRun || a.shouldContinueRunning !== b.shouldContinueRunning;
    }).map(dsKey);
  };

  return defineController({
    name: 'daemonset',
    primary: daemonSets,
    owns: [pods, revisionsResource],
    onOwnedEvent(key, type, obj, old) {
      if (obj.kind !== 'Pod') return;
      const uid = obj.metadata?.uid;
      const deleting = !!obj.metadata?.deletionTimestamp;
      if (type === 'add') {
        // A pod already terminating when first seen (a restart) counts as a deletion, not a creation.
        if (deleting) deletions.deletionObserved(key, uid);
        else creations.creationObserved(key);
      } else if (type === 'update') {
        if (deleting && !old?.metadata?.deletionTimestamp) deletions.deletionObserved(key, uid);
      } else {
        deletions.deletionObserved(key, uid);
      }
    },
    watches: [
      { resource: nodes, keys: nodeKeys },
      // Orphans a DaemonSet's selector matches may be adopted.
      { resource: pods, keys: (pod, lister) => (controllerRef(pod) ? [] : selecting(pod, lister(daemonSets))) },
      { resource: revisionsResource, keys: (rev, lister) => (controllerRef(rev) ? [] : selecting(rev, lister(daemonSets))) },
    ],
    workers: opts.workers ?? 2,
    async sync(key, { clients, lister, recorder, signal, log }) {
      const ds = lister(daemonSets).get(key);
      if (!ds) {
        creations.forget(key);
        deletions.forget(key);
        return undefined;
      }
      const rest = clients.rest;
      const sel = ds.spec?.selector;
      if (sel && Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0) {
        recorder.event(ds, 'Warning', 'SelectingAll', 'This daemon set is selecting all pods. A non-empty selector is required.');
        return undefined;
      }
      // Being deleted: its revisions may already be gone, so its status cannot be trusted.
      if (ds.metadata?.deletionTimestamp) return undefined;
      const env: PassEnv = { rest, recorder, podControl: new PodControl(rest, recorder), nodes: lister(nodes), signal, now: clock() };
      const nodeList = lister(nodes).list();

      const ns = ds.metadata!.namespace!;
      let selector: Selector;
      try {
        selector = selectorFromLabelSelector(sel);
      } catch (e) {
        // A selector that cannot be parsed will not parse on a retry either (upstream gives up too).
        log(`${key}: invalid label selector: ${(e as Error).message}`);
        return undefined;
      }
      const ownerRef = controllerRefTo(ds, DS_API_VERSION, DS_KIND);
      let adoptable: Promise<boolean> | undefined;
      const recheck = recheckOwner(() => rest.get(daemonSets, ns, ds.metadata!.name!, { signal }), ds.metadata?.uid);
      const canAdopt = () => (adoptable ??= recheck());
      const claimedRevisions = await claimObjects(lister(controllerRevisions).list(ns) as unknown as KubernetesObject[], {
        rest, resource: revisionsResource, owner: ds, ownerRef, selector, canAdopt, signal,
      }) as unknown as V1ControllerRevision[];
      const claimed = await claimObjects(lister(pods).list(ns), { rest, resource: pods, owner: ds, ownerRef, selector, canAdopt, signal });

      const { cur, old } = await constructHistory(ds, claimedRevisions, { rest, signal, pods: claimed });
      const hash = cur.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? '';

      if (!satisfied(key)) {
        // Earlier creations or deletions are not seen yet: only the status, not at this generation.
        await updateStatus(ds, nodeList, claimed, hash, false, env);
        return env.requeueAfterMs !== undefined ? { requeueAfterMs: env.requeueAfterMs } : undefined;
      }
      let error: unknown;
      try {
        await manage(ds, nodeList, claimed, hash, env);
        if (satisfied(key) && ds.spec?.updateStrategy?.type === 'RollingUpdate') await rollingUpdate(ds, nodeList, claimed, hash, env);
        await cleanupHistory(ds, old, { rest, signal, pods: claimed });
      } catch (e) {
        error = e;
      }
      try {
        await updateStatus(ds, nodeList, claimed, hash, true, env);
      } catch (e) {
        error ??= e;
      }
      if (error !== undefined) throw error;
      return env.requeueAfterMs !== undefined ? { requeueAfterMs: env.requeueAfterMs } : undefined;
    },
  });
}
