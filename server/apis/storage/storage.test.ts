// storage.k8s.io/v1 through HTTP: storageclasses, csidrivers, csinodes, csistoragecapacities and
// volumeattachments — defaults, immutability, validation causes and Tables.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import request from 'supertest';
import { auth, expectInvalid, startApi, tableOf, type TestApi } from '../common/apitest.ts';
import { storageclasses } from './v1/storageclasses.ts';
import { csidrivers } from './v1/csidrivers.ts';
import { csinodes } from './v1/csinodes.ts';
import { csistoragecapacities } from './v1/csistoragecapacities.ts';
import { volumeattachments } from './v1/volumeattachments.ts';

let t: TestApi;
beforeAll(async () => { t = await startApi([storageclasses, csidrivers, csinodes, csistoragecapacities, volumeattachments]); });
afterAll(async () => { await t.close(); });

describe('storageclasses', () => {
  it('defaults reclaimPolicy Delete and volumeBindingMode Immediate, keeps the provisioner, returns the object on delete', async () => {
    const app = t.api.app;
    const created = await request(app).post(t.url(storageclasses)).set(auth)
      .send({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'fast', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: 'example.com/csi', parameters: { type: 'ssd' } }).expect(201);
    expect(created.body).toMatchObject({ reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate' });
    const updated = await request(app).put(t.url(storageclasses, '', 'fast')).set(auth).send({ ...created.body, allowVolumeExpansion: true }).expect(200);
    const res = await request(app).put(t.url(storageclasses, '', 'fast')).set(auth)
      .send({ ...updated.body, provisioner: 'example.com/other', parameters: { type: 'hdd' }, reclaimPolicy: 'Retain', volumeBindingMode: 'WaitForFirstConsumer' }).expect(422);
    expect(res.body.details.causes).toEqual(expect.arrayContaining([
      { reason: 'FieldValueForbidden', field: 'parameters', message: 'Forbidden: updates to parameters are forbidden.' },
      { reason: 'FieldValueForbidden', field: 'provisioner', message: 'Forbidden: updates to provisioner are forbidden.' },
      { reason: 'FieldValueForbidden', field: 'reclaimPolicy', message: 'Forbidden: updates to reclaimPolicy are forbidden.' },
      { reason: 'FieldValueInvalid', field: 'volumeBindingMode', message: 'Invalid value: "WaitForFirstConsumer": field is immutable' },
    ]));
    const table = await tableOf(t, t.url(storageclasses, '', 'fast'));
    expect(table.columns).toEqual(['Name', 'Provisioner', 'ReclaimPolicy', 'VolumeBindingMode', 'AllowVolumeExpansion', 'Age']);
    expect(table.rows[0]!.slice(0, 5)).toEqual(['fast (default)', 'example.com/csi', 'Delete', 'Immediate', true]);
    const list = await request(app).get(t.url(storageclasses)).set(auth).expect(200);
    expect(list.body.kind).toBe('StorageClassList');
    const deleted = await request(app).delete(t.url(storageclasses, '', 'fast')).set(auth).expect(200);
    expect(deleted.body.kind).toBe('StorageClass');
  });

  const sc = (extra: Record<string, unknown>) => ({ metadata: { name: 'bad' }, provisioner: 'example.com/p', ...extra });
  it.each([
    { name: 'no provisioner', body: { metadata: { name: 'bad' } }, field: 'provisioner', message: 'Required value' },
    { name: 'a provisioner that is not a qualified name', body: sc({ provisioner: 'a/b/c' }), field: 'provisioner', message: 'Invalid value: "a/b/c": a valid label key must consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character (e.g. \'MyName\',  or \'my.name\',  or \'123-abc\', regex used for validation is \'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\') with an optional DNS subdomain prefix and \'/\' (e.g. \'example.com/MyName\')' },
    { name: 'an unknown reclaim policy', body: sc({ reclaimPolicy: 'Recycle' }), field: 'reclaimPolicy', message: 'Unsupported value: "Recycle": supported values: "Delete", "Retain"' },
    { name: 'an unknown binding mode', body: sc({ volumeBindingMode: 'Later' }), field: 'volumeBindingMode', message: 'Unsupported value: "Later": supported values: "Immediate", "WaitForFirstConsumer"' },
    { name: 'a topology term without values', body: sc({ allowedTopologies: [{ matchLabelExpressions: [{ key: 'topology.kubernetes.io/zone', values: [] }] }] }), field: 'allowedTopologies[0].matchLabelExpressions[0].values', message: 'Required value' },
    { name: 'duplicate topology terms', body: sc({ allowedTopologies: [{ matchLabelExpressions: [{ key: 'z', values: ['a'] }] }, { matchLabelExpressions: [{ key: 'z', values: ['a'] }] }] }), field: 'allowedTopologies[1].matchLabelExpressions', message: 'Duplicate value: ""' },
  ])('rejects a storageclass with $name', async (c) => {
    await expectInvalid(t, { ...c, def: storageclasses });
  });
});

describe('csidrivers', () => {
  it('defaults the spec as upstream and prints its columns', async () => {
    const app = t.api.app;
    const created = await request(app).post(t.url(csidrivers)).set(auth).send({ apiVersion: 'storage.k8s.io/v1', kind: 'CSIDriver', metadata: { name: 'csi.example.com' }, spec: {} }).expect(201);
    expect(created.body.spec).toEqual({
      attachRequired: true, podInfoOnMount: false, storageCapacity: false, fsGroupPolicy: 'ReadWriteOnceWithFSType',
      volumeLifecycleModes: ['Persistent'], requiresRepublish: false, seLinuxMount: false,
    });
    const res = await request(app).put(t.url(csidrivers, '', 'csi.example.com')).set(auth).send({ ...created.body, spec: { ...created.body.spec, attachRequired: false } }).expect(422);
    expect(res.body.details.causes).toContainEqual({ reason: 'FieldValueInvalid', field: 'spec.attachedRequired', message: 'Invalid value: false: field is immutable' });
    const table = await tableOf(t, t.url(csidrivers, '', 'csi.example.com'));
    expect(table.columns).toEqual(['Name', 'AttachRequired', 'PodInfoOnMount', 'StorageCapacity', 'TokenRequests', 'RequiresRepublish', 'Modes', 'Age']);
    expect(table.rows[0]!.slice(0, 7)).toEqual(['csi.example.com', true, false, false, '<unset>', false, 'Persistent']);
    await request(app).delete(t.url(csidrivers, '', 'csi.example.com')).set(auth).expect(200);
  });

  const d = (spec: Record<string, unknown>) => ({ metadata: { name: 'bad.example.com' }, spec });
  it.each([
    { name: 'an unknown fsGroupPolicy', body: d({ fsGroupPolicy: 'Always' }), field: 'spec.fsGroupPolicy', message: 'Unsupported value: "Always": supported values: "File", "None", "ReadWriteOnceWithFSType"' },
    { name: 'a short token expiry', body: d({ tokenRequests: [{ audience: 'a', expirationSeconds: 60 }] }), field: 'spec.tokenRequests[0].expirationSeconds', message: 'Invalid value: 60: may not specify a duration less than 10 minutes' },
    { name: 'a duplicate token audience', body: d({ tokenRequests: [{ audience: 'a' }, { audience: 'a' }] }), field: 'spec.tokenRequests[1].audience', message: 'Duplicate value: "a"' },
    { name: 'an unknown lifecycle mode', body: d({ volumeLifecycleModes: ['Forever'] }), field: 'spec.volumeLifecycleModes', message: 'Unsupported value: "Forever": supported values: "Persistent", "Ephemeral"' },
  ])('rejects a csidriver with $name', async (c) => {
    await expectInvalid(t, { ...c, def: csidrivers });
  });
});

describe('csinodes', () => {
  it('creates a CSINode, keeps registered drivers immutable, prints the driver count', async () => {
    const app = t.api.app;
    const created = await request(app).post(t.url(csinodes)).set(auth).send({
      apiVersion: 'storage.k8s.io/v1', kind: 'CSINode', metadata: { name: 'node-1' },
      spec: { drivers: [{ name: 'csi.example.com', nodeID: 'n1', topologyKeys: ['topology.kubernetes.io/zone'] }] },
    }).expect(201);
    const res = await request(app).put(t.url(csinodes, '', 'node-1')).set(auth)
      .send({ ...created.body, spec: { drivers: [{ name: 'csi.example.com', nodeID: 'other' }] } }).expect(422);
    expect(res.body.details.causes[0]).toMatchObject({ field: 'spec.drivers', reason: 'FieldValueInvalid' });
    const table = await tableOf(t, t.url(csinodes, '', 'node-1'));
    expect(table.columns).toEqual(['Name', 'Drivers', 'Age']);
    expect(table.rows[0]!.slice(0, 2)).toEqual(['node-1', 1]);
    await request(app).delete(t.url(csinodes, '', 'node-1')).set(auth).expect(200);
  });

  it('writes a driver without topology keys, and a node without drivers, with null lists (no omitempty)', async () => {
    const app = t.api.app;
    const created = await request(app).post(t.url(csinodes)).set(auth).send({
      apiVersion: 'storage.k8s.io/v1', kind: 'CSINode', metadata: { name: 'node-2' },
      spec: { drivers: [{ name: 'csi.example.com', nodeID: 'n2' }] },
    }).expect(201);
    expect(created.body.spec.drivers).toEqual([{ name: 'csi.example.com', nodeID: 'n2', topologyKeys: null }]);
    const bare = await request(app).post(t.url(csinodes)).set(auth).send({ apiVersion: 'storage.k8s.io/v1', kind: 'CSINode', metadata: { name: 'node-3' }, spec: { drivers: [] } }).expect(201);
    expect(bare.body.spec).toEqual({ drivers: null });
    for (const n of ['node-2', 'node-3']) await request(app).delete(t.url(csinodes, '', n)).set(auth).expect(200);
  });

  const n = (drivers: unknown[]) => ({ metadata: { name: 'node-x' }, spec: { drivers } });
  it.each([
    { name: 'a driver without a node ID', body: n([{ name: 'csi.example.com' }]), field: 'spec.drivers[0].nodeID', message: 'Required value' },
    { name: 'a node ID over 256 characters', body: n([{ name: 'csi.example.com', nodeID: 'x'.repeat(257) }]), field: 'spec.drivers[0].nodeID', message: `Invalid value: "${'x'.repeat(257)}": must be 256 characters or less` },
    { name: 'a duplicate driver', body: n([{ name: 'a.example.com', nodeID: '1' }, { name: 'a.example.com', nodeID: '2' }]), field: 'spec.drivers[1].name', message: 'Duplicate value: "a.example.com"' },
    { name: 'a driver name over 63 characters', body: n([{ name: `${'a'.repeat(60)}.example.com`, nodeID: '1' }]), field: 'spec.drivers[0].name', message: 'Too long: may not be more than 63 bytes' },
    { name: 'a negative volume limit', body: n([{ name: 'a.example.com', nodeID: '1', allocatable: { count: -1 } }]), field: 'spec.drivers[0].allocatable.count', message: 'Invalid value: -1: must be greater than or equal to 0' },
  ])('rejects a csinode with $name', async (c) => {
    await expectInvalid(t, { ...c, def: csinodes });
  });
});

describe('csistoragecapacities', () => {
  it('creates in a namespace, keeps storageClassName fixed, prints Name, StorageClassName, Capacity', async () => {
    const app = t.api.app;
    const created = await request(app).post(t.url(csistoragecapacities, 'default')).set(auth).send({
      apiVersion: 'storage.k8s.io/v1', kind: 'CSIStorageCapacity', metadata: { name: 'cap' }, storageClassName: 'fast', capacity: '10Gi',
      nodeTopology: { matchLabels: { 'topology.kubernetes.io/zone': 'a' } },
    }).expect(201);
    await request(app).put(t.url(csistoragecapacities, 'default', 'cap')).set(auth).send({ ...created.body, capacity: '5Gi' }).expect(200);
    const table = await tableOf(t, t.url(csistoragecapacities, 'default', 'cap'));
    expect(table.columns).toEqual(['Name', 'StorageClassName', 'Capacity']);
    expect(table.rows[0]).toEqual(['cap', 'fast', '5Gi']);
    const cur = await request(app).get(t.url(csistoragecapacities, 'default', 'cap')).set(auth).expect(200);
    const res = await request(app).put(t.url(csistoragecapacities, 'default', 'cap')).set(auth).send({ ...cur.body, storageClassName: 'slow' }).expect(422);
    expect(res.body.details.causes).toContainEqual({ reason: 'FieldValueInvalid', field: 'storageClassName', message: 'Invalid value: "slow": field is immutable' });
    await request(app).delete(t.url(csistoragecapacities, 'default', 'cap')).set(auth).expect(200);
  });

  it('writes capacities in their canonical form', async () => {
    const res = await request(t.api.app).post(t.url(csistoragecapacities, 'default')).set(auth).send({
      apiVersion: 'storage.k8s.io/v1', kind: 'CSIStorageCapacity', metadata: { name: 'canon' }, storageClassName: 'fast', capacity: '102400Mi', maximumVolumeSize: '0.5Ti',
    }).expect(201);
    expect(res.body).toMatchObject({ capacity: '100Gi', maximumVolumeSize: '512Gi' });
    await request(t.api.app).delete(t.url(csistoragecapacities, 'default', 'canon')).set(auth).expect(200);
  });

  it.each([
    { name: 'a bad class name', body: { metadata: { name: 'bad' }, storageClassName: 'Fast' }, field: 'storageClassName', message: 'Invalid value: "Fast": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')' },
    { name: 'a negative capacity', body: { metadata: { name: 'bad' }, storageClassName: 'fast', capacity: '-1Gi' }, field: 'capacity', message: 'Invalid value: "-1Gi": must be greater than or equal to 0' },
  ])('rejects a capacity with $name', async (c) => {
    await expectInvalid(t, { ...c, def: csistoragecapacities });
  });
});

describe('volumeattachments', () => {
  it('starts unattached, keeps the spec immutable, takes status through /status, returns the object on delete', async () => {
    const app = t.api.app;
    const created = await request(app).post(t.url(volumeattachments)).set(auth).send({
      apiVersion: 'storage.k8s.io/v1', kind: 'VolumeAttachment', metadata: { name: 'va' },
      spec: { attacher: 'csi.example.com', nodeName: 'node-1', source: { persistentVolumeName: 'pv-1' } }, status: { attached: true },
    }).expect(201);
    expect(created.body.status).toEqual({ attached: false });
    const res = await request(app).put(t.url(volumeattachments, '', 'va')).set(auth).send({ ...created.body, spec: { ...created.body.spec, nodeName: 'node-2' } }).expect(422);
    expect(res.body.details.causes[0]).toMatchObject({ reason: 'FieldValueInvalid', field: 'spec' });
    const status = await request(app).put(t.url(volumeattachments, '', 'va', 'status')).set(auth)
      .send({ ...created.body, status: { attached: true, attachmentMetadata: { dev: '/dev/sdb' } } }).expect(200);
    expect(status.body.status.attached).toBe(true);
    const table = await tableOf(t, t.url(volumeattachments, '', 'va'));
    expect(table.columns).toEqual(['Name', 'Attacher', 'PV', 'Node', 'Attached', 'Age']);
    expect(table.rows[0]!.slice(0, 5)).toEqual(['va', 'csi.example.com', 'pv-1', 'node-1', true]);
    const deleted = await request(app).delete(t.url(volumeattachments, '', 'va')).set(auth).expect(200);
    expect(deleted.body.kind).toBe('VolumeAttachment');
  });

  const va = (spec: Record<string, unknown>) => ({ metadata: { name: 'bad' }, spec: { attacher: 'csi.example.com', nodeName: 'n1', ...spec } });
  it.each([
    { name: 'no source', body: va({}), field: 'spec.source', message: 'Required value: must specify exactly one of inlineVolumeSpec and persistentVolumeName' },
    { name: 'both sources', body: va({ source: { persistentVolumeName: 'pv', inlineVolumeSpec: {} } }), field: 'spec.source', message: 'Forbidden: must specify exactly one of inlineVolumeSpec and persistentVolumeName' },
    { name: 'an empty PV name', body: va({ source: { persistentVolumeName: '' } }), field: 'spec.source.persistentVolumeName', message: 'Required value: must specify non empty persistentVolumeName' },
    { name: 'no attacher', body: va({ attacher: '', source: { persistentVolumeName: 'pv' } }), field: 'spec.attacher', message: 'Required value' },
  ])('rejects an attachment with $name', async (c) => {
    await expectInvalid(t, { ...c, def: volumeattachments });
  });
});
