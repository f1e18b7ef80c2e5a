// The real kubectl binary as a child process, pinned to 1.32 (the machines' kubectl is a
// dispatcher that follows the server's /version; we check which one ran).
import { spawn } from 'node:child_process';
import type { System } from './system.ts';

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
  /** The command line, for failure messages. */
  command: string;
}

export interface KubectlOptions {
  input?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}

export function kubectl(sys: System, args: string[], opts: KubectlOptions = {}): Promise<KubectlResult> {
  const command = `kubectl ${args.map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = spawn('kubectl', args, {
      env: { ...process.env, KUBECONFIG: sys.kubeconfig, KUBECTL_VERSION: '1.32', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d.toString(); });
    child.stderr.on('data', (d) => { stderr += d.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr, command });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** Runs kubectl and fails with the command, its output and the server's log lines when it does not exit 0. */
export async function kubectlOk(sys: System, args: string[], opts: KubectlOptions = {}): Promise<string> {
  const r = await kubectl(sys, args, opts);
  if (r.code !== 0) {
    const resource = args.find((a) => !a.startsWith('-')) ?? '';
    const serverLines = sys.logsFor(resource).slice(-20).join('\n');
    throw new Error(`${r.command} exited ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}\n--- server log\n${serverLines}`);
  }
  return r.stdout;
}
