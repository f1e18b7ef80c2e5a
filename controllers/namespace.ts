// The namespace controller (upstream pkg/controller/namespace): a namespace being deleted has all
// its content deleted — every namespaced resource discovery lists that can be deleted — and,
// once nothing remains, its "kubernetes" finalizer removed through the finalize subresource, so
// the API server can remove it. Its status conditions say what is holding it, in upstream's words.
import type { V1Namespace, V1NamespaceCondition } from '@kubernetes/client-node';
import { defineController, discoverResources, isConflict, isNotFound, statusCodeOf, supportsVerbs, toResource, type APIResourceInfo, type RestClient } from '../client/index.ts';
import { namespaces } from '../client/resources.ts';

/** The spec finalizer this controller owns (upstream's FinalizerKubernetes). */
export const FINALIZER_KUBERNETES = 'kubernetes';

/** The conditions upstream's deleter maintains, in its order, with its success reasons and messages. */
const CONDITIONS: Array<{ type: string; okReason: string; okMessage: string }> = [
  { type: 'NamespaceDeletionDiscoveryFailure', okReason: 'ResourcesDiscovered', okMessage: 'All resources successfully discovered' },
  { type: 'NamespaceDeletionGroupVersionParsingFailure', okReason: 'ParsedGroupVersions', okMessage: 'All legacy kube types successfully parsed' },
  { type: 'NamespaceDeletionContentFailure', okReason: 'ContentDeleted', okMessage: 'All content successfully deleted, may be waiting on finalization' },
  { type: 'NamespaceContentRemaining', okReason: 'ContentRemoved', okMessage: 'All content successfully removed' },
  { type: 'NamespaceFinalizersRemaining', okReason: 'ContentHasNoFinalizers', okMessage: 'All content-preserving finalizers finished' },
];

export interface Failure { reason: string; message: string }

/** What deleting a namespace's content found. */
export interface ContentDeletion {
  /** Failures by condition type. */
  failures: Map<string, Failure>;
  /** Objects still present. */
  remaining: number;
  /** Seconds until the remaining content may be gone (upstream's estimate; 0 when unknown). */
  estimateSeconds: number;
  errors: Error[];
}

/**
 * The namespace's conditions after a pass: upstream's updateDeleteStatusConditions, pure. The
 * five deleter conditions in order (True with the failure, else False with the success reason),
 * then any others kept; a transition time changes only with the status.
 */
export function namespaceConditions(existing: V1NamespaceCondition[], failures: Map<string, Failure>, now: Date): V1NamespaceCondition[] {
  const out: V1NamespaceCondition[] = [];
  for (const c of CONDITIONS) {
    const f = failures.get(c.type);
    const next: V1NamespaceCondition = f
      ? { type: c.type, status: 'True', reason: f.reason, message: f.message }
      : { type: c.type, status: 'False', reason: c.okReason, message: c.okMessage };
    const prev = existing.find((e) => e.type === c.type);
    next.lastTransitionTime = prev && prev.status === next.status && prev.lastTransitionTime ? prev.lastTransitionTime : now;
    out.push(next);
  }
  for (const e of existing) if (!CONDITIONS.some((c) => c.type === e.type)) out.push(e);
  return out;
}

function sameConditions(a: V1NamespaceCondition[], b: V1NamespaceCondition[]): boolean {
  const strip = (cs: V1NamespaceCondition[]) => JSON.stringify(cs.map((c) => [c.type, c.status, c.reason, c.message]));
  return strip(a) === strip(b);
}

const gr = (r: APIResourceInfo) => `${r.plural}.${r.group}`;

