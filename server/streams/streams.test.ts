// kubectl logs / exec / attach / cp / port-forward through the API server to a kubelet's HTTPS API,
// with the real kubectl 1.32 (WebSocket v5.channel.k8s.io, SPDY tunnelled in a WebSocket for
// port-forward), and the kubelet refusing anyone the cluster does not trust. The runtime is a
// parameter: the streaming fake runtime by default (cp runs its simulated tar);
// CAPSTAN_STREAMS_RUNTIME=docker runs the same tests over Docker (busybox's own tar, cat and nc).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import https from 'node:https';
import net from 'node:net';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Exec, type V1Pod, type V1Status } from '@kubernetes/client-node';
import WebSocket from 'ws';
import { Writable } from 'node:stream';
import { RestClient } from '../../client/index.ts';
import { nodes, pods } from '../../client/resources.ts';
import { kubectl } from '../../conformance/harness/kubectl.ts';
import type { System } from '../../conformance/harness/system.ts';
import { startKubelet, type ContainerRuntime, type RunningKubelet } from '../../kubelet/index.ts';
import { startKubeletServer, type RunningKubeletServer } from '../../kubelet/server.ts';
import { FakeRuntime } from '../../kubelet/runtime/fake.ts';
import { ensureDocker, testRuntime } from '../../kubelet/runtime/docker/testing.ts';
import { ensurePki, type Pki } from '../pki.ts';
import { startTestApiServer, type TestApiServer } from '../../test/apiserver.ts';
import { createDatabaseAt } from '../../test/postgres.ts';
import { eventually } from '../../test/eventually.ts';

const NODE = 'streams-node';
const NS = 'default';
const ECHO_PORT = 7000;

/** What the suite needs of a container runtime besides the runtime itself. */
interface StreamsRuntime {
  runtime: ContainerRuntime;
  /** Makes a running container print text now. */
  say(containerId: string, text: string): Promise<void>;
  /** Whether an attach session follows the container yet. */
  attached(containerId: string): Promise<boolean>;
  /** A container that answers on ECHO_PORT with what it gets. */
  echoContainer: { name: string; command: string[] };
  /** An image that cannot be pulled. */
  missingImage: string;
  close(): Promise<void>;
}

/**
 * The streaming fake runtime: printing is a log write, ECHO_PORT of every pod is a TCP echo server
 * on loopback, images under missing/ cannot be pulled. (Docker's runtime: print with an exec
 * writing to /proc/1/fd/1, echo with busybox `nc -lk -p 7000 -e cat`, any unknown image.)
 */
async function fakeStreamsRuntime(): Promise<StreamsRuntime> {
  const echo = await startEchoServer();
  const echoPort = (echo.address() as net.AddressInfo).port;
  const fake = new FakeRuntime({
    forwardPort: (_sandbox, port) => (port === ECHO_PORT ? { host: '127.0.0.1', port: echoPort } : undefined),
    pullError: (ref) => (ref.startsWith('missing/') ? 'pull access denied for missing/image, repository does not exist' : undefined),
    absentImages: (ref) => ref.startsWith('missing/'),
  });
  return {
    runtime: fake,
    say: async (id, text) => fake.writeLog(id, text),
    attached: async (id) => fake.attached(id) > 0,
    echoContainer: { name: 'echo', command: ['sleep', '3600'] },
    missingImage: 'missing/image:1',
    close: () => new Promise((r) => echo.close(() => r())),
  };
}

/** Docker: printing is an exec writing to PID 1's stdout; busybox `nc -ll` answers on ECHO_PORT. */
async function dockerStreamsRuntime(): Promise<StreamsRuntime> {
  ensureDocker();
  const docker = testRuntime({ podCIDR: '10.240.250.0/24' });
  return {
    runtime: docker,
    say: async (id, text) => {
      const code = await docker.exec(id, ['sh', '-c', 'printf "%s" "$0" > /proc/1/fd/1', text], {}, new AbortController().signal);
      if (code !== 0) throw new Error(`printing in ${id} exited ${code}`);
    },
    // Docker does not tell whether an attach is in place yet: give kubectl a moment.
    attached: () => new Promise((r) => setTimeout(() => r(true), 1_500)),
    echoContainer: { name: 'echo', command: ['nc', '-ll', '-p', String(ECHO_PORT), '-e', 'cat'] },
    missingImage: 'missing/image:1',
    close: async () => { await docker.removeAll(); docker.close(); },
  };
}

