import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PassThrough, Writable } from 'node:stream';
import { FakeRuntime, normalizeImage, parseScript, simulateCommand } from './fake.ts';
import { runRuntimeSuite } from './runtime.suite.ts';

runRuntimeSuite('fake', {
  make: async () => ({ runtime: new FakeRuntime(), close: async () => {} }),
  image: 'busybox',
  podCIDR: { cidr: '10.244.7.0/24', prefix: '10.244.7.' },
});

describe('fake runtime simulation', () => {
  it.each([
    [[], { kind: 'forever' }],
    [['nginx'], { kind: 'forever' }],
    [['/pause'], { kind: 'forever' }],
    [['true'], { kind: 'exit', code: 0, afterMs: 0 }],
    [['/bin/false'], { kind: 'exit', code: 1, afterMs: 0 }],
    [['sleep', '5'], { kind: 'exit', code: 0, afterMs: 5000 }],
    [['sleep', '1m'], { kind: 'exit', code: 0, afterMs: 60_000 }],
    [['sleep', 'infinity'], { kind: 'forever' }],
    [['sh', '-c', 'exit 1'], { kind: 'exit', code: 1, afterMs: 0 }],
    [['/bin/sh', '-c', 'exit 42'], { kind: 'exit', code: 42, afterMs: 0 }],
    [['sh', '-c', 'sleep 2'], { kind: 'exit', code: 0, afterMs: 2000 }],
    [['sh', '-c', 'echo hello; sleep 1; exit 3'], { kind: 'exit', code: 3, afterMs: 1000, output: [{ atMs: 0, stream: 'stdout', data: 'hello\n' }] }],
    [['sh', '-c', 'false || exit 0'], { kind: 'exit', code: 0, afterMs: 0 }],
    [['sh', '-c', 'false && sleep 10'], { kind: 'exit', code: 1, afterMs: 0 }],
    [['bash', '-ec', 'true'], { kind: 'exit', code: 0, afterMs: 0 }],
    [['sh', '-c', 'echo "a; exit 9"'], { kind: 'exit', code: 0, afterMs: 0, output: [{ atMs: 0, stream: 'stdout', data: 'a; exit 9\n' }] }],
    [['sh', '-c', 'while true; do sleep 1; done'], { kind: 'forever' }],
    [['sh', '-c', 'cat /etc/hosts | grep x'], { kind: 'forever' }],
    [['sh', '-c', 'trap exit TERM; sleep 9999 & wait'], { kind: 'forever' }],
    [['sh'], { kind: 'forever' }],
  ])('%j', (argv, want) => {
    expect(simulateCommand(argv as string[])).toEqual(want);
  });

  it('normalises image references as Docker does', () => {
    expect(normalizeImage('busybox')).toBe('docker.io/library/busybox:latest');
    expect(normalizeImage('nginx:1.25')).toBe('docker.io/library/nginx:1.25');
    expect(normalizeImage('example/app')).toBe('docker.io/example/app:latest');
    expect(normalizeImage('registry.k8s.io/pause:3.10')).toBe('registry.k8s.io/pause:3.10');
    expect(normalizeImage('localhost:5000/x@sha256:ab')).toBe('localhost:5000/x@sha256:ab');
  });

  it('hands out pod IPs from .2 up and reuses a released one', async () => {
    const rt = new FakeRuntime({ podCIDR: '10.244.3.0/24' });
    const pod = (uid: string) => ({ metadata: { uid, name: uid, namespace: 'default' } });
    const cfg = { hostname: 'x', hostNetwork: false, portMappings: [], labels: {} };
    const a = await rt.runPodSandbox(pod('a'), cfg, 0);
    const b = await rt.runPodSandbox(pod('b'), cfg, 0);
    expect([a.ips[0], b.ips[0]]).toEqual(['10.244.3.2', '10.244.3.3']);
    const host = await rt.runPodSandbox(pod('h'), { ...cfg, hostNetwork: true }, 0);
    expect(host.ips).toEqual([]);
    await rt.removePodSandbox(a.id);
    const ips = new Set<string>();
    for (let i = 0; i < 252; i++) ips.add((await rt.runPodSandbox(pod(`p${i}`), cfg, 0)).ips[0]!);
    expect(ips.has('10.244.3.2')).toBe(true);
    expect(ips.size).toBe(252);
    await expect(rt.runPodSandbox(pod('full'), cfg, 0)).rejects.toThrow(/no free pod IP/);
  });

  it('lists an image under its full name and as the pod spelled it', async () => {
    const rt = new FakeRuntime();
    await rt.pullImage('busybox');
    const [img] = await rt.listImages();
    expect(img!.names).toEqual(['docker.io/library/busybox:latest', 'busybox:latest']);
    expect(img!.id).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

describe('fake runtime files, images and test hooks', () => {
  it('simulates writes, touch, rm, cat and test against files', () => {
    expect(simulateCommand(['sh', '-c', 'echo hello > /dev/termination-log; exit 2'])).toEqual({
      kind: 'exit', code: 2, afterMs: 0, writes: [{ atMs: 0, path: '/dev/termination-log', op: 'write', data: 'hello\n' }],
    });
    expect(simulateCommand(['sh', '-c', 'sleep 1; printf done >>/data/log'])).toEqual({
      kind: 'exit', code: 0, afterMs: 1000, writes: [{ atMs: 1000, path: '/data/log', op: 'append', data: 'done' }],
    });
    expect(simulateCommand(['sh', '-c', 'touch /data/ok; sleep 600'])).toMatchObject({ kind: 'exit', afterMs: 600_000, writes: [{ path: '/data/ok', op: 'append' }] });
    const exists = (p: string) => (p.startsWith('/data/') ? p === '/data/ready' : undefined);
    expect(simulateCommand(['cat', '/data/ready'], exists)).toEqual({ kind: 'exit', code: 0, afterMs: 0 });
    expect(simulateCommand(['cat', '/data/other'], exists)).toEqual({
      kind: 'exit', code: 1, afterMs: 0, output: [{ atMs: 0, stream: 'stderr', data: "cat: can't open '/data/other': No such file or directory\n" }],
    });
    expect(simulateCommand(['test', '-f', '/tmp/x'], exists)).toEqual({ kind: 'forever' });
    expect(simulateCommand(['sh', '-c', '[ -e /data/ready ] && exit 0 || exit 7'], exists)).toEqual({ kind: 'exit', code: 0, afterMs: 0 });
    expect(simulateCommand(['sh', '-c', 'rm -f /data/ready; cat /data/ready'], exists)).toMatchObject({ kind: 'exit', code: 1 });
  });

  it('writes into mounted host paths, answers exec from them, and records the container config', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fake-rt-'));
    try {
      const rt = new FakeRuntime();
      const pod = { metadata: { uid: 'u', name: 'p', namespace: 'default' } };
      const sb = await rt.runPodSandbox(pod, { hostname: 'p', hostNetwork: false, portMappings: [], labels: {} }, 0);
      const cfg = {
        name: 'c', image: 'busybox', command: ['sh', '-c', 'echo started > /data/state; sleep 3600'], args: [], env: [{ name: 'A', value: '1' }],
        attempt: 0, tty: false, stdin: false, stdinOnce: false, mounts: [{ hostPath: dir, containerPath: '/data', readOnly: false }], labels: {},
      };
      const id = await rt.createContainer(sb, pod, { name: 'c' }, cfg);
      await rt.startContainer(id);
      expect(readFileSync(path.join(dir, 'state'), 'utf8')).toBe('started\n');
      expect(rt.config(id)?.env).toEqual([{ name: 'A', value: '1' }]);
      const io = {};
      const never = new AbortController().signal;
      expect(await rt.exec(id, ['cat', '/data/state'], io, never)).toBe(0);
      expect(await rt.exec(id, ['cat', '/data/missing'], io, never)).toBe(1);
      expect(await rt.exec(id, ['sh', '-c', 'rm -f /data/state'], io, never)).toBe(0);
      expect(existsSync(path.join(dir, 'state'))).toBe(false);
      rt.onExec = (c, cmd) => (c.name === 'c' && cmd[0] === 'check' ? 3 : undefined);
      expect(await rt.exec(id, ['check'], io, never)).toBe(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives chosen pods a fixed address, and keeps absent images absent until pulled', async () => {
    const rt = new FakeRuntime({
      sandboxIP: (pod) => (pod.metadata?.name === 'local' ? '127.0.0.1' : undefined),
      absentImages: (ref) => ref.startsWith('private/'),
      pullError: (ref) => (ref === 'private/missing' ? 'not found' : undefined),
    });
    const cfg = { hostname: 'x', hostNetwork: false, portMappings: [], labels: {} };
    expect((await rt.runPodSandbox({ metadata: { uid: 'a', name: 'local' } }, cfg, 0)).ips).toEqual(['127.0.0.1']);
    expect((await rt.runPodSandbox({ metadata: { uid: 'b', name: 'other' } }, cfg, 0)).ips[0]).toMatch(/^10\.244\.0\./);
    expect(await rt.hasImage('busybox')).toBe(true);
    expect(await rt.hasImage('private/app:1')).toBe(false);
    await rt.pullImage('private/app:1');
    expect(await rt.hasImage('private/app:1')).toBe(true);
    await expect(rt.pullImage('private/missing')).rejects.toThrow('not found');
  });
});

describe('the fake runtime\'s shell', () => {
  it('reads scripts as sh does as far as it goes, and refuses what it does not do', () => {
    expect(parseScript(`echo 'a b' "c \\"d\\"" e\\ f # comment\nfalse && true || exit 2`)).toEqual([
      { op: ';', words: ['echo', 'a b', 'c "d"', 'e f'], redirects: [] },
      { op: ';', words: ['false'], redirects: [] },
      { op: '&&', words: ['true'], redirects: [] },
      { op: '||', words: ['exit', '2'], redirects: [] },
    ]);
    expect(parseScript('echo "$GREETING, ${WHO}" $1 2>&1 >>/tmp/log', { GREETING: 'hello', WHO: 'world' }, ['sh', 'one'])).toEqual([
      { op: ';', words: ['echo', 'hello, world', 'one'], redirects: [{ fd: 2, append: false, toFd: 1 }, { fd: 1, append: true, path: '/tmp/log' }] },
    ]);
    expect(parseScript('echo "a>b" 2> /dev/null')).toEqual([{ op: ';', words: ['echo', 'a>b'], redirects: [{ fd: 2, append: false, path: '/dev/null' }] }]);
    for (const unsupported of ['cat f | grep x', 'sleep 1 &', 'cat < f', 'echo $(date)', 'echo `date`', 'echo $UNSET', 'for i in 1 2; do echo $i; done',
      'if true; then echo; fi', 'A=1 echo', '(exit 1)', 'echo "open', 'echo >', 'true && && true']) {
      expect(parseScript(unsupported), unsupported).toBeUndefined();
    }
  });

  async function started(rt: FakeRuntime, argv: string[], env: Array<{ name: string; value: string }> = []) {
    const pod = { metadata: { uid: `u-${Math.random()}`, name: 'web', namespace: 'default' } };
    const sb = await rt.runPodSandbox(pod, { hostname: 'web', hostNetwork: false, portMappings: [], labels: {} }, 0);
    const cfg = { name: 'c', image: 'busybox', command: argv, args: [], env, attempt: 0, tty: false, stdin: false, stdinOnce: false, mounts: [], labels: {} };
    const id = await rt.createContainer(sb, pod, { name: 'c' }, cfg);
    await rt.startContainer(id);
    return id;
  }

  async function run(rt: FakeRuntime, id: string, cmd: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const sink = (add: (s: string) => void) => new Writable({ write(c: Buffer, _e, cb) { add(c.toString()); cb(); } });
    const code = await rt.exec(id, cmd, { stdout: sink((s) => { out += s; }), stderr: sink((s) => { err += s; }) }, new AbortController().signal);
    return { code, out, err };
  }

  it('lets exec see the files the main process writes, as they change (the liveness-probe example)', async () => {
    const rt = new FakeRuntime();
    const id = await started(rt, ['/bin/sh', '-c', 'touch /tmp/healthy; sleep 0.3; rm -f /tmp/healthy; sleep 600']);
    expect((await run(rt, id, ['cat', '/tmp/healthy'])).code).toBe(0);
    await new Promise((r) => setTimeout(r, 400));
    expect(await run(rt, id, ['cat', '/tmp/healthy'])).toEqual({ code: 1, out: '', err: "cat: can't open '/tmp/healthy': No such file or directory\n" });
    const [pod] = await rt.list();
    expect(pod!.containers[0]!.state).toBe('running');
  });

  it('prints the main process\'s output into its log, with the container\'s environment', async () => {
    const rt = new FakeRuntime();
    const id = await started(rt, ['sh', '-c', 'echo "$GREETING from $HOSTNAME"; echo oops >&2; exit 4'], [{ name: 'GREETING', value: 'hello' }]);
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => { text += c.toString(); });
    await rt.logs(id, {}, out, new AbortController().signal);
    expect(text).toBe('hello from web\noops\n');
    const [pod] = await rt.list();
    expect(pod!.containers[0]).toMatchObject({ state: 'exited', exitCode: 4, reason: 'Error' });
  });

  it('runs exec scripts with redirections; what it does not know succeeds at once', async () => {
    const rt = new FakeRuntime();
    const id = await started(rt, ['sleep', '3600']);
    expect(await run(rt, id, ['sh', '-c', 'echo one > /tmp/f; echo two >> /tmp/f; cat /tmp/f /nope 2>&1'])).toEqual({
      code: 1, out: "one\ntwo\ncat: can't open '/nope': No such file or directory\n", err: '',
    });
    expect(await run(rt, id, ['sh', '-c', 'cat /nope 2>/dev/null || echo missing'])).toEqual({ code: 0, out: 'missing\n', err: '' });
    expect(await run(rt, id, ['sh', '-c', 'echo x > /no/such/dir/f'])).toEqual({ code: 1, out: '', err: "sh: can't create /no/such/dir/f: nonexistent directory\n" });
    expect(await run(rt, id, ['sh', '-c', 'nginx -s reload && echo reloaded'])).toEqual({ code: 0, out: 'reloaded\n', err: '' });
    expect(await run(rt, id, ['sh', '-c', 'while true; do echo y; done'])).toEqual({ code: 0, out: '', err: '' });
    expect(await run(rt, id, ['printenv', 'HOME'])).toEqual({ code: 0, out: '/root\n', err: '' });
  });

  it('ends a running exec when its caller goes away', async () => {
    const rt = new FakeRuntime();
    const id = await started(rt, ['sleep', '3600']);
    const ac = new AbortController();
    const running = rt.exec(id, ['sleep', '30'], {}, ac.signal);
    setTimeout(() => ac.abort(), 50);
    expect(await running).toBe(137);
  });
});
