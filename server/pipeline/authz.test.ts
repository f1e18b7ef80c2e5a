// The authorization step on its own: request attributes as upstream's RequestInfo gives them to
// authorizers, the bootstrap policy deciding without a store, and upstream's 403 texts.
import { describe, expect, it } from 'vitest';
import * as errors from '../../machinery/errors.ts';
import { parseRequestInfo } from '../endpoints/requestinfo.ts';
import { attributesFor, newAuthorizer } from './authz.ts';

const info = (method: string, url: string) => {
  const u = new URL(url, 'http://x');
  return { info: parseRequestInfo(method, u.pathname, u.searchParams), query: u.searchParams };
};

const jane = { name: 'jane', groups: ['system:authenticated'] };
const anonymous = { name: 'system:anonymous', groups: ['system:unauthenticated'] };

describe('attributesFor', () => {
  it('puts a namespace\'s own URL in that namespace, as upstream\'s RequestInfo', () => {
    const { info: i, query } = info('GET', '/api/v1/namespaces/team');
    expect(attributesFor(jane, i, query)).toMatchObject({ verb: 'get', resource: 'namespaces', name: 'team', namespace: 'team' });
    const list = info('GET', '/api/v1/namespaces');
    expect(attributesFor(jane, list.info, list.query)).toMatchObject({ verb: 'list', namespace: '', name: '' });
  });

  it('names a list or watch by its metadata.name field selector, and keeps the selectors', () => {
    const { info: i, query } = info('GET', '/api/v1/namespaces/a/secrets?watch=1&fieldSelector=metadata.name%3Ds1&labelSelector=x%3Dy');
    expect(attributesFor(jane, i, query)).toMatchObject({ verb: 'watch', name: 's1', fieldSelector: 'metadata.name=s1', labelSelector: 'x=y' });
    const bad = info('GET', '/api/v1/pods?fieldSelector=metadata.name%3Da%2Fb');
    expect(attributesFor(jane, bad.info, bad.query).name).toBe('');
    const del = info('DELETE', '/api/v1/namespaces/a/secrets?fieldSelector=metadata.name%3Ds1');
    expect(attributesFor(jane, del.info, del.query)).toMatchObject({ verb: 'deletecollection', name: '' });
  });
});

describe('the bootstrap policy without a store', () => {
  const authz = newAuthorizer();
  const authorize = (user: typeof jane, method: string, url: string) => {
    const { info: i, query } = info(method, url);
    authz.authorize(user, i, query);
  };
  const refusal = (user: typeof jane, method: string, url: string): errors.StatusError => {
    try {
      authorize(user, method, url);
    } catch (e) {
      if (errors.isStatusError(e)) return e;
      throw e;
    }
    throw new Error(`${method} ${url} was allowed`);
  };

  it('lets everyone reach health and version, and the authenticated discovery', () => {
    for (const p of ['/healthz', '/livez', '/readyz', '/version']) expect(() => authorize(anonymous, 'GET', p)).not.toThrow();
    for (const p of ['/api', '/apis/apps/v1', '/openapi/v3/apis/apps/v1']) expect(() => authorize(jane, 'GET', p)).not.toThrow();
    expect(refusal(anonymous, 'GET', '/openapi/v2').status).toMatchObject({ code: 403, reason: 'Forbidden', message: 'forbidden: User "system:anonymous" cannot get path "/openapi/v2"' });
    expect(refusal(jane, 'POST', '/api').status.message).toBe('forbidden: User "jane" cannot post path "/api"');
  });

  it('allows system:masters anything and others what basic-user gives', () => {
    expect(() => authorize({ name: 'root', groups: ['system:masters'] }, 'DELETE', '/api/v1/nodes/n1')).not.toThrow();
    expect(() => authorize(jane, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews')).not.toThrow();
    expect(refusal(jane, 'GET', '/api/v1/namespaces/team').status.message)
      .toBe('namespaces "team" is forbidden: User "jane" cannot get resource "namespaces" in API group "" in the namespace "team"');
  });

  it('answers rules reviews from the same policy', () => {
    const rules = authz.rulesFor(jane, 'default');
    expect(rules.incomplete).toBe(false);
    expect(rules.resourceRules).toContainEqual({ verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'] });
    expect(authz.rulesFor({ name: 'system:node:n1', groups: ['system:nodes'] }, 'default')).toMatchObject({ incomplete: true, evaluationError: 'node authorizer does not support user rule resolution' });
  });
});
