// The API server's HTTP proxy for the `proxy` subresources (pods, services, nodes): one request
// from the caller, forwarded to a backend location and its answer streamed back, as upstream's
// UpgradeAwareHandler with the rewriting proxy Transport does it (apimachinery util/proxy
// upgradeaware.go and transport.go): the location path joined with the request's subpath, the
// query passed on, hop-by-hop headers and the caller's credentials dropped, X-Forwarded-For and
// X-Forwarded-Uri added, redirects the backend sends rewritten to go back through the proxy, CORS
// headers of the backend dropped, GET and HEAD of the bare `.../proxy` redirected to `.../proxy/`,
// and an upgrade (WebSocket, SPDY) joined through. Request bodies are streamed, not buffered
// (server/apiserver.ts leaves them unread for these paths).
import http from 'node:http';
import https from 'node:https';
import { posix } from 'node:path';
import type { Request, Response } from 'express';
import * as errors from '../../machinery/errors.ts';
import { dialErrorText, dialTimeout, joinHostPort } from './kubelet.ts';
import { DialError, forwardedHeaders, isUpgrade, proxyUpgrade } from './upgrade.ts';

/** Where a proxied request goes (upstream: the *url.URL a ResourceLocation returns, plus its transport). */
export interface ProxyLocation {
  scheme: 'http' | 'https';
  host: string;
  port: number;
  /** The decoded path on the backend: the location's own path joined with the request's subpath. */
  path: string;
  /** TLS for https: a client identity and trust (kubelets); by default nothing is verified, as upstream's proxy transport. */
  tls?: https.RequestOptions;
}

