// The node agent's entry points: `capstan kubelet` (one node, a given runtime) and
// `capstan up --simulated-nodes N` (N kwok-style nodes with fake runtimes in this process).
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { loadKubeConfig, RestClient } from '../client/index.ts';
import { KubeletHost, type RunningKubelet } from './kubelet.ts';
import { FakeRuntime } from './runtime/fake.ts';
import { startKubeletServer, type RunningKubeletServer } from './server.ts';
import { selfSignedServingCert } from './server/tls.ts';
import type { BackoffConfig } from './sync.ts';
import type { ContainerRuntime } from './runtime/runtime.ts';

export { KubeletHost, SIMULATED_CAPACITY, hostIPv4, type KubeletHostOptions, type KubeletNodeOptions, type RunningKubelet } from './kubelet.ts';
export { FakeRuntime, simulateCommand } from './runtime/fake.ts';
export { ObjectManager } from './objectmanager.ts';
export { VolumeManager } from './volumes/manager.ts';
export { SIMULATED_NODE_LABEL, KUBELET_VERSION } from './node.ts';
export type { ContainerRuntime } from './runtime/runtime.ts';

/** Interval and back-off knobs, upstream's values by default; tests shorten them. */
export interface KubeletTimings {
  statusIntervalMs?: number;
  statusReportIntervalMs?: number;
  leaseIntervalMs?: number;
  resyncIntervalMs?: number;
  backoff?: BackoffConfig;
}

export interface StartKubeletOptions extends KubeletTimings {
  kubeconfig: string | KubeConfig;
  nodeName: string;
  runtime: ContainerRuntime;
  signal: AbortSignal;
  log?: (msg: string) => void;
  capacity?: Record<string, string>;
  podCIDR?: string;
  nodeIP?: string;
  labels?: Record<string, string>;
  /** Say so in the node's labels (a fake runtime behind a single kubelet). */
  simulated?: boolean;
  /** The port the kubelet's API listens on (startKubeletServer), as the Node reports it; default 10250. */
  kubeletPort?: number;
  /**
   * Upstream's --root-dir: pod volumes, termination-message files and /etc/hosts live under
   * `<rootDir>/pods/<uid>` (`capstan up` passes `<data-dir>/kubelet`). Without it pods get no volumes.
   */
  rootDir?: string;
  /** Record the kubelet's events on pods (default true). */
  recordEvents?: boolean;
  /** Run probes (default true). */
  probes?: boolean;
  /** Upstream's --cluster-dns: ClusterFirst pods' nameservers (kubelet/dns.ts); none: they fall back to Default. */
  clusterDNS?: string[];
  /** Upstream's --cluster-domain; default cluster.local. */
  clusterDomain?: string;
  /** Upstream's --resolv-conf; default /etc/resolv.conf, "" for none. */
  resolvConf?: string;
}

/** One kubelet for one node. */
export function startKubelet(o: StartKubeletOptions): RunningKubelet {
  return new KubeletHost({
    kubeconfig: o.kubeconfig, signal: o.signal, log: o.log,
    statusIntervalMs: o.statusIntervalMs, statusReportIntervalMs: o.statusReportIntervalMs, leaseIntervalMs: o.leaseIntervalMs,
    resyncIntervalMs: o.resyncIntervalMs, backoff: o.backoff,
    nodes: [{
      nodeName: o.nodeName, runtime: o.runtime, capacity: o.capacity, podCIDR: o.podCIDR, nodeIP: o.nodeIP, labels: o.labels,
      simulated: o.simulated ?? o.runtime instanceof FakeRuntime, rootDir: o.rootDir, recordEvents: o.recordEvents, probes: o.probes,
      kubeletPort: o.kubeletPort, clusterDNS: o.clusterDNS, clusterDomain: o.clusterDomain, resolvConf: o.resolvConf,
    }],
  }).start();
}

/** A node's own credential (a kubeconfig file or object), by node name. */
export type KubeconfigFor = (nodeName: string) => Promise<string | KubeConfig>;

