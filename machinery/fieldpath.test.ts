import { describe, expect, it } from 'vitest';
import {
  aggregateFieldErrors, duplicate, fieldErrorBody, fieldErrorMessage, FieldPath, forbidden, internal, invalid,
  notFound, notSupported, OMIT_VALUE, renderBadValue, required, tooFew, tooLong, tooLongCharacters, tooMany,
  tooShort, typeInvalid, type FieldError,
} from './fieldpath.ts';

describe('FieldPath', () => {
  it.each([
    [FieldPath.root('root'), 'root'],
    [FieldPath.root('root').child('first'), 'root.first'],
    [FieldPath.root('root').child('first', 'second'), 'root.first.second'],
    [FieldPath.root('root').child('first').child('second').index(0), 'root.first.second[0]'],
    [FieldPath.root('root').child('first').child('second').index(0).child('third'), 'root.first.second[0].third'],
    [FieldPath.root('root').child('first').child('second').index(0).child('third').index(93), 'root.first.second[0].third[93]'],
    [FieldPath.root('root').child('first').child('second').index(0).key('key'), 'root.first.second[0][key]'],
    [FieldPath.root('root', 'first').child('second', 'third').index(0), 'root.first.second.third[0]'],
    [FieldPath.root('spec').child('containers').index(0).child('image'), 'spec.containers[0].image'],
    [FieldPath.root('metadata').child('labels').key('app'), 'metadata.labels[app]'],
    [FieldPath.root('metadata', 'annotations').key('example.com/a b'), 'metadata.annotations[example.com/a b]'],
    [FieldPath.root(), ''],
    [FieldPath.root().child('spec'), 'spec'],
    [FieldPath.root('data').key(''), 'data[]'],
  ])('renders %s as upstream field.Path does', (p, want) => {
    expect(p.toString()).toBe(want);
  });

  it('is immutable: deriving a child leaves the parent unchanged', () => {
    const spec = FieldPath.root('spec');
    spec.child('replicas');
    spec.index(3);
    expect(spec.toString()).toBe('spec');
  });
});

