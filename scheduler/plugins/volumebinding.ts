// VolumeBinding: pods with PersistentVolumeClaims go where their volumes can be (upstream's
// plugins/volumebinding: volume_binding.go, binder.go, assume_cache.go).
//   PreFilter  pods without claims skip; a missing, lost or terminating claim, or an unbound claim
//              of an Immediate class (the PV controller binds those), rejects the pod outright.
//   Filter     a bound claim's volume must allow the node (its node affinity); an unbound
//              WaitForFirstConsumer claim needs an Available volume the node can reach, or a class
//              with a provisioner whose allowedTopologies admit the node.
//   Score      upstream scores only with the alpha VolumeCapacityPriority gate: off, so none here.
//   Reserve    the chosen static volumes are assumed bound to this pod's claims in memory (and the
//              claims to provision assumed to carry selected-node), so later pods do not pick them.
//   PreBind    writes those decisions: pv.spec.claimRef for static volumes (the PV controller then
//              completes the bind), the volume.kubernetes.io/selected-node annotation on claims to
//              provision; then waits, up to the bind timeout, until every claim is fully bound.
//   Unreserve  drops the in-memory assumptions; nothing is written back (a selected-node already
//              written stays: the provisioner or PV controller removes it when provisioning fails).
import type { KubernetesObject, V1Node, V1PersistentVolume, V1PersistentVolumeClaim, V1Pod, V1StorageClass } from '@kubernetes/client-node';
import { Status, type ClusterEvent, type CycleState, type PluginFactory } from '../framework.ts';
import {
  ANN_SELECTED_NODE, claimClass, claimRequest, findMatchingVolume, isDelayBindingMode, volumeClass,
} from '../../machinery/volumes.ts';
import {
  bindVolumeToClaim, checkNodeAffinity, claimKey, ephemeralClaimError, isClaimFullyBound, matchTopologySelectorTerms,
  NOT_SUPPORTED_PROVISIONER, podVolumeClaimName, type ObjectLister,
} from '../volumes.ts';

export const VOLUME_BINDING = 'VolumeBinding';
export const ERR_REASON_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind";
export const ERR_REASON_NODE_CONFLICT = 'node(s) had volume node affinity conflict';
export const ERR_REASON_PV_NOT_EXIST = 'node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)';
export const ERR_UNBOUND_IMMEDIATE = 'pod has unbound immediate PersistentVolumeClaims';
/** Upstream's VolumeBindingArgs.BindTimeoutSeconds default: 600 s. */
export const DEFAULT_BIND_TIMEOUT_MS = 600_000;
/** Upstream polls the claims every second while waiting in PreBind. */
export const DEFAULT_BIND_POLL_INTERVAL_MS = 1_000;

const STATE_KEY = 'VolumeBinding';

export interface VolumeBindingOptions {
  /** The scheduler's informers ("namespace/name" keys for claims and pods). */
  claims: ObjectLister<V1PersistentVolumeClaim>;
  volumes: ObjectLister<V1PersistentVolume>;
  classes: ObjectLister<V1StorageClass>;
  pods: ObjectLister<V1Pod>;
  nodes: ObjectLister<V1Node>;
  /** PUTs: the resourceVersion they carry makes a concurrent change a conflict, as upstream's Update. */
  updateVolume(pv: V1PersistentVolume): Promise<V1PersistentVolume>;
  updateClaim(pvc: V1PersistentVolumeClaim): Promise<V1PersistentVolumeClaim>;
  /** Calls the listener on every claim or volume change (PreBind re-checks then, not only on its poll). */
  onChange?(listener: () => void): () => void;
  bindTimeoutMs?: number;
  pollIntervalMs?: number;
}

// ---- the assume cache ----

const rvOf = (o: KubernetesObject | undefined): bigint => {
  try {
    return BigInt(o?.metadata?.resourceVersion || '0');
  } catch {
    return 0n;
  }
};

/**
 * Informer objects overlaid with in-memory "assumed" versions (upstream's AssumeCache). An
 * assumption lasts until it is restored or the informer brings a newer version of the object
 * (then the API's word wins); reads see the assumption, getAPIObj the informer's object.
 */
export class AssumeCache<T extends KubernetesObject> {
  private readonly assumed = new Map<string, T>();

  constructor(private readonly description: string, private readonly source: ObjectLister<T>, private readonly keyOf: (o: T) => string) {}

  private notFound(key: string): Error {
    return new Error(`could not find ${this.description} "${key}"`);
  }

