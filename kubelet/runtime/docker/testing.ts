// Fixtures for the Docker runtime's tests: a Docker engine made sure of (scripts/ensure-docker.sh
// installs and starts it and builds the local images), and runtimes under unique owners so that
// test files running at once never touch each other's containers.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { DockerRuntime, type DockerRuntimeOptions } from './docker.ts';

const root = path.resolve(import.meta.dirname, '..', '..', '..');

let ensured = false;

/** Installs / starts Docker and builds busybox and the sandbox image if needed; fails with the script's output otherwise. */
export function ensureDocker(): void {
  if (ensured) return;
  try {
    execFileSync(path.join(root, 'scripts', 'ensure-docker.sh'), { stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
  } catch (e) {
    const err = e as { stderr?: Buffer; stdout?: Buffer; message?: string };
    throw new Error(`these tests need a Docker engine, and scripts/ensure-docker.sh could not provide one:\n${err.stderr?.toString() ?? ''}${err.stdout?.toString() ?? ''}${err.message ?? ''}`);
  }
  ensured = true;
}

/** A runtime of its own: a random owner, its own state dir. */
export function testRuntime(o: Partial<DockerRuntimeOptions> & { podCIDR: string }): DockerRuntime {
  return new DockerRuntime({ owner: `test-${randomBytes(5).toString('hex')}`, ...o });
}
