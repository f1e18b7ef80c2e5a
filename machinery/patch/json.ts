// JSON value helpers shared by the patch implementations: plain-object checks that
// are safe for keys such as "__proto__", deep equality, and Go-style formatting of
// decoded JSON for error texts that upstream builds with fmt's %v.

export type JsonObject = { [key: string]: unknown };

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function hasOwn(o: JsonObject, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, key);
}

/** Reads an own property only, so a key like "constructor" never reaches the prototype. */
export function getOwn(o: JsonObject, key: string): unknown {
  return hasOwn(o, key) ? o[key] : undefined;
}

/** Sets an own enumerable property; plain assignment would change the prototype for "__proto__". */
export function setOwn(o: JsonObject, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(o, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    o[key] = value;
  }
}

export function deleteOwn(o: JsonObject, key: string): void {
  if (hasOwn(o, key)) delete o[key];
}

/** A deep copy of a JSON value; own properties only, "__proto__" kept as data. */
export function cloneJson<T>(v: T): T {
  return cloneValue(v) as T;
}

function cloneValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(cloneValue);
  if (isObject(v)) {
    const out: JsonObject = {};
    for (const k of Object.keys(v)) setOwn(out, k, cloneValue(v[k]));
    return out;
  }
  return v;
}

/** Structural equality of JSON values: key order is ignored, list order is not. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    for (const k of ka) {
      if (!hasOwn(b, k) || !deepEqual(a[k], b[k])) return false;
    }
    return true;
  }
  return false;
}

/**
 * The Go type a JSON value decodes to in k8s.io/apimachinery/pkg/util/json (integers
 * become int64), as reflect prints it; used in upstream's "expected a X, but received a Y".
 */
export function goTypeName(v: unknown): string {
  if (v === null || v === undefined) return '%!s(<nil>)';
  if (Array.isArray(v)) return '[]interface {}';
  if (isObject(v)) return 'map[string]interface {}';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  return typeof v === 'boolean' ? 'bool' : 'string';
}

/** fmt's %v of a decoded JSON value: maps print with sorted keys, lists space-separated. */
export function goFormat(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goFormat).join(' ')}]`;
  if (isObject(v)) {
    const keys = Object.keys(v).sort();
    return `map[${keys.map((k) => `${k}:${goFormat(v[k])}`).join(' ')}]`;
  }
  if (typeof v === 'number') return goFormatNumber(v);
  return String(v);
}

function goFormatNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 2 ** 63) return n.toFixed(0);
  // A non-integral number decodes to float64, which %v prints like
  // strconv.FormatFloat(f, 'g', -1, 64): exponent form when exp < -4 or exp >= 6.
  const [mant, e] = n.toExponential().split('e') as [string, string];
  const exp = Number(e);
  if (exp < -4 || exp >= 6) {
    const digits = String(Math.abs(exp)).padStart(2, '0');
    return `${mant}e${exp < 0 ? '-' : '+'}${digits}`;
  }
  return String(n);
}
