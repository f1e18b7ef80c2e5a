// Fixtures for the scheduler's tests and benchmark: pod and node builders in the style of
// upstream's st.MakePod() / st.MakeNode(), and a Handle over a Cache.
import { randomUUID } from 'node:crypto';
import type {
  KubernetesObject, V1Affinity, V1Node, V1PersistentVolume, V1PersistentVolumeClaim, V1Pod, V1PodDisruptionBudget, V1StorageClass, V1Taint,
  V1Toleration, V1TopologySpreadConstraint, V1Volume,
} from '@kubernetes/client-node';
import type { Selector } from '../machinery/labels.ts';
import { Cache } from './cache.ts';
import { CycleState, Framework, type Handle, type Plugin, type PluginFactory, type ProfilePlugin } from './framework.ts';
import { PodInfo, type NodeInfo } from './nodeinfo.ts';
import type { VolumeBindingOptions } from './plugins/volumebinding.ts';
import { Nominator } from './queue.ts';

export class PodBuilder {
  readonly pod: V1Pod;

  constructor(name: string) {
    this.pod = {
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name, namespace: 'default', uid: randomUUID(), labels: {}, creationTimestamp: new Date(0) },
      spec: { containers: [{ name: 'c', image: 'busybox' }], schedulerName: 'default-scheduler', priority: 0 },
      status: { phase: 'Pending' },
    };
  }

  namespace(ns: string): this { this.pod.metadata!.namespace = ns; return this; }
  uid(uid: string): this { this.pod.metadata!.uid = uid; return this; }
  node(name: string): this { this.pod.spec!.nodeName = name; return this; }
  labels(l: Record<string, string>): this { this.pod.metadata!.labels = { ...this.pod.metadata!.labels, ...l }; return this; }
  priority(p: number): this { this.pod.spec!.priority = p; return this; }
  schedulerName(n: string): this { this.pod.spec!.schedulerName = n; return this; }
  nominated(node: string): this { this.pod.status!.nominatedNodeName = node; return this; }
  startTime(ms: number): this { this.pod.status!.startTime = new Date(ms); return this; }
  terminating(): this { this.pod.metadata!.deletionTimestamp = new Date(); return this; }
  preemptionPolicy(p: string): this { this.pod.spec!.preemptionPolicy = p; return this; }
  nodeSelector(s: Record<string, string>): this { this.pod.spec!.nodeSelector = s; return this; }
  tolerations(...t: V1Toleration[]): this { this.pod.spec!.tolerations = [...(this.pod.spec!.tolerations ?? []), ...t]; return this; }
  affinity(a: V1Affinity): this { this.pod.spec!.affinity = a; return this; }
  spread(...c: V1TopologySpreadConstraint[]): this { this.pod.spec!.topologySpreadConstraints = [...(this.pod.spec!.topologySpreadConstraints ?? []), ...c]; return this; }
  gates(...names: string[]): this { this.pod.spec!.schedulingGates = names.map((name) => ({ name })); return this; }
  volumes(...v: V1Volume[]): this { this.pod.spec!.volumes = [...(this.pod.spec!.volumes ?? []), ...v]; return this; }
  /** A volume per claim, named after it. */
  claims(...names: string[]): this { return this.volumes(...names.map((claimName) => ({ name: claimName, persistentVolumeClaim: { claimName } }))); }
  image(...images: string[]): this {
    this.pod.spec!.containers = images.map((image, i) => ({ name: `c${i}`, image }));
    return this;
  }

  /** Requests on the (first) container; more calls add containers. */
  requests(r: Record<string, string>): this {
    const cs = this.pod.spec!.containers;
    const free = cs.find((c) => !c.resources?.requests);
    if (free) free.resources = { requests: r };
    else cs.push({ name: `c${cs.length}`, image: 'busybox', resources: { requests: r } });
    return this;
  }

  initRequests(r: Record<string, string>, restartPolicy?: string): this {
    const ics = (this.pod.spec!.initContainers ??= []);
    ics.push({ name: `init${ics.length}`, image: 'busybox', resources: { requests: r }, ...(restartPolicy ? { restartPolicy } : {}) });
    return this;
  }

  overhead(r: Record<string, string>): this { this.pod.spec!.overhead = r; return this; }

  hostPort(port: number, hostIP = '', protocol = 'TCP'): this {
    const c = this.pod.spec!.containers[0]!;
    (c.ports ??= []).push({ containerPort: port, hostPort: port, ...(hostIP ? { hostIP } : {}), protocol });
    return this;
  }

  obj(): V1Pod { return this.pod; }
  info(): PodInfo { return new PodInfo(this.pod); }
}

