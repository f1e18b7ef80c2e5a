// ControllerRevision history, shared by the StatefulSet and DaemonSet controllers (upstream
// pkg/controller/history and the DaemonSet's own snapshot code): a revision is an immutable
// snapshot of an owner's pod template, stored as the patch that restores it
// (`{"spec":{"template":{…,"$patch":"replace"}}}`), named `<owner>-<hash>`, numbered by
// `revision`. Equal snapshots are found and reused (a rollback renumbers the old revision instead
// of creating a new one), name collisions bump a collision count, and history beyond
// revisionHistoryLimit is deleted oldest first, sparing the revisions still in use.
import { canonicalJson } from '../machinery/canonicaljson.ts';
import type { KubernetesObject, V1ControllerRevision, V1OwnerReference, V1PodTemplateSpec } from '@kubernetes/client-node';
import { decode, encode, isAlreadyExists, isConflict, isNotFound, millisOf, type Resource, type RestClient } from '../client/index.ts';
import { controllerRevisions } from '../client/resources.ts';
import { computeHash } from './lib/hash.ts';

/** The pod and DaemonSet-revision label naming a revision (upstream apps.ControllerRevisionHashLabelKey). */
export const CONTROLLER_REVISION_HASH_LABEL = 'controller-revision-hash';
/** The label history.NewControllerRevision puts on a revision: the hash of its data. */
export const REVISION_DATA_HASH_LABEL = 'controller.kubernetes.io/hash';

/** Upstream ControllerRevisionName: the owner's name cut to 223 bytes so the name fits in 253. */
export function revisionName(prefix: string, hash: string): string {
  return `${prefix.length > 223 ? prefix.slice(0, 223) : prefix}-${hash}`;
}


/** The template as it travels on the wire (client-node models hold Dates and class instances). */
export function wireTemplate(template: V1PodTemplateSpec | undefined): Record<string, unknown> {
  return (encode(template ?? {}, 'V1PodTemplateSpec') ?? {}) as Record<string, unknown>;
}

/**
 * The data of a revision of this template (upstream getPatch, the same for both controllers): a
 * strategic merge patch that puts the template back in place of whatever the owner holds.
 */
export function templatePatch(template: V1PodTemplateSpec | undefined): { spec: { template: Record<string, unknown> } } {
  return { spec: { template: { ...wireTemplate(template), $patch: 'replace' } } };
}

/** The template a revision restores (upstream ApplyRevision, which only ever patches the template). */
export function templateOfRevision(rev: V1ControllerRevision): V1PodTemplateSpec {
  const data = rev.data as { spec?: { template?: Record<string, unknown> } } | undefined;
  const { $patch: _ignored, ...template } = data?.spec?.template ?? {};
  return decode(template, 'V1PodTemplateSpec') as V1PodTemplateSpec;
}

/** Upstream HashControllerRevision: the data, and the collision count when there is one. */
export function hashRevisionData(data: unknown, collisionCount?: number | null): string {
  return computeHash(data, collisionCount);
}

/**
 * Upstream history.NewControllerRevision: the template's labels plus the data hash, a controller
 * reference to the owner, the data and the revision number; named `<owner>-<hash>`.
 */
export function newControllerRevision(
  owner: KubernetesObject, ref: V1OwnerReference, templateLabels: Record<string, string> | undefined,
  data: unknown, revision: number, collisionCount: number, annotations?: Record<string, string>,
): V1ControllerRevision {
  const hash = hashRevisionData(data, collisionCount);
  return {
    metadata: {
      name: revisionName(owner.metadata!.name!, hash),
      namespace: owner.metadata?.namespace,
      labels: { ...templateLabels, [REVISION_DATA_HASH_LABEL]: hash },
      ...(annotations && Object.keys(annotations).length > 0 ? { annotations: { ...annotations } } : {}),
      ownerReferences: [ref],
    },
    data, revision,
  };
}

/** Upstream EqualRevision: the same snapshot, whatever the names and numbers. */
export function equalRevision(a: V1ControllerRevision | undefined, b: V1ControllerRevision | undefined): boolean {
  if (!a || !b) return a === b;
  return canonicalJson(a.data) === canonicalJson(b.data);
}

/** Upstream FindEqualRevisions, in the order given. */
export function findEqualRevisions(revisions: V1ControllerRevision[], needle: V1ControllerRevision): V1ControllerRevision[] {
  return revisions.filter((r) => equalRevision(r, needle));
}

