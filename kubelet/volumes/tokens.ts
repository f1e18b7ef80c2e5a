// Service-account tokens for projected volumes, from the TokenRequest API
// (`POST serviceaccounts/<name>/token`, bound to the pod), cached and renewed as upstream's
// token manager (pkg/kubelet/token/token_manager.go) does: a token is asked for again once 80% of
// its lifetime has passed (minus up to 10 s of jitter, so that many pods do not renew at once), or
// when it is 24 hours old.
import { isNotFound, type RestClient } from '../../client/index.ts';
import { serviceAccounts } from '../../client/resources.ts';

export interface TokenRequestSpec {
  audiences?: string[];
  expirationSeconds: number;
  boundObjectRef: { apiVersion: string; kind: string; name: string; uid: string };
}

export interface IssuedToken {
  token: string;
  /** Epoch ms. */
  expiresAt: number;
  expirationSeconds: number;
}

const MAX_TTL_MS = 24 * 3600_000;
const MAX_JITTER_MS = 10_000;

/** When a token should be renewed: 80% into its lifetime, or at 24 hours, whichever is first. */
export function refreshAt(t: IssuedToken): number {
  const ttlMs = t.expirationSeconds * 1000;
  const issuedAt = t.expiresAt - ttlMs;
  return Math.min(issuedAt + MAX_TTL_MS, t.expiresAt - ttlMs * 0.2);
}

export interface TokenManagerOptions {
  /** The TokenRequest call; resolves with the API's TokenRequest object. */
  request(namespace: string, serviceAccount: string, body: unknown, signal?: AbortSignal): Promise<unknown>;
  now?: () => number;
  random?: () => number;
}

export class TokenManager {
  private readonly cache = new Map<string, IssuedToken>();
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly o: TokenManagerOptions) {
    this.now = o.now ?? Date.now;
    this.random = o.random ?? Math.random;
  }

  static forRest(rest: RestClient): TokenManager {
    return new TokenManager({
      request: (ns, sa, body, signal) => rest.createSubresource(serviceAccounts, ns, sa, 'token', body, { signal }),
    });
  }

  /** A valid token for the pod's service account; asks the API for a new one when due. */
  async get(namespace: string, serviceAccount: string, spec: TokenRequestSpec, signal?: AbortSignal): Promise<IssuedToken> {
    const key = JSON.stringify([namespace, serviceAccount, spec.audiences ?? [], spec.expirationSeconds, spec.boundObjectRef.uid]);
    const cached = this.cache.get(key);
    if (cached && !this.requiresRefresh(cached)) return cached;
    const body = {
      apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest',
      spec: { ...(spec.audiences ? { audiences: spec.audiences } : {}), expirationSeconds: spec.expirationSeconds, boundObjectRef: spec.boundObjectRef },
    };
    let res: { spec?: { expirationSeconds?: number }; status?: { token?: string; expirationTimestamp?: string } };
    try {
      res = (await this.o.request(namespace, serviceAccount, body, signal)) as typeof res;
    } catch (e) {
      // A token still valid is better than none when the API is unreachable.
      if (cached && cached.expiresAt > this.now() && !isNotFound(e)) return cached;
      throw new Error(`failed to fetch token: ${(e as Error)?.message ?? String(e)}`);
    }
    const token = res?.status?.token;
    if (!token) throw new Error('failed to fetch token: the TokenRequest answer has no token');
    const expirationSeconds = res.spec?.expirationSeconds ?? spec.expirationSeconds;
    const exp = res.status?.expirationTimestamp ? Date.parse(res.status.expirationTimestamp) : NaN;
    const issued: IssuedToken = { token, expirationSeconds, expiresAt: Number.isNaN(exp) ? this.now() + expirationSeconds * 1000 : exp };
    this.cache.set(key, issued);
    return issued;
  }

  /** Drops the tokens bound to a pod that is gone. */
  forgetPod(uid: string): void {
    for (const key of [...this.cache.keys()]) if ((JSON.parse(key) as unknown[])[4] === uid) this.cache.delete(key);
  }

  private requiresRefresh(t: IssuedToken): boolean {
    const jitter = this.random() * MAX_JITTER_MS;
    return this.now() > refreshAt(t) - jitter;
  }
}
