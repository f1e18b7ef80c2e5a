// A local provisioner, an external provisioner in the manner of sig-storage-lib-external-provisioner
// and rancher's local-path-provisioner (kind's `standard` class): it provisions for the claims the
// PV controller hands it — those whose `volume.kubernetes.io/storage-provisioner` annotation names
// it — a hostPath PersistentVolume under a base directory, created pre-bound to the claim
// (claimRef with the claim's uid, `pv.kubernetes.io/provisioned-by`); the binder completes the
// bind. For a WaitForFirstConsumer class it waits for the node the scheduler selected
// (`volume.kubernetes.io/selected-node`) and pins the volume to it. A volume it provisioned whose
// claim is gone — Released, with reclaim policy Delete — it deletes, with its directory. The
// kubelet creates the directory (hostPath type DirectoryOrCreate).
import { promises as fs } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import type { KubernetesObject, V1Node, V1PersistentVolume, V1PersistentVolumeClaim } from '@kubernetes/client-node';
import {
  defineController, isAlreadyExists, isNotFound, runController, type Controller, type EventRecorder, type RestClient,
} from '../client/index.ts';
import { nodes, persistentVolumeClaims, persistentVolumes } from '../client/resources.ts';
import { ANN_BIND_COMPLETED, ANN_SELECTED_NODE, claimClass, hasAnnotation } from '../machinery/volumes.ts';
import {
  ANN_BETA_STORAGE_PROVISIONER, ANN_DYNAMICALLY_PROVISIONED, ANN_STORAGE_PROVISIONER, storageClasses,
} from './persistentvolume/index.ts';

export const LOCAL_PROVISIONER = 'capstan.dev/local';

export interface LocalProvisionerOptions {
  /** Where volumes live on the nodes: `<baseDir>/<pv name>_<namespace>_<claim>`. */
  baseDir: string;
  /** The provisioner name StorageClasses ask for (default capstan.dev/local). */
  provisioner?: string;
}

const nameOf = (o: KubernetesObject) => o.metadata?.name ?? '';

/** The provisioner a claim was handed to (the GA annotation, else the beta one). */
const provisionerOf = (claim: V1PersistentVolumeClaim) =>
  claim.metadata?.annotations?.[ANN_STORAGE_PROVISIONER] ?? claim.metadata?.annotations?.[ANN_BETA_STORAGE_PROVISIONER];

/** The name of the volume provisioned for a claim, as upstream's provisioners name it. */
export const provisionedVolumeName = (claim: V1PersistentVolumeClaim) => `pvc-${claim.metadata?.uid ?? ''}`;

