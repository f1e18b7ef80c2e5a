// pods/eviction: a delete that respects PodDisruptionBudgets (upstream's EvictionREST in
// pkg/registry/core/pod/storage/eviction.go, 1.32). `kubectl drain` and the descheduler use it.
import * as errors from '../../../../machinery/errors.ts';
import { goQuote } from '../../../../machinery/goformat.ts';
import { selectorFromLabelSelector } from '../../../../machinery/labels.ts';
import { rfc3339, type DeleteOptions, type GenericRegistry } from '../../../registry/generic.ts';
import type { KubeObject, SubresourceContext } from '../../types.ts';
import type { PodDisruptionBudget } from '../../policy/v1/poddisruptionbudgets.ts';
import { unclassifiedError } from './podbinding.ts';
import { isPodReady, setPodCondition, type Pod } from './podconditions.ts';

type Eviction = KubeObject & {
  deleteOptions?: {
    gracePeriodSeconds?: number; propagationPolicy?: 'Orphan' | 'Background' | 'Foreground'; orphanDependents?: boolean;
    preconditions?: { uid?: string; resourceVersion?: string }; dryRun?: string[];
  };
};

/**
 * Upstream's MaxDisruptedPodSize: evictions the PDB controller has not yet confirmed; past it the
 * budget refuses more.
 */
const MAX_DISRUPTED_POD_SIZE = 2000;

/** Upstream retries conflicts 20 times (500 ms apart); conflicts are rare, so the wait here is shorter. */
const RETRY_STEPS = 20;
const RETRY_DELAY_MS = 100;

const PDB_RESOURCE: errors.GroupResource = { group: 'policy', resource: 'poddisruptionbudget' };
/** Upstream names the kind, not the resource, in the preconditions' conflicts. */
const POD_KIND_RESOURCE: errors.GroupResource = { group: '', resource: 'Pod' };

const success = (): KubeObject => ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms * (0.9 + Math.random() * 0.2)));
const isConflict = (e: unknown) => errors.isStatusError(e, 'Conflict');

/** 429 while the budget's status is older than its spec, or after losing a race for the pod. */
function budgetBeingProcessed(pdbName: string): errors.StatusError {
  const err = errors.tooManyRequests("Cannot evict pod as it would violate the pod's disruption budget.", 10);
  err.status.details = { ...err.status.details, causes: [{ reason: 'DisruptionBudget', message: `The disruption budget ${pdbName} is still being processed by the server.` }] };
  return err;
}

/** Upstream's propagateDryRun: the request's dryRun and the body's must agree. */
function deleteOptionsOf(eviction: Eviction, requestDryRun: boolean): DeleteOptions {
  const body = eviction.deleteOptions ?? {};
  const requested = requestDryRun ? ['All'] : [];
  const inBody = body.dryRun ?? [];
  if (requested.length && inBody.length && JSON.stringify(requested) !== JSON.stringify(inBody)) {
    throw unclassifiedError(`Non-matching dry-run options in request and content: [${requested.join(' ')}] and [${inBody.join(' ')}]`);
  }
  const opts: DeleteOptions = { dryRun: (inBody.length ? inBody : requested).includes('All') };
  if (typeof body.gracePeriodSeconds === 'number') opts.gracePeriodSeconds = body.gracePeriodSeconds;
  if (body.propagationPolicy) opts.propagationPolicy = body.propagationPolicy;
  if (typeof body.orphanDependents === 'boolean') opts.orphanDependents = body.orphanDependents;
  if (body.preconditions && (body.preconditions.uid || body.preconditions.resourceVersion)) opts.preconditions = { ...body.preconditions };
  return opts;
}

const resourceVersionUnset = (o: DeleteOptions) => !o.preconditions?.resourceVersion;
const withResourceVersion = (o: DeleteOptions, rv: string | undefined): DeleteOptions => ({ ...o, preconditions: { ...o.preconditions, resourceVersion: rv } });

/** Pods whose eviction disrupts nothing: terminal, not yet running, or already going. */
function canIgnorePDB(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || !!pod.metadata?.deletionTimestamp;
}

/** A pod that could still become ready: deleting it must not race with that (resourceVersion pinned). */
function shouldEnforceResourceVersion(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return !(phase === 'Succeeded' || phase === 'Failed' || pod.metadata?.deletionTimestamp);
}

