// The API server's authentication as one piece: the request authenticator (client certificates,
// static tokens, ServiceAccount tokens) and the ServiceAccount token issuer. Resource code that
// needs them (serviceaccounts/token, tokenreviews) finds them by the store it serves over, as
// server/registry/generic.ts finds peer registries.
import { createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import * as errors from '../../machinery/errors.ts';
import type { Store } from '../../storage/store.ts';
import type { KubeObject } from '../apis/types.ts';
import type { GenericRegistry } from '../registry/generic.ts';
import { newAuthenticator, type Authenticator, type StaticToken } from '../pipeline/authn.ts';
import { readTokenFile } from './tokenfile.ts';
import {
  DEFAULT_ISSUER, LAST_USED_LABEL_KEY, ServiceAccountTokenAuthenticator, ServiceAccountTokenSigner, type ServiceAccountTokenGetter,
} from './serviceaccount-token.ts';

export interface AuthenticationOptions {
  /** Bearer tokens and the users they stand for. */
  tokens?: StaticToken[];
  /** A CSV token file (upstream --token-auth-file): token,user,uid,"group1,group2". */
  tokenAuthFile?: string;
  /**
   * PEM private key that signs ServiceAccount tokens (upstream --service-account-signing-key-file;
   * `capstan` passes pki/sa.key). Without one the server makes a throwaway key on first use, so
   * its tokens die with it and no other replica accepts them.
   */
  serviceAccountSigningKey?: string;
  /** Further PEM public (or private) keys whose tokens are accepted (upstream --service-account-key-file). */
  serviceAccountKeys?: string[];
  /** The `iss` of issued tokens (upstream --service-account-issuer); default https://kubernetes.default.svc.cluster.local. */
  serviceAccountIssuer?: string;
  /** What this server's audience is called (upstream --api-audiences); default: the issuer. */
  apiAudiences?: string[];
  /** Upstream --service-account-extend-token-expiration (default true). */
  extendTokenExpiration?: boolean;
  /** Upstream --service-account-max-token-expiration in seconds; 0 means none. */
  maxTokenExpirationSeconds?: number;
}

/** What resource code reaches: the issuer of bound tokens and the request authenticator. */
export interface AuthServices {
  issuer: string;
  apiAudiences: string[];
  extendTokenExpiration: boolean;
  maxTokenExpirationSeconds: number;
  signer(): Promise<ServiceAccountTokenSigner>;
  /** Every key whose tokens are accepted, this server's own first (made now if it has none yet). */
  publicKeys(): Promise<KeyObject[]>;
  authenticator: Authenticator;
}

const servicesByStore = new WeakMap<Store, AuthServices>();

/** The authentication of the API server serving over `store` (the latest one built wins). */
export function authServicesFor(store: Store): AuthServices {
  const services = servicesByStore.get(store);
  if (!services) throw errors.internalError(new Error('authentication is not configured for this server'));
  return services;
}

const generateKeyPairAsync = promisify(generateKeyPair);

/**
 * Builds the authentication of one API server: static tokens (given and from the token file),
 * then ServiceAccount tokens (bound and legacy) checked against the objects they name through
 * the registries' watch caches.
 */
export function newApiAuthentication(opts: AuthenticationOptions & {
  store: Store;
  registryFor(group: string, version: string, plural: string): GenericRegistry | undefined;
  now: () => Date;
}): AuthServices {
  const issuer = opts.serviceAccountIssuer ?? DEFAULT_ISSUER;
  const apiAudiences = opts.apiAudiences?.length ? opts.apiAudiences : [issuer];
  const tokens = [...(opts.tokens ?? []), ...(opts.tokenAuthFile ? readTokenFile(opts.tokenAuthFile) : [])];

  let signing: Promise<ServiceAccountTokenSigner> | undefined;
  const signer = () => (signing ??= opts.serviceAccountSigningKey
    ? Promise.resolve(new ServiceAccountTokenSigner(opts.serviceAccountSigningKey))
    : generateKeyPairAsync('rsa', { modulusLength: 2048 }).then((pair) =>
      new ServiceAccountTokenSigner(pair.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString())));
  const extraKeys = (opts.serviceAccountKeys ?? []).map((pem) => createPublicKey(pem));
  // Before this server has signed anything it needs no throwaway key to check tokens.
  const publicKeys = async (): Promise<KeyObject[]> =>
    (opts.serviceAccountSigningKey || signing ? [(await signer()).publicKey, ...extraKeys] : extraKeys);

  const lookup = (plural: string) => (namespace: string, name: string): Promise<KubeObject> => {
    const reg = opts.registryFor('', 'v1', plural);
    if (!reg) return Promise.reject(errors.notFound({ group: '', resource: plural }, name));
    if (!name) return Promise.reject(errors.notFound(reg.gr, name));
    return reg.getCached(namespace, name);
  };
  const getter: ServiceAccountTokenGetter = {
    getServiceAccount: lookup('serviceaccounts'),
    getPod: lookup('pods'),
    getSecret: lookup('secrets'),
    getNode: (name) => lookup('nodes')('', name),
    async markLegacyTokenUsed(secret, today) {
      const reg = opts.registryFor('', 'v1', 'secrets');
      const meta = secret.metadata ?? {};
      if (!reg || !meta.name) return;
      await reg.guaranteedUpdate(meta.namespace ?? '', meta.name, (cur) => {
        (cur.metadata ??= {}).labels = { ...(cur.metadata.labels ?? {}), [LAST_USED_LABEL_KEY]: today };
        return cur;
      }, { preconditions: meta.uid ? { uid: meta.uid } : {} });
    },
  };
  const serviceAccounts = new ServiceAccountTokenAuthenticator({
    issuers: [issuer], publicKeys, apiAudiences, getter, now: opts.now, legacy: true,
  });
  const services: AuthServices = {
    issuer, apiAudiences, signer,
    publicKeys: async () => [(await signer()).publicKey, ...extraKeys],
    extendTokenExpiration: opts.extendTokenExpiration ?? true,
    maxTokenExpirationSeconds: opts.maxTokenExpirationSeconds ?? 0,
    authenticator: newAuthenticator({ tokens, tokenAuthenticators: [serviceAccounts], apiAudiences }),
  };
  servicesByStore.set(opts.store, services);
  return services;
}
