// Declarative protobuf schemas and the codec that turns a message into the JSON object
// upstream's Go types would marshal, and back. Messages are named by package: 'core.v1.Pod',
// 'meta.v1.ObjectMeta'. Encoding follows gogo-protobuf's generated marshalers byte for byte:
// fields in number order, non-pointer scalars and structs always written, map keys sorted.
// Where the wire cannot tell, decoding leaves a key out rather than writing Go's null: an
// empty non-omitempty slice or map, a zero non-omitempty metav1.Time. int64 values become
// JSON numbers, exact up to 2^53 like every JSON number the server parses.

import { Buffer } from 'node:buffer';
import { ProtobufError, hasProtobufMagic } from './envelope.ts';
import { Reader, Writer, WireError, WireType, fromUtf8, utf8 } from './wire.ts';

export type ScalarType = 'string' | 'int32' | 'int64' | 'bool' | 'bytes' | 'double';

export interface FieldSchema {
  /** the JSON field name (for an inline field, upstream's protobuf name, for the record) */
  readonly name: string;
  readonly number: number;
  /** a ScalarType, a message name, or `map<string,V>` with V a ScalarType or message name */
  readonly type: string;
  readonly repeated?: boolean;
  /**
   * Go's `omitempty` (default true): a zero scalar read from the wire stays out of the JSON.
   * When false the key is always there, zero or not, as encoding/json writes it.
   */
  readonly omitEmpty?: boolean;
  /** a Go pointer (or []byte): written and decoded whenever set, zero values included */
  readonly pointer?: boolean;
  /** an embedded Go struct whose JSON fields sit in the parent object (`json:",inline"`) */
  readonly inline?: boolean;
}

export interface MessageSchema {
  readonly fields: readonly FieldSchema[];
  /** a Go named slice type (`type ExtraValue []string`): one repeated `items` field, JSON a bare array */
  readonly jsonArray?: boolean;
}

export type MessageSchemas = Readonly<Record<string, MessageSchema>>;

/** The kinds one group version serves, each with its message name. */
export interface KindTable {
  readonly apiVersion: string;
  readonly kinds: Readonly<Record<string, string>>;
}

export type JsonObject = Record<string, unknown>;

/**
 * A message whose JSON is not its fields (metav1.Time is an RFC 3339 string, IntOrString a
 * number or a string…). `decode` returns undefined where Go's JSON has no value (a zero Time
 * marshals as null); `encode(undefined)` writes the Go zero value.
 */
interface SpecialCodec {
  decode(bytes: Uint8Array, embedded: EmbeddedDecoder | undefined): unknown;
  isZero(v: unknown): boolean;
  encode(v: unknown, path: string): Uint8Array;
}

/** Decodes an enveloped protobuf object found inside a RawExtension. */
export type EmbeddedDecoder = (raw: Uint8Array) => JsonObject;

type Kind =
  | { k: 'scalar'; type: ScalarType }
  | { k: 'message'; type: string }
  | { k: 'special'; codec: SpecialCodec }
  | { k: 'map'; value: Exclude<Kind, { k: 'map' }> };

interface CompiledField {
  readonly f: FieldSchema;
  readonly kind: Kind;
  readonly repeated: boolean;
  readonly omitEmpty: boolean;
  readonly pointer: boolean;
}

interface CompiledMessage {
  readonly name: string;
  readonly jsonArray: boolean;
  readonly jsonOrder: readonly CompiledField[];
  readonly numberOrder: readonly CompiledField[];
  readonly byNumber: ReadonlyMap<number, CompiledField>;
}

const scalarTypes = new Set<string>(['string', 'int32', 'int64', 'bool', 'bytes', 'double']);

function isScalar(t: string): t is ScalarType {
  return scalarTypes.has(t);
}

export class SchemaSet {
  private readonly schemas = new Map<string, MessageSchema>();
  private readonly compiled = new Map<string, CompiledMessage>();

  constructor(
    tables: readonly MessageSchemas[],
    private readonly embedded?: EmbeddedDecoder,
  ) {
    for (const t of tables) {
      for (const [name, schema] of Object.entries(t)) {
        if (this.schemas.has(name)) throw new Error(`protobuf schema ${name} declared twice`);
        this.schemas.set(name, schema);
      }
    }
  }

