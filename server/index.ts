// Starting the API server: HTTPS with the cluster's certificates (client certificates requested
// and checked against the CA, so authentication can read them), over any Store.
import https from 'node:https';
import tls from 'node:tls';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { Store } from '../storage/store.ts';
import { ApiServer, type ApiServerOptions } from './apiserver.ts';
import { serviceNetworkOf } from './apis/core/v1/services.ts';
import type { StaticToken } from './pipeline/authn.ts';
import type { AuthenticationOptions } from './auth/services.ts';
import type { KubeletClientConfig } from './streams/index.ts';

export { ApiServer } from './apiserver.ts';

export interface StartApiServerOptions extends AuthenticationOptions, Pick<ApiServerOptions, 'inflight' | 'audit' | 'admission'> {
  store: Store;
  host?: string;
  port?: number;
  /** The address the `kubernetes` Service's Endpoints name; default: see advertiseAddressFor. */
  advertiseAddress?: string;
  /** PEMs; without them the server speaks plain HTTP (tests only). */
  tls?: { cert: string; key: string; ca: string };
  tokens?: StaticToken[];
  log?: (msg: string) => void;
  /** How the API server reaches kubelets: its client certificate for them, the CA of theirs. */
  kubeletClient?: KubeletClientConfig;
  /**
   * kube-apiserver's --service-cluster-ip-range (default 10.96.0.0/12; an IPv4 CIDR of at least 8
   * addresses and no more than 20 host bits): cluster IPs come from it, the `kubernetes` Service
   * takes its first address. An invalid value fails the start with upstream's message.
   */
  serviceClusterIPRange?: string;
  /** kube-apiserver's --service-node-port-range ("30000-32767", "30000+2767" or one port; default 30000-32767). */
  serviceNodePortRange?: string;
}

export interface RunningApiServer {
  api: ApiServer;
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * The address the `kubernetes` Endpoints name (upstream --advertise-address): the bind address
 * unless it is a wildcard or loopback (which Endpoints may not hold), else this host's first
 * non-internal IPv4 address.
 */
export function advertiseAddressFor(host: string): string | undefined {
  if (!['0.0.0.0', '::', 'localhost'].includes(host) && !host.startsWith('127.') && host !== '::1') return host;
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

export async function startApiServer(opts: StartApiServerOptions): Promise<RunningApiServer> {
  const host = opts.host ?? '127.0.0.1';
  const serviceNetwork = serviceNetworkOf(opts);
  // The authentication options pass straight through; the listening ones stay here.
  const api = new ApiServer({ ...opts, serviceNetwork, serverAddress: `${host}:${opts.port ?? 6443}` });
  await api.bootstrap();
  const server = opts.tls
    ? https.createServer({
      cert: opts.tls.cert, key: opts.tls.key, ca: opts.tls.ca, requestCert: true, rejectUnauthorized: false,
      // Node's own cipher list, at OpenSSL security level 0: a TLS 1.2 client that sends no
      // signature_algorithms (busybox wget in pods) implies SHA-1 handshake signatures, which Go's
      // crypto/tls — upstream's API server — still accepts and OpenSSL 3 refuses at level 1.
      ciphers: `${tls.DEFAULT_CIPHERS}:@SECLEVEL=0`,
    }, api.app)
    : http.createServer(api.app);
  // WebSocket and SPDY upgrades (exec, attach, port-forward) go through the same pipeline.
  server.on('upgrade', (req, socket, head) => api.upgrade(req, socket, head));
  // Watches are long; idle keep-alive connections are not.
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 65_000;
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 6443, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  api.serverAddress = `${host}:${port}`;
  const advertise = opts.advertiseAddress ?? advertiseAddressFor(host);
  // kube-apiserver's own loops run whether or not there is an address to advertise.
  await api.startLoops();
  if (advertise) await api.reconcileKubernetesService(advertise, port);
  return {
    api,
    port,
    url: `${opts.tls ? 'https' : 'http'}://${host}:${port}`,
    async close() {
      api.close();
      server.closeAllConnections?.();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
