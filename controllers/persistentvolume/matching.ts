// The PersistentVolume controller's own volume rules, pure: the cluster's default class, the
// provisioning annotations, why a volume a claim names cannot serve it, and the best match among
// volumes grouped by access modes. The rules it shares with the scheduler (classes, matching) are
// in machinery/volumes.ts. Upstream: pkg/controller/volume/persistentvolume/index.go (volumes
// grouped by access modes), component-helpers/storage/volume and pkg/volume/util (GetDefaultClass).
import type { V1PersistentVolume, V1PersistentVolumeClaim, V1Pod, V1StorageClass } from '@kubernetes/client-node';
import { cmp } from '../../machinery/quantity.ts';
import {
  ANN_BETA_STORAGE_CLASS, ANN_SELECTED_NODE, checkAccessModes, claimClass, claimRequest, findMatchingVolume, hasAnnotation, volumeCapacity, volumeClass,
  volumeModeMismatch,
} from '../../machinery/volumes.ts';

/** On a claim: who is to provision its volume (the class's provisioner). */
export const ANN_STORAGE_PROVISIONER = 'volume.kubernetes.io/storage-provisioner';
export const ANN_BETA_STORAGE_PROVISIONER = 'volume.beta.kubernetes.io/storage-provisioner';
/** On a volume: the provisioner that made it. */
export const ANN_DYNAMICALLY_PROVISIONED = 'pv.kubernetes.io/provisioned-by';
/** On a class: claims without a class get this one. */
export const ANN_DEFAULT_CLASS = 'storageclass.kubernetes.io/is-default-class';
export const ANN_BETA_DEFAULT_CLASS = 'storageclass.beta.kubernetes.io/is-default-class';
/** On a volume or claim: a CSI driver took over from an in-tree plugin; the controller stands down. */
export const ANN_MIGRATED_TO = 'pv.kubernetes.io/migrated-to';

/** PersistentVolumeClaimHasClass: the claim asked for a class, even "" (static volumes only). */
export function claimHasClass(claim: V1PersistentVolumeClaim): boolean {
  return hasAnnotation(claim, ANN_BETA_STORAGE_CLASS) || (claim.spec?.storageClassName !== undefined && claim.spec.storageClassName !== null);
}

export const isDefaultClass = (sc: V1StorageClass): boolean =>
  sc.metadata?.annotations?.[ANN_DEFAULT_CLASS] === 'true' || sc.metadata?.annotations?.[ANN_BETA_DEFAULT_CLASS] === 'true';

/** GetDefaultClass: of several default classes, the newest (then the first by name). */
export function defaultClass(classes: readonly V1StorageClass[]): V1StorageClass | undefined {
  const created = (sc: V1StorageClass) => sc.metadata?.creationTimestamp?.getTime() ?? 0;
  return classes.filter(isDefaultClass).sort((a, b) =>
    created(b) - created(a) || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''))[0];
}

/** IsDelayBindingProvisioning: the scheduler picked a node for the claim, so provisioning may start. */
export const isDelayBindingProvisioning = (claim: V1PersistentVolumeClaim): boolean => hasAnnotation(claim, ANN_SELECTED_NODE);

/**
 * checkVolumeSatisfyClaim: why a volume a claim names (spec.volumeName) cannot serve it, or
 * undefined when it can. The texts are upstream's, shown in the VolumeMismatch event.
 */
export function volumeMismatch(pv: V1PersistentVolume, claim: V1PersistentVolumeClaim): string | undefined {
  if (pv.metadata?.deletionTimestamp) return `the volume is marked for deletion "${pv.metadata.name}"`;
  if (cmp(volumeCapacity(pv), claimRequest(claim)) < 0) return 'requested PV is too small';
  if (volumeClass(pv) !== claimClass(claim)) return 'storageClassName does not match';
  if (volumeModeMismatch(claim, pv)) return 'incompatible volumeMode';
  if (!checkAccessModes(claim, pv)) return 'incompatible accessMode';
  return undefined;
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
    const pv = findMatchingVolume(claim, groups.get(g.key)!, { delayBinding });
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
