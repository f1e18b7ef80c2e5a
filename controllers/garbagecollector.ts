// The garbage collector (upstream pkg/controller/garbagecollector): informers over every resource
// that can be listed, watched and deleted build the graph of ownerReferences; one queue of object
// UIDs drives a level-triggered sync that
//   - deletes an object whose owners are all gone (Background), or that is owned only by owners
//     waiting for their dependents (Foreground), with upstream's choice of propagation policy;
//   - strips references to gone owners from an object that still has a live owner;
//   - for an owner being deleted with the `orphan` finalizer, removes the references to it from
//     its dependents, then the finalizer;
//   - for an owner being deleted with `foregroundDeletion`, has its dependents deleted and drops
//     the finalizer once no dependent with blockOwnerDeletion remains.
// The API server completes a deletion when the last finalizer goes.
import type { KubernetesObject, V1OwnerReference } from '@kubernetes/client-node';
import {
  discoverResources, isConflict, isNotFound, supportsVerbs, toResource, WorkQueue, runWorkers, sleep, resourceId,
  type APIResourceInfo, type Controller, type ControllerEnv, type Resource, type RestClient,
} from '../client/index.ts';

export const FINALIZER_ORPHAN = 'orphan';
export const FINALIZER_FOREGROUND = 'foregroundDeletion';

/** Upstream's default ignored resources: events are never owners worth tracking. */
const IGNORED = new Set(['/events', 'events.k8s.io/events']);

export interface GarbageCollectorOptions {
  workers?: number;
  /** How often discovery runs again to pick up new or removed resources (upstream: 30 s). */
  rediscoverMs?: number;
  maxLen?: number;
}

interface Node {
  uid: string;
  info: APIResourceInfo;
  res: Resource;
  obj: KubernetesObject;
}

const hasFinalizer = (o: KubernetesObject, f: string) => (o.metadata?.finalizers ?? []).includes(f);
const beingDeleted = (o: KubernetesObject) => !!o.metadata?.deletionTimestamp;
/** An owner in foreground deletion: its dependents go first. */
const deletingDependents = (o: KubernetesObject) => beingDeleted(o) && hasFinalizer(o, FINALIZER_FOREGROUND);
const refsOf = (o: KubernetesObject): V1OwnerReference[] => o.metadata?.ownerReferences ?? [];
const plainRef = (r: V1OwnerReference): V1OwnerReference => ({
  apiVersion: r.apiVersion, kind: r.kind, name: r.name, uid: r.uid,
  ...(r.controller !== undefined ? { controller: r.controller } : {}),
  ...(r.blockOwnerDeletion !== undefined ? { blockOwnerDeletion: r.blockOwnerDeletion } : {}),
});

/** Upstream's classifyReferences. */
export interface OwnerClassification {
  solid: V1OwnerReference[];
  dangling: V1OwnerReference[];
  waitingForDependentsDeletion: V1OwnerReference[];
}

export type DependentAction =
  | { action: 'none' }
  | { action: 'removeReferences'; uids: string[] }
  | { action: 'delete'; policy: 'Foreground' | 'Background' | 'Orphan' };

/**
 * What to do with an object given how its owners stand: upstream attemptToDeleteItem's decision.
 * `hasDependents` says whether the object itself owns anything.
 */
export function decideForDependent(obj: KubernetesObject, owners: OwnerClassification, hasDependents: boolean): DependentAction {
  if (owners.solid.length > 0) {
    const gone = [...owners.dangling, ...owners.waitingForDependentsDeletion].map((r) => r.uid);
    return gone.length > 0 ? { action: 'removeReferences', uids: gone } : { action: 'none' };
  }
  // An owner waits for its dependents: propagate foreground through an object that owns others.
  if (owners.waitingForDependentsDeletion.length > 0 && hasDependents) return { action: 'delete', policy: 'Foreground' };
  if (hasFinalizer(obj, FINALIZER_ORPHAN)) return { action: 'delete', policy: 'Orphan' };
  if (hasFinalizer(obj, FINALIZER_FOREGROUND)) return { action: 'delete', policy: 'Foreground' };
  return { action: 'delete', policy: 'Background' };
}

