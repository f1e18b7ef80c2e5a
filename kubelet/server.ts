// The kubelet's HTTPS API (port 10250 upstream), which the API server's pods/log, pods/exec,
// pods/attach, pods/portforward and nodes/proxy reach: /containerLogs, /exec, /attach,
// /portForward, plus /healthz, /pods, /stats/summary and /logs/. Only callers the cluster trusts
// get in (kubelet/server/auth.ts). Upstream: pkg/kubelet/server/server.go.
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import path from 'node:path';
import { WebSocketServer, createWebSocketStream, type WebSocket } from 'ws';
import type { V1Pod } from '@kubernetes/client-node';
import { encode, isNotFound, type RestClient } from '../client/index.ts';
import { pods as podsResource } from '../client/resources.ts';
import type { ContainerRuntime, RuntimePod } from './runtime/runtime.ts';
import { containersByName, latestSandbox } from './runtime/runtime.ts';
import { KubeletAuth } from './server/auth.ts';
import { logContainerId, logRequestOf } from './server/logs.ts';
import {
  chooseRemoteCommandProtocol, exitCodeStatus, internalErrorStatus, remoteCommandOptions, serveRemoteCommand, success, V5_PROTOCOL,
  type RemoteCommandOptions, type RemoteCommandRun,
} from './server/remotecommand.ts';
import {
  PORT_FORWARD_PROTOCOL, TUNNELED_PORT_FORWARD_PROTOCOL, WEBSOCKET_PORT_FORWARD_PROTOCOLS, portsOf, servePortForwardSpdy,
  servePortForwardWebSocket, type PortForwarder,
} from './server/portforward.ts';
import { selfSignedServingCert } from './server/tls.ts';
import { chooseSpdyProtocol, serveRemoteCommandSpdy, SPDY_REMOTE_COMMAND_PROTOCOLS } from './server/remotecommandspdy.ts';

export interface KubeletServerOptions {
  nodeName: string;
  runtime: ContainerRuntime;
  /** The kubelet's API client: pod lookups, and the reviews that authenticate and authorize callers. */
  rest: RestClient;
  /** Bind address; default 0.0.0.0 (upstream's --address). */
  host?: string;
  /** Default 10250; 0 picks a free port (tests). */
  port?: number;
  /** The serving certificate (upstream --tls-cert-file / --tls-private-key-file); default: self-signed. */
  tls?: { cert: string; key: string };
  /** Names and addresses a self-signed certificate covers besides the node name; default: this host's IPv4 addresses. */
  addresses?: string[];
  /** CA bundle that client certificates must chain to (upstream --client-ca-file); default: the kubeconfig's CA. */
  clientCA?: string;
  /** The pod of this node with that name (upstream's pod manager); default: asks the API server. */
  getPod?: (namespace: string, name: string) => Promise<V1Pod | undefined>;
  /** What /logs/ serves (upstream: /var/log). */
  logDir?: string;
  log?: (msg: string) => void;
}

export interface RunningKubeletServer {
  port: number;
  /** The serving certificate, for an API server that wants to verify it. */
  cert: string;
  close(): Promise<void>;
}

/** This host's IPv4 addresses, loopback included: where the API server may reach the kubelet. */
function localAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((l) => (l ?? []).filter((a) => a.family === 'IPv4').map((a) => a.address));
}

/** The CA a kubeconfig trusts for its cluster: where the cluster's client certificates come from too. */
function kubeconfigCA(rest: RestClient): string | undefined {
  const cluster = rest.kc.getCurrentCluster();
  if (cluster?.caData) return Buffer.from(cluster.caData, 'base64').toString('utf8');
  return undefined;
}

export async function startKubeletServer(o: KubeletServerOptions): Promise<RunningKubeletServer> {
  const tls = o.tls ?? await selfSignedServingCert(o.nodeName, o.addresses ?? localAddresses());
  const clientCA = o.clientCA ?? kubeconfigCA(o.rest);
  const server = new KubeletServer(o);
  const https_ = https.createServer({
    cert: tls.cert, key: tls.key, ...(clientCA ? { ca: clientCA } : {}),
    // Certificates are asked for and checked against the CA; a request without one may still
    // carry a bearer token, so the handshake does not fail for it.
    requestCert: true, rejectUnauthorized: false,
  });
  https_.on('request', (req, res) => void server.request(req, res));
  https_.on('upgrade', (req, socket, head) => void server.upgrade(req, socket, head));
  https_.keepAliveTimeout = 60_000;
  https_.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    https_.once('error', reject);
    https_.listen(o.port ?? 10250, o.host ?? '0.0.0.0', () => resolve());
  });
  const port = (https_.address() as AddressInfo).port;
  return {
    port,
    cert: tls.cert,
    async close() {
      server.closeAll();
      https_.closeAllConnections();
      await new Promise<void>((r) => https_.close(() => r()));
    },
  };
}

