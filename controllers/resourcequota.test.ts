// The quota controller against a real API server: status.hard mirrors spec.hard, status.used is
// recounted from the namespace's objects, and usage comes back when objects go or pods finish.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { V1Pod, V1ResourceQuota } from '@kubernetes/client-node';
import type { RestClient } from '../client/index.ts';
import { deployments, namespaces, persistentVolumeClaims, pods, secrets, services } from '../client/resources.ts';
import { startControllerTestbed, type ControllerTestbed } from '../test/controllers.ts';
import { eventually } from '../test/eventually.ts';
import { resourceQuotaController, resourceQuotas } from './resourcequota.ts';

let bed: ControllerTestbed;
let rest: RestClient;

beforeAll(async () => {
  bed = await startControllerTestbed({ controllers: [resourceQuotaController()] });
  rest = bed.rest;
});
afterAll(async () => { await bed?.close(); });

let seq = 0;
async function namespace(): Promise<string> {
  const name = `rqc-${seq++}`;
  await rest.create(namespaces, '', { metadata: { name } });
  return name;
}

const pod = (name: string, cpu?: string): V1Pod => ({
  metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox:1.36', ...(cpu ? { resources: { requests: { cpu } } } : {}) }] },
});

async function setPhase(ns: string, name: string, phase: string): Promise<void> {
  const cur = await rest.get(pods, ns, name);
  await rest.update(pods, ns, { ...cur, status: { ...cur.status, phase } }, { subresource: 'status' });
}

/** The quota's status once `done` holds for it. */
function statusOf(ns: string, name: string, done: (s: NonNullable<V1ResourceQuota['status']>) => boolean, what: string) {
  return eventually(async () => {
    const s = (await rest.get(resourceQuotas, ns, name)).status;
    return s && done(s) ? s : undefined;
  }, { what, timeoutMs: 10_000 });
}

describe('resource quota controller', () => {
  it('counts what a namespace already holds when a quota is created', async () => {
    const ns = await namespace();
    await rest.create(pods, ns, pod('running', '250m'));
    await rest.create(pods, ns, pod('done', '1'));
    await setPhase(ns, 'done', 'Succeeded');
    await rest.create(services, ns, { metadata: { name: 'np' }, spec: { type: 'NodePort', ports: [{ name: 'a', port: 80 }, { name: 'b', port: 81 }] } });
    await rest.create(secrets, ns, { metadata: { name: 's1' } });
    await rest.create(secrets, ns, { metadata: { name: 's2' } });
    await rest.create(persistentVolumeClaims, ns, {
      metadata: { name: 'data' }, spec: { storageClassName: 'fast', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    });
    const hard = {
      pods: '10', 'count/pods': '10', 'requests.cpu': '4', services: '5', 'services.nodeports': '5', 'services.loadbalancers': '1', secrets: '5',
      persistentvolumeclaims: '5', 'requests.storage': '10Gi', 'fast.storageclass.storage.k8s.io/requests.storage': '5Gi',
    };
    await rest.create(resourceQuotas, ns, { metadata: { name: 'all' }, spec: { hard } });
    const status = await statusOf(ns, 'all', (s) => !!s.used, 'usage recorded');
    expect(status.hard).toEqual(hard);
    // A finished pod still exists (count/pods) but no longer uses compute (pods, requests.cpu).
    expect(status.used).toEqual({
      pods: '1', 'count/pods': '2', 'requests.cpu': '250m', services: '1', 'services.nodeports': '2', 'services.loadbalancers': '0',
      secrets: '2', persistentvolumeclaims: '1', 'requests.storage': '1Gi', 'fast.storageclass.storage.k8s.io/requests.storage': '1Gi',
    });
  });

  it('mirrors a changed spec.hard into status and measures what it newly limits', async () => {
    const ns = await namespace();
    await rest.create(secrets, ns, { metadata: { name: 's1' } });
    await rest.create(resourceQuotas, ns, { metadata: { name: 'q' }, spec: { hard: { pods: '2' } } });
    await statusOf(ns, 'q', (s) => s.used?.pods === '0', 'first usage');
    const cur = await rest.get(resourceQuotas, ns, 'q');
    await rest.update(resourceQuotas, ns, { ...cur, spec: { hard: { pods: '3', secrets: '4' } } });
    const status = await statusOf(ns, 'q', (s) => s.hard?.secrets === '4', 'new limits');
    expect(status.hard).toEqual({ pods: '3', secrets: '4' });
    expect(status.used).toEqual({ pods: '0', secrets: '1' });
  });

  it('puts back a status.hard someone else wrote', async () => {
    const ns = await namespace();
    await rest.create(resourceQuotas, ns, { metadata: { name: 'q' }, spec: { hard: { configmaps: '2' } } });
    await statusOf(ns, 'q', (s) => s.used?.configmaps === '0', 'first usage');
    const cur = await rest.get(resourceQuotas, ns, 'q');
    await rest.update(resourceQuotas, ns, { ...cur, status: { hard: { configmaps: '100' }, used: { configmaps: '7' } } }, { subresource: 'status' });
    const status = await statusOf(ns, 'q', (s) => s.hard?.configmaps === '2', 'status.hard restored');
    expect(status.used).toEqual({ configmaps: '0' });
    expect((await rest.get(resourceQuotas, ns, 'q')).spec?.hard).toEqual({ configmaps: '2' });
  });

  it('gives usage back when a pod finishes or objects are deleted', async () => {
    const ns = await namespace();
    await rest.create(resourceQuotas, ns, { metadata: { name: 'q' }, spec: { hard: { pods: '5', 'requests.cpu': '2', 'count/deployments.apps': '3' } } });
    await statusOf(ns, 'q', (s) => s.used?.pods === '0', 'first usage');
    await rest.create(pods, ns, pod('a', '500m'));
    await rest.create(pods, ns, pod('b', '500m'));
    await rest.create(deployments, ns, {
      metadata: { name: 'd' },
      spec: { selector: { matchLabels: { app: 'd' } }, template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } } },
    });
    // Admission charged these as it admitted them.
    expect((await rest.get(resourceQuotas, ns, 'q')).status?.used).toEqual({ pods: '2', 'requests.cpu': '1', 'count/deployments.apps': '1' });
    await setPhase(ns, 'a', 'Failed');
    await statusOf(ns, 'q', (s) => s.used?.pods === '1' && s.used['requests.cpu'] === '500m', 'the failed pod released');
    await rest.delete(pods, ns, 'b', { gracePeriodSeconds: 0 });
    await rest.delete(deployments, ns, 'd');
    const status = await statusOf(ns, 'q', (s) => s.used?.pods === '0' && s.used['count/deployments.apps'] === '0', 'deleted objects released');
    expect(status.used).toEqual({ pods: '0', 'requests.cpu': '0', 'count/deployments.apps': '0' });
  });
});
