// The API server's streaming subresources: pods/log, pods/exec, pods/attach, pods/portforward and
// nodes/proxy, which reach the kubelet, and pods/proxy and services/proxy, which reach pods
// directly. The router hands them here (isStreamRequest); upgrade requests arrive through
// dispatchUpgrade with their connection.
import type { Request, Response } from 'express';
import * as errors from '../../machinery/errors.ts';
import type { RequestInfo } from '../endpoints/requestinfo.ts';
import type { GenericRegistry } from '../registry/generic.ts';
import { serveConnect, serveNodeProxy } from './connect.ts';
import { decodedPath, proxyNameAndSubpath } from './httpproxy.ts';
import { servePodProxy, serveServiceProxy } from './proxy.ts';
import { servePodLog } from './podlog.ts';
import type { KubeletClientConfig } from './kubelet.ts';

export type { KubeletClientConfig } from './kubelet.ts';
export { dispatchUpgrade } from './upgrade.ts';

const POD_STREAMS = new Set(['log', 'exec', 'attach', 'portforward', 'proxy']);
/** The HTTP methods the proxy subresources serve (upstream's proxyMethods). */
const PROXY_METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);

export function isStreamRequest(info: RequestInfo): boolean {
  if (!info.isResourceRequest || info.apiGroup !== '' || info.apiVersion !== 'v1' || !info.name) return false;
  return (info.resource === 'pods' && !!info.namespace && POD_STREAMS.has(info.subresource))
    || (info.resource === 'services' && !!info.namespace && info.subresource === 'proxy')
    || (info.resource === 'nodes' && !info.namespace && info.subresource === 'proxy');
}

/**
 * Whether a request path is a `proxy` subresource (pods, services, nodes), whose body goes on to
 * the backend as a stream rather than being read by the API server first.
 */
export function isProxyPath(pathname: string): boolean {
  return /^\/+api\/+v1\/+(?:namespaces\/+[^/]+\/+(?:pods|services)|nodes)\/+[^/]+\/+proxy(?:\/|$)/.test(pathname);
}

export interface ServeStreamOptions {
  info: RequestInfo;
  registry(group: string, version: string, plural: string): GenericRegistry | undefined;
  kubelet: KubeletClientConfig;
  log: (msg: string) => void;
}

export async function serveStream(req: Request, res: Response, o: ServeStreamOptions): Promise<void> {
  const { info } = o;
  const pods = o.registry('', 'v1', 'pods');
  const nodes = o.registry('', 'v1', 'nodes');
  if (!pods || !nodes) throw errors.notFoundPath();
  const ctx = { pods, nodes, kubelet: o.kubelet, log: o.log };
  const url = new URL(req.originalUrl, 'http://x');
  const q = url.searchParams;
  const method = req.method.toUpperCase();
  const gr = { group: '', resource: `${info.resource}/${info.subresource}` };
  if (info.subresource === 'proxy') {
    if (!PROXY_METHODS.has(method)) throw errors.methodNotSupported(gr, info.verb);
    // /api/v1/nodes/<name>/proxy or /api/v1/namespaces/<ns>/<pods|services>/<name>/proxy, then the subpath.
    const { name, subpath } = proxyNameAndSubpath(decodedPath(req).path, info.resource === 'nodes' ? 5 : 7);
    if (info.resource === 'nodes') return serveNodeProxy(req, res, name, subpath, ctx);
    if (info.resource === 'pods') return servePodProxy(req, res, pods, info.namespace, name, subpath);
    const services = o.registry('', 'v1', 'services');
    const endpoints = o.registry('', 'v1', 'endpoints');
    if (!services || !endpoints) throw errors.notFoundPath();
    return serveServiceProxy(req, res, { services, endpoints, pods }, info.namespace, name, subpath);
  }
  if (info.subresource === 'log') {
    if (method !== 'GET' && method !== 'HEAD') throw errors.methodNotSupported(gr, info.verb);
    return servePodLog(req, res, info.namespace, info.name, q, ctx);
  }
  if (method !== 'GET' && method !== 'POST') throw errors.methodNotSupported(gr, info.verb);
  return serveConnect(req, res, info.subresource as 'exec' | 'attach' | 'portforward', info.namespace, info.name, q, ctx);
}
