// The tokens controller against a real API server that verifies with the same service-account key:
// legacy token Secrets are filled, authenticate as their ServiceAccount, and go with it.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import type { V1Secret, V1ServiceAccount } from '@kubernetes/client-node';
import { isNotFound, kubeConfigForToken, RestClient } from '../client/index.ts';
import { namespaces, secrets, serviceAccounts } from '../client/resources.ts';
import { createDatabaseAt } from '../test/postgres.ts';
import { eventually } from '../test/eventually.ts';
import { openStore, type SqlStore } from '../storage/index.ts';
import { startApiServer, type RunningApiServer } from '../server/index.ts';
import { startControllerManager, type RunningControllerManager } from './index.ts';
import { serviceAccountTokensController } from './serviceaccounttokens.ts';

const ns = 'legacy-tokens';
const ROOT_CA = '-----BEGIN CERTIFICATE-----\nnot-a-real-ca\n-----END CERTIFICATE-----\n';
const privateKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();

let store: SqlStore;
let server: RunningApiServer;
let rest: RestClient;
let ac: AbortController;
let cm: RunningControllerManager;

beforeAll(async () => {
  store = await openStore({ databaseUrl: await createDatabaseAt(inject('pgAdminUrl')) });
  server = await startApiServer({
    store, port: 0, log: () => {}, serviceAccountSigningKey: privateKey,
    tokens: [{ token: 'admin', user: { name: 'admin', groups: ['system:masters'] } }],
  });
  const kc = kubeConfigForToken({ server: server.url, token: 'admin' });
  rest = new RestClient(kc);
  await rest.create(namespaces, '', { metadata: { name: ns } });
  ac = new AbortController();
  cm = startControllerManager({ kubeconfig: kc, signal: ac.signal, log: () => {}, controllers: [serviceAccountTokensController({ privateKey, rootCA: ROOT_CA })] });
});

afterAll(async () => {
  ac?.abort();
  await cm?.done;
  rest?.close();
  await server?.close();
  await store?.close();
});

const tokenSecret = (name: string, sa: string, uid?: string): V1Secret => ({
  metadata: { name, annotations: { 'kubernetes.io/service-account.name': sa, ...(uid ? { 'kubernetes.io/service-account.uid': uid } : {}) } },
  type: 'kubernetes.io/service-account-token',
});

const getOrUndefined = async <T>(fn: () => Promise<T>): Promise<T | undefined> => {
  try { return await fn(); } catch (e) { if (isNotFound(e)) return undefined; throw e; }
};

/** Who the server says a bearer token is (a SelfSubjectReview), or the HTTP status it refused with. */
async function whoami(token: string): Promise<string | number> {
  const res = await fetch(`${server.url}/apis/authentication.k8s.io/v1/selfsubjectreviews`, {
    method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }),
  });
  if (res.status !== 201) return res.status;
  return ((await res.json()) as { status: { userInfo: { username: string } } }).status.userInfo.username;
}

const decode = (v: string | undefined) => Buffer.from(v ?? '', 'base64').toString('utf8');

describe('service account tokens controller', () => {
  it('fills a token Secret with a legacy token, ca.crt and namespace, and the ServiceAccount UID', async () => {
    const sa = await rest.create(serviceAccounts, ns, { metadata: { name: 'builder' } });
    await rest.create(secrets, ns, tokenSecret('builder-token', 'builder'));
    const filled = await eventually(async () => {
      const s = await rest.get(secrets, ns, 'builder-token');
      return s.data?.token ? s : undefined;
    }, { what: 'the token filled in' });
    expect(decode(filled.data?.['ca.crt'])).toBe(ROOT_CA);
    expect(decode(filled.data?.namespace)).toBe(ns);
    expect(filled.metadata?.annotations?.['kubernetes.io/service-account.uid']).toBe(sa.metadata?.uid);
    const token = decode(filled.data?.token);
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    expect(payload).toEqual({
      iss: 'kubernetes/serviceaccount',
      'kubernetes.io/serviceaccount/namespace': ns,
      'kubernetes.io/serviceaccount/secret.name': 'builder-token',
      'kubernetes.io/serviceaccount/service-account.name': 'builder',
      'kubernetes.io/serviceaccount/service-account.uid': sa.metadata?.uid,
      sub: `system:serviceaccount:${ns}:builder`,
    });
    // The API server accepts it, and records when it was last used.
    expect(await whoami(token)).toBe(`system:serviceaccount:${ns}:builder`);
    await eventually(async () => (await rest.get(secrets, ns, 'builder-token')).metadata?.labels?.['kubernetes.io/legacy-token-last-used'] === new Date().toISOString().slice(0, 10),
      { what: 'the last-used label' });
  });

  it('deletes the token Secrets of a ServiceAccount that is deleted; their tokens stop working', async () => {
    await rest.create(serviceAccounts, ns, { metadata: { name: 'temp' } });
    await rest.create(secrets, ns, tokenSecret('temp-token', 'temp'));
    const token = decode((await eventually(async () => {
      const s = await rest.get(secrets, ns, 'temp-token');
      return s.data?.token ? s : undefined;
    })).data?.token);
    expect(await whoami(token)).toBe(`system:serviceaccount:${ns}:temp`);
    await rest.delete(serviceAccounts, ns, 'temp');
    await eventually(async () => (await getOrUndefined(() => rest.get(secrets, ns, 'temp-token'))) === undefined, { what: 'the token Secret deleted' });
    expect(await whoami(token)).toBe(401);
  });

  it('deletes a token Secret naming the UID of another ServiceAccount of that name', async () => {
    await rest.create(serviceAccounts, ns, { metadata: { name: 'reborn' } });
    await rest.create(secrets, ns, tokenSecret('reborn-token', 'reborn', 'uid-of-an-older-one'));
    await eventually(async () => (await getOrUndefined(() => rest.get(secrets, ns, 'reborn-token'))) === undefined, { what: 'the stale token Secret deleted' });
  });

  it('drops a deleted token Secret from the ServiceAccount\'s secrets, and leaves other references alone', async () => {
    await rest.create(serviceAccounts, ns, { metadata: { name: 'lister' }, secrets: [{ name: 'lister-token' }, { name: 'some-other-secret' }] } as V1ServiceAccount);
    await rest.create(secrets, ns, tokenSecret('lister-token', 'lister'));
    await eventually(async () => !!(await rest.get(secrets, ns, 'lister-token')).data?.token, { what: 'the token filled in' });
    await rest.delete(secrets, ns, 'lister-token');
    const sa = await eventually(async () => {
      const cur = await rest.get(serviceAccounts, ns, 'lister');
      return (cur.secrets ?? []).some((r) => r.name === 'lister-token') ? undefined : cur;
    }, { what: 'the reference dropped' });
    expect(sa.secrets).toEqual([{ name: 'some-other-secret' }]);
  });
});
