// pods/exec, pods/attach, pods/portforward and nodes/proxy: connect subresources, proxied to the
// node's kubelet (nodes/proxy through httpproxy.ts, as pods/proxy and services/proxy). Streams are upgrades (kubectl 1.32: a WebSocket with v5.channel.k8s.io for exec
// and attach, "SPDY/3.1+portforward.k8s.io" for port-forward, SPDY/3.1 as the fallback); the
// kubelet speaks them itself, so the API server checks the request, finds the kubelet and joins
// the two connections, as upstream's UpgradeAwareHandler does. Upstream:
// pkg/registry/core/pod/rest/subresources.go, pod/strategy.go (ExecLocation, AttachLocation,
// PortForwardLocation), pkg/registry/core/node/rest/proxy.go.
import type { Request, Response } from 'express';
import * as errors from '../../machinery/errors.ts';
import { kubeletLocation, kubeletTLS } from './kubelet.ts';
import { parseBool, podOf, validateContainer } from './pods.ts';
import type { StreamContext } from './podlog.ts';
import { DialError, isUpgrade, proxyUpgrade, type BackendTarget } from './upgrade.ts';
import { joinPreservingTrailingSlash, proxyRequest, splitSchemeNamePort } from './httpproxy.ts';

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
  await proxyTo(req, res, { host: loc.host, port: loc.port, path, tls: kubeletTLS(ctx.kubelet) });
}

/**
 * nodes/<name>/proxy/<path>: any request to the node's kubelet (upstream's NodeREST
 * ResourceLocation for the kubelet port: the API server's client certificate goes along).
 */
export async function serveNodeProxy(req: Request, res: Response, nameAndPort: string, subpath: string, ctx: StreamContext): Promise<void> {
  // "name", "name:port" or "scheme:name:port" (upstream's SplitSchemeNamePort).
  const parsed = splitSchemeNamePort(nameAndPort);
  if (!parsed) throw errors.badRequest(`invalid node request ${JSON.stringify(nameAndPort)}`);
  const loc = await kubeletLocation(ctx.nodes, parsed.name, ctx.kubelet);
  if (parsed.port && Number(parsed.port) !== loc.port) {
    throw errors.badRequest(`only the kubelet port (${loc.port}) of node ${parsed.name} is proxied here`);
  }
  await proxyRequest(req, res, { scheme: 'https', host: loc.host, port: loc.port, path: joinPreservingTrailingSlash('', subpath), tls: kubeletTLS(ctx.kubelet) });
}

/** Exec, attach and port-forward are upgrades, joined through to the kubelet; anything else is refused. */
async function proxyTo(req: Request, res: Response, target: BackendTarget): Promise<void> {
  if (!isUpgrade(req)) throw errors.badRequest('Upgrade request required');
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
}
