// Authentication and authorization as a user meets them through the real kubectl: a
// certificate user bound to `view` in one namespace, static token users, `kubectl auth can-i`
// and `whoami`, impersonation, and a kubelet's identity under the Node authorizer. Every
// denial is checked against the exact text upstream's kubectl prints.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startSystem, type System } from '../harness/system.ts';
import { kubectl, kubectlOk } from '../harness/kubectl.ts';
import { certificateUser, expectDenied, foreignCa, kubectlAs, kubectlOkAs, tokenFileLine, tokenUser, writeTokenFile, type Identity } from './identities.ts';

let sys: System;
let nsSeq = 0;
const ns = () => `auth-${nsSeq++}`;

const STATIC_TOKENS = {
  alice: { token: 'alice-token-5f1c2e', uid: 'alice-uid', groups: ['developers', 'qa'] },
  impersonator: { token: 'impersonator-token-9a7b', uid: 'imp-uid', groups: [] as string[] },
};

beforeAll(async () => {
  const tokenFile = writeTokenFile(Object.entries(STATIC_TOKENS).map(([user, t]) => tokenFileLine(t.token, user, t.uid, t.groups)));
  sys = await startSystem({ extraArgs: ['--token-auth-file', tokenFile, '--simulated-nodes', '2'] });
});
afterAll(async () => { await sys?.stop(); });

/** Two namespaces, and a certificate user bound to `view` in the first only. */
async function viewerIn(user: string): Promise<{ home: string; other: string; viewer: Identity }> {
  const home = ns();
  const other = ns();
  await kubectlOk(sys, ['create', 'namespace', home]);
  await kubectlOk(sys, ['create', 'namespace', other]);
  await kubectlOk(sys, ['create', 'rolebinding', `${user}-view`, '--clusterrole=view', `--user=${user}`, '-n', home]);
  return { home, other, viewer: certificateUser(sys, user, ['auditors']) };
}

