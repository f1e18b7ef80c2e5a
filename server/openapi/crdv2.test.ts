import { describe, it, expect } from 'vitest';
import { crdSchemaForOpenAPIV2 } from './crdv2.ts';
import { encodeOpenAPIV2 } from './v2proto.ts';
import type { JsonValue } from './gnosticyaml.ts';

const widget = {
  type: 'object',
  required: ['spec'],
  properties: {
    spec: {
      type: 'object',
      required: ['size', 'maybe'],
      properties: {
        size: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
        maybe: { type: 'object', nullable: true, properties: { a: { type: 'string' } } },
        free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { known: { type: 'string' } } },
        blob: { type: 'array', 'x-kubernetes-preserve-unknown-fields': true, items: { type: 'string' } },
        tags: { type: 'array', items: { type: 'string', oneOf: [{ pattern: '^a' }], not: { enum: ['b'] } }, 'x-kubernetes-list-type': 'set' },
        labels: { type: 'object', required: ['x'], additionalProperties: { type: 'string', nullable: true } },
      },
    },
  },
};

describe('CRD schemas in OpenAPI v2 (upstream ToStructuralOpenAPIV2)', () => {
  it('drops what v2 and kubectl cannot read, as upstream publishes it', () => {
    expect(crdSchemaForOpenAPIV2(widget)).toEqual({
      type: 'object',
      required: ['spec'],
      properties: {
        spec: {
          type: 'object',
          required: ['size'],
          properties: {
            size: { 'x-kubernetes-int-or-string': true },
            maybe: {},
            free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
            blob: { 'x-kubernetes-preserve-unknown-fields': true },
            tags: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
            labels: { type: 'object', additionalProperties: {} },
          },
        },
      },
    });
  });

  it('leaves the input alone', () => {
    const before = JSON.stringify(widget);
    crdSchemaForOpenAPIV2(widget);
    expect(JSON.stringify(widget)).toBe(before);
  });

  it('gives a schema gnostic takes without complaint, unlike the v3 one', () => {
    const doc = (schema: object) => ({ swagger: '2.0', info: { title: 'Kubernetes', version: 'v1.32.4' }, paths: {}, definitions: { 'com.example.v1.Widget': schema } }) as { [key: string]: JsonValue };
    const problems: string[] = [];
    encodeOpenAPIV2(doc(crdSchemaForOpenAPIV2(widget)), (p, m) => problems.push(`${p} ${m}`));
    expect(problems).toEqual([]);
    encodeOpenAPIV2(doc(widget), (p, m) => problems.push(`${p} ${m}`));
    expect(problems.length).toBeGreaterThan(0);
  });
});
