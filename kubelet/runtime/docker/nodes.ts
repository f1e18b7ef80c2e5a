// Docker nodes for the CLI: `capstan up --nodes N` (N kubelets in this process, node-0 … node-N-1,
// each with its own pod CIDR on the shared Docker network) and `capstan kubelet --runtime docker`.
// Both fail at once, with what to do, when no Docker engine answers or the local images are missing.
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { startKubelet, type KubeconfigFor, type KubeletTimings, type RunningKubelet } from '../../index.ts';
import { startKubeletServer, type RunningKubeletServer } from '../../server.ts';
import { loadKubeConfig, RestClient } from '../../../client/index.ts';
import { DEFAULT_DOCKER_SOCKET } from './client.ts';
import { DockerRuntime, SANDBOX_IMAGE, dockerAvailable } from './docker.ts';

/** Node i's pod CIDR: 10.240.i.0/24, inside the shared network's 10.240.0.0/16. */
export function dockerPodCIDR(i: number): string {
  if (!Number.isInteger(i) || i < 0 || i > 255) throw new Error(`docker nodes: node index ${i} is out of range (0..255)`);
  return `10.240.${i}.0/24`;
}

const ENSURE_HINT = 'run scripts/ensure-docker.sh (as root: it installs docker.io, starts dockerd and builds the local images)';

/** A Docker runtime for one node, after checking that the engine answers and the sandbox image is there. */
export async function dockerRuntimeFor(o: {
  nodeName: string; owner?: string; podCIDR?: string; socketPath?: string; stateDir?: string; clusterDomain?: string; log?: (msg: string) => void;
}): Promise<DockerRuntime> {
  const socket = o.socketPath ?? DEFAULT_DOCKER_SOCKET;
  const up = await dockerAvailable(socket);
  if (!up.ok) throw new Error(`Docker nodes need a Docker engine, and none answers on ${socket} (${up.reason}): ${ENSURE_HINT}`);
  const runtime = new DockerRuntime({
    owner: o.owner ?? o.nodeName, socketPath: socket, ...(o.podCIDR ? { podCIDR: o.podCIDR } : {}),
    ...(o.stateDir ? { stateDir: o.stateDir } : {}), ...(o.clusterDomain !== undefined ? { clusterDomain: o.clusterDomain } : {}),
    ...(o.log ? { log: o.log } : {}),
  });
  if (!(await runtime.hasImage(SANDBOX_IMAGE))) {
    runtime.close();
    throw new Error(`the Docker engine lacks the pod sandbox image ${SANDBOX_IMAGE}: ${ENSURE_HINT}`);
  }
  return runtime;
}

/** Why `count` Docker nodes cannot run here (a bad count, no engine, no sandbox image), or undefined when they can. */
export async function dockerNodesProblem(count: number, socketPath?: string): Promise<string | undefined> {
  if (!Number.isInteger(count) || count < 0 || count > 256) return `--nodes wants a whole number from 0 to 256, not ${String(count)}`;
  if (count === 0) return undefined;
  try {
    (await dockerRuntimeFor({ nodeName: 'check', socketPath })).close();
    return undefined;
  } catch (e) {
    return `--nodes ${count}: ${(e as Error)?.message ?? String(e)}`;
  }
}

export interface DockerNodesOptions extends KubeletTimings {
  /** The credential every node uses, unless `kubeconfigFor` gives each its own. */
  kubeconfig?: string | KubeConfig;
  /**
   * Each node's own credential (kubeadm's kubelet.conf: a certificate for system:node:<name> in
   * system:nodes), which its kubelet and its kubelet API's TokenReviews and SubjectAccessReviews
   * use, as upstream's kubelet uses its one client for both.
   */
  kubeconfigFor?: KubeconfigFor;
  count: number;
  signal: AbortSignal;
  /**
   * The cluster's data directory: kubelet root dirs live under `<dataDir>/kubelet/<node>`, and its
   * path names the cluster in the containers' owner label, so that a restart over the same data
   * dir adopts its containers while other clusters on this engine keep theirs.
   */
  dataDir: string;
  /** Nodes are `<prefix>-0` …; default "node". */
  namePrefix?: string;
  socketPath?: string;
  /** The kubelets' --cluster-dns: the cluster DNS Service's IP (kube-system/kube-dns), ClusterFirst pods' nameserver. */
  clusterDNS?: string[];
  /** The kubelets' --cluster-domain; default cluster.local. */
  clusterDomain?: string;
  /** The kubelets' --resolv-conf, the host file behind Default pods; default /etc/resolv.conf. */
  resolvConf?: string;
  log?: (msg: string) => void;
}

