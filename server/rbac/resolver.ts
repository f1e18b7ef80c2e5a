// Which rules apply to a user in a namespace (upstream's DefaultRuleResolver): every
// ClusterRoleBinding and, in a namespace, every RoleBinding there whose subjects name the user,
// one of its groups or its ServiceAccount, resolved to the referenced role's rules. Built once
// per snapshot of the RBAC objects with bindings indexed by subject, so a request looks up only
// the bindings that can apply to it.
import * as errors from '../../machinery/errors.ts';
import { compareGoStrings, goQuote } from '../../machinery/goformat.ts';
import type { Binding, ClusterRole, PolicyRule, Role, RoleRef, Subject } from '../apis/rbac/v1/validation.ts';
import type { RequestUser } from '../apis/types.ts';

export interface PolicyObjects {
  roles: readonly Role[];
  roleBindings: readonly Binding[];
  clusterRoles: readonly ClusterRole[];
  clusterRoleBindings: readonly Binding[];
}

/** Called per applicable rule with a description of where it came from, or per resolution error; false stops. */
export type RuleVisitor = (source: string | undefined, rule: PolicyRule | undefined, err: string | undefined) => boolean;

const SA_PREFIX = 'system:serviceaccount:';
const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** The namespace and name of a ServiceAccount user name, if it is one. */
export function serviceAccountOf(userName: string): { namespace: string; name: string } | undefined {
  if (!userName.startsWith(SA_PREFIX)) return undefined;
  const rest = userName.slice(SA_PREFIX.length);
  const i = rest.indexOf(':');
  if (i <= 0 || i === rest.length - 1) return undefined;
  return { namespace: rest.slice(0, i), name: rest.slice(i + 1) };
}

function subjectApplies(user: RequestUser, s: Subject, namespace: string): boolean {
  switch (s.kind) {
    case 'User': return user.name === s.name;
    case 'Group': return (user.groups ?? []).includes(s.name ?? '');
    case 'ServiceAccount': {
      // A RoleBinding's ServiceAccount subject without a namespace means its own namespace.
      const ns = s.namespace || namespace;
      return ns !== '' && user.name === `${SA_PREFIX}${ns}:${s.name ?? ''}`;
    }
    default: return false;
  }
}

function describeSubject(s: Subject, bindingNamespace: string): string {
  if (s.kind === 'ServiceAccount') return `${s.kind} ${goQuote(`${s.name ?? ''}/${s.namespace || bindingNamespace}`)}`;
  return `${s.kind ?? ''} ${goQuote(s.name ?? '')}`;
}

/** Index keys a subject is found under. */
function subjectKey(s: Subject, bindingNamespace: string): string | undefined {
  switch (s.kind) {
    case 'User': return `u:${s.name ?? ''}`;
    case 'Group': return `g:${s.name ?? ''}`;
    case 'ServiceAccount': return s.namespace || bindingNamespace ? `sa:${s.namespace || bindingNamespace}/${s.name ?? ''}` : undefined;
    default: return undefined;
  }
}

function userKeys(user: RequestUser): string[] {
  const keys = [`u:${user.name}`, ...(user.groups ?? []).map((g) => `g:${g}`)];
  const sa = serviceAccountOf(user.name);
  if (sa) keys.push(`sa:${sa.namespace}/${sa.name}`);
  return keys;
}

type BySubject = Map<string, Binding[]>;

function indexBindings(bindings: readonly Binding[], namespaced: boolean): Map<string, BySubject> {
  const byNamespace = new Map<string, BySubject>();
  const sorted = [...bindings].sort((a, b) => compareGoStrings(a.metadata?.name ?? '', b.metadata?.name ?? ''));
  for (const b of sorted) {
    const ns = namespaced ? b.metadata?.namespace ?? '' : '';
    let idx = byNamespace.get(ns);
    if (!idx) byNamespace.set(ns, (idx = new Map()));
    for (const s of b.subjects ?? []) {
      const key = subjectKey(s, ns);
      if (!key) continue;
      const list = idx.get(key) ?? [];
      if (!list.includes(b)) list.push(b);
      idx.set(key, list);
    }
  }
  return byNamespace;
}