describe('a user with only view in one namespace', () => {
  it('lists and reads objects in that namespace', async () => {
    const { home, viewer } = await viewerIn('vera');
    await kubectlOk(sys, ['create', 'configmap', 'settings', '-n', home, '--from-literal=mode=fast']);
    expect(await kubectlOkAs(sys, viewer, ['get', 'configmaps', '-n', home, '-o', 'name'])).toContain('configmap/settings\n');
    expect(await kubectlOkAs(sys, viewer, ['get', 'configmap', 'settings', '-n', home, '-o', 'jsonpath={.data.mode}'])).toBe('fast');
    expect(await kubectlOkAs(sys, viewer, ['get', 'pods', '-n', home, '-o', 'name'])).toBe('');
  });

  it('is denied writes there with upstream\'s Forbidden text', async () => {
    const { home, viewer } = await viewerIn('walt');
    await kubectlOk(sys, ['create', 'configmap', 'settings', '-n', home]);
    expectDenied(sys, await kubectlAs(sys, viewer, ['run', 'web', '--image=busybox', '-n', home]),
      `Error from server (Forbidden): pods is forbidden: User "walt" cannot create resource "pods" in API group "" in the namespace "${home}"`);
    expectDenied(sys, await kubectlAs(sys, viewer, ['delete', 'configmap', 'settings', '-n', home]),
      `Error from server (Forbidden): configmaps "settings" is forbidden: User "walt" cannot delete resource "configmaps" in API group "" in the namespace "${home}"`);
    expectDenied(sys, await kubectlAs(sys, viewer, ['create', 'deployment', 'web', '--image=busybox', '-n', home]),
      `error: failed to create deployment: deployments.apps is forbidden: User "walt" cannot create resource "deployments" in API group "apps" in the namespace "${home}"`);
    // view leaves Secrets out, as upstream's aggregated role does.
    expectDenied(sys, await kubectlAs(sys, viewer, ['get', 'secrets', '-n', home]),
      `Error from server (Forbidden): secrets is forbidden: User "walt" cannot list resource "secrets" in API group "" in the namespace "${home}"`);
    // Nothing was written.
    expect(await kubectlOk(sys, ['get', 'configmap', 'settings', '-n', home, '-o', 'name'])).toBe('configmap/settings\n');
  });

  it('is denied other namespaces and cluster-scoped reads', async () => {
    const { other, viewer } = await viewerIn('xena');
    expectDenied(sys, await kubectlAs(sys, viewer, ['get', 'pods', '-n', other]),
      `Error from server (Forbidden): pods is forbidden: User "xena" cannot list resource "pods" in API group "" in the namespace "${other}"`);
    expectDenied(sys, await kubectlAs(sys, viewer, ['get', 'configmap', 'kube-root-ca.crt', '-n', other]),
      `Error from server (Forbidden): configmaps "kube-root-ca.crt" is forbidden: User "xena" cannot get resource "configmaps" in API group "" in the namespace "${other}"`);
    expectDenied(sys, await kubectlAs(sys, viewer, ['get', 'pods', '-A']),
      'Error from server (Forbidden): pods is forbidden: User "xena" cannot list resource "pods" in API group "" at the cluster scope');
    expectDenied(sys, await kubectlAs(sys, viewer, ['get', 'nodes']),
      'Error from server (Forbidden): nodes is forbidden: User "xena" cannot list resource "nodes" in API group "" at the cluster scope');
  });

  it('answers kubectl auth can-i yes (exit 0) or no (exit 1) as RBAC decides', async () => {
    const { home, other, viewer } = await viewerIn('yuri');
    const canI = async (...args: string[]) => {
      const r = await kubectlAs(sys, viewer, ['auth', 'can-i', ...args]);
      return `${r.stdout.trim()} ${r.code}`;
    };
    expect(await canI('list', 'pods', '-n', home)).toBe('yes 0');
    expect(await canI('get', 'deployments.apps', '-n', home)).toBe('yes 0');
    expect(await canI('watch', 'configmaps', '-n', home)).toBe('yes 0');
    expect(await canI('create', 'pods', '-n', home)).toBe('no 1');
    expect(await canI('get', 'secrets', '-n', home)).toBe('no 1');
    expect(await canI('list', 'pods', '-n', other)).toBe('no 1');
    expect(await canI('get', '/healthz')).toBe('yes 0');
    // The admin asks on the user's behalf (a SubjectAccessReview through impersonation).
    expect((await kubectl(sys, ['auth', 'can-i', 'list', 'pods', '-n', home, '--as=yuri'])).stdout.trim()).toBe('yes');
    expect((await kubectl(sys, ['auth', 'can-i', 'delete', 'pods', '-n', home, '--as=yuri'])).stdout.trim()).toBe('no');
  });

  it('lists its rules in the namespace with kubectl auth can-i --list', async () => {
    const { home, other, viewer } = await viewerIn('zane');
    const out = await kubectlOkAs(sys, viewer, ['auth', 'can-i', '--list', '-n', home]);
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs$/);
    const rows = new Map(lines.slice(1).map((l) => l.trim().split(/\s{2,}/)).filter((r) => !r[0]!.startsWith('[')).map((r) => [r[0]!, r.slice(1).join(' ')]));
    expect(rows.get('pods')).toBe('[] [] [get list watch]');
    expect(rows.get('configmaps')).toBe('[] [] [get list watch]');
    expect(rows.get('deployments.apps')).toBe('[] [] [get list watch]');
    expect(rows.get('selfsubjectaccessreviews.authorization.k8s.io')).toBe('[] [] [create]');
    expect(rows.has('secrets')).toBe(false);
    expect(out).toMatch(/^\s+\[\/healthz\]\s+\[\]\s+\[get\]$/m);
    // Elsewhere only what every authenticated user may do.
    const elsewhere = await kubectlOkAs(sys, viewer, ['auth', 'can-i', '--list', '-n', other]);
    expect(elsewhere).not.toMatch(/^pods\s/m);
    expect(elsewhere).toMatch(/^selfsubjectreviews\.authentication\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]$/m);
  });
});

