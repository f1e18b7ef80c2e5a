// What the scheduler knows about pods and nodes, precomputed once so that a scheduling cycle does
// arithmetic, not parsing: PodInfo (requests, host ports, parsed affinity terms) and NodeInfo (the
// node, its pods, requested / non-zero requested / allocatable resources, used host ports, image
// states). Upstream: pkg/scheduler/framework/types.go and component-helpers' resource.PodRequests.
import type { V1Node, V1Pod, V1PodAffinityTerm, V1WeightedPodAffinityTerm } from '@kubernetes/client-node';
import { nothing, selectorFromLabelSelector, type LabelSelector, type Selector } from '../machinery/labels.ts';
import { parseQuantity, type Quantity } from '../machinery/quantity.ts';

/** Upstream's schedutil.DefaultMilliCPURequest and DefaultMemoryRequest: what scoring assumes for a container that requests nothing. */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

/** Compute resources as plain numbers: CPU in millicores, the rest in units (bytes, counts). */
export interface Resource {
  milliCPU: number;
  memory: number;
  ephemeralStorage: number;
  allowedPodNumber: number;
  /** Extended resources, hugepages and the like (upstream's ScalarResources); undefined when none. */
  scalar?: Map<string, number>;
}

export const emptyResource = (): Resource => ({ milliCPU: 0, memory: 0, ephemeralStorage: 0, allowedPodNumber: 0 });

export function cloneResource(r: Resource): Resource {
  return { milliCPU: r.milliCPU, memory: r.memory, ephemeralStorage: r.ephemeralStorage, allowedPodNumber: r.allowedPodNumber, ...(r.scalar ? { scalar: new Map(r.scalar) } : {}) };
}

/** Upstream's v1helper.IsNativeResource: no domain, or a kubernetes.io domain. */
const isNativeResource = (name: string) => !name.includes('/') || name.includes('kubernetes.io/');

/**
 * Upstream's schedutil.IsScalarResourceName: extended resources (domain-qualified, not
 * kubernetes.io, not a quota "requests." name), hugepages-*, kubernetes.io/-prefixed native
 * resources and attachable-volumes-*.
 */
export function isScalarResourceName(name: string): boolean {
  if (name.startsWith('hugepages-') || name.startsWith('attachable-volumes-')) return true;
  if (name.includes('kubernetes.io/')) return true;
  return !isNativeResource(name) && !name.startsWith('requests.');
}

function quantityOf(s: string | number | undefined): Quantity | undefined {
  if (s === undefined || s === null) return undefined;
  try {
    return parseQuantity(String(s));
  } catch {
    return undefined;
  }
}

/** A ResourceList (name → quantity string) as Resource; unparsable quantities count as zero. */
export function resourceFromList(list: Record<string, string> | undefined): Resource {
  const r = emptyResource();
  for (const [name, value] of Object.entries(list ?? {})) {
    const q = quantityOf(value);
    if (q) addQuantity(r, name, q);
  }
  return r;
}

function addQuantity(r: Resource, name: string, q: Quantity): void {
  switch (name) {
    case 'cpu': r.milliCPU += q.milliValue(); break;
    case 'memory': r.memory += q.value(); break;
    case 'pods': r.allowedPodNumber += q.value(); break;
    case 'ephemeral-storage': r.ephemeralStorage += q.value(); break;
    default:
      if (isScalarResourceName(name)) {
        r.scalar ??= new Map();
        r.scalar.set(name, (r.scalar.get(name) ?? 0) + q.value());
      }
  }
}

type QuantityList = Map<string, Quantity>;

function addList(into: QuantityList, from: QuantityList): void {
  for (const [k, v] of from) {
    const cur = into.get(k);
    into.set(k, cur ? cur.add(v) : v);
  }
}

function maxList(into: QuantityList, from: QuantityList): void {
  for (const [k, v] of from) {
    const cur = into.get(k);
    if (!cur || v.cmp(cur) > 0) into.set(k, v);
  }
}

function listOf(raw: Record<string, string> | undefined, nonMissing?: QuantityList): QuantityList {
  const out: QuantityList = new Map();
  for (const [k, v] of Object.entries(raw ?? {})) {
    const q = quantityOf(v);
    if (q) out.set(k, q);
  }
  if (nonMissing) for (const [k, v] of nonMissing) if (!out.has(k)) out.set(k, v);
  return out;
}