export class RuleResolver {
  private readonly roles = new Map<string, PolicyRule[]>();
  private readonly clusterRoles = new Map<string, PolicyRule[]>();
  private readonly clusterBindings: BySubject;
  private readonly namespacedBindings: Map<string, BySubject>;

  constructor(objs: PolicyObjects) {
    for (const r of objs.roles) this.roles.set(`${r.metadata?.namespace ?? ''}/${r.metadata?.name ?? ''}`, r.rules ?? []);
    for (const r of objs.clusterRoles) this.clusterRoles.set(r.metadata?.name ?? '', r.rules ?? []);
    this.clusterBindings = indexBindings(objs.clusterRoleBindings, false).get('') ?? new Map();
    this.namespacedBindings = indexBindings(objs.roleBindings, true);
  }

  /**
   * The rules a binding's roleRef grants (upstream's GetRoleReferenceRules): NotFound, as the
   * listers word it, for a missing role; an error for an unknown kind.
   */
  roleReferenceRules(ref: RoleRef, bindingNamespace: string): PolicyRule[] {
    const name = ref.name ?? '';
    switch (ref.kind) {
      case 'Role': {
        const rules = this.roles.get(`${bindingNamespace}/${name}`);
        if (!rules) throw errors.notFound({ group: RBAC_GROUP, resource: 'role' }, name);
        return rules;
      }
      case 'ClusterRole': {
        const rules = this.clusterRoles.get(name);
        if (!rules) throw errors.notFound({ group: RBAC_GROUP, resource: 'clusterrole' }, name);
        return rules;
      }
      default:
        throw new Error(`unsupported role reference kind: ${goQuote(ref.kind ?? '')}`);
    }
  }

  /** Every rule that applies to the user in the namespace ("" for cluster-wide only), in binding order. */
  visitRulesFor(user: RequestUser, namespace: string, visit: RuleVisitor): void {
    if (!this.visitBindings(user, this.clusterBindings, '', 'ClusterRoleBinding', visit)) return;
    if (!namespace) return;
    const idx = this.namespacedBindings.get(namespace);
    if (idx) this.visitBindings(user, idx, namespace, 'RoleBinding', visit);
  }

  private visitBindings(user: RequestUser, idx: BySubject, namespace: string, kind: string, visit: RuleVisitor): boolean {
    const candidates = new Set<Binding>();
    for (const key of userKeys(user)) for (const b of idx.get(key) ?? []) candidates.add(b);
    const ordered = [...candidates].sort((a, b) => compareGoStrings(a.metadata?.name ?? '', b.metadata?.name ?? ''));
    for (const b of ordered) {
      const subject = (b.subjects ?? []).find((s) => subjectApplies(user, s, namespace));
      if (!subject) continue;
      let rules: PolicyRule[];
      try {
        rules = this.roleReferenceRules(b.roleRef ?? {}, namespace);
      } catch (e) {
        if (!visit(undefined, undefined, (e as Error).message)) return false;
        continue;
      }
      const name = namespace ? `${b.metadata?.name ?? ''}/${namespace}` : b.metadata?.name ?? '';
      const source = `${kind} ${goQuote(name)} of ${b.roleRef?.kind ?? ''} ${goQuote(b.roleRef?.name ?? '')} to ${describeSubject(subject, namespace)}`;
      for (const r of rules) if (!visit(source, r, undefined)) return false;
    }
    return true;
  }

  /** All rules that apply, and the errors met resolving them (rules are additive: partial is still useful). */
  rulesFor(user: RequestUser, namespace: string): { rules: PolicyRule[]; errors: string[] } {
    const rules: PolicyRule[] = [];
    const errs: string[] = [];
    this.visitRulesFor(user, namespace, (_s, r, e) => {
      if (r) rules.push(r);
      if (e) errs.push(e);
      return true;
    });
    return { rules, errors: errs };
  }
}

/** Go's utilerrors.NewAggregate(...).Error(): one message alone, several as `[a, b]` without repeats. */
export function aggregateMessage(msgs: readonly string[]): string {
  const unique = [...new Set(msgs)];
  if (unique.length === 0) return '';
  if (unique.length === 1) return unique[0]!;
  return `[${unique.join(', ')}]`;
}
