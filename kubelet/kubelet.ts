// The kubelet: registers its Node, keeps its status and Lease fresh, and runs the pods bound to it.
// One KubeletHost runs any number of nodes in one process over shared machinery — one API client,
// one pod informer dispatching by spec.nodeName, one node informer, one Lease loop, one node
// status loop — so that `--simulated-nodes 500` costs 500 small objects, not 500 watches. A real
// node is a host with one node (and a field selector on spec.nodeName).
import { randomUUID, createHash } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { readFileSync, statfsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KubeConfig, V1Node, V1NodeStatus, V1Pod, V1Service } from '@kubernetes/client-node';
import {
  Backoff, Informer, isAlreadyExists, listWatcherFor, makeClients, newEventRecorder, restEventSink, sleep, type EventRecorder, type RestClient,
} from '../client/index.ts';
import { nodes, pods, services } from '../client/resources.ts';
import { ObjectManager } from './objectmanager.ts';
import { VolumeManager } from './volumes/manager.ts';
import { NodeLeases } from './lease.ts';
import { computeNodeStatus, conditionsDiffer, defaultLabels, goArch, initialNode, nodeStatusChanged, type NodeConfig } from './node.ts';
import { PodWorkers } from './podworkers.ts';
import { PodStatusManager, wireOf } from './status.ts';
import { Limiter } from './limiter.ts';
import type { BackoffConfig } from './sync.ts';
import { admitPod, type Rejection } from './admission.ts';
import { DNSConfigurer } from './dns.ts';
import type { ContainerRuntime } from './runtime/runtime.ts';

export interface KubeletNodeOptions {
  nodeName: string;
  runtime: ContainerRuntime;
  /** Default: this machine's CPUs, memory and disk (simulated nodes: see SIMULATED_CAPACITY), 110 pods. */
  capacity?: Record<string, string>;
  /** Used when the Node has no spec.podCIDR of its own; default 10.244.0.0/24. */
  podCIDR?: string;
  /** Default: this machine's first non-internal IPv4 address. */
  nodeIP?: string;
  labels?: Record<string, string>;
  simulated?: boolean;
  /** The port the kubelet's API (kubelet/server.ts) listens on, as the Node reports it; default 10250. */
  kubeletPort?: number;
  /**
   * The kubelet's root directory (upstream's --root-dir, /var/lib/kubelet): pod volumes, termination
   * messages and /etc/hosts files live under `<rootDir>/pods/<uid>`. Unset (simulated nodes): pods
   * get no volumes, no termination-message files and no managed /etc/hosts.
   */
  rootDir?: string;
  /** Record the kubelet's events on pods (Pulled, Created, Started, Killing, …). Default true. */
  recordEvents?: boolean;
  /** Run liveness / readiness / startup probes. Default true. */
  probes?: boolean;
  /**
   * Upstream's --cluster-dns: the nameservers of ClusterFirst pods (the kube-dns Service's IP).
   * None: ClusterFirst pods fall back to Default, with MissingClusterDNS events.
   */
  clusterDNS?: string[];
  /** Upstream's --cluster-domain (ClusterFirst search domains, pods' FQDNs in /etc/hosts); default cluster.local. */
  clusterDomain?: string;
  /** Upstream's --resolv-conf: the host's resolver file behind Default pods; default /etc/resolv.conf, "" for none. */
  resolvConf?: string;
}

export interface KubeletHostOptions {
  kubeconfig: string | KubeConfig;
  nodes: KubeletNodeOptions[];
  signal: AbortSignal;
  log?: (msg: string) => void;
  /** How often node status is computed (upstream's nodeStatusUpdateFrequency, 10 s). */
  statusIntervalMs?: number;
  /** An unchanged status is still reported this often (upstream's nodeStatusReportFrequency, 5 min). */
  statusReportIntervalMs?: number;
  /** Lease renewal (upstream: 10 s) and duration (40 s). */
  leaseIntervalMs?: number;
  leaseDurationSeconds?: number;
  /** Every pod is synced again this often (upstream's syncFrequency, 1 min). */
  resyncIntervalMs?: number;
  /** CrashLoopBackOff (upstream: 10 s doubling to 5 min). */
  backoff?: BackoffConfig;
  /** API requests in flight at once from this process. */
  maxConcurrentRequests?: number;
}

export interface RunningKubelet {
  /** Resolves once every loop has stopped after the signal aborted. */
  done: Promise<void>;
  /** Resolves once every node is registered and the pod informer has synced (false: aborted first). */
  ready: Promise<boolean>;
}

