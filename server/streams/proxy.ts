// pods/proxy and services/proxy: any HTTP request (GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS,
// and upgrades) to a pod, or to one ready endpoint of a service, sent from the API server, which
// reaches pod IPs directly. Where it goes is upstream's ResourceLocation (pod/strategy.go for pods,
// service/storage for services; 1.32 reads Endpoints, as kube-apiserver then did); how it goes is
// httpproxy.ts. Upstream: pkg/registry/core/pod/rest/subresources.go (ProxyREST),
// pkg/registry/core/service/proxy.go.
import type { Request, Response } from 'express';
import * as errors from '../../machinery/errors.ts';
import { parseIP } from '../../machinery/validation.ts';
import type { KubeObject } from '../apis/types.ts';
import type { GenericRegistry } from '../registry/generic.ts';
import { joinPreservingTrailingSlash, proxyRequest, splitSchemeNamePort, type ProxyLocation } from './httpproxy.ts';

type ProxiedPod = KubeObject & {
  spec?: { containers?: Array<{ ports?: Array<{ containerPort?: number }> }> };
  status?: { podIP?: string; podIPs?: Array<{ ip?: string }> };
};
type EndpointAddress = { ip?: string; targetRef?: { kind?: string; namespace?: string; name?: string } };
type EndpointsObject = KubeObject & {
  subsets?: Array<{ addresses?: EndpointAddress[]; ports?: Array<{ name?: string; port?: number }> }>;
};
type ServiceObject = KubeObject & { spec?: { ports?: Array<{ name?: string; port?: number }> } };

/** Go's IP.IsGlobalUnicast: not unspecified, broadcast, loopback, multicast or link-local. */
export function isGlobalUnicast(text: string): boolean {
  const ip = parseIP(text);
  if (!ip) return false;
  let b = ip.bytes;
  if (b.length === 16 && b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) b = b.slice(12);
  if (b.length === 4) {
    const [x, y] = b as [number, number, number, number];
    if (b.every((v) => v === 0) || b.every((v) => v === 255)) return false;
    return x !== 127 && !(x >= 224 && x <= 239) && !(x === 169 && y === 254);
  }
  if (b.every((v) => v === 0) || (b.slice(0, 15).every((v) => v === 0) && b[15] === 1)) return false;
  return b[0] !== 0xff && !(b[0] === 0xfe && (b[1]! & 0xc0) === 0x80);
}

/** A port as Go's dialer reads the port part of "host:port": a number, or a service name from /etc/services. */
function dialPort(port: string, scheme: 'http' | 'https'): number {
  if (port === '') return scheme === 'https' ? 443 : 80;
  if (/^\d+$/.test(port)) {
    const n = Number(port);
    if (n > 65535) throw errors.serviceUnavailable(`error trying to reach service: dial tcp: address ${port}: invalid port`);
    return n;
  }
  const known: Record<string, number> = { http: 80, https: 443, 'http-alt': 8080, www: 80 };
  const n = known[port.toLowerCase()];
  if (n === undefined) throw errors.serviceUnavailable(`error trying to reach service: dial tcp: lookup tcp/${port}: unknown port`);
  return n;
}

/** The pod's primary IP: status.podIPs[0], which status.podIP mirrors for older writers. */
const podIPOf = (pod: ProxiedPod): string => pod.status?.podIPs?.[0]?.ip ?? pod.status?.podIP ?? '';

/**
 * Upstream's pod ResourceLocation: "name", "name:port" or "scheme:name:port"; without a port,
 * the first port the pod's containers declare; the pod's IP must be a global unicast address
 * (a pod without one, or with a loopback one, cannot be proxied to).
 */
export async function podProxyLocation(pods: GenericRegistry, namespace: string, id: string, subpath: string): Promise<ProxyLocation> {
  const parsed = splitSchemeNamePort(id);
  if (!parsed) throw errors.badRequest(`invalid pod request ${JSON.stringify(id)}`);
  const pod = (await pods.get(namespace, parsed.name)) as ProxiedPod;
  let port = parsed.port;
  if (port === '') {
    const declared = (pod.spec?.containers ?? []).find((c) => (c.ports ?? []).length > 0)?.ports?.[0]?.containerPort;
    if (declared !== undefined) port = String(declared);
  }
  const ip = podIPOf(pod);
  if (!isGlobalUnicast(ip)) throw errors.badRequest('address not allowed');
  const scheme = parsed.scheme || 'http';
  return { scheme, host: ip, port: dialPort(port, scheme), path: joinPreservingTrailingSlash('', subpath) };
}