describe('field error messages (field.Error.Error)', () => {
  const p = FieldPath.root('path', 'to', 'field');
  const cases: [string, FieldError, string][] = [
    ['required with detail', required(p, 'the details'), 'path.to.field: Required value: the details'],
    ['required without detail', required(p), 'path.to.field: Required value'],
    ['forbidden', forbidden(p, 'the details'), 'path.to.field: Forbidden: the details'],
    ['tooLong with a max of 1 byte', tooLong(p, 'xx', 1), 'path.to.field: Too long: may not be more than 1 byte'],
    ['tooLong with a max of 2 bytes', tooLong(p, 'xxx', 2), 'path.to.field: Too long: may not be more than 2 bytes'],
    ['tooLong with no max', tooLong(p, 'xxx', -1), 'path.to.field: Too long: value is too long'],
    ['tooLongCharacters', tooLongCharacters(p, 'xxx', 2), 'path.to.field: Too long: may not be more than 2 characters'],
    ['tooMany with a max of 1 item', tooMany(p, 2, 1), 'path.to.field: Too many: 2: must have at most 1 item'],
    ['tooMany with a max of 2 items', tooMany(p, 3, 2), 'path.to.field: Too many: 3: must have at most 2 items'],
    ['tooMany with no max', tooMany(p, 2, -1), 'path.to.field: Too many: 2: has too many items'],
    ['tooMany with an unknown count', tooMany(p, -1, 1), 'path.to.field: Too many: must have at most 1 item'],
    ['tooFew', tooFew(p, 0, 1), 'path.to.field: Too few: 0: must have at least 1 item'],
    ['tooShort', tooShort(p, 'a', 2), 'path.to.field: Too short: must be at least 2 characters'],
    ['internal', internal(p, new Error('the error')), 'path.to.field: Internal error: the error'],
    ['invalid string', invalid(p, 'the value', 'the details'), 'path.to.field: Invalid value: "the value": the details'],
    ['invalid negative int', invalid(p, -42, 'the details'), 'path.to.field: Invalid value: -42: the details'],
    ['invalid bool', invalid(p, true, 'the details'), 'path.to.field: Invalid value: true: the details'],
    ['invalid object', invalid(p, { stringField: 'stringval', intField: 9376, boolField: true }, 'the details'),
      'path.to.field: Invalid value: {"stringField":"stringval","intField":9376,"boolField":true}: the details'],
    ['invalid list', invalid(p, ['one', 'two', 'three'], 'the details'), 'path.to.field: Invalid value: ["one","two","three"]: the details'],
    ['invalid null', invalid(p, null, 'the details'), 'path.to.field: Invalid value: null: the details'],
    ['invalid undefined', invalid(p, undefined, 'the details'), 'path.to.field: Invalid value: null: the details'],
    ['invalid without detail', invalid(p, 'x', ''), 'path.to.field: Invalid value: "x"'],
    ['typeInvalid', typeInvalid(p, 'the value', 'the details'), 'path.to.field: Invalid value: "the value": the details'],
    ['notFound', notFound(p, 'the value'), 'path.to.field: Not found: "the value"'],
    ['notSupported', notSupported(p, 'the value', ['val1', 'val2']), 'path.to.field: Unsupported value: "the value": supported values: "val1", "val2"'],
    ['notSupported with no valid values', notSupported(p, 'the value', []), 'path.to.field: Unsupported value: "the value"'],
    ['duplicate', duplicate(p, 'the value'), 'path.to.field: Duplicate value: "the value"'],
    ['replicas below zero', invalid(FieldPath.root('spec', 'replicas'), -1, 'must be greater than or equal to 0'),
      'spec.replicas: Invalid value: -1: must be greater than or equal to 0'],
    ['a missing name', required(FieldPath.root('metadata', 'name'), 'name or generateName is required'),
      'metadata.name: Required value: name or generateName is required'],
    ['an unsupported restart policy', notSupported(FieldPath.root('spec', 'restartPolicy'), 'Sometimes', ['Always', 'Never', 'OnFailure']),
      'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "Never", "OnFailure"'],
  ];
  it.each(cases)('%s', (_name, err, want) => {
    expect(fieldErrorMessage(err)).toBe(want);
  });

  it('gives the body without the field for Status causes', () => {
    expect(fieldErrorBody(invalid('spec.replicas', -1, 'must be greater than or equal to 0')))
      .toBe('Invalid value: -1: must be greater than or equal to 0');
  });

  it('reports an unknown type as an internal error, as upstream does', () => {
    const e = { type: 'not real', field: 'path.to.field', detail: 'the details' } as unknown as FieldError;
    expect(fieldErrorMessage(e)).toBe('path.to.field: Internal error: unhandled error code: <unknown error "not real">: please report this: the details');
  });

  it('carries the type, field, value and detail as data', () => {
    expect(invalid(FieldPath.root('a'), 3, 'bad')).toEqual({ type: 'FieldValueInvalid', field: 'a', badValue: 3, detail: 'bad' });
    expect(required('b')).toEqual({ type: 'FieldValueRequired', field: 'b', badValue: '' });
    expect(tooMany('c', -1, 4).badValue).toBe(OMIT_VALUE);
  });
});

describe('bad value rendering', () => {
  it.each<[unknown, string]>([
    ['plain', '"plain"'],
    ['with "quotes" and \\', '"with \\"quotes\\" and \\\\"'],
    ['tab\tnew\nline', '"tab\\tnew\\nline"'],
    ['\x00\x7f', '"\\x00\\x7f"'],
    ['héllo ☃', '"héllo ☃"'],
    ['\u200b', '"\\u200b"'],
    [0, '0'],
    [65536, '65536'],
    [-3, '-3'],
    [0.5, '0.5'],
    [1.25e-7, '1.25e-07'],
    [1234567.5, '1.2345675e+06'],
    [123456.5, '123456.5'],
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, '+Inf'],
    [12345678901234567890n, '12345678901234567890'],
    [false, 'false'],
    [null, 'null'],
    [{ a: '<b>&' }, '{"a":"\\u003cb\\u003e\\u0026"}'],
    [[1, 'x'], '[1,"x"]'],
  ])('renders %s as Go prints it', (v, want) => {
    expect(renderBadValue(v)).toBe(want);
  });
});

describe('aggregated errors (ErrorList.ToAggregate)', () => {
  const a = invalid('a', 1, 'bad');
  const b = required('b');
  it('is empty for no errors', () => expect(aggregateFieldErrors([])).toBe(''));
  it('is the message itself for one error', () => expect(aggregateFieldErrors([a])).toBe('a: Invalid value: 1: bad'));
  it('brackets several errors', () => expect(aggregateFieldErrors([a, b])).toBe('[a: Invalid value: 1: bad, b: Required value]'));
  it('drops duplicate messages, leaving one unbracketed', () => expect(aggregateFieldErrors([a, { ...a }])).toBe('a: Invalid value: 1: bad'));
  it('keeps first-seen order when dropping duplicates', () => {
    expect(aggregateFieldErrors([b, a, b])).toBe('[b: Required value, a: Invalid value: 1: bad]');
  });
});
