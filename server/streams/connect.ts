// pods/exec, pods/attach, pods/portforward and nodes/proxy: connect subresources, proxied to the
// node's kubelet. Streams are upgrades (kubectl 1.32: a WebSocket with v5.channel.k8s.io for exec
// and attach, "SPDY/3.1+portforward.k8s.io" for port-forward, SPDY/3.1 as the fallback); the
// kubelet speaks them itself, so the API server checks the request, finds the kubelet and joins
// the two connections, as upstream's UpgradeAwareHandler does. Upstream:
// pkg/registry/core/pod/rest/subresources.go, pod/strategy.go (ExecLocation, AttachLocation,
// PortForwardLocation), pkg/registry/core/node/rest/proxy.go.
import https from 'node:https';
import type { Request, Response } from 'express';
import * as errors from '../../machinery/errors.ts';
import { dialErrorText, dialTimeout, joinHostPort, kubeletLocation, kubeletTLS } from './kubelet.ts';
import { parseBool, podOf, validateContainer } from './pods.ts';
import type { StreamContext } from './podlog.ts';
import { DialError, forwardedHeaders, isUpgrade, proxyUpgrade, type BackendTarget } from './upgrade.ts';

export type ConnectSubresource = 'exec' | 'attach' | 'portforward';

/** The kubelet's query for exec and attach (upstream's streamParams: flags as "1"). */
function streamQuery(q: URLSearchParams, kind: 'exec' | 'attach'): URLSearchParams {
  const p = new URLSearchParams();
  for (const flag of ['stdin', 'stdout', 'stderr', 'tty']) if (parseBool(q, flag)) p.append(flag, '1');
  if (kind === 'exec') for (const c of q.getAll('command')) p.append('command', c);
  return p;
}

/** PodPortForwardOptions.ports, given to the kubelet as one comma-separated `port`. */
function portQuery(q: URLSearchParams): URLSearchParams {
  const ports: string[] = [];
  for (const v of q.getAll('ports')) {
    for (const s of v.split(',')) {
      if (!/^\d+$/.test(s.trim())) throw errors.badRequest(`strconv.ParseInt: parsing ${JSON.stringify(s)}: invalid syntax`);
      ports.push(s.trim());
    }
  }
  const p = new URLSearchParams();
  if (ports.length) p.set('port', ports.join(','));
  return p;
}

export async function serveConnect(
  req: Request, res: Response, kind: ConnectSubresource, namespace: string, name: string, q: URLSearchParams, ctx: StreamContext,
): Promise<void> {
  const pod = await podOf(ctx.pods, namespace, name);
  let path: string;
  if (kind === 'portforward') {
    path = `/portForward/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;
    const query = portQuery(q).toString();
    if (query) path += `?${query}`;
  } else {
    const container = validateContainer(q.get('container') ?? undefined, pod);
    path = `/${kind}/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}/${encodeURIComponent(container)}`;
    const query = streamQuery(q, kind).toString();
    if (query) path += `?${query}`;
  }
  const nodeName = pod.spec?.nodeName;
  if (!nodeName) throw errors.badRequest(`pod ${name} does not have a host assigned`);
  const loc = await kubeletLocation(ctx.nodes, nodeName, ctx.kubelet);
  await proxyTo(req, res, { host: loc.host, port: loc.port, path, tls: kubeletTLS(ctx.kubelet) }, true);
}

/**
 * nodes/<name>/proxy/<path>: any request to the node's kubelet (upstream's NodeREST
 * ResourceLocation for the kubelet port: the API server's client certificate goes along).
 */
export async function serveNodeProxy(req: Request, res: Response, nameAndPort: string, subpath: string, rawQuery: string, ctx: StreamContext): Promise<void> {
  // "name", "name:port" or "scheme:name:port" (upstream's SplitSchemeNamePort).
  const parts = nameAndPort.split(':');
  const name = parts.length === 3 ? parts[1]! : parts[0]!;
  const portText = parts.length === 3 ? parts[2]! : parts[1];
  const loc = await kubeletLocation(ctx.nodes, name, ctx.kubelet);
  if (portText && Number(portText) !== loc.port) {
    throw errors.badRequest(`only the kubelet port (${loc.port}) of node ${name} is proxied here`);
  }
  const path = `/${subpath}${rawQuery ? `?${rawQuery}` : ''}`;
  await proxyTo(req, res, { host: loc.host, port: loc.port, path, tls: kubeletTLS(ctx.kubelet) }, false);
}

/** An upgrade is joined through; a plain request is forwarded and its answer relayed. */
async function proxyTo(req: Request, res: Response, target: BackendTarget, upgradeRequired: boolean): Promise<void> {
  if (isUpgrade(req)) {
    let answer;
    try {
      answer = await proxyUpgrade(req, target);
    } catch (e) {
      if (e instanceof DialError) throw errors.internalError(new Error(`error dialing backend: ${e.message}`));
      throw e;
    }
    if (answer === 'upgraded') return;
    // The kubelet refused the upgrade: its answer goes back as it is, as upstream relays it.
    res.status(answer.status);
    for (const [k, v] of Object.entries(answer.headers)) {
      if (v !== undefined && !['connection', 'keep-alive', 'transfer-encoding', 'content-length'].includes(k)) res.setHeader(k, v);
    }
    res.end(answer.body);
    return;
  }
  if (upgradeRequired) throw errors.badRequest('Upgrade request required');
  const body = req.rawBody;
  await new Promise<void>((resolve, reject) => {
    const backend = https.request({
      host: target.host, port: target.port, method: req.method, path: target.path, agent: false,
      headers: { ...forwardedHeaders(req, false), ...(body && body.length ? { 'content-length': body.length } : {}) }, ...target.tls,
    }, (up) => {
      res.status(up.statusCode ?? 502);
      for (const [k, v] of Object.entries(up.headers)) {
        if (v !== undefined && !['connection', 'keep-alive', 'transfer-encoding'].includes(k)) res.setHeader(k, v);
      }
      up.pipe(res);
      up.on('end', () => resolve());
      up.on('error', () => { res.destroy(); resolve(); });
    });
    dialTimeout(backend, joinHostPort(target.host, target.port));
    res.on('close', () => backend.destroy());
    backend.on('error', (e) => reject(errors.internalError(new Error(`error trying to reach service: ${dialErrorText(e, joinHostPort(target.host, target.port))}`))));
    backend.end(body && body.length ? body : undefined);
  });
}
