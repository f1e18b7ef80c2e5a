// The ReplicaSet and ReplicationController controllers (upstream pkg/controller/replicaset, which
// also serves RCs through the conversion adapter of pkg/controller/replication): keep exactly
// spec.replicas active pods that match the selector, adopting orphans and releasing pods that
// stopped matching; never act on an owner again before the informers have seen its last creations
// and deletions (expectations); report what was seen in status. One implementation; each kind only
// says how to read its selector, spec and status.
import type { KubernetesObject, V1Pod, V1PodTemplateSpec, V1ReplicaSet, V1ReplicaSetCondition, V1ReplicationController } from '@kubernetes/client-node';
import {
  apiVersionOf, controllerRef, defineController, millisOf, splitKey,
  type Controller, type ControllerDefinition, type Resource, type SyncContext,
} from '../client/index.ts';
import { pods, replicaSets, replicationControllers } from '../client/resources.ts';
import { nothing, selectorFromLabelSelector, selectorFromSet, type LabelSelector, type Selector } from '../machinery/labels.ts';
import { ControllerExpectations } from './lib/expectations.ts';
import { controllerRefTo, isNamespaceTerminating, PodControl, podFromTemplate, slowStartBatch } from './lib/podcontrol.ts';
import { compareForDeletion, isPodActive, isPodAvailable, isPodReady, podCondition, ranksByNodeCrowding } from './lib/pods.ts';
import { claimObjects, recheckOwner } from './lib/refmanager.ts';

/** Upstream BurstReplicas: at most this many creations or deletions per sync. */
export const BURST_REPLICAS = 500;
/** Upstream's SlowStartInitialBatchSize. */
const SLOW_START_INITIAL_BATCH = 1;
/** Upstream's ConcurrentRSSyncs / ConcurrentRCSyncs default. */
const DEFAULT_WORKERS = 5;
/** Upstream's ReplicaSetReplicaFailure / ReplicationControllerReplicaFailure condition type. */
export const REPLICA_FAILURE = 'ReplicaFailure';

/** The status both kinds share (RC conditions have the same shape as ReplicaSet ones). */
export interface ReplicaStatus {
  replicas: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: number;
  conditions?: V1ReplicaSetCondition[];
}

/** What the shared implementation needs to know of a kind (upstream's RC↔RS conversion adapter). */
interface ReplicaKind<T extends KubernetesObject> {
  resource: Resource<T>;
  kind: string;
  /** The controller's name (upstream's --controllers name). */
  name: string;
  /** The event source component (upstream's recorder component). */
  component: string;
  /** The pods the owner selects; undefined when its selector cannot be built. */
  selector(owner: T): Selector | undefined;
  replicas(owner: T): number;
  minReadySeconds(owner: T): number;
  template(owner: T): V1PodTemplateSpec | undefined;
  status(owner: T): ReplicaStatus;
  withStatus(owner: T, status: ReplicaStatus): T;
}

/** Upstream LabelSelectorAsSelector; an empty selector selects nothing here (validation forbids it, and adopting every pod of a namespace is the worst way to find out). */
function labelSelectorOf(ls: LabelSelector | undefined): Selector | undefined {
  try {
    const s = selectorFromLabelSelector(ls);
    return s.empty() ? nothing() : s;
  } catch {
    return undefined;
  }
}

const replicaSetKind: ReplicaKind<V1ReplicaSet> = {
  resource: replicaSets, kind: 'ReplicaSet', name: 'replicaset', component: 'replicaset-controller',
  selector: (rs) => labelSelectorOf(rs.spec?.selector as LabelSelector | undefined),
  replicas: (rs) => rs.spec?.replicas ?? 1,
  minReadySeconds: (rs) => rs.spec?.minReadySeconds ?? 0,
  template: (rs) => rs.spec?.template,
  status: (rs) => rs.status ?? { replicas: 0 },
  withStatus: (rs, status) => ({ ...structuredClone(rs), status }),
};

const replicationControllerKind: ReplicaKind<V1ReplicationController> = {
  resource: replicationControllers, kind: 'ReplicationController', name: 'replicationcontroller', component: 'replication-controller',
  // A plain map (the API server defaults it from the template labels); empty selects nothing, as for ReplicaSets.
  selector: (rc) => {
    const s = selectorFromSet(rc.spec?.selector ?? {});
    return s.empty() ? nothing() : s;
  },
  replicas: (rc) => rc.spec?.replicas ?? 1,
  minReadySeconds: (rc) => rc.spec?.minReadySeconds ?? 0,
  template: (rc) => rc.spec?.template,
  status: (rc) => rc.status ?? { replicas: 0 },
  withStatus: (rc, status) => ({ ...structuredClone(rc), status }),
};

