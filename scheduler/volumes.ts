// PersistentVolume / PersistentVolumeClaim predicates the VolumeBinding plugin shares with the PV
// controller upstream: storage classes, claim ↔ volume matching (class, access modes, capacity,
// selector, volumeMode, phase, node affinity), the claimRef a binding writes, topology terms.
// Upstream: component-helpers/storage/volume (helpers.go, pv_helpers.go) and
// v1helper.MatchTopologySelectorTerms. Pure functions over client-node models.
import type {
  V1Node, V1ObjectReference, V1PersistentVolume, V1PersistentVolumeClaim, V1Pod, V1StorageClass, V1TopologySelectorTerm, V1Volume,
} from '@kubernetes/client-node';
import { selectorFromLabelSelector, type LabelSelector } from '../machinery/labels.ts';
import { parseQuantity, type Quantity } from '../machinery/quantity.ts';
import { matchNodeSelectorTerms } from './corev1.ts';

/** Set on a WaitForFirstConsumer claim by the scheduler: the node a provisioner must provision for. */
export const ANN_SELECTED_NODE = 'volume.kubernetes.io/selected-node';
/** Set by the PV controller once it has finished binding a claim. */
export const ANN_BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
/** Set on a volume (or claim) bound by a controller rather than pre-bound by a user. */
export const ANN_BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';
/** The deprecated way of naming a class; it wins over spec.storageClassName when present. */
export const BETA_STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';
/** The provisioner of classes for static volumes only (local volumes). */
export const NOT_SUPPORTED_PROVISIONER = 'kubernetes.io/no-provisioner';
export const VOLUME_BINDING_WAIT_FOR_FIRST_CONSUMER = 'WaitForFirstConsumer';

/** Lookups by name ("namespace/name" for namespaced objects), as informer listers give. */
export interface ObjectLister<T> {
  get(key: string): T | undefined;
  list(): T[];
}

const ZERO = parseQuantity('0');

function quantityOf(v: unknown): Quantity {
  if (v === undefined || v === null) return ZERO;
  try {
    return parseQuantity(String(v));
  } catch {
    return ZERO;
  }
}

/** The claim's requested storage (zero when it asks for none). */
export const claimRequest = (pvc: V1PersistentVolumeClaim): Quantity => quantityOf(pvc.spec?.resources?.requests?.storage);
export const volumeCapacity = (pv: V1PersistentVolume): Quantity => quantityOf(pv.spec?.capacity?.storage);

/** GetPersistentVolumeClaimClass: the beta annotation, else spec.storageClassName, else "". */
export function claimClass(pvc: V1PersistentVolumeClaim): string {
  const ann = pvc.metadata?.annotations;
  if (ann && Object.hasOwn(ann, BETA_STORAGE_CLASS_ANNOTATION)) return ann[BETA_STORAGE_CLASS_ANNOTATION] ?? '';
  return pvc.spec?.storageClassName ?? '';
}

/** GetPersistentVolumeClass: the same rule for volumes. */
export function volumeClass(pv: V1PersistentVolume): string {
  const ann = pv.metadata?.annotations;
  if (ann && Object.hasOwn(ann, BETA_STORAGE_CLASS_ANNOTATION)) return ann[BETA_STORAGE_CLASS_ANNOTATION] ?? '';
  return pv.spec?.storageClassName ?? '';
}

export const claimKey = (pvc: V1PersistentVolumeClaim): string => `${pvc.metadata?.namespace ?? ''}/${pvc.metadata?.name ?? ''}`;

/** The claim a pod volume uses: its claimName, or "<pod>-<volume>" for a generic ephemeral volume. */
export function podVolumeClaimName(pod: V1Pod, vol: V1Volume): { name: string; ephemeral: boolean } | undefined {
  if (vol.persistentVolumeClaim) return { name: vol.persistentVolumeClaim.claimName, ephemeral: false };
  if (vol.ephemeral) return { name: `${pod.metadata?.name ?? ''}-${vol.name}`, ephemeral: true };
  return undefined;
}

