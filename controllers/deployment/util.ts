// Deployment arithmetic and bookkeeping shared by the rollout strategies (upstream
// pkg/controller/deployment/util): the annotations a Deployment writes on its ReplicaSets, the
// maxSurge / maxUnavailable fenceposts, which ReplicaSet is "new", replica sums, orderings and
// the proportional-scaling share of one ReplicaSet. Pure: no I/O, no clock.
import { canonicalJson } from '../../machinery/canonicaljson.ts';
import { scaledValue } from '../../machinery/intstr.ts';
import type { V1Deployment, V1PodTemplateSpec, V1ReplicaSet } from '@kubernetes/client-node';
import { encode, millisOf } from '../../client/index.ts';

// ---- names upstream uses (k8s.io/api/apps/v1 and deployment/util) ----

/** The label that keeps each ReplicaSet's pods apart (apps.DefaultDeploymentUniqueLabelKey). */
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
/** apps.DeprecatedRollbackTo: how extensions/v1beta1's spec.rollbackTo round-trips through apps/v1. */
export const DEPRECATED_ROLLBACK_TO_ANNOTATION = 'deprecated.deployment.rollback.to';
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
export const CHANGE_CAUSE_ANNOTATION = 'kubernetes.io/change-cause';

/** Upstream's limit on the revision-history annotation (maxRevHistoryLengthInChars). */
export const MAX_REVISION_HISTORY_CHARS = 2000;

/** Condition types and reasons, as upstream spells them (kubectl matches on ProgressDeadlineExceeded). */
export const PROGRESSING = 'Progressing';
export const AVAILABLE = 'Available';
export const REPLICA_FAILURE = 'ReplicaFailure';
export const Reason = {
  ReplicaSetUpdated: 'ReplicaSetUpdated',
  FailedRSCreate: 'ReplicaSetCreateError',
  NewReplicaSet: 'NewReplicaSetCreated',
  FoundNewRS: 'FoundNewReplicaSet',
  NewRSAvailable: 'NewReplicaSetAvailable',
  TimedOut: 'ProgressDeadlineExceeded',
  Paused: 'DeploymentPaused',
  Resumed: 'DeploymentResumed',
  MinimumReplicasAvailable: 'MinimumReplicasAvailable',
  MinimumReplicasUnavailable: 'MinimumReplicasUnavailable',
  RollbackRevisionNotFound: 'DeploymentRollbackRevisionNotFound',
  RollbackTemplateUnchanged: 'DeploymentRollbackTemplateUnchanged',
  RollbackDone: 'DeploymentRollback',
} as const;

const INT32_MAX = 2147483647;

// ---- small accessors ----

export const specReplicas = (o: { spec?: { replicas?: number } } | undefined): number => o?.spec?.replicas ?? 0;
export const isRollingUpdate = (d: V1Deployment): boolean => d.spec?.strategy?.type === 'RollingUpdate';
export const isRecreate = (d: V1Deployment): boolean => d.spec?.strategy?.type === 'Recreate';

/** A progress deadline is set and is not the "never" value (math.MaxInt32). */
export const hasProgressDeadline = (d: V1Deployment): boolean =>
  d.spec?.progressDeadlineSeconds !== undefined && d.spec.progressDeadlineSeconds !== null && d.spec.progressDeadlineSeconds !== INT32_MAX;

export const hasRevisionHistoryLimit = (d: V1Deployment): boolean =>
  d.spec?.revisionHistoryLimit !== undefined && d.spec.revisionHistoryLimit !== null && d.spec.revisionHistoryLimit !== INT32_MAX;

// ---- maxSurge / maxUnavailable ----

/**
 * Upstream ResolveFenceposts: surge rounds up, unavailable rounds down; when both come to zero,
 * unavailable becomes 1 so a rollout can still move when surging is impossible (quota).
 */
export function resolveFenceposts(maxSurge: number | string | undefined, maxUnavailable: number | string | undefined, desired: number): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge ?? 0, desired, true);
  let unavailable = scaledValue(maxUnavailable ?? 0, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

/** How many pods a RollingUpdate may run above spec.replicas; 0 for Recreate. */
export function maxSurge(d: V1Deployment): number {
  if (!isRollingUpdate(d)) return 0;
  const ru = d.spec?.strategy?.rollingUpdate;
  return resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, specReplicas(d)).surge;
}

