// Fixtures for the proxy's tests: Services and EndpointSlices as plain objects, built the way the
// API server returns them (defaults applied) so that the pure modules see realistic input.
import type { V1EndpointSlice, V1Service, V1ServicePort } from '@kubernetes/client-node';
import { LABEL_SERVICE_NAME } from './servicemap.ts';

export interface ServiceFixture {
  namespace?: string;
  name: string;
  clusterIP: string;
  type?: 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';
  ports: Array<Partial<V1ServicePort> & { port: number }>;
  externalTrafficPolicy?: 'Cluster' | 'Local';
  internalTrafficPolicy?: 'Cluster' | 'Local';
  sessionAffinitySeconds?: number;
  externalIPs?: string[];
  loadBalancerIPs?: string[];
  labels?: Record<string, string>;
}

export function makeService(f: ServiceFixture): V1Service {
  const type = f.type ?? 'ClusterIP';
  return {
    apiVersion: 'v1', kind: 'Service',
    metadata: { namespace: f.namespace ?? 'default', name: f.name, ...(f.labels ? { labels: f.labels } : {}) },
    spec: {
      type,
      clusterIP: f.clusterIP,
      clusterIPs: [f.clusterIP],
      ports: f.ports.map((p) => ({ protocol: 'TCP', targetPort: p.port, ...p })),
      sessionAffinity: f.sessionAffinitySeconds ? 'ClientIP' : 'None',
      ...(f.sessionAffinitySeconds ? { sessionAffinityConfig: { clientIP: { timeoutSeconds: f.sessionAffinitySeconds } } } : {}),
      ...(type === 'NodePort' || type === 'LoadBalancer' ? { externalTrafficPolicy: f.externalTrafficPolicy ?? 'Cluster' } : {}),
      internalTrafficPolicy: f.internalTrafficPolicy ?? 'Cluster',
      ...(f.externalIPs ? { externalIPs: f.externalIPs } : {}),
    },
    status: { loadBalancer: f.loadBalancerIPs ? { ingress: f.loadBalancerIPs.map((ip) => ({ ip })) } : {} },
  };
}

export interface EndpointFixture {
  ip: string;
  node?: string;
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
  zone?: string;
}

export function makeSlice(f: {
  namespace?: string;
  service: string;
  name?: string;
  ports: Array<{ name?: string; port: number; protocol?: string }>;
  endpoints: EndpointFixture[];
  addressType?: string;
}): V1EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { namespace: f.namespace ?? 'default', name: f.name ?? `${f.service}-abcde`, labels: { [LABEL_SERVICE_NAME]: f.service } },
    addressType: f.addressType ?? 'IPv4',
    ports: f.ports.map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' })),
    endpoints: f.endpoints.map((e) => ({
      addresses: [e.ip],
      conditions: {
        ready: e.ready ?? true,
        serving: e.serving ?? e.ready ?? true,
        terminating: e.terminating ?? false,
      },
      ...(e.node ? { nodeName: e.node } : {}),
      ...(e.zone ? { zone: e.zone } : {}),
    })),
  };
}
