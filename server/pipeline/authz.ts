// Authorization: may this user do this. Every request's attributes (upstream's RequestInfo as
// the authorizers see it) go through the chain in server/rbac/authorizer.ts: system:masters,
// then the Node authorizer, then RBAC over the cluster's Roles and bindings. Anonymous users get
// what upstream's default bindings give system:unauthenticated (health and version); anything
// refused is a 403 with upstream's message.
import * as errors from '../../machinery/errors.ts';
import { parseFieldSelector } from '../../machinery/fields.ts';
import { validatePathSegmentName } from '../../machinery/validation.ts';
import type { Store } from '../../storage/store.ts';
import type { RequestUser } from '../apis/types.ts';
import type { RequestInfo } from '../endpoints/requestinfo.ts';
import {
  isPrivileged, rememberRequestUser, staticAuthorizer, storeAuthorizer, type ClusterAuthorizer,
} from '../rbac/authorizer.ts';
import type { DecisionResult, RulesResult } from '../rbac/decision.ts';
import type { Attributes } from '../rbac/rules.ts';
import type { UserInfo } from './authn.ts';

export type { Attributes, DecisionResult, RulesResult };

export interface Authorizer {
  /**
   * Throws 403 Forbidden unless the chain allows the request. `query` gives list and watch
   * requests their field selector (a `metadata.name=` one names the object, as upstream's
   * RequestInfo does; the Node authorizer reads `spec.nodeName=`).
   */
  authorize(user: UserInfo, info: RequestInfo, query?: URLSearchParams): void;
  /** The chain's decision on any attributes (access reviews, impersonation checks). */
  decide(attrs: Attributes): DecisionResult;
  /** What a user may do in a namespace (SelfSubjectRulesReview). */
  rulesFor(user: RequestUser, namespace: string): RulesResult;
  /** Resolves once the RBAC objects are read from the store. */
  synced(): Promise<void>;
  stop(): void;
}

export interface AuthorizerOptions {
  store: Store;
  /** Where a resource's objects live in the store (the registry's key prefix). */
  prefixOf(group: string, version: string, plural: string): string;
  log?: (msg: string) => void;
}

/**
 * The API server's authorizer. With a store, RBAC reads the cluster's roles and bindings and the
 * Node authorizer its pods; without one, the built-in bootstrap policy alone decides.
 */
export function newAuthorizer(opts?: AuthorizerOptions): Authorizer {
  const chain: ClusterAuthorizer = opts
    ? storeAuthorizer(opts.store, {
      roles: opts.prefixOf('rbac.authorization.k8s.io', 'v1', 'roles'),
      roleBindings: opts.prefixOf('rbac.authorization.k8s.io', 'v1', 'rolebindings'),
      clusterRoles: opts.prefixOf('rbac.authorization.k8s.io', 'v1', 'clusterroles'),
      clusterRoleBindings: opts.prefixOf('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings'),
      pods: opts.prefixOf('', 'v1', 'pods'),
    }, opts.log)
    : staticAuthorizer();
  return {
    authorize(user, info, query) {
      if (isPrivileged(user)) return;
      // Escalation checks further down this request find the authorizer through its user.
      rememberRequestUser(user, chain);
      const attrs = attributesFor(user, info, query);
      const d = chain.decide(attrs);
      if (d.decision !== 'Allow') throw forbiddenFor(attrs, d.reason);
    },
    decide: (attrs) => chain.decide(attrs),
    rulesFor: (user, namespace) => chain.rulesFor(user, namespace),
    synced: () => chain.synced(),
    stop: () => chain.stop(),
  };
}

/**
 * A request's authorization attributes. As upstream's RequestInfo: a namespace's own URL is in
 * that namespace, and a list or watch whose field selector pins metadata.name names that object.
 */
export function attributesFor(user: RequestUser, info: RequestInfo, query?: URLSearchParams): Attributes {
  const attrs: Attributes = {
    user, verb: info.verb, isResourceRequest: info.isResourceRequest, path: info.path,
    namespace: info.namespace, apiGroup: info.apiGroup, apiVersion: info.apiVersion,
    resource: info.resource, subresource: info.subresource, name: info.name,
  };
  if (!info.isResourceRequest) return attrs;
  if (info.apiGroup === '' && info.resource === 'namespaces' && info.name && !info.namespace) attrs.namespace = info.name;
  const fieldSelector = query?.get('fieldSelector') ?? undefined;
  const labelSelector = query?.get('labelSelector') ?? undefined;
  if (fieldSelector) attrs.fieldSelector = fieldSelector;
  if (labelSelector) attrs.labelSelector = labelSelector;
  if (!attrs.name && fieldSelector && (info.verb === 'list' || info.verb === 'watch')) {
    try {
      const name = parseFieldSelector(fieldSelector).requiresExactMatch('metadata.name');
      if (name !== undefined && validatePathSegmentName(name, false).length === 0) attrs.name = name;
    } catch {
      // A malformed selector is refused later, by the list itself.
    }
  }
  return attrs;
}

/** Upstream's forbiddenMessage: `User "x" cannot list resource "pods" in API group "" in the namespace "default"`. */
export function forbiddenMessage(attrs: Attributes): string {
  if (!attrs.isResourceRequest) return `User "${attrs.user.name}" cannot ${attrs.verb} path "${attrs.path}"`;
  const resource = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
  const base = `User "${attrs.user.name}" cannot ${attrs.verb} resource "${resource}" in API group "${attrs.apiGroup}"`;
  return attrs.namespace ? `${base} in the namespace "${attrs.namespace}"` : `${base} at the cluster scope`;
}

/** The 403 for refused attributes; a non-empty reason follows the message after ": ", as upstream's. */
export function forbiddenFor(attrs: Attributes, reason = ''): errors.StatusError {
  const message = reason ? `${forbiddenMessage(attrs)}: ${reason}` : forbiddenMessage(attrs);
  if (!attrs.isResourceRequest) return errors.forbidden({ group: '', resource: '' }, '', message);
  return errors.forbidden({ group: attrs.apiGroup, resource: attrs.resource }, attrs.name, message);
}

/** The 403 for a refused request. */
export function forbidden(user: UserInfo, info: RequestInfo, reason = ''): errors.StatusError {
  return forbiddenFor(attributesFor(user, info), reason);
}
