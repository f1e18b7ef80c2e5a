// LimitRanger (upstream plugin/pkg/admission/limitranger): the LimitRanges of a namespace give
// containers of new pods their default requests and limits (noted in the
// `kubernetes.io/limit-ranger` annotation), and bound what containers, pods and claims may ask
// for: min, max and maxLimitRequestRatio, refused with 403 and upstream's messages.
import { parseQuantity, type Quantity } from '../../machinery/quantity.ts';
import { podResourceTotals, type PodLike, type ResourceList } from '../../machinery/quota.ts';
import type { KubeObject } from '../apis/types.ts';
import type { AdmissionAttributes, AdmissionPlugin } from '../pipeline/admission.ts';
import { aggregate, formatFloat, forbidden, isResource, NamespacedLookup } from './util.ts';

export const LIMIT_RANGER_ANNOTATION = 'kubernetes.io/limit-ranger';

type ResourceListText = Record<string, string | number>;
interface LimitRangeItem {
  type?: string; max?: ResourceListText; min?: ResourceListText; default?: ResourceListText; defaultRequest?: ResourceListText; maxLimitRequestRatio?: ResourceListText;
}
export type LimitRange = KubeObject & { spec?: { limits?: LimitRangeItem[] } };

interface Container { name?: string; resources?: { requests?: ResourceListText; limits?: ResourceListText; [k: string]: unknown } }
type Pod = KubeObject & { spec?: { containers?: Container[]; initContainers?: Container[] } };
type Claim = KubeObject & { spec?: { resources?: { requests?: ResourceListText } } };

const quantity = (v: string | number): Quantity | undefined => {
  try {
    return parseQuantity(String(v));
  } catch {
    return undefined;
  }
};

function parse(list: ResourceListText | undefined): ResourceList {
  const out: ResourceList = {};
  for (const [k, v] of Object.entries(list ?? {})) {
    const q = quantity(v);
    if (q) out[k] = q;
  }
  return out;
}

/** The defaults of a LimitRange's Container items: requests from defaultRequest, limits from default. */
function containerDefaults(lr: LimitRange): { requests: ResourceListText; limits: ResourceListText } {
  const requests: ResourceListText = {};
  const limits: ResourceListText = {};
  for (const item of lr.spec?.limits ?? []) {
    if (item.type !== 'Container') continue;
    Object.assign(requests, item.defaultRequest ?? {});
    Object.assign(limits, item.default ?? {});
  }
  return { requests, limits };
}

/** Fills in what a container leaves unset; returns the annotation phrases for it. */
function defaultContainer(c: Container, defaults: { requests: ResourceListText; limits: ResourceListText }, kind: string): string[] {
  const setLimits: string[] = [];
  const setRequests: string[] = [];
  const resources = (c.resources ??= {});
  for (const [k, v] of Object.entries(defaults.limits)) {
    if (resources.limits && k in resources.limits) continue;
    (resources.limits ??= {})[k] = v;
    setLimits.push(k);
  }
  for (const [k, v] of Object.entries(defaults.requests)) {
    if (resources.requests && k in resources.requests) continue;
    (resources.requests ??= {})[k] = v;
    setRequests.push(k);
  }
  const out: string[] = [];
  if (setRequests.length) out.push(`${setRequests.sort().join(', ')} request for ${kind} ${c.name ?? ''}`);
  if (setLimits.length) out.push(`${setLimits.sort().join(', ')} limit for ${kind} ${c.name ?? ''}`);
  return out;
}

/** Upstream's PodMutateLimitFunc: defaults for every container and init container, and the annotation. */
export function applyLimitRangeDefaults(lr: LimitRange, pod: Pod): void {
  const defaults = containerDefaults(lr);
  const phrases = [
    ...(pod.spec?.containers ?? []).flatMap((c) => defaultContainer(c, defaults, 'container')),
    ...(pod.spec?.initContainers ?? []).flatMap((c) => defaultContainer(c, defaults, 'init container')),
  ];
  if (phrases.length === 0) return;
  const meta = (pod.metadata ??= {});
  meta.annotations = { ...meta.annotations, [LIMIT_RANGER_ANNOTATION]: `LimitRanger plugin set: ${phrases.join('; ')}` };
}

/** resource.MaxMilliValue: above it, comparisons fall back to whole units. */
const MAX_MILLI_VALUE = 9223372036854775807n / 1000n;

/** Upstream's requestLimitEnforcedValues: the three at one precision (milli when none is too large). */
function enforcedValues(req: Quantity | undefined, lim: Quantity | undefined, enforced: Quantity): [bigint, bigint, bigint] {
  const whole = (q: Quantity | undefined) => (q ? q.scaledValueBigInt(0) : 0n);
  const milli = (q: Quantity | undefined) => (q ? q.scaledValueBigInt(-3) : 0n);
  const [r, l, e] = [whole(req), whole(lim), whole(enforced)];
  if (r <= MAX_MILLI_VALUE && l <= MAX_MILLI_VALUE && e <= MAX_MILLI_VALUE) return [milli(req), milli(lim), milli(enforced)];
  return [r, l, e];
}

function minConstraint(type: string, name: string, enforced: Quantity, requests: ResourceList, limits: ResourceList): string | undefined {
  const req = requests[name];
  const lim = limits[name];
  const [r, l, e] = enforcedValues(req, lim, enforced);
  if (!req) return `minimum ${name} usage per ${type} is ${enforced}.  No request is specified`;
  if (r < e) return `minimum ${name} usage per ${type} is ${enforced}, but request is ${req}`;
  if (lim && l < e) return `minimum ${name} usage per ${type} is ${enforced}, but limit is ${lim}`;
  return undefined;
}