  has(message: string): boolean {
    return this.schemas.has(message) || specialCodecs.has(message);
  }

  /** Problems in the schemas themselves: unknown message types, clashing numbers or names. */
  check(): string[] {
    const problems: string[] = [];
    for (const [name, schema] of this.schemas) {
      const numbers = new Set<number>();
      const names = new Set<string>();
      for (const f of schema.fields) {
        if (numbers.has(f.number)) problems.push(`${name}: field number ${f.number} used twice`);
        if (names.has(f.name)) problems.push(`${name}: field name ${f.name} used twice`);
        numbers.add(f.number);
        names.add(f.name);
        const value = /^map<string,(.+)>$/.exec(f.type)?.[1] ?? f.type;
        if (!isScalar(value) && !this.has(value)) problems.push(`${name}.${f.name}: unknown type ${value}`);
        if (f.inline && (isScalar(value) || f.repeated || specialCodecs.has(value))) {
          problems.push(`${name}.${f.name}: only a message can be inline`);
        }
      }
      if (schema.jsonArray && (schema.fields.length !== 1 || !schema.fields[0]!.repeated)) {
        problems.push(`${name}: a jsonArray message has exactly one repeated field`);
      }
    }
    return problems;
  }

  /** The message's bytes as the JSON value upstream marshals (an object, or an array for jsonArray types). */
  decode(message: string, bytes: Uint8Array): unknown {
    try {
      return this.decodeMessage(this.compile(message), bytes);
    } catch (err) {
      if (err instanceof WireError) throw new ProtobufError('Malformed', `malformed ${message}: ${err.message}`);
      throw err;
    }
  }

  /** The JSON value as the message's bytes; keys the schema does not know are left out. */
  encode(message: string, json: unknown): Uint8Array {
    const w = new Writer();
    this.encodeMessage(this.compile(message), json, w, '');
    return w.finish();
  }

  private compile(name: string): CompiledMessage {
    const hit = this.compiled.get(name);
    if (hit) return hit;
    const schema = this.schemas.get(name);
    if (!schema) throw new ProtobufError('UnknownKind', `no protobuf schema for message ${name}`);
    const jsonOrder = schema.fields.map((f): CompiledField => ({
      f,
      kind: this.kindOf(f.type),
      repeated: f.repeated === true,
      omitEmpty: f.omitEmpty !== false,
      // a Go named slice (metav1.Verbs) is nil-able: gogo writes it only when non-nil
      pointer: f.pointer === true || this.schemas.get(f.type)?.jsonArray === true,
    }));
    const compiled: CompiledMessage = {
      name,
      jsonArray: schema.jsonArray === true,
      jsonOrder,
      numberOrder: [...jsonOrder].sort((a, b) => a.f.number - b.f.number),
      byNumber: new Map(jsonOrder.map((c) => [c.f.number, c])),
    };
    this.compiled.set(name, compiled);
    return compiled;
  }

  private kindOf(type: string): Kind {
    const map = /^map<string,(.+)>$/.exec(type);
    if (map) {
      const value = this.kindOf(map[1]!);
      if (value.k === 'map') throw new Error(`nested map type ${type}`);
      return { k: 'map', value };
    }
    if (isScalar(type)) return { k: 'scalar', type };
    const special = specialCodecs.get(type);
    if (special) return { k: 'special', codec: special };
    if (!this.schemas.has(type)) throw new Error(`protobuf schema refers to unknown message ${type}`);
    return { k: 'message', type };
  }

  // ---- decoding -------------------------------------------------------------------------

