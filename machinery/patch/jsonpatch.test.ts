import { describe, expect, it } from 'vitest';
import { PatchError, applyJsonPatch } from './jsonpatch.ts';

interface Case {
  name: string;
  doc: unknown;
  ops: unknown;
  want: unknown;
}

// RFC 6902 appendix A, then what evanphx/json-patch.v4 (kube-apiserver's library) adds.
const applies: Case[] = [
  {
    name: 'A.1 adds an object member',
    doc: { foo: 'bar' },
    ops: [{ op: 'add', path: '/baz', value: 'qux' }],
    want: { baz: 'qux', foo: 'bar' },
  },
  {
    name: 'A.2 adds an array element',
    doc: { foo: ['bar', 'baz'] },
    ops: [{ op: 'add', path: '/foo/1', value: 'qux' }],
    want: { foo: ['bar', 'qux', 'baz'] },
  },
  {
    name: 'A.3 removes an object member',
    doc: { baz: 'qux', foo: 'bar' },
    ops: [{ op: 'remove', path: '/baz' }],
    want: { foo: 'bar' },
  },
  {
    name: 'A.4 removes an array element',
    doc: { foo: ['bar', 'qux', 'baz'] },
    ops: [{ op: 'remove', path: '/foo/1' }],
    want: { foo: ['bar', 'baz'] },
  },
  {
    name: 'A.5 replaces a value',
    doc: { baz: 'qux', foo: 'bar' },
    ops: [{ op: 'replace', path: '/baz', value: 'boo' }],
    want: { baz: 'boo', foo: 'bar' },
  },
  {
    name: 'A.6 moves a value',
    doc: { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } },
    ops: [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }],
    want: { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } },
  },
  {
    name: 'A.7 moves an array element',
    doc: { foo: ['all', 'grass', 'cows', 'eat'] },
    ops: [{ op: 'move', from: '/foo/1', path: '/foo/3' }],
    want: { foo: ['all', 'cows', 'eat', 'grass'] },
  },
  {
    name: 'A.8 test passes',
    doc: { baz: 'qux', foo: ['a', 2, 'c'] },
    ops: [
      { op: 'test', path: '/baz', value: 'qux' },
      { op: 'test', path: '/foo/1', value: 2 },
    ],
    want: { baz: 'qux', foo: ['a', 2, 'c'] },
  },
  {
    name: 'A.10 adds a nested member object',
    doc: { foo: 'bar' },
    ops: [{ op: 'add', path: '/child', value: { grandchild: {} } }],
    want: { foo: 'bar', child: { grandchild: {} } },
  },
  {
    name: 'A.11 ignores unrecognized members of an operation',
    doc: { foo: 'bar' },
    ops: [{ op: 'add', path: '/baz', value: 'qux', xyz: 123 }],
    want: { foo: 'bar', baz: 'qux' },
  },
  {
    name: 'A.14 unescapes ~0 and ~1',
    doc: { '/': 9, '~1': 10 },
    ops: [{ op: 'test', path: '/~01', value: 10 }],
    want: { '/': 9, '~1': 10 },
  },
  {
    name: 'A.16 adds an array value',
    doc: { foo: ['bar'] },
    ops: [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }],
    want: { foo: ['bar', ['abc', 'def']] },
  },
  {
    name: 'adds under a key containing a slash (~1)',
    doc: { metadata: { annotations: {} } },
    ops: [{ op: 'add', path: '/metadata/annotations/example.com~1team', value: 'a' }],
    want: { metadata: { annotations: { 'example.com/team': 'a' } } },
  },
  {
    name: 'copies a value',
    doc: { foo: { bar: 1 } },
    ops: [{ op: 'copy', from: '/foo', path: '/baz' }],
    want: { foo: { bar: 1 }, baz: { bar: 1 } },
  },
  {
    name: 'copy inserts into an array',
    doc: { foo: ['bar', 'qux'], bar: ['baz'] },
    ops: [{ op: 'copy', from: '/foo/0', path: '/bar/0' }],
    want: { foo: ['bar', 'qux'], bar: ['bar', 'baz'] },
  },
  {
    name: 'replaces the whole document with path ""',
    doc: { foo: 'bar' },
    ops: [{ op: 'replace', path: '', value: { baz: 'qux' } }],
    want: { baz: 'qux' },
  },
  {
    name: 'tests the whole document with path ""',
    doc: { foo: 'bar' },
    ops: [{ op: 'test', path: '', value: { foo: 'bar' } }],
    want: { foo: 'bar' },
  },
  {
    name: 'a negative index counts from the end (evanphx extension)',
    doc: { foo: ['a', 'b', 'c'] },
    ops: [{ op: 'remove', path: '/foo/-1' }],
    want: { foo: ['a', 'b'] },
  },
  {
    name: 'add at -1 appends (negative index over len+1)',
    doc: { foo: ['a'] },
    ops: [{ op: 'add', path: '/foo/-1', value: 'z' }],
    want: { foo: ['a', 'z'] },
  },
  {
    name: 'replace of a missing object member adds it (v4 behaviour)',
    doc: { foo: 'bar' },
    ops: [{ op: 'replace', path: '/baz', value: 'qux' }],
    want: { foo: 'bar', baz: 'qux' },
  },
  {
    name: 'copy from a missing member copies null',
    doc: { foo: {} },
    ops: [{ op: 'copy', from: '/foo/nope', path: '/bar' }],
    want: { foo: {}, bar: null },
  },
  {
    name: 'add without a value adds null',
    doc: {},
    ops: [{ op: 'add', path: '/a' }],
    want: { a: null },
  },
  {
    name: 'test of a missing member against null passes',
    doc: { foo: 1 },
    ops: [{ op: 'test', path: '/bar', value: null }],
    want: { foo: 1 },
  },
  {
    name: 'test of a null member without a value passes',
    doc: { foo: null },
    ops: [{ op: 'test', path: '/foo' }],
    want: { foo: null },
  },
  {
    name: 'test compares objects regardless of key order',
    doc: { spec: { a: 1, b: [1, { c: 2 }] } },
    ops: [{ op: 'test', path: '/spec', value: { b: [1, { c: 2 }], a: 1 } }],
    want: { spec: { a: 1, b: [1, { c: 2 }] } },
  },
  {
    name: 'kubectl scale style: test then replace replicas',
    doc: { spec: { replicas: 1 } },
    ops: [
      { op: 'test', path: '/spec/replicas', value: 1 },
      { op: 'replace', path: '/spec/replicas', value: 3 },
    ],
    want: { spec: { replicas: 3 } },
  },
  {
    name: 'a null patch is no operations',
    doc: { a: 1 },
    ops: null,
    want: { a: 1 },
  },
  {
    name: 'removes a label via an escaped key',
    doc: { metadata: { labels: { 'app.kubernetes.io/name': 'web', tier: 'fe' } } },
    ops: [{ op: 'remove', path: '/metadata/labels/app.kubernetes.io~1name' }],
    want: { metadata: { labels: { tier: 'fe' } } },
  },
  {
    name: 'keeps "__proto__" as data',
    doc: {},
    ops: [{ op: 'add', path: '/__proto__', value: { polluted: true } }],
    want: JSON.parse('{"__proto__":{"polluted":true}}'),
  },
];