/** A small set that forgets its oldest entries (upstream's absentOwnerCache, an LRU). */
class BoundedSet {
  private readonly items = new Set<string>();
  constructor(private readonly max: number) {}
  has(k: string): boolean { return this.items.has(k); }
  add(k: string): void {
    this.items.delete(k);
    this.items.add(k);
    if (this.items.size > this.max) this.items.delete(this.items.values().next().value!);
  }
  delete(k: string): void { this.items.delete(k); }
}

export class GarbageCollector {
  private readonly nodes = new Map<string, Node>();
  /** Owner UID → UIDs of the objects that reference it. */
  private readonly dependents = new Map<string, Set<string>>();
  private readonly absentOwners = new BoundedSet(500);
  /** "apiVersion/Kind" → resource, for owner lookups. */
  private mapping = new Map<string, APIResourceInfo>();
  private readonly monitors = new Map<string, { res: Resource; remove: () => void }>();
  readonly queue: WorkQueue<string>;
  private readonly rest: RestClient;

  constructor(private readonly env: ControllerEnv, private readonly opts: GarbageCollectorOptions = {}) {
    this.rest = env.clients.rest;
    this.queue = new WorkQueue<string>({ name: 'garbagecollector', maxLen: opts.maxLen, onDrop: () => { this.dropped = true; } });
  }

  private dropped = false;
  private log = (msg: string) => this.env.log(`garbagecollector: ${msg}`);

