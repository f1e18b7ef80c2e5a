// Drops the fields a built-in type does not have, as upstream's typed decoding does, and
// reports their paths ("spec.foo", "spec.containers[0].bogus") for fieldValidation. Times are
// written back as upstream's types hold them: metav1.Time to whole seconds in UTC
// ("2026-01-02T03:04:05Z"), metav1.MicroTime to microseconds.
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
        const time = normalizedTime(o[key], f.type);
        if (time !== undefined) o[key] = time;
        else walk(o[key], f.type, p, unknown);
      }
      return;
    }
    case 'array':
      if (Array.isArray(value)) {
        value.forEach((v, i) => {
          const time = normalizedTime(v, type.elem);
          if (time !== undefined) value[i] = time;
          else walk(v, type.elem, `${path}[${i}]`, unknown);
        });
      }
      return;
    case 'map':
      if (typeof value === 'object' && !Array.isArray(value)) {
        const m = value as Record<string, unknown>;
        for (const [k, v] of Object.entries(m)) {
          const time = normalizedTime(v, type.elem);
          if (time !== undefined) m[k] = time;
          else walk(v, type.elem, `${path}[${k}]`, unknown);
        }
      }
      return;
    default:
      return;
  }
}

/**
 * A time field's value as upstream would store it, or undefined when the value is not a time
 * (or not parseable: validation answers for that).
 */
function normalizedTime(value: unknown, type: TypeRef): string | undefined {
  if (typeof value !== 'string') return undefined;
  if (type.kind !== 'primitive' || type.format !== 'date-time') return undefined;
  const micro = type.micro === true;
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$/i.exec(value);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return undefined;
  const whole = new Date(ms).toISOString().slice(0, 19);
  if (!micro) return `${whole}Z`;
  const fraction = (m[2] ?? '.').slice(1).padEnd(6, '0').slice(0, 6);
  return `${whole}.${fraction}Z`;
}
