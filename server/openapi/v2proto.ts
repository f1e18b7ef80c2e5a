// OpenAPI v2 as protobuf: the message openapi.v2.Document of github.com/google/gnostic-models
// (openapiv2/OpenAPIv2.proto). kubectl asks /openapi/v2 for this form only (client-side
// validation, `kubectl explain` without v3, the v2 field-validation check). Upstream builds it by
// parsing its JSON document with gnostic (openapi_v2.ParseDocument) and marshalling the result;
// this walks our JSON document the same way: each JSON key to its field number, the oneofs
// chosen as gnostic's compiler chooses them, vendor extensions, defaults, examples and enum
// values as Any messages holding only YAML text (gnosticyaml.ts), proto3 scalars left out when
// zero, present sub-messages written even when empty (kube-openapi tells `properties: {}` from
// no properties). Keys gnostic does not accept are skipped and reported through `onInvalid`:
// upstream's parser would refuse the whole document.
import { Writer, WireType } from '../codec/protobuf/wire.ts';
import { gnosticYaml, type JsonValue } from './gnosticyaml.ts';

type JsonObject = { [key: string]: JsonValue };

/** Called for what gnostic's parser would reject; the encoder carries on without it. */
export type InvalidReporter = (path: string, problem: string) => void;

type Scalar = 'string' | 'bool' | 'double' | 'int64' | 'strings' | 'any' | 'anys';

type MessageName =
  | 'Document' | 'Info' | 'Contact' | 'License' | 'Paths' | 'PathItem' | 'Operation' | 'Responses' | 'Response'
  | 'Headers' | 'Header' | 'Examples' | 'Schema' | 'FileSchema' | 'Properties' | 'Definitions' | 'ParameterDefinitions'
  | 'ResponseDefinitions' | 'PrimitivesItems' | 'BodyParameter' | 'HeaderParameterSubSchema' | 'FormDataParameterSubSchema'
  | 'QueryParameterSubSchema' | 'PathParameterSubSchema' | 'JsonReference' | 'Tag' | 'ExternalDocs' | 'Xml'
  | 'SecurityRequirement' | 'SecurityDefinitions' | 'BasicAuthenticationSecurity' | 'ApiKeySecurity'
  | 'Oauth2ImplicitSecurity' | 'Oauth2PasswordSecurity' | 'Oauth2ApplicationSecurity' | 'Oauth2AccessCodeSecurity'
  | 'Oauth2Scopes'
  // oneof wrappers and other messages that are not JSON objects of their own
  | 'AdditionalPropertiesItem' | 'TypeItem' | 'ItemsItem' | 'ParametersItem' | 'Parameter' | 'NonBodyParameter'
  | 'ResponseValue' | 'SchemaItem' | 'SecurityDefinitionsItem';

/** A field: its JSON key, its number, and a scalar kind, a message, or a repeated message (`[]`). */
type Field = readonly [key: string, no: number, kind: Scalar | MessageName | `${MessageName}[]`];

interface ObjectMessage {
  fields: readonly Field[];
  /** The field number of `repeated NamedAny vendor_extension` (keys starting with x-). */
  ext?: number;
  required?: readonly string[];
  /** Values gnostic accepts for some string fields (it rejects the object otherwise). */
  enums?: Readonly<Record<string, readonly string[]>>;
  /** A JSON object read as a map: each entry a Named<value> message { 1: name, 2: value } in field `no`. */
  map?: { no: number; value: Scalar | MessageName | 'StringArray'; keys?: RegExp };
}

const PARAMETER_TYPES = ['string', 'number', 'boolean', 'integer', 'array'];

/** The validation keywords shared by non-body parameters, headers and primitive items, numbered from `from`. */
function validations(from: number): Field[] {
  return [
    ['default', from, 'any'], ['maximum', from + 1, 'double'], ['exclusiveMaximum', from + 2, 'bool'],
    ['minimum', from + 3, 'double'], ['exclusiveMinimum', from + 4, 'bool'], ['maxLength', from + 5, 'int64'],
    ['minLength', from + 6, 'int64'], ['pattern', from + 7, 'string'], ['maxItems', from + 8, 'int64'],
    ['minItems', from + 9, 'int64'], ['uniqueItems', from + 10, 'bool'], ['enum', from + 11, 'anys'],
    ['multipleOf', from + 12, 'double'],
  ];
}