interface ErrCase {
  name: string;
  doc: unknown;
  ops: unknown;
  code: number;
  message?: string;
  detail: string;
}

const GENERIC_422 = 'the server rejected our request due to an error in our request';

const failures: ErrCase[] = [
  {
    name: 'A.9 a failed test',
    doc: { baz: 'qux' },
    ops: [{ op: 'test', path: '/baz', value: 'bar' }],
    code: 422,
    detail: 'testing value /baz failed: test failed',
  },
  {
    name: 'A.12 add to a nonexistent target',
    doc: { foo: 'bar' },
    ops: [{ op: 'add', path: '/baz/bat', value: 'qux' }],
    code: 422,
    detail: 'add operation does not apply: doc is missing path: "/baz/bat": missing value',
  },
  {
    name: 'A.15 comparing strings and numbers',
    doc: { '/': 9, '~1': 10 },
    ops: [{ op: 'test', path: '/~01', value: '10' }],
    code: 422,
    detail: 'testing value /~01 failed: test failed',
  },
  {
    name: 'remove of a missing member',
    doc: { a: { b: { d: 1 } } },
    ops: [{ op: 'remove', path: '/a/b/c' }],
    code: 422,
    detail: "error in remove for path: '/a/b/c': Unable to remove nonexistent key: c: missing value",
  },
  {
    name: 'remove past the end of a list',
    doc: { a: { b: [1] } },
    ops: [{ op: 'remove', path: '/a/b/1' }],
    code: 422,
    detail: "error in remove for path: '/a/b/1': Unable to access invalid index: 1: invalid index referenced",
  },
  {
    name: 'move from a missing member names the key',
    doc: { a: { b: { d: 1 } } },
    ops: [{ op: 'move', from: '/a/b/c', path: '/a/b/e' }],
    code: 422,
    detail: "error in move for path: 'c': Unable to remove nonexistent key: c: missing value",
  },
  {
    name: 'add without a path',
    doc: { foo: 'bar' },
    ops: [{ op: 'add', pathz: '/baz', value: 'qux' }],
    code: 422,
    detail: 'add operation failed to decode path: missing value',
  },
  {
    name: 'add at the root',
    doc: { foo: 'bar' },
    ops: [{ op: 'add', path: '', value: 'qux' }],
    code: 422,
    detail: 'add operation does not apply: doc is missing path: "": missing value',
  },
  {
    name: 'replace past the end of a list',
    doc: { foo: ['bar', 'baz'] },
    ops: [{ op: 'replace', path: '/foo/2', value: 'bum' }],
    code: 422,
    detail: 'replace operation does not apply: doc is missing key: /foo/2: missing value',
  },
  {
    name: 'add before the start of a list',
    doc: { foo: ['bar', 'baz'] },
    ops: [{ op: 'add', path: '/foo/-4', value: 'bum' }],
    code: 422,
    detail: "error in add for path: '/foo/-4': Unable to access invalid index: -4: invalid index referenced",
  },
  {
    name: 'remove with "-"',
    doc: { foo: [] },
    ops: [{ op: 'remove', path: '/foo/-' }],
    code: 422,
    detail: 'error in remove for path: \'/foo/-\': strconv.Atoi: parsing "-": invalid syntax',
  },
  {
    name: 'add with a non-numeric index',
    doc: { foo: [] },
    ops: [{ op: 'add', path: '/foo/x', value: 1 }],
    code: 422,
    detail: 'error in add for path: \'/foo/x\': value was not a proper array index: \'x\': strconv.Atoi: parsing "x": invalid syntax',
  },
  {
    name: 'an unknown op',
    doc: {},
    ops: [{ op: 'merge', path: '/a' }],
    code: 422,
    detail: 'Unexpected kind: merge',
  },
  {
    name: 'an op that is not a string',
    doc: {},
    ops: [{ op: null, path: '' }],
    code: 422,
    detail: 'Unexpected kind: unknown',
  },
  {
    name: 'copy without from',
    doc: {},
    ops: [{ op: 'copy', from: null }],
    code: 422,
    detail: 'copy operation failed to decode from: operation, missing from field: missing value',
  },
  {
    name: 'copy past the end of a list',
    doc: { foo: ['bar'] },
    ops: [{ op: 'copy', path: '/foo/2', from: '/foo/0' }],
    code: 422,
    detail: "error while adding value during copy: Unable to access invalid index: 2: invalid index referenced",
  },
  {
    name: 'move to the end of a list is out of range',
    doc: { foo: ['all', 'grass', 'cows', 'eat'] },
    ops: [{ op: 'move', from: '/foo/1', path: '/foo/4' }],
    code: 422,
    detail: "error in move for path: '/foo/4': Unable to access invalid index: 4: invalid index referenced",
  },
  {
    name: 'replace of the root with a scalar',
    doc: { a: 1 },
    ops: [{ op: 'replace', path: '', value: 1 }],
    code: 422,
    detail: 'replace operation value must be object or array: %!w(<nil>)',
  },
  {
    name: 'traversing through a scalar',
    doc: { a: 'x' },
    ops: [{ op: 'add', path: '/a/b', value: 1 }],
    code: 422,
    detail: 'add operation does not apply: doc is missing path: "/a/b": missing value',
  },
  {
    name: 'traversing through null',
    doc: { a: null },
    ops: [{ op: 'replace', path: '/a/b', value: 1 }],
    code: 422,
    detail: 'replace operation does not apply: doc is missing path: /a/b: missing value',
  },
  {
    name: 'test without a value against a present member',
    doc: { a: 1 },
    ops: [{ op: 'test', path: '/a' }],
    code: 422,
    detail: 'testing value /a failed: test failed',
  },
  {
    name: 'kubectl scale style: stale replicas',
    doc: { spec: { replicas: 2 } },
    ops: [
      { op: 'test', path: '/spec/replicas', value: 1 },
      { op: 'replace', path: '/spec/replicas', value: 3 },
    ],
    code: 422,
    detail: 'testing value /spec/replicas failed: test failed',
  },
  {
    name: 'a body that is an object is 400',
    doc: {},
    ops: { op: 'add', path: '/a', value: 1 },
    code: 400,
    message: 'json: cannot unmarshal object into Go value of type jsonpatch.Patch',
    detail: 'json: cannot unmarshal object into Go value of type jsonpatch.Patch',
  },
  {
    name: 'an operation that is not an object is 400',
    doc: {},
    ops: [1],
    code: 400,
    message: 'json: cannot unmarshal number into Go value of type jsonpatch.Operation',
    detail: 'json: cannot unmarshal number into Go value of type jsonpatch.Operation',
  },
];

