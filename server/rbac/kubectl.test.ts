// The real kubectl against RBAC: a user with only `view` in one namespace lists there and is
// refused writes and other namespaces with the text upstream's kubectl prints; `kubectl auth
// can-i` (SelfSubjectAccessReview) and `--list` (SelfSubjectRulesReview) answer for that user;
// a kubelet identity is refused another node's pods.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { createDatabaseAt } from '../../test/postgres.ts';
import { startTestApiServer, type TestApiServer } from '../../test/apiserver.ts';
import { eventually } from '../../test/eventually.ts';

let srv: TestApiServer;
let janeConfig: string;
let nodeConfig: string;

const api = () => request(srv.api.app);
const admin = () => ({ Authorization: `Bearer ${srv.token}` });

/** A kubeconfig like the admin's (same server and CA) for another bearer token. */
function kubeconfigFor(token: string, file: string): string {
  const text = readFileSync(srv.kubeconfigPath, 'utf8').replace(srv.token, token);
  const p = path.join(path.dirname(srv.kubeconfigPath), file);
  writeFileSync(p, text, { mode: 0o600 });
  return p;
}

function kubectl(config: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('kubectl', args, { env: { ...process.env, KUBECONFIG: config, KUBECTL_VERSION: '1.32', HOME: path.dirname(config) }, timeout: 45_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  srv = await startTestApiServer({
    databaseUrl: await createDatabaseAt(inject('pgAdminUrl')), tls: true,
    tokens: [
      { token: 'jane-token', user: { name: 'jane', groups: [] } },
      { token: 'kubelet-n1-token', user: { name: 'system:node:n1', groups: ['system:nodes'] } },
    ],
  });
  janeConfig = kubeconfigFor('jane-token', 'jane.kubeconfig');
  nodeConfig = kubeconfigFor('kubelet-n1-token', 'n1.kubeconfig');
  for (const name of ['team', 'other']) await api().post('/api/v1/namespaces').set(admin()).send({ metadata: { name } }).expect(201);
  await api().post('/apis/rbac.authorization.k8s.io/v1/namespaces/team/rolebindings').set(admin()).send({
    metadata: { name: 'jane-view' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
    subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'jane' }],
  }).expect(201);
  const pod = (name: string, nodeName: string) => ({ metadata: { name }, spec: { nodeName, containers: [{ name: 'c', image: 'busybox' }] } });
  await api().post('/api/v1/namespaces/team/pods').set(admin()).send(pod('on-n1', 'n1')).expect(201);
  await api().post('/api/v1/namespaces/team/pods').set(admin()).send(pod('on-n2', 'n2')).expect(201);
  await eventually(async () => (await api().get('/api/v1/namespaces/team/pods').set('Authorization', 'Bearer jane-token')).status === 200, { timeoutMs: 5_000 });
});

afterAll(async () => { await srv?.close(); });