/** Simulated nodes' default capacity: a large machine, kwok-style. */
export const SIMULATED_CAPACITY: Record<string, string> = {
  cpu: '32', memory: '256Gi', pods: '110', 'ephemeral-storage': '1Ti', 'hugepages-1Gi': '0', 'hugepages-2Mi': '0',
};

const DEFAULT_POD_CIDR = '10.244.0.0/24';

const isTerminalPhase = (p: string | undefined) => p === 'Succeeded' || p === 'Failed';

function hostCapacity(): Record<string, string> {
  let storage = '100Gi';
  try {
    const s = statfsSync('/');
    storage = `${Math.floor((s.blocks * s.bsize) / 1024)}Ki`;
  } catch { /* keep the default */ }
  return {
    cpu: String(os.cpus().length || 1), memory: `${Math.floor(os.totalmem() / 1024)}Ki`, pods: '110',
    'ephemeral-storage': storage, 'hugepages-1Gi': '0', 'hugepages-2Mi': '0',
  };
}

/** This machine's first non-internal IPv4 address (upstream falls back to the default route's interface). */
export function hostIPv4(): string {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

function readOr(path: string, fallback: string): string {
  try { return readFileSync(path, 'utf8').trim() || fallback; } catch { return fallback; }
}

function osImage(): string {
  const m = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readOr('/etc/os-release', ''));
  return m?.[1] ?? 'Linux';
}

