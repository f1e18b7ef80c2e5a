import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { load, CORE_SCHEMA } from 'js-yaml';
import { Reader, WireType, fromUtf8 } from '../codec/protobuf/wire.ts';
import { builtinResources } from '../apis/index.ts';
import type { AnyResource } from '../apis/types.ts';
import { encodeOpenAPIV2 } from './v2proto.ts';
import { openapiV2 } from './openapi.ts';
import type { JsonValue } from './gnosticyaml.ts';

type JsonObject = { [key: string]: JsonValue };

// A decoder written from gnostic-models' openapiv2/OpenAPIv2.proto, independently of the
// encoder's tables: each message as field number → [JSON key, kind]. Kinds: s string, b bool,
// d double, i int64, S repeated string, a Any, A repeated Any, x vendor extensions, a message
// name, or a message name with [] for repeated.
type Kind = 's' | 'b' | 'd' | 'i' | 'S' | 'a' | 'A' | 'x' | string;
const PARAM_TAIL = (n: number): Record<number, [string, Kind]> => ({
  [n]: ['default', 'a'], [n + 1]: ['maximum', 'd'], [n + 2]: ['exclusiveMaximum', 'b'], [n + 3]: ['minimum', 'd'],
  [n + 4]: ['exclusiveMinimum', 'b'], [n + 5]: ['maxLength', 'i'], [n + 6]: ['minLength', 'i'], [n + 7]: ['pattern', 's'],
  [n + 8]: ['maxItems', 'i'], [n + 9]: ['minItems', 'i'], [n + 10]: ['uniqueItems', 'b'], [n + 11]: ['enum', 'A'], [n + 12]: ['multipleOf', 'd'],
});
const PROTO: Record<string, Record<number, [string, Kind]>> = {
  Document: { 1: ['swagger', 's'], 2: ['info', 'Info'], 3: ['host', 's'], 4: ['basePath', 's'], 5: ['schemes', 'S'], 6: ['consumes', 'S'], 7: ['produces', 'S'], 8: ['paths', 'Paths'], 9: ['definitions', 'NamedSchema*'], 10: ['parameters', 'NamedParameter*'], 11: ['responses', 'NamedResponse*'], 12: ['security', 'SecurityRequirement[]'], 13: ['securityDefinitions', 'NamedSecurityDefinitionsItem*'], 14: ['tags', 'Tag[]'], 15: ['externalDocs', 'ExternalDocs'], 16: ['', 'x'] },
  Info: { 1: ['title', 's'], 2: ['version', 's'], 3: ['description', 's'], 4: ['termsOfService', 's'], 5: ['contact', 'Contact'], 6: ['license', 'License'], 7: ['', 'x'] },
  Contact: { 1: ['name', 's'], 2: ['url', 's'], 3: ['email', 's'], 4: ['', 'x'] },
  License: { 1: ['name', 's'], 2: ['url', 's'], 3: ['', 'x'] },
  ExternalDocs: { 1: ['description', 's'], 2: ['url', 's'], 3: ['', 'x'] },
  Tag: { 1: ['name', 's'], 2: ['description', 's'], 3: ['externalDocs', 'ExternalDocs'], 4: ['', 'x'] },
  Xml: { 1: ['name', 's'], 2: ['namespace', 's'], 3: ['prefix', 's'], 4: ['attribute', 'b'], 5: ['wrapped', 'b'], 6: ['', 'x'] },
  Paths: { 1: ['', 'x'], 2: ['', 'NamedPathItem+'] },
  PathItem: { 1: ['$ref', 's'], 2: ['get', 'Operation'], 3: ['put', 'Operation'], 4: ['post', 'Operation'], 5: ['delete', 'Operation'], 6: ['options', 'Operation'], 7: ['head', 'Operation'], 8: ['patch', 'Operation'], 9: ['parameters', 'ParametersItem[]'], 10: ['', 'x'] },
  Operation: { 1: ['tags', 'S'], 2: ['summary', 's'], 3: ['description', 's'], 4: ['externalDocs', 'ExternalDocs'], 5: ['operationId', 's'], 6: ['produces', 'S'], 7: ['consumes', 'S'], 8: ['parameters', 'ParametersItem[]'], 9: ['responses', 'Responses'], 10: ['schemes', 'S'], 11: ['deprecated', 'b'], 12: ['security', 'SecurityRequirement[]'], 13: ['', 'x'] },
  Responses: { 1: ['', 'NamedResponseValue+'], 2: ['', 'x'] },
  Response: { 1: ['description', 's'], 2: ['schema', 'SchemaItem'], 3: ['headers', 'NamedHeader*'], 4: ['examples', 'NamedAny*'], 5: ['', 'x'] },
  Header: { 1: ['type', 's'], 2: ['format', 's'], 3: ['items', 'PrimitivesItems'], 4: ['collectionFormat', 's'], ...PARAM_TAIL(5), 18: ['description', 's'], 19: ['', 'x'] },
  PrimitivesItems: { 1: ['type', 's'], 2: ['format', 's'], 3: ['items', 'PrimitivesItems'], 4: ['collectionFormat', 's'], ...PARAM_TAIL(5), 18: ['', 'x'] },
  Schema: { 1: ['$ref', 's'], 2: ['format', 's'], 3: ['title', 's'], 4: ['description', 's'], 5: ['default', 'a'], 6: ['multipleOf', 'd'], 7: ['maximum', 'd'], 8: ['exclusiveMaximum', 'b'], 9: ['minimum', 'd'], 10: ['exclusiveMinimum', 'b'], 11: ['maxLength', 'i'], 12: ['minLength', 'i'], 13: ['pattern', 's'], 14: ['maxItems', 'i'], 15: ['minItems', 'i'], 16: ['uniqueItems', 'b'], 17: ['maxProperties', 'i'], 18: ['minProperties', 'i'], 19: ['required', 'S'], 20: ['enum', 'A'], 21: ['additionalProperties', 'AdditionalPropertiesItem'], 22: ['type', 'TypeItem'], 23: ['items', 'ItemsItem'], 24: ['allOf', 'Schema[]'], 25: ['properties', 'NamedSchema*'], 26: ['discriminator', 's'], 27: ['readOnly', 'b'], 28: ['xml', 'Xml'], 29: ['externalDocs', 'ExternalDocs'], 30: ['example', 'a'], 31: ['', 'x'] },
  FileSchema: { 1: ['format', 's'], 2: ['title', 's'], 3: ['description', 's'], 4: ['default', 'a'], 5: ['required', 'S'], 6: ['type', 's'], 7: ['readOnly', 'b'], 8: ['externalDocs', 'ExternalDocs'], 9: ['example', 'a'], 10: ['', 'x'] },
  BodyParameter: { 1: ['description', 's'], 2: ['name', 's'], 3: ['in', 's'], 4: ['required', 'b'], 5: ['schema', 'Schema'], 6: ['', 'x'] },
  HeaderParameterSubSchema: { 1: ['required', 'b'], 2: ['in', 's'], 3: ['description', 's'], 4: ['name', 's'], 5: ['type', 's'], 6: ['format', 's'], 7: ['items', 'PrimitivesItems'], 8: ['collectionFormat', 's'], ...PARAM_TAIL(9), 22: ['', 'x'] },
  PathParameterSubSchema: { 1: ['required', 'b'], 2: ['in', 's'], 3: ['description', 's'], 4: ['name', 's'], 5: ['type', 's'], 6: ['format', 's'], 7: ['items', 'PrimitivesItems'], 8: ['collectionFormat', 's'], ...PARAM_TAIL(9), 22: ['', 'x'] },
  QueryParameterSubSchema: { 1: ['required', 'b'], 2: ['in', 's'], 3: ['description', 's'], 4: ['name', 's'], 5: ['allowEmptyValue', 'b'], 6: ['type', 's'], 7: ['format', 's'], 8: ['items', 'PrimitivesItems'], 9: ['collectionFormat', 's'], ...PARAM_TAIL(10), 23: ['', 'x'] },
  FormDataParameterSubSchema: { 1: ['required', 'b'], 2: ['in', 's'], 3: ['description', 's'], 4: ['name', 's'], 5: ['allowEmptyValue', 'b'], 6: ['type', 's'], 7: ['format', 's'], 8: ['items', 'PrimitivesItems'], 9: ['collectionFormat', 's'], ...PARAM_TAIL(10), 23: ['', 'x'] },
  JsonReference: { 1: ['$ref', 's'], 2: ['description', 's'] },
  SecurityRequirement: { 1: ['', 'NamedStringArray+'] },
  BasicAuthenticationSecurity: { 1: ['type', 's'], 2: ['description', 's'], 3: ['', 'x'] },
  ApiKeySecurity: { 1: ['type', 's'], 2: ['name', 's'], 3: ['in', 's'], 4: ['description', 's'], 5: ['', 'x'] },
  Oauth2ImplicitSecurity: { 1: ['type', 's'], 2: ['flow', 's'], 3: ['scopes', 'Oauth2Scopes'], 4: ['authorizationUrl', 's'], 5: ['description', 's'], 6: ['', 'x'] },
  Oauth2PasswordSecurity: { 1: ['type', 's'], 2: ['flow', 's'], 3: ['scopes', 'Oauth2Scopes'], 4: ['tokenUrl', 's'], 5: ['description', 's'], 6: ['', 'x'] },
  Oauth2ApplicationSecurity: { 1: ['type', 's'], 2: ['flow', 's'], 3: ['scopes', 'Oauth2Scopes'], 4: ['tokenUrl', 's'], 5: ['description', 's'], 6: ['', 'x'] },
  Oauth2AccessCodeSecurity: { 1: ['type', 's'], 2: ['flow', 's'], 3: ['scopes', 'Oauth2Scopes'], 4: ['authorizationUrl', 's'], 5: ['tokenUrl', 's'], 6: ['description', 's'], 7: ['', 'x'] },
  Oauth2Scopes: { 1: ['', 'NamedString+'] },
};
/** Messages with one oneof (or one repeated field) that stand for a plain JSON value. */
const ONEOF: Record<string, Record<number, Kind>> = {
  AdditionalPropertiesItem: { 1: 'Schema', 2: 'b' },
  ParametersItem: { 1: 'Parameter', 2: 'JsonReference' },
  Parameter: { 1: 'BodyParameter', 2: 'NonBodyParameter' },
  NonBodyParameter: { 1: 'HeaderParameterSubSchema', 2: 'FormDataParameterSubSchema', 3: 'QueryParameterSubSchema', 4: 'PathParameterSubSchema' },
  ResponseValue: { 1: 'Response', 2: 'JsonReference' },
  SchemaItem: { 1: 'Schema', 2: 'FileSchema' },
  SecurityDefinitionsItem: { 1: 'BasicAuthenticationSecurity', 2: 'ApiKeySecurity', 3: 'Oauth2ImplicitSecurity', 4: 'Oauth2PasswordSecurity', 5: 'Oauth2ApplicationSecurity', 6: 'Oauth2AccessCodeSecurity' },
};
/** Named<T> { string name = 1; T value = 2; } */
const NAMED: Record<string, Kind> = {
  NamedSchema: 'Schema', NamedParameter: 'Parameter', NamedResponse: 'Response', NamedSecurityDefinitionsItem: 'SecurityDefinitionsItem',
  NamedPathItem: 'PathItem', NamedResponseValue: 'ResponseValue', NamedHeader: 'Header', NamedAny: 'a', NamedString: 's', NamedStringArray: 'StringArray',
};

