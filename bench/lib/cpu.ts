// CPU time spent by a thread or a process tree, from Linux's /proc (utime + stime, counted in
// USER_HZ, which is 100 a second). CPU time rather than wall time tells what an operation costs
// even when other work on the machine holds the CPUs. NaN where there is no /proc.
import { readFileSync, readdirSync } from 'node:fs';

const USER_HZ_MS = 10;

/** The fields of /proc/…/stat after the command name: [0] state, [1] ppid, [11] utime, [12] stime. */
function statFields(file: string): string[] {
  const stat = readFileSync(file, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** CPU time of the calling thread, in ms. */
export function threadCpuMs(): number {
  try {
    const f = statFields('/proc/thread-self/stat');
    return (Number(f[11]) + Number(f[12])) * USER_HZ_MS;
  } catch {
    return NaN;
  }
}

/** CPU time of this whole process (every thread), in ms. */
export function processCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1_000;
}

/** CPU time of a process and its children (a postmaster and its backends), in ms. */
export function processTreeCpuMs(root: number): number {
  let ticks = 0;
  let entries: string[];
  try { entries = readdirSync('/proc'); } catch { return NaN; }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const f = statFields(`/proc/${e}/stat`);
      if (Number(e) === root || Number(f[1]) === root) ticks += Number(f[11]) + Number(f[12]);
    } catch { /* exited meanwhile */ }
  }
  return ticks * USER_HZ_MS;
}