  private decodeMessage(m: CompiledMessage, bytes: Uint8Array): unknown {
    // what the wire held, per field: a scalar's last value, a list, map entries, or message chunks
    const seen = new Map<CompiledField, unknown>();
    const r = new Reader(bytes);
    while (!r.done()) {
      const { field, wireType } = r.tag();
      const c = m.byNumber.get(field);
      if (!c) {
        r.skip(wireType); // a field newer than our schema
        continue;
      }
      const kind = c.kind;
      if (kind.k === 'scalar') {
        if (c.repeated) {
          let list = seen.get(c) as unknown[] | undefined;
          if (!list) seen.set(c, (list = []));
          if (wireType === WireType.Bytes && kind.type !== 'string' && kind.type !== 'bytes') {
            const packed = new Reader(r.bytes()); // packed repeated numbers
            while (!packed.done()) list.push(readScalar(packed, kind.type, scalarWireType(kind.type), m.name, c));
          } else {
            list.push(readScalar(r, kind.type, wireType, m.name, c));
          }
        } else {
          seen.set(c, readScalar(r, kind.type, wireType, m.name, c));
        }
        continue;
      }
      expectWireType(wireType, WireType.Bytes, m.name, c);
      const payload = r.bytes();
      if (kind.k === 'map') {
        let entries = seen.get(c) as Map<string, unknown> | undefined;
        if (!entries) seen.set(c, (entries = new Map()));
        const [key, value] = this.readMapEntry(payload, kind.value, m.name, c);
        entries.set(key, value);
      } else if (c.repeated) {
        let list = seen.get(c) as unknown[] | undefined;
        if (!list) seen.set(c, (list = []));
        list.push(this.decodeValue(kind, payload) ?? null);
      } else {
        // a message field that occurs twice is merged: decoding the concatenation does that
        let chunks = seen.get(c) as Uint8Array[] | undefined;
        if (!chunks) seen.set(c, (chunks = []));
        chunks.push(payload);
      }
    }

    if (m.jsonArray) {
      const items = seen.get(m.jsonOrder[0]!) as unknown[] | undefined;
      return (items ?? []).map((v) => (v instanceof Uint8Array ? base64(v) : v));
    }

    const out: JsonObject = {};
    for (const c of m.jsonOrder) {
      const v = seen.get(c);
      const kind = c.kind;
      const name = c.f.name;
      if (kind.k === 'scalar') {
        if (c.repeated) {
          const list = v as unknown[] | undefined;
          if (list && list.length > 0) out[name] = kind.type === 'bytes' ? list.map((b) => base64(b as Uint8Array)) : list;
        } else if (v !== undefined) {
          if (c.pointer || !c.omitEmpty || !isZeroScalar(v)) out[name] = v instanceof Uint8Array ? base64(v) : v;
        } else if (!c.pointer && !c.omitEmpty) {
          out[name] = zeroScalar(kind.type); // Go marshals the struct field's zero value
        }
      } else if (kind.k === 'map') {
        const entries = v as Map<string, unknown> | undefined;
        if (entries && entries.size > 0) out[name] = Object.fromEntries(entries);
      } else if (c.repeated) {
        const list = v as unknown[] | undefined;
        if (list && list.length > 0) out[name] = list;
      } else if (v !== undefined) {
        const value = this.decodeValue(kind, concat(v as Uint8Array[]));
        if (c.f.inline) {
          Object.assign(out, value);
        } else if (kind.k === 'special') {
          // an omitempty IntOrString, Quantity or Time at its zero value reads as unset, which
          // is how upstream's defaulting treats it too
          if (value !== undefined && (c.pointer || !c.omitEmpty || !kind.codec.isZero(value))) out[name] = value;
        } else {
          out[name] = value;
        }
      }
    }
    return out;
  }

  private decodeValue(kind: Exclude<Kind, { k: 'map' } | { k: 'scalar' }>, bytes: Uint8Array): unknown {
    if (kind.k === 'special') return kind.codec.decode(bytes, this.embedded);
    return this.decodeMessage(this.compile(kind.type), bytes);
  }

  private readMapEntry(
    bytes: Uint8Array,
    value: Exclude<Kind, { k: 'map' }>,
    message: string,
    c: CompiledField,
  ): [string, unknown] {
    const r = new Reader(bytes);
    let key = '';
    let raw: unknown;
    while (!r.done()) {
      const { field, wireType } = r.tag();
      if (field === 1) {
        expectWireType(wireType, WireType.Bytes, message, c);
        key = r.string();
      } else if (field === 2) {
        if (value.k === 'scalar') {
          raw = readScalar(r, value.type, wireType, message, c);
        } else {
          expectWireType(wireType, WireType.Bytes, message, c);
          raw = r.bytes();
        }
      } else {
        r.skip(wireType);
      }
    }
    if (value.k === 'scalar') {
      if (raw === undefined) return [key, zeroScalar(value.type)];
      return [key, raw instanceof Uint8Array ? base64(raw) : raw];
    }
    return [key, this.decodeValue(value, (raw as Uint8Array | undefined) ?? new Uint8Array(0)) ?? null];
  }