describe('authentication', () => {
  it('names a certificate user and its groups in kubectl auth whoami', async () => {
    const who = certificateUser(sys, 'quinn', ['team-a', 'team-b']);
    expect(await kubectlOkAs(sys, who, ['auth', 'whoami'])).toBe(
      'ATTRIBUTE   VALUE\nUsername    quinn\nGroups      [team-a team-b system:authenticated]\n');
    const review = JSON.parse(await kubectlOkAs(sys, who, ['auth', 'whoami', '-o', 'json'])) as { kind: string; apiVersion: string; status: { userInfo: { username: string; groups: string[] } } };
    expect(review.kind).toBe('SelfSubjectReview');
    expect(review.apiVersion).toBe('authentication.k8s.io/v1');
    expect(review.status.userInfo).toEqual({ username: 'quinn', groups: ['team-a', 'team-b', 'system:authenticated'] });
  });

  it('authenticates a static token from --token-auth-file with its uid and groups', async () => {
    const alice = tokenUser(sys, STATIC_TOKENS.alice.token, 'alice');
    expect(await kubectlOkAs(sys, alice, ['auth', 'whoami'])).toBe(
      'ATTRIBUTE   VALUE\nUsername    alice\nUID         alice-uid\nGroups      [developers qa system:authenticated]\n');
    // A group binding reaches the token user through its groups.
    const n = ns();
    await kubectlOk(sys, ['create', 'namespace', n]);
    await kubectlOk(sys, ['create', 'rolebinding', 'devs-edit', '--clusterrole=edit', '--group=developers', '-n', n]);
    await kubectlOkAs(sys, alice, ['create', 'configmap', 'from-alice', '-n', n]);
    expect(await kubectlOk(sys, ['get', 'configmap', 'from-alice', '-n', n, '-o', 'name'])).toBe('configmap/from-alice\n');
  });

  it('answers an unknown bearer token 401, which kubectl reports as not logged in', async () => {
    const stranger = tokenUser(sys, 'not-a-known-token', 'stranger');
    expectDenied(sys, await kubectlAs(sys, stranger, ['get', 'pods']),
      'error: You must be logged in to the server (Unauthorized)');
  });

  it('rejects a client certificate signed by another CA', async () => {
    const forged = certificateUser(sys, 'kubernetes-admin', ['system:masters'], foreignCa());
    expectDenied(sys, await kubectlAs(sys, forged, ['get', 'pods']),
      'error: You must be logged in to the server (Unauthorized)');
  });
});

describe('impersonation', () => {
  it('lets the admin act as another user with --as, with that user\'s permissions', async () => {
    const { home, other } = await viewerIn('ivan');
    expect(await kubectlOk(sys, ['get', 'pods', '-n', home, '--as=ivan', '-o', 'name'])).toBe('');
    expectDenied(sys, await kubectl(sys, ['get', 'pods', '-n', other, '--as=ivan']),
      `Error from server (Forbidden): pods is forbidden: User "ivan" cannot list resource "pods" in API group "" in the namespace "${other}"`);
    expect(await kubectlOk(sys, ['auth', 'whoami', '--as=ivan', '--as-group=night-shift'])).toBe(
      'ATTRIBUTE   VALUE\nUsername    ivan\nGroups      [night-shift system:authenticated]\n');
  });

  it('lets a user impersonate only the names its role grants, and refuses the rest with upstream\'s text', async () => {
    const { home } = await viewerIn('jill');
    await kubectlOk(sys, ['create', 'clusterrole', 'impersonate-jill', '--verb=impersonate', '--resource=users', '--resource-name=jill']);
    await kubectlOk(sys, ['create', 'clusterrolebinding', 'impersonator-jill', '--clusterrole=impersonate-jill', '--user=impersonator']);
    const impersonator = tokenUser(sys, STATIC_TOKENS.impersonator.token, 'impersonator');
    expectDenied(sys, await kubectlAs(sys, impersonator, ['get', 'pods', '-n', home]),
      `Error from server (Forbidden): pods is forbidden: User "impersonator" cannot list resource "pods" in API group "" in the namespace "${home}"`);
    expect(await kubectlOkAs(sys, impersonator, ['get', 'pods', '-n', home, '--as=jill', '-o', 'name'])).toBe('');
    expectDenied(sys, await kubectlAs(sys, impersonator, ['get', 'pods', '-n', home, '--as=kubernetes-admin']),
      'Error from server (Forbidden): users "kubernetes-admin" is forbidden: User "impersonator" cannot impersonate resource "users" in API group "" at the cluster scope');
    expectDenied(sys, await kubectlAs(sys, impersonator, ['get', 'pods', '-n', home, '--as=jill', '--as-group=system:masters']),
      'Error from server (Forbidden): groups "system:masters" is forbidden: User "impersonator" cannot impersonate resource "groups" in API group "" at the cluster scope');
  });

  it('refuses impersonation to a user without the impersonate verb', async () => {
    const { home, viewer } = await viewerIn('kate');
    expectDenied(sys, await kubectlAs(sys, viewer, ['get', 'pods', '-n', home, '--as=kubernetes-admin']),
      'Error from server (Forbidden): users "kubernetes-admin" is forbidden: User "kate" cannot impersonate resource "users" in API group "" at the cluster scope');
  });
});