export const makePod = (name = 'p') => new PodBuilder(name);

export class NodeBuilder {
  readonly node: V1Node;

  constructor(name: string) {
    this.node = {
      apiVersion: 'v1', kind: 'Node',
      metadata: { name, uid: randomUUID(), labels: { 'kubernetes.io/hostname': name } },
      spec: {},
      status: { allocatable: { cpu: '4', memory: '8Gi', pods: '110' }, capacity: { cpu: '4', memory: '8Gi', pods: '110' } },
    };
  }

  /** Sets allocatable (and capacity) to exactly these. */
  allocatable(r: Record<string, string>): this { this.node.status!.allocatable = { ...r }; this.node.status!.capacity = { ...r }; return this; }
  labels(l: Record<string, string>): this { this.node.metadata!.labels = { ...this.node.metadata!.labels, ...l }; return this; }
  taints(...t: V1Taint[]): this { this.node.spec!.taints = [...(this.node.spec!.taints ?? []), ...t]; return this; }
  unschedulable(): this { this.node.spec!.unschedulable = true; return this; }
  images(...imgs: Array<{ names: string[]; sizeBytes: number }>): this { this.node.status!.images = imgs; return this; }
  obj(): V1Node { return this.node; }
}

export const makeNode = (name = 'n') => new NodeBuilder(name);

/** A cache holding these nodes and (assigned) pods. */
export function cacheWith(nodes: V1Node[], pods: V1Pod[] = []): Cache {
  const c = new Cache();
  for (const n of nodes) c.addNode(n);
  for (const p of pods) c.addPod(p);
  return c;
}

export interface FakeHandleOptions {
  namespaces?: Record<string, Record<string, string>>;
  nominator?: Nominator;
  pdbs?: V1PodDisruptionBudget[];
  now?: number;
}

/** A Handle over a cache; framework() is set by frameworkWith. */
export function fakeHandle(cache: Cache, o: FakeHandleOptions = {}): Handle & { fwk?: Framework } {
  const nominator = o.nominator ?? new Nominator();
  const h: Handle & { fwk?: Framework } = {
    snapshot: () => cache.snapshot(),
    namespaceLabels: (ns) => o.namespaces?.[ns],
    namespacesMatching: (sel: Selector) => Object.entries(o.namespaces ?? {}).filter(([, l]) => sel.matches(l)).map(([n]) => n),
    nominatedPodsForNode: (n) => nominator.podsForNode(n),
    podDisruptionBudgets: () => o.pdbs ?? [],
    framework: () => h.fwk!,
    now: () => o.now ?? Date.now(),
  };
  return h;
}

/** A framework of these plugins over the cache. */
export function frameworkWith(cache: Cache, plugins: ProfilePlugin[], o: FakeHandleOptions = {}): Framework {
  const h = fakeHandle(cache, o);
  h.fwk = new Framework('default-scheduler', plugins, h);
  return h.fwk;
}

/** One plugin instantiated over a cache, with its handle. */
export function pluginWith(factory: PluginFactory, cache: Cache, o: FakeHandleOptions = {}): Plugin {
  const fwk = frameworkWith(cache, [{ factory }], o);
  return fwk.plugins[0]!;
}

/** Runs a plugin's PreFilter (when it has one) and Filter on one node: the reasons, or [] when it passes. */
export function filterReasons(p: Plugin, pod: PodInfo, node: NodeInfo, state = new CycleState()): { code?: number; reasons: string[] } {
  const pre = p.preFilter?.(state, pod);
  if (pre?.status) {
    if (pre.status.code === 5) return { reasons: [] };
    return { code: pre.status.code, reasons: pre.status.reasons };
  }
  const s = p.filter?.(state, pod, node);
  return s ? { code: s.code, reasons: s.reasons } : { reasons: [] };
}

