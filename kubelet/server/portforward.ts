// Port forwarding into a pod: the portforward.k8s.io protocol over SPDY (what kubectl speaks,
// tunnelled inside a WebSocket as "SPDY/3.1+portforward.k8s.io" since 1.31, or over a plain
// SPDY upgrade), and the older WebSocket channel protocol (client-node, the e2e tests). Over
// SPDY each forwarded connection is a pair of streams sharing a requestID header: "error" (the
// kubelet writes a failure there) and "data". Upstream: the kubelet's
// cri/streaming/portforward (httpstream.go, websocket.go) and client-go tools/portforward.
import { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { SpdySession, type SpdyStream } from './spdy.ts';
import { ChannelConn } from './wsstream.ts';

export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';
/** The WebSocket subprotocol of SPDY tunnelled through a WebSocket (upstream's WebsocketsSPDYTunnelingPrefix + the protocol). */
export const TUNNELED_PORT_FORWARD_PROTOCOL = `SPDY/3.1+${PORT_FORWARD_PROTOCOL}`;
/** The WebSocket channel protocols of the older port-forward (channels 2n data, 2n+1 error for the n-th port). */
export const WEBSOCKET_PORT_FORWARD_PROTOCOLS = ['v4.channel.k8s.io', 'channel.k8s.io', 'base64.channel.k8s.io', 'v4.base64.channel.k8s.io'];

/** Connects a stream to a port of the pod; resolves when the connection is over. */
export type PortForwarder = (port: number, stream: Duplex) => Promise<void>;

/** How long the second stream of a pair may take to arrive (upstream's streamCreationTimeout, 30 s). */
const PAIR_TIMEOUT_MS = 30_000;

interface Pair { data?: SpdyStream; error?: SpdyStream; timer: NodeJS.Timeout }

/**
 * Serves a port-forward session over SPDY on `transport` (a raw connection or a WebSocket tunnel).
 * `describe` names the pod in error messages as upstream does ("pod <name>, uid <uid>").
 */
export function servePortForwardSpdy(transport: Duplex, forward: PortForwarder, describe: string, log?: (msg: string) => void): SpdySession {
  const pairs = new Map<string, Pair>();
  const session = new SpdySession(transport, {
    log,
    onStream(stream) {
      const type = stream.header('streamtype');
      const requestID = stream.header('requestid');
      const port = Number(stream.header('port'));
      if ((type !== 'data' && type !== 'error') || requestID === undefined || !Number.isInteger(port) || port <= 0 || port > 65535) {
        log?.(`port-forward: refused a stream (type ${type}, port ${stream.header('port')}, requestID ${requestID})`);
        stream.destroy();
        return;
      }
      stream.reply().catch(() => {});
      let pair = pairs.get(requestID);
      if (!pair) {
        const timer = setTimeout(() => {
          pairs.delete(requestID);
          const p = pair!;
          p.error?.end(`timed out waiting for the data and error streams of request ${requestID}`);
          p.data?.destroy();
        }, PAIR_TIMEOUT_MS);
        timer.unref();
        pairs.set(requestID, (pair = { timer }));
      }
      if (pair[type]) {
        stream.destroy();
        return;
      }
      pair[type] = stream;
      if (pair.data && pair.error) {
        clearTimeout(pair.timer);
        pairs.delete(requestID);
        void runPair(pair.data, pair.error, port, forward, describe);
      }
    },
  });
  return session;
}

async function runPair(data: SpdyStream, error: SpdyStream, port: number, forward: PortForwarder, describe: string): Promise<void> {
  // The client half-closes the error stream at once; what it reads there is our failure, if any.
  error.resume();
  try {
    await forward(port, data);
  } catch (e) {
    const msg = `error forwarding port ${port} to ${describe}: ${(e as Error)?.message ?? String(e)}`;
    await new Promise<void>((r) => error.write(msg, () => r()));
  } finally {
    if (!data.writableEnded) data.end();
    if (!error.writableEnded) error.end();
  }
}

/**
 * The older WebSocket port-forward: `ports` names the ports; for the n-th, channel 2n carries data
 * and 2n+1 errors, each first announced by a message holding the port (uint16, little endian).
 * One connection per port, for the life of the WebSocket.
 */
export function servePortForwardWebSocket(ws: WebSocket, protocol: string, ports: number[], forward: PortForwarder, describe: string): Promise<void> {
  const conn = new ChannelConn(ws, protocol.includes('base64') ? 'base64' : 'binary');
  const runs = ports.map(async (port, i) => {
    const announce = Buffer.alloc(2);
    announce.writeUInt16LE(port);
    conn.send(2 * i, announce);
    conn.send(2 * i + 1, announce);
    const inbound = conn.reader(2 * i);
    const outbound = conn.writer(2 * i);
    const stream = new Duplex({
      read() { inbound.resume(); },
      write(chunk: Buffer, _enc, cb) { outbound.write(chunk, cb); },
      final(cb) { cb(); },
    });
    inbound.on('data', (d: Buffer) => { if (!stream.push(d)) inbound.pause(); });
    inbound.on('end', () => stream.push(null));
    try {
      await forward(port, stream);
    } catch (e) {
      conn.send(2 * i + 1, Buffer.from(`error forwarding port ${port} to ${describe}: ${(e as Error)?.message ?? String(e)}`));
    }
  });
  return Promise.all(runs).then(() => { if (ws.readyState === ws.OPEN) ws.close(1000); });
}

/** Ports from the query (`port=80,443`, or repeated), as upstream's NewV4Options reads them. */
export function portsOf(q: URLSearchParams): number[] | { error: string } {
  const out: number[] = [];
  for (const v of [...q.getAll('port'), ...q.getAll('ports')]) {
    for (const s of v.split(',')) {
      const t = s.trim();
      if (!t) continue;
      const n = Number(t);
      if (!/^\d+$/.test(t) || n <= 0 || n > 65535) return { error: `unable to parse "${t}" as a port: invalid port` };
      out.push(n);
    }
  }
  if (out.length === 0) return { error: 'query parameter "port" is required' };
  return out;
}
