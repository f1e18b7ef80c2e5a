// The PersistentVolume / PersistentVolumeClaim rules the scheduler's VolumeBinding plugin and
// the PV controller share, as upstream shares them in component-helpers/storage/volume
// (helpers.go, pv_helpers.go): the binding protocol's annotations, which class a claim or volume
// belongs to, whether a volume is bound to a claim, and the volume a claim matches. Pure
// functions over client-node models.
import type { V1PersistentVolume, V1PersistentVolumeClaim, V1StorageClass } from '@kubernetes/client-node';
import { selectorFromLabelSelector, type LabelSelector } from './labels.ts';
import { cmp, parseQuantity, type Quantity } from './quantity.ts';

/** On a claim: the binding is done, the claim has been Bound once (its value does not matter). */
export const ANN_BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
/** On a volume or claim: the controller, not the user, made the binding. */
export const ANN_BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';
/** On a claim: the node the scheduler picked for a WaitForFirstConsumer claim's first pod. */
export const ANN_SELECTED_NODE = 'volume.kubernetes.io/selected-node';
/** On a claim or volume: the class, before spec.storageClassName existed (still honoured first). */
export const ANN_BETA_STORAGE_CLASS = 'volume.beta.kubernetes.io/storage-class';
export const VOLUME_BINDING_WAIT_FOR_FIRST_CONSUMER = 'WaitForFirstConsumer';

type Annotated = { metadata?: { annotations?: Record<string, string> } };
const annotation = (o: Annotated, key: string): string | undefined => o.metadata?.annotations?.[key];
export const hasAnnotation = (o: Annotated, key: string): boolean => annotation(o, key) !== undefined;

/** GetPersistentVolumeClaimClass: the beta annotation, else spec.storageClassName, else "". */
export function claimClass(claim: V1PersistentVolumeClaim): string {
  return annotation(claim, ANN_BETA_STORAGE_CLASS) ?? claim.spec?.storageClassName ?? '';
}

/** GetPersistentVolumeClass: the same rule for volumes. */
export function volumeClass(pv: V1PersistentVolume): string {
  return annotation(pv, ANN_BETA_STORAGE_CLASS) ?? pv.spec?.storageClassName ?? '';
}

const ZERO = parseQuantity('0');
/** A storage quantity as stored; absent or unreadable counts as zero (Go's zero Quantity). */
function quantity(v: unknown): Quantity {
  if (v === undefined || v === null) return ZERO;
  try {
    return parseQuantity(String(v));
  } catch {
    return ZERO;
  }
}
/** The claim's requested storage (zero when it asks for none). */
export const claimRequest = (claim: V1PersistentVolumeClaim): Quantity => quantity(claim.spec?.resources?.requests?.storage);
export const volumeCapacity = (pv: V1PersistentVolume): Quantity => quantity(pv.spec?.capacity?.storage);

/** IsVolumeBoundToClaim: the volume's claimRef names the claim (and its uid, when the ref has one). */
export function isVolumeBoundToClaim(pv: V1PersistentVolume, claim: V1PersistentVolumeClaim): boolean {
  const ref = pv.spec?.claimRef;
  if (!ref) return false;
  if ((ref.name ?? '') !== (claim.metadata?.name ?? '') || (ref.namespace ?? '') !== (claim.metadata?.namespace ?? '')) return false;
  return !ref.uid || ref.uid === claim.metadata?.uid;
}

/** CheckVolumeModeMismatches: an unset mode is Filesystem on either side. */
export function volumeModeMismatch(claim: V1PersistentVolumeClaim, pv: V1PersistentVolume): boolean {
  return (claim.spec?.volumeMode || 'Filesystem') !== (pv.spec?.volumeMode || 'Filesystem');
}

