import { describe, expect, it } from 'vitest';
import net from 'node:net';
import dgram from 'node:dgram';
import os from 'node:os';
import { readFileSync } from 'node:fs';
import * as packet from 'dns-packet';
import { frame, listen } from './server.ts';
import { askTcp, askUdp } from './testing.ts';

// A handler that answers every question with one TXT record naming the transport it came over.
const echo = async (raw: Buffer, transport: string) => {
  const q = packet.decode(raw);
  return packet.encode({ id: q.id, type: 'response', flags: 0, questions: q.questions, answers: [{ name: q.questions![0]!.name, type: 'TXT', data: transport }] });
};
const txt = (p: packet.DecodedPacket) => String((p.answers![0] as { data: Buffer[] }).data[0]);

describe('DNS listeners', () => {
  it('serve UDP and TCP on one ephemeral port', async () => {
    const l = await listen({ host: '127.0.0.1', port: 0, handler: echo, log: () => {} });
    try {
      expect(l.port).toBeGreaterThan(0);
      expect(txt(await askUdp(l.port, 'a.test', 'TXT'))).toBe('udp');
      expect(txt(await askTcp(l.port, 'a.test', 'TXT'))).toBe('tcp');
    } finally {
      await l.close();
    }
  });

  it('answer several length-prefixed messages sent at once on one TCP connection', async () => {
    const l = await listen({ host: '127.0.0.1', port: 0, handler: echo, log: () => {} });
    const sock = net.connect({ host: '127.0.0.1', port: l.port });
    try {
      const ids = [11, 22, 33];
      const wire = Buffer.concat(ids.map((id) => frame(packet.encode({ id, type: 'query', questions: [{ name: `q${id}.test`, type: 'TXT' }] }))));
      const got = await new Promise<number[]>((resolve, reject) => {
        let buf = Buffer.alloc(0);
        const seen: number[] = [];
        sock.on('error', reject);
        sock.on('connect', () => {
          // Split across writes mid-message too: the server must reassemble.
          sock.write(wire.subarray(0, 7));
          setTimeout(() => sock.write(wire.subarray(7)), 20);
        });
        sock.on('data', (c: Buffer) => {
          buf = Buffer.concat([buf, c]);
          while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
            seen.push(packet.decode(buf.subarray(2, 2 + buf.readUInt16BE(0))).id!);
            buf = buf.subarray(2 + buf.readUInt16BE(0));
          }
          if (seen.length === ids.length) resolve(seen);
        });
      });
      expect(got.sort()).toEqual(ids);
    } finally {
      sock.destroy();
      await l.close();
    }
  });

  it('on a wildcard address, give UDP a socket of its own for each local address asked for, and go on without one that is not local', async () => {
    const logs: string[] = [];
    const l = await listen({ host: '0.0.0.0', port: 0, udpAddresses: ['127.0.0.1', '10.250.0.53'], handler: echo, log: (m) => logs.push(m) });
    try {
      expect(txt(await askUdp(l.port, 'a.test', 'TXT'))).toBe('udp');
      // The kernel's socket table: one UDP socket on 0.0.0.0:port and one on 127.0.0.1:port.
      const port = l.port.toString(16).toUpperCase().padStart(4, '0');
      const local = readFileSync('/proc/net/udp', 'utf8').split('\n').map((line) => line.trim().split(/\s+/)[1]).filter((a) => a?.endsWith(`:${port}`));
      expect(local.sort()).toEqual([`00000000:${port}`, `0100007F:${port}`]);
      expect(logs.some((m) => m.includes('10.250.0.53'))).toBe(true);
      const other = Object.values(os.networkInterfaces()).flat().find((a) => a?.family === 'IPv4' && !a.internal)?.address;
      if (other) {
        const sock = dgram.createSocket('udp4');
        const reply = await new Promise<Buffer>((resolve) => {
          sock.on('message', (m) => resolve(m));
          sock.send(packet.encode({ id: 9, type: 'query', questions: [{ name: 'b.test', type: 'TXT' }] }), l.port, other);
        });
        sock.close();
        expect(txt(packet.decode(reply))).toBe('udp');
      }
    } finally {
      await l.close();
    }
  });

  it('refuse a port that is taken', async () => {
    const first = await listen({ host: '127.0.0.1', port: 0, handler: echo, log: () => {} });
    try {
      await expect(listen({ host: '127.0.0.1', port: first.port, handler: echo, log: () => {} })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await first.close();
    }
  });
});
