// RBAC through HTTP (supertest) over the embedded store: the default policy at start-up, what a
// view-only user may do, upstream's 403 texts, escalation prevention, and the Node authorizer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { openStore, type SqlStore } from '../../storage/index.ts';
import { ApiServer } from '../apiserver.ts';
import { eventually } from '../../test/eventually.ts';

const USERS = {
  admin: { name: 'admin', groups: ['system:masters'] },
  jane: { name: 'jane', groups: [] as string[] },
  dev: { name: 'dev', groups: ['devs'] },
  n1: { name: 'system:node:n1', groups: ['system:nodes'] },
};
type Who = keyof typeof USERS | 'anonymous';

let store: SqlStore;
let api: ApiServer;

beforeAll(async () => {
  store = await openStore({});
  // No service account controller makes "default" ServiceAccounts here: ServiceAccount admission is off, as on upstream's test servers.
  api = new ApiServer({ store, tokens: Object.entries(USERS).map(([token, user]) => ({ token, user })), log: () => {}, admission: { disable: ['ServiceAccount'] } });
  await api.bootstrap();
  for (const name of ['team', 'other']) await as('admin').post('/api/v1/namespaces').send({ metadata: { name } }).expect(201);
});
afterAll(async () => {
  api.close();
  await store.close();
});

function as(who: Who) {
  const r = request(api.app);
  const auth = (t: request.Test) => (who === 'anonymous' ? t : t.set('Authorization', `Bearer ${who}`));
  return {
    get: (p: string) => auth(r.get(p)),
    post: (p: string) => auth(r.post(p)),
    put: (p: string) => auth(r.put(p)),
    patch: (p: string) => auth(r.patch(p).set('Content-Type', 'application/merge-patch+json')),
    delete: (p: string) => auth(r.delete(p)),
  };
}

const RBAC = '/apis/rbac.authorization.k8s.io/v1';
const binding = (name: string, roleKind: string, role: string, subjects: object[]) => ({
  metadata: { name }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: roleKind, name: role }, subjects,
});
const userSubject = (name: string) => ({ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name });

/** RBAC reads its objects through a watch: wait until the grant is in effect. */
async function until(who: Who, method: 'get', path: string, status = 200): Promise<void> {
  await eventually(async () => (await as(who)[method](path)).status === status, { what: `${who} ${method} ${path} → ${status}`, timeoutMs: 5_000 });
}