/**
 * Marks the pod DisruptionTarget=True (reason EvictionByEvictionAPI) through its status, checking
 * the delete's preconditions against it, then deletes it with the eviction's options.
 */
async function addConditionAndDeletePod(pods: GenericRegistry, namespace: string, name: string, opts: DeleteOptions, now: Date): Promise<void> {
  let options = opts;
  if (!opts.dryRun) {
    const { obj } = await pods.update(namespace, name, (cur) => {
      if (!cur) throw errors.notFound(pods.gr, name);
      const pre = opts.preconditions;
      if (pre?.uid && pre.uid !== cur.metadata?.uid) {
        throw errors.conflict(POD_KIND_RESOURCE, name, `the UID in the precondition (${pre.uid}) does not match the UID in record (${cur.metadata?.uid ?? ''}). The object might have been deleted and then recreated`);
      }
      if (pre?.resourceVersion && pre.resourceVersion !== cur.metadata?.resourceVersion) {
        throw errors.conflict(POD_KIND_RESOURCE, name, `the ResourceVersion in the precondition (${pre.resourceVersion}) does not match the ResourceVersion in record (${cur.metadata?.resourceVersion ?? ''}). The object might have been modified`);
      }
      const next = structuredClone(cur) as Pod;
      setPodCondition((next.status ??= {}), { type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting' }, rfc3339(now));
      return next;
    }, { subresource: 'status' });
    // This write moved the pod on: a resourceVersion precondition now names it.
    if (!resourceVersionUnset(opts)) options = withResourceVersion(opts, obj.metadata?.resourceVersion);
  }
  await pods.delete(namespace, name, options);
}

/** The budgets in the pod's namespace whose selector matches it (a null selector matches nothing). */
async function budgetsFor(pdbs: GenericRegistry, pod: Pod): Promise<PodDisruptionBudget[]> {
  const { items } = await pdbs.list(pod.metadata?.namespace ?? '');
  return (items as PodDisruptionBudget[]).filter((pdb) => {
    try {
      return selectorFromLabelSelector(pdb.spec?.selector).matches(pod.metadata?.labels ?? {});
    } catch {
      return false; // an invalid selector matches no pod
    }
  });
}

/**
 * Upstream's checkAndDecrement: refuses while the budget allows no disruption, else takes one
 * disruption and records the pod in status.disruptedPods (the write is conditional on the
 * budget's resourceVersion; a conflict makes the caller read it again).
 */
async function checkAndDecrement(pdbs: GenericRegistry, pdb: PodDisruptionBudget, podName: string, dryRun: boolean, now: Date): Promise<void> {
  const name = pdb.metadata?.name ?? '';
  const st = pdb.status ?? {};
  if ((st.observedGeneration ?? 0) < (pdb.metadata?.generation ?? 0)) throw budgetBeingProcessed(name);
  const allowed = st.disruptionsAllowed ?? 0;
  if (allowed < 0) throw errors.forbidden(PDB_RESOURCE, name, 'pdb disruptions allowed is negative');
  if (Object.keys(st.disruptedPods ?? {}).length > MAX_DISRUPTED_POD_SIZE) {
    throw errors.forbidden(PDB_RESOURCE, name, 'DisruptedPods map too big - too many evictions not confirmed by PDB controller');
  }
  if (allowed === 0) {
    const err = errors.tooManyRequests("Cannot evict pod as it would violate the pod's disruption budget.", 0);
    err.status.details = { ...err.status.details, causes: [{ reason: 'DisruptionBudget', message: `The disruption budget ${name} needs ${st.desiredHealthy ?? 0} healthy pods and has ${st.currentHealthy ?? 0} currently` }] };
    throw err;
  }
  if (dryRun) return;
  const next = structuredClone(pdb);
  const status = (next.status ??= {});
  status.disruptionsAllowed = allowed - 1;
  if (status.disruptionsAllowed === 0) setInsufficientPods(status, rfc3339(now));
  status.disruptedPods = { ...(status.disruptedPods ?? {}), [podName]: rfc3339(now) };
  await pdbs.update(pdb.metadata?.namespace ?? '', name, () => next, { subresource: 'status' });
}

/** Upstream's UpdateDisruptionAllowedCondition when no disruption is left (meta.SetStatusCondition). */
function setInsufficientPods(status: NonNullable<PodDisruptionBudget['status']>, now: string): void {
  type Condition = { type: string; status: string; observedGeneration?: number; lastTransitionTime?: string; reason?: string; message?: string };
  const conditions = (status.conditions ??= []) as Condition[];
  const existing = conditions.find((c) => c.type === 'DisruptionAllowed');
  const observedGeneration = status.observedGeneration ?? 0;
  if (!existing) {
    conditions.push({ type: 'DisruptionAllowed', status: 'False', observedGeneration, lastTransitionTime: now, reason: 'InsufficientPods', message: '' });
    return;
  }
  if (existing.status !== 'False') { existing.status = 'False'; existing.lastTransitionTime = now; }
  existing.reason = 'InsufficientPods';
  existing.message = '';
  existing.observedGeneration = observedGeneration;
}

/** POST pods/<name>/eviction (policy/v1 Eviction; policy/v1beta1 accepted too). */
export async function createEviction(body: KubeObject, ctx: SubresourceContext): Promise<KubeObject> {
  const eviction = body as Eviction;
  if ((eviction.metadata?.name ?? '') !== ctx.name) throw errors.badRequest('name in URL does not match name in Eviction object');
  const original = deleteOptionsOf(eviction, ctx.dryRun);
  const pods = ctx.registry;
  const { namespace, name, now } = ctx;

  // Pods whose eviction disrupts nothing are deleted without looking at budgets (conflicts
  // retried unless the caller pinned a resourceVersion).
  let pod: Pod | undefined;
  for (let step = 0; ; step++) {
    pod = (await pods.get(namespace, name)) as Pod;
    if (!canIgnorePDB(pod)) break;
    let options = original;
    if (shouldEnforceResourceVersion(pod) && resourceVersionUnset(original)) options = withResourceVersion(original, pod.metadata?.resourceVersion);
    try {
      await addConditionAndDeletePod(pods, namespace, name, options, now);
      return success();
    } catch (e) {
      if (!isConflict(e) || !resourceVersionUnset(original) || step + 1 >= RETRY_STEPS) throw e;
      await sleep(RETRY_DELAY_MS);
    }
  }

  const pdbs = ctx.registryFor('policy', 'v1', 'poddisruptionbudgets');
  const budgets = pdbs ? await budgetsFor(pdbs, pod) : [];
  if (budgets.length > 1) {
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.', code: 500 };
  }
  let pdbName = '';
  // An unready pod under a budget that is healthy anyway (or that always allows it) goes
  // without taking a disruption, provided it has not turned ready since it was read.
  let pinToPod = false;
  if (budgets.length === 1) {
    let pdb = budgets[0]!;
    pdbName = pdb.metadata?.name ?? '';
    if (!isPodReady(pod)) {
      const st = pdb.status ?? {};
      if (pdb.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow') pinToPod = true;
      else if ((st.currentHealthy ?? 0) >= (st.desiredHealthy ?? 0) && (st.desiredHealthy ?? 0) > 0) pinToPod = true;
    }
    if (!pinToPod) {
      for (let step = 0; ; step++) {
        try {
          await checkAndDecrement(pdbs!, pdb, name, !!original.dryRun, now);
          break;
        } catch (e) {
          if (!isConflict(e)) throw e;
          if (step + 1 >= RETRY_STEPS) throw errors.timeout(`couldn't update PodDisruptionBudget ${goQuote(pdbName)} due to conflicts`, 10);
          await sleep(RETRY_DELAY_MS);
          pdb = (await pdbs!.get(namespace, pdbName)) as PodDisruptionBudget;
        }
      }
    }
  }

  const options = pinToPod ? withResourceVersion(original, pod.metadata?.resourceVersion) : original;
  try {
    await addConditionAndDeletePod(pods, namespace, name, options, now);
  } catch (e) {
    // The pod changed since it was judged unhealthy: the client should ask again.
    if (isConflict(e) && pinToPod && resourceVersionUnset(original)) throw budgetBeingProcessed(pdbName);
    throw e;
  }
  return success();
}

/** The pods/eviction entry of the pods resource. */
export const evictionSubresource = {
  name: 'eviction', kind: 'Eviction', group: 'policy', version: 'v1', verbs: ['create'],
  model: 'V1Eviction', alsoAccepts: ['policy/v1beta1'], create: createEviction,
};
