// The node agent's entry points: `capstan kubelet` (one node, a given runtime) and
// `capstan up --simulated-nodes N` (N kwok-style nodes with fake runtimes in this process).
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeletHost, type RunningKubelet } from './kubelet.ts';
import { FakeRuntime } from './runtime/fake.ts';
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

export interface SimulatedNodesOptions extends KubeletTimings {
  kubeconfig: string | KubeConfig;
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

/** N simulated nodes with fake runtimes, sharing one API client, one pod watch and one Lease loop. */
export function startSimulatedNodes(o: SimulatedNodesOptions): RunningKubelet {
  const prefix = o.namePrefix ?? 'sim';
  return new KubeletHost({
    kubeconfig: o.kubeconfig, signal: o.signal, log: o.log, maxConcurrentRequests: o.maxConcurrentRequests,
    statusIntervalMs: o.statusIntervalMs, statusReportIntervalMs: o.statusReportIntervalMs, leaseIntervalMs: o.leaseIntervalMs,
    resyncIntervalMs: o.resyncIntervalMs, backoff: o.backoff,
    nodes: Array.from({ length: o.count }, (_, i) => ({
      nodeName: `${prefix}-${i}`,
      runtime: new FakeRuntime({ podCIDR: simulatedPodCIDR(i) }),
      podCIDR: simulatedPodCIDR(i),
      nodeIP: simulatedNodeIP(i),
      capacity: o.capacity,
      labels: o.labels,
      simulated: true,
      recordEvents: o.recordEvents ?? false,
      probes: o.probes ?? false,
    })),
  }).start();
}
