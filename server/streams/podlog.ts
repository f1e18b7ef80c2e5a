// pods/log: the container's log, streamed from its node's kubelet (/containerLogs). Options are
// checked here, the pod's container picked by upstream's rules, and the kubelet's refusals turned
// into the Status upstream's response checker makes of them. A WebSocket request gets the stream as
// messages (binary.k8s.io / base64.binary.k8s.io). Upstream: pkg/registry/core/pod/rest/log.go,
// pod/strategy.go LogLocation, apiserver's generic rest LocationStreamer and response_checker.go,
// and pkg/apis/core/validation ValidatePodLogOptions.
import https from 'node:https';
import type { Request, Response } from 'express';
import { WebSocketServer } from 'ws';
import * as errors from '../../machinery/errors.ts';
import * as field from '../../machinery/fieldpath.ts';
import type { FieldError } from '../../machinery/fieldpath.ts';
import type { GenericRegistry } from '../registry/generic.ts';
import { dialErrorText, dialTimeout, joinHostPort, kubeletLocation, kubeletTLS, type KubeletClientConfig } from './kubelet.ts';
import { isWebSocketRequest, takeUpgrade } from './upgrade.ts';
import { parseBool, parseInt64, podOf, validateContainer, type Pod } from './pods.ts';

export interface PodLogOptions {
  container?: string;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  sinceSeconds?: number;
  sinceTime?: string;
  tailLines?: number;
  limitBytes?: number;
}

