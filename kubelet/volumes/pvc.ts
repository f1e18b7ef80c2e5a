// persistentVolumeClaim volumes: the claim must be Bound, and its PersistentVolume must be one this
// kubelet can use directly — a hostPath or a local volume, whose path is bind-mounted (upstream's
// desired-state populator resolves the claim the same way; there is no attach step). A claim that
// is not bound yet keeps the pod waiting with FailedMount, as upstream's "PVC is not bound".
import type { V1PersistentVolume, V1PersistentVolumeClaim, V1Volume } from '@kubernetes/client-node';
import { isNotFound } from '../../client/index.ts';
import { persistentVolumeClaims, persistentVolumes } from '../../client/resources.ts';
import { checkHostPath } from './hostpath.ts';
import { VolumeError, type MountedVolume, type VolumeContext } from './types.ts';

export async function setUpPVC(ctx: VolumeContext, v: V1Volume): Promise<MountedVolume> {
  const ns = ctx.pod.metadata?.namespace ?? '';
  const claimName = v.persistentVolumeClaim!.claimName;
  const processing = (msg: string) => new VolumeError(`error processing PVC ${ns}/${claimName}: ${msg}`, true);
  let pvc: V1PersistentVolumeClaim;
  try {
    pvc = await ctx.rest.get(persistentVolumeClaims, ns, claimName, { signal: ctx.signal });
  } catch (e) {
    throw processing(`failed to fetch PVC from API server: ${(e as Error)?.message ?? String(e)}`);
  }
  if (pvc.status?.phase !== 'Bound') throw processing('PVC is not bound');
  const pvName = pvc.spec?.volumeName;
  if (!pvName) throw processing('PVC has empty pvc.Spec.VolumeName');
  let pv: V1PersistentVolume;
  try {
    pv = await ctx.rest.get(persistentVolumes, '', pvName, { signal: ctx.signal });
  } catch (e) {
    const why = isNotFound(e) ? `persistentvolumes "${pvName}" not found` : (e as Error)?.message ?? String(e);
    throw processing(`failed to fetch PV ${pvName} from API server: ${why}`);
  }
  const ref = pv.spec?.claimRef;
  if (ref && ref.uid && ref.uid !== pvc.metadata?.uid) {
    throw processing(`failed to fetch PV ${pvName} from API server: the PV is bound to another claim (${ref.namespace}/${ref.name})`);
  }
  const readOnly = v.persistentVolumeClaim!.readOnly ?? false;
  if (pv.spec?.hostPath) {
    await checkHostPath(pv.spec.hostPath);
    return { hostPath: pv.spec.hostPath.path, readOnly };
  }
  if (pv.spec?.local) {
    await checkHostPath({ path: pv.spec.local.path, type: 'Directory' });
    return { hostPath: pv.spec.local.path, readOnly };
  }
  throw new VolumeError(`PersistentVolume ${pvName} has a volume source this kubelet cannot mount (only hostPath and local)`);
}