/** ephemeral.VolumeIsForPod: a generic ephemeral volume's claim must be controlled by the pod. */
export function ephemeralClaimError(pod: V1Pod, pvc: V1PersistentVolumeClaim): string | undefined {
  const controller = pvc.metadata?.ownerReferences?.find((r) => r.controller);
  if (controller && controller.uid === pod.metadata?.uid) return undefined;
  return `PVC ${pvc.metadata?.namespace}/${pvc.metadata?.name} was not created for pod ${pod.metadata?.namespace}/${pod.metadata?.name} (pod is not owner)`;
}

/** The PV controller's mark of a finished bind: a volume name and the bind-completed annotation. */
export function isClaimFullyBound(pvc: V1PersistentVolumeClaim): boolean {
  return !!pvc.spec?.volumeName && Object.hasOwn(pvc.metadata?.annotations ?? {}, ANN_BIND_COMPLETED);
}

/** IsVolumeBoundToClaim: the claimRef names the claim (and its UID, when the ref carries one). */
export function isVolumeBoundToClaim(pv: V1PersistentVolume, pvc: V1PersistentVolumeClaim): boolean {
  const ref = pv.spec?.claimRef;
  if (!ref) return false;
  if ((ref.name ?? '') !== (pvc.metadata?.name ?? '') || (ref.namespace ?? '') !== (pvc.metadata?.namespace ?? '')) return false;
  return !ref.uid || ref.uid === pvc.metadata?.uid;
}

/** CheckVolumeModeMismatches: both default to Filesystem. */
export const volumeModeMismatch = (pvc: V1PersistentVolumeClaim, pv: V1PersistentVolume): boolean =>
  (pvc.spec?.volumeMode || 'Filesystem') !== (pv.spec?.volumeMode || 'Filesystem');

/** CheckAccessModes: the volume offers every mode the claim asks for. */
export function checkAccessModes(pvc: V1PersistentVolumeClaim, pv: V1PersistentVolume): boolean {
  const offered = new Set(pv.spec?.accessModes ?? []);
  return (pvc.spec?.accessModes ?? []).every((m) => offered.has(m));
}

/**
 * CheckNodeAffinity: the volume's required node affinity against the node's labels only (upstream
 * matches a node object that carries nothing but the labels). An error text, or undefined when it fits.
 */
export function checkNodeAffinity(pv: V1PersistentVolume, nodeLabels: Record<string, string> | undefined): string | undefined {
  const required = pv.spec?.nodeAffinity?.required;
  if (!required) return undefined;
  const labelsOnly: V1Node = { metadata: { labels: nodeLabels ?? {} } };
  return matchNodeSelectorTerms(required.nodeSelectorTerms, labelsOnly) ? undefined : 'no matching NodeSelectorTerms';
}

/**
 * FindMatchingVolume: a volume pre-bound to the claim (its claimRef names it) wins at once, if its
 * node affinity allows the node; otherwise the smallest Available volume of the claim's class with
 * enough capacity, the same volumeMode, labels the claim's selector matches, node affinity the
 * node satisfies and (on the scheduler's path, with a node) the claim's access modes. Volumes being
 * deleted, bound to other claims or in `excluded` are skipped. Throws on a claim selector that does
 * not parse.
 */
