import { describe, expect, it } from 'vitest';
import { ProtobufError } from './envelope.ts';
import { SchemaSet, formatGoDuration, formatRFC3339, parseGoDuration, parseRFC3339, type MessageSchemas } from './schema.ts';
import { Writer, WireType } from './wire.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

// a small hand-written message set exercising each kind of field
const test: MessageSchemas = {
  'test.Thing': {
    fields: [
      { name: 'name', number: 1, type: 'string', omitEmpty: false },
      { name: 'note', number: 2, type: 'string' },
      { name: 'count', number: 3, type: 'int32' },
      { name: 'replicas', number: 4, type: 'int32', pointer: true },
      { name: 'big', number: 5, type: 'int64' },
      { name: 'on', number: 6, type: 'bool' },
      { name: 'tags', number: 7, type: 'string', repeated: true },
      { name: 'labels', number: 8, type: 'map<string,string>' },
      { name: 'data', number: 9, type: 'map<string,bytes>' },
      { name: 'sub', number: 10, type: 'test.Sub' },
      { name: 'subs', number: 11, type: 'test.Sub', repeated: true },
      { name: 'embedded', number: 12, type: 'test.Embedded', inline: true },
      { name: 'when', number: 13, type: 'meta.v1.Time' },
      { name: 'port', number: 14, type: 'intstr.IntOrString' },
      { name: 'maxSurge', number: 15, type: 'intstr.IntOrString', pointer: true },
      { name: 'limits', number: 16, type: 'map<string,resource.Quantity>' },
      { name: 'numbers', number: 17, type: 'int32', repeated: true },
      { name: 'verbs', number: 18, type: 'test.Verbs' },
      { name: 'raw', number: 19, type: 'bytes', pointer: true },
      { name: 'ratio', number: 20, type: 'double' },
    ],
  },
  'test.Sub': { fields: [{ name: 'value', number: 1, type: 'string' }] },
  'test.Embedded': { fields: [{ name: 'path', number: 1, type: 'string' }] },
  'test.Verbs': { jsonArray: true, fields: [{ name: 'items', number: 1, type: 'string', repeated: true }] },
};
const set = new SchemaSet([test]);

describe('protobuf schemas', () => {
  it('has no dangling types', () => {
    expect(set.check()).toEqual([]);
    expect(new SchemaSet([{ 'x.A': { fields: [{ name: 'b', number: 1, type: 'x.Missing' }] } }]).check()).toEqual([
      'x.A.b: unknown type x.Missing',
    ]);
  });

  it('round-trips every kind of field', () => {
    const obj = {
      name: 'n',
      note: 'hello',
      count: -5,
      replicas: 0,
      big: 1234567890123,
      on: true,
      tags: ['a', 'b'],
      labels: { b: '2', a: '1' },
      data: { k: Buffer.from([0, 1, 255]).toString('base64') },
      sub: { value: 'v' },
      subs: [{ value: 'x' }, {}],
      path: '/inline',
      when: '2024-05-01T10:20:30Z',
      port: 'http',
      maxSurge: 0,
      limits: { cpu: '500m', memory: '128Mi' },
      numbers: [1, -1, 300],
      verbs: ['get', 'list'],
      raw: Buffer.from('raw').toString('base64'),
      ratio: 0.25,
    };
    const decoded = set.decode('test.Thing', set.encode('test.Thing', obj));
    expect(decoded).toEqual({ ...obj, labels: { a: '1', b: '2' } });
    // JSON key order is the schema's (Go's struct order), inline fields in place
    expect(Object.keys(decoded as object).slice(0, 12)).toEqual([
      'name', 'note', 'count', 'replicas', 'big', 'on', 'tags', 'labels', 'data', 'sub', 'subs', 'path',
    ]);
  });

  it('writes non-pointer fields even when empty, as gogo-protobuf does, and sorts map keys', () => {
    const b = set.encode('test.Thing', { labels: { z: '', a: 'x' } });
    expect(hex(b)).toBe(
      [
        '0a00', // name ""
        '1200', // note ""
        '1800', // count 0
        '2800', // big 0
        '3000', // on false
        '4206' + '0a0161' + '120178', // labels a=x
        '4205' + '0a017a' + '1200', // labels z=""
        '5202' + '0a00', // sub {value ""}
        '6202' + '0a00', // the inline struct {path ""}
        '6a00', // when: a zero Time writes nothing inside
        '7206' + '0800' + '1000' + '1a00', // port: the zero IntOrString
        'a101' + '0000000000000000', // ratio 0 (fixed64); a nil named slice (verbs) is not written
      ].join(''),
    );
  });

  it('leaves out zero omitempty scalars read from the wire, but keeps pointers and non-omitempty ones', () => {
    const decoded = set.decode('test.Thing', set.encode('test.Thing', { replicas: 0 }));
    expect(decoded).toEqual({ name: '', replicas: 0, sub: {} });
  });

  it('reads an omitempty IntOrString or Quantity at its zero value as unset', () => {
    expect(set.decode('test.Thing', set.encode('test.Thing', { port: 0 }))).not.toHaveProperty('port');
    expect(set.decode('test.Thing', set.encode('test.Thing', { maxSurge: 0 }))).toHaveProperty('maxSurge', 0);
    expect(set.decode('test.Thing', set.encode('test.Thing', { maxSurge: '25%' }))).toHaveProperty('maxSurge', '25%');
  });

  it('skips fields it does not know', () => {
    const known = set.encode('test.Thing', { name: 'n' });
    const future = new Writer().tag(99, WireType.Bytes).string('from a newer client').tag(98, WireType.Varint).uint32(7).finish();
    expect(set.decode('test.Thing', Buffer.concat([known, future]))).toMatchObject({ name: 'n' });
  });

  it('reads packed repeated numbers as well as unpacked ones', () => {
    const packed = new Writer().bytes(new Writer().uint32(1).uint32(2).uint32(3).finish()).finish();
    const b = Buffer.concat([new Writer().tag(17, WireType.Bytes).finish(), packed]);
    expect(set.decode('test.Thing', b)).toMatchObject({ numbers: [1, 2, 3] });
  });

  it('merges a message field that occurs twice', () => {
    const b = new Writer()
      .tag(10, WireType.Bytes)
      .bytes(new Writer().tag(1, WireType.Bytes).string('first').finish())
      .tag(10, WireType.Bytes)
      .bytes(new Writer().tag(1, WireType.Bytes).string('second').finish())
      .finish();
    expect(set.decode('test.Thing', b)).toMatchObject({ sub: { value: 'second' } });
  });

  it('names the field when a value has the wrong type', () => {
    expect(() => set.encode('test.Thing', { subs: [{ value: 3 }] })).toThrow('subs[0].value: expected a string, got number');
    expect(() => set.encode('test.Thing', { count: 1.5 })).toThrow('count: expected an integer');
    expect(() => set.encode('test.Thing', { count: 2 ** 31 })).toThrow('count: expected a 32-bit integer');
    expect(() => set.encode('test.Thing', { labels: ['a'] })).toThrow(ProtobufError);
  });

  it('rejects a wire type that does not match the field', () => {
    const b = new Writer().tag(3, WireType.Bytes).string('x').finish();
    expect(() => set.decode('test.Thing', b)).toThrow('wrong wireType = 2 for field count');
    expect(() => set.decode('test.Thing', Uint8Array.of(0x0a, 0x05, 0x61))).toThrow(/malformed test.Thing: unexpected EOF/);
  });
});

