// The DNS listeners: UDP and TCP on one port (an ephemeral one by default, so that several
// clusters on one host do not clash). TCP carries length-prefixed messages (RFC 1035 4.2.2),
// several per connection, and closes idle connections. The handler gets each message's bytes
// and says what to send back.
import dgram from 'node:dgram';
import net from 'node:net';

export type Transport = 'udp' | 'tcp';

/** Answers one message; undefined sends nothing. */
export type MessageHandler = (msg: Buffer, transport: Transport) => Promise<Buffer | undefined>;

export interface DnsListeners {
  port: number;
  close(): Promise<void>;
}

/** RFC 7766 suggests seconds, not minutes, for idle TCP connections. */
const TCP_IDLE_MS = 10_000;
/** Bounds on the work one listener takes on at once: beyond them, UDP queries are dropped (the client retries) and TCP connections refused. */
const MAX_INFLIGHT_UDP = 1024;
const MAX_TCP_CONNECTIONS = 256;
/** How often a port 0 start retries when the ephemeral TCP port is taken for UDP. */
const BIND_ATTEMPTS = 10;

/** Prefixes a message with its length, for TCP. */
export function frame(msg: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(msg.length);
  return Buffer.concat([len, msg]);
}

export interface ListenOptions {
  host: string;
  port: number;
  /**
   * Local addresses that get a UDP socket of their own besides a wildcard `host`. A UDP reply from
   * a wildcard socket leaves with the source address routing picks, not the one the query was sent
   * to (Node has no IP_PKTINFO); a query DNATed from the kube-dns Service IP to the node's IP must
   * be answered from the node's IP, or conntrack cannot undo the DNAT and the client drops it.
   */
  udpAddresses?: string[];
  handler: MessageHandler;
  log: (m: string) => void;
}

export async function listen(o: ListenOptions): Promise<DnsListeners> {
  let lastError: unknown;
  for (let attempt = 0; attempt < (o.port === 0 ? BIND_ATTEMPTS : 1); attempt++) {
    const tcp = await listenTcp(o.host, o.port, o.handler, o.log);
    const port = (tcp.server.address() as net.AddressInfo).port;
    const udp: Array<{ close(): Promise<void> }> = [];
    try {
      udp.push(await listenUdp(o.host, port, o.handler, o.log));
    } catch (e) {
      lastError = e;
      await tcp.close();
      continue;
    }
    if (isWildcard(o.host)) {
      for (const addr of o.udpAddresses ?? []) {
        if (isWildcard(addr) || net.isIPv6(addr) !== net.isIPv6(o.host)) continue;
        try {
          udp.push(await listenUdp(addr, port, o.handler, o.log));
        } catch (e) {
          o.log(`dns: no UDP socket of its own for ${addr}:${port} (${(e as Error).message}); replies to it leave from the wildcard socket`);
        }
      }
    }
    return {
      port,
      async close() {
        await Promise.all([...udp.map((u) => u.close()), tcp.close()]);
      },
    };
  }
  throw lastError;
}

const isWildcard = (host: string) => host === '0.0.0.0' || host === '::';

function listenUdp(host: string, port: number, handler: MessageHandler, log: (m: string) => void): Promise<{ close(): Promise<void> }> {
  return new Promise((resolve, reject) => {
    // SO_REUSEADDR on every socket: the wildcard and the per-address sockets share the port, and
    // the kernel hands each datagram to the most specific one.
    const sock = dgram.createSocket({ type: net.isIPv6(host) ? 'udp6' : 'udp4', reuseAddr: true });
    let inflight = 0;
    sock.once('error', reject);
    sock.on('message', (msg, rinfo) => {
      if (inflight >= MAX_INFLIGHT_UDP) return;
      inflight++;
      handler(msg, 'udp').then((reply) => {
        if (reply) sock.send(reply, rinfo.port, rinfo.address);
      }, (e: unknown) => log(`dns: udp query from ${rinfo.address}: ${(e as Error)?.message ?? String(e)}`)).finally(() => { inflight--; });
    });
    sock.bind(port, host, () => {
      sock.removeListener('error', reject);
      sock.on('error', (e) => log(`dns: udp socket: ${e.message}`));
      resolve({ close: () => new Promise<void>((r) => sock.close(() => r())) });
    });
  });
}

function listenTcp(host: string, port: number, handler: MessageHandler, log: (m: string) => void): Promise<{ server: net.Server; close(): Promise<void> }> {
  return new Promise((resolve, reject) => {
    const conns = new Set<net.Socket>();
    const server = net.createServer((sock) => {
      conns.add(sock);
      sock.on('close', () => conns.delete(sock));
      sock.on('error', () => sock.destroy());
      sock.setTimeout(TCP_IDLE_MS, () => sock.destroy());
      let buf = Buffer.alloc(0);
      sock.on('data', (chunk: Buffer) => {
        buf = Buffer.concat([buf, chunk]);
        while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          const msg = Buffer.from(buf.subarray(2, 2 + buf.readUInt16BE(0)));
          buf = buf.subarray(2 + msg.length);
          handler(msg, 'tcp').then((reply) => {
            if (reply && !sock.destroyed) sock.write(frame(reply));
          }, (e: unknown) => log(`dns: tcp query from ${sock.remoteAddress}: ${(e as Error)?.message ?? String(e)}`));
        }
      });
    });
    server.maxConnections = MAX_TCP_CONNECTIONS;
    server.once('error', reject);
    server.listen(port, host, () => {
      server.removeListener('error', reject);
      server.on('error', (e) => log(`dns: tcp listener: ${e.message}`));
      resolve({
        server,
        close: () => new Promise<void>((r) => {
          for (const c of conns) c.destroy();
          server.close(() => r());
        }),
      });
    });
  });
}