/** Header and path parameters: required, in, description, name, type, format, items, collectionFormat, … */
function simpleParameter(where: string, extra: Partial<ObjectMessage> = {}): ObjectMessage {
  return {
    fields: [
      ['required', 1, 'bool'], ['in', 2, 'string'], ['description', 3, 'string'], ['name', 4, 'string'],
      ['type', 5, 'string'], ['format', 6, 'string'], ['items', 7, 'PrimitivesItems'], ['collectionFormat', 8, 'string'],
      ...validations(9),
    ],
    ext: 22,
    enums: { in: [where], type: PARAMETER_TYPES },
    ...extra,
  };
}

/** Query and form parameters add allowEmptyValue after name, which shifts the rest by one. */
function queryLikeParameter(where: string, types: string[]): ObjectMessage {
  return {
    fields: [
      ['required', 1, 'bool'], ['in', 2, 'string'], ['description', 3, 'string'], ['name', 4, 'string'],
      ['allowEmptyValue', 5, 'bool'], ['type', 6, 'string'], ['format', 7, 'string'], ['items', 8, 'PrimitivesItems'],
      ['collectionFormat', 9, 'string'], ...validations(10),
    ],
    ext: 23,
    enums: { in: [where], type: types },
  };
}

function oauth2(flow: string, fields: Field[], required: string[]): ObjectMessage {
  return {
    fields: [['type', 1, 'string'], ['flow', 2, 'string'], ['scopes', 3, 'Oauth2Scopes'], ...fields],
    ext: fields.length + 4,
    required,
    enums: { type: ['oauth2'], flow: [flow] },
  };
}

