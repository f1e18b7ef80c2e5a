// Adoption and release (upstream pkg/controller ControllerRefManager.ClaimObject): an owner
// claims the objects its selector matches that have no controller, and lets go of the ones it
// controls that no longer match. Both are patches on the object carrying its UID, so a patch
// never lands on a same-named replacement.
import type { KubernetesObject, V1OwnerReference } from '@kubernetes/client-node';
import { controllerRef, isNotFound, type Resource, type RestClient } from '../../client/index.ts';
import type { Selector } from '../../machinery/labels.ts';

export interface ClaimOptions<T extends KubernetesObject> {
  rest: RestClient;
  resource: Resource<T>;
  owner: KubernetesObject;
  /** The reference the owner adopts with (controller: true). */
  ownerRef: V1OwnerReference;
  selector: Selector;
  /**
   * Checked once before the first adoption (upstream's RecheckDeletionTimestamp): a fresh read
   * of the owner, so an owner deleted or replaced since the cache saw it adopts nothing.
   */
  canAdopt: () => Promise<boolean>;
  signal?: AbortSignal;
}

/** The objects the owner controls after adopting and releasing: those it should manage. */
export async function claimObjects<T extends KubernetesObject>(candidates: T[], o: ClaimOptions<T>): Promise<T[]> {
  const claimed: T[] = [];
  let adoptable: boolean | undefined;
  const ownerUid = o.owner.metadata?.uid;
  const ownerDeleting = !!o.owner.metadata?.deletionTimestamp;
  for (const obj of candidates) {
    const ref = controllerRef(obj);
    const matches = o.selector.matches(obj.metadata?.labels ?? {});
    if (ref) {
      if (ref.uid !== ownerUid) continue;
      if (matches || ownerDeleting) { claimed.push(obj); continue; }
      if (obj.metadata?.deletionTimestamp) continue;
      await release(obj, o);
      continue;
    }
    if (!matches || ownerDeleting || obj.metadata?.deletionTimestamp) continue;
    adoptable ??= await o.canAdopt();
    if (!adoptable) continue;
    const adopted = await adopt(obj, o);
    if (adopted) claimed.push(adopted);
  }
  return claimed;
}

async function adopt<T extends KubernetesObject>(obj: T, o: ClaimOptions<T>): Promise<T | undefined> {
  const patch = { metadata: { ownerReferences: [o.ownerRef], uid: obj.metadata!.uid } };
  try {
    return await o.rest.patch(o.resource, obj.metadata?.namespace ?? '', obj.metadata!.name!, patch, { type: 'strategic', signal: o.signal });
  } catch (e) {
    // Gone, or replaced by another object of that name (the UID no longer matches): nothing to adopt.
    if (isNotFound(e) || (e as { code?: number }).code === 422) return undefined;
    throw e;
  }
}

async function release<T extends KubernetesObject>(obj: T, o: ClaimOptions<T>): Promise<void> {
  const patch = { metadata: { ownerReferences: [{ $patch: 'delete', uid: o.owner.metadata!.uid }], uid: obj.metadata!.uid } };
  try {
    await o.rest.patch(o.resource, obj.metadata?.namespace ?? '', obj.metadata!.name!, patch, { type: 'strategic', signal: o.signal });
  } catch (e) {
    if (isNotFound(e) || (e as { code?: number }).code === 422) return;
    throw e;
  }
}

/** A canAdopt for owners read fresh by name: true while the stored owner is this one and not being deleted. */
export function recheckOwner(read: () => Promise<KubernetesObject>, uid: string | undefined): () => Promise<boolean> {
  return async () => {
    try {
      const fresh = await read();
      return fresh.metadata?.uid === uid && !fresh.metadata?.deletionTimestamp;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  };
}
