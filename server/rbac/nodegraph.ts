// What each node's pods reference, for the Node authorizer (upstream's node authorizer graph,
// populated from pods): which node a pod is bound to, and the Secrets, ConfigMaps,
// PersistentVolumeClaims and ServiceAccount it uses. A kubelet may read an object only when a
// pod bound to its node references it.
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

export type RefKind = 'secret' | 'configmap' | 'pvc' | 'serviceaccount';

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

/** Pods by namespace/name and by node, kept current from pod changes. */
export class PodGraph {
  private readonly pods = new Map<string, PodRefs>();
  private readonly byNode = new Map<string, Set<string>>();

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

  /** Whether a pod bound to the node references this object. */
  related(node: string, kind: RefKind, namespace: string, name: string): boolean {
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
    return false;
  }
}
