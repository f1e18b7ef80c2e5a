// Creating and deleting the pods of a controller (upstream pkg/controller RealPodControl): a pod
// is its owner's template with a controller reference and a generated name, and every create or
// delete is reported as an event on the owner.
import type { KubernetesObject, V1OwnerReference, V1Pod, V1PodTemplateSpec } from '@kubernetes/client-node';
import { ApiError, isNotFound, type EventRecorder, type RestClient } from '../../client/index.ts';
import { pods } from '../../client/resources.ts';

const MAX_NAME = 253;

/** The controller reference an owner puts on what it creates. */
export function controllerRefTo(owner: KubernetesObject, apiVersion: string, kind: string): V1OwnerReference {
  return {
    apiVersion, kind, name: owner.metadata!.name!, uid: owner.metadata!.uid!,
    controller: true, blockOwnerDeletion: true,
  };
}

/**
 * The pod a template describes (upstream GetPodFromTemplate): template labels, annotations and
 * finalizers, the spec as it is, a name generated from the owner's ("web-" → "web-x7k2p").
 */
export function podFromTemplate(template: V1PodTemplateSpec, ownerName: string, ref: V1OwnerReference | undefined): V1Pod {
  const prefix = `${ownerName}-`.length <= MAX_NAME - 5 ? `${ownerName}-` : ownerName;
  const meta = template.metadata ?? {};
  return {
    metadata: {
      generateName: prefix,
      ...(meta.labels ? { labels: { ...meta.labels } } : {}),
      ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
      ...(meta.finalizers ? { finalizers: [...meta.finalizers] } : {}),
      ...(ref ? { ownerReferences: [ref] } : {}),
    },
    spec: structuredClone(template.spec),
  };
}

/** True when the API server refused a create because the namespace is being deleted (upstream NamespaceTerminatingCause). */
export function isNamespaceTerminating(e: unknown): boolean {
  return e instanceof ApiError && !!e.status?.details?.causes?.some((c) => c.reason === 'NamespaceTerminating');
}

export class PodControl {
  constructor(private readonly rest: RestClient, private readonly recorder: EventRecorder) {}

  /**
   * Creates a pod for `owner` and reports it; a failure is reported (unless the namespace is
   * going away, where every create fails) and rethrown. A pod without labels is refused, as
   * upstream does: no selector could ever find it again.
   */
  async create(namespace: string, pod: V1Pod, owner: KubernetesObject, signal?: AbortSignal): Promise<V1Pod> {
    if (Object.keys(pod.metadata?.labels ?? {}).length === 0) throw new Error('unable to create pods, no labels');
    try {
      const created = await this.rest.create(pods, namespace, pod, { signal });
      this.recorder.event(owner, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata?.name}`);
      return created;
    } catch (e) {
      if (!isNamespaceTerminating(e)) this.recorder.event(owner, 'Warning', 'FailedCreate', `Error creating: ${(e as Error).message}`);
      throw e;
    }
  }

  /**
   * Deletes a pod of `owner` and reports it. Resolves true when this call deleted it, false when
   * it was already gone (the caller may then never see a deletion event for it).
   */
  async delete(namespace: string, name: string, owner: KubernetesObject, signal?: AbortSignal): Promise<boolean> {
    try {
      await this.rest.delete(pods, namespace, name, {}, { signal });
      this.recorder.event(owner, 'Normal', 'SuccessfulDelete', `Deleted pod: ${name}`);
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      this.recorder.event(owner, 'Warning', 'FailedDelete', `Error deleting: ${(e as Error).message}`);
      throw e;
    }
  }
}

/**
 * Runs `count` calls in batches that double in size while they succeed (upstream
 * slowStartBatch, starting at 1): a template the server rejects costs one request, not N.
 * Returns how many succeeded; the first error stops further batches.
 */
export async function slowStartBatch(count: number, initial: number, fn: () => Promise<unknown>): Promise<{ succeeded: number; error?: unknown }> {
  let remaining = count;
  let succeeded = 0;
  for (let batch = Math.min(remaining, initial); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => fn()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    succeeded += results.filter((r) => r.status === 'fulfilled').length;
    if (failed) return { succeeded, error: failed.reason };
    remaining -= batch;
  }
  return { succeeded };
}
