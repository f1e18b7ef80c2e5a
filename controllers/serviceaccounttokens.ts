// The tokens controller (upstream pkg/controller/serviceaccount/tokens_controller.go, 1.24+: no
// auto-created Secrets any more). A `kubernetes.io/service-account-token` Secret annotated with
// `kubernetes.io/service-account.name` gets a legacy token for that ServiceAccount (issuer
// kubernetes/serviceaccount, signed with the service-account private key, as
// --service-account-private-key-file gives kube-controller-manager), the cluster CA as ca.crt and
// its namespace; such Secrets are deleted once their ServiceAccount (by name and UID) is gone,
// and a ServiceAccount stops listing a token Secret that was deleted.
import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import type { KubernetesObject, V1Secret, V1ServiceAccount } from '@kubernetes/client-node';
import { SignJWT } from 'jose';
import { defineController, isConflict, isNotFound, type SyncContext } from '../client/index.ts';
import { secrets, serviceAccounts } from '../client/resources.ts';
import { rootCAOf } from './rootcacertpublisher.ts';

export const SERVICE_ACCOUNT_TOKEN_TYPE = 'kubernetes.io/service-account-token';
export const SERVICE_ACCOUNT_NAME_KEY = 'kubernetes.io/service-account.name';
export const SERVICE_ACCOUNT_UID_KEY = 'kubernetes.io/service-account.uid';
/** The Secret's data keys (upstream's ServiceAccountTokenKey, ServiceAccountRootCAKey, ServiceAccountNamespaceKey). */
export const TOKEN_KEY = 'token';
export const ROOT_CA_KEY = 'ca.crt';
export const NAMESPACE_KEY = 'namespace';
export const LEGACY_ISSUER = 'kubernetes/serviceaccount';

export interface ServiceAccountTokensOptions {
  /** PEM private key that signs the tokens: the API server's service-account key (pki/sa.key). */
  privateKey: string;
  /** PEM CA bundle written as ca.crt; default: the kubeconfig's cluster CA. */
  rootCA?: string;
}

/** Signs legacy tokens as the API server expects them: RS256 (ES* for EC keys) with the public key's ID. */
class LegacyTokenSigner {
  private readonly key: KeyObject;
  private readonly kid: string;
  private readonly alg: string;

  constructor(pem: string) {
    this.key = createPrivateKey(pem);
    // Upstream's keyIDFromPublicKey: unpadded base64url SHA-256 of the public key's DER.
    this.kid = createHash('sha256').update(createPublicKey(this.key).export({ type: 'spki', format: 'der' })).digest('base64url');
    const curve = this.key.asymmetricKeyDetails?.namedCurve;
    this.alg = this.key.asymmetricKeyType === 'rsa' ? 'RS256'
      : curve === 'prime256v1' ? 'ES256' : curve === 'secp384r1' ? 'ES384' : curve === 'secp521r1' ? 'ES512' : '';
    if (!this.alg) throw new Error(`cannot sign service account tokens with a ${this.key.asymmetricKeyType ?? 'unknown'} key`);
  }

  /** Upstream's LegacyClaims; go-jose writes the merged claims with sorted keys. */
  sign(sa: V1ServiceAccount, secretName: string): Promise<string> {
    const namespace = sa.metadata?.namespace ?? '';
    const name = sa.metadata?.name ?? '';
    return new SignJWT({
      iss: LEGACY_ISSUER,
      'kubernetes.io/serviceaccount/namespace': namespace,
      'kubernetes.io/serviceaccount/secret.name': secretName,
      'kubernetes.io/serviceaccount/service-account.name': name,
      'kubernetes.io/serviceaccount/service-account.uid': sa.metadata?.uid ?? '',
      sub: `system:serviceaccount:${namespace}:${name}`,
    }).setProtectedHeader({ alg: this.alg, kid: this.kid }).sign(this.key);
  }
}

const isTokenSecret = (s: V1Secret) => s.type === SERVICE_ACCOUNT_TOKEN_TYPE && !!s.metadata?.annotations?.[SERVICE_ACCOUNT_NAME_KEY];
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const decoded = (v: string | undefined) => (v ? Buffer.from(v, 'base64').toString('utf8') : '');

/**
 * Keyed by ServiceAccount: each sync looks at the token Secrets in its namespace that name it.
 * Secrets wake the ServiceAccount they name.
 */
