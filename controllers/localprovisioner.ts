// A local provisioner (in the manner of rancher's local-path-provisioner and upstream's hostPath
// provisioner used in e2e): a PersistentVolumeClaim of a StorageClass whose provisioner is
// `capstan.dev/local` (or of no class, when such a class is the default) gets a hostPath
// PersistentVolume under a base directory, and the two are bound as upstream's PV controller binds
// them: pv.spec.claimRef and pv.status.phase Bound, pvc.spec.volumeName with the bind-completed
// annotations, pvc.status Bound with the volume's capacity and access modes. With
// volumeBindingMode WaitForFirstConsumer the volume is made once a pod using the claim has a node
// (the scheduler's selected-node annotation, or the pod's spec.nodeName) and is pinned to it. When
// the claim goes, a Delete reclaim policy removes the volume and its directory; Retain leaves it
// Released. The kubelet creates the directory (hostPath type DirectoryOrCreate).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { KubernetesObject, V1PersistentVolume, V1PersistentVolumeClaim, V1Pod, V1StorageClass } from '@kubernetes/client-node';
import { defineController, isAlreadyExists, isNotFound, resource, type Controller } from '../client/index.ts';
import { persistentVolumeClaims, persistentVolumes, pods } from '../client/resources.ts';

export const LOCAL_PROVISIONER = 'capstan.dev/local';
const storageClasses = resource<V1StorageClass>('storage.k8s.io/v1/storageclasses', { model: 'V1StorageClass', kind: 'StorageClass', namespaced: false });

const DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
const SELECTED_NODE = 'volume.kubernetes.io/selected-node';
const PROVISIONED_BY = 'pv.kubernetes.io/provisioned-by';

export interface LocalProvisionerOptions {
  /** Where volumes live on the nodes: `<baseDir>/<pv name>_<namespace>_<claim>`. */
  baseDir: string;
  /** The provisioner name StorageClasses ask for (default capstan.dev/local). */
  provisioner?: string;
}

const claimKeysOfPod = (p: KubernetesObject) => {
  const pod = p as V1Pod;
  return (pod.spec?.volumes ?? []).filter((v) => v.persistentVolumeClaim).map((v) => `${pod.metadata?.namespace}/${v.persistentVolumeClaim!.claimName}`);
};

