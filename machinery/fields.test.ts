import { describe, expect, it } from 'vitest';
import { isStatusError } from './errors.ts';
import {
  checkFieldSelector, escapeValue, everythingFields, fieldSelectorFromSet, nothingFields, parseFieldSelector, unescapeValue,
} from './fields.ts';

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('fields.ParseSelector', () => {
  it.each<[string, string]>([
    ['', ''],
    ['x=a,y=b,z=c', 'x=a,y=b,z=c'],
    ['x!=a,y=b', 'x!=a,y=b'],
    ['x=a||y\\=b', 'x=a||y\\=b'],
    ['x=a\\=\\=b', 'x=a\\=\\=b'],
    ['x==a', 'x=a'],
    ['x=a,a=x', 'a=x,x=a'],
    ['a=x,x=a', 'a=x,x=a'],
    ['metadata.name=web', 'metadata.name=web'],
    ['spec.nodeName=,status.phase!=Failed', 'spec.nodeName=,status.phase!=Failed'],
    ['a=a,', 'a=a'],
    [',a=a', 'a=a'],
    [',,', ''],
    ['k=\\,,k2=v2', 'k2=v2,k=\\,'],
    ['k=\\\\,k2=v2', 'k2=v2,k=\\\\'],
    ['k=\\\\\\,,k2=v2', 'k2=v2,k=\\\\\\,'],
    ['함=수,목=록', '목=록,함=수'],
    ['a b=c d', 'a b=c d'],
    ['=x', '=x'],
    ['x!=', 'x!='],
  ])('parses %j and prints it back as %j', (input, canonical) => {
    expect(parseFieldSelector(input).toString()).toBe(canonical);
  });

  it('unescapes values and reads == as =', () => {
    expect(parseFieldSelector('k=\\\\\\,\\=,b==c,d!=e').requirements).toEqual([
      { field: 'b', op: '=', value: 'c' },
      { field: 'd', op: '!=', value: 'e' },
      { field: 'k', op: '=', value: '\\,=' },
    ]);
  });

  it('splits each term at its first operator', () => {
    expect(parseFieldSelector('a!=b\\=c').requirements).toEqual([{ field: 'a', op: '!=', value: 'b=c' }]);
    expect(parseFieldSelector('k=\\=').requirements).toEqual([{ field: 'k', op: '=', value: '=' }]);
  });

  it.each<[string, string]>([
    ['x=a||y=b', 'invalid field selector: unescaped character in value: 61'],
    ['x==a==b', 'invalid field selector: unescaped character in value: 61'],
    ['x=a,b', "invalid selector: 'x=a,b'; can't understand 'b'"],
    ['x in (a)', "invalid selector: 'x in (a)'; can't understand 'x in (a)'"],
    ['x in (a,b,c)', "invalid selector: 'x in (a,b,c)'; can't understand 'b'"],
    ['x', "invalid selector: 'x'; can't understand 'x'"],
    ['k=\\', 'invalid field selector: invalid escape sequence: \\'],
    ['k=\\a', 'invalid field selector: invalid escape sequence: \\a'],
    ['k=\\\\\\', 'invalid field selector: invalid escape sequence: \\'],
    ['a=b,c>d', "invalid selector: 'a=b,c>d'; can't understand 'c>d'"],
  ])('rejects %j with 400 BadRequest', (input, message) => {
    const e = thrownBy(() => parseFieldSelector(input));
    expect(isStatusError(e, 'BadRequest')).toBe(true);
    expect((e as Error).message).toBe(message);
  });
});

describe('escaping', () => {
  it.each([
    ['', ''],
    ['a', 'a'],
    ['=', '\\='],
    [',', '\\,'],
    ['\\', '\\\\'],
    ['\\=\\,\\', '\\\\\\=\\\\\\,\\\\'],
  ])('escapes %j as %j and back', (raw, escaped) => {
    expect(escapeValue(raw)).toBe(escaped);
    expect(unescapeValue(escaped)).toBe(raw);
  });
});

