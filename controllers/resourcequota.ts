// The resource quota controller (upstream pkg/controller/resourcequota): for every ResourceQuota,
// status.hard mirrors spec.hard and status.used is the usage of the objects in its namespace
// (pods' count and compute requests and limits, services, claims, object counts of configmaps,
// secrets, replication controllers, quotas and any `count/<resource>.<group>`). ResourceQuota
// admission raises status.used as it admits; this controller recomputes it from its informers
// when a quota is new or its limits change, when objects that free usage are deleted (or a pod
// finishes, a service changes type, a claim is resized), and on a full resync. It does not
// recompute on creations: admission has charged them already, and a recount from caches that
// have not yet seen an admitted object would hand its share out a second time.
import type { KubernetesObject, V1PersistentVolumeClaim, V1Pod, V1ResourceQuota, V1Service } from '@kubernetes/client-node';
import {
  discoverResources, isConflict, isNotFound, keyOf, resource, runWorkers, splitKey, toResource, WorkQueue,
  type APIResourceInfo, type Controller, type ControllerEnv, type Informer, type Resource,
} from '../client/index.ts';
import { configMaps, persistentVolumeClaims, pods, replicationControllers, secrets, services } from '../client/resources.ts';
import {
  calculateUsage, equals, evaluatorFor, formatResourceList, mask, parseObjectCountName, parseResourceList,
  podCountsForQuota, quotaServiceType, resourceNames, type GroupResource, type ResourceList,
} from '../machinery/quota.ts';

export const resourceQuotas = resource<V1ResourceQuota>('v1/resourcequotas', { model: 'V1ResourceQuota', kind: 'ResourceQuota', namespaced: true });

export interface ResourceQuotaControllerOptions {
  /** Upstream's --concurrent-resource-quota-syncs. */
  workers?: number;
  /** Upstream's --resource-quota-sync-period: every quota is recomputed this often. */
  resyncMs?: number;
  now?: () => Date;
}

const grKey = (gr: GroupResource) => `${gr.group}/${gr.resource}`;

/** The kinds whose objects quota counts by name, watched from the start. */
const STATIC: Array<{ res: Resource; gr: GroupResource }> = [
  { res: pods, gr: { group: '', resource: 'pods' } },
  { res: services, gr: { group: '', resource: 'services' } },
  { res: persistentVolumeClaims, gr: { group: '', resource: 'persistentvolumeclaims' } },
  { res: configMaps, gr: { group: '', resource: 'configmaps' } },
  { res: secrets, gr: { group: '', resource: 'secrets' } },
  { res: replicationControllers, gr: { group: '', resource: 'replicationcontrollers' } },
  { res: resourceQuotas, gr: { group: '', resource: 'resourcequotas' } },
];

/** Whether a quota's status still lacks what its spec asks for (upstream's addQuota priority test). */
function statusBehind(q: V1ResourceQuota): boolean {
  const hard = parseResourceList(q.spec?.hard);
  if (!q.status?.hard || !equals(hard, parseResourceList(q.status.hard))) return true;
  const used = q.status.used ?? {};
  return Object.keys(q.status.hard).some((r) => !(r in used));
}

/** An update that frees usage (upstream's quota monitor update filter). */
function freesUsage(gr: GroupResource, old: KubernetesObject, obj: KubernetesObject, now: Date): boolean {
  switch (grKey(gr)) {
    case '/pods': return podCountsForQuota(old as V1Pod, now) && !podCountsForQuota(obj as V1Pod, now);
    case '/services': return quotaServiceType(old as V1Service) !== quotaServiceType(obj as V1Service);
    case '/persistentvolumeclaims': {
      const size = (c: V1PersistentVolumeClaim) => c.spec?.resources?.requests?.storage ?? '';
      return size(old as V1PersistentVolumeClaim) !== size(obj as V1PersistentVolumeClaim);
    }
    default: return false;
  }
}

class ResourceQuotaController {
  private readonly queue = new WorkQueue<string>({ name: 'resourcequota' });
  private readonly monitors = new Map<string, Informer<KubernetesObject>>();
  private readonly removers: Array<() => void> = [];
  private quotas!: Informer<V1ResourceQuota>;
  private discovered = new Map<string, APIResourceInfo>();
  private discoveredAt = 0;
  private readonly now: () => Date;
  private readonly log: (msg: string) => void;

  constructor(private readonly env: ControllerEnv, private readonly opts: ResourceQuotaControllerOptions) {
    this.now = opts.now ?? (() => new Date());
    this.log = (msg) => env.log(`resourcequota: ${msg}`);
  }