/** A refusal with upstream's plain-text body. */
class HttpError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

/** When this process started: the node's start time in the summary. */
const STARTED = new Date(Date.now() - process.uptime() * 1000).toISOString();

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 422: 'Unprocessable Entity', 500: 'Internal Server Error',
};

class KubeletServer {
  private readonly auth: KubeletAuth;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly chosenProtocol = new WeakMap<IncomingMessage, string | false>();
  /** Requests whose connection has switched protocols. */
  private readonly switched = new WeakSet<IncomingMessage>();
  private readonly sockets = new Set<WebSocket>();
  /** Connections handed over by an upgrade, which the HTTP server no longer tracks. */
  private readonly upgraded = new Set<Duplex>();
  private readonly log: (msg: string) => void;

  constructor(private readonly o: KubeletServerOptions) {
    this.auth = new KubeletAuth({ rest: o.rest, nodeName: o.nodeName });
    this.log = o.log ?? (() => {});
    // The subprotocol is chosen here and named in the answer: `ws` would refuse offers that are
    // not RFC 7230 tokens, and kubectl's tunnel is one ("SPDY/3.1+portforward.k8s.io").
    this.wss.on('headers', (headers, req) => {
      const p = this.chosenProtocol.get(req);
      if (p) headers.push(`Sec-WebSocket-Protocol: ${p}`);
    });
  }

  closeAll(): void {
    for (const ws of this.sockets) ws.terminate();
    for (const s of this.upgraded) s.destroy();
    this.wss.close();
  }

  async request(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://kubelet');
    try {
      const auth = await this.auth.check(req, url.pathname);
      if (!auth.ok) throw new HttpError(auth.code, auth.message);
      const [first, ...rest] = url.pathname.split('/').filter((s) => s !== '');
      switch (first) {
        case 'healthz':
          return text(res, 200, 'ok');
        case 'pods':
          return json(res, 200, await this.podList());
        case 'stats':
          if (rest[0] === 'summary') return json(res, 200, await this.summary());
          break;
        case 'containerLogs':
          if (rest.length === 3) return await this.containerLogs(req, res, rest[0]!, rest[1]!, rest[2]!, url.searchParams);
          break;
        case 'logs':
          return await this.nodeLogs(res, url.pathname.slice('/logs'.length));
        case 'exec': case 'attach': case 'portForward':
          // Streaming needs an upgrade (WebSocket or SPDY); a plain request cannot carry it.
          throw new HttpError(400, 'Upgrade request required');
        default:
      }
      throw new HttpError(404, '404 page not found');
    } catch (e) {
      const err = e instanceof HttpError ? e : new HttpError(500, (e as Error)?.message ?? String(e));
      if (err.code === 500) this.log(`kubelet ${this.o.nodeName}: ${req.method} ${url.pathname}: ${err.message}`);
      if (!res.headersSent) text(res, err.code, err.message);
      else res.end();
    }
  }