let srv: TestApiServer;
let pki: Pki;
let rest: RestClient;
let under: StreamsRuntime;
let runtime: ContainerRuntime;
let kubeletServer: RunningKubeletServer;
let kubelet: RunningKubelet;
let work: string;
const ac = new AbortController();
let sys: System;

/** A TCP server standing in for what a pod serves on ECHO_PORT: it sends back what it gets. */
function startEchoServer(): Promise<net.Server> {
  const s = net.createServer((c) => c.pipe(c));
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve(s)));
}

function pod(name: string, containers: Array<{ name: string; command: string[]; stdin?: boolean; image?: string }>, restartPolicy = 'Always'): V1Pod {
  return {
    metadata: { name, namespace: NS },
    spec: { nodeName: NODE, restartPolicy, containers: containers.map((c) => ({ image: 'busybox', ...c })) },
  };
}

async function phaseOf(name: string, phase: string): Promise<V1Pod> {
  return eventually(async () => {
    const p = await rest.get(pods, NS, name);
    return p.status?.phase === phase && p;
  }, { timeoutMs: 20_000, what: `pod ${name} ${phase}` });
}

/** The pod's running container of that name, in the runtime. */
async function containerId(podName: string, container: string): Promise<string> {
  const p = await rest.get(pods, NS, podName);
  const held = await runtime.podStatus(p.metadata!.uid!);
  const c = held?.containers.filter((x) => x.name === container && x.state === 'running').sort((a, b) => b.attempt - a.attempt)[0];
  if (!c) throw new Error(`no running container ${container} in ${podName}`);
  return c.id;
}

