// The built-in resources components name directly, typed by client-node's models.
import type { V1ConfigMap, V1Namespace, V1Pod, V1Secret, V1ServiceAccount } from '@kubernetes/client-node';
import { resource } from './rest.ts';

export const namespaces = resource<V1Namespace>('v1/namespaces', { model: 'V1Namespace', kind: 'Namespace', namespaced: false });
export const serviceAccounts = resource<V1ServiceAccount>('v1/serviceaccounts', { model: 'V1ServiceAccount', kind: 'ServiceAccount', namespaced: true });
export const configMaps = resource<V1ConfigMap>('v1/configmaps', { model: 'V1ConfigMap', kind: 'ConfigMap', namespaced: true });
export const secrets = resource<V1Secret>('v1/secrets', { model: 'V1Secret', kind: 'Secret', namespaced: true });
export const pods = resource<V1Pod>('v1/pods', { model: 'V1Pod', kind: 'Pod', namespaced: true });
export { eventsResource as events } from './events.ts';
export { leasesResource as leases } from './leaderelection.ts';
