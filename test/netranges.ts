// Service IP ranges for clusters that tests start on this machine. The proxy programs the host's
// iptables, which every cluster here shares, so two clusters must never hand out the same
// ClusterIP: each takes a /24 of 10.200.0.0/16 of its own, held by a lock file naming its process
// (a lock whose process is gone is taken over).
import { mkdirSync, openSync, closeSync, writeSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const dir = path.join(tmpdir(), 'capstan-service-ranges');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface ServiceRange {
  /** e.g. 10.200.17.0/24 */
  cidr: string;
  release(): void;
}

/** A /24 no other live test cluster on this machine holds. */
export function takeServiceRange(): ServiceRange {
  mkdirSync(dir, { recursive: true });
  const start = Math.floor(Math.random() * 256);
  for (let n = 0; n < 512; n++) {
    const k = (start + n) % 256;
    const lock = path.join(dir, String(k));
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
    } catch {
      let holder = 0;
      try { holder = Number(readFileSync(lock, 'utf8').trim()); } catch { /* gone meanwhile: next time round */ }
      if (holder > 0 && !alive(holder)) rmSync(lock, { force: true });
      continue;
    }
    return { cidr: `10.200.${k}.0/24`, release: () => rmSync(lock, { force: true }) };
  }
  throw new Error('no free test service range in 10.200.0.0/16');
}
