// ResourceQuota admission (upstream apiserver/pkg/admission/plugin/resourcequota): a write that
// would take a namespace past a quota's hard limits is refused with 403 `exceeded quota: …`;
// one that fits is charged into the quota's status.used BEFORE the object is written, with a
// compare-and-swap on the quota's resourceVersion, so concurrent creates can never together
// exceed the quota. Requests are batched per namespace (upstream's quota evaluator work queue):
// one pass reads the quotas, checks every waiting request in order against the running usage,
// and writes each changed quota once; a lost compare-and-swap re-reads that quota and checks
// the still-pending requests again, three times at most.
import * as errors from '../../machinery/errors.ts';
import {
  add, evaluatorFor, formatResourceList, lessThanOrEqual, mask, negativeResources, parseResourceList, prettyPrint,
  prettyPrintResourceNames, quotaMatches, removeZeros, resourceNames, subtractNonNegative,
  type QuotaEvaluator, type ResourceList, type ResourceQuotaLike,
} from '../../machinery/quota.ts';
import type { AdmitContext, KubeObject } from '../apis/types.ts';
import type { GenericRegistry } from '../registry/generic.ts';
import type { AdmissionAttributes, AdmissionPlugin } from '../pipeline/admission.ts';
import { nameOf, NamespacedLookup } from './util.ts';

export type ResourceQuota = KubeObject & ResourceQuotaLike;

/** One request's part in a quota check. */
export interface QuotaRequest {
  evaluator: QuotaEvaluator;
  operation: 'CREATE' | 'UPDATE';
  /** The object as it will be stored. */
  obj: KubeObject;
  /** The stored object, on update. */
  old?: KubeObject;
  dryRun: boolean;
  /** For messages: the resource and the object's name. */
  gr: errors.GroupResource;
  name: string;
}

const refuse = (req: QuotaRequest, reason: string) => errors.forbidden(req.gr, req.name, reason);

/** Whether the quota has recorded usage for every resource it limits that the request touches. */
function hasUsageStats(q: ResourceQuotaLike, restricted: readonly string[]): boolean {
  const used = q.status?.used ?? {};
  return resourceNames(q.status?.hard).every((r) => !restricted.includes(r) || r in used);
}

/**
 * What the quotas would be with this request charged (upstream's CheckRequest): the same array
 * when nothing is charged, else a copy with the charged quotas' status.used raised. Throws 403
 * when a covering quota has no usage recorded yet, the object lacks what a quota requires, or a
 * hard limit would be exceeded.
 */
export function checkRequest(quotas: readonly ResourceQuota[], req: QuotaRequest, now: Date): readonly ResourceQuota[] {
  const { evaluator: ev, obj } = req;
  const covering: number[] = [];
  for (const [i, q] of quotas.entries()) {
    if (!quotaMatches(q, ev, obj)) continue;
    const restricted = ev.matchingResources(resourceNames(q.status?.hard));
    const missing = ev.constraints?.(restricted, obj);
    if (missing) throw refuse(req, `failed quota: ${q.metadata?.name ?? ''}: ${missing}`);
    if (!hasUsageStats(q, restricted)) {
      throw refuse(req, `status unknown for quota: ${q.metadata?.name ?? ''}, resources: ${prettyPrintResourceNames(restricted)}`);
    }
    covering.push(i);
  }
  if (covering.length === 0) return quotas;
  const usage = ev.usage(obj, now);
  const negative = negativeResources(usage);
  if (negative.length) throw refuse(req, `quota usage is negative for resource(s): ${prettyPrintResourceNames(negative)}`);
  const deltas = new Map<number, ResourceList>(covering.map((i) => [i, usage]));
  if (req.operation === 'UPDATE') {
    if (!req.old) throw refuse(req, 'unable to get previous usage since prior version of object was not found');
    // An update charges only what it adds, to the quotas that covered the object before.
    if (req.old.metadata?.resourceVersion) {
      const delta = subtractNonNegative(usage, ev.usage(req.old, now));
      for (const i of covering) if (quotaMatches(quotas[i]!, ev, req.old)) deltas.set(i, delta);
    }
  }
  for (const [i, d] of deltas) {
    const nonZero = removeZeros(d);
    if (Object.keys(nonZero).length) deltas.set(i, nonZero); else deltas.delete(i);
  }
  if (deltas.size === 0) return quotas;
  const out = [...quotas];
  for (const [i, delta] of deltas) {
    const q = quotas[i]!;
    const hard = parseResourceList(q.status?.hard);
    const used = parseResourceList(q.status?.used);
    const requested = mask(delta, Object.keys(hard));
    const next = add(used, requested);
    const { allowed, exceeded } = lessThanOrEqual(mask(next, Object.keys(requested)), hard);
    if (!allowed) {
      throw refuse(req, `exceeded quota: ${q.metadata?.name ?? ''}, requested: ${prettyPrint(mask(requested, exceeded))}, used: ${prettyPrint(mask(used, exceeded))}, limited: ${prettyPrint(mask(hard, exceeded))}`);
    }
    out[i] = { ...q, status: { ...q.status, used: formatResourceList(next) } };
  }
  return out;
}

