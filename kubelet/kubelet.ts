// The kubelet: registers its Node, keeps its status and Lease fresh, and runs the pods bound to it.
// One KubeletHost runs any number of nodes in one process over shared loops — one Lease loop, one
// node status loop, one limit on requests in flight. What a node reads and writes goes through
// the API client of its credential: nodes given one credential together (an admin kubeconfig,
// kwok-style) share one client, one pod watch dispatching by spec.nodeName, one node watch and
// one Service watch, so that `--simulated-nodes 500` costs 500 small objects, not 500 watches; a
// node with a credential of its own (upstream's kubelet.conf, system:node:<name>) reads through
// it only what the Node authorizer gives a kubelet: its pods (spec.nodeName=<name>), its Node
// (metadata.name=<name>), Services, and the objects its pods reference.
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
  /**
   * The node's own credential (upstream's --kubeconfig: kubeadm's kubelet.conf, a client
   * certificate for system:node:<name> in system:nodes); default: the host's.
   */
  kubeconfig?: string | KubeConfig;
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
  /** The credential of the nodes that have none of their own. */
  kubeconfig?: string | KubeConfig;
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
  /** Resolves once every node is registered and the pod informers have synced (false: aborted first). */
  ready: Promise<boolean>;
  /**
   * The pod of that name bound to the node, as its kubelet last saw it (upstream's pod manager,
   * which the kubelet's API reads instead of asking the API server).
   */
  pod?(nodeName: string, namespace: string, name: string): V1Pod | undefined;
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

  /** The writer of this node's pods' status, through the node's own client. */
  readonly statusManager: PodStatusManager;

  constructor(opts: KubeletNodeOptions, private readonly host: KubeletHost, readonly session: ApiSession) {
    this.cfg = nodeConfigOf(opts);
    this.runtime = opts.runtime;
    this.podCIDR = opts.podCIDR ?? DEFAULT_POD_CIDR;
    this.statusManager = new PodStatusManager(session.rest, host.limiter);
    if (opts.recordEvents ?? true) {
      this.recorder = newEventRecorder({ sink: restEventSink(session.rest), component: 'kubelet', host: this.cfg.nodeName, log: host.log });
    }
    if (!this.cfg.simulated) {
      this.dns = new DNSConfigurer({
        nodeName: this.cfg.nodeName, clusterDNS: opts.clusterDNS, clusterDomain: opts.clusterDomain, resolvConf: opts.resolvConf,
        nodeIPs: () => [this.cfg.nodeIP], recorder: this.recorder, log: host.log,
      });
    }
    if (opts.rootDir) {
      this.volumes = new VolumeManager({
        rootDir: path.resolve(opts.rootDir), objects: session.objects, rest: session.rest, log: host.log,
        ...(opts.clusterDomain !== undefined ? { clusterDomain: opts.clusterDomain } : {}),
      });
    }
    this.workers = new PodWorkers({
      nodeName: this.cfg.nodeName, runtime: this.runtime, runtimeName: () => this.runtimeName, statusManager: this.statusManager,
      hostIPs: () => [this.cfg.nodeIP], backoff: host.o.backoff, resyncIntervalMs: host.o.resyncIntervalMs,
      admit: (pod, alreadyRunning) => this.admit(pod, alreadyRunning),
      recorder: this.recorder, objects: session.objects, volumes: this.volumes, probes: opts.probes ?? true,
      services: () => session.services(),
      ...(this.dns ? { podDNS: (pod: V1Pod) => this.dns!.podDNS(pod) } : {}),
      nodeAllocatable: () => session.nodeNamed(this.cfg.nodeName)?.status?.allocatable ?? this.cfg.allocatable ?? this.cfg.capacity,
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
    const rest = this.session.rest;
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
    const rest = this.session.rest;
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
    const rest = this.session.rest;
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
      const rejection = admitPod(pod, others, this.session.nodeNamed(this.name) ?? this.configuredNode());
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

/**
 * The nodes that talk to the API server with one credential, and what they read through it: one
 * API client, one pod watch (a lone node's by spec.nodeName=<name>, as upstream's kubelet lists
 * them; many nodes' every bound pod), one node watch (a lone node's by metadata.name=<name>), one
 * Service watch, and the ConfigMaps and Secrets their pods use.
 */
class ApiSession {
  readonly rest: RestClient;
  readonly agents = new Map<string, NodeAgent>();
  readonly objects: ObjectManager;
  private readonly serviceInformer: Informer<V1Service>;
  private podInformer?: Informer<V1Pod>;
  private nodeInformer?: Informer<V1Node>;

  constructor(kubeconfig: string | KubeConfig, private readonly host: KubeletHost) {
    this.rest = makeClients(kubeconfig, { userAgent: 'capstan-kubelet' }).rest;
    this.objects = new ObjectManager({
      rest: this.rest, signal: host.signal, log: host.log,
      onChange: (uids) => { for (const a of this.agents.values()) for (const uid of uids) if (a.pods.has(uid)) a.workers.wake(uid); },
    });
    this.serviceInformer = new Informer<V1Service>(listWatcherFor(this.rest, services), { name: 'kubelet-services', log: host.log });
  }

  /** The node of a session of one, which then reads only its own pods and Node. */
  private get single(): string | undefined {
    return this.agents.size === 1 ? [...this.agents.keys()][0] : undefined;
  }

  /** Starts the watches, once every node is registered; each returned promise settles when its watch stops. */
  run(signal: AbortSignal): Array<Promise<unknown>> {
    const single = this.single;
    const log = this.host.log;
    this.nodeInformer = new Informer<V1Node>(listWatcherFor(this.rest, nodes, single ? { fieldSelector: `metadata.name=${single}` } : {}), { name: 'kubelet-nodes', log });
    this.podInformer = new Informer<V1Pod>(
      listWatcherFor(this.rest, pods, { fieldSelector: single ? `spec.nodeName=${single}` : 'spec.nodeName!=' }), { name: 'kubelet-pods', log },
    );
    this.podInformer.addEventHandler({
      onAdd: (p) => this.dispatch(p),
      onUpdate: (old, p) => {
        if (old.metadata?.uid !== p.metadata?.uid) this.forget(old);
        this.dispatch(p);
      },
      onDelete: (p) => this.forget(p),
    });
    return [this.nodeInformer.run(signal), this.serviceInformer.run(signal), this.podInformer.run(signal)];
  }

  waitForPods(signal: AbortSignal): Promise<boolean> {
    return this.podInformer ? this.podInformer.waitForSync(signal) : Promise.resolve(false);
  }

  /** The Services, once listed (upstream's kubelet waits for that before it builds env). */
  services(): V1Service[] | undefined {
    return this.serviceInformer.hasSynced() ? this.serviceInformer.list() : undefined;
  }

  nodeNamed(name: string): V1Node | undefined {
    return this.nodeInformer?.get(name);
  }

  pod(nodeName: string, namespace: string, name: string): V1Pod | undefined {
    const pod = this.podInformer?.getByName(namespace, name);
    return pod?.spec?.nodeName === nodeName ? pod : undefined;
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
}

export class KubeletHost {
  readonly limiter: Limiter;
  readonly log: (msg: string) => void;
  readonly signal: AbortSignal;
  readonly statusReportIntervalMs: number;
  private readonly agents = new Map<string, NodeAgent>();
  private readonly sessions: ApiSession[] = [];
  private readonly leases: NodeLeases;

  constructor(readonly o: KubeletHostOptions) {
    this.log = o.log ?? ((m: string) => process.stderr.write(`${new Date().toISOString()} ${m}\n`));
    // Every loop listens on this one signal; the caller's gets a single listener.
    const root = new AbortController();
    setMaxListeners(0, root.signal);
    if (o.signal.aborted) root.abort();
    else o.signal.addEventListener('abort', () => root.abort(), { once: true });
    this.signal = root.signal;
    this.limiter = new Limiter(o.maxConcurrentRequests ?? 32);
    this.statusReportIntervalMs = o.statusReportIntervalMs ?? 5 * 60_000;
    this.leases = new NodeLeases({
      limiter: this.limiter, intervalMs: o.leaseIntervalMs ?? 10_000, durationSeconds: o.leaseDurationSeconds ?? 40, log: this.log,
    });
    let shared: ApiSession | undefined;
    for (const n of o.nodes) {
      if (this.agents.has(n.nodeName)) throw new Error(`kubelet: node ${n.nodeName} given twice`);
      const kubeconfig = n.kubeconfig ?? o.kubeconfig;
      if (!kubeconfig) throw new Error(`kubelet: node ${n.nodeName} has no kubeconfig`);
      let session: ApiSession;
      if (n.kubeconfig) this.sessions.push((session = new ApiSession(n.kubeconfig, this)));
      else if (shared) session = shared;
      else this.sessions.push((session = shared = new ApiSession(kubeconfig, this)));
      const agent = new NodeAgent(n, this, session);
      session.agents.set(n.nodeName, agent);
      this.agents.set(n.nodeName, agent);
    }
  }

  start(): RunningKubelet {
    let markReady!: (v: boolean) => void;
    const ready = new Promise<boolean>((r) => { markReady = r; });
    const done = this.run(markReady).finally(() => {
      markReady(false);
      for (const s of this.sessions) s.rest.close();
    });
    return { done, ready, pod: (nodeName, namespace, name) => this.agents.get(nodeName)?.session.pod(nodeName, namespace, name) };
  }

  private async run(markReady: (v: boolean) => void): Promise<void> {
    const signal = this.signal;
    const loops: Array<Promise<unknown>> = [];
    await this.registerAll();
    if (signal.aborted) return;
    if (this.agents.size > 10) this.log(`kubelet: ${this.agents.size} nodes registered`);
    for (const a of this.agents.values()) this.leases.add(a.name, a.uid, a.session.rest);
    loops.push(this.leases.run(signal));
    for (const a of this.agents.values()) loops.push(a.watchRuntime(signal));
    for (const s of this.sessions) loops.push(...s.run(signal));
    const synced = (await Promise.all(this.sessions.map((s) => s.waitForPods(signal)))).every(Boolean);
    markReady(synced);
    if (synced) {
      loops.push(this.statusLoop(signal));
      loops.push(this.housekeepingLoop(signal));
    }
    await Promise.allSettled(loops);
    await Promise.all([...this.agents.values()].map((a) => a.workers.stop()));
    for (const s of this.sessions) s.objects.stop();
    await Promise.all([...this.agents.values()].map((a) => a.recorder?.flush()));
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

  private async statusLoop(signal: AbortSignal): Promise<void> {
    const interval = this.o.statusIntervalMs ?? 10_000;
    while (!signal.aborted) {
      await sleep(interval, signal);
      if (signal.aborted) return;
      await Promise.all([...this.agents.values()].map((a) => a.syncStatus(a.session.nodeNamed(a.name))));
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
