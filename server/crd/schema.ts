// Structural OpenAPI v3 schemas of custom resources: pruning unknown fields, defaulting and
// validation, as the apiextensions-apiserver does for each custom resource write.
import * as field from '../../machinery/fieldpath.ts';
import { FieldPath, type FieldError } from '../../machinery/fieldpath.ts';

export interface JSONSchemaProps {
  type?: string;
  format?: string;
  description?: string;
  properties?: Record<string, JSONSchemaProps>;
  additionalProperties?: JSONSchemaProps | boolean;
  items?: JSONSchemaProps;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  nullable?: boolean;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  multipleOf?: number;
  uniqueItems?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  [k: string]: unknown;
}

type Json = unknown;

const isObject = (v: Json): v is Record<string, Json> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Removes fields the schema does not declare (unless it preserves unknown fields); returns their paths. */
export function pruneUnknown(obj: Record<string, Json>, schema: JSONSchemaProps): string[] {
  const pruned: string[] = [];
  const walk = (v: Json, s: JSONSchemaProps | undefined, path: string, root: boolean) => {
    if (!s || s['x-kubernetes-preserve-unknown-fields']) return;
    if (isObject(v)) {
      if (s.properties || root || s['x-kubernetes-embedded-resource']) {
        for (const k of Object.keys(v)) {
          // apiVersion, kind and metadata are always kept at the root (and in embedded resources).
          if ((root || s['x-kubernetes-embedded-resource']) && (k === 'apiVersion' || k === 'kind' || k === 'metadata')) continue;
          const child = s.properties?.[k];
          const p = path ? `${path}.${k}` : k;
          if (!child) {
            if (isObject(s.additionalProperties)) { walk(v[k], s.additionalProperties, p, false); continue; }
            if (s.additionalProperties === true) continue;
            pruned.push(p);
            delete v[k];
            continue;
          }
          walk(v[k], child, p, false);
        }
      } else if (isObject(s.additionalProperties)) {
        for (const k of Object.keys(v)) walk(v[k], s.additionalProperties, `${path}.${k}`, false);
      }
    } else if (Array.isArray(v) && s.items) {
      v.forEach((x, i) => walk(x, s.items, `${path}[${i}]`, false));
    }
  };
  walk(obj, schema, '', true);
  return pruned;
}

/** Applies `default`s of absent fields, recursively, as upstream's structural defaulting. */
export function applyDefaults(obj: Json, schema: JSONSchemaProps): void {
  if (isObject(obj) && schema.properties) {
    for (const [k, s] of Object.entries(schema.properties)) {
      if (obj[k] === undefined && s.default !== undefined) obj[k] = structuredClone(s.default);
      if (obj[k] !== undefined) applyDefaults(obj[k], s);
    }
  }
  if (isObject(obj) && isObject(schema.additionalProperties)) {
    for (const v of Object.values(obj)) applyDefaults(v, schema.additionalProperties as JSONSchemaProps);
  }
  if (Array.isArray(obj) && schema.items) for (const v of obj) applyDefaults(v, schema.items);
}