/** Which oneof members a decode met, by message name (to check the choices made). */
type Seen = Map<string, string[]>;

/** Structural checks inside the decoder (plain throws: expect() is slow in a loop this hot). */
function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`malformed document: ${what}`);
}

interface WireField {
  no: number;
  /** A length-delimited field's payload. */
  bytes: Uint8Array;
  /** Positioned at a varint or fixed64 value. */
  value: Reader;
}

function fields(buf: Uint8Array): WireField[] {
  const r = new Reader(buf);
  const out: WireField[] = [];
  while (!r.done()) {
    const { field, wireType } = r.tag();
    const start = r.pos;
    const bytes = wireType === WireType.Bytes ? r.bytes() : new Uint8Array();
    if (wireType !== WireType.Bytes) r.skip(wireType);
    out.push({ no: field, bytes, value: new Reader(r.buf, start, r.pos) });
  }
  return out;
}

/** Decodes an Any: gnostic sets only its yaml (field 2); a value (field 1) would be a mistake. */
function decodeAny(buf: Uint8Array): JsonValue {
  const fs = fields(buf);
  check(fs.length === 1 && fs[0]!.no === 2, 'an Any carries only its yaml (field 2)');
  return load(fromUtf8(fs[0]!.bytes), { schema: CORE_SCHEMA }) as JsonValue;
}

