// Where components get their connection to the API server: a kubeconfig file (or a KubeConfig
// already in hand), and the clients made from it.
import { CoordinationV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { RestClient } from './rest.ts';

/** A KubeConfig from a file path, or the one given. */
export function loadKubeConfig(source: string | KubeConfig): KubeConfig {
  if (source instanceof KubeConfig) return source;
  const kc = new KubeConfig();
  kc.loadFromFile(source);
  return kc;
}

/**
 * A KubeConfig for a server and bearer token (tests, in-process components). client-node only
 * speaks plain HTTP to a cluster marked skipTLSVerify, so an http:// server gets that mark.
 */
export function kubeConfigForToken(opts: { server: string; token: string; caPem?: string; name?: string }): KubeConfig {
  const name = opts.name ?? 'capstan';
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{
      name, server: opts.server,
      ...(opts.caPem ? { caData: Buffer.from(opts.caPem).toString('base64') } : {}),
      skipTLSVerify: opts.server.startsWith('http:'),
    }],
    users: [{ name, token: opts.token }],
    contexts: [{ name, cluster: name, user: name }],
    currentContext: name,
  });
  return kc;
}

export interface Clients {
  kc: KubeConfig;
  /** The dynamic client every controller uses. */
  rest: RestClient;
  core: CoreV1Api;
  coordination: CoordinationV1Api;
}

export function makeClients(source: string | KubeConfig, opts: { userAgent?: string } = {}): Clients {
  const kc = loadKubeConfig(source);
  return {
    kc,
    rest: new RestClient(kc, opts),
    core: kc.makeApiClient(CoreV1Api),
    coordination: kc.makeApiClient(CoordinationV1Api),
  };
}
