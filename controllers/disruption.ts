// The disruption controller (upstream pkg/controller/disruption): every PodDisruptionBudget's
// status says how many of its pods are healthy, how many must stay healthy, and so how many may
// be disrupted now. The eviction subresource in the API server spends that allowance and records
// the pods it evicted in status.disruptedPods; this controller forgets them once they are gone
// or two minutes have passed.
import type { KubernetesObject, V1Pod, V1PodDisruptionBudget, V1PodDisruptionBudgetStatus } from '@kubernetes/client-node';
import { controllerRef, defineController, isNotFound, millisOf, resource, type RestClient } from '../client/index.ts';
import { deployments, podDisruptionBudgets, pods, replicaSets, replicationControllers, statefulSets } from '../client/resources.ts';
import { selectorFromLabelSelector, type LabelSelector } from '../machinery/labels.ts';
import { isPercent, scaledValue } from '../machinery/intstr.ts';
import { isPodReady } from './lib/pods.ts';

/** How long an evicted pod may take to disappear before it counts again (upstream DeletionTimeout). */
export const DELETION_TIMEOUT_MS = 2 * 60_000;

type Finder = (ref: { kind: string; apiVersion: string; name: string; uid: string }, ns: string) => Promise<{ uid: string; scale: number } | undefined>;

const scaleResource = (group: string, version: string, plural: string) => resource(`${group ? `${group}/` : ''}${version}/${plural}`, { namespaced: true });

