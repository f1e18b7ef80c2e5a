// ServiceAccount credentials for components: the account made when missing, tokens from the
// TokenRequest API reused until 80% of their life is gone, one request however many callers
// wait, a 401 dropping the token, a failed rotation keeping the old one.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabaseAt } from '../test/postgres.ts';
import { eventually } from '../test/eventually.ts';
import { startTestApiServer, type TestApiServer } from '../test/apiserver.ts';
import { makeClients, type Clients } from './kubeconfig.ts';
import { ApiError, statusCodeOf, type RestClient } from './rest.ts';
import { configMaps, serviceAccounts } from './resources.ts';
import { ServiceAccountClientBuilder, ServiceAccountTokenSource, serviceAccountUser } from './satokens.ts';

let srv: TestApiServer;
let root: Clients;
let builder: ServiceAccountClientBuilder;
/** The token sources' clock: the real time plus however far a test moved it. */
let skewMs = 0;

beforeAll(async () => {
  srv = await startTestApiServer({ databaseUrl: await createDatabaseAt(inject('pgAdminUrl')) });
  root = makeClients(srv.kubeconfig, { userAgent: 'satokens-test' });
  builder = new ServiceAccountClientBuilder({ root, namespace: 'kube-system', userAgent: 'satokens-test', now: () => Date.now() + skewMs });
});

afterAll(async () => {
  builder?.close();
  root?.rest.close();
  await srv?.close();
});

/** Who the API server says the client is (SelfSubjectReview, as `kubectl auth whoami`). */
async function whoami(rest: RestClient): Promise<{ username?: string; groups?: string[] }> {
  const review = (await rest.request('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
  })) as { status?: { userInfo?: { username?: string; groups?: string[] } } };
  return review.status?.userInfo ?? {};
}

