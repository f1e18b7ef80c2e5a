// What the admission plugins share: which resource a request is for, the name upstream's
// admission errors print, 403 Forbidden in upstream's form, and reads of other resources.
import * as errors from '../../machinery/errors.ts';
import type { KubeObject } from '../apis/types.ts';
import type { AdmissionAttributes } from '../pipeline/admission.ts';

export const isResource = (a: AdmissionAttributes, group: string, plural: string): boolean =>
  a.registry.def.group === group && a.registry.def.plural === plural;

/**
 * The name an admission error names (upstream's extractResourceName): the object's name, its
 * generateName before one is generated, else "Unknown".
 */
export function nameOf(a: AdmissionAttributes): string {
  return a.obj.metadata?.name || a.obj.metadata?.generateName || 'Unknown';
}

/** Upstream's admission.NewForbidden: `<resource> "<name>" is forbidden: <reason>`. */
export function forbidden(a: AdmissionAttributes, reason: string): errors.StatusError {
  return errors.forbidden(a.registry.gr, nameOf(a), reason);
}

/**
 * Objects of another resource in the request's namespace, from the watch cache (upstream's
 * plugins read informers): a moment stale at worst.
 */
export async function listCached(a: AdmissionAttributes, group: string, version: string, plural: string, namespace = a.namespace): Promise<KubeObject[]> {
  const reg = a.registry.registryFor(group, version, plural);
  if (!reg) return [];
  return (await reg.list(namespace, { resourceVersion: '0' })).items;
}

/** How long a live lookup that found nothing cached is reused (upstream's liveTTL). */
const LIVE_LOOKUP_TTL_MS = 30_000;
const MAX_LIVE_LOOKUPS = 10_000;

/**
 * The objects of one resource in a namespace as upstream's LimitRanger and ResourceQuota read
 * them: from the watch cache, and when it has none (it may not have caught up with an object
 * just created), from a consistent read, remembered for 30 seconds per namespace.
 */
export class NamespacedLookup {
  private readonly live = new Map<string, { items: KubeObject[]; expires: number }>();

  constructor(private readonly group: string, private readonly version: string, private readonly plural: string) {}

  async list(a: AdmissionAttributes): Promise<KubeObject[]> {
    const reg = a.registry.registryFor(this.group, this.version, this.plural);
    if (!reg) return [];
    const cached = (await reg.list(a.namespace, { resourceVersion: '0' })).items;
    if (cached.length) return cached;
    const hit = this.live.get(a.namespace);
    if (hit && hit.expires > Date.now()) return hit.items;
    const items = (await reg.list(a.namespace)).items;
    this.live.delete(a.namespace);
    this.live.set(a.namespace, { items, expires: Date.now() + LIVE_LOOKUP_TTL_MS });
    if (this.live.size > MAX_LIVE_LOOKUPS) this.live.delete(this.live.keys().next().value!);
    return items;
  }
}

/** One object of another resource from the watch cache, undefined when there is none. */
export async function getCached(a: AdmissionAttributes, group: string, version: string, plural: string, namespace: string, name: string): Promise<KubeObject | undefined> {
  const reg = a.registry.registryFor(group, version, plural);
  if (!reg) return undefined;
  try {
    return await reg.getCached(namespace, name);
  } catch (e) {
    if (errors.isStatusError(e, 'NotFound')) return undefined;
    throw e;
  }
}

/** Go's fmt %f: six decimals. */
export const formatFloat = (x: number): string => x.toFixed(6);

/** Upstream's utilerrors.NewAggregate(...).Error(): duplicates dropped, one message alone, several in brackets. */
export function aggregate(messages: readonly string[]): string {
  const unique = [...new Set(messages)];
  return unique.length === 1 ? unique[0]! : `[${unique.join(', ')}]`;
}
