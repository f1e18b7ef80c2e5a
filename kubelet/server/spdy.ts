// SPDY/3.1, the framing kubectl's port-forward speaks (tunnelled inside a WebSocket since 1.31,
// or over a plain `Upgrade: SPDY/3.1` connection), as Go's moby/spdystream frames it: the server
// half of a session. Streams are opened by the client (odd ids) and answered with SYN_REPLY;
// header blocks go through one zlib stream per direction primed with the SPDY/3 dictionary;
// spdystream keeps no flow-control windows, so neither do we (WINDOW_UPDATE and SETTINGS are
// read and ignored). Spec: the SPDY Protocol, Draft 3.1 (chromium.org/spdy).
import { Duplex } from 'node:stream';
import zlib from 'node:zlib';

const VERSION = 3;

export const FrameType = {
  SynStream: 1, SynReply: 2, RstStream: 3, Settings: 4, Ping: 6, GoAway: 7, Headers: 8, WindowUpdate: 9,
} as const;

export const FLAG_FIN = 0x01;

/** RST_STREAM status codes (spec §2.6.3). */
export const RstStatus = { ProtocolError: 1, InvalidStream: 2, RefusedStream: 3, Cancel: 5, InternalError: 6 } as const;

/** Header names are lower case; a header with several values carries them joined by NUL. */
export type SpdyHeaders = Record<string, string[]>;

/**
 * The zlib dictionary of SPDY/3 (spec §2.6.10.1): length-prefixed header names and values, then
 * common status lines and words; 1423 bytes, no trailing NUL (as spdystream uses it).
 */
export const HEADER_DICTIONARY: Buffer = (() => {
  const entries = [
    'options', 'head', 'post', 'put', 'delete', 'trace', 'accept', 'accept-charset', 'accept-encoding', 'accept-language',
    'accept-ranges', 'age', 'allow', 'authorization', 'cache-control', 'connection', 'content-base', 'content-encoding',
    'content-language', 'content-length', 'content-location', 'content-md5', 'content-range', 'content-type', 'date', 'etag',
    'expect', 'expires', 'from', 'host', 'if-match', 'if-modified-since', 'if-none-match', 'if-range', 'if-unmodified-since',
    'last-modified', 'location', 'max-forwards', 'pragma', 'proxy-authenticate', 'proxy-authorization', 'range', 'referer',
    'retry-after', 'server', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'user-agent', 'vary', 'via', 'warning',
    'www-authenticate', 'method', 'get', 'status', '200 OK', 'version', 'HTTP/1.1', 'url', 'public', 'set-cookie', 'keep-alive',
    'origin',
  ];
  const tail = '100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505'
    + '203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized'
    + '403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable'
    + 'Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT'
    + 'chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,'
    + 'text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.';
  const parts: Buffer[] = [];
  for (const e of entries) {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(e.length);
    parts.push(len, Buffer.from(e, 'latin1'));
  }
  parts.push(Buffer.from(tail, 'latin1'));
  return Buffer.concat(parts);
})();

/** One decoded frame; `headerBlock` is still compressed (it must be inflated in wire order). */
export type Frame =
  | { control: false; streamId: number; flags: number; data: Buffer }
  | { control: true; type: number; flags: number; payload: Buffer };

/** Splits bytes into frames; keeps an incomplete tail for the next call. */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const frames: Frame[] = [];
    while (this.buf.length >= 8) {
      const length = this.buf.readUIntBE(5, 3);
      if (this.buf.length < 8 + length) break;
      const flags = this.buf[4]!;
      const body = this.buf.subarray(8, 8 + length);
      if (this.buf[0]! & 0x80) {
        const version = this.buf.readUInt16BE(0) & 0x7fff;
        if (version !== VERSION) throw new Error(`spdy: unsupported version ${version}`);
        frames.push({ control: true, type: this.buf.readUInt16BE(2), flags, payload: Buffer.from(body) });
      } else {
        frames.push({ control: false, streamId: this.buf.readUInt32BE(0) & 0x7fffffff, flags, data: Buffer.from(body) });
      }
      this.buf = this.buf.subarray(8 + length);
    }
    return frames;
  }
}

export function controlFrame(type: number, flags: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt16BE(0x8000 | VERSION, 0);
  head.writeUInt16BE(type, 2);
  head.writeUInt32BE(payload.length, 4);
  head[4] = flags;
  return Buffer.concat([head, payload]);
}

export function dataFrame(streamId: number, flags: number, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(streamId & 0x7fffffff, 0);
  head.writeUInt32BE(data.length, 4);
  head[4] = flags;
  return Buffer.concat([head, data]);
}

