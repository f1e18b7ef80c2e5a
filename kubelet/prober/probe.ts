// One probe run (upstream's pkg/probe/{exec,http,tcp} behind prober.runProbe): exec through the
// container runtime, an HTTP GET to the pod's address (or httpGet.host), or a TCP connect. The
// lifecycle hooks' httpGet (hooks.ts) shares the HTTP client. Outcomes carry the output upstream
// puts into the Unhealthy event ("Liveness probe failed: <output>").
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { Writable } from 'node:stream';
import type { V1Container, V1HTTPHeader, V1Probe } from '@kubernetes/client-node';
import type { ContainerRuntime } from '../runtime/runtime.ts';
import { KUBELET_VERSION } from '../node.ts';

export type ProbeResult = 'success' | 'failure' | 'unknown';

export interface ProbeOutcome {
  result: ProbeResult;
  /** What the probe said (command output, HTTP status line); the Unhealthy event's text. */
  output: string;
  /** The probe could not run at all ("probe errored"). */
  error?: string;
}

export interface ProbeTarget {
  runtime: ContainerRuntime;
  containerId: string;
  container: V1Container;
  /** The pod's address; for host-network pods the node's. */
  podIP: string | undefined;
}

/** Upstream reads at most 10 KiB of a probe's output or body. */
const MAX_OUTPUT = 10 * 1024;

/** "v1.32.4" → "1.32", for the User-Agent "kube-probe/1.32". */
const MINOR_VERSION = KUBELET_VERSION.replace(/^v/, '').split('.').slice(0, 2).join('.');

/** A Writable keeping the first MAX_OUTPUT bytes. */
class Collector extends Writable {
  private chunks: Buffer[] = [];
  private size = 0;
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    if (this.size < MAX_OUTPUT) {
      const part = chunk.subarray(0, MAX_OUTPUT - this.size);
      this.chunks.push(part);
      this.size += part.length;
    }
    cb();
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/** Upstream's exec error text: `command 'sh -c exit 1' exited with 1: <output>` (cri-client's ExecSync). */
export async function execInContainer(t: Pick<ProbeTarget, 'runtime' | 'containerId'>, cmd: string[], timeoutMs: number | undefined, signal?: AbortSignal): Promise<{ code: number; output: string; timedOut: boolean }> {
  const out = new Collector();
  const ac = new AbortController();
  let timedOut = false;
  const timer = timeoutMs ? setTimeout(() => { timedOut = true; ac.abort(); }, timeoutMs) : undefined;
  const onAbort = () => ac.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const code = await t.runtime.exec(t.containerId, cmd, { stdout: out, stderr: out }, ac.signal);
    return { code: timedOut ? -1 : code, output: out.text(), timedOut };
  } finally {
    if (timer) clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

/** A container port by number or by name (upstream's resolveContainerPort / extractPort). */
export function resolvePort(port: number | string | undefined, container: V1Container): number {
  if (typeof port === 'number') {
    if (port > 0 && port < 65536) return port;
    throw new Error(`invalid port number: ${port}`);
  }
  const name = port ?? '';
  const named = (container.ports ?? []).find((p) => p.name === name);
  if (named) return named.containerPort;
  if (/^\d+$/.test(name)) return resolvePort(Number(name), container);
  throw new Error(`couldn't find port: ${name} in ${container.name}`);
}

const hostPort = (host: string, port: number) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

/** Node's socket errors worded as Go's net package words them. */
function goNetError(e: NodeJS.ErrnoException, addr: string): string {
  switch (e.code) {
    case 'ECONNREFUSED': return `dial tcp ${addr}: connect: connection refused`;
    case 'EHOSTUNREACH': return `dial tcp ${addr}: connect: no route to host`;
    case 'ENETUNREACH': return `dial tcp ${addr}: connect: network is unreachable`;
    case 'ECONNRESET': return `read tcp ${addr}: read: connection reset by peer`;
    default: return e.message;
  }
}

export interface HttpGetOptions {
  scheme?: string;
  host: string;
  port: number;
  path?: string;
  headers?: V1HTTPHeader[];
  timeoutMs: number;
  userAgent: string;
}

/** One GET; resolves with the status and the start of the body, rejects with Go's wording of the failure. */
export function httpGet(o: HttpGetOptions): Promise<{ status: number; body: string; url: string }> {
  const scheme = (o.scheme ?? 'HTTP').toLowerCase();
  const p = o.path ? (o.path.startsWith('/') ? o.path : `/${o.path}`) : '/';
  const url = `${scheme}://${hostPort(o.host, o.port)}${p}`;
  const headers: Record<string, string> = { 'User-Agent': o.userAgent, Accept: '*/*' };
  let hostHeader: string | undefined;
  for (const h of o.headers ?? []) {
    if (h.name.toLowerCase() === 'host') hostHeader = h.value;
    else headers[h.name] = h.value;
  }
  if (hostHeader) headers.Host = hostHeader;
  return new Promise((resolve, reject) => {
    const send = scheme === 'https' ? https.get : http.get;
    const req = send(url, { headers, timeout: o.timeoutMs, ...(scheme === 'https' ? { rejectUnauthorized: false } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => { if (size < MAX_OUTPUT) { chunks.push(c); size += c.length; } });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).subarray(0, MAX_OUTPUT).toString('utf8'), url }));
      res.on('error', (e) => reject(new Error(`Get "${url}": ${e.message}`)));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', (e: NodeJS.ErrnoException) => {
      const why = e.code === 'ETIMEDOUT' ? 'context deadline exceeded (Client.Timeout exceeded while awaiting headers)' : goNetError(e, hostPort(o.host, o.port));
      reject(new Error(`Get "${url}": ${why}`));
    });
  });
}

