// The Deployment controller (upstream pkg/controller/deployment): a Deployment owns ReplicaSets,
// one per pod template (`<name>-<pod-template-hash>`), and moves replicas from the old ones to the
// new one by its strategy. Each sync re-reads the caches and, in upstream's order, handles a
// deletion (status only), pause (scale only), a deprecated rollback request, a scale change
// (proportional), and otherwise takes one Recreate or RollingUpdate step.
import type { KubernetesObject, V1Deployment, V1Pod, V1ReplicaSet } from '@kubernetes/client-node';
import { controllerRef, defineController, type Lister, type SyncContext, type SyncResult } from '../../client/index.ts';
import { deployments, pods, replicaSets } from '../../client/resources.ts';
import { selectorFromLabelSelector } from '../../machinery/labels.ts';
import { claimObjects, recheckOwner } from '../lib/refmanager.ts';
import { applyPausedCondition } from './progress.ts';
import { rolloutRecreate } from './recreate.ts';
import { rolloutRolling } from './rolling.ts';
import { deprecatedRollbackTo, rollback } from './rollback.ts';
import { DEPLOYMENT_API_VERSION, DEPLOYMENT_KIND, isScalingEvent, syncScaling, syncStatusOnly, updateDeploymentStatus, type DeploymentContext } from './sync.ts';
import { isRecreate } from './util.ts';

export interface DeploymentControllerOptions {
  /** Concurrent syncs (upstream --concurrent-deployment-syncs, default 5). */
  workers?: number;
  /** The clock progress deadlines are judged by (tests move it). */
  now?: () => Date;
}

/** The Deployments in the ReplicaSet's namespace whose selector matches it (upstream getDeploymentsForReplicaSet). */
function deploymentsSelecting(obj: KubernetesObject, lister: Lister<V1Deployment>): V1Deployment[] {
  const labels = obj.metadata?.labels;
  if (!labels || Object.keys(labels).length === 0) return [];
  return lister.list(obj.metadata?.namespace ?? '').filter((d) => {
    try {
      const s = selectorFromLabelSelector(d.spec?.selector);
      return !s.empty() && s.matches(labels);
    } catch {
      return false;
    }
  });
}

/** The Deployment controlling the ReplicaSet that controls this pod. */
function deploymentOfPod(pod: KubernetesObject, rsLister: Lister<V1ReplicaSet>, dLister: Lister<V1Deployment>): V1Deployment | undefined {
  const ns = pod.metadata?.namespace ?? '';
  const podRef = controllerRef(pod);
  if (podRef?.kind !== 'ReplicaSet') return undefined;
  const rs = rsLister.getByName(ns, podRef.name);
  if (!rs || rs.metadata?.uid !== podRef.uid) return undefined;
  const rsRef = controllerRef(rs);
  if (rsRef?.kind !== DEPLOYMENT_KIND) return undefined;
  const d = dLister.getByName(ns, rsRef.name);
  return d && d.metadata?.uid === rsRef.uid ? d : undefined;
}

const keyOfDeployment = (d: V1Deployment) => `${d.metadata?.namespace}/${d.metadata?.name}`;

/** The empty selector (metav1.LabelSelector{}), which upstream refuses to act on. */
function selectsEverything(d: V1Deployment): boolean {
  const s = d.spec?.selector;
  return !!s && Object.keys(s.matchLabels ?? {}).length === 0 && (s.matchExpressions ?? []).length === 0;
}

/**
 * The ReplicaSets this Deployment controls after adopting matching orphans and releasing those
 * that stopped matching (upstream getReplicaSetsForDeployment).
 */
async function replicaSetsFor(cx: DeploymentContext, d: V1Deployment): Promise<V1ReplicaSet[]> {
  const ns = d.metadata!.namespace!;
  const name = d.metadata!.name!;
  const selector = selectorFromLabelSelector(d.spec?.selector);
  return claimObjects(cx.replicaSets.list(ns), {
    rest: cx.rest, resource: replicaSets, owner: d, selector, signal: cx.signal,
    ownerRef: { apiVersion: DEPLOYMENT_API_VERSION, kind: DEPLOYMENT_KIND, name, uid: d.metadata!.uid!, controller: true, blockOwnerDeletion: true },
    canAdopt: recheckOwner(() => cx.rest.get(deployments, ns, name, { signal: cx.signal }), d.metadata?.uid),
  });
}