describe('a kubelet\'s identity (CN system:node:<name>, O system:nodes)', () => {
  it('reads the pods bound to its own node and is denied another node\'s pods', async () => {
    const n = ns();
    await kubectlOk(sys, ['create', 'namespace', n]);
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'on-sim-0', namespace: n }, spec: { nodeName: 'sim-0', containers: [{ name: 'c', image: 'busybox' }] } };
    await kubectlOk(sys, ['create', '-f', '-'], { input: JSON.stringify(pod) });
    const own = certificateUser(sys, 'system:node:sim-0', ['system:nodes']);
    const other = certificateUser(sys, 'system:node:sim-1', ['system:nodes']);

    expect(await kubectlOkAs(sys, own, ['get', 'pod', 'on-sim-0', '-n', n, '-o', 'jsonpath={.spec.nodeName}'])).toBe('sim-0');
    expect(await kubectlOkAs(sys, own, ['get', 'pods', '-A', '--field-selector=spec.nodeName=sim-0', '-o', 'name'])).toContain('pod/on-sim-0\n');

    expectDenied(sys, await kubectlAs(sys, other, ['get', 'pod', 'on-sim-0', '-n', n]),
      `Error from server (Forbidden): pods "on-sim-0" is forbidden: User "system:node:sim-1" cannot get resource "pods" in API group "" in the namespace "${n}": no relationship found between node 'sim-1' and this object`);
    expectDenied(sys, await kubectlAs(sys, other, ['get', 'pods', '-A']),
      'Error from server (Forbidden): pods is forbidden: User "system:node:sim-1" cannot list resource "pods" in API group "" at the cluster scope: can only list/watch pods with spec.nodeName field selector');
    expect(await kubectlOkAs(sys, other, ['get', 'pods', '-A', '--field-selector=spec.nodeName=sim-1', '-o', 'name'])).not.toContain('on-sim-0');
    expectDenied(sys, await kubectlAs(sys, other, ['get', 'node', 'sim-0']),
      'Error from server (Forbidden): nodes "sim-0" is forbidden: User "system:node:sim-1" cannot get resource "nodes" in API group "" at the cluster scope: node \'sim-1\' cannot read \'sim-0\', only its own Node object');
  });

  it('may not delete another node\'s pod (NodeRestriction\'s message)', async () => {
    const n = ns();
    await kubectlOk(sys, ['create', 'namespace', n]);
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'keep-me', namespace: n }, spec: { nodeName: 'sim-0', containers: [{ name: 'c', image: 'busybox' }] } };
    await kubectlOk(sys, ['create', '-f', '-'], { input: JSON.stringify(pod) });
    const other = certificateUser(sys, 'system:node:sim-1', ['system:nodes']);
    // Upstream's Node authorizer lets a kubelet delete pods (mirror pods); the NodeRestriction
    // admission plugin then refuses another node's pod with this text.
    expectDenied(sys, await kubectlAs(sys, other, ['delete', 'pod', 'keep-me', '-n', n, '--wait=false']),
      'Error from server (Forbidden): pods "keep-me" is forbidden: node "sim-1" can only delete pods with spec.nodeName set to itself');
    expect(await kubectlOk(sys, ['get', 'pod', 'keep-me', '-n', n, '-o', 'name'])).toBe('pod/keep-me\n');
  });
});
