import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { V1ServiceAccount } from '@kubernetes/client-node';
import { isNotFound, RestClient } from '../client/index.ts';
import { namespaces, serviceAccounts } from '../client/resources.ts';
import { createDatabaseAt } from '../test/postgres.ts';
import { startTestApiServer, type TestApiServer } from '../test/apiserver.ts';
import { serviceAccountsController } from './serviceaccounts.ts';
import { namespaceController } from './namespace.ts';
import { startControllerManager, type RunningControllerManager } from './index.ts';
import { eventually } from '../test/eventually.ts';

let srv: TestApiServer;
let ac: AbortController;
let cm: RunningControllerManager;
let rest: RestClient;

beforeAll(async () => {
  srv = await startTestApiServer({ databaseUrl: await createDatabaseAt(inject('pgAdminUrl')) });
  ac = new AbortController();
  cm = startControllerManager({ kubeconfig: srv.kubeconfig, signal: ac.signal, controllers: [serviceAccountsController, namespaceController], log: () => {} });
  rest = new RestClient(srv.kubeconfig);
});

afterAll(async () => {
  ac?.abort();
  await cm?.done;
  rest?.close();
  await srv?.close();
});

const defaultSA = async (ns: string): Promise<V1ServiceAccount | undefined> => {
  try {
    return await rest.get(serviceAccounts, ns, 'default');
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
};

describe('service account controller', () => {
  it('gives the namespaces that exist from the start a default ServiceAccount', async () => {
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) await eventually(() => defaultSA(ns), 5_000);
  });

  it('creates a default ServiceAccount in a new namespace within 2 s, and again after it is deleted', async () => {
    const ns = 'sa-new';
    await rest.create(namespaces, '', { metadata: { name: ns } });
    const first = await eventually(() => defaultSA(ns), 2_000);
    await rest.delete(serviceAccounts, ns, 'default');
    const second = await eventually(async () => {
      const sa = await defaultSA(ns);
      return sa && sa.metadata?.uid !== first.metadata?.uid ? sa : undefined;
    }, 2_000);
    expect(second.metadata?.name).toBe('default');
  });

  it('leaves alone other ServiceAccounts and does not recreate one in a terminating namespace', async () => {
    const ns = 'sa-terminating';
    await rest.create(namespaces, '', { metadata: { name: ns } });
    await rest.create(serviceAccounts, ns, { metadata: { name: 'builder' } });
    await eventually(() => defaultSA(ns), 2_000);
    await rest.delete(namespaces, '', ns);
    await eventually(async () => {
      try {
        await rest.get(namespaces, '', ns);
        return undefined;
      } catch (e) {
        return isNotFound(e) ? true : undefined;
      }
    }, 10_000);
    await new Promise((r) => setTimeout(r, 300));
    expect((await rest.list(serviceAccounts, ns)).items).toEqual([]);
  });
});
