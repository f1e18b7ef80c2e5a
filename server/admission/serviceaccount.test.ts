// ServiceAccount admission over HTTP, on by default as upstream's: the default account, the
// projected token volume in upstream's exact shape, the opt-outs, and the refusals.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import request from 'supertest';
import { openStore, type SqlStore } from '../../storage/index.ts';
import { ApiServer } from '../apiserver.ts';
import { createDatabaseAt } from '../../test/postgres.ts';
import { ADMISSION_PLUGINS, builtinAdmission } from '../pipeline/admission.ts';

let store: SqlStore;
let api: ApiServer;
const auth = { Authorization: 'Bearer sa-admin' };
const http = () => request(api.app);

beforeAll(async () => {
  store = await openStore({ databaseUrl: await createDatabaseAt(inject('pgAdminUrl')) });
  api = new ApiServer({
    store, log: () => {}, tokens: [{ token: 'sa-admin', user: { name: 'admin', groups: ['system:masters'] } }],
    admission: { serviceAccount: { retryIntervalMs: 20 } },
  });
  await api.bootstrap();
});
afterAll(async () => {
  api?.close();
  await store?.close();
});

let seq = 0;
/** A namespace with the given ServiceAccounts (a "default" one unless told otherwise). */
async function namespace(accounts: object[] = [{ metadata: { name: 'default' } }]): Promise<string> {
  const ns = `sa-${seq++}`;
  await http().post('/api/v1/namespaces').set(auth).send({ metadata: { name: ns } }).expect(201);
  for (const sa of accounts) await http().post(`/api/v1/namespaces/${ns}/serviceaccounts`).set(auth).send(sa).expect(201);
  return ns;
}
const createPod = (ns: string, name: string, spec: object) => http().post(`/api/v1/namespaces/${ns}/pods`).set(auth).send({ metadata: { name }, spec });
const MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';

describe('ServiceAccount admission', () => {
  it('is on by default, in upstream\'s place in the chain, and off when disabled', () => {
    expect(api.admission.plugins).toEqual([...ADMISSION_PLUGINS]);
    const getNamespace = async () => undefined;
    expect(builtinAdmission({ getNamespace }).plugins).toContain('ServiceAccount');
    expect(builtinAdmission({ getNamespace }, { disable: ['ServiceAccount'] }).plugins).toEqual(ADMISSION_PLUGINS.filter((p) => p !== 'ServiceAccount'));
    expect(ADMISSION_PLUGINS.indexOf('ServiceAccount')).toBe(ADMISSION_PLUGINS.indexOf('LimitRanger') + 1);
  });

  it('runs a pod as "default" and mounts the kube-api-access volume in every container', async () => {
    const ns = await namespace();
    const res = await createPod(ns, 'web', {
      initContainers: [{ name: 'init', image: 'busybox:1.36' }],
      containers: [{ name: 'app', image: 'busybox:1.36' }],
    }).expect(201);
    const spec = res.body.spec;
    expect(spec.serviceAccountName).toBe('default');
    expect(spec.volumes).toHaveLength(1);
    const volume = spec.volumes[0];
    expect(volume.name).toMatch(/^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(volume.projected).toEqual({
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    });
    for (const c of [...spec.initContainers, ...spec.containers]) {
      expect(c.volumeMounts).toEqual([{ name: volume.name, readOnly: true, mountPath: MOUNT_PATH }]);
    }
  });

  it('refuses a pod whose ServiceAccount does not exist', async () => {
    const ns = await namespace([]);
    const missing = await createPod(ns, 'p', { serviceAccountName: 'missing', containers: [{ name: 'c', image: 'busybox:1.36' }] }).expect(403);
    expect(missing.body.message).toBe(`pods "p" is forbidden: error looking up service account ${ns}/missing: serviceaccount "missing" not found`);
    // The default account is looked up a few times first: its controller may be about to create it.
    const started = Date.now();
    const noDefault = await createPod(ns, 'q', { containers: [{ name: 'c', image: 'busybox:1.36' }] }).expect(403);
    expect(noDefault.body.message).toBe(`pods "q" is forbidden: error looking up service account ${ns}/default: serviceaccount "default" not found`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(9 * 20);
  });

  it('mounts no token when the pod or its account opts out; the pod\'s choice wins', async () => {
    const ns = await namespace([{ metadata: { name: 'default' } }, { metadata: { name: 'quiet' }, automountServiceAccountToken: false }]);
    const podOptOut = await createPod(ns, 'a', { automountServiceAccountToken: false, containers: [{ name: 'c', image: 'busybox:1.36' }] }).expect(201);
    expect(podOptOut.body.spec.volumes).toBeUndefined();
    expect(podOptOut.body.spec.containers[0].volumeMounts).toBeUndefined();
    const saOptOut = await createPod(ns, 'b', { serviceAccountName: 'quiet', containers: [{ name: 'c', image: 'busybox:1.36' }] }).expect(201);
    expect(saOptOut.body.spec.volumes).toBeUndefined();
    const podOptIn = await createPod(ns, 'c', { serviceAccountName: 'quiet', automountServiceAccountToken: true, containers: [{ name: 'c', image: 'busybox:1.36' }] }).expect(201);
    expect(podOptIn.body.spec.volumes[0].name).toMatch(/^kube-api-access-/);
  });

  it('leaves a container that mounts something at the token path alone, and copies the account\'s pull secrets', async () => {
    const ns = await namespace([{ metadata: { name: 'default' }, imagePullSecrets: [{ name: 'regcred' }] }]);
    const res = await createPod(ns, 'p', {
      volumes: [{ name: 'mine', emptyDir: {} }],
      containers: [
        { name: 'own', image: 'busybox:1.36', volumeMounts: [{ name: 'mine', mountPath: MOUNT_PATH }] },
        { name: 'other', image: 'busybox:1.36' },
      ],
    }).expect(201);
    const spec = res.body.spec;
    expect(spec.containers[0].volumeMounts).toEqual([{ name: 'mine', mountPath: MOUNT_PATH }]);
    expect(spec.containers[1].volumeMounts).toEqual([{ name: spec.volumes[1].name, readOnly: true, mountPath: MOUNT_PATH }]);
    expect(spec.imagePullSecrets).toEqual([{ name: 'regcred' }]);
  });

  it('holds pods to the secrets their account lists when it says kubernetes.io/enforce-mountable-secrets', async () => {
    const ns = await namespace([{ metadata: { name: 'default', annotations: { 'kubernetes.io/enforce-mountable-secrets': 'true' } }, secrets: [{ name: 'allowed' }] }]);
    await createPod(ns, 'ok', { volumes: [{ name: 's', secret: { secretName: 'allowed' } }], containers: [{ name: 'c', image: 'busybox:1.36' }] }).expect(201);
    const res = await createPod(ns, 'no', { volumes: [{ name: 's', secret: { secretName: 'other' } }], containers: [{ name: 'c', image: 'busybox:1.36' }] }).expect(403);
    expect(res.body.message).toBe('pods "no" is forbidden: volume with secret.secretName="other" is not allowed because service account default does not reference that secret');
  });
});
