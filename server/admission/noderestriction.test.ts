// NodeRestriction over HTTP, with kubelets' identities (system:node:<name> in system:nodes): the
// Node authorizer lets the write through by verb, and the plugin refuses it on the object with
// upstream's message (plugin/pkg/admission/noderestriction/admission.go).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import request from 'supertest';
import { openStore, type SqlStore } from '../../storage/index.ts';
import { ApiServer } from '../apiserver.ts';
import { createDatabaseAt } from '../../test/postgres.ts';
import { eventually } from '../../test/eventually.ts';
import { ADMISSION_PLUGINS } from '../pipeline/admission.ts';
import { forbiddenLabels, isKubeletLabel, modifiedLabels, semanticallyEqual } from './noderestriction.ts';

let store: SqlStore;
let api: ApiServer;
const ADMIN = { Authorization: 'Bearer nr-admin' };
/** Each kubelet's bearer token. */
const KUBELET = { n1: { Authorization: 'Bearer kubelet-n1' }, n2: { Authorization: 'Bearer kubelet-n2' } };
const http = () => request(api.app);

beforeAll(async () => {
  store = await openStore({ databaseUrl: await createDatabaseAt(inject('pgAdminUrl')) });
  api = new ApiServer({
    store, log: () => {},
    tokens: [
      { token: 'nr-admin', user: { name: 'admin', groups: ['system:masters'] } },
      { token: 'kubelet-n1', user: { name: 'system:node:n1', groups: ['system:nodes'] } },
      { token: 'kubelet-n2', user: { name: 'system:node:n2', groups: ['system:nodes'] } },
    ],
  });
  await api.bootstrap();
  // A kubelet registers its own Node; n2's is made by the admin.
  await http().post('/api/v1/nodes').set(KUBELET.n1).send({ metadata: { name: 'n1', labels: { 'kubernetes.io/hostname': 'n1' } } }).expect(201);
  await http().post('/api/v1/nodes').set(ADMIN).send({ metadata: { name: 'n2' } }).expect(201);
});
afterAll(async () => {
  api?.close();
  await store?.close();
});

let seq = 0;
async function namespace(): Promise<string> {
  const ns = `nr-${seq++}`;
  await http().post('/api/v1/namespaces').set(ADMIN).send({ metadata: { name: ns } }).expect(201);
  // What the service account controller gives every namespace, which ServiceAccount admission looks for.
  await http().post(`/api/v1/namespaces/${ns}/serviceaccounts`).set(ADMIN).send({ metadata: { name: 'default' } }).expect(201);
  return ns;
}

type Spec = Record<string, unknown>;
/** A pod the scheduler has bound to `node`, created by the admin. */
async function boundPod(ns: string, name: string, node: string, spec: Spec = {}): Promise<{ metadata: { uid: string } }> {
  const res = await http().post(`/api/v1/namespaces/${ns}/pods`).set(ADMIN)
    .send({ metadata: { name }, spec: { nodeName: node, containers: [{ name: 'c', image: 'busybox:1.36' }], ...spec } }).expect(201);
  return res.body;
}

