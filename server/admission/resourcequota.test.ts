// ResourceQuota admission over HTTP against a real API server with the quota controller running:
// usage charged as objects are admitted, 403 with upstream's messages past the limits, and no
// over-admission when many creates race.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { V1Pod, V1ResourceQuota } from '@kubernetes/client-node';
import { ApiError, type RestClient } from '../../client/index.ts';
import { configMaps, deployments, namespaces, pods, services } from '../../client/resources.ts';
import { resourceQuotaController, resourceQuotas } from '../../controllers/resourcequota.ts';
import { startControllerTestbed, type ControllerTestbed } from '../../test/controllers.ts';
import { eventually } from '../../test/eventually.ts';
import { mustParseQuantity } from '../../machinery/quantity.ts';
import { podEvaluator, objectCountEvaluator } from '../../machinery/quota.ts';
import { checkRequest, QuotaCharger, type ResourceQuota } from './resourcequota.ts';
import type { KubeObject } from '../apis/types.ts';

let bed: ControllerTestbed;
let rest: RestClient;

beforeAll(async () => {
  bed = await startControllerTestbed({ controllers: [resourceQuotaController()] });
  rest = bed.rest;
});
afterAll(async () => { await bed?.close(); });

let seq = 0;
async function namespace(): Promise<string> {
  const name = `rq-${seq++}`;
  await rest.create(namespaces, '', { metadata: { name } });
  return name;
}

const pod = (name: string, resources?: { requests?: Record<string, string>; limits?: Record<string, string> }, extra: Partial<V1Pod['spec']> = {}): V1Pod => ({
  metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox:1.36', ...(resources ? { resources } : {}) }], ...extra },
});

/** Creates a quota and waits until the controller has recorded usage for all it limits. */
async function quota(ns: string, name: string, hard: Record<string, string>, spec: Partial<V1ResourceQuota['spec']> = {}): Promise<V1ResourceQuota> {
  await rest.create(resourceQuotas, ns, { metadata: { name }, spec: { hard, ...spec } });
  return eventually(async () => {
    const q = await rest.get(resourceQuotas, ns, name);
    return Object.keys(hard).every((k) => q.status?.used?.[k] !== undefined) ? q : undefined;
  }, { what: `usage of quota ${ns}/${name}` });
}

const used = async (ns: string, name: string) => (await rest.get(resourceQuotas, ns, name)).status?.used ?? {};

async function refusal(p: Promise<unknown>): Promise<ApiError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e, 'the request should have been refused').toBeInstanceOf(ApiError);
  return e as ApiError;
}