function typeOf(v: Json): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/** Validation errors of `value` against `schema`, with upstream's field paths and texts. */
export function validateValue(value: Json, schema: JSONSchemaProps, path: FieldPath, skipRootMeta = false): FieldError[] {
  const errs: FieldError[] = [];
  const p = path.toString();
  if (value === null) {
    if (!schema.nullable && schema.type) errs.push(field.invalid(path, null, `${p} in body must be of type ${schema.type}: "null"`));
    return errs;
  }
  if (schema['x-kubernetes-int-or-string']) {
    if (typeof value !== 'string' && !(typeof value === 'number' && Number.isInteger(value))) {
      errs.push(field.invalid(path, value, `${p} in body must be of type integer,string: "${typeOf(value)}"`));
    }
    return errs;
  }
  const t = schema.type;
  if (t) {
    const actual = typeOf(value);
    const ok = t === actual || (t === 'number' && actual === 'integer');
    if (!ok) {
      errs.push(field.typeInvalid(path, value, `${p} in body must be of type ${t}: "${actual}"`));
      return errs;
    }
  }
  if (schema.enum && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    errs.push(field.notSupported(path, value, schema.enum.map((e) => (typeof e === 'string' ? e : JSON.stringify(e)))));
  }
  if (typeof value === 'string') {
    if (schema.maxLength !== undefined && [...value].length > schema.maxLength) errs.push(field.tooLong(path, value, schema.maxLength));
    if (schema.minLength !== undefined && [...value].length < schema.minLength) errs.push(field.invalid(path, value, `${p} in body should be at least ${schema.minLength} chars long`));
    if (schema.pattern !== undefined) {
      let re: RegExp | undefined;
      try { re = new RegExp(schema.pattern, 'u'); } catch { re = undefined; }
      if (re && !re.test(value)) errs.push(field.invalid(path, value, `${p} in body should match '${schema.pattern}'`));
    }
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && (schema.exclusiveMinimum ? value <= schema.minimum : value < schema.minimum)) {
      errs.push(field.invalid(path, value, `${p} in body should be greater than ${schema.exclusiveMinimum ? '' : 'or equal to '}${schema.minimum}`));
    }
    if (schema.maximum !== undefined && (schema.exclusiveMaximum ? value >= schema.maximum : value > schema.maximum)) {
      errs.push(field.invalid(path, value, `${p} in body should be less than ${schema.exclusiveMaximum ? '' : 'or equal to '}${schema.maximum}`));
    }
    if (schema.multipleOf !== undefined && value % schema.multipleOf !== 0) errs.push(field.invalid(path, value, `${p} in body should be a multiple of ${schema.multipleOf}`));
  }
  if (Array.isArray(value)) {
    if (schema.maxItems !== undefined && value.length > schema.maxItems) errs.push(field.tooMany(path, value.length, schema.maxItems));
    if (schema.minItems !== undefined && value.length < schema.minItems) errs.push(field.invalid(path, value, `${p} in body should have at least ${schema.minItems} items`));
    if (schema.uniqueItems && new Set(value.map((v) => JSON.stringify(v))).size !== value.length) errs.push(field.duplicate(path, value));
    if (schema.items) value.forEach((v, i) => errs.push(...validateValue(v, schema.items!, path.index(i))));
  }
  if (isObject(value)) {
    for (const r of schema.required ?? []) {
      if (skipRootMeta && (r === 'apiVersion' || r === 'kind' || r === 'metadata')) continue;
      if (value[r] === undefined) errs.push(field.required(path.child(r), ''));
    }
    const n = Object.keys(value).length;
    if (schema.maxProperties !== undefined && n > schema.maxProperties) errs.push(field.tooMany(path, n, schema.maxProperties));
    if (schema.minProperties !== undefined && n < schema.minProperties) errs.push(field.invalid(path, n, `${p} in body should have at least ${schema.minProperties} properties`));
    for (const [k, v] of Object.entries(value)) {
      if (skipRootMeta && (k === 'apiVersion' || k === 'kind' || k === 'metadata')) continue;
      const child = schema.properties?.[k] ?? (isObject(schema.additionalProperties) ? (schema.additionalProperties as JSONSchemaProps) : undefined);
      if (child) errs.push(...validateValue(v, child, path.child(k)));
    }
  }
  return errs;
}

/** Validates a whole custom resource (its root has no path prefix, as upstream prints them). */
export function validateCustomResource(obj: Record<string, Json>, schema: JSONSchemaProps): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'apiVersion' || k === 'kind' || k === 'metadata') continue;
    const s = schema.properties?.[k];
    if (s) errs.push(...validateValue(v, s, FieldPath.root(k)));
  }
  for (const r of schema.required ?? []) {
    if (r !== 'apiVersion' && r !== 'kind' && r !== 'metadata' && obj[r] === undefined) errs.push(field.required(FieldPath.root(r), ''));
  }
  return errs;
}
