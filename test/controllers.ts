// A testbed for controller tests: a real API server over a fresh database in the run's
// PostgreSQL, a REST client for the test itself, and the given controllers running in a
// controller manager against it. Tests only.
import { inject } from 'vitest';
import { RestClient, type Controller } from '../client/index.ts';
import { namespaces } from '../client/resources.ts';
import { startControllerManager } from '../controllers/index.ts';
import { createDatabaseAt } from './postgres.ts';
import { startTestApiServer, type TestApiServer } from './apiserver.ts';

export interface ControllerTestbed {
  srv: TestApiServer;
  rest: RestClient;
  close(): Promise<void>;
}

export async function startControllerTestbed(opts: { controllers: Controller[]; tls?: boolean; namespaces?: string[] }): Promise<ControllerTestbed> {
  const srv = await startTestApiServer({ databaseUrl: await createDatabaseAt(inject('pgAdminUrl')), tls: opts.tls });
  const rest = new RestClient(srv.kubeconfig);
  for (const name of opts.namespaces ?? []) await rest.create(namespaces, '', { metadata: { name } });
  const ac = new AbortController();
  const cm = startControllerManager({ kubeconfig: srv.kubeconfig, signal: ac.signal, log: () => {}, controllers: opts.controllers });
  return {
    srv, rest,
    async close() {
      ac.abort();
      await cm.done;
      rest.close();
      await srv.close();
    },
  };
}