/** Expects upstream's 403 with exactly this message. */
function expectForbidden(res: request.Response, message: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(403);
  expect(res.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Forbidden', code: 403, message });
}

const mergePatch = (path: string, who: Record<string, string>, body: unknown) =>
  http().patch(path).set(who).set('Content-Type', 'application/merge-patch+json').send(JSON.stringify(body));

describe('NodeRestriction admission', () => {
  it('runs after ServiceAccount and before PodSecurity, on by default as kubeadm enables it', () => {
    expect(api.admission.plugins).toContain('NodeRestriction');
    expect(ADMISSION_PLUGINS.indexOf('NodeRestriction')).toBe(ADMISSION_PLUGINS.indexOf('ServiceAccount') + 1);
    expect(ADMISSION_PLUGINS.indexOf('PodSecurity')).toBe(ADMISSION_PLUGINS.indexOf('NodeRestriction') + 1);
  });

  it('lets a node delete only pods bound to itself', async () => {
    const ns = await namespace();
    await boundPod(ns, 'keep-me', 'n1');
    expectForbidden(await http().delete(`/api/v1/namespaces/${ns}/pods/keep-me`).set(KUBELET.n2),
      'pods "keep-me" is forbidden: node "n2" can only delete pods with spec.nodeName set to itself');
    await http().get(`/api/v1/namespaces/${ns}/pods/keep-me`).set(ADMIN).expect(200);
    await http().delete(`/api/v1/namespaces/${ns}/pods/keep-me?gracePeriodSeconds=0`).set(KUBELET.n1).expect(200);
    await http().get(`/api/v1/namespaces/${ns}/pods/keep-me`).set(ADMIN).expect(404);
    // A pod that is not there is 404, not a refusal.
    await http().delete(`/api/v1/namespaces/${ns}/pods/never`).set(KUBELET.n1).expect(404);
  });

  it('lets a node create only mirror pods bound to and owned by itself, referencing nothing else', async () => {
    const ns = await namespace();
    const node = (await http().get('/api/v1/nodes/n1').set(KUBELET.n1).expect(200)).body;
    const owner = { apiVersion: 'v1', kind: 'Node', name: 'n1', uid: node.metadata.uid, controller: true };
    const mirror = (name: string, extra: { meta?: Spec; spec?: Spec } = {}) => ({
      metadata: { name, annotations: { 'kubernetes.io/config.mirror': 'hash' }, ownerReferences: [owner], ...extra.meta },
      spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'busybox:1.36' }], ...extra.spec },
    });
    const create = (body: unknown) => http().post(`/api/v1/namespaces/${ns}/pods`).set(KUBELET.n1).send(body as object);

    expectForbidden(await create({ metadata: { name: 'plain' }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'busybox:1.36' }] } }),
      'pods "plain" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "n1" can only create mirror pods');
    expectForbidden(await create(mirror('elsewhere', { spec: { nodeName: 'n2' } })),
      'pods "elsewhere" is forbidden: node "n1" can only create pods with spec.nodeName set to itself');
    expectForbidden(await create(mirror('orphan', { meta: { ownerReferences: [] } })),
      'pods "orphan" is forbidden: node "n1" can only create pods with an owner reference set to itself');
    expectForbidden(await create(mirror('not-controlled', { meta: { ownerReferences: [{ ...owner, controller: false }] } })),
      'pods "not-controlled" is forbidden: node "n1" can only create pods with a controller owner reference set to itself');
    expectForbidden(await create(mirror('blocking', { meta: { ownerReferences: [{ ...owner, blockOwnerDeletion: true }] } })),
      'pods "blocking" is forbidden: node "n1" must not set blockOwnerDeletion on an owner reference');
    expectForbidden(await create(mirror('stale', { meta: { ownerReferences: [{ ...owner, uid: 'old-uid' }] } })),
      `pods "stale" is forbidden: node n1 UID mismatch: expected old-uid got ${node.metadata.uid}`);
    expectForbidden(await create(mirror('with-sa', { spec: { serviceAccountName: 'builder' } })),
      'pods "with-sa" is forbidden: node "n1" can not create pods that reference a service account');
    expectForbidden(await create(mirror('with-secret', { spec: { volumes: [{ name: 's', secret: { secretName: 'creds' } }] } })),
      'pods "with-secret" is forbidden: node "n1" can not create pods that reference secrets');
    expectForbidden(await create(mirror('with-cm', { spec: { containers: [{ name: 'c', image: 'busybox:1.36', envFrom: [{ configMapRef: { name: 'cfg' } }] }] } })),
      'pods "with-cm" is forbidden: node "n1" can not create pods that reference configmaps');
    expectForbidden(await create(mirror('with-claim', { spec: { volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }] } })),
      'pods "with-claim" is forbidden: node "n1" can not create pods that reference persistentvolumeclaims');

    const created = (await create(mirror('static-web')).expect(201)).body;
    expect(created.spec.nodeName).toBe('n1');
    // Another node may not create a mirror pod claiming to be n1's.
    expectForbidden(await http().post(`/api/v1/namespaces/${ns}/pods`).set(KUBELET.n2).send(mirror('impostor')),
      'pods "impostor" is forbidden: node "n2" can only create pods with spec.nodeName set to itself');
  });

  it('lets a node write status only of pods bound to itself, and not their labels', async () => {
    const ns = await namespace();
    await boundPod(ns, 'web', 'n1');
    const path = `/api/v1/namespaces/${ns}/pods/web/status`;
    expectForbidden(await mergePatch(path, KUBELET.n2, { status: { phase: 'Running' } }),
      'pods "web" is forbidden: node "n2" can only update pod status for pods with spec.nodeName set to itself');
    const cur = (await http().get(`/api/v1/namespaces/${ns}/pods/web`).set(ADMIN).expect(200)).body;
    expectForbidden(await http().put(path).set(KUBELET.n2).send({ ...cur, status: { ...cur.status, phase: 'Running' } }),
      'pods "web" is forbidden: node "n2" can only update pod status for pods with spec.nodeName set to itself');
    expectForbidden(await mergePatch(path, KUBELET.n1, { metadata: { labels: { tier: 'gold' } }, status: { phase: 'Running' } }),
      'pods "web" is forbidden: node "n1" cannot update labels through pod status');
    const ok = await mergePatch(path, KUBELET.n1, { status: { phase: 'Running' } }).expect(200);
    expect(ok.body.status.phase).toBe('Running');
  });

  it('lets a node evict only pods bound to itself', async () => {
    const ns = await namespace();
    await boundPod(ns, 'victim', 'n1');
    const evict = (who: Record<string, string>, name: string) => http().post(`/api/v1/namespaces/${ns}/pods/${name}/eviction`).set(who)
      .send({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: ns } });
    // Upstream prints this node name without quotes.
    expectForbidden(await evict(KUBELET.n2, 'victim'), 'pods "victim" is forbidden: node n2 can only evict pods with spec.nodeName set to itself');
    expect((await http().get(`/api/v1/namespaces/${ns}/pods/victim`).set(ADMIN).expect(200)).body.metadata.deletionTimestamp).toBeUndefined();
    const missing = await evict(KUBELET.n1, 'ghost');
    expect(missing.status).toBe(404);
    expect(missing.body.message).toBe('pods "ghost" not found');
    await evict(KUBELET.n1, 'victim').expect(201);
    expect((await http().get(`/api/v1/namespaces/${ns}/pods/victim`).set(ADMIN).expect(200)).body.metadata.deletionTimestamp).toBeDefined();
  });

  it('lets a node register and change only its own Node, without taints, configSource or restricted labels', async () => {
    const register = (name: string, labels: Record<string, string>) => http().post('/api/v1/nodes').set(KUBELET.n2).send({ metadata: { name, labels } });
    expectForbidden(await register('n3', {}), 'nodes "n3" is forbidden: node "n2" is not allowed to modify node "n3"');
    expectForbidden(await http().post('/api/v1/nodes').set(KUBELET.n2).send({ metadata: { name: 'n2' }, spec: { configSource: { configMap: { name: 'c', namespace: 'kube-system', kubeletConfigKey: 'k' } } } }),
      'nodes "n2" is forbidden: node "n2" is not allowed to create pods with a non-nil configSource');

    // n2 exists already (created by the admin); changes to it go through the same checks.
    const path = '/api/v1/nodes/n2';
    await mergePatch(path, ADMIN, { spec: { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] } }).expect(200);
    expectForbidden(await mergePatch('/api/v1/nodes/n1', KUBELET.n2, { metadata: { labels: { a: 'b' } } }),
      'nodes "n1" is forbidden: node "n2" is not allowed to modify node "n1"');
    expectForbidden(await mergePatch('/api/v1/nodes/n1/status', KUBELET.n2, { status: { phase: 'Running' } }),
      'nodes "n1" is forbidden: node "n2" is not allowed to modify node "n1"');
    expectForbidden(await mergePatch(path, KUBELET.n2, { spec: { taints: null } }), 'nodes "n2" is forbidden: node "n2" is not allowed to modify taints');
    expectForbidden(await mergePatch(path, KUBELET.n2, { spec: { configSource: { configMap: { name: 'c', namespace: 'kube-system', kubeletConfigKey: 'k' } } } }),
      'nodes "n2" is forbidden: node "n2" is not allowed to update configSource to a new non-nil configSource');
    // Upstream's message names no node here.
    expectForbidden(await mergePatch(path, KUBELET.n2, { metadata: { labels: { 'node-role.kubernetes.io/control-plane': '', 'node-restriction.kubernetes.io/pool': 'a', 'example.com/team': 'x' } } }),
      'nodes "n2" is forbidden: is not allowed to modify labels: node-restriction.kubernetes.io/pool, node-role.kubernetes.io/control-plane');
    const relabelled = await mergePatch(path, KUBELET.n2, {
      metadata: { labels: { 'kubernetes.io/hostname': 'n2', 'node.kubernetes.io/instance-type': 'big', 'kubelet.kubernetes.io/x': 'y', 'example.com/team': 'x' } },
    }).expect(200);
    expect(relabelled.body.metadata.labels['node.kubernetes.io/instance-type']).toBe('big');
    // The taints as they are, sent back with a status write, are no change.
    const cur = (await http().get(path).set(ADMIN).expect(200)).body;
    await http().put(`${path}/status`).set(KUBELET.n2).send({ ...cur, status: { ...cur.status, phase: 'Running' } }).expect(200);
  });

  it('keeps a node to its own Lease in kube-node-lease and its own CSINode', async () => {
    const leases = '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases';
    const lease = (name: string) => ({ metadata: { name }, spec: { holderIdentity: name, leaseDurationSeconds: 40 } });
    expectForbidden(await http().post(leases).set(KUBELET.n1).send(lease('n2')),
      'leases.coordination.k8s.io "n2" is forbidden: can only access node lease with the same name as the requesting node');
    await http().post(leases).set(KUBELET.n1).send(lease('n1')).expect(201);
    // Another node's Lease by name is the authorizer's to refuse.
    expectForbidden(await http().put(`${leases}/n1`).set(KUBELET.n2).send(lease('n1')),
      'leases.coordination.k8s.io "n1" is forbidden: User "system:node:n2" cannot update resource "leases" in API group "coordination.k8s.io" in the namespace "kube-node-lease": can only access node lease with the same name as the requesting node');

    const csinodes = '/apis/storage.k8s.io/v1/csinodes';
    expectForbidden(await http().post(csinodes).set(KUBELET.n1).send({ metadata: { name: 'n2' }, spec: { drivers: [] } }),
      'csinodes.storage.k8s.io "n2" is forbidden: can only access CSINode with the same name as the requesting node');
    await http().post(csinodes).set(KUBELET.n1).send({ metadata: { name: 'n1' }, spec: { drivers: [] } }).expect(201);
  });

  it('lets a node request tokens only bound to its own pods', async () => {
    const ns = await namespace();
    const mine = await boundPod(ns, 'mine', 'n1', { serviceAccountName: 'default' });
    const theirs = await boundPod(ns, 'theirs', 'n2', { serviceAccountName: 'default' });
    const token = (ref: unknown) => http().post(`/api/v1/namespaces/${ns}/serviceaccounts/default/token`).set(KUBELET.n1)
      .send({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: [], ...(ref ? { boundObjectRef: ref } : {}) } });
    const podRef = (name: string, uid: string) => ({ apiVersion: 'v1', kind: 'Pod', name, uid });
    // The Node authorizer sees the pods (and so the account) once its pod graph has caught up.
    await eventually(async () => (await token(podRef('mine', mine.metadata.uid))).status === 201, { what: 'a token for n1\'s own pod' });
    expectForbidden(await token(undefined), 'serviceaccounts "default" is forbidden: node requested token not bound to a pod');
    expectForbidden(await token(podRef('mine', '')), 'serviceaccounts "default" is forbidden: node requested token with a pod binding without a uid');
    expectForbidden(await token(podRef('mine', 'old-uid')),
      'serviceaccounts "default" is forbidden: the UID in the bound object reference (old-uid) does not match the UID in record. The object might have been deleted and then recreated');
    expectForbidden(await token(podRef('theirs', theirs.metadata.uid)), 'serviceaccounts "default" is forbidden: node requested token bound to a pod scheduled on a different node');
  });

  it('lets a node change only the resize status of a claim its pods use', async () => {
    const ns = await namespace();
    await http().post(`/api/v1/namespaces/${ns}/persistentvolumeclaims`).set(ADMIN)
      .send({ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }).expect(201);
    await boundPod(ns, 'db', 'n1', { volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }] });
    const path = `/api/v1/namespaces/${ns}/persistentvolumeclaims/data/status`;
    await eventually(async () => (await mergePatch(path, KUBELET.n1, { status: { capacity: { storage: '2Gi' } } })).status === 200, { what: 'n1 writing its claim\'s capacity' });
    expectForbidden(await mergePatch(path, KUBELET.n1, { metadata: { labels: { owner: 'n1' } }, status: { phase: 'Lost' } }),
      'persistentvolumeclaims "data" is forbidden: node "n1" is not allowed to update fields other than status.quantity and status.conditions: metadata.labels, status.phase');
  });

  it('leaves everyone but nodes alone', async () => {
    const ns = await namespace();
    await boundPod(ns, 'web', 'n1');
    await http().delete(`/api/v1/namespaces/${ns}/pods/web?gracePeriodSeconds=0`).set(ADMIN).expect(200);
  });
});

