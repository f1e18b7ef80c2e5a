// Components acting as ServiceAccounts (kube-controller-manager's --use-service-account-credentials):
// a token for <namespace>/<name> asked of the TokenRequest API with the component's own credential,
// kept until shortly before it expires, and clients that present it. Upstream:
// k8s.io/controller-manager/pkg/clientbuilder (DynamicControllerClientBuilder) over client-go's
// cached, resettable token source.
import { CoordinationV1Api, CoreV1Api, KubeConfig, type Cluster, type User } from '@kubernetes/client-node';
import type https from 'node:https';
import type { Clients } from './kubeconfig.ts';
import { isAlreadyExists, isNotFound, RestClient, statusCodeOf, type RequestOptions } from './rest.ts';
import { namespaces, serviceAccounts } from './resources.ts';
import { sleep } from './backoff.ts';

/** Upstream's defaultExpirationSeconds: tokens asked for last an hour. */
export const DEFAULT_TOKEN_EXPIRATION_SECONDS = 3600;
/** Upstream's defaultLeewayPercent: a token is replaced once 80% of its life has passed. */
export const DEFAULT_LEEWAY_PERCENT = 20;
/** A token said to live less than this is assumed to live this long (upstream: clock skew guard). */
const MIN_LIFETIME_MS = 10 * 60_000;

/** The user name a ServiceAccount's token authenticates as. */
export const serviceAccountUser = (namespace: string, name: string) => `system:serviceaccount:${namespace}:${name}`;

export interface ServiceAccountTokenSourceOptions {
  /** The component's own client: it reads and creates the ServiceAccount and asks for its tokens. */
  rest: RestClient;
  namespace: string;
  name: string;
  expirationSeconds?: number;
  leewayPercent?: number;
  /** The clock (tests move it). */
  now?: () => number;
  /** Waits between attempts; upstream: 0.5 s doubling, four attempts in all. */
  retryDelaysMs?: number[];
  log?: (msg: string) => void;
  /** Ends the waits between attempts. */
  signal?: AbortSignal;
}

interface CachedToken { token: string; expiry: number; obtained: number }

/**
 * The current token of one ServiceAccount. A token is reused until `leewayPercent` of its life is
 * left; then the next caller gets a fresh one, asked for once however many callers wait. When the
 * refresh fails the old token, still valid, is kept and the next caller tries again (upstream's
 * cachingTokenSource). Each fetch first makes sure the ServiceAccount exists, creating it if need
 * be (upstream's getOrCreateServiceAccount), so a deleted account comes back.
 */
export class ServiceAccountTokenSource {
  readonly namespace: string;
  readonly name: string;
  private readonly rest: RestClient;
  private readonly expirationSeconds: number;
  private readonly leewayPercent: number;
  /** The clock tokens are dated by. */
  readonly now: () => number;
  private readonly retryDelaysMs: number[];
  private readonly log: (msg: string) => void;
  private readonly signal: AbortSignal | undefined;
  private cached: CachedToken | undefined;
  private fetching: Promise<string> | undefined;
  /** TokenRequests answered so far (tests read it). */
  issued = 0;

  constructor(o: ServiceAccountTokenSourceOptions) {
    this.rest = o.rest;
    this.namespace = o.namespace;
    this.name = o.name;
    this.expirationSeconds = o.expirationSeconds ?? DEFAULT_TOKEN_EXPIRATION_SECONDS;
    this.leewayPercent = o.leewayPercent ?? DEFAULT_LEEWAY_PERCENT;
    this.now = o.now ?? Date.now;
    this.retryDelaysMs = o.retryDelaysMs ?? [500, 1_000, 2_000];
    this.log = o.log ?? (() => {});
    this.signal = o.signal;
  }

  get user(): string {
    return serviceAccountUser(this.namespace, this.name);
  }

  /** A token valid now; rejects only when none can be had and none is held. */
  async token(): Promise<string> {
    const held = this.cached;
    if (held && this.now() < held.expiry) return held.token;
    this.fetching ??= this.refresh().finally(() => { this.fetching = undefined; });
    return this.fetching;
  }

  /**
   * Forgets the token if it was obtained before `time` (ms): the server refused a request begun
   * then with 401, so the token is no good (the account was deleted and made again, the signing
   * key changed). Upstream's ResetTokenOlderThan.
   */
  resetOlderThan(time: number): void {
    if (this.cached && this.cached.obtained < time) this.cached = undefined;
  }

  private async refresh(): Promise<string> {
    try {
      const fresh = await this.fetchWithRetries();
      this.cached = fresh;
      return fresh.token;
    } catch (e) {
      const held = this.cached;
      if (!held) throw e;
      this.log(`cannot rotate the token of ${this.namespace}/${this.name}, keeping the current one: ${(e as Error).message}`);
      return held.token;
    }
  }

  private async fetchWithRetries(): Promise<CachedToken> {
    let last: unknown;
    for (let attempt = 0; attempt <= this.retryDelaysMs.length; attempt++) {
      if (attempt > 0) {
        await sleep(this.retryDelaysMs[attempt - 1]!, this.signal);
        if (this.signal?.aborted) break;
      }
      try {
        await this.ensureServiceAccount();
      } catch (e) {
        last = e;
        this.log(`get or create service account ${this.namespace}/${this.name} failed: ${(e as Error).message}`);
        continue;
      }
      try {
        return await this.requestToken();
      } catch (e) {
        last = e;
        this.log(`get token for ${this.namespace}/${this.name} failed: ${(e as Error).message}`);
      }
    }
    throw new Error(`failed to get token for ${this.namespace}/${this.name}: ${(last as Error | undefined)?.message ?? 'aborted'}`);
  }