  get(key: string): T | undefined {
    const api = this.source.get(key);
    const a = this.assumed.get(key);
    if (!a) return api;
    if (!api || rvOf(api) > rvOf(a)) {
      this.assumed.delete(key);
      return api;
    }
    return a;
  }

  /** The object as the informer has it; throws when it has none. */
  getAPIObj(key: string): T {
    const o = this.source.get(key);
    if (!o) throw this.notFound(key);
    return o;
  }

  list(): T[] {
    return this.source.list().map((o) => this.get(this.keyOf(o)) ?? o);
  }

  /** Throws when the object is unknown or older than what the cache holds. */
  assume(obj: T): void {
    const key = this.keyOf(obj);
    const stored = this.get(key);
    if (!stored) throw this.notFound(key);
    const storedVersion = rvOf(stored);
    const newVersion = rvOf(obj);
    if (newVersion < storedVersion) throw new Error(`${this.description} "${key}" is out of sync (stored: ${storedVersion}, assume: ${newVersion})`);
    this.assumed.set(key, obj);
  }

  restore(key: string): void {
    this.assumed.delete(key);
  }

  isAssumed(key: string): boolean {
    return this.get(key) !== this.source.get(key);
  }
}

// ---- the binder ----

interface BindingInfo {
  pvc: V1PersistentVolumeClaim;
  pv: V1PersistentVolume;
}

/** The decisions for one node: claims bound to static volumes, and claims to provision. */
export interface PodVolumes {
  staticBindings: BindingInfo[];
  dynamicProvisions: V1PersistentVolumeClaim[];
}

interface PodVolumeClaims {
  boundClaims: V1PersistentVolumeClaim[];
  unboundClaimsDelayBinding: V1PersistentVolumeClaim[];
  unboundClaimsImmediate: V1PersistentVolumeClaim[];
  /** Candidate volumes per storage class of the delayed claims, read once per cycle. */
  unboundVolumesDelayBinding: Map<string, V1PersistentVolume[]>;
}

/** Shared by clones of the cycle state, as upstream's (its Clone returns itself). */
class StateData {
  allBound = false;
  readonly podVolumesByNode = new Map<string, PodVolumes>();
  constructor(readonly claims?: PodVolumeClaims) {}
}