describe('ResourceQuota admission', () => {
  it('the quota controller fills status.hard and status.used promptly', async () => {
    const ns = await namespace();
    await rest.create(configMaps, ns, { metadata: { name: 'cm1' } });
    const q = await quota(ns, 'q', { pods: '5', configmaps: '3', 'count/deployments.apps': '2', 'requests.cpu': '2' });
    expect(q.status?.hard).toEqual({ configmaps: '3', 'count/deployments.apps': '2', pods: '5', 'requests.cpu': '2' });
    expect(q.status?.used).toEqual({ configmaps: '1', 'count/deployments.apps': '0', pods: '0', 'requests.cpu': '0' });
  });

  it('stops the (n+1)th pod when 20 creates race against pods=5, every time', async () => {
    for (let round = 0; round < 3; round++) {
      const ns = await namespace();
      await quota(ns, 'pods', { pods: '5' });
      const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => rest.create(pods, ns, pod(`p-${i}`))));
      const admitted = results.filter((r) => r.status === 'fulfilled');
      const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as ApiError);
      expect(admitted).toHaveLength(5);
      expect(refused).toHaveLength(15);
      for (const e of refused) {
        expect(e.code).toBe(403);
        expect(e.reason).toBe('Forbidden');
        expect(e.status?.message).toMatch(/^pods "p-\d+" is forbidden: exceeded quota: pods, requested: pods=1, used: pods=5, limited: pods=5$/);
      }
      expect((await rest.list(pods, ns)).items).toHaveLength(5);
      expect((await used(ns, 'pods')).pods).toBe('5');
    }
  });

  it('charges requests and limits, and refuses what would exceed them', async () => {
    const ns = await namespace();
    await quota(ns, 'compute', { 'requests.cpu': '1', 'requests.memory': '1Gi', 'limits.cpu': '2' });
    await rest.create(pods, ns, pod('a', { requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '1' } }));
    expect(await used(ns, 'compute')).toEqual({ 'limits.cpu': '1', 'requests.cpu': '500m', 'requests.memory': '512Mi' });
    const e = await refusal(rest.create(pods, ns, pod('b', { requests: { cpu: '600m', memory: '100Mi' }, limits: { cpu: '1' } })));
    expect(e.status?.message).toBe('pods "b" is forbidden: exceeded quota: compute, requested: requests.cpu=600m, used: requests.cpu=500m, limited: requests.cpu=1');
    await rest.create(pods, ns, pod('c', { requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '1' } }));
    expect(await used(ns, 'compute')).toEqual({ 'limits.cpu': '2', 'requests.cpu': '1', 'requests.memory': '1Gi' });
  });

  it('requires containers to state cpu and memory a quota limits', async () => {
    const ns = await namespace();
    await quota(ns, 'compute', { 'requests.cpu': '1', 'limits.memory': '1Gi' });
    const e = await refusal(rest.create(pods, ns, pod('bare')));
    expect(e.code).toBe(403);
    expect(e.status?.message).toBe('pods "bare" is forbidden: failed quota: compute: must specify limits.memory for: c; requests.cpu for: c');
  });

  it('charges nothing for a dry run or for a pod that validation refuses', async () => {
    const ns = await namespace();
    await quota(ns, 'q', { pods: '2' });
    await rest.request('POST', `/api/v1/namespaces/${ns}/pods?dryRun=All`, { body: { apiVersion: 'v1', kind: 'Pod', ...pod('dry') } });
    const invalid = await refusal(rest.create(pods, ns, { metadata: { name: 'bad' }, spec: { containers: [{ name: 'c' }] } } as V1Pod));
    expect(invalid.code).toBe(422);
    expect((await used(ns, 'q')).pods).toBe('0');
    await rest.create(pods, ns, pod('real'));
    expect((await used(ns, 'q')).pods).toBe('1');
  });

  it('releases a deleted pod\'s usage, and counts other kinds by count/<resource>.<group>', async () => {
    const ns = await namespace();
    await quota(ns, 'q', { pods: '1', 'count/deployments.apps': '1' });
    await rest.create(pods, ns, pod('first'));
    await refusal(rest.create(pods, ns, pod('second')));
    await rest.delete(pods, ns, 'first', { gracePeriodSeconds: 0 });
    await eventually(async () => (await used(ns, 'q')).pods === '0', { what: 'the pod usage released' });
    await rest.create(pods, ns, pod('second'));
    const deployment = (name: string) => ({
      metadata: { name },
      spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } } },
    });
    await rest.create(deployments, ns, deployment('d1'));
    const e = await refusal(rest.create(deployments, ns, deployment('d2')));
    expect(e.status?.message).toBe('deployments.apps "d2" is forbidden: exceeded quota: q, requested: count/deployments.apps=1, used: count/deployments.apps=1, limited: count/deployments.apps=1');
  });

  it('never over-admits when two API servers charge one quota at once (compare-and-swap on the quota)', async () => {
    const ns = await namespace();
    await quota(ns, 'q', { pods: '5' });
    const registry = bed.srv.api.registry('', 'v1', 'resourcequotas')!;
    // Two chargers are two API servers' evaluators: each batches its own requests, only the
    // quota's resourceVersion keeps them apart.
    const servers = [new QuotaCharger(), new QuotaCharger()];
    const charge = (i: number) => servers[i % 2]!.charge(registry, ns, {
      evaluator: podEvaluator, operation: 'CREATE', obj: pod(`p-${i}`) as KubeObject, dryRun: false, gr: { group: '', resource: 'pods' }, name: `p-${i}`,
    });
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => charge(i)));
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as { status: { code: number; message: string } });
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    for (const e of refused) expect(e.status.message).toMatch(/exceeded quota: q, requested: pods=1, used: pods=5, limited: pods=5$/);
    expect((await used(ns, 'q')).pods).toBe('5');
  });

  it('charges an update for what it adds: a service that becomes a NodePort', async () => {
    const ns = await namespace();
    await quota(ns, 'svc', { services: '2', 'services.nodeports': '1' });
    await rest.create(services, ns, { metadata: { name: 'web' }, spec: { ports: [{ name: 'a', port: 80 }, { name: 'b', port: 81 }] } });
    expect(await used(ns, 'svc')).toEqual({ services: '1', 'services.nodeports': '0' });
    const e = await refusal(rest.patch(services, ns, 'web', { spec: { type: 'NodePort' } }, { type: 'merge' }));
    expect(e.status?.message).toBe('services "web" is forbidden: exceeded quota: svc, requested: services.nodeports=2, used: services.nodeports=0, limited: services.nodeports=1');
    await rest.patch(services, ns, 'web', { spec: { type: 'NodePort', ports: [{ name: 'a', port: 80 }] } }, { type: 'merge' });
    expect(await used(ns, 'svc')).toEqual({ services: '1', 'services.nodeports': '1' });
  });

  it('counts a pod only against quotas whose scopes it falls in', async () => {
    const ns = await namespace();
    await quota(ns, 'besteffort', { pods: '1' }, { scopes: ['BestEffort'] });
    await quota(ns, 'terminating', { pods: '5' }, { scopes: ['Terminating'] });
    await rest.create(pods, ns, pod('be'));
    await rest.create(pods, ns, pod('burstable', { requests: { cpu: '100m' } }));
    await rest.create(pods, ns, pod('deadline', { requests: { cpu: '100m' } }, { activeDeadlineSeconds: 60 }));
    expect((await used(ns, 'besteffort')).pods).toBe('1');
    expect((await used(ns, 'terminating')).pods).toBe('1');
    const e = await refusal(rest.create(pods, ns, pod('be2')));
    expect(e.status?.message).toBe('pods "be2" is forbidden: exceeded quota: besteffort, requested: pods=1, used: pods=1, limited: pods=1');
  });
});

