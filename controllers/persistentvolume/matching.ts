// The volume-matching rules of upstream's PersistentVolume controller, pure: which class a claim or
// a volume belongs to, the cluster's default class, the annotations the binding protocol speaks,
// whether a volume satisfies a claim, and the smallest Available volume that does. Upstream:
// component-helpers/storage/volume/pv_helpers.go (FindMatchingVolume and its checks),
// pkg/controller/volume/persistentvolume/index.go (volumes grouped by access modes) and
// pkg/volume/util (GetDefaultClass).
import type { V1PersistentVolume, V1PersistentVolumeClaim, V1Pod, V1StorageClass } from '@kubernetes/client-node';
import { selectorFromLabelSelector, type LabelSelector } from '../../machinery/labels.ts';
import { cmp, parseQuantity, type Quantity } from '../../machinery/quantity.ts';

/** On a claim: the binding is done, the claim has been Bound once (its value does not matter). */
export const ANN_BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
/** On a volume or claim: the controller, not the user, made the binding. */
export const ANN_BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';
/** On a claim: the node the scheduler picked for a WaitForFirstConsumer claim's first pod. */
export const ANN_SELECTED_NODE = 'volume.kubernetes.io/selected-node';
/** On a claim: who is to provision its volume (the class's provisioner). */
export const ANN_STORAGE_PROVISIONER = 'volume.kubernetes.io/storage-provisioner';
export const ANN_BETA_STORAGE_PROVISIONER = 'volume.beta.kubernetes.io/storage-provisioner';
/** On a volume: the provisioner that made it. */
export const ANN_DYNAMICALLY_PROVISIONED = 'pv.kubernetes.io/provisioned-by';
/** On a claim or volume: the class, before spec.storageClassName existed (still honoured first). */
export const ANN_BETA_STORAGE_CLASS = 'volume.beta.kubernetes.io/storage-class';
/** On a class: claims without a class get this one. */
export const ANN_DEFAULT_CLASS = 'storageclass.kubernetes.io/is-default-class';
export const ANN_BETA_DEFAULT_CLASS = 'storageclass.beta.kubernetes.io/is-default-class';
/** On a volume or claim: a CSI driver took over from an in-tree plugin; the controller stands down. */
export const ANN_MIGRATED_TO = 'pv.kubernetes.io/migrated-to';

type Annotated = { metadata?: { annotations?: Record<string, string> } };
const annotation = (o: Annotated, key: string): string | undefined => o.metadata?.annotations?.[key];
export const hasAnnotation = (o: Annotated, key: string): boolean => annotation(o, key) !== undefined;

/** GetPersistentVolumeClaimClass: the beta annotation, else spec.storageClassName, else "". */
export function claimClass(claim: V1PersistentVolumeClaim): string {
  return annotation(claim, ANN_BETA_STORAGE_CLASS) ?? claim.spec?.storageClassName ?? '';
}

/** PersistentVolumeClaimHasClass: the claim asked for a class, even "" (static volumes only). */
export function claimHasClass(claim: V1PersistentVolumeClaim): boolean {
  return hasAnnotation(claim, ANN_BETA_STORAGE_CLASS) || (claim.spec?.storageClassName !== undefined && claim.spec.storageClassName !== null);
}

/** GetPersistentVolumeClass. */
export function volumeClass(pv: V1PersistentVolume): string {
  return annotation(pv, ANN_BETA_STORAGE_CLASS) ?? pv.spec?.storageClassName ?? '';
}

export const isDefaultClass = (sc: V1StorageClass): boolean =>
  annotation(sc, ANN_DEFAULT_CLASS) === 'true' || annotation(sc, ANN_BETA_DEFAULT_CLASS) === 'true';

/** GetDefaultClass: of several default classes, the newest (then the first by name). */
export function defaultClass(classes: readonly V1StorageClass[]): V1StorageClass | undefined {
  const created = (sc: V1StorageClass) => sc.metadata?.creationTimestamp?.getTime() ?? 0;
  return classes.filter(isDefaultClass).sort((a, b) =>
    created(b) - created(a) || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''))[0];
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
  return sc.volumeBindingMode === 'WaitForFirstConsumer';
}

/** IsDelayBindingProvisioning: the scheduler picked a node for the claim, so provisioning may start. */
export const isDelayBindingProvisioning = (claim: V1PersistentVolumeClaim): boolean => hasAnnotation(claim, ANN_SELECTED_NODE);

