// Docker's stream multiplexing, undone: a container without a TTY sends stdout and stderr over one
// connection (exec, attach, logs) in frames of an 8-byte header — the stream (0 stdin, 1 stdout,
// 2 stderr), three zero bytes, a big-endian length — then the payload.
//
// Ours rather than dockerode's modem.demuxStream: that one recurses once per frame and copies what
// is left of its buffer each time, so a 64 KiB chunk of a log's short lines (a frame per line)
// overflows the stack, and bigger ones take quadratic time; it also cannot be let go of a stream.

/** Docker's stream kinds in a multiplexed stream's frame header. */
export type StreamKind = 'stdin' | 'stdout' | 'stderr';

export class Demuxer {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly onFrame: (kind: StreamKind, payload: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (this.pending.length >= 8) {
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + size) break;
      const kind = this.pending[0] === 2 ? 'stderr' : this.pending[0] === 0 ? 'stdin' : 'stdout';
      const payload = this.pending.subarray(8, 8 + size);
      this.pending = this.pending.subarray(8 + size);
      if (size > 0) this.onFrame(kind, payload);
    }
  }
}