  async run(signal: AbortSignal): Promise<void> {
    const onAbort = () => this.queue.shutDown();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      this.quotas = this.env.informers.informerFor(resourceQuotas);
      this.removers.push(this.quotas.addEventHandler({
        onAdd: (q) => this.queue.add(keyOf(q)),
        onUpdate: (old, q) => {
          // A status write by admission changes nothing the controller must redo.
          if (!equals(parseResourceList(old.spec?.hard), parseResourceList(q.spec?.hard)) || statusBehind(q)) this.queue.add(keyOf(q));
        },
      }));
      for (const { res, gr } of STATIC) this.monitor(gr, this.env.informers.informerFor(res as Resource<KubernetesObject>));
      this.env.informers.start(signal);
      if (!(await this.env.informers.waitForSync(signal))) return;
      this.log('caches synced, starting workers');
      const resync = setInterval(() => { for (const k of this.quotas.keys()) this.queue.add(k); }, this.opts.resyncMs ?? 5 * 60_000);
      try {
        await runWorkers(this.queue, this.opts.workers ?? 5, (key) => this.sync(key, signal), signal, this.log);
      } finally {
        clearInterval(resync);
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.queue.shutDown();
      for (const r of this.removers) r();
    }
  }

  /** Watches one kind: deletions, and updates that free usage, send its namespace's quotas to be recomputed. */
  private monitor(gr: GroupResource, informer: Informer<KubernetesObject>): void {
    this.monitors.set(grKey(gr), informer);
    this.removers.push(informer.addEventHandler({
      onUpdate: (old, obj) => { if (freesUsage(gr, old, obj, this.now())) this.replenish(gr, obj.metadata?.namespace ?? ''); },
      onDelete: (obj) => this.replenish(gr, obj.metadata?.namespace ?? ''),
    }));
  }

  /** Queues the quotas of a namespace that track the kind (upstream's replenishQuota). */
  private replenish(gr: GroupResource, namespace: string): void {
    const ev = evaluatorFor(gr);
    if (!ev || !namespace) return;
    for (const q of this.quotas.list(namespace)) {
      if (ev.matchingResources(resourceNames(q.status?.hard)).length) this.queue.add(keyOf(q));
    }
  }

  /**
   * The informer of a kind counted by `count/<resource>.<group>`, started on first use from
   * discovery (its preferred version); undefined when the API server does not serve it.
   */
  private async monitorFor(gr: GroupResource, signal: AbortSignal): Promise<Informer<KubernetesObject> | undefined> {
    const known = this.monitors.get(grKey(gr));
    if (known) return known;
    if (!this.discovered.has(grKey(gr)) && Date.now() - this.discoveredAt > 10_000) {
      const { resources } = await discoverResources(this.env.clients.rest, signal);
      this.discovered = new Map(resources.filter((r) => r.verbs.includes('list') && r.verbs.includes('watch')).map((r) => [grKey({ group: r.group, resource: r.plural }), r]));
      this.discoveredAt = Date.now();
    }
    const info = this.discovered.get(grKey(gr));
    if (!info || !info.namespaced) return undefined;
    const informer = this.env.informers.informerFor(toResource(info));
    this.monitor(gr, informer);
    await informer.waitForSync(signal);
    return informer;
  }

  private async sync(key: string, signal: AbortSignal): Promise<void> {
    const q = this.quotas.get(key);
    if (!q) return;
    const { namespace } = splitKey(key);
    for (const name of Object.keys(q.spec?.hard ?? {})) {
      const gr = parseObjectCountName(name);
      if (gr) await this.monitorFor(gr, signal);
    }
    const now = this.now();
    const { used: observed } = calculateUsage(q, (gr) => this.monitors.get(grKey(gr))?.list(namespace), now);
    const hardNames = Object.keys(q.spec?.hard ?? {});
    // What could not be measured keeps its last recorded usage.
    const previous = parseResourceList(q.status?.used);
    const used: ResourceList = mask({ ...previous, ...observed }, hardNames);
    const dirty = !q.status?.hard || !q.status.used || statusBehind(q) || !equals(used, previous);
    if (!dirty) return;
    const next: V1ResourceQuota = {
      ...q,
      status: { hard: formatResourceList(parseResourceList(q.spec?.hard)), used: formatResourceList(used) },
    };
    try {
      await this.env.clients.rest.update(resourceQuotas, namespace, next, { subresource: 'status', signal });
    } catch (e) {
      if (isNotFound(e)) return;
      // Admission charged the quota meanwhile: recompute once the informer has the newer state.
      if (isConflict(e)) { this.queue.addAfter(key, 50); return; }
      throw e;
    }
  }
}

/** The quota controller, as kube-controller-manager's "resourcequota" controller. */
export function resourceQuotaController(opts: ResourceQuotaControllerOptions = {}): Controller {
  return { name: 'resourcequota', run: (env, signal) => new ResourceQuotaController(env, opts).run(signal) };
}
