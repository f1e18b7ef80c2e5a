// authorization.k8s.io/v1 access reviews through HTTP: answers from the real authorizer chain,
// upstream's validation texts, and discovery listing them as create-only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { openStore, type SqlStore } from '../../../storage/index.ts';
import { ApiServer } from '../../apiserver.ts';
import { eventually } from '../../../test/eventually.ts';

const AUTHZ = '/apis/authorization.k8s.io/v1';
let store: SqlStore;
let api: ApiServer;

const as = (token: string) => ({
  post: (path: string, body: object) => request(api.app).post(path).set('Authorization', `Bearer ${token}`).send(body),
  get: (path: string) => request(api.app).get(path).set('Authorization', `Bearer ${token}`),
});

beforeAll(async () => {
  store = await openStore({});
  api = new ApiServer({
    store, log: () => {},
    tokens: [
      { token: 'admin', user: { name: 'admin', groups: ['system:masters'] } },
      { token: 'jane', user: { name: 'jane', groups: [] } },
      { token: 'n1', user: { name: 'system:node:n1', groups: ['system:nodes'] } },
    ],
  });
  await api.bootstrap();
  await as('admin').post('/api/v1/namespaces', { metadata: { name: 'team' } }).expect(201);
  await as('admin').post('/apis/rbac.authorization.k8s.io/v1/namespaces/team/rolebindings', {
    metadata: { name: 'jane-view' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
    subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'jane' }],
  }).expect(201);
  await eventually(async () => (await as('jane').get('/api/v1/namespaces/team/pods')).status === 200, { timeoutMs: 5_000 });
});
afterAll(async () => {
  api.close();
  await store.close();
});

const ssar = (resourceAttributes: object) => ({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes } });

describe('SelfSubjectAccessReview', () => {
  it('answers for the requesting user, with the RBAC reason when allowed', async () => {
    const yes = await as('jane').post(`${AUTHZ}/selfsubjectaccessreviews`, ssar({ namespace: 'team', verb: 'list', resource: 'pods' })).expect(201);
    expect(yes.body).toEqual({
      kind: 'SelfSubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', metadata: { creationTimestamp: null },
      spec: { resourceAttributes: { namespace: 'team', verb: 'list', resource: 'pods' } },
      status: { allowed: true, reason: 'RBAC: allowed by RoleBinding "jane-view/team" of ClusterRole "view" to User "jane"' },
    });
    const no = await as('jane').post(`${AUTHZ}/selfsubjectaccessreviews`, ssar({ namespace: 'team', verb: 'create', resource: 'configmaps' })).expect(201);
    expect(no.body.status).toEqual({ allowed: false });
    const nonResource = await as('jane').post(`${AUTHZ}/selfsubjectaccessreviews`, { spec: { nonResourceAttributes: { path: '/apis', verb: 'get' } } }).expect(201);
    expect(nonResource.body.status.allowed).toBe(true);
    const admin = await as('admin').post(`${AUTHZ}/selfsubjectaccessreviews`, ssar({ verb: 'delete', resource: 'nodes' })).expect(201);
    expect(admin.body.status).toEqual({ allowed: true });
  });

  it('needs exactly one kind of attributes', async () => {
    const res = await as('jane').post(`${AUTHZ}/selfsubjectaccessreviews`, { spec: {} }).expect(422);
    expect(res.body.message).toBe('SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: null: exactly one of nonResourceAttributes or resourceAttributes must be specified');
    const both = await as('jane').post(`${AUTHZ}/selfsubjectaccessreviews`, { spec: { resourceAttributes: { verb: 'get' }, nonResourceAttributes: { path: '/x', verb: 'get' } } }).expect(422);
    expect(both.body.details.causes[0]).toMatchObject({ field: 'spec.nonResourceAttributes', message: expect.stringContaining('cannot be specified in combination with resourceAttributes') });
  });
});

