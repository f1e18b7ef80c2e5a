// The PersistentVolume controller, "persistent-volume-binder" (upstream
// pkg/controller/volume/persistentvolume/pv_controller.go): it binds claims to volumes and keeps
// the two halves of every binding — pv.spec.claimRef and pvc.spec.volumeName — in agreement.
//
// A claim that names a volume, a volume that names a claim (pre-bound either way, by a user or by
// the scheduler's VolumeBinding), and an unbound claim matched to the smallest Available volume
// that serves it are all bound the same way, in upstream's order so that a crash between two
// writes is finished by the next sync: the volume's claimRef, the volume's phase, the claim's
// volumeName and annotations, the claim's phase. A claim nothing matches gets the default class
// when it has none, waits for a node under WaitForFirstConsumer, or is handed to its class's
// external provisioner through the storage-provisioner annotations. A volume whose claim is gone
// is Released and reclaimed by its policy: Retain keeps it, Delete leaves it to the provisioner
// that made it. Every write is a PUT with the object's resourceVersion, so a stale cache loses a
// conflict instead of binding twice.
//
// Upstream runs a claim queue and a volume queue, one worker each. Here one queue holds both —
// claims as "namespace/name", volumes as their bare (cluster-scoped) names — with one worker,
// which serialises every binding decision as upstream's single claim worker does.
import type { KubernetesObject, V1ObjectReference, V1PersistentVolume, V1PersistentVolumeClaim, V1Pod, V1StorageClass } from '@kubernetes/client-node';
import { cmp, parseQuantity } from '../../machinery/quantity.ts';
import {
  defineController, isConflict, isNotFound, runController,
  type Controller, type EventRecorder, type Lister, type RestClient, type SyncContext, type WorkQueue,
} from '../../client/index.ts';
import { persistentVolumeClaims, persistentVolumes, pods, storageClasses } from '../../client/resources.ts';

export { storageClasses };
import {
  ANN_BIND_COMPLETED, ANN_BOUND_BY_CONTROLLER, claimClass, hasAnnotation, isDelayBindingMode, isVolumeBoundToClaim, volumeModeMismatch,
} from '../../machinery/volumes.ts';
import {
  ANN_BETA_STORAGE_PROVISIONER, ANN_DYNAMICALLY_PROVISIONED, ANN_MIGRATED_TO, ANN_STORAGE_PROVISIONER, claimHasClass, claimKeysOfPod,
  defaultClass, findBestMatchForClaim, isDelayBindingProvisioning, isPodTerminated, volumeMismatch,
} from './matching.ts';


/** The controller's name, and its ServiceAccount's (bound to system:controller:persistent-volume-binder). */
export const PERSISTENT_VOLUME_BINDER = 'persistent-volume-binder';
/** The source upstream's controller reports its events as (kubectl describe's "From"). */
export const PERSISTENT_VOLUME_EVENT_SOURCE = 'persistentvolume-controller';
/** Upstream's --pvclaimbinder-sync-period. */
export const BINDER_RESYNC_MS = 15_000;

/** Index of volumes by the claim they name ("namespace/name"). */
export const BY_CLAIM_REF = 'claimRef';
/** Index of pods by the claims their volumes name (upstream's PodPVCIndex). */
export const BY_CLAIM = 'pvc';

const claimRefKeys = (pv: KubernetesObject): string[] => {
  const ref = (pv as V1PersistentVolume).spec?.claimRef;
  return ref?.name ? [`${ref.namespace ?? ''}/${ref.name}`] : [];
};
const claimKey = (c: V1PersistentVolumeClaim) => `${c.metadata?.namespace ?? ''}/${c.metadata?.name ?? ''}`;
const nameOf = (o: KubernetesObject) => o.metadata?.name ?? '';

/** What one sync works with. */
interface Binder {
  rest: RestClient;
  volumes: Lister<V1PersistentVolume>;
  claims: Lister<V1PersistentVolumeClaim>;
  classes: Lister<V1StorageClass>;
  pods: Lister<V1Pod>;
  recorder: EventRecorder;
  queue: WorkQueue<string>;
  signal: AbortSignal;
}

