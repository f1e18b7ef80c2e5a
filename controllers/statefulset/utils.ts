// The pure half of the StatefulSet controller (upstream pkg/controller/statefulset
// stateful_set_utils.go): pod identity (`<set>-<ordinal>`, the pod-name and pod-index labels,
// hostname and subdomain), the claims of a pod, the claims' owner references under
// persistentVolumeClaimRetentionPolicy, pod revisions and the status the pods add up to.
import type {
  V1ControllerRevision, V1OwnerReference, V1PersistentVolumeClaim, V1Pod, V1StatefulSet, V1StatefulSetStatus, V1Volume,
} from '@kubernetes/client-node';
import { controllerRefTo, podFromTemplate } from '../lib/podcontrol.ts';
import { isPodAvailable, isPodReady } from '../lib/pods.ts';
import { CONTROLLER_REVISION_HASH_LABEL, templateOfRevision } from '../revisions.ts';

export const STATEFULSET_POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

export const SET_API_VERSION = 'apps/v1';
export const SET_KIND = 'StatefulSet';

const STATEFUL_POD = /^(.*)-([0-9]+)$/;

/** Upstream getParentNameAndOrdinal: "web-3" → ["web", 3]; ordinal -1 when the name has none. */
export function parentAndOrdinal(pod: V1Pod): { parent: string; ordinal: number } {
  const m = STATEFUL_POD.exec(pod.metadata?.name ?? '');
  if (!m) return { parent: '', ordinal: -1 };
  const n = Number(m[2]);
  return { parent: m[1]!, ordinal: Number.isSafeInteger(n) && n <= 2 ** 31 - 1 ? n : -1 };
}

export const ordinalOf = (pod: V1Pod): number => parentAndOrdinal(pod).ordinal;

export const startOrdinal = (set: V1StatefulSet): number => set.spec?.ordinals?.start ?? 0;
export const replicasOf = (set: V1StatefulSet): number => set.spec?.replicas ?? 1;
/** The last ordinal the set keeps (inclusive). */
export const endOrdinal = (set: V1StatefulSet): number => startOrdinal(set) + replicasOf(set) - 1;

export function inOrdinalRange(pod: V1Pod, set: V1StatefulSet): boolean {
  const o = ordinalOf(pod);
  return o >= startOrdinal(set) && o <= endOrdinal(set);
}

export const podName = (set: V1StatefulSet, ordinal: number): string => `${set.metadata!.name}-${ordinal}`;

export const claimName = (set: V1StatefulSet, templateName: string, ordinal: number): string => `${templateName}-${set.metadata!.name}-${ordinal}`;

/** A pod named as a member of this set (upstream isMemberOf). */
export const isMemberOf = (set: V1StatefulSet, pod: V1Pod): boolean => parentAndOrdinal(pod).parent === set.metadata?.name;

/** Upstream identityMatches. */
export function identityMatches(set: V1StatefulSet, pod: V1Pod): boolean {
  const { parent, ordinal } = parentAndOrdinal(pod);
  return ordinal >= 0 && parent === set.metadata?.name && pod.metadata?.name === podName(set, ordinal)
    && pod.metadata?.namespace === set.metadata?.namespace && pod.metadata?.labels?.[STATEFULSET_POD_NAME_LABEL] === pod.metadata?.name;
}

/** Upstream storageMatches: every claim template is mounted from this pod's claim. */
export function storageMatches(set: V1StatefulSet, pod: V1Pod): boolean {
  const ordinal = ordinalOf(pod);
  if (ordinal < 0) return false;
  const volumes = new Map((pod.spec?.volumes ?? []).map((v) => [v.name, v]));
  return (set.spec?.volumeClaimTemplates ?? []).every((t) => volumes.get(t.metadata?.name ?? '')?.persistentVolumeClaim?.claimName === claimName(set, t.metadata?.name ?? '', ordinal));
}

/**
 * Upstream getPersistentVolumeClaims: one claim per template, named for the pod's ordinal, in the
 * set's namespace, labelled with the template's labels and the selector's matchLabels.
 */
