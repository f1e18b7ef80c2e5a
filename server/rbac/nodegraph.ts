// What each node's pods reference, for the Node authorizer (upstream's node authorizer graph,
// populated from pods and PersistentVolumes): which node a pod is bound to, and the Secrets,
// ConfigMaps, PersistentVolumeClaims and ServiceAccount it uses; which claim a PersistentVolume
// is bound to (its claimRef) and the Secrets a kubelet mounting it reads. A kubelet may read an
// object only when a pod bound to its node references it, directly or through a claim's volume
// (upstream's edges pod → node, secret/configmap/pvc/serviceaccount → pod, pv → pvc, secret → pv).
import type { StoredObject } from '../../storage/store.ts';

/** The part of a pod the Node authorizer needs. */
export interface PodRefs {
  namespace: string;
  name: string;
  nodeName: string;
  secrets: string[];
  configMaps: string[];
  pvcs: string[];
  serviceAccount: string;
}

export type RefKind = 'secret' | 'configmap' | 'pvc' | 'serviceaccount' | 'pv';

/** The part of a bound PersistentVolume the Node authorizer needs (upstream's AddPV). */
export interface PVRefs {
  name: string;
  claimNamespace: string;
  claimName: string;
  /** Secrets a kubelet reads to mount it (upstream's VisitPVSecretNames, kubeletVisible). */
  secrets: Array<{ namespace: string; name: string }>;
}

interface SecretRef { name?: string; namespace?: string }
interface PVShape {
  metadata?: { name?: string };
  spec?: {
    claimRef?: { namespace?: string; name?: string };
    azureFile?: { secretName?: string; secretNamespace?: string };
    cephfs?: { secretRef?: SecretRef };
    cinder?: { secretRef?: SecretRef };
    flexVolume?: { secretRef?: SecretRef };
    rbd?: { secretRef?: SecretRef };
    scaleIO?: { secretRef?: SecretRef };
    iscsi?: { secretRef?: SecretRef };
    storageos?: { secretRef?: SecretRef };
    csi?: { nodePublishSecretRef?: SecretRef; nodeStageSecretRef?: SecretRef };
  };
}

/**
 * A PersistentVolume's claim and the Secrets a kubelet reads for it; undefined for a volume bound
 * to no claim, which reaches no node. As upstream's VisitPVSecretNames, a secret reference of an
 * in-tree plugin without a namespace is in the claim's; cinder, storageos and CSI references name their own.
 */
export function pvRefs(obj: StoredObject): PVRefs | undefined {
  const pv = obj as PVShape;
  const claim = pv.spec?.claimRef;
  if (!claim) return undefined;
  const claimNamespace = claim.namespace ?? '';
  const secrets: PVRefs['secrets'] = [];
  const add = (namespace: string | undefined, name: string | undefined) => { if (name) secrets.push({ namespace: namespace ?? '', name }); };
  const s = pv.spec!;
  if (s.azureFile) add(s.azureFile.secretNamespace || claimNamespace, s.azureFile.secretName);
  for (const src of [s.cephfs, s.flexVolume, s.rbd, s.scaleIO, s.iscsi]) {
    if (src?.secretRef) add(src.secretRef.namespace || claimNamespace, src.secretRef.name);
  }
  for (const src of [s.cinder, s.storageos]) if (src?.secretRef) add(src.secretRef.namespace, src.secretRef.name);
  // The controller's publish and expand secrets are not the kubelet's to read.
  for (const ref of [s.csi?.nodePublishSecretRef, s.csi?.nodeStageSecretRef]) if (ref) add(ref.namespace, ref.name);
  return { name: pv.metadata?.name ?? '', claimNamespace, claimName: claim.name ?? '', secrets };
}

interface VolumeSource {
  name?: string;
  secret?: { secretName?: string };
  configMap?: { name?: string };
  persistentVolumeClaim?: { claimName?: string };
  ephemeral?: unknown;
  projected?: { sources?: Array<{ secret?: { name?: string }; configMap?: { name?: string } }> };
  csi?: { nodePublishSecretRef?: { name?: string } };
  [k: string]: unknown;
}

interface ContainerRefs {
  env?: Array<{ valueFrom?: { secretKeyRef?: { name?: string }; configMapKeyRef?: { name?: string } } }>;
  envFrom?: Array<{ secretRef?: { name?: string }; configMapRef?: { name?: string } }>;
}

interface PodShape {
  metadata?: { namespace?: string; name?: string };
  spec?: {
    nodeName?: string;
    serviceAccountName?: string;
    imagePullSecrets?: Array<{ name?: string }>;
    volumes?: VolumeSource[];
    containers?: ContainerRefs[];
    initContainers?: ContainerRefs[];
    ephemeralContainers?: ContainerRefs[];
  };
}

