// Drops the fields a built-in type does not have, as upstream's typed decoding does, and
// reports their paths ("spec.foo", "spec.containers[0].bogus") for fieldValidation.
import { modelFields, type TypeRef } from './models.ts';

export function pruneUnknownFields(obj: Record<string, unknown>, model: string): string[] {
  const unknown: string[] = [];
  walk(obj, { kind: 'model', name: model }, '', unknown);
  return unknown;
}

function walk(value: unknown, type: TypeRef, path: string, unknown: string[]): void {
  if (value === null || value === undefined) return;
  switch (type.kind) {
    case 'model': {
      if (typeof value !== 'object' || Array.isArray(value)) return;
      const fields = modelFields(type.name);
      if (!fields) return;
      const o = value as Record<string, unknown>;
      for (const key of Object.keys(o)) {
        const f = fields.get(key);
        const p = path ? `${path}.${key}` : key;
        if (!f) {
          unknown.push(p);
          delete o[key];
          continue;
        }
        walk(o[key], f.type, p, unknown);
      }
      return;
    }
    case 'array':
      if (Array.isArray(value)) value.forEach((v, i) => walk(v, type.elem, `${path}[${i}]`, unknown));
      return;
    case 'map':
      if (typeof value === 'object' && !Array.isArray(value)) {
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) walk(v, type.elem, `${path}[${k}]`, unknown);
      }
      return;
    default:
      return;
  }
}
