// Graceful pod deletion through HTTP, as upstream's pod strategy (CheckGracefulDelete) and
// rest.BeforeDelete decide it: bound, running pods get a grace period; the rest go at once.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startTestApi, type TestApi } from '../testkit.ts';

let t: TestApi;
let ns: string;

beforeAll(async () => {
  t = await startTestApi([]);
  ns = await t.namespace();
});
afterAll(async () => { await t.close(); });

const pods = () => `/api/v1/namespaces/${ns}/pods`;
const pod = (name: string, spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}) =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, ...metadata }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }], ...spec } });

/** Creates a pod and binds it to a node, as the scheduler would. */
async function boundPod(name: string, spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}) {
  await t.post(pods(), pod(name, spec, metadata)).expect(201);
  await t.post(`${pods()}/${name}/binding`, { metadata: { name }, target: { name: 'n1' } }).expect(201);
  return (await t.get(`${pods()}/${name}`).expect(200)).body;
}

const seconds = (a: string, b: string) => Math.round((Date.parse(a) - Date.parse(b)) / 1000);

describe('graceful deletion of pods', () => {
  it('marks a bound pod with deletionTimestamp = now + terminationGracePeriodSeconds and keeps it', async () => {
    await boundPod('graceful');
    const before = Date.now();
    const res = await t.del(`${pods()}/graceful`).expect(200);
    expect(res.body.kind).toBe('Pod');
    expect(res.body.metadata.deletionGracePeriodSeconds).toBe(30);
    const offset = (Date.parse(res.body.metadata.deletionTimestamp) - before) / 1000;
    expect(offset).toBeGreaterThan(28);
    expect(offset).toBeLessThan(32);
    const got = await t.get(`${pods()}/graceful`).expect(200);
    expect(got.body.metadata.deletionTimestamp).toBe(res.body.metadata.deletionTimestamp);
    const table = await t.get(`${pods()}/graceful`, 'application/json;as=Table;v=v1;g=meta.k8s.io').expect(200);
    expect(table.body.rows[0].cells[2]).toBe('Terminating');
  });

  it("takes the request's gracePeriodSeconds, and the pod's own terminationGracePeriodSeconds otherwise", async () => {
    await boundPod('asked');
    const asked = await t.del(`${pods()}/asked?gracePeriodSeconds=10`).expect(200);
    expect(asked.body.metadata.deletionGracePeriodSeconds).toBe(10);
    await boundPod('own', { terminationGracePeriodSeconds: 7 });
    const own = await t.del(`${pods()}/own`).send({ propagationPolicy: 'Background' }).expect(200);
    expect(own.body.metadata.deletionGracePeriodSeconds).toBe(7);
    // A negative grace period counts as 1 second.
    await boundPod('negative');
    const neg = await t.del(`${pods()}/negative`).send({ gracePeriodSeconds: -5 }).expect(200);
    expect(neg.body.metadata.deletionGracePeriodSeconds).toBe(1);
  });

  it('lets a second DELETE shorten the grace period but never lengthen it', async () => {
    await boundPod('shorten');
    const first = await t.del(`${pods()}/shorten`).expect(200);
    const longer = await t.del(`${pods()}/shorten?gracePeriodSeconds=60`).expect(200);
    expect(longer.body.metadata.resourceVersion).toBe(first.body.metadata.resourceVersion);
    expect(longer.body.metadata.deletionGracePeriodSeconds).toBe(30);
    const again = await t.del(`${pods()}/shorten`).expect(200);
    expect(again.body.metadata.resourceVersion).toBe(first.body.metadata.resourceVersion);
    const shorter = await t.del(`${pods()}/shorten?gracePeriodSeconds=5`).expect(200);
    expect(shorter.body.metadata.deletionGracePeriodSeconds).toBe(5);
    expect(seconds(first.body.metadata.deletionTimestamp, shorter.body.metadata.deletionTimestamp)).toBe(25);
  });

  it('removes the pod when the kubelet deletes it with gracePeriodSeconds=0', async () => {
    await boundPod('confirmed');
    await t.del(`${pods()}/confirmed`).expect(200);
    // Status writes while the grace period runs leave the pod in place.
    const cur = (await t.get(`${pods()}/confirmed`)).body;
    await t.put(`${pods()}/confirmed/status`, { ...cur, status: { ...cur.status, phase: 'Running' } }).expect(200);
    await t.get(`${pods()}/confirmed`).expect(200);
    const res = await t.del(`${pods()}/confirmed`).send({ gracePeriodSeconds: 0 }).expect(200);
    expect(res.body.metadata.name).toBe('confirmed');
    await t.get(`${pods()}/confirmed`).expect(404);
  });

  it('deletes at once an unbound pod, a finished pod, and any pod asked with gracePeriodSeconds=0', async () => {
    await t.post(pods(), pod('unbound')).expect(201);
    const unbound = await t.del(`${pods()}/unbound`).expect(200);
    expect(unbound.body.kind).toBe('Pod');
    await t.get(`${pods()}/unbound`).expect(404);

    const done = await boundPod('done');
    await t.put(`${pods()}/done/status`, { ...done, status: { ...done.status, phase: 'Succeeded' } }).expect(200);
    await t.del(`${pods()}/done`).expect(200);
    await t.get(`${pods()}/done`).expect(404);

    await boundPod('forced');
    await t.del(`${pods()}/forced?gracePeriodSeconds=0`).expect(200);
    await t.get(`${pods()}/forced`).expect(404);
  });

  it('keeps a pod with finalizers until they are gone, whatever the grace period', async () => {
    await boundPod('held', {}, { finalizers: ['example.com/hold'] });
    const now = await t.del(`${pods()}/held?gracePeriodSeconds=0`).expect(200);
    expect(now.body.metadata.deletionGracePeriodSeconds).toBe(0);
    expect(now.body.metadata.finalizers).toEqual(['example.com/hold']);
    await t.patch(`${pods()}/held`, { metadata: { finalizers: null } }).expect(200);
    await t.get(`${pods()}/held`).expect(404);

    // A running grace period is not cut short by clearing the finalizers; the kubelet's DELETE ends it.
    await boundPod('held2', {}, { finalizers: ['example.com/hold'] });
    await t.del(`${pods()}/held2`).expect(200);
    await t.patch(`${pods()}/held2`, { metadata: { finalizers: null } }).expect(200);
    const still = await t.get(`${pods()}/held2`).expect(200);
    expect(still.body.metadata.deletionGracePeriodSeconds).toBe(30);
    await t.del(`${pods()}/held2?gracePeriodSeconds=0`).expect(200);
    await t.get(`${pods()}/held2`).expect(404);
  });

  it('writes nothing on a dry run', async () => {
    await boundPod('dry');
    const res = await t.del(`${pods()}/dry?dryRun=All`).expect(200);
    expect(res.body.metadata.deletionGracePeriodSeconds).toBe(30);
    const got = await t.get(`${pods()}/dry`).expect(200);
    expect(got.body.metadata.deletionTimestamp).toBeUndefined();
  });

  it('deletes a collection gracefully: bound pods are marked, unbound ones go', async () => {
    await boundPod('col-a', {}, { labels: { set: 'col' } });
    await t.post(pods(), pod('col-b', {}, { labels: { set: 'col' } })).expect(201);
    await t.del(`${pods()}?labelSelector=set%3Dcol`).expect(200);
    expect((await t.get(`${pods()}/col-a`).expect(200)).body.metadata.deletionGracePeriodSeconds).toBe(30);
    await t.get(`${pods()}/col-b`).expect(404);
  });

  it('ignores gracePeriodSeconds for resources without graceful deletion', async () => {
    await t.post(`/api/v1/namespaces/${ns}/configmaps`, { metadata: { name: 'cm' }, data: { a: '1' } }).expect(201);
    await t.del(`/api/v1/namespaces/${ns}/configmaps/cm?gracePeriodSeconds=30`).expect(200);
    await t.get(`/api/v1/namespaces/${ns}/configmaps/cm`).expect(404);
  });
});