  // ---- encoding -------------------------------------------------------------------------

  private encodeMessage(m: CompiledMessage, json: unknown, w: Writer, path: string): void {
    if (m.jsonArray) {
      if (json === undefined || json === null) return;
      if (!Array.isArray(json)) fail(path, 'an array', json);
      const c = m.jsonOrder[0]!;
      const kind = c.kind;
      if (kind.k === 'map') throw new Error(`${m.name}: a jsonArray message cannot hold a map`);
      json.forEach((v: unknown, i) => this.encodeValue(kind, v, w, c.f.number, `${path}[${i}]`));
      return;
    }
    if (json !== undefined && json !== null && !isObject(json)) fail(path, 'an object', json);
    const obj: JsonObject = isObject(json) ? json : {};
    for (const c of m.numberOrder) {
      const name = c.f.name;
      const p = path === '' ? name : `${path}.${name}`;
      const v = c.f.inline ? obj : obj[name];
      const kind = c.kind;
      if (kind.k === 'map') {
        if (v === undefined || v === null) continue;
        if (!isObject(v)) fail(p, 'an object', v);
        for (const key of sortedKeys(v)) {
          w.tag(c.f.number, WireType.Bytes);
          const at = w.fork();
          w.tag(1, WireType.Bytes).string(key);
          const value = v[key];
          // gogo leaves out a nil []byte map value; every other value is written
          if (!(kind.value.k === 'scalar' && kind.value.type === 'bytes' && (value === undefined || value === null))) {
            this.encodeValue(kind.value, value, w, 2, `${p}[${key}]`);
          }
          w.join(at);
        }
      } else if (c.repeated) {
        if (v === undefined || v === null) continue;
        if (!Array.isArray(v)) fail(p, 'an array', v);
        v.forEach((item: unknown, i) => this.encodeValue(kind, item, w, c.f.number, `${p}[${i}]`));
      } else if ((v === undefined || v === null) && c.pointer) {
        continue; // a nil pointer (or nil []byte) is not written
      } else {
        this.encodeValue(kind, v, w, c.f.number, p);
      }
    }
  }

  /** One value as field `number`; undefined or null writes Go's zero value. */
  private encodeValue(kind: Exclude<Kind, { k: 'map' }>, v: unknown, w: Writer, number: number, path: string): void {
    const value = v === null ? undefined : v;
    if (kind.k === 'scalar') {
      writeScalar(w, number, kind.type, value, path);
    } else if (kind.k === 'special') {
      w.tag(number, WireType.Bytes).bytes(kind.codec.encode(value, path));
    } else {
      w.tag(number, WireType.Bytes);
      const at = w.fork();
      this.encodeMessage(this.compile(kind.type), value, w, path);
      w.join(at);
    }
  }
}

// ---- scalars ---------------------------------------------------------------------------

function scalarWireType(t: ScalarType): WireType {
  switch (t) {
    case 'string':
    case 'bytes':
      return WireType.Bytes;
    case 'double':
      return WireType.Fixed64;
    default:
      return WireType.Varint;
  }
}

function expectWireType(got: number, want: WireType, message: string, c: CompiledField): void {
  if (got !== want) {
    throw new ProtobufError('Malformed', `proto: wrong wireType = ${got} for field ${c.f.name} of ${message}`);
  }
}

function readScalar(r: Reader, t: ScalarType, wireType: number, message: string, c: CompiledField): unknown {
  expectWireType(wireType, scalarWireType(t), message, c);
  switch (t) {
    case 'string':
      return r.string();
    case 'bytes':
      return r.bytes();
    case 'int32':
      return r.int32();
    case 'int64':
      return Number(r.int64()); // JSON numbers, as JSON.parse gives them elsewhere in the server
    case 'bool':
      return r.bool();
    case 'double':
      return r.double();
  }
}

