// The node lifecycle controller (upstream pkg/controller/nodelifecycle): a node whose kubelet
// stops renewing its Lease and posting status is marked Unknown after the grace period, and a
// node's Ready condition and pressures become taints — NoExecute ones (not-ready, unreachable)
// that the taint-eviction controller acts on, and NoSchedule ones the scheduler filters by.
// Liveness is judged by when THIS controller saw the lease or heartbeat change, by its own
// clock, so clock skew between machines never marks a node dead.
import type { V1Node, V1NodeCondition, V1Pod, V1Taint } from '@kubernetes/client-node';
import { defineController, isConflict, isNotFound, millisOf, type Lister } from '../client/index.ts';
import { leases, nodes, pods } from '../client/resources.ts';
import {
  sameTaint, TAINT_DISK_PRESSURE, TAINT_MEMORY_PRESSURE, TAINT_NETWORK_UNAVAILABLE, TAINT_NOT_READY, TAINT_PID_PRESSURE,
  TAINT_UNREACHABLE, TAINT_UNSCHEDULABLE,
} from './lib/taints.ts';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
export const BY_NODE_NAME = 'nodeName';

export interface NodeLifecycleOptions {
  /** How long a running node may go unheard before it is Unknown (upstream --node-monitor-grace-period, 50 s in 1.32). */
  monitorGracePeriodMs?: number;
  /** The same for a node that has never been Ready (upstream --node-startup-grace-period, 60 s). */
  startupGracePeriodMs?: number;
  /** How often each node is looked at again (upstream --node-monitor-period, 5 s). */
  monitorPeriodMs?: number;
  now?: () => number;
}

interface Health { lease?: string; heartbeat?: string; probeAt: number }

const CONDITIONS_MARKED_UNKNOWN = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

/** The NoSchedule taints a node's conditions call for (upstream nodeConditionToTaintKeyStatusMap). */
function wantedNoScheduleTaints(node: V1Node): string[] {
  const cond = (t: string) => node.status?.conditions?.find((c) => c.type === t)?.status;
  const keys: string[] = [];
  const ready = cond('Ready');
  if (ready === 'False') keys.push(TAINT_NOT_READY);
  else if (ready === 'Unknown') keys.push(TAINT_UNREACHABLE);
  if (cond('MemoryPressure') === 'True') keys.push(TAINT_MEMORY_PRESSURE);
  if (cond('DiskPressure') === 'True') keys.push(TAINT_DISK_PRESSURE);
  if (cond('PIDPressure') === 'True') keys.push(TAINT_PID_PRESSURE);
  if (cond('NetworkUnavailable') === 'True') keys.push(TAINT_NETWORK_UNAVAILABLE);
  if (node.spec?.unschedulable) keys.push(TAINT_UNSCHEDULABLE);
  return keys;
}

const CONTROLLED_NO_SCHEDULE = new Set([TAINT_NOT_READY, TAINT_UNREACHABLE, TAINT_MEMORY_PRESSURE, TAINT_DISK_PRESSURE, TAINT_PID_PRESSURE, TAINT_NETWORK_UNAVAILABLE, TAINT_UNSCHEDULABLE]);

/** The taints the node should carry: others' taints kept, ours added or removed to match its state. */
export function desiredTaints(node: V1Node, now: Date): V1Taint[] {
  const current = node.spec?.taints ?? [];
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready')?.status;
  const noExecute = ready === 'False' ? TAINT_NOT_READY : ready === 'Unknown' ? TAINT_UNREACHABLE : undefined;
  const noSchedule = new Set(wantedNoScheduleTaints(node));
  const keep = current.filter((t) => {
    if (t.effect === 'NoExecute' && (t.key === TAINT_NOT_READY || t.key === TAINT_UNREACHABLE)) return t.key === noExecute;
    if (t.effect === 'NoSchedule' && CONTROLLED_NO_SCHEDULE.has(t.key)) return noSchedule.has(t.key);
    return true;
  });
  const wanted: V1Taint[] = [...[...noSchedule].map((key) => ({ key, effect: 'NoSchedule' } as V1Taint))];
  if (noExecute) wanted.push({ key: noExecute, effect: 'NoExecute', timeAdded: now });
  for (const w of wanted) if (!keep.some((t) => sameTaint(t, w))) keep.push(w);
  return keep;
}

const taintsEqual = (a: V1Taint[], b: V1Taint[]) =>
  a.length === b.length && a.every((t) => b.some((u) => sameTaint(t, u) && (t.value ?? '') === (u.value ?? '')));