describe('ServiceAccount clients', () => {
  it('create the missing ServiceAccount and authenticate as it with a requested token', async () => {
    const c = builder.clientsFor('satokens-a');
    const me = await whoami(c.rest);
    expect(me.username).toBe('system:serviceaccount:kube-system:satokens-a');
    expect(me.groups).toEqual(expect.arrayContaining(['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated']));
    expect((await root.rest.get(serviceAccounts, 'kube-system', 'satokens-a')).metadata?.name).toBe('satokens-a');
    expect(c.tokens.user).toBe(serviceAccountUser('kube-system', 'satokens-a'));
    // The same name gives the same clients and token source.
    expect(builder.clientsFor('satokens-a')).toBe(c);
    // The typed clients present the token too.
    const sa = await c.core.readNamespacedServiceAccount({ name: 'satokens-a', namespace: 'kube-system' }).catch((e: unknown) => e);
    expect(statusCodeOf(sa)).toBe(403);
    expect(String((sa as { body?: string }).body)).toContain('User \\"system:serviceaccount:kube-system:satokens-a\\" cannot get resource \\"serviceaccounts\\"');
  });

  it('reuse a token until 80% of its hour is gone, asking once for all waiting callers', async () => {
    const c = builder.clientsFor('satokens-b');
    skewMs = 0;
    const first = await Promise.all(Array.from({ length: 5 }, () => c.tokens.token()));
    expect(new Set(first).size).toBe(1);
    expect(c.tokens.issued).toBe(1);
    skewMs = 2_870_000;
    expect(await c.tokens.token()).toBe(first[0]);
    expect(c.tokens.issued).toBe(1);
    skewMs = 2_890_000;
    const rotated = await c.tokens.token();
    expect(c.tokens.issued).toBe(2);
    expect(rotated).not.toBe(first[0]);
    skewMs = 0;
  });

  it('drop a token the server refuses with 401 and get a new one for the next request', async () => {
    const c = builder.clientsFor('satokens-c');
    expect((await whoami(c.rest)).username).toBe('system:serviceaccount:kube-system:satokens-c');
    expect(c.tokens.issued).toBe(1);
    // Deleting the account invalidates its tokens (they name its UID).
    await root.rest.delete(serviceAccounts, 'kube-system', 'satokens-c');
    // (Once the API server's cache has seen the deletion.)
    await eventually(() => whoami(c.rest).then(() => false, (e: unknown) => statusCodeOf(e) === 401), { what: 'the token refused' });
    // The next request makes the account again and carries a token for it.
    expect((await whoami(c.rest)).username).toBe('system:serviceaccount:kube-system:satokens-c');
    expect(c.tokens.issued).toBe(2);
  });

  it('need the component\'s own right to request tokens', async () => {
    const noRights = new ServiceAccountTokenSource({ rest: builder.clientsFor('satokens-d').rest, namespace: 'kube-system', name: 'other', retryDelaysMs: [1] });
    const err = await noRights.token().catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/^failed to get token for kube-system\/other: .*cannot get resource "serviceaccounts"/);
  });
  it('keep the token when a request is refused with 403 (a matter of rights, not of the token)', async () => {
    const c = builder.clientsFor('satokens-e');
    const err = await c.rest.create(configMaps, 'default', { metadata: { name: 'x' } }).catch((e: unknown) => e);
    expect(statusCodeOf(err)).toBe(403);
    await c.tokens.token();
    expect(c.tokens.issued).toBe(1);
});

describe('ServiceAccountTokenSource', () => {
  /** A stand-in for the component's client: the account exists; TokenRequests answer as `answers` say. */
  function fakeRest(answers: Array<'ok' | 'fail'>): { rest: RestClient; calls: () => number } {
    let n = 0;
    const rest = {
      get: async () => ({ metadata: { name: 'x' } }),
      create: async () => ({}),
      createSubresource: async () => {
        const a = answers[Math.min(n, answers.length - 1)];
        n++;
        if (a === 'fail') throw new ApiError(500, 'InternalError', 'boom');
        return { status: { token: `token-${n}`, expirationTimestamp: new Date(now + 3_600_000).toISOString() } };
      },
    } as unknown as RestClient;
    return { rest, calls: () => n };
  }
  let now = Date.parse('2030-01-01T00:00:00Z');

  it('keeps the old token, still valid, when its rotation fails, and tries again on the next call', async () => {
    const logs: string[] = [];
    const { rest, calls } = fakeRest(['ok', 'fail', 'fail', 'fail', 'ok']);
    const ts = new ServiceAccountTokenSource({ rest, namespace: 'kube-system', name: 'x', now: () => now, retryDelaysMs: [1, 1], log: (m) => logs.push(m) });
    expect(await ts.token()).toBe('token-1');
    now += 2_900_000;
    expect(await ts.token()).toBe('token-1');
    expect(calls()).toBe(4);
    expect(logs.some((m) => m.startsWith('cannot rotate the token of kube-system/x, keeping the current one: failed to get token for kube-system/x: boom'))).toBe(true);
    expect(await ts.token()).toBe('token-5');
  });

  it('retries a failed request before giving up, and gives up with the last error', async () => {
    const { rest, calls } = fakeRest(['fail', 'fail', 'ok']);
    const ts = new ServiceAccountTokenSource({ rest, namespace: 'kube-system', name: 'x', now: () => now, retryDelaysMs: [1, 1, 1] });
    expect(await ts.token()).toBe('token-3');
    const never = fakeRest(['fail']);
    const failing = new ServiceAccountTokenSource({ rest: never.rest, namespace: 'kube-system', name: 'x', now: () => now, retryDelaysMs: [1, 1, 1] });
    await expect(failing.token()).rejects.toThrow('failed to get token for kube-system/x: boom');
    expect(never.calls()).toBe(4);
    expect(calls()).toBe(3);
  });

  it('forgets only a token obtained before the refused request began', async () => {
    const { rest } = fakeRest(['ok']);
    const ts = new ServiceAccountTokenSource({ rest, namespace: 'kube-system', name: 'x', now: () => now });
    expect(await ts.token()).toBe('token-1');
    ts.resetOlderThan(now); // obtained at `now`, not before: kept
    expect(await ts.token()).toBe('token-1');
    ts.resetOlderThan(now + 1);
    expect(await ts.token()).toBe('token-2');
  });

});
});