function writeScalar(w: Writer, number: number, t: ScalarType, v: unknown, path: string): void {
  w.tag(number, scalarWireType(t));
  switch (t) {
    case 'string':
      if (v !== undefined && typeof v !== 'string') fail(path, 'a string', v);
      w.string(v ?? '');
      return;
    case 'bytes':
      if (v !== undefined && typeof v !== 'string') fail(path, 'a base64 string', v);
      w.bytes(Buffer.from(v ?? '', 'base64'));
      return;
    case 'int32': {
      const n = toInteger(v, path);
      if (n < -0x80000000n || n > 0x7fffffffn) fail(path, 'a 32-bit integer', v);
      w.int32(Number(n));
      return;
    }
    case 'int64': {
      const n = toInteger(v, path);
      if (n < -(1n << 63n) || n >= 1n << 63n) fail(path, 'a 64-bit integer', v);
      w.int64(n);
      return;
    }
    case 'bool':
      if (v !== undefined && typeof v !== 'boolean') fail(path, 'a boolean', v);
      w.bool(v === true);
      return;
    case 'double':
      if (v !== undefined && typeof v !== 'number') fail(path, 'a number', v);
      w.double(v ?? 0);
      return;
  }
}

function toInteger(v: unknown, path: string): bigint {
  if (v === undefined) return 0n;
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  return fail(path, 'an integer', v);
}

function isZeroScalar(v: unknown): boolean {
  return v === '' || v === 0 || v === false || (v instanceof Uint8Array && v.length === 0);
}

function zeroScalar(t: ScalarType): unknown {
  switch (t) {
    case 'string':
    case 'bytes':
      return '';
    case 'bool':
      return false;
    default:
      return 0;
  }
}

// ---- special messages ------------------------------------------------------------------

/** metav1.Timestamp, the wire form of Time and MicroTime: {seconds = 1, nanos = 2}. */
function readTimestamp(bytes: Uint8Array): { seconds: bigint; nanos: number } | undefined {
  if (bytes.length === 0) return undefined; // a zero Time marshals to nothing
  const r = new Reader(bytes);
  let seconds = 0n;
  let nanos = 0;
  while (!r.done()) {
    const { field, wireType } = r.tag();
    if (field === 1 && wireType === WireType.Varint) seconds = r.int64();
    else if (field === 2 && wireType === WireType.Varint) nanos = r.int32();
    else r.skip(wireType);
  }
  if (seconds === GO_ZERO_TIME_SECONDS && nanos === 0) return undefined;
  return { seconds, nanos };
}

function writeTimestamp(seconds: bigint, nanos: number): Uint8Array {
  return new Writer().tag(1, WireType.Varint).int64(seconds).tag(2, WireType.Varint).int32(nanos).finish();
}

/** Go's zero time.Time, 0001-01-01T00:00:00Z, in Unix seconds. */
const GO_ZERO_TIME_SECONDS = -62135596800n;

function parseTime(v: unknown, path: string): { seconds: bigint; nanos: number } | undefined {
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string') return fail(path, 'an RFC 3339 time', v);
  const t = parseRFC3339(v);
  if (!t) return fail(path, 'an RFC 3339 time', v);
  return t;
}

const timeCodec: SpecialCodec = {
  decode(bytes) {
    const ts = readTimestamp(bytes);
    // Time keeps whole seconds only (time_proto.go drops nanos so JSON and protobuf agree)
    return ts && formatRFC3339(ts.seconds, 0, 0);
  },
  isZero: (v) => v === undefined,
  encode(v, path) {
    const t = parseTime(v, path);
    return t ? writeTimestamp(t.seconds, 0) : new Uint8Array(0);
  },
};

const microTimeCodec: SpecialCodec = {
  decode(bytes) {
    const ts = readTimestamp(bytes);
    return ts && formatRFC3339(ts.seconds, ts.nanos - (ts.nanos % 1000), 6);
  },
  isZero: (v) => v === undefined,
  encode(v, path) {
    const t = parseTime(v, path);
    return t ? writeTimestamp(t.seconds, t.nanos - (t.nanos % 1000)) : new Uint8Array(0);
  },
};

/** metav1.Duration {duration = 1 (int64 nanoseconds)}; JSON is Go's time.Duration.String(). */
const durationCodec: SpecialCodec = {
  decode(bytes) {
    let ns = 0n;
    const r = new Reader(bytes);
    while (!r.done()) {
      const { field, wireType } = r.tag();
      if (field === 1 && wireType === WireType.Varint) ns = r.int64();
      else r.skip(wireType);
    }
    return formatGoDuration(ns);
  },
  isZero: (v) => v === '0s',
  encode(v, path) {
    let ns = 0n;
    if (v !== undefined) {
      if (typeof v !== 'string') fail(path, 'a duration such as "1h2m3s"', v);
      const parsed = parseGoDuration(v);
      if (parsed === undefined) fail(path, 'a duration such as "1h2m3s"', v);
      ns = parsed;
    }
    return new Writer().tag(1, WireType.Varint).int64(ns).finish();
  },
};