describe('checkRequest (upstream CheckRequest)', () => {
  const q = (hard: Record<string, string>, used?: Record<string, string>): ResourceQuota => ({ metadata: { name: 'q', namespace: 'n', resourceVersion: '7' }, spec: { hard }, status: { hard, ...(used ? { used } : {}) } });
  const req = (obj: object) => ({ evaluator: podEvaluator, operation: 'CREATE' as const, obj: obj as KubeObject, dryRun: false, gr: { group: '', resource: 'pods' }, name: 'p' });
  const now = new Date();

  it('refuses while a quota has no usage recorded for what it limits', () => {
    expect(() => checkRequest([q({ pods: '3', 'requests.cpu': '1' }, { pods: '0' })], req(pod('p', { requests: { cpu: '1' } })), now))
      .toThrow('pods "p" is forbidden: status unknown for quota: q, resources: pods,requests.cpu');
  });

  it('returns the quotas unchanged when none covers the object', () => {
    const quotas = [q({ configmaps: '1' }, { configmaps: '0' })];
    expect(checkRequest(quotas, req(pod('p')), now)).toBe(quotas);
  });

  it('adds the object\'s usage to the covering quota', () => {
    const [next] = checkRequest([q({ pods: '3', 'requests.memory': '1Gi' }, { pods: '1', 'requests.memory': '100Mi' })], req(pod('p', { requests: { memory: '156Mi' } })), now);
    expect(next!.status?.used).toEqual({ pods: '2', 'requests.memory': '256Mi' });
  });

  it('charges an object count only on create', () => {
    const ev = objectCountEvaluator({ group: 'apps', resource: 'deployments' });
    expect(ev.handles('CREATE', '')).toBe(true);
    expect(ev.handles('UPDATE', '')).toBe(false);
    expect(ev.usage({}, now)['count/deployments.apps']!.equal(mustParseQuantity('1'))).toBe(true);
  });
});

describe('ResourceQuota validation of scopes', () => {
  const create = (spec: object) => rest.request('POST', '/api/v1/namespaces/default/resourcequotas', { body: { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { generateName: 'v-' }, spec } })
    .then(() => undefined, (e: ApiError) => e.status?.details?.causes);

  it('refuses pod scopes on resources they cannot apply to', async () => {
    expect(await create({ hard: { pods: '1', configmaps: '1' }, scopes: ['BestEffort'] })).toEqual([
      { reason: 'FieldValueInvalid', field: 'spec.scopes', message: 'Invalid value: ["BestEffort"]: unsupported scope applied to resource' },
    ]);
    expect(await create({ hard: { pods: '1', 'requests.cpu': '1' }, scopes: ['NotBestEffort', 'Terminating'] })).toBeUndefined();
  });

  it('checks scope selector operators and values as upstream', async () => {
    expect(await create({ hard: { pods: '1' }, scopeSelector: { matchExpressions: [
      { scopeName: 'PriorityClass', operator: 'In' },
      { scopeName: 'Terminating', operator: 'In', values: ['x'] },
    ] } })).toEqual([
      { reason: 'FieldValueRequired', field: 'spec.scopeSelector.matchExpressions.values', message: "Required value: must be at least one value when `operator` is 'In' or 'NotIn' for scope selector" },
      { reason: 'FieldValueInvalid', field: 'spec.scopeSelector.matchExpressions.operator', message: "Invalid value: \"In\": must be 'Exist' only operator when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort and ResourceQuotaScopeNotBestEffort" },
    ]);
  });
});