function maxConstraint(type: string, name: string, enforced: Quantity, requests: ResourceList, limits: ResourceList): string | undefined {
  const req = requests[name];
  const lim = limits[name];
  const [r, l, e] = enforcedValues(req, lim, enforced);
  if (!lim) return `maximum ${name} usage per ${type} is ${enforced}.  No limit is specified`;
  if (l > e) return `maximum ${name} usage per ${type} is ${enforced}, but limit is ${lim}`;
  if (req && r > e) return `maximum ${name} usage per ${type} is ${enforced}, but request is ${req}`;
  return undefined;
}

/** For kinds that only request (claims): the max bounds the request. */
function maxRequestConstraint(type: string, name: string, enforced: Quantity, requests: ResourceList): string | undefined {
  const req = requests[name];
  const [r, , e] = enforcedValues(req, undefined, enforced);
  if (!req) return `maximum ${name} usage per ${type} is ${enforced}.  No request is specified`;
  if (r > e) return `maximum ${name} usage per ${type} is ${enforced}, but request is ${req}`;
  return undefined;
}

function ratioConstraint(type: string, name: string, enforced: Quantity, requests: ResourceList, limits: ResourceList): string | undefined {
  const req = requests[name];
  const lim = limits[name];
  const [r, l] = enforcedValues(req, lim, enforced);
  if (!req || r === 0n) return `${name} max limit to request ratio per ${type} is ${enforced}, but no request is specified or request is 0`;
  if (!lim || l === 0n) return `${name} max limit to request ratio per ${type} is ${enforced}, but no limit is specified or limit is 0`;
  const display = Number(l) / Number(r);
  let observed = display;
  let max = Number(enforced.scaledValueBigInt(0));
  if (enforced.scaledValueBigInt(0) <= MAX_MILLI_VALUE) {
    observed *= 1000;
    max = Number(enforced.scaledValueBigInt(-3));
  }
  if (observed > max) return `${name} max limit to request ratio per ${type} is ${enforced}, but provided ratio is ${formatFloat(display)}`;
  return undefined;
}

/** min, max and ratio of one LimitRange item against one set of requests and limits. */
function checkBounds(item: LimitRangeItem, type: string, requests: ResourceList, limits: ResourceList): string[] {
  const errs: string[] = [];
  const each = (list: ResourceListText | undefined, check: (name: string, q: Quantity) => string | undefined) => {
    for (const [k, q] of Object.entries(parse(list))) {
      const e = check(k, q);
      if (e) errs.push(e);
    }
  };
  each(item.min, (k, q) => minConstraint(type, k, q, requests, limits));
  each(item.max, (k, q) => maxConstraint(type, k, q, requests, limits));
  each(item.maxLimitRequestRatio, (k, q) => ratioConstraint(type, k, q, requests, limits));
  return errs;
}

/** Upstream's PodValidateLimitFunc: every container against Container items, the pod's totals against Pod items. */
export function validatePodLimits(lr: LimitRange, pod: Pod): string[] {
  const errs: string[] = [];
  for (const item of lr.spec?.limits ?? []) {
    if (item.type === 'Container') {
      for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
        errs.push(...checkBounds(item, 'Container', parse(c.resources?.requests), parse(c.resources?.limits)));
      }
    }
    if (item.type === 'Pod') {
      // The pod as the scheduler sizes it, without overhead (upstream's local podRequests).
      errs.push(...checkBounds(item, 'Pod', podResourceTotals(pod as PodLike, 'requests'), podResourceTotals(pod as PodLike, 'limits')));
    }
  }
  return errs;
}

/** Upstream's PersistentVolumeClaimValidateLimitFunc: storage requests within min and max. */
export function validateClaimLimits(lr: LimitRange, pvc: Claim): string[] {
  const errs: string[] = [];
  const requests = parse(pvc.spec?.resources?.requests);
  for (const item of lr.spec?.limits ?? []) {
    if (item.type !== 'PersistentVolumeClaim') continue;
    for (const [k, q] of Object.entries(parse(item.min))) {
      const e = minConstraint('PersistentVolumeClaim', k, q, requests, {});
      if (e) errs.push(e);
    }
    for (const [k, q] of Object.entries(parse(item.max))) {
      const e = maxRequestConstraint('PersistentVolumeClaim', k, q, requests);
      if (e) errs.push(e);
    }
  }
  return errs;
}

const isPod = (a: AdmissionAttributes) => isResource(a, '', 'pods');
const isClaim = (a: AdmissionAttributes) => isResource(a, '', 'persistentvolumeclaims');

export function limitRanger(): AdmissionPlugin {
  const lookup = new NamespacedLookup('', 'v1', 'limitranges');
  const limitRanges = (a: AdmissionAttributes) => lookup.list(a) as Promise<LimitRange[]>;
  return {
    name: 'LimitRanger',
    readsDefaults: true,
    handles(a) {
      if (a.subresource) return false;
      // Containers cannot change after creation, so pod updates are left alone.
      if (isPod(a)) return a.operation === 'CREATE';
      return isClaim(a) && (a.operation === 'CREATE' || a.operation === 'UPDATE');
    },
    async admit(a) {
      if (!isPod(a) || a.old?.metadata?.deletionTimestamp) return;
      for (const lr of await limitRanges(a)) applyLimitRangeDefaults(lr, a.obj as Pod);
    },
    async validate(a) {
      if (a.old?.metadata?.deletionTimestamp) return;
      for (const lr of await limitRanges(a)) {
        const errs = isPod(a) ? validatePodLimits(lr, a.obj as Pod) : validateClaimLimits(lr, a.obj as Claim);
        if (errs.length) throw forbidden(a, aggregate(errs));
      }
    },
  };
}
