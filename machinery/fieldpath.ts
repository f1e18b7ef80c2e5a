// Field paths and field errors, as upstream's apimachinery/pkg/util/validation/field: validators
// build a list of errors while walking an object; the endpoint turns the list into a 422 Invalid.
import { goFormatFloat, goJSON, goQuote } from './goformat.ts';

interface Segment {
  /** A field name, or undefined for a subscript. */
  name?: string;
  /** The subscript (list index or map key) when name is unset. */
  index?: string;
}

/** An immutable path into an object: `spec.containers[0].image`, `metadata.labels[app]`. */
export class FieldPath {
  private constructor(private readonly segments: readonly Segment[]) {}

  /** The path of a top-level field and its children: `FieldPath.root('metadata', 'name')`. */
  static root(...names: string[]): FieldPath {
    return new FieldPath(names.map((name) => ({ name })));
  }

  child(...names: string[]): FieldPath {
    return new FieldPath([...this.segments, ...names.map((name) => ({ name }))]);
  }

  index(i: number): FieldPath {
    return new FieldPath([...this.segments, { index: String(i) }]);
  }

  key(k: string): FieldPath {
    return new FieldPath([...this.segments, { index: k }]);
  }

  toString(): string {
    let out = '';
    this.segments.forEach((s, i) => {
      // As upstream, an empty name renders like an empty subscript.
      if (s.name) out += (i > 0 ? '.' : '') + s.name;
      else out += `[${s.index ?? ''}]`;
    });
    return out;
  }
}

export type FieldErrorType =
  | 'FieldValueNotFound'
  | 'FieldValueRequired'
  | 'FieldValueDuplicate'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'InternalError'
  | 'FieldValueTypeInvalid'
  | 'FieldValueTooFew'
  | 'FieldValueTooShort';

export interface FieldError {
  type: FieldErrorType;
  /** The rendered path, e.g. `spec.template.spec.containers[0].image`. */
  field: string;
  badValue?: unknown;
  detail?: string;
}

/** A bad value that the message leaves out (upstream's omitValue), e.g. tooMany with an unknown count. */
export const OMIT_VALUE: unique symbol = Symbol('omitValue');

type PathLike = FieldPath | string;
const fieldOf = (p: PathLike): string => (typeof p === 'string' ? p : p.toString());

function make(type: FieldErrorType, path: PathLike, badValue: unknown, detail?: string): FieldError {
  const e: FieldError = { type, field: fieldOf(path), badValue };
  if (detail) e.detail = detail;
  return e;
}

export function required(path: PathLike, detail?: string): FieldError {
  return make('FieldValueRequired', path, '', detail);
}

export function invalid(path: PathLike, value: unknown, detail: string): FieldError {
  return make('FieldValueInvalid', path, value, detail);
}

export function typeInvalid(path: PathLike, value: unknown, detail: string): FieldError {
  return make('FieldValueTypeInvalid', path, value, detail);
}

export function notFound(path: PathLike, value: unknown): FieldError {
  return make('FieldValueNotFound', path, value);
}

export function duplicate(path: PathLike, value: unknown): FieldError {
  return make('FieldValueDuplicate', path, value);
}

/** The detail lists the valid values, each Go-quoted: `supported values: "Always", "Never"`. */
export function notSupported(path: PathLike, value: unknown, validValues: readonly string[]): FieldError {
  const detail = validValues.length > 0 ? 'supported values: ' + validValues.map(goQuote).join(', ') : '';
  return make('FieldValueNotSupported', path, value, detail);
}

export function forbidden(path: PathLike, detail: string): FieldError {
  return make('FieldValueForbidden', path, '', detail);
}

/** The value is never printed; a negative max gives "value is too long". Lengths are in bytes. */
export function tooLong(path: PathLike, _value: unknown, max: number): FieldError {
  const detail = max >= 0 ? `may not be more than ${max} ${max === 1 ? 'byte' : 'bytes'}` : 'value is too long';
  return make('FieldValueTooLong', path, '<value omitted>', detail);
}