export function nodeLifecycleController(opts: NodeLifecycleOptions = {}) {
  const grace = opts.monitorGracePeriodMs ?? 50_000;
  const startupGrace = opts.startupGracePeriodMs ?? 60_000;
  const period = opts.monitorPeriodMs ?? 5_000;
  const now = opts.now ?? Date.now;
  const health = new Map<string, Health>();

  return defineController({
    name: 'node-lifecycle',
    primary: nodes,
    watches: [
      { resource: leases, keys: (l) => (l.metadata?.namespace === NODE_LEASE_NAMESPACE && l.metadata.name ? [l.metadata.name] : []) },
      { resource: pods, keys: () => [], indexers: { [BY_NODE_NAME]: (p) => indexPodsByNode(p as V1Pod) } },
    ],
    workers: 4,
    async sync(name, { clients, lister, signal, recorder }) {
      const node = lister(nodes).get(name);
      if (!node) { health.delete(name); return; }
      const lease = lister(leases).getByName(NODE_LEASE_NAMESPACE, name);
      const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
      const leaseRenew = lease?.spec?.renewTime ? String(millisOf(lease.spec.renewTime as Date)) : undefined;
      const heartbeat = ready?.lastHeartbeatTime ? String(millisOf(ready.lastHeartbeatTime)) : undefined;
      const t = now();
      let h = health.get(name);
      if (!h) {
        h = { lease: leaseRenew, heartbeat, probeAt: ready ? t : (millisOf(node.metadata?.creationTimestamp) ?? t) };
        health.set(name, h);
      } else if (h.lease !== leaseRenew || h.heartbeat !== heartbeat) {
        h.lease = leaseRenew;
        h.heartbeat = heartbeat;
        h.probeAt = t;
      }

      let current = node;
      const allowed = ready ? grace : startupGrace;
      if (t > h.probeAt + allowed && ready?.status !== 'Unknown') {
        current = await markUnknown(node, ready === undefined);
        recorder.event(node, 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
        await markPodsNotReady(lister(pods), name);
      }

      const taints = desiredTaints(current, new Date(t));
      if (!taintsEqual(taints, current.spec?.taints ?? [])) {
        try {
          await clients.rest.update(nodes, '', { ...current, spec: { ...current.spec, taints } }, { signal });
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
      }
      return { requeueAfterMs: period };

      async function markUnknown(n: V1Node, neverUpdated: boolean): Promise<V1Node> {
        const stamp = new Date(t);
        const conditions: V1NodeCondition[] = (n.status?.conditions ?? []).map((c) => ({ ...c }));
        for (const type of CONDITIONS_MARKED_UNKNOWN) {
          const reason = neverUpdated ? 'NodeStatusNeverUpdated' : 'NodeStatusUnknown';
          const message = neverUpdated ? 'Kubelet never posted node status.' : 'Kubelet stopped posting node status.';
          const c = conditions.find((x) => x.type === type);
          if (!c) conditions.push({ type, status: 'Unknown', reason, message, lastHeartbeatTime: n.metadata?.creationTimestamp, lastTransitionTime: stamp });
          else if (c.status !== 'Unknown') Object.assign(c, { status: 'Unknown', reason, message, lastTransitionTime: stamp });
        }
        try {
          return await clients.rest.update(nodes, '', { ...n, status: { ...n.status, conditions } }, { subresource: 'status', signal });
        } catch (e) {
          if (isConflict(e)) throw new Error(`node ${name} changed while being marked Unknown; will retry`);
          throw e;
        }
      }

      async function markPodsNotReady(podLister: Lister<V1Pod>, nodeName: string): Promise<void> {
        for (const pod of podLister.byIndex(BY_NODE_NAME, nodeName)) {
          const conds = pod.status?.conditions ?? [];
          if (!conds.some((c) => c.type === 'Ready' && c.status === 'True')) continue;
          const next = conds.map((c) => (c.type === 'Ready' ? { ...c, status: 'False', lastTransitionTime: new Date(t) } : c));
          try {
            await clients.rest.patch(pods, pod.metadata!.namespace!, pod.metadata!.name!, { status: { conditions: next } }, { type: 'strategic', subresource: 'status', signal });
          } catch (e) {
            if (!isNotFound(e)) throw e;
          }
        }
      }
    },
  });
}

/** Pods by spec.nodeName: both node controllers ask the pod informer for this index. */
export const indexPodsByNode = (p: V1Pod): string[] => (p.spec?.nodeName ? [p.spec.nodeName] : []);