/**
 * The Deployment's pods by the UID of their controlling ReplicaSet, terminating and terminal ones
 * included: Recreate must see every old pod gone (upstream getPodMapForDeployment).
 */
function podsByOwner(d: V1Deployment, rsList: V1ReplicaSet[], podLister: Lister<V1Pod>): Map<string, V1Pod[]> {
  const byUid = new Map<string, V1Pod[]>(rsList.map((rs) => [rs.metadata!.uid!, []]));
  const selector = selectorFromLabelSelector(d.spec?.selector);
  for (const pod of podLister.list(d.metadata?.namespace ?? '')) {
    if (!selector.matches(pod.metadata?.labels ?? {})) continue;
    const ref = controllerRef(pod);
    if (ref) byUid.get(ref.uid)?.push(pod);
  }
  return byUid;
}

export async function syncDeployment(key: string, ctx: SyncContext, now: () => Date): Promise<SyncResult> {
  const cached = ctx.lister(deployments).get(key);
  if (!cached) return;
  const d = structuredClone(cached);
  const cx: DeploymentContext = { rest: ctx.clients.rest, recorder: ctx.recorder, replicaSets: ctx.lister(replicaSets), now, signal: ctx.signal };

  if (selectsEverything(d)) {
    ctx.recorder.event(d, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
    if ((d.status?.observedGeneration ?? 0) < (d.metadata?.generation ?? 0)) {
      d.status = { ...(d.status ?? {}), observedGeneration: d.metadata?.generation };
      await updateDeploymentStatus(cx, d);
    }
    return;
  }

  const rsList = await replicaSetsFor(cx, d);
  if (d.metadata?.deletionTimestamp) {
    await syncStatusOnly(cx, d, rsList);
    return;
  }
  // Paused and resumed Deployments get an Unknown Progressing condition, so that time spent
  // paused never counts against the progress deadline.
  if (applyPausedCondition(d, now())) await updateDeploymentStatus(cx, d);
  if (d.spec?.paused) {
    await syncScaling(cx, d, rsList);
    return;
  }
  // A rollback must finish (and clear its request) before anything else touches the ReplicaSets.
  if (deprecatedRollbackTo(d) !== undefined) {
    await rollback(cx, d, rsList);
    return;
  }
  if (await isScalingEvent(cx, d, rsList)) {
    await syncScaling(cx, d, rsList);
    return;
  }
  switch (d.spec?.strategy?.type) {
    case 'Recreate':
      return rolloutRecreate(cx, d, rsList, podsByOwner(d, rsList, ctx.lister(pods)));
    case 'RollingUpdate':
      return rolloutRolling(cx, d, rsList);
    default:
      throw new Error(`unexpected deployment strategy type: ${d.spec?.strategy?.type ?? ''}`);
  }
}

export function deploymentController(opts: DeploymentControllerOptions = {}) {
  const now = opts.now ?? (() => new Date());
  return defineController({
    name: 'deployment',
    primary: deployments,
    owns: [replicaSets],
    watches: [
      {
        // An orphan ReplicaSet wakes the Deployments that may adopt it (owned ones come through `owns`).
        resource: replicaSets,
        keys: (rs, lister) => (controllerRef(rs) ? [] : deploymentsSelecting(rs, lister(deployments)).map(keyOfDeployment)),
      },
      {
        // Recreate waits for old pods to be gone, so their changes wake it (upstream: deletions).
        resource: pods,
        keys: (pod, lister) => {
          const d = deploymentOfPod(pod, lister(replicaSets), lister(deployments));
          return d && isRecreate(d) ? [keyOfDeployment(d)] : [];
        },
      },
    ],
    workers: opts.workers ?? 5,
    sync: (key, ctx) => syncDeployment(key, ctx, now),
  });
}