/** A UUID-shaped value derived from a name (stable across restarts for simulated nodes). */
function uuidFrom(name: string): string {
  const h = createHash('sha256').update(name).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

const bootID = randomUUID();

function nodeConfigOf(n: KubeletNodeOptions): NodeConfig {
  const simulated = n.simulated ?? false;
  return {
    nodeName: n.nodeName,
    capacity: n.capacity ?? (simulated ? SIMULATED_CAPACITY : hostCapacity()),
    nodeIP: n.nodeIP ?? hostIPv4(),
    hostname: n.nodeName,
    arch: goArch(),
    kernelVersion: os.release(),
    osImage: simulated ? 'Capstan simulated node' : osImage(),
    machineID: simulated ? createHash('sha256').update(n.nodeName).digest('hex').slice(0, 32) : readOr('/etc/machine-id', uuidFrom(n.nodeName).replace(/-/g, '')),
    systemUUID: uuidFrom(`system:${n.nodeName}`),
    bootID: simulated ? uuidFrom(`boot:${bootID}:${n.nodeName}`) : bootID,
    labels: n.labels,
    simulated,
    kubeletPort: n.kubeletPort,
  };
}

/** One node: its registration, its status, its pods. */
class NodeAgent {
  readonly cfg: NodeConfig;
  readonly runtime: ContainerRuntime;
  readonly workers: PodWorkers;
  /** Pods bound here, by UID, as the informer last showed them. */
  readonly pods = new Map<string, V1Pod>();
  /** UIDs of the pods admitted to run here. */
  readonly admitted = new Set<string>();
  uid = '';
  podCIDR: string;
  registered = false;
  readonly volumes?: VolumeManager;
  readonly recorder?: EventRecorder;
  /** Pods' resolver configuration; none on simulated nodes, which run no containers to resolve with. */
  readonly dns?: DNSConfigurer;
  private runtimeName = 'unknown';
  private runtimeVersion = 'unknown://unknown';
  private reported: V1NodeStatus | undefined;
  private reportedAt = 0;

  constructor(opts: KubeletNodeOptions, private readonly host: KubeletHost) {
    this.cfg = nodeConfigOf(opts);
    this.runtime = opts.runtime;
    this.podCIDR = opts.podCIDR ?? DEFAULT_POD_CIDR;
    if (opts.recordEvents ?? true) {
      this.recorder = newEventRecorder({ sink: restEventSink(host.rest), component: 'kubelet', host: this.cfg.nodeName, log: host.log });
    }
    if (!this.cfg.simulated) {
      this.dns = new DNSConfigurer({
        nodeName: this.cfg.nodeName, clusterDNS: opts.clusterDNS, clusterDomain: opts.clusterDomain, resolvConf: opts.resolvConf,
        nodeIPs: () => [this.cfg.nodeIP], recorder: this.recorder, log: host.log,
      });
    }
    if (opts.rootDir) {
      this.volumes = new VolumeManager({
        rootDir: path.resolve(opts.rootDir), objects: host.objects, rest: host.rest, log: host.log,
        ...(opts.clusterDomain !== undefined ? { clusterDomain: opts.clusterDomain } : {}),
      });
    }
    this.workers = new PodWorkers({
      nodeName: this.cfg.nodeName, runtime: this.runtime, runtimeName: () => this.runtimeName, statusManager: host.statusManager,
      hostIPs: () => [this.cfg.nodeIP], backoff: host.o.backoff, resyncIntervalMs: host.o.resyncIntervalMs,
      admit: (pod, alreadyRunning) => this.admit(pod, alreadyRunning),
      recorder: this.recorder, objects: host.objects, volumes: this.volumes, probes: opts.probes ?? true,
      services: () => host.services(),
      ...(this.dns ? { podDNS: (pod: V1Pod) => this.dns!.podDNS(pod) } : {}),
      nodeAllocatable: () => host.nodeNamed(this.cfg.nodeName)?.status?.allocatable ?? this.cfg.allocatable ?? this.cfg.capacity,
      log: host.log, signal: host.signal,
    });
  }

  get name(): string {
    return this.cfg.nodeName;
  }

  private async status(previous: V1NodeStatus | undefined): Promise<V1NodeStatus> {
    const rs = await this.runtime.status().catch((e: unknown) => ({ ready: false, message: `container runtime status check failed: ${(e as Error)?.message ?? String(e)}` }));
    const images = await this.runtime.listImages().catch(() => []);
    return computeNodeStatus({
      cfg: this.cfg, previous, runtimeVersion: this.runtimeVersion, runtimeReady: rs.ready, runtimeMessage: rs.message, images, now: Date.now(),
    });
  }

  /** Creates the Node, or adopts the one of that name (upstream's tryRegisterWithAPIServer). */
  async register(): Promise<void> {
    const v = await this.runtime.version();
    this.runtimeName = v.runtimeName;
    this.runtimeVersion = `${v.runtimeName}://${v.runtimeVersion}`;
    const rest = this.host.rest;
    const status = await this.status(undefined);
    let node: V1Node;
    try {
      node = await this.host.limiter.run(() => rest.create(nodes, '', initialNode(this.cfg, status, this.podCIDR), { signal: this.host.signal }));
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      node = await this.adopt(status);
    }
    this.uid = node.metadata?.uid ?? '';
    if (node.spec?.podCIDR) this.podCIDR = node.spec.podCIDR;
    await this.runtime.updateRuntimeConfig({ podCIDR: this.podCIDR });
    this.reported = status;
    this.reportedAt = Date.now();
    if (!this.registered) this.dns?.checkResolvConfLimits();
    this.registered = true;
    if (this.host.o.nodes.length <= 10) this.host.log(`kubelet ${this.name}: registered (pod CIDR ${this.podCIDR})`);
  }

  /** An existing Node of this name: default labels and a pod CIDR if it lacks them, then our status. */
  private async adopt(status: V1NodeStatus): Promise<V1Node> {
    const rest = this.host.rest;
    const existing = await this.host.limiter.run(() => rest.get(nodes, '', this.name, { signal: this.host.signal }));
    const want = { ...defaultLabels(this.cfg), ...this.cfg.labels };
    const labels = existing.metadata?.labels ?? {};
    const missing = Object.fromEntries(Object.entries(want).filter(([k, v]) => labels[k] !== v));
    const patch: Record<string, unknown> = {};
    if (Object.keys(missing).length) patch.metadata = { labels: missing };
    if (!existing.spec?.podCIDR) patch.spec = { podCIDR: this.podCIDR, podCIDRs: [this.podCIDR] };
    let node = existing;
    if (Object.keys(patch).length) node = await this.host.limiter.run(() => rest.patch(nodes, '', this.name, patch, { type: 'strategic', signal: this.host.signal }));
    node = await this.host.limiter.run(() => rest.patch(nodes, '', this.name, { status: wireOf(status, 'V1NodeStatus') }, { type: 'strategic', subresource: 'status', signal: this.host.signal }));
    return node;
  }

  /**
   * Reports the status if it changed, if the report interval passed, or if the API's copy of the
   * conditions disagrees (the node lifecycle controller marked it Unknown).
   */
  async syncStatus(apiNode: V1Node | undefined): Promise<void> {
    if (!this.registered) return;
    const next = await this.status(this.reported);
    const now = Date.now();
    const due = now - this.reportedAt >= this.host.statusReportIntervalMs;
    if (!due && !nodeStatusChanged(this.reported, next) && !(apiNode && conditionsDiffer(apiNode.status, next))) return;
    const rest = this.host.rest;
    try {
      await this.host.limiter.run(() => rest.patch(nodes, '', this.name, { status: wireOf(next, 'V1NodeStatus') }, { type: 'strategic', subresource: 'status', signal: this.host.signal }));
      this.reported = next;
      this.reportedAt = now;
    } catch (e) {
      if (!this.host.signal.aborted) this.host.log(`kubelet ${this.name}: node status update failed: ${(e as Error)?.message ?? String(e)}`);
    }
  }

  /** Upstream's canAdmitPod against the pods admitted before, still active. */
  admit(pod: V1Pod, alreadyRunning: boolean): Rejection | undefined {
    const uid = pod.metadata?.uid ?? '';
    if (!alreadyRunning) {
      const others: V1Pod[] = [];
      for (const u of this.admitted) {
        const p = this.pods.get(u);
        if (p && u !== uid && !isTerminalPhase(p.status?.phase)) others.push(p);
      }
      const rejection = admitPod(pod, others, this.host.nodeNamed(this.name) ?? this.configuredNode());
      if (rejection) return rejection;
    }
    this.admitted.add(uid);
    return undefined;
  }

  /** The Node as configured, for admission before the informer has it. */
  private configuredNode(): V1Node {
    return {
      metadata: { name: this.name, labels: { ...defaultLabels(this.cfg), ...this.cfg.labels } },
      status: { capacity: this.cfg.capacity, allocatable: this.cfg.allocatable ?? this.cfg.capacity },
    };
  }

  /** Runtime pods the API does not know (any more) are cleaned out (upstream's HandlePodCleanups). */
  async housekeeping(): Promise<void> {
    const held = await this.runtime.list();
    for (const p of held) if (!this.pods.has(p.uid)) this.workers.remove(p.uid);
    // Pod directories of pods neither the API nor a worker knows (upstream's cleanupOrphanedPodDirs).
    if (this.volumes) {
      const active = new Set([...this.pods.keys(), ...this.workers.uids()]);
      await this.volumes.cleanupOrphans(active);
    }
  }

  async watchRuntime(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        for await (const ev of this.runtime.events(signal)) {
          // A container ending by itself is news; the kubelet's own actions are seen by the sync that made them.
          if (ev.type === 'ContainerDied') this.workers.wake(ev.podUid);
        }
      } catch (e) {
        if (signal.aborted) return;
        this.host.log(`kubelet ${this.name}: runtime events failed: ${(e as Error)?.message ?? String(e)}`);
        await sleep(1000, signal);
      }
    }
  }
}

