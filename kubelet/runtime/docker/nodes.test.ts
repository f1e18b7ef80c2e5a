// `capstan up --nodes N` as a user runs it: N Docker nodes with their own pod CIDRs run pods as
// containers; a restart over the same data dir adopts the running containers; without a Docker
// engine it fails at once, saying what to do.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { isNotFound, loadKubeConfig, RestClient } from '../../../client/index.ts';
import { nodes, pods } from '../../../client/resources.ts';
import { eventually } from '../../../test/eventually.ts';
import { freePort } from '../../../test/ports.ts';
import { dockerClient } from './client.ts';
import { dockerNodesProblem, dockerPodCIDR } from './nodes.ts';
import { ensureDocker } from './testing.ts';

const root = path.resolve(import.meta.dirname, '..', '..', '..');

interface Up { proc: ChildProcess; log: () => string; exited: Promise<number | null> }

function capstanUp(dataDir: string, port: number, args: string[], env: Record<string, string> = {}): Up {
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'cli', 'main.ts'), 'up', '--data-dir', dataDir, '--port', String(port), ...args], {
    cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  proc.stdout!.on('data', (d: Buffer) => { log += d.toString(); });
  proc.stderr!.on('data', (d: Buffer) => { log += d.toString(); });
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return { proc, log: () => log, exited };
}

async function stopUp(up: Up): Promise<void> {
  if (up.proc.exitCode !== null) return;
  up.proc.kill('SIGTERM');
  const t = setTimeout(() => up.proc.kill('SIGKILL'), 15_000);
  await up.exited;
  clearTimeout(t);
}

const ready = (n: V1Node) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

describe('capstan up --nodes', () => {
  let dataDir: string;
  let port: number;
  let up: Up | undefined;
  let rest: RestClient | undefined;

  beforeAll(async () => {
    ensureDocker();
    dataDir = mkdtempSync(path.join(tmpdir(), 'capstan-nodes-'));
    port = await freePort();
  });
  afterAll(async () => {
    rest?.close();
    if (up) await stopUp(up);
    // What the cluster left in the engine: its owner labels end with the data dir's cluster id.
    const docker = dockerClient();
    const left = await docker.listContainers({ all: true });
    const ours = await ownersOf(dataDir);
    for (const c of left) {
      if (ours.has(c.Labels['dev.capstan.kubelet'] ?? '')) await docker.getContainer(c.Id).remove({ force: true }).catch(() => {});
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function connect(): Promise<RestClient> {
    const kubeconfig = path.join(dataDir, 'kubeconfig');
    await eventually(() => existsSync(kubeconfig), { what: 'the kubeconfig', timeoutMs: 60_000 });
    const client = new RestClient(loadKubeConfig(kubeconfig));
    await eventually(async () => {
      const list = await client.list(nodes, '').catch(() => undefined);
      return list && list.items.filter(ready).length === 2;
    }, { what: `two Ready Docker nodes\n${up?.log().slice(-3000)}`, timeoutMs: 60_000, intervalMs: 200 });
    return client;
  }

  it('fails at once, saying what to do, when no Docker engine answers', async () => {
    const bad = capstanUp(mkdtempSync(path.join(tmpdir(), 'capstan-nodes-bad-')), await freePort(), ['--nodes', '1'], { DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
    expect(await bad.exited).toBe(1);
    expect(bad.log()).toMatch(/capstan up: --nodes 1: Docker nodes need a Docker engine, and none answers on \/nonexistent\/docker\.sock .*run scripts\/ensure-docker\.sh/);
    expect(await dockerNodesProblem(2.5)).toMatch(/--nodes wants a whole number/);
  });

  it('runs pods as containers on node-0 and node-1, each with its own pod CIDR, and a restart adopts them', async () => {
    up = capstanUp(dataDir, port, ['--nodes', '2']);
    rest = await connect();
    const list = await rest.list(nodes, '');
    expect(list.items.map((n) => [n.metadata?.name, n.spec?.podCIDR]).sort()).toEqual([['node-0', dockerPodCIDR(0)], ['node-1', dockerPodCIDR(1)]]);
    expect(list.items[0]!.status?.nodeInfo?.containerRuntimeVersion).toMatch(/^docker:\/\//);
    const pod = await rest.create(pods, 'default', {
      metadata: { name: 'on-node-1' },
      spec: { nodeName: 'node-1', terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'] }] },
    });
    const running = await eventually(async () => {
      const p = await rest!.get(pods, 'default', 'on-node-1');
      return p.status?.phase === 'Running' ? p : undefined;
    }, { what: 'the pod to run', timeoutMs: 30_000, intervalMs: 100 });
    expect(running.status?.podIP).toMatch(/^10\.240\.1\.\d+$/);
    const containerID = running.status?.containerStatuses?.[0]?.containerID;
    expect(containerID).toMatch(/^docker:\/\//);

    // A restart over the same data dir: the kubelet finds its container and keeps it.
    rest.close();
    await stopUp(up);
    up = capstanUp(dataDir, port, ['--nodes', '2']);
    rest = await connect();
    await new Promise((r) => setTimeout(r, 1_000));
    const after: V1Pod = await rest.get(pods, 'default', 'on-node-1');
    expect(after.status?.phase).toBe('Running');
    expect(after.status?.containerStatuses?.[0]).toMatchObject({ containerID, restartCount: 0 });

    await rest.delete(pods, 'default', 'on-node-1');
    await eventually(async () => {
      try { await rest!.get(pods, 'default', 'on-node-1'); return false; } catch (e) { if (isNotFound(e)) return true; throw e; }
    }, { what: 'the pod to be gone', timeoutMs: 30_000 });
    const docker = dockerClient();
    await eventually(async () => (await docker.listContainers({
      all: true, filters: { label: [`io.kubernetes.pod.uid=${pod.metadata!.uid}`] },
    })).length === 0, { what: 'the containers to be removed', timeoutMs: 20_000 });
  });
});

/** The owner labels `capstan up` gives its nodes' containers for this data dir. */
async function ownersOf(dataDir: string): Promise<Set<string>> {
  const { createHash } = await import('node:crypto');
  const cluster = createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 10);
  return new Set([0, 1].map((i) => `node-${i}.${cluster}`));
}