  private async ensureServiceAccount(): Promise<void> {
    try {
      await this.rest.get(serviceAccounts, this.namespace, this.name, { signal: this.signal });
      return;
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    // The namespace too, when it is known to be missing; the component may not be allowed to
    // create namespaces (system:kube-controller-manager is not), so failing here is no error.
    try {
      await this.rest.get(namespaces, '', this.namespace, { signal: this.signal });
    } catch (e) {
      if (isNotFound(e)) {
        await this.rest.create(namespaces, '', { metadata: { name: this.namespace } }, { signal: this.signal }).catch((err: unknown) => {
          if (!isAlreadyExists(err)) this.log(`create missing namespace ${this.namespace} failed: ${(err as Error).message}`);
        });
      }
    }
    try {
      await this.rest.create(serviceAccounts, this.namespace, { metadata: { name: this.name, namespace: this.namespace } }, { signal: this.signal });
    } catch (e) {
      // Someone else made it meanwhile: it exists, which is all that is needed.
      if (!isAlreadyExists(e)) throw e;
    }
  }

  private async requestToken(): Promise<CachedToken> {
    const answer = (await this.rest.createSubresource(serviceAccounts, this.namespace, this.name, 'token', {
      apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest',
      spec: { expirationSeconds: this.expirationSeconds },
    }, { signal: this.signal })) as { status?: { token?: string; expirationTimestamp?: string } } | undefined;
    const token = answer?.status?.token;
    const expires = Date.parse(answer?.status?.expirationTimestamp ?? '');
    if (!token || Number.isNaN(expires)) throw new Error('the TokenRequest answer has no token or expirationTimestamp');
    this.issued++;
    const now = this.now();
    const lifetime = Math.max(expires - now, MIN_LIFETIME_MS);
    return { token, obtained: now, expiry: now + lifetime - Math.floor((lifetime * this.leewayPercent) / 100) };
  }
}

const AUTH_PROVIDER = 'capstan-serviceaccount-token';

/**
 * The component's cluster (server, CA, TLS name) with none of its credentials, and a user whose
 * requests carry the source's current token: upstream's AnonymousClientConfig plus the token
 * transport. client-node asks the custom authenticator for the header on every request, typed
 * clients and watches included.
 */
export function serviceAccountKubeConfig(root: KubeConfig, source: ServiceAccountTokenSource): KubeConfig {
  const cluster = root.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig: no current cluster');
  const name = source.user;
  const kc = new KubeConfig();
  const copy: Cluster = { ...cluster, name };
  const user: User = { name, authProvider: { name: AUTH_PROVIDER, config: {} } };
  kc.loadFromOptions({ clusters: [copy], users: [user], contexts: [{ name, cluster: name, user: name }], currentContext: name });
  kc.addAuthenticator({
    isAuthProvider: (u: User) => (u.authProvider as { name?: string } | undefined)?.name === AUTH_PROVIDER,
    async applyAuthentication(_u: User, opts: https.RequestOptions) {
      opts.headers = { ...opts.headers, Authorization: `Bearer ${await source.token()}` };
    },
  });
  return kc;
}

/**
 * A RestClient presenting a ServiceAccount's token that, like client-go's token transport, drops
 * the token when the server answers 401 to a request made with it, so the next request (the
 * controller's retry) asks for a new one. Watches go through client-node and are not covered; the
 * controllers watch through the shared informers, on the component's own credential.
 */
export class ServiceAccountRestClient extends RestClient {
  constructor(readonly tokens: ServiceAccountTokenSource, root: KubeConfig, opts: { userAgent?: string; timeoutMs?: number } = {}) {
    super(serviceAccountKubeConfig(root, tokens), opts);
  }

  override async request(method: string, path: string, o: RequestOptions = {}): Promise<unknown> {
    const started = this.tokens.now();
    try {
      return await super.request(method, path, o);
    } catch (e) {
      if (statusCodeOf(e) === 401) this.tokens.resetOlderThan(started);
      throw e;
    }
  }
}

/** Clients acting as one ServiceAccount, with the source of their token. */
export interface ServiceAccountClients extends Clients {
  rest: ServiceAccountRestClient;
  tokens: ServiceAccountTokenSource;
}

/**
 * Clients per ServiceAccount in one namespace, made once per name and shared by every caller of
 * that name (upstream's DynamicControllerClientBuilder keeps one token transport per account).
 * Each client's user agent is the component's followed by the account's user name, as upstream's
 * AddUserAgent does.
 */
export class ServiceAccountClientBuilder {
  private readonly made = new Map<string, ServiceAccountClients>();

  constructor(private readonly o: {
    /** The component's own clients: they provision accounts and ask for tokens. */
    root: Clients;
    namespace: string;
    userAgent?: string;
    log?: (msg: string) => void;
    signal?: AbortSignal;
    now?: () => number;
    expirationSeconds?: number;
  }) {}

  clientsFor(name: string): ServiceAccountClients {
    let c = this.made.get(name);
    if (c) return c;
    const tokens = new ServiceAccountTokenSource({
      rest: this.o.root.rest, namespace: this.o.namespace, name, log: this.o.log, signal: this.o.signal,
      ...(this.o.now ? { now: this.o.now } : {}), ...(this.o.expirationSeconds ? { expirationSeconds: this.o.expirationSeconds } : {}),
    });
    const rest = new ServiceAccountRestClient(tokens, this.o.root.kc, { userAgent: `${this.o.userAgent ?? 'capstan'}/${tokens.user}` });
    c = { kc: rest.kc, rest, tokens, core: rest.kc.makeApiClient(CoreV1Api), coordination: rest.kc.makeApiClient(CoordinationV1Api) };
    this.made.set(name, c);
    return c;
  }

  /** Closes every client's idle connections. */
  close(): void {
    for (const c of this.made.values()) c.rest.close();
  }
}
