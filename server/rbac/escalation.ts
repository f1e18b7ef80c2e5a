// Escalation prevention (upstream's policybased storage for roles and bindings): nobody grants
// through RBAC what they do not hold. Writing a Role or ClusterRole needs every rule it holds,
// or the `escalate` verb on it; an aggregationRule needs cluster-admin's powers. Writing a
// binding needs every rule of the role it references, or the `bind` verb on that role. Members
// of system:masters, and writes with no requesting user (the server's own), are exempt, and so
// are updates that touch only what the garbage collector edits.
import * as errors from '../../machinery/errors.ts';
import { canonicalJson } from '../../machinery/canonicaljson.ts';
import type { KubeObject, RequestUser, StrategyContext } from '../apis/types.ts';
import type { Binding, ClusterRole, PolicyRule, RoleRef } from '../apis/rbac/v1/validation.ts';
import { authorizerForUser, isPrivileged, type ClusterAuthorizer } from './authorizer.ts';
import { RBAC_GROUP } from './builders.ts';
import { aggregateMessage } from './resolver.ts';
import { covers, describeMissing, goQuoteList, type Attributes } from './rules.ts';

const FULL_AUTHORITY: PolicyRule[] = [
  { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
  { verbs: ['*'], nonResourceURLs: ['*'] },
];

/** Upstream's IsOnlyMutatingGCFields: nothing changed but ownerReferences and finalizers (and server-kept metadata). */
export function onlyGCFieldsChanged(obj: KubeObject, old: KubeObject): boolean {
  const strip = (o: KubeObject) => {
    const { ownerReferences: _o, finalizers: _f, selfLink: _s, managedFields: _m, resourceVersion: _r, uid: _u, creationTimestamp: _c, generation: _g, ...meta } = o.metadata ?? {};
    return canonicalJson({ ...o, apiVersion: undefined, kind: undefined, metadata: meta });
  };
  return strip(obj) === strip(old);
}

/** Who asks, when the check applies to them: a user the authorizer has seen, not privileged. */
function checkedUser(ctx: StrategyContext): { user: RequestUser; auth: ClusterAuthorizer } | undefined {
  const user = ctx.user;
  if (!user || isPrivileged(user)) return undefined;
  const auth = authorizerForUser(user);
  return auth ? { user, auth } : undefined;
}

function allowed(auth: ClusterAuthorizer, user: RequestUser, verb: string, resource: string, namespace: string, name: string): boolean {
  const attrs: Attributes = {
    user, verb, isResourceRequest: true, path: '', namespace, apiGroup: RBAC_GROUP, apiVersion: '*', resource, subresource: '', name,
  };
  return auth.decide(attrs).decision === 'Allow';
}

/** Upstream's ConfirmNoEscalation: the error text when the user's own rules do not cover these. */
function escalationError(auth: ClusterAuthorizer, user: RequestUser, namespace: string, rules: readonly PolicyRule[]): string | undefined {
  const own = auth.ruleResolver().rulesFor(user, namespace);
  const { covered, missing } = covers(own.rules, rules);
  if (covered) return undefined;
  let msg = `user "${user.name}" (groups=${goQuoteList(user.groups ?? [])}) is attempting to grant RBAC permissions not currently held:\n${describeMissing(missing)}`;
  if (own.errors.length) msg += `; resolution errors: [${aggregateMessage(own.errors)}]`;
  return msg;
}

/**
 * Before a Role or ClusterRole is created (old undefined) or updated. `resource` is "roles" or
 * "clusterroles"; the namespace is the request's.
 */
export function confirmRoleWrite(resource: 'roles' | 'clusterroles', role: ClusterRole, old: ClusterRole | undefined, ctx: StrategyContext): void {
  const who = checkedUser(ctx);
  if (!who) return;
  if (old && onlyGCFieldsChanged(role, old)) return;
  const name = role.metadata?.name ?? '';
  // Upstream asks about the request's own name, which a create (POST to the collection) lacks.
  if (allowed(who.auth, who.user, 'escalate', resource, ctx.namespace, old ? name : '')) return;
  const gr = { group: RBAC_GROUP, resource };
  const msg = escalationError(who.auth, who.user, ctx.namespace, role.rules ?? []);
  if (msg) throw errors.forbidden(gr, name, msg);
  if (resource === 'clusterroles' && (role.aggregationRule || old?.aggregationRule)) {
    if (escalationError(who.auth, who.user, ctx.namespace, FULL_AUTHORITY)) {
      throw errors.forbidden(gr, name, 'must have cluster-admin privileges to use the aggregationRule');
    }
  }
}

/** Upstream's BindingAuthorized: the `bind` verb on the referenced role, in the binding's namespace. */
function bindAuthorized(auth: ClusterAuthorizer, user: RequestUser, ref: RoleRef, namespace: string): boolean {
  const resource = ref.kind === 'ClusterRole' ? 'clusterroles' : ref.kind === 'Role' ? 'roles' : undefined;
  if (!resource) return false;
  const attrs: Attributes = {
    user, verb: 'bind', isResourceRequest: true, path: '', namespace, apiGroup: ref.apiGroup ?? '', apiVersion: '', resource, subresource: '', name: ref.name ?? '',
  };
  return auth.decide(attrs).decision === 'Allow';
}

/** Before a RoleBinding or ClusterRoleBinding is created (old undefined) or updated. */
export function confirmBindingWrite(resource: 'rolebindings' | 'clusterrolebindings', binding: Binding, old: Binding | undefined, ctx: StrategyContext): void {
  const who = checkedUser(ctx);
  if (!who) return;
  if (old && onlyGCFieldsChanged(binding, old)) return;
  const ref = binding.roleRef ?? {};
  if (bindAuthorized(who.auth, who.user, ref, ctx.namespace)) return;
  let rules: PolicyRule[];
  try {
    rules = who.auth.ruleResolver().roleReferenceRules(ref, ctx.namespace);
  } catch (e) {
    if (errors.isStatusError(e)) throw e;
    throw errors.internalError(e);
  }
  const msg = escalationError(who.auth, who.user, ctx.namespace, rules);
  if (msg) throw errors.forbidden({ group: RBAC_GROUP, resource }, binding.metadata?.name ?? '', msg);
}
