// Authentication: who is asking. Upstream's union, in its order: client certificates signed by
// the cluster CA (CN = user, O = groups), then bearer tokens (the static token file, then
// ServiceAccount JWTs), from the Authorization header or a WebSocket subprotocol. The first that
// accepts the request wins; a request with no credentials is system:anonymous; one whose
// credentials every authenticator rejects is 401 Unauthorized. Every authenticated user is in
// system:authenticated. Upstream: apiserver/pkg/authentication (request/union, request/x509,
// request/bearertoken, request/websocket, group.AuthenticatedGroupAdder).
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import * as errors from '../../machinery/errors.ts';

export interface UserInfo {
  name: string;
  groups: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}

export const ALL_AUTHENTICATED = 'system:authenticated';
export const ALL_UNAUTHENTICATED = 'system:unauthenticated';
export const ANONYMOUS_USER = 'system:anonymous';

export const anonymous: UserInfo = { name: ANONYMOUS_USER, groups: [ALL_UNAUTHENTICATED] };

export interface StaticToken { token: string; user: UserInfo }

/** What a token authenticator says of a token it recognised and accepted. */
export interface TokenResponse {
  user: UserInfo;
  /** The audiences the token is good for among those asked for (empty: not audience-aware). */
  audiences: string[];
  warnings?: string[];
}

/**
 * One kind of bearer token. Undefined: not a token of this kind. A thrown Error: a token of this
 * kind that is not valid (its message is reported, as upstream's error).
 */
export interface TokenAuthenticator {
  authenticateToken(token: string, audiences?: string[]): Promise<TokenResponse | undefined>;
}

/** What a TokenReview reports (authentication.k8s.io/v1 TokenReviewStatus). */
export interface TokenReviewResult {
  authenticated: boolean;
  user?: UserInfo;
  audiences?: string[];
  error?: string;
}

export interface Authenticator {
  /**
   * The user behind a request, system:anonymous when it carries no credentials. Throws 401
   * Unauthorized when it carries credentials that no authenticator accepts. Warnings for the
   * response (deprecated credentials) are pushed onto `warnings`.
   */
  authenticate(req: IncomingMessage, warnings?: string[]): Promise<UserInfo>;
  /** A bearer token checked for the given audiences (default: the API audiences), as TokenReview does. */
  reviewToken(token: string, audiences?: string[]): Promise<TokenReviewResult>;
}

export interface AuthenticatorOptions {
  tokens?: StaticToken[];
  /** Audience-aware token authenticators (ServiceAccount tokens), after the static tokens. */
  tokenAuthenticators?: TokenAuthenticator[];
  /** The audiences a request to this server stands for (--api-audiences). */
  apiAudiences?: string[];
}

/** The Error upstream's bearer token authenticator gives for a token nobody recognised. */
const INVALID_TOKEN = 'invalid bearer token';
const WEBSOCKET_TOKEN_PREFIX = 'base64url.bearer.authorization.k8s.io.';

