// The request authenticator: upstream's union of client certificates and bearer tokens, 401 for
// credentials nobody accepts, system:anonymous for none. Certificates over real TLS; the token
// file through startApiServer's option.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as errors from '../../machinery/errors.ts';
import { createDatabaseAt } from '../../test/postgres.ts';
import { openStore, type SqlStore } from '../../storage/index.ts';
import { startApiServer, type RunningApiServer } from '../index.ts';
import { ensurePki, type Pki } from '../pki.ts';
import { newAuthenticator, type TokenAuthenticator } from './authn.ts';

const req = (headers: Record<string, string>): IncomingMessage => ({ headers, socket: {} } as unknown as IncomingMessage);

const jane = { name: 'jane', uid: '42', groups: ['devs'] };
const failing: TokenAuthenticator = {
  async authenticateToken(token) {
    if (token.startsWith('sa.')) throw new Error('service account token has expired');
    return undefined;
  },
};

describe('newAuthenticator', () => {
  const authn = newAuthenticator({ tokens: [{ token: 'tok', user: jane }], tokenAuthenticators: [failing], apiAudiences: ['api'] });

  it('is system:anonymous without credentials', async () => {
    expect(await authn.authenticate(req({}))).toEqual({ name: 'system:anonymous', groups: ['system:unauthenticated'] });
    // Credentials of another scheme are not ours to judge.
    expect((await authn.authenticate(req({ authorization: 'Basic YTpi' }))).name).toBe('system:anonymous');
  });

  it('accepts a static bearer token, adds system:authenticated and drops the header', async () => {
    const r = req({ authorization: 'Bearer tok' });
    expect(await authn.authenticate(r)).toEqual({ name: 'jane', uid: '42', groups: ['devs', 'system:authenticated'] });
    expect(r.headers.authorization).toBeUndefined();
    expect((await authn.authenticate(req({ authorization: 'bearer tok extra' }))).name).toBe('jane');
  });

  it('answers 401 Unauthorized for a token nobody accepts', async () => {
    for (const token of ['nope', 'sa.x']) {
      const err = await authn.authenticate(req({ authorization: `Bearer ${token}` })).catch((e) => e);
      expect(errors.isStatusError(err, 'Unauthorized')).toBe(true);
      expect(err.status).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
    }
  });

  it('reads the token of a WebSocket upgrade from its subprotocol', async () => {
    const r = req({ upgrade: 'websocket', 'sec-websocket-protocol': `v5.channel.k8s.io, base64url.bearer.authorization.k8s.io.${Buffer.from('tok').toString('base64url')}` });
    expect((await authn.authenticate(r)).name).toBe('jane');
    expect(r.headers['sec-websocket-protocol']).toBe('v5.channel.k8s.io');
  });

  it('reviews tokens as TokenReview reports them', async () => {
    expect(await authn.reviewToken('tok')).toEqual({ authenticated: true, user: { ...jane, groups: ['devs', 'system:authenticated'] }, audiences: ['api'] });
    expect(await authn.reviewToken('nope')).toEqual({ authenticated: false, error: 'invalid bearer token' });
    expect(await authn.reviewToken('sa.x')).toEqual({ authenticated: false, error: '[invalid bearer token, service account token has expired]' });
    // A static token stands only for the API audiences.
    expect(await authn.reviewToken('tok', ['vault'])).toEqual({ authenticated: false, error: 'invalid bearer token' });
  });
});

describe('over HTTPS', () => {
  let dir: string;
  let store: SqlStore;
  let pki: Pki;
  let server: RunningApiServer;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'capstan-authn-'));
    pki = await ensurePki(path.join(dir, 'pki'), { hosts: ['127.0.0.1'] });
    const tokenFile = path.join(dir, 'tokens.csv');
    writeFileSync(tokenFile, 'file-token,fiona,1001,"ops,system:masters"\n');
    store = await openStore({ databaseUrl: await createDatabaseAt(inject('pgAdminUrl')) });
    server = await startApiServer({
      store, port: 0, log: () => {}, tokenAuthFile: tokenFile, serviceAccountSigningKey: pki.saPrivateKey,
      tls: { cert: pki.servingCert, key: pki.servingKey, ca: pki.caCert },
    });
  });

  afterAll(async () => {
    await server?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** POST a SelfSubjectReview with these credentials: who the server thinks we are. */
  function whoami(opts: { cert?: string; key?: string; token?: string }): Promise<{ status: number; body: any }> {
    return new Promise((resolve, reject) => {
      const r = https.request(`${server.url}/apis/authentication.k8s.io/v1/selfsubjectreviews`, {
        method: 'POST', ca: pki.caCert, cert: opts.cert, key: opts.key,
        headers: { 'content-type': 'application/json', ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}) },
      }, (res) => {
        let data = '';
        res.on('data', (c) => { data += c; });
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(data) }));
      });
      r.on('error', reject);
      r.end(JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }));
    });
  }

  it('authenticates a client certificate signed by the cluster CA: CN is the user, each O a group', async () => {
    const { cert, key } = await pki.issueClientCert('carl', ['qa', 'system:masters']);
    const res = await whoami({ cert, key });
    expect(res.status).toBe(201);
    expect(res.body.status.userInfo).toEqual({ username: 'carl', groups: ['qa', 'system:masters', 'system:authenticated'] });
  });

  it('answers 401 to a certificate of another CA', async () => {
    const other = await ensurePki(path.join(dir, 'other-pki'), { hosts: ['127.0.0.1'] });
    const res = await whoami({ cert: other.adminCert, key: other.adminKey });
    expect(res.status).toBe(401);
    expect(res.body.reason).toBe('Unauthorized');
  });

  it('accepts the tokens of --token-auth-file with their uid and groups', async () => {
    const res = await whoami({ token: 'file-token' });
    expect(res.status).toBe(201);
    expect(res.body.status.userInfo).toEqual({ username: 'fiona', uid: '1001', groups: ['ops', 'system:masters', 'system:authenticated'] });
    expect((await whoami({ token: 'not-in-the-file' })).status).toBe(401);
  });
});