/** The uncompressed name/value block: count, then length-prefixed names and NUL-joined values. */
export function encodeHeaderBlock(headers: SpdyHeaders): Buffer {
  const parts: Buffer[] = [];
  const u32 = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };
  const names = Object.keys(headers);
  parts.push(u32(names.length));
  for (const name of names) {
    const n = Buffer.from(name.toLowerCase(), 'utf8');
    const v = Buffer.from(headers[name]!.join('\0'), 'utf8');
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

export function decodeHeaderBlock(block: Buffer): SpdyHeaders {
  const out: SpdyHeaders = {};
  let off = 0;
  const u32 = () => {
    if (off + 4 > block.length) throw new Error('spdy: truncated header block');
    const v = block.readUInt32BE(off);
    off += 4;
    return v;
  };
  const bytes = (n: number) => {
    if (off + n > block.length) throw new Error('spdy: truncated header block');
    const s = block.toString('utf8', off, off + n);
    off += n;
    return s;
  };
  const count = u32();
  for (let i = 0; i < count; i++) {
    const name = bytes(u32()).toLowerCase();
    const value = bytes(u32());
    out[name] = [...(out[name] ?? []), ...value.split('\0')];
  }
  return out;
}

/** A zlib stream of one direction of a session: every header block flushed with Z_SYNC_FLUSH. */
class HeaderCodec {
  private readonly z: zlib.Deflate | zlib.Inflate;

  constructor(direction: 'compress' | 'decompress') {
    this.z = direction === 'compress'
      ? zlib.createDeflate({ dictionary: HEADER_DICTIONARY, level: zlib.constants.Z_BEST_COMPRESSION })
      : zlib.createInflate({ dictionary: HEADER_DICTIONARY });
  }

  run(input: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      const onData = (c: Buffer) => chunks.push(c);
      const onError = (e: Error) => { this.z.off('data', onData); reject(e); };
      this.z.on('data', onData);
      this.z.once('error', onError);
      this.z.write(input);
      this.z.flush(zlib.constants.Z_SYNC_FLUSH, () => {
        this.z.off('data', onData);
        this.z.off('error', onError);
        resolve(Buffer.concat(chunks));
      });
    });
  }

  close(): void {
    this.z.close();
  }
}

/** The client side's compression, for tests that play kubectl. */
export class HeaderCompressor {
  private readonly codec = new HeaderCodec('compress');
  compress(headers: SpdyHeaders): Promise<Buffer> { return this.codec.run(encodeHeaderBlock(headers)); }
  close(): void { this.codec.close(); }
}

export class HeaderDecompressor {
  private readonly codec = new HeaderCodec('decompress');
  async decompress(block: Buffer): Promise<SpdyHeaders> { return decodeHeaderBlock(await this.codec.run(block)); }
  close(): void { this.codec.close(); }
}

/** Largest DATA payload we send; spdystream reads any size up to 2^24-1. */
const MAX_DATA = 32 * 1024;

/**
 * One stream of a session: readable side = the peer's DATA frames until FIN, writable side = ours
 * (ended with an empty FIN frame). Destroying a stream that is not finished resets it.
 */
export class SpdyStream extends Duplex {
  private finSent = false;
  private remoteFin = false;

  constructor(readonly id: number, readonly headers: SpdyHeaders, private readonly session: SpdySession) {
    super({ allowHalfOpen: true });
  }

  header(name: string): string | undefined {
    return this.headers[name.toLowerCase()]?.[0];
  }

  override _read(): void { /* data is pushed as frames arrive (no flow control in spdystream) */ }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    const sends: Array<Promise<void>> = [];
    for (let off = 0; off < chunk.length; off += MAX_DATA) {
      sends.push(this.session.send(dataFrame(this.id, 0, chunk.subarray(off, off + MAX_DATA))));
    }
    Promise.all(sends).then(() => cb(), cb);
  }

  override _final(cb: (e?: Error | null) => void): void {
    this.finSent = true;
    this.session.send(dataFrame(this.id, FLAG_FIN, Buffer.alloc(0))).then(() => { cb(); this.maybeDone(); }, cb);
  }

  override _destroy(err: Error | null, cb: (e: Error | null) => void): void {
    if (!this.finSent || !this.remoteFin) this.session.reset(this.id, err ? RstStatus.InternalError : RstStatus.Cancel);
    this.session.forget(this.id);
    cb(err);
  }

  /** Answers the SYN_STREAM (spdystream's client waits for this before using the stream). */
  reply(headers: SpdyHeaders = {}): Promise<void> {
    return this.session.sendHeaders(FrameType.SynReply, this.id, headers);
  }

  /** @internal DATA from the peer. */
  receive(data: Buffer, fin: boolean): void {
    if (data.length && !this.remoteFin) this.push(data);
    if (fin && !this.remoteFin) {
      this.remoteFin = true;
      this.push(null);
      this.maybeDone();
    }
  }

  /** @internal RST_STREAM from the peer, or the session ending. */
  abort(): void {
    this.remoteFin = true;
    this.finSent = true;
    this.push(null);
    this.destroy();
  }

  private maybeDone(): void {
    if (this.finSent && this.remoteFin) this.session.forget(this.id);
  }
}

export interface SpdySessionOptions {
  /** A stream the client opened; answer it with reply() (or reset it by destroying it). */
  onStream(stream: SpdyStream): void;
  log?: (msg: string) => void;
}