/** Go's path.Clean. */
function cleanPath(p: string): string {
  if (p === '') return '.';
  const n = posix.normalize(p);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

/** Go's path.Join: empty elements dropped, the result cleaned; "" when all are empty. */
export function joinPath(...elems: string[]): string {
  const kept = elems.filter((e) => e !== '');
  return kept.length ? cleanPath(kept.join('/')) : '';
}

/** Upstream's JoinPreservingTrailingSlash: path.Join, keeping the last non-empty element's trailing slash. */
export function joinPreservingTrailingSlash(...elems: string[]): string {
  let result = joinPath(...elems);
  const last = [...elems].reverse().find((e) => e !== '');
  if (last?.endsWith('/') && !result.endsWith('/')) result += '/';
  return result;
}

/** Go's url.PathEscape for a whole path (escape(path, encodePath)): what a decoded path looks like on the wire. */
export function escapePath(p: string): string {
  let out = '';
  for (const byte of Buffer.from(p, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~$&+,/:;=@]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The request path as Go's server decodes it (req.URL.Path); a malformed escape is the caller's error. */
export function decodedPath(req: Request): { path: string; rawQuery: string } {
  const raw = req.originalUrl;
  const q = raw.indexOf('?');
  const rawPath = q < 0 ? raw : raw.slice(0, q);
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    throw errors.badRequest(`invalid URL escape in ${JSON.stringify(rawPath)}`);
  }
  return { path, rawQuery: q < 0 ? '' : raw.slice(q + 1) };
}

/**
 * The name and subpath of a `proxy` subresource request (upstream's getRequestOptions for a
 * connect subresource with a subpath): `prefixSegments` counts the path segments up to and
 * including "proxy" (the name is the one before it); the subpath is what follows, with a leading
 * slash, and a trailing slash when the request had one.
 */
export function proxyNameAndSubpath(path: string, prefixSegments: number): { name: string; subpath: string } {
  const segments = path.split('/');
  const prefix: string[] = [];
  let i = 0;
  for (; i < segments.length && prefix.length < prefixSegments; i++) if (segments[i] !== '') prefix.push(segments[i]!);
  let p = segments.slice(i).join('/').replace(/\/+$/, '');
  if (p && !p.startsWith('/')) p = `/${p}`;
  if (path.endsWith('/') && !p.endsWith('/')) p += '/';
  return { name: prefix[prefixSegments - 2] ?? '', subpath: p };
}

/**
 * Upstream's SplitSchemeNamePort: "name", "name:port" or "scheme:name:port", the scheme http or
 * https (or empty), the name not empty; the port a number or a port name.
 */
export function splitSchemeNamePort(id: string): { scheme: '' | 'http' | 'https'; name: string; port: string } | undefined {
  const parts = id.split(':');
  let scheme = '';
  let name: string;
  let port = '';
  if (parts.length === 1) name = parts[0]!;
  else if (parts.length === 2) [name, port] = parts as [string, string];
  else if (parts.length === 3) [scheme, name, port] = parts as [string, string, string];
  else return undefined;
  if (!name || !['', 'http', 'https'].includes(scheme)) return undefined;
  return { scheme: scheme as '' | 'http' | 'https', name, port };
}

/** Response headers that describe one hop only (Go's httputil.ReverseProxy drops them). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);
/** CORS headers a backend sends are dropped (upstream's corsRemovingTransport): the API server's own CORS policy rules. */
const CORS = new Set(['access-control-allow-credentials', 'access-control-allow-headers', 'access-control-allow-methods', 'access-control-allow-origin']);

/** Header names a Connection header lists, which belong to that hop too. */
function connectionTokens(value: string | string[] | undefined): Set<string> {
  const text = Array.isArray(value) ? value.join(',') : value ?? '';
  return new Set(text.split(',').map((t) => t.trim().toLowerCase()).filter(Boolean));
}

/** The caller's address appended to X-Forwarded-For (Go's ReverseProxy and AppendForwardedForHeader). */
function forwardedFor(req: Request): string {
  const ip = (req.socket.remoteAddress ?? '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
  const prior = req.headers['x-forwarded-for'];
  const before = Array.isArray(prior) ? prior.join(', ') : prior;
  return before ? `${before}, ${ip}` : ip;
}

/**
 * Upstream's Transport.rewriteURL for a Location header: a redirect to the backend itself (no
 * host, the backend's host, or the host the caller asked for) with an absolute path is made to
 * go through the proxy again by putting the proxy prefix in front of its path.
 */
export function rewriteLocation(location: string, backendHost: string, requestHost: string, pathPrepend: string): string {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*:)?(\/\/[^/?#]*)?([^?#]*)(.*)$/s.exec(location);
  if (!m) return location;
  let [, scheme = '', authority = ''] = m;
  const rest = m[4] ?? '';
  const host = authority.replace(/^\/\/(?:[^@]*@)?/, '');
  let urlPath = m[3] ?? '';
  const differentHost = host !== '' && host !== backendHost && host !== requestHost;
  if (differentHost || !urlPath.startsWith('/')) return location;
  // The transport knows no scheme or host of its own (the request URL the API server got has
  // none), so the rewritten URL is a bare path unless it already named the caller's host.
  if (host !== requestHost) {
    scheme = '';
    authority = '';
  }
  if (!urlPath.startsWith(pathPrepend)) {
    const trailing = urlPath.endsWith('/');
    urlPath = joinPath(pathPrepend, urlPath);
    if (trailing) urlPath += '/';
  }
  return `${scheme}${authority}${urlPath}${rest}`;
}

/** Forwards the request to `loc` and relays the answer; an upgrade is joined through. */
export async function proxyRequest(req: Request, res: Response, loc: ProxyLocation): Promise<void> {
  const incoming = decodedPath(req);
  const hostPort = joinHostPort(loc.host, loc.port);
  const tls = loc.scheme === 'https' ? { rejectUnauthorized: false, ...loc.tls } : {};
  const hop = connectionTokens(req.headers.connection);

  // A request ending in a slash ends in one on the backend too (upstream's UpgradeAwareHandler).
  let path = loc.path;
  if (!path.endsWith('/') && incoming.path.endsWith('/')) path += '/';
  const requestPath = `${escapePath(path) || '/'}${incoming.rawQuery ? `?${incoming.rawQuery}` : ''}`;

  if (isUpgrade(req)) {
    // Upstream drops the query on this path (kubernetes#77142, fixed upstream later); it is kept here.
    const headers = { ...forwardedHeaders(req, true), host: req.headers.host ?? hostPort, 'x-forwarded-for': forwardedFor(req) };
    let answer;
    try {
      answer = await proxyUpgrade(req, { host: loc.host, port: loc.port, path: requestPath, tls, scheme: loc.scheme, headers });
    } catch (e) {
      if (e instanceof DialError) throw errors.internalError(new Error(`error dialing backend: ${e.message}`));
      throw e;
    }
    if (answer === 'upgraded') return;
    res.status(answer.status);
    for (const [k, v] of Object.entries(answer.headers)) {
      if (v !== undefined && !['connection', 'keep-alive', 'transfer-encoding', 'content-length'].includes(k)) res.setHeader(k, v);
    }
    res.end(answer.body);
    return;
  }

  // The bare `.../proxy` of a GET or HEAD goes to `.../proxy/` (upstream's proxyRedirectsforRootPath).
  if (path === '' && (req.method === 'GET' || req.method === 'HEAD')) {
    res.status(301).setHeader('Location', `${incoming.path}/${incoming.rawQuery ? `?${incoming.rawQuery}` : ''}`);
    res.end();
    return;
  }

  // What the caller's path has in front of the backend path: the proxy prefix (upstream's PathPrepend).
  let suffix = loc.path;
  if (incoming.path.endsWith('/') && !suffix.endsWith('/')) suffix += '/';
  const pathPrepend = suffix && incoming.path.endsWith(suffix) ? incoming.path.slice(0, -suffix.length) : incoming.path;
  let forwardedUri = joinPath(pathPrepend, escapePath(path));
  if (path.endsWith('/')) forwardedUri += '/';

  const headers: http.OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(forwardedHeaders(req, false))) if (!hop.has(k)) headers[k] = v;
  headers.host = req.headers.host ?? hostPort;
  headers['x-forwarded-for'] = forwardedFor(req);
  headers['x-forwarded-uri'] = forwardedUri;
  // A body the API server read already goes as it is; otherwise the caller's stream is piped on.
  const buffered = req.rawBody;
  if (buffered) headers['content-length'] = buffered.length;
  else if (req.headers['content-length'] !== undefined) headers['content-length'] = req.headers['content-length'];
  else if (req.headers['transfer-encoding'] !== undefined) headers['transfer-encoding'] = 'chunked';

  await new Promise<void>((resolve, reject) => {
    const send = loc.scheme === 'https' ? https.request : http.request;
    const backend = send({ host: loc.host, port: loc.port, method: req.method, path: requestPath, agent: false, headers, ...tls }, (up) => {
      const upHop = connectionTokens(up.headers.connection);
      res.status(up.statusCode ?? 502);
      for (const [k, v] of Object.entries(up.headers)) {
        if (v === undefined || HOP_BY_HOP.has(k) || upHop.has(k) || CORS.has(k)) continue;
        res.setHeader(k, k === 'location' && typeof v === 'string' ? rewriteLocation(v, hostPort, req.headers.host ?? '', pathPrepend) : v);
      }
      up.pipe(res);
      up.on('end', () => resolve());
      up.on('error', () => { res.destroy(); resolve(); });
      // A caller gone mid-answer destroys the backend request: the answer just stops.
      up.on('close', () => resolve());
    });
    dialTimeout(backend, hostPort, undefined, loc.scheme === 'https');
    res.on('close', () => backend.destroy());
    // The transport's failure before any answer is upstream's 503 (proxy Transport.RoundTrip).
    backend.on('error', (e) => {
      if (res.headersSent) { res.destroy(); resolve(); return; }
      reject(errors.serviceUnavailable(`error trying to reach service: ${dialErrorText(e, hostPort)}`));
    });
    if (buffered) backend.end(buffered.length ? buffered : undefined);
    else if (req.readableEnded || (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined)) backend.end();
    else req.pipe(backend);
  });
}
