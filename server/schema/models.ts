// The built-in types' structure, read from @kubernetes/client-node's generated models (each
// model class carries its fields' JSON names, types and formats). Unknown-field detection and
// OpenAPI both derive from it, so no schema is written twice.
import * as k8s from '@kubernetes/client-node';

export type TypeRef =
  | { kind: 'primitive'; type: 'string' | 'integer' | 'number' | 'boolean'; format?: string; micro?: boolean }
  | { kind: 'intOrString' }
  | { kind: 'any' }
  | { kind: 'array'; elem: TypeRef }
  | { kind: 'map'; elem: TypeRef }
  | { kind: 'model'; name: string };

export interface ModelField {
  name: string;
  type: TypeRef;
}

interface Attribute { name: string; baseName: string; type: string; format: string }
interface ModelClass { getAttributeTypeMap(): Attribute[] }

const registry = k8s as unknown as Record<string, ModelClass | undefined>;
const cache = new Map<string, Map<string, ModelField> | undefined>();

export function parseTypeRef(type: string, format = ''): TypeRef {
  const t = type.trim();
  if (t.startsWith('Array<') && t.endsWith('>')) return { kind: 'array', elem: parseTypeRef(t.slice(6, -1), format) };
  const map = /^\{\s*\[key: string\]:\s*(.+?);\s*\}$/.exec(t);
  if (map) return { kind: 'map', elem: parseTypeRef(map[1]!, format) };
  switch (t) {
    case 'string': return format === 'byte' ? { kind: 'primitive', type: 'string', format: 'byte' } : { kind: 'primitive', type: 'string' };
    case 'number':
      return format === 'double' || format === 'float' ? { kind: 'primitive', type: 'number', format } : { kind: 'primitive', type: 'integer', format: format || 'int32' };
    case 'boolean': return { kind: 'primitive', type: 'boolean' };
    case 'Date': return { kind: 'primitive', type: 'string', format: 'date-time' };
    // metav1.MicroTime: a date-time on the wire (as upstream's OpenAPI says), kept to microseconds.
    case 'V1MicroTime': return { kind: 'primitive', type: 'string', format: 'date-time', micro: true };
    case 'IntOrString': return { kind: 'intOrString' };
    case 'any': case 'object': return { kind: 'any' };
    default:
      return modelFields(t) ? { kind: 'model', name: t } : { kind: 'any' };
  }
}

/** The fields of a client-node model by JSON name, or undefined if there is no such model. */
export function modelFields(name: string): Map<string, ModelField> | undefined {
  if (cache.has(name)) return cache.get(name);
  const cls = registry[name];
  let fields: Map<string, ModelField> | undefined;
  if (cls && typeof cls.getAttributeTypeMap === 'function') {
    fields = new Map();
    cache.set(name, fields); // before recursing: models refer to themselves (JSONSchemaProps)
    for (const a of cls.getAttributeTypeMap()) fields.set(a.baseName, { name: a.baseName, type: parseTypeRef(a.type, a.format) });
  } else {
    cache.set(name, undefined);
  }
  return fields;
}