/** How many of spec.replicas may be unavailable during a RollingUpdate, never more than spec.replicas. */
export function maxUnavailable(d: V1Deployment): number {
  const replicas = specReplicas(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  const ru = d.spec?.strategy?.rollingUpdate;
  const { unavailable } = resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, replicas);
  return Math.min(unavailable, replicas);
}

// ---- revisions ----

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * strconv.ParseInt(v, 10, 64): revisions are int64 (upstream's e2e adopts a ReplicaSet at
 * revision 3546343826724305832 and expects ...833 next), so they are bigints here.
 */
export function parseInt64(v: string): bigint | undefined {
  if (!/^[+-]?\d+$/.test(v)) return undefined;
  const n = BigInt(v);
  return n < INT64_MIN || n > INT64_MAX ? undefined : n;
}

/** The revision annotation: 0 when absent, undefined when it does not parse. */
export function revisionOf(obj: { metadata?: { annotations?: Record<string, string> } }): bigint | undefined {
  const v = obj.metadata?.annotations?.[REVISION_ANNOTATION];
  return v === undefined ? 0n : parseInt64(v);
}

/** The highest revision among the ReplicaSets (unparseable ones skipped). */
export function maxRevision(rss: V1ReplicaSet[]): bigint {
  let max = 0n;
  for (const rs of rss) {
    const v = revisionOf(rs);
    if (v !== undefined && v > max) max = v;
  }
  return max;
}

/** The second-highest revision: what a rollback to "the last revision" means (upstream LastRevision). */
export function lastRevision(rss: V1ReplicaSet[]): bigint {
  let max = 0n;
  let second = 0n;
  for (const rs of rss) {
    const v = revisionOf(rs);
    if (v === undefined) continue;
    if (v >= max) { second = max; max = v; } else if (v > second) second = v;
  }
  return second;
}

/** The revision asked for (0: the previous one), or undefined when none is asked or it does not parse. */
export function deprecatedRollbackTo(d: V1Deployment): bigint | undefined {
  const v = d.metadata?.annotations?.[DEPRECATED_ROLLBACK_TO_ANNOTATION];
  if (v === undefined || v === '') return undefined;
  return parseInt64(v);
}

// ---- annotations copied between Deployment and ReplicaSets ----

/** Annotations a Deployment never copies to its ReplicaSets, nor takes back on rollback. */
export const ANNOTATIONS_TO_SKIP = new Set([
  LAST_APPLIED_ANNOTATION, REVISION_ANNOTATION, REVISION_HISTORY_ANNOTATION, DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION, DEPRECATED_ROLLBACK_TO_ANNOTATION,
]);

/** Copies the Deployment's annotations (but the skipped ones) onto the ReplicaSet; true when any changed. */
export function copyDeploymentAnnotationsToReplicaSet(d: V1Deployment, rs: V1ReplicaSet): boolean {
  rs.metadata ??= {};
  const annotations = (rs.metadata.annotations ??= {});
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata?.annotations ?? {})) {
    if (ANNOTATIONS_TO_SKIP.has(k) || annotations[k] === v) continue;
    annotations[k] = v;
    changed = true;
  }
  return changed;
}

/** Sets desired-replicas and max-replicas; true when either changed. */
export function setReplicasAnnotations(rs: V1ReplicaSet, desired: number, max: number): boolean {
  rs.metadata ??= {};
  const annotations = (rs.metadata.annotations ??= {});
  let changed = false;
  if (annotations[DESIRED_REPLICAS_ANNOTATION] !== String(desired)) { annotations[DESIRED_REPLICAS_ANNOTATION] = String(desired); changed = true; }
  if (annotations[MAX_REPLICAS_ANNOTATION] !== String(max)) { annotations[MAX_REPLICAS_ANNOTATION] = String(max); changed = true; }
  return changed;
}

export function replicasAnnotationsNeedUpdate(rs: V1ReplicaSet, desired: number, max: number): boolean {
  const a = rs.metadata?.annotations ?? {};
  return a[DESIRED_REPLICAS_ANNOTATION] !== String(desired) || a[MAX_REPLICAS_ANNOTATION] !== String(max);
}

