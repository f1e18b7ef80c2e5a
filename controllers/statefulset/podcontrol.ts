// Creating, updating and deleting a StatefulSet's pods and claims (upstream StatefulPodControl):
// claims before the pod, owner references on claims kept to the retention policy, and an event
// on the set for every write in upstream's words ("create Pod web-0 in StatefulSet web successful").
import type { V1PersistentVolumeClaim, V1Pod, V1StatefulSet } from '@kubernetes/client-node';
import { isAlreadyExists, isConflict, isNotFound, type EventRecorder, type Lister, type RestClient } from '../../client/index.ts';
import { persistentVolumeClaims, pods } from '../../client/resources.ts';
import { applyIdentity, claimIsStale, claimOwnerRefs, claimOwnersUpToDate, claimsForPod, identityMatches, ordinalOf } from './utils.ts';

const title = (verb: string) => verb[0]!.toUpperCase() + verb.slice(1);

export class StatefulPodControl {
  constructor(
    private readonly rest: RestClient,
    private readonly recorder: EventRecorder,
    private readonly claims: Lister<V1PersistentVolumeClaim>,
    private readonly signal?: AbortSignal,
  ) {}

  /** Upstream recordPodEvent. */
  private podEvent(verb: string, set: V1StatefulSet, pod: V1Pod, err?: unknown): void {
    const name = pod.metadata?.name;
    if (err === undefined) this.recorder.event(set, 'Normal', `Successful${title(verb)}`, `${verb} Pod ${name} in StatefulSet ${set.metadata?.name} successful`);
    else this.recorder.event(set, 'Warning', `Failed${title(verb)}`, `${verb} Pod ${name} in StatefulSet ${set.metadata?.name} failed error: ${(err as Error)?.message ?? String(err)}`);
  }

  /** Upstream recordClaimEvent. */
  private claimEvent(verb: string, set: V1StatefulSet, pod: V1Pod, claim: V1PersistentVolumeClaim, err?: unknown): void {
    const c = claim.metadata?.name;
    if (err === undefined) this.recorder.event(set, 'Normal', `Successful${title(verb)}`, `${verb} Claim ${c} Pod ${pod.metadata?.name} in StatefulSet ${set.metadata?.name} success`);
    else this.recorder.event(set, 'Warning', `Failed${title(verb)}`, `${verb} Claim ${c} for Pod ${pod.metadata?.name} in StatefulSet ${set.metadata?.name} failed error: ${(err as Error)?.message ?? String(err)}`);
  }

  /**
   * Creates the pod's claims and then the pod. Returns false when this set's pod of that name
   * already exists (the cache has not seen it yet): nothing to report, the informer will.
   */
  async createPod(set: V1StatefulSet, pod: V1Pod): Promise<boolean> {
    try {
      await this.createClaims(set, pod);
    } catch (e) {
      this.podEvent('create', set, pod, e);
      throw e;
    }
    try {
      await this.rest.create(pods, set.metadata!.namespace!, pod, { signal: this.signal });
    } catch (e) {
      if (isAlreadyExists(e)) {
        // Ours, created on an earlier pass the cache has not caught up with: wait for it. Anything
        // else holding the name is an error to retry and report (upstream returns AlreadyExists).
        const existing = await this.rest.get(pods, set.metadata!.namespace!, pod.metadata!.name!, { signal: this.signal }).catch(() => undefined);
        if (existing && existing.metadata?.ownerReferences?.some((r) => r.controller && r.uid === set.metadata?.uid)) return false;
        throw e;
      }
      this.podEvent('create', set, pod, e);
      throw e;
    }
    this.podEvent('create', set, pod);
    return true;
  }

  /** Upstream createMissingPersistentVolumeClaims: for a pending pod whose claims went missing. */
  async createMissingClaims(set: V1StatefulSet, pod: V1Pod): Promise<void> {
    await this.createClaims(set, pod);
    await this.updateClaimsForRetention(set, pod);
  }

