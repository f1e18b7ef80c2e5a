// Upgrade requests (WebSocket, SPDY) through the ordinary pipeline: Node hands them to the
// server's 'upgrade' event with the raw connection, so they are given a response object on that
// connection and run through the same authentication, authorization and routing as any request.
// A handler that serves a stream takes the connection over; any other answer is written as a
// normal response and the connection closed. Then the upgrade-aware proxy to a kubelet or a pod,
// which relays the backend's 101 and the bytes that follow (upstream's UpgradeAwareHandler).
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { dialErrorText, dialTimeout, joinHostPort } from './kubelet.ts';

interface PendingUpgrade {
  socket: Duplex;
  head: Buffer;
  res: ServerResponse;
}

const pending = new WeakMap<IncomingMessage, PendingUpgrade>();

/** Runs an upgrade request through `app` with a response bound to its connection. */
export function dispatchUpgrade(app: (req: IncomingMessage, res: ServerResponse) => void, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  socket.on('error', () => socket.destroy());
  const res = new http.ServerResponse(req);
  res.assignSocket(socket as Socket);
  // The HTTP parser has let go of this connection: nothing more can be read from it as HTTP.
  res.shouldKeepAlive = false;
  res.on('finish', () => socket.end());
  pending.set(req, { socket, head, res });
  app(req, res);
}

/** Whether the request came in as an upgrade (and the connection is still ours to take). */
export function isUpgrade(req: IncomingMessage): boolean {
  return pending.has(req);
}

export const isWebSocketRequest = (req: IncomingMessage): boolean =>
  (req.headers.upgrade ?? '').toLowerCase() === 'websocket' && /(^|,)\s*upgrade\s*($|,)/i.test(req.headers.connection ?? '');

/** Takes the raw connection of an upgrade request over; the response object lets go of it. */
export function takeUpgrade(req: IncomingMessage): { socket: Duplex; head: Buffer } | undefined {
  const p = pending.get(req);
  if (!p) return undefined;
  pending.delete(req);
  p.res.removeAllListeners('finish');
  p.res.detachSocket(p.socket as Socket);
  return { socket: p.socket, head: p.head };
}

/** Request headers that describe this hop only, or carry the caller's own credentials. */
const DROPPED = new Set(['host', 'authorization', 'proxy-authorization', 'proxy-connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'content-length']);

/** The caller's headers, as they go on to the backend. */
export function forwardedHeaders(req: IncomingMessage, keepUpgrade: boolean): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined || DROPPED.has(k) || k.startsWith('impersonate-')) continue;
    if (!keepUpgrade && (k === 'connection' || k === 'upgrade')) continue;
    out[k] = v;
  }
  return out;
}

export interface BackendTarget {
  host: string;
  port: number;
  /** Path and query on the backend. */
  path: string;
  tls: https.RequestOptions;
  /** Plain HTTP (a pod) or HTTPS (a kubelet, the default). */
  scheme?: 'http' | 'https';
  /** The request headers the backend gets; by default the caller's, as forwardedHeaders keeps them. */
  headers?: http.OutgoingHttpHeaders;
}

/** What went wrong before the backend answered (upstream: "error dialing backend: …"). */
export class DialError extends Error {}

/** A backend's answer other than 101. */
export interface BackendAnswer { status: number; headers: http.IncomingHttpHeaders; body: Buffer }

/**
 * Proxies an upgrade request to the backend. On a 101 the connection is taken over, the answer
 * relayed byte for byte and the two connections joined ('upgraded', once they are). Any other
 * answer is handed back for the caller to write as a normal response.
 */
export function proxyUpgrade(req: IncomingMessage, target: BackendTarget): Promise<'upgraded' | BackendAnswer> {
  return new Promise((resolve, reject) => {
    const send = target.scheme === 'http' ? http.request : https.request;
    const backend = send({
      host: target.host, port: target.port, method: req.method, path: target.path, agent: false,
      headers: target.headers ?? forwardedHeaders(req, true), ...(target.scheme === 'http' ? {} : target.tls),
    });
    dialTimeout(backend, joinHostPort(target.host, target.port), undefined, target.scheme !== 'http');
    const clientSocket = pending.get(req)?.socket;
    const onClientGone = () => backend.destroy();
    clientSocket?.once('close', onClientGone);
    backend.on('upgrade', (res, upstream, upstreamHead) => {
      clientSocket?.off('close', onClientGone);
      const conn = takeUpgrade(req);
      if (!conn) {
        upstream.destroy();
        return reject(new DialError('the client connection is gone'));
      }
      const client = conn.socket;
      const lines = [`HTTP/1.1 ${res.statusCode} ${res.statusMessage || 'Switching Protocols'}`];
      for (let i = 0; i < res.rawHeaders.length; i += 2) lines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
      client.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (upstreamHead.length) client.write(upstreamHead);
      if (conn.head.length) upstream.write(conn.head);
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
      upstream.pipe(client);
      client.pipe(upstream);
      upstream.once('close', () => { client.destroy(); resolve('upgraded'); });
      client.once('close', () => upstream.destroy());
    });
    backend.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clientSocket?.off('close', onClientGone);
        resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) });
      });
      res.on('error', (e) => reject(new DialError(e.message)));
    });
    backend.on('error', (e) => {
      clientSocket?.off('close', onClientGone);
      reject(new DialError(dialErrorText(e, joinHostPort(target.host, target.port))));
    });
    backend.end();
  });
}
