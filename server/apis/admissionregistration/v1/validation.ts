// The admissionregistration.k8s.io/v1 checks that webhooks and admission policies share, as
// upstream's pkg/apis/admissionregistration/validation (release-1.32). CEL expressions are
// required where upstream requires them but are not compiled here.
import type { FieldPath } from '../../../../machinery/fieldpath.ts';
import * as field from '../../../../machinery/fieldpath.ts';
import { isDNS1035Label, isDNS1123Subdomain, isQualifiedName, isValidPortNum, validatePathSegmentName } from '../../../../machinery/validation.ts';
import { validateLabelSelector, type LabelSelector } from '../../../../machinery/labels.ts';
import type { FieldError } from '../../types.ts';

export interface Rule { apiGroups?: string[]; apiVersions?: string[]; resources?: string[]; scope?: string; operations?: string[]; resourceNames?: string[] }
export interface MatchCondition { name?: string; expression?: string }
export interface MatchResources {
  namespaceSelector?: LabelSelector; objectSelector?: LabelSelector; resourceRules?: Rule[]; excludeResourceRules?: Rule[]; matchPolicy?: string;
}

const hasWildcard = (list: string[]) => list.includes('*');
export const failurePolicies = ['Fail', 'Ignore'];
export const matchPolicies = ['Equivalent', 'Exact'];
const scopes = ['*', 'Cluster', 'Namespaced'];
const operations = ['*', 'CONNECT', 'CREATE', 'DELETE', 'UPDATE'];

function validateResources(resources: string[], path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (resources.length === 0) errs.push(field.required(path));
  const withWildcardSub = new Set<string>(), subWithWildcardRes = new Set<string>();
  let doubleWildcard = false, singleWildcard = false, withoutSub = false;
  resources.forEach((resSub, i) => {
    if (resSub === '') { errs.push(field.required(path.index(i))); return; }
    if (resSub === '*/*') doubleWildcard = true;
    if (resSub === '*') singleWildcard = true;
    const slash = resSub.indexOf('/');
    if (slash < 0) { withoutSub = resSub !== '*'; return; }
    const res = resSub.slice(0, slash), sub = resSub.slice(slash + 1);
    if (withWildcardSub.has(res)) errs.push(field.invalid(path.index(i), resSub, `if '${res}/*' is present, must not specify ${resSub}`));
    if (subWithWildcardRes.has(sub)) errs.push(field.invalid(path.index(i), resSub, `if '*/${sub}' is present, must not specify ${resSub}`));
    if (sub === '*') withWildcardSub.add(res);
    if (res === '*') subWithWildcardRes.add(sub);
  });
  if (resources.length > 1 && doubleWildcard) errs.push(field.invalid(path, resources, "if '*/*' is present, must not specify other resources"));
  if (singleWildcard && withoutSub) errs.push(field.invalid(path, resources, "if '*' is present, must not specify other resources without subresources"));
  return errs;
}

/** Upstream's validateRuleWithOperations (subresources allowed). */
export function validateRuleWithOperations(rule: Rule, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const ops = rule.operations ?? [];
  if (ops.length === 0) errs.push(field.required(path.child('operations')));
  if (ops.length > 1 && hasWildcard(ops)) errs.push(field.invalid(path.child('operations'), ops, "if '*' is present, must not specify other operations"));
  ops.forEach((op, i) => { if (!operations.includes(op)) errs.push(field.notSupported(path.child('operations').index(i), op, operations)); });
  const groups = rule.apiGroups ?? [], versions = rule.apiVersions ?? [];
  if (groups.length === 0) errs.push(field.required(path.child('apiGroups')));
  if (groups.length > 1 && hasWildcard(groups)) errs.push(field.invalid(path.child('apiGroups'), groups, "if '*' is present, must not specify other API groups"));
  if (versions.length === 0) errs.push(field.required(path.child('apiVersions')));
  if (versions.length > 1 && hasWildcard(versions)) errs.push(field.invalid(path.child('apiVersions'), versions, "if '*' is present, must not specify other API versions"));
  versions.forEach((v, i) => { if (v === '') errs.push(field.required(path.child('apiVersions').index(i))); });
  errs.push(...validateResources(rule.resources ?? [], path.child('resources')));
  if (rule.scope !== undefined && rule.scope !== null && !scopes.includes(rule.scope)) errs.push(field.notSupported(path.child('scope'), rule.scope, scopes));
  return errs;
}

