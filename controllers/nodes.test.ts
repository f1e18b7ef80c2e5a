// The node lifecycle and taint-eviction controllers against a real API server: a node that stops
// renewing its Lease turns Unknown and gets the unreachable taints, pods that do not tolerate a
// NoExecute taint go at once, tolerationSeconds is honoured, and removing the taint first saves a pod.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { isNotFound, type RestClient } from '../client/index.ts';
import { leases, nodes, pods } from '../client/resources.ts';
import { startControllerTestbed, type ControllerTestbed } from '../test/controllers.ts';
import { eventually } from '../test/eventually.ts';
import { desiredTaints, nodeLifecycleController } from './nodelifecycle.ts';
import { evictionTime, taintEvictionController } from './tainteviction.ts';

const NS = 'nodes-test';
let bed: ControllerTestbed;
let rest: RestClient;
/** Nodes whose "kubelet" renews their Lease (every node the tests create but 'quiet'). */
const living = new Set<string>();
let heartbeat: NodeJS.Timeout;

beforeAll(async () => {
  bed = await startControllerTestbed({
    controllers: [nodeLifecycleController({ monitorGracePeriodMs: 1_500, startupGracePeriodMs: 1_500, monitorPeriodMs: 200 }), taintEvictionController()],
    namespaces: [NS],
  });
  rest = bed.rest;
  heartbeat = setInterval(() => { for (const n of living) void renewLease(n).catch(() => {}); }, 300);
});

afterAll(async () => {
  clearInterval(heartbeat);
  await bed?.close();
});

async function readyNode(name: string): Promise<V1Node> {
  if (name !== 'quiet') { living.add(name); await renewLease(name); }
  const node = await rest.create(nodes, '', { metadata: { name } });
  const now = new Date();
  return rest.patch(nodes, '', name, {
    status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now }] },
  }, { type: 'merge', subresource: 'status' }).then(() => node);
}

async function renewLease(name: string): Promise<void> {
  const spec = { holderIdentity: name, leaseDurationSeconds: 40, renewTime: new Date().toISOString() };
  try {
    await rest.patch(leases, 'kube-node-lease', name, { spec }, { type: 'merge' });
  } catch (e) {
    if (!isNotFound(e)) throw e;
    await rest.create(leases, 'kube-node-lease', { metadata: { name }, spec: spec as never });
  }
}

const podOn = (name: string, node: string, tolerations: V1Pod['spec'] extends infer S ? S extends { tolerations?: infer T } ? T : never : never = []): V1Pod => ({
  metadata: { name, namespace: NS },
  spec: { nodeName: node, containers: [{ name: 'c', image: 'busybox' }], tolerations },
});

/** Evicted: gone, or (graceful deletion of a bound pod, with no kubelet here to finish it) terminating. */
const gone = async (name: string) => {
  try {
    const p = await rest.get(pods, NS, name);
    return p.metadata?.deletionTimestamp ? true : undefined;
  } catch (e) { if (isNotFound(e)) return true; throw e; }
};

