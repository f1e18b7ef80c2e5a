// Forwarding to the upstream nameservers (CoreDNS's `forward . /etc/resolv.conf` in the kubeadm
// Corefile): the query goes out under a fresh random id from a fresh socket, over UDP, and again
// over TCP when the UDP reply comes back truncated. Upstreams are tried in turn; a reply must come
// from the address asked and carry our id and question. Nothing answering is the caller's SERVFAIL.
import dgram from 'node:dgram';
import net from 'node:net';
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as packet from 'dns-packet';
import { frame } from './server.ts';

export interface Upstream {
  host: string;
  port: number;
}

/** "1.2.3.4", "1.2.3.4:5353", "fd00::1", "[fd00::1]:5353". */
export function parseUpstream(s: string): Upstream {
  const v6 = s.match(/^\[([^\]]+)\](?::(\d+))?$/);
  if (v6) return { host: v6[1]!, port: v6[2] ? Number(v6[2]) : 53 };
  if (net.isIPv6(s)) return { host: s, port: 53 };
  const i = s.lastIndexOf(':');
  if (i > 0 && /^\d+$/.test(s.slice(i + 1))) return { host: s.slice(0, i), port: Number(s.slice(i + 1)) };
  return { host: s, port: 53 };
}

/** The `nameserver` lines of a resolv.conf; none when the file cannot be read. */
export function nameserversOf(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const words = line.replace(/[#;].*$/, '').trim().split(/\s+/);
    if (words[0] === 'nameserver' && words[1] && net.isIP(words[1].replace(/%.*$/, ''))) out.push(words[1]);
  }
  return out;
}

export function readResolvConf(path = '/etc/resolv.conf'): string[] {
  try {
    return nameserversOf(readFileSync(path, 'utf8'));
  } catch {
    return [];
  }
}

export interface ForwardOptions {
  /** How long each upstream gets (UDP and any TCP retry together). */
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Sends `query` (raw bytes) to each upstream in turn; the first reply, under the query's own id, or undefined. */
export async function forward(query: Buffer, upstreams: Upstream[], o: ForwardOptions): Promise<Buffer | undefined> {
  const originalId = query.readUInt16BE(0);
  const question = questionKey(query);
  if (question === undefined) return undefined;
  for (const up of upstreams) {
    if (o.signal?.aborted) return undefined;
    const id = randomInt(0, 0x10000);
    const out = Buffer.from(query);
    out.writeUInt16BE(id, 0);
    const deadline = Date.now() + o.timeoutMs;
    try {
      let reply = await exchangeUdp(out, up, id, question, deadline, o.signal);
      if (reply && (reply.readUInt16BE(2) & packet.TRUNCATED_RESPONSE) !== 0) {
        reply = (await exchangeTcp(out, up, id, question, deadline, o.signal)) ?? reply;
      }
      if (reply) {
        const back = Buffer.from(reply);
        back.writeUInt16BE(originalId, 0);
        return back;
      }
    } catch {
      // This upstream failed (refused, unreachable): the next one.
    }
  }
  return undefined;
}

/** The question of a message, lower-cased, to match replies against; undefined when it does not decode. */
function questionKey(msg: Buffer): string | undefined {
  try {
    const q = packet.decode(msg).questions?.[0];
    return q ? `${q.name.toLowerCase()} ${q.type} ${q.class ?? 'IN'}` : '';
  } catch {
    return undefined;
  }
}

function isReplyTo(reply: Buffer, id: number, question: string): boolean {
  if (reply.length < 12 || reply.readUInt16BE(0) !== id || (reply[2]! & 0x80) === 0) return false;
  // A reply with no question section (some servers' FORMERR or SERVFAIL) is taken on its id.
  const key = questionKey(reply);
  return key === '' || key === question;
}

/**
 * One exchange's ending: the first answer, the deadline, an abort or an error settles it once,
 * and closes the socket.
 */
function exchange(close: () => void, deadline: number, signal: AbortSignal | undefined, resolve: (v: Buffer | undefined) => void) {
  let settled = false;
  const finish = (v: Buffer | undefined) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    close();
    resolve(v);
  };
  const onAbort = () => finish(undefined);
  const timer = setTimeout(() => finish(undefined), Math.max(0, deadline - Date.now()));
  signal?.addEventListener('abort', onAbort, { once: true });
  return finish;
}

function exchangeUdp(msg: Buffer, up: Upstream, id: number, question: string, deadline: number, signal?: AbortSignal): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const sock = dgram.createSocket(net.isIPv6(up.host) ? 'udp6' : 'udp4');
    const finish = exchange(() => sock.close(), deadline, signal, resolve);
    sock.on('error', () => finish(undefined));
    sock.on('message', (reply, rinfo) => {
      if (rinfo.port !== up.port || !sameHost(rinfo.address, up.host)) return;
      if (isReplyTo(reply, id, question)) finish(reply);
    });
    sock.send(msg, up.port, up.host, (err) => { if (err) finish(undefined); });
  });
}

function exchangeTcp(msg: Buffer, up: Upstream, id: number, question: string, deadline: number, signal?: AbortSignal): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: up.host, port: up.port });
    let buf = Buffer.alloc(0);
    const finish = exchange(() => sock.destroy(), deadline, signal, resolve);
    sock.on('error', () => finish(undefined));
    sock.on('close', () => finish(undefined));
    sock.on('connect', () => sock.write(frame(msg)));
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const reply = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + reply.length);
        if (isReplyTo(reply, id, question)) return finish(Buffer.from(reply));
      }
    });
  });
}

function sameHost(a: string, b: string): boolean {
  const strip = (s: string) => s.replace(/^::ffff:/, '').toLowerCase();
  return strip(a) === strip(b);
}