/** kubectl that keeps running (follow, attach, port-forward): its output so far and its exit. */
function startKubectl(args: string[], env: Record<string, string> = {}): { proc: ChildProcess; out: () => string; err: () => string; exited: Promise<number> } {
  const proc = spawn('kubectl', args, { env: { ...process.env, KUBECONFIG: srv.kubeconfigPath, KUBECTL_VERSION: '1.32', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d) => { out += d; });
  proc.stderr!.on('data', (d) => { err += d; });
  const exited = new Promise<number>((r) => proc.on('close', (code) => r(code ?? -1)));
  const killer = setTimeout(() => proc.kill('SIGKILL'), 40_000);
  void exited.then(() => clearTimeout(killer));
  return { proc, out: () => out, err: () => err, exited };
}

/** GET on the kubelet's port directly, as any client on the network could. */
function kubeletGet(pathname: string, tls: { cert?: string; key?: string } = {}, token?: string): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get({
      host: '127.0.0.1', port: kubeletServer.port, path: pathname, rejectUnauthorized: false, ...tls,
      headers: token ? { Authorization: `Bearer ${token}` } : {},
    }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

/** One TCP exchange through a local port: what comes back for what is sent. */
function roundTrip(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(text));
    let got = '';
    s.on('data', (d) => {
      got += d;
      if (got.length >= text.length) { s.end(); resolve(got); }
    });
    s.on('error', reject);
    s.on('close', () => resolve(got));
  });
}

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'capstan-streams-'));
  srv = await startTestApiServer({ databaseUrl: await createDatabaseAt(inject('pgAdminUrl')), tls: true });
  sys = { kubeconfig: srv.kubeconfigPath, logsFor: () => [] } as unknown as System;
  // The test server's CA (startTestApiServer keeps it next to the kubeconfig) signs the API
  // server's kubelet client certificate, as kubeadm's apiserver-kubelet-client.
  pki = await ensurePki(path.join(path.dirname(srv.kubeconfigPath), 'pki'), { hosts: ['127.0.0.1', 'localhost'] });
  srv.api.kubeletClient = await pki.issueClientCert('kube-apiserver-kubelet-client', ['system:masters']);
  under = process.env.CAPSTAN_STREAMS_RUNTIME === 'docker' ? await dockerStreamsRuntime() : await fakeStreamsRuntime();
  runtime = under.runtime;
  rest = new RestClient(srv.kubeconfig);
  mkdirSync(path.join(work, 'varlog'));
  writeFileSync(path.join(work, 'varlog', 'kubelet.log'), 'a node log line\n');
  kubeletServer = await startKubeletServer({ nodeName: NODE, runtime, rest, host: '127.0.0.1', port: 0, logDir: path.join(work, 'varlog') });
  kubelet = startKubelet({
    kubeconfig: srv.kubeconfig, nodeName: NODE, runtime, signal: ac.signal, log: () => {}, nodeIP: '127.0.0.1', kubeletPort: kubeletServer.port,
    statusIntervalMs: 200, leaseIntervalMs: 1_000, resyncIntervalMs: 2_000, backoff: { initialMs: 200, maxMs: 1_000 },
  });
  expect(await kubelet.ready).toBe(true);
  await Promise.all([
    rest.create(pods, NS, pod('web', [{ name: 'app', command: ['sh', '-c', 'echo one; echo two; sleep 3600'] }])),
    rest.create(pods, NS, pod('two', [{ name: 'a', command: ['sh', '-c', 'echo from-a; sleep 3600'] }, { name: 'b', command: ['sh', '-c', 'echo from-b; sleep 3600'] }])),
    rest.create(pods, NS, pod('att', [{ name: 'c', command: ['cat'], stdin: true }], 'Never')),
    rest.create(pods, NS, pod('pull', [{ name: 'c', command: ['sleep', '3600'], image: under.missingImage }])),
    rest.create(pods, NS, pod('echo', [under.echoContainer])),
  ]);
  await Promise.all(['web', 'two', 'att', 'echo'].map((n) => phaseOf(n, 'Running')));
}, 120_000);