export interface ReplicaControllerOptions {
  burstReplicas?: number;
  workers?: number;
}

/** The ReplicaSet controller; each call has its own expectations. */
export function replicaSetController(opts: ReplicaControllerOptions = {}): Controller & { definition: ControllerDefinition<V1ReplicaSet> } {
  return replicaController(replicaSetKind, opts);
}

/** The ReplicationController controller: the ReplicaSet controller over RCs. */
export function replicationControllerController(opts: ReplicaControllerOptions = {}): Controller & { definition: ControllerDefinition<V1ReplicationController> } {
  return replicaController(replicationControllerKind, opts);
}

function replicaController<T extends KubernetesObject>(kind: ReplicaKind<T>, opts: ReplicaControllerOptions): Controller & { definition: ControllerDefinition<T> } {
  const burst = opts.burstReplicas ?? BURST_REPLICAS;
  const apiVersion = apiVersionOf(kind.resource);
  const expectations = new ControllerExpectations();
  /** The UID of the owner each key's expectations were set for: a same-named replacement starts clean. */
  const expectedUid = new Map<string, string>();
  const forget = (key: string) => { expectations.forget(key); expectedUid.delete(key); };

  // Selectors are parsed once per cached owner object (cached objects never change in place).
  const selectors = new WeakMap<T, Selector | undefined>();
  const selectorOf = (owner: T): Selector | undefined => {
    if (!selectors.has(owner)) selectors.set(owner, kind.selector(owner));
    return selectors.get(owner);
  };

  const def: ControllerDefinition<T> = {
    name: kind.name,
    primary: kind.resource,
    owns: [pods],
    workers: opts.workers ?? DEFAULT_WORKERS,
    // Upstream addPod / updatePod / deletePod: a pod seen created lowers the creations expected;
    // one seen deleted, or terminating, lowers the deletions (once per pod).
    onOwnedEvent(key, type, obj) {
      const pod = obj as V1Pod;
      const uid = pod.metadata?.uid;
      if (controllerRef(pod)?.uid !== expectedUid.get(key)) return;
      if (type === 'delete' || pod.metadata?.deletionTimestamp) expectations.deletionObserved(key, uid);
      else if (type === 'add') expectations.creationObserved(key);
    },
    // An orphan wakes every owner in its namespace whose selector matches it, to see if one adopts it.
    watches: [{
      resource: pods,
      keys(obj, lister) {
        if (controllerRef(obj)) return [];
        const ns = obj.metadata?.namespace ?? '';
        const labels = obj.metadata?.labels ?? {};
        return lister(kind.resource).list(ns)
          .filter((o) => selectorOf(o)?.matches(labels))
          .map((o) => `${ns}/${o.metadata!.name}`);
      },
    }],
    async sync(key, ctx) {
      const owner = ctx.lister(kind.resource).get(key);
      if (!owner) { forget(key); return; }
      const uid = owner.metadata?.uid ?? '';
      if (expectedUid.has(key) && expectedUid.get(key) !== uid) forget(key);
      const needsSync = expectations.satisfied(key);
      const selector = selectorOf(owner);
      if (!selector) {
        ctx.log(`${kind.kind} ${key}: invalid selector`);
        return;
      }
      const { namespace, name } = splitKey(key);
      const { rest } = ctx.clients;
      // Every pod of the namespace, not only the selected ones: a pod that stopped matching but
      // still names this owner as controller must be released.
      const active = ctx.lister(pods).list(namespace).filter(isPodActive);
      const claimed = await claimObjects(active, {
        rest, resource: pods, owner, selector, signal: ctx.signal,
        ownerRef: controllerRefTo(owner, apiVersion, kind.kind),
        canAdopt: recheckOwner(() => rest.get(kind.resource, namespace, name, { signal: ctx.signal }), uid),
      });

      let manageErr: unknown;
      if (needsSync && !owner.metadata?.deletionTimestamp) {
        try {
          await manageReplicas(owner, claimed, ctx);
        } catch (e) {
          manageErr = e;
        }
      }
      const now = Date.now();
      const minReadySeconds = kind.minReadySeconds(owner);
      const status = calculateStatus(kind.status(owner), {
        replicas: kind.replicas(owner), minReadySeconds, templateLabels: kind.template(owner)?.metadata?.labels,
      }, claimed, manageErr, now);
      await writeStatus(owner, status, ctx);
      if (manageErr !== undefined) throw manageErr;
      // Availability comes with time, not with an event: look again when the next pod turns available.
      const wait = untilNextAvailable(claimed, minReadySeconds, now);
      return wait === undefined ? undefined : { requeueAfterMs: wait };
    },
  };

  async function manageReplicas(owner: T, claimed: V1Pod[], ctx: SyncContext): Promise<void> {
    const key = `${owner.metadata!.namespace}/${owner.metadata!.name}`;
    const namespace = owner.metadata!.namespace!;
    const podControl = new PodControl(ctx.clients.rest, ctx.recorder);
    const diff = claimed.length - kind.replicas(owner);
    expectedUid.set(key, owner.metadata!.uid!);
    if (diff < 0) {
      const count = Math.min(-diff, burst);
      expectations.expectCreations(key, count);
      const ref = controllerRefTo(owner, apiVersion, kind.kind);
      const { succeeded, error } = await slowStartBatch(count, SLOW_START_INITIAL_BATCH, async () => {
        try {
          await podControl.create(namespace, podFromTemplate(kind.template(owner) ?? {}, owner.metadata!.name!, ref), owner, ctx.signal);
        } catch (e) {
          // Every create fails in a namespace being deleted; that is not this owner's failure.
          if (!isNamespaceTerminating(e)) throw e;
        }
      });
      // Creations never attempted, or failed, will never be observed.
      for (let i = succeeded; i < count; i++) expectations.creationObserved(key);
      if (error !== undefined) throw error;
    } else if (diff > 0) {
      const count = Math.min(diff, burst);
      const related = relatedPods(owner, ctx);
      const victims = podsToDelete(claimed, related, count, Date.now());
      expectations.expectDeletions(key, victims.map((p) => p.metadata!.uid!));
      const errors: unknown[] = [];
      await Promise.all(victims.map(async (pod) => {
        try {
          if (!(await podControl.delete(namespace, pod.metadata!.name!, owner, ctx.signal))) expectations.deletionObserved(key, pod.metadata!.uid);
        } catch (e) {
          expectations.deletionObserved(key, pod.metadata!.uid);
          errors.push(e);
        }
      }));
      if (errors.length) throw errors[0];
    }
  }

  /**
   * Upstream getIndirectlyRelatedPods: the pods of every owner sharing this owner's controller (the
   * ReplicaSets of one Deployment), for the node-crowding ranks. An owner without a controller has none.
   */
  function relatedPods(owner: T, ctx: SyncContext): V1Pod[] {
    const ctrl = controllerRef(owner);
    if (!ctrl) return [];
    const namespace = owner.metadata!.namespace!;
    const podList = ctx.lister(pods).list(namespace);
    const seen = new Set<string>();
    const out: V1Pod[] = [];
    for (const sibling of ctx.lister(kind.resource).list(namespace)) {
      if (controllerRef(sibling)?.uid !== ctrl.uid) continue;
      const sel = selectorOf(sibling);
      if (!sel) continue;
      for (const p of podList) {
        const puid = p.metadata?.uid ?? '';
        if (seen.has(puid) || !sel.matches(p.metadata?.labels ?? {})) continue;
        seen.add(puid);
        out.push(p);
      }
    }
    return out;
  }

  /** Upstream updateReplicaSetStatus: written only when it changed, through /status, retried once on a fresh read. */
  async function writeStatus(owner: T, status: ReplicaStatus, ctx: SyncContext): Promise<void> {
    const generation = owner.metadata?.generation;
    const current = kind.status(owner);
    if (sameStatus(current, status) && (current.observedGeneration ?? 0) === (generation ?? 0)) return;
    const { rest } = ctx.clients;
    const namespace = owner.metadata!.namespace!;
    const name = owner.metadata!.name!;
    let target = owner;
    for (let attempt = 0; ; attempt++) {
      const next = kind.withStatus(target, { ...status, observedGeneration: target.metadata?.generation });
      try {
        await rest.update(kind.resource, namespace, next, { subresource: 'status', signal: ctx.signal });
        return;
      } catch (e) {
        if (attempt >= 1) throw e;
        target = await rest.get(kind.resource, namespace, name, { signal: ctx.signal });
        if (target.metadata?.uid !== owner.metadata?.uid) return;
      }
    }
  }

  const controller = defineController(def);
  // Events come from upstream's component names ("replicaset-controller"), not the controller's name.
  return { ...controller, run: (env, signal) => controller.run({ ...env, recorder: () => env.recorder(kind.component) }, signal) };
}

