// Completion indexes of Indexed Jobs (upstream pkg/controller/job/indexed_job_utils.go): the
// index a pod carries, sets of indexes as ordered intervals ("0-2,5"), which indexes still need a
// pod, which duplicate pods go, and how an indexed pod is named and told its index.
import type { V1Container, V1Pod, V1PodTemplateSpec } from '@kubernetes/client-node';
import { compareForDeletion } from '../lib/pods.ts';

export const COMPLETION_INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';
export const COMPLETION_INDEX_ENV = 'JOB_COMPLETION_INDEX';
export const UNKNOWN_INDEX = -1;
/** apiserver names.MaxGeneratedNameLength: 63 minus the 5 random characters. */
const MAX_GENERATED_NAME = 58;

export interface Interval { first: number; last: number }

/** A set of indexes as sorted, non-touching intervals; String() is the status format ("1,3-5"). */
export class OrderedIntervals {
  constructor(readonly items: readonly Interval[] = []) {}

  /** This set plus `indexes` (given in increasing order). */
  withOrderedIndexes(indexes: readonly number[]): OrderedIntervals {
    return this.merge(new OrderedIntervals(indexes.map((i) => ({ first: i, last: i }))));
  }

  merge(other: OrderedIntervals): OrderedIntervals {
    const out: Interval[] = [];
    const push = (iv: Interval) => {
      const last = out[out.length - 1];
      if (!last || iv.first > last.last + 1) out.push({ ...iv });
      else if (last.last < iv.last) last.last = iv.last;
    };
    let i = 0, j = 0;
    const a = this.items, b = other.items;
    while (i < a.length && j < b.length) {
      if (a[i]!.first < b[j]!.first) push(a[i++]!);
      else push(b[j++]!);
    }
    while (i < a.length) push(a[i++]!);
    while (j < b.length) push(b[j++]!);
    return new OrderedIntervals(out);
  }

  total(): number {
    return this.items.reduce((n, iv) => n + iv.last - iv.first + 1, 0);
  }

  has(ix: number): boolean {
    let lo = 0, hi = this.items.length;
    while (hi > lo) {
      const mid = lo + ((hi - lo) >> 1);
      if (this.items[mid]!.last >= ix) hi = mid;
      else lo = mid + 1;
    }
    return hi < this.items.length && this.items[hi]!.first <= ix;
  }

  /** Upstream writes a two-index interval as "3,4" and longer ones as "3-6". */
  toString(): string {
    return this.items.map((iv) => (iv.last === iv.first ? `${iv.first}` : iv.last === iv.first + 1 ? `${iv.first},${iv.last}` : `${iv.first}-${iv.last}`)).join(',');
  }
}

/** Upstream parseIndexesFromString: indexes at or above `completions` are dropped, corrupt parts skipped. */
export function parseIndexes(s: string | undefined, completions: number): OrderedIntervals {
  if (!s) return new OrderedIntervals();
  const out: Interval[] = [];
  for (const part of s.split(',')) {
    const limits = part.split('-');
    const first = Number.parseInt(limits[0]!, 10);
    if (!/^\d+$/.test(limits[0]!) || Number.isNaN(first)) continue;
    if (first >= completions) break;
    let last = first;
    if (limits.length > 1) {
      if (!/^\d+$/.test(limits[1]!)) continue;
      last = Math.min(Number.parseInt(limits[1]!, 10), completions - 1);
    }
    const prev = out[out.length - 1];
    if (prev && prev.last === first - 1) prev.last = last;
    else out.push({ first, last });
  }
  return new OrderedIntervals(out);
}

/** The pod's completion index from its annotation, or UNKNOWN_INDEX. */
export function completionIndexOf(pod: V1Pod): number {
  const v = pod.metadata?.annotations?.[COMPLETION_INDEX_ANNOTATION];
  if (v === undefined || !/^[+-]?\d+$/.test(v)) return UNKNOWN_INDEX;
  const i = Number(v);
  return i < 0 || !Number.isSafeInteger(i) ? UNKNOWN_INDEX : i;
}