describe('SubjectAccessReview and LocalSubjectAccessReview', () => {
  it('answer for the user and groups in the spec, exactly as given', async () => {
    const sar = (spec: object) => as('admin').post(`${AUTHZ}/subjectaccessreviews`, { spec }).expect(201);
    expect((await sar({ user: 'jane', resourceAttributes: { namespace: 'team', verb: 'get', resource: 'pods' } })).body.status.allowed).toBe(true);
    expect((await sar({ user: 'jane', resourceAttributes: { namespace: 'other', verb: 'get', resource: 'pods' } })).body.status).toEqual({ allowed: false });
    expect((await sar({ user: 'x', groups: ['system:masters'], resourceAttributes: { verb: 'delete', resource: 'nodes' } })).body.status).toEqual({ allowed: true });
    // No system:authenticated is added: discovery is refused to a bare user name.
    expect((await sar({ user: 'jane', nonResourceAttributes: { path: '/api', verb: 'get' } })).body.status.allowed).toBe(false);
    expect((await sar({ user: 'jane', groups: ['system:authenticated'], nonResourceAttributes: { path: '/api', verb: 'get' } })).body.status.allowed).toBe(true);
    // The kubelet: the Node authorizer decides.
    const node = await sar({ user: 'system:node:n1', groups: ['system:nodes'], resourceAttributes: { verb: 'list', resource: 'pods' } });
    expect(node.body.status).toEqual({ allowed: false, reason: 'can only list/watch pods with spec.nodeName field selector' });
  });

  it('is refused to users without rights to it, and validated as upstream', async () => {
    const denied = await as('jane').post(`${AUTHZ}/subjectaccessreviews`, { spec: { user: 'x', resourceAttributes: { verb: 'get' } } }).expect(403);
    expect(denied.body.message).toBe('subjectaccessreviews.authorization.k8s.io is forbidden: User "jane" cannot create resource "subjectaccessreviews" in API group "authorization.k8s.io" at the cluster scope');
    const nobody = await as('admin').post(`${AUTHZ}/subjectaccessreviews`, { spec: { resourceAttributes: { verb: 'get' } } }).expect(422);
    expect(nobody.body.message).toBe('SubjectAccessReview.authorization.k8s.io "" is invalid: spec.user: Invalid value: "": at least one of user or group must be specified');
    const named = await as('admin').post(`${AUTHZ}/subjectaccessreviews`, { metadata: { name: 'x' }, spec: { user: 'u', resourceAttributes: { verb: 'get' } } }).expect(422);
    expect(named.body.details.causes[0]).toMatchObject({ field: 'metadata', message: expect.stringContaining('must be empty') });
  });

  it('keeps a LocalSubjectAccessReview to its namespace', async () => {
    const path = `${AUTHZ}/namespaces/team/localsubjectaccessreviews`;
    const ok = await as('admin').post(path, { spec: { user: 'jane', resourceAttributes: { namespace: 'team', verb: 'watch', resource: 'pods' } } }).expect(201);
    expect(ok.body.metadata).toEqual({ namespace: 'team', creationTimestamp: null });
    expect(ok.body.status.allowed).toBe(true);
    const elsewhere = await as('admin').post(path, { spec: { user: 'jane', resourceAttributes: { namespace: 'other', verb: 'get', resource: 'pods' } } }).expect(422);
    expect(elsewhere.body.message).toBe('LocalSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes.namespace: Invalid value: "other": must match metadata.namespace');
    const url = await as('admin').post(path, { spec: { user: 'jane', nonResourceAttributes: { path: '/x', verb: 'get' } } }).expect(422);
    expect(url.body.details.causes).toContainEqual(expect.objectContaining({ field: 'spec.nonResourceAttributes', message: expect.stringContaining('disallowed on this kind of request') }));
  });
});

describe('SelfSubjectRulesReview', () => {
  it('lists what the user may do in the namespace', async () => {
    const res = await as('jane').post(`${AUTHZ}/selfsubjectrulesreviews`, { spec: { namespace: 'team' } }).expect(201);
    expect(res.body.kind).toBe('SelfSubjectRulesReview');
    expect(res.body.spec).toEqual({});
    expect(res.body.status.incomplete).toBe(false);
    expect(res.body.status.resourceRules).toContainEqual({ verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] });
    expect(res.body.status.resourceRules).toContainEqual({ verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['namespaces'] });
    expect(res.body.status.nonResourceRules).toContainEqual({ verbs: ['get'], nonResourceURLs: ['/healthz', '/livez', '/readyz', '/version', '/version/'] });
    const elsewhere = await as('jane').post(`${AUTHZ}/selfsubjectrulesreviews`, { spec: { namespace: 'default' } }).expect(201);
    expect(elsewhere.body.status.resourceRules).not.toContainEqual(expect.objectContaining({ resources: expect.arrayContaining(['pods']) }));
  });

  it('says a kubelet\'s rules are incomplete, and needs a namespace', async () => {
    const res = await as('n1').post(`${AUTHZ}/selfsubjectrulesreviews`, { spec: { namespace: 'team' } });
    // Kubelets have no binding to basic-user beyond system:authenticated's.
    expect(res.status).toBe(201);
    expect(res.body.status).toMatchObject({ incomplete: true, evaluationError: 'node authorizer does not support user rule resolution' });
    const none = await as('jane').post(`${AUTHZ}/selfsubjectrulesreviews`, { spec: {} }).expect(400);
    expect(none.body.message).toBe('no namespace on request');
  });
});

describe('discovery', () => {
  it('lists the reviews as create-only', async () => {
    const res = await as('jane').get(AUTHZ).expect(200);
    const byName = Object.fromEntries(res.body.resources.map((r: { name: string }) => [r.name, r]));
    expect(byName.selfsubjectaccessreviews).toMatchObject({ kind: 'SelfSubjectAccessReview', namespaced: false, verbs: ['create'] });
    expect(byName.localsubjectaccessreviews).toMatchObject({ kind: 'LocalSubjectAccessReview', namespaced: true, verbs: ['create'] });
    expect(byName.selfsubjectrulesreviews).toMatchObject({ namespaced: false, verbs: ['create'] });
    expect(byName.subjectaccessreviews).toMatchObject({ namespaced: false, verbs: ['create'] });
  });
});