/** resource.Quantity {string = 1}; JSON is that string. */
const quantityCodec: SpecialCodec = {
  decode(bytes) {
    let s = '';
    const r = new Reader(bytes);
    while (!r.done()) {
      const { field, wireType } = r.tag();
      if (field === 1 && wireType === WireType.Bytes) s = r.string();
      else r.skip(wireType);
    }
    return s === '' ? '0' : s;
  },
  isZero: (v) => v === '0',
  encode(v, path) {
    if (v !== undefined && typeof v !== 'string' && typeof v !== 'number') fail(path, 'a quantity', v);
    return new Writer()
      .tag(1, WireType.Bytes)
      .string(v === undefined ? '0' : String(v))
      .finish();
  },
};

/** intstr.IntOrString {type = 1 (0 int, 1 string), intVal = 2, strVal = 3}; JSON a number or a string. */
const intOrStringCodec: SpecialCodec = {
  decode(bytes) {
    let type = 0n;
    let intVal = 0;
    let strVal = '';
    const r = new Reader(bytes);
    while (!r.done()) {
      const { field, wireType } = r.tag();
      if (field === 1 && wireType === WireType.Varint) type = r.int64();
      else if (field === 2 && wireType === WireType.Varint) intVal = r.int32();
      else if (field === 3 && wireType === WireType.Bytes) strVal = r.string();
      else r.skip(wireType);
    }
    return type === 1n ? strVal : intVal;
  },
  isZero: (v) => v === 0 || v === '',
  encode(v, path) {
    const w = new Writer();
    if (v === undefined || typeof v === 'number') {
      const n = toInteger(v ?? 0, path);
      if (n < -0x80000000n || n > 0x7fffffffn) fail(path, 'a 32-bit integer', v);
      return w.tag(1, WireType.Varint).int64(0n).tag(2, WireType.Varint).int32(Number(n)).tag(3, WireType.Bytes).string('').finish();
    }
    if (typeof v !== 'string') return fail(path, 'an integer or a string', v);
    return w.tag(1, WireType.Varint).int64(1n).tag(2, WireType.Varint).int32(0).tag(3, WireType.Bytes).string(v).finish();
  },
};

/** A message {raw = 1 (bytes)} whose JSON is the embedded JSON document. */
function rawJsonCodec(what: string, rawField: number): SpecialCodec {
  return {
    decode(bytes, embedded) {
      let raw: Uint8Array | undefined;
      const r = new Reader(bytes);
      while (!r.done()) {
        const { field, wireType } = r.tag();
        if (field === rawField && wireType === WireType.Bytes) raw = r.bytes();
        else r.skip(wireType);
      }
      if (raw === undefined || raw.length === 0) return undefined;
      if (hasProtobufMagic(raw)) {
        if (!embedded) throw new ProtobufError('Malformed', `${what} holds a protobuf object that cannot be decoded here`);
        return embedded(raw);
      }
      try {
        return JSON.parse(fromUtf8(raw)) as unknown;
      } catch {
        throw new ProtobufError('Malformed', `${what} holds neither JSON nor a protobuf object`);
      }
    },
    isZero: (v) => v === undefined,
    encode(v) {
      if (v === undefined) return new Uint8Array(0);
      return new Writer().tag(rawField, WireType.Bytes).bytes(utf8(JSON.stringify(v))).finish();
    },
  };
}

const specialCodecs: ReadonlyMap<string, SpecialCodec> = new Map([
  ['meta.v1.Time', timeCodec],
  ['meta.v1.MicroTime', microTimeCodec],
  ['meta.v1.Duration', durationCodec],
  ['meta.v1.FieldsV1', rawJsonCodec('FieldsV1', 1)],
  ['runtime.RawExtension', rawJsonCodec('RawExtension', 1)],
  ['resource.Quantity', quantityCodec],
  ['intstr.IntOrString', intOrStringCodec],
]);

