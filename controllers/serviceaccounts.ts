// The service account controller (upstream pkg/controller/serviceaccount, ServiceAccountsController):
// every active namespace has a "default" ServiceAccount; one deleted is created again.
import type { KubernetesObject, V1ServiceAccount } from '@kubernetes/client-node';
import { defineController, isAlreadyExists, statusCodeOf, ApiError } from '../client/index.ts';
import { namespaces, serviceAccounts } from '../client/resources.ts';

/** Upstream's DefaultServiceAccountsControllerOptions. */
export const DEFAULT_SERVICE_ACCOUNTS = ['default'];

/** Upstream skips a namespace whose termination began between the cache read and the create. */
function namespaceTerminating(e: unknown): boolean {
  if (statusCodeOf(e) !== 403 || !(e instanceof ApiError)) return false;
  if (e.status?.details?.causes?.some((c) => c.reason === 'NamespaceTerminating')) return true;
  return /because it is being terminated/.test(e.message);
}

export const serviceAccountsController = defineController({
  name: 'serviceaccount',
  primary: namespaces,
  watches: [{
    resource: serviceAccounts,
    keys: (sa: KubernetesObject) => (DEFAULT_SERVICE_ACCOUNTS.includes(sa.metadata?.name ?? '') && sa.metadata?.namespace ? [sa.metadata.namespace] : []),
  }],
  workers: 2,
  async sync(key, { clients, lister, signal }) {
    const ns = lister(namespaces).get(key);
    if (!ns || ns.metadata?.deletionTimestamp || ns.status?.phase !== 'Active') return;
    const accounts = lister(serviceAccounts);
    for (const name of DEFAULT_SERVICE_ACCOUNTS) {
      if (accounts.getByName(key, name)) continue;
      const sa: V1ServiceAccount = { metadata: { name } };
      try {
        await clients.rest.create(serviceAccounts, key, sa, { signal });
      } catch (e) {
        if (isAlreadyExists(e) || namespaceTerminating(e)) continue;
        throw e;
      }
    }
  },
});
