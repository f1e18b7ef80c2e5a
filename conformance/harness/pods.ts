// What the files that run pods on Docker nodes share: one system per file with Docker kubelets,
// namespaces ready for pods (their `default` ServiceAccount exists, as upstream's framework waits
// for), and every namespace emptied before the system stops, so that the kubelets remove their
// containers and nothing is left on the engine.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startSystem, type System, type SystemOptions } from './system.ts';
import { kubectl, kubectlOk } from './kubectl.ts';
import { eventually } from '../../test/eventually.ts';

export const root = path.resolve(import.meta.dirname, '..', '..');

/** The Docker engine and the local busybox images (scripts/ensure-docker.sh), then `capstan up --nodes N`. */
export async function startDockerSystem(nodes: number, opts: SystemOptions = {}): Promise<System> {
  execFileSync(path.join(root, 'scripts', 'ensure-docker.sh'), { stdio: 'inherit' });
  return startSystem({ ...opts, extraArgs: ['--nodes', String(nodes), ...(opts.extraArgs ?? [])] });
}

/** Creates a namespace and waits for its `default` ServiceAccount, which pods need. */
export async function createNamespace(sys: System, name: string): Promise<string> {
  await kubectlOk(sys, ['create', 'namespace', name]);
  await eventually(async () => (await kubectl(sys, ['get', 'serviceaccount', 'default', '-n', name, '-o', 'name'])).code === 0,
    { timeoutMs: 30_000, intervalMs: 200, what: `serviceaccount default in ${name}` });
  return name;
}

/**
 * Deletes the namespaces with everything in them, pods with a short grace period first, so that
 * the kubelets stop and remove their containers before the system stops. Never throws: it runs in
 * afterAll, where the system's stop must still happen.
 */
export async function deleteNamespaces(sys: System | undefined, namespaces: Iterable<string>): Promise<void> {
  if (!sys) return;
  const all = [...namespaces];
  if (all.length === 0) return;
  await Promise.all(all.map((ns) => kubectl(sys, ['delete', 'pods', '--all', '-n', ns, '--grace-period=1', '--wait=false']).catch(() => undefined)));
  await kubectl(sys, ['delete', 'namespace', ...all, '--wait=true', '--timeout=90s'], { timeoutMs: 100_000 }).catch(() => undefined);
}

export interface DockerSuite {
  /** The file's system, once its beforeAll has run. */
  sys(): System;
  /** A fresh namespace for one test, deleted with the others when the file ends. */
  namespace(name: string): Promise<string>;
}

/** Registers the file's hooks: a system with `nodes` Docker nodes before its tests, its namespaces and the system gone after. */
export function useDockerSystem(nodes: number, opts: SystemOptions = {}): DockerSuite {
  let sys: System | undefined;
  const namespaces = new Set<string>();
  beforeAll(async () => { sys = await startDockerSystem(nodes, opts); }, 180_000);
  afterAll(async () => {
    await deleteNamespaces(sys, namespaces);
    await sys?.stop();
  }, 150_000);
  return {
    sys: () => sys!,
    async namespace(name) {
      namespaces.add(name);
      return createNamespace(sys!, name);
    },
  };
}