export function claimsForPod(set: V1StatefulSet, pod: V1Pod): Map<string, V1PersistentVolumeClaim> {
  const ordinal = ordinalOf(pod);
  const out = new Map<string, V1PersistentVolumeClaim>();
  for (const t of set.spec?.volumeClaimTemplates ?? []) {
    const c = structuredClone(t);
    const templateName = t.metadata?.name ?? '';
    delete c.status;
    c.metadata = {
      ...c.metadata,
      name: claimName(set, templateName, ordinal),
      namespace: set.metadata?.namespace,
      labels: { ...c.metadata?.labels, ...set.spec?.selector?.matchLabels },
    };
    out.set(templateName, c);
  }
  return out;
}

/** Upstream updateStorage: the claims' volumes first, then the pod's other volumes. */
export function withStorage(set: V1StatefulSet, pod: V1Pod): V1Volume[] {
  const claims = claimsForPod(set, pod);
  const volumes: V1Volume[] = [...claims].map(([name, c]) => ({ name, persistentVolumeClaim: { claimName: c.metadata!.name! } }));
  for (const v of pod.spec?.volumes ?? []) if (!claims.has(v.name)) volumes.push(v);
  return volumes;
}

/** Upstream updateIdentity: name, namespace and the pod-name and pod-index labels. */
export function applyIdentity(set: V1StatefulSet, pod: V1Pod, ordinal: number): void {
  const name = podName(set, ordinal);
  pod.metadata = { ...pod.metadata, name, namespace: set.metadata?.namespace };
  pod.metadata.labels = { ...pod.metadata.labels, [STATEFULSET_POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal) };
}

/** Upstream newStatefulSetPod: the template with the member's identity, hostname, subdomain and claims. */
export function newStatefulSetPod(set: V1StatefulSet, ordinal: number): V1Pod {
  const pod = podFromTemplate(set.spec!.template, set.metadata!.name!, controllerRefTo(set, SET_API_VERSION, SET_KIND));
  applyIdentity(set, pod, ordinal);
  // Set only at creation: both are immutable on a pod.
  pod.spec!.hostname = pod.metadata!.name;
  if (set.spec?.serviceName) pod.spec!.subdomain = set.spec.serviceName;
  pod.spec!.volumes = withStorage(set, pod);
  if (pod.spec!.volumes.length === 0) delete pod.spec!.volumes;
  return pod;
}

export const podRevision = (pod: V1Pod): string => pod.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? '';

/** Upstream ApplyRevision: the set as it was at this revision (only the template is restored). */
export function setAtRevision(set: V1StatefulSet, rev: V1ControllerRevision): V1StatefulSet {
  const copy = structuredClone(set);
  copy.spec!.template = templateOfRevision(rev);
  return copy;
}

/**
 * Upstream newVersionedStatefulSetPod: ordinals below the partition (or, without a
 * rollingUpdate, below the current replica count) stay at the current revision.
 */
export function newVersionedPod(currentSet: V1StatefulSet, updateSet: V1StatefulSet, currentRevision: string, updateRevision: string, ordinal: number): V1Pod {
  const us = currentSet.spec?.updateStrategy;
  const start = startOrdinal(currentSet);
  const keepCurrent = (us?.type === 'RollingUpdate' && !us.rollingUpdate && ordinal < start + (currentSet.status?.currentReplicas ?? 0))
    || (!!us?.rollingUpdate && ordinal < start + (us.rollingUpdate.partition ?? 0));
  const pod = newStatefulSetPod(keepCurrent ? currentSet : updateSet, ordinal);
  pod.metadata!.labels = { ...pod.metadata!.labels, [CONTROLLER_REVISION_HASH_LABEL]: keepCurrent ? currentRevision : updateRevision };
  return pod;
}

export const isCreated = (pod: V1Pod): boolean => !!pod.status?.phase;
export const isPending = (pod: V1Pod): boolean => pod.status?.phase === 'Pending';
export const isFailed = (pod: V1Pod): boolean => pod.status?.phase === 'Failed';
export const isSucceeded = (pod: V1Pod): boolean => pod.status?.phase === 'Succeeded';
export const isTerminating = (pod: V1Pod): boolean => !!pod.metadata?.deletionTimestamp;
export const isRunningAndReady = (pod: V1Pod): boolean => pod.status?.phase === 'Running' && isPodReady(pod);
export const isRunningAndAvailable = (pod: V1Pod, minReadySeconds: number, now: number): boolean => isPodAvailable(pod, minReadySeconds, now);
export const isHealthy = (pod: V1Pod): boolean => isRunningAndReady(pod) && !isTerminating(pod);

