import { describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import * as errors from '../../machinery/errors.ts';
import type { KubeObject } from '../apis/types.ts';
import {
  boundClaims, DEFAULT_ISSUER, INVALID_SINCE_LABEL_KEY, keyIDOf, LAST_USED_LABEL_KEY, legacyClaims, makeUsername,
  ServiceAccountTokenAuthenticator, ServiceAccountTokenSigner, splitUsername, type ServiceAccountTokenGetter,
} from './serviceaccount-token.ts';

const pem = (type: 'rsa' | 'ec') => (type === 'rsa'
  ? generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()
  : generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'sec1', format: 'pem' }).toString());
const signer = new ServiceAccountTokenSigner(pem('rsa'));
const T0 = new Date('2026-03-01T12:00:00Z');

const obj = (name: string, uid: string, meta: Record<string, unknown> = {}): KubeObject => ({ metadata: { name, uid, ...meta } });

/** A getter over a map of "kind/ns/name" → object; what is missing is NotFound as the registries say it. */
function getterOf(objects: Record<string, KubeObject>, used: string[] = []): ServiceAccountTokenGetter {
  const get = (resource: string) => async (ns: string, name: string) => {
    const o = objects[`${resource}/${ns}/${name}`];
    if (!o) throw errors.notFound({ group: '', resource }, name);
    return o;
  };
  return {
    getServiceAccount: get('serviceaccounts'), getPod: get('pods'), getSecret: get('secrets'),
    getNode: (name) => get('nodes')('', name),
    async markLegacyTokenUsed(secret, today) { used.push(`${secret.metadata?.name}@${today}`); },
  };
}

function authenticatorOf(objects: Record<string, KubeObject>, opts: { now?: () => Date; used?: string[]; keys?: ServiceAccountTokenSigner[] } = {}) {
  return new ServiceAccountTokenAuthenticator({
    issuers: [DEFAULT_ISSUER], publicKeys: async () => (opts.keys ?? [signer]).map((s) => s.publicKey), apiAudiences: [DEFAULT_ISSUER],
    getter: getterOf(objects, opts.used), now: opts.now ?? (() => T0), legacy: true,
  });
}

const sa = { namespace: 'ns', name: 'robot', uid: 'sa-uid' };
const objects = (): Record<string, KubeObject> => ({
  'serviceaccounts/ns/robot': obj('robot', 'sa-uid'),
  'pods/ns/p': obj('p', 'pod-uid'),
  'nodes//n1': obj('n1', 'node-uid'),
  'secrets/ns/s': obj('s', 'secret-uid'),
});
const bound = (extra: Partial<Parameters<typeof boundClaims>[1]> = {}) =>
  signer.sign(boundClaims(DEFAULT_ISSUER, { serviceAccount: sa, audiences: [DEFAULT_ISSUER], expirationSeconds: 3600, now: T0, jti: 'j-1', ...extra }));
const errorOf = async (p: Promise<unknown>) => { try { await p; } catch (e) { return (e as Error).message; } return 'no error'; };

describe('ServiceAccount user names', () => {
  it('splits system:serviceaccount:<ns>:<name> and nothing else', () => {
    expect(makeUsername('ns', 'robot')).toBe('system:serviceaccount:ns:robot');
    expect(splitUsername('system:serviceaccount:ns:robot')).toEqual({ namespace: 'ns', name: 'robot' });
    expect(splitUsername('system:serviceaccount:ns:a:b')).toBeUndefined();
    expect(splitUsername('system:serviceaccount:Bad_NS:robot')).toBeUndefined();
    expect(splitUsername('jane')).toBeUndefined();
  });
});

describe('bound token claims', () => {
  it('are upstream\'s: sorted keys, the bound pod with its node, warnafter for extended tokens', () => {
    const claims = boundClaims(DEFAULT_ISSUER, {
      serviceAccount: sa, pod: { name: 'p', uid: 'pod-uid' }, node: { name: 'n1' }, audiences: ['a'], expirationSeconds: 100,
      warnAfterSeconds: 50, now: T0, jti: 'j',
    });
    const iat = T0.getTime() / 1000;
    expect(JSON.stringify(claims)).toBe(JSON.stringify({
      aud: ['a'], exp: iat + 100, iat, iss: DEFAULT_ISSUER, jti: 'j',
      'kubernetes.io': { namespace: 'ns', node: { name: 'n1' }, pod: { name: 'p', uid: 'pod-uid' }, serviceaccount: { name: 'robot', uid: 'sa-uid' }, warnafter: iat + 50 },
      nbf: iat, sub: 'system:serviceaccount:ns:robot',
    }));
  });

  it('carry RS256 for RSA keys and ES256 for P-256 keys, with the key ID of the public key', async () => {
    const token = await bound();
    const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString());
    expect(header).toEqual({ alg: 'RS256', kid: keyIDOf(signer.publicKey) });
    expect(new ServiceAccountTokenSigner(pem('ec')).alg).toBe('ES256');
  });
});

