// Docker's multiplexed streams, undone: frames split anywhere across chunks, and a log's worth of
// one-line frames in one chunk (where dockerode's demuxStream runs out of stack).
import { describe, expect, it } from 'vitest';
import { Demuxer, type StreamKind } from './demux.ts';

const KINDS: Record<StreamKind, number> = { stdin: 0, stdout: 1, stderr: 2 };

function frame(kind: StreamKind, payload: string): Buffer {
  const body = Buffer.from(payload);
  const header = Buffer.alloc(8);
  header[0] = KINDS[kind];
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

function collect(): { demux: Demuxer; frames: Array<[StreamKind, string]> } {
  const frames: Array<[StreamKind, string]> = [];
  return { demux: new Demuxer((kind, payload) => frames.push([kind, payload.toString()])), frames };
}

describe('Demuxer', () => {
  it('splits stdout and stderr frames wherever the chunks break, and skips empty frames', () => {
    const wire = Buffer.concat([frame('stdout', 'hello\n'), frame('stderr', 'oops\n'), frame('stdout', ''), frame('stdin', 'x'), frame('stdout', 'bye\n')]);
    for (const size of [1, 3, 7, 8, 9, 13, wire.length]) {
      const { demux, frames } = collect();
      for (let at = 0; at < wire.length; at += size) demux.push(wire.subarray(at, at + size));
      expect(frames).toEqual([['stdout', 'hello\n'], ['stderr', 'oops\n'], ['stdin', 'x'], ['stdout', 'bye\n']]);
    }
  });

  it('takes 64 KiB of one-line frames at once, each line in order', () => {
    const lines = Array.from({ length: 6_554 }, (_, i) => `${i % 10}\n`);
    const wire = Buffer.concat(lines.map((l) => frame('stdout', l)));
    expect(wire.length).toBeGreaterThanOrEqual(64 * 1024);
    const { demux, frames } = collect();
    demux.push(wire);
    expect(frames.map(([, text]) => text)).toEqual(lines);
  });
});
