// IntOrString fields (maxSurge, maxUnavailable, minAvailable, targetPort) and quantity fields as
// upstream's apps and core validation check them.
import type { FieldPath } from '../../../machinery/fieldpath.ts';
import * as field from '../../../machinery/fieldpath.ts';
import { isValidPercent, isValidPortName, isValidPortNum, IsNegativeErrorMsg } from '../../../machinery/validation.ts';
import { parseQuantity, ErrFormatWrong, type Quantity } from '../../../machinery/quantity.ts';
import type { FieldError } from '../types.ts';

export type IntOrString = number | string;

/** apps validation's ValidatePositiveIntOrPercent: a percent string or a non-negative integer. */
export function validatePositiveIntOrPercent(v: IntOrString | undefined | null, path: FieldPath): FieldError[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return isValidPercent(v).map((m) => field.invalid(path, v, m));
  if (typeof v === 'number') return v < 0 ? [field.invalid(path, v, IsNegativeErrorMsg)] : [];
  return [field.invalid(path, v, "must be an integer or percentage (e.g '5%')")];
}

/** The value of an int or a `N%` string (upstream's getIntOrPercentValue); 0 when unparsable. */
export function intOrPercentValue(v: IntOrString | undefined | null): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const m = /^(\d+)%$/.exec(v);
    return m ? Number(m[1]) : 0;
  }
  return 0;
}

/** apps validation's IsNotMoreThan100Percent. */
export function isNotMoreThan100Percent(v: IntOrString | undefined | null, path: FieldPath): FieldError[] {
  if (typeof v !== 'string') return [];
  const m = /^(\d+)%$/.exec(v);
  if (!m || Number(m[1]) <= 100) return [];
  return [field.invalid(path, v, 'must not be greater than 100%')];
}

/** core validation's ValidatePortNumOrName (service targetPort, probe ports). */
export function validatePortNumOrName(v: IntOrString, path: FieldPath): FieldError[] {
  if (typeof v === 'number') return isValidPortNum(v).map((m) => field.invalid(path, v, m));
  return isValidPortName(v).map((m) => field.invalid(path, v, m));
}

/** Parses a quantity, or returns the field error upstream's decoder would give. */
export function quantityOf(v: unknown, path: FieldPath): { q?: Quantity; errs: FieldError[] } {
  try {
    return { q: parseQuantity(typeof v === 'number' ? String(v) : String(v ?? '')), errs: [] };
  } catch {
    return { errs: [field.invalid(path, v, ErrFormatWrong)] };
  }
}

/** core validation's ValidateNonnegativeQuantity. */
export function validateNonnegativeQuantity(v: unknown, path: FieldPath): FieldError[] {
  const { q, errs } = quantityOf(v, path);
  if (!q) return errs;
  return q.sign() < 0 ? [field.invalid(path, q.toString(), IsNegativeErrorMsg)] : [];
}

/** core validation's ValidatePositiveQuantityValue. */
export function validatePositiveQuantity(v: unknown, path: FieldPath): FieldError[] {
  const { q, errs } = quantityOf(v, path);
  if (!q) return errs;
  return q.sign() <= 0 ? [field.invalid(path, q.toString(), 'must be greater than zero')] : [];
}

/** Resources counted in whole units (upstream's IsIntegerResourceName). */
const integerResources = new Set(['pods', 'services', 'replicationcontrollers', 'resourcequotas', 'secrets', 'configmaps', 'persistentvolumeclaims', 'services.nodeports', 'services.loadbalancers']);

export function isIntegerResourceName(name: string): boolean {
  if (integerResources.has(name) || name.startsWith('count/')) return true;
  // Extended resources: a domain-prefixed name outside kubernetes.io, not a requests./limits. form.
  const slash = name.indexOf('/');
  if (slash < 0) return false;
  const domain = name.slice(0, slash);
  return !(domain === 'kubernetes.io' || domain.endsWith('.kubernetes.io')) && !name.startsWith('requests.') && !name.startsWith('limits.');
}

/** core validation's ValidateResourceQuantityValue: non-negative, whole for integer resources. */
export function validateResourceQuantityValue(resource: string, v: unknown, path: FieldPath): FieldError[] {
  const errs = validateNonnegativeQuantity(v, path);
  if (errs.length) return errs;
  const { q } = quantityOf(v, path);
  if (q && isIntegerResourceName(resource) && q.milliValue() % 1000 !== 0) errs.push(field.invalid(path, q.toString(), 'must be an integer'));
  return errs;
}

/** A quantity's canonical text, or the input when it does not parse. */
export function quantityString(v: unknown): string {
  try {
    return parseQuantity(String(v)).toString();
  } catch {
    return String(v ?? '');
  }
}

/**
 * Upstream's SetDefaults_ResourceList: every quantity rounded up to milli precision and written in
 * its canonical form (`0.5` → `500m`, `1Gi` stays `1Gi`). Unparsable values are left for validation.
 */
export function canonicalizeResourceList(list: Record<string, unknown> | undefined | null): void {
  if (!list) return;
  for (const [k, v] of Object.entries(list)) {
    try {
      list[k] = parseQuantity(String(v)).roundUp(-3).quantity.toString();
    } catch {
      // validation reports it
    }
  }
}
