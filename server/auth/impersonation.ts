// Impersonation (kubectl --as, --as-group, --as-uid): a request whose Impersonate-* headers name
// another user is served as that user, once the authorizer allows the requester the verb
// `impersonate` on each thing asked for — core users, groups and serviceaccounts, and
// authentication.k8s.io uids and userextras/<key>. Upstream:
// apiserver/pkg/endpoints/filters/impersonation.go (WithImpersonation).
import type { IncomingMessage } from 'node:http';
import type { RequestInfo } from '../endpoints/requestinfo.ts';
import { ALL_AUTHENTICATED, ALL_UNAUTHENTICATED, ANONYMOUS_USER, type UserInfo } from '../pipeline/authn.ts';
import { makeGroupNames, makeUsername, splitUsername } from './serviceaccount-token.ts';

export const IMPERSONATE_USER_HEADER = 'impersonate-user';
export const IMPERSONATE_GROUP_HEADER = 'impersonate-group';
export const IMPERSONATE_UID_HEADER = 'impersonate-uid';
export const IMPERSONATE_EXTRA_PREFIX = 'impersonate-extra-';

/** What impersonation reads of a request (and strips the Impersonate-* headers from). */
export type ImpersonatedRequest = Pick<IncomingMessage, 'headers' | 'headersDistinct' | 'url'>;

/** The authorizer as impersonation asks it: throws (403) to refuse. */
export interface ImpersonationAuthorizer {
  authorize(user: UserInfo, info: RequestInfo): void | Promise<void>;
}

/**
 * A request upstream answers with a plain-text 500 rather than a Status: impersonation headers
 * without a user to impersonate (kubectl refuses to send such a request itself).
 */
export class PlainTextError extends Error {
  constructor(readonly code: number, readonly body: string) { super(body); }
}

/** One thing the requester asks to act as (upstream's ObjectReference with kind User, Group, …). */
interface ImpersonationRequest {
  kind: 'ServiceAccount' | 'User' | 'Group' | 'UserExtra' | 'UID';
  namespace?: string;
  name: string;
  /** For UserExtra: the extra key. */
  key?: string;
}

/**
 * The user a request acts as: `requestor` itself when it carries no Impersonate-* headers, else
 * the impersonated user after checking each part with the authorizer. Removes the headers, so
 * nothing later (proxies) sees them.
 */
export async function impersonate(req: ImpersonatedRequest, requestor: UserInfo, authz: ImpersonationAuthorizer): Promise<UserInfo> {
  if (!asksToImpersonate(req)) return requestor;
  const requests = impersonationRequestsOf(req);
  if (requests.length === 0) return requestor;

  // Groups, when given, are the whole truth (system:authenticated included); a ServiceAccount's are known.
  const groupsSpecified = requests.some((r) => r.kind === 'Group');
  let name = '';
  let uid = '';
  let groups: string[] = [];
  const extra: Record<string, string[]> = {};
  for (const r of requests) {
    const info = attributes(r);
    switch (r.kind) {
      case 'ServiceAccount':
        name = makeUsername(r.namespace!, r.name);
        if (!groupsSpecified) groups = makeGroupNames(r.namespace!);
        break;
      case 'User':
        name = r.name;
        break;
      case 'Group':
        groups.push(r.name);
        break;
      case 'UserExtra':
        (extra[r.key!] ??= []).push(r.name);
        break;
      case 'UID':
        uid = r.name;
        break;
    }
    await authz.authorize(requestor, info);
  }

  if (name !== ANONYMOUS_USER) {
    // Everyone impersonated is authenticated, unless the groups asked for say otherwise.
    if (!groups.includes(ALL_AUTHENTICATED) && !groups.includes(ALL_UNAUTHENTICATED)) groups.push(ALL_AUTHENTICATED);
  } else if (!groups.includes(ALL_UNAUTHENTICATED)) {
    groups.push(ALL_UNAUTHENTICATED);
  }

  for (const h of Object.keys(req.headers)) {
    if (h === IMPERSONATE_USER_HEADER || h === IMPERSONATE_GROUP_HEADER || h === IMPERSONATE_UID_HEADER || h.startsWith(IMPERSONATE_EXTRA_PREFIX)) {
      delete req.headers[h];
    }
  }
  const user: UserInfo = { name, groups };
  if (uid) user.uid = uid;
  if (Object.keys(extra).length) user.extra = extra;
  return user;
}