export function persistentVolumeBinderController(o: { resyncMs?: number } = {}): Controller {
  const resyncMs = o.resyncMs ?? BINDER_RESYNC_MS;
  const def = defineController<V1PersistentVolumeClaim>({
    name: PERSISTENT_VOLUME_BINDER,
    primary: persistentVolumeClaims,
    watches: [
      // A volume wakes itself and the claim it names (upstream: volume events, and the claim sync a
      // bound volume asks for; a deleted volume wakes its claim, which becomes Lost).
      { resource: persistentVolumes, keys: (pv) => [nameOf(pv), ...claimRefKeys(pv)], indexers: { [BY_CLAIM_REF]: claimRefKeys } },
      // A claim wakes its volume and the volumes naming it: a deleted claim releases them.
      {
        resource: persistentVolumeClaims,
        keys: (c, lister) => {
          const claim = c as V1PersistentVolumeClaim;
          const names = lister(persistentVolumes).byIndex(BY_CLAIM_REF, claimKey(claim)).map(nameOf);
          if (claim.spec?.volumeName) names.push(claim.spec.volumeName);
          return names;
        },
      },
      // A class appearing or changing retries the claims still waiting (upstream waits for its resync).
      {
        resource: storageClasses,
        keys: (_sc, lister) => lister(persistentVolumeClaims).list().filter((c) => !hasAnnotation(c, ANN_BIND_COMPLETED)).map(claimKey),
      },
      // A pod naming an unbound claim: the claim's WaitForFirstConsumer event names the pod.
      {
        resource: pods,
        keys: (p, lister) => claimKeysOfPod(p as V1Pod).filter((k) => {
          const claim = lister(persistentVolumeClaims).get(k);
          return !!claim && !hasAnnotation(claim, ANN_BIND_COMPLETED);
        }),
        indexers: { [BY_CLAIM]: (p) => claimKeysOfPod(p as V1Pod) },
      },
    ],
    workers: 1,
    resyncMs,
    async sync(key, ctx) {
      const b = binderOf(ctx);
      try {
        if (key.includes('/')) {
          const claim = b.claims.get(key);
          if (claim) await syncClaim(b, claim);
          return;
        }
        const volume = b.volumes.get(key);
        if (!volume) return;
        await syncVolume(b, volume);
        // Volumes are resynced as upstream's resync does (a reclaim that failed is tried again).
        return { requeueAfterMs: resyncMs };
      } catch (e) {
        // Someone wrote first (often our own previous write, not yet in the cache): the newer
        // version's event queues the key again; look once more shortly in case it already came.
        if (isConflict(e) || isNotFound(e)) return { requeueAfterMs: 100 };
        throw e;
      }
    },
  });
  return {
    name: PERSISTENT_VOLUME_BINDER,
    run: (env, signal) => runController(def.definition, { ...env, recorder: () => env.recorder(PERSISTENT_VOLUME_EVENT_SOURCE) }, signal),
  };
}

function binderOf(ctx: SyncContext): Binder {
  return {
    rest: ctx.clients.rest, volumes: ctx.lister(persistentVolumes), claims: ctx.lister(persistentVolumeClaims),
    classes: ctx.lister(storageClasses), pods: ctx.lister(pods), recorder: ctx.recorder, queue: ctx.queue, signal: ctx.signal,
  };
}

// ---- writes: whole-object PUTs carrying the resourceVersion the decision was made on ----

const putVolume = (b: Binder, pv: V1PersistentVolume) => b.rest.update(persistentVolumes, '', pv, { signal: b.signal });
const putVolumeStatus = (b: Binder, pv: V1PersistentVolume) => b.rest.update(persistentVolumes, '', pv, { subresource: 'status', signal: b.signal });
const putClaim = (b: Binder, c: V1PersistentVolumeClaim) => b.rest.update(persistentVolumeClaims, c.metadata!.namespace!, c, { signal: b.signal });
const putClaimStatus = (b: Binder, c: V1PersistentVolumeClaim) =>
  b.rest.update(persistentVolumeClaims, c.metadata!.namespace!, c, { subresource: 'status', signal: b.signal });

