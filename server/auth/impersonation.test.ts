import { describe, expect, it } from 'vitest';
import type { IncomingHttpHeaders } from 'node:http';
import * as errors from '../../machinery/errors.ts';
import type { RequestInfo } from '../endpoints/requestinfo.ts';
import { newAuthorizer } from '../pipeline/authz.ts';
import type { UserInfo } from '../pipeline/authn.ts';
import { impersonate, PlainTextError, type ImpersonatedRequest } from './impersonation.ts';

/** A request carrying these headers (repeated ones as arrays, as Node keeps them distinct). */
function requestWith(headers: Record<string, string | string[]>): ImpersonatedRequest {
  const distinct: Record<string, string[]> = {};
  const joined: IncomingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) {
    distinct[k.toLowerCase()] = Array.isArray(v) ? v : [v];
    joined[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return { headers: joined, headersDistinct: distinct, url: '/api/v1/pods' };
}

/** Records what it is asked and refuses what `deny` matches, as an authorizer throwing 403. */
function stubAuthorizer(deny: (info: RequestInfo) => boolean = () => false) {
  const asked: string[] = [];
  return {
    asked,
    authorize(user: UserInfo, info: RequestInfo) {
      const what = `${info.verb} ${info.apiGroup}/${info.resource}${info.subresource ? `/${info.subresource}` : ''} ${info.namespace ? `${info.namespace}/` : ''}${info.name}`;
      asked.push(what);
      if (deny(info)) throw errors.forbidden({ group: info.apiGroup, resource: info.resource }, info.name, `User "${user.name}" cannot ${what}`);
    },
  };
}

const bob: UserInfo = { name: 'bob', groups: ['system:authenticated'] };

describe('impersonation', () => {
  it('leaves a request without Impersonate-* headers as it is', async () => {
    const authz = stubAuthorizer();
    expect(await impersonate(requestWith({ accept: 'application/json' }), bob, authz)).toBe(bob);
    expect(authz.asked).toEqual([]);
  });

  it('asks the authorizer for impersonate on each user, group, extra and uid, then acts as that user', async () => {
    const authz = stubAuthorizer();
    const req = requestWith({
      'Impersonate-User': 'jane', 'Impersonate-Group': ['devs', 'ops'], 'Impersonate-Uid': 'u-1',
      'Impersonate-Extra-Scopes': ['view', 'edit'], 'Impersonate-Extra-Example.com%2fteam': 'blue',
    });
    const user = await impersonate(req, bob, authz);
    expect(user).toEqual({ name: 'jane', uid: 'u-1', groups: ['devs', 'ops', 'system:authenticated'], extra: { scopes: ['view', 'edit'], 'example.com/team': ['blue'] } });
    expect(authz.asked).toEqual([
      'impersonate /users jane', 'impersonate /groups devs', 'impersonate /groups ops',
      'impersonate authentication.k8s.io/userextras/scopes view', 'impersonate authentication.k8s.io/userextras/scopes edit',
      'impersonate authentication.k8s.io/userextras/example.com/team blue', 'impersonate authentication.k8s.io/uids u-1',
    ]);
    // The headers are gone once used.
    expect(Object.keys(req.headers)).toEqual([]);
  });

  it('gives an impersonated ServiceAccount its groups, checked as serviceaccounts in its namespace', async () => {
    const authz = stubAuthorizer();
    const user = await impersonate(requestWith({ 'Impersonate-User': 'system:serviceaccount:kube-system:robot' }), bob, authz);
    expect(user).toEqual({ name: 'system:serviceaccount:kube-system:robot', groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'] });
    expect(authz.asked).toEqual(['impersonate /serviceaccounts kube-system/robot']);
  });

  it('keeps system:unauthenticated for impersonated anonymous users', async () => {
    expect(await impersonate(requestWith({ 'Impersonate-User': 'system:anonymous' }), bob, stubAuthorizer()))
      .toEqual({ name: 'system:anonymous', groups: ['system:unauthenticated'] });
    expect(await impersonate(requestWith({ 'Impersonate-User': 'x', 'Impersonate-Group': 'system:unauthenticated' }), bob, stubAuthorizer()))
      .toEqual({ name: 'x', groups: ['system:unauthenticated'] });
  });

  it('stops at the first part the authorizer refuses', async () => {
    const authz = stubAuthorizer((info) => info.resource === 'groups' && info.name === 'system:masters');
    const err = await impersonate(requestWith({ 'Impersonate-User': 'jane', 'Impersonate-Group': ['system:masters', 'devs'] }), bob, authz).catch((e) => e);
    expect(errors.isStatusError(err, 'Forbidden')).toBe(true);
    expect(authz.asked).toEqual(['impersonate /users jane', 'impersonate /groups system:masters']);
  });

  it('is refused with upstream\'s 403 text by the built-in policy to a user without impersonate', async () => {
    const err = await impersonate(requestWith({ 'Impersonate-User': 'jane' }), bob, newAuthorizer()).catch((e) => e);
    expect(errors.isStatusError(err, 'Forbidden')).toBe(true);
    expect(err.status).toMatchObject({
      code: 403, message: 'users "jane" is forbidden: User "bob" cannot impersonate resource "users" in API group "" at the cluster scope',
      details: { name: 'jane', kind: 'users' },
    });
    const admin: UserInfo = { name: 'admin', groups: ['system:masters', 'system:authenticated'] };
    expect((await impersonate(requestWith({ 'Impersonate-User': 'jane' }), admin, newAuthorizer())).name).toBe('jane');
  });

  it('answers groups without a user with upstream\'s plain-text 500', async () => {
    const err = await impersonate(requestWith({ 'Impersonate-Group': 'devs' }), bob, stubAuthorizer()).catch((e) => e);
    expect(err).toBeInstanceOf(PlainTextError);
    expect(err.code).toBe(500);
    expect(err.body).toBe('Internal Server Error: "/api/v1/pods": requested [{Group  devs    }] without impersonating a user');
  });
});