/** Deletes every deletable namespaced object in the namespace and counts what remains. */
export async function deleteAllContent(rest: RestClient, namespace: string, signal?: AbortSignal): Promise<ContentDeletion> {
  const failures = new Map<string, Failure>();
  const errors: Error[] = [];
  const discovery = await discoverResources(rest, signal);
  if (discovery.failed.size > 0) {
    const list = [...discovery.failed].map(([gv, e]) => `${gv}: ${e.message}`);
    failures.set('NamespaceDeletionDiscoveryFailure', { reason: 'DiscoveryFailed', message: `Discovery failed for some groups, ${list.length} failing: ${list.join(', ')}` });
  }
  const deletable = discovery.resources.filter((r) => r.namespaced && supportsVerbs(r, 'delete'));
  const remainingByResource = new Map<string, number>();
  const remainingByFinalizer = new Map<string, number>();
  const deleteErrors: string[] = [];
  let remaining = 0;
  await Promise.all(deletable.map(async (info) => {
    const res = toResource(info);
    try {
      // Upstream prefers one DELETE of the collection, falling back to one DELETE per object.
      let collectionDone = false;
      if (supportsVerbs(info, 'deletecollection')) {
        try {
          await rest.deleteCollection(res, namespace, { propagationPolicy: 'Background' }, { signal });
          collectionDone = true;
        } catch (e) {
          if (statusCodeOf(e) !== 405 && !isNotFound(e)) throw e;
        }
      }
      if (!supportsVerbs(info, 'list')) return;
      const left = await rest.list(res, namespace, { signal });
      if (!collectionDone) {
        for (const obj of left.items) {
          if (obj.metadata?.deletionTimestamp) continue;
          try {
            await rest.delete(res, namespace, obj.metadata!.name!, { propagationPolicy: 'Background', preconditions: { uid: obj.metadata?.uid } }, { signal });
          } catch (e) {
            if (!isNotFound(e) && !isConflict(e)) throw e;
          }
        }
      }
      const still = collectionDone ? left.items : (await rest.list(res, namespace, { signal })).items;
      if (still.length === 0) return;
      remaining += still.length;
      remainingByResource.set(gr(info), still.length);
      for (const obj of still) for (const f of obj.metadata?.finalizers ?? []) remainingByFinalizer.set(f, (remainingByFinalizer.get(f) ?? 0) + 1);
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      errors.push(err);
      deleteErrors.push(`${gr(info)}: ${err.message}`);
    }
  }));
  if (deleteErrors.length > 0) {
    failures.set('NamespaceDeletionContentFailure', {
      reason: 'ContentDeletionFailed', message: `Failed to delete all resource types, ${deleteErrors.length} remaining: ${deleteErrors.sort().join(', ')}`,
    });
  }
  if (remainingByResource.size > 0) {
    const parts = [...remainingByResource].map(([r, n]) => `${r} has ${n} resource instances`).sort();
    failures.set('NamespaceContentRemaining', { reason: 'SomeResourcesRemain', message: `Some resources are remaining: ${parts.join(', ')}` });
  }
  if (remainingByFinalizer.size > 0) {
    const parts = [...remainingByFinalizer].map(([f, n]) => `${f} in ${n} resource instances`).sort();
    failures.set('NamespaceFinalizersRemaining', { reason: 'SomeFinalizersRemain', message: `Some content in the namespace has finalizers remaining: ${parts.join(', ')}` });
  }
  return { failures, remaining, estimateSeconds: 0, errors };
}

export const namespaceController = defineController({
  name: 'namespace',
  primary: namespaces,
  workers: 2,
  async sync(key, { clients, lister, signal }) {
    const cached = lister(namespaces).get(key);
    if (!cached?.metadata?.deletionTimestamp) return;
    const rest = clients.rest;
    // The cache may be behind: act on the namespace as it is now (as upstream does).
    let ns: V1Namespace;
    try {
      ns = await rest.get(namespaces, '', key, { signal });
    } catch (e) {
      if (isNotFound(e)) return;
      throw e;
    }
    if (!ns.metadata?.deletionTimestamp || !(ns.spec?.finalizers ?? []).includes(FINALIZER_KUBERNETES)) return;

    const result = await deleteAllContent(rest, key, signal);
    // metav1.Time has whole seconds on the wire.
    const conditions = namespaceConditions(ns.status?.conditions ?? [], result.failures, new Date(Math.floor(Date.now() / 1000) * 1000));
    if (!sameConditions(conditions, ns.status?.conditions ?? [])) {
      ns = await rest.update(namespaces, '', { ...ns, status: { ...ns.status, conditions } }, { subresource: 'status', signal });
    }
    if (result.errors.length > 0) throw new Error(`deleting content of namespace ${key}: ${result.errors.map((e) => e.message).join('; ')}`);
    // Upstream re-queues after half the estimate plus a second while content remains.
    if (result.remaining > 0) return { requeueAfterMs: (Math.floor(result.estimateSeconds / 2) + 1) * 1000 };

    // Nothing left: drop our finalizer (retrying on conflict with a fresh read).
    for (let attempt = 0; ; attempt++) {
      const finalizers = (ns.spec?.finalizers ?? []).filter((f) => f !== FINALIZER_KUBERNETES);
      try {
        await rest.update(namespaces, '', { ...ns, spec: { ...ns.spec, finalizers } }, { subresource: 'finalize', signal });
        return;
      } catch (e) {
        if (isNotFound(e)) return;
        if (!isConflict(e) || attempt >= 4) throw e;
      }
      try {
        ns = await rest.get(namespaces, '', key, { signal });
      } catch (e) {
        if (isNotFound(e)) return;
        throw e;
      }
      if (!(ns.spec?.finalizers ?? []).includes(FINALIZER_KUBERNETES)) return;
    }
  },
});