export function serviceAccountTokensController(opts: ServiceAccountTokensOptions) {
  const signer = new LegacyTokenSigner(opts.privateKey);
  // Token Secrets last seen for a ServiceAccount ("ns/sa" → secret names), so that a reference to
  // one deleted since can be told from a reference to some other Secret.
  const seenTokens = new Map<string, Set<string>>();

  return defineController({
    name: 'serviceaccount-token',
    primary: serviceAccounts,
    watches: [{
      resource: secrets,
      keys: (obj: KubernetesObject) => {
        const s = obj as V1Secret;
        return isTokenSecret(s) ? [`${s.metadata?.namespace}/${s.metadata!.annotations![SERVICE_ACCOUNT_NAME_KEY]}`] : [];
      },
    }],
    workers: 2,
    async sync(key, ctx) {
      const [namespace, name] = key.split('/') as [string, string];
      let sa = ctx.lister(serviceAccounts).getByName(namespace, name);
      const tokens = ctx.lister(secrets).list(namespace).filter((s) => isTokenSecret(s) && s.metadata!.annotations![SERVICE_ACCOUNT_NAME_KEY] === name);
      const rootCA = opts.rootCA ?? rootCAOf(ctx.clients.kc) ?? '';
      const owns = (secret: V1Secret, account: V1ServiceAccount | undefined): account is V1ServiceAccount => {
        const wantUID = secret.metadata?.annotations?.[SERVICE_ACCOUNT_UID_KEY];
        return !!account && (!wantUID || wantUID === account.metadata?.uid);
      };
      let askedServer = false;
      for (const secret of tokens) {
        if (!owns(secret, sa) && !askedServer) {
          // The cache may lag behind a ServiceAccount just (re)created: ask the server before deleting.
          askedServer = true;
          sa = await liveServiceAccount(ctx, namespace, name);
        }
        if (!owns(secret, sa)) {
          await deleteToken(ctx, secret);
          continue;
        }
        await fillToken(ctx, signer, sa, secret, rootCA);
      }
      if (!sa) {
        seenTokens.delete(key);
        return;
      }
      await forgetDeletedTokens(ctx, sa, tokens, seenTokens);
    },
  });
}

async function liveServiceAccount(ctx: SyncContext, namespace: string, name: string): Promise<V1ServiceAccount | undefined> {
  try {
    return await ctx.clients.rest.get(serviceAccounts, namespace, name, { signal: ctx.signal });
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/** Deletes a token Secret whose ServiceAccount is gone; the UID precondition spares a Secret recreated meanwhile. */
async function deleteToken(ctx: SyncContext, secret: V1Secret): Promise<void> {
  try {
    await ctx.clients.rest.delete(secrets, secret.metadata?.namespace ?? '', secret.metadata?.name ?? '',
      secret.metadata?.uid ? { preconditions: { uid: secret.metadata.uid } } : {}, { signal: ctx.signal });
  } catch (e) {
    if (isNotFound(e) || isConflict(e)) return;
    throw e;
  }
}

/** Upstream's generateTokenIfNeeded: a token, the namespace and the current CA, and the ServiceAccount's UID annotation. */
async function fillToken(ctx: SyncContext, signer: LegacyTokenSigner, sa: V1ServiceAccount, secret: V1Secret, rootCA: string): Promise<void> {
  const data = secret.data ?? {};
  const needsCA = rootCA !== '' && decoded(data[ROOT_CA_KEY]) !== rootCA;
  const needsNamespace = !data[NAMESPACE_KEY];
  const needsToken = !data[TOKEN_KEY];
  if (!needsCA && !needsNamespace && !needsToken) return;
  const next = structuredClone(secret);
  next.data = { ...(next.data ?? {}) };
  if (needsCA) next.data[ROOT_CA_KEY] = b64(rootCA);
  if (needsNamespace) next.data[NAMESPACE_KEY] = b64(next.metadata?.namespace ?? '');
  if (needsToken) next.data[TOKEN_KEY] = b64(await signer.sign(sa, next.metadata?.name ?? ''));
  next.metadata!.annotations = {
    ...(next.metadata!.annotations ?? {}),
    [SERVICE_ACCOUNT_NAME_KEY]: sa.metadata?.name ?? '',
    [SERVICE_ACCOUNT_UID_KEY]: sa.metadata?.uid ?? '',
  };
  try {
    // The cached resourceVersion is a precondition: a Secret changed meanwhile comes back as an update event.
    await ctx.clients.rest.update(secrets, next.metadata?.namespace ?? '', next, { signal: ctx.signal });
  } catch (e) {
    if (isNotFound(e) || isConflict(e)) return;
    throw e;
  }
}

/** Drops from `secrets` the token Secrets of this ServiceAccount that have been deleted. */
async function forgetDeletedTokens(ctx: SyncContext, sa: V1ServiceAccount, tokens: V1Secret[], seen: Map<string, Set<string>>): Promise<void> {
  const key = `${sa.metadata?.namespace}/${sa.metadata?.name}`;
  const present = new Set(tokens.map((s) => s.metadata?.name ?? ''));
  const known = seen.get(key) ?? new Set<string>();
  for (const n of present) known.add(n);
  seen.set(key, known);
  const gone = (sa.secrets ?? []).map((r) => r.name ?? '').filter((n) => known.has(n) && !present.has(n)
    && !ctx.lister(secrets).getByName(sa.metadata?.namespace ?? '', n));
  if (gone.length === 0) return;
  const next = structuredClone(sa);
  next.secrets = (next.secrets ?? []).filter((r) => !gone.includes(r.name ?? ''));
  try {
    await ctx.clients.rest.update(serviceAccounts, sa.metadata?.namespace ?? '', next, { signal: ctx.signal });
    for (const n of gone) known.delete(n);
  } catch (e) {
    if (isNotFound(e) || isConflict(e)) return;
    throw e;
  }
}