/** The server half of a SPDY/3.1 session over any byte stream (a TLS socket or a WebSocket tunnel). */
export class SpdySession {
  private readonly reader = new FrameReader();
  private readonly inflater = new HeaderDecompressor();
  private readonly deflater = new HeaderCompressor();
  private readonly streams = new Map<number, SpdyStream>();
  /** Frames are handled, and written, strictly in order: header blocks share one zlib state each way. */
  private inbound: Promise<void> = Promise.resolve();
  private outbound: Promise<void> = Promise.resolve();
  private lastStreamId = 0;
  private closed = false;
  readonly done: Promise<void>;
  private markDone!: () => void;

  constructor(private readonly transport: Duplex, private readonly opts: SpdySessionOptions) {
    this.done = new Promise((r) => { this.markDone = r; });
    transport.on('data', (chunk: Buffer) => {
      let frames: Frame[];
      try {
        frames = this.reader.push(chunk);
      } catch (e) {
        this.opts.log?.(`spdy: ${(e as Error).message}`);
        this.close();
        return;
      }
      for (const f of frames) this.inbound = this.inbound.then(() => this.handle(f)).catch((e: unknown) => {
        this.opts.log?.(`spdy: ${(e as Error)?.message ?? String(e)}`);
        this.close();
      });
    });
    transport.on('end', () => this.close());
    transport.on('close', () => this.close());
    transport.on('error', () => this.close());
  }

  /** Ends every stream and the transport. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of [...this.streams.values()]) s.abort();
    this.streams.clear();
    this.outbound.finally(() => {
      this.transport.end();
      this.inflater.close();
      this.deflater.close();
      this.markDone();
    }).catch(() => {});
  }

  /** Writes a frame after every frame queued before it. */
  send(frame: Buffer): Promise<void> {
    if (this.closed) return Promise.reject(new Error('spdy: session closed'));
    const p = this.outbound.then(() => this.write(frame));
    this.outbound = p.catch(() => {});
    return p;
  }

  sendHeaders(type: number, streamId: number, headers: SpdyHeaders): Promise<void> {
    if (this.closed) return Promise.reject(new Error('spdy: session closed'));
    // Compression happens in the write queue, so blocks reach the wire in the order the zlib stream made them.
    const p = this.outbound.then(async () => {
      const block = await this.deflater.compress(headers);
      const id = Buffer.alloc(4);
      id.writeUInt32BE(streamId & 0x7fffffff);
      await this.write(controlFrame(type, 0, Buffer.concat([id, block])));
    });
    this.outbound = p.catch(() => {});
    return p;
  }

  reset(streamId: number, status: number): void {
    if (this.closed) return;
    const payload = Buffer.alloc(8);
    payload.writeUInt32BE(streamId & 0x7fffffff, 0);
    payload.writeUInt32BE(status, 4);
    this.send(controlFrame(FrameType.RstStream, 0, payload)).catch(() => {});
  }

  /** @internal */
  forget(id: number): void {
    this.streams.delete(id);
  }

  private write(frame: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.transport.destroyed || this.transport.writableEnded) return reject(new Error('spdy: transport closed'));
      this.transport.write(frame, (e) => (e ? reject(e) : resolve()));
    });
  }

  private async handle(f: Frame): Promise<void> {
    if (this.closed) return;
    if (!f.control) {
      this.streams.get(f.streamId)?.receive(f.data, (f.flags & FLAG_FIN) !== 0);
      return;
    }
    const p = f.payload;
    switch (f.type) {
      case FrameType.SynStream: {
        const id = p.readUInt32BE(0) & 0x7fffffff;
        // Every header block is inflated, even of a stream we refuse: the zlib state is shared.
        const headers = await this.inflater.decompress(p.subarray(10));
        if (id % 2 === 0 || id <= this.lastStreamId) {
          this.reset(id, RstStatus.ProtocolError);
          return;
        }
        this.lastStreamId = id;
        const stream = new SpdyStream(id, headers, this);
        this.streams.set(id, stream);
        if (f.flags & FLAG_FIN) stream.receive(Buffer.alloc(0), true);
        this.opts.onStream(stream);
        return;
      }
      case FrameType.SynReply:
      case FrameType.Headers:
        await this.inflater.decompress(p.subarray(4));
        return;
      case FrameType.RstStream: {
        const id = p.readUInt32BE(0) & 0x7fffffff;
        const s = this.streams.get(id);
        this.streams.delete(id);
        s?.abort();
        return;
      }
      case FrameType.Ping: {
        // Pings the client starts carry odd ids; they are echoed (spdystream pings every few seconds).
        if (p.readUInt32BE(0) % 2 === 1) await this.send(controlFrame(FrameType.Ping, 0, p));
        return;
      }
      case FrameType.GoAway:
        this.close();
        return;
      default:
        // SETTINGS, WINDOW_UPDATE and anything newer: nothing to do.
        return;
    }
  }
}