describe('default policy', () => {
  it('creates upstream\'s roles and bindings at start-up, labelled and annotated', async () => {
    const res = await as('admin').get(`${RBAC}/clusterroles/view`).expect(200);
    expect(res.body.metadata.labels).toMatchObject({ 'kubernetes.io/bootstrapping': 'rbac-defaults', 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' });
    expect(res.body.metadata.annotations).toEqual({ 'rbac.authorization.kubernetes.io/autoupdate': 'true' });
    expect(res.body.rules).toContainEqual({ verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['namespaces'] });
    const crb = await as('admin').get(`${RBAC}/clusterrolebindings/cluster-admin`).expect(200);
    expect(crb.body.subjects).toEqual([{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:masters' }]);
    await as('admin').get(`${RBAC}/namespaces/kube-system/roles/system::leader-locking-kube-scheduler`).expect(200);
  });

  it('lets anyone read health and version, and only authenticated users discovery', async () => {
    await as('anonymous').get('/healthz').expect(200);
    await as('anonymous').get('/readyz').expect(200);
    await as('anonymous').get('/version').expect(200);
    const denied = await as('anonymous').get('/api').expect(403);
    expect(denied.body).toMatchObject({ kind: 'Status', reason: 'Forbidden', code: 403, message: 'forbidden: User "system:anonymous" cannot get path "/api"' });
    await as('anonymous').get('/healthz/etcd').expect(403);
    await as('jane').get('/api').expect(200);
    await as('jane').get('/apis/apps/v1').expect(200);
    await as('jane').get('/openapi/v2').expect(200);
    await as('jane').get('/livez').expect(200);
    await as('jane').get('/metrics').expect(403);
  });

  it('refuses a user with no bindings with upstream\'s message and details', async () => {
    const res = await as('jane').get('/api/v1/namespaces/team/pods').expect(403);
    expect(res.body).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'Forbidden', code: 403,
      message: 'pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "team"',
      details: { kind: 'pods' },
    });
    const named = await as('jane').get('/apis/apps/v1/namespaces/team/deployments/web/scale').expect(403);
    expect(named.body.message).toBe('deployments.apps "web" is forbidden: User "jane" cannot get resource "deployments/scale" in API group "apps" in the namespace "team"');
    expect(named.body.details).toEqual({ name: 'web', group: 'apps', kind: 'deployments' });
    const cluster = await as('jane').get('/api/v1/nodes').expect(403);
    expect(cluster.body.message).toBe('nodes is forbidden: User "jane" cannot list resource "nodes" in API group "" at the cluster scope');
  });
});

describe('a user with view in one namespace', () => {
  beforeAll(async () => {
    await as('admin').post(`${RBAC}/namespaces/team/rolebindings`).send(binding('jane-view', 'ClusterRole', 'view', [userSubject('jane')])).expect(201);
    await until('jane', 'get', '/api/v1/namespaces/team/pods');
  });

  it('lists and reads there', async () => {
    await as('jane').get('/api/v1/namespaces/team/configmaps').expect(200);
    await as('jane').get('/apis/apps/v1/namespaces/team/deployments').expect(200);
    await as('jane').get('/api/v1/namespaces/team/pods?watch=true&timeoutSeconds=1').expect(200);
    // Reading namespaces within a namespace means reading that namespace.
    await as('jane').get('/api/v1/namespaces/team').expect(200);
  });

  it('is refused writes, secrets and other namespaces', async () => {
    const write = await as('jane').post('/api/v1/namespaces/team/configmaps').send({ metadata: { name: 'x' } }).expect(403);
    expect(write.body.message).toBe('configmaps is forbidden: User "jane" cannot create resource "configmaps" in API group "" in the namespace "team"');
    const secrets = await as('jane').get('/api/v1/namespaces/team/secrets').expect(403);
    expect(secrets.body.message).toBe('secrets is forbidden: User "jane" cannot list resource "secrets" in API group "" in the namespace "team"');
    const other = await as('jane').get('/api/v1/namespaces/other/pods').expect(403);
    expect(other.body.message).toBe('pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "other"');
    const ns = await as('jane').get('/api/v1/namespaces/other').expect(403);
    expect(ns.body.message).toBe('namespaces "other" is forbidden: User "jane" cannot get resource "namespaces" in API group "" in the namespace "other"');
    await as('jane').get('/api/v1/pods').expect(403);
    await as('jane').delete('/api/v1/namespaces/team/pods/p').expect(403);
  });
});

describe('rules', () => {
  it('honours resourceNames, naming a list by its metadata.name field selector', async () => {
    await as('admin').post(`${RBAC}/namespaces/team/roles`).send({ metadata: { name: 'one-secret' }, rules: [{ verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['secrets'], resourceNames: ['s1'] }] }).expect(201);
    await as('admin').post(`${RBAC}/namespaces/team/rolebindings`).send(binding('dev-one-secret', 'Role', 'one-secret', [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'devs' }])).expect(201);
    await as('admin').post('/api/v1/namespaces/team/secrets').send({ metadata: { name: 's1' } }).expect(201);
    await until('dev', 'get', '/api/v1/namespaces/team/secrets/s1');
    await as('dev').get('/api/v1/namespaces/team/secrets?fieldSelector=metadata.name%3Ds1').expect(200);
    const list = await as('dev').get('/api/v1/namespaces/team/secrets').expect(403);
    expect(list.body.message).toBe('secrets is forbidden: User "dev" cannot list resource "secrets" in API group "" in the namespace "team"');
    const other = await as('dev').get('/api/v1/namespaces/team/secrets/s2').expect(403);
    expect(other.body.message).toBe('secrets "s2" is forbidden: User "dev" cannot get resource "secrets" in API group "" in the namespace "team"');
  });

  it('names the missing role of a dangling binding in the denial', async () => {
    await as('admin').post(`${RBAC}/namespaces/other/rolebindings`).send(binding('dangling', 'Role', 'nope', [userSubject('jane')])).expect(201);
    await eventually(async () => (await as('jane').get('/api/v1/namespaces/other/pods')).body.message?.includes('RBAC:'), { timeoutMs: 5_000 });
    const res = await as('jane').get('/api/v1/namespaces/other/pods').expect(403);
    expect(res.body.message).toBe('pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "other": RBAC: role.rbac.authorization.k8s.io "nope" not found');
  });
});

describe('escalation prevention', () => {
  beforeAll(async () => {
    // dev may manage roles and bindings in team and read pods, nothing more ("*" would include escalate and bind).
    await as('admin').post(`${RBAC}/namespaces/team/roles`).send({ metadata: { name: 'rbac-manager' }, rules: [
      { verbs: ['get', 'list', 'create', 'update', 'patch', 'delete'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'] },
      { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] },
    ] }).expect(201);
    await as('admin').post(`${RBAC}/namespaces/team/rolebindings`).send(binding('dev-rbac', 'Role', 'rbac-manager', [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'devs' }])).expect(201);
    await until('dev', 'get', `${RBAC}/namespaces/team/roles`);
  });

  it('lets a user create a role with rules it holds', async () => {
    await as('dev').post(`${RBAC}/namespaces/team/roles`).send({ metadata: { name: 'pod-reader' }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }] }).expect(201);
  });

  it('refuses a role with rules the user does not hold, listing them as upstream', async () => {
    const res = await as('dev').post(`${RBAC}/namespaces/team/roles`).send({ metadata: { name: 'too-much' }, rules: [
      { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods', 'secrets'] },
      { verbs: ['delete'], apiGroups: ['apps'], resources: ['deployments'] },
    ] }).expect(403);
    expect(res.body.reason).toBe('Forbidden');
    expect(res.body.message).toBe([
      'roles.rbac.authorization.k8s.io "too-much" is forbidden: user "dev" (groups=["devs" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:',
      '{APIGroups:[""], Resources:["secrets"], Verbs:["get" "list"]}',
      '{APIGroups:["apps"], Resources:["deployments"], Verbs:["delete"]}',
    ].join('\n'));
    expect(res.body.details).toEqual({ name: 'too-much', group: 'rbac.authorization.k8s.io', kind: 'roles' });
    // An update that adds rules is checked the same way.
    const upd = await as('dev').patch(`${RBAC}/namespaces/team/roles/pod-reader`).send({ rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods', 'secrets'] }] }).expect(403);
    expect(upd.body.message).toContain('is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}');
  });

  it('refuses a binding to a role whose rules the user does not hold, unless it may bind it', async () => {
    const res = await as('dev').post(`${RBAC}/namespaces/team/rolebindings`).send(binding('give-edit', 'ClusterRole', 'edit', [userSubject('jane')])).expect(403);
    expect(res.body.message).toMatch(/^rolebindings.rbac.authorization.k8s.io "give-edit" is forbidden: user "dev" \(groups=\["devs" "system:authenticated"\]\) is attempting to grant RBAC permissions not currently held:\n/);
    // Binding a role whose rules it holds needs nothing more.
    await as('dev').post(`${RBAC}/namespaces/team/rolebindings`).send(binding('give-pod-reader', 'Role', 'pod-reader', [userSubject('jane')])).expect(201);
    const missing = await as('dev').post(`${RBAC}/namespaces/team/rolebindings`).send(binding('ghost', 'Role', 'ghost', [userSubject('jane')])).expect(404);
    expect(missing.body.message).toBe('role.rbac.authorization.k8s.io "ghost" not found');
    // `bind` on that one ClusterRole lets it hand out edit in its namespace.
    await as('admin').post(`${RBAC}/namespaces/team/roles`).send({ metadata: { name: 'edit-binder' }, rules: [{ verbs: ['bind'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], resourceNames: ['edit'] }] }).expect(201);
    await as('admin').post(`${RBAC}/namespaces/team/rolebindings`).send(binding('dev-edit-binder', 'Role', 'edit-binder', [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'devs' }])).expect(201);
    await eventually(async () => (await as('dev').post(`${RBAC}/namespaces/team/rolebindings`).send(binding('give-edit', 'ClusterRole', 'edit', [userSubject('jane')]))).status === 201, { timeoutMs: 5_000 });
    // Only that role: admin is still out of reach.
    await as('dev').post(`${RBAC}/namespaces/team/rolebindings`).send(binding('give-admin', 'ClusterRole', 'admin', [userSubject('jane')])).expect(403);
  });

  it('lets `escalate` on roles grant rules the user does not hold', async () => {
    await as('admin').post(`${RBAC}/namespaces/team/roles`).send({ metadata: { name: 'escalator' }, rules: [{ verbs: ['escalate'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'] }] }).expect(201);
    await as('admin').post(`${RBAC}/namespaces/team/rolebindings`).send(binding('dev-escalator', 'Role', 'escalator', [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'devs' }])).expect(201);
    await eventually(async () => (await as('dev').post(`${RBAC}/namespaces/team/roles`).send({ metadata: { name: 'secrets-reader' }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }] })).status === 201, { timeoutMs: 5_000 });
  });

  it('requires cluster-admin powers for an aggregationRule', async () => {
    await as('admin').post(`${RBAC}/clusterroles`).send({ metadata: { name: 'clusterrole-writer' }, rules: [{ verbs: ['create', 'update'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'] }] }).expect(201);
    await as('admin').post(`${RBAC}/clusterrolebindings`).send(binding('dev-clusterrole-writer', 'ClusterRole', 'clusterrole-writer', [userSubject('dev')])).expect(201);
    const body = { metadata: { name: 'gatherer' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { gather: 'me' } }] } };
    const res = await eventually(async () => {
      const r = await as('dev').post(`${RBAC}/clusterroles`).send(body);
      return r.status !== 403 || !r.body.message.includes('cannot create resource') ? r : undefined;
    }, { timeoutMs: 5_000 });
    expect(res.status).toBe(403);
    expect(res.body.message).toBe('clusterroles.rbac.authorization.k8s.io "gatherer" is forbidden: must have cluster-admin privileges to use the aggregationRule');
    await as('admin').post(`${RBAC}/clusterroles`).send(body).expect(201);
  });
});

describe('Node authorizer', () => {
  beforeAll(async () => {
    const pod = (name: string, nodeName: string) => ({ metadata: { name }, spec: { nodeName, containers: [{ name: 'c', image: 'busybox' }] } });
    await as('admin').post('/api/v1/namespaces/team/pods').send(pod('on-n1', 'n1')).expect(201);
    await as('admin').post('/api/v1/namespaces/team/pods').send(pod('on-n2', 'n2')).expect(201);
    await until('n1', 'get', '/api/v1/namespaces/team/pods/on-n1');
  });

  it('lets a kubelet read its own pods and denies it another node\'s, with upstream\'s reason', async () => {
    const res = await as('n1').get('/api/v1/namespaces/team/pods/on-n2').expect(403);
    expect(res.body.message).toBe('pods "on-n2" is forbidden: User "system:node:n1" cannot get resource "pods" in API group "" in the namespace "team": no relationship found between node \'n1\' and this object');
    const listed = await as('n1').get('/api/v1/pods?fieldSelector=spec.nodeName%3Dn1').expect(200);
    expect(listed.body.items.map((p: { metadata: { name: string } }) => p.metadata.name)).toEqual(['on-n1']);
    const all = await as('n1').get('/api/v1/pods').expect(403);
    expect(all.body.message).toBe('pods is forbidden: User "system:node:n1" cannot list resource "pods" in API group "" at the cluster scope: can only list/watch pods with spec.nodeName field selector');
  });

  it('lets a kubelet update the status of its own pods only (NodeRestriction refuses the others)', async () => {
    await as('n1').patch('/api/v1/namespaces/team/pods/on-n1/status').send({ status: { phase: 'Running' } }).expect(200);
    const res = await as('n1').patch('/api/v1/namespaces/team/pods/on-n2/status').send({ status: { phase: 'Running' } }).expect(403);
    expect(res.body.message).toBe('pods "on-n2" is forbidden: node "n1" can only update pod status for pods with spec.nodeName set to itself');
  });

  it('lets a kubelet register and read its own Node and no other', async () => {
    await as('n1').post('/api/v1/nodes').send({ metadata: { name: 'n1' } }).expect(201);
    await as('n1').get('/api/v1/nodes/n1').expect(200);
    await as('n1').get('/api/v1/nodes?fieldSelector=metadata.name%3Dn1').expect(200);
    const other = await as('n1').get('/api/v1/nodes/n2').expect(403);
    expect(other.body.message).toBe('nodes "n2" is forbidden: User "system:node:n1" cannot get resource "nodes" in API group "" at the cluster scope: node \'n1\' cannot read \'n2\', only its own Node object');
    await as('admin').post('/api/v1/nodes').send({ metadata: { name: 'n2' } }).expect(201);
    const patched = await as('n1').patch('/api/v1/nodes/n2').send({ metadata: { labels: { a: 'b' } } }).expect(403);
    expect(patched.body.message).toBe('nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"');
    await as('n1').get('/api/v1/services').expect(200);
  });
});