export const byCompletionIndex = (a: V1Pod, b: V1Pod): number => completionIndexOf(a) - completionIndexOf(b);

function indexesOf(pods: readonly V1Pod[]): number[] {
  const s = new Set<number>();
  for (const p of pods) {
    const ix = completionIndexOf(p);
    if (ix !== UNKNOWN_INDEX) s.add(ix);
  }
  return [...s].sort((a, b) => a - b);
}

/**
 * The first `count` indexes below `completions` that no active pod holds and that have not
 * succeeded (nor, when only failed pods are replaced, that a terminating pod still holds).
 */
export function firstPendingIndexes(o: {
  count: number; completions: number; activePods: readonly V1Pod[]; succeeded: OrderedIntervals;
  terminatingPods?: readonly V1Pod[];
}): number[] {
  if (o.count <= 0) return [];
  let nonPending = o.succeeded.withOrderedIndexes(indexesOf(o.activePods));
  if (o.terminatingPods) nonPending = nonPending.withOrderedIndexes(indexesOf(o.terminatingPods));
  const out: number[] = [];
  let candidate = 0;
  for (const iv of nonPending.items) {
    for (; candidate < o.completions && out.length < o.count && candidate < iv.first; candidate++) out.push(candidate);
    if (candidate < iv.last + 1) candidate = iv.last + 1;
  }
  for (; candidate < o.completions && out.length < o.count; candidate++) out.push(candidate);
  return out;
}

/**
 * Active pods an Indexed Job must remove whatever its counts: those without a valid index or with
 * one out of range, and all but the best pod of a repeated index. `left` is the rest.
 */
export function duplicatedIndexPodsForRemoval(pods: readonly V1Pod[], completions: number): { rm: V1Pod[]; left: V1Pod[] } {
  const rm: V1Pod[] = [];
  const left: V1Pod[] = [];
  const sorted = [...pods].sort(byCompletionIndex);
  const flush = (group: V1Pod[], ix: number) => {
    if (group.length === 0) return;
    if (ix === UNKNOWN_INDEX) { rm.push(...group); return; }
    if (group.length === 1) { left.push(group[0]!); return; }
    const ordered = [...group].sort((a, b) => compareForDeletion(a, b));
    rm.push(...ordered.slice(0, -1));
    left.push(ordered[ordered.length - 1]!);
  };
  let group: V1Pod[] = [];
  let groupIx = UNKNOWN_INDEX;
  for (let i = 0; i < sorted.length; i++) {
    const ix = completionIndexOf(sorted[i]!);
    if (ix >= completions) {
      flush(group, groupIx);
      group = [];
      rm.push(...sorted.slice(i));
      return { rm, left };
    }
    if (ix !== groupIx) {
      flush(group, groupIx);
      group = [];
      groupIx = ix;
    }
    group.push(sorted[i]!);
  }
  flush(group, groupIx);
  return { rm, left };
}

/** `<job>-<index>-`, the job name cut so the prefix fits a generated name. */
export function podGenerateNameWithIndex(jobName: string, index: number): string {
  const suffix = `-${index}-`;
  const prefix = `${jobName}${suffix}`;
  return prefix.length > MAX_GENERATED_NAME ? `${prefix.slice(0, MAX_GENERATED_NAME - suffix.length)}${suffix}` : prefix;
}

/**
 * Every container learns its index from JOB_COMPLETION_INDEX, read through the downward API from
 * the index label (upstream with PodIndexLabel, on by default since 1.28).
 */
export function addCompletionIndexEnv(template: V1PodTemplateSpec): void {
  const add = (c: V1Container) => {
    if (c.env?.some((e) => e.name === COMPLETION_INDEX_ENV)) return;
    (c.env ??= []).push({ name: COMPLETION_INDEX_ENV, valueFrom: { fieldRef: { fieldPath: `metadata.labels['${COMPLETION_INDEX_ANNOTATION}']` } } });
  };
  for (const c of template.spec?.initContainers ?? []) add(c);
  for (const c of template.spec?.containers ?? []) add(c);
}