describe('Selector.Matches', () => {
  const fieldset = { foo: 'bar', baz: 'blah', complex: '=value\\,\\' };
  it.each<[string, Record<string, string>]>([
    ['', { x: 'y' }],
    ['x=y', { x: 'y' }],
    ['x=y,z=w', { x: 'y', z: 'w' }],
    ['x!=y,z!=w', { x: 'z', z: 'a' }],
    ['notin=in', { notin: 'in' }],
    ['foo=bar', fieldset],
    ['baz=blah', fieldset],
    ['foo=bar,baz=blah', fieldset],
    ['foo=bar,baz=blah,complex=\\=value\\\\\\,\\\\', fieldset],
    ['missing=', fieldset],
    ['missing!=x', fieldset],
  ])('%j matches', (sel, fields) => expect(parseFieldSelector(sel).matches(fields)).toBe(true));

  it.each<[string, Record<string, string>]>([
    ['x=y', { x: 'z' }],
    ['x=y,z=w', { x: 'w', z: 'w' }],
    ['x!=y,z!=w', { x: 'z', z: 'w' }],
    ['foo=blah', fieldset],
    ['baz=bar', fieldset],
    ['foo=bar,foobar=bar,baz=blah', fieldset],
    ['missing!=', fieldset],
    ['toString=x', {}],
  ])('%j does not match', (sel, fields) => expect(parseFieldSelector(sel).matches(fields)).toBe(false));

  it('Everything matches and is empty; Nothing matches nothing', () => {
    expect(everythingFields().matches({ x: 'y' })).toBe(true);
    expect(everythingFields().empty()).toBe(true);
    expect(nothingFields().matches({})).toBe(false);
    expect(nothingFields().empty()).toBe(false);
  });

  it('SelectorFromSet requires each field exactly', () => {
    const labelset = { foo: 'bar', baz: 'blah' };
    expect(fieldSelectorFromSet({}).matches(labelset)).toBe(true);
    expect(fieldSelectorFromSet({ foo: 'bar', baz: 'blah' }).matches(labelset)).toBe(true);
    expect(fieldSelectorFromSet({ foo: '=blah' }).matches(labelset)).toBe(false);
    expect(fieldSelectorFromSet({ foo: '=bar', foobar: 'bar', baz: 'blah' }).matches(labelset)).toBe(false);
  });

  it('RequiresExactMatch reports an = term only', () => {
    expect(parseFieldSelector('metadata.name=web').requiresExactMatch('metadata.name')).toBe('web');
    expect(parseFieldSelector('metadata.name=').requiresExactMatch('metadata.name')).toBe('');
    expect(parseFieldSelector('metadata.name!=web').requiresExactMatch('metadata.name')).toBeUndefined();
    expect(parseFieldSelector('a=b').requiresExactMatch('metadata.name')).toBeUndefined();
    expect(parseFieldSelector('').requiresExactMatch('metadata.name')).toBeUndefined();
  });
});

describe('field label conversion (which fields a resource supports)', () => {
  const pods = { group: '', resource: 'pods' };
  const podFields = ['metadata.name', 'metadata.namespace', 'spec.nodeName', 'status.phase'];

  it('accepts supported fields', () => {
    expect(() => checkFieldSelector(parseFieldSelector('spec.nodeName=n1,status.phase!=Failed'), podFields, pods)).not.toThrow();
    expect(() => checkFieldSelector(parseFieldSelector(''), [], pods)).not.toThrow();
  });

  it('refuses an unsupported field as registered conversions and custom resources do', () => {
    const e = thrownBy(() => checkFieldSelector(parseFieldSelector('spec.foo=x'), podFields, pods));
    expect(isStatusError(e, 'BadRequest')).toBe(true);
    expect((e as Error).message).toBe('field label not supported: spec.foo');
  });

  it('reports the first unsupported field in sorted order', () => {
    const e = thrownBy(() => checkFieldSelector(parseFieldSelector('z.b=1,a.b=2,metadata.name=x'), podFields, pods));
    expect((e as Error).message).toBe('field label not supported: a.b');
  });

  it('uses the default conversion text for resources that register none', () => {
    const e = thrownBy(() => checkFieldSelector(parseFieldSelector('spec.foo=x'), ['metadata.name', 'metadata.namespace'],
      { group: '', resource: 'configmaps' }, { unsupportedMessage: 'notKnown' }));
    expect((e as Error).message).toBe('"spec.foo" is not a known field selector: only "metadata.name", "metadata.namespace"');
  });
});