const podName = (pod: V1Pod) => `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
const nameOf = (o: KubernetesObject) => o.metadata?.name ?? '';

/** Upstream's wait.PollUntilContextTimeout errors. */
const DEADLINE_EXCEEDED = 'context deadline exceeded';
const CANCELED = 'context canceled';

export class VolumeBinder {
  readonly pvcCache: AssumeCache<V1PersistentVolumeClaim>;
  readonly pvCache: AssumeCache<V1PersistentVolume>;
  private readonly bindTimeoutMs: number;
  private readonly pollIntervalMs: number;

  constructor(private readonly o: VolumeBindingOptions) {
    this.pvcCache = new AssumeCache('v1.PersistentVolumeClaim', o.claims, claimKey);
    this.pvCache = new AssumeCache('v1.PersistentVolume', o.volumes, nameOf);
    this.bindTimeoutMs = o.bindTimeoutMs ?? DEFAULT_BIND_TIMEOUT_MS;
    this.pollIntervalMs = o.pollIntervalMs ?? DEFAULT_BIND_POLL_INTERVAL_MS;
  }

  /**
   * podHasPVCs: whether the pod uses claims, or the reason it cannot be scheduled (a claim
   * missing, lost, being deleted, or an ephemeral volume's claim not the pod's own).
   */
  podHasPVCs(pod: V1Pod): { hasPVC: boolean; error?: string } {
    let hasPVC = false;
    for (const vol of pod.spec?.volumes ?? []) {
      const c = podVolumeClaimName(pod, vol);
      if (!c) continue;
      hasPVC = true;
      const pvc = this.o.claims.get(`${pod.metadata?.namespace ?? ''}/${c.name}`);
      if (!pvc) {
        // Directly after a pod with an ephemeral volume is created its claim is normally missing.
        return { hasPVC, error: c.ephemeral ? `waiting for ephemeral volume controller to create the persistentvolumeclaim "${c.name}"` : `persistentvolumeclaim "${c.name}" not found` };
      }
      if (pvc.status?.phase === 'Lost') return { hasPVC, error: `persistentvolumeclaim "${c.name}" bound to non-existent persistentvolume "${pvc.spec?.volumeName ?? ''}"` };
      if (pvc.metadata?.deletionTimestamp) return { hasPVC, error: `persistentvolumeclaim "${c.name}" is being deleted` };
      if (c.ephemeral) {
        const err = ephemeralClaimError(pod, pvc);
        if (err) return { hasPVC, error: err };
      }
    }
    return { hasPVC };
  }

  /** GetPodVolumeClaims: the pod's claims as bound, unbound delayed and unbound immediate (pre-bound ones count as immediate). Throws on errors. */
  getPodVolumeClaims(pod: V1Pod): PodVolumeClaims {
    const out: PodVolumeClaims = { boundClaims: [], unboundClaimsDelayBinding: [], unboundClaimsImmediate: [], unboundVolumesDelayBinding: new Map() };
    for (const vol of pod.spec?.volumes ?? []) {
      const c = podVolumeClaimName(pod, vol);
      if (!c) continue;
      const key = `${pod.metadata?.namespace ?? ''}/${c.name}`;
      const pvc = this.pvcCache.get(key);
      if (!pvc) throw new Error(`error getting PVC "${key}": could not find v1.PersistentVolumeClaim "${key}"`);
      if (c.ephemeral) {
        const err = ephemeralClaimError(pod, pvc);
        if (err) throw new Error(err);
      }
      if (isClaimFullyBound(pvc)) {
        out.boundClaims.push(pvc);
      } else if (isDelayBindingMode(claimClass(pvc), (name) => this.o.classes.get(name)) && !pvc.spec?.volumeName) {
        out.unboundClaimsDelayBinding.push(pvc);
      } else {
        out.unboundClaimsImmediate.push(pvc);
      }
    }
    for (const pvc of out.unboundClaimsDelayBinding) {
      const cls = claimClass(pvc);
      if (!out.unboundVolumesDelayBinding.has(cls)) out.unboundVolumesDelayBinding.set(cls, this.pvCache.list().filter((pv) => volumeClass(pv) === cls));
    }
    return out;
  }

  /**
   * FindPodVolumes: can this node serve the pod's claims? The reasons it cannot (in upstream's
   * order), and the decisions if it can. Throws on errors (a claim without a class, a class gone).
   */
  findPodVolumes(pod: V1Pod, claims: PodVolumeClaims, node: V1Node): { podVolumes: PodVolumes; reasons: string[] } {
    const podVolumes: PodVolumes = { staticBindings: [], dynamicProvisions: [] };
    let boundSatisfied = true;
    let boundPVsFound = true;
    let unboundSatisfied = true;
    const reasons = () => {
      const r: string[] = [];
      if (!boundSatisfied) r.push(ERR_REASON_NODE_CONFLICT);
      if (!unboundSatisfied) r.push(ERR_REASON_BIND_CONFLICT);
      if (!boundPVsFound) r.push(ERR_REASON_PV_NOT_EXIST);
      return { podVolumes, reasons: r };
    };

    // Bound claims: their volumes' node affinity; the first misfit decides.
    for (const pvc of claims.boundClaims) {
      const pv = this.pvCache.get(pvc.spec?.volumeName ?? '');
      if (!pv) { boundPVsFound = false; break; }
      if (checkNodeAffinity(pv, node.metadata?.labels) !== undefined) { boundSatisfied = false; break; }
    }

    const toBind = claims.unboundClaimsDelayBinding;
    if (toBind.length === 0) return reasons();
    const toMatch: V1PersistentVolumeClaim[] = [];
    let toProvision: V1PersistentVolumeClaim[] = [];
    for (const pvc of toBind) {
      const selected = pvc.metadata?.annotations?.[ANN_SELECTED_NODE];
      if (selected === undefined) { toMatch.push(pvc); continue; }
      // Provisioning was already started for a node: only that node will do.
      if (selected !== node.metadata?.name) { unboundSatisfied = false; return reasons(); }
      toProvision.push(pvc);
    }
    if (toMatch.length > 0) {
      const m = this.findMatchingVolumes(toMatch, claims, node);
      unboundSatisfied = m.foundMatches;
      podVolumes.staticBindings = m.bindings;
      toProvision = toProvision.concat(m.unbound);
    }
    if (toProvision.length > 0) {
      const p = this.checkVolumeProvisions(toProvision, node);
      unboundSatisfied = p.satisfied;
      podVolumes.dynamicProvisions = p.dynamicProvisions;
    }
    return reasons();
  }

  /** Smallest claims first, each to the smallest fitting volume not already chosen for this pod. */
  private findMatchingVolumes(toMatch: V1PersistentVolumeClaim[], claims: PodVolumeClaims, node: V1Node) {
    const sorted = [...toMatch].sort((a, b) => claimRequest(a).cmp(claimRequest(b)));
    const chosen = new Set<string>();
    const bindings: BindingInfo[] = [];
    const unbound: V1PersistentVolumeClaim[] = [];
    let foundMatches = true;
    for (const pvc of sorted) {
      const pvs = claims.unboundVolumesDelayBinding.get(claimClass(pvc)) ?? [];
      const pv = findMatchingVolume(pvc, pvs, {
        delayBinding: true, excluded: chosen, fitsNode: (v) => checkNodeAffinity(v, node.metadata?.labels) === undefined,
      });
      if (!pv) {
        unbound.push(pvc);
        foundMatches = false;
        continue;
      }
      chosen.add(nameOf(pv));
      bindings.push({ pv, pvc });
    }
    return { foundMatches, bindings, unbound };
  }

  /** Every remaining claim needs a class with a provisioner whose allowedTopologies admit the node. */
  private checkVolumeProvisions(toProvision: V1PersistentVolumeClaim[], node: V1Node): { satisfied: boolean; dynamicProvisions: V1PersistentVolumeClaim[] } {
    const dynamicProvisions: V1PersistentVolumeClaim[] = [];
    for (const pvc of toProvision) {
      const className = claimClass(pvc);
      if (!className) throw new Error(`no class for claim "${claimKey(pvc)}"`);
      const sc = this.o.classes.get(className);
      if (!sc) throw new Error(`failed to find storage class "${className}"`);
      if (!sc.provisioner || sc.provisioner === NOT_SUPPORTED_PROVISIONER) return { satisfied: false, dynamicProvisions: [] };
      if (!matchTopologySelectorTerms(sc.allowedTopologies, node.metadata?.labels)) return { satisfied: false, dynamicProvisions: [] };
      // Storage capacity (CSIStorageCapacity) is checked upstream only for CSI drivers that opt in.
      dynamicProvisions.push(pvc);
    }
    return { satisfied: true, dynamicProvisions };
  }

  /** arePodVolumesBound: every claim of the pod is fully bound (as the assume cache sees it). */
  private arePodVolumesBound(pod: V1Pod): boolean {
    for (const vol of pod.spec?.volumes ?? []) {
      const c = podVolumeClaimName(pod, vol);
      if (!c) continue;
      const pvc = this.pvcCache.get(`${pod.metadata?.namespace ?? ''}/${c.name}`);
      if (!pvc || !isClaimFullyBound(pvc)) return false;
      if (c.ephemeral && ephemeralClaimError(pod, pvc)) return false;
    }
    return true;
  }

  /**
   * AssumePodVolumes: the static volumes assumed bound to their claims and the claims to provision
   * assumed to carry selected-node, in memory; podVolumes then holds those assumed objects. True
   * when everything is bound already. Throws (after undoing its assumptions) on a stale object.
   */
  assumePodVolumes(pod: V1Pod, nodeName: string, podVolumes: PodVolumes): boolean {
    if (this.arePodVolumesBound(pod)) return true;
    const newBindings: BindingInfo[] = [];
    for (const b of podVolumes.staticBindings) {
      const { pv, dirty } = bindVolumeToClaim(b.pv, b.pvc);
      if (dirty) {
        try {
          this.pvCache.assume(pv);
        } catch (e) {
          this.revertAssumedPVs(newBindings);
          throw e;
        }
      }
      newBindings.push({ pv, pvc: b.pvc });
    }
    const newProvisioned: V1PersistentVolumeClaim[] = [];
    for (const claim of podVolumes.dynamicProvisions) {
      // Informer objects are shared: the annotated claim is a copy.
      const clone = structuredClone(claim);
      clone.metadata = { ...clone.metadata, annotations: { ...clone.metadata?.annotations, [ANN_SELECTED_NODE]: nodeName } };
      try {
        this.pvcCache.assume(clone);
      } catch (e) {
        this.revertAssumedPVs(newBindings);
        this.revertAssumedPVCs(newProvisioned);
        throw e;
      }
      newProvisioned.push(clone);
    }
    podVolumes.staticBindings = newBindings;
    podVolumes.dynamicProvisions = newProvisioned;
    return false;
  }

  revertAssumedPodVolumes(podVolumes: PodVolumes): void {
    this.revertAssumedPVs(podVolumes.staticBindings);
    this.revertAssumedPVCs(podVolumes.dynamicProvisions);
  }

  private revertAssumedPVs(bindings: readonly BindingInfo[]): void {
    for (const b of bindings) this.pvCache.restore(nameOf(b.pv));
  }

  private revertAssumedPVCs(claims: readonly V1PersistentVolumeClaim[]): void {
    for (const c of claims) this.pvcCache.restore(claimKey(c));
  }

  /** BindPodVolumes: the API writes, then the wait until the PV controller (and provisioner) finished. */
  async bindPodVolumes(pod: V1Pod, podVolumes: PodVolumes, signal: AbortSignal): Promise<void> {
    await this.bindAPIUpdate(podVolumes);
    try {
      await this.pollUntil(() => this.checkBindings(pod, podVolumes), signal);
    } catch (e) {
      throw new Error(`binding volumes: ${(e as Error).message}`);
    }
  }

  /**
   * Writes the claimRefs, then the selected-node annotations; keeps what the server returned (for
   * the resourceVersion checks) and, on a failure, restores the assumptions it did not write.
   */
  private async bindAPIUpdate(podVolumes: PodVolumes): Promise<void> {
    const bindings = podVolumes.staticBindings;
    const claims = podVolumes.dynamicProvisions;
    let bound = 0;
    let annotated = 0;
    try {
      for (const b of bindings) {
        b.pv = await this.o.updateVolume(b.pv);
        bound++;
      }
      for (let i = 0; i < claims.length; i++) {
        claims[i] = await this.o.updateClaim(claims[i]!);
        annotated++;
      }
    } finally {
      if (bound < bindings.length) this.revertAssumedPVs(bindings.slice(bound));
      if (annotated < claims.length) this.revertAssumedPVCs(claims.slice(annotated));
    }
  }

  /**
   * checkBindings, against the informers' objects (not the assumptions, which later cycles may
   * change): true once every claim is fully bound, false to keep waiting, throws when binding
   * failed and the pod must be scheduled again.
   */
  checkBindings(pod: V1Pod, podVolumes: PodVolumes): boolean {
    const nodeName = pod.spec?.nodeName ?? '';
    const node = this.o.nodes.get(nodeName);
    if (!node) throw new Error(`failed to get node "${nodeName}": node "${nodeName}" not found`);
    // A pod deleted meanwhile needs no volumes.
    if (!this.o.pods.get(podName(pod))) throw new Error(`pod does not exist any more: pod "${pod.metadata?.name ?? ''}" not found`);

    for (const b of podVolumes.staticBindings) {
      let pv: V1PersistentVolume;
      let pvc: V1PersistentVolumeClaim;
      try {
        pv = this.pvCache.getAPIObj(nameOf(b.pv));
        pvc = this.pvcCache.getAPIObj(claimKey(b.pvc));
      } catch (e) {
        throw new Error(`failed to check binding: ${(e as Error).message}`);
      }
      // The informer has not caught up with our own write yet.
      if (rvOf(b.pv) > rvOf(pv)) return false;
      const misfit = checkNodeAffinity(pv, node.metadata?.labels);
      if (misfit) throw new Error(`pv "${nameOf(pv)}" node affinity doesn't match node "${nodeName}": ${misfit}`);
      // The PV controller dropped the claimRef (unbindVolume).
      if (!pv.spec?.claimRef?.uid) throw new Error(`ClaimRef got reset for pv "${nameOf(pv)}"`);
      if (!isClaimFullyBound(pvc)) return false;
    }

    for (const claim of podVolumes.dynamicProvisions) {
      let pvc: V1PersistentVolumeClaim;
      try {
        pvc = this.pvcCache.getAPIObj(claimKey(claim));
      } catch (e) {
        throw new Error(`failed to check provisioning pvc: ${(e as Error).message}`);
      }
      if (rvOf(claim) > rvOf(pvc)) return false;
      const ann = pvc.metadata?.annotations;
      if (!ann) throw new Error(`selectedNode annotation reset for PVC "${nameOf(pvc)}"`);
      // A provisioner that fails removes selected-node: the signal to schedule the pod again.
      if (ann[ANN_SELECTED_NODE] !== nodeName) throw new Error(`provisioning failed for PVC "${nameOf(pvc)}"`);
      const volumeName = pvc.spec?.volumeName;
      if (volumeName) {
        const pv = this.o.volumes.get(volumeName);
        // Possibly not seen yet; a deleted volume unbinds the claim eventually.
        if (!pv) return false;
        const misfit = checkNodeAffinity(pv, node.metadata?.labels);
        if (misfit) throw new Error(`pv "${volumeName}" node affinity doesn't match node "${nodeName}": ${misfit}`);
      }
      if (!isClaimFullyBound(pvc)) return false;
    }
    return true;
  }

  /**
   * wait.PollUntilContextTimeout (not immediate): checks after each interval, and also whenever a
   * claim or volume changes; fails with "context deadline exceeded" after the bind timeout.
   */
  private async pollUntil(condition: () => boolean, signal: AbortSignal): Promise<void> {
    const deadline = Date.now() + this.bindTimeoutMs;
    for (;;) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(DEADLINE_EXCEEDED);
      await this.wake(Math.min(this.pollIntervalMs, remaining), signal);
      if (signal.aborted) throw new Error(CANCELED);
      if (condition()) return;
    }
  }

  private wake(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      let unsubscribe: (() => void) | undefined;
      const done = () => {
        clearTimeout(timer);
        unsubscribe?.();
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      unsubscribe = this.o.onChange?.(done);
    });
  }
}

