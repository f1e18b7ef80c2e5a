// RBAC validation shared by roles, clusterroles and their bindings, as upstream's
// pkg/apis/rbac/validation: rules need verbs and resources (or non-resource URLs, cluster-wide
// only), bindings point at a Role or ClusterRole in rbac.authorization.k8s.io and name valid
// subjects; a binding's roleRef never changes.
import { FieldPath } from '../../../../machinery/fieldpath.ts';
import * as field from '../../../../machinery/fieldpath.ts';
import { nameIsDNSSubdomain, validatePathSegmentName } from '../../../../machinery/validation.ts';
import { validateLabelSelector, type LabelSelector } from '../../../../machinery/labels.ts';
import type { FieldError, KubeObject } from '../../types.ts';

export const GroupName = 'rbac.authorization.k8s.io';

export interface PolicyRule { verbs?: string[]; apiGroups?: string[]; resources?: string[]; resourceNames?: string[]; nonResourceURLs?: string[] }
export interface RoleRef { apiGroup?: string; kind?: string; name?: string }
export interface Subject { kind?: string; apiGroup?: string; name?: string; namespace?: string }

export type Role = KubeObject & { rules?: PolicyRule[] | null };
export type ClusterRole = Role & { aggregationRule?: { clusterRoleSelectors?: LabelSelector[] } };
export type Binding = KubeObject & { roleRef?: RoleRef; subjects?: Subject[] };

/** RBAC names only need to be path segments (upstream's ValidateRBACName). */
export const validateRBACName = validatePathSegmentName;

export function validatePolicyRule(rule: PolicyRule, namespaced: boolean, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const len = (v: unknown[] | undefined) => v?.length ?? 0;
  if (len(rule.verbs) === 0) errs.push(field.required(path.child('verbs'), 'verbs must contain at least one value'));
  if (len(rule.nonResourceURLs) > 0) {
    if (namespaced) errs.push(field.invalid(path.child('nonResourceURLs'), rule.nonResourceURLs, 'namespaced rules cannot apply to non-resource URLs'));
    if (len(rule.apiGroups) > 0 || len(rule.resources) > 0 || len(rule.resourceNames) > 0) {
      errs.push(field.invalid(path.child('nonResourceURLs'), rule.nonResourceURLs, 'rules cannot apply to both regular resources and non-resource URLs'));
    }
    return errs;
  }
  if (len(rule.apiGroups) === 0) errs.push(field.required(path.child('apiGroups'), 'resource rules must supply at least one api group'));
  if (len(rule.resources) === 0) errs.push(field.required(path.child('resources'), 'resource rules must supply at least one resource'));
  return errs;
}

export function validateRules(rules: PolicyRule[] | undefined | null, namespaced: boolean): FieldError[] {
  return (rules ?? []).flatMap((r, i) => validatePolicyRule(r, namespaced, FieldPath.root('rules').index(i)));
}

export function validateAggregationRule(role: ClusterRole): FieldError[] {
  if (!role.aggregationRule) return [];
  const path = FieldPath.root('aggregationRule', 'clusterRoleSelectors');
  const selectors = role.aggregationRule.clusterRoleSelectors ?? [];
  const errs: FieldError[] = [];
  if (selectors.length === 0) errs.push(field.required(path, 'at least one clusterRoleSelector required if aggregationRule is non-nil'));
  selectors.forEach((s, i) => errs.push(...validateLabelSelector(s, path.index(i))));
  return errs;
}

export function validateSubject(s: Subject, namespaced: boolean, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const name = s.name ?? '';
  const apiGroup = s.apiGroup ?? '';
  if (name === '') errs.push(field.required(path.child('name')));
  switch (s.kind) {
    case 'ServiceAccount':
      if (name !== '') for (const m of nameIsDNSSubdomain(name, false)) errs.push(field.invalid(path.child('name'), name, m));
      if (apiGroup !== '') errs.push(field.notSupported(path.child('apiGroup'), apiGroup, ['']));
      if (!namespaced && !s.namespace) errs.push(field.required(path.child('namespace')));
      break;
    case 'User':
    case 'Group':
      if (apiGroup !== GroupName) errs.push(field.notSupported(path.child('apiGroup'), apiGroup, [GroupName]));
      break;
    default:
      errs.push(field.notSupported(path.child('kind'), s.kind ?? '', ['ServiceAccount', 'User', 'Group']));
  }
  return errs;
}

/** RoleBinding (namespaced: Role or ClusterRole) and ClusterRoleBinding (ClusterRole only). */
export function validateBinding(b: Binding, namespaced: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const ref = b.roleRef ?? {};
  if ((ref.apiGroup ?? '') !== GroupName) errs.push(field.notSupported(FieldPath.root('roleRef', 'apiGroup'), ref.apiGroup ?? '', [GroupName]));
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(ref.kind ?? '')) errs.push(field.notSupported(FieldPath.root('roleRef', 'kind'), ref.kind ?? '', kinds));
  if (!ref.name) errs.push(field.required(FieldPath.root('roleRef', 'name')));
  else for (const m of validateRBACName(ref.name, false)) errs.push(field.invalid(FieldPath.root('roleRef', 'name'), ref.name, m));
  (b.subjects ?? []).forEach((s, i) => errs.push(...validateSubject(s, namespaced, FieldPath.root('subjects').index(i))));
  return errs;
}

export function validateBindingUpdate(b: Binding, old: Binding): FieldError[] {
  const a = b.roleRef ?? {}, o = old.roleRef ?? {};
  if ((a.apiGroup ?? '') === (o.apiGroup ?? '') && (a.kind ?? '') === (o.kind ?? '') && (a.name ?? '') === (o.name ?? '')) return [];
  // Upstream prints the internal RoleRef struct (Go field names).
  return [field.invalid(FieldPath.root('roleRef'), { APIGroup: a.apiGroup ?? '', Kind: a.kind ?? '', Name: a.name ?? '' }, 'cannot change roleRef')];
}

/**
 * A Role's or ClusterRole's `rules` have no omitempty, and an empty list reads back from upstream's
 * (protobuf) storage as nil: a role without rules (an aggregated ClusterRole that selects nothing
 * yet) is written `rules: null`.
 */
export function defaultRole(role: Role): void {
  if (!role.rules?.length) role.rules = null;
}

/** SetDefaults_RoleBinding / _ClusterRoleBinding / _Subject. */
export function defaultBinding(b: Binding): void {
  if (b.roleRef && !b.roleRef.apiGroup) b.roleRef.apiGroup = GroupName;
  for (const s of b.subjects ?? []) {
    if (s.apiGroup) continue;
    if (s.kind === 'User' || s.kind === 'Group') s.apiGroup = GroupName;
    // A ServiceAccount's group is the core group, "", which Subject.apiGroup (omitempty) never writes.
    else delete s.apiGroup;
  }
}

/** Upstream's rbac.SubjectsStrings: users, groups and namespace/name service accounts for Table cells. */
export function subjectsStrings(subjects: Subject[] | undefined): [string, string, string] {
  const users: string[] = [], groups: string[] = [], sas: string[] = [];
  for (const s of subjects ?? []) {
    if (s.kind === 'ServiceAccount') sas.push(`${s.namespace ?? ''}/${s.name ?? ''}`);
    else if (s.kind === 'User') users.push(s.name ?? '');
    else if (s.kind === 'Group') groups.push(s.name ?? '');
  }
  return [users.join(', '), groups.join(', '), sas.join(', ')];
}
