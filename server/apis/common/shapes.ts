// Small helpers the resource modules share: structural equality as upstream's
// apiequality.Semantic (absent, null and empty lists or maps are equal), the Go-side renderings
// of values that upstream embeds in messages and Table cells, and label selector formatting.
import { selectorFromLabelSelector, type LabelSelector } from '../../../machinery/labels.ts';

const isEmptyish = (v: unknown): boolean =>
  v === undefined || v === null || (Array.isArray(v) && v.length === 0) ||
  (typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0);

/**
 * Deep equality where a missing field, null, [] and {} compare equal to each other, as two Go
 * values decoded from those JSON forms do (nil and empty slices/maps are Semantic-equal).
 */
export function semanticEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (isEmptyish(a) && isEmptyish(b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    // Go zero values: an absent string/number/bool equals "", 0, false.
    const zero = (v: unknown) => v === undefined || v === null || v === '' || v === 0 || v === false;
    return zero(a) && zero(b);
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => semanticEqual(x, bb[i]));
  }
  const ao = a as Record<string, unknown>, bo = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
  for (const k of keys) if (!semanticEqual(ao[k], bo[k])) return false;
  return true;
}

/** Go field names that are not the JSON name with its first letter raised. */
const goNames: Record<string, string> = {
  apiGroup: 'APIGroup', apiGroups: 'APIGroups', apiVersion: 'APIVersion', apiVersions: 'APIVersions',
  uid: 'UID', url: 'URL', nonResourceURLs: 'NonResourceURLs', ip: 'IP', cidr: 'CIDR',
};

/**
 * A JSON object as upstream prints an internal Go struct inside a message (json.Marshal of a
 * type without json tags): keys become Go field names.
 */
export function goStruct(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(goStruct);
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    out[goNames[k] ?? k.charAt(0).toUpperCase() + k.slice(1)] = goStruct(val);
  }
  return out;
}

/** metav1.FormatLabelSelector: the selector's string form, `<none>` when empty, `<error>` when invalid. */
export function formatLabelSelector(ls: LabelSelector | undefined | null): string {
  try {
    const s = selectorFromLabelSelector(ls).toString();
    return s === '' ? '<none>' : s;
  } catch {
    return '<error>';
  }
}

/** The generated String() of a metav1.LabelSelector (`&LabelSelector{MatchLabels:map[string]string{…},…}`). */
export function labelSelectorGoString(ls: LabelSelector): string {
  const labels = Object.keys(ls.matchLabels ?? {}).sort().map((k) => `${k}: ${ls.matchLabels![k]},`).join('');
  const exprs = (ls.matchExpressions ?? [])
    .map((e) => `LabelSelectorRequirement{Key:${e.key},Operator:${e.operator},Values:[${(e.values ?? []).join(' ')}],},`).join('');
  return `&LabelSelector{MatchLabels:map[string]string{${labels}},MatchExpressions:[]LabelSelectorRequirement{${exprs}},}`;
}

/** "a + 2 more..." lists of Table cells, as upstream's printers cap them at three. */
export function listWithMore(list: string[], more: boolean, count: number, max: number): string {
  const ret = list.join(',');
  if (more) return `${ret} + ${count - max} more...`;
  return ret === '' ? '<unset>' : ret;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
