import { describe, expect, it } from 'vitest';
import { Reader, Writer, WireError, WireType } from './wire.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const bytes = (h: string) => new Uint8Array(Buffer.from(h.replace(/\s/g, ''), 'hex'));

describe('protobuf wire format', () => {
  it('writes varints as the specification does', () => {
    expect(hex(new Writer().uint32(0).finish())).toBe('00');
    expect(hex(new Writer().uint32(1).finish())).toBe('01');
    expect(hex(new Writer().uint32(150).finish())).toBe('9601');
    expect(hex(new Writer().uint32(0xffffffff).finish())).toBe('ffffffff0f');
    expect(hex(new Writer().int64(1n << 40n).finish())).toBe('808080808020');
  });

  it('sign-extends a negative int32 to ten bytes, as Go does', () => {
    expect(hex(new Writer().int32(-1).finish())).toBe('ffffffffffffffffff01');
    expect(new Reader(bytes('ffffffffffffffffff01')).int32()).toBe(-1);
    expect(new Reader(new Writer().int32(-2147483648).finish()).int32()).toBe(-2147483648);
  });

  it('round-trips int64 extremes', () => {
    for (const v of [0n, 1n, -1n, 9007199254740993n, -(1n << 63n), (1n << 63n) - 1n, -62135596800n]) {
      expect(new Reader(new Writer().int64(v).finish()).int64()).toBe(v);
    }
  });

  it('round-trips fixed-width numbers, bools, strings and bytes', () => {
    const w = new Writer()
      .tag(1, WireType.Fixed32)
      .fixed32(0xdeadbeef)
      .tag(2, WireType.Fixed64)
      .fixed64(0x0102030405060708n)
      .tag(3, WireType.Fixed64)
      .double(1.5)
      .tag(4, WireType.Varint)
      .bool(true)
      .tag(5, WireType.Bytes)
      .string('héllo')
      .tag(6, WireType.Bytes)
      .bytes(Uint8Array.of(0, 255));
    const r = new Reader(w.finish());
    expect(r.tag()).toEqual({ field: 1, wireType: WireType.Fixed32 });
    expect(r.fixed32()).toBe(0xdeadbeef);
    r.tag();
    expect(r.fixed64()).toBe(0x0102030405060708n);
    r.tag();
    expect(r.double()).toBe(1.5);
    r.tag();
    expect(r.bool()).toBe(true);
    r.tag();
    expect(r.string()).toBe('héllo');
    r.tag();
    expect([...r.bytes()]).toEqual([0, 255]);
    expect(r.done()).toBe(true);
  });

  it('skips fields of every wire type, groups included', () => {
    const w = new Writer()
      .tag(1, WireType.Varint)
      .uint32(300)
      .tag(2, WireType.Fixed64)
      .fixed64(1n)
      .tag(3, WireType.Bytes)
      .string('skip me')
      .tag(4, WireType.Fixed32)
      .fixed32(7)
      .tag(5, WireType.StartGroup)
      .tag(1, WireType.Varint)
      .uint32(1)
      .tag(5, WireType.EndGroup)
      .tag(9, WireType.Bytes)
      .string('kept');
    const r = new Reader(w.finish());
    for (;;) {
      const { field, wireType } = r.tag();
      if (field === 9) break;
      r.skip(wireType);
    }
    expect(r.string()).toBe('kept');
  });

  it('reports truncated data instead of reading past the end', () => {
    expect(() => new Reader(bytes('96')).uint32()).toThrow(WireError);
    expect(() => new Reader(bytes('05616263')).skip(WireType.Bytes)).toThrow(WireError);
    const r = new Reader(bytes('0a05616263'));
    r.tag();
    expect(() => r.bytes()).toThrow('unexpected EOF');
    expect(() => new Reader(bytes('0100')).fixed32()).toThrow(WireError);
    expect(() => new Reader(bytes('ffffffffffffffffffff01')).int64()).toThrow('integer overflow');
  });

  it('rejects field number 0 and unknown wire types', () => {
    expect(() => new Reader(bytes('00')).tag()).toThrow(WireError);
    expect(() => new Reader(bytes('0e00')).skip(6)).toThrow('illegal wire type 6');
  });
});
