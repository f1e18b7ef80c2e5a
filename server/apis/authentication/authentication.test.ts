// authentication.k8s.io over real HTTP: TokenRequest (serviceaccounts/token) issues upstream's
// bound JWTs, which authenticate as the ServiceAccount until it, or the object they are bound to,
// goes away or they expire; TokenReview and SelfSubjectReview report on tokens and on the caller;
// the real kubectl's `create token`, `auth whoami` and `--as`.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { createDatabaseAt } from '../../../test/postgres.ts';
import { startTestApiServer, type TestApiServer } from '../../../test/apiserver.ts';
import { eventually } from '../../../test/eventually.ts';
import { openStore, type SqlStore } from '../../../storage/index.ts';
import { ApiServer } from '../../apiserver.ts';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { DEFAULT_ISSUER } from '../../auth/serviceaccount-token.ts';

let srv: TestApiServer;
let admin: Record<string, string>;
const ns = 'authn';

beforeAll(async () => {
  srv = await startTestApiServer({ databaseUrl: await createDatabaseAt(inject('pgAdminUrl')), tls: true });
  admin = { Authorization: `Bearer ${srv.token}` };
  await api().post('/api/v1/namespaces').set(admin).send({ metadata: { name: ns } }).expect(201);
  for (const name of ['robot', 'other']) {
    await api().post(`/api/v1/namespaces/${ns}/serviceaccounts`).set(admin).send({ metadata: { name } }).expect(201);
  }
});

afterAll(async () => { await srv?.close(); });

/** Real HTTPS to the listening server (the CA is the test's own). */
const api = () => request.agent(srv.url).ca(caOf(srv));
const caOf = (s: TestApiServer) => Buffer.from(s.kubeconfig.getCurrentCluster()!.caData!, 'base64');
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const tokenURL = (sa: string) => `/api/v1/namespaces/${ns}/serviceaccounts/${sa}/token`;

function claimsOf(jwt: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [h, p] = jwt.split('.');
  return { header: JSON.parse(Buffer.from(h!, 'base64url').toString()), payload: JSON.parse(Buffer.from(p!, 'base64url').toString()) };
}

