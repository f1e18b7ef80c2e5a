import { describe, expect, it } from 'vitest';
import { PatchError } from './errors.ts';
import { applyMergePatch, createMergePatch } from './mergepatch.ts';

interface Case {
  name: string;
  doc: unknown;
  patch: unknown;
  want: unknown;
}

// RFC 7386 appendix A (object-patch rows), then kube-apiserver cases.
const applies: Case[] = [
  { name: 'replaces a member', doc: { a: 'b' }, patch: { a: 'c' }, want: { a: 'c' } },
  { name: 'adds a member', doc: { a: 'b' }, patch: { b: 'c' }, want: { a: 'b', b: 'c' } },
  { name: 'null deletes a member', doc: { a: 'b' }, patch: { a: null }, want: {} },
  { name: 'null deletes one of two', doc: { a: 'b', b: 'c' }, patch: { a: null }, want: { b: 'c' } },
  { name: 'a list replaces a scalar', doc: { a: ['b'] }, patch: { a: 'c' }, want: { a: 'c' } },
  { name: 'a scalar replaces a list', doc: { a: 'c' }, patch: { a: ['b'] }, want: { a: ['b'] } },
  {
    name: 'objects merge recursively',
    doc: { a: { b: 'c' } },
    patch: { a: { b: 'd', c: null } },
    want: { a: { b: 'd' } },
  },
  { name: 'lists are replaced whole', doc: { a: [{ b: 'c' }] }, patch: { a: [1] }, want: { a: [1] } },
  { name: 'list replaces list', doc: { a: ['a', 'b'] }, patch: { a: ['c', 'd'] }, want: { a: ['c', 'd'] } },
  { name: 'an object replaces a list', doc: { a: 'b' }, patch: { a: { b: 'c' } }, want: { a: { b: 'c' } } },
  { name: 'an empty patch changes nothing', doc: { a: 'b' }, patch: {}, want: { a: 'b' } },
  {
    name: 'nulls inside a new object are pruned',
    doc: { e: null },
    patch: { a: 1, b: { c: null, d: 1 } },
    want: { e: null, a: 1, b: { d: 1 } },
  },
  {
    name: 'a null member of the document is replaced by an object',
    doc: { title: null },
    patch: { title: { foo: 'bar' } },
    want: { title: { foo: 'bar' } },
  },
  {
    name: 'nulls inside a list value are kept',
    doc: { a: [{ b: 'c' }] },
    patch: { a: [null, 1] },
    want: { a: [null, 1] },
  },
  {
    name: 'kubectl label: sets one label, removes another',
    doc: { metadata: { name: 'web', labels: { app: 'web', tier: 'fe' } } },
    patch: { metadata: { labels: { tier: null, env: 'prod' } } },
    want: { metadata: { name: 'web', labels: { app: 'web', env: 'prod' } } },
  },
  {
    name: 'kubectl scale on the scale subresource',
    doc: { spec: { replicas: 1 }, status: { replicas: 1 } },
    patch: { spec: { replicas: 5 } },
    want: { spec: { replicas: 5 }, status: { replicas: 1 } },
  },
  {
    name: 'a merge patch replaces containers wholesale (no merge keys)',
    doc: { spec: { containers: [{ name: 'a', image: 'x' }] } },
    patch: { spec: { containers: [{ name: 'b', image: 'y' }] } },
    want: { spec: { containers: [{ name: 'b', image: 'y' }] } },
  },
  {
    name: 'a list patch replaces the document (the decode rejects it later)',
    doc: { a: 1 },
    patch: [{ a: null, b: 1 }],
    want: [{ b: 1 }],
  },
];

describe('applyMergePatch', () => {
  it.each(applies)('$name', ({ doc, patch, want }) => {
    expect(applyMergePatch(doc, patch)).toStrictEqual(want);
  });

  it.each([
    { name: 'null', patch: null },
    { name: 'a number', patch: 5 },
    { name: 'a string', patch: 'x' },
    { name: 'true', patch: true },
  ])('answers a patch that is $name with 400 Invalid JSON Patch', ({ patch }) => {
    let err: unknown;
    try {
      applyMergePatch({ a: 1 }, patch);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PatchError);
    expect((err as PatchError).code).toBe(400);
    expect((err as PatchError).reason).toBe('BadRequest');
    expect((err as PatchError).message).toBe('Invalid JSON Patch');
  });

  it('never modifies its arguments', () => {
    const doc = { a: { b: 1, c: [1] } };
    const patch = { a: { b: null, d: { e: null } } };
    const d = structuredClone(doc);
    const p = structuredClone(patch);
    expect(applyMergePatch(doc, patch)).toStrictEqual({ a: { c: [1], d: {} } });
    expect(doc).toStrictEqual(d);
    expect(patch).toStrictEqual(p);
  });

  it('keeps "__proto__" as data', () => {
    const out = applyMergePatch({}, JSON.parse('{"__proto__":{"x":1}}')) as Record<string, unknown>;
    expect(Object.keys(out)).toStrictEqual(['__proto__']);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });
});

describe('createMergePatch', () => {
  it.each([
    { name: 'no change', original: { a: 1 }, modified: { a: 1 }, want: {} },
    { name: 'a changed scalar', original: { a: 1, b: 2 }, modified: { a: 1, b: 3 }, want: { b: 3 } },
    { name: 'a removed member', original: { a: 1, b: 2 }, modified: { a: 1 }, want: { b: null } },
    { name: 'an added member', original: {}, modified: { a: { b: 1 } }, want: { a: { b: 1 } } },
    {
      name: 'a nested change',
      original: { m: { labels: { a: '1', b: '2' } } },
      modified: { m: { labels: { a: '1', c: '3' } } },
      want: { m: { labels: { b: null, c: '3' } } },
    },
    { name: 'a changed list', original: { l: [1, 2] }, modified: { l: [2, 1] }, want: { l: [2, 1] } },
    { name: 'an equal list', original: { l: [{ a: 1 }] }, modified: { l: [{ a: 1 }] }, want: {} },
    { name: 'a type change', original: { a: { b: 1 } }, modified: { a: 'x' }, want: { a: 'x' } },
    { name: 'null to value', original: { a: null }, modified: { a: 1 }, want: { a: 1 } },
  ])('$name', ({ original, modified, want }) => {
    const patch = createMergePatch(original, modified);
    expect(patch).toStrictEqual(want);
    expect(applyMergePatch(original, patch)).toStrictEqual(
      JSON.parse(JSON.stringify(modified, (_k, v: unknown) => v)),
    );
  });

  it('rejects anything but two objects', () => {
    expect(() => createMergePatch([], {})).toThrow(TypeError);
  });
});