/**
 * Upstream's resource.PodRequests: the sum over containers, the max with each init container (a
 * restartable "sidecar" init container adds to the sum and to every later init container), plus
 * spec.overhead. With `nonMissing`, a container that requests no cpu/memory counts as requesting
 * those defaults (how scoring sees best-effort pods).
 */
export function podRequests(pod: V1Pod, nonMissing?: QuantityList): QuantityList {
  const reqs: QuantityList = new Map();
  for (const c of pod.spec?.containers ?? []) addList(reqs, listOf(c.resources?.requests, nonMissing));
  const restartable: QuantityList = new Map();
  const init: QuantityList = new Map();
  for (const c of pod.spec?.initContainers ?? []) {
    let cr = listOf(c.resources?.requests, nonMissing);
    if (c.restartPolicy === 'Always') {
      addList(reqs, cr);
      addList(restartable, cr);
      cr = restartable;
    } else {
      const tmp: QuantityList = new Map();
      addList(tmp, cr);
      addList(tmp, restartable);
      cr = tmp;
    }
    maxList(init, cr);
  }
  maxList(reqs, init);
  if (pod.spec?.overhead) addList(reqs, listOf(pod.spec.overhead));
  return reqs;
}

const NON_MISSING: QuantityList = new Map([
  ['cpu', parseQuantity(`${DEFAULT_MILLI_CPU_REQUEST}m`)],
  ['memory', parseQuantity(String(DEFAULT_MEMORY_REQUEST))],
]);

/** A pod's requests as Resource, and its cpu/memory with the non-zero defaults applied (framework.calculateResource). */
export function computePodResource(pod: V1Pod): { requests: Resource; nonZeroCPU: number; nonZeroMemory: number } {
  const requests = emptyResource();
  for (const [name, q] of podRequests(pod)) addQuantity(requests, name, q);
  const nonZero = podRequests(pod, NON_MISSING);
  return { requests, nonZeroCPU: nonZero.get('cpu')?.milliValue() ?? 0, nonZeroMemory: nonZero.get('memory')?.value() ?? 0 };
}

// ---- inter-pod affinity terms ----

/** A parsed PodAffinityTerm (upstream's framework.AffinityTerm). */
export interface AffinityTerm {
  namespaces: Set<string>;
  selector: Selector;
  topologyKey: string;
  namespaceSelector: Selector;
}

export interface WeightedAffinityTerm extends AffinityTerm { weight: number }

/**
 * Whether `pod` matches the term: in one of its namespaces (or one whose labels, `nsLabels`, its
 * namespace selector matches; unknown labels are an empty set), and selected by its label selector.
 */
export function affinityTermMatches(t: AffinityTerm, pod: V1Pod, nsLabels: Record<string, string> | undefined): boolean {
  const ns = pod.metadata?.namespace ?? '';
  if (t.namespaces.has(ns) || t.namespaceSelector.matches(nsLabels ?? {})) {
    return t.selector.matches(pod.metadata?.labels ?? {});
  }
  return false;
}

function newAffinityTerm(pod: V1Pod, term: V1PodAffinityTerm): AffinityTerm {
  const selector = selectorFromLabelSelector(term.labelSelector as LabelSelector | undefined);
  // Upstream: no namespaces and no namespaceSelector means the pod's own namespace.
  const namespaces = new Set<string>(term.namespaces ?? []);
  if (namespaces.size === 0 && !term.namespaceSelector) namespaces.add(pod.metadata?.namespace ?? '');
  const namespaceSelector = term.namespaceSelector ? selectorFromLabelSelector(term.namespaceSelector as LabelSelector) : nothing();
  return { namespaces, selector, topologyKey: term.topologyKey, namespaceSelector };
}

// ---- PodInfo ----

export interface HostPort { ip: string; protocol: string; port: number }