export class KubeletHost {
  readonly rest: RestClient;
  readonly limiter: Limiter;
  readonly statusManager: PodStatusManager;
  readonly log: (msg: string) => void;
  readonly signal: AbortSignal;
  readonly statusReportIntervalMs: number;
  private readonly agents = new Map<string, NodeAgent>();
  private readonly leases: NodeLeases;
  private readonly podInformer: Informer<V1Pod>;
  private readonly nodeInformer: Informer<V1Node>;
  /** Every Service, for the service-link env vars (one watch per process). */
  private readonly serviceInformer: Informer<V1Service>;
  /** ConfigMaps and Secrets the pods of every node here use. */
  readonly objects: ObjectManager;

  constructor(readonly o: KubeletHostOptions) {
    this.log = o.log ?? ((m: string) => process.stderr.write(`${new Date().toISOString()} ${m}\n`));
    // Every loop listens on this one signal; the caller's gets a single listener.
    const root = new AbortController();
    setMaxListeners(0, root.signal);
    if (o.signal.aborted) root.abort();
    else o.signal.addEventListener('abort', () => root.abort(), { once: true });
    this.signal = root.signal;
    this.rest = makeClients(o.kubeconfig, { userAgent: 'capstan-kubelet' }).rest;
    this.limiter = new Limiter(o.maxConcurrentRequests ?? 32);
    this.statusManager = new PodStatusManager(this.rest, this.limiter);
    this.statusReportIntervalMs = o.statusReportIntervalMs ?? 5 * 60_000;
    this.objects = new ObjectManager({
      rest: this.rest, signal: this.signal, log: this.log,
      onChange: (uids) => { for (const a of this.agents.values()) for (const uid of uids) if (a.pods.has(uid)) a.workers.wake(uid); },
    });
    this.serviceInformer = new Informer<V1Service>(listWatcherFor(this.rest, services), { name: 'kubelet-services', log: this.log });
    this.leases = new NodeLeases({
      rest: this.rest, limiter: this.limiter, intervalMs: o.leaseIntervalMs ?? 10_000, durationSeconds: o.leaseDurationSeconds ?? 40, log: this.log,
    });
    for (const n of o.nodes) {
      if (this.agents.has(n.nodeName)) throw new Error(`kubelet: node ${n.nodeName} given twice`);
      this.agents.set(n.nodeName, new NodeAgent(n, this));
    }
    const single = o.nodes.length === 1 ? o.nodes[0]!.nodeName : undefined;
    // One node watches only its own pods; many share one watch of every bound pod.
    this.podInformer = new Informer<V1Pod>(listWatcherFor(this.rest, pods, { fieldSelector: single ? `spec.nodeName=${single}` : 'spec.nodeName!=' }), { name: 'kubelet-pods', log: this.log });
    this.nodeInformer = new Informer<V1Node>(listWatcherFor(this.rest, nodes, single ? { fieldSelector: `metadata.name=${single}` } : {}), { name: 'kubelet-nodes', log: this.log });
  }