/** Names of a secretRef-style field found in plugin volumes (cephfs, flexVolume, iscsi, rbd, ...). */
function pluginSecretRef(v: VolumeSource): string | undefined {
  for (const [k, src] of Object.entries(v)) {
    if (k === 'secret' || k === 'csi' || !src || typeof src !== 'object') continue;
    const ref = (src as { secretRef?: { name?: string } }).secretRef;
    if (ref?.name) return ref.name;
  }
  return undefined;
}

/** Upstream's VisitPodSecretNames / VisitPodConfigmapNames and the pod's claims, as plain lists. */
export function podRefs(obj: StoredObject): PodRefs {
  const pod = obj as PodShape;
  const secrets = new Set<string>();
  const configMaps = new Set<string>();
  const pvcs = new Set<string>();
  const spec = pod.spec ?? {};
  for (const s of spec.imagePullSecrets ?? []) if (s.name) secrets.add(s.name);
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? []), ...(spec.ephemeralContainers ?? [])]) {
    for (const e of c.env ?? []) {
      if (e.valueFrom?.secretKeyRef?.name) secrets.add(e.valueFrom.secretKeyRef.name);
      if (e.valueFrom?.configMapKeyRef?.name) configMaps.add(e.valueFrom.configMapKeyRef.name);
    }
    for (const e of c.envFrom ?? []) {
      if (e.secretRef?.name) secrets.add(e.secretRef.name);
      if (e.configMapRef?.name) configMaps.add(e.configMapRef.name);
    }
  }
  for (const v of spec.volumes ?? []) {
    if (v.secret?.secretName) secrets.add(v.secret.secretName);
    if (v.configMap?.name) configMaps.add(v.configMap.name);
    if (v.persistentVolumeClaim?.claimName) pvcs.add(v.persistentVolumeClaim.claimName);
    // A generic ephemeral volume's claim is named <pod>-<volume>.
    if (v.ephemeral && v.name) pvcs.add(`${pod.metadata?.name ?? ''}-${v.name}`);
    for (const p of v.projected?.sources ?? []) {
      if (p.secret?.name) secrets.add(p.secret.name);
      if (p.configMap?.name) configMaps.add(p.configMap.name);
    }
    if (v.csi?.nodePublishSecretRef?.name) secrets.add(v.csi.nodePublishSecretRef.name);
    const ref = pluginSecretRef(v);
    if (ref) secrets.add(ref);
  }
  return {
    namespace: pod.metadata?.namespace ?? '', name: pod.metadata?.name ?? '', nodeName: spec.nodeName ?? '',
    secrets: [...secrets], configMaps: [...configMaps], pvcs: [...pvcs], serviceAccount: spec.serviceAccountName || 'default',
  };
}

/** Pods by namespace/name and by node, and bound PersistentVolumes by name, kept current from their changes. */
export class PodGraph {
  private readonly pods = new Map<string, PodRefs>();
  private readonly byNode = new Map<string, Set<string>>();
  private readonly pvs = new Map<string, PVRefs>();

  /** Records a PersistentVolume's change (undefined: gone, or bound to no claim). */
  updatePV(prev: PVRefs | undefined, next: PVRefs | undefined): void {
    if (prev) this.pvs.delete(prev.name);
    if (next) this.pvs.set(next.name, next);
  }

  /** Records a pod's change (undefined: gone). */
  update(prev: PodRefs | undefined, next: PodRefs | undefined): void {
    if (prev) {
      const key = `${prev.namespace}/${prev.name}`;
      this.pods.delete(key);
      if (prev.nodeName) {
        const set = this.byNode.get(prev.nodeName);
        set?.delete(key);
        if (set?.size === 0) this.byNode.delete(prev.nodeName);
      }
    }
    if (next) {
      const key = `${next.namespace}/${next.name}`;
      this.pods.set(key, next);
      if (next.nodeName) {
        let set = this.byNode.get(next.nodeName);
        if (!set) this.byNode.set(next.nodeName, (set = new Set()));
        set.add(key);
      }
    }
  }

  pod(namespace: string, name: string): PodRefs | undefined {
    return this.pods.get(`${namespace}/${name}`);
  }

  /** Whether a pod bound to the node references this object, directly or through a claim's volume. */
  related(node: string, kind: RefKind, namespace: string, name: string): boolean {
    if (kind === 'pv') {
      const pv = this.pvs.get(name);
      return !!pv && this.related(node, 'pvc', pv.claimNamespace, pv.claimName);
    }
    for (const key of this.byNode.get(node) ?? []) {
      const p = this.pods.get(key);
      if (!p || p.namespace !== namespace) continue;
      switch (kind) {
        case 'secret': if (p.secrets.includes(name)) return true; break;
        case 'configmap': if (p.configMaps.includes(name)) return true; break;
        case 'pvc': if (p.pvcs.includes(name)) return true; break;
        case 'serviceaccount': if (p.serviceAccount === name) return true; break;
      }
    }
    if (kind === 'secret') {
      for (const pv of this.pvs.values()) {
        if (pv.secrets.some((s) => s.namespace === namespace && s.name === name) && this.related(node, 'pvc', pv.claimNamespace, pv.claimName)) return true;
      }
    }
    return false;
  }
}