// Field numbers as in gnostic-models openapiv2/OpenAPIv2.proto.
const MESSAGES: Partial<Record<MessageName, ObjectMessage>> = {
  Document: {
    fields: [
      ['swagger', 1, 'string'], ['info', 2, 'Info'], ['host', 3, 'string'], ['basePath', 4, 'string'],
      ['schemes', 5, 'strings'], ['consumes', 6, 'strings'], ['produces', 7, 'strings'], ['paths', 8, 'Paths'],
      ['definitions', 9, 'Definitions'], ['parameters', 10, 'ParameterDefinitions'], ['responses', 11, 'ResponseDefinitions'],
      ['security', 12, 'SecurityRequirement[]'], ['securityDefinitions', 13, 'SecurityDefinitions'], ['tags', 14, 'Tag[]'],
      ['externalDocs', 15, 'ExternalDocs'],
    ],
    ext: 16,
    required: ['info', 'paths', 'swagger'],
    enums: { swagger: ['2.0'] },
  },
  Info: {
    fields: [
      ['title', 1, 'string'], ['version', 2, 'string'], ['description', 3, 'string'], ['termsOfService', 4, 'string'],
      ['contact', 5, 'Contact'], ['license', 6, 'License'],
    ],
    ext: 7,
    required: ['title', 'version'],
  },
  Contact: { fields: [['name', 1, 'string'], ['url', 2, 'string'], ['email', 3, 'string']], ext: 4 },
  License: { fields: [['name', 1, 'string'], ['url', 2, 'string']], ext: 3, required: ['name'] },
  ExternalDocs: { fields: [['description', 1, 'string'], ['url', 2, 'string']], ext: 3, required: ['url'] },
  Tag: { fields: [['name', 1, 'string'], ['description', 2, 'string'], ['externalDocs', 3, 'ExternalDocs']], ext: 4, required: ['name'] },
  Xml: {
    fields: [['name', 1, 'string'], ['namespace', 2, 'string'], ['prefix', 3, 'string'], ['attribute', 4, 'bool'], ['wrapped', 5, 'bool']],
    ext: 6,
  },
  Paths: { fields: [], ext: 1, map: { no: 2, value: 'PathItem', keys: /^\// } },
  PathItem: {
    fields: [
      ['$ref', 1, 'string'], ['get', 2, 'Operation'], ['put', 3, 'Operation'], ['post', 4, 'Operation'], ['delete', 5, 'Operation'],
      ['options', 6, 'Operation'], ['head', 7, 'Operation'], ['patch', 8, 'Operation'], ['parameters', 9, 'ParametersItem[]'],
    ],
    ext: 10,
  },
  Operation: {
    fields: [
      ['tags', 1, 'strings'], ['summary', 2, 'string'], ['description', 3, 'string'], ['externalDocs', 4, 'ExternalDocs'],
      ['operationId', 5, 'string'], ['produces', 6, 'strings'], ['consumes', 7, 'strings'], ['parameters', 8, 'ParametersItem[]'],
      ['responses', 9, 'Responses'], ['schemes', 10, 'strings'], ['deprecated', 11, 'bool'], ['security', 12, 'SecurityRequirement[]'],
    ],
    ext: 13,
    required: ['responses'],
  },
  Responses: { fields: [], ext: 2, map: { no: 1, value: 'ResponseValue', keys: /^([0-9]{3})$|^(default)$/ } },
  Response: {
    fields: [['description', 1, 'string'], ['schema', 2, 'SchemaItem'], ['headers', 3, 'Headers'], ['examples', 4, 'Examples']],
    ext: 5,
    required: ['description'],
  },
  Headers: { fields: [], map: { no: 1, value: 'Header' } },
  Examples: { fields: [], map: { no: 1, value: 'any' } },
  Header: {
    fields: [
      ['type', 1, 'string'], ['format', 2, 'string'], ['items', 3, 'PrimitivesItems'], ['collectionFormat', 4, 'string'],
      ...validations(5), ['description', 18, 'string'],
    ],
    ext: 19,
    required: ['type'],
    enums: { type: ['string', 'number', 'integer', 'boolean', 'array'] },
  },
  PrimitivesItems: {
    fields: [['type', 1, 'string'], ['format', 2, 'string'], ['items', 3, 'PrimitivesItems'], ['collectionFormat', 4, 'string'], ...validations(5)],
    ext: 18,
    enums: { type: ['string', 'number', 'integer', 'boolean', 'array'] },
  },
  Schema: {
    fields: [
      ['$ref', 1, 'string'], ['format', 2, 'string'], ['title', 3, 'string'], ['description', 4, 'string'], ['default', 5, 'any'],
      ['multipleOf', 6, 'double'], ['maximum', 7, 'double'], ['exclusiveMaximum', 8, 'bool'], ['minimum', 9, 'double'],
      ['exclusiveMinimum', 10, 'bool'], ['maxLength', 11, 'int64'], ['minLength', 12, 'int64'], ['pattern', 13, 'string'],
      ['maxItems', 14, 'int64'], ['minItems', 15, 'int64'], ['uniqueItems', 16, 'bool'], ['maxProperties', 17, 'int64'],
      ['minProperties', 18, 'int64'], ['required', 19, 'strings'], ['enum', 20, 'anys'],
      ['additionalProperties', 21, 'AdditionalPropertiesItem'], ['type', 22, 'TypeItem'], ['items', 23, 'ItemsItem'],
      ['allOf', 24, 'Schema[]'], ['properties', 25, 'Properties'], ['discriminator', 26, 'string'], ['readOnly', 27, 'bool'],
      ['xml', 28, 'Xml'], ['externalDocs', 29, 'ExternalDocs'], ['example', 30, 'any'],
    ],
    ext: 31,
  },
  FileSchema: {
    fields: [
      ['format', 1, 'string'], ['title', 2, 'string'], ['description', 3, 'string'], ['default', 4, 'any'],
      ['required', 5, 'strings'], ['type', 6, 'string'], ['readOnly', 7, 'bool'], ['externalDocs', 8, 'ExternalDocs'],
      ['example', 9, 'any'],
    ],
    ext: 10,
    required: ['type'],
    enums: { type: ['file'] },
  },
  Properties: { fields: [], map: { no: 1, value: 'Schema' } },
  Definitions: { fields: [], map: { no: 1, value: 'Schema' } },
  ParameterDefinitions: { fields: [], map: { no: 1, value: 'Parameter' } },
  ResponseDefinitions: { fields: [], map: { no: 1, value: 'Response' } },
  BodyParameter: {
    fields: [['description', 1, 'string'], ['name', 2, 'string'], ['in', 3, 'string'], ['required', 4, 'bool'], ['schema', 5, 'Schema']],
    ext: 6,
    required: ['in', 'name', 'schema'],
    enums: { in: ['body'] },
  },
  HeaderParameterSubSchema: simpleParameter('header'),
  PathParameterSubSchema: simpleParameter('path', { required: ['required'] }),
  QueryParameterSubSchema: queryLikeParameter('query', PARAMETER_TYPES),
  FormDataParameterSubSchema: queryLikeParameter('formData', [...PARAMETER_TYPES, 'file']),
  JsonReference: { fields: [['$ref', 1, 'string'], ['description', 2, 'string']], required: ['$ref'] },
  SecurityRequirement: { fields: [], map: { no: 1, value: 'StringArray' } },
  SecurityDefinitions: { fields: [], map: { no: 1, value: 'SecurityDefinitionsItem' } },
  Oauth2Scopes: { fields: [], map: { no: 1, value: 'string' } },
  BasicAuthenticationSecurity: { fields: [['type', 1, 'string'], ['description', 2, 'string']], ext: 3, required: ['type'], enums: { type: ['basic'] } },
  ApiKeySecurity: {
    fields: [['type', 1, 'string'], ['name', 2, 'string'], ['in', 3, 'string'], ['description', 4, 'string']],
    ext: 5,
    required: ['in', 'name', 'type'],
    enums: { type: ['apiKey'], in: ['header', 'query'] },
  },
  Oauth2ImplicitSecurity: oauth2('implicit', [['authorizationUrl', 4, 'string'], ['description', 5, 'string']], ['authorizationUrl', 'flow', 'type']),
  Oauth2PasswordSecurity: oauth2('password', [['tokenUrl', 4, 'string'], ['description', 5, 'string']], ['flow', 'tokenUrl', 'type']),
  Oauth2ApplicationSecurity: oauth2('application', [['tokenUrl', 4, 'string'], ['description', 5, 'string']], ['flow', 'tokenUrl', 'type']),
  Oauth2AccessCodeSecurity: oauth2('accessCode', [['authorizationUrl', 4, 'string'], ['tokenUrl', 5, 'string'], ['description', 6, 'string']], ['authorizationUrl', 'flow', 'tokenUrl', 'type']),
};

/**
 * The oneofs: which member (field number and message) a JSON value becomes. gnostic tries every
 * member and keeps the last that parses; a member parses when its required keys are there, it
 * has no other keys and its enum-valued fields hold allowed values (`fits`).
 */
const ONEOFS: Partial<Record<MessageName, (v: JsonValue) => readonly [number, MessageName | 'bool'] | undefined>> = {
  AdditionalPropertiesItem: (v) => (typeof v === 'boolean' ? [2, 'bool'] : isObject(v) ? [1, 'Schema'] : undefined),
  ParametersItem: (v) => (isObject(v) ? ('$ref' in v ? [2, 'JsonReference'] : [1, 'Parameter']) : undefined),
  Parameter: (v) => (isObject(v) ? (v.in === 'body' ? [1, 'BodyParameter'] : [2, 'NonBodyParameter']) : undefined),
  NonBodyParameter: (v) => {
    if (!isObject(v)) return undefined;
    const member = ({ header: [1, 'HeaderParameterSubSchema'], formData: [2, 'FormDataParameterSubSchema'], query: [3, 'QueryParameterSubSchema'], path: [4, 'PathParameterSubSchema'] } as const)[String(v.in)];
    return member;
  },
  ResponseValue: (v) => (isObject(v) ? ('$ref' in v ? [2, 'JsonReference'] : [1, 'Response']) : undefined),
  SchemaItem: (v) => (isObject(v) ? (fits(v, 'FileSchema') ? [2, 'FileSchema'] : [1, 'Schema']) : undefined),
  SecurityDefinitionsItem: (v) => {
    if (!isObject(v)) return undefined;
    const candidates = [
      [1, 'BasicAuthenticationSecurity'], [2, 'ApiKeySecurity'], [3, 'Oauth2ImplicitSecurity'],
      [4, 'Oauth2PasswordSecurity'], [5, 'Oauth2ApplicationSecurity'], [6, 'Oauth2AccessCodeSecurity'],
    ] as const;
    return candidates.filter(([, m]) => fits(v, m)).at(-1);
  },
};

function isObject(v: JsonValue | undefined): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function fits(v: JsonObject, name: MessageName): boolean {
  const m = MESSAGES[name]!;
  const keys = new Set(m.fields.map(([k]) => k));
  if (Object.keys(v).some((k) => !keys.has(k) && !(m.ext && k.startsWith('x-')))) return false;
  if (m.required?.some((k) => !(k in v))) return false;
  return Object.entries(m.enums ?? {}).every(([k, allowed]) => !(k in v) || allowed.includes(String(v[k])));
}

interface Prepared {
  m: ObjectMessage;
  byKey: ReadonlyMap<string, Field>;
  /** What to write, in field-number order (Go's marshaller writes fields so): a field, the vendor extensions or the map entries. */
  steps: ReadonlyArray<Field | 'ext' | 'map'>;
}

const preparedMessages = new Map<MessageName, Prepared>();

function prepared(name: MessageName): Prepared {
  let p = preparedMessages.get(name);
  if (!p) {
    const m = MESSAGES[name]!;
    const numbered: Array<[number, Field | 'ext' | 'map']> = m.fields.map((f) => [f[1], f]);
    if (m.ext !== undefined) numbered.push([m.ext, 'ext']);
    if (m.map) numbered.push([m.map.no, 'map']);
    numbered.sort((a, b) => a[0] - b[0]);
    p = { m, byKey: new Map(m.fields.map((f) => [f[0], f])), steps: numbered.map(([, step]) => step) };
    preparedMessages.set(name, p);
  }
  return p;
}

/** Encodes an OpenAPI v2 (Swagger 2.0) JSON document as a gnostic openapi.v2.Document. */
export function encodeOpenAPIV2(doc: JsonObject, onInvalid: InvalidReporter = () => {}): Uint8Array {
  const w = new Writer();
  new Encoder(w, onInvalid).object(doc, 'Document', '$root');
  return w.finish();
}

class Encoder {
  constructor(private readonly w: Writer, private readonly onInvalid: InvalidReporter) {}

  /** The fields of a message whose JSON form is an object (not the length prefix). */
  object(v: JsonObject, name: MessageName, path: string): void {
    const { m, byKey, steps } = prepared(name);
    for (const k of m.required ?? []) if (!(k in v)) this.onInvalid(path, `is missing required property ${k}`);
    for (const k in v) {
      if (!byKey.has(k) && !(m.ext !== undefined && k.startsWith('x-')) && !(m.map && (!m.map.keys || m.map.keys.test(k)))) {
        this.onInvalid(path, `has invalid property ${k}`);
      }
    }
    for (const k in m.enums) {
      if (k in v && !m.enums[k]!.includes(String(v[k]))) this.onInvalid(`${path}.${k}`, `has unexpected value ${JSON.stringify(v[k])}`);
    }
    for (const step of steps) {
      if (step === 'ext') this.extensions(m.ext!, v);
      else if (step === 'map') this.mapEntries(m.map!, byKey, v, path);
      else if (step[0] in v) this.field(step[1], step[2], v[step[0]]!, `${path}.${step[0]}`);
    }
  }

  private mapEntries(map: NonNullable<ObjectMessage['map']>, byKey: ReadonlyMap<string, Field>, v: JsonObject, path: string): void {
    const { no, value, keys } = map;
    for (const k in v) {
      if (keys ? !keys.test(k) : byKey.has(k)) continue;
      this.message(no, () => {
        this.w.tag(1, WireType.Bytes).string(k);
        this.mapValue(value, v[k]!, `${path}.${k}`);
      });
    }
  }

  private mapValue(kind: Scalar | MessageName | 'StringArray', v: JsonValue, path: string): void {
    if (kind === 'StringArray') {
      if (!Array.isArray(v)) return this.onInvalid(path, 'has unexpected value for a string array');
      return this.message(2, () => this.field(1, 'strings', v, path));
    }
    this.field(2, kind, v, path);
  }

  private extensions(no: number, v: JsonObject): void {
    for (const [k, item] of Object.entries(v)) {
      if (!k.startsWith('x-')) continue;
      this.message(no, () => {
        this.w.tag(1, WireType.Bytes).string(k);
        this.message(2, () => this.any(item));
      });
    }
  }

  /** Any { google.protobuf.Any value = 1; string yaml = 2; }: gnostic fills only yaml. */
  private any(v: JsonValue): void {
    this.w.tag(2, WireType.Bytes).string(gnosticYaml(v));
  }

  private message(no: number, body: () => void): void {
    this.w.tag(no, WireType.Bytes);
    const at = this.w.fork();
    body();
    this.w.join(at);
  }

  private field(no: number, kind: Field[2], v: JsonValue, path: string): void {
    const w = this.w;
    switch (kind) {
      case 'string': {
        const s = scalarString(v);
        if (s === undefined) return this.onInvalid(path, `has unexpected value ${JSON.stringify(v)}`);
        if (s !== '') w.tag(no, WireType.Bytes).string(s);
        return;
      }
      case 'bool':
        if (typeof v !== 'boolean') return this.onInvalid(path, `has unexpected value ${JSON.stringify(v)}`);
        if (v) w.tag(no, WireType.Varint).bool(true);
        return;
      case 'double':
        if (typeof v !== 'number') return this.onInvalid(path, `has unexpected value ${JSON.stringify(v)}`);
        if (v !== 0) w.tag(no, WireType.Fixed64).double(v);
        return;
      case 'int64':
        if (typeof v !== 'number' || !Number.isInteger(v)) return this.onInvalid(path, `has unexpected value ${JSON.stringify(v)}`);
        if (v !== 0) w.tag(no, WireType.Varint).int64(BigInt(v));
        return;
      case 'strings':
        if (!Array.isArray(v)) return this.onInvalid(path, `has unexpected value ${JSON.stringify(v)}`);
        for (const item of v) {
          const s = scalarString(item);
          if (s !== undefined) w.tag(no, WireType.Bytes).string(s);
        }
        return;
      case 'any':
        return this.message(no, () => this.any(v));
      case 'anys':
        if (Array.isArray(v)) for (const item of v) this.message(no, () => this.any(item));
        return;
      case 'TypeItem':
        // A type name or a list of them; gnostic keeps any scalar's text.
        return this.message(no, () => {
          for (const t of Array.isArray(v) ? v : [v]) {
            if (t !== null && typeof t === 'object') this.onInvalid(path, 'has unexpected value for string array element');
            else w.tag(1, WireType.Bytes).string(t === null ? 'null' : typeof t === 'string' ? t : JSON.stringify(t));
          }
        });
      case 'ItemsItem':
        // gnostic takes one schema here; an array of schemas (tuple items) is refused.
        if (!isObject(v)) return this.onInvalid(path, 'has unexpected value for item array');
        return this.message(no, () => this.field(1, 'Schema', v, path));
      default:
        break;
    }
    if (kind.endsWith('[]')) {
      const name = kind.slice(0, -2) as MessageName;
      if (!Array.isArray(v)) return this.onInvalid(path, `has unexpected value ${JSON.stringify(v)}`);
      v.forEach((item, i) => this.field(no, name, item, `${path}[${i}]`));
      return;
    }
    const name = kind as MessageName;
    const choose = ONEOFS[name];
    if (choose) {
      const member = choose(v);
      if (!member) return this.onInvalid(path, `contains an invalid ${name}`);
      const [memberNo, memberType] = member;
      if (memberType === 'bool') return this.message(no, () => w.tag(memberNo, WireType.Varint).bool(v as boolean));
      return this.message(no, () => this.field(memberNo, memberType, v, path));
    }
    if (!isObject(v)) return this.onInvalid(path, `has unexpected value ${JSON.stringify(v)}`);
    this.message(no, () => this.object(v, name, path));
  }
}

/** A scalar read as a string, as gnostic does: strings, integers (their text) and null (empty). */
function scalarString(v: JsonValue): string | undefined {
  if (typeof v === 'string') return v;
  if (v === null) return '';
  if (typeof v === 'number' && Number.isInteger(v) && !/[.eE]/.test(JSON.stringify(v))) return JSON.stringify(v);
  return undefined;
}
