// Authentication: who is asking. Client certificates signed by the cluster CA (CN = user,
// O = groups) and bearer tokens from a static token table; anyone else is system:anonymous.
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

export interface UserInfo {
  name: string;
  groups: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}

export const anonymous: UserInfo = { name: 'system:anonymous', groups: ['system:unauthenticated'] };

export interface Authenticator {
  authenticate(req: IncomingMessage): UserInfo;
}

export interface StaticToken { token: string; user: UserInfo }

export function newAuthenticator(opts: { tokens?: StaticToken[] } = {}): Authenticator {
  const tokens = new Map((opts.tokens ?? []).map((t) => [t.token, t.user]));
  return {
    authenticate(req) {
      const auth = req.headers.authorization;
      if (auth && /^bearer /i.test(auth)) {
        const user = tokens.get(auth.slice(7).trim());
        if (user) return withAuthenticated(user);
      }
      const socket = req.socket as TLSSocket;
      if (typeof socket.getPeerCertificate === 'function' && socket.authorized) {
        const cert = socket.getPeerCertificate();
        const cn = cert?.subject?.CN;
        if (cn) {
          const o = cert.subject.O;
          const groups = Array.isArray(o) ? o : o ? [o] : [];
          return withAuthenticated({ name: Array.isArray(cn) ? cn[0]! : cn, groups });
        }
      }
      return anonymous;
    },
  };
}

function withAuthenticated(u: UserInfo): UserInfo {
  return u.groups.includes('system:authenticated') ? u : { ...u, groups: [...u.groups, 'system:authenticated'] };
}
