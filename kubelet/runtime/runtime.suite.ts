// The contract every ContainerRuntime keeps, run against each implementation:
// runRuntimeSuite('fake', …) now, runRuntimeSuite('docker', …) with the Docker runtime. Only what
// the kubelet relies on: sandboxes with IPs from the pod CIDR, the container lifecycle and exit
// codes, attempts, events, images, exec's exit status, attach, cleanup.
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { V1Pod } from '@kubernetes/client-node';
import type { ContainerConfig, ContainerRuntime, RuntimeContainer, RuntimeEvent, Sandbox, SandboxConfig } from './runtime.ts';

export interface RuntimeSuiteOptions {
  /** A runtime over an empty state, and how to dispose of it. */
  make(): Promise<{ runtime: ContainerRuntime; close(): Promise<void> }>;
  /** An image with sh, true, false and sleep (busybox). */
  image: string;
  /** The pod CIDR to configure; sandbox IPs must fall inside it. */
  podCIDR: { cidr: string; prefix: string };
  /** How long a container may take to be seen as exited (Docker is slower than the fake). */
  exitWithinMs?: number;
}

let podSeq = 0;

function testPod(): V1Pod {
  const n = ++podSeq;
  return {
    metadata: { name: `suite-${n}`, namespace: 'default', uid: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}` },
    spec: { containers: [{ name: 'c', image: 'busybox' }] },
  };
}

const sandboxConfig = (pod: V1Pod, hostNetwork = false): SandboxConfig => ({
  hostname: pod.metadata!.name!, hostNetwork, portMappings: [],
  labels: { 'io.kubernetes.pod.uid': pod.metadata!.uid!, 'io.kubernetes.pod.name': pod.metadata!.name!, 'io.kubernetes.pod.namespace': 'default' },
});

export function runRuntimeSuite(name: string, o: RuntimeSuiteOptions): void {
  describe(`container runtime contract: ${name}`, () => {
    let rt: ContainerRuntime;
    let close: () => Promise<void>;
    const exitWithin = o.exitWithinMs ?? 3_000;

    beforeAll(async () => {
      ({ runtime: rt, close } = await o.make());
      await rt.updateRuntimeConfig({ podCIDR: o.podCIDR.cidr });
    });
    afterAll(async () => { await close?.(); });

    const config = (cname: string, argv: string[], attempt = 0): ContainerConfig => ({
      name: cname, image: o.image, command: argv, args: [], env: [], attempt, tty: false, stdin: false, stdinOnce: false, mounts: [],
      labels: {},
    });

    async function run(sb: Sandbox, pod: V1Pod, cname: string, argv: string[], attempt = 0): Promise<string> {
      const id = await rt.createContainer(sb, pod, { name: cname, image: o.image }, config(cname, argv, attempt));
      await rt.startContainer(id);
      return id;
    }

    async function containerOf(pod: V1Pod, id: string): Promise<RuntimeContainer | undefined> {
      return (await rt.podStatus(pod.metadata!.uid!))?.containers.find((c) => c.id === id);
    }

    async function exited(pod: V1Pod, id: string): Promise<RuntimeContainer> {
      const end = Date.now() + exitWithin;
      for (;;) {
        const c = await containerOf(pod, id);
        if (c?.state === 'exited') return c;
        if (Date.now() > end) throw new Error(`container ${id} did not exit within ${exitWithin} ms (state ${c?.state})`);
        await new Promise((r) => setTimeout(r, 20));
      }
    }

    it('names itself and says it is ready', async () => {
      const v = await rt.version();
      expect(v.runtimeName).toMatch(/^[a-z]+$/);
      expect(v.runtimeVersion).not.toBe('');
      expect((await rt.status()).ready).toBe(true);
    });

    it('gives a sandbox an IP from the pod CIDR and reports it under the pod UID', async () => {
      const pod = testPod();
      const sb = await rt.runPodSandbox(pod, sandboxConfig(pod), 0);
      expect(sb).toMatchObject({ podUid: pod.metadata!.uid, podName: pod.metadata!.name, state: 'ready', attempt: 0 });
      expect(sb.ips).toHaveLength(1);
      expect(sb.ips[0]!.startsWith(o.podCIDR.prefix)).toBe(true);
      const status = await rt.podStatus(pod.metadata!.uid!);
      expect(status?.sandboxes.map((s) => s.id)).toEqual([sb.id]);
      expect((await rt.list()).some((p) => p.uid === pod.metadata!.uid)).toBe(true);
      const other = testPod();
      const sb2 = await rt.runPodSandbox(other, sandboxConfig(other), 0);
      expect(sb2.ips[0]).not.toBe(sb.ips[0]);
      await rt.removePodSandbox(sb.id);
      await rt.removePodSandbox(sb2.id);
      expect(await rt.podStatus(pod.metadata!.uid!)).toBeUndefined();
    });

    it('runs a long-lived container until it is stopped', async () => {
      const pod = testPod();
      const sb = await rt.runPodSandbox(pod, sandboxConfig(pod), 0);
      const id = await run(sb, pod, 'c', ['sleep', '3600']);
      const c = await containerOf(pod, id);
      expect(c).toMatchObject({ name: 'c', state: 'running', attempt: 0, sandboxId: sb.id, podUid: pod.metadata!.uid });
      expect(c!.startedAt).toBeGreaterThan(0);
      expect(c!.imageRef).not.toBe('');
      await rt.stopContainer(id, 1);
      const stopped = await exited(pod, id);
      expect(stopped.exitCode).not.toBe(0);
      expect(stopped.finishedAt).toBeGreaterThanOrEqual(stopped.startedAt!);
      await rt.stopContainer(id, 1); // idempotent
      await rt.removePodSandbox(sb.id);
    });

    it('reports exit codes: true 0 (Completed), false 1, sh -c "exit 3" 3 (Error)', async () => {
      const pod = testPod();
      const sb = await rt.runPodSandbox(pod, sandboxConfig(pod), 0);
      const ok = await exited(pod, await run(sb, pod, 'ok', ['true']));
      expect(ok).toMatchObject({ exitCode: 0, reason: 'Completed' });
      const no = await exited(pod, await run(sb, pod, 'no', ['false']));
      expect(no).toMatchObject({ exitCode: 1, reason: 'Error' });
      const three = await exited(pod, await run(sb, pod, 'three', ['sh', '-c', 'exit 3']));
      expect(three).toMatchObject({ exitCode: 3, reason: 'Error' });
      await rt.removePodSandbox(sb.id);
    });

    it('lets `sleep N` run for N seconds, then exit 0, telling the events stream', async () => {
      const pod = testPod();
      const sb = await rt.runPodSandbox(pod, sandboxConfig(pod), 0);
      const ac = new AbortController();
      const seen: RuntimeEvent[] = [];
      const listening = (async () => { for await (const ev of rt.events(ac.signal)) seen.push(ev); })();
      const startedAt = Date.now();
      const id = await run(sb, pod, 'nap', ['sh', '-c', 'sleep 1']);
      expect((await containerOf(pod, id))?.state).toBe('running');
      const done = await exited(pod, id);
      expect(done.exitCode).toBe(0);
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(900);
      const end = Date.now() + 2_000;
      while (!seen.some((e) => e.type === 'ContainerDied' && e.id === id) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      expect(seen.find((e) => e.type === 'ContainerDied' && e.id === id)?.podUid).toBe(pod.metadata!.uid);
      ac.abort();
      await listening;
      await rt.removePodSandbox(sb.id);
    });

    it('keeps several attempts of a container name apart, and removes one on request', async () => {
      const pod = testPod();
      const sb = await rt.runPodSandbox(pod, sandboxConfig(pod), 0);
      const first = await run(sb, pod, 'c', ['false'], 0);
      await exited(pod, first);
      const second = await run(sb, pod, 'c', ['sleep', '3600'], 1);
      const status = await rt.podStatus(pod.metadata!.uid!);
      expect(status?.containers.filter((c) => c.name === 'c').map((c) => [c.attempt, c.state]).sort()).toEqual([[0, 'exited'], [1, 'running']]);
      await rt.removeContainer(first);
      expect((await rt.podStatus(pod.metadata!.uid!))?.containers.map((c) => c.id)).toEqual([second]);
      await rt.removePodSandbox(sb.id);
    });

    it('stops every container when its sandbox stops, and removes them with it', async () => {
      const pod = testPod();
      const sb = await rt.runPodSandbox(pod, sandboxConfig(pod), 0);
      const id = await run(sb, pod, 'c', ['sleep', '3600']);
      await rt.stopPodSandbox(sb.id);
      const after = await rt.podStatus(pod.metadata!.uid!);
      expect(after?.sandboxes[0]?.state).toBe('notready');
      expect(after?.containers.find((c) => c.id === id)?.state).toBe('exited');
      await rt.removePodSandbox(sb.id);
      expect(await rt.podStatus(pod.metadata!.uid!)).toBeUndefined();
    });

    it('has the image and lists it once used', async () => {
      await rt.pullImage(o.image);
      expect(await rt.hasImage(o.image)).toBe(true);
      const images = await rt.listImages();
      expect(images.length).toBeGreaterThan(0);
      expect(images[0]!.sizeBytes).toBeGreaterThan(0);
      for (let i = 1; i < images.length; i++) expect(images[i - 1]!.sizeBytes).toBeGreaterThanOrEqual(images[i]!.sizeBytes);
    });

    it('runs exec in a running container and returns its exit code', async () => {
      const pod = testPod();
      const sb = await rt.runPodSandbox(pod, sandboxConfig(pod), 0);
      const id = await run(sb, pod, 'c', ['sleep', '3600']);
      const out = new PassThrough();
      expect(await rt.exec(id, ['sh', '-c', 'exit 3'], { stdout: out, stderr: out }, new AbortController().signal)).toBe(3);
      expect(await rt.exec(id, ['true'], { stdout: out, stderr: out }, new AbortController().signal)).toBe(0);
      await rt.removePodSandbox(sb.id);
    });

    it('attaches to a running container\'s main process: stdin into it, its output out', async () => {
      const pod = testPod();
      const sb = await rt.runPodSandbox(pod, sandboxConfig(pod), 0);
      const id = await rt.createContainer(sb, pod, { name: 'c', image: o.image }, { ...config('c', ['cat']), stdin: true });
      await rt.startContainer(id);
      const stdin = new PassThrough();
      const out = new PassThrough();
      let got = '';
      out.on('data', (c: Buffer) => { got += c.toString(); });
      const ac = new AbortController();
      const attached = rt.attach(id, { stdin, stdout: out, stderr: out }, ac.signal);
      stdin.write('through attach\n');
      for (let waited = 0; !got.includes('through attach\n') && waited < exitWithin; waited += 20) await new Promise((r) => setTimeout(r, 20));
      expect(got).toBe('through attach\n');
      ac.abort();
      await attached;
      await rt.removePodSandbox(sb.id);
    });

    it('gives the logs of a container that printed nothing as an empty stream', async () => {
      const pod = testPod();
      const sb = await rt.runPodSandbox(pod, sandboxConfig(pod), 0);
      const id = await run(sb, pod, 'c', ['true']);
      await exited(pod, id);
      const out = new PassThrough();
      const chunks: Buffer[] = [];
      out.on('data', (c: Buffer) => chunks.push(c));
      await rt.logs(id, {}, out, new AbortController().signal);
      expect(Buffer.concat(chunks).toString()).toBe('');
      await rt.removePodSandbox(sb.id);
    });
  });
}
