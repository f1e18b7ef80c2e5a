// hostPath volumes (upstream's pkg/volume/hostpath): a path of the node itself, checked against
// the volume's `type` first (DirectoryOrCreate and FileOrCreate create it), with upstream's
// "hostPath type check failed" messages. Also the backing of hostPath PersistentVolumes.
import { promises as fs, type Stats } from 'node:fs';
import type { V1HostPathVolumeSource, V1Volume } from '@kubernetes/client-node';
import { VolumeError, type MountedVolume } from './types.ts';

async function statOrUndefined(p: string): Promise<Stats | undefined> {
  try { return await fs.stat(p); } catch { return undefined; }
}

/** Upstream's checkType for each HostPathType. */
export async function checkHostPath(src: V1HostPathVolumeSource): Promise<void> {
  const p = src.path;
  const type = src.type ?? '';
  let st = await statOrUndefined(p);
  const fail = (what: string) => { throw new VolumeError(`hostPath type check failed: ${p} is not ${what}`); };
  switch (type) {
    case '':
      return;
    case 'DirectoryOrCreate':
      if (!st) {
        await fs.mkdir(p, { recursive: true, mode: 0o755 });
        st = await statOrUndefined(p);
      }
      if (!st?.isDirectory()) fail('a directory');
      return;
    case 'Directory':
      if (!st?.isDirectory()) fail('a directory');
      return;
    case 'FileOrCreate':
      if (!st) {
        try {
          await (await fs.open(p, 'a', 0o644)).close();
        } catch (e) {
          throw new VolumeError(`hostPath type check failed: ${p} is not a file: ${(e as Error).message}`);
        }
        st = await statOrUndefined(p);
      }
      if (!st?.isFile()) fail('a file');
      return;
    case 'File':
      if (!st?.isFile()) fail('a file');
      return;
    case 'Socket':
      if (!st?.isSocket()) fail('a socket file');
      return;
    case 'CharDevice':
      if (!st?.isCharacterDevice()) fail('a character device');
      return;
    case 'BlockDevice':
      if (!st?.isBlockDevice()) fail('a block device');
      return;
    default:
      throw new VolumeError(`hostPath type check failed: unsupported type ${type}`);
  }
}

export async function setUpHostPath(v: V1Volume): Promise<MountedVolume> {
  await checkHostPath(v.hostPath!);
  return { hostPath: v.hostPath!.path, readOnly: false };
}