/** As tooLong, counting characters (upstream's TooLongCharacters). */
export function tooLongCharacters(path: PathLike, _value: unknown, max: number): FieldError {
  const detail = max >= 0 ? `may not be more than ${max} ${max === 1 ? 'character' : 'characters'}` : 'value is too long';
  return make('FieldValueTooLong', path, '<value omitted>', detail);
}

/** A negative actual count leaves the count out of the message. */
export function tooMany(path: PathLike, actual: number, max: number): FieldError {
  const detail = max >= 0 ? `must have at most ${max} ${max === 1 ? 'item' : 'items'}` : 'has too many items';
  return make('FieldValueTooMany', path, actual >= 0 ? actual : OMIT_VALUE, detail);
}

export function tooFew(path: PathLike, actual: number, min: number): FieldError {
  const detail = min >= 0 ? `must have at least ${min} ${min === 1 ? 'item' : 'items'}` : 'has too few items';
  return make('FieldValueTooFew', path, actual, detail);
}

export function tooShort(path: PathLike, value: string, min: number): FieldError {
  const detail = min >= 0 ? `must be at least ${min} ${min === 1 ? 'character' : 'characters'}` : 'value is too short';
  return make('FieldValueTooShort', path, value, detail);
}

export function internal(path: PathLike, err: unknown): FieldError {
  const msg = err instanceof Error ? err.message : String(err);
  return make('InternalError', path, err, msg);
}

const typeText: Record<FieldErrorType, string> = {
  FieldValueNotFound: 'Not found',
  FieldValueRequired: 'Required value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  FieldValueTooFew: 'Too few',
  InternalError: 'Internal error',
  FieldValueTypeInvalid: 'Invalid value',
  FieldValueTooShort: 'Too short',
};

/** Types whose message never shows the bad value. */
const valueless = new Set<FieldErrorType>(['FieldValueRequired', 'FieldValueForbidden', 'FieldValueTooLong', 'FieldValueTooShort', 'InternalError']);

/**
 * A bad value as upstream prints it: strings Go-quoted, numbers and booleans bare, absent values
 * as `null`, anything else as JSON.
 */
export function renderBadValue(v: unknown): string {
  switch (typeof v) {
    case 'string': return goQuote(v);
    case 'boolean': return String(v);
    case 'bigint': return v.toString();
    case 'number':
      // Go integers print in full; a JSON float64 prints in %v form.
      return Number.isInteger(v) && Math.abs(v) < 2 ** 63 ? BigInt(v).toString() : goFormatFloat(v);
    case 'undefined': return 'null';
    case 'function': case 'symbol': return String(v);
    default: {
      if (v === null) return 'null';
      if (v instanceof Error) return goJSON({}) ?? '{}';
      try {
        return goJSON(v) ?? String(v);
      } catch {
        return String(v);
      }
    }
  }
}

/** The message without the field: `Invalid value: -1: must be greater than or equal to 0`. */
export function fieldErrorBody(e: FieldError): string {
  const label = typeText[e.type];
  let s: string;
  if (label === undefined) {
    s = `Internal error: unhandled error code: <unknown error ${goQuote(String(e.type))}>: please report this`;
  } else if (valueless.has(e.type) || e.badValue === OMIT_VALUE) {
    s = label;
  } else {
    s = `${label}: ${renderBadValue(e.badValue)}`;
  }
  if (e.detail) s += `: ${e.detail}`;
  return s;
}

/** Upstream's field.Error.Error(): `spec.replicas: Invalid value: -1: must be greater than or equal to 0`. */
export function fieldErrorMessage(e: FieldError): string {
  return `${e.field}: ${fieldErrorBody(e)}`;
}

/**
 * An error list as upstream's ErrorList.ToAggregate().Error(): duplicates dropped, one message as
 * is, several as `[a, b]`, none as ''.
 */
export function aggregateFieldErrors(errs: readonly FieldError[]): string {
  const msgs = [...new Set(errs.map(fieldErrorMessage))];
  if (msgs.length === 0) return '';
  if (msgs.length === 1) return msgs[0]!;
  return `[${msgs.join(', ')}]`;
}