/** N kubelets with Docker runtimes in this process; ready once all are registered. Rejects when Docker cannot serve them. */
export async function startDockerNodes(o: DockerNodesOptions): Promise<RunningKubelet> {
  const prefix = o.namePrefix ?? 'node';
  const dataDir = path.resolve(o.dataDir);
  const cluster = createHash('sha256').update(dataDir).digest('hex').slice(0, 10);
  const runtimes: DockerRuntime[] = [];
  try {
    for (let i = 0; i < o.count; i++) {
      const nodeName = `${prefix}-${i}`;
      const runtime = await dockerRuntimeFor({
        nodeName, owner: `${nodeName}.${cluster}`, podCIDR: dockerPodCIDR(i), socketPath: o.socketPath,
        stateDir: path.join(dataDir, 'kubelet', nodeName, 'runtime'), clusterDomain: o.clusterDomain, log: o.log,
      });
      runtimes.push(runtime);
      // The pod network now, so that a subnet clash fails here rather than in a registration retry loop.
      await runtime.updateRuntimeConfig({ podCIDR: dockerPodCIDR(i) });
    }
  } catch (e) {
    for (const r of runtimes) r.close();
    throw e;
  }
  // Each node's kubelet API (logs, exec, attach, port-forward) on a free port, which the Node
  // reports in daemonEndpoints: several clusters may share this machine, so not 10250 + i.
  const names = runtimes.map((_, i) => `${prefix}-${i}`);
  const kubelets: RunningKubelet[] = [];
  const clients: RestClient[] = [];
  const servers: RunningKubeletServer[] = [];
  let credentials: Array<string | KubeConfig>;
  try {
    if (!o.kubeconfig && !o.kubeconfigFor) throw new Error('docker nodes need a kubeconfig or kubeconfigFor');
    credentials = await Promise.all(names.map((n) => (o.kubeconfigFor ? o.kubeconfigFor(n) : o.kubeconfig!)));
    for (const [i, runtime] of runtimes.entries()) {
      const rest = new RestClient(loadKubeConfig(credentials[i]!), { userAgent: 'capstan-kubelet' });
      clients.push(rest);
      const nodeName = names[i]!;
      // The kubelet API reads pods from the kubelet's own watch, as upstream's reads its pod manager.
      const getPod = async (namespace: string, name: string) => kubelets[i]?.pod?.(nodeName, namespace, name);
      servers.push(await startKubeletServer({ nodeName, runtime, rest, port: 0, getPod, ...(o.log ? { log: o.log } : {}) }));
    }
  } catch (e) {
    for (const srv of servers) await srv.close();
    for (const c of clients) c.close();
    for (const r of runtimes) r.close();
    throw e;
  }
  kubelets.push(...runtimes.map((runtime, i) => startKubelet({
    kubeconfig: credentials[i]!, nodeName: names[i]!, runtime, signal: o.signal, log: o.log, podCIDR: dockerPodCIDR(i),
    kubeletPort: servers[i]!.port,
    rootDir: path.join(dataDir, 'kubelet', names[i]!),
    clusterDNS: o.clusterDNS, clusterDomain: o.clusterDomain, resolvConf: o.resolvConf,
    statusIntervalMs: o.statusIntervalMs, statusReportIntervalMs: o.statusReportIntervalMs, leaseIntervalMs: o.leaseIntervalMs,
    resyncIntervalMs: o.resyncIntervalMs, backoff: o.backoff,
  })));
  return {
    ready: Promise.all(kubelets.map((k) => k.ready)).then((all) => all.every(Boolean)),
    done: Promise.all(kubelets.map((k) => k.done)).then(async () => {
      for (const srv of servers) await srv.close();
      for (const c of clients) c.close();
      for (const r of runtimes) r.close();
    }),
    pod: (nodeName, namespace, name) => kubelets[names.indexOf(nodeName)]?.pod?.(nodeName, namespace, name),
  };
}