/**
 * Upstream SetNewReplicaSetAnnotations: copy the Deployment's annotations, raise the revision to
 * `newRevision` when it is higher (remembering the old one in revision-history: a rollback to
 * this template), and on a ReplicaSet about to be created set the replica annotations. True when
 * anything changed.
 */
export function setNewReplicaSetAnnotations(d: V1Deployment, rs: V1ReplicaSet, newRevision: string, exists: boolean, historyLimitChars = MAX_REVISION_HISTORY_CHARS): boolean {
  let changed = copyDeploymentAnnotationsToReplicaSet(d, rs);
  const annotations = (rs.metadata!.annotations ??= {});
  const hadRevision = Object.hasOwn(annotations, REVISION_ANNOTATION);
  const oldRevision = annotations[REVISION_ANNOTATION] ?? '';
  let oldRevisionInt = 0n;
  if (oldRevision !== '') {
    const parsed = parseInt64(oldRevision);
    if (parsed === undefined) return false;
    oldRevisionInt = parsed;
  }
  const newRevisionInt = parseInt64(newRevision);
  if (newRevisionInt === undefined) return false;
  if (oldRevisionInt < newRevisionInt) {
    annotations[REVISION_ANNOTATION] = newRevision;
    changed = true;
  }
  if (hadRevision && oldRevisionInt < newRevisionInt) {
    const history = annotations[REVISION_HISTORY_ANNOTATION] ?? '';
    const oldRevisions = history.split(',');
    if (oldRevisions[0]!.length === 0) {
      annotations[REVISION_HISTORY_ANNOTATION] = oldRevision;
    } else {
      // Drop the oldest entries until the list with the new one fits the limit.
      let total = history.length + oldRevision.length + 1;
      let start = 0;
      while (total > historyLimitChars && start < oldRevisions.length) {
        total -= oldRevisions[start]!.length + 1;
        start++;
      }
      if (total <= historyLimitChars) annotations[REVISION_HISTORY_ANNOTATION] = [...oldRevisions.slice(start), oldRevision].join(',');
    }
  }
  if (!exists && setReplicasAnnotations(rs, specReplicas(d), specReplicas(d) + maxSurge(d))) changed = true;
  return changed;
}

/** Sets the Deployment's revision annotation; true when it changed. */
export function setDeploymentRevision(d: V1Deployment, revision: string): boolean {
  d.metadata ??= {};
  const annotations = (d.metadata.annotations ??= {});
  if (annotations[REVISION_ANNOTATION] === revision) return false;
  annotations[REVISION_ANNOTATION] = revision;
  return true;
}

/** On rollback: the Deployment keeps its skipped annotations and takes the ReplicaSet's others. */
export function setDeploymentAnnotationsTo(d: V1Deployment, rs: V1ReplicaSet): void {
  d.metadata ??= {};
  const kept: Record<string, string> = {};
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) if (ANNOTATIONS_TO_SKIP.has(k)) kept[k] = v;
  for (const [k, v] of Object.entries(rs.metadata?.annotations ?? {})) if (!ANNOTATIONS_TO_SKIP.has(k)) kept[k] = v;
  d.metadata.annotations = kept;
}

// ---- templates ----

/** A template as the wire carries it, so models and plain JSON compare and hash alike. */
export function templateWire(t: V1PodTemplateSpec | undefined): Record<string, unknown> {
  return (encode(t ?? {}, 'V1PodTemplateSpec') ?? {}) as Record<string, unknown>;
}

function withoutHashLabel(t: V1PodTemplateSpec | undefined): unknown {
  const wire = structuredClone(templateWire(t));
  const meta = wire.metadata as { labels?: Record<string, string> } | undefined;
  if (meta?.labels) {
    delete meta.labels[POD_TEMPLATE_HASH_LABEL];
    if (Object.keys(meta.labels).length === 0) delete meta.labels;
  }
  return wire;
}

/** Upstream EqualIgnoreHash: the templates are the same once pod-template-hash is removed from both. */
export function equalIgnoreHash(a: V1PodTemplateSpec | undefined, b: V1PodTemplateSpec | undefined): boolean {
  return canonicalJson(withoutHashLabel(a)) === canonicalJson(withoutHashLabel(b));
}

// ---- orderings (pkg/controller ReplicaSetsBy*) ----

const created = (rs: V1ReplicaSet): number => millisOf(rs.metadata?.creationTimestamp) ?? 0;
const nameOf = (rs: V1ReplicaSet): string => rs.metadata?.name ?? '';