interface Waiter {
  req: QuotaRequest;
  resolve(): void;
  reject(e: unknown): void;
}

const rvOf = (q: KubeObject) => BigInt(q.metadata?.resourceVersion || '0');
const keyOf = (q: KubeObject) => `${q.metadata?.namespace ?? ''}/${q.metadata?.name ?? ''}`;

/** Quotas this server charged, newer than the watch cache may be yet (upstream's updatedQuotas). */
const MAX_REMEMBERED_QUOTAS = 1000;
/** How often a lost compare-and-swap is retried (upstream: 3). */
const MAX_RETRIES = 3;

/** The per-namespace batching and charging (upstream's quotaEvaluator with its quota accessor). */
export class QuotaCharger {
  private readonly waiting = new Map<string, Waiter[]>();
  private readonly draining = new Set<string>();
  private readonly remembered = new Map<string, ResourceQuota>();

  constructor(private readonly clock: () => Date = () => new Date()) {}

  /** The quotas of a namespace: the watch cache's (or a consistent read), with what this server wrote since. */
  async quotas(registry: GenericRegistry, namespace: string, consistent = false): Promise<ResourceQuota[]> {
    const listed = (await registry.list(namespace, consistent ? {} : { resourceVersion: '0' })).items as ResourceQuota[];
    return listed.map((q) => {
      const key = keyOf(q);
      const mine = this.remembered.get(key);
      if (!mine) return q;
      if (mine.metadata?.uid === q.metadata?.uid && rvOf(mine) > rvOf(q)) return mine;
      this.remembered.delete(key);
      return q;
    });
  }

  private remember(q: ResourceQuota): void {
    const key = keyOf(q);
    this.remembered.delete(key);
    this.remembered.set(key, q);
    if (this.remembered.size > MAX_REMEMBERED_QUOTAS) this.remembered.delete(this.remembered.keys().next().value!);
  }