/** CheckAccessModes: the volume offers every mode the claim asks for. */
export function checkAccessModes(claim: V1PersistentVolumeClaim, pv: V1PersistentVolume): boolean {
  const offered = new Set(pv.spec?.accessModes ?? []);
  return (claim.spec?.accessModes ?? []).every((m) => offered.has(m));
}

/**
 * IsDelayBindingMode: the claim's class binds WaitForFirstConsumer. No class, or a class that does
 * not exist, binds at once; a class without a binding mode is an error (the API server defaults it).
 */
export function isDelayBindingMode(className: string, getClass: (name: string) => V1StorageClass | undefined): boolean {
  if (className === '') return false;
  const sc = getClass(className);
  if (!sc) return false;
  if (!sc.volumeBindingMode) throw new Error(`VolumeBindingMode not set for StorageClass "${className}"`);
  return sc.volumeBindingMode === VOLUME_BINDING_WAIT_FOR_FIRST_CONSUMER;
}

export interface MatchOptions {
  /** The claim's class binds WaitForFirstConsumer. */
  delayBinding: boolean;
  /**
   * The scheduler's path: whether the volume's node affinity admits the node being filtered. With
   * it, access modes are checked too and delayed claims match; without it (the PV controller's
   * path), a delayed claim matches only a volume pre-bound to it, as the scheduler binds the rest.
   */
  fitsNode?: (pv: V1PersistentVolume) => boolean;
  /** Volume names already chosen for the pod's other claims. */
  excluded?: ReadonlySet<string>;
}

/**
 * FindMatchingVolume: a volume pre-bound to the claim (its claimRef names it) wins at once, if it
 * fits the node; otherwise the smallest Available volume of the claim's class with enough
 * capacity, the same volumeMode and labels the claim's selector matches (and, on the scheduler's
 * path, node affinity and access modes that fit). Volumes being deleted, bound to other claims or
 * excluded are skipped. Throws on a claim selector that does not parse, failing the caller's sync
 * as upstream's error does.
 */
export function findMatchingVolume(claim: V1PersistentVolumeClaim, volumes: readonly V1PersistentVolume[], o: MatchOptions): V1PersistentVolume | undefined {
  const requested = claimRequest(claim);
  const requestedClass = claimClass(claim);
  let selector: ReturnType<typeof selectorFromLabelSelector> | undefined;
  if (claim.spec?.selector) {
    try {
      selector = selectorFromLabelSelector(claim.spec.selector as LabelSelector);
    } catch (e) {
      throw new Error(`error creating internal label selector for claim: ${claim.metadata?.namespace ?? ''}/${claim.metadata?.name ?? ''}: ${(e as Error).message}`);
    }
  }
  let smallest: V1PersistentVolume | undefined;
  let smallestQty: Quantity | undefined;
  for (const pv of volumes) {
    if (o.excluded?.has(pv.metadata?.name ?? '')) continue;
    const boundToThis = isVolumeBoundToClaim(pv, claim);
    if (pv.spec?.claimRef && !boundToThis) continue;
    const size = volumeCapacity(pv);
    if (cmp(size, requested) < 0) continue;
    if (volumeModeMismatch(claim, pv)) continue;
    if (pv.metadata?.deletionTimestamp) continue;
    // The node affinity check is the dearest: after the cheap ones.
    const fits = !o.fitsNode || o.fitsNode(pv);
    // A volume pre-bound to this claim is the only candidate: it fits the node or nothing does.
    if (boundToThis) return fits ? pv : undefined;
    if (!o.fitsNode && o.delayBinding) continue;
    if (pv.status?.phase !== 'Available') continue;
    if (selector && !selector.matches(pv.metadata?.labels ?? {})) continue;
    if (volumeClass(pv) !== requestedClass) continue;
    if (!fits) continue;
    if (o.fitsNode && !checkAccessModes(claim, pv)) continue;
    if (!smallestQty || cmp(smallestQty, size) > 0) {
      smallest = pv;
      smallestQty = size;
    }
  }
  return smallest;
}
