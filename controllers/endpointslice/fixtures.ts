// Builders of the pods, services and nodes the endpoints and endpointslice tests use, and the
// calls that put them into an API server (pods are created bound to a node, then given an IP and
// a Ready condition through pods/status, as a kubelet would).
import type { V1ContainerPort, V1Node, V1Pod, V1Service, V1ServicePort } from '@kubernetes/client-node';
import { isNotFound, type RestClient } from '../../client/index.ts';
import { nodes, pods, services } from '../../client/resources.ts';

export interface PodFixture {
  labels?: Record<string, string>;
  node?: string;
  ports?: V1ContainerPort[];
  hostname?: string;
  subdomain?: string;
  finalizers?: string[];
}

export function makePod(name: string, o: PodFixture = {}): V1Pod {
  return {
    metadata: { name, labels: o.labels ?? {}, ...(o.finalizers ? { finalizers: o.finalizers } : {}) },
    spec: {
      ...(o.node ? { nodeName: o.node } : {}),
      ...(o.hostname ? { hostname: o.hostname } : {}),
      ...(o.subdomain ? { subdomain: o.subdomain } : {}),
      containers: [{ name: 'main', image: 'busybox', ...(o.ports ? { ports: o.ports } : {}) }],
    },
  };
}

export function makeService(name: string, selector: Record<string, string> | undefined, ports: V1ServicePort[], o: { headless?: boolean; publishNotReadyAddresses?: boolean; labels?: Record<string, string> } = {}): V1Service {
  return {
    metadata: { name, ...(o.labels ? { labels: o.labels } : {}) },
    spec: {
      ...(selector ? { selector } : {}),
      ports,
      ...(o.headless ? { clusterIP: 'None' } : {}),
      ...(o.publishNotReadyAddresses ? { publishNotReadyAddresses: true } : {}),
    },
  };
}

export function makeNode(name: string, zone?: string): V1Node {
  return { metadata: { name, labels: zone ? { 'topology.kubernetes.io/zone': zone } : {} } };
}

/** Creates a node unless it exists. */
export async function ensureNode(rest: RestClient, name: string, zone?: string): Promise<void> {
  try {
    await rest.get(nodes, '', name);
  } catch (e) {
    if (!isNotFound(e)) throw e;
    await rest.create(nodes, '', makeNode(name, zone));
  }
}

/** What a kubelet would report: the pod Running with this IP, Ready or not since `since`. */
export async function setPodStatus(rest: RestClient, ns: string, name: string, ip: string | undefined, ready: boolean, since = new Date()): Promise<V1Pod> {
  const t = new Date(Math.floor(since.getTime() / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const status = {
    phase: 'Running',
    ...(ip ? { podIP: ip, podIPs: [{ ip }] } : {}),
    conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: t }],
  };
  return rest.patch(pods, ns, name, { status }, { type: 'merge', subresource: 'status' });
}

/** Creates the pod, then writes its status. */
export async function startPod(rest: RestClient, ns: string, pod: V1Pod, ip: string | undefined, ready: boolean): Promise<V1Pod> {
  await rest.create(pods, ns, pod);
  return setPodStatus(rest, ns, pod.metadata!.name!, ip, ready);
}

export async function createService(rest: RestClient, ns: string, svc: V1Service): Promise<V1Service> {
  return rest.create(services, ns, svc);
}

/** Polls until `fn` returns something other than undefined. */
export async function eventually<T>(fn: () => Promise<T | undefined>, ms = 8_000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
