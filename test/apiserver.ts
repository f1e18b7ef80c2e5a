// An API server for tests of API clients (controllers, client/): in-process, a bearer token in
// system:masters, over a fresh database in the run's PostgreSQL (or embedded PGlite when no URL
// is given). Plain HTTP by default; `tls: true` serves HTTPS with a throwaway CA, which the real
// kubectl needs (client-go sends no bearer token over plain HTTP). No service account controller
// runs beside it, so its namespaces get no "default" ServiceAccount: ServiceAccount admission is
// off unless asked for, as upstream's integration test servers run with
// --disable-admission-plugins=ServiceAccount. Tests only: components never import server/ or storage/.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { openStore } from '../storage/index.ts';
import { startApiServer, type ApiServer } from '../server/index.ts';
import type { AdmissionOptions } from '../server/pipeline/admission.ts';
import { ensurePki } from '../server/pki.ts';
import type { StaticToken } from '../server/pipeline/authn.ts';
import { kubeConfigForToken } from '../client/kubeconfig.ts';

export interface TestApiServer {
  /** The server itself, e.g. to register a resource the built-in list does not serve yet. */
  api: ApiServer;
  url: string;
  token: string;
  kubeconfig: KubeConfig;
  /** The kubeconfig as a file, for kubectl. */
  kubeconfigPath: string;
  close(): Promise<void>;
}

export async function startTestApiServer(opts: {
  databaseUrl?: string;
  tls?: boolean;
  /** More bearer tokens the server accepts besides the admin's (users with fewer rights). */
  tokens?: StaticToken[];
  /** The service network (--service-cluster-ip-range, --service-node-port-range); defaults as the API server's. */
  serviceClusterIPRange?: string;
  serviceNodePortRange?: string;
  /** Admission plugins to turn on or off; default: ServiceAccount off (no controller makes the default ServiceAccount). */
  admission?: AdmissionOptions;
} = {}): Promise<TestApiServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'capstan-test-'));
  const store = await openStore(opts.databaseUrl ? { databaseUrl: opts.databaseUrl } : {});
  const pki = opts.tls ? await ensurePki(path.join(dir, 'pki'), { hosts: ['127.0.0.1', 'localhost'] }) : undefined;
  const token = 'test-admin-token';
  // The API server's client certificate for kubelets (kubeadm's apiserver-kubelet-client).
  const kubeletClient = pki ? await pki.issueClientCert('kube-apiserver-kubelet-client', ['system:masters']) : undefined;
  const api = await startApiServer({
    store, port: 0, log: () => {},
    admission: opts.admission ?? { disable: ['ServiceAccount'] },
    ...(opts.serviceClusterIPRange !== undefined ? { serviceClusterIPRange: opts.serviceClusterIPRange } : {}),
    ...(opts.serviceNodePortRange !== undefined ? { serviceNodePortRange: opts.serviceNodePortRange } : {}),
    ...(kubeletClient ? { kubeletClient } : {}),
    tokens: [{ token, user: { name: 'admin', groups: ['system:masters'] } }, ...(opts.tokens ?? [])],
    ...(pki ? { tls: { cert: pki.servingCert, key: pki.servingKey, ca: pki.caCert } } : {}),
  });
  const kubeconfig = kubeConfigForToken({ server: api.url, token, caPem: pki?.caCert });
  const kubeconfigPath = path.join(dir, 'kubeconfig');
  writeFileSync(kubeconfigPath, kubeconfig.exportConfig(), { mode: 0o600 });
  return {
    api: api.api, url: api.url, token, kubeconfig, kubeconfigPath,
    async close() {
      await api.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