export function validateMatchConditions(conditions: MatchCondition[] | undefined, path: FieldPath): FieldError[] {
  const list = conditions ?? [];
  const errs: FieldError[] = [];
  if (list.length > 64) errs.push(field.tooMany(path, list.length, 64));
  const names = new Set<string>();
  list.forEach((mc, i) => {
    const p = path.index(i);
    if ((mc.expression ?? '').trim() === '') errs.push(field.required(p.child('expression')));
    const name = mc.name ?? '';
    if (name === '') errs.push(field.required(p.child('name')));
    else for (const m of isQualifiedName(name)) errs.push(field.invalid(p.child('name'), name, m));
    if (name !== '') {
      if (names.has(name)) errs.push(field.duplicate(p.child('name'), name));
      else names.add(name);
    }
  });
  return errs;
}

/** Go's url.Parse, reduced to what ValidateWebhookURL looks at. */
function parseURL(raw: string): { scheme: string; host: string; user?: string; fragment: string; query: string } | string {
  if (/[\x00-\x1f\x7f]/.test(raw)) return `parse ${JSON.stringify(raw)}: net/url: invalid control character in URL`;
  let rest = raw;
  let fragment = '';
  const hash = rest.indexOf('#');
  if (hash >= 0) { fragment = rest.slice(hash + 1); rest = rest.slice(0, hash); }
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(rest);
  if (!m && rest.startsWith(':')) return `parse ${JSON.stringify(raw)}: missing protocol scheme`;
  const scheme = m ? m[1]!.toLowerCase() : '';
  if (m) rest = rest.slice(m[0].length);
  let query = '';
  const q = rest.indexOf('?');
  if (q >= 0) { query = rest.slice(q + 1); rest = rest.slice(0, q); }
  let host = '';
  let user: string | undefined;
  if (rest.startsWith('//')) {
    const end = rest.indexOf('/', 2);
    const authority = end < 0 ? rest.slice(2) : rest.slice(2, end);
    const at = authority.lastIndexOf('@');
    if (at >= 0) { user = authority.slice(0, at); host = authority.slice(at + 1); } else host = authority;
  } else if (!m && rest.split('/')[0]!.includes(':')) {
    return `parse ${JSON.stringify(raw)}: first path segment in URL cannot contain colon`;
  }
  return { scheme, host, ...(user !== undefined ? { user } : {}), fragment, query };
}

const urlForm = '; desired format: https://host[/path]';

/** Upstream's webhook.ValidateWebhookURL with forceHttps. */
export function validateWebhookURL(path: FieldPath, url: string): FieldError[] {
  const u = parseURL(url);
  if (typeof u === 'string') return [field.required(path, `url must be a valid URL: ${u}${urlForm}`)];
  const errs: FieldError[] = [];
  if (u.scheme !== 'https') errs.push(field.invalid(path, u.scheme, `'https' is the only allowed URL scheme${urlForm}`));
  if (u.host.length === 0) errs.push(field.invalid(path, u.host, `host must be specified${urlForm}`));
  if (u.user !== undefined) errs.push(field.invalid(path, u.user, 'user information is not permitted in the URL'));
  if (u.fragment.length !== 0) errs.push(field.invalid(path, u.fragment, 'fragments are not permitted in the URL'));
  if (u.query.length !== 0) errs.push(field.invalid(path, u.query, 'query parameters are not permitted in the URL'));
  return errs;
}

