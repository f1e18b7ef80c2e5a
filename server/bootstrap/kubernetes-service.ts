// The `kubernetes` Service in the default namespace, as upstream's kube-apiserver keeps it
// (pkg/controlplane/controller/kubernetesservice): ClusterIP the first address of the service
// range (--service-cluster-ip-range; 10.96.0.1 by default), port 443 named https targeting the API server's secure port, and an Endpoints object
// and EndpointSlice of the same name listing the API servers. In-cluster clients find the API
// there. Several API servers over one store each add their own address.
import type { KubeObject } from '../apis/types.ts';
import * as errors from '../../machinery/errors.ts';
import type { GenericRegistry } from '../registry/generic.ts';

interface Registries {
  services: GenericRegistry;
  endpoints: GenericRegistry;
  endpointSlices?: GenericRegistry;
}

/**
 * Creates the Service (cluster IP `serviceIP`, the first address of the service range) if it is
 * missing, and puts this server's address into its Endpoints and EndpointSlice.
 */
export async function reconcileKubernetesService(r: Registries, address: { ip: string; port: number }, serviceIP: string): Promise<void> {
  const port = { name: 'https', port: 443, protocol: 'TCP', targetPort: address.port };
  // Read first, as upstream's controller does: creating it again would fail on its own IP.
  const exists = await r.services.get('default', 'kubernetes').then(() => true, (e) => {
    if (errors.isStatusError(e, 'NotFound')) return false;
    throw e;
  });
  if (!exists) {
    try {
      await r.services.create('default', {
        apiVersion: 'v1', kind: 'Service',
        metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
        spec: { type: 'ClusterIP', clusterIP: serviceIP, clusterIPs: [serviceIP], ports: [port], sessionAffinity: 'None' },
      } as KubeObject, { fieldManager: 'kube-apiserver' });
    } catch (e) {
      // Another API server over the same store won the race (its create took the IP first).
      if (!errors.isStatusError(e, 'AlreadyExists') && !errors.isStatusError(e, 'Invalid')) throw e;
    }
  }

  type Subset = { addresses?: Array<{ ip: string }>; ports?: Array<{ name?: string; port: number; protocol?: string }> };
  await r.endpoints.update('default', 'kubernetes', (cur) => {
    const subsets = structuredClone(((cur as { subsets?: Subset[] } | undefined)?.subsets) ?? []);
    const sameIp = subsets.find((s) => s.addresses?.some((a) => a.ip === address.ip));
    if (sameIp && sameIp.ports?.some((p) => p.port === address.port)) return cur!;
    const next: Subset[] = [{ addresses: [{ ip: address.ip }], ports: [{ name: 'https', port: address.port, protocol: 'TCP' }] }];
    return {
      apiVersion: 'v1', kind: 'Endpoints',
      metadata: { ...(cur?.metadata ?? {}), name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
      subsets: next,
    } as KubeObject;
  }, { allowCreate: true, fieldManager: 'kube-apiserver' });

  if (!r.endpointSlices) return;
  await r.endpointSlices.update('default', 'kubernetes', (cur) => ({
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { ...(cur?.metadata ?? {}), name: 'kubernetes', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: [address.ip], conditions: { ready: true } }],
    ports: [{ name: 'https', port: address.port, protocol: 'TCP' }],
  } as KubeObject), { allowCreate: true, fieldManager: 'kube-apiserver' });
}
