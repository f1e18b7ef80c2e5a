// emptyDir volumes (upstream's pkg/volume/emptydir): a directory with mode 0777 under the pod's
// directory, shared by its containers and removed with the pod. `medium: Memory` is a tmpfs
// (sized by sizeLimit) when the kubelet runs as root and can mount; otherwise it is a plain
// directory like the default medium, and the kubelet logs that once per pod.
import { execFile } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import type { V1Volume } from '@kubernetes/client-node';
import { parseQuantity } from '../../machinery/quantity.ts';
import { setVolumeOwnership } from './ownership.ts';
import { volumeDir, type MountedVolume, type VolumeContext } from './types.ts';

const run = promisify(execFile);

/** Whether `dir` is a mount point (listed in /proc/mounts). */
export function isMountPoint(dir: string): boolean {
  try {
    return readFileSync('/proc/mounts', 'utf8').split('\n').some((line) => line.split(' ')[1] === dir);
  } catch {
    return false;
  }
}

export async function mountTmpfs(dir: string, sizeBytes?: number): Promise<void> {
  const opts = ['mode=0777', ...(sizeBytes ? [`size=${sizeBytes}`] : [])].join(',');
  await run('mount', ['-t', 'tmpfs', '-o', opts, 'tmpfs', dir]);
}

export async function unmount(dir: string): Promise<void> {
  await run('umount', [dir]);
}

export async function setUpEmptyDir(ctx: VolumeContext, v: V1Volume, log: (msg: string) => void): Promise<MountedVolume> {
  const dir = volumeDir(ctx, 'empty-dir', v);
  await fs.mkdir(dir, { recursive: true });
  let tmpfs = false;
  if (v.emptyDir?.medium === 'Memory') {
    if (isMountPoint(dir)) tmpfs = true;
    else if (ctx.root) {
      const limit = v.emptyDir.sizeLimit ? parseQuantity(String(v.emptyDir.sizeLimit)).value() : undefined;
      try {
        await mountTmpfs(dir, limit);
        tmpfs = true;
      } catch (e) {
        log(`kubelet: emptyDir ${v.name} of pod ${ctx.pod.metadata?.namespace}/${ctx.pod.metadata?.name}: cannot mount a tmpfs (${(e as Error).message.split('\n')[0]}); using a plain directory`);
      }
    } else log(`kubelet: emptyDir ${v.name} of pod ${ctx.pod.metadata?.namespace}/${ctx.pod.metadata?.name}: medium Memory needs root for a tmpfs; using a plain directory`);
  }
  await fs.chmod(dir, 0o777);
  if (ctx.fsGroup !== undefined) await setVolumeOwnership(dir, ctx.fsGroup, { readOnly: false, root: ctx.root });
  return { hostPath: dir, readOnly: false, ...(tmpfs ? { tmpfs } : {}) };
}