function annotate(obj: KubernetesObject, key: string, value: string): void {
  const meta = (obj.metadata ??= {});
  (meta.annotations ??= {})[key] = value;
}

/** ref.GetReference for a claim: what a volume's claimRef holds. */
function claimReference(claim: V1PersistentVolumeClaim): V1ObjectReference {
  return {
    kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: claim.metadata?.namespace, name: claim.metadata?.name,
    uid: claim.metadata?.uid, resourceVersion: claim.metadata?.resourceVersion,
  };
}

// ---- claims ----

/** syncClaim: a claim that never completed binding, or one that did. */
async function syncClaim(b: Binder, claim: V1PersistentVolumeClaim): Promise<void> {
  if (!hasAnnotation(claim, ANN_BIND_COMPLETED)) await syncUnboundClaim(b, claim);
  else await syncBoundClaim(b, claim);
}

/** syncUnboundClaim: a claim never Bound yet — bind it to a volume, hand it to a provisioner, or let it wait. */
async function syncUnboundClaim(b: Binder, claim: V1PersistentVolumeClaim): Promise<void> {
  const volumeName = claim.spec?.volumeName;
  if (!volumeName) {
    const className = claimClass(claim);
    const delayBinding = isDelayBindingMode(className, (n) => b.classes.get(n));
    const volume = findBestMatchForClaim(claim, b.volumes.list(), delayBinding);
    if (volume) {
      await bind(b, volume, claim);
      return;
    }
    // No volume: a claim without a class gets the default one first (its update syncs it again).
    if (await assignDefaultStorageClass(b, claim)) return;
    if (delayBinding && !isDelayBindingProvisioning(claim)) {
      // Nothing to do until the scheduler picks a node for a pod using the claim.
      emitEventForUnboundDelayBindingClaim(b, claim);
    } else if (className !== '') {
      await provisionClaim(b, claim, className);
      return;
    } else {
      b.recorder.event(claim, 'Normal', 'FailedBinding', 'no persistent volumes available for this claim and no storage class is set');
    }
    await updateClaimStatus(b, claim, 'Pending', undefined);
    return;
  }

  // The claim asks for one volume by name.
  const volume = b.volumes.get(volumeName);
  if (!volume) {
    await updateClaimStatus(b, claim, 'Pending', undefined); // it may appear later
    return;
  }
  if (!volume.spec?.claimRef) {
    const why = volumeMismatch(volume, claim);
    if (why) {
      b.recorder.event(claim, 'Warning', 'VolumeMismatch', `Cannot bind to requested volume "${volumeName}": ${why}`);
      await updateClaimStatus(b, claim, 'Pending', undefined);
      return;
    }
    await bind(b, volume, claim);
    return;
  }
  if (isVolumeBoundToClaim(volume, claim)) {
    // Pre-bound to this claim (by a user, a provisioner or the scheduler): finish the binding.
    await bind(b, volume, claim);
    return;
  }
  b.recorder.event(claim, 'Warning', 'FailedBinding', `volume "${volumeName}" already bound to a different claim.`);
  if (!hasAnnotation(claim, ANN_BOUND_BY_CONTROLLER)) {
    // The user's choice: wait for the volume to come free.
    await updateClaimStatus(b, claim, 'Pending', undefined);
    return;
  }
  const ref = volume.spec.claimRef;
  throw new Error(`invalid binding of claim "${claimKey(claim)}" to volume "${volumeName}": volume already claimed by "${ref.namespace}/${ref.name}"`);
}