/**
 * Upstream calculateStatus: counts over the active pods the owner controls, and the ReplicaFailure
 * condition, set (reason FailedCreate or FailedDelete, the error as message) when creating or
 * deleting failed and removed once a sync manages replicas without error. An existing failure
 * condition is kept as it is while failures go on. Zero counts are left out, as upstream's
 * omitempty does.
 */
export function calculateStatus(
  current: ReplicaStatus,
  spec: { replicas: number; minReadySeconds: number; templateLabels?: Record<string, string> },
  claimed: V1Pod[], manageErr: unknown, now: number,
): ReplicaStatus {
  const template = selectorFromSet(spec.templateLabels ?? {});
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const pod of claimed) {
    if (template.matches(pod.metadata?.labels ?? {})) fullyLabeled++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, spec.minReadySeconds, now)) available++;
    }
  }
  let conditions = current.conditions;
  const failure = conditions?.find((c) => c.type === REPLICA_FAILURE);
  if (manageErr !== undefined && !failure) {
    const diff = claimed.length - spec.replicas;
    const reason = diff < 0 ? 'FailedCreate' : diff > 0 ? 'FailedDelete' : '';
    const message = manageErr instanceof Error ? manageErr.message : String(manageErr);
    conditions = [...(conditions ?? []), { type: REPLICA_FAILURE, status: 'True', lastTransitionTime: new Date(now), reason, message }];
  } else if (manageErr === undefined && failure) {
    conditions = conditions!.filter((c) => c.type !== REPLICA_FAILURE);
  }
  const status: ReplicaStatus = { replicas: claimed.length };
  if (fullyLabeled) status.fullyLabeledReplicas = fullyLabeled;
  if (ready) status.readyReplicas = ready;
  if (available) status.availableReplicas = available;
  if (current.observedGeneration !== undefined) status.observedGeneration = current.observedGeneration;
  if (conditions?.length) status.conditions = conditions;
  return status;
}