export function disruptionController(opts: { now?: () => number } = {}) {
  const now = opts.now ?? Date.now;
  return defineController({
    name: 'disruption',
    primary: podDisruptionBudgets,
    watches: [
      {
        resource: pods,
        // A pod wakes every budget in its namespace whose selector matches it.
        keys: (p, lister) => lister(podDisruptionBudgets).list(p.metadata?.namespace)
          .filter((b) => selects(b, p))
          .map((b) => `${b.metadata!.namespace}/${b.metadata!.name}`),
      },
    ],
    workers: 2,
    async sync(key, { clients, lister, signal }) {
      const [ns, name] = key.split('/') as [string, string];
      const pdb = lister(podDisruptionBudgets).getByName(ns, name);
      if (!pdb) return;
      const t = now();
      const matching = lister(pods).list(ns).filter((p) => selects(pdb, p));
      let status: V1PodDisruptionBudgetStatus;
      let requeue: number | undefined;
      try {
        const expected = await expectedPods(pdb, matching, finders(clients.rest, signal));
        const disrupted = { ...(pdb.status?.disruptedPods ?? {}) } as Record<string, Date>;
        const stillDisrupted: Record<string, Date> = {};
        for (const [podName, at] of Object.entries(disrupted)) {
          const pod = matching.find((p) => p.metadata?.name === podName);
          const since = millisOf(at) ?? 0;
          if (!pod || pod.metadata?.deletionTimestamp) continue;
          if (since + DELETION_TIMEOUT_MS < t) continue;
          stillDisrupted[podName] = at;
          requeue = Math.min(requeue ?? Infinity, since + DELETION_TIMEOUT_MS - t);
        }
        const currentHealthy = matching.filter((p) => !p.metadata?.deletionTimestamp && isPodReady(p) && !(p.metadata!.name! in stillDisrupted)).length;
        const allowed = expected.count <= 0 ? 0 : Math.max(0, currentHealthy - expected.desiredHealthy);
        status = {
          ...pdb.status,
          observedGeneration: pdb.metadata?.generation,
          currentHealthy, desiredHealthy: expected.desiredHealthy, expectedPods: expected.count, disruptionsAllowed: allowed,
          disruptedPods: Object.keys(stillDisrupted).length ? stillDisrupted : undefined,
          conditions: withCondition(pdb, allowed > 0 ? 'True' : 'False', allowed > 0 ? 'SufficientPods' : 'InsufficientPods', '', t),
        };
      } catch (e) {
        if (signal.aborted) throw e;
        // Upstream's failSafe: nothing may be disrupted while the budget cannot be computed.
        status = {
          ...pdb.status,
          observedGeneration: pdb.metadata?.generation,
          currentHealthy: pdb.status?.currentHealthy ?? 0, desiredHealthy: pdb.status?.desiredHealthy ?? 0,
          expectedPods: pdb.status?.expectedPods ?? 0, disruptionsAllowed: 0,
          conditions: withCondition(pdb, 'False', 'SyncFailed', (e as Error).message, t),
        };
      }
      if (!sameStatus(pdb.status, status)) {
        try {
          await clients.rest.update(podDisruptionBudgets, ns, { ...pdb, status }, { subresource: 'status', signal });
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
      }
      return requeue === undefined ? undefined : { requeueAfterMs: requeue + 10 };
    },
  });
}

function selects(pdb: V1PodDisruptionBudget, pod: KubernetesObject): boolean {
  if (!pdb.spec?.selector) return false;
  return selectorFromLabelSelector(pdb.spec.selector as LabelSelector).matches(pod.metadata?.labels ?? {});
}

/** How many pods the budget expects and how many of them must be healthy (upstream getExpectedPodCount). */
async function expectedPods(pdb: V1PodDisruptionBudget, matching: V1Pod[], find: Finder[]): Promise<{ count: number; desiredHealthy: number }> {
  const { maxUnavailable, minAvailable } = pdb.spec ?? {};
  if (maxUnavailable !== undefined && maxUnavailable !== null) {
    const count = await expectedScale(pdb, matching, find);
    const unavailable = scaledValue(maxUnavailable as number | string, count, true);
    return { count, desiredHealthy: Math.max(0, count - unavailable) };
  }
  if (minAvailable !== undefined && minAvailable !== null && !isPercent(minAvailable as number | string)) {
    return { count: matching.length, desiredHealthy: scaledValue(minAvailable as number | string, 0, true) };
  }
  if (minAvailable !== undefined && minAvailable !== null) {
    const count = await expectedScale(pdb, matching, find);
    return { count, desiredHealthy: scaledValue(minAvailable as number | string, count, true) };
  }
  return { count: matching.length, desiredHealthy: 0 };
}

/** The sum of the scales of the pods' controllers, each counted once (upstream getExpectedScale). */
async function expectedScale(pdb: V1PodDisruptionBudget, matching: V1Pod[], find: Finder[]): Promise<number> {
  const scales = new Map<string, number>();
  for (const pod of matching) {
    const ref = controllerRef(pod);
    if (!ref) throw new Error(`found no controller ref for pod "${pod.metadata?.name}"`);
    let found: { uid: string; scale: number } | undefined;
    for (const f of find) {
      found = await f(ref, pdb.metadata!.namespace!);
      if (found) break;
    }
    if (!found) throw new Error(`found no controllers for pod "${pod.metadata?.name}"`);
    scales.set(found.uid, found.scale);
  }
  let sum = 0;
  for (const s of scales.values()) sum += s;
  return sum;
}

/** Upstream's finders: a ReplicaSet (or the Deployment controlling it), an RC, a StatefulSet, anything with /scale. */
function finders(rest: RestClient, signal: AbortSignal): Finder[] {
  const readScale = async (group: string, version: string, plural: string, ns: string, name: string) => {
    const s = await rest.get(scaleResource(group, version, plural), ns, name, { subresource: 'scale', signal }) as KubernetesObject & { spec?: { replicas?: number } };
    return s.spec?.replicas ?? 0;
  };
  const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0]! : '');
  return [
    async (ref, ns) => {
      if (ref.kind !== 'ReplicaSet' || groupOf(ref.apiVersion) !== 'apps') return undefined;
      const rs = await getFresh(() => rest.get(replicaSets, ns, ref.name, { signal }));
      if (!rs || rs.metadata?.uid !== ref.uid) return undefined;
      const owner = controllerRef(rs);
      if (owner?.kind === 'Deployment' && groupOf(owner.apiVersion) === 'apps') {
        const d = await getFresh(() => rest.get(deployments, ns, owner.name, { signal }));
        if (d && d.metadata?.uid === owner.uid) return { uid: d.metadata.uid!, scale: d.spec?.replicas ?? 1 };
        return undefined;
      }
      return { uid: rs.metadata!.uid!, scale: rs.spec?.replicas ?? 1 };
    },
    async (ref, ns) => {
      if (ref.kind !== 'ReplicationController' || ref.apiVersion !== 'v1') return undefined;
      const rc = await getFresh(() => rest.get(replicationControllers, ns, ref.name, { signal }));
      return rc && rc.metadata?.uid === ref.uid ? { uid: rc.metadata.uid!, scale: rc.spec?.replicas ?? 1 } : undefined;
    },
    async (ref, ns) => {
      if (ref.kind !== 'StatefulSet' || groupOf(ref.apiVersion) !== 'apps') return undefined;
      const ss = await getFresh(() => rest.get(statefulSets, ns, ref.name, { signal }));
      return ss && ss.metadata?.uid === ref.uid ? { uid: ss.metadata.uid!, scale: ss.spec?.replicas ?? 1 } : undefined;
    },
    async (ref, ns) => {
      // Anything else with a scale subresource: its plural is the kind lowercased plus "s" for
      // the custom resources this path exists for.
      const [group, version] = ref.apiVersion.includes('/') ? ref.apiVersion.split('/') as [string, string] : ['', ref.apiVersion];
      try {
        const scale = await readScale(group, version, `${ref.kind.toLowerCase()}s`, ns, ref.name);
        return { uid: ref.uid, scale };
      } catch (e) {
        if (isNotFound(e)) return undefined;
        throw e;
      }
    },
  ];
}

async function getFresh<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

function withCondition(pdb: V1PodDisruptionBudget, status: string, reason: string, message: string, t: number) {
  const conditions = (pdb.status?.conditions ?? []).filter((c) => c.type !== 'DisruptionAllowed');
  const old = pdb.status?.conditions?.find((c) => c.type === 'DisruptionAllowed');
  const unchanged = old && old.status === status && old.reason === reason && old.message === message;
  conditions.push(unchanged ? old : {
    type: 'DisruptionAllowed', status, reason, message,
    lastTransitionTime: old && old.status === status ? old.lastTransitionTime : new Date(t),
    observedGeneration: pdb.metadata?.generation,
  });
  return conditions;
}

function sameStatus(a: V1PodDisruptionBudgetStatus | undefined, b: V1PodDisruptionBudgetStatus): boolean {
  const norm = (s: V1PodDisruptionBudgetStatus | undefined) => JSON.stringify({
    o: s?.observedGeneration, c: s?.currentHealthy, d: s?.desiredHealthy, e: s?.expectedPods, a: s?.disruptionsAllowed,
    p: Object.keys(s?.disruptedPods ?? {}).sort(),
    k: (s?.conditions ?? []).map((c) => [c.type, c.status, c.reason, c.message]),
  });
  return norm(a) === norm(b);
}
