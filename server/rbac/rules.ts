// What an RBAC rule allows, and whether one set of rules covers another: upstream's
// rbac/v1 evaluation helpers (VerbMatches, ResourceMatches with "*/sub", NonResourceURLMatches
// with a trailing "*"), the policy comparator behind escalation checks (Covers, BreakdownRule)
// and the compact rendering of missing rules in escalation errors (CompactRules, CompactString).
// Pure functions over plain rules; no I/O.
import { compareGoStrings, goQuote } from '../../machinery/goformat.ts';
import type { PolicyRule } from '../apis/rbac/v1/validation.ts';
import type { RequestUser } from '../apis/types.ts';

export type { PolicyRule };

/** Upstream's authorizer.Attributes: who asks to do what. */
export interface Attributes {
  user: RequestUser;
  verb: string;
  isResourceRequest: boolean;
  /** The URL path of a non-resource request. */
  path: string;
  namespace: string;
  apiGroup: string;
  apiVersion: string;
  resource: string;
  subresource: string;
  name: string;
  /** Raw `fieldSelector` / `labelSelector` of a list or watch (the Node authorizer reads them). */
  fieldSelector?: string;
  labelSelector?: string;
}

export const ALL = '*';

export function verbMatches(rule: PolicyRule, verb: string): boolean {
  return (rule.verbs ?? []).some((v) => v === ALL || v === verb);
}

export function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  return (rule.apiGroups ?? []).some((g) => g === ALL || g === group);
}

/** `combined` is "pods" or "pods/log"; a rule's "*\/log" matches the log subresource of anything. */
export function resourceMatches(rule: PolicyRule, combined: string, subresource: string): boolean {
  for (const r of rule.resources ?? []) {
    if (r === ALL || r === combined) return true;
    if (subresource && r.length === subresource.length + 2 && r.startsWith('*/') && r.endsWith(subresource)) return true;
  }
  return false;
}

/** No resourceNames matches every name (and none); otherwise the name must be listed. */
export function resourceNameMatches(rule: PolicyRule, name: string): boolean {
  const names = rule.resourceNames ?? [];
  return names.length === 0 || names.includes(name);
}

export function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  for (const u of rule.nonResourceURLs ?? []) {
    if (u === ALL || u === path) return true;
    if (u.endsWith('*') && path.startsWith(trimStars(u))) return true;
  }
  return false;
}

const trimStars = (s: string) => s.replace(/\*+$/, '');

export function ruleAllows(attrs: Attributes, rule: PolicyRule): boolean {
  if (attrs.isResourceRequest) {
    const combined = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
    return verbMatches(rule, attrs.verb) && apiGroupMatches(rule, attrs.apiGroup)
      && resourceMatches(rule, combined, attrs.subresource) && resourceNameMatches(rule, attrs.name);
  }
  return verbMatches(rule, attrs.verb) && nonResourceURLMatches(rule, attrs.path);
}

export function rulesAllow(attrs: Attributes, rules: readonly PolicyRule[]): boolean {
  return rules.some((r) => ruleAllows(attrs, r));
}

/** One rule per (group, resource, verb[, name]) and per (URL, verb): what Covers compares. */
export function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const group of rule.apiGroups ?? []) {
    for (const resource of rule.resources ?? []) {
      for (const verb of rule.verbs ?? []) {
        if ((rule.resourceNames ?? []).length > 0) {
          for (const n of rule.resourceNames!) out.push({ apiGroups: [group], resources: [resource], verbs: [verb], resourceNames: [n] });
        } else {
          out.push({ apiGroups: [group], resources: [resource], verbs: [verb] });
        }
      }
    }
  }
  for (const url of rule.nonResourceURLs ?? []) {
    for (const verb of rule.verbs ?? []) out.push({ nonResourceURLs: [url], verbs: [verb] });
  }
  return out;
}

const hasAll = (set: readonly string[] | undefined, want: readonly string[] | undefined) => (want ?? []).every((w) => (set ?? []).includes(w));

function resourcesCover(owner: readonly string[] | undefined, wanted: readonly string[] | undefined): boolean {
  const set = owner ?? [];
  if (set.includes(ALL) || hasAll(set, wanted)) return true;
  for (const path of wanted ?? []) {
    if (set.includes(path)) continue;
    const slash = path.indexOf('/');
    if (slash < 0) return false;
    if (!set.includes(`*/${path.slice(slash + 1)}`)) return false;
  }
  return true;
}

