import { describe, expect, it } from 'vitest';
import { PassThrough, Duplex } from 'node:stream';
import {
  controlFrame, dataFrame, FLAG_FIN, FrameReader, FrameType, HEADER_DICTIONARY, HeaderCompressor, HeaderDecompressor,
  SpdySession, type Frame, type SpdyHeaders, type SpdyStream,
} from './spdy.ts';

/** Two ends of an in-memory connection. */
function pipePair(): [Duplex, Duplex] {
  const aToB = new PassThrough();
  const bToA = new PassThrough();
  const a = Duplex.from({ readable: bToA, writable: aToB });
  const b = Duplex.from({ readable: aToB, writable: bToA });
  return [a, b];
}

/** A client end as spdystream's: opens streams, reads frames back. */
class Client {
  private readonly reader = new FrameReader();
  private readonly compressor = new HeaderCompressor();
  private readonly decompressor = new HeaderDecompressor();
  readonly frames: Frame[] = [];
  private waiters: Array<() => void> = [];

  constructor(private readonly conn: Duplex) {
    conn.on('data', (c: Buffer) => {
      this.frames.push(...this.reader.push(c));
      for (const w of this.waiters.splice(0)) w();
    });
  }

  async open(id: number, headers: Record<string, string[]>, fin = false): Promise<void> {
    const block = await this.compressor.compress(headers);
    const head = Buffer.alloc(10);
    head.writeUInt32BE(id, 0);
    this.conn.write(controlFrame(FrameType.SynStream, fin ? FLAG_FIN : 0, Buffer.concat([head, block])));
  }

  send(frame: Buffer): void {
    this.conn.write(frame);
  }

  async next(match: (f: Frame) => boolean): Promise<Frame> {
    for (;;) {
      const i = this.frames.findIndex(match);
      if (i >= 0) return this.frames.splice(i, 1)[0]!;
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  async replyHeaders(f: Frame): Promise<Record<string, string[]>> {
    if (!f.control) throw new Error('not a control frame');
    return this.decompressor.decompress(f.payload.subarray(4));
  }
}

describe('SPDY/3.1 framing', () => {
  it('uses the SPDY/3 header dictionary as spdystream does (1423 bytes, no trailing NUL)', () => {
    expect(HEADER_DICTIONARY.length).toBe(1423);
    expect(HEADER_DICTIONARY.subarray(0, 11).toString('latin1')).toBe('\0\0\0\x07options');
    expect(HEADER_DICTIONARY.subarray(-6).toString('latin1')).toBe('enq=0.');
  });

  it('carries header blocks through one zlib stream per direction, block after block', async () => {
    const c = new HeaderCompressor();
    const d = new HeaderDecompressor();
    const blocks: SpdyHeaders[] = [{ streamtype: ['error'], port: ['80'], requestid: ['0'] }, { streamtype: ['data'], port: ['80'], requestid: ['0'] }, { a: ['1', '2'] }];
    for (const h of blocks) {
      expect(await d.decompress(await c.compress(h))).toEqual(h);
    }
    c.close();
    d.close();
  });

  it('splits frames that arrive in pieces and keeps the tail', () => {
    const r = new FrameReader();
    const bytes = Buffer.concat([dataFrame(1, 0, Buffer.from('hello')), dataFrame(3, FLAG_FIN, Buffer.alloc(0))]);
    expect(r.push(bytes.subarray(0, 6))).toEqual([]);
    const frames = r.push(bytes.subarray(6));
    expect(frames).toEqual([
      { control: false, streamId: 1, flags: 0, data: Buffer.from('hello') },
      { control: false, streamId: 3, flags: FLAG_FIN, data: Buffer.alloc(0) },
    ]);
  });
});

describe('SpdySession (server half)', () => {
  it('answers a client stream with SYN_REPLY, delivers its data and FIN, and sends data back', async () => {
    const [server, client] = pipePair();
    const got: SpdyStream[] = [];
    new SpdySession(server, { onStream: (s) => { got.push(s); void s.reply(); } });
    const c = new Client(client);
    await c.open(1, { streamtype: ['data'], port: ['8080'], requestid: ['7'] });
    const reply = await c.next((f) => f.control && f.type === FrameType.SynReply);
    expect(reply.control && reply.payload.readUInt32BE(0)).toBe(1);
    expect(await c.replyHeaders(reply)).toEqual({});
    const stream = got[0]!;
    expect(stream.header('streamType')).toBe('data');
    expect(stream.header('requestID')).toBe('7');
    const received: Buffer[] = [];
    stream.on('data', (d: Buffer) => received.push(d));
    const ended = new Promise((r) => stream.once('end', r));
    c.send(dataFrame(1, 0, Buffer.from('ping ')));
    c.send(dataFrame(1, FLAG_FIN, Buffer.from('pong')));
    await ended;
    expect(Buffer.concat(received).toString()).toBe('ping pong');
    stream.end('answer');
    const data = await c.next((f) => !f.control && f.data.length > 0);
    expect(!data.control && data.data.toString()).toBe('answer');
    const fin = await c.next((f) => !f.control && (f.flags & FLAG_FIN) !== 0);
    expect(!fin.control && fin.streamId).toBe(1);
  });

  it('echoes the client\'s pings and refuses even (server-side) stream ids', async () => {
    const [server, client] = pipePair();
    new SpdySession(server, { onStream: (s) => void s.reply() });
    const c = new Client(client);
    const ping = Buffer.alloc(4);
    ping.writeUInt32BE(5);
    c.send(controlFrame(FrameType.Ping, 0, ping));
    const pong = await c.next((f) => f.control && f.type === FrameType.Ping);
    expect(pong.control && pong.payload.readUInt32BE(0)).toBe(5);
    await c.open(2, { streamtype: ['data'] });
    const rst = await c.next((f) => f.control && f.type === FrameType.RstStream);
    expect(rst.control && [rst.payload.readUInt32BE(0), rst.payload.readUInt32BE(4)]).toEqual([2, 1]);
  });
});