export function localProvisioner(o: LocalProvisionerOptions): Controller {
  const name = o.provisioner ?? LOCAL_PROVISIONER;
  const baseDir = path.resolve(o.baseDir);
  // Claims as "namespace/name", volumes as their bare names, in one queue.
  const def = defineController<V1PersistentVolumeClaim>({
    name: 'local-provisioner',
    primary: persistentVolumeClaims,
    watches: [
      { resource: persistentVolumes, keys: (pv) => [nameOf(pv)] },
      // A class appearing lets the claims waiting for it be provisioned.
      {
        resource: storageClasses,
        keys: (_sc, lister) => lister(persistentVolumeClaims).list().filter((c) => provisionerOf(c) === name && !c.spec?.volumeName)
          .map((c) => `${c.metadata?.namespace}/${c.metadata?.name}`),
      },
    ],
    workers: 2,
    async sync(key, { clients, lister, recorder, signal }) {
      if (key.includes('/')) {
        const claim = lister(persistentVolumeClaims).get(key);
        if (!claim || !shouldProvision(claim)) return;
        const className = claimClass(claim);
        const sc = lister(storageClasses).get(className);
        if (!sc) throw new Error(`StorageClass "${className}" not found`);
        if (sc.provisioner !== name) return; // the class changed hands
        // sig-storage-lib-external-provisioner: under WaitForFirstConsumer a selected node is required.
        const selectedNode = claim.metadata?.annotations?.[ANN_SELECTED_NODE];
        if (sc.volumeBindingMode === 'WaitForFirstConsumer' && !selectedNode) return;
        const pvName = provisionedVolumeName(claim);
        if (lister(persistentVolumes).get(pvName)) return; // provisioned already
        await provision(clients.rest, recorder, claim, className, sc.reclaimPolicy ?? 'Delete', selectedNode, signal);
        return;
      }
      const pv = lister(persistentVolumes).get(key);
      if (pv && shouldDelete(pv)) await deleteVolume(clients.rest, recorder, pv, signal);
    },
  });

  /** shouldProvision: handed to us, not bound, and — once bound — never again. */
  function shouldProvision(claim: V1PersistentVolumeClaim): boolean {
    if (claim.spec?.volumeName || hasAnnotation(claim, ANN_BIND_COMPLETED)) return false;
    return provisionerOf(claim) === name;
  }

  /** shouldDelete: provisioned by us, Released, and its policy says Delete. */
  function shouldDelete(pv: V1PersistentVolume): boolean {
    return pv.status?.phase === 'Released' && pv.spec?.persistentVolumeReclaimPolicy === 'Delete' &&
      pv.metadata?.annotations?.[ANN_DYNAMICALLY_PROVISIONED] === name;
  }

  async function provision(
    rest: RestClient, recorder: EventRecorder, claim: V1PersistentVolumeClaim, className: string, reclaimPolicy: string,
    selectedNode: string | undefined, signal: AbortSignal,
  ): Promise<void> {
    const ns = claim.metadata!.namespace!;
    const claimName = claim.metadata!.name!;
    const fail = (message: string) => {
      recorder.event(claim, 'Warning', 'ProvisioningFailed', message);
      return new Error(message);
    };
    let node: V1Node | undefined;
    if (selectedNode) {
      try {
        node = await rest.get(nodes, '', selectedNode, { signal });
      } catch (e) {
        throw fail(`failed to get target node: ${(e as Error).message}`);
      }
    }
    recorder.event(claim, 'Normal', 'Provisioning', `External provisioner is provisioning volume for claim "${ns}/${claimName}"`);
    if (claim.spec?.volumeMode === 'Block') throw fail(`failed to provision volume with StorageClass "${className}": volumeMode Block is not supported`);
    const pvName = provisionedVolumeName(claim);
    const nodeHostname = node?.metadata?.labels?.['kubernetes.io/hostname'] ?? selectedNode;
    const volume: V1PersistentVolume = {
      metadata: { name: pvName, annotations: { [ANN_DYNAMICALLY_PROVISIONED]: name } },
      spec: {
        capacity: { storage: String(claim.spec?.resources?.requests?.storage ?? '1Gi') },
        accessModes: claim.spec?.accessModes?.length ? claim.spec.accessModes : ['ReadWriteOnce'],
        persistentVolumeReclaimPolicy: reclaimPolicy,
        storageClassName: className,
        volumeMode: claim.spec?.volumeMode ?? 'Filesystem',
        hostPath: { path: path.join(baseDir, `${pvName}_${ns}_${claimName}`), type: 'DirectoryOrCreate' },
        claimRef: {
          kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: ns, name: claimName,
          uid: claim.metadata?.uid, resourceVersion: claim.metadata?.resourceVersion,
        },
        ...(nodeHostname ? { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [nodeHostname] }] }] } } } : {}),
      },
    };
    try {
      await rest.create(persistentVolumes, '', volume, { signal });
    } catch (e) {
      if (isAlreadyExists(e)) return;
      throw fail(`failed to provision volume with StorageClass "${className}": ${(e as Error).message}`);
    }
    recorder.event(claim, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${pvName}`);
  }

  async function deleteVolume(rest: RestClient, recorder: EventRecorder, pv: V1PersistentVolume, signal: AbortSignal): Promise<void> {
    try {
      const dir = pv.spec?.hostPath?.path;
      // Only what lives under the base directory is ours to remove.
      if (dir && path.resolve(dir).startsWith(`${baseDir}${path.sep}`)) await fs.rm(dir, { recursive: true, force: true });
      await rest.delete(persistentVolumes, '', nameOf(pv), {}, { signal });
    } catch (e) {
      if (isNotFound(e)) return;
      recorder.event(pv, 'Warning', 'VolumeFailedDelete', (e as Error).message);
      throw e;
    }
  }

  return {
    name: 'local-provisioner',
    // Events come from "<provisioner>_<host>", as the library names its recorder.
    run: (env, signal) => runController(def.definition, { ...env, recorder: () => env.recorder(`${name}_${hostname()}`) }, signal),
  };
}