async function tokenFor(sa: string, spec: Record<string, unknown> = {}): Promise<{ token: string; body: Record<string, any> }> {
  const res = await api().post(tokenURL(sa)).set(admin).send({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { token: res.body.status.token, body: res.body };
}

function whoami(headers: Record<string, string>) {
  return api().post('/apis/authentication.k8s.io/v1/selfsubjectreviews').set(headers)
    .send({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
}

async function uidOf(url: string): Promise<string> {
  return (await api().get(url).set(admin).expect(200)).body.metadata.uid;
}

function kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('kubectl', args, { env: { ...process.env, KUBECONFIG: srv.kubeconfigPath, KUBECTL_VERSION: '1.32' }, timeout: 45_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

describe('TokenRequest (serviceaccounts/token)', () => {
  it('returns a JWT whose header and claims are upstream\'s bound-token claims', async () => {
    const before = Math.floor(Date.now() / 1000);
    const { token, body } = await tokenFor('robot');
    const saUID = await uidOf(`/api/v1/namespaces/${ns}/serviceaccounts/robot`);
    expect(body).toMatchObject({
      kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1',
      metadata: { name: 'robot', namespace: ns },
      spec: { audiences: [DEFAULT_ISSUER], expirationSeconds: 3600, boundObjectRef: null },
    });
    const { header, payload } = claimsOf(token);
    expect(header.alg).toBe('RS256');
    expect(header.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // go-jose marshals the merged claims as a map: keys sorted.
    expect(Object.keys(payload)).toEqual(['aud', 'exp', 'iat', 'iss', 'jti', 'kubernetes.io', 'nbf', 'sub']);
    expect(payload).toMatchObject({
      aud: [DEFAULT_ISSUER], iss: DEFAULT_ISSUER, sub: `system:serviceaccount:${ns}:robot`,
      'kubernetes.io': { namespace: ns, serviceaccount: { name: 'robot', uid: saUID } },
    });
    expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(payload.iat).toBeGreaterThanOrEqual(before);
    expect(payload.nbf).toBe(payload.iat);
    expect(payload.exp).toBe((payload.iat as number) + 3600);
    expect(new Date(body.status.expirationTimestamp).getTime() / 1000).toBe(payload.exp);
  });

  it('authenticates a request as system:serviceaccount:<ns>:<name> in the ServiceAccount groups', async () => {
    const { token } = await tokenFor('robot');
    const { payload } = claimsOf(token);
    const res = await whoami(bearer(token)).expect(201);
    expect(res.body).toMatchObject({ kind: 'SelfSubjectReview', apiVersion: 'authentication.k8s.io/v1' });
    expect(res.body.status.userInfo).toEqual({
      username: `system:serviceaccount:${ns}:robot`,
      uid: await uidOf(`/api/v1/namespaces/${ns}/serviceaccounts/robot`),
      groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'],
      extra: { 'authentication.kubernetes.io/credential-id': [`JTI=${payload.jti}`] },
    });
  });

  it('validates expirationSeconds with upstream\'s message', async () => {
    const res = await api().post(tokenURL('robot')).set(admin).send({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 60 } });
    expect(res.status).toBe(422);
    expect(res.body.message).toBe('TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes');
    const missing = await api().post(tokenURL('nobody')).set(admin).send({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} });
    expect(missing.status).toBe(404);
    expect(missing.body.message).toBe('serviceaccounts "nobody" not found');
  });

  it('stops authenticating once its ServiceAccount is deleted (or recreated with another UID)', async () => {
    await api().post(`/api/v1/namespaces/${ns}/serviceaccounts`).set(admin).send({ metadata: { name: 'doomed' } }).expect(201);
    const { token } = await tokenFor('doomed');
    await whoami(bearer(token)).expect(201);
    await api().delete(`/api/v1/namespaces/${ns}/serviceaccounts/doomed`).set(admin).expect(200);
    await eventually(async () => (await whoami(bearer(token))).status === 401, { what: 'the token refused' });
    const res = await whoami(bearer(token));
    expect(res.body).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
    // The same name again is another ServiceAccount: the old token stays dead.
    await api().post(`/api/v1/namespaces/${ns}/serviceaccounts`).set(admin).send({ metadata: { name: 'doomed' } }).expect(201);
    const review = await api().post('/apis/authentication.k8s.io/v1/tokenreviews').set(admin)
      .send({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } }).expect(201);
    expect(review.body.status.authenticated).toBeUndefined();
    expect(review.body.status.error).toMatch(/^\[invalid bearer token, service account UID \(.+\) does not match claim \(.+\)\]$/);
  });

  it('binds a token to a pod: it carries the pod (and its node) and dies with the pod', async () => {
    await api().post(`/api/v1/namespaces/${ns}/pods`).set(admin)
      .send({ metadata: { name: 'p1' }, spec: { serviceAccountName: 'robot', nodeName: 'node-a', containers: [{ name: 'c', image: 'busybox' }] } }).expect(201);
    const podUID = await uidOf(`/api/v1/namespaces/${ns}/pods/p1`);
    const { token } = await tokenFor('robot', { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p1' }, expirationSeconds: 3607 });
    const { payload } = claimsOf(token);
    // The kubelet's 3607 s: the token lasts a year and warns after the hour (extended expiration).
    expect(payload.exp).toBe((payload.iat as number) + 365 * 24 * 3600);
    expect(payload['kubernetes.io']).toEqual({
      namespace: ns, node: { name: 'node-a' }, pod: { name: 'p1', uid: podUID },
      serviceaccount: { name: 'robot', uid: await uidOf(`/api/v1/namespaces/${ns}/serviceaccounts/robot`) },
      warnafter: (payload.iat as number) + 3607,
    });
    const me = (await whoami(bearer(token)).expect(201)).body.status.userInfo;
    expect(me.extra).toMatchObject({
      'authentication.kubernetes.io/pod-name': ['p1'], 'authentication.kubernetes.io/pod-uid': [podUID],
      'authentication.kubernetes.io/node-name': ['node-a'],
    });
    await api().delete(`/api/v1/namespaces/${ns}/pods/p1?gracePeriodSeconds=0`).set(admin).expect(200);
    await eventually(async () => (await whoami(bearer(token))).status === 401, { what: 'the pod-bound token refused' });
  });

  it('refuses to bind to a pod of another ServiceAccount, a kind it cannot bind, or a stale UID', async () => {
    await api().post(`/api/v1/namespaces/${ns}/pods`).set(admin)
      .send({ metadata: { name: 'p2' }, spec: { serviceAccountName: 'other', containers: [{ name: 'c', image: 'busybox' }] } }).expect(201);
    const send = (ref: Record<string, unknown>) => api().post(tokenURL('robot')).set(admin)
      .send({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { boundObjectRef: ref } });
    const other = await send({ kind: 'Pod', apiVersion: 'v1', name: 'p2' });
    expect(other.status).toBe(400);
    expect(other.body.message).toBe('cannot bind token for serviceaccount "robot" to pod running with different serviceaccount name.');
    const cm = await send({ kind: 'ConfigMap', apiVersion: 'v1', name: 'x' });
    expect(cm.status).toBe(400);
    expect(cm.body.message).toBe('cannot bind token to object of type /v1, Kind=ConfigMap');
    await api().post(`/api/v1/namespaces/${ns}/secrets`).set(admin).send({ metadata: { name: 's1' } }).expect(201);
    const stale = await send({ kind: 'Secret', apiVersion: 'v1', name: 's1', uid: 'not-the-uid' });
    expect(stale.status).toBe(409);
    expect(stale.body.message).toBe('Operation cannot be fulfilled on Secret "s1": the UID in the bound object reference (not-the-uid) does not match the UID in record. The object might have been deleted and then recreated');
  });

  it('binds a token to a secret: it dies with the secret', async () => {
    await api().post(`/api/v1/namespaces/${ns}/secrets`).set(admin).send({ metadata: { name: 'binder' } }).expect(201);
    const { token } = await tokenFor('robot', { boundObjectRef: { kind: 'Secret', apiVersion: 'v1', name: 'binder' } });
    expect(claimsOf(token).payload['kubernetes.io']).toMatchObject({ secret: { name: 'binder', uid: await uidOf(`/api/v1/namespaces/${ns}/secrets/binder`) } });
    await whoami(bearer(token)).expect(201);
    await api().delete(`/api/v1/namespaces/${ns}/secrets/binder`).set(admin).expect(200);
    await eventually(async () => (await whoami(bearer(token))).status === 401, { what: 'the secret-bound token refused' });
  });

  it('takes audiences: a token for another audience does not authenticate to the API server', async () => {
    const { token, body } = await tokenFor('robot', { audiences: ['vault'] });
    expect(body.spec.audiences).toEqual(['vault']);
    expect((await whoami(bearer(token))).status).toBe(401);
    const review = await api().post('/apis/authentication.k8s.io/v1/tokenreviews').set(admin)
      .send({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, audiences: ['vault', 'other'] } }).expect(201);
    expect(review.body.status).toMatchObject({ authenticated: true, audiences: ['vault'], user: { username: `system:serviceaccount:${ns}:robot` } });
  });
});

describe('TokenReview', () => {
  const review = (spec: Record<string, unknown>, headers = admin) => api().post('/apis/authentication.k8s.io/v1/tokenreviews').set(headers)
    .send({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec });

  it('reports the user and audiences of a valid token', async () => {
    const { token } = await tokenFor('robot');
    const res = await review({ token }).expect(201);
    expect(res.body).toMatchObject({ kind: 'TokenReview', apiVersion: 'authentication.k8s.io/v1', metadata: { creationTimestamp: null }, spec: { token } });
    expect(res.body.status).toMatchObject({
      authenticated: true, audiences: [DEFAULT_ISSUER],
      user: { username: `system:serviceaccount:${ns}:robot`, groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'] },
    });
  });

  it('reports why a token is refused, in upstream\'s words', async () => {
    const unknown = await review({ token: 'no-such-token' }).expect(201);
    expect(unknown.body.status).toEqual({ user: {}, error: 'invalid bearer token' });
    const { token } = await tokenFor('robot');
    const forged = `${token.slice(0, token.lastIndexOf('.'))}.${Buffer.from('not a signature').toString('base64url')}`;
    expect((await review({ token: forged }).expect(201)).body.status.error).toBe('[invalid bearer token, go-jose/go-jose: error in cryptographic primitive]');
    const wrongAudience = await review({ token, audiences: ['vault'] }).expect(201);
    expect(wrongAudience.body.status.error).toBe(`[invalid bearer token, token audiences ["${DEFAULT_ISSUER}"] is invalid for the target audiences ["vault"]]`);
  });

  it('requires a token', async () => {
    const res = await review({}).expect(400);
    expect(res.body.message).toBe('token is required for TokenReview in authentication');
  });

  it('is served as a create-only, cluster-scoped resource of authentication.k8s.io/v1', async () => {
    const res = await api().get('/apis/authentication.k8s.io/v1').set(admin).expect(200);
    const byName = Object.fromEntries(res.body.resources.map((r: { name: string }) => [r.name, r]));
    expect(byName.tokenreviews).toMatchObject({ kind: 'TokenReview', namespaced: false, verbs: ['create'] });
    expect(byName.selfsubjectreviews).toMatchObject({ kind: 'SelfSubjectReview', namespaced: false, verbs: ['create'] });
    const core = await api().get('/api/v1').set(admin).expect(200);
    expect(core.body.resources.find((r: { name: string }) => r.name === 'serviceaccounts/token'))
      .toMatchObject({ group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest', verbs: ['create'] });
  });
});

describe('ServiceAccount issuer discovery', () => {
  it('serves the OIDC configuration and a JWKS against which ServiceAccount tokens verify', async () => {
    const { token } = await tokenFor('robot');
    // A ServiceAccount may read both (system:service-account-issuer-discovery).
    const config = await api().get('/.well-known/openid-configuration').set(bearer(token)).expect(200);
    expect(config.headers['content-type']).toBe('application/json');
    expect(config.headers['cache-control']).toBe('public, max-age=3600');
    const port = new URL(srv.url).port;
    expect(config.body).toEqual({
      issuer: DEFAULT_ISSUER, jwks_uri: `https://127.0.0.1:${port}/openid/v1/jwks`,
      response_types_supported: ['id_token'], subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['RS256'],
    });
    const keys = await api().get('/openid/v1/jwks').set(bearer(token)).expect(200);
    expect(keys.headers['content-type']).toBe('application/jwk-set+json');
    expect(Object.keys(keys.body.keys[0])).toEqual(['use', 'kty', 'kid', 'alg', 'n', 'e']);
    const { payload } = await jwtVerify(token, createLocalJWKSet(JSON.parse(keys.text)), { issuer: DEFAULT_ISSUER, audience: DEFAULT_ISSUER });
    expect(payload.sub).toBe(`system:serviceaccount:${ns}:robot`);
  });
});

describe('the real kubectl', () => {
  it('kubectl create token prints a token that authenticates as the ServiceAccount', async () => {
    const out = await kubectl('create', 'token', 'robot', '-n', ns, '--duration=20m');
    expect(out.code, out.stderr).toBe(0);
    const token = out.stdout.trim();
    const { payload } = claimsOf(token);
    expect(payload.sub).toBe(`system:serviceaccount:${ns}:robot`);
    expect((payload.exp as number) - (payload.iat as number)).toBe(1200);
    const me = (await whoami(bearer(token)).expect(201)).body.status.userInfo;
    expect(me.username).toBe(`system:serviceaccount:${ns}:robot`);
    const short = await kubectl('create', 'token', 'robot', '-n', ns, '--duration=1m');
    expect(short.code).not.toBe(0);
    expect(short.stderr).toContain('may not specify a duration less than 10 minutes');
  });

  it('kubectl create token default works in a namespace with the default ServiceAccount', async () => {
    await api().post('/api/v1/namespaces/default/serviceaccounts').set(admin).send({ metadata: { name: 'default' } });
    const out = await kubectl('create', 'token', 'default');
    expect(out.code, out.stderr).toBe(0);
    expect(claimsOf(out.stdout.trim()).payload.sub).toBe('system:serviceaccount:default:default');
  });

  it('kubectl auth whoami shows the caller, and the impersonated user with --as', async () => {
    const me = await kubectl('auth', 'whoami', '-o', 'json');
    expect(me.code, me.stderr).toBe(0);
    expect(JSON.parse(me.stdout).status.userInfo).toEqual({ username: 'admin', groups: ['system:masters', 'system:authenticated'] });
    const jane = await kubectl('auth', 'whoami', '--as=jane', '--as-group=devs', '-o', 'json');
    expect(jane.code, jane.stderr).toBe(0);
    expect(JSON.parse(jane.stdout).status.userInfo).toEqual({ username: 'jane', groups: ['devs', 'system:authenticated'] });
    const table = await kubectl('auth', 'whoami');
    expect(table.stdout).toMatch(/ATTRIBUTE\s+VALUE\nUsername\s+admin\nGroups\s+\[system:masters system:authenticated\]/);
  });

  it('kubectl --as=jane get pods works for an admin and is refused (403, upstream text) to a user who may not impersonate', async () => {
    // The request runs as jane, with jane's permissions: none until a RoleBinding grants some.
    const before = await kubectl('get', 'pods', '-n', ns, '--as=jane');
    expect(before.stderr).toContain(`User "jane" cannot list resource "pods" in API group "" in the namespace "${ns}"`);
    await api().post(`/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`).set(admin)
      .send({ metadata: { name: 'pod-reader' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }] }).expect(201);
    await api().post(`/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`).set(admin)
      .send({ metadata: { name: 'jane-reads-pods' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'jane' }] }).expect(201);
    const asJane = await eventually(async () => { const r = await kubectl('get', 'pods', '-n', ns, '--as=jane'); return r.code === 0 && r; }, { what: 'jane allowed to list pods' });
    expect(asJane.stdout + asJane.stderr).toMatch(/^NAME\s+READY\s+STATUS|No resources found/);
    const asSA = await kubectl('get', 'serviceaccounts', '-n', ns, `--as=system:serviceaccount:${ns}:robot`, '--as-group=system:masters');
    expect(asSA.code, asSA.stderr).toBe(0);
    expect(asSA.stdout).toContain('robot');

    // A ServiceAccount token user may not impersonate anyone.
    const { token } = await tokenFor('robot');
    const dir = mkdtempSync(path.join(tmpdir(), 'authn-kubectl-'));
    try {
      const kc = path.join(dir, 'kubeconfig');
      writeFileSync(kc, [
        'apiVersion: v1', 'kind: Config', 'current-context: c',
        'clusters:', '- name: c', '  cluster:', `    server: ${srv.url}`, `    certificate-authority-data: ${srv.kubeconfig.getCurrentCluster()!.caData}`,
        'users:', '- name: u', '  user:', `    token: ${token}`,
        'contexts:', '- name: c', '  context: {cluster: c, user: u}', '',
      ].join('\n'));
      const denied = await new Promise<{ code: number; stderr: string }>((resolve) => {
        execFile('kubectl', ['get', 'pods', '-n', ns, '--as=jane'], { env: { ...process.env, KUBECONFIG: kc, KUBECTL_VERSION: '1.32' }, timeout: 45_000 },
          (err, _stdout, stderr) => resolve({ code: err ? 1 : 0, stderr }));
      });
      expect(denied.code).toBe(1);
      expect(denied.stderr).toContain(`Error from server (Forbidden): users "jane" is forbidden: User "system:serviceaccount:${ns}:robot" cannot impersonate resource "users" in API group "" at the cluster scope`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('expiry', () => {
  let store: SqlStore;
  let server: ApiServer;
  let offsetMs = 0;

  beforeAll(async () => {
    store = await openStore({ databaseUrl: await createDatabaseAt(inject('pgAdminUrl')) });
    server = new ApiServer({ store, log: () => {}, clock: { now: () => new Date(Date.now() + offsetMs) }, tokens: [{ token: 'root', user: { name: 'root', groups: ['system:masters'] } }] });
    await server.bootstrap();
  });
  afterAll(async () => { server?.close(); await store?.close(); });

  it('a token stops working once it expires (a minute of leeway, as upstream)', async () => {
    const app = () => request(server.app);
    await app().post('/api/v1/namespaces/default/serviceaccounts').set(bearer('root')).send({ metadata: { name: 'shortlived' } }).expect(201);
    const res = await app().post('/api/v1/namespaces/default/serviceaccounts/shortlived/token').set(bearer('root'))
      .send({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 600 } }).expect(201);
    const token = res.body.status.token as string;
    const ssr = () => app().post('/apis/authentication.k8s.io/v1/selfsubjectreviews').set(bearer(token)).send({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
    offsetMs = 630_000; // past exp, within the leeway
    await ssr().expect(201);
    offsetMs = 661_000;
    await ssr().expect(401);
    const review = await app().post('/apis/authentication.k8s.io/v1/tokenreviews').set(bearer('root'))
      .send({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } }).expect(201);
    expect(review.body.status.error).toBe('[invalid bearer token, service account token has expired]');
  });
});