// ---- the plugin ----

const stateOf = (state: CycleState): StateData | Status => state.read<StateData>(STATE_KEY) ?? Status.error('not found');

const EVENTS: readonly ClusterEvent[] = [
  // A new or changed class (allowedTopologies), claim or volume may make room; so may a node
  // whose labels now match a volume's node affinity or a class's topology.
  'StorageClass/Add', 'StorageClass/Update',
  'PersistentVolumeClaim/Add', 'PersistentVolumeClaim/Update',
  'PersistentVolume/Add', 'PersistentVolume/Update',
  'Node/Add', 'Node/UpdateLabel',
];

export function volumeBinding(o: VolumeBindingOptions): PluginFactory {
  return () => {
    const binder = new VolumeBinder(o);
    return {
      name: VOLUME_BINDING,
      events: EVENTS,
      preFilter(state, pi) {
        const pod = pi.pod;
        const has = binder.podHasPVCs(pod);
        if (has.error) return { status: Status.unresolvable(has.error) };
        if (!has.hasPVC) {
          state.write(STATE_KEY, new StateData());
          return { status: Status.skip() };
        }
        let claims: PodVolumeClaims;
        try {
          claims = binder.getPodVolumeClaims(pod);
        } catch (e) {
          return { status: Status.error((e as Error).message) };
        }
        // The PV controller binds immediate claims; the pod waits for that (a claim update moves it back).
        if (claims.unboundClaimsImmediate.length > 0) return { status: Status.unresolvable(ERR_UNBOUND_IMMEDIATE) };
        state.write(STATE_KEY, new StateData(claims));
        return undefined;
      },
      filter(state, pi, nodeInfo) {
        const s = stateOf(state);
        if (s instanceof Status) return s;
        const node = nodeInfo.node;
        if (!node) return Status.error('node not found');
        if (!s.claims) return undefined;
        let found: { podVolumes: PodVolumes; reasons: string[] };
        try {
          found = binder.findPodVolumes(pi.pod, s.claims, node);
        } catch (e) {
          return Status.error((e as Error).message);
        }
        if (found.reasons.length > 0) return Status.unresolvable(...found.reasons);
        s.podVolumesByNode.set(nodeInfo.name, found.podVolumes);
        return undefined;
      },
      reserve(state, pi, nodeName) {
        const s = stateOf(state);
        if (s instanceof Status) return s;
        const podVolumes = s.podVolumesByNode.get(nodeName);
        // None for pods without claims.
        if (!podVolumes) {
          s.allBound = true;
          return undefined;
        }
        try {
          s.allBound = binder.assumePodVolumes(pi.pod, nodeName, podVolumes);
        } catch (e) {
          return Status.error((e as Error).message);
        }
        return undefined;
      },
      unreserve(state, _pi, nodeName) {
        const s = state.read<StateData>(STATE_KEY);
        const podVolumes = s?.podVolumesByNode.get(nodeName);
        if (podVolumes) binder.revertAssumedPodVolumes(podVolumes);
      },
      async preBind(state, pod, nodeName, signal) {
        const s = stateOf(state);
        if (s instanceof Status) return s;
        if (s.allBound) return undefined;
        const podVolumes = s.podVolumesByNode.get(nodeName);
        if (!podVolumes) return Status.error(`no pod volumes found for node "${nodeName}"`);
        try {
          await binder.bindPodVolumes(pod, podVolumes, signal);
        } catch (e) {
          return Status.error((e as Error).message);
        }
        return undefined;
      },
    };
  };
}