/** Oldest first; the name breaks ties. */
export function byCreationTimestamp(a: V1ReplicaSet, b: V1ReplicaSet): number {
  const d = created(a) - created(b);
  if (d !== 0) return d;
  return nameOf(a) < nameOf(b) ? -1 : nameOf(a) > nameOf(b) ? 1 : 0;
}

/** Largest first; among equals the older first (the order for scaling down). */
export function bySizeOlder(a: V1ReplicaSet, b: V1ReplicaSet): number {
  if (specReplicas(a) !== specReplicas(b)) return specReplicas(b) - specReplicas(a);
  return byCreationTimestamp(a, b);
}

/** Largest first; among equals the newer first (the order for scaling up). */
export function bySizeNewer(a: V1ReplicaSet, b: V1ReplicaSet): number {
  if (specReplicas(a) !== specReplicas(b)) return specReplicas(b) - specReplicas(a);
  return byCreationTimestamp(b, a);
}

/** Lowest revision first; creation time when revisions are equal or do not parse. */
export function byRevision(a: V1ReplicaSet, b: V1ReplicaSet): number {
  const ra = revisionOf(a);
  const rb = revisionOf(b);
  if (ra === undefined || rb === undefined || ra === rb) return byCreationTimestamp(a, b);
  return ra < rb ? -1 : 1;
}

// ---- which ReplicaSets, and how many replicas ----

/** The oldest ReplicaSet whose template is the Deployment's (upstream FindNewReplicaSet). */
export function findNewReplicaSet(d: V1Deployment, rss: V1ReplicaSet[]): V1ReplicaSet | undefined {
  return [...rss].sort(byCreationTimestamp).find((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template));
}

/** Every ReplicaSet but the new one. */
export function findOldReplicaSets(d: V1Deployment, rss: V1ReplicaSet[]): V1ReplicaSet[] {
  const newRS = findNewReplicaSet(d, rss);
  return rss.filter((rs) => !newRS || rs.metadata?.uid !== newRS.metadata?.uid);
}

/** ReplicaSets asked to run at least one pod. */
export const filterActive = (rss: Array<V1ReplicaSet | undefined>): V1ReplicaSet[] => rss.filter((rs): rs is V1ReplicaSet => !!rs && specReplicas(rs) > 0);

const sum = (rss: Array<V1ReplicaSet | undefined>, f: (rs: V1ReplicaSet) => number): number => rss.reduce((n, rs) => n + (rs ? f(rs) : 0), 0);
/** Sum of spec.replicas. */
export const replicaCount = (rss: Array<V1ReplicaSet | undefined>): number => sum(rss, specReplicas);
/** Sum of status.replicas (the pods that exist). */
export const actualReplicaCount = (rss: Array<V1ReplicaSet | undefined>): number => sum(rss, (rs) => rs.status?.replicas ?? 0);
export const readyReplicaCount = (rss: Array<V1ReplicaSet | undefined>): number => sum(rss, (rs) => rs.status?.readyReplicas ?? 0);
export const availableReplicaCount = (rss: Array<V1ReplicaSet | undefined>): number => sum(rss, (rs) => rs.status?.availableReplicas ?? 0);

/** The annotation as a whole number, if it is one. */
function intAnnotation(rs: V1ReplicaSet, key: string): number | undefined {
  const v = rs.metadata?.annotations?.[key];
  if (v === undefined || !/^[+-]?\d+$/.test(v)) return undefined;
  return Number.parseInt(v, 10);
}
export const desiredReplicasAnnotation = (rs: V1ReplicaSet): number | undefined => intAnnotation(rs, DESIRED_REPLICAS_ANNOTATION);

/** The new ReplicaSet runs, and is meant to run, every replica, and all are available. */
export function isSaturated(d: V1Deployment, rs: V1ReplicaSet | undefined): boolean {
  if (!rs) return false;
  const desired = intAnnotation(rs, DESIRED_REPLICAS_ANNOTATION);
  if (desired === undefined) return false;
  const replicas = specReplicas(d);
  return specReplicas(rs) === replicas && desired === replicas && (rs.status?.availableReplicas ?? 0) === replicas;
}