/** The replica counts of a set of pods (upstream computeReplicaStatus). */
export function replicaStatus(pods: V1Pod[], minReadySeconds: number, currentRevision: string, updateRevision: string, now: number): Pick<V1StatefulSetStatus, 'replicas' | 'readyReplicas' | 'availableReplicas' | 'currentReplicas' | 'updatedReplicas'> {
  const s = { replicas: 0, readyReplicas: 0, availableReplicas: 0, currentReplicas: 0, updatedReplicas: 0 };
  for (const pod of pods) {
    if (isCreated(pod)) s.replicas++;
    if (isRunningAndReady(pod)) {
      s.readyReplicas++;
      if (isRunningAndAvailable(pod, minReadySeconds, now)) s.availableReplicas++;
    }
    if (isCreated(pod) && !isTerminating(pod)) {
      if (podRevision(pod) === currentRevision) s.currentReplicas++;
      if (podRevision(pod) === updateRevision) s.updatedReplicas++;
    }
  }
  return s;
}

/** Upstream completeRollingUpdate: every replica updated and ready makes the update revision current. */
export function completeRollingUpdate(set: V1StatefulSet, status: V1StatefulSetStatus): void {
  const n = replicasOf(set);
  if (set.spec?.updateStrategy?.type === 'RollingUpdate' && status.updatedReplicas === n && status.readyReplicas === n && status.replicas === n) {
    status.currentReplicas = status.updatedReplicas;
    status.currentRevision = status.updateRevision;
  }
}

/** Upstream inconsistentStatus (and the collision count, which it carries along). */
export function statusDiffers(set: V1StatefulSet, status: V1StatefulSetStatus): boolean {
  const cur = set.status ?? { replicas: 0 };
  return (status.observedGeneration ?? 0) > (cur.observedGeneration ?? 0)
    || status.replicas !== (cur.replicas ?? 0)
    || (status.currentReplicas ?? 0) !== (cur.currentReplicas ?? 0)
    || (status.readyReplicas ?? 0) !== (cur.readyReplicas ?? 0)
    || (status.updatedReplicas ?? 0) !== (cur.updatedReplicas ?? 0)
    || (status.availableReplicas ?? 0) !== (cur.availableReplicas ?? 0)
    || (status.currentRevision ?? '') !== (cur.currentRevision ?? '')
    || (status.updateRevision ?? '') !== (cur.updateRevision ?? '')
    || (status.collisionCount ?? 0) !== (cur.collisionCount ?? 0);
}

// ---- claim owner references under persistentVolumeClaimRetentionPolicy ----

export type Retention = 'Retain' | 'Delete';

export function retentionPolicy(set: V1StatefulSet): { whenDeleted: Retention; whenScaled: Retention } {
  const p = set.spec?.persistentVolumeClaimRetentionPolicy;
  return { whenDeleted: p?.whenDeleted === 'Delete' ? 'Delete' : 'Retain', whenScaled: p?.whenScaled === 'Delete' ? 'Delete' : 'Retain' };
}

interface Owner { apiVersion: string; kind: string; name?: string; uid?: string }

const setOwner = (set: V1StatefulSet): Owner => ({ apiVersion: SET_API_VERSION, kind: SET_KIND, name: set.metadata?.name, uid: set.metadata?.uid });
const podOwner = (pod: V1Pod): Owner => ({ apiVersion: 'v1', kind: 'Pod', name: pod.metadata?.name, uid: pod.metadata?.uid });

/** Upstream matchesRef: the same kind and name (the UID may differ). */
const matchesRef = (ref: V1OwnerReference, o: Owner) => ref.apiVersion === o.apiVersion && ref.kind === o.kind && ref.name === o.name;
const hasOwnerRef = (claim: V1PersistentVolumeClaim, o: Owner) => !!o.uid && (claim.metadata?.ownerReferences ?? []).some((r) => r.uid === o.uid);
/** A reference to an earlier object of the same name: the claim belongs to something gone. */
function hasStaleOwnerRef(claim: V1PersistentVolumeClaim, o: Owner): boolean {
  const ref = (claim.metadata?.ownerReferences ?? []).find((r) => matchesRef(r, o));
  return !!ref && ref.uid !== o.uid;
}