describe('NodeRestriction label rules', () => {
  it('lets kubelets set their well-known labels and kubelet.kubernetes.io / node.kubernetes.io ones', () => {
    for (const key of ['kubernetes.io/hostname', 'kubernetes.io/arch', 'beta.kubernetes.io/os', 'topology.kubernetes.io/zone', 'node.kubernetes.io/instance-type', 'x.kubelet.kubernetes.io/a', 'node.kubernetes.io/exclude-from-external-load-balancers']) {
      expect(isKubeletLabel(key), key).toBe(true);
    }
    expect(isKubeletLabel('node-role.kubernetes.io/worker')).toBe(false);
  });

  it('forbids node-restriction labels and unknown kubernetes.io / k8s.io labels, allows others', () => {
    expect(forbiddenLabels(['a.node-restriction.kubernetes.io/x', 'node-restriction.kubernetes.io/y', 'example.k8s.io/z', 'kubernetes.io/hostname', 'example.com/ok', 'plain']))
      .toEqual(['a.node-restriction.kubernetes.io/x', 'node-restriction.kubernetes.io/y', 'example.k8s.io/z']);
  });

  it('counts added, removed and changed labels as modified', () => {
    expect(modifiedLabels({ a: '1', b: '2', c: '3' }, { a: '1', b: 'x', d: '4' })).toEqual(['b', 'c', 'd']);
    expect(modifiedLabels(undefined, { a: '' })).toEqual(['a']);
  });

  it('compares as Go\'s semantic equality: nil and empty lists alike, times to the second', () => {
    expect(semanticallyEqual(undefined, [])).toBe(true);
    expect(semanticallyEqual([{ key: 'k', effect: 'NoSchedule', value: '' }], [{ key: 'k', effect: 'NoSchedule' }])).toBe(true);
    expect(semanticallyEqual([{ key: 'k', timeAdded: '2024-01-01T00:00:00.123Z' }], [{ key: 'k', timeAdded: '2024-01-01T00:00:00Z' }])).toBe(true);
    expect(semanticallyEqual([{ key: 'k', effect: 'NoSchedule' }], [{ key: 'k', effect: 'NoExecute' }])).toBe(false);
  });
});