afterAll(async () => {
  ac.abort();
  await kubelet?.done;
  await kubeletServer?.close();
  rest?.close();
  await srv?.close();
  await under?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('kubectl logs', () => {
  it('prints what the container wrote, with --tail and --timestamps', async () => {
    expect((await kubectl(sys, ['logs', 'web'])).stdout).toBe('one\ntwo\n');
    expect((await kubectl(sys, ['logs', 'web', '--tail=1'])).stdout).toBe('two\n');
    const stamped = (await kubectl(sys, ['logs', 'web', '--timestamps', '--limit-bytes=200'])).stdout.trim().split('\n');
    expect(stamped).toHaveLength(2);
    expect(stamped[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z one$/);
  });

  it('picks the container with -c; the API asks for one when a pod has several', async () => {
    expect((await kubectl(sys, ['logs', 'two', '-c', 'b'])).stdout).toBe('from-b\n');
    const r = await kubectl(sys, ['get', '--raw', `/api/v1/namespaces/${NS}/pods/two/log`]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Error from server (BadRequest): a container name must be specified for pod two, choose one of: [a b]');
    const bad = await kubectl(sys, ['logs', 'two', '-c', 'nope']);
    expect(bad.stderr).toContain('container nope is not valid for pod two');
  });

  it('-f follows what the container writes next', async () => {
    const follow = startKubectl(['logs', '-f', 'web']);
    await eventually(() => follow.out().includes('two\n'), { what: 'the log so far' });
    await under.say(await containerId('web', 'app'), 'three\n');
    await eventually(() => follow.out().includes('three\n'), { what: 'the new line' });
    follow.proc.kill();
    await follow.exited;
    expect(follow.out()).toBe('one\ntwo\nthree\n');
  });

  it('-f ends when the container exits', async () => {
    await rest.create(pods, NS, pod('short', [{ name: 'c', command: ['sh', '-c', 'echo start; sleep 3'] }], 'Never'));
    await phaseOf('short', 'Running');
    const follow = startKubectl(['logs', '-f', 'short']);
    expect(await follow.exited).toBe(0);
    expect(follow.out()).toBe('start\n');
  });

  it('--previous reads the instance before a restart', async () => {
    await rest.create(pods, NS, pod('crash', [{ name: 'c', command: ['sh', '-c', 'echo attempt; sleep 0.5; exit 1'] }]));
    await eventually(async () => {
      const p = await rest.get(pods, NS, 'crash');
      return !!p.status?.containerStatuses?.[0]?.lastState?.terminated?.containerID;
    }, { timeoutMs: 20_000, what: 'a restart' });
    const r = await kubectl(sys, ['logs', 'crash', '--previous']);
    expect([r.code, r.stdout]).toEqual([0, 'attempt\n']);
    const none = await kubectl(sys, ['logs', 'web', '--previous']);
    expect(none.stderr).toContain('previous terminated container "app" in pod "web" not found');
  });

  it('explains a container that has not started, and refuses bad options as upstream', async () => {
    const waiting = await eventually(async () => {
      const r = await kubectl(sys, ['logs', 'pull']);
      return r.stderr.includes('is waiting to start') && r;
    }, { timeoutMs: 15_000, what: 'the pull failure' });
    expect(waiting.stderr).toMatch(/Error from server \(BadRequest\): container "c" in pod "pull" is waiting to start: (image can't be pulled|trying and failing to pull image)/);
    const invalid = await kubectl(sys, ['get', '--raw', `/api/v1/namespaces/${NS}/pods/web/log?tailLines=-1`]);
    expect(invalid.stderr).toContain('The PodLogOptions "web" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0');
  });
});

describe('kubectl exec', () => {
  it('prints the command\'s output and exits with its code', async () => {
    const ok = await kubectl(sys, ['exec', 'web', '--', 'echo', 'hello', 'world']);
    expect([ok.code, ok.stdout]).toEqual([0, 'hello world\n']);
    const three = await kubectl(sys, ['exec', 'web', '--', 'sh', '-c', 'echo partial; exit 3']);
    expect([three.code, three.stdout]).toEqual([3, 'partial\n']);
    expect(three.stderr).toContain('command terminated with exit code 3');
    const missing = await kubectl(sys, ['exec', 'web', '--', 'cat', '/no/such/file']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("cat: can't open '/no/such/file': No such file or directory");
  });

  it('-i gives the command stdin, and closes it at the end of input', async () => {
    const r = await kubectl(sys, ['exec', '-i', 'web', '--', 'cat'], { input: 'first line\nsecond line\n' });
    expect([r.code, r.stdout]).toEqual([0, 'first line\nsecond line\n']);
  });

  it('works over SPDY too, for clients that do not speak WebSockets', async () => {
    const env = { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' };
    const r = await kubectl(sys, ['exec', '-i', 'web', '--', 'sh', '-c', 'cat; exit 5'], { input: 'over spdy\n', env });
    expect([r.code, r.stdout]).toEqual([5, 'over spdy\n']);
    expect(r.stderr).toContain('command terminated with exit code 5');
    const err = await kubectl(sys, ['exec', 'web', '--', 'cat', '/missing'], { env });
    expect([err.code, err.stderr]).toEqual([1, "cat: can't open '/missing': No such file or directory\ncommand terminated with exit code 1\n"]);
  });

  it('refuses a container the pod does not have', async () => {
    const r = await kubectl(sys, ['exec', 'web', '-c', 'nope', '--', 'true']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Error from server (BadRequest): container nope is not valid for pod web');
  });
});

describe('kubectl attach', () => {
  it('follows the main process and feeds it stdin, until the container ends', async () => {
    const id = await containerId('att', 'c');
    const attach = startKubectl(['attach', '-i', 'att']);
    await eventually(() => under.attached(id), { what: 'the attach session' });
    attach.proc.stdin!.write('typed in\n');
    await eventually(() => attach.out().includes('typed in\n'), { what: 'the echo of stdin' });
    await under.say(id, 'from the process\n');
    await eventually(() => attach.out().includes('from the process\n'), { what: 'the process output' });
    await runtime.stopContainer(id, 0);
    expect(await attach.exited).toBe(0);
  });
});

describe('kubectl cp (tar over exec; the fake runtime simulates tar)', () => {
  it('copies a file and a directory into the pod and back', async () => {
    writeFileSync(path.join(work, 'note.txt'), 'a note\n');
    mkdirSync(path.join(work, 'tree', 'sub'), { recursive: true });
    writeFileSync(path.join(work, 'tree', 'top.txt'), 'top\n');
    writeFileSync(path.join(work, 'tree', 'sub', 'deep.txt'), 'deep\n');
    const put = await kubectl(sys, ['cp', path.join(work, 'note.txt'), `${NS}/web:/tmp/note.txt`, '-c', 'app']);
    expect(put.code).toBe(0);
    expect((await kubectl(sys, ['exec', 'web', '--', 'cat', '/tmp/note.txt'])).stdout).toBe('a note\n');
    expect((await kubectl(sys, ['cp', path.join(work, 'tree'), `${NS}/web:/tmp/tree`, '-c', 'app'])).code).toBe(0);
    expect((await kubectl(sys, ['exec', 'web', '--', 'cat', '/tmp/tree/sub/deep.txt'])).stdout).toBe('deep\n');
    const back = path.join(work, 'back');
    expect((await kubectl(sys, ['cp', `${NS}/web:/tmp/note.txt`, path.join(back, 'note.txt'), '-c', 'app'])).code).toBe(0);
    expect(readFileSync(path.join(back, 'note.txt'), 'utf8')).toBe('a note\n');
    expect((await kubectl(sys, ['cp', `${NS}/web:/tmp/tree`, path.join(back, 'tree'), '-c', 'app'])).code).toBe(0);
    expect(readFileSync(path.join(back, 'tree', 'sub', 'deep.txt'), 'utf8')).toBe('deep\n');
    expect(readFileSync(path.join(back, 'tree', 'top.txt'), 'utf8')).toBe('top\n');
  });
});

describe('kubectl port-forward', () => {
  async function forwarding(env: Record<string, string>): Promise<{ port: number; pf: ReturnType<typeof startKubectl> }> {
    const pf = startKubectl(['port-forward', 'pod/echo', `:${ECHO_PORT}`, ':7001', '--address=127.0.0.1'], env);
    const ports = await eventually(() => {
      const m = [...pf.out().matchAll(/Forwarding from 127\.0\.0\.1:(\d+) -> (\d+)/g)];
      return m.length === 2 && m;
    }, { what: 'the forwarded ports' });
    return { port: Number(ports.find((m) => m[2] === String(ECHO_PORT))![1]), pf };
  }

  it('relays TCP connections over the WebSocket tunnel (kubectl 1.32\'s default)', async () => {
    const { port, pf } = await forwarding({});
    expect(await roundTrip(port, 'hello through the tunnel')).toBe('hello through the tunnel');
    expect(await roundTrip(port, 'and again')).toBe('and again');
    pf.proc.kill();
    await pf.exited;
  });

  it('relays over plain SPDY when kubectl falls back to it', async () => {
    const { port, pf } = await forwarding({ KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' });
    expect(await roundTrip(port, 'hello over spdy')).toBe('hello over spdy');
    pf.proc.kill();
    await pf.exited;
  });

  it('reports a port nothing listens on in the pod', async () => {
    const pf = startKubectl(['port-forward', 'pod/echo', ':7001', '--address=127.0.0.1']);
    const port = Number(await eventually(() => /Forwarding from 127\.0\.0\.1:(\d+) -> 7001/.exec(pf.out())?.[1], { what: 'the forwarded port' }));
    expect(await roundTrip(port, 'anyone?')).toBe('');
    await eventually(() => pf.err().includes('error forwarding port 7001 to pod echo_default'), { what: 'the error' });
    pf.proc.kill();
    await pf.exited;
  });
});

describe('the kubelet API', () => {
  it('refuses callers the cluster does not vouch for, and lets the API server in', async () => {
    expect(await kubeletGet('/healthz')).toEqual({ code: 401, body: 'Unauthorized\n' });
    expect((await kubeletGet('/healthz', {}, 'not-a-token')).code).toBe(401);
    const stranger = await ensurePki(path.join(work, 'other-ca'), { hosts: ['127.0.0.1'] });
    expect((await kubeletGet('/pods', await stranger.issueClientCert('kube-apiserver-kubelet-client', ['system:masters']))).code).toBe(401);
    const jane = await kubeletGet('/containerLogs/default/web/app', await pki.issueClientCert('jane', ['developers']));
    expect(jane).toEqual({ code: 403, body: 'Forbidden (user=jane, verb=get, resource=nodes, subresource=proxy)\n' });
    expect(await kubeletGet('/healthz', srv.api.kubeletClient)).toEqual({ code: 200, body: 'ok' });
    expect((await kubeletGet('/containerLogs/default/web/app', srv.api.kubeletClient)).body).toMatch(/^one\ntwo\n/);
  });

  it('is reached through nodes/proxy', async () => {
    expect((await kubectl(sys, ['get', '--raw', `/api/v1/nodes/${NODE}/proxy/healthz`])).stdout).toBe('ok');
    const list = JSON.parse((await kubectl(sys, ['get', '--raw', `/api/v1/nodes/${NODE}/proxy/pods`])).stdout) as { kind: string; items: V1Pod[] };
    expect(list.kind).toBe('PodList');
    expect(list.items.map((p) => p.metadata?.name)).toContain('web');
    expect((await kubectl(sys, ['get', '--raw', `/api/v1/nodes/${NODE}/proxy/logs/`])).stdout).toContain('<a href="kubelet.log">kubelet.log</a>');
    expect((await kubectl(sys, ['get', '--raw', `/api/v1/nodes/${NODE}/proxy/logs/kubelet.log`])).stdout).toBe('a node log line\n');
    // Nothing outside the log directory is served.
    expect((await kubeletGet('/logs/..%2f..%2f..%2f..%2fetc%2fhostname', srv.api.kubeletClient)).code).toBe(404);
  });

  it('reports a kubelet it cannot reach in upstream\'s words', async () => {
    await rest.create(nodes, '', {
      metadata: { name: 'gone-node' },
      status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: 1 } } },
    });
    await rest.create(pods, NS, { metadata: { name: 'stranded', namespace: NS }, spec: { nodeName: 'gone-node', containers: [{ name: 'c', image: 'busybox' }] } });
    const logs = await kubectl(sys, ['logs', 'stranded']);
    expect(logs.stderr).toContain(`Internal error occurred: Get "https://127.0.0.1:1/containerLogs/${NS}/stranded/c": dial tcp 127.0.0.1:1: connect: connection refused`);
    const exec = await kubectl(sys, ['exec', 'stranded', '--', 'true']);
    expect(exec.stderr).toContain('error dialing backend: dial tcp 127.0.0.1:1: connect: connection refused');
  });

  it('verifies the kubelet\'s serving certificate when given the CA that signed it', async () => {
    const saved = srv.api.kubeletClient;
    try {
      srv.api.kubeletClient = { ...saved, ca: kubeletServer.cert };
      expect((await kubectl(sys, ['logs', 'web', '--tail=1'])).stdout).toMatch(/\n$/);
      srv.api.kubeletClient = { ...saved, ca: pki.caCert };
      const r = await kubectl(sys, ['logs', 'web']);
      expect(r.stderr).toContain('tls: failed to verify certificate: x509: certificate signed by unknown authority');
    } finally {
      srv.api.kubeletClient = saved;
    }
  });

  it('turns the API server away when it has no kubelet client certificate', async () => {
    const saved = srv.api.kubeletClient;
    srv.api.kubeletClient = {};
    try {
      const r = await kubectl(sys, ['logs', 'web']);
      // kubectl's wording for a 401; the Status is what upstream's response checker makes of the kubelet's.
      expect(r.stderr).toContain('error: You must be logged in to the server (the server has asked for the client to provide credentials ( pods/log web))');
    } finally {
      srv.api.kubeletClient = saved;
    }
  });
});

describe('other clients', () => {
  it('client-node\'s Exec (v4.channel.k8s.io) gets the output and the exit status', async () => {
    let out = '';
    const stdout = new Writable({ write(c, _e, cb) { out += c; cb(); } });
    const status = await new Promise<V1Status>((resolve, reject) => {
      new Exec(srv.kubeconfig).exec(NS, 'web', 'app', ['sh', '-c', 'echo from client-node; exit 4'], stdout, null, null, false, resolve).catch(reject);
    });
    expect(out).toBe('from client-node\n');
    expect(status.reason).toBe('NonZeroExitCode');
    expect(status.details?.causes).toEqual([{ reason: 'ExitCode', message: '4' }]);
  });

  it('streams pods/log over a WebSocket (binary.k8s.io)', async () => {
    const url = `${srv.url.replace('https', 'wss')}/api/v1/namespaces/${NS}/pods/web/log?container=app`;
    const messages = await new Promise<string[]>((resolve, reject) => {
      const got: string[] = [];
      const ws = new WebSocket(url, ['binary.k8s.io'], { ca: pki.caCert, headers: { Authorization: `Bearer ${srv.token}` } });
      ws.on('message', (d) => got.push(d.toString()));
      ws.on('close', () => resolve(got));
      ws.on('error', reject);
    });
    expect(messages.join('')).toMatch(/^one\ntwo\n/);
  });

  it('port-forwards over the WebSocket channel protocol (client-node, the e2e suite)', async () => {
    const url = `${srv.url.replace('https', 'wss')}/api/v1/namespaces/${NS}/pods/echo/portforward?ports=${ECHO_PORT}`;
    const got = await new Promise<{ announced: number[]; data: string }>((resolve, reject) => {
      const ws = new WebSocket(url, ['v4.channel.k8s.io'], { ca: pki.caCert, headers: { Authorization: `Bearer ${srv.token}` } });
      const announced: number[] = [];
      let data = '';
      ws.on('message', (m: Buffer) => {
        // Each channel first names its port (uint16, little endian); then channel 0 carries data.
        if (m.length === 3 && (m[0] === 0 || m[0] === 1) && m.readUInt16LE(1) === ECHO_PORT && announced.length < 2) {
          announced.push(m[0]!);
          if (announced.length === 2) ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('over channels')]));
          return;
        }
        if (m[0] === 0) data += m.subarray(1).toString();
        if (data === 'over channels') { ws.close(); resolve({ announced, data }); }
      });
      ws.on('error', reject);
      setTimeout(() => reject(new Error(`no echo; got ${JSON.stringify(data)}`)), 10_000).unref();
    });
    expect(got).toEqual({ announced: [0, 1], data: 'over channels' });
  });

  it('discovery lists the streaming subresources with upstream\'s kinds and verbs', async () => {
    const list = await rest.request('GET', '/api/v1') as { resources: Array<{ name: string; kind: string; verbs: string[] }> };
    const sub = (n: string) => list.resources.find((r) => r.name === n);
    expect(sub('pods/exec')).toMatchObject({ kind: 'PodExecOptions', verbs: ['create', 'get'] });
    expect(sub('pods/attach')).toMatchObject({ kind: 'PodAttachOptions', verbs: ['create', 'get'] });
    expect(sub('pods/portforward')).toMatchObject({ kind: 'PodPortForwardOptions', verbs: ['create', 'get'] });
    expect(sub('pods/log')).toMatchObject({ kind: 'Pod', verbs: ['get'] });
  });
});
