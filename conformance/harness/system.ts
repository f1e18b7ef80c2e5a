// Starts the real system for a black-box test file: `capstan` as a child process on its own
// data dir and port (embedded store, or a fresh database in the run's PostgreSQL), and hands out
// the kubeconfig the real kubectl and client libraries use.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import https from 'node:https';
import { freePort } from '../../test/ports.ts';
import { takeServiceRange } from '../../test/netranges.ts';
import { createDatabaseAt } from '../../test/postgres.ts';
import { inject } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..');

export interface SystemOptions {
  command?: 'up' | 'apiserver';
  /** A PostgreSQL URL; unset: the embedded store, unless `store` says otherwise. */
  databaseUrl?: string;
  /** postgresql: a fresh database in the run's PostgreSQL (the suite runs on both backends). */
  store?: 'embedded' | 'postgresql';
  extraArgs?: string[];
  env?: Record<string, string>;
  /** Another system's data dir whose certificates this one shares (replicas of one cluster). */
  pkiFrom?: string;
  /**
   * The service range (--service-cluster-ip-range). Default: a /24 of its own, since every
   * cluster's proxy programs this host's iptables; replicas of one cluster pass the first's.
   */
  serviceClusterIPRange?: string;
}

export interface System {
  kubeconfig: string;
  dataDir: string;
  serviceClusterIPRange: string;
  port: number;
  url: string;
  /** The server's log so far (stderr), for failure reports. */
  logs(): string;
  /** Log lines mentioning a path, for the request a failing test made. */
  logsFor(fragment: string): string[];
  stop(): Promise<void>;
  kill9(): Promise<void>;
  proc: ChildProcess;
}


export async function startSystem(opts: SystemOptions = {}): Promise<System> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'capstan-sys-'));
  if (opts.pkiFrom) cpSync(path.join(opts.pkiFrom, 'pki'), path.join(dataDir, 'pki'), { recursive: true });
  const port = await freePort();
  const args = ['--import', 'tsx', path.join(root, 'cli', 'main.ts'), opts.command ?? 'up', '--data-dir', dataDir, '--port', String(port)];
  const databaseUrl = opts.databaseUrl ?? (opts.store === 'postgresql' ? await createDatabaseAt(inject('pgAdminUrl'), 'conformance') : undefined);
  if (databaseUrl) args.push('--database-url', databaseUrl);
  const range = opts.serviceClusterIPRange ? { cidr: opts.serviceClusterIPRange, release: () => {} } : takeServiceRange();
  args.push('--service-cluster-ip-range', range.cidr);
  args.push(...(opts.extraArgs ?? []));
  const proc = spawn(process.execPath, args, { cwd: root, env: { ...process.env, CAPSTAN_LOG_REQUESTS: '1', ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const append = (d: Buffer) => { log = (log + d.toString()).slice(-2_000_000); };
  proc.stdout!.on('data', append);
  proc.stderr!.on('data', append);
  const kubeconfig = path.join(dataDir, 'kubeconfig');
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) { range.release(); throw new Error(`capstan exited with ${proc.exitCode}:\n${log}`); }
    // `up` says so once its nodes have registered, `apiserver` once every worker serves.
    const started = log.includes('Capstan is up');
    if (started && existsSync(kubeconfig) && (await readyz(port, dataDir))) break;
    if (Date.now() > deadline) { proc.kill('SIGKILL'); range.release(); throw new Error(`capstan did not become ready:\n${log}`); }
    await new Promise((r) => setTimeout(r, 100));
  }
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  return {
    kubeconfig, dataDir, port, url: `https://127.0.0.1:${port}`, proc, serviceClusterIPRange: range.cidr,
    logs: () => log,
    logsFor: (fragment) => log.split('\n').filter((l) => l.includes(fragment)),
    async stop() {
      if (proc.exitCode === null) { proc.kill('SIGTERM'); await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]); }
      if (proc.exitCode === null) { proc.kill('SIGKILL'); await exited; }
      rmSync(dataDir, { recursive: true, force: true });
      range.release();
    },
    async kill9() {
      proc.kill('SIGKILL');
      await exited;
    },
  };
}

async function readyz(port: number, dataDir: string): Promise<boolean> {
  const caPath = path.join(dataDir, 'pki', 'ca.crt');
  if (!existsSync(caPath)) return false;
  return new Promise((resolve) => {
    const req = https.get({ host: '127.0.0.1', port, path: '/readyz', ca: readFileSync(caPath), timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => { req.destroy(); resolve(false); });
  });
}
