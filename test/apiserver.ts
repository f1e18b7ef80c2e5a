// An API server for tests of API clients (controllers, client/): in-process, plain HTTP, a bearer
// token in system:masters, over a fresh database in the run's PostgreSQL (or embedded PGlite
// when no URL is given). Tests only: components never import server/ or storage/.
import type { KubeConfig } from '@kubernetes/client-node';
import { openStore } from '../storage/index.ts';
import { startApiServer } from '../server/index.ts';
import { kubeConfigForToken } from '../client/kubeconfig.ts';

export interface TestApiServer {
  url: string;
  token: string;
  kubeconfig: KubeConfig;
  close(): Promise<void>;
}

export async function startTestApiServer(opts: { databaseUrl?: string } = {}): Promise<TestApiServer> {
  const store = await openStore(opts.databaseUrl ? { databaseUrl: opts.databaseUrl } : {});
  const token = 'test-admin-token';
  const api = await startApiServer({
    store, port: 0, log: () => {},
    tokens: [{ token, user: { name: 'admin', groups: ['system:masters'] } }],
  });
  return {
    url: api.url,
    token,
    kubeconfig: kubeConfigForToken({ server: api.url, token }),
    async close() {
      await api.close();
      await store.close();
    },
  };
}
