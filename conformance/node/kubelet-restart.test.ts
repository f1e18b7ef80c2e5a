// A kubelet that dies and comes back leaves its running pods alone: `capstan up --nodes 0` serves
// the control plane, and this file runs the node agent itself, `capstan kubelet --runtime docker`
// as its own process with a node credential issued from the cluster CA (as kubeadm's kubelet.conf:
// CN system:node:<name>, O system:nodes). The kubelet is SIGKILLed and started again; its pods'
// containers (Docker ids, start times, restart counts) must be the same ones, still Running and Ready.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { System } from '../harness/system.ts';
import { kubectlOk } from '../harness/kubectl.ts';
import { eventually } from '../../test/eventually.ts';
import {
  apply, busyboxPod, conditionOf, containerStatus, createNamespace, deleteNamespaces, getPod, root, startDockerSystem, waitReady, watchPod,
  type PodJson,
} from './pods.ts';

const IDLE = 'trap "exit 0" TERM; while true; do sleep 1; done';
const NS = 'kubelet-restart';
/** A node name of this run alone: the Docker runtime labels the containers it owns with it. */
const NODE = `restart-${randomBytes(3).toString('hex')}`;

let sys: System;
let workDir: string;
let kubeletKubeconfig: string;
let kubelet: { proc: ChildProcess; log(): string } | undefined;

/** A client certificate for system:node:<NODE> signed by the cluster CA, in a kubeconfig of its own. */
function writeNodeKubeconfig(): string {
  const pki = path.join(sys.dataDir, 'pki');
  const key = path.join(workDir, 'node.key');
  const csr = path.join(workDir, 'node.csr');
  const crt = path.join(workDir, 'node.crt');
  const ext = path.join(workDir, 'client.ext');
  writeFileSync(ext, 'keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n');
  execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', csr,
    '-subj', `/O=system:nodes/CN=system:node:${NODE}`], { stdio: 'pipe' });
  execFileSync('openssl', ['x509', '-req', '-in', csr, '-CA', path.join(pki, 'ca.crt'), '-CAkey', path.join(pki, 'ca.key'),
    '-set_serial', `0x${randomBytes(8).toString('hex')}`, '-days', '1', '-extfile', ext, '-out', crt], { stdio: 'pipe' });
  const b64 = (file: string) => readFileSync(file).toString('base64');
  const file = path.join(workDir, 'kubelet.kubeconfig');
  writeFileSync(file, JSON.stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'node',
    clusters: [{ name: 'capstan', cluster: { server: sys.url, 'certificate-authority-data': b64(path.join(pki, 'ca.crt')) } }],
    users: [{ name: NODE, user: { 'client-certificate-data': b64(crt), 'client-key-data': b64(key) } }],
    contexts: [{ name: 'node', context: { cluster: 'capstan', user: NODE } }],
  }));
  return file;
}

function startKubelet(): { proc: ChildProcess; log(): string } {
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'cli', 'main.ts'), 'kubelet',
    '--kubeconfig', kubeletKubeconfig, '--node-name', NODE, '--runtime', 'docker', '--root-dir', path.join(workDir, 'kubelet'), '--kubelet-port', '0'],
  { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const append = (d: Buffer) => { log = (log + d.toString()).slice(-200_000); };
  proc.stdout!.on('data', append);
  proc.stderr!.on('data', append);
  return { proc, log: () => log };
}

async function stopKubelet(signal: NodeJS.Signals): Promise<void> {
  const k = kubelet;
  kubelet = undefined;
  if (!k || k.proc.exitCode !== null || k.proc.signalCode !== null) return;
  const exited = new Promise<void>((r) => k.proc.once('exit', () => r()));
  k.proc.kill(signal);
  await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
  if (k.proc.exitCode === null && k.proc.signalCode === null) {
    k.proc.kill('SIGKILL');
    await exited;
  }
}

