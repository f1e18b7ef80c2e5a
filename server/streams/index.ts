// The API server's streaming subresources, which reach the kubelet: pods/log, pods/exec,
// pods/attach, pods/portforward and nodes/proxy. The router hands them here (isStreamRequest);
// upgrade requests arrive through dispatchUpgrade with their connection.
import type { Request, Response } from 'express';
import * as errors from '../../machinery/errors.ts';
import type { RequestInfo } from '../endpoints/requestinfo.ts';
import type { GenericRegistry } from '../registry/generic.ts';
import { serveConnect, serveNodeProxy } from './connect.ts';
import { servePodLog } from './podlog.ts';
import type { KubeletClientConfig } from './kubelet.ts';

export type { KubeletClientConfig } from './kubelet.ts';
export { dispatchUpgrade } from './upgrade.ts';

const POD_STREAMS = new Set(['log', 'exec', 'attach', 'portforward']);

export function isStreamRequest(info: RequestInfo): boolean {
  if (!info.isResourceRequest || info.apiGroup !== '' || info.apiVersion !== 'v1' || !info.name) return false;
  return (info.resource === 'pods' && !!info.namespace && POD_STREAMS.has(info.subresource))
    || (info.resource === 'nodes' && !info.namespace && info.subresource === 'proxy');
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
  if (info.resource === 'nodes') {
    // Everything after ".../nodes/<name>/proxy/", trailing slash included.
    const m = /\/nodes\/[^/]+\/proxy(?:\/(.*))?$/.exec(url.pathname);
    return serveNodeProxy(req, res, decodeURIComponent(info.name), m?.[1] ?? '', url.search.slice(1), ctx);
  }
  const gr = { group: '', resource: `pods/${info.subresource}` };
  if (info.subresource === 'log') {
    if (method !== 'GET' && method !== 'HEAD') throw errors.methodNotSupported(gr, info.verb);
    return servePodLog(req, res, info.namespace, info.name, q, ctx);
  }
  if (method !== 'GET' && method !== 'POST') throw errors.methodNotSupported(gr, info.verb);
  return serveConnect(req, res, info.subresource as 'exec' | 'attach' | 'portforward', info.namespace, info.name, q, ctx);
}