describe('kubectl as a user with view in one namespace', () => {
  it('lists pods there', async () => {
    const r = await kubectl(janeConfig, 'get', 'pods', '-n', 'team', '-o', 'name');
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n').filter(Boolean).sort()).toEqual(['pod/on-n1', 'pod/on-n2']);
  });

  it('is refused other namespaces and writes with upstream\'s text', async () => {
    const other = await kubectl(janeConfig, 'get', 'pods', '-n', 'other');
    expect(other.code).toBe(1);
    expect(other.stderr).toBe('Error from server (Forbidden): pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "other"\n');
    const create = await kubectl(janeConfig, 'create', 'configmap', 'x', '-n', 'team', '--from-literal=a=b');
    expect(create.code).toBe(1);
    expect(create.stderr).toBe('error: failed to create configmap: configmaps is forbidden: User "jane" cannot create resource "configmaps" in API group "" in the namespace "team"\n');
    const del = await kubectl(janeConfig, 'delete', 'pod', 'on-n1', '-n', 'team');
    expect(del.stderr).toBe('Error from server (Forbidden): pods "on-n1" is forbidden: User "jane" cannot delete resource "pods" in API group "" in the namespace "team"\n');
  });

  it('answers kubectl auth can-i', async () => {
    const yes = await kubectl(janeConfig, 'auth', 'can-i', 'list', 'pods', '-n', 'team');
    expect([yes.code, yes.stdout]).toEqual([0, 'yes\n']);
    const no = await kubectl(janeConfig, 'auth', 'can-i', 'create', 'configmaps', '-n', 'team');
    expect([no.code, no.stdout]).toEqual([1, 'no\n']);
    const elsewhere = await kubectl(janeConfig, 'auth', 'can-i', 'get', 'deployments.apps', '-n', 'other');
    expect([elsewhere.code, elsewhere.stdout]).toEqual([1, 'no\n']);
  });

  it('lists the user\'s rules with kubectl auth can-i --list', async () => {
    const r = await kubectl(janeConfig, 'auth', 'can-i', '--list', '-n', 'team');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n').map((l) => l.trim().split(/\s+/).join(' '));
    expect(lines[0]).toBe('Resources Non-Resource URLs Resource Names Verbs');
    expect(lines).toContain('selfsubjectaccessreviews.authorization.k8s.io [] [] [create]');
    expect(lines).toContain('pods [] [] [get list watch]');
    expect(lines).toContain('deployments.apps [] [] [get list watch]');
    expect(lines).toContain('[/api/*] [] [get]');
    expect(lines.some((l) => l.startsWith('secrets '))).toBe(false);
  });
});

describe('kubectl auth can-i --as (impersonation by an admin)', () => {
  it('answers for the impersonated user', async () => {
    const yes = await kubectl(srv.kubeconfigPath, 'auth', 'can-i', 'list', 'pods', '-n', 'team', '--as', 'jane');
    expect([yes.code, yes.stdout]).toEqual([0, 'yes\n']);
    const no = await kubectl(srv.kubeconfigPath, 'auth', 'can-i', 'list', 'pods', '-n', 'other', '--as', 'jane');
    expect([no.code, no.stdout]).toEqual([1, 'no\n']);
    const get = await kubectl(srv.kubeconfigPath, 'get', 'secrets', '-n', 'team', '--as', 'jane');
    expect(get.stderr).toBe('Error from server (Forbidden): secrets is forbidden: User "jane" cannot list resource "secrets" in API group "" in the namespace "team"\n');
  });
});

describe('kubectl as a kubelet', () => {
  it('is refused another node\'s pod with the Node authorizer\'s reason', async () => {
    const mine = await kubectl(nodeConfig, 'get', 'pod', 'on-n1', '-n', 'team', '-o', 'name');
    expect(mine.stdout).toBe('pod/on-n1\n');
    const theirs = await kubectl(nodeConfig, 'get', 'pod', 'on-n2', '-n', 'team');
    expect(theirs.code).toBe(1);
    expect(theirs.stderr).toBe('Error from server (Forbidden): pods "on-n2" is forbidden: User "system:node:n1" cannot get resource "pods" in API group "" in the namespace "team": no relationship found between node \'n1\' and this object\n');
  });
});

describe('kubectl as cluster admin', () => {
  it('may do anything, and says so', async () => {
    const r = await kubectl(srv.kubeconfigPath, 'auth', 'can-i', '--list');
    const lines = r.stdout.split('\n').map((l) => l.trim().split(/\s+/).join(' '));
    expect(lines).toContain('*.* [] [] [*]');
    expect(lines).toContain('[*] [] [*]');
    const get = await kubectl(srv.kubeconfigPath, 'get', 'clusterroles', 'cluster-admin', 'view', 'system:node', '-o', 'name');
    expect(get.stdout).toBe('clusterrole.rbac.authorization.k8s.io/cluster-admin\nclusterrole.rbac.authorization.k8s.io/view\nclusterrole.rbac.authorization.k8s.io/system:node\n');
  });
});
