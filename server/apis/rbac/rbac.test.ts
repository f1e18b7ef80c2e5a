// rbac.authorization.k8s.io/v1 through HTTP: roles, clusterroles (aggregation), bindings
// (defaults, immutable roleRef, subjects) and their Tables.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import request from 'supertest';
import { auth, expectInvalid, startApi, tableOf, type TestApi } from '../common/apitest.ts';
import { roles } from './v1/roles.ts';
import { clusterroles } from './v1/clusterroles.ts';
import { rolebindings } from './v1/rolebindings.ts';
import { clusterrolebindings } from './v1/clusterrolebindings.ts';

let t: TestApi;
beforeAll(async () => { t = await startApi([roles, clusterroles, rolebindings, clusterrolebindings]); });
afterAll(async () => { await t.close(); });

const readPods = { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] };

describe('roles and clusterroles', () => {
  it('creates, gets, lists, updates and deletes a role; names only need to be path segments', async () => {
    const app = t.api.app;
    const created = await request(app).post(t.url(roles, 'default')).set(auth)
      .send({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'system:pod-reader' }, rules: [readPods] }).expect(201);
    expect(created.body.rules).toEqual([readPods]);
    await request(app).get(t.url(roles, 'default', 'system:pod-reader')).set(auth).expect(200);
    const list = await request(app).get(t.url(roles, 'default')).set(auth).expect(200);
    expect(list.body.kind).toBe('RoleList');
    await request(app).put(t.url(roles, 'default', 'system:pod-reader')).set(auth).send({ ...created.body, rules: [{ ...readPods, verbs: ['*'] }] }).expect(200);
    await request(app).delete(t.url(roles, 'default', 'system:pod-reader')).set(auth).expect(200);
  });

  it('creates roles and clusterroles by PUT', async () => {
    const role = await request(t.api.app).put(t.url(roles, 'default', 'put-role')).set(auth).send({ metadata: { name: 'put-role' }, rules: [] }).expect(201);
    const cr = await request(t.api.app).put(t.url(clusterroles, '', 'put-cr')).set(auth).send({ metadata: { name: 'put-cr' } }).expect(201);
    // `rules` has no omitempty and reads back from upstream's storage as a nil list: null.
    expect(role.body.rules).toBeNull();
    expect(cr.body.rules).toBeNull();
  });

  it('stores a clusterrole with an aggregation rule and non-resource URLs', async () => {
    const res = await request(t.api.app).post(t.url(clusterroles)).set(auth).send({
      metadata: { name: 'agg' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'rbac.example.com/aggregate': 'true' } }] },
      rules: [{ nonResourceURLs: ['/healthz'], verbs: ['get'] }],
    }).expect(201);
    expect(res.body.aggregationRule.clusterRoleSelectors[0].matchLabels).toEqual({ 'rbac.example.com/aggregate': 'true' });
  });

  it('prints roles with the default Name / Created At table', async () => {
    await request(t.api.app).post(t.url(roles, 'default')).set(auth).send({ metadata: { name: 'tbl' }, rules: [readPods] }).expect(201);
    const table = await tableOf(t, t.url(roles, 'default', 'tbl'));
    expect(table.columns).toEqual(['Name', 'Created At']);
    expect(table.rows[0]![0]).toBe('tbl');
  });
});

