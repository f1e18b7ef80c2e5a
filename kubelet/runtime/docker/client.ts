// The Docker engine client: dockerode, set up the way the runtime needs it — the local engine's
// socket, an API version settled with the engine on first use, errors that carry the engine's own
// message — and the two requests dockerode's methods get wrong for us (attach, an unfollowed log).
import { inspect } from 'node:util';
import type http from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import Docker from 'dockerode';

/**
 * The engine's socket: DOCKER_HOST when it names a unix socket, as the docker CLI reads it, else
 * the usual path. Only a local engine will do (the runtime reads containers' /proc, binds host
 * files into them), so a tcp:// or ssh:// DOCKER_HOST is not followed, though dockerode would.
 */
export const DEFAULT_DOCKER_SOCKET = process.env.DOCKER_HOST?.startsWith('unix://') ? process.env.DOCKER_HOST.slice('unix://'.length) : '/var/run/docker.sock';
/** The API version we speak: Docker 20.10's (Debian bookworm's docker.io), understood by every later engine. */
export const DOCKER_API_VERSION = '1.41';
/** How long a plain request may go unanswered before it fails (its abortSignal). */
export const REQUEST_TIMEOUT_MS = 60_000;

/** dockerode's abortSignal for a plain request: it fails after `ms` without an answer. */
export const deadline = (ms = REQUEST_TIMEOUT_MS): AbortSignal => AbortSignal.timeout(ms);

const noAnswer = (what: string) => `the Docker engine gave no answer to ${what} in time`;

/** For the requests dockerode takes no abortSignal for (network and image inspect): stops waiting after `ms`. */
export function answerWithin<T>(request: Promise<T>, what: string, ms = REQUEST_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(noAnswer(what))), ms);
    timer.unref();
  });
  return Promise.race([request, late]).finally(() => clearTimeout(timer));
}

/** A streamed request (given this abortSignal) that must start answering within `ms`; once it has, the stream has no limit. */
export async function startedWithin<T>(ms: number, start: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  // A TimeoutError, as AbortSignal.timeout's, so that the error says which request ran out of time.
  const timer = setTimeout(() => ac.abort(new DOMException(`no answer within ${ms} ms`, 'TimeoutError')), ms);
  timer.unref();
  try {
    return await start(ac.signal);
  } finally {
    clearTimeout(timer);
  }
}

// docker.version() and docker.ping() take an abortSignal as well, which @types/dockerode 4 leaves out.
type WithSignal<T> = (this: Docker, options: { abortSignal: AbortSignal }) => Promise<T>;
/** GET /version, given up after `ms`. */
export const engineVersion = (docker: Docker, ms = REQUEST_TIMEOUT_MS): Promise<Docker.DockerVersion> =>
  (docker.version as WithSignal<Docker.DockerVersion>).call(docker, { abortSignal: deadline(ms) });
/** GET /_ping, given up after `ms`. */
export const pingEngine = (docker: Docker, ms: number): Promise<unknown> =>
  (docker.ping as WithSignal<unknown>).call(docker, { abortSignal: deadline(ms) });

/** An error answer of the engine, as dockerode rejects with it: the HTTP status, the parsed body. */
interface EngineAnswer extends Error {
  statusCode: number;
  json?: unknown;
}

const isEngineAnswer = (e: unknown): e is EngineAnswer => e instanceof Error && typeof (e as { statusCode?: unknown }).statusCode === 'number';

/** Whether the engine refused with this status (dockerode keeps it as `statusCode`). */
const answered = (status: number) => (e: unknown): boolean => isEngineAnswer(e) && e.statusCode === status;
export const isDockerNotFound = answered(404);
export const isDockerConflict = answered(409);
/** 304: the container was already started / stopped. */
export const isDockerNotModified = answered(304);
/** Whether the engine itself answered with an error (not a failed connection or a timeout). */
export const isDockerError = isEngineAnswer;

/**
 * The engine's own message. dockerode words an error answer "(HTTP code 404) no such container -
 * No such container: x " with the body parsed into `json` (streamed answers keep only the text);
 * the kubelet shows what the engine said, as the docker CLI does.
 */
function engineMessage(e: EngineAnswer): string {
  const said = (e.json as { message?: unknown } | null | undefined)?.message;
  if (typeof said === 'string' && said) return said;
  const m = /^\(HTTP code \d+\) [^-]*- ([\s\S]*?) ?$/.exec(e.message);
  return m?.[1] || `the Docker engine answered ${e.statusCode}`;
}

/**
 * A dockerode client for the engine on `socketPath`. Every request waits for the API version to be
 * settled, once (again after a failure): ours, or the engine's own when it is older — what the
 * docker CLI's version negotiation gives. Errors are translated once, here: an engine error keeps
 * its `statusCode` and says what the engine said; a request that ran out of time says so.
 */