/** The synthetic request the authorizer judges for one impersonated part. */
function attributes(r: ImpersonationRequest): RequestInfo {
  const base: RequestInfo = {
    isResourceRequest: true, path: '', verb: 'impersonate', apiPrefix: '', apiGroup: '', apiVersion: '',
    namespace: '', resource: '', subresource: '', name: r.name, parts: [],
  };
  switch (r.kind) {
    case 'ServiceAccount': return { ...base, resource: 'serviceaccounts', namespace: r.namespace! };
    case 'User': return { ...base, resource: 'users' };
    case 'Group': return { ...base, resource: 'groups' };
    case 'UserExtra': return { ...base, apiGroup: 'authentication.k8s.io', apiVersion: 'v1', resource: 'userextras', subresource: r.key! };
    case 'UID': return { ...base, apiGroup: 'authentication.k8s.io', apiVersion: 'v1', resource: 'uids' };
  }
}

/** Whether any Impersonate-* header is present: most requests have none and need no closer look. */
function asksToImpersonate(req: ImpersonatedRequest): boolean {
  for (const h in req.headers) if (h.startsWith('impersonate-')) return true;
  return false;
}

/** Upstream's buildImpersonationRequests: the user first, then groups, extras and the UID. */
function impersonationRequestsOf(req: ImpersonatedRequest): ImpersonationRequest[] {
  // Repeated headers stay separate values (kubectl sends one Impersonate-Group per group).
  const headers = req.headersDistinct;
  const first = (h: string) => headers[h]?.[0] ?? '';
  const requests: ImpersonationRequest[] = [];
  const user = first(IMPERSONATE_USER_HEADER);
  if (user) {
    const sa = splitUsername(user);
    requests.push(sa ? { kind: 'ServiceAccount', namespace: sa.namespace, name: sa.name } : { kind: 'User', name: user });
  }
  for (const group of headers[IMPERSONATE_GROUP_HEADER] ?? []) requests.push({ kind: 'Group', name: group });
  let hasExtra = false;
  for (const [h, values] of Object.entries(headers)) {
    if (!h.startsWith(IMPERSONATE_EXTRA_PREFIX) || !values) continue;
    hasExtra = true;
    const key = unescapeExtraKey(h.slice(IMPERSONATE_EXTRA_PREFIX.length).toLowerCase());
    for (const value of values) requests.push({ kind: 'UserExtra', name: value, key });
  }
  const uid = first(IMPERSONATE_UID_HEADER);
  if (uid) requests.push({ kind: 'UID', name: uid });
  const hasGroups = (headers[IMPERSONATE_GROUP_HEADER] ?? []).length > 0;
  if ((hasGroups || hasExtra || uid) && !user) {
    throw new PlainTextError(500,
      `Internal Server Error: ${JSON.stringify(req.url ?? '')}: requested ${goObjectReferences(requests)} without impersonating a user`);
  }
  return requests;
}

/** Extra keys travel percent-encoded in header names (`/` is not allowed there). */
function unescapeExtraKey(key: string): string {
  try {
    return decodeURIComponent(key);
  } catch {
    return key;
  }
}

/** Go's %v of []v1.ObjectReference: {Kind Namespace Name UID APIVersion ResourceVersion FieldPath} each. */
function goObjectReferences(requests: ImpersonationRequest[]): string {
  const one = (r: ImpersonationRequest) => {
    const apiVersion = r.kind === 'UserExtra' || r.kind === 'UID' ? 'authentication.k8s.io/v1' : '';
    return `{${[r.kind, r.namespace ?? '', r.name, '', apiVersion, '', r.key ?? ''].join(' ')}}`;
  };
  return `[${requests.map(one).join(' ')}]`;
}
