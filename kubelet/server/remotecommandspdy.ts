// exec and attach over SPDY/3.1: what client-go's SPDY executor speaks (kubectl before 1.30, and
// kubectl 1.32 when its WebSocket attempt fails; Go programs that exec through client-go). The
// client opens one stream per channel, named by its "streamtype" header (error, stdin, stdout,
// stderr, resize); SPDY's own half-close ends stdin. Protocols v4 (the outcome as a Status) down
// to v1 (a failure as plain text). Upstream: the kubelet's cri/streaming/remotecommand httpstream.go.
import type { Duplex } from 'node:stream';
import type { StreamIO } from '../runtime/runtime.ts';
import { SpdySession, type SpdyStream } from './spdy.ts';
import { internalErrorStatus, type RemoteCommandOptions, type RemoteCommandRun, type StreamStatus } from './remotecommand.ts';

/** The SPDY protocol versions served, most preferred first (v5 exists only over WebSockets). */
export const SPDY_REMOTE_COMMAND_PROTOCOLS = ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];

/** Upstream's handshake: the first protocol the client lists that the server serves; '' when it lists none. */
export function chooseSpdyProtocol(offered: string[]): string | false {
  if (offered.length === 0) return '';
  return offered.find((p) => SPDY_REMOTE_COMMAND_PROTOCOLS.includes(p)) ?? false;
}

/** How long the client may take to open its streams (upstream's streamCreationTimeout). */
const STREAMS_TIMEOUT_MS = 30_000;

/**
 * Serves one exec or attach on an upgraded SPDY connection: waits for the streams the options
 * ask for, runs, reports the outcome on the error stream and closes.
 */
export async function serveRemoteCommandSpdy(transport: Duplex, protocol: string, opts: RemoteCommandOptions, run: RemoteCommandRun | { failure: string }): Promise<void> {
  const want = new Set(['error', ...(opts.stdin ? ['stdin'] : []), ...(opts.stdout ? ['stdout'] : []), ...(opts.stderr ? ['stderr'] : []),
    ...(opts.tty && protocol !== 'channel.k8s.io' && protocol !== 'v2.channel.k8s.io' && protocol !== '' ? ['resize'] : [])]);
  const streams = new Map<string, SpdyStream>();
  let ready!: () => void;
  const allThere = new Promise<void>((r) => { ready = r; });
  const session = new SpdySession(transport, {
    onStream(stream) {
      const type = stream.header('streamtype') ?? '';
      if (!want.has(type) || streams.has(type)) {
        stream.destroy();
        return;
      }
      streams.set(type, stream);
      void stream.reply().catch(() => {});
      if (streams.size === want.size) ready();
    },
  });
  const timer = setTimeout(() => session.close(), STREAMS_TIMEOUT_MS);
  timer.unref();
  await Promise.race([allThere, session.done]);
  clearTimeout(timer);
  if (streams.size !== want.size) return;
  const ac = new AbortController();
  void session.done.then(() => ac.abort());
  let status: StreamStatus;
  if ('failure' in run) status = internalErrorStatus(run.failure);
  else {
    const io: StreamIO = {
      ...(streams.get('stdin') ? { stdin: streams.get('stdin')! } : {}),
      ...(streams.get('stdout') ? { stdout: streams.get('stdout')! } : {}),
      ...(streams.get('stderr') ? { stderr: streams.get('stderr')! } : {}),
      tty: opts.tty,
    };
    try {
      status = await run(io, ac.signal);
    } catch (e) {
      status = internalErrorStatus((e as Error)?.message ?? String(e));
    }
  }
  const ended = (s: SpdyStream | undefined) => new Promise<void>((r) => {
    if (!s || s.writableFinished || s.destroyed) return r();
    s.once('finish', () => r());
    s.once('close', () => r());
    s.end();
  });
  await Promise.all([ended(streams.get('stdout')), ended(streams.get('stderr'))]);
  const error = streams.get('error')!;
  const v4 = protocol === 'v4.channel.k8s.io';
  if (v4) error.write(JSON.stringify(status));
  else if (status.status !== 'Success') error.write(status.message ?? '');
  await ended(error);
  session.close();
}
