// A DaemonSet's ControllerRevisions (upstream pkg/controller/daemon/update.go constructHistory,
// snapshot, dedupCurHistories, cleanupHistory): the revision matching the current template is
// found (or created, named `<ds>-<template hash>` and labelled with the hash its pods carry) and
// renumbered to be the newest; duplicates are merged; history beyond revisionHistoryLimit that
// no pod runs any more is deleted.
import type { V1ControllerRevision, V1DaemonSet, V1Pod } from '@kubernetes/client-node';
import { isAlreadyExists, type RestClient } from '../../client/index.ts';
import { controllerRevisions, daemonSets, pods } from '../../client/resources.ts';
import { computeHash } from '../lib/hash.ts';
import { controllerRefTo } from '../lib/podcontrol.ts';
import {
  CONTROLLER_REVISION_HASH_LABEL, ControllerHistory, canonicalJson, revisionsToTruncate, templatePatch, wireTemplate,
} from '../revisions.ts';

export const DS_API_VERSION = 'apps/v1';
export const DS_KIND = 'DaemonSet';

/** Upstream Match: the revision holds exactly the DaemonSet's current template. */
export const matchesTemplate = (ds: V1DaemonSet, rev: V1ControllerRevision): boolean =>
  canonicalJson(templatePatch(ds.spec?.template)) === canonicalJson(rev.data);

/** The hash a DaemonSet's template names its revision and pods with (upstream ComputeHash of the template). */
export const templateHash = (ds: V1DaemonSet): string => computeHash(wireTemplate(ds.spec?.template), ds.status?.collisionCount);

export interface HistoryEnv {
  rest: RestClient;
  signal?: AbortSignal;
  /** The DaemonSet's pods as claimed this pass. */
  pods: V1Pod[];
}

/** Upstream snapshot: creates the revision of the current template; a name taken by another template bumps collisionCount. */
async function snapshot(ds: V1DaemonSet, revision: number, env: HistoryEnv): Promise<V1ControllerRevision> {
  const hash = templateHash(ds);
  const ns = ds.metadata!.namespace!;
  const rev: V1ControllerRevision = {
    metadata: {
      name: `${ds.metadata!.name}-${hash}`, namespace: ns,
      labels: { ...ds.spec?.template?.metadata?.labels, [CONTROLLER_REVISION_HASH_LABEL]: hash },
      ...(ds.metadata?.annotations ? { annotations: { ...ds.metadata.annotations } } : {}),
      ownerReferences: [controllerRefTo(ds, DS_API_VERSION, DS_KIND)],
    },
    data: templatePatch(ds.spec?.template), revision,
  };
  try {
    return await env.rest.create(controllerRevisions, ns, rev, { signal: env.signal });
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
    const existing = await env.rest.get(controllerRevisions, ns, rev.metadata!.name!, { signal: env.signal });
    if (matchesTemplate(ds, existing)) return existing;
    // Another template has this name: count the collision (on the freshest DaemonSet) and retry.
    const fresh = await env.rest.get(daemonSets, ns, ds.metadata!.name!, { signal: env.signal });
    if ((fresh.status?.collisionCount ?? undefined) !== (ds.status?.collisionCount ?? undefined)) {
      throw new Error(`found a stale collision count (${ds.status?.collisionCount}, expected ${fresh.status?.collisionCount}) of DaemonSet "${ds.metadata!.name}" while processing; will retry until it is updated`);
    }
    const bumped = structuredClone(fresh);
    bumped.status = { ...bumped.status!, collisionCount: (fresh.status?.collisionCount ?? 0) + 1 };
    await env.rest.update(daemonSets, ns, bumped, { subresource: 'status', signal: env.signal });
    throw e;
  }
}

/** Upstream dedupCurHistories: keep the highest-numbered, move pods onto its hash, delete the rest. */
async function dedup(ds: V1DaemonSet, current: V1ControllerRevision[], env: HistoryEnv): Promise<V1ControllerRevision> {
  if (current.length === 1) return current[0]!;
  let keep = current[0]!;
  for (const r of current) if ((r.revision ?? 0) >= (keep.revision ?? 0)) keep = r;
  const keepHash = keep.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL];
  for (const pod of env.pods) {
    if (pod.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] === keepHash) continue;
    await env.rest.patch(pods, ds.metadata!.namespace!, pod.metadata!.name!, { metadata: { labels: { [CONTROLLER_REVISION_HASH_LABEL]: keepHash } } }, { type: 'merge', signal: env.signal });
  }
  const history = new ControllerHistory(env.rest, env.signal);
  for (const r of current) if (r !== keep) await history.delete(r);
  return keep;
}

/**
 * Upstream constructHistory over the revisions the DaemonSet controls: returns the current
 * revision (its hash label is the hash new pods get) and the older ones.
 */
export async function constructHistory(ds: V1DaemonSet, revisions: V1ControllerRevision[], env: HistoryEnv): Promise<{ cur: V1ControllerRevision; old: V1ControllerRevision[] }> {
  const current: V1ControllerRevision[] = [];
  const old: V1ControllerRevision[] = [];
  for (let rev of revisions) {
    // Revisions from before the hash label are labelled with their name (no collision to fear).
    if (!rev.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL]) {
      const next = structuredClone(rev);
      next.metadata!.labels = { ...next.metadata!.labels, [CONTROLLER_REVISION_HASH_LABEL]: next.metadata!.name! };
      rev = await env.rest.update(controllerRevisions, ds.metadata!.namespace!, next, { signal: env.signal });
    }
    (matchesTemplate(ds, rev) ? current : old).push(rev);
  }
  const next = old.reduce((m, r) => Math.max(m, r.revision ?? 0), 0) + 1;
  if (current.length === 0) return { cur: await snapshot(ds, next, env), old };
  let cur = await dedup(ds, current, env);
  if ((cur.revision ?? 0) < next) cur = await new ControllerHistory(env.rest, env.signal).setRevision(cur, next);
  return { cur, old };
}

/** Upstream cleanupHistory: old revisions beyond the limit go, oldest first, unless a pod still runs them. */
export async function cleanupHistory(ds: V1DaemonSet, old: V1ControllerRevision[], env: HistoryEnv): Promise<void> {
  const liveHashes = new Set(env.pods.map((p) => p.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL]).filter((h): h is string => !!h));
  const doomed = revisionsToTruncate(old, liveHashes, ds.spec?.revisionHistoryLimit ?? 10, {
    keyOf: (r) => r.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL], countLive: true,
  });
  const history = new ControllerHistory(env.rest, env.signal);
  for (const r of doomed) await history.delete(r);
}