/** A pod with what the scheduler derives from it, computed once (upstream's framework.PodInfo). */
export class PodInfo {
  readonly uid: string;
  readonly key: string;
  readonly requests: Resource;
  readonly nonZeroCPU: number;
  readonly nonZeroMemory: number;
  readonly priority: number;
  readonly hostPorts: HostPort[];
  readonly requiredAffinityTerms: AffinityTerm[] = [];
  readonly requiredAntiAffinityTerms: AffinityTerm[] = [];
  readonly preferredAffinityTerms: WeightedAffinityTerm[] = [];
  readonly preferredAntiAffinityTerms: WeightedAffinityTerm[] = [];
  /** Set when an affinity term does not parse (the API server does not validate them all). */
  readonly parseError?: string;

  constructor(readonly pod: V1Pod, resources?: { requests: Resource; nonZeroCPU: number; nonZeroMemory: number }) {
    this.uid = pod.metadata?.uid ?? '';
    this.key = `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
    const r = resources ?? computePodResource(pod);
    this.requests = r.requests;
    this.nonZeroCPU = r.nonZeroCPU;
    this.nonZeroMemory = r.nonZeroMemory;
    this.priority = pod.spec?.priority ?? 0;
    this.hostPorts = containerHostPorts(pod);
    const a = pod.spec?.affinity;
    const errors: string[] = [];
    const parse = <T>(fn: () => T): T | undefined => {
      try { return fn(); } catch (e) { errors.push((e as Error).message); return undefined; }
    };
    for (const t of a?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) {
      const p = parse(() => newAffinityTerm(pod, t));
      if (p) this.requiredAffinityTerms.push(p);
    }
    for (const t of a?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) {
      const p = parse(() => newAffinityTerm(pod, t));
      if (p) this.requiredAntiAffinityTerms.push(p);
    }
    const weighted = (list: V1WeightedPodAffinityTerm[] | undefined, into: WeightedAffinityTerm[]) => {
      for (const t of list ?? []) {
        const p = parse(() => newAffinityTerm(pod, t.podAffinityTerm));
        if (p) into.push({ ...p, weight: t.weight });
      }
    };
    weighted(a?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution, this.preferredAffinityTerms);
    weighted(a?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution, this.preferredAntiAffinityTerms);
    if (errors.length > 0) this.parseError = errors.join(', ');
  }

  /** The same pod's info for another version of the object (e.g. with spec.nodeName set), reusing the requests. */
  withPod(pod: V1Pod): PodInfo {
    return new PodInfo(pod, { requests: this.requests, nonZeroCPU: this.nonZeroCPU, nonZeroMemory: this.nonZeroMemory });
  }
}

/** Host ports the pod's containers ask for (upstream's schedutil.GetHostPorts; restartable init containers included). */
function containerHostPorts(pod: V1Pod): HostPort[] {
  const out: HostPort[] = [];
  const add = (ports: Array<{ hostPort?: number; hostIP?: string; protocol?: string }> | undefined) => {
    for (const p of ports ?? []) if (p.hostPort && p.hostPort > 0) out.push({ ip: p.hostIP || '0.0.0.0', protocol: p.protocol || 'TCP', port: p.hostPort });
  };
  for (const c of pod.spec?.containers ?? []) add(c.ports);
  for (const c of pod.spec?.initContainers ?? []) if (c.restartPolicy === 'Always') add(c.ports);
  return out;
}

export function podHasAffinity(pod: V1Pod): boolean {
  const a = pod.spec?.affinity;
  return !!a && (!!a.podAffinity || !!a.podAntiAffinity);
}

export function podHasRequiredAntiAffinity(pod: V1Pod): boolean {
  return (pod.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length ?? 0) > 0;
}

// ---- host ports ----

const ANY_IP = '0.0.0.0';

/** Host ports in use on a node: ip → "protocol/port" (upstream's HostPortInfo). */
export class HostPortInfo {
  private readonly byIP = new Map<string, Map<string, number>>();

  add(p: HostPort): void {
    let m = this.byIP.get(p.ip);
    if (!m) this.byIP.set(p.ip, (m = new Map()));
    const k = `${p.protocol}/${p.port}`;
    m.set(k, (m.get(k) ?? 0) + 1);
  }

  remove(p: HostPort): void {
    const m = this.byIP.get(p.ip);
    if (!m) return;
    const k = `${p.protocol}/${p.port}`;
    const n = (m.get(k) ?? 0) - 1;
    if (n > 0) m.set(k, n); else m.delete(k);
    if (m.size === 0) this.byIP.delete(p.ip);
  }

  /** 0.0.0.0 conflicts with every address; any other address with itself and 0.0.0.0. */
  conflicts(p: HostPort): boolean {
    const k = `${p.protocol}/${p.port}`;
    if (p.ip === ANY_IP) {
      for (const m of this.byIP.values()) if (m.has(k)) return true;
      return false;
    }
    return !!this.byIP.get(p.ip)?.has(k) || !!this.byIP.get(ANY_IP)?.has(k);
  }

  get size(): number {
    return this.byIP.size;
  }

  clone(): HostPortInfo {
    const c = new HostPortInfo();
    for (const [ip, m] of this.byIP) c.byIP.set(ip, new Map(m));
    return c;
  }
}

// ---- NodeInfo ----

/** An image on some nodes: its size and on how many nodes it is (shared between NodeInfos). */
export interface ImageState { size: number; nodes: Set<string> }

let generationCounter = 0;
const nextGeneration = () => ++generationCounter;

/** A node and what is on it. Objects handed to plugins are read-only; preemption works on clones. */
export class NodeInfo {
  node: V1Node | undefined;
  pods: PodInfo[] = [];
  podsWithAffinity: PodInfo[] = [];
  podsWithRequiredAntiAffinity: PodInfo[] = [];
  usedPorts = new HostPortInfo();
  requested = emptyResource();
  nonZeroRequested = emptyResource();
  allocatable = emptyResource();
  imageStates = new Map<string, ImageState>();
  generation = nextGeneration();

  constructor(node?: V1Node) {
    if (node) this.setNode(node);
  }

  get name(): string {
    return this.node?.metadata?.name ?? '';
  }

  setNode(node: V1Node): void {
    this.node = node;
    this.allocatable = resourceFromList(node.status?.allocatable);
    this.generation = nextGeneration();
  }

  addPod(pi: PodInfo): void {
    this.pods.push(pi);
    if (podHasAffinity(pi.pod)) this.podsWithAffinity.push(pi);
    if (podHasRequiredAntiAffinity(pi.pod)) this.podsWithRequiredAntiAffinity.push(pi);
    this.account(pi, 1);
  }

  /** Removes the pod with this UID; false when it is not here. */
  removePod(uid: string): boolean {
    const i = this.pods.findIndex((p) => p.uid === uid);
    if (i < 0) return false;
    const pi = this.pods[i]!;
    this.pods[i] = this.pods[this.pods.length - 1]!;
    this.pods.pop();
    const drop = (list: PodInfo[]) => {
      const j = list.findIndex((p) => p.uid === uid);
      if (j >= 0) { list[j] = list[list.length - 1]!; list.pop(); }
    };
    drop(this.podsWithAffinity);
    drop(this.podsWithRequiredAntiAffinity);
    this.account(pi, -1);
    return true;
  }

  private account(pi: PodInfo, sign: 1 | -1): void {
    const r = pi.requests;
    this.requested.milliCPU += sign * r.milliCPU;
    this.requested.memory += sign * r.memory;
    this.requested.ephemeralStorage += sign * r.ephemeralStorage;
    if (r.scalar) {
      this.requested.scalar ??= new Map();
      for (const [k, v] of r.scalar) this.requested.scalar.set(k, (this.requested.scalar.get(k) ?? 0) + sign * v);
    }
    this.nonZeroRequested.milliCPU += sign * pi.nonZeroCPU;
    this.nonZeroRequested.memory += sign * pi.nonZeroMemory;
    for (const p of pi.hostPorts) {
      if (sign > 0) this.usedPorts.add(p); else this.usedPorts.remove(p);
    }
    this.generation = nextGeneration();
  }

  /** A copy whose pod lists and sums can change without touching this one (pods themselves are shared). */
  clone(): NodeInfo {
    const c = new NodeInfo();
    c.node = this.node;
    c.pods = [...this.pods];
    c.podsWithAffinity = [...this.podsWithAffinity];
    c.podsWithRequiredAntiAffinity = [...this.podsWithRequiredAntiAffinity];
    c.usedPorts = this.usedPorts.clone();
    c.requested = cloneResource(this.requested);
    c.nonZeroRequested = cloneResource(this.nonZeroRequested);
    c.allocatable = cloneResource(this.allocatable);
    c.imageStates = this.imageStates;
    c.generation = this.generation;
    return c;
  }
}
