// exec and attach over a WebSocket: the channel.k8s.io protocol family. kubectl 1.32 asks for
// v5.channel.k8s.io (KEP-3396: v4 plus the CLOSE signal, so `kubectl exec -i` can end stdin);
// other clients (client-node, older tools) ask for v4 or the pre-v4 protocols. Channels: 0 stdin,
// 1 stdout, 2 stderr, 3 error (the outcome as a Status), 4 resize. Upstream: the kubelet's
// cri/streaming/remotecommand (websocket.go, exec.go, attach.go) and the API server's
// stream translator, whose v5 behaviour this mirrors (it answers over the error channel).
import type { Readable, Writable } from 'node:stream';
import type { WebSocket } from 'ws';
import type { StreamIO } from '../runtime/runtime.ts';
import { ChannelConn, type ChannelCodec } from './wsstream.ts';

export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;
export const ERROR = 3;
export const RESIZE = 4;

export const V5_PROTOCOL = 'v5.channel.k8s.io';

/** The WebSocket subprotocols served, most preferred first, with their encoding and status format. */
const PROTOCOLS: Record<string, { codec: ChannelCodec; statusAsJSON: boolean }> = {
  [V5_PROTOCOL]: { codec: 'binary', statusAsJSON: true },
  'v4.channel.k8s.io': { codec: 'binary', statusAsJSON: true },
  'v4.base64.channel.k8s.io': { codec: 'base64', statusAsJSON: true },
  'channel.k8s.io': { codec: 'binary', statusAsJSON: false },
  'base64.channel.k8s.io': { codec: 'base64', statusAsJSON: false },
};

/** The subprotocol to answer with: the first the client offers that we serve; '' when it offers none. */
export function chooseRemoteCommandProtocol(offered: Iterable<string>): string | false {
  const list = [...offered];
  if (list.length === 0) return '';
  for (const p of list) if (p in PROTOCOLS) return p;
  return false;
}

export interface RemoteCommandOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

const truthy = (v: string | null) => v === '1' || v === 'true' || v === 'True';

/** Upstream's remotecommand NewOptions: the streams asked for; a tty takes stderr's place. */
export function remoteCommandOptions(q: URLSearchParams): RemoteCommandOptions | { error: string } {
  const tty = truthy(q.get('tty'));
  const stdin = truthy(q.get('stdin')) || truthy(q.get('input'));
  const stdout = truthy(q.get('stdout')) || truthy(q.get('output'));
  let stderr = truthy(q.get('stderr')) || truthy(q.get('error'));
  if (!stdin && !stdout && !stderr) return { error: 'you must specify at least 1 of stdin, stdout, stderr' };
  if (tty && stderr) stderr = false;
  return { stdin, stdout, stderr, tty };
}

/** A metav1.Status as it goes over the error channel (Go's field order, zero values left out). */
export interface StreamStatus {
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: { causes: Array<{ reason?: string; message: string }> };
  code?: number;
}

export const success = (): StreamStatus => ({ metadata: {}, status: 'Success' });

/** Upstream's NonZeroExitCode status: kubectl exits with the code in the ExitCode cause. */
export function exitCodeStatus(code: number, cmd: string[]): StreamStatus {
  return {
    metadata: {}, status: 'Failure',
    message: `command terminated with non-zero exit code: command '${cmd.join(' ')}' exited with ${code}`,
    reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  };
}

/** apierrors.NewInternalError. */
export function internalErrorStatus(message: string): StreamStatus {
  return {
    metadata: {}, status: 'Failure', message: `Internal error occurred: ${message}`, reason: 'InternalError',
    details: { causes: [{ message }] }, code: 500,
  };
}

/** What runs once the streams are up: the command or the attachment, ending with its outcome. */
export type RemoteCommandRun = (io: StreamIO, signal: AbortSignal) => Promise<StreamStatus>;

/**
 * Serves one exec or attach on an upgraded WebSocket: opens the channels asked for, signals
 * readiness with an empty message on the lowest writable channel (as upstream does), runs, writes
 * the outcome on the error channel and closes normally. `failure` instead of `run` reports an
 * error found before the command could start (upstream's translator: an InternalError Status).
 */
export async function serveRemoteCommand(ws: WebSocket, protocol: string, opts: RemoteCommandOptions, run: RemoteCommandRun | { failure: string }): Promise<void> {
  const proto = PROTOCOLS[protocol] ?? { codec: 'binary' as const, statusAsJSON: false };
  const conn = new ChannelConn(ws, proto.codec);
  const ac = new AbortController();
  ws.on('close', () => ac.abort());
  const stdout = opts.stdout ? conn.writer(STDOUT) : undefined;
  const stderr = opts.stderr ? conn.writer(STDERR) : undefined;
  conn.send(opts.stdout ? STDOUT : opts.stderr ? STDERR : ERROR, Buffer.alloc(0));
  let status: StreamStatus;
  if ('failure' in run) {
    status = internalErrorStatus(run.failure);
  } else {
    const io: StreamIO = {
      ...(opts.stdin ? { stdin: conn.reader(STDIN) } : {}),
      ...(stdout ? { stdout } : {}),
      ...(stderr ? { stderr } : {}),
      tty: opts.tty,
      ...(opts.tty ? { resize: resizeEvents(conn.reader(RESIZE)) } : {}),
    };
    try {
      status = await run(io, ac.signal);
    } catch (e) {
      status = internalErrorStatus((e as Error)?.message ?? String(e));
    }
    await Promise.all([flushed(stdout), flushed(stderr)]);
  }
  if (ws.readyState === ws.OPEN) {
    if (proto.statusAsJSON) conn.send(ERROR, Buffer.from(JSON.stringify(status)));
    else if (status.status !== 'Success') conn.send(ERROR, Buffer.from(status.message ?? ''));
    // A normal closure: the client reads what is left, answers the close frame and ends.
    ws.close(1000);
  }
  ac.abort();
}

/** Resolves once everything written to the stream has been handed to the socket. */
function flushed(w: Writable | undefined): Promise<void> {
  if (!w || w.writableFinished || w.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    w.once('finish', () => resolve());
    w.once('error', () => resolve());
    w.end();
  });
}

/** Terminal sizes from the resize channel: JSON objects {"Width":w,"Height":h}, one after another. */
async function* resizeEvents(source: Readable): AsyncIterable<{ width: number; height: number }> {
  let buf = '';
  for await (const chunk of source) {
    buf += (chunk as Buffer).toString('utf8');
    for (;;) {
      const start = buf.indexOf('{');
      const end = buf.indexOf('}', start);
      if (start < 0 || end < 0) break;
      const text = buf.slice(start, end + 1);
      buf = buf.slice(end + 1);
      try {
        const v = JSON.parse(text) as { Width?: number; Height?: number };
        yield { width: v.Width ?? 0, height: v.Height ?? 0 };
      } catch { /* a malformed size is skipped, as upstream's decoder stops on it */ }
    }
  }
}

