// ServiceAccount tokens: JWTs the API server signs with the cluster's service-account key (RS256,
// pki/sa.key) and later accepts as bearer tokens. Bound tokens come from the TokenRequest API and
// carry the `kubernetes.io` claim naming the ServiceAccount and the Pod, Secret or Node they are
// bound to; legacy tokens (issuer kubernetes/serviceaccount) live in
// `kubernetes.io/service-account-token` Secrets. Upstream: pkg/serviceaccount (jwt.go, claims.go,
// legacy.go) and apiserver/pkg/authentication/serviceaccount/util.go.
import { createHash, createPrivateKey, createPublicKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { compactVerify, decodeProtectedHeader, SignJWT } from 'jose';
import { isDNS1123Label, isDNS1123Subdomain } from '../../machinery/validation.ts';
import type { KubeObject } from '../apis/types.ts';
import type { UserInfo } from '../pipeline/authn.ts';

/** kubeadm's --service-account-issuer; also the default API audience. */
export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
/** The issuer of the tokens the tokens controller writes into Secrets. */
export const LEGACY_ISSUER = 'kubernetes/serviceaccount';

/** The kubelet asks for this expiry when projecting; the API server then issues a year-long token that warns after it (upstream's safe rollout of bound tokens). */
export const WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS = 60 * 60 + 7;
export const EXPIRATION_EXTENSION_SECONDS = 24 * 365 * 60 * 60;
/** go-jose's jwt.DefaultLeeway: clocks may disagree by a minute. */
const LEEWAY_MS = 60_000;

export const SERVICE_ACCOUNT_USERNAME_PREFIX = 'system:serviceaccount:';
export const ALL_SERVICE_ACCOUNTS_GROUP = 'system:serviceaccounts';
export const SERVICE_ACCOUNT_GROUP_PREFIX = 'system:serviceaccounts:';

/** Keys of a ServiceAccount user's `extra`. */
export const POD_NAME_KEY = 'authentication.kubernetes.io/pod-name';
export const POD_UID_KEY = 'authentication.kubernetes.io/pod-uid';
export const NODE_NAME_KEY = 'authentication.kubernetes.io/node-name';
export const NODE_UID_KEY = 'authentication.kubernetes.io/node-uid';
export const CREDENTIAL_ID_KEY = 'authentication.kubernetes.io/credential-id';

/** Labels the API server keeps on legacy token Secrets (LegacyServiceAccountTokenTracking / CleanUp). */
export const LAST_USED_LABEL_KEY = 'kubernetes.io/legacy-token-last-used';
export const INVALID_SINCE_LABEL_KEY = 'kubernetes.io/legacy-token-invalid-since';

export function makeUsername(namespace: string, name: string): string {
  return `${SERVICE_ACCOUNT_USERNAME_PREFIX}${namespace}:${name}`;
}

/** The namespace and name in `system:serviceaccount:<ns>:<name>`, when both are valid names. */
export function splitUsername(username: string): { namespace: string; name: string } | undefined {
  if (!username.startsWith(SERVICE_ACCOUNT_USERNAME_PREFIX)) return undefined;
  const parts = username.slice(SERVICE_ACCOUNT_USERNAME_PREFIX.length).split(':');
  if (parts.length !== 2) return undefined;
  const [namespace, name] = parts as [string, string];
  if (isDNS1123Label(namespace).length || isDNS1123Subdomain(name).length) return undefined;
  return { namespace, name };
}

export function makeGroupNames(namespace: string): string[] {
  return [ALL_SERVICE_ACCOUNTS_GROUP, `${SERVICE_ACCOUNT_GROUP_PREFIX}${namespace}`];
}

/** Who a valid token speaks for (upstream's ServiceAccountInfo). */
export interface ServiceAccountInfo {
  namespace: string;
  name: string;
  uid: string;
  podName?: string;
  podUID?: string;
  nodeName?: string;
  nodeUID?: string;
  credentialID?: string;
}

/** The user a ServiceAccount token authenticates as; the authenticator adds system:authenticated. */
export function userInfoOf(sa: ServiceAccountInfo): UserInfo {
  const user: UserInfo = { name: makeUsername(sa.namespace, sa.name), uid: sa.uid, groups: makeGroupNames(sa.namespace) };
  const extra: Record<string, string[]> = {};
  if (sa.podName && sa.podUID) {
    extra[POD_NAME_KEY] = [sa.podName];
    extra[POD_UID_KEY] = [sa.podUID];
  }
  if (sa.credentialID) extra[CREDENTIAL_ID_KEY] = [sa.credentialID];
  if (sa.nodeName) {
    extra[NODE_NAME_KEY] = [sa.nodeName];
    if (sa.nodeUID) extra[NODE_UID_KEY] = [sa.nodeUID];
  }
  if (Object.keys(extra).length) user.extra = extra;
  return user;
}

/** A JWT's id as it appears in a user's extra (upstream's CredentialIDForJTI). */
export function credentialIDForJTI(jti: string): string {
  return jti ? `JTI=${jti}` : '';
}

/** The `kid` header: the unpadded base64url SHA-256 of the public key's DER (upstream's keyIDFromPublicKey). */
export function keyIDOf(key: KeyObject): string {
  let kid = keyIDs.get(key);
  if (kid === undefined) {
    const pub = key.type === 'private' ? createPublicKey(key) : key;
    kid = createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest('base64url');
    keyIDs.set(key, kid);
  }
  return kid;
}
const keyIDs = new WeakMap<KeyObject, string>();

export interface ObjectRef { name: string; uid: string }

export interface BoundTokenRequest {
  serviceAccount: ObjectRef & { namespace: string };
  /** At most one of pod, secret, node; a pod may bring its node along (ServiceAccountTokenPodNodeInfo). */
  pod?: ObjectRef;
  secret?: ObjectRef;
  node?: { name: string; uid?: string };
  audiences: string[];
  expirationSeconds: number;
  /** Seconds after which use of the token is reported as stale (extended kubelet tokens). */
  warnAfterSeconds?: number;
  now: Date;
  jti: string;
}

const seconds = (d: Date) => Math.floor(d.getTime() / 1000);

/**
 * The claims of a bound token. go-jose merges public and private claims into one map, so the
 * payload's keys (and those of the nested `kubernetes.io` object) come out sorted.
 */
export function boundClaims(issuer: string, r: BoundTokenRequest): Record<string, unknown> {
  const now = seconds(r.now);
  const k8s: Record<string, unknown> = { namespace: r.serviceAccount.namespace };
  const ref = (o: { name: string; uid?: string }) => ({ name: o.name, ...(o.uid ? { uid: o.uid } : {}) });
  if (r.node && !r.secret) k8s.node = ref(r.node);
  if (r.pod) k8s.pod = ref(r.pod);
  else if (r.secret) k8s.secret = ref(r.secret);
  k8s.serviceaccount = ref(r.serviceAccount);
  if (r.warnAfterSeconds) k8s.warnafter = now + r.warnAfterSeconds;
  return {
    aud: r.audiences,
    exp: now + r.expirationSeconds,
    iat: now,
    iss: issuer,
    jti: r.jti,
    'kubernetes.io': k8s,
    nbf: now,
    sub: makeUsername(r.serviceAccount.namespace, r.serviceAccount.name),
  };
}

/** The claims of a legacy Secret-based token (upstream's LegacyClaims): no audience, no expiry. */
export function legacyClaims(sa: ObjectRef & { namespace: string }, secretName: string): Record<string, unknown> {
  return {
    iss: LEGACY_ISSUER,
    'kubernetes.io/serviceaccount/namespace': sa.namespace,
    'kubernetes.io/serviceaccount/secret.name': secretName,
    'kubernetes.io/serviceaccount/service-account.name': sa.name,
    'kubernetes.io/serviceaccount/service-account.uid': sa.uid,
    sub: makeUsername(sa.namespace, sa.name),
  };
}

/** Signs claims with the service-account private key: RS256 for RSA keys, ES256/384/512 for EC keys, as upstream. */
export class ServiceAccountTokenSigner {
  readonly key: KeyObject;
  readonly publicKey: KeyObject;
  readonly keyID: string;
  readonly alg: string;

  constructor(privateKeyPem: string) {
    this.key = createPrivateKey(privateKeyPem);
    this.publicKey = createPublicKey(this.key);
    this.keyID = keyIDOf(this.publicKey);
    this.alg = algorithmOf(this.key);
  }

  sign(claims: Record<string, unknown>): Promise<string> {
    return new SignJWT(claims as Record<string, unknown>).setProtectedHeader({ alg: this.alg, kid: this.keyID }).sign(this.key);
  }
}

function algorithmOf(key: KeyObject): string {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (curve === 'prime256v1') return 'ES256';
  if (curve === 'secp384r1') return 'ES384';
  if (curve === 'secp521r1') return 'ES512';
  throw new Error(`cannot sign service account tokens with a ${key.asymmetricKeyType ?? 'unknown'} key`);
}

/** How the authenticator reads the objects a token names: the watch cache first, the store on a miss. */
export interface ServiceAccountTokenGetter {
  getServiceAccount(namespace: string, name: string): Promise<KubeObject>;
  getPod(namespace: string, name: string): Promise<KubeObject>;
  getSecret(namespace: string, name: string): Promise<KubeObject>;
  getNode(name: string): Promise<KubeObject>;
  /** Records today's date on a legacy token Secret that was just used; best effort. */
  markLegacyTokenUsed?(secret: KubeObject, today: string): Promise<void>;
}

/** A recognised token that is not (or no longer) valid: the message is upstream's. */
export class TokenError extends Error {}

export interface TokenAuthentication {
  user: UserInfo;
  /** The audiences the token is good for among those requested. */
  audiences: string[];
  warnings?: string[];
}

export interface ServiceAccountTokenAuthenticatorOptions {
  /** Issuers of bound tokens accepted (the first is the one this server signs with). */
  issuers: string[];
  /** Keys that may have signed a token. */
  publicKeys: () => Promise<KeyObject[]>;
  /** The audiences a request to this API server stands for (--api-audiences). */
  apiAudiences: string[];
  getter: ServiceAccountTokenGetter;
  now: () => Date;
  /** Accept legacy Secret-based tokens (issuer kubernetes/serviceaccount). */
  legacy?: boolean;
}

type Claims = Record<string, unknown>;

/** Signature checks are pure, so a verified token's payload is kept (bounded) and not checked again. */
const VERIFIED_CACHE_MAX = 1024;

/**
 * Upstream's JWTTokenAuthenticator with the bound-token validator and the legacy validator: a
 * token whose unverified issuer is not one of ours is not recognised (undefined); one that is ours
 * but fails any check throws a TokenError.
 */
export class ServiceAccountTokenAuthenticator {
  private readonly verified = new Map<string, Claims>();

  constructor(private readonly opts: ServiceAccountTokenAuthenticatorOptions) {}

  async authenticateToken(token: string, requestedAudiences?: string[]): Promise<TokenAuthentication | undefined> {
    const issuer = unverifiedIssuer(token);
    const bound = issuer !== undefined && this.opts.issuers.includes(issuer);
    const legacy = issuer === LEGACY_ISSUER && !!this.opts.legacy;
    if (!bound && !legacy) return undefined;
    const claims = await this.verify(token);
    if (claims === undefined) return undefined;
    if (claims.iss !== issuer) throw new TokenError(`token issuer ${JSON.stringify(claims.iss)} is invalid`);

    const apiAudiences = this.opts.apiAudiences;
    let tokenAudiences = audiencesOf(claims.aud);
    // Only API server audiences are allowed for tokens without any (legacy tokens).
    if (tokenAudiences.length === 0) tokenAudiences = apiAudiences;
    const requested = requestedAudiences ?? apiAudiences;
    const audiences = tokenAudiences.filter((a) => requested.includes(a));
    if (audiences.length === 0 && apiAudiences.length > 0) {
      throw new TokenError(`token audiences ${goQuoteList(tokenAudiences)} is invalid for the target audiences ${goQuoteList(requested)}`);
    }
    const warnings: string[] = [];
    const sa = bound ? await this.validateBound(claims) : await this.validateLegacy(token, claims, warnings);
    return { user: userInfoOf(sa), audiences, ...(warnings.length ? { warnings } : {}) };
  }

  /** The payload of a token signed by one of our keys; undefined when it is not a JWS at all. */
  private async verify(token: string): Promise<Claims | undefined> {
    const hit = this.verified.get(token);
    if (hit) return hit;
    let kid: string | undefined;
    try {
      kid = decodeProtectedHeader(token).kid;
    } catch {
      return undefined;
    }
    const all = await this.opts.publicKeys();
    const keys = kid ? all.filter((k) => keyIDOf(k) === kid) : all;
    if (keys.length === 0) throw new TokenError('invalid signature, no keys found');
    const failures: string[] = [];
    for (const key of keys) {
      try {
        const { payload } = await compactVerify(token, key, { algorithms: ['RS256', 'ES256', 'ES384', 'ES512'] });
        const claims = JSON.parse(Buffer.from(payload).toString('utf8')) as unknown;
        if (!claims || typeof claims !== 'object' || Array.isArray(claims)) throw new Error('go-jose/go-jose: invalid payload');
        if (this.verified.size >= VERIFIED_CACHE_MAX) this.verified.delete(this.verified.keys().next().value!);
        this.verified.set(token, claims as Claims);
        return claims as Claims;
      } catch {
        failures.push('go-jose/go-jose: error in cryptographic primitive');
      }
    }
    throw new TokenError(failures.length === 1 ? failures[0]! : `[${failures.join(', ')}]`);
  }

  /** Upstream's claims.go validator: times, then the ServiceAccount and the bound object still exist with the same UID. */
  private async validateBound(claims: Claims): Promise<ServiceAccountInfo> {
    const now = this.opts.now();
    const t = now.getTime();
    const at = (v: unknown) => (typeof v === 'number' ? v * 1000 : undefined);
    const nbf = at(claims.nbf);
    const exp = at(claims.exp);
    const iat = at(claims.iat);
    if (nbf !== undefined && t + LEEWAY_MS < nbf) throw new TokenError('service account token is not valid yet');
    if (exp !== undefined && t - LEEWAY_MS > exp) throw new TokenError('service account token has expired');
    if (iat !== undefined && t + LEEWAY_MS < iat) throw new TokenError('service account token is issued in the future');

    // Objects deleted more than the leeway ago no longer vouch for the token.
    const deletedBefore = t - LEEWAY_MS;
    const gone = (o: KubeObject) => {
      const ts = o.metadata?.deletionTimestamp;
      return ts !== undefined && new Date(ts).getTime() < deletedBefore;
    };
    const k8s = (claims['kubernetes.io'] ?? {}) as { namespace?: string; serviceaccount?: Partial<ObjectRef>; pod?: Partial<ObjectRef>; secret?: Partial<ObjectRef>; node?: Partial<ObjectRef> };
    const namespace = k8s.namespace ?? '';
    const saRef = { name: k8s.serviceaccount?.name ?? '', uid: k8s.serviceaccount?.uid ?? '' };
    const getter = this.opts.getter;

    const sa = await getter.getServiceAccount(namespace, saRef.name);
    if ((sa.metadata?.uid ?? '') !== saRef.uid) {
      throw new TokenError(`service account UID (${sa.metadata?.uid ?? ''}) does not match claim (${saRef.uid})`);
    }
    if (gone(sa)) throw new TokenError(`service account ${namespace}/${saRef.name} has been deleted`);

    const invalidated = () => new TokenError('service account token has been invalidated');
    if (k8s.secret) {
      const ref = k8s.secret;
      const secret = await getter.getSecret(namespace, ref.name ?? '').catch(() => { throw invalidated(); });
      if ((ref.uid ?? '') !== (secret.metadata?.uid ?? '')) {
        throw new TokenError(`secret UID (${secret.metadata?.uid ?? ''}) does not match service account secret ref claim (${ref.uid ?? ''})`);
      }
      if (gone(secret)) throw invalidated();
    }
    const info: ServiceAccountInfo = { namespace, name: saRef.name, uid: saRef.uid };
    if (k8s.pod) {
      const ref = k8s.pod;
      const pod = await getter.getPod(namespace, ref.name ?? '').catch(() => { throw invalidated(); });
      if ((ref.uid ?? '') !== (pod.metadata?.uid ?? '')) {
        throw new TokenError(`pod UID (${pod.metadata?.uid ?? ''}) does not match service account pod ref claim (${ref.uid ?? ''})`);
      }
      if (gone(pod)) throw invalidated();
      info.podName = ref.name ?? '';
      info.podUID = ref.uid ?? '';
    }
    if (k8s.node) {
      const ref = k8s.node;
      if (!k8s.pod) {
        // A token bound to a Node lives as long as that Node (ServiceAccountTokenNodeBindingValidation).
        const node = await getter.getNode(ref.name ?? '').catch(() => { throw invalidated(); });
        if ((ref.uid ?? '') !== (node.metadata?.uid ?? '')) {
          throw new TokenError(`node UID (${node.metadata?.uid ?? ''}) does not match service account node ref claim (${ref.uid ?? ''})`);
        }
        if (gone(node)) throw invalidated();
      }
      // For a pod-bound token the node is informational only: not checked.
      info.nodeName = ref.name ?? '';
      if (ref.uid) info.nodeUID = ref.uid;
    }
    const jti = typeof claims.jti === 'string' ? claims.jti : '';
    if (jti) info.credentialID = credentialIDForJTI(jti);
    return info;
  }

  /** Upstream's legacy.go validator: the Secret holding the token must exist and still hold exactly it. */
  private async validateLegacy(token: string, claims: Claims, warnings: string[]): Promise<ServiceAccountInfo> {
    const str = (k: string) => (typeof claims[k] === 'string' ? claims[k] as string : '');
    const sub = str('sub');
    const namespace = str('kubernetes.io/serviceaccount/namespace');
    const secretName = str('kubernetes.io/serviceaccount/secret.name');
    const saName = str('kubernetes.io/serviceaccount/service-account.name');
    const saUID = str('kubernetes.io/serviceaccount/service-account.uid');
    if (!sub) throw new TokenError('sub claim is missing');
    if (!namespace) throw new TokenError('namespace claim is missing');
    if (!secretName) throw new TokenError('secretName claim is missing');
    if (!saName) throw new TokenError('serviceAccountName claim is missing');
    if (!saUID) throw new TokenError('serviceAccountUID claim is missing');
    const subject = splitUsername(sub);
    if (!subject || subject.namespace !== namespace || subject.name !== saName) throw new TokenError('sub claim is invalid');

    const getter = this.opts.getter;
    const invalidated = () => new TokenError('Token has been invalidated');
    const secret = await getter.getSecret(namespace, secretName).catch(() => { throw invalidated(); });
    if (secret.metadata?.deletionTimestamp) throw invalidated();
    const stored = Buffer.from(String((secret.data as Record<string, string> | undefined)?.token ?? ''), 'base64');
    const presented = Buffer.from(token, 'utf8');
    if (stored.length !== presented.length || !timingSafeEqual(stored, presented)) throw new TokenError("Token does not match server's copy");

    const sa = await getter.getServiceAccount(namespace, saName);
    if (sa.metadata?.deletionTimestamp) throw new TokenError(`ServiceAccount ${namespace}/${saName} has been deleted`);
    if ((sa.metadata?.uid ?? '') !== saUID) throw new TokenError(`ServiceAccount UID (${sa.metadata?.uid ?? ''}) does not match claim (${saUID})`);

    const today = this.opts.now().toISOString().slice(0, 10);
    const tomorrow = new Date(this.opts.now().getTime() + 86_400_000).toISOString().slice(0, 10);
    const lastUsed = secret.metadata?.labels?.[LAST_USED_LABEL_KEY];
    const track = () => {
      if (lastUsed !== today && lastUsed !== tomorrow) void getter.markLegacyTokenUsed?.(secret, today).catch(() => {});
    };
    if (secret.metadata?.labels?.[INVALID_SINCE_LABEL_KEY]) {
      track();
      throw new TokenError(`the token in secret ${namespace}/${secretName} for service account ${namespace}/${saName} has been marked invalid. `
        + 'Use tokens from the TokenRequest API or manually created secret-based tokens, or remove the '
        + `'${INVALID_SINCE_LABEL_KEY}' label from the secret to temporarily allow use of this token`);
    }
    const references = (sa as { secrets?: Array<{ name?: string }> }).secrets ?? [];
    if (references.some((r) => r.name === secretName)) {
      warnings.push('Use tokens from the TokenRequest API or manually created secret-based tokens instead of auto-generated secret-based tokens.');
    }
    track();
    return { namespace, name: saName, uid: saUID };
  }
}

/** The `iss` of a compact JWS, read without checking anything (upstream's hasCorrectIssuer). */
function unverifiedIssuer(token: string): string | undefined {
  if (token.trimStart().startsWith('{')) return undefined;
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as { iss?: unknown };
    return typeof payload?.iss === 'string' ? payload.iss : undefined;
  } catch {
    return undefined;
  }
}

/** `aud` is a string or a list of strings (RFC 7519 §4.1.3). */
function audiencesOf(aud: unknown): string[] {
  if (typeof aud === 'string') return aud ? [aud] : [];
  if (Array.isArray(aud)) return aud.filter((a): a is string => typeof a === 'string');
  return [];
}

/** Go's %q of a []string: ["a" "b"]. */
export function goQuoteList(list: string[]): string {
  return `[${list.map((s) => JSON.stringify(s)).join(' ')}]`;
}