// ---- times and durations ---------------------------------------------------------------

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** Unix seconds and nanoseconds of an RFC 3339 time, as Go's time.Parse(time.RFC3339, …) reads it. */
export function parseRFC3339(s: string): { seconds: bigint; nanos: number } | undefined {
  const m = RFC3339.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, sec, frac, , sign, oh, om] = m;
  const date = new Date(0);
  date.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  date.setUTCHours(Number(h), Number(mi), Number(sec), 0);
  if (date.getUTCMonth() !== Number(mo) - 1 || date.getUTCDate() !== Number(d)) return undefined;
  let seconds = BigInt(date.getTime() / 1000);
  if (sign) seconds -= BigInt((sign === '-' ? -1 : 1) * (Number(oh) * 3600 + Number(om) * 60));
  const nanos = frac ? Number(frac.padEnd(9, '0')) : 0;
  return { seconds, nanos };
}

/** Go's t.UTC().Format(time.RFC3339) (digits 0) or RFC3339Micro (digits 6). */
export function formatRFC3339(seconds: bigint, nanos: number, digits: 0 | 6): string {
  const iso = new Date(Number(seconds) * 1000).toISOString(); // 2006-01-02T15:04:05.000Z
  const base = iso.slice(0, iso.indexOf('.'));
  if (digits === 0) return `${base}Z`;
  return `${base}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z`;
}

const durationUnits: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  'µs': 1_000n, // U+00B5
  'μs': 1_000n, // U+03BC
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/** Go's time.ParseDuration, in nanoseconds. */
export function parseGoDuration(s: string): bigint | undefined {
  let rest = s;
  let neg = false;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    neg = rest[0] === '-';
    rest = rest.slice(1);
  }
  if (rest === '0') return 0n;
  if (rest === '') return undefined;
  let total = 0n;
  const part = /^(\d*)(?:\.(\d*))?([a-zµμ]+)/;
  while (rest !== '') {
    const m = part.exec(rest);
    if (!m || (m[1] === '' && (m[2] ?? '') === '')) return undefined;
    const unit = durationUnits[m[3]!];
    if (unit === undefined) return undefined;
    total += BigInt(m[1] || '0') * unit;
    const frac = m[2] ?? '';
    if (frac !== '') total += (BigInt(frac) * unit) / 10n ** BigInt(frac.length);
    rest = rest.slice(m[0].length);
  }
  return neg ? -total : total;
}

/** Go's time.Duration.String(). */
export function formatGoDuration(ns: bigint): string {
  if (ns === 0n) return '0s';
  const neg = ns < 0n;
  const u = neg ? -ns : ns;
  let out: string;
  if (u < 1_000_000_000n) {
    if (u < 1_000n) out = `${u}ns`;
    else if (u < 1_000_000n) out = `${fraction(u, 3)}µs`;
    else out = `${fraction(u, 6)}ms`;
  } else {
    const secs = u / 1_000_000_000n;
    const frac = u % 1_000_000_000n;
    const s = secs % 60n;
    const mins = (secs / 60n) % 60n;
    const hours = secs / 3600n;
    const sec = frac === 0n ? `${s}` : `${s}.${String(frac).padStart(9, '0').replace(/0+$/, '')}`;
    if (hours > 0n) out = `${hours}h${mins}m${sec}s`;
    else if (mins > 0n) out = `${mins}m${sec}s`;
    else out = `${sec}s`;
  }
  return neg ? `-${out}` : out;
}

function fraction(v: bigint, digits: number): string {
  const scale = 10n ** BigInt(digits);
  const whole = v / scale;
  const frac = v % scale;
  if (frac === 0n) return `${whole}`;
  return `${whole}.${String(frac).padStart(digits, '0').replace(/0+$/, '')}`;
}

// ---- helpers ---------------------------------------------------------------------------

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/** Go sorts map keys with sort.Strings: by their UTF-8 bytes. */
function sortedKeys(obj: JsonObject): string[] {
  const keys = Object.keys(obj);
  // UTF-16 order is UTF-8 byte order unless surrogates meet characters from U+E000 up
  if (keys.every((k) => !/[\ud800-\uffff]/.test(k))) return keys.sort();
  return keys.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

function base64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
}

function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  return Buffer.concat(chunks);
}

function fail(path: string, want: string, got: unknown): never {
  const shown = got === undefined ? 'nothing' : Array.isArray(got) ? 'an array' : typeof got;
  throw new ProtobufError('Unencodable', `${path || 'object'}: expected ${want}, got ${shown}`);
}