export function localProvisioner(o: LocalProvisionerOptions): Controller {
  const name = o.provisioner ?? LOCAL_PROVISIONER;
  const baseDir = path.resolve(o.baseDir);

  return defineController<V1PersistentVolumeClaim>({
    name: 'local-provisioner',
    primary: persistentVolumeClaims,
    watches: [
      {
        resource: persistentVolumes,
        keys: (pv) => {
          const ref = (pv as V1PersistentVolume).spec?.claimRef;
          return ref?.namespace && ref.name ? [`${ref.namespace}/${ref.name}`] : [];
        },
      },
      { resource: pods, keys: (p) => ((p as V1Pod).spec?.nodeName ? claimKeysOfPod(p) : []) },
      {
        resource: storageClasses,
        keys: (_sc, lister) => lister(persistentVolumeClaims).list().filter((c) => c.status?.phase !== 'Bound').map((c) => `${c.metadata?.namespace}/${c.metadata?.name}`),
      },
    ],
    workers: 2,
    async sync(key, { clients, lister, signal, recorder }) {
      const [ns, claimName] = key.split('/') as [string, string];
      const rest = clients.rest;
      const claim = lister(persistentVolumeClaims).get(key);
      const ours = (pv: V1PersistentVolume) => pv.metadata?.annotations?.[PROVISIONED_BY] === name;

      if (!claim) {
        // The claim is gone: its volume is released, and deleted with its directory under Delete.
        for (const pv of lister(persistentVolumes).list()) {
          const ref = pv.spec?.claimRef;
          if (!ours(pv) || ref?.namespace !== ns || ref.name !== claimName) continue;
          if ((pv.spec?.persistentVolumeReclaimPolicy ?? 'Delete') === 'Delete') {
            const dir = pv.spec?.hostPath?.path;
            if (dir && path.resolve(dir).startsWith(`${baseDir}${path.sep}`)) await fs.rm(dir, { recursive: true, force: true });
            await rest.delete(persistentVolumes, '', pv.metadata!.name!, {}, { signal }).catch((e: unknown) => { if (!isNotFound(e)) throw e; });
          } else if (pv.status?.phase !== 'Released') {
            await rest.patch(persistentVolumes, '', pv.metadata!.name!, { status: { phase: 'Released' } }, { subresource: 'status', signal });
          }
        }
        return;
      }
      if (claim.metadata?.deletionTimestamp || claim.status?.phase === 'Bound') return;

      const classes = lister(storageClasses);
      let className = claim.spec?.storageClassName;
      // An empty class asks for static volumes only; no class at all takes the default class.
      if (className === '') return;
      if (className === undefined || className === null) {
        className = classes.list().find((sc) => sc.metadata?.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true')?.metadata?.name;
      }
      const sc = className ? classes.get(className) : undefined;
      if (!sc || sc.provisioner !== name) return;

      const pvName = claim.spec?.volumeName || `pvc-${claim.metadata!.uid}`;
      let pv = lister(persistentVolumes).get(pvName);
      if (!pv) {
        if (claim.spec?.volumeName) return; // bound by name to a volume someone else makes
        let node: string | undefined;
        if (sc.volumeBindingMode === 'WaitForFirstConsumer') {
          node = claim.metadata?.annotations?.[SELECTED_NODE]
            ?? lister(pods).list(ns).find((p) => p.spec?.nodeName && claimKeysOfPod(p).includes(key))?.spec?.nodeName;
          if (!node) return;
        }
        const desired: V1PersistentVolume = {
          metadata: { name: pvName, annotations: { [PROVISIONED_BY]: name } },
          spec: {
            capacity: { storage: String(claim.spec?.resources?.requests?.storage ?? '1Gi') },
            accessModes: claim.spec?.accessModes?.length ? claim.spec.accessModes : ['ReadWriteOnce'],
            persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? 'Delete',
            storageClassName: className,
            volumeMode: claim.spec?.volumeMode ?? 'Filesystem',
            hostPath: { path: path.join(baseDir, `${pvName}_${ns}_${claimName}`), type: 'DirectoryOrCreate' },
            claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: ns, name: claimName, uid: claim.metadata!.uid },
            ...(node ? { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] } } } : {}),
          },
        };
        try {
          pv = await rest.create(persistentVolumes, '', desired, { signal });
        } catch (e) {
          if (!isAlreadyExists(e)) throw e;
          pv = await rest.get(persistentVolumes, '', pvName, { signal });
        }
        recorder.event(
          { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: claim.metadata }, 'Normal', 'ProvisioningSucceeded',
          `Successfully provisioned volume ${pvName}`,
        );
      }
      if (pv.spec?.claimRef?.uid && pv.spec.claimRef.uid !== claim.metadata?.uid) return;

      // Upstream's bind: the volume first, then the claim's spec, then the claim's status.
      if (pv.status?.phase !== 'Bound') {
        await rest.patch(persistentVolumes, '', pvName, { status: { phase: 'Bound' } }, { subresource: 'status', signal });
      }
      if (claim.spec?.volumeName !== pvName) {
        await rest.patch(persistentVolumeClaims, ns, claimName, {
          metadata: { annotations: { 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes', 'volume.kubernetes.io/storage-provisioner': name } },
          spec: { volumeName: pvName },
        }, { signal });
      }
      await rest.patch(persistentVolumeClaims, ns, claimName, {
        status: { phase: 'Bound', accessModes: pv.spec?.accessModes, capacity: pv.spec?.capacity },
      }, { subresource: 'status', signal });
    },
  });
}