export interface SimulatedNodesOptions extends KubeletTimings {
  /** The credential all nodes share (kwok-style), unless `kubeconfigFor` gives each its own. */
  kubeconfig?: string | KubeConfig;
  /**
   * Each node's own credential, as each real kubelet has (kubeadm's kubelet.conf: a certificate for
   * system:node:<name> in system:nodes): the node then reads and writes only as that node, held to
   * what the Node authorizer and NodeRestriction allow it, and its kubelet API asks its TokenReviews
   * and SubjectAccessReviews with it (as upstream's kubelet uses its own client for those webhooks).
   */
  kubeconfigFor?: KubeconfigFor;
  count: number;
  signal: AbortSignal;
  /** Nodes are `<prefix>-0` … `<prefix>-<count-1>`; default "sim". */
  namePrefix?: string;
  /** Default: SIMULATED_CAPACITY. */
  capacity?: Record<string, string>;
  labels?: Record<string, string>;
  log?: (msg: string) => void;
  maxConcurrentRequests?: number;
  /** Simulated nodes record no pod events by default (kwok-style: they are for scale). */
  recordEvents?: boolean;
  /**
   * Simulated nodes run no probes by default: their pods are ready while running, as kwok's (an
   * httpGet probe could never reach a simulated pod's address).
   */
  probes?: boolean;
  /**
   * Serve each node's kubelet API (container logs, exec, attach, port-forward), as Docker nodes do,
   * so that `kubectl logs / exec / attach / cp` work against simulated pods. The API server must
   * reach it, so each node then reports a loopback address of its own (simulatedLoopbackIP) where
   * the system has them (Linux: all of 127.0.0.0/8), else 127.0.0.1, and its server listens there
   * on a free port. Off: nodes report simulatedNodeIP addresses, which nothing answers on.
   */
  serveKubeletApi?: boolean;
}

/** Node i's pod CIDR: 10.244.i.0/24, continuing into 10.245.0.0/16 and on past 256 nodes. */
export function simulatedPodCIDR(i: number): string {
  return `10.${244 + Math.floor(i / 256)}.${i % 256}.0/24`;
}

/** Node i's InternalIP, in 172.18.0.0/16 onwards (.0.0 and .0.1 left out). */
export function simulatedNodeIP(i: number): string {
  const n = i + 2;
  return `172.${18 + Math.floor(n / 65536)}.${Math.floor(n / 256) % 256}.${n % 256}`;
}

/** Node i's address when simulated nodes serve their kubelet API: in 127.18.0.0/16 onwards, numbered as simulatedNodeIP. */
export function simulatedLoopbackIP(i: number): string {
  return simulatedNodeIP(i).replace(/^172\./, '127.');
}

/**
 * N simulated nodes with fake runtimes in one KubeletHost: one Lease loop and one status loop; one
 * API client and one pod watch for all when they share a credential, one each under `kubeconfigFor`.
 */
export function startSimulatedNodes(o: SimulatedNodesOptions): RunningKubelet {
  const prefix = o.namePrefix ?? 'sim';
  const names = Array.from({ length: o.count }, (_, i) => `${prefix}-${i}`);
  const runtimes = names.map((_, i) => new FakeRuntime({ podCIDR: simulatedPodCIDR(i) }));
  if (!o.kubeconfig && !o.kubeconfigFor) throw new Error('simulated nodes need a kubeconfig or kubeconfigFor');
  let host: RunningKubelet | undefined;
  const start = (credentials?: Array<string | KubeConfig>, endpoints?: SimulatedEndpoint[]) => (host = new KubeletHost({
    ...(o.kubeconfig ? { kubeconfig: o.kubeconfig } : {}), signal: o.signal, log: o.log, maxConcurrentRequests: o.maxConcurrentRequests,
    statusIntervalMs: o.statusIntervalMs, statusReportIntervalMs: o.statusReportIntervalMs, leaseIntervalMs: o.leaseIntervalMs,
    resyncIntervalMs: o.resyncIntervalMs, backoff: o.backoff,
    nodes: names.map((nodeName, i) => ({
      nodeName,
      runtime: runtimes[i]!,
      ...(credentials ? { kubeconfig: credentials[i]! } : {}),
      podCIDR: simulatedPodCIDR(i),
      nodeIP: endpoints?.[i]?.address ?? simulatedNodeIP(i),
      ...(endpoints ? { kubeletPort: endpoints[i]!.server.port } : {}),
      capacity: o.capacity,
      labels: o.labels,
      simulated: true,
      recordEvents: o.recordEvents ?? false,
      probes: o.probes ?? false,
    })),
  }).start());
  if (!o.serveKubeletApi && !o.kubeconfigFor) return start();
  // Credentials first, then the servers (which ask reviews with them): the nodes register with their ports.
  const prepared = (async () => {
    const credentials = o.kubeconfigFor ? await credentialsOf(names, o.kubeconfigFor) : undefined;
    // The kubelet API reads pods from the kubelet's own watch, as upstream's reads its pod manager.
    const pod = (nodeName: string, namespace: string, name: string) => host?.pod?.(nodeName, namespace, name);
    const serving = o.serveKubeletApi ? await serveSimulatedNodes(o, names, runtimes, credentials, pod) : undefined;
    return { credentials, serving };
  })();
  const running = prepared.then((p) => start(p.credentials, p.serving?.endpoints));
  const ready = running.then((k) => k.ready);
  // Callers learn of a failure to start from `ready`; `done` always resolves.
  ready.catch(() => {});
  return {
    ready,
    done: running.then((k) => k.done, () => {}).then(async () => {
      const s = await prepared.catch(() => undefined);
      if (s?.serving) await s.serving.close();
    }),
    pod: (nodeName, namespace, name) => host?.pod?.(nodeName, namespace, name),
  };
}