/** What Docker says of a container: whether it runs, when it started, and the engine's own restart count. */
function dockerState(containerID: string): string {
  return execFileSync('docker', ['inspect', '--format', '{{.State.Running}} {{.State.StartedAt}} {{.RestartCount}}', containerID.replace(/^docker:\/\//, '')], { encoding: 'utf8' }).trim();
}

/** The ids of this node's containers (not sandboxes) of one pod, as the engine lists them. */
function dockerContainersOf(pod: string): string[] {
  const out = execFileSync('docker', ['ps', '-a', '--no-trunc', '--format', '{{.ID}}',
    '--filter', `label=dev.capstan.kubelet=${NODE}`, '--filter', `label=io.kubernetes.pod.name=${pod}`,
    '--filter', 'label=io.kubernetes.docker.type=container'], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l !== '').sort();
}

beforeAll(async () => {
  workDir = mkdtempSync(path.join(tmpdir(), 'capstan-node-restart-'));
  sys = await startDockerSystem(0);
  kubeletKubeconfig = writeNodeKubeconfig();
  kubelet = startKubelet();
  await eventually(async () => {
    if (kubelet?.proc.exitCode !== null) throw new Error(`capstan kubelet exited:\n${kubelet?.log()}`);
    return (await kubectlOk(sys, ['get', 'nodes', '-o', 'name'])).includes(`node/${NODE}`);
  }, { timeoutMs: 60_000, intervalMs: 250, what: `node ${NODE} registered` });
  await kubectlOk(sys, ['wait', '--for=condition=Ready', `node/${NODE}`, '--timeout=60s']);
}, 180_000);

afterAll(async () => {
  // The kubelet must be there to stop and remove the pods' containers.
  await deleteNamespaces(sys, [NS]);
  await stopKubelet('SIGTERM');
  await sys?.stop();
  // Whatever this run's kubelet left behind (a failed test): its containers, by its unique owner label.
  const left = execFileSync('docker', ['ps', '-aq', '--filter', `label=dev.capstan.kubelet=${NODE}`], { encoding: 'utf8' }).split('\n').filter(Boolean);
  if (left.length > 0) execFileSync('docker', ['rm', '-f', ...left], { stdio: 'ignore' });
  rmSync(workDir, { recursive: true, force: true });
}, 150_000);

describe('Node: a kubelet restart', () => {
  it('keeps the running pods\' containers, start times and restart counts when the kubelet is killed and restarted', async () => {
    await createNamespace(sys, NS);
    // One pod without probes (Ready throughout), one whose readiness probe must pass again.
    await apply(sys, busyboxPod(NS, 'steady', IDLE));
    await apply(sys, busyboxPod(NS, 'probed', IDLE, {}, { readinessProbe: { exec: { command: ['true'] }, periodSeconds: 1 } }));
    await waitReady(sys, NS, 'steady');
    await waitReady(sys, NS, 'probed');
    const before = new Map<string, PodJson>([['steady', await getPod(sys, NS, 'steady')], ['probed', await getPod(sys, NS, 'probed')]]);
    for (const pod of before.values()) expect(pod.spec.nodeName).toBe(NODE);
    const dockerBefore = new Map([...before].map(([name, pod]) => [name, dockerState(containerStatus(pod, 'main')!.containerID!)]));
    const idsBefore = new Map([...before.keys()].map((name) => [name, dockerContainersOf(name)]));

    const readiness = watchPod(sys, NS, 'steady', ['-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}{"\\n"}']);
    try {
      await readiness.waitForOutput(/True\n/, 10_000);
      await stopKubelet('SIGKILL');
      // With no kubelet, the containers run on.
      for (const [name, pod] of before) expect(dockerState(containerStatus(pod, 'main')!.containerID!), name).toMatch(/^true /);

      kubelet = startKubelet();
      // The new kubelet is at work once it runs a pod created after it started.
      await apply(sys, busyboxPod(NS, 'after-restart', IDLE));
      await waitReady(sys, NS, 'after-restart');
      // And the probed pod's readiness has been probed again (upstream may show it NotReady in between: kubernetes#113646).
      await waitReady(sys, NS, 'probed', 30);

      // A few of the new kubelet's sync and probe periods: nothing is restarted.
      const settle = Date.now() + 4_000;
      while (Date.now() < settle) {
        for (const [name, old] of before) {
          const pod = await getPod(sys, NS, name);
          const was = containerStatus(old, 'main')!;
          const now = containerStatus(pod, 'main');
          expect(pod.status.phase, name).toBe('Running');
          expect(conditionOf(pod, 'Ready'), name).toBe('True');
          expect(now?.containerID, name).toBe(was.containerID);
          expect(now?.restartCount, name).toBe(0);
          expect(now?.state?.running?.startedAt, name).toBe(was.state?.running?.startedAt);
          expect(dockerState(was.containerID!), name).toBe(dockerBefore.get(name));
          expect(dockerContainersOf(name), name).toEqual(idsBefore.get(name));
        }
        await new Promise((r) => setTimeout(r, 500));
      }
      // The restarted kubelet's own API serves the API server's exec and logs for a pod it adopted.
      expect((await kubectlOk(sys, ['exec', '-n', NS, 'steady', '--', 'cat', '/var/run/secrets/kubernetes.io/serviceaccount/namespace'])).trim()).toBe(NS);
      // The pod without probes never left Ready.
      const seen = readiness.lines().map((l) => l.line.trim());
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.filter((s) => s !== 'True')).toEqual([]);
    } finally {
      readiness.stop();
    }
  }, 150_000);
});
