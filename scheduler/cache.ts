// The scheduler's cache (upstream's pkg/scheduler/backend/cache): every node as a NodeInfo with the
// pods on it, including "assumed" pods — chosen for a node and counted there at once, while their
// binding is still on its way to the API server. The informer's copy replaces an assumed pod when
// the binding lands; a failed binding forgets it. The snapshot a cycle reads is this cache itself:
// a cycle runs from pop to assume without awaiting, so nothing can change it meanwhile (upstream
// copies changed NodeInfos instead, as its cycle runs beside the informers' goroutines).
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import type { Snapshot } from './framework.ts';
import { NodeInfo, PodInfo, podHasAffinity, podHasRequiredAntiAffinity, type ImageState } from './nodeinfo.ts';

interface PodState {
  podInfo: PodInfo;
  nodeName: string;
  assumed: boolean;
  bindingFinished: boolean;
}

const ZONE = 'topology.kubernetes.io/zone';
const REGION = 'topology.kubernetes.io/region';

export class Cache implements Snapshot {
  private readonly nodes = new Map<string, NodeInfo>();
  private readonly podStates = new Map<string, PodState>();
  private readonly imageStates = new Map<string, ImageState>();
  private list: NodeInfo[] = [];
  private withAffinity: NodeInfo[] = [];
  private withRequiredAntiAffinity: NodeInfo[] = [];
  private listDirty = true;
  private affinityDirty = true;

  // ---- Snapshot ----

  get nodeInfoList(): readonly NodeInfo[] {
    this.refresh();
    return this.list;
  }

  get havePodsWithAffinityList(): readonly NodeInfo[] {
    this.refresh();
    return this.withAffinity;
  }

  get havePodsWithRequiredAntiAffinityList(): readonly NodeInfo[] {
    this.refresh();
    return this.withRequiredAntiAffinity;
  }

  /** The NodeInfo of a node that exists (not of a node known only from its pods). */
  get(nodeName: string): NodeInfo | undefined {
    const ni = this.nodes.get(nodeName);
    return ni?.node ? ni : undefined;
  }

  /** The snapshot a cycle reads (see the file comment). */
  snapshot(): Snapshot {
    this.refresh();
    return this;
  }

  nodeCount(): number {
    return this.nodeInfoList.length;
  }

  podCount(): number {
    return this.podStates.size;
  }

  private refresh(): void {
    if (this.listDirty) {
      this.list = zoneInterleaved([...this.nodes.values()].filter((n) => n.node));
      this.listDirty = false;
      this.affinityDirty = true;
    }
    if (this.affinityDirty) {
      this.withAffinity = this.list.filter((n) => n.podsWithAffinity.length > 0);
      this.withRequiredAntiAffinity = this.list.filter((n) => n.podsWithRequiredAntiAffinity.length > 0);
      this.affinityDirty = false;
    }
  }

  // ---- nodes ----

  addNode(node: V1Node): void {
    const name = node.metadata?.name ?? '';
    let ni = this.nodes.get(name);
    if (!ni) this.nodes.set(name, (ni = new NodeInfo()));
    else this.removeImages(ni);
    // The list changes with the set of nodes and their zones; anything else changes a NodeInfo in place.
    if (!ni.node || zoneKey(ni.node) !== zoneKey(node)) this.listDirty = true;
    ni.setNode(node);
    this.addImages(ni, node);
  }

  updateNode(_old: V1Node, node: V1Node): void {
    this.addNode(node);
  }

  /** Drops the node; its pods stay accounted (under a node-less NodeInfo) until they are deleted. */
  removeNode(node: V1Node): void {
    const name = node.metadata?.name ?? '';
    const ni = this.nodes.get(name);
    if (!ni) return;
    this.removeImages(ni);
    if (ni.pods.length === 0) this.nodes.delete(name);
    else ni.node = undefined;
    this.listDirty = true;
  }

  private addImages(ni: NodeInfo, node: V1Node): void {
    const name = node.metadata?.name ?? '';
    const mine = new Map<string, ImageState>();
    for (const image of node.status?.images ?? []) {
      for (const imageName of image.names ?? []) {
        let st = this.imageStates.get(imageName);
        if (!st) this.imageStates.set(imageName, (st = { size: image.sizeBytes ?? 0, nodes: new Set() }));
        st.nodes.add(name);
        if (!mine.has(imageName)) mine.set(imageName, st);
      }
    }
    ni.imageStates = mine;
  }

  private removeImages(ni: NodeInfo): void {
    for (const [imageName, st] of ni.imageStates) {
      st.nodes.delete(ni.name);
      if (st.nodes.size === 0) this.imageStates.delete(imageName);
    }
    ni.imageStates = new Map();
  }

  // ---- pods ----

