// Writes a set of files into a volume directory so that readers see either the old set or the new
// one, never a mix (upstream's AtomicWriter, pkg/volume/util/atomic_writer.go, which configMap,
// secret, downwardAPI and projected volumes use). The layout is upstream's:
//
//   <dir>/..2024_05_01_10_00_00.123456   the files of one version (real files, with their modes)
//   <dir>/..data -> ..2024_05_01_...     swapped with a rename(2) of a fresh symlink: the atomic step
//   <dir>/<key>  -> ..data/<key>          what the container reads (top-level names only)
//
// A payload equal to what is there already writes nothing, so that a resync costs a read.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

export interface FileProjection {
  data: Buffer;
  /** Permission bits, applied exactly (no umask). */
  mode: number;
}

export type Payload = Map<string, FileProjection>;

const DATA_DIR = '..data';
const DATA_DIR_TMP = '..data_tmp';

/** Upstream's validatePath: relative, no `..` element, not starting with `..`, not empty. */
export function validatePayloadPath(p: string): string | undefined {
  if (p === '') return 'invalid path: must not be empty';
  if (path.isAbsolute(p)) return `invalid path: must be relative path: ${p}`;
  if (p.length > 4096) return `invalid path: must be less than or equal to 4096 characters`;
  const items = p.split('/');
  for (const item of items) {
    if (item.length > 255) return `invalid path: must not contain an element longer than 255 characters`;
    if (item === '..') return `invalid path: must not contain '..': ${p}`;
  }
  if (p.startsWith('..')) return `invalid path: must not start with '..': ${p}`;
  return undefined;
}

/** Go's time format "2006_01_02_15_04_05." in UTC, then random digits, as os.MkdirTemp names it. */
function versionDirName(now: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getUTCFullYear()}_${two(now.getUTCMonth() + 1)}_${two(now.getUTCDate())}_${two(now.getUTCHours())}_${two(now.getUTCMinutes())}_${two(now.getUTCSeconds())}`;
  return `..${stamp}.${randomBytes(5).readUInt32BE(0) % 10_000_000_000}`;
}

async function readLinkOrUndefined(p: string): Promise<string | undefined> {
  try {
    return await fs.readlink(p);
  } catch {
    return undefined;
  }
}

/** Every regular file under `dir`, relative, with its content and mode. */
async function readTree(dir: string): Promise<Map<string, { data: Buffer; mode: number }>> {
  const out = new Map<string, { data: Buffer; mode: number }>();
  const walk = async (rel: string) => {
    const entries = await fs.readdir(path.join(dir, rel), { withFileTypes: true });
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(r);
      else if (e.isFile()) {
        const full = path.join(dir, r);
        const [data, st] = await Promise.all([fs.readFile(full), fs.stat(full)]);
        out.set(r, { data, mode: st.mode & 0o7777 });
      }
    }
  };
  await walk('');
  return out;
}

function samePayload(current: Map<string, { data: Buffer; mode: number }>, payload: Payload): boolean {
  if (current.size !== payload.size) return false;
  for (const [p, f] of payload) {
    const c = current.get(p);
    if (!c || c.mode !== (f.mode & 0o7777) || !c.data.equals(f.data)) return false;
  }
  return true;
}

const topLevel = (p: string) => p.split('/')[0]!;

/**
 * Makes `dir` hold exactly `payload`; returns whether anything changed. Throws on an invalid
 * path (nothing is written then).
 */
export async function writeAtomic(dir: string, payload: Payload, now: Date = new Date()): Promise<boolean> {
  const clean: Payload = new Map();
  for (const [p, f] of payload) {
    const err = validatePayloadPath(p);
    if (err) throw new Error(err);
    clean.set(path.posix.normalize(p), f);
  }
  await fs.mkdir(dir, { recursive: true });
  const oldVersion = await readLinkOrUndefined(path.join(dir, DATA_DIR));
  let changed = true;
  if (oldVersion) {
    try {
      changed = !samePayload(await readTree(path.join(dir, oldVersion)), clean);
    } catch {
      changed = true;
    }
  }

  if (changed) {
    const version = versionDirName(now);
    const versionDir = path.join(dir, version);
    await fs.mkdir(versionDir, { mode: 0o755 });
    for (const [p, f] of clean) {
      const full = path.join(versionDir, p);
      await fs.mkdir(path.dirname(full), { recursive: true, mode: 0o755 });
      await fs.writeFile(full, f.data, { mode: f.mode });
      await fs.chmod(full, f.mode & 0o7777);
    }
    // The atomic step: a new symlink renamed over the old one.
    const tmp = path.join(dir, DATA_DIR_TMP);
    await fs.rm(tmp, { force: true });
    await fs.symlink(version, tmp);
    await fs.rename(tmp, path.join(dir, DATA_DIR));
    if (oldVersion && oldVersion !== version) await fs.rm(path.join(dir, oldVersion), { recursive: true, force: true });
  }

  // The names the container sees: links into ..data for what is there, none for what is gone.
  const wanted = new Set([...clean.keys()].map(topLevel));
  for (const name of wanted) {
    const link = path.join(dir, name);
    const target = path.posix.join(DATA_DIR, name);
    const existing = await readLinkOrUndefined(link);
    if (existing === target) continue;
    await fs.rm(link, { recursive: true, force: true });
    await fs.symlink(target, link);
    changed = true;
  }
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    if (e.name.startsWith('..') || wanted.has(e.name)) continue;
    if (e.isSymbolicLink()) {
      await fs.rm(path.join(dir, e.name), { force: true });
      changed = true;
    }
  }
  return changed;
}