/** syncBoundClaim: a claim Bound once stays bound to its volume, or is Lost. */
async function syncBoundClaim(b: Binder, claim: V1PersistentVolumeClaim): Promise<void> {
  const volumeName = claim.spec?.volumeName;
  if (!volumeName) {
    await updateClaimStatusWithEvent(b, claim, 'Lost', 'ClaimLost', 'Bound claim has lost reference to PersistentVolume. Data on the volume is lost!');
    return;
  }
  const volume = b.volumes.get(volumeName);
  if (!volume) {
    await updateClaimStatusWithEvent(b, claim, 'Lost', 'ClaimLost', 'Bound claim has lost its PersistentVolume. Data on the volume is lost!');
    return;
  }
  const ref = volume.spec?.claimRef;
  if (!ref || ref.uid === claim.metadata?.uid) {
    // Unbound volume (or its update not seen yet), or all is well: bind() only writes what differs.
    await bind(b, volume, claim);
    return;
  }
  await updateClaimStatusWithEvent(b, claim, 'Lost', 'ClaimMisbound', 'Two claims are bound to the same volume, this one is bound incorrectly');
}

/** The WaitForFirstConsumer event: which pods the claim waits for, when some exist. */
function emitEventForUnboundDelayBindingClaim(b: Binder, claim: V1PersistentVolumeClaim): void {
  const waiting = b.pods.byIndex(BY_CLAIM, claimKey(claim)).filter((p) => !isPodTerminated(p) && !p.spec?.nodeName).map(nameOf);
  if (waiting.length === 0) {
    b.recorder.event(claim, 'Normal', 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding');
  } else if (waiting.length === 1) {
    b.recorder.event(claim, 'Normal', 'WaitForPodScheduled', `waiting for pod ${waiting[0]} to be scheduled`);
  } else {
    b.recorder.event(claim, 'Normal', 'WaitForPodScheduled', `waiting for pods ${waiting.join(',')} to be scheduled`);
  }
}

/**
 * assignDefaultStorageClass (the retroactive default StorageClass, GA in 1.28): a claim without
 * any class gets the default one, written to spec.storageClassName. True when it was written.
 */
async function assignDefaultStorageClass(b: Binder, claim: V1PersistentVolumeClaim): Promise<boolean> {
  if (claimHasClass(claim)) return false;
  const sc = defaultClass(b.classes.list());
  if (!sc?.metadata?.name) return false;
  const next = structuredClone(claim);
  (next.spec ??= {}).storageClassName = sc.metadata.name;
  try {
    await putClaim(b, next);
  } catch (e) {
    if (isConflict(e) || isNotFound(e)) throw e;
    throw new Error(`can't update PersistentVolumeClaim["${claimKey(claim)}"]: ${(e as Error).message}`);
  }
  return true;
}

/**
 * provisionClaim for an external provisioner (there are no in-tree volume plugins here): the
 * claim is annotated with its class's provisioner, which makes and pre-binds the volume.
 */
async function provisionClaim(b: Binder, claim: V1PersistentVolumeClaim, className: string): Promise<void> {
  const sc = b.classes.get(className);
  if (!sc) {
    b.recorder.event(claim, 'Warning', 'ProvisioningFailed', `storageclass.storage.k8s.io "${className}" not found`);
    return;
  }
  const provisioner = sc.provisioner ?? '';
  if (provisioner.startsWith('kubernetes.io/')) {
    // The in-tree prefix names a plugin of the controller itself, and none is compiled in.
    b.recorder.event(claim, 'Warning', 'ProvisioningFailed', `no volume plugin matched name: ${provisioner}`);
    return;
  }
  let current = claim;
  try {
    current = await setClaimProvisioner(b, claim, provisioner);
  } catch (e) {
    if (!isConflict(e) && !isNotFound(e)) b.recorder.event(claim, 'Warning', 'ProvisioningFailed', `Error saving claim: ${(e as Error).message}`);
    throw e;
  }
  b.recorder.event(current, 'Normal', 'ExternalProvisioning',
    `Waiting for a volume to be created either by the external provisioner '${provisioner}' or manually by the system administrator. ` +
    'If volume creation is delayed, please verify that the provisioner is running and correctly registered.');
}

/** setClaimProvisioner: both the GA and the beta annotation, as upstream still writes. */
async function setClaimProvisioner(b: Binder, claim: V1PersistentVolumeClaim, provisioner: string): Promise<V1PersistentVolumeClaim> {
  if (claim.metadata?.annotations?.[ANN_STORAGE_PROVISIONER] === provisioner) return claim;
  const next = structuredClone(claim);
  annotate(next, ANN_BETA_STORAGE_PROVISIONER, provisioner);
  annotate(next, ANN_STORAGE_PROVISIONER, provisioner);
  return putClaim(b, next);
}

const sameList = (a: readonly string[] | undefined, b: readonly string[] | undefined) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
const sameQuantity = (a: unknown, b: unknown) => {
  try {
    return cmp(parseQuantity(String(a)), parseQuantity(String(b))) === 0;
  } catch {
    return false;
  }
};

/**
 * updateClaimStatus: the phase, and the volume's access modes and capacity (the capacity only as
 * the claim becomes Bound: a later difference may be a resize in progress, kept as it is).
 */
async function updateClaimStatus(b: Binder, claim: V1PersistentVolumeClaim, phase: string, volume: V1PersistentVolume | undefined): Promise<V1PersistentVolumeClaim> {
  const next = structuredClone(claim);
  const status = (next.status ??= {});
  let dirty = false;
  if (claim.status?.phase !== phase) {
    status.phase = phase;
    dirty = true;
  }
  if (!volume) {
    if (claim.status?.accessModes) { delete status.accessModes; dirty = true; }
    if (claim.status?.capacity) { delete status.capacity; dirty = true; }
  } else {
    if (!sameList(claim.status?.accessModes, volume.spec?.accessModes)) {
      status.accessModes = volume.spec?.accessModes;
      dirty = true;
    }
    if (claim.status?.phase !== phase) {
      const volumeCapacity = volume.spec?.capacity?.storage;
      if (volumeCapacity === undefined) throw new Error(`PersistentVolume "${nameOf(volume)}" is without a storage capacity`);
      const claimCapacity = claim.status?.capacity?.storage;
      if (claimCapacity === undefined || !sameQuantity(volumeCapacity, claimCapacity)) {
        status.capacity = volume.spec?.capacity;
        dirty = true;
      }
    }
  }
  if (!dirty) return claim;
  return putClaimStatus(b, next);
}

/** updateClaimStatusWithEvent: the event only when the phase actually changes. */
async function updateClaimStatusWithEvent(b: Binder, claim: V1PersistentVolumeClaim, phase: string, reason: string, message: string): Promise<void> {
  if (claim.status?.phase === phase) return;
  const updated = await updateClaimStatus(b, claim, phase, undefined);
  b.recorder.event(updated, 'Warning', reason, message);
}

// ---- the bind: volume first, then the claim ----

async function bind(b: Binder, volume: V1PersistentVolume, claim: V1PersistentVolumeClaim): Promise<void> {
  let pv = await bindVolumeToClaim(b, volume, claim);
  pv = await updateVolumePhase(b, pv, 'Bound');
  const c = await bindClaimToVolume(b, claim, pv);
  await updateClaimStatus(b, c, 'Bound', pv);
}

/** GetBindVolumeToClaim + save: claimRef with the claim's uid; bound-by-controller unless pre-bound. */
async function bindVolumeToClaim(b: Binder, volume: V1PersistentVolume, claim: V1PersistentVolumeClaim): Promise<V1PersistentVolume> {
  const preBound = isVolumeBoundToClaim(volume, claim);
  const next = structuredClone(volume);
  let dirty = false;
  const ref = volume.spec?.claimRef;
  if (!ref || ref.name !== claim.metadata?.name || ref.namespace !== claim.metadata?.namespace || ref.uid !== claim.metadata?.uid) {
    (next.spec ??= {}).claimRef = claimReference(claim);
    dirty = true;
  }
  if (!preBound && !hasAnnotation(next, ANN_BOUND_BY_CONTROLLER)) {
    annotate(next, ANN_BOUND_BY_CONTROLLER, 'yes');
    dirty = true;
  }
  return dirty ? putVolume(b, next) : volume;
}

/** bindClaimToVolume: volumeName (and bound-by-controller when the controller chose it), bind-completed. */
async function bindClaimToVolume(b: Binder, claim: V1PersistentVolumeClaim, volume: V1PersistentVolume): Promise<V1PersistentVolumeClaim> {
  const next = structuredClone(claim);
  let dirty = false;
  if (claim.spec?.volumeName !== nameOf(volume)) {
    (next.spec ??= {}).volumeName = nameOf(volume);
    if (!hasAnnotation(next, ANN_BOUND_BY_CONTROLLER)) annotate(next, ANN_BOUND_BY_CONTROLLER, 'yes');
    dirty = true;
  }
  if (!hasAnnotation(next, ANN_BIND_COMPLETED)) {
    annotate(next, ANN_BIND_COMPLETED, 'yes');
    dirty = true;
  }
  return dirty ? putClaim(b, next) : claim;
}

async function updateVolumePhase(b: Binder, volume: V1PersistentVolume, phase: string, message = ''): Promise<V1PersistentVolume> {
  if (volume.status?.phase === phase) return volume;
  const next = structuredClone(volume);
  const status = (next.status ??= {});
  status.phase = phase;
  if (message) status.message = message;
  else delete status.message;
  return putVolumeStatus(b, next);
}

async function updateVolumePhaseWithEvent(b: Binder, volume: V1PersistentVolume, phase: string, reason: string, message: string): Promise<V1PersistentVolume> {
  if (volume.status?.phase === phase) return volume;
  const updated = await updateVolumePhase(b, volume, phase, message);
  b.recorder.event(updated, 'Warning', reason, message);
  return updated;
}

// ---- volumes ----

/** syncVolume: a volume is Available, Bound, or Released and reclaimed. */
async function syncVolume(b: Binder, volume: V1PersistentVolume): Promise<void> {
  const ref = volume.spec?.claimRef;
  if (!ref || !ref.uid) {
    // Unused, or reserved for a claim not bound yet (the claim's sync binds it).
    await updateVolumePhase(b, volume, 'Available');
    return;
  }
  const phase = volume.status?.phase;
  const ns = ref.namespace ?? '';
  const name = ref.name ?? '';
  let claim = b.claims.getByName(ns, name);
  // A claim missing from the cache may just be new (a provisioner or the scheduler was quicker
  // than our watch): ask the API server before releasing the volume.
  if (!claim && phase !== 'Released' && phase !== 'Failed') claim = await getClaim(b, ns, name);
  if (claim && claim.metadata?.uid !== ref.uid) {
    // Perhaps a claim of the same name replaced the old one, perhaps the cache is behind.
    claim = await getClaim(b, ns, name);
    if (claim && claim.metadata?.uid !== ref.uid) claim = undefined;
  }

  if (!claim) {
    // The claim is gone. A Failed volume stays Failed while the reclaim is retried.
    let pv = volume;
    if (phase !== 'Released' && phase !== 'Failed') pv = await updateVolumePhase(b, volume, 'Released');
    await reclaimVolume(b, pv);
    return;
  }
  if (!claim.spec?.volumeName) {
    if (volumeModeMismatch(claim, volume)) {
      b.recorder.event(volume, 'Warning', 'VolumeMismatch', `Cannot bind PersistentVolume to requested PersistentVolumeClaim "${nameOf(claim)}" due to incompatible volumeMode.`);
      b.recorder.event(claim, 'Warning', 'VolumeMismatch', `Cannot bind PersistentVolume "${nameOf(volume)}" to requested PersistentVolumeClaim due to incompatible volumeMode.`);
      return;
    }
    // Bound on the volume's side only: the claim's sync finishes it.
    b.queue.add(claimKey(claim));
    return;
  }
  if (claim.spec.volumeName === nameOf(volume)) {
    await updateVolumePhase(b, volume, 'Bound');
    return;
  }
  // The claim is bound to another volume.
  if (hasAnnotation(volume, ANN_DYNAMICALLY_PROVISIONED) && volume.spec?.persistentVolumeReclaimPolicy === 'Delete') {
    // Provisioned for this claim, which got another volume meanwhile: not needed any more.
    let pv = volume;
    if (phase !== 'Released' && phase !== 'Failed') pv = await updateVolumePhase(b, volume, 'Released');
    await reclaimVolume(b, pv);
    return;
  }
  // Bound by us and the claim went elsewhere: undo it. Pre-bound by a user: keep the reservation
  // (only the uid goes) until the claim comes free.
  await unbindVolume(b, volume);
}

async function getClaim(b: Binder, namespace: string, name: string): Promise<V1PersistentVolumeClaim | undefined> {
  try {
    return await b.rest.get(persistentVolumeClaims, namespace, name, { signal: b.signal });
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/** unbindVolume: back to Available; a user's claimRef stays, without the uid. */
async function unbindVolume(b: Binder, volume: V1PersistentVolume): Promise<void> {
  const next = structuredClone(volume);
  if (hasAnnotation(volume, ANN_BOUND_BY_CONTROLLER)) {
    delete next.spec!.claimRef;
    delete next.metadata!.annotations![ANN_BOUND_BY_CONTROLLER];
    if (Object.keys(next.metadata!.annotations!).length === 0) delete next.metadata!.annotations;
  } else if (next.spec?.claimRef) {
    delete next.spec.claimRef.uid;
  }
  const pv = await putVolume(b, next);
  await updateVolumePhase(b, pv, 'Available');
}

/** reclaimVolume: what the volume's reclaim policy says to do with a Released volume. */
async function reclaimVolume(b: Binder, volume: V1PersistentVolume): Promise<void> {
  // A CSI driver migrated from an in-tree plugin reclaims the volume itself.
  if (volume.metadata?.annotations?.[ANN_MIGRATED_TO]) return;
  switch (volume.spec?.persistentVolumeReclaimPolicy) {
    case 'Retain':
      return;
    case 'Recycle':
      if (!isVolumeReleased(b, volume)) return;
      // Recycling runs an in-tree plugin's scrubber pod; none is compiled in.
      await updateVolumePhaseWithEvent(b, volume, 'Failed', 'VolumeFailedRecycle', 'No recycler plugin found for the volume!');
      return;
    case 'Delete': {
      const current = await getVolume(b, nameOf(volume));
      if (!current || !isVolumeReleased(b, current)) return;
      const provisionedBy = current.metadata?.annotations?.[ANN_DYNAMICALLY_PROVISIONED];
      // An external provisioner (the one named on the volume) or a CSI driver deletes it.
      if ((provisionedBy && !provisionedBy.startsWith('kubernetes.io/')) || current.spec?.csi) return;
      await updateVolumePhaseWithEvent(b, current, 'Failed', 'VolumeFailedDelete',
        `error getting deleter volume plugin for volume "${nameOf(current)}": no deletable volume plugin matched`);
      return;
    }
    default:
      await updateVolumePhaseWithEvent(b, volume, 'Failed', 'VolumeUnknownReclaimPolicy', 'Volume has unrecognized PersistentVolumeReclaimPolicy');
  }
}

async function getVolume(b: Binder, name: string): Promise<V1PersistentVolume | undefined> {
  try {
    return await b.rest.get(persistentVolumes, '', name, { signal: b.signal });
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/**
 * isVolumeReleased: the volume is bound (with a uid) and its claim is gone, or the claim of that
 * uid is bound to another volume.
 */
function isVolumeReleased(b: Binder, volume: V1PersistentVolume): boolean {
  const ref = volume.spec?.claimRef;
  if (!ref?.uid) return false;
  const claim = b.claims.getByName(ref.namespace ?? '', ref.name ?? '');
  if (claim && claim.metadata?.uid === ref.uid) return !!claim.spec?.volumeName && claim.spec.volumeName !== nameOf(volume);
  return true;
}