/** The counts and conditions compared (observedGeneration is compared by the caller, against the generation). */
function sameStatus(a: ReplicaStatus, b: ReplicaStatus): boolean {
  const n = (v: number | undefined) => v ?? 0;
  if (n(a.replicas) !== n(b.replicas) || n(a.fullyLabeledReplicas) !== n(b.fullyLabeledReplicas)) return false;
  if (n(a.readyReplicas) !== n(b.readyReplicas) || n(a.availableReplicas) !== n(b.availableReplicas)) return false;
  const ca = a.conditions ?? [];
  const cb = b.conditions ?? [];
  return ca.length === cb.length && ca.every((c, i) => {
    const d = cb[i]!;
    return c.type === d.type && c.status === d.status && (c.reason ?? '') === (d.reason ?? '') && (c.message ?? '') === (d.message ?? '')
      && millisOf(c.lastTransitionTime as Date | undefined) === millisOf(d.lastTransitionTime as Date | undefined);
  });
}

/**
 * Upstream getPodsToDelete: the first `count` pods in deletion order (compareForDeletion, ranked
 * by how many related active pods share each pod's node); all of them when that is every pod.
 */
export function podsToDelete(claimed: V1Pod[], related: V1Pod[], count: number, now: number): V1Pod[] {
  if (count >= claimed.length) return [...claimed];
  const ranks = ranksByNodeCrowding(claimed, related);
  return [...claimed].sort((a, b) => compareForDeletion(a, b, ranks, now)).slice(0, count);
}

/** Milliseconds until the next ready-but-not-yet-available pod becomes available, if any. */
export function untilNextAvailable(claimed: V1Pod[], minReadySeconds: number, now: number): number | undefined {
  if (minReadySeconds <= 0) return undefined;
  let soonest: number | undefined;
  for (const pod of claimed) {
    if (!isPodReady(pod) || isPodAvailable(pod, minReadySeconds, now)) continue;
    const since = millisOf(podCondition(pod, 'Ready')?.lastTransitionTime as Date | undefined);
    if (since === undefined) continue;
    const wait = since + minReadySeconds * 1000 - now;
    soonest = soonest === undefined ? wait : Math.min(soonest, wait);
  }
  // A little late rather than early: an early look finds nothing new and has to wait again.
  return soonest === undefined ? undefined : Math.max(soonest, 0) + 50;
}
