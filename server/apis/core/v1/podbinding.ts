// pods/binding and the legacy core/v1 `bindings` resource: how the scheduler assigns a pod to a
// node (upstream's BindingREST and LegacyBindingREST in pkg/registry/core/pod/storage/storage.go).
// The write goes straight to storage, past the pod update strategy that forbids spec changes.
import * as errors from '../../../../machinery/errors.ts';
import { FieldPath } from '../../../../machinery/fieldpath.ts';
import * as field from '../../../../machinery/fieldpath.ts';
import { goQuote } from '../../../../machinery/goformat.ts';
import { aggregateFieldErrors, type FieldError } from '../../../../machinery/fieldpath.ts';
import { rfc3339, type GenericRegistry } from '../../../registry/generic.ts';
import { defineResource, type KubeObject, type SubresourceContext } from '../../types.ts';
import { setPodCondition, type Pod } from './podconditions.ts';

export type Binding = KubeObject & { target?: { kind?: string; name?: string; apiVersion?: string; namespace?: string } };

const BINDING_RESOURCE: errors.GroupResource = { group: '', resource: 'pods/binding' };

/**
 * A Status for an error that is not an API error: upstream answers those 500 with no reason and
 * the error's text (responsewriters.ErrorToAPIStatus), e.g. ValidatePodBinding's aggregate.
 */
export function unclassifiedError(message: string): errors.StatusError {
  return new errors.StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, code: 500 });
}

/** Upstream's ValidatePodBinding. */
export function validateBinding(binding: Binding): FieldError[] {
  const errs: FieldError[] = [];
  const kind = binding.target?.kind ?? '';
  if (kind !== '' && kind !== 'Node') errs.push(field.notSupported(FieldPath.root('target', 'kind'), kind, ['Node', '<empty>']));
  if (!binding.target?.name) errs.push(field.required(FieldPath.root('target', 'name'), ''));
  return errs;
}

/**
 * Sets spec.nodeName of an unassigned pod, merges the binding's annotations and marks the pod
 * PodScheduled=True (upstream's setPodHostAndAnnotations). The binding's metadata.uid and
 * resourceVersion, when set, are preconditions on the pod.
 */
export async function bindPod(pods: GenericRegistry, binding: Binding, ctx: { namespace: string; dryRun: boolean; now: Date }): Promise<KubeObject> {
  const name = binding.metadata?.name ?? '';
  const errs = validateBinding(binding);
  if (errs.length) throw unclassifiedError(aggregateFieldErrors(errs));
  if (!name) throw errors.badRequest('Name parameter required.');
  const node = binding.target!.name!;
  const meta = binding.metadata ?? {};
  await pods.guaranteedUpdate(ctx.namespace, name, (obj) => {
    const pod = obj as Pod;
    const refuse = (why: string) => errors.conflict(BINDING_RESOURCE, name, why);
    if (pod.metadata?.deletionTimestamp) throw refuse(`pod ${name} is being deleted, cannot be assigned to a host`);
    if (pod.spec?.nodeName) throw refuse(`pod ${name} is already assigned to node ${goQuote(pod.spec.nodeName)}`);
    if ((pod.spec?.schedulingGates ?? []).length) throw refuse(`pod ${name} has non-empty .spec.schedulingGates`);
    (pod.spec ??= {}).nodeName = node;
    const m = (pod.metadata ??= {});
    if (meta.annotations && Object.keys(meta.annotations).length) m.annotations = { ...(m.annotations ?? {}), ...meta.annotations };
    setPodCondition((pod.status ??= {}), { type: 'PodScheduled', status: 'True' }, rfc3339(ctx.now));
    return pod;
  }, { dryRun: ctx.dryRun, preconditions: { ...(meta.uid ? { uid: meta.uid } : {}), ...(meta.resourceVersion ? { resourceVersion: meta.resourceVersion } : {}) } });
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' };
}

/** POST pods/<name>/binding. */
export async function createBinding(body: KubeObject, ctx: SubresourceContext): Promise<KubeObject> {
  const binding = body as Binding;
  if ((binding.metadata?.name ?? '') !== ctx.name) throw errors.badRequest('name in URL does not match name in Binding object');
  return bindPod(ctx.registry, binding, ctx);
}

/** The pods/binding entry of the pods resource. */
export const bindingSubresource = {
  name: 'binding', kind: 'Binding', verbs: ['create'], model: 'V1Binding', keepsSystemFields: true, create: createBinding,
};

/**
 * POST /api/v1/namespaces/<ns>/bindings: the older form of pods/binding, the pod named by the
 * body. Upstream still serves it (discovery lists `bindings` with only create).
 */
export const bindings = defineResource<Binding>({
  group: '', version: 'v1', kind: 'Binding', plural: 'bindings', singular: 'binding',
  namespaced: true, verbs: ['create'], model: 'V1Binding',
  async create(body, ctx) {
    const pods = ctx.registryFor('', 'v1', 'pods');
    if (!pods) throw errors.notFoundPath();
    return bindPod(pods, body as Binding, ctx);
  },
});