/** A TCP connect within the timeout. */
export function tcpConnect(host: string, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const addr = hostPort(host, port);
    const sock = net.connect({ host, port });
    const timer = setTimeout(() => { sock.destroy(); reject(new Error(`dial tcp ${addr}: i/o timeout`)); }, timeoutMs);
    sock.once('connect', () => { clearTimeout(timer); sock.destroy(); resolve(); });
    sock.once('error', (e: NodeJS.ErrnoException) => { clearTimeout(timer); reject(new Error(goNetError(e, addr))); });
  });
}

export async function runProbe(p: V1Probe, t: ProbeTarget, signal?: AbortSignal): Promise<ProbeOutcome> {
  const timeoutMs = Math.max(1, p.timeoutSeconds ?? 1) * 1000;
  try {
    if (p.exec) {
      const cmd = p.exec.command ?? [];
      const r = await execInContainer(t, cmd, timeoutMs, signal);
      if (r.timedOut) return { result: 'failure', output: `command "${cmd.join(' ')}" timed out` };
      return { result: r.code === 0 ? 'success' : 'failure', output: r.output };
    }
    if (p.httpGet) {
      const host = p.httpGet.host || t.podIP;
      if (!host) return { result: 'unknown', output: '', error: 'the pod has no IP address yet' };
      const port = resolvePort(p.httpGet.port as number | string, t.container);
      try {
        const res = await httpGet({
          scheme: p.httpGet.scheme, host, port, path: p.httpGet.path, headers: p.httpGet.httpHeaders, timeoutMs, userAgent: `kube-probe/${MINOR_VERSION}`,
        });
        if (res.status >= 200 && res.status < 400) return { result: 'success', output: res.body };
        return { result: 'failure', output: `HTTP probe failed with statuscode: ${res.status}` };
      } catch (e) {
        return { result: 'failure', output: (e as Error).message };
      }
    }
    if (p.tcpSocket) {
      const host = p.tcpSocket.host || t.podIP;
      if (!host) return { result: 'unknown', output: '', error: 'the pod has no IP address yet' };
      const port = resolvePort(p.tcpSocket.port as number | string, t.container);
      try {
        await tcpConnect(host, port, timeoutMs);
        return { result: 'success', output: '' };
      } catch (e) {
        return { result: 'failure', output: (e as Error).message };
      }
    }
    if (p.grpc) return { result: 'unknown', output: '', error: 'gRPC probes are not supported by this kubelet yet' };
    return { result: 'unknown', output: '', error: 'missing probe handler' };
  } catch (e) {
    return { result: 'unknown', output: '', error: (e as Error)?.message ?? String(e) };
  }
}