  async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://kubelet');
    socket.on('error', () => {});
    this.upgraded.add(socket);
    socket.once('close', () => this.upgraded.delete(socket));
    try {
      const auth = await this.auth.check(req, url.pathname);
      if (!auth.ok) throw new HttpError(auth.code, auth.message);
      const parts = url.pathname.split('/').filter((s) => s !== '').map(decodeURIComponent);
      const [kind, ns, pod] = parts;
      const isWebSocket = (req.headers.upgrade ?? '').toLowerCase() === 'websocket';
      if ((kind === 'exec' || kind === 'attach') && ns && pod && (parts.length === 4 || parts.length === 5)) {
        const container = parts[parts.length - 1]!;
        const uid = parts.length === 5 ? parts[3] : undefined;
        return await this.remoteCommand(kind, req, socket, head, { ns, pod, uid, container }, url.searchParams, isWebSocket);
      }
      if (kind === 'portForward' && ns && pod && (parts.length === 3 || parts.length === 4)) {
        return await this.portForward(req, socket, head, { ns, pod, uid: parts[3] }, url.searchParams, isWebSocket);
      }
      throw new HttpError(404, '404 page not found');
    } catch (e) {
      const err = e instanceof HttpError ? e : new HttpError(500, (e as Error)?.message ?? String(e));
      // Once the connection speaks WebSocket or SPDY an HTTP answer would only garble it.
      if (this.switched.has(req)) {
        this.log(`kubelet ${this.o.nodeName}: ${url.pathname}: ${err.message}`);
        socket.destroy();
      } else rawResponse(socket, err.code, err.message);
    }
  }

  private offered(req: IncomingMessage): string[] {
    return (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim()).filter(Boolean);
  }

  private accept(req: IncomingMessage, socket: Duplex, head: Buffer, protocol: string | false): Promise<WebSocket> {
    this.chosenProtocol.set(req, protocol);
    this.switched.add(req);
    delete req.headers['sec-websocket-protocol'];
    return new Promise((resolve) => this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.sockets.add(ws);
      ws.on('close', () => this.sockets.delete(ws));
      ws.on('error', () => {});
      resolve(ws);
    }));
  }

  /** exec / attach: the streams asked for, to the running container of that name. */
  private async remoteCommand(
    kind: 'exec' | 'attach', req: IncomingMessage, socket: Duplex, head: Buffer,
    target: { ns: string; pod: string; uid?: string; container: string }, q: URLSearchParams, isWebSocket: boolean,
  ): Promise<void> {
    let protocol: string | false;
    if (isWebSocket) {
      protocol = chooseRemoteCommandProtocol(this.offered(req));
      if (protocol === false) throw new HttpError(400, `requested protocol(s) are not supported: [${this.offered(req).join(' ')}]`);
    } else {
      if ((req.headers.upgrade ?? '').toLowerCase() !== 'spdy/3.1') throw new HttpError(400, 'unable to upgrade: missing upgrade headers in request');
      const wanted = streamProtocols(req);
      protocol = chooseSpdyProtocol(wanted);
      if (protocol === false) {
        throw new HttpError(403, `unable to upgrade: unable to negotiate protocol: client supports [${wanted.join(' ')}], server supports [${SPDY_REMOTE_COMMAND_PROTOCOLS.join(' ')}]`);
      }
    }
    const parsed = remoteCommandOptions(q);
    const command = q.getAll('command');
    let problem: HttpError | undefined;
    let containerId = '';
    if ('error' in parsed) problem = new HttpError(400, parsed.error);
    else {
      try {
        containerId = await this.runningContainer(target);
      } catch (e) {
        problem = e instanceof HttpError ? e : new HttpError(500, (e as Error)?.message ?? String(e));
      }
    }
    const opts: RemoteCommandOptions = 'error' in parsed ? { stdin: false, stdout: false, stderr: false, tty: false } : parsed;
    // v5 clients hear about a failure to start over the error channel, as from upstream's stream
    // translator ("unable to upgrade connection: ..."); older ones get the HTTP answer.
    if (problem && protocol !== V5_PROTOCOL) throw problem;
    const runtime = this.o.runtime;
    const run: RemoteCommandRun = kind === 'exec'
      ? async (io, signal) => {
        let code: number;
        try {
          code = await runtime.exec(containerId, command, io, signal);
        } catch (e) {
          return internalErrorStatus(`error executing command in container: ${(e as Error)?.message ?? String(e)}`);
        }
        return code === 0 ? success() : exitCodeStatus(code, command);
      }
      : async (io, signal) => {
        try {
          await runtime.attach(containerId, io, signal);
        } catch (e) {
          return internalErrorStatus(`error attaching to container: ${(e as Error)?.message ?? String(e)}`);
        }
        return success();
      };
    if (isWebSocket) {
      const ws = await this.accept(req, socket, head, protocol);
      await serveRemoteCommand(ws, protocol, opts, problem ? { failure: `unable to upgrade connection: ${problem.message}` } : run);
      return;
    }
    this.switched.add(req);
    socket.write([
      'HTTP/1.1 101 Switching Protocols', 'Connection: Upgrade', 'Upgrade: SPDY/3.1',
      ...(protocol ? [`X-Stream-Protocol-Version: ${protocol}`] : []), '', '',
    ].join('\r\n'));
    if (head.length) socket.unshift(head);
    await serveRemoteCommandSpdy(socket, protocol, opts, run);
  }

  private async portForward(
    req: IncomingMessage, socket: Duplex, head: Buffer, target: { ns: string; pod: string; uid?: string }, q: URLSearchParams, isWebSocket: boolean,
  ): Promise<void> {
    const pod = await this.podOnThisNode(target.ns, target.pod);
    if (!pod || (target.uid && pod.metadata?.uid !== target.uid)) throw new HttpError(404, 'pod does not exist');
    const uid = pod.metadata?.uid ?? '';
    const describe = `pod ${pod.metadata?.name}_${pod.metadata?.namespace}, uid ${uid}`;
    const runtime = this.o.runtime;
    const forward: PortForwarder = async (port, stream) => {
      const sandbox = latestSandbox(await runtime.podStatus(uid));
      if (!sandbox || sandbox.state !== 'ready') throw new Error(`pod not found ("${pod.metadata?.name}_${pod.metadata?.namespace}")`);
      await runtime.portForward(sandbox.id, port, stream);
    };
    if (isWebSocket) {
      const offered = this.offered(req);
      if (offered.includes(TUNNELED_PORT_FORWARD_PROTOCOL)) {
        const ws = await this.accept(req, socket, head, TUNNELED_PORT_FORWARD_PROTOCOL);
        // The tunnel is a byte stream of SPDY frames in binary messages.
        const tunnel = createWebSocketStream(ws);
        tunnel.on('error', () => {});
        servePortForwardSpdy(tunnel, forward, describe, this.log);
        return;
      }
      const protocol = offered.find((p) => WEBSOCKET_PORT_FORWARD_PROTOCOLS.includes(p)) ?? (offered.length === 0 ? '' : undefined);
      if (protocol === undefined) throw new HttpError(400, `requested protocol(s) are not supported: [${offered.join(' ')}]`);
      const ports = portsOf(q);
      if ('error' in ports) throw new HttpError(400, ports.error);
      const ws = await this.accept(req, socket, head, protocol || false);
      await servePortForwardWebSocket(ws, protocol, ports, forward, describe);
      return;
    }
    if ((req.headers.upgrade ?? '').toLowerCase() !== 'spdy/3.1') throw new HttpError(400, 'unable to upgrade: missing upgrade headers in request');
    const wanted = streamProtocols(req);
    if (wanted.length && !wanted.includes(PORT_FORWARD_PROTOCOL)) {
      throw new HttpError(403, `unable to upgrade: unable to negotiate protocol: client supports [${wanted.join(' ')}], server supports [${PORT_FORWARD_PROTOCOL}]`);
    }
    this.switched.add(req);
    socket.write([
      'HTTP/1.1 101 Switching Protocols', 'Connection: Upgrade', 'Upgrade: SPDY/3.1',
      ...(wanted.length ? [`X-Stream-Protocol-Version: ${PORT_FORWARD_PROTOCOL}`] : []), '', '',
    ].join('\r\n'));
    if (head.length) socket.unshift(head);
    servePortForwardSpdy(socket, forward, describe, this.log);
  }

  /** The pod bound to this node with that name, as the API server has it. */
  private async podOnThisNode(namespace: string, name: string): Promise<V1Pod | undefined> {
    if (this.o.getPod) return this.o.getPod(namespace, name);
    try {
      const pod = await this.o.rest.get(podsResource, namespace, name);
      return pod.spec?.nodeName === this.o.nodeName ? pod : undefined;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  /** Upstream's findContainer: the pod's running container of that name in the runtime. */
  private async runningContainer(t: { ns: string; pod: string; uid?: string; container: string }): Promise<string> {
    const pod = await this.podOnThisNode(t.ns, t.pod);
    if (!pod) throw new HttpError(404, 'pod does not exist');
    const uid = t.uid ?? pod.metadata?.uid ?? '';
    const held: RuntimePod | undefined = await this.o.runtime.podStatus(uid);
    const running = (containersByName(held?.containers ?? []).get(t.container) ?? []).find((c) => c.state === 'running');
    if (!running) throw new HttpError(500, `container not found ("${t.container}")`);
    return running.id;
  }

  private async containerLogs(req: IncomingMessage, res: ServerResponse, ns: string, name: string, container: string, q: URLSearchParams): Promise<void> {
    const opts = logRequestOf(q, Date.now());
    if ('code' in opts) throw new HttpError(opts.code, opts.message);
    const pod = await this.podOnThisNode(ns, name);
    if (!pod) throw new HttpError(404, `pod "${name}" does not exist`);
    const id = logContainerId(pod, container, opts.previous);
    if (typeof id !== 'string') throw new HttpError(id.code, id.message);
    const ac = new AbortController();
    res.on('close', () => ac.abort());
    req.on('close', () => { if (!res.writableFinished) ac.abort(); });
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Transfer-Encoding': 'chunked' });
    // Headers go out now, so a follower sees the stream open before the first line.
    res.flushHeaders();
    try {
      await this.o.runtime.logs(id, { follow: opts.follow, tailLines: opts.tailLines, limitBytes: opts.limitBytes, timestamps: opts.timestamps, sinceTime: opts.sinceTime }, res, ac.signal);
    } catch (e) {
      if (!ac.signal.aborted) this.log(`kubelet ${this.o.nodeName}: logs of ${ns}/${name}/${container}: ${(e as Error)?.message ?? String(e)}`);
    }
    res.end();
  }

  private async podList(): Promise<unknown> {
    const list = await this.o.rest.list(podsResource, undefined, { fieldSelector: `spec.nodeName=${this.o.nodeName}` });
    return { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: list.items.map((p) => encode(p, 'V1Pod')) };
  }

  /** A small Summary API answer: the node and its pods' containers, without usage figures. */
  private async summary(): Promise<unknown> {
    const held = await this.o.runtime.list();
    return {
      node: { nodeName: this.o.nodeName, systemContainers: [], startTime: STARTED },
      pods: held.filter((p) => p.sandboxes.some((s) => s.state === 'ready')).map((p) => ({
        podRef: { name: p.name, namespace: p.namespace, uid: p.uid },
        startTime: new Date(Math.min(...p.sandboxes.map((s) => s.createdAt))).toISOString(),
        containers: p.containers.filter((c) => c.state === 'running').map((c) => ({
          name: c.name, startTime: new Date(c.startedAt ?? c.createdAt).toISOString(),
        })),
      })),
    };
  }

  /** /logs/: the node's log directory, listed or served (upstream's http.FileServer over /var/log). */
  private async nodeLogs(res: ServerResponse, sub: string): Promise<void> {
    const root = path.resolve(this.o.logDir ?? '/var/log');
    const target = path.resolve(root, `.${decodeURIComponent(sub || '/')}`);
    if (target !== root && !target.startsWith(root + path.sep)) throw new HttpError(404, '404 page not found');
    let st;
    try {
      st = await stat(target);
    } catch {
      throw new HttpError(404, '404 page not found');
    }
    if (st.isDirectory()) {
      const entries = await readdir(target, { withFileTypes: true });
      const items = entries.map((e) => `<a href="${encodeURI(e.name)}${e.isDirectory() ? '/' : ''}">${e.name}${e.isDirectory() ? '/' : ''}</a>`);
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(`<pre>\n${items.join('\n')}\n</pre>\n`);
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': st.size });
    createReadStream(target).on('error', () => res.destroy()).pipe(res);
  }
}

function text(res: ServerResponse, code: number, body: string): void {
  const b = Buffer.from(code === 200 ? body : `${body}\n`);
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', 'Content-Length': b.length });
  res.end(b);
}

function json(res: ServerResponse, code: number, body: unknown): void {
  const b = Buffer.from(JSON.stringify(body));
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': b.length });
  res.end(b);
}

/** The protocols a SPDY client offers (X-Stream-Protocol-Version, repeated or comma-joined). */
function streamProtocols(req: IncomingMessage): string[] {
  const out: string[] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i]!.toLowerCase() !== 'x-stream-protocol-version') continue;
    out.push(...req.rawHeaders[i + 1]!.split(',').map((s) => s.trim()).filter(Boolean));
  }
  return out;
}

/** An HTTP answer written on a socket that asked for an upgrade, then closed. */
function rawResponse(socket: Duplex, code: number, message: string): void {
  if (socket.destroyed) return;
  const body = Buffer.from(`${message}\n`);
  socket.end([
    `HTTP/1.1 ${code} ${STATUS_TEXT[code] ?? 'Error'}`, 'Content-Type: text/plain; charset=utf-8', 'X-Content-Type-Options: nosniff',
    `Content-Length: ${body.length}`, 'Connection: close', '', '',
  ].join('\r\n') + body.toString());
}
