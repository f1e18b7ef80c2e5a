// Who may use the kubelet's API, decided as a kubeadm-configured kubelet decides it: callers
// authenticate with a client certificate signed by the cluster CA (the API server presents
// CN=kube-apiserver-kubelet-client) or a bearer token the API server accepts (TokenReview);
// anonymous requests are refused (401); every request is then authorized by the API server
// (SubjectAccessReview) as a verb on nodes/<name>/<subresource>, answers cached as upstream's
// webhook authorizer caches them. Upstream: pkg/kubelet/server/auth.go, kubelet's
// --authentication-token-webhook / --authorization-mode=Webhook, kubeadm's --anonymous-auth=false.
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { RestClient } from '../../client/index.ts';

export interface KubeletUser {
  name: string;
  groups: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}

/** The attributes a kubelet request is authorized as (a resource request on the node). */
export interface KubeletRequestAttributes {
  verb: string;
  resource: 'nodes';
  subresource: string;
  name: string;
  path: string;
}

export type AuthResult =
  | { ok: true; user: KubeletUser }
  | { ok: false; code: 401 | 403 | 500; message: string };

/** Upstream's kubelet path → subresource: stats, metrics, logs have their own; the rest is proxy. */
export function requestAttributes(method: string, path: string, nodeName: string): KubeletRequestAttributes {
  const verb = ({ GET: 'get', HEAD: 'get', POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' } as Record<string, string>)[method.toUpperCase()] ?? '';
  const under = (prefix: string) => path === prefix || path.startsWith(`${prefix}/`);
  let subresource = 'proxy';
  if (under('/stats')) subresource = 'stats';
  else if (under('/metrics')) subresource = 'metrics';
  else if (under('/logs')) subresource = 'log';
  else if (under('/checkpoint')) subresource = 'checkpoint';
  return { verb, resource: 'nodes', subresource, name: nodeName, path };
}

/** Upstream's webhook caches: allowed answers for 5 minutes, denials for 30 seconds. */
const ALLOWED_TTL_MS = 5 * 60_000;
const DENIED_TTL_MS = 30_000;
/** Token reviews are cached for 2 minutes (upstream's --authentication-token-webhook-cache-ttl). */
const TOKEN_TTL_MS = 2 * 60_000;
const MAX_CACHE = 10_000;

export interface KubeletAuthOptions {
  /** The API client that asks SubjectAccessReviews and TokenReviews. */
  rest: RestClient;
  nodeName: string;
  now?: () => number;
}

export class KubeletAuth {
  private readonly decisions = new Map<string, { allowed: boolean; reason: string; until: number }>();
  private readonly tokens = new Map<string, { user?: KubeletUser; until: number }>();
  private readonly now: () => number;

  constructor(private readonly o: KubeletAuthOptions) {
    this.now = o.now ?? Date.now;
  }

  /** Authenticates, then authorizes; the refusal carries upstream's plain-text answer. */
  async check(req: IncomingMessage, path: string): Promise<AuthResult> {
    const user = await this.authenticate(req);
    if (!user) return { ok: false, code: 401, message: 'Unauthorized' };
    const attrs = requestAttributes(req.method ?? 'GET', path, this.o.nodeName);
    let allowed: boolean;
    try {
      allowed = await this.authorize(user, attrs);
    } catch {
      return { ok: false, code: 500, message: `Authorization error (user=${user.name}, verb=${attrs.verb}, resource=${attrs.resource}, subresource=${attrs.subresource})` };
    }
    if (!allowed) return { ok: false, code: 403, message: `Forbidden (user=${user.name}, verb=${attrs.verb}, resource=${attrs.resource}, subresource=${attrs.subresource})` };
    return { ok: true, user };
  }

  /** A verified client certificate (CN = user, O = groups), else a bearer token the API server accepts. */
  async authenticate(req: IncomingMessage): Promise<KubeletUser | undefined> {
    const socket = req.socket as TLSSocket;
    if (typeof socket.getPeerCertificate === 'function' && socket.authorized) {
      const cert = socket.getPeerCertificate();
      const cn = cert?.subject?.CN;
      if (cn) {
        const o = cert.subject.O;
        const groups = Array.isArray(o) ? o : o ? [o] : [];
        return { name: Array.isArray(cn) ? cn[0]! : cn, groups: [...groups, 'system:authenticated'] };
      }
    }
    const auth = req.headers.authorization?.trim().split(' ');
    if (auth && auth.length >= 2 && auth[0]!.toLowerCase() === 'bearer' && auth[1]) return this.reviewToken(auth[1]);
    return undefined;
  }

  private async reviewToken(token: string): Promise<KubeletUser | undefined> {
    const cached = this.tokens.get(token);
    if (cached && cached.until > this.now()) return cached.user;
    let user: KubeletUser | undefined;
    try {
      const review = await this.o.rest.request('POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
        body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } },
      }) as { status?: { authenticated?: boolean; user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> } } };
      const u = review.status?.authenticated ? review.status.user : undefined;
      if (u?.username) user = { name: u.username, groups: u.groups ?? [], ...(u.uid ? { uid: u.uid } : {}), ...(u.extra ? { extra: u.extra } : {}) };
    } catch {
      return undefined;
    }
    this.remember(this.tokens, token, { user, until: this.now() + TOKEN_TTL_MS });
    return user;
  }

  private async authorize(user: KubeletUser, a: KubeletRequestAttributes): Promise<boolean> {
    const key = JSON.stringify([user.name, [...user.groups].sort(), user.uid ?? '', a.verb, a.subresource, a.name]);
    const cached = this.decisions.get(key);
    if (cached && cached.until > this.now()) return cached.allowed;
    const review = await this.o.rest.request('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      body: {
        apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview',
        spec: {
          user: user.name, groups: user.groups, ...(user.uid ? { uid: user.uid } : {}), ...(user.extra ? { extra: user.extra } : {}),
          resourceAttributes: { verb: a.verb, group: '', version: 'v1', resource: a.resource, subresource: a.subresource, name: a.name },
        },
      },
    }) as { status?: { allowed?: boolean; reason?: string } };
    const allowed = review.status?.allowed === true;
    this.remember(this.decisions, key, { allowed, reason: review.status?.reason ?? '', until: this.now() + (allowed ? ALLOWED_TTL_MS : DENIED_TTL_MS) });
    return allowed;
  }

  private remember<V>(m: Map<string, V>, key: string, v: V): void {
    if (m.size >= MAX_CACHE) m.delete(m.keys().next().value!);
    m.set(key, v);
  }
}