  private nodeInfoFor(nodeName: string): NodeInfo {
    let ni = this.nodes.get(nodeName);
    if (!ni) this.nodes.set(nodeName, (ni = new NodeInfo()));
    return ni;
  }

  private place(pi: PodInfo, nodeName: string): void {
    this.nodeInfoFor(nodeName).addPod(pi);
    if (podHasAffinity(pi.pod) || podHasRequiredAntiAffinity(pi.pod)) this.affinityDirty = true;
  }

  private unplace(st: PodState): void {
    const ni = this.nodes.get(st.nodeName);
    if (!ni) return;
    ni.removePod(st.podInfo.uid);
    if (podHasAffinity(st.podInfo.pod) || podHasRequiredAntiAffinity(st.podInfo.pod)) this.affinityDirty = true;
    if (!ni.node && ni.pods.length === 0) this.nodes.delete(st.nodeName);
  }

  /** A pod chosen for pi.pod.spec.nodeName, counted there before its binding lands. */
  assumePod(pi: PodInfo): void {
    const uid = pi.uid;
    if (this.podStates.has(uid)) throw new Error(`pod ${pi.key} (${uid}) is already in the cache`);
    const nodeName = pi.pod.spec?.nodeName ?? '';
    this.place(pi, nodeName);
    this.podStates.set(uid, { podInfo: pi, nodeName, assumed: true, bindingFinished: false });
  }

  finishBinding(uid: string): void {
    const st = this.podStates.get(uid);
    if (st?.assumed) st.bindingFinished = true;
  }

  /** The binding failed: the assumed pod leaves its node. */
  forgetPod(uid: string): void {
    const st = this.podStates.get(uid);
    if (!st || !st.assumed) return;
    this.unplace(st);
    this.podStates.delete(uid);
  }

  isAssumed(uid: string): boolean {
    return this.podStates.get(uid)?.assumed === true;
  }

  /** An assigned pod from the informer; it replaces the assumed copy, if any. */
  addPod(pod: V1Pod): void {
    const uid = pod.metadata?.uid ?? '';
    const nodeName = pod.spec?.nodeName ?? '';
    const st = this.podStates.get(uid);
    if (st) {
      this.replace(st, pod, nodeName);
      st.assumed = false;
      return;
    }
    const pi = new PodInfo(pod);
    this.place(pi, nodeName);
    this.podStates.set(uid, { podInfo: pi, nodeName, assumed: false, bindingFinished: false });
  }

  updatePod(_old: V1Pod, pod: V1Pod): void {
    const uid = pod.metadata?.uid ?? '';
    const st = this.podStates.get(uid);
    if (!st) {
      this.addPod(pod);
      return;
    }
    this.replace(st, pod, pod.spec?.nodeName ?? '');
    st.assumed = false;
  }

  removePod(pod: V1Pod): void {
    const uid = pod.metadata?.uid ?? '';
    const st = this.podStates.get(uid);
    if (!st) return;
    this.unplace(st);
    this.podStates.delete(uid);
  }

  /** The cached pod with this UID (assumed or confirmed). */
  getPod(uid: string): V1Pod | undefined {
    return this.podStates.get(uid)?.podInfo.pod;
  }

  private replace(st: PodState, pod: V1Pod, nodeName: string): void {
    this.unplace(st);
    // Requests are parsed once per pod; resources only change with the spec (in-place resize).
    const sameResources = JSON.stringify(st.podInfo.pod.spec?.containers?.map((c) => c.resources)) === JSON.stringify(pod.spec?.containers?.map((c) => c.resources))
      && JSON.stringify(st.podInfo.pod.spec?.initContainers?.map((c) => c.resources)) === JSON.stringify(pod.spec?.initContainers?.map((c) => c.resources));
    st.podInfo = sameResources ? st.podInfo.withPod(pod) : new PodInfo(pod);
    st.nodeName = nodeName;
    this.place(st.podInfo, nodeName);
  }
}

function zoneKey(node: V1Node): string {
  const l = node.metadata?.labels ?? {};
  return `${l[REGION] ?? ''}:${l[ZONE] ?? ''}`;
}

/**
 * Nodes round-robin across zones (upstream's nodeTree), so that a cycle that looks at only part of
 * the nodes still sees every zone.
 */
export function zoneInterleaved(nodes: NodeInfo[]): NodeInfo[] {
  const zones = new Map<string, NodeInfo[]>();
  for (const n of nodes) {
    const k = zoneKey(n.node!);
    let z = zones.get(k);
    if (!z) zones.set(k, (z = []));
    z.push(n);
  }
  if (zones.size <= 1) return nodes;
  const lists = [...zones.values()];
  const out: NodeInfo[] = [];
  for (let i = 0; out.length < nodes.length; i++) {
    for (const z of lists) if (i < z.length) out.push(z[i]!);
  }
  return out;
}
