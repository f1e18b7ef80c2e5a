// A pod's quality-of-service class, computed once at creation (upstream's
// pkg/apis/core/helper/qos ComputePodQOS): only cpu and memory count; zero quantities are ignored.
import { parseQuantity, type Quantity } from '../../../../machinery/quantity.ts';
import type { Container, Pod } from './pods.ts';

const QOS_RESOURCES = ['cpu', 'memory'];

type Resources = { requests?: Record<string, string | number>; limits?: Record<string, string | number> };

function quantityOf(v: string | number): Quantity | undefined {
  try {
    return parseQuantity(String(v));
  } catch {
    return undefined;
  }
}

/** Sums the positive cpu / memory quantities of `list` into `into`; returns the names found. */
function accumulate(list: Record<string, string | number> | undefined, into: Map<string, Quantity>): Set<string> {
  const found = new Set<string>();
  for (const [name, raw] of Object.entries(list ?? {})) {
    if (!QOS_RESOURCES.includes(name)) continue;
    const q = quantityOf(raw);
    if (!q || q.sign() <= 0) continue;
    found.add(name);
    const prev = into.get(name);
    into.set(name, prev ? prev.add(q) : q);
  }
  return found;
}

/**
 * BestEffort when no container requests or limits cpu or memory; Guaranteed when every
 * container (init containers included) limits both and the summed requests equal the summed
 * limits; Burstable otherwise.
 */
export function computePodQOS(pod: Pod): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const requests = new Map<string, Quantity>();
  const limits = new Map<string, Quantity>();
  let guaranteed = true;
  const containers: Container[] = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  for (const c of containers) {
    const r = (c.resources ?? {}) as Resources;
    accumulate(r.requests, requests);
    const limited = accumulate(r.limits, limits);
    if (!limited.has('cpu') || !limited.has('memory')) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [name, req] of requests) {
      const lim = limits.get(name);
      if (!lim || lim.cmp(req) !== 0) { guaranteed = false; break; }
    }
  }
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}