export function dockerClient(o: { socketPath?: string; agent?: http.Agent } = {}): Docker {
  const socketPath = o.socketPath ?? DEFAULT_DOCKER_SOCKET;
  // docker-modem logs every request's options with util.inspect(…, { showHidden: true, depth:
  // null }) even when its debug output is off: through the agent that walks every socket it
  // holds, milliseconds of CPU per request. The agent inspects as its name instead.
  if (o.agent) Object.defineProperty(o.agent, inspect.custom, { value: () => 'http.Agent', configurable: true });
  // docker-modem fills in host, protocol and TLS files from DOCKER_HOST; the socket wins here.
  // It takes an agent, which @types/dockerode 4 does not list.
  const options = (version?: string): Docker.DockerOptions =>
    ({ socketPath, host: undefined, port: undefined, protocol: 'http', ...(version ? { version: `v${version}` } : {}), ...(o.agent ? { agent: o.agent } : {}) }) as Docker.DockerOptions;
  const docker = new Docker(options(DOCKER_API_VERSION));
  const modem = docker.modem as Docker['modem'] & { version?: string };
  let settled: Promise<void> | undefined;
  const settle = (): Promise<void> => {
    settled ??= (async () => {
      // GET /version unversioned: an older engine refuses every request for a newer version.
      const theirs = (await engineVersion(new Docker(options()), 5_000)).ApiVersion;
      if (theirs && compareVersions(theirs, DOCKER_API_VERSION) < 0) modem.version = `v${theirs}`;
    })().catch((e) => { settled = undefined; throw e; });
    return settled;
  };
  const dial = modem.dial.bind(modem);
  modem.dial = (request, callback) => {
    const done = (err: Error | null, result: Parameters<NonNullable<typeof callback>>[1]) => callback?.(err && translated(err, request), result);
    settle().then(() => dial(request, done), (e: Error) => done(e, null));
  };
  return docker;
}

function translated(err: Error, request: { method?: string; path: string; abortSignal?: AbortSignal }): Error {
  if (isEngineAnswer(err)) {
    err.message = engineMessage(err);
    return err;
  }
  const reason = request.abortSignal?.aborted ? (request.abortSignal.reason as Error | undefined) : undefined;
  if (reason?.name === 'TimeoutError') return new Error(noAnswer(`${request.method ?? 'GET'} ${request.path.replace(/^\/v[0-9.]+\//, '/').replace(/\?$/, '')}`), { cause: err });
  return err;
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

/** A request on dockerode's modem (its version, socket, errors), for what its methods do not do right. */
function modemRequest<T>(docker: Docker, request: Parameters<Docker['modem']['dial']>[0]): Promise<T> {
  return new Promise<T>((resolve, reject) => docker.modem.dial(request, (err, result) => (err ? reject(err) : resolve(result as T))));
}

/**
 * Attaches to a container's main process: the connection, hijacked (stdin one way, the output the
 * other). Not container.attach: it sends its options as a JSON body as well, which the engine never
 * reads, and which can reach the container's stdin (apocas/dockerode#742, #777; the fix,
 * docker-modem#198, is not in docker-modem 5.0.7). An empty body keeps the request to its query.
 */
export function attachContainer(docker: Docker, id: string, streams: { stdin: boolean; stdout: boolean; stderr: boolean }): Promise<Duplex> {
  return modemRequest<Duplex>(docker, {
    path: `/containers/${id}/attach?`, method: 'POST', hijack: true, isStream: true, file: Buffer.alloc(0),
    options: { stream: true, ...streams },
    statusCodes: { 200: true, 400: 'bad parameter', 404: 'no such container', 409: 'container is paused', 500: 'server error' },
  });
}

export interface LogStreamOptions {
  follow: boolean;
  timestamps: boolean;
  /** Lines from the end; all when absent. */
  tail?: number;
  /** Unix seconds (fractions allowed). */
  since?: number;
  signal: AbortSignal;
}

/**
 * A container's log (stdout and stderr, multiplexed unless it has a TTY) as a stream. A followed
 * log is container.logs'; an unfollowed one container.logs would read whole into memory (however
 * little of it limitBytes wants) and hand back parsed when the text happens to be JSON (a TTY
 * container that printed `{"a": 1.50}` gives the object {a: 1.5}), so it is the same request, streamed.
 */
export async function containerLogs(docker: Docker, id: string, o: LogStreamOptions): Promise<Readable> {
  const query = {
    stdout: true, stderr: true, timestamps: o.timestamps,
    ...(o.tail !== undefined ? { tail: o.tail } : {}), ...(o.since !== undefined ? { since: o.since } : {}),
  };
  if (o.follow) return (await docker.getContainer(id).logs({ ...query, follow: true, abortSignal: o.signal })) as Readable;
  return modemRequest<Readable>(docker, {
    path: `/containers/${id}/logs?`, method: 'GET', isStream: true, abortSignal: o.signal,
    options: { ...query, follow: false },
    statusCodes: { 200: true, 404: 'no such container', 500: 'server error' },
  });
}