/** IsVolumeBoundToClaim: the volume names the claim (and its uid, when the volume has one). */
export function isVolumeBoundToClaim(pv: V1PersistentVolume, claim: V1PersistentVolumeClaim): boolean {
  const ref = pv.spec?.claimRef;
  if (!ref) return false;
  if (ref.name !== claim.metadata?.name || ref.namespace !== claim.metadata?.namespace) return false;
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
export const requestedStorage = (claim: V1PersistentVolumeClaim): Quantity => quantity(claim.spec?.resources?.requests?.storage);
export const volumeStorage = (pv: V1PersistentVolume): Quantity => quantity(pv.spec?.capacity?.storage);

/**
 * checkVolumeSatisfyClaim: why a volume a claim names (spec.volumeName) cannot serve it, or
 * undefined when it can. The texts are upstream's, shown in the VolumeMismatch event.
 */
export function volumeMismatch(pv: V1PersistentVolume, claim: V1PersistentVolumeClaim): string | undefined {
  if (pv.metadata?.deletionTimestamp) return `the volume is marked for deletion "${pv.metadata.name}"`;
  if (cmp(volumeStorage(pv), requestedStorage(claim)) < 0) return 'requested PV is too small';
  if (volumeClass(pv) !== claimClass(claim)) return 'storageClassName does not match';
  if (volumeModeMismatch(claim, pv)) return 'incompatible volumeMode';
  if (!checkAccessModes(claim, pv)) return 'incompatible accessMode';
  return undefined;
}

/**
 * FindMatchingVolume on the controller's path (no node): a volume pre-bound to the claim wins at
 * once; otherwise the smallest Available one of the claim's class whose labels match its
 * selector. With delayBinding only pre-bound volumes count: the scheduler binds the rest.
 */
export function findMatchingVolume(claim: V1PersistentVolumeClaim, volumes: readonly V1PersistentVolume[], delayBinding: boolean): V1PersistentVolume | undefined {
  const requested = requestedStorage(claim);
  const requestedClass = claimClass(claim);
  // A selector that does not parse fails the sync, as upstream's error does.
  const selector = claim.spec?.selector ? selectorFromLabelSelector(claim.spec.selector as LabelSelector) : undefined;
  let smallest: V1PersistentVolume | undefined;
  let smallestQty: Quantity | undefined;
  for (const pv of volumes) {
    if (pv.spec?.claimRef && !isVolumeBoundToClaim(pv, claim)) continue;
    const size = volumeStorage(pv);
    if (cmp(size, requested) < 0) continue;
    if (volumeModeMismatch(claim, pv)) continue;
    if (pv.metadata?.deletionTimestamp) continue;
    if (isVolumeBoundToClaim(pv, claim)) return pv;
    if (delayBinding) continue;
    if (pv.status?.phase !== 'Available') continue;
    if (selector && !selector.matches(pv.metadata?.labels ?? {})) continue;
    if (volumeClass(pv) !== requestedClass) continue;
    if (!smallestQty || cmp(smallestQty, size) > 0) {
      smallest = pv;
      smallestQty = size;
    }
  }
  return smallest;
}

const MODE_ABBREVIATIONS: ReadonlyArray<[string, string]> = [
  ['ReadWriteOnce', 'RWO'], ['ReadOnlyMany', 'ROX'], ['ReadWriteMany', 'RWX'], ['ReadWriteOncePod', 'RWOP'],
];
/** GetAccessModesAsString: the index key of a volume's access modes, in a fixed order. */
export function accessModesKey(modes: readonly string[] | undefined): string {
  const set = new Set(modes ?? []);
  return MODE_ABBREVIATIONS.filter(([m]) => set.has(m)).map(([, a]) => a).join(',');
}

/**
 * findBestMatchForClaim: volumes are grouped by their exact set of access modes; the groups
 * offering every mode the claim asks for are searched fewest modes first, so a claim gets the
 * volume closest to what it asked for (a RWO claim takes a RWO volume before a RWO+RWX one).
 */
export function findBestMatchForClaim(claim: V1PersistentVolumeClaim, volumes: readonly V1PersistentVolume[], delayBinding: boolean): V1PersistentVolume | undefined {
  const groups = new Map<string, V1PersistentVolume[]>();
  for (const pv of volumes) {
    const key = accessModesKey(pv.spec?.accessModes);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(pv);
  }
  const wanted = accessModesKey(claim.spec?.accessModes).split(',').filter(Boolean);
  const candidates = [...groups.keys()]
    .map((key) => ({ key, modes: key.split(',').filter(Boolean) }))
    .filter((g) => wanted.every((m) => g.modes.includes(m)))
    .sort((a, b) => a.modes.length - b.modes.length || a.key.localeCompare(b.key));
  for (const g of candidates) {
    const pv = findMatchingVolume(claim, groups.get(g.key)!, delayBinding);
    if (pv) return pv;
  }
  return undefined;
}

/**
 * The claims a pod's volumes name, as "namespace/claim" (upstream's PodPVCIndexFunc): a
 * persistentVolumeClaim volume's claim, and a generic ephemeral volume's "<pod>-<volume>".
 */
export function claimKeysOfPod(pod: V1Pod): string[] {
  const ns = pod.metadata?.namespace ?? '';
  const keys: string[] = [];
  for (const v of pod.spec?.volumes ?? []) {
    if (v.persistentVolumeClaim) keys.push(`${ns}/${v.persistentVolumeClaim.claimName}`);
    else if (v.ephemeral) keys.push(`${ns}/${pod.metadata?.name ?? ''}-${v.name}`);
  }
  return keys;
}

/**
 * IsPodTerminated (pkg/volume/util): the pod Succeeded or Failed, or it is being deleted and none
 * of its containers runs any more.
 */
export function isPodTerminated(pod: V1Pod): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return true;
  if (!pod.metadata?.deletionTimestamp) return false;
  return (pod.status?.containerStatuses ?? []).every((s) => !!s.state?.terminated || !!s.state?.waiting);
}
