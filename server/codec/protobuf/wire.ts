// The protobuf wire format (https://protobuf.dev/programming-guides/encoding/): a reader and a
// writer for varints, fixed32/64 and length-delimited fields. Kubernetes' generated.proto files
// are proto2 without zigzag or groups, so that is all the codec needs. int64 values are bigint.

export const WireType = {
  Varint: 0,
  Fixed64: 1,
  Bytes: 2,
  StartGroup: 3,
  EndGroup: 4,
  Fixed32: 5,
} as const;
export type WireType = (typeof WireType)[keyof typeof WireType];

/** Truncated or otherwise unreadable protobuf data. */
export class WireError extends Error {
  override name = 'WireError';
}

const utf8Decoder = new TextDecoder('utf-8'); // not fatal: Go's JSON also replaces invalid UTF-8 with U+FFFD
const utf8Encoder = new TextEncoder();

export class Reader {
  pos: number;
  readonly end: number;

  constructor(readonly buf: Uint8Array, start = 0, end = buf.length) {
    this.pos = start;
    this.end = end;
  }

  done(): boolean {
    return this.pos >= this.end;
  }

  /** The next field's number and wire type. */
  tag(): { field: number; wireType: number } {
    const key = this.uint32();
    const field = key >>> 3;
    if (field === 0) throw new WireError(`illegal field number 0 at offset ${this.pos}`);
    return { field, wireType: key & 7 };
  }

  /** A varint as two unsigned 32-bit halves. */
  private varintParts(): [lo: number, hi: number] {
    let lo = 0;
    let hi = 0;
    let shift = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new WireError('unexpected EOF');
      const b = this.buf[this.pos++]!;
      if (shift < 28) {
        lo |= (b & 0x7f) << shift;
      } else if (shift === 28) {
        lo |= (b & 0x0f) << 28;
        hi |= (b & 0x7f) >>> 4;
      } else {
        hi |= (b & 0x7f) << (shift - 32);
      }
      if ((b & 0x80) === 0) return [lo >>> 0, hi >>> 0];
      shift += 7;
    }
    throw new WireError('integer overflow');
  }

  uint32(): number {
    const b = this.buf[this.pos];
    if (b !== undefined && b < 0x80 && this.pos < this.end) {
      this.pos++;
      return b;
    }
    return this.varintParts()[0];
  }

  /** int32 is written as a sign-extended 64-bit varint; its low 32 bits are the value. */
  int32(): number {
    return this.uint32() | 0;
  }

  int64(): bigint {
    const b = this.buf[this.pos];
    if (b !== undefined && b < 0x80 && this.pos < this.end) {
      this.pos++;
      return BigInt(b);
    }
    const [lo, hi] = this.varintParts();
    return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
  }

  bool(): boolean {
    const [lo, hi] = this.varintParts();
    return lo !== 0 || hi !== 0;
  }

  fixed32(): number {
    const v = this.view().getUint32(this.need(4), true);
    return v;
  }

  fixed64(): bigint {
    return this.view().getBigUint64(this.need(8), true);
  }

  double(): number {
    return this.view().getFloat64(this.need(8), true);
  }

  /** A length-delimited payload, as a view into the buffer (not a copy). */
  bytes(): Uint8Array {
    const len = this.uint32();
    const start = this.need(len);
    return this.buf.subarray(start, start + len);
  }

  string(): string {
    const b = this.bytes();
    if (b.length > 32) return utf8Decoder.decode(b);
    let s = '';
    for (let i = 0; i < b.length; i++) {
      const c = b[i]!;
      if (c > 0x7f) return utf8Decoder.decode(b);
      s += String.fromCharCode(c);
    }
    return s;
  }

  /** Skips a field whose number the schema does not know. */
  skip(wireType: number): void {
    switch (wireType) {
      case WireType.Varint:
        this.varintParts();
        return;
      case WireType.Fixed64:
        this.need(8);
        return;
      case WireType.Bytes:
        this.bytes();
        return;
      case WireType.Fixed32:
        this.need(4);
        return;
      case WireType.StartGroup:
        for (;;) {
          const { wireType: wt } = this.tag();
          if (wt === WireType.EndGroup) return;
          this.skip(wt);
        }
      default:
        throw new WireError(`illegal wire type ${wireType} at offset ${this.pos}`);
    }
  }

  /** Advances by n bytes and returns where they start. */
  private need(n: number): number {
    if (n > this.end - this.pos) throw new WireError('unexpected EOF');
    const start = this.pos;
    this.pos += n;
    return start;
  }

  private view(): DataView {
    return new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }
}

