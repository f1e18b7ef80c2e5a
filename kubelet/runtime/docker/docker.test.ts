// The Docker runtime against a real engine: the runtime contract every runtime keeps, then what
// only real containers show — a shared network namespace, resources and security settings as
// Docker applies them, logs, exec with stdin, attach, port-forward, termination messages, OOM
// kills, pulls that fail offline, and state rebuilt from labels by a new runtime instance.
import { Duplex, PassThrough, Readable } from 'node:stream';
import net from 'node:net';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { runRuntimeSuite } from '../runtime.suite.ts';
import type { ContainerConfig, RuntimeContainer, Sandbox, SandboxConfig } from '../runtime.ts';
import { DockerRuntime } from './docker.ts';
import { ensureDocker, testRuntime } from './testing.ts';

runRuntimeSuite('docker', {
  make: async () => {
    ensureDocker();
    const runtime = testRuntime({ podCIDR: '10.240.200.0/24' });
    return { runtime, close: async () => { await runtime.removeAll(); runtime.close(); } };
  },
  image: 'busybox',
  podCIDR: { cidr: '10.240.200.0/24', prefix: '10.240.200.' },
  exitWithinMs: 10_000,
});

describe('docker runtime', () => {
  let rt: DockerRuntime;
  let seq = 0;

  beforeAll(async () => {
    ensureDocker();
    rt = testRuntime({ podCIDR: '10.240.201.0/24' });
    await rt.updateRuntimeConfig({ podCIDR: '10.240.201.0/24' });
  });
  afterAll(async () => {
    await rt?.removeAll();
    rt?.close();
  });

  function pod(spec: Partial<NonNullable<V1Pod['spec']>> = {}, status: V1Pod['status'] = {}): V1Pod {
    const n = ++seq;
    return {
      metadata: { name: `dk-${n}`, namespace: 'default', uid: `00000000-0000-4000-9000-${String(n).padStart(12, '0')}` },
      spec: { containers: [], ...spec },
      status,
    };
  }

  const sandboxConfig = (p: V1Pod, o: Partial<SandboxConfig> = {}): SandboxConfig => ({
    hostname: p.metadata!.name!, hostNetwork: false, portMappings: [], labels: {}, ...o,
  });

  function config(c: V1Container, o: Partial<ContainerConfig> = {}): ContainerConfig {
    return {
      name: c.name, image: c.image ?? 'busybox', command: c.command ?? [], args: c.args ?? [], env: [], attempt: 0, tty: false,
      stdin: false, stdinOnce: false, mounts: [], labels: {}, ...(c.workingDir ? { workingDir: c.workingDir } : {}),
      ...(c.terminationMessagePath ? { terminationMessagePath: c.terminationMessagePath } : {}), ...o,
    };
  }

  async function run(sb: Sandbox, p: V1Pod, c: V1Container, o: Partial<ContainerConfig> = {}): Promise<string> {
    const id = await rt.createContainer(sb, p, c, config(c, o));
    await rt.startContainer(id);
    return id;
  }

  async function exited(p: V1Pod, id: string, ms = 10_000): Promise<RuntimeContainer> {
    const end = Date.now() + ms;
    for (;;) {
      const c = (await rt.podStatus(p.metadata!.uid!))?.containers.find((x) => x.id === id);
      if (c?.state === 'exited') return c;
      if (Date.now() > end) throw new Error(`container ${id} did not exit (state ${c?.state})`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async function execText(id: string, cmd: string[], stdin?: string): Promise<{ code: number; out: string; err: string }> {
    const out = new PassThrough();
    const err = new PassThrough();
    const o: Buffer[] = [];
    const e: Buffer[] = [];
    out.on('data', (b: Buffer) => o.push(b));
    err.on('data', (b: Buffer) => e.push(b));
    const code = await rt.exec(id, cmd, { stdout: out, stderr: err, ...(stdin !== undefined ? { stdin: Readable.from([Buffer.from(stdin)]) } : {}) }, new AbortController().signal);
    return { code, out: Buffer.concat(o).toString(), err: Buffer.concat(e).toString() };
  }

  const inspect = (id: string) => rt.docker.getContainer(id).inspect();

  it('puts the containers of a pod in one network namespace: they share the pod IP, hostname and localhost', async () => {
    const p = pod();
    const sb = await rt.runPodSandbox(p, sandboxConfig(p), 0);
    const web = await run(sb, p, { name: 'web', image: 'busybox', command: ['httpd', '-f', '-p', '8080', '-h', '/etc'] });
    const client = await run(sb, p, { name: 'client', image: 'busybox', command: ['sleep', '3600'] });
    let got = '';
    for (let i = 0; i < 50 && !got.includes('localhost'); i++) {
      got = (await execText(client, ['sh', '-c', 'timeout 5 wget -qO- http://127.0.0.1:8080/hosts'])).out;
      if (!got) await new Promise((r) => setTimeout(r, 100));
    }
    // The kubelet-managed /etc/hosts, served by one container and fetched by the other over localhost.
    expect(got).toContain('# Kubernetes-managed hosts file.');
    expect(got).toContain(`${sb.ips[0]}\t${p.metadata!.name}`);
    expect((await execText(web, ['hostname'])).out.trim()).toBe(p.metadata!.name);
    expect((await execText(client, ['sh', '-c', "ip -4 addr show eth0 | grep -o 'inet [0-9.]*'"])).out.trim()).toBe(`inet ${sb.ips[0]}`);
    // The host reaches the pod at its IP, too.
    const viaHost = await new Promise<string>((resolve, reject) => {
      const s = net.connect(8080, sb.ips[0]!, () => s.end('GET /hostname HTTP/1.0\r\n\r\n'));
      const chunks: Buffer[] = [];
      s.on('data', (b: Buffer) => chunks.push(b));
      s.on('end', () => resolve(Buffer.concat(chunks).toString()));
      s.on('error', reject);
    });
    expect(viaHost).toContain('200 OK');
    // Docker names and labels as dockershim made them.
    const j = await inspect(web);
    expect(j.Name).toBe(`/k8s_web_${p.metadata!.name}_default_${p.metadata!.uid}_0`);
    expect(j.Config.Labels).toMatchObject({ 'io.kubernetes.container.name': 'web', 'io.kubernetes.pod.uid': p.metadata!.uid, 'io.kubernetes.sandbox.id': sb.id });
    expect(j.HostConfig).toMatchObject({ NetworkMode: `container:${sb.id}`, IpcMode: `container:${sb.id}` });
    expect((await inspect(sb.id)).Name).toBe(`/k8s_POD_${p.metadata!.name}_default_${p.metadata!.uid}_0`);
    await rt.removePodSandbox(sb.id);
  });

  it('applies resources: memory limit, CPU quota from the limit and shares from the request, the OOM score by QoS', async () => {
    const p = pod({}, { qosClass: 'Burstable' });
    const sb = await rt.runPodSandbox(p, sandboxConfig(p), 0);
    const c: V1Container = { name: 'c', image: 'busybox', command: ['sleep', '3600'], resources: { limits: { memory: '64Mi', cpu: '500m' }, requests: { cpu: '250m', memory: '32Mi' } } };
    const id = await run(sb, p, c);
    const hc = (await inspect(id)).HostConfig;
    expect(hc).toMatchObject({ Memory: 64 * 1024 * 1024, CpuQuota: 50_000, CpuPeriod: 100_000, CpuShares: 256 });
    expect(hc.OomScoreAdj).toBeGreaterThan(2);
    expect(hc.OomScoreAdj).toBeLessThan(1000);
    const best = await run(sb, { ...p, status: { qosClass: 'BestEffort' } }, { name: 'b', image: 'busybox', command: ['sleep', '3600'] });
    expect((await inspect(best)).HostConfig).toMatchObject({ CpuShares: 2, OomScoreAdj: 1000 });
    await rt.removePodSandbox(sb.id);
  });

  it('applies the security context: runAsUser/Group, readOnlyRootFilesystem, capabilities, and refuses runAsNonRoot as root', async () => {
    const p = pod({ securityContext: { runAsUser: 1000, runAsGroup: 3000, supplementalGroups: [4000] } });
    const sb = await rt.runPodSandbox(p, sandboxConfig(p), 0);
    const id = await run(sb, p, {
      name: 'c', image: 'busybox', command: ['sleep', '3600'],
      securityContext: { readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
    });
    expect((await execText(id, ['id'])).out.trim()).toMatch(/^uid=1000 gid=3000 groups=.*4000/);
    const touch = await execText(id, ['touch', '/x']);
    expect(touch.code).not.toBe(0);
    expect(touch.err).toMatch(/Read-only file system/);
    expect((await inspect(id)).HostConfig).toMatchObject({ ReadonlyRootfs: true, CapDrop: ['ALL'], Privileged: false });
    const root = pod({ securityContext: { runAsNonRoot: true } });
    await expect(rt.createContainer(sb, root, { name: 'r', image: 'busybox' }, config({ name: 'r', image: 'busybox' })))
      .rejects.toThrow(/container has runAsNonRoot and image will run as root/);
    await rt.removePodSandbox(sb.id);
  });

  it('passes command, args, env and workingDir as the image would run them', async () => {
    const p = pod();
    const sb = await rt.runPodSandbox(p, sandboxConfig(p), 0);
    const id = await run(sb, p, { name: 'c', image: 'busybox', command: ['sh', '-c'], args: ['echo "$GREETING from $(pwd)"; echo oops >&2'], workingDir: '/tmp' },
      { env: [{ name: 'GREETING', value: 'hello world' }] });
    await exited(p, id);
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (b: Buffer) => chunks.push(b));
    await rt.logs(id, {}, out, new AbortController().signal);
    // stdout and stderr both, in one stream (their relative order is the engine's).
    expect(Buffer.concat(chunks).toString().split('\n').sort()).toEqual(['', 'hello world from /tmp', 'oops']);
    await rt.removePodSandbox(sb.id);
  });

  it('serves logs with tail, timestamps, limitBytes, and follows a running container', async () => {
    const p = pod();
    const sb = await rt.runPodSandbox(p, sandboxConfig(p), 0);
    const id = await run(sb, p, { name: 'c', image: 'busybox', command: ['sh', '-c', 'for i in 1 2 3 4 5; do echo line $i; done; sleep 1; echo late; sleep 3600'] });
    const read = async (o: Parameters<DockerRuntime['logs']>[1], abortAfterMs?: number) => {
      const out = new PassThrough();
      const chunks: Buffer[] = [];
      out.on('data', (b: Buffer) => chunks.push(b));
      const ac = new AbortController();
      if (abortAfterMs) setTimeout(() => ac.abort(), abortAfterMs);
      await rt.logs(id, o, out, ac.signal);
      return Buffer.concat(chunks).toString();
    };
    await new Promise((r) => setTimeout(r, 300));
    expect(await read({ tailLines: 2 })).toBe('line 4\nline 5\n');
    expect(await read({ limitBytes: 9 })).toBe('line 1\nli');
    expect((await read({ tailLines: 1, timestamps: true })).trim()).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z line 5$/);
    const followed = await read({ follow: true, tailLines: 0 }, 2_000);
    expect(followed).toBe('late\n');
    await rt.removePodSandbox(sb.id);
  });

  it('runs exec with stdin and separate stdout / stderr, and attaches to the main process', async () => {
    const p = pod();
    const sb = await rt.runPodSandbox(p, sandboxConfig(p), 0);
    const id = await run(sb, p, { name: 'c', image: 'busybox', command: ['sleep', '3600'] });
    const r = await execText(id, ['sh', '-c', 'tr a-z A-Z; echo err >&2; exit 4'], 'hello\n');
    expect(r).toEqual({ code: 4, out: 'HELLO\n', err: 'err\n' });
    // A command that cannot start is an error, as the CRI reports it, not output.
    await expect(execText(id, ['no-such-command'])).rejects.toThrow(/^failed to exec in container: .*executable file not found in \$PATH/);
    // attach: a main process that echoes its stdin back.
    const cat = await run(sb, p, { name: 'cat', image: 'busybox', command: ['sh', '-c', 'while read l; do echo "got $l"; done'], stdin: true }, { stdin: true, stdinOnce: false });
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const seen: Buffer[] = [];
    stdout.on('data', (b: Buffer) => seen.push(b));
    const ac = new AbortController();
    const attached = rt.attach(cat, { stdin, stdout }, ac.signal);
    stdin.write('ping\n');
    const end = Date.now() + 5_000;
    while (!Buffer.concat(seen).toString().includes('got ping') && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    ac.abort();
    await attached;
    expect(Buffer.concat(seen).toString()).toBe('got ping\n');
    await rt.removePodSandbox(sb.id);
  });

  it('runs exec and attach on a TTY: its output raw, the terminal resized as the client asks', async () => {
    const p = pod();
    const sb = await rt.runPodSandbox(p, sandboxConfig(p), 0);
    const id = await run(sb, p, { name: 'c', image: 'busybox', command: ['sleep', '3600'] });
    const text = (stream: PassThrough) => {
      const chunks: Buffer[] = [];
      stream.on('data', (b: Buffer) => chunks.push(b));
      return () => Buffer.concat(chunks).toString();
    };
    async function* sizes(width: number, height: number) { yield { width, height }; }
    const out = new PassThrough();
    const seen = text(out);
    // The size comes right after the start; the command waits for it before it reads it.
    const code = await rt.exec(id, ['sh', '-c', 'sleep 1; stty size; echo err >&2'], { stdout: out, tty: true, resize: sizes(101, 41) }, new AbortController().signal);
    expect(code).toBe(0);
    // One stream on a TTY (stderr included), with the terminal's line endings.
    expect(seen()).toBe('41 101\r\nerr\r\n');
    // attach to a main process on a TTY: resized, then told a line on its stdin.
    const shell = await run(sb, p, { name: 'tty', image: 'busybox', command: ['sh', '-c', 'read l; echo "$(stty size) $l"; sleep 3600'], stdin: true, tty: true },
      { stdin: true, tty: true });
    const stdin = new PassThrough();
    const attachedOut = new PassThrough();
    const attachedSeen = text(attachedOut);
    const ac = new AbortController();
    const attached = rt.attach(shell, { stdin, stdout: attachedOut, tty: true, resize: sizes(90, 30) }, ac.signal);
    await new Promise((r) => setTimeout(r, 500));
    stdin.write('hello\n');
    const end = Date.now() + 5_000;
    while (!attachedSeen().includes('30 90 hello') && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    ac.abort();
    await attached;
    expect(attachedSeen()).toContain('30 90 hello\r\n');
    await rt.removePodSandbox(sb.id);
  });

  it('forwards a port to 127.0.0.1 inside the pod, and says why when nothing listens', async () => {
    const p = pod();
    const sb = await rt.runPodSandbox(p, sandboxConfig(p), 0);
    // Bound to the pod's loopback only: reachable through port-forward, as upstream's.
    await run(sb, p, { name: 'web', image: 'busybox', command: ['httpd', '-f', '-p', '127.0.0.1:8081', '-h', '/etc'] });
    const forward = async (port: number) => {
      const [a, b] = duplexPair();
      const chunks: Buffer[] = [];
      a.on('data', (x: Buffer) => chunks.push(x));
      const done = rt.portForward(sb.id, port, b);
      a.end('GET /hostname HTTP/1.0\r\n\r\n');
      await done;
      return Buffer.concat(chunks).toString();
    };
    let reply = '';
    for (let i = 0; i < 30 && !reply.includes('200 OK'); i++) {
      reply = await forward(8081).catch(() => '');
      if (!reply.includes('200 OK')) await new Promise((r) => setTimeout(r, 100));
    }
    expect(reply).toContain('200 OK');
    expect(reply).toContain(p.metadata!.name!);
    await expect(forward(8099)).rejects.toThrow(/error forwarding port 8099 to pod .*exit status 1/);
    await rt.removePodSandbox(sb.id);
  });

  it('binds a termination-message file when the kubelet gives none, uses the kubelet\'s when it does, and reports OOMKilled', async () => {
    const p = pod();
    const sb = await rt.runPodSandbox(p, sandboxConfig(p), 0);
    const write = ['sh', '-c', 'echo -n "all done" > /dev/termination-log'];
    const own = await run(sb, p, { name: 'own', image: 'busybox', command: write, terminationMessagePath: '/dev/termination-log' });
    expect(await exited(p, own)).toMatchObject({ exitCode: 0, reason: 'Completed', message: 'all done' });
    // The kubelet's own file (upstream: the kubelet makes it, the runtime binds it): read by the kubelet, not reported here.
    const dir = mkdtempSync(path.join(tmpdir(), 'capstan-term-'));
    const file = path.join(dir, 'msg');
    writeFileSync(file, '');
    chmodSync(file, 0o666);
    const theirs = await run(sb, p, { name: 'theirs', image: 'busybox', command: write, terminationMessagePath: '/dev/termination-log' },
      { mounts: [{ hostPath: file, containerPath: '/dev/termination-log', readOnly: false }] });
    const ended = await exited(p, theirs);
    expect(ended.message).toBeUndefined();
    expect(readFileSync(file, 'utf8')).toBe('all done');
    rmSync(dir, { recursive: true, force: true });
    const oom = await run(sb, p, {
      name: 'oom', image: 'busybox', command: ['sh', '-c', 'x=a; while :; do x=$x$x; done'], resources: { limits: { memory: '16Mi' } },
    });
    expect(await exited(p, oom)).toMatchObject({ exitCode: 137, reason: 'OOMKilled' });
    await rt.removePodSandbox(sb.id);
  });

  it('reports a container that cannot start as exited with StartError', async () => {
    const p = pod();
    const sb = await rt.runPodSandbox(p, sandboxConfig(p), 0);
    const id = await rt.createContainer(sb, p, { name: 'bad', image: 'busybox' }, config({ name: 'bad', image: 'busybox', command: ['/no/such/binary'] }));
    await expect(rt.startContainer(id)).rejects.toThrow(/no such file or directory/);
    expect(await exited(p, id)).toMatchObject({ exitCode: 128, reason: 'StartError' });
    await rt.removePodSandbox(sb.id);
  });

  it('fails a pull offline with the engine\'s message, and keeps a local image when a pull of it fails', async () => {
    await expect(rt.pullImage('busybox:no-such-tag')).rejects.toThrow(/^Error response from daemon: /);
    await expect(rt.pullImage('bad image')).rejects.toThrow(/^invalid reference format: "bad image"$/);
    expect(await rt.hasImage('busybox:no-such-tag')).toBe(false);
    await rt.pullImage('busybox:1.36'); // no registry: the local image stands
    expect(await rt.hasImage('busybox:1.36')).toBe(true);
    const images = await rt.listImages();
    expect(images.find((i) => i.names.includes('busybox:1.36'))?.names).toContain('docker.io/library/busybox:1.36');
  });

  it('publishes host ports on the sandbox, and gives host-network sandboxes no pod IP', async () => {
    const p = pod();
    const port = 30_000 + Math.floor(Math.random() * 2_000);
    const sb = await rt.runPodSandbox(p, sandboxConfig(p, { portMappings: [{ containerPort: 80, hostPort: port, protocol: 'TCP' }] }), 0);
    expect((await inspect(sb.id)).HostConfig.PortBindings).toEqual({ '80/tcp': [{ HostIp: '', HostPort: String(port) }] });
    const h = pod({ hostNetwork: true });
    const hsb = await rt.runPodSandbox(h, sandboxConfig(h, { hostNetwork: true }), 0);
    expect(hsb.ips).toEqual([]);
    expect((await inspect(hsb.id)).HostConfig.NetworkMode).toBe('host');
    await rt.removePodSandbox(sb.id);
    await rt.removePodSandbox(hsb.id);
  });

  it('lets a new runtime of the same owner find everything again (a restarted kubelet), and no other owner see it', async () => {
    const p = pod();
    const sb = await rt.runPodSandbox(p, sandboxConfig(p), 3);
    const id = await run(sb, p, { name: 'c', image: 'busybox', command: ['sleep', '3600'] }, { attempt: 2 });
    const again = new DockerRuntime({ owner: rt.owner, podCIDR: '10.240.201.0/24', stateDir: rt.stateDir });
    const found = await again.podStatus(p.metadata!.uid!);
    expect(found).toMatchObject({ uid: p.metadata!.uid, name: p.metadata!.name, namespace: 'default' });
    expect(found!.sandboxes).toMatchObject([{ id: sb.id, attempt: 3, state: 'ready', ips: sb.ips }]);
    expect(found!.containers).toMatchObject([{ id, name: 'c', attempt: 2, state: 'running', sandboxId: sb.id }]);
    again.close();
    const stranger = testRuntime({ podCIDR: '10.240.201.0/24' });
    expect(await stranger.podStatus(p.metadata!.uid!)).toBeUndefined();
    stranger.close();
    await rt.removePodSandbox(sb.id);
    expect(await rt.podStatus(p.metadata!.uid!)).toBeUndefined();
  });

  it('gives nodes with different pod CIDRs addresses in their own ranges on one shared network', async () => {
    const other = testRuntime({ podCIDR: '10.240.202.0/24' });
    await other.updateRuntimeConfig({ podCIDR: '10.240.202.0/24' });
    const a = pod();
    const b = pod();
    const sa = await rt.runPodSandbox(a, sandboxConfig(a), 0);
    const sbb = await other.runPodSandbox(b, sandboxConfig(b), 0);
    expect(sa.ips[0]).toMatch(/^10\.240\.201\./);
    expect(sbb.ips[0]).toMatch(/^10\.240\.202\./);
    const pinger = await run(sa, a, { name: 'c', image: 'busybox', command: ['sleep', '3600'] });
    expect((await execText(pinger, ['ping', '-c', '1', '-W', '2', sbb.ips[0]!])).code).toBe(0);
    await rt.removePodSandbox(sa.id);
    await other.removeAll();
    other.close();
  });
});

/** Two connected in-memory duplex streams (node:stream's duplexPair came after Node 20). */
function duplexPair(): [Duplex, Duplex] {
  let a!: Duplex;
  let b!: Duplex;
  a = new Duplex({ read() {}, write(chunk, _enc, cb) { b.push(chunk); cb(); }, final(cb) { b.push(null); cb(); } });
  b = new Duplex({ read() {}, write(chunk, _enc, cb) { a.push(chunk); cb(); }, final(cb) { a.push(null); cb(); } });
  return [a, b];
}
