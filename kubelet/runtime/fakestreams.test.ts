// The fake runtime's streams: logs as its main process prints them, exec through its shell with
// real stdin / stdout / stderr, tar for kubectl cp, attach and port-forward. (The runtime contract
// itself runs in fake.test.ts.)
import { describe, expect, it } from 'vitest';
import net from 'node:net';
import { Duplex, PassThrough, Writable } from 'node:stream';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import type { ContainerConfig, Sandbox } from './runtime.ts';
import { FakeRuntime, rfc3339Nano } from './fake.ts';

let seq = 0;
const never = new AbortController().signal;

async function started(rt: FakeRuntime, argv: string[], extra: Partial<ContainerConfig> = {}): Promise<{ id: string; sandbox: Sandbox }> {
  const n = ++seq;
  const pod: V1Pod = { metadata: { name: `p${n}`, namespace: 'default', uid: `uid-${n}` } };
  const sandbox = await rt.runPodSandbox(pod, { hostname: `p${n}`, hostNetwork: false, portMappings: [], labels: {} }, 0);
  const cfg: ContainerConfig = {
    name: 'c', image: 'busybox', command: argv, args: [], env: [], attempt: 0, tty: false, stdin: false, stdinOnce: false, mounts: [], labels: {}, ...extra,
  };
  const id = await rt.createContainer(sandbox, pod, { name: 'c', image: 'busybox' }, cfg);
  await rt.startContainer(id);
  return { id, sandbox };
}

/** A writable that keeps what it is given. */
function sink(): Writable & { text(): string; bytes(): Buffer } {
  const chunks: Buffer[] = [];
  const w = new Writable({ write(c: Buffer, _e, cb) { chunks.push(Buffer.from(c)); cb(); } }) as Writable & { text(): string; bytes(): Buffer };
  w.text = () => Buffer.concat(chunks).toString();
  w.bytes = () => Buffer.concat(chunks);
  return w;
}

async function logsOf(rt: FakeRuntime, id: string, o = {}): Promise<string> {
  const out = sink();
  await rt.logs(id, o, out, never);
  return out.text();
}

async function run(rt: FakeRuntime, id: string, cmd: string[], stdin?: string): Promise<{ code: number; out: string; err: string }> {
  const out = sink();
  const err = sink();
  const input = stdin === undefined ? undefined : new PassThrough();
  input?.end(stdin);
  const code = await rt.exec(id, cmd, { stdout: out, stderr: err, ...(input ? { stdin: input } : {}) }, never);
  return { code, out: out.text(), err: err.text() };
}

describe('fake runtime streams: logs', () => {
  it('records what the main process echoes, when its sleeps say', async () => {
    const rt = new FakeRuntime();
    const { id } = await started(rt, ['sh', '-c', 'echo first; sleep 0.2; echo second; sleep 3600']);
    expect(await logsOf(rt, id)).toBe('first\n');
    await new Promise((r) => setTimeout(r, 300));
    expect(await logsOf(rt, id)).toBe('first\nsecond\n');
    expect(await logsOf(rt, id, { tailLines: 1 })).toBe('second\n');
    expect(await logsOf(rt, id, { tailLines: 0 })).toBe('');
    expect(await logsOf(rt, id, { limitBytes: 8 })).toBe('first\nse');
    expect(await logsOf(rt, id, { sinceTime: Date.now() + 1000 })).toBe('');
    expect(await logsOf(rt, id, { timestamps: true })).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z first\n\S+ second\n$/);
  });

  it('follows until the container exits', async () => {
    const rt = new FakeRuntime();
    const { id } = await started(rt, ['sh', '-c', 'echo a; sleep 0.3; echo b; sleep 0.2']);
    const out = sink();
    await rt.logs(id, { follow: true }, out, never);
    expect(out.text()).toBe('a\nb\n');
  });

  it('formats times as Go\'s RFC3339Nano', () => {
    expect(rfc3339Nano(Date.UTC(2024, 0, 2, 3, 4, 5, 120))).toBe('2024-01-02T03:04:05.12Z');
    expect(rfc3339Nano(Date.UTC(2024, 0, 2, 3, 4, 5, 0))).toBe('2024-01-02T03:04:05Z');
  });
});