describe('ServiceAccount token authentication', () => {
  it('accepts a valid token as the ServiceAccount, with its credential ID', async () => {
    const res = await authenticatorOf(objects()).authenticateToken(await bound());
    expect(res).toEqual({
      user: { name: 'system:serviceaccount:ns:robot', uid: 'sa-uid', groups: ['system:serviceaccounts', 'system:serviceaccounts:ns'], extra: { 'authentication.kubernetes.io/credential-id': ['JTI=j-1'] } },
      audiences: [DEFAULT_ISSUER],
    });
  });

  it('does not recognise what is not one of its tokens', async () => {
    const a = authenticatorOf(objects());
    expect(await a.authenticateToken('opaque-static-token')).toBeUndefined();
    const foreign = await new SignJWT({ iss: 'https://accounts.example.com', sub: 'x' }).setProtectedHeader({ alg: 'RS256' }).sign(signer.key);
    expect(await a.authenticateToken(foreign)).toBeUndefined();
  });

  it('refuses tokens signed by another key', async () => {
    const other = new ServiceAccountTokenSigner(pem('rsa'));
    const token = await other.sign(boundClaims(DEFAULT_ISSUER, { serviceAccount: sa, audiences: [DEFAULT_ISSUER], expirationSeconds: 3600, now: T0, jti: 'j' }));
    expect(await errorOf(authenticatorOf(objects()).authenticateToken(token))).toBe('invalid signature, no keys found');
    // Tampered with: the key matches, the signature does not.
    const good = await bound();
    const [h, p] = good.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
    payload.sub = 'system:serviceaccount:kube-system:admin';
    const tampered = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${good.split('.')[2]}`;
    expect(await errorOf(authenticatorOf(objects()).authenticateToken(tampered))).toBe('go-jose/go-jose: error in cryptographic primitive');
  });

  it('applies exp, nbf and iat with a minute of leeway', async () => {
    const token = await bound();
    const at = (ms: number) => authenticatorOf(objects(), { now: () => new Date(T0.getTime() + ms) }).authenticateToken(token);
    expect((await at(3600_000 + 59_000))?.user.name).toBe('system:serviceaccount:ns:robot');
    expect(await errorOf(at(3600_000 + 61_000))).toBe('service account token has expired');
    expect(await errorOf(at(-61_000))).toBe('service account token is not valid yet');
    expect((await at(-59_000))?.user.name).toBe('system:serviceaccount:ns:robot');
  });

  it('refuses tokens for audiences this server is not', async () => {
    const token = await bound({ audiences: ['vault'] });
    expect(await errorOf(authenticatorOf(objects()).authenticateToken(token)))
      .toBe(`token audiences ["vault"] is invalid for the target audiences ["${DEFAULT_ISSUER}"]`);
    expect((await authenticatorOf(objects()).authenticateToken(token, ['vault', 'x']))?.audiences).toEqual(['vault']);
  });

  it('needs the ServiceAccount, with the same UID, not deleted more than a minute ago', async () => {
    const token = await bound();
    const none = objects();
    delete none['serviceaccounts/ns/robot'];
    expect(await errorOf(authenticatorOf(none).authenticateToken(token))).toBe('serviceaccounts "robot" not found');
    const recreated = { ...objects(), 'serviceaccounts/ns/robot': obj('robot', 'new-uid') };
    expect(await errorOf(authenticatorOf(recreated).authenticateToken(token))).toBe('service account UID (new-uid) does not match claim (sa-uid)');
    const deleting = (ago: number) => ({ ...objects(), 'serviceaccounts/ns/robot': obj('robot', 'sa-uid', { deletionTimestamp: new Date(T0.getTime() - ago).toISOString() }) });
    expect(await errorOf(authenticatorOf(deleting(61_000)).authenticateToken(token))).toBe('service account ns/robot has been deleted');
    expect((await authenticatorOf(deleting(30_000)).authenticateToken(token))?.user.uid).toBe('sa-uid');
  });

  it('needs the bound pod, secret or node with the same UID', async () => {
    const podToken = await bound({ pod: { name: 'p', uid: 'pod-uid' }, node: { name: 'gone-node' } });
    const res = await authenticatorOf(objects()).authenticateToken(podToken);
    // A pod-bound token's node is informational: not looked up.
    expect(res?.user.extra).toEqual({
      'authentication.kubernetes.io/pod-name': ['p'], 'authentication.kubernetes.io/pod-uid': ['pod-uid'],
      'authentication.kubernetes.io/credential-id': ['JTI=j-1'], 'authentication.kubernetes.io/node-name': ['gone-node'],
    });
    const noPod = objects();
    delete noPod['pods/ns/p'];
    expect(await errorOf(authenticatorOf(noPod).authenticateToken(podToken))).toBe('service account token has been invalidated');
    const otherPod = { ...objects(), 'pods/ns/p': obj('p', 'other') };
    expect(await errorOf(authenticatorOf(otherPod).authenticateToken(podToken))).toBe('pod UID (other) does not match service account pod ref claim (pod-uid)');

    const secretToken = await bound({ secret: { name: 's', uid: 'secret-uid' } });
    expect((await authenticatorOf(objects()).authenticateToken(secretToken))?.user.name).toBe('system:serviceaccount:ns:robot');
    const otherSecret = { ...objects(), 'secrets/ns/s': obj('s', 'x') };
    expect(await errorOf(authenticatorOf(otherSecret).authenticateToken(secretToken))).toBe('secret UID (x) does not match service account secret ref claim (secret-uid)');

    const nodeToken = await bound({ node: { name: 'n1', uid: 'node-uid' } });
    expect((await authenticatorOf(objects()).authenticateToken(nodeToken))?.user.extra).toMatchObject({ 'authentication.kubernetes.io/node-uid': ['node-uid'] });
    const noNode = objects();
    delete noNode['nodes//n1'];
    expect(await errorOf(authenticatorOf(noNode).authenticateToken(nodeToken))).toBe('service account token has been invalidated');
  });
});

describe('legacy Secret-based token authentication', () => {
  const legacyObjects = async (secretExtra: Partial<KubeObject['metadata']> = {}, saRefs = false) => {
    const token = await signer.sign(legacyClaims(sa, 'robot-token'));
    const secret = { metadata: { name: 'robot-token', uid: 'st-uid', ...secretExtra }, type: 'kubernetes.io/service-account-token', data: { token: Buffer.from(token).toString('base64') } };
    const o: Record<string, KubeObject> = { ...objects(), 'secrets/ns/robot-token': secret as KubeObject };
    if (saRefs) o['serviceaccounts/ns/robot'] = { ...obj('robot', 'sa-uid'), secrets: [{ name: 'robot-token' }] };
    return { token, o };
  };

  it('accepts the token its Secret holds, marks the Secret used today, and warns for auto-generated ones', async () => {
    const used: string[] = [];
    const { token, o } = await legacyObjects({}, true);
    const res = await authenticatorOf(o, { used }).authenticateToken(token);
    expect(res?.user).toEqual({ name: 'system:serviceaccount:ns:robot', uid: 'sa-uid', groups: ['system:serviceaccounts', 'system:serviceaccounts:ns'] });
    expect(res?.warnings).toEqual(['Use tokens from the TokenRequest API or manually created secret-based tokens instead of auto-generated secret-based tokens.']);
    expect(used).toEqual(['robot-token@2026-03-01']);
    // Already marked today: no write.
    const { o: marked } = await legacyObjects({ labels: { [LAST_USED_LABEL_KEY]: '2026-03-01' } });
    const again: string[] = [];
    await authenticatorOf(marked, { used: again }).authenticateToken(token);
    expect(again).toEqual([]);
  });

  it('refuses it once the Secret is gone, holds another token, or is marked invalid', async () => {
    const { token, o } = await legacyObjects();
    const gone = { ...o };
    delete gone['secrets/ns/robot-token'];
    expect(await errorOf(authenticatorOf(gone).authenticateToken(token))).toBe('Token has been invalidated');
    const replaced = { ...o, 'secrets/ns/robot-token': { ...o['secrets/ns/robot-token']!, data: { token: Buffer.from('other').toString('base64') } } };
    expect(await errorOf(authenticatorOf(replaced).authenticateToken(token))).toBe("Token does not match server's copy");
    const { o: invalid } = await legacyObjects({ labels: { [INVALID_SINCE_LABEL_KEY]: '2026-01-01' } });
    expect(await errorOf(authenticatorOf(invalid).authenticateToken(token))).toBe(
      "the token in secret ns/robot-token for service account ns/robot has been marked invalid. Use tokens from the TokenRequest API or manually created secret-based tokens, or remove the 'kubernetes.io/legacy-token-invalid-since' label from the secret to temporarily allow use of this token");
  });
});
