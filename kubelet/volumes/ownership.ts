// fsGroup on volumes (upstream's SetVolumeOwnership, pkg/volume/volume_linux.go): files get the
// pod's fsGroup as their group, and group read (read-only volumes) or read-write access; directories
// also get setgid so that new files inherit the group. chown needs root; as another user the modes
// are still set, the group is left alone.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Payload } from './atomicwriter.ts';

const RW_MASK = 0o660;
const RO_MASK = 0o440;
const EXEC_MASK = 0o110;
const SETGID = 0o2000;

/** The payload with upstream's read-only fsGroup mask folded into its modes (0600 becomes 0640). */
export function withFsGroupModes(payload: Payload, fsGroup: number | undefined): Payload {
  if (fsGroup === undefined) return payload;
  return new Map([...payload].map(([p, f]) => [p, { data: f.data, mode: f.mode | RO_MASK }]));
}

/** Sets the group of everything under `dir` (not following symlinks) and, for writable volumes, the modes. */
export async function setVolumeOwnership(dir: string, fsGroup: number, o: { readOnly: boolean; root: boolean }): Promise<void> {
  const visit = async (p: string) => {
    const st = await fs.lstat(p);
    if (st.isSymbolicLink()) {
      if (o.root) await fs.lchown(p, -1, fsGroup).catch(() => {});
      return;
    }
    if (o.root) await fs.chown(p, -1, fsGroup).catch(() => {});
    if (!o.readOnly) {
      let mask = RW_MASK;
      if (st.isDirectory()) mask |= SETGID | EXEC_MASK;
      await fs.chmod(p, (st.mode & 0o7777) | mask);
    }
    if (st.isDirectory()) for (const name of await fs.readdir(p)) await visit(path.join(p, name));
  };
  await visit(dir);
}