describe('rolebindings and clusterrolebindings', () => {
  it('defaults roleRef.apiGroup and subject apiGroups, and keeps roleRef immutable', async () => {
    const app = t.api.app;
    const created = await request(app).post(t.url(rolebindings, 'default')).set(auth).send({
      metadata: { name: 'rb' }, roleRef: { kind: 'Role', name: 'pod-reader' },
      subjects: [{ kind: 'User', name: 'jane' }, { kind: 'Group', name: 'devs' }, { kind: 'ServiceAccount', name: 'sa', namespace: 'default' }],
    }).expect(201);
    expect(created.body.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' });
    expect(created.body.subjects).toEqual([
      { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'jane' },
      { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'devs' },
      // The core group "" is never written: Subject.apiGroup is omitempty upstream.
      { kind: 'ServiceAccount', name: 'sa', namespace: 'default' },
    ]);
    expect(created.body.subjects[2]).not.toHaveProperty('apiGroup');
    const updated = await request(app).put(t.url(rolebindings, 'default', 'rb')).set(auth).send({ ...created.body, subjects: [] }).expect(200);
    const res = await request(app).put(t.url(rolebindings, 'default', 'rb')).set(auth)
      .send({ ...updated.body, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' } }).expect(422);
    expect(res.body.details.causes).toContainEqual({
      reason: 'FieldValueInvalid', field: 'roleRef',
      message: 'Invalid value: {"APIGroup":"rbac.authorization.k8s.io","Kind":"ClusterRole","Name":"view"}: cannot change roleRef',
    });
    await request(app).delete(t.url(rolebindings, 'default', 'rb')).set(auth).expect(200);
  });

  it('creates, lists and deletes a clusterrolebinding', async () => {
    const app = t.api.app;
    await request(app).post(t.url(clusterrolebindings)).set(auth)
      .send({ metadata: { name: 'crb' }, roleRef: { kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'ServiceAccount', name: 'x', namespace: 'kube-system' }] }).expect(201);
    const list = await request(app).get(t.url(clusterrolebindings)).set(auth).expect(200);
    expect(list.body.kind).toBe('ClusterRoleBindingList');
    await request(app).delete(t.url(clusterrolebindings, '', 'crb')).set(auth).expect(200);
  });

  it('prints Name, Role, Age and, wide, Users, Groups, ServiceAccounts', async () => {
    await request(t.api.app).post(t.url(rolebindings, 'default')).set(auth).send({
      metadata: { name: 'tbl' }, roleRef: { kind: 'ClusterRole', name: 'edit' },
      subjects: [{ kind: 'User', name: 'a' }, { kind: 'User', name: 'b' }, { kind: 'Group', name: 'g' }, { kind: 'ServiceAccount', name: 'sa', namespace: 'ns1' }],
    }).expect(201);
    const table = await tableOf(t, t.url(rolebindings, 'default', 'tbl'));
    expect(table.columns).toEqual(['Name', 'Role', 'Age', 'Users', 'Groups', 'ServiceAccounts']);
    expect(table.priorities).toEqual([0, 0, 0, 1, 1, 1]);
    const [name, role, , users, groups, sas] = table.rows[0]!;
    expect([name, role, users, groups, sas]).toEqual(['tbl', 'ClusterRole/edit', 'a, b', 'g', 'ns1/sa']);
  });
});

describe('rbac validation', () => {
  const rb = (roleRef: Record<string, unknown>, subjects: unknown[] = []) => ({ metadata: { name: 'bad' }, roleRef, subjects });
  it.each([
    { name: 'a rule without verbs', def: roles, body: { metadata: { name: 'bad' }, rules: [{ apiGroups: [''], resources: ['pods'] }] }, field: 'rules[0].verbs', message: 'Required value: verbs must contain at least one value' },
    { name: 'a rule without apiGroups', def: roles, body: { metadata: { name: 'bad' }, rules: [{ resources: ['pods'], verbs: ['get'] }] }, field: 'rules[0].apiGroups', message: 'Required value: resource rules must supply at least one api group' },
    { name: 'a rule without resources', def: roles, body: { metadata: { name: 'bad' }, rules: [{ apiGroups: [''], verbs: ['get'] }] }, field: 'rules[0].resources', message: 'Required value: resource rules must supply at least one resource' },
    { name: 'non-resource URLs in a role', def: roles, body: { metadata: { name: 'bad' }, rules: [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }] }, field: 'rules[0].nonResourceURLs', message: 'Invalid value: ["/metrics"]: namespaced rules cannot apply to non-resource URLs' },
    { name: 'a rule with both resources and URLs', def: clusterroles, body: { metadata: { name: 'bad' }, rules: [{ nonResourceURLs: ['/metrics'], resources: ['pods'], verbs: ['get'] }] }, field: 'rules[0].nonResourceURLs', message: 'Invalid value: ["/metrics"]: rules cannot apply to both regular resources and non-resource URLs' },
    { name: 'a name with a slash', def: roles, body: { metadata: { name: 'a/b' }, rules: [] }, field: 'metadata.name', message: 'Invalid value: "a/b": may not contain \'/\'' },
    { name: 'an empty aggregation rule', def: clusterroles, body: { metadata: { name: 'bad' }, aggregationRule: { clusterRoleSelectors: [] } }, field: 'aggregationRule.clusterRoleSelectors', message: 'Required value: at least one clusterRoleSelector required if aggregationRule is non-nil' },
    { name: 'a bad aggregation selector', def: clusterroles, body: { metadata: { name: 'bad' }, aggregationRule: { clusterRoleSelectors: [{ matchExpressions: [{ key: 'a', operator: 'Maybe' }] }] } }, field: 'aggregationRule.clusterRoleSelectors[0].matchExpressions[0].operator', message: 'Invalid value: "Maybe": not a valid selector operator' },
    { name: 'a roleRef to an unknown kind', def: rolebindings, body: rb({ kind: 'Pod', name: 'x' }), field: 'roleRef.kind', message: 'Unsupported value: "Pod": supported values: "Role", "ClusterRole"' },
    { name: 'a roleRef in another group', def: rolebindings, body: rb({ apiGroup: 'example.com', kind: 'Role', name: 'x' }), field: 'roleRef.apiGroup', message: 'Unsupported value: "example.com": supported values: "rbac.authorization.k8s.io"' },
    { name: 'a roleRef without a name', def: rolebindings, body: rb({ kind: 'Role' }), field: 'roleRef.name', message: 'Required value' },
    { name: 'a cluster binding to a Role', def: clusterrolebindings, body: rb({ kind: 'Role', name: 'x' }), field: 'roleRef.kind', message: 'Unsupported value: "Role": supported values: "ClusterRole"' },
    { name: 'a subject of unknown kind', def: rolebindings, body: rb({ kind: 'Role', name: 'x' }, [{ kind: 'Robot', name: 'r' }]), field: 'subjects[0].kind', message: 'Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"' },
    { name: 'a subject without a name', def: rolebindings, body: rb({ kind: 'Role', name: 'x' }, [{ kind: 'User' }]), field: 'subjects[0].name', message: 'Required value' },
    { name: 'a user in another group', def: rolebindings, body: rb({ kind: 'Role', name: 'x' }, [{ kind: 'User', name: 'u', apiGroup: 'example.com' }]), field: 'subjects[0].apiGroup', message: 'Unsupported value: "example.com": supported values: "rbac.authorization.k8s.io"' },
    { name: 'a service account with an apiGroup', def: rolebindings, body: rb({ kind: 'Role', name: 'x' }, [{ kind: 'ServiceAccount', name: 'sa', apiGroup: 'rbac.authorization.k8s.io' }]), field: 'subjects[0].apiGroup', message: 'Unsupported value: "rbac.authorization.k8s.io": supported values: ""' },
    { name: 'a bad service account name', def: rolebindings, body: rb({ kind: 'Role', name: 'x' }, [{ kind: 'ServiceAccount', name: 'Bad_SA' }]), field: 'subjects[0].name', message: 'Invalid value: "Bad_SA": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')' },
    { name: 'a cluster-wide service account without a namespace', def: clusterrolebindings, body: rb({ kind: 'ClusterRole', name: 'x' }, [{ kind: 'ServiceAccount', name: 'sa' }]), field: 'subjects[0].namespace', message: 'Required value' },
  ])('rejects $name', async (c) => {
    await expectInvalid(t, c);
  });
});