/** Every node's credential, a few at a time (each may issue a certificate and write a file). */
async function credentialsOf(names: string[], kubeconfigFor: KubeconfigFor): Promise<Array<string | KubeConfig>> {
  const out: Array<string | KubeConfig> = [];
  for (let i = 0; i < names.length; i += 16) {
    out.push(...await Promise.all(names.slice(i, i + 16).map((n) => kubeconfigFor(n))));
  }
  return out;
}

interface SimulatedEndpoint { address: string; server: RunningKubeletServer }

/** One kubelet API server per simulated node, on its own loopback address where the system has them. */
async function serveSimulatedNodes(
  o: SimulatedNodesOptions, names: string[], runtimes: FakeRuntime[], credentials: Array<string | KubeConfig> | undefined,
  pod: (nodeName: string, namespace: string, name: string) => V1Pod | undefined,
): Promise<{ endpoints: SimulatedEndpoint[]; close(): Promise<void> }> {
  // Each node's server asks its reviews with the node's own credential; shared nodes share one client.
  const shared = credentials ? undefined : new RestClient(loadKubeConfig(o.kubeconfig!), { userAgent: 'capstan-kubelet' });
  const clients: RestClient[] = shared ? [shared] : [];
  const endpoints: SimulatedEndpoint[] = [];
  const close = async () => {
    await Promise.all(endpoints.map((e) => e.server.close()));
    for (const c of clients) c.close();
  };
  try {
    if (names.length === 0) return { endpoints, close };
    // One self-signed serving certificate naming every node, where each real kubelet makes its
    // own: 500 key pairs would add seconds to `capstan up` (kwok, too, serves all its nodes from one
    // server). The API server verifies kubelets' certificates only when told their CA, as upstream.
    const tls = await selfSignedServingCert(names[0]!, [...names, ...names.map((_, i) => simulatedLoopbackIP(i)), '127.0.0.1']);
    const serve = (i: number, address: string) => {
      let rest = shared;
      if (!rest) clients.push((rest = new RestClient(loadKubeConfig(credentials![i]!), { userAgent: 'capstan-kubelet' })));
      const nodeName = names[i]!;
      return startKubeletServer({
        nodeName, runtime: runtimes[i]!, rest, host: address, port: 0, tls, ...(o.log ? { log: o.log } : {}),
        getPod: async (namespace, name) => pod(nodeName, namespace, name),
      });
    };
    let aliases = true;
    let first: RunningKubeletServer;
    try {
      first = await serve(0, simulatedLoopbackIP(0));
    } catch (e) {
      // Only 127.0.0.1 on this system (macOS, some sandboxes): every node listens there.
      if ((e as NodeJS.ErrnoException)?.code !== 'EADDRNOTAVAIL') throw e;
      aliases = false;
      first = await serve(0, '127.0.0.1');
    }
    endpoints.push({ address: aliases ? simulatedLoopbackIP(0) : '127.0.0.1', server: first });
    for (let i = 1; i < names.length; i += 16) {
      const batch = names.slice(i, i + 16).map((_, j) => i + j);
      const started = await Promise.allSettled(batch.map(async (n) => {
        const address = aliases ? simulatedLoopbackIP(n) : '127.0.0.1';
        return { address, server: await serve(n, address) };
      }));
      for (const r of started) if (r.status === 'fulfilled') endpoints.push(r.value);
      const failed = started.find((r) => r.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;
    }
    return { endpoints, close };
  } catch (e) {
    await close();
    throw new Error(`simulated nodes cannot serve the kubelet API: ${(e as Error)?.message ?? String(e)}`);
  }
}