  /**
   * Upstream createPersistentVolumeClaims: every claim the pod mounts exists (created with the
   * owner references the retention policy asks for), and none is being deleted.
   */
  async createClaims(set: V1StatefulSet, pod: V1Pod): Promise<void> {
    const errors: string[] = [];
    for (const claim of claimsForPod(set, pod).values()) {
      const name = claim.metadata!.name!;
      let existing = this.claims.getByName(set.metadata!.namespace!, name);
      if (!existing) {
        const refs = claimOwnerRefs(claim, set, pod);
        const toCreate: V1PersistentVolumeClaim = { ...claim, metadata: { ...claim.metadata, ...(refs.length > 0 ? { ownerReferences: refs } : {}) } };
        try {
          await this.rest.create(persistentVolumeClaims, set.metadata!.namespace!, toCreate, { signal: this.signal });
          this.claimEvent('create', set, pod, claim);
          continue;
        } catch (e) {
          if (!isAlreadyExists(e)) {
            this.claimEvent('create', set, pod, claim, e);
            errors.push(`failed to create PVC ${name}: ${(e as Error).message}`);
            continue;
          }
          // Created since the cache was filled: look at it as it is now.
          existing = await this.rest.get(persistentVolumeClaims, set.metadata!.namespace!, name, { signal: this.signal });
        }
      }
      if (existing.metadata?.deletionTimestamp) errors.push(`pvc ${name} is being deleted`);
    }
    if (errors.length > 0) throw new Error(errors.join('; '));
  }

  /** Upstream ClaimsMatchRetentionPolicy, over the claims the cache holds. */
  claimsMatchRetention(set: V1StatefulSet, pod: V1Pod): boolean {
    for (const claim of claimsForPod(set, pod).values()) {
      const existing = this.claims.getByName(set.metadata!.namespace!, claim.metadata!.name!);
      if (existing && !claimOwnersUpToDate(existing, set, pod)) return false;
    }
    return true;
  }

  /** Upstream UpdatePodClaimForRetentionPolicy. */
  async updateClaimsForRetention(set: V1StatefulSet, pod: V1Pod): Promise<void> {
    for (const claim of claimsForPod(set, pod).values()) {
      const cached = this.claims.getByName(set.metadata!.namespace!, claim.metadata!.name!);
      if (!cached || claimOwnersUpToDate(cached, set, pod)) continue;
      let current = cached;
      for (let attempt = 0; ; attempt++) {
        const next = structuredClone(current);
        next.metadata!.ownerReferences = claimOwnerRefs(current, set, pod);
        try {
          await this.rest.update(persistentVolumeClaims, set.metadata!.namespace!, next, { signal: this.signal });
          break;
        } catch (e) {
          if (isNotFound(e)) break;
          if (!isConflict(e) || attempt >= 3) throw new Error(`could not update claim ${claim.metadata!.name} for delete policy ownerRefs: ${(e as Error).message}`);
          current = await this.rest.get(persistentVolumeClaims, set.metadata!.namespace!, claim.metadata!.name!, { signal: this.signal });
          if (claimOwnersUpToDate(current, set, pod)) break;
        }
      }
    }
  }

  /** Upstream PodClaimIsStale: a claim a gone pod of this name still owns blocks its successor. */
  podClaimIsStale(set: V1StatefulSet, pod: V1Pod): boolean {
    for (const claim of claimsForPod(set, pod).values()) {
      const existing = this.claims.getByName(set.metadata!.namespace!, claim.metadata!.name!);
      if (existing && claimIsStale(existing, set, pod)) return true;
    }
    return false;
  }

  /**
   * Upstream UpdateStatefulPod: restores the pod's identity labels and its claims' owner
   * references. (Volumes of a running pod cannot change; missing claims are created.)
   */
  async updatePod(set: V1StatefulSet, pod: V1Pod): Promise<void> {
    let attempted = false;
    try {
      let current = pod;
      for (let attempt = 0; ; attempt++) {
        if (!identityMatches(set, current)) {
          attempted = true;
          const next = structuredClone(current);
          applyIdentity(set, next, ordinalOf(current));
          try {
            await this.rest.update(pods, set.metadata!.namespace!, next, { signal: this.signal });
          } catch (e) {
            if (!isConflict(e) || attempt >= 3) throw e;
            current = await this.rest.get(pods, set.metadata!.namespace!, pod.metadata!.name!, { signal: this.signal });
            continue;
          }
        }
        break;
      }
      await this.createClaims(set, pod);
      if (!this.claimsMatchRetention(set, pod)) {
        attempted = true;
        await this.updateClaimsForRetention(set, pod);
      }
    } catch (e) {
      this.podEvent('update', set, pod, e);
      throw e;
    }
    if (attempted) this.podEvent('update', set, pod);
  }

  /** Deletes a pod of the set and reports it; a pod already gone is not an error. */
  async deletePod(set: V1StatefulSet, pod: V1Pod): Promise<void> {
    try {
      await this.rest.delete(pods, set.metadata!.namespace!, pod.metadata!.name!, { preconditions: { uid: pod.metadata?.uid } }, { signal: this.signal });
    } catch (e) {
      if (isNotFound(e)) return;
      // A same-named replacement is not ours to delete.
      if (isConflict(e)) return;
      this.podEvent('delete', set, pod, e);
      throw e;
    }
    this.podEvent('delete', set, pod);
  }
}