/** The query as upstream's parameter codec decodes it into PodLogOptions (400 for values that do not parse). */
export function podLogOptionsOf(q: URLSearchParams): PodLogOptions {
  const opts: PodLogOptions = {
    follow: parseBool(q, 'follow'), previous: parseBool(q, 'previous'), timestamps: parseBool(q, 'timestamps'),
  };
  const container = q.get('container');
  if (container) opts.container = container;
  const sinceSeconds = parseInt64(q, 'sinceSeconds');
  if (sinceSeconds !== undefined) opts.sinceSeconds = sinceSeconds;
  const tailLines = parseInt64(q, 'tailLines');
  if (tailLines !== undefined) opts.tailLines = tailLines;
  const limitBytes = parseInt64(q, 'limitBytes');
  if (limitBytes !== undefined) opts.limitBytes = limitBytes;
  const sinceTime = q.get('sinceTime');
  if (sinceTime) {
    const t = Date.parse(sinceTime);
    if (Number.isNaN(t) || !/^\d{4}-\d{2}-\d{2}T/.test(sinceTime)) {
      throw errors.badRequest(`parsing time ${JSON.stringify(sinceTime)} as "2006-01-02T15:04:05Z07:00": cannot parse ${JSON.stringify(sinceTime)} as "2006"`);
    }
    // The kubelet gets it back in RFC 3339 at whole seconds, as metav1.Time serialises.
    opts.sinceTime = new Date(Math.floor(t / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  }
  return opts;
}

/** Upstream's ValidatePodLogOptions. */
export function validatePodLogOptions(o: PodLogOptions): FieldError[] {
  const errs: FieldError[] = [];
  if (o.tailLines !== undefined && o.tailLines < 0) errs.push(field.invalid('tailLines', o.tailLines, 'must be greater than or equal to 0'));
  if (o.limitBytes !== undefined && o.limitBytes < 1) errs.push(field.invalid('limitBytes', o.limitBytes, 'must be greater than 0'));
  if (o.sinceSeconds !== undefined && o.sinceTime !== undefined) {
    errs.push(field.forbidden('', 'at most one of `sinceTime` or `sinceSeconds` may be specified'));
  } else if (o.sinceSeconds !== undefined && o.sinceSeconds < 1) {
    errs.push(field.invalid('sinceSeconds', o.sinceSeconds, 'must be greater than 0'));
  }
  return errs;
}

/** The kubelet's query: only what is set, as upstream's LogLocation builds it. */
function kubeletQuery(o: PodLogOptions): string {
  const p = new URLSearchParams();
  if (o.follow) p.set('follow', 'true');
  if (o.limitBytes !== undefined) p.set('limitBytes', String(o.limitBytes));
  if (o.previous) p.set('previous', 'true');
  if (o.sinceSeconds !== undefined) p.set('sinceSeconds', String(o.sinceSeconds));
  if (o.sinceTime !== undefined) p.set('sinceTime', o.sinceTime);
  if (o.tailLines !== undefined) p.set('tailLines', String(o.tailLines));
  if (o.timestamps) p.set('timestamps', 'true');
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** Upstream's maxReadLength for a kubelet's error body. */
const MAX_ERROR_BODY = 50_000;

/** Upstream's GenericHttpResponseChecker: the kubelet's refusal as the Status a client sees. */
function kubeletRefusal(code: number, body: string, podName: string): errors.StatusError {
  if (code === 500) return errors.internalError(new Error(body));
  if (code === 400) return errors.badRequest(body);
  return errors.genericServerResponse(code, '', { group: '', resource: 'pods/log' }, podName, body, 0, false);
}

export interface StreamContext {
  pods: GenericRegistry;
  nodes: GenericRegistry;
  kubelet: KubeletClientConfig;
  log: (msg: string) => void;
}

export async function servePodLog(req: Request, res: Response, namespace: string, name: string, q: URLSearchParams, ctx: StreamContext): Promise<void> {
  const opts = podLogOptionsOf(q);
  const errs = validatePodLogOptions(opts);
  if (errs.length) throw errors.invalid({ group: '', kind: 'PodLogOptions' }, name, errs);
  const pod: Pod = await podOf(ctx.pods, namespace, name);
  const container = validateContainer(opts.container, pod);
  const nodeName = pod.spec?.nodeName;
  // Not yet on a node: upstream streams nothing, successfully.
  if (!nodeName) {
    res.status(200).type('text/plain').end();
    return;
  }
  const loc = await kubeletLocation(ctx.nodes, nodeName, ctx.kubelet);
  const path = `/containerLogs/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}/${encodeURIComponent(container)}${kubeletQuery(opts)}`;
  const ac = new AbortController();
  const upstream = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
    const r = https.request({ host: loc.host, port: loc.port, path, method: 'GET', agent: false, signal: ac.signal, ...kubeletTLS(ctx.kubelet) }, resolve);
    dialTimeout(r, joinHostPort(loc.host, loc.port));
    r.on('error', (e) => reject(errors.internalError(new Error(`Get "https://${joinHostPort(loc.host, loc.port)}${path}": ${dialErrorText(e, joinHostPort(loc.host, loc.port))}`))));
    r.end();
  });
  if ((upstream.statusCode ?? 500) < 200 || (upstream.statusCode ?? 500) > 206) {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of upstream) {
      if (size < MAX_ERROR_BODY) chunks.push(c as Buffer);
      size += (c as Buffer).length;
    }
    throw kubeletRefusal(upstream.statusCode ?? 500, Buffer.concat(chunks).toString('utf8').slice(0, MAX_ERROR_BODY), name);
  }
  const conn = isWebSocketRequest(req) ? takeUpgrade(req) : undefined;
  if (conn) {
    streamOverWebSocket(req, conn, upstream, ac);
    return;
  }
  res.on('close', () => ac.abort());
  res.status(200);
  res.setHeader('Content-Type', 'text/plain');
  res.setHeader('Transfer-Encoding', 'chunked');
  res.flushHeaders();
  try {
    for await (const chunk of upstream) {
      // Each piece goes out at once: a follower sees lines as the container writes them.
      if (!res.write(chunk)) await new Promise((r) => res.once('drain', r));
    }
  } catch {
    // The kubelet or the client went away; the stream simply ends.
  }
  res.end();
}

/** Upstream's wsstream.Reader protocols: "" and binary.k8s.io send bytes, base64.binary.k8s.io text. */
const LOG_PROTOCOLS = ['binary.k8s.io', 'base64.binary.k8s.io'];
const logSockets = new WebSocketServer({
  noServer: true,
  handleProtocols: (offered) => LOG_PROTOCOLS.find((p) => offered.has(p)) ?? false,
});

function streamOverWebSocket(
  req: Request, conn: { socket: import('node:stream').Duplex; head: Buffer },
  upstream: import('node:http').IncomingMessage, ac: AbortController,
): void {
  logSockets.handleUpgrade(req, conn.socket, conn.head, (ws) => {
    const base64 = ws.protocol === 'base64.binary.k8s.io';
    ws.on('close', () => ac.abort());
    ws.on('error', () => ac.abort());
    upstream.on('data', (c: Buffer) => {
      if (ws.readyState !== ws.OPEN) return;
      if (base64) ws.send(c.toString('base64'), { binary: false });
      else ws.send(c, { binary: true });
    });
    upstream.on('end', () => { if (ws.readyState === ws.OPEN) ws.close(1000); });
    upstream.on('error', () => ws.terminate());
  });
}
