import { describe, expect, it } from 'vitest';
import {
  PatchError,
  acceptedPatchContentTypes,
  applyPatch,
  builtinPatchSchema,
  decodeJsonPatchBody,
  negotiatePatchType,
  patchTypeFromContentType,
} from './index.ts';

function thrown(fn: () => unknown): PatchError {
  try {
    fn();
  } catch (e) {
    if (e instanceof PatchError) return e;
    throw e;
  }
  throw new Error('expected a PatchError');
}

describe('patchTypeFromContentType', () => {
  it.each([
    ['application/json-patch+json', 'json'],
    ['application/merge-patch+json', 'merge'],
    ['application/strategic-merge-patch+json', 'strategic'],
    ['application/apply-patch+yaml', 'apply'],
    ['application/merge-patch+json; charset=utf-8', 'merge'],
    ['application/apply-patch+cbor', undefined],
    ['application/json', undefined],
    ['application/yaml', undefined],
    ['', undefined],
    ['APPLICATION/MERGE-PATCH+JSON', undefined],
  ])('%s → %s', (ct, want) => {
    expect(patchTypeFromContentType(ct)).toBe(want);
  });
});

describe('negotiatePatchType', () => {
  it('accepts strategic merge for built-in resources', () => {
    expect(negotiatePatchType('application/strategic-merge-patch+json', { strategic: true })).toBe('strategic');
  });

  it('refuses strategic merge for custom resources with upstream 415', () => {
    const err = thrown(() => negotiatePatchType('application/strategic-merge-patch+json', { strategic: false }));
    expect(err.code).toBe(415);
    expect(err.reason).toBe('UnsupportedMediaType');
    expect(err.message).toBe(
      'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
    );
  });

  it('refuses an unknown content type listing all four for built-ins', () => {
    const err = thrown(() => negotiatePatchType('application/json', { strategic: true }));
    expect(err.code).toBe(415);
    expect(err.message).toContain(acceptedPatchContentTypes({ strategic: true }).join(', '));
    expect(acceptedPatchContentTypes({ strategic: true })).toHaveLength(4);
  });
});

describe('decodeJsonPatchBody', () => {
  it('parses JSON', () => {
    expect(decodeJsonPatchBody(new TextEncoder().encode('{"a":1}'))).toStrictEqual({ a: 1 });
  });

  it.each(['{', '', 'nope'])('answers %j with 400 invalid JSON patch', (body) => {
    const err = thrown(() => decodeJsonPatchBody(body));
    expect(err.code).toBe(400);
    expect(err.message).toBe('invalid JSON patch');
  });
});

describe('applyPatch', () => {
  const pod = { metadata: { name: 'p', labels: { a: '1' } }, spec: { containers: [{ name: 'c', image: 'x' }] } };

  it.each([
    ['json', [{ op: 'replace', path: '/metadata/labels/a', value: '2' }], { a: '2' }],
    ['merge', { metadata: { labels: { b: '2' } } }, { a: '1', b: '2' }],
    ['strategic', { metadata: { labels: { a: null } } }, {}],
  ] as const)('applies a %s patch', (type, patch, labels) => {
    const out = applyPatch(type, pod, patch, builtinPatchSchema('Pod', '')) as typeof pod;
    expect(out.metadata.labels).toStrictEqual(labels);
  });

  it('refuses a strategic merge patch without a schema (unstructured) with 400', () => {
    const err = thrown(() => applyPatch('strategic', pod, {}, undefined));
    expect(err.code).toBe(400);
    expect(err.message).toBe('strategic merge patch format is not supported');
  });
});
