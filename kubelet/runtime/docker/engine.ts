// A small client for the Docker Engine API over its unix socket: JSON requests, streamed
// responses (logs, events, pulls), hijacked connections (exec, attach) and the stream
// multiplexing Docker uses when a container has no TTY. Only what the runtime needs; written
// here rather than taken from dockerode to keep the kubelet free of its dependency tree (ssh2 and
// a native build among it) for a dozen endpoints.
import http from 'node:http';
import type { Duplex, Readable } from 'node:stream';

/** The engine's socket: DOCKER_HOST when it names a unix socket, as the docker CLI reads it, else the usual path. */
export const DEFAULT_DOCKER_SOCKET = process.env.DOCKER_HOST?.startsWith('unix://') ? process.env.DOCKER_HOST.slice('unix://'.length) : '/var/run/docker.sock';
/** The API version we speak: Docker 20.10's, understood by every later engine. */
const OUR_API_VERSION = '1.41';

/** An error answer from the engine: its HTTP status and Docker's message. */
export class DockerError extends Error {
  constructor(readonly statusCode: number, message: string) {
    super(message);
    this.name = 'DockerError';
  }
}

export const isDockerNotFound = (e: unknown): boolean => e instanceof DockerError && e.statusCode === 404;
export const isDockerConflict = (e: unknown): boolean => e instanceof DockerError && e.statusCode === 409;
/** 304: the container was already started / stopped. */
export const isDockerNotModified = (e: unknown): boolean => e instanceof DockerError && e.statusCode === 304;

export type Query = Record<string, string | number | boolean | undefined | Record<string, string[]>>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  signal?: AbortSignal;
  /** No answer within this long fails the request; default 60 s, 0 for none. */
  timeoutMs?: number;
}

function encodeQuery(q: Query | undefined): string {
  if (!q) return '';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined) continue;
    // Filters travel as JSON (map of name to values), as the engine expects.
    const s = typeof v === 'object' ? JSON.stringify(v) : typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
    parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(s)}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function errorOf(status: number, body: Buffer): DockerError {
  let message = body.toString('utf8').trim();
  try {
    const parsed = JSON.parse(message) as { message?: string };
    if (parsed?.message) message = parsed.message;
  } catch { /* not JSON: the text itself */ }
  return new DockerError(status, message || `Docker engine answered ${status}`);
}

/** A hijacked connection: the raw socket and whatever arrived with the upgrade. */
export interface Hijacked {
  socket: Duplex;
  head: Buffer;
}