/** Upstream SortControllerRevisions: by revision, then creation time, then name. A new array. */
export function sortRevisions(revisions: V1ControllerRevision[]): V1ControllerRevision[] {
  return [...revisions].sort((a, b) => {
    if ((a.revision ?? 0) !== (b.revision ?? 0)) return (a.revision ?? 0) - (b.revision ?? 0);
    const ta = millisOf(a.metadata?.creationTimestamp) ?? 0;
    const tb = millisOf(b.metadata?.creationTimestamp) ?? 0;
    if (ta !== tb) return ta - tb;
    const na = a.metadata?.name ?? '';
    const nb = b.metadata?.name ?? '';
    return na < nb ? -1 : na > nb ? 1 : 0;
  });
}

/** One more than the highest revision number (1 for no history). */
export function nextRevision(revisions: V1ControllerRevision[]): number {
  return revisions.reduce((m, r) => Math.max(m, r.revision ?? 0), 0) + 1;
}

/**
 * The revisions to delete to keep at most `limit` of history, oldest first, never one that is
 * live (named in `live` by `keyOf`). `countLive` says whether live revisions use up the limit
 * (the DaemonSet's cleanupHistory) or not (the StatefulSet's truncateHistory).
 */
export function revisionsToTruncate(
  revisions: V1ControllerRevision[], live: Set<string>, limit: number,
  o: { keyOf?: (r: V1ControllerRevision) => string | undefined; countLive?: boolean } = {},
): V1ControllerRevision[] {
  const keyOf = o.keyOf ?? ((r: V1ControllerRevision) => r.metadata?.name);
  const sorted = sortRevisions(revisions);
  const isLive = (r: V1ControllerRevision) => { const k = keyOf(r); return k !== undefined && live.has(k); };
  const candidates = sorted.filter((r) => !isLive(r));
  const excess = (o.countLive ? sorted.length : candidates.length) - Math.max(0, limit);
  return excess > 0 ? candidates.slice(0, excess) : [];
}

/** Writes of an owner's history through the API (upstream history.realHistory). */
export class ControllerHistory {
  constructor(private readonly rest: RestClient, private readonly signal?: AbortSignal) {}

  /**
   * Creates the revision, renaming it with a higher collision count while the name is taken by a
   * different snapshot; an equal snapshot already there is returned as it is. Returns the revision
   * and the collision count it was named with.
   */
  async create(revision: V1ControllerRevision, collisionCount: number): Promise<{ revision: V1ControllerRevision; collisionCount: number }> {
    const ns = revision.metadata?.namespace ?? '';
    const owner = revision.metadata?.ownerReferences?.find((r) => r.controller)?.name ?? revision.metadata!.name!;
    for (let count = collisionCount; ; count++) {
      const hash = hashRevisionData(revision.data, count);
      const attempt: V1ControllerRevision = {
        ...revision,
        metadata: { ...revision.metadata, name: revisionName(owner, hash), labels: { ...revision.metadata?.labels, [REVISION_DATA_HASH_LABEL]: hash } },
      };
      try {
        return { revision: await this.rest.create(controllerRevisions, ns, attempt, { signal: this.signal }), collisionCount: count };
      } catch (e) {
        if (!isAlreadyExists(e)) throw e;
        const existing = await this.rest.get(controllerRevisions, ns, attempt.metadata!.name!, { signal: this.signal });
        if (equalRevision(existing, attempt)) return { revision: existing, collisionCount: count };
      }
    }
  }

  /** Gives the revision a new number (a rollback), re-reading it after a conflict. */
  async setRevision(revision: V1ControllerRevision, n: number): Promise<V1ControllerRevision> {
    let current = revision;
    for (let attempt = 0; ; attempt++) {
      if (current.revision === n) return current;
      const next = structuredClone(current);
      next.revision = n;
      try {
        return await this.rest.update(controllerRevisions, next.metadata?.namespace ?? '', next, { signal: this.signal });
      } catch (e) {
        if (!isConflict(e) || attempt >= 4) throw e;
        current = await this.rest.get(controllerRevisions, next.metadata?.namespace ?? '', next.metadata!.name!, { signal: this.signal });
      }
    }
  }

  /** Deletes a revision; one already gone is not an error. */
  async delete(revision: V1ControllerRevision): Promise<void> {
    try {
      await this.rest.delete(controllerRevisions as unknown as Resource, revision.metadata?.namespace ?? '', revision.metadata!.name!, {}, { signal: this.signal });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
}

export { canonicalJson };
