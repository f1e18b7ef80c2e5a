// A throwaway PostgreSQL cluster for tests and benchmarks: initdb into a temp dir, its own
// port, its unix socket inside that dir. Never touches a shared server.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, chownSync, rmSync, readdirSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from './ports.ts';

function pgBinDir(): string {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    for (const v of readdirSync(root).sort().reverse()) {
      const bin = path.join(root, v, 'bin');
      if (existsSync(path.join(bin, 'initdb'))) return bin;
    }
  }
  throw new Error('PostgreSQL server binaries not found: run scripts/ensure-deps.sh (apt-get install postgresql)');
}


// initdb and postgres refuse to run as root; tests on CI run as root.
function asPostgresUser(cmd: string[]): string[] {
  if (process.getuid?.() !== 0) return cmd;
  return ['runuser', '-u', 'postgres', '--', ...cmd];
}

export class TestPostgres {
  private proc: ChildProcess | undefined;
  private constructor(readonly dir: string, readonly port: number, private readonly bin: string) {}

  static async start(opts: { fsync?: boolean } = {}): Promise<TestPostgres> {
    const bin = pgBinDir();
    const dir = mkdtempSync(path.join(tmpdir(), 'capstan-pg-'));
    if (process.getuid?.() === 0) {
      const uid = Number(spawnSync('id', ['-u', 'postgres']).stdout.toString().trim());
      const gid = Number(spawnSync('id', ['-g', 'postgres']).stdout.toString().trim());
      chownSync(dir, uid, gid);
    }
    const initdb = asPostgresUser([path.join(bin, 'initdb'), '-D', path.join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync']);
    const init = spawnSync(initdb[0]!, initdb.slice(1), { encoding: 'utf8' });
    if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
    const db = new TestPostgres(dir, await freePort(), bin);
    db.fsync = opts.fsync ?? true;
    await db.startServer();
    return db;
  }

  private fsync = true;

  /** Starts (or restarts) the postmaster on the same data directory and port. */
  async startServer(): Promise<void> {
    const args = [path.join(this.bin, 'postgres'), '-D', path.join(this.dir, 'data'), '-p', String(this.port),
      '-k', this.dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300', '-c', `fsync=${this.fsync ? 'on' : 'off'}`,
      '-c', 'shared_buffers=128MB', '-c', 'autovacuum_naptime=5s'];
    const cmd = asPostgresUser(args);
    this.proc = spawn(cmd[0]!, cmd.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    this.proc.stderr!.on('data', (d) => { stderr = (stderr + d.toString()).slice(-4000); });
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const c = new pg.Client({ connectionString: this.url('postgres') });
        await c.connect();
        await c.end();
        return;
      } catch {
        if (Date.now() > deadline || this.proc.exitCode !== null) throw new Error(`postgres did not start: ${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** A new empty database, so test files sharing one cluster stay isolated. */
  createDatabase(prefix = 'test'): Promise<string> {
    return createDatabaseAt(this.url('postgres'), prefix);
  }

  /** Stops the server the way a crash would: SIGKILL to the postmaster. */
  async kill9(): Promise<void> { await this.stopWith('SIGKILL'); }

  async stopServer(): Promise<void> { await this.stopWith('SIGINT'); }

  /** The postmaster's pid, from its lock file (the child we spawned may be `runuser`, not postgres). */
  private postmasterPid(): number | undefined {
    try {
      const pid = Number(readFileSync(path.join(this.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  // Signals go to the postmaster itself: runuser blocks SIGINT and would not pass it on, so
  // signalling the spawned child left the server running (and stop() waiting for ever).
  private async stopWith(signal: NodeJS.Signals): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const done = new Promise<void>((r) => p.once('exit', () => r()));
    const pid = this.postmasterPid();
    const children = pid !== undefined ? childrenOf(pid) : [];
    if (pid !== undefined) process.kill(pid, signal);
    else p.kill(signal);
    await done;
    if (signal === 'SIGKILL') {
      // As after a real crash, the orphaned backends notice the postmaster is gone and exit; the
      // next start needs them gone (they still hold the shared memory segment).
      const deadline = Date.now() + 10_000;
      while (children.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      for (const c of children.filter(alive)) process.kill(c, 'SIGKILL');
      while (children.some(alive)) await new Promise((r) => setTimeout(r, 20));
    }
  }

  async stop(): Promise<void> {
    await this.stopServer();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      // The ppid is the 2nd field after the parenthesised command name.
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(e));
    } catch { /* gone */ }
  }
  return out;
}

/** Running, and not a zombie (an orphan's zombie may never be reaped in a container). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return false;
  }
}

/** A fresh database in the run's shared cluster (see test/global-setup.ts). */
export async function createDatabaseAt(adminUrl: string, prefix = 'test'): Promise<string> {
  const name = `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try { await c.query(`CREATE DATABASE ${name}`); } finally { await c.end(); }
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}
