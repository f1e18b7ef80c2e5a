// Channels over one WebSocket, as upstream's wsstream multiplexes them: every message starts with
// its channel number — a byte (binary protocols), or an ASCII digit followed by base64 data
// (base64 protocols). In v5.channel.k8s.io a message [255, n] half-closes channel n (the CLOSE
// signal, KEP-3396). Upstream: apimachinery/pkg/util/httpstream/wsstream/conn.go.
import { PassThrough, Writable, type Readable } from 'node:stream';
import type { WebSocket } from 'ws';

export type ChannelCodec = 'binary' | 'base64';

/** The CLOSE signal's marker byte (upstream's remotecommand.StreamClose). */
export const STREAM_CLOSE = 255;

export class ChannelConn {
  private readonly readers = new Map<number, PassThrough>();

  constructor(private readonly ws: WebSocket, private readonly codec: ChannelCodec) {
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      this.receive(buf, isBinary);
    });
    ws.on('close', () => {
      for (const r of this.readers.values()) r.end();
    });
  }

  /** What the client sends on a channel, ended by its CLOSE signal or the connection closing. */
  reader(channel: number): Readable {
    let r = this.readers.get(channel);
    if (!r) this.readers.set(channel, (r = new PassThrough()));
    return r;
  }

  /** A stream whose writes become messages on a channel (an empty write sends an empty message). */
  writer(channel: number): Writable {
    return new Writable({
      write: (chunk: Buffer, _enc, cb) => this.send(channel, chunk, cb),
      final: (cb) => cb(),
    });
  }

  send(channel: number, data: Buffer, cb?: (e?: Error | null) => void): void {
    if (this.ws.readyState !== this.ws.OPEN) {
      cb?.(new Error('websocket is closed'));
      return;
    }
    if (this.codec === 'base64') this.ws.send(String.fromCharCode(48 + channel) + data.toString('base64'), { binary: false }, cb);
    else this.ws.send(Buffer.concat([Buffer.from([channel]), data]), { binary: true }, cb);
  }

  private receive(buf: Buffer, isBinary: boolean): void {
    if (buf.length === 0) return;
    if (isBinary && buf[0] === STREAM_CLOSE && buf.length >= 2) {
      this.readers.get(buf[1]!)?.end();
      return;
    }
    let channel = buf[0]!;
    let payload = buf.subarray(1);
    if (this.codec === 'base64') {
      channel -= 48;
      payload = Buffer.from(payload.toString('latin1'), 'base64');
    }
    const r = this.readers.get(channel);
    if (r && !r.writableEnded) r.write(payload);
  }
}
