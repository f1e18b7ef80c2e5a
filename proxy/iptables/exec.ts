// Running iptables-save and iptables-restore (upstream's pkg/util/iptables runner, cut down to
// what the proxier uses): one restore per sync, fed on stdin, waiting for the xtables lock.
import { execFileSync, spawn } from 'node:child_process';

export interface IptablesRunner {
  /** iptables-save of one table. */
  save(table: 'nat' | 'filter'): Promise<string>;
  /** iptables-restore --noflush: one transaction (each table commits as a whole). */
  restore(input: string): Promise<void>;
}

function run(cmd: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${Buffer.concat(err).toString('utf8').trim()}`));
    });
    child.stdin.on('error', () => { /* the exit status tells */ });
    child.stdin.end(input ?? '');
  });
}

/** A restore error names a line of the input; show the lines around it. */
function withContext(e: Error, input: string): Error {
  const m = /line:? (\d+)/i.exec(e.message);
  if (!m) return e;
  const n = Number(m[1]);
  const lines = input.split('\n');
  const around = lines.slice(Math.max(0, n - 3), n + 2).map((l, i) => `${Math.max(1, n - 2) + i}: ${l}`).join('\n');
  return new Error(`${e.message}\n${around}`);
}

export function systemIptables(): IptablesRunner {
  return {
    save: (table) => run('iptables-save', ['-t', table]),
    async restore(input) {
      try {
        await run('iptables-restore', ['-w', '5', '--noflush'], input);
      } catch (e) {
        throw withContext(e as Error, input);
      }
    },
  };
}

/** Whether iptables mode can work here: root, and an iptables-restore that accepts a (test-only) transaction. */
export function iptablesUsable(): boolean {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return false;
  try {
    execFileSync('iptables-restore', ['--test', '-w', '5', '--noflush'], { input: '*nat\nCOMMIT\n*filter\nCOMMIT\n', stdio: ['pipe', 'ignore', 'ignore'], timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}