function decodeValue(kind: Kind, f: WireField, seen: Seen): JsonValue {
  switch (kind) {
    case 's': return fromUtf8(f.bytes);
    case 'b': return f.value.bool();
    case 'd': return f.value.double();
    case 'i': return Number(f.value.int64());
    case 'a': return decodeAny(f.bytes);
    case 'StringArray': return fields(f.bytes).map((e) => fromUtf8(e.bytes));
    case 'TypeItem': {
      const types = fields(f.bytes).map((e) => fromUtf8(e.bytes));
      return types.length === 1 ? types[0]! : types;
    }
    case 'ItemsItem': {
      const schemas = fields(f.bytes);
      check(schemas.length === 1, 'items holds one schema');
      return decodeMessage('Schema', schemas[0]!.bytes, seen);
    }
  }
  const oneof = ONEOF[kind];
  if (oneof) {
    const fs = fields(f.bytes);
    check(fs.length === 1, `${kind} sets one member`);
    const member = oneof[fs[0]!.no]!;
    seen.set(kind, [...(seen.get(kind) ?? []), member]);
    return decodeValue(member, fs[0]!, seen);
  }
  return decodeMessage(kind, f.bytes, seen);
}

/** Named<T> { string name = 1; T value = 2; } */
function decodeNamed(named: string, buf: Uint8Array, seen: Seen): [string, JsonValue] {
  const entry = fields(buf);
  check(entry.length === 2 && entry[0]!.no === 1 && entry[1]!.no === 2, `${named} is a name then a value`);
  return [fromUtf8(entry[0]!.bytes), decodeValue(NAMED[named]!, entry[1]!, seen)];
}

