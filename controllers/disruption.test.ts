// The disruption controller against a real API server: a PodDisruptionBudget's status follows the
// healthy pods it selects, for integer and percentage budgets (the latter scaled by the pods'
// controller), and says so in its DisruptionAllowed condition.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { V1OwnerReference, V1PodDisruptionBudget } from '@kubernetes/client-node';
import type { RestClient } from '../client/index.ts';
import { podDisruptionBudgets, pods, replicaSets } from '../client/resources.ts';
import { startControllerTestbed, type ControllerTestbed } from '../test/controllers.ts';
import { eventually } from '../test/eventually.ts';
import { disruptionController } from './disruption.ts';

const NS = 'pdb-test';
let bed: ControllerTestbed;
let rest: RestClient;

beforeAll(async () => {
  bed = await startControllerTestbed({ controllers: [disruptionController()], namespaces: [NS] });
  rest = bed.rest;
});
afterAll(async () => { await bed?.close(); });

async function pod(name: string, app: string, ready: boolean, owner?: V1OwnerReference): Promise<void> {
  await rest.create(pods, NS, { metadata: { name, labels: { app }, ...(owner ? { ownerReferences: [owner] } : {}) }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
  const now = new Date();
  await rest.patch(pods, NS, name, { status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: now }] } }, { type: 'merge', subresource: 'status' });
}

const statusOf = (name: string, want: (b: V1PodDisruptionBudget) => boolean) =>
  eventually(async () => { const b = await rest.get(podDisruptionBudgets, NS, name); return want(b) ? b : undefined; }, 5_000);

describe('disruption controller', () => {
  it('allows disrupting the healthy pods beyond minAvailable, and none once too few are healthy', async () => {
    await pod('web-1', 'web', true);
    await pod('web-2', 'web', true);
    await pod('web-3', 'web', true);
    await pod('web-4', 'web', false);
    await rest.create(podDisruptionBudgets, NS, { metadata: { name: 'web' }, spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } } } });
    const b = await statusOf('web', (x) => x.status?.observedGeneration === 1);
    expect(b.status).toMatchObject({ currentHealthy: 3, desiredHealthy: 2, expectedPods: 4, disruptionsAllowed: 1 });
    expect(b.status?.conditions?.find((c) => c.type === 'DisruptionAllowed')).toMatchObject({ status: 'True', reason: 'SufficientPods' });

    await rest.delete(pods, NS, 'web-1');
    await rest.delete(pods, NS, 'web-2');
    const after = await statusOf('web', (x) => x.status?.currentHealthy === 1);
    expect(after.status).toMatchObject({ desiredHealthy: 2, disruptionsAllowed: 0 });
    expect(after.status?.conditions?.find((c) => c.type === 'DisruptionAllowed')).toMatchObject({ status: 'False', reason: 'InsufficientPods' });
  });

  it('scales a maxUnavailable percentage by the replicas of the pods\' controller', async () => {
    const rs = await rest.create(replicaSets, NS, {
      metadata: { name: 'api' },
      spec: { replicas: 4, selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
    });
    const owner = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'api', uid: rs.metadata!.uid!, controller: true };
    for (const i of [1, 2, 3, 4]) await pod(`api-${i}`, 'api', true, owner);
    await rest.create(podDisruptionBudgets, NS, { metadata: { name: 'api' }, spec: { maxUnavailable: '25%', selector: { matchLabels: { app: 'api' } } } });
    const b = await statusOf('api', (x) => x.status?.expectedPods === 4);
    // 25% of 4 rounds up to 1 unavailable: 3 must stay healthy, 4 are, so 1 may go.
    expect(b.status).toMatchObject({ currentHealthy: 4, desiredHealthy: 3, disruptionsAllowed: 1 });
  });

  it('allows nothing when a percentage budget selects a pod without a controller', async () => {
    await pod('lonely', 'lonely', true);
    await rest.create(podDisruptionBudgets, NS, { metadata: { name: 'lonely' }, spec: { minAvailable: '50%', selector: { matchLabels: { app: 'lonely' } } } });
    const b = await statusOf('lonely', (x) => x.status?.observedGeneration === 1);
    expect(b.status?.disruptionsAllowed).toBe(0);
    expect(b.status?.conditions?.find((c) => c.type === 'DisruptionAllowed')).toMatchObject({ status: 'False', reason: 'SyncFailed' });
  });
});