/**
 * The one ReplicaSet that should carry every replica (upstream FindActiveOrLatest): the only
 * active one, or when none is active the new one (else the newest old one); none when several
 * are active.
 */
export function findActiveOrLatest(newRS: V1ReplicaSet | undefined, oldRSs: V1ReplicaSet[]): V1ReplicaSet | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const newestFirst = [...oldRSs].sort((a, b) => byCreationTimestamp(b, a));
  const active = filterActive([...newestFirst, newRS]);
  if (active.length === 0) return newRS ?? newestFirst[0];
  if (active.length === 1) return active[0];
  return undefined;
}

/**
 * How many replicas the new ReplicaSet may have now (upstream NewRSNewReplicas): for a rolling
 * update, as many as the surge allows up to spec.replicas; for Recreate, all of them.
 */
export function newRSNewReplicas(d: V1Deployment, allRSs: Array<V1ReplicaSet | undefined>, newRS: V1ReplicaSet): number {
  const replicas = specReplicas(d);
  if (isRollingUpdate(d)) {
    const surge = scaledValue(d.spec?.strategy?.rollingUpdate?.maxSurge ?? 0, replicas, true);
    const current = replicaCount(allRSs);
    const maxTotal = replicas + surge;
    if (current >= maxTotal) return specReplicas(newRS);
    const up = Math.min(maxTotal - current, replicas - specReplicas(newRS));
    return specReplicas(newRS) + up;
  }
  if (isRecreate(d)) return replicas;
  throw new Error(`deployment type ${d.spec?.strategy?.type ?? ''} isn't supported`);
}

/** Go's math.Round: halves away from zero (JavaScript's Math.round sends -2.5 to -2). */
export function roundHalfAwayFromZero(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/**
 * What share of a Deployment-wide scale change this ReplicaSet takes (upstream
 * getReplicaSetFraction): its size scaled by new max size over the max size it was last sized
 * for (the max-replicas annotation, else status.replicas).
 */
export function replicaSetFraction(rs: V1ReplicaSet, d: V1Deployment): number {
  if (specReplicas(d) === 0) return -specReplicas(rs);
  const deploymentMax = specReplicas(d) + maxSurge(d);
  let before = intAnnotation(rs, MAX_REPLICAS_ANNOTATION);
  if (before === undefined || before === 0) {
    before = d.status?.replicas ?? 0;
    if (before === 0) return 0;
  }
  const newSize = (specReplicas(rs) * deploymentMax) / before;
  return roundHalfAwayFromZero(newSize) - specReplicas(rs);
}

/** Upstream GetProportion: the fraction, never beyond what is left to add (or remove). */
export function proportion(rs: V1ReplicaSet | undefined, d: V1Deployment, toAdd: number, added: number): number {
  if (!rs || specReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

/**
 * The sizes proportional scaling gives the active ReplicaSets (upstream scale(), the rolling
 * branch): the room between their sum and spec.replicas + maxSurge is shared by size, larger
 * first (newer first when growing, older first when shrinking), and what rounding leaves goes
 * to the first.
 */
export function proportionalSizes(d: V1Deployment, active: V1ReplicaSet[]): { sizes: Map<V1ReplicaSet, number>; direction: 'up' | 'down' | '' } {
  const current = replicaCount(active);
  const allowed = specReplicas(d) > 0 ? specReplicas(d) + maxSurge(d) : 0;
  const toAdd = allowed - current;
  const ordered = [...active];
  let direction: 'up' | 'down' | '' = '';
  if (toAdd > 0) { ordered.sort(bySizeNewer); direction = 'up'; }
  if (toAdd < 0) { ordered.sort(bySizeOlder); direction = 'down'; }
  const sizes = new Map<V1ReplicaSet, number>();
  let added = 0;
  for (const rs of ordered) {
    if (toAdd !== 0) {
      const p = proportion(rs, d, toAdd, added);
      sizes.set(rs, specReplicas(rs) + p);
      added += p;
    } else {
      sizes.set(rs, specReplicas(rs));
    }
  }
  if (toAdd !== 0 && ordered.length > 0) {
    const first = ordered[0]!;
    sizes.set(first, Math.max(0, sizes.get(first)! + toAdd - added));
  }
  // A Map keeps insertion order: callers scale in `ordered`'s order, as upstream does.
  return { sizes, direction };
}

export { canonicalJson, scaledValue };