export class DockerEngine {
  readonly socketPath: string;
  private apiVersion = OUR_API_VERSION;
  private negotiated?: Promise<void>;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 32 });

  constructor(opts: { socketPath?: string } = {}) {
    this.socketPath = opts.socketPath ?? DEFAULT_DOCKER_SOCKET;
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.agent.destroy();
  }

  /** Answers when the engine is up (GET /_ping), and settles the API version: ours, or the engine's if older. */
  async ping(timeoutMs = 5_000): Promise<void> {
    const res = await this.raw('GET', '/_ping', { timeoutMs, versioned: false });
    const body = await readAll(res);
    if ((res.statusCode ?? 0) >= 400) throw errorOf(res.statusCode ?? 500, body);
    const theirs = String(res.headers['api-version'] ?? '');
    if (theirs && compareVersions(theirs, OUR_API_VERSION) < 0) this.apiVersion = theirs;
  }

  private ensureNegotiated(): Promise<void> {
    this.negotiated ??= this.ping().catch((e) => { this.negotiated = undefined; throw e; });
    return this.negotiated;
  }

  /** A JSON request; resolves with the parsed answer (undefined for an empty one), rejects with DockerError. */
  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    await this.ensureNegotiated();
    const res = await this.raw(method, path, { ...opts, versioned: true });
    const body = await readAll(res);
    const status = res.statusCode ?? 500;
    if (status >= 300) throw errorOf(status, body);
    if (body.length === 0) return undefined as T;
    const type = String(res.headers['content-type'] ?? '');
    return (type.includes('json') ? JSON.parse(body.toString('utf8')) : body.toString('utf8')) as T;
  }

  /** A request whose answer is a stream (logs, events, pull progress); rejects on an error status. */
  async stream(method: string, path: string, opts: RequestOptions = {}): Promise<http.IncomingMessage> {
    await this.ensureNegotiated();
    const res = await this.raw(method, path, { timeoutMs: 0, ...opts, versioned: true, dedicated: true });
    const status = res.statusCode ?? 500;
    if (status >= 300) throw errorOf(status, await readAll(res));
    return res;
  }

  /**
   * A request upgraded to a raw two-way connection (exec start, attach): Docker answers 101 and
   * the socket then carries stdin one way and the (multiplexed) output the other.
   */
  async hijack(method: string, path: string, opts: RequestOptions = {}): Promise<Hijacked> {
    await this.ensureNegotiated();
    const body = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
    return new Promise<Hijacked>((resolve, reject) => {
      const req = http.request({
        socketPath: this.socketPath, method, path: `/v${this.apiVersion}${path}${encodeQuery(opts.query)}`, agent: false,
        headers: {
          Connection: 'Upgrade', Upgrade: 'tcp',
          ...(body ? { 'Content-Type': 'application/json', 'Content-Length': body.length } : {}),
        },
        signal: opts.signal,
      });
      req.on('upgrade', (_res, socket, head) => resolve({ socket, head }));
      req.on('response', (res) => {
        const status = res.statusCode ?? 500;
        if (status >= 300) {
          readAll(res).then((b) => reject(errorOf(status, b)), reject);
          return;
        }
        // An engine that does not upgrade streams the output in the body: reading still works.
        resolve({ socket: res as unknown as Duplex, head: Buffer.alloc(0) });
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  private raw(
    method: string, path: string, opts: RequestOptions & { versioned: boolean; dedicated?: boolean },
  ): Promise<http.IncomingMessage> {
    const body = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
    const timeoutMs = opts.timeoutMs ?? 60_000;
    return new Promise((resolve, reject) => {
      const req = http.request({
        socketPath: this.socketPath, method,
        path: `${opts.versioned ? `/v${this.apiVersion}` : ''}${path}${encodeQuery(opts.query)}`,
        // Long-lived streams get a connection of their own, not one of the pool's.
        agent: opts.dedicated ? false : this.agent,
        headers: body ? { 'Content-Type': 'application/json', 'Content-Length': body.length } : {},
        signal: opts.signal,
      });
      let timer: NodeJS.Timeout | undefined;
      if (timeoutMs > 0) {
        timer = setTimeout(() => req.destroy(new Error(`Docker engine: ${method} ${path} got no answer within ${timeoutMs} ms`)), timeoutMs);
        timer.unref();
      }
      req.on('response', (res) => {
        if (timer) clearTimeout(timer);
        resolve(res);
      });
      req.on('error', (e) => {
        if (timer) clearTimeout(timer);
        reject(e);
      });
      req.end(body);
    });
  }
}

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Docker's stream kinds in a multiplexed stream's frame header. */
export type StreamKind = 'stdin' | 'stdout' | 'stderr';

/**
 * Splits Docker's multiplexed output (a container without a TTY): frames of an 8-byte header —
 * the stream (0 stdin, 1 stdout, 2 stderr), three zero bytes, a big-endian length — then the payload.
 */
export class Demuxer {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly onFrame: (kind: StreamKind, payload: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (this.pending.length >= 8) {
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + size) break;
      const kind = this.pending[0] === 2 ? 'stderr' : this.pending[0] === 0 ? 'stdin' : 'stdout';
      const payload = this.pending.subarray(8, 8 + size);
      this.pending = this.pending.subarray(8 + size);
      if (size > 0) this.onFrame(kind, payload);
    }
  }
}

/** JSON documents of a newline-delimited stream (events, pull progress), until it ends. */
export async function* jsonLines<T>(stream: Readable): AsyncIterable<T> {
  let buf = '';
  for await (const chunk of stream) {
    buf += (chunk as Buffer).toString('utf8');
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (line) yield JSON.parse(line) as T;
    }
  }
  if (buf.trim()) yield JSON.parse(buf) as T;
}