function decodeMessage(name: string, buf: Uint8Array, seen: Seen): JsonObject {
  const spec = PROTO[name];
  check(spec !== undefined, `a message ${name}`);
  const out: JsonObject = {};
  let lastNo = 0;
  for (const f of fields(buf)) {
    check(f.no >= lastNo, `${name}: fields in number order`);
    lastNo = f.no;
    const known = spec![f.no];
    check(known !== undefined, `${name} has a field ${f.no}`);
    const [key, kind] = known!;
    if (kind === 'x' || kind.endsWith('+')) {
      // Vendor extensions and path / response maps: Named<T> entries among this message's fields.
      const [entryName, value] = decodeNamed(kind === 'x' ? 'NamedAny' : kind.slice(0, -1), f.bytes, seen);
      out[entryName] = value;
      continue;
    }
    if (kind.endsWith('*')) {
      // A map message (Definitions, Properties, …): `repeated Named<T> additional_properties = 1`.
      const map: JsonObject = {};
      for (const entry of fields(f.bytes)) {
        check(entry.no === 1, `${key} entries in field 1`);
        const [entryName, value] = decodeNamed(kind.slice(0, -1), entry.bytes, seen);
        map[entryName] = value;
      }
      out[key] = map;
      continue;
    }
    if (kind === 'S') {
      ((out[key] ??= []) as JsonValue[]).push(fromUtf8(f.bytes));
      continue;
    }
    if (kind === 'A' || kind.endsWith('[]')) {
      ((out[key] ??= []) as JsonValue[]).push(decodeValue(kind === 'A' ? 'a' : kind.slice(0, -2), f, seen));
      continue;
    }
    out[key] = decodeValue(kind, f, seen);
  }
  return out;
}

function decodeDocument(buf: Uint8Array): { doc: JsonObject; seen: Seen } {
  const seen: Seen = new Map();
  return { doc: decodeMessage('Document', buf, seen), seen };
}

function encodeStrictly(doc: JsonObject): Uint8Array {
  const problems: string[] = [];
  const out = encodeOpenAPIV2(doc, (p, m) => problems.push(`${p} ${m}`));
  expect(problems).toEqual([]);
  return out;
}

