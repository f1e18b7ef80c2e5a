// Service networking on this host: the service proxy and the cluster DNS, started together by
// `capstan up` (when it runs Docker nodes) and by `capstan proxy`.
import type { KubeConfig } from '@kubernetes/client-node';
import { startProxy, type ProxyMode } from '../proxy/index.ts';
import { startClusterDNS } from '../proxy/dns/index.ts';

export interface ServiceNetworkingOptions {
  /** The proxy's credentials (system:kube-proxy under `up`). */
  proxyKubeconfig: string | KubeConfig;
  /** The cluster DNS's credentials (system:capstan-dns under `up`). */
  dnsKubeconfig: string | KubeConfig;
  signal: AbortSignal;
  log: (msg: string) => void;
  /** The nodes on this host (their endpoints are local for the Local traffic policies). */
  nodeNames: string[];
  /** Where pods reach this host: the nodes' InternalIP, which the kube-dns endpoints name. */
  nodeIP: string;
  /** The kube-dns Service's address (the tenth of the service range). */
  clusterDNSIP: string;
  clusterDomain: string;
  /** Names this cluster's iptables chains; unique per cluster on this host. */
  clusterTag: string;
  mode?: 'auto' | ProxyMode;
  dnsPort?: number;
}

export interface RunningServiceNetworking {
  /** Rules programmed, DNS listening and its Service written. */
  ready: Promise<void>;
  /** After the signal aborted: rules removed, DNS stopped. */
  done: Promise<void>;
  mode: ProxyMode;
  dnsPort(): number;
}

export function startServiceNetworking(o: ServiceNetworkingOptions): RunningServiceNetworking {
  const proxy = startProxy({ kubeconfig: o.proxyKubeconfig, signal: o.signal, log: o.log, nodeNames: o.nodeNames, clusterTag: o.clusterTag, ...(o.mode ? { mode: o.mode } : {}) });
  const dns = startClusterDNS({
    kubeconfig: o.dnsKubeconfig, signal: o.signal, log: o.log, serviceIP: o.clusterDNSIP, nodeIP: o.nodeIP, clusterDomain: o.clusterDomain,
    ...(o.dnsPort !== undefined ? { port: o.dnsPort } : {}),
  });
  return {
    ready: Promise.all([proxy.ready, dns.ready]).then(() => undefined),
    done: Promise.allSettled([proxy.done, dns.done]).then(() => undefined),
    mode: proxy.mode,
    dnsPort: () => dns.port,
  };
}