describe('node lifecycle controller', () => {
  it('keeps a node whose Lease is renewed Ready, and marks one that goes quiet Unknown with the unreachable taints', async () => {
    await readyNode('alive');
    await readyNode('quiet');
    {
      const quiet = await eventually(async () => {
        const n = await rest.get(nodes, '', 'quiet');
        return n.spec?.taints?.some((t) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute') ? n : undefined;
      }, 10_000);
      const ready = quiet.status?.conditions?.find((c) => c.type === 'Ready');
      expect(ready).toMatchObject({ status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' });
      expect(quiet.spec?.taints?.some((t) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoSchedule')).toBe(true);
      const alive = await rest.get(nodes, '', 'alive');
      expect(alive.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
      expect(alive.spec?.taints ?? []).toEqual([]);
    }
  });

  it('taints a cordoned node unschedulable and untaints it when uncordoned', async () => {
    await readyNode('cordoned');
    {
      await rest.patch(nodes, '', 'cordoned', { spec: { unschedulable: true } }, { type: 'merge' });
      await eventually(async () => ((await rest.get(nodes, '', 'cordoned')).spec?.taints?.some((t) => t.key === 'node.kubernetes.io/unschedulable') ? true : undefined), 5_000);
      await rest.patch(nodes, '', 'cordoned', { spec: { unschedulable: null } }, { type: 'merge' });
      await eventually(async () => ((await rest.get(nodes, '', 'cordoned')).spec?.taints ?? []).length === 0 ? true : undefined, 5_000);
    }
  });

  it('computes taints from conditions, keeping taints it does not own', () => {
    const now = new Date();
    const node: V1Node = {
      spec: { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }, { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] },
      status: { conditions: [{ type: 'Ready', status: 'False' }, { type: 'DiskPressure', status: 'True' }] },
    };
    const taints = desiredTaints(node, now).map((t) => `${t.key}:${t.effect}`).sort();
    expect(taints).toEqual(['dedicated:NoSchedule', 'node.kubernetes.io/disk-pressure:NoSchedule', 'node.kubernetes.io/not-ready:NoExecute', 'node.kubernetes.io/not-ready:NoSchedule']);
  });
});

describe('taint eviction controller', () => {
  it('evicts pods not tolerating a NoExecute taint at once, tolerating ones after tolerationSeconds, and spares forever-tolerating ones', async () => {
    await readyNode('tainted');
    await rest.create(pods, NS, podOn('intolerant', 'tainted'));
    await rest.create(pods, NS, podOn('patient', 'tainted', [{ key: 'maintenance', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 }]));
    await rest.create(pods, NS, podOn('forever', 'tainted', [{ key: 'maintenance', operator: 'Exists', effect: 'NoExecute' }]));
    const taintedAt = Date.now();
    await rest.patch(nodes, '', 'tainted', { spec: { taints: [{ key: 'maintenance', effect: 'NoExecute', timeAdded: new Date().toISOString() }] } }, { type: 'merge' });
    await eventually(() => gone('intolerant'), 5_000);
    const evicted = await rest.get(pods, NS, 'intolerant');
    expect(evicted.status?.conditions?.find((c) => c.type === 'DisruptionTarget')).toMatchObject({ status: 'True', reason: 'DeletionByTaintManager' });
    expect(await gone('patient')).toBeUndefined();
    await eventually(() => gone('patient'), 8_000);
    expect(Date.now() - taintedAt).toBeGreaterThanOrEqual(1_500);
    expect(await gone('forever')).toBeUndefined();
  });

  it('cancels an eviction when the taint is removed first', async () => {
    await readyNode('briefly');
    await rest.create(pods, NS, podOn('saved', 'briefly', [{ key: 'blip', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 }]));
    await rest.patch(nodes, '', 'briefly', { spec: { taints: [{ key: 'blip', effect: 'NoExecute', timeAdded: new Date().toISOString() }] } }, { type: 'merge' });
    await new Promise((r) => setTimeout(r, 500));
    await rest.patch(nodes, '', 'briefly', { spec: { taints: null } }, { type: 'merge' });
    await new Promise((r) => setTimeout(r, 2_500));
    expect(await gone('saved')).toBeUndefined();
  });

  it('computes the eviction time from the shortest matching tolerationSeconds and the taint time', () => {
    const added = new Date('2026-01-01T00:00:00Z');
    const taints = [{ key: 'k', effect: 'NoExecute', timeAdded: added }];
    const p = (tolerations: object[]): V1Pod => ({ spec: { containers: [], tolerations: tolerations as never } });
    const now = added.getTime() + 1000;
    expect(evictionTime(p([]), taints, now)).toBe(now);
    expect(evictionTime(p([{ operator: 'Exists' }]), taints, now)).toBeUndefined();
    expect(evictionTime(p([{ key: 'k', operator: 'Exists', tolerationSeconds: 30 }, { operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 }]), taints, now)).toBe(added.getTime() + 10_000);
    expect(evictionTime(p([]), [{ key: 'k', effect: 'NoSchedule' }], now)).toBeUndefined();
  });
});
