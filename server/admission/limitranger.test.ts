// LimitRanger over HTTP: a namespace's LimitRanges default container requests and limits (with
// upstream's annotation) and refuse pods and claims outside their bounds, in upstream's words.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import request from 'supertest';
import { createDatabaseAt } from '../../test/postgres.ts';
import { startTestApiServer, type TestApiServer } from '../../test/apiserver.ts';

let srv: TestApiServer;
let auth: Record<string, string>;
const api = () => request(srv.api.app);

beforeAll(async () => {
  srv = await startTestApiServer({ databaseUrl: await createDatabaseAt(inject('pgAdminUrl')) });
  auth = { Authorization: `Bearer ${srv.token}` };
});
afterAll(async () => { await srv?.close(); });

let seq = 0;
async function namespaceWith(limits: object[]): Promise<string> {
  const ns = `lr-${seq++}`;
  await api().post('/api/v1/namespaces').set(auth).send({ metadata: { name: ns } }).expect(201);
  await api().post(`/api/v1/namespaces/${ns}/limitranges`).set(auth).send({ metadata: { name: 'limits' }, spec: { limits } }).expect(201);
  return ns;
}

const container = (name: string, resources?: object) => ({ name, image: 'busybox:1.36', ...(resources ? { resources } : {}) });
const createPod = (ns: string, name: string, spec: object) => api().post(`/api/v1/namespaces/${ns}/pods`).set(auth).send({ metadata: { name }, spec });

describe('LimitRanger', () => {
  it('runs in the default chain, after NamespaceLifecycle (ServiceAccount is off unless enabled)', () => {
    expect(srv.api.admission.plugins).toEqual(['NamespaceLifecycle', 'LimitRanger', 'NodeRestriction', 'PodSecurity', 'DefaultStorageClass', 'StorageObjectInUseProtection', 'ResourceQuota']);
  });

  it('fills in default requests and limits and says so in kubernetes.io/limit-ranger', async () => {
    const ns = await namespaceWith([{ type: 'Container', default: { cpu: '500m', memory: '256Mi' }, defaultRequest: { cpu: '100m' } }]);
    const res = await createPod(ns, 'web', {
      initContainers: [container('init', { limits: { cpu: '200m', memory: '64Mi' } })],
      containers: [container('app'), container('side', { requests: { memory: '10Mi' } })],
    }).expect(201);
    const spec = res.body.spec;
    expect(spec.containers[0].resources).toEqual({ limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '100m', memory: '256Mi' } });
    expect(spec.containers[1].resources).toEqual({ limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '100m', memory: '10Mi' } });
    // Requests default to limits first (pod defaulting), so the init container keeps its own.
    expect(spec.initContainers[0].resources).toEqual({ limits: { cpu: '200m', memory: '64Mi' }, requests: { cpu: '200m', memory: '64Mi' } });
    expect(res.body.metadata.annotations['kubernetes.io/limit-ranger']).toBe(
      'LimitRanger plugin set: cpu, memory request for container app; cpu, memory limit for container app; '
      + 'cpu request for container side; cpu, memory limit for container side',
    );
  });

  it('refuses containers over max, with every violation in brackets', async () => {
    const ns = await namespaceWith([{ type: 'Container', max: { cpu: '1', memory: '1Gi' } }]);
    const res = await createPod(ns, 'big', { containers: [container('c', { limits: { cpu: '2', memory: '2Gi' } })] }).expect(403);
    expect(res.body.reason).toBe('Forbidden');
    expect(res.body.message).toBe('pods "big" is forbidden: [maximum cpu usage per Container is 1, but limit is 2, maximum memory usage per Container is 1Gi, but limit is 2Gi]');
    expect(res.body.details).toEqual({ name: 'big', kind: 'pods' });
  });

  it('refuses containers under min, and one message alone has no brackets', async () => {
    const ns = await namespaceWith([{ type: 'Container', min: { cpu: '100m' } }]);
    const res = await createPod(ns, 'small', { containers: [container('c', { requests: { cpu: '50m' } })] }).expect(403);
    expect(res.body.message).toBe('pods "small" is forbidden: minimum cpu usage per Container is 100m, but request is 50m');
    // min defaults the request (LimitRange defaulting), so a container that asks for nothing fits.
    await createPod(ns, 'fits', { containers: [container('c')] }).expect(201);
  });

  it('enforces maxLimitRequestRatio and Pod totals', async () => {
    const ns = await namespaceWith([
      { type: 'Container', maxLimitRequestRatio: { cpu: '2' } },
      { type: 'Pod', max: { memory: '1Gi' } },
    ]);
    const ratio = await createPod(ns, 'ratio', { containers: [container('c', { requests: { cpu: '100m' }, limits: { cpu: '300m', memory: '100Mi' } })] }).expect(403);
    expect(ratio.body.message).toBe('pods "ratio" is forbidden: cpu max limit to request ratio per Container is 2, but provided ratio is 3.000000');
    const total = await createPod(ns, 'total', {
      containers: [container('a', { limits: { cpu: '100m', memory: '600Mi' } }), container('b', { limits: { cpu: '100m', memory: '600Mi' } })],
    }).expect(403);
    expect(total.body.message).toBe('pods "total" is forbidden: maximum memory usage per Pod is 1Gi, but limit is 1200Mi');
  });

  it('bounds the storage a claim requests', async () => {
    const ns = await namespaceWith([{ type: 'PersistentVolumeClaim', min: { storage: '1Gi' }, max: { storage: '5Gi' } }]);
    const claim = (name: string, storage: string) => api().post(`/api/v1/namespaces/${ns}/persistentvolumeclaims`).set(auth)
      .send({ metadata: { name }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } } });
    expect((await claim('huge', '10Gi').expect(403)).body.message).toBe('persistentvolumeclaims "huge" is forbidden: maximum storage usage per PersistentVolumeClaim is 5Gi, but request is 10Gi');
    expect((await claim('tiny', '100Mi').expect(403)).body.message).toBe('persistentvolumeclaims "tiny" is forbidden: minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 100Mi');
    await claim('right', '2Gi').expect(201);
  });

  it('leaves pods alone in a namespace without LimitRanges', async () => {
    const ns = `lr-${seq++}`;
    await api().post('/api/v1/namespaces').set(auth).send({ metadata: { name: ns } }).expect(201);
    const res = await createPod(ns, 'plain', { containers: [container('c')] }).expect(201);
    expect(res.body.spec.containers[0].resources).toEqual({});
    expect(res.body.metadata.annotations).toBeUndefined();
  });
});
