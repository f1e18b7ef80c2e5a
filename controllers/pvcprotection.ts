// The PVC protection controller (upstream pkg/controller/volume/pvcprotection): every claim carries
// the kubernetes.io/pvc-protection finalizer (StorageObjectInUseProtection admission adds it; this
// controller adds it to claims made before), and a claim being deleted loses it — and so goes —
// only once no pod uses it. A pod uses a claim when it is scheduled (has a node) and names the
// claim in a persistentVolumeClaim volume, or owns it through a generic ephemeral volume and has
// not been shut down. As upstream, the phase does not matter: a Succeeded or Failed pod that still
// exists keeps its claim (kubernetes/kubernetes#123320, which would have changed this, was closed
// unmerged); deleting the pod releases it. No pod in the cache is confirmed by a live list.
import type { KubernetesObject, V1PersistentVolumeClaim, V1Pod } from '@kubernetes/client-node';
import { defineController, isConflict, isNotFound, type Controller } from '../client/index.ts';
import { persistentVolumeClaims, pods } from '../client/resources.ts';
import { BY_CLAIM, claimKeysOfPod } from './persistentvolume/index.ts';

export const PVC_PROTECTION_FINALIZER = 'kubernetes.io/pvc-protection';
export const PVC_PROTECTION_CONTROLLER = 'pvc-protection-controller';

const hasFinalizer = (o: KubernetesObject, f: string) => (o.metadata?.finalizers ?? []).includes(f);
/** protectionutil.IsDeletionCandidate: being deleted, and the finalizer still holds it. */
export const isDeletionCandidate = (o: KubernetesObject, f: string): boolean => !!o.metadata?.deletionTimestamp && hasFinalizer(o, f);
/** protectionutil.NeedToAddFinalizer: alive and without the finalizer. */
export const needToAddFinalizer = (o: KubernetesObject, f: string): boolean => !o.metadata?.deletionTimestamp && !hasFinalizer(o, f);

/**
 * podIsShutDown: deleted with a zero grace period — the kubelet is done with it, or it was
 * force-deleted. Only an ephemeral volume's claim is released by it (its owner pod may itself
 * wait for the claim: a cycle this breaks).
 */
const podIsShutDown = (pod: V1Pod) => !!pod.metadata?.deletionTimestamp && pod.metadata.deletionGracePeriodSeconds === 0;

/** podUsesPVC. */
export function podUsesClaim(pod: V1Pod, claim: V1PersistentVolumeClaim): boolean {
  // The kubelet sees a pod only once it is scheduled, and refuses to start one whose claim is
  // being deleted; an unscheduled pod therefore holds nothing.
  if (!pod.spec?.nodeName) return false;
  return (pod.spec.volumes ?? []).some((v) => {
    if (v.persistentVolumeClaim) return v.persistentVolumeClaim.claimName === claim.metadata?.name;
    if (!v.ephemeral || podIsShutDown(pod)) return false;
    // A generic ephemeral volume's claim is "<pod>-<volume>", and it must be the pod's own.
    return `${pod.metadata?.name}-${v.name}` === claim.metadata?.name &&
      (claim.metadata?.ownerReferences ?? []).some((r) => r.controller === true && r.uid === pod.metadata?.uid);
  });
}

export function pvcProtectionController(): Controller {
  return defineController<V1PersistentVolumeClaim>({
    name: PVC_PROTECTION_CONTROLLER,
    primary: persistentVolumeClaims,
    watches: [{
      // A pod's change matters only to the claims waiting for their last user to go.
      resource: pods,
      keys: (p, lister) => claimKeysOfPod(p as V1Pod).filter((k) => {
        const claim = lister(persistentVolumeClaims).get(k);
        return !!claim && isDeletionCandidate(claim, PVC_PROTECTION_FINALIZER);
      }),
      indexers: { [BY_CLAIM]: (p) => claimKeysOfPod(p as V1Pod) },
    }],
    async sync(key, { clients, lister, signal }) {
      const claim = lister(persistentVolumeClaims).get(key);
      if (!claim) return;
      const rest = clients.rest;
      const ns = claim.metadata!.namespace!;
      const write = async (finalizers: string[]) => {
        const next = structuredClone(claim);
        next.metadata!.finalizers = finalizers;
        try {
          await rest.update(persistentVolumeClaims, ns, next, { signal });
        } catch (e) {
          // A newer version (or none) is on its way through the watch, which queues the claim again.
          if (isConflict(e) || isNotFound(e)) return;
          throw e;
        }
      };
      if (isDeletionCandidate(claim, PVC_PROTECTION_FINALIZER)) {
        const inCache = lister(pods).byIndex(BY_CLAIM, key).some((p) => podUsesClaim(p, claim));
        // The cache may not have a pod created a moment ago: a live list decides.
        const used = inCache || (await rest.list(pods, ns, { signal })).items.some((p) => podUsesClaim(p, claim));
        if (!used) await write((claim.metadata?.finalizers ?? []).filter((f) => f !== PVC_PROTECTION_FINALIZER));
        return;
      }
      if (needToAddFinalizer(claim, PVC_PROTECTION_FINALIZER)) await write([...(claim.metadata?.finalizers ?? []), PVC_PROTECTION_FINALIZER]);
    },
  });
}