/**
 * Upstream's webhook.ValidateWebhookService. Its caller passes the service's name where the
 * namespace goes and the other way round, so a missing name is reported as the namespace.
 */
export function validateWebhookService(path: FieldPath, namespace: string, name: string, urlPath: string | undefined, port: number): FieldError[] {
  const errs: FieldError[] = [];
  if (name.length === 0) errs.push(field.required(path.child('name'), 'service name is required'));
  if (namespace.length === 0) errs.push(field.required(path.child('namespace'), 'service namespace is required'));
  const portErrs = isValidPortNum(port);
  if (portErrs.length) errs.push(field.invalid(path.child('port'), port, `port is not valid: ${portErrs.join(', ')}`));
  if (urlPath === undefined || urlPath === null || urlPath === '/' || urlPath === '') return errs;
  if (urlPath === '//') return [...errs, field.invalid(path.child('path'), urlPath, 'segment[0] may not be empty')];
  if (!urlPath.startsWith('/')) errs.push(field.invalid(path.child('path'), urlPath, "must start with a '/'"));
  let check = urlPath.slice(1);
  if (check.endsWith('/')) check = check.slice(0, -1);
  check.split('/').forEach((step, i) => {
    if (step.length === 0) { errs.push(field.invalid(path.child('path'), urlPath, `segment[${i}] may not be empty`)); return; }
    for (const m of isDNS1123Subdomain(step)) errs.push(field.invalid(path.child('path'), urlPath, `segment[${i}]: ${m}`));
  });
  return errs;
}

export function validateLabelSelectorField(ls: LabelSelector | undefined, path: FieldPath): FieldError[] {
  return ls ? validateLabelSelector(ls, path) : [];
}

export function validateNamedRule(rule: Rule, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  (rule.resourceNames ?? []).forEach((n, i) => {
    for (const m of validatePathSegmentName(n, false)) errs.push(field.invalid(path.child('resourceNames').index(i), n, m));
    if (seen.has(n)) errs.push(field.duplicate(path.child('resourceNames').index(i), n)); else seen.add(n);
  });
  errs.push(...validateRuleWithOperations(rule, path));
  return errs;
}

export function validateMatchResources(mc: MatchResources | undefined, path: FieldPath): FieldError[] {
  if (!mc) return [];
  const errs: FieldError[] = [];
  if (mc.matchPolicy === undefined || mc.matchPolicy === null) errs.push(field.required(path.child('matchPolicy')));
  else if (!matchPolicies.includes(mc.matchPolicy)) errs.push(field.notSupported(path.child('matchPolicy'), mc.matchPolicy, matchPolicies));
  if (!mc.namespaceSelector) errs.push(field.required(path.child('namespaceSelector')));
  else errs.push(...validateLabelSelector(mc.namespaceSelector, path.child('namespaceSelector')));
  if (!mc.objectSelector) errs.push(field.required(path.child('objectSelector')));
  else errs.push(...validateLabelSelector(mc.objectSelector, path.child('objectSelector')));
  (mc.resourceRules ?? []).forEach((r, i) => errs.push(...validateNamedRule(r, path.child('resourceRules').index(i))));
  (mc.excludeResourceRules ?? []).forEach((r, i) => errs.push(...validateNamedRule(r, path.child('excludeResourceRules').index(i))));
  return errs;
}

/** SetDefaults_MatchResources (and SetDefaults_Rule on the named rules). */
export function defaultMatchResources(mc: MatchResources | undefined): void {
  if (!mc) return;
  mc.matchPolicy ??= 'Equivalent';
  mc.namespaceSelector ??= {};
  mc.objectSelector ??= {};
  for (const r of [...(mc.resourceRules ?? []), ...(mc.excludeResourceRules ?? [])]) r.scope ??= '*';
}

export const isDNS1035 = isDNS1035Label;