export function findMatchingVolume(
  pvc: V1PersistentVolumeClaim, volumes: readonly V1PersistentVolume[], node: V1Node | undefined,
  excluded: ReadonlySet<string>, delayBinding: boolean,
): V1PersistentVolume | undefined {
  const requested = claimRequest(pvc);
  const requestedClass = claimClass(pvc);
  let selector: ReturnType<typeof selectorFromLabelSelector> | undefined;
  if (pvc.spec?.selector) {
    try {
      selector = selectorFromLabelSelector(pvc.spec.selector as LabelSelector);
    } catch (e) {
      throw new Error(`error creating internal label selector for claim: ${claimKey(pvc)}: ${(e as Error).message}`);
    }
  }
  let smallest: V1PersistentVolume | undefined;
  let smallestQty: Quantity | undefined;
  for (const pv of volumes) {
    const name = pv.metadata?.name ?? '';
    if (excluded.has(name)) continue;
    const boundToThis = isVolumeBoundToClaim(pv, pvc);
    if (pv.spec?.claimRef && !boundToThis) continue;
    const qty = volumeCapacity(pv);
    if (qty.cmp(requested) < 0) continue;
    if (volumeModeMismatch(pvc, pv)) continue;
    if (pv.metadata?.deletionTimestamp) continue;
    // The node affinity check is the dearest: after the cheap ones.
    const nodeAffinityValid = !node || checkNodeAffinity(pv, node.metadata?.labels) === undefined;
    if (boundToThis) {
      // A volume pre-bound to this claim is the only candidate: it fits this node or nothing does.
      return nodeAffinityValid ? pv : undefined;
    }
    // The PV controller leaves delayed claims to the scheduler (which passes a node).
    if (!node && delayBinding) continue;
    if (pv.status?.phase !== 'Available') continue;
    if (selector && !selector.matches(pv.metadata?.labels ?? {})) continue;
    if (volumeClass(pv) !== requestedClass) continue;
    if (!nodeAffinityValid) continue;
    if (node && !checkAccessModes(pvc, pv)) continue;
    if (!smallestQty || smallestQty.cmp(qty) > 0) {
      smallest = pv;
      smallestQty = qty;
    }
  }
  return smallest;
}

/**
 * IsDelayBindingMode: the claim's class says WaitForFirstConsumer. No class, or a class that does
 * not exist, is immediate; a class without a binding mode is an error (the API defaults it).
 */
export function isDelayBindingMode(pvc: V1PersistentVolumeClaim, classes: ObjectLister<V1StorageClass>): boolean {
  const name = claimClass(pvc);
  if (!name) return false;
  const sc = classes.get(name);
  if (!sc) return false;
  if (!sc.volumeBindingMode) throw new Error(`VolumeBindingMode not set for StorageClass "${name}"`);
  return sc.volumeBindingMode === VOLUME_BINDING_WAIT_FOR_FIRST_CONSUMER;
}

/** A reference to the claim as a PV's claimRef carries it (upstream's reference.GetReference). */
export function claimRefOf(pvc: V1PersistentVolumeClaim): V1ObjectReference {
  return {
    kind: 'PersistentVolumeClaim', apiVersion: 'v1',
    namespace: pvc.metadata?.namespace, name: pvc.metadata?.name, uid: pvc.metadata?.uid,
    resourceVersion: pvc.metadata?.resourceVersion,
  };
}

/**
 * GetBindVolumeToClaim: a copy of the volume with its claimRef naming the claim (with UID) and,
 * when it was not already bound to it by the user, the bound-by-controller annotation. `dirty`
 * says whether anything changed.
 */
export function bindVolumeToClaim(pv: V1PersistentVolume, pvc: V1PersistentVolumeClaim): { pv: V1PersistentVolume; dirty: boolean } {
  const setBoundByController = !isVolumeBoundToClaim(pv, pvc);
  const next = structuredClone(pv);
  let dirty = false;
  const ref = pv.spec?.claimRef;
  if (!ref || ref.name !== pvc.metadata?.name || ref.namespace !== pvc.metadata?.namespace || ref.uid !== pvc.metadata?.uid) {
    next.spec = { ...next.spec, claimRef: claimRefOf(pvc) };
    dirty = true;
  }
  if (setBoundByController && !Object.hasOwn(next.metadata?.annotations ?? {}, ANN_BOUND_BY_CONTROLLER)) {
    next.metadata = { ...next.metadata, annotations: { ...next.metadata?.annotations, [ANN_BOUND_BY_CONTROLLER]: 'yes' } };
    dirty = true;
  }
  return { pv: next, dirty };
}

/**
 * MatchTopologySelectorTerms: no terms match every node; otherwise some term whose label
 * expressions all hold (the label present with one of the values). An empty term matches nothing.
 */
export function matchTopologySelectorTerms(terms: readonly V1TopologySelectorTerm[] | undefined, labels: Record<string, string> | undefined): boolean {
  if (!terms || terms.length === 0) return true;
  const l = labels ?? {};
  for (const term of terms) {
    const exprs = term.matchLabelExpressions ?? [];
    if (exprs.length === 0) continue;
    if (exprs.every((e) => Object.hasOwn(l, e.key) && (e.values ?? []).includes(l[e.key]!))) return true;
  }
  return false;
}
