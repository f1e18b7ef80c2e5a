// Authorization: may this user do this. Until RBAC lands, authenticated users may do anything
// and anonymous users only what upstream's default roles grant them (health, version,
// discovery, OpenAPI).
import * as errors from '../../machinery/errors.ts';
import type { RequestInfo } from '../endpoints/requestinfo.ts';
import type { UserInfo } from './authn.ts';

export interface Authorizer {
  authorize(user: UserInfo, info: RequestInfo): void;
}

const PUBLIC_PATHS = [/^\/(healthz|livez|readyz)(\/.*)?$/, /^\/version\/?$/, /^\/apis?\/?$/, /^\/apis\/[^/]+\/?$/, /^\/apis?\/[^/]+\/[^/]+\/?$/, /^\/api\/v1\/?$/, /^\/openapi\/.*/];

export function newAuthorizer(): Authorizer {
  return {
    authorize(user, info) {
      if (user.groups.includes('system:authenticated')) return;
      if (!info.isResourceRequest && PUBLIC_PATHS.some((re) => re.test(info.path))) return;
      throw forbidden(user, info);
    },
  };
}

/** Upstream's text: `User "x" cannot list resource "pods" in API group "" in the namespace "default"`. */
export function forbidden(user: UserInfo, info: RequestInfo): errors.StatusError {
  if (!info.isResourceRequest) {
    return errors.forbidden({ group: '', resource: '' }, '', `User "${user.name}" cannot ${info.verb} path "${info.path}"`);
  }
  const resource = info.subresource ? `${info.resource}/${info.subresource}` : info.resource;
  let reason = `User "${user.name}" cannot ${info.verb} resource "${resource}" in API group "${info.apiGroup}"`;
  reason += info.namespace ? ` in the namespace "${info.namespace}"` : ' at the cluster scope';
  return errors.forbidden({ group: info.apiGroup, resource: info.resource }, info.name, reason);
}
