// The VolumeBinding plugin's own PersistentVolume / PersistentVolumeClaim helpers: a pod's claims,
// a volume's node affinity against a node, the claimRef a binding writes, topology terms. The
// rules it shares with the PV controller (classes, matching) are in machinery/volumes.ts.
// Upstream: component-helpers/storage/volume and v1helper.MatchTopologySelectorTerms.
import type {
  V1Node, V1ObjectReference, V1PersistentVolume, V1PersistentVolumeClaim, V1Pod, V1TopologySelectorTerm, V1Volume,
} from '@kubernetes/client-node';
import { ANN_BIND_COMPLETED, ANN_BOUND_BY_CONTROLLER, isVolumeBoundToClaim } from '../machinery/volumes.ts';
import { matchNodeSelectorTerms } from './corev1.ts';

/** The provisioner of classes for static volumes only (local volumes). */
export const NOT_SUPPORTED_PROVISIONER = 'kubernetes.io/no-provisioner';

/** Lookups by name ("namespace/name" for namespaced objects), as informer listers give. */
export interface ObjectLister<T> {
  get(key: string): T | undefined;
  list(): T[];
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