  start(): RunningKubelet {
    let markReady!: (v: boolean) => void;
    const ready = new Promise<boolean>((r) => { markReady = r; });
    const done = this.run(markReady).finally(() => { markReady(false); this.rest.close(); });
    return { done, ready };
  }

  private async run(markReady: (v: boolean) => void): Promise<void> {
    const signal = this.signal;
    const loops: Array<Promise<unknown>> = [];
    await this.registerAll();
    if (signal.aborted) return;
    if (this.agents.size > 10) this.log(`kubelet: ${this.agents.size} nodes registered`);
    for (const a of this.agents.values()) this.leases.add(a.name, a.uid);
    loops.push(this.leases.run(signal));
    loops.push(this.nodeInformer.run(signal));
    loops.push(this.serviceInformer.run(signal));
    for (const a of this.agents.values()) loops.push(a.watchRuntime(signal));

    this.podInformer.addEventHandler({
      onAdd: (p) => this.dispatch(p),
      onUpdate: (old, p) => {
        if (old.metadata?.uid !== p.metadata?.uid) this.forget(old);
        this.dispatch(p);
      },
      onDelete: (p) => this.forget(p),
    });
    loops.push(this.podInformer.run(signal));
    const synced = await this.podInformer.waitForSync(signal);
    markReady(synced);
    if (synced) {
      loops.push(this.statusLoop(signal));
      loops.push(this.housekeepingLoop(signal));
    }
    await Promise.allSettled(loops);
    await Promise.all([...this.agents.values()].map((a) => a.workers.stop()));
    this.objects.stop();
    await Promise.all([...this.agents.values()].map((a) => a.recorder?.flush()));
  }

  /** The Services, once listed (upstream's kubelet waits for that before it builds env). */
  services(): V1Service[] | undefined {
    return this.serviceInformer.hasSynced() ? this.serviceInformer.list() : undefined;
  }

  /** Registers every node, retrying each with back-off until it succeeds or the signal aborts. */
  private async registerAll(): Promise<void> {
    await Promise.all([...this.agents.values()].map(async (a) => {
      const backoff = new Backoff(500, 7_000);
      while (!this.signal.aborted) {
        try {
          await a.register();
          return;
        } catch (e) {
          if (this.signal.aborted) return;
          const delay = backoff.next();
          this.log(`kubelet ${a.name}: registration failed (retrying in ${Math.round(delay)} ms): ${(e as Error)?.message ?? String(e)}`);
          await sleep(delay, this.signal);
        }
      }
    }));
  }

  nodeNamed(name: string): V1Node | undefined {
    return this.nodeInformer.get(name);
  }

  private dispatch(pod: V1Pod): void {
    const agent = this.agents.get(pod.spec?.nodeName ?? '');
    const uid = pod.metadata?.uid;
    if (!agent || !uid) return;
    agent.pods.set(uid, pod);
    agent.workers.update(pod);
  }

  private forget(pod: V1Pod): void {
    const agent = this.agents.get(pod.spec?.nodeName ?? '');
    const uid = pod.metadata?.uid;
    if (!agent || !uid) return;
    agent.pods.delete(uid);
    agent.admitted.delete(uid);
    agent.workers.remove(uid);
  }

  private async statusLoop(signal: AbortSignal): Promise<void> {
    const interval = this.o.statusIntervalMs ?? 10_000;
    while (!signal.aborted) {
      await sleep(interval, signal);
      if (signal.aborted) return;
      await Promise.all([...this.agents.values()].map((a) => a.syncStatus(this.nodeInformer.get(a.name))));
    }
  }

  private async housekeepingLoop(signal: AbortSignal): Promise<void> {
    const interval = Math.max(2_000, this.o.resyncIntervalMs ?? 60_000);
    while (!signal.aborted) {
      for (const a of this.agents.values()) {
        try {
          await a.housekeeping();
        } catch (e) {
          this.log(`kubelet ${a.name}: housekeeping failed: ${(e as Error)?.message ?? String(e)}`);
        }
      }
      await sleep(interval, signal);
    }
  }
}