  async run(signal: AbortSignal): Promise<void> {
    const onAbort = () => this.queue.shutDown();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      // Discovery must work once before anything is collected.
      for (let delay = 500; !signal.aborted; delay = Math.min(delay * 2, 10_000)) {
        try {
          await this.resyncMonitors(signal);
          break;
        } catch (e) {
          this.log(`discovery failed: ${(e as Error).message}`);
          await sleep(delay, signal);
        }
      }
      this.env.informers.start(signal);
      if (!(await this.env.informers.waitForSync(signal))) return;
      this.log(`caches synced for ${this.monitors.size} resources, starting workers`);
      const rediscover = (async () => {
        while (!signal.aborted) {
          await sleep(this.opts.rediscoverMs ?? 30_000, signal);
          if (signal.aborted) break;
          try { await this.resyncMonitors(signal); } catch (e) { this.log(`discovery failed: ${(e as Error).message}`); }
        }
      })();
      await runWorkers(this.queue, this.opts.workers ?? 5, (uid) => this.sync(uid, signal).catch((e: unknown) => {
        throw new Error(`${this.describe(uid)}: ${(e as Error)?.message ?? String(e)}`);
      }), signal, this.log, () => {
        if (this.dropped && this.queue.size() < this.queue.maxLen / 2) {
          this.dropped = false;
          for (const uid of this.nodes.keys()) if (!this.queue.add(uid)) break;
        }
      });
      await rediscover;
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.queue.shutDown();
      for (const m of this.monitors.values()) m.remove();
      this.monitors.clear();
    }
  }

  /** Monitors every resource that supports list, watch and delete (upstream's GetDeletableResources). */
  private async resyncMonitors(signal: AbortSignal): Promise<void> {
    const { resources } = await discoverResources(this.rest, signal);
    const mapping = new Map<string, APIResourceInfo>();
    for (const r of resources) mapping.set(`${r.group ? `${r.group}/` : ''}${r.version}/${r.kind}`, r);
    this.mapping = mapping;
    const wanted = resources.filter((r) => supportsVerbs(r, 'list', 'watch', 'delete') && !IGNORED.has(`${r.group}/${r.plural}`));
    const ids = new Set(wanted.map((r) => resourceId(r)));
    for (const [id, m] of this.monitors) {
      if (ids.has(id)) continue;
      m.remove();
      this.monitors.delete(id);
      await this.env.informers.stop(m.res);
    }
    for (const info of wanted) {
      const id = resourceId(info);
      if (this.monitors.has(id)) continue;
      const res = toResource(info);
      const informer = this.env.informers.informerFor(res);
      const remove = informer.addEventHandler({
        onAdd: (o) => this.observe(info, res, o),
        onUpdate: (_old, o) => this.observe(info, res, o),
        onDelete: (o) => this.forget(o),
      });
      this.monitors.set(id, { res, remove });
    }
  }

  /** An object added or changed: update the graph and queue what may need work. */
  private observe(info: APIResourceInfo, res: Resource, obj: KubernetesObject): void {
    const uid = obj.metadata?.uid;
    if (!uid) return;
    const prev = this.nodes.get(uid);
    const before = new Set(prev ? refsOf(prev.obj).map((r) => r.uid) : []);
    const after = new Set(refsOf(obj).map((r) => r.uid));
    this.nodes.set(uid, { uid, info, res, obj });
    this.absentOwners.delete(uid);
    for (const o of before) if (!after.has(o)) { this.unlink(o, uid); this.queue.add(o); }
    for (const o of after) if (!before.has(o)) this.link(o, uid);
    if (after.size > 0 || beingDeleted(obj)) this.queue.add(uid);
  }

  /** An object gone: its owners may stop waiting, its dependents may now be orphans. */
  private forget(obj: KubernetesObject): void {
    const uid = obj.metadata?.uid;
    if (!uid) return;
    const node = this.nodes.get(uid);
    if (!node) return;
    this.nodes.delete(uid);
    this.absentOwners.add(uid);
    for (const r of refsOf(node.obj)) { this.unlink(r.uid, uid); this.queue.add(r.uid); }
    for (const d of this.dependents.get(uid) ?? []) this.queue.add(d);
  }

  private link(owner: string, dependent: string): void {
    let set = this.dependents.get(owner);
    if (!set) this.dependents.set(owner, (set = new Set()));
    set.add(dependent);
  }

  private unlink(owner: string, dependent: string): void {
    const set = this.dependents.get(owner);
    if (!set) return;
    set.delete(dependent);
    if (set.size === 0) this.dependents.delete(owner);
  }

  private dependentsOf(uid: string): Node[] {
    return [...(this.dependents.get(uid) ?? [])].map((d) => this.nodes.get(d)).filter((n): n is Node => n !== undefined);
  }

  /** "Kind namespace/name" of a UID, for logs. */
  private describe(uid: string): string {
    const n = this.nodes.get(uid);
    if (!n) return uid;
    const ns = n.obj.metadata?.namespace;
    return `${n.info.kind} ${ns ? `${ns}/` : ''}${n.obj.metadata?.name ?? ''}`;
  }

  /** The level-triggered step for one object. */
  async sync(uid: string, signal: AbortSignal): Promise<void> {
    const node = this.nodes.get(uid);
    if (!node) return;
    const obj = node.obj;
    if (beingDeleted(obj)) {
      if (hasFinalizer(obj, FINALIZER_ORPHAN)) return this.orphanDependents(node, signal);
      if (hasFinalizer(obj, FINALIZER_FOREGROUND)) return this.processDeletingDependents(node, signal);
      return;
    }
    const refs = refsOf(obj);
    if (refs.length === 0) return;
    const owners = await this.classify(obj, refs, signal);
    const decision = decideForDependent(obj, owners, (this.dependents.get(uid)?.size ?? 0) > 0);
    const ns = obj.metadata?.namespace ?? '';
    const name = obj.metadata?.name ?? '';
    switch (decision.action) {
      case 'none':
        return;
      case 'removeReferences':
        await this.removeOwnerReferences(node, decision.uids, signal);
        return;
      case 'delete':
        try {
          // The preconditions make a stale cache harmless: a changed object is a conflict, retried.
          await this.rest.delete(node.res, ns, name, {
            propagationPolicy: decision.policy,
            preconditions: { uid, resourceVersion: obj.metadata?.resourceVersion },
          }, { signal });
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
    }
  }

  private async classify(obj: KubernetesObject, refs: V1OwnerReference[], signal: AbortSignal): Promise<OwnerClassification> {
    const out: OwnerClassification = { solid: [], dangling: [], waitingForDependentsDeletion: [] };
    for (const ref of refs) {
      const cached = this.nodes.get(ref.uid);
      if (cached) {
        (deletingDependents(cached.obj) ? out.waitingForDependentsDeletion : out.solid).push(ref);
        continue;
      }
      if (this.absentOwners.has(ref.uid)) {
        out.dangling.push(ref);
        continue;
      }
      // Not in the graph: the cache may be behind, so ask the API server (upstream's isDangling).
      const info = this.mapping.get(`${ref.apiVersion}/${ref.kind}`);
      if (!info) throw new Error(`owner ${ref.apiVersion}/${ref.kind} ${ref.name}: kind not served`);
      // A cluster-scoped object cannot be owned by a namespaced one; such a reference is dangling.
      if (info.namespaced && !obj.metadata?.namespace) {
        out.dangling.push(ref);
        continue;
      }
      try {
        const live = await this.rest.get(toResource(info), info.namespaced ? obj.metadata!.namespace! : '', ref.name, { signal });
        if (live.metadata?.uid !== ref.uid) {
          this.absentOwners.add(ref.uid);
          out.dangling.push(ref);
        } else {
          (deletingDependents(live) ? out.waitingForDependentsDeletion : out.solid).push(ref);
        }
      } catch (e) {
        if (!isNotFound(e)) throw e;
        this.absentOwners.add(ref.uid);
        out.dangling.push(ref);
      }
    }
    return out;
  }

  /** Foreground: dependents go first; the owner's finalizer goes when no blocking dependent remains. */
  private async processDeletingDependents(node: Node, signal: AbortSignal): Promise<void> {
    const deps = this.dependentsOf(node.uid);
    const blocking = deps.filter((d) => refsOf(d.obj).some((r) => r.uid === node.uid && r.blockOwnerDeletion === true));
    if (blocking.length === 0) {
      await this.removeFinalizer(node, FINALIZER_FOREGROUND, signal);
      return;
    }
    for (const d of deps) if (!beingDeleted(d.obj)) this.queue.add(d.uid);
  }

  /** Orphan: every dependent loses its reference to the owner, then the owner its finalizer. */
  private async orphanDependents(node: Node, signal: AbortSignal): Promise<void> {
    for (const d of this.dependentsOf(node.uid)) await this.removeOwnerReferences(d, [node.uid], signal);
    await this.removeFinalizer(node, FINALIZER_ORPHAN, signal);
  }

  /** A merge patch of the live object's remaining references, conditional on its resourceVersion. */
  private async removeOwnerReferences(node: Node, uids: string[], signal: AbortSignal): Promise<void> {
    await this.retryOnConflict(node, signal, (live) => {
      const refs = refsOf(live);
      const keep = refs.filter((r) => !uids.includes(r.uid));
      if (keep.length === refs.length) return undefined;
      return { metadata: { ownerReferences: keep.length ? keep.map(plainRef) : null, resourceVersion: live.metadata?.resourceVersion } };
    });
  }

  /** Upstream's removeFinalizer: a merge patch of the remaining finalizers with the resourceVersion. */
  private async removeFinalizer(node: Node, finalizer: string, signal: AbortSignal): Promise<void> {
    await this.retryOnConflict(node, signal, (live) => {
      const fins = live.metadata?.finalizers ?? [];
      if (!fins.includes(finalizer)) return undefined;
      const keep = fins.filter((f) => f !== finalizer);
      return { metadata: { finalizers: keep.length ? keep : null, resourceVersion: live.metadata?.resourceVersion } };
    });
  }

  /** Reads the object live, computes a patch from it, and retries on conflict (client-go's RetryOnConflict: 5 tries). */
  private async retryOnConflict(node: Node, signal: AbortSignal, patchOf: (live: KubernetesObject) => unknown): Promise<void> {
    const ns = node.obj.metadata?.namespace ?? '';
    const name = node.obj.metadata?.name ?? '';
    for (let attempt = 0; ; attempt++) {
      let live: KubernetesObject;
      try {
        live = await this.rest.get(node.res, ns, name, { signal });
      } catch (e) {
        if (isNotFound(e)) return;
        throw e;
      }
      if (live.metadata?.uid !== node.uid) return;
      const patch = patchOf(live);
      if (patch === undefined) return;
      try {
        await this.rest.patch(node.res, ns, name, patch, { type: 'merge', signal });
        return;
      } catch (e) {
        if (isNotFound(e)) return;
        if (!isConflict(e) || attempt >= 4) throw e;
      }
    }
  }
}

export function garbageCollector(opts: GarbageCollectorOptions = {}): Controller {
  return {
    name: 'garbagecollector',
    run: (env, signal) => new GarbageCollector(env, opts).run(signal),
  };
}

export const garbageCollectorController = garbageCollector();
