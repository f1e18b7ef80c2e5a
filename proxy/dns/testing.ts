// A stand-in upstream nameserver on loopback for the cluster DNS tests: fixed answers per name,
// UDP replies cut to the client's size with TC as a real server does, the full answer over TCP,
// and a log of every question it was asked. Tests only.
import dgram from 'node:dgram';
import net from 'node:net';
import { randomInt } from 'node:crypto';
import * as packet from 'dns-packet';
import type { Answer } from 'dns-packet';
import { authoritativeReply, encodeWithin, udpLimitOf } from './message.ts';
import { RCODE } from './records.ts';
import { frame, listen, type DnsListeners } from './server.ts';

/** A decoded reply with what @types/dns-packet leaves out (dns-packet decodes the rcode and opcode names). */
export type Reply = packet.DecodedPacket & { rcode: string; opcode: string; size: number };

export function decodeReply(raw: Buffer): Reply {
  return { ...(packet.decode(raw) as packet.DecodedPacket & { rcode: string; opcode: string }), size: raw.length };
}

/** A record's data, whatever its type. */
export const dataOf = (a: Answer): unknown => (a as { data?: unknown }).data;

export interface FakeUpstream {
  port: number;
  address: string;
  /** "name TYPE transport" of every question received, names lower-cased. */
  asked: string[];
  close(): Promise<void>;
}

export interface FakeUpstreamOptions {
  /** Answers by lower-case name; a name not here is NXDOMAIN. */
  answers?: Record<string, Answer[]>;
  /** Names never answered (the client times out). */
  silent?: string[];
  /** Names answered under another id (a reply the client must not take). */
  wrongId?: string[];
  /** Answer nothing at all. */
  dead?: boolean;
}

export async function startFakeUpstream(o: FakeUpstreamOptions = {}): Promise<FakeUpstream> {
  const asked: string[] = [];
  const listeners: DnsListeners = await listen({
    host: '127.0.0.1', port: 0, log: () => {},
    handler: async (raw, transport) => {
      const query = packet.decode(raw);
      const q = query.questions![0]!;
      const name = q.name.toLowerCase();
      asked.push(`${name} ${q.type} ${transport}`);
      if (o.dead || o.silent?.includes(name)) return undefined;
      const answers = (o.answers?.[name] ?? []).filter((a) => a.type === q.type || a.type === 'CNAME');
      const known = name in (o.answers ?? {});
      const reply = authoritativeReply(query, { rcode: known ? RCODE.NOERROR : RCODE.NXDOMAIN, answers, authorities: [], additionals: [] });
      reply.flags = (reply.flags ?? 0) | packet.RECURSION_AVAILABLE;
      if (o.wrongId?.includes(name)) reply.id = ((query.id ?? 0) + 1) & 0xffff;
      return encodeWithin(reply, transport === 'udp' ? udpLimitOf(query) : 65535);
    },
  });
  return { port: listeners.port, address: `127.0.0.1:${listeners.port}`, asked, close: () => listeners.close() };
}

/** One raw query over UDP to 127.0.0.1:port (dns-packet by hand, for what node's resolver hides: flags, SOA, TC). */
export async function askUdp(port: number, name: string, type: string, o: { edns?: number; timeoutMs?: number } = {}): Promise<Reply> {
  const sock = dgram.createSocket('udp4');
  try {
    const id = randomInt(0, 0x10000);
    const msg = packet.encode({
      id, type: 'query', flags: packet.RECURSION_DESIRED, questions: [{ name, type: type as 'A', class: 'IN' }],
      additionals: o.edns ? [{ type: 'OPT', name: '.', udpPayloadSize: o.edns, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }] : [],
    });
    const reply = await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no UDP reply for ${name} ${type}`)), o.timeoutMs ?? 3_000);
      sock.on('message', (m) => { if (m.readUInt16BE(0) === id) { clearTimeout(timer); resolve(m); } });
      sock.send(msg, port, '127.0.0.1');
    });
    return decodeReply(reply);
  } finally {
    sock.close();
  }
}

/** One raw query over TCP to 127.0.0.1:port. */
export async function askTcp(port: number, name: string, type: string): Promise<Reply> {
  const id = randomInt(0, 0x10000);
  const msg = packet.encode({ id, type: 'query', flags: packet.RECURSION_DESIRED, questions: [{ name, type: type as 'A', class: 'IN' }] });
  const sock = net.connect({ host: '127.0.0.1', port });
  try {
    const reply = await new Promise<Buffer>((resolve, reject) => {
      let buf = Buffer.alloc(0);
      const timer = setTimeout(() => reject(new Error(`no TCP reply for ${name} ${type}`)), 3_000);
      sock.on('error', reject);
      sock.on('connect', () => sock.write(frame(msg)));
      sock.on('data', (c: Buffer) => {
        buf = Buffer.concat([buf, c]);
        if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) { clearTimeout(timer); resolve(buf.subarray(2, 2 + buf.readUInt16BE(0))); }
      });
    });
    return decodeReply(reply);
  } finally {
    sock.destroy();
  }
}