describe('fake runtime streams: exec', () => {
  it('runs a small shell with real output and exit codes', async () => {
    const rt = new FakeRuntime();
    const { id } = await started(rt, ['sleep', '3600']);
    expect(await run(rt, id, ['echo', 'hello', 'there'])).toEqual({ code: 0, out: 'hello there\n', err: '' });
    expect(await run(rt, id, ['sh', '-c', 'printf "%s-%s\\n" a b; exit 7'])).toEqual({ code: 7, out: 'a-b\n', err: '' });
    expect(await run(rt, id, ['cat'], 'piped in\n')).toEqual({ code: 0, out: 'piped in\n', err: '' });
    expect(await run(rt, id, ['sh', '-c', 'mkdir -p /data/x && touch /data/x/f && ls /data/x && test -d /data && test -f /data/x/f'])).toEqual({ code: 0, out: 'f\n', err: '' });
    expect((await run(rt, id, ['test', '-d', '/nope'])).code).toBe(1);
    const missing = await run(rt, id, ['cat', '/nope']);
    expect([missing.code, missing.err]).toEqual([1, "cat: can't open '/nope': No such file or directory\n"]);
    // What the shell does not know succeeds at once in exec.
    expect((await run(rt, id, ['nginx', '-t'])).code).toBe(0);
  });

  it('carries files between containers by tar, contents and directories, mounts included', async () => {
    const host = mkdtempSync(path.join(tmpdir(), 'fake-tar-'));
    writeFileSync(path.join(host, 'f.txt'), 'x'.repeat(1000) + '\n');
    const rt = new FakeRuntime();
    const a = await started(rt, ['sleep', '3600'], { mounts: [{ hostPath: host, containerPath: '/data', readOnly: false }] });
    const b = await started(rt, ['sleep', '3600']);
    expect((await run(rt, a.id, ['sh', '-c', 'mkdir -p /data/sub && touch /data/sub/empty'])).code).toBe(0);
    const archive = sink();
    expect(await rt.exec(a.id, ['tar', 'cf', '-', '/data'], { stdout: archive }, never)).toBe(0);
    // Members lose their leading "/", as kubectl cp expects of tar.
    expect(archive.bytes().subarray(0, 5).toString()).toBe('data/');
    const into = (dir: string) => { const s = new PassThrough(); s.end(archive.bytes()); return rt.exec(b.id, ['tar', '--no-same-owner', '-xmf', '-', '-C', dir], { stdin: s }, never); };
    expect(await into('/restore')).toBe(2);
    await run(rt, b.id, ['mkdir', '/restore']);
    expect(await into('/restore')).toBe(0);
    expect((await run(rt, b.id, ['cat', '/restore/data/f.txt'])).out).toBe('x'.repeat(1000) + '\n');
    expect((await run(rt, b.id, ['ls', '/restore/data'])).out).toBe('f.txt\nsub\n');
    // Each container has its own files; the mount's live on the host.
    expect((await run(rt, a.id, ['test', '-e', '/restore'])).code).toBe(1);
    expect(existsSync(path.join(host, 'sub', 'empty'))).toBe(true);
    rmSync(host, { recursive: true, force: true });
  });
});

describe('fake runtime streams: attach and port-forward', () => {
  it('attach follows new output and echoes stdin into a cat', async () => {
    const rt = new FakeRuntime();
    const { id } = await started(rt, ['cat'], { stdin: true });
    const out = sink();
    const stdin = new PassThrough();
    const ac = new AbortController();
    const done = rt.attach(id, { stdout: out, stdin }, ac.signal);
    expect(rt.attached(id)).toBe(1);
    stdin.write('typed\n');
    rt.writeLog(id, 'printed\n');
    await new Promise((r) => setTimeout(r, 20));
    await rt.stopContainer(id, 0);
    await done;
    expect(out.text()).toBe('typed\nprinted\n');
    expect(await logsOf(rt, id)).toBe('typed\nprinted\n');
  });

  it('port-forward reaches the address the test names, and says when nothing listens', async () => {
    const server = net.createServer((c) => c.end('served'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as net.AddressInfo).port;
    const rt = new FakeRuntime({ forwardPort: (_sb, p) => (p === 80 ? { host: '127.0.0.1', port } : undefined) });
    const { sandbox } = await started(rt, ['sleep', '3600']);
    const [a, b] = socketPair();
    let got = '';
    b.on('data', (d) => { got += d; });
    await rt.portForward(sandbox.id, 80, a);
    expect(got).toBe('served');
    await expect(rt.portForward(sandbox.id, 81, socketPair()[0])).rejects.toThrow(/failed to connect to localhost:81 .*connection refused/);
    server.close();
  });
});

/** Two connected in-memory duplex ends. */
function socketPair(): [Duplex, Duplex] {
  const ab = new PassThrough();
  const ba = new PassThrough();
  return [Duplex.from({ readable: ba, writable: ab }), Duplex.from({ readable: ab, writable: ba })];
}