function catchPatch(fn: () => unknown): PatchError {
  try {
    fn();
  } catch (e) {
    if (e instanceof PatchError) return e;
    throw e;
  }
  throw new Error('expected a PatchError');
}

describe('applyJsonPatch', () => {
  it.each(applies)('$name', ({ doc, ops, want }) => {
    expect(applyJsonPatch(doc, ops)).toStrictEqual(want);
  });

  it.each(failures)('rejects: $name', ({ doc, ops, code, message, detail }) => {
    const err = catchPatch(() => applyJsonPatch(doc, ops));
    expect(err.code).toBe(code);
    expect(err.message).toBe(message ?? GENERIC_422);
    expect(err.detail).toBe(detail);
  });

  it('answers a failed patch with upstream 422 Status: reason Invalid, generic message, empty details', () => {
    const err = catchPatch(() => applyJsonPatch({ a: 1 }, [{ op: 'test', path: '/a', value: 2 }]));
    expect(err.toStatus()).toStrictEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'the server rejected our request due to an error in our request',
      reason: 'Invalid',
      details: {},
      code: 422,
    });
  });

  it('never modifies the document or the operations', () => {
    const doc = { spec: { list: [1, 2], obj: { a: 1 } } };
    const ops = [
      { op: 'add', path: '/spec/list/-', value: { x: [1] } },
      { op: 'remove', path: '/spec/obj/a' },
      { op: 'move', from: '/spec/list/0', path: '/spec/first' },
    ];
    const docCopy = structuredClone(doc);
    const opsCopy = structuredClone(ops);
    const out = applyJsonPatch(doc, ops) as { spec: { list: unknown[] } };
    expect(doc).toStrictEqual(docCopy);
    expect(ops).toStrictEqual(opsCopy);
    // the added value is a copy, not the operation's own object
    (out.spec.list[1] as { x: number[] }).x.push(2);
    expect(ops[0]!.value).toStrictEqual({ x: [1] });
  });

  it('leaves the document untouched when a later operation fails', () => {
    const doc = { a: 1 };
    expect(() =>
      applyJsonPatch(doc, [
        { op: 'add', path: '/b', value: 2 },
        { op: 'test', path: '/a', value: 3 },
      ]),
    ).toThrow(PatchError);
    expect(doc).toStrictEqual({ a: 1 });
  });

  it('refuses more than 10000 operations with 413', () => {
    const ops = Array.from({ length: 10001 }, () => ({ op: 'test', path: '/a', value: 1 }));
    const err = catchPatch(() => applyJsonPatch({ a: 1 }, ops));
    expect(err.code).toBe(413);
    expect(err.reason).toBe('RequestEntityTooLarge');
    expect(err.message).toBe(
      'Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001',
    );
    expect(applyJsonPatch({ a: 1 }, ops.slice(0, 10000))).toStrictEqual({ a: 1 });
  });

  it('limits the bytes copy operations add (JSONPatchMaxCopyBytes)', () => {
    const doc = { foo: ['A', 'A'.repeat(49)] };
    const ops = [
      { op: 'copy', path: '/foo/-', from: '/foo/1' },
      { op: 'copy', path: '/foo/-', from: '/foo/1' },
    ];
    const err = catchPatch(() => applyJsonPatch(doc, ops, { maxCopyBytes: 100 }));
    expect(err.code).toBe(422);
    expect(err.detail).toBe(
      'Unable to complete the copy, the accumulated size increase of copy is 102, exceeding the limit 100',
    );
    expect(applyJsonPatch(doc, ops.slice(0, 1), { maxCopyBytes: 100 })).toStrictEqual({
      foo: ['A', 'A'.repeat(49), 'A'.repeat(49)],
    });
  });
});
