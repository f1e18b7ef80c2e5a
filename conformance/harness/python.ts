// The official Kubernetes Python client (Debian's python3-kubernetes) as a second client library:
// a small Python script runs under the system Python with KUBECONFIG pointing at the system, and
// prints one JSON document that the test asserts on. Debian's package lives in the system
// Python's dist-packages, so /usr/bin/python3 runs it, not whichever python3 is first on PATH.
import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import type { System } from './system.ts';

export const SYSTEM_PYTHON = '/usr/bin/python3';
const root = path.resolve(import.meta.dirname, '..', '..');

/** Installs python3-kubernetes when missing (scripts/ensure-python-client.sh; quick when present). */
export function ensurePythonClient(): void {
  execFileSync(path.join(root, 'scripts', 'ensure-python-client.sh'), { stdio: 'inherit' });
}

export interface PythonResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface PythonOptions {
  /** Passed to the script as sys.argv[1:]. */
  args?: string[];
  timeoutMs?: number;
}

/** Runs a Python script (its source) against the system; resolves whatever it exits with. */
export function python(sys: System, script: string, opts: PythonOptions = {}): Promise<PythonResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(SYSTEM_PYTHON, ['-', ...(opts.args ?? [])], {
      // No user site-packages or PYTHONPATH from the caller's environment: Debian's client only.
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', KUBECONFIG: sys.kubeconfig, PYTHONNOUSERSITE: '1', PYTHONUNBUFFERED: '1' },
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
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(script);
  });
}

/**
 * Runs a script that prints one JSON document as its last line of output, and returns it; fails
 * with the script's output (and the server's log for what it touched) when it exits non-zero.
 */
export async function pythonJson<T>(sys: System, script: string, opts: PythonOptions & { logFragment?: string } = {}): Promise<T> {
  const r = await python(sys, script, opts);
  const last = r.stdout.trim().split('\n').pop() ?? '';
  if (r.code !== 0) {
    const serverLines = opts.logFragment ? sys.logsFor(opts.logFragment).slice(-20).join('\n') : '';
    throw new Error(`python script exited ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}\n--- server log\n${serverLines}`);
  }
  try {
    return JSON.parse(last) as T;
  } catch {
    throw new Error(`python script printed no JSON on its last line\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
  }
}