describe('metav1.Time, MicroTime and Duration', () => {
  it('formats and parses RFC 3339 as Go does', () => {
    expect(formatRFC3339(0n, 0, 0)).toBe('1970-01-01T00:00:00Z');
    expect(formatRFC3339(1714558830n, 123456789, 6)).toBe('2024-05-01T10:20:30.123456Z');
    expect(parseRFC3339('2024-05-01T12:20:30+02:00')).toEqual({ seconds: 1714558830n, nanos: 0 });
    expect(parseRFC3339('2024-05-01T10:20:30.5Z')).toEqual({ seconds: 1714558830n, nanos: 500000000 });
    expect(parseRFC3339('0001-01-01T00:00:00Z')).toEqual({ seconds: -62135596800n, nanos: 0 });
    expect(parseRFC3339('2024-02-30T00:00:00Z')).toBeUndefined();
    expect(parseRFC3339('yesterday')).toBeUndefined();
  });

  it('keeps whole seconds in a Time and microseconds in a MicroTime', () => {
    const s: MessageSchemas = {
      't.T': {
        fields: [
          { name: 't', number: 1, type: 'meta.v1.Time' },
          { name: 'm', number: 2, type: 'meta.v1.MicroTime' },
        ],
      },
    };
    const ts = new SchemaSet([s]);
    const out = ts.decode('t.T', ts.encode('t.T', { t: '2024-05-01T12:20:30.9+02:00', m: '2024-05-01T10:20:30.1234567Z' }));
    expect(out).toEqual({ t: '2024-05-01T10:20:30Z', m: '2024-05-01T10:20:30.123456Z' });
    // Go's zero time (null in JSON) reads as unset, whether empty or written out
    const zero = new Writer().tag(1, WireType.Bytes).bytes(new Writer().tag(1, WireType.Varint).int64(-62135596800n).tag(2, WireType.Varint).uint32(0).finish()).finish();
    expect(ts.decode('t.T', zero)).toEqual({});
    expect(() => ts.encode('t.T', { t: 'not a time' })).toThrow('t: expected an RFC 3339 time');
  });

  it('formats durations as Go time.Duration.String and parses them back', () => {
    const cases: [bigint, string][] = [
      [0n, '0s'],
      [1n, '1ns'],
      [1500n, '1.5µs'],
      [2_000_000n, '2ms'],
      [1_500_000_000n, '1.5s'],
      [90_000_000_000n, '1m30s'],
      [3_723_000_000_000n, '1h2m3s'],
      [3_600_000_000_000n, '1h0m0s'],
      [-5_000_000_000n, '-5s'],
    ];
    for (const [ns, s] of cases) {
      expect(formatGoDuration(ns)).toBe(s);
      expect(parseGoDuration(s)).toBe(ns);
    }
    expect(parseGoDuration('1.5h')).toBe(5_400_000_000_000n);
    expect(parseGoDuration('300us')).toBe(300_000n);
    expect(parseGoDuration('5')).toBeUndefined();
    expect(parseGoDuration('1d')).toBeUndefined();
  });
});