export function newAuthenticator(opts: AuthenticatorOptions = {}): Authenticator {
  const apiAudiences = opts.apiAudiences ?? [];
  const staticTokens = new Map((opts.tokens ?? []).map((t) => [t.token, t.user]));
  const audienceAware = opts.tokenAuthenticators ?? [];

  /**
   * Static tokens know no audiences: they stand for the API audiences, so a request for other
   * audiences does not accept them (upstream's WrapAudienceAgnosticToken).
   */
  const staticAuthenticator: TokenAuthenticator = {
    async authenticateToken(token, audiences) {
      const user = staticTokens.get(token);
      if (!user) return undefined;
      if (!audiences) return { user, audiences: [] };
      const auds = apiAudiences.filter((a) => audiences.includes(a));
      return auds.length ? { user, audiences: auds } : undefined;
    },
  };
  const tokenAuthenticators = [staticAuthenticator, ...audienceAware];

  /** Upstream's token union: the first acceptance wins; failures are collected. */
  const authenticateToken = async (token: string, audiences?: string[]): Promise<TokenResponse> => {
    const failures: string[] = [];
    for (const a of tokenAuthenticators) {
      try {
        const res = await a.authenticateToken(token, audiences);
        if (res) return { ...res, user: withAuthenticated(res.user) };
      } catch (e) {
        failures.push(errors.isStatusError(e) ? e.status.message ?? '' : (e as Error)?.message ?? String(e));
      }
    }
    // What upstream reports: "invalid bearer token", with any authenticator's reasons after it.
    throw new AuthenticationError(failures.length ? `[${[INVALID_TOKEN, ...failures].join(', ')}]` : INVALID_TOKEN);
  };

  return {
    async authenticate(req, warnings) {
      const failures: string[] = [];
      const socket = req.socket as TLSSocket;
      if (typeof socket.getPeerCertificate === 'function') {
        const cert = socket.getPeerCertificate();
        if (cert && Object.keys(cert).length > 0) {
          if (!socket.authorized) {
            failures.push(`verifying certificate failed: ${String(socket.authorizationError ?? 'unknown authority')}`);
          } else if (cert.subject?.CN) {
            const cn = cert.subject.CN;
            const o = cert.subject.O;
            const groups = Array.isArray(o) ? o : o ? [o] : [];
            return withAuthenticated({ name: Array.isArray(cn) ? cn[0]! : cn, groups });
          }
        }
      }
      const bearer = bearerTokenOf(req);
      if (bearer !== undefined) {
        try {
          const res = await authenticateToken(bearer.token);
          // The credential has done its work: nothing behind authentication may reuse it (upstream drops it).
          bearer.consume();
          if (res.warnings) warnings?.push(...res.warnings);
          return res.user;
        } catch (e) {
          failures.push((e as Error).message);
        }
      }
      if (failures.length) throw errors.unauthorized('Unauthorized');
      return anonymous;
    },

    async reviewToken(token, audiences) {
      const wanted = audiences && audiences.length ? audiences : apiAudiences;
      try {
        const res = await authenticateToken(token, wanted.length ? wanted : undefined);
        // An authenticator that ignored the audiences asked for is a server bug (upstream: 500).
        if (wanted.length && res.audiences.length && !res.audiences.some((a) => wanted.includes(a))) {
          throw errors.internalError(new Error('error validating audiences'));
        }
        return { authenticated: true, user: res.user, audiences: res.audiences.length ? res.audiences : wanted };
      } catch (e) {
        if (e instanceof AuthenticationError) return { authenticated: false, error: e.message };
        throw e;
      }
    },
  };
}

class AuthenticationError extends Error {}

/**
 * The bearer token of a request: `Authorization: Bearer <token>` (the second of up to three
 * space-separated parts, as upstream splits it), or for WebSocket upgrades the
 * `base64url.bearer.authorization.k8s.io.<token>` subprotocol browsers must use instead.
 */
function bearerTokenOf(req: IncomingMessage): { token: string; consume(): void } | undefined {
  const auth = req.headers.authorization?.trim();
  if (auth) {
    const parts = auth.split(' ');
    if (parts.length >= 2 && parts[0]!.toLowerCase() === 'bearer' && parts[1]) {
      return { token: parts[1], consume: () => { delete req.headers.authorization; } };
    }
    return undefined;
  }
  if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') return undefined;
  const protocols = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim()).filter(Boolean);
  const entry = protocols.find((p) => p.startsWith(WEBSOCKET_TOKEN_PREFIX));
  if (entry === undefined) return undefined;
  const token = Buffer.from(entry.slice(WEBSOCKET_TOKEN_PREFIX.length), 'base64url').toString('utf8');
  if (!token) return undefined;
  return {
    token,
    consume: () => {
      const rest = protocols.filter((p) => !p.startsWith(WEBSOCKET_TOKEN_PREFIX));
      if (rest.length) req.headers['sec-websocket-protocol'] = rest.join(', ');
      else delete req.headers['sec-websocket-protocol'];
    },
  };
}

/** Upstream's AuthenticatedGroupAdder: every authenticated user is in system:authenticated. */
export function withAuthenticated(u: UserInfo): UserInfo {
  if (u.groups.includes(ALL_AUTHENTICATED)) return u;
  return { ...u, groups: [...u.groups, ALL_AUTHENTICATED] };
}