function urlCovers(owner: string, sub: string): boolean {
  return owner === sub || (owner.endsWith('*') && sub.startsWith(trimStars(owner)));
}

/** Whether `owner` (any shape) covers `sub` (at most one verb, resource, name or URL). */
function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  const verbs = (owner.verbs ?? []).includes(ALL) || hasAll(owner.verbs, sub.verbs);
  const groups = (owner.apiGroups ?? []).includes(ALL) || hasAll(owner.apiGroups, sub.apiGroups);
  const resources = resourcesCover(owner.resources, sub.resources);
  const urls = (sub.nonResourceURLs ?? []).every((u) => (owner.nonResourceURLs ?? []).some((o) => urlCovers(o, u)));
  const ownerNames = owner.resourceNames ?? [];
  const names = (sub.resourceNames ?? []).length === 0 ? ownerNames.length === 0 : ownerNames.length === 0 || hasAll(ownerNames, sub.resourceNames);
  return verbs && groups && resources && names && urls;
}

/** Upstream's Covers: whether the owner's rules grant everything the servant's do, and what they miss. */
export function covers(ownerRules: readonly PolicyRule[], servantRules: readonly PolicyRule[]): { covered: boolean; missing: PolicyRule[] } {
  const missing: PolicyRule[] = [];
  for (const sub of servantRules.flatMap(breakdownRule)) {
    if (!ownerRules.some((o) => ruleCovers(o, sub))) missing.push(sub);
  }
  return { covered: missing.length === 0, missing };
}

/** Merges rules of one group and one resource (and nothing else) that differ only by verb. */
export function compactRules(rules: readonly PolicyRule[]): PolicyRule[] {
  const out: PolicyRule[] = [];
  const simple = new Map<string, PolicyRule>();
  for (const r of rules) {
    const isSimple = (r.resourceNames ?? []).length === 0 && (r.nonResourceURLs ?? []).length === 0
      && (r.apiGroups ?? []).length === 1 && (r.resources ?? []).length === 1;
    if (!isSimple) { out.push(r); continue; }
    const key = `${r.apiGroups![0]}\u0000${r.resources![0]}`;
    const seen = simple.get(key);
    if (seen) seen.verbs = [...(seen.verbs ?? []), ...(r.verbs ?? [])];
    else simple.set(key, { apiGroups: [...r.apiGroups!], resources: [...r.resources!], verbs: [...(r.verbs ?? [])] });
  }
  return [...out, ...simple.values()];
}

/** Go's `%q` of a []string: `["a" "b"]`. */
export const goQuoteList = (xs: readonly string[]) => `[${xs.map(goQuote).join(' ')}]`;

/** Upstream's rbac CompactString: `{APIGroups:[""], Resources:["pods"], Verbs:["get" "list"]}`. */
export function compactString(r: PolicyRule): string {
  const parts: string[] = [];
  if ((r.apiGroups ?? []).length) parts.push(`APIGroups:${goQuoteList(r.apiGroups!)}`);
  if ((r.resources ?? []).length) parts.push(`Resources:${goQuoteList(r.resources!)}`);
  if ((r.nonResourceURLs ?? []).length) parts.push(`NonResourceURLs:${goQuoteList(r.nonResourceURLs!)}`);
  if ((r.resourceNames ?? []).length) parts.push(`ResourceNames:${goQuoteList(r.resourceNames!)}`);
  if ((r.verbs ?? []).length) parts.push(`Verbs:${goQuoteList(r.verbs!)}`);
  return `{${parts.join(', ')}}`;
}

/** The missing rules as the escalation error lists them: compacted, one per line, sorted, unique. */
export function describeMissing(missing: readonly PolicyRule[]): string {
  return [...new Set(compactRules(missing).map(compactString))].sort(compareGoStrings).join('\n');
}

/** Rules as equal values (the aggregation controller's semantic equality; nil and empty lists alike). */
export function rulesEqual(a: PolicyRule, b: PolicyRule): boolean {
  const same = (x: readonly string[] | undefined, y: readonly string[] | undefined) => {
    const xs = x ?? [], ys = y ?? [];
    return xs.length === ys.length && xs.every((v, i) => v === ys[i]);
  };
  return same(a.verbs, b.verbs) && same(a.apiGroups, b.apiGroups) && same(a.resources, b.resources)
    && same(a.resourceNames, b.resourceNames) && same(a.nonResourceURLs, b.nonResourceURLs);
}