/** Upstream hasUnexpectedController: under a Delete policy, another controller owns the claim. */
function hasUnexpectedController(claim: V1PersistentVolumeClaim, set: V1StatefulSet, pod: V1Pod): boolean {
  const p = retentionPolicy(set);
  if (p.whenScaled === 'Retain' && p.whenDeleted === 'Retain') return false;
  for (const ref of claim.metadata?.ownerReferences ?? []) {
    if (matchesRef(ref, setOwner(set))) { if (ref.uid !== set.metadata?.uid) return true; continue; }
    if (matchesRef(ref, podOwner(pod))) { if (ref.uid !== pod.metadata?.uid) return true; continue; }
    if (ref.controller) return true;
  }
  return false;
}

function hasNonControllerOwner(claim: V1PersistentVolumeClaim, set: V1StatefulSet, pod: V1Pod): boolean {
  return (claim.metadata?.ownerReferences ?? []).some((r) => (r.uid === set.metadata?.uid || (!!pod.metadata?.uid && r.uid === pod.metadata.uid)) && !r.controller);
}

/**
 * Upstream isClaimOwnerUpToDate: Retain/Retain → no reference from the set or pod; deleted with
 * the set → a controller reference to the set; deleted on scale-down → a reference to the pod
 * once the pod is outside the set's range (and to the set while inside, if both are Delete).
 * Claims with stale or foreign controllers are left alone.
 */
export function claimOwnersUpToDate(claim: V1PersistentVolumeClaim, set: V1StatefulSet, pod: V1Pod): boolean {
  if (hasStaleOwnerRef(claim, setOwner(set)) || hasStaleOwnerRef(claim, podOwner(pod))) return true;
  if (hasUnexpectedController(claim, set, pod)) return !(hasOwnerRef(claim, setOwner(set)) || hasOwnerRef(claim, podOwner(pod)));
  if (hasNonControllerOwner(claim, set, pod)) return false;
  const p = retentionPolicy(set);
  const onSet = hasOwnerRef(claim, setOwner(set));
  const onPod = hasOwnerRef(claim, podOwner(pod));
  const scaledDown = !inOrdinalRange(pod, set);
  if (p.whenScaled === 'Retain' && p.whenDeleted === 'Retain') return !onSet && !onPod;
  if (p.whenScaled === 'Retain' && p.whenDeleted === 'Delete') return onSet && !onPod;
  if (p.whenScaled === 'Delete' && p.whenDeleted === 'Retain') return !onSet && scaledDown === onPod;
  return scaledDown !== onSet && scaledDown === onPod;
}

/** Upstream updateClaimOwnerRefForSetAndPod: the owner references the policy asks for. */
export function claimOwnerRefs(claim: V1PersistentVolumeClaim, set: V1StatefulSet, pod: V1Pod): V1OwnerReference[] {
  const unexpected = hasUnexpectedController(claim, set, pod);
  let refs = (claim.metadata?.ownerReferences ?? []).filter((r) => !matchesRef(r, setOwner(set)) && !matchesRef(r, podOwner(pod)));
  if (unexpected) return refs;
  const add = (o: Owner) => {
    if (!o.uid || refs.some((r) => r.uid === o.uid)) return;
    refs = [...refs, { apiVersion: o.apiVersion, kind: o.kind, name: o.name!, uid: o.uid, controller: true, blockOwnerDeletion: true }];
  };
  const p = retentionPolicy(set);
  const scaledDown = !inOrdinalRange(pod, set);
  if (p.whenScaled === 'Retain' && p.whenDeleted === 'Delete') add(setOwner(set));
  else if (p.whenScaled === 'Delete' && p.whenDeleted === 'Retain') { if (scaledDown) add(podOwner(pod)); }
  else if (p.whenScaled === 'Delete' && p.whenDeleted === 'Delete') add(scaledDown ? podOwner(pod) : setOwner(set));
  return refs;
}

/** Upstream PodClaimIsStale: under whenScaled Delete, a claim still owned by an earlier pod of this name. */
export function claimIsStale(claim: V1PersistentVolumeClaim, set: V1StatefulSet, pod: V1Pod): boolean {
  return retentionPolicy(set).whenScaled === 'Delete' && hasStaleOwnerRef(claim, podOwner(pod));
}