  /** Checks and charges one request; resolves once its charge is written, rejects with why it may not be. */
  charge(registry: GenericRegistry, namespace: string, req: QuotaRequest): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const list = this.waiting.get(namespace) ?? [];
      list.push({ req, resolve, reject });
      this.waiting.set(namespace, list);
      if (!this.draining.has(namespace)) void this.drain(registry, namespace);
    });
  }

  private async drain(registry: GenericRegistry, namespace: string): Promise<void> {
    this.draining.add(namespace);
    try {
      for (;;) {
        const batch = this.waiting.get(namespace) ?? [];
        this.waiting.delete(namespace);
        if (batch.length === 0) return;
        try {
          // A consistent read: the watch cache may not yet have the usage the controller last recorded.
          await this.round(registry, namespace, await this.quotas(registry, namespace, true), batch, MAX_RETRIES);
        } catch (e) {
          for (const w of batch) w.reject(e);
        }
      }
    } finally {
      this.draining.delete(namespace);
    }
  }

  /**
   * One pass: every pending request checked in order against the running usage, then each
   * changed quota written with its resourceVersion as precondition. Requests whose quotas were
   * all written are admitted; on a lost write the pending ones are checked again against that
   * quota as it now is. As upstream, what a refused request had charged to another quota stays
   * charged until the controller recounts.
   */
  private async round(registry: GenericRegistry, namespace: string, quotas: readonly ResourceQuota[], pending: Waiter[], retries: number): Promise<void> {
    const now = this.clock();
    let running = quotas;
    const charged: Waiter[] = [];
    for (const w of pending) {
      let next: readonly ResourceQuota[];
      try {
        next = checkRequest(running, w.req, now);
      } catch (e) {
        w.reject(e);
        continue;
      }
      // A dry run is checked, never charged.
      if (w.req.dryRun || next === running) { w.resolve(); continue; }
      running = next;
      charged.push(w);
    }
    if (charged.length === 0) return;
    const lost: string[] = [];
    let lastError: unknown;
    for (const [i, q] of running.entries()) {
      const before = quotas[i]!;
      if (q === before) continue;
      try {
        const { obj } = await registry.update(namespace, q.metadata!.name!, (cur) => {
          if (!cur) throw errors.notFound(registry.gr, q.metadata!.name!);
          // The precondition: the quota as it was read.
          return { ...cur, metadata: { ...cur.metadata, resourceVersion: before.metadata?.resourceVersion }, status: { ...(cur.status as object), used: q.status?.used } };
        }, { subresource: 'status', fieldManager: 'kube-apiserver' });
        this.remember(obj as ResourceQuota);
      } catch (e) {
        lost.push(q.metadata!.name!);
        lastError = e;
      }
    }
    if (lost.length === 0) { for (const w of charged) w.resolve(); return; }
    if (retries <= 0) { for (const w of charged) w.reject(lastError); return; }
    const fresh = (await this.quotas(registry, namespace, true)).filter((q) => lost.includes(q.metadata?.name ?? ''));
    await this.round(registry, namespace, fresh, charged, retries - 1);
  }
}

/**
 * The object as the registry will store it: defaulted, through the resource's own admission
 * (a pod's priority class), prepared and validated. Quota charges only what will be written; a
 * request the registry would refuse fails here with the registry's own error, uncharged.
 */
async function asStored(a: AdmissionAttributes): Promise<KubeObject> {
  const reg = a.registry;
  const obj = structuredClone(a.obj);
  reg.def.strategy?.defaults?.(obj);
  if (reg.def.admit) {
    const ctx: AdmitContext = {
      operation: a.operation as 'CREATE' | 'UPDATE', namespace: a.namespace, dryRun: a.dryRun, registry: reg,
      registryFor: (g, v, p) => reg.registryFor(g, v, p), ...(a.old ? { old: a.old } : {}),
    };
    await reg.def.admit(obj, ctx);
  }
  return a.operation === 'CREATE' || !a.old ? reg.prepareCreate(a.namespace, obj, a.user) : reg.prepareUpdate(a.namespace, obj, a.old, '', a.user);
}

export function resourceQuota(opts: { clock?: () => Date } = {}): AdmissionPlugin {
  const charger = new QuotaCharger(opts.clock);
  const lookup = new NamespacedLookup('', 'v1', 'resourcequotas');
  return {
    name: 'ResourceQuota',
    handles: (a) => !!a.namespace && a.registry.def.namespaced && !a.subresource && (a.operation === 'CREATE' || a.operation === 'UPDATE'),
    async validate(a) {
      const ev = evaluatorFor({ group: a.registry.def.group, resource: a.registry.def.plural });
      if (!ev || !ev.handles(a.operation, a.subresource)) return;
      const quotaRegistry = a.registry.registryFor('', 'v1', 'resourcequotas');
      if (!quotaRegistry) return;
      // Most namespaces have no quota that tracks this kind: nothing more to do. A quota whose
      // status the cache has not caught up with yet counts by what its spec limits.
      const quotas = await lookup.list(a) as ResourceQuota[];
      if (!quotas.some((q) => ev.matchingResources([...resourceNames(q.spec?.hard), ...resourceNames(q.status?.hard)]).length > 0)) return;
      const obj = await asStored(a);
      await charger.charge(quotaRegistry, a.namespace, {
        evaluator: ev, operation: a.operation as 'CREATE' | 'UPDATE', obj, ...(a.old ? { old: a.old } : {}), dryRun: a.dryRun,
        gr: a.registry.gr, name: obj.metadata?.name || nameOf(a),
      });
    },
  };
}