/** A plugin's normalised scores over these nodes (PreScore, Score, NormalizeScore), by node name. */
export function scores(p: Plugin, pod: PodInfo, nodes: readonly NodeInfo[], state = new CycleState()): Record<string, number> {
  const ps = p.preScore?.(state, pod, nodes);
  const list = nodes.map((n) => ({ name: n.name, score: ps?.code === 5 ? 0 : p.score!(state, pod, n) }));
  if (ps?.code !== 5) p.normalizeScore?.(state, pod, list);
  return Object.fromEntries(list.map((s) => [s.name, s.score]));
}

// ---- volumes ----

/** A lister over a map, keyed as informers key objects ("namespace/name", or "name"). */
export class FakeLister<T extends KubernetesObject> {
  readonly objs = new Map<string, T>();

  constructor(items: T[] = []) {
    for (const o of items) this.set(o);
  }

  static keyOf(o: KubernetesObject): string {
    return o.metadata?.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata?.name ?? '';
  }

  set(o: T): T { this.objs.set(FakeLister.keyOf(o), o); return o; }
  delete(o: T): void { this.objs.delete(FakeLister.keyOf(o)); }
  get(key: string): T | undefined { return this.objs.get(key); }
  list(): T[] { return [...this.objs.values()]; }
}

export interface FakeVolumeBinding extends VolumeBindingOptions {
  claims: FakeLister<V1PersistentVolumeClaim>;
  volumes: FakeLister<V1PersistentVolume>;
  classes: FakeLister<V1StorageClass>;
  pods: FakeLister<V1Pod>;
  nodes: FakeLister<V1Node>;
  /** What PreBind wrote, in order. */
  writes: Array<{ kind: 'PersistentVolume' | 'PersistentVolumeClaim'; obj: KubernetesObject }>;
  /** Stores an object as an informer would deliver it (a new resourceVersion) and tells the listeners. */
  deliver<T extends KubernetesObject>(lister: FakeLister<T>, obj: T): T;
}

/**
 * VolumeBinding's dependencies over fake listers: writes bump the resourceVersion and land in the
 * listers (as the informers would deliver them), unless `deliverWrites` is false.
 */
export function fakeVolumeBinding(o: {
  claims?: V1PersistentVolumeClaim[]; volumes?: V1PersistentVolume[]; classes?: V1StorageClass[]; pods?: V1Pod[]; nodes?: V1Node[];
  deliverWrites?: boolean; bindTimeoutMs?: number; pollIntervalMs?: number; failWrites?: string;
} = {}): FakeVolumeBinding {
  let rv = 1000;
  const listeners = new Set<() => void>();
  const stamped = <T extends KubernetesObject>(obj: T): T => ({ ...obj, metadata: { ...obj.metadata, resourceVersion: String(++rv) } });
  const store = <T extends KubernetesObject>(lister: FakeLister<T>, obj: T): T => {
    lister.set(obj);
    for (const l of [...listeners]) l();
    return obj;
  };
  const f: FakeVolumeBinding = {
    claims: new FakeLister(o.claims), volumes: new FakeLister(o.volumes), classes: new FakeLister(o.classes),
    pods: new FakeLister(o.pods), nodes: new FakeLister(o.nodes),
    writes: [],
    deliver: (lister, obj) => store(lister, stamped(obj)),
    async updateVolume(pv) {
      if (o.failWrites) throw new Error(o.failWrites);
      f.writes.push({ kind: 'PersistentVolume', obj: pv });
      const next = stamped(pv);
      if (o.deliverWrites !== false) store(f.volumes, next);
      return next;
    },
    async updateClaim(pvc) {
      if (o.failWrites) throw new Error(o.failWrites);
      f.writes.push({ kind: 'PersistentVolumeClaim', obj: pvc });
      const next = stamped(pvc);
      if (o.deliverWrites !== false) store(f.claims, next);
      return next;
    },
    onChange(l) { listeners.add(l); return () => { listeners.delete(l); }; },
    bindTimeoutMs: o.bindTimeoutMs ?? 2_000,
    pollIntervalMs: o.pollIntervalMs ?? 20,
  };
  return f;
}