/** Whether an endpoint address is a pod of this namespace holding that IP (upstream's isValidAddress). */
async function isValidAddress(addr: EndpointAddress, namespace: string, pods: GenericRegistry): Promise<boolean> {
  const ref = addr.targetRef;
  if (!ref || (ref.namespace ?? '') !== namespace || !ref.name) return false;
  let pod: ProxiedPod;
  try {
    pod = (await pods.get(namespace, ref.name)) as ProxiedPod;
  } catch {
    return false;
  }
  const ips = (pod.status?.podIPs ?? []).map((p) => p.ip);
  if (ips.length === 0 && pod.status?.podIP) ips.push(pod.status.podIP);
  return ips.includes(addr.ip);
}

export interface ServiceProxyRegistries {
  services: GenericRegistry;
  endpoints: GenericRegistry;
  pods: GenericRegistry;
}

/**
 * Upstream's service ResourceLocation: "name", "name:port" or "scheme:name:port". A port number
 * is the service port of that number, which stands for its name; a port name (or none: the
 * unnamed port) is looked up in the Endpoints' ports. A random subset that has the port, and a
 * random address in it that is a pod of this namespace with that IP; the endpoint's port, which
 * is the service port's target.
 */
export async function serviceProxyLocation(
  r: ServiceProxyRegistries, namespace: string, id: string, subpath: string, random: () => number = Math.random,
): Promise<ProxyLocation> {
  const parsed = splitSchemeNamePort(id);
  if (!parsed) throw errors.badRequest(`invalid service request ${JSON.stringify(id)}`);
  const { name } = parsed;
  let portName = parsed.port;
  if (/^[+-]?\d+$/.test(portName)) {
    const number = Number(portName);
    const svc = (await r.services.get(namespace, name)) as ServiceObject;
    const declared = (svc.spec?.ports ?? []).find((p) => p.port === number);
    if (!declared) throw errors.serviceUnavailable(`no service port ${number} found for service ${JSON.stringify(name)}`);
    portName = declared.name ?? '';
  }
  const eps = (await r.endpoints.get(namespace, name)) as EndpointsObject;
  const subsets = eps.subsets ?? [];
  if (subsets.length === 0) throw errors.serviceUnavailable(`no endpoints available for service ${JSON.stringify(name)}`);
  const scheme = parsed.scheme || 'http';
  const start = Math.floor(random() * subsets.length);
  for (let i = 0; i < subsets.length; i++) {
    const ss = subsets[(start + i) % subsets.length]!;
    const addresses = ss.addresses ?? [];
    if (addresses.length === 0) continue;
    for (const p of ss.ports ?? []) {
      if ((p.name ?? '') !== portName) continue;
      const first = Math.floor(random() * addresses.length);
      for (let t = 0; t < addresses.length; t++) {
        const addr = addresses[(first + t) % addresses.length]!;
        if (!(await isValidAddress(addr, namespace, r.pods))) continue;
        return { scheme, host: addr.ip ?? '', port: p.port ?? 0, path: joinPreservingTrailingSlash('', subpath) };
      }
    }
  }
  throw errors.serviceUnavailable(`no endpoints available for service ${JSON.stringify(id)}`);
}

/** pods/<id>/proxy[/<subpath>]. */
export async function servePodProxy(req: Request, res: Response, pods: GenericRegistry, namespace: string, id: string, subpath: string): Promise<void> {
  await proxyRequest(req, res, await podProxyLocation(pods, namespace, id, subpath));
}

/** services/<id>/proxy[/<subpath>]. */
export async function serveServiceProxy(req: Request, res: Response, r: ServiceProxyRegistries, namespace: string, id: string, subpath: string): Promise<void> {
  await proxyRequest(req, res, await serviceProxyLocation(r, namespace, id, subpath));
}