export class Writer {
  private buf = new Uint8Array(64);
  private len = 0;

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }

  tag(field: number, wireType: WireType): this {
    return this.uint32(((field << 3) | wireType) >>> 0);
  }

  uint32(v: number): this {
    this.reserve(5);
    let n = v >>> 0;
    while (n > 0x7f) {
      this.buf[this.len++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    this.buf[this.len++] = n;
    return this;
  }

  /** Negative int32 values are sign-extended to ten bytes, as Go and protoc write them. */
  int32(v: number): this {
    return v >= 0 ? this.uint32(v) : this.int64(BigInt(v));
  }

  int64(v: bigint): this {
    let n = BigInt.asUintN(64, v);
    this.reserve(10);
    while (n > 0x7fn) {
      this.buf[this.len++] = Number(n & 0x7fn) | 0x80;
      n >>= 7n;
    }
    this.buf[this.len++] = Number(n);
    return this;
  }

  bool(v: boolean): this {
    return this.uint32(v ? 1 : 0);
  }

  fixed32(v: number): this {
    this.reserve(4);
    new DataView(this.buf.buffer).setUint32(this.len, v >>> 0, true);
    this.len += 4;
    return this;
  }

  fixed64(v: bigint): this {
    this.reserve(8);
    new DataView(this.buf.buffer).setBigUint64(this.len, BigInt.asUintN(64, v), true);
    this.len += 8;
    return this;
  }

  double(v: number): this {
    this.reserve(8);
    new DataView(this.buf.buffer).setFloat64(this.len, v, true);
    this.len += 8;
    return this;
  }

  /** A length-delimited payload: its length, then the bytes. */
  bytes(v: Uint8Array): this {
    this.uint32(v.length);
    this.reserve(v.length);
    this.buf.set(v, this.len);
    this.len += v.length;
    return this;
  }

  string(v: string): this {
    const n = v.length;
    let ascii = true;
    for (let i = 0; i < n; i++) {
      if (v.charCodeAt(i) > 0x7f) {
        ascii = false;
        break;
      }
    }
    if (!ascii) return this.bytes(utf8Encoder.encode(v));
    this.uint32(n);
    this.reserve(n);
    for (let i = 0; i < n; i++) this.buf[this.len++] = v.charCodeAt(i);
    return this;
  }

  /**
   * Starts a length-delimited payload written in place (a nested message): returns the
   * position of its one-byte length placeholder, which `join` fills in, moving the payload
   * when the length needs more than one byte.
   */
  fork(): number {
    this.reserve(1);
    return this.len++;
  }

  join(at: number): this {
    const size = this.len - at - 1;
    let n = 1;
    while (size >>> (7 * n) !== 0 && n < 5) n++;
    if (n > 1) {
      this.reserve(n - 1);
      this.buf.copyWithin(at + n, at + 1, this.len);
      this.len += n - 1;
    }
    let v = size;
    let p = at;
    while (v > 0x7f) {
      this.buf[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[p] = v;
    return this;
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
}

export function utf8(s: string): Uint8Array {
  return utf8Encoder.encode(s);
}

export function fromUtf8(b: Uint8Array): string {
  return utf8Decoder.decode(b);
}
