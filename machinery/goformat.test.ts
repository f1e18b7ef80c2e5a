import { describe, expect, it } from 'vitest';
import { byteLength, compareGoStrings, goFormatFloat, goJSON, goQuote, parseGoInt64 } from './goformat.ts';

describe('strconv.Quote', () => {
  it.each<[string, string]>([
    ['', '""'],
    ['abc', '"abc"'],
    ['a"b', '"a\\"b"'],
    ['a\\b', '"a\\\\b"'],
    ['\x07\b\f\n\r\t\v', '"\\a\\b\\f\\n\\r\\t\\v"'],
    ['\x01', '"\\x01"'],
    ['\x7f', '"\\x7f"'],
    ['\u00a0', '"\\u00a0"'],
    ['日本語', '"日本語"'],
    ['\u{1F600}', '"\u{1F600}"'],
    ['\u{E0001}', '"\\U000e0001"'],
    ['\ud800', '"\\ufffd"'],
  ])('quotes %j as %s', (s, want) => expect(goQuote(s)).toBe(want));
});

describe("strconv.FormatFloat(f, 'g', -1, 64)", () => {
  it.each<[number, string]>([
    [0.5, '0.5'], [1.5, '1.5'], [100000.5, '100000.5'], [1e6, '1e+06'], [1234567.5, '1.2345675e+06'],
    [0.0001, '0.0001'], [0.00001, '1e-05'], [-2.25, '-2.25'], [1e21, '1e+21'], [1.5e-300, '1.5e-300'],
    [123456.789, '123456.789'], [-0, '-0'],
  ])('formats %s as %s', (f, want) => expect(goFormatFloat(f)).toBe(want));
});

describe('encoding/json', () => {
  it('escapes HTML characters as Go does', () => {
    expect(goJSON({ a: '<x>&' })).toBe('{"a":"\\u003cx\\u003e\\u0026"}');
    expect(goJSON(['\u2028'])).toBe('["\\u2028"]');
    expect(goJSON(undefined)).toBeUndefined();
  });
});

describe('byte-oriented helpers', () => {
  it('counts UTF-8 bytes as len() does', () => {
    expect(byteLength('abc')).toBe(3);
    expect(byteLength('ā')).toBe(2);
    expect(byteLength('日本')).toBe(6);
  });

  it('orders strings bytewise as sort.Strings does', () => {
    expect(['b', 'B', 'a', 'k2=v', 'k=v'].sort(compareGoStrings)).toEqual(['B', 'a', 'b', 'k2=v', 'k=v']);
    expect(compareGoStrings('\uffff', '\u{10000}')).toBeLessThan(0);
  });

  it('parses int64 like strconv.ParseInt', () => {
    expect(parseGoInt64('42')).toBe(42n);
    expect(parseGoInt64('+7')).toBe(7n);
    expect(parseGoInt64('-9223372036854775808')).toBe(-9223372036854775808n);
    expect(parseGoInt64('9223372036854775808')).toBeUndefined();
    expect(parseGoInt64('1.0')).toBeUndefined();
    expect(parseGoInt64('')).toBeUndefined();
    expect(parseGoInt64(' 1')).toBeUndefined();
  });
});