function withoutEmptyLists(v: JsonValue): JsonValue {
  if (Array.isArray(v)) return v.map(withoutEmptyLists);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.entries(v).filter(([, x]) => !(Array.isArray(x) && x.length === 0)).map(([k, x]) => [k, withoutEmptyLists(x)]));
}

const fixtures = path.join(import.meta.dirname, 'fixtures');
const minimal = (definitions: JsonObject, paths: JsonObject = {}): JsonObject => ({ swagger: '2.0', info: { title: 'Kubernetes', version: 'v1.32.4' }, paths, definitions });

describe('OpenAPI v2 as gnostic protobuf (openapi.v2.Document)', () => {
  it('encodes to the very bytes gnostic writes for the same document', () => {
    // swagger-features.pb: gnostic-models v0.6.8 ParseDocument + proto.Marshal, as kube-openapi does (fixtures/README.md).
    const doc = JSON.parse(readFileSync(path.join(fixtures, 'swagger-features.json'), 'utf8')) as JsonObject;
    const golden = readFileSync(path.join(fixtures, 'swagger-features.pb'));
    expect(Buffer.from(encodeStrictly(doc)).equals(golden)).toBe(true);
  });

  it("round-trips Capstan's own document: every path, operation, parameter, definition and extension", () => {
    const doc = openapiV2({ all: () => builtinResources as unknown as AnyResource[] }) as JsonObject;
    const { doc: decoded } = decodeDocument(encodeStrictly(doc));
    // An empty repeated field (`parameters: []`) leaves nothing on the wire, in gnostic's bytes too.
    expect(decoded).toEqual(withoutEmptyLists(doc));
    expect(Object.keys(decoded.definitions as JsonObject)).toContain('io.k8s.api.core.v1.ConfigMap');
  });

  it('keeps the schema shapes kubectl parses: properties, required, items, additionalProperties, $ref, type', () => {
    const doc = minimal({
      'io.k8s.api.core.v1.Pod': {
        type: 'object',
        required: ['spec'],
        properties: {
          spec: { $ref: '#/definitions/io.k8s.api.core.v1.PodSpec' },
          labels: { type: 'object', additionalProperties: { type: 'string' } },
          anything: { type: 'object', additionalProperties: true },
          closed: { type: 'object', additionalProperties: false },
          ports: { type: 'array', items: { type: 'integer', format: 'int32', minimum: 1, maximum: 65535 } },
          either: { type: ['string', 'null'] },
          open: { type: 'object', properties: {} },
        },
      },
      'io.k8s.api.core.v1.PodSpec': { type: 'object', properties: {} },
    });
    const { doc: decoded, seen } = decodeDocument(encodeStrictly(doc));
    expect(decoded).toEqual(doc);
    expect(seen.get('AdditionalPropertiesItem')).toEqual(['Schema', 'b', 'b']);
  });

  it('writes a present empty message but leaves proto3 zero values out, as Go does', () => {
    // kube-openapi reads `properties: {}` (a Kind) and no properties (a Map) differently.
    const withEmpty = encodeStrictly(minimal({ a: { type: 'object', properties: {} } }));
    const without = encodeStrictly(minimal({ a: { type: 'object' } }));
    expect(withEmpty.length).toBe(without.length + 3); // tag 25 (2 bytes) + length 0
    const zeros = encodeStrictly(minimal({ a: { type: 'integer', description: '', minimum: 0, uniqueItems: false, maxLength: 0 } }));
    expect(zeros).toEqual(encodeStrictly(minimal({ a: { type: 'integer' } })));
  });

  it('writes vendor extensions as YAML text in Any.yaml, which is what kubectl reads', () => {
    const gvk = [{ group: '', kind: 'ConfigMap', version: 'v1' }];
    const doc = minimal({
      'io.k8s.api.core.v1.ConfigMap': {
        type: 'object',
        properties: { items: { type: 'array', items: { type: 'string' }, 'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-patch-strategy': 'merge' } },
        'x-kubernetes-group-version-kind': gvk,
      },
    });
    const bytes = encodeStrictly(doc);
    // The YAML exactly as gnostic stores it (yaml.v3, 4-space indent, styles cleared).
    expect(Buffer.from(bytes).includes(Buffer.from('- group: ""\n  kind: ConfigMap\n  version: v1\n'))).toBe(true);
    const { doc: decoded } = decodeDocument(bytes);
    const def = (decoded.definitions as JsonObject)['io.k8s.api.core.v1.ConfigMap'] as JsonObject;
    expect(def['x-kubernetes-group-version-kind']).toEqual(gvk);
    expect(((def.properties as JsonObject).items as JsonObject)['x-kubernetes-patch-merge-key']).toBe('name');
    expect(((def.properties as JsonObject).items as JsonObject)['x-kubernetes-patch-strategy']).toBe('merge');
  });

  it('chooses the oneof members gnostic chooses: parameters by `in`, $ref as JsonReference, file schemas', () => {
    const doc: JsonObject = {
      ...minimal({ a: { type: 'object' } }),
      parameters: { pretty: { name: 'pretty', in: 'query', type: 'string', uniqueItems: true } },
      responses: { gone: { description: 'Gone' } },
      paths: {
        '/api/v1/namespaces/{namespace}/configmaps/{name}': {
          parameters: [
            { name: 'name', in: 'path', required: true, type: 'string' },
            { name: 'namespace', in: 'path', required: true, type: 'string' },
            { $ref: '#/parameters/pretty' },
          ],
          patch: {
            consumes: ['application/json-patch+json', 'application/merge-patch+json'],
            parameters: [
              { name: 'body', in: 'body', required: true, schema: { $ref: '#/definitions/a' } },
              { name: 'fieldValidation', in: 'query', type: 'string', uniqueItems: true },
              { name: 'X-Header', in: 'header', type: 'string' },
              { name: 'upload', in: 'formData', type: 'file' },
            ],
            responses: { 200: { description: 'OK', schema: { $ref: '#/definitions/a' } }, 410: { $ref: '#/responses/gone' }, 201: { description: 'file', schema: { type: 'file' } } },
            'x-kubernetes-group-version-kind': { group: '', kind: 'ConfigMap', version: 'v1' },
          },
        },
      },
    };
    const { doc: decoded, seen } = decodeDocument(encodeStrictly(doc));
    expect(decoded).toEqual(doc);
    // In wire order: the operation (PathItem field 8) before the path's parameters (9), paths
    // (Document field 8) before the shared parameters (10).
    expect(seen.get('ParametersItem')).toEqual(['Parameter', 'Parameter', 'Parameter', 'Parameter', 'Parameter', 'Parameter', 'JsonReference']);
    expect(seen.get('Parameter')).toEqual(['BodyParameter', 'NonBodyParameter', 'NonBodyParameter', 'NonBodyParameter', 'NonBodyParameter', 'NonBodyParameter', 'NonBodyParameter']);
    expect(seen.get('NonBodyParameter')).toEqual(['QueryParameterSubSchema', 'HeaderParameterSubSchema', 'FormDataParameterSubSchema', 'PathParameterSubSchema', 'PathParameterSubSchema', 'QueryParameterSubSchema']);
    expect(seen.get('ResponseValue')).toEqual(['Response', 'Response', 'JsonReference']); // shared responses are plain Response messages
    expect(seen.get('SchemaItem')).toEqual(['Schema', 'FileSchema']);
  });

  it('reports what gnostic would refuse (a CRD schema keeping nullable or oneOf) and encodes the rest', () => {
    const problems: string[] = [];
    const doc = minimal({ 'com.example.v1.Widget': { type: 'object', nullable: true, properties: { size: { oneOf: [{ type: 'string' }], type: 'string' } } } });
    const { doc: decoded } = decodeDocument(encodeOpenAPIV2(doc, (p, m) => problems.push(`${p} ${m}`)));
    expect(problems).toEqual([
      '$root.definitions.com.example.v1.Widget has invalid property nullable',
      '$root.definitions.com.example.v1.Widget.properties.size has invalid property oneOf',
    ]);
    expect(decoded.definitions).toEqual({ 'com.example.v1.Widget': { type: 'object', properties: { size: { type: 'string' } } } });
  });
});
