// The PersistentVolume controller against a real API server: static binding (smallest match,
// pre-bound either way, bound halfway by the scheduler), the hand-over to external provisioners,
// the default class, reclaiming, and lost claims — with upstream's annotations and events.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CoreV1Event, V1PersistentVolume, V1PersistentVolumeClaim, V1StorageClass } from '@kubernetes/client-node';
import { isNotFound } from '../../client/index.ts';
import { events, persistentVolumeClaims, persistentVolumes } from '../../client/resources.ts';
import { startControllerTestbed, type ControllerTestbed } from '../../test/controllers.ts';
import { eventually } from '../../test/eventually.ts';
import { persistentVolumeBinderController, storageClasses } from './index.ts';

const NS = 'pvb';
let tb: ControllerTestbed;

beforeAll(async () => {
  tb = await startControllerTestbed({ controllers: [persistentVolumeBinderController()], namespaces: [NS] });
  const sc = (name: string, provisioner: string, mode: string, isDefault = false): V1StorageClass => ({
    metadata: { name, ...(isDefault ? { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } : {}) },
    provisioner, volumeBindingMode: mode,
  });
  await tb.rest.create(storageClasses, '', sc('external', 'example.com/ext', 'Immediate', true));
  await tb.rest.create(storageClasses, '', sc('late', 'example.com/ext', 'WaitForFirstConsumer'));
  await tb.rest.create(storageClasses, '', sc('intree', 'kubernetes.io/no-provisioner', 'Immediate'));
});

afterAll(async () => {
  await tb?.close();
});

let seq = 0;
const unique = (p: string) => `${p}-${seq++}`;

async function volume(name: string, o: { size?: string; className?: string; policy?: string; claimRef?: object; labels?: Record<string, string> } = {}) {
  return tb.rest.create(persistentVolumes, '', {
    metadata: { name, ...(o.labels ? { labels: o.labels } : {}) },
    spec: {
      capacity: { storage: o.size ?? '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: `/tmp/${name}` },
      storageClassName: o.className ?? '', persistentVolumeReclaimPolicy: o.policy ?? 'Retain', ...(o.claimRef ? { claimRef: o.claimRef } : {}),
    },
  });
}

async function claim(name: string, o: { size?: string; className?: string | null; volumeName?: string; annotations?: Record<string, string>; selector?: Record<string, string> } = {}) {
  return tb.rest.create(persistentVolumeClaims, NS, {
    metadata: { name, ...(o.annotations ? { annotations: o.annotations } : {}) },
    spec: {
      accessModes: ['ReadWriteOnce'], resources: { requests: { storage: o.size ?? '1Gi' } },
      ...(o.className === null ? {} : { storageClassName: o.className ?? '' }), ...(o.volumeName ? { volumeName: o.volumeName } : {}),
      ...(o.selector ? { selector: { matchLabels: o.selector } } : {}),
    },
  });
}

const getClaim = (name: string) => tb.rest.get(persistentVolumeClaims, NS, name);
const getVolume = (name: string) => tb.rest.get(persistentVolumes, '', name);
const claimPhase = (name: string, phase: string) =>
  eventually(async () => { const c = await getClaim(name); return c.status?.phase === phase ? c : undefined; }, { what: `claim ${name} ${phase}` });
const volumePhase = (name: string, phase: string) =>
  eventually(async () => { const v = await getVolume(name); return v.status?.phase === phase ? v : undefined; }, { what: `volume ${name} ${phase}` });

async function eventOf(namespace: string, name: string, reason: string): Promise<CoreV1Event> {
  return eventually(async () => (await tb.rest.list(events, namespace)).items.find((e) => e.involvedObject?.name === name && e.reason === reason),
    { what: `event ${reason} on ${name}` });
}

function expectBound(c: V1PersistentVolumeClaim, v: V1PersistentVolume) {
  expect(c.spec?.volumeName).toBe(v.metadata?.name);
  expect(c.metadata?.annotations).toMatchObject({ 'pv.kubernetes.io/bind-completed': 'yes' });
  expect(c.status).toMatchObject({ phase: 'Bound', accessModes: v.spec?.accessModes, capacity: v.spec?.capacity });
  expect(v.spec?.claimRef).toMatchObject({ kind: 'PersistentVolumeClaim', namespace: NS, name: c.metadata?.name, uid: c.metadata?.uid });
  expect(v.status?.phase).toBe('Bound');
}

describe('persistent volume binder: static binding', () => {
  it('binds an unbound claim to the smallest Available volume of its class, selector and size, marking both bound-by-controller', async () => {
    const tag = unique('pick');
    await volume(`${tag}-small`, { size: '500Mi', labels: { set: tag } });
    await volume(`${tag}-big`, { size: '10Gi', labels: { set: tag } });
    await volume(`${tag}-fit`, { size: '2Gi', labels: { set: tag } });
    await volume(`${tag}-gold`, { size: '1Gi', className: 'gold', labels: { set: tag } });
    await volumePhase(`${tag}-fit`, 'Available');
    await claim(tag, { size: '1500Mi', selector: { set: tag } });
    const c = await claimPhase(tag, 'Bound');
    const v = await getVolume(`${tag}-fit`);
    expectBound(c, v);
    // ref.GetReference: the claim's apiVersion and resourceVersion too.
    expect(v.spec?.claimRef).toMatchObject({ apiVersion: 'v1', resourceVersion: expect.stringMatching(/^\d+$/) });
    expect(c.metadata?.annotations?.['pv.kubernetes.io/bound-by-controller']).toBe('yes');
    expect(v.metadata?.annotations?.['pv.kubernetes.io/bound-by-controller']).toBe('yes');
    expect((await getVolume(`${tag}-big`)).status?.phase).toBe('Available');
  });

  it('binds a claim that names its volume, and refuses one that does not fit with VolumeMismatch', async () => {
    const tag = unique('named');
    await volume(tag, { size: '5Gi' });
    await claim(tag, { volumeName: tag });
    const c = await claimPhase(tag, 'Bound');
    const v = await getVolume(tag);
    expectBound(c, v);
    // The user chose the volume: the claim is not bound-by-controller, the volume is.
    expect(c.metadata?.annotations?.['pv.kubernetes.io/bound-by-controller']).toBeUndefined();
    expect(v.metadata?.annotations?.['pv.kubernetes.io/bound-by-controller']).toBe('yes');

    const small = unique('named-small');
    await volume(small, { size: '100Mi' });
    await claim(small, { volumeName: small });
    const ev = await eventOf(NS, small, 'VolumeMismatch');
    expect(ev).toMatchObject({ type: 'Warning', message: `Cannot bind to requested volume "${small}": requested PV is too small`, source: { component: 'persistentvolume-controller' } });
    expect((await getClaim(small)).status?.phase).toBe('Pending');
  });

  it('binds a volume pre-bound to a claim by name only to that claim, and finishes a binding begun on the volume\'s side', async () => {
    const tag = unique('prebound');
    await volume(tag, { claimRef: { namespace: NS, name: tag }, labels: { set: tag } });
    // Another claim that would fit it, were it free.
    const other = unique('other');
    await claim(other, { selector: { set: tag } });
    await claim(tag);
    const c = await claimPhase(tag, 'Bound');
    const v = await getVolume(tag);
    expectBound(c, v);
    expect(v.metadata?.annotations?.['pv.kubernetes.io/bound-by-controller']).toBeUndefined();
    expect(c.metadata?.annotations?.['pv.kubernetes.io/bound-by-controller']).toBe('yes');
    await eventOf(NS, other, 'FailedBinding');
    expect((await getClaim(other)).spec?.volumeName).toBeUndefined();

    // As the scheduler's VolumeBinding leaves it: claimRef with the uid, the claim not yet told.
    const half = unique('half');
    const hc = await claim(half, { className: 'late' });
    await volume(half, { className: 'late', claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: NS, name: half, uid: hc.metadata!.uid } });
    expectBound(await claimPhase(half, 'Bound'), await getVolume(half));
  });

  it('leaves a claim without class Pending with FailedBinding when nothing matches, and Lost once its volume is gone', async () => {
    const tag = unique('nothing');
    await claim(tag, { size: '900Gi' });
    const ev = await eventOf(NS, tag, 'FailedBinding');
    expect(ev.message).toBe('no persistent volumes available for this claim and no storage class is set');
    expect((await getClaim(tag)).status?.phase).toBe('Pending');

    const lost = unique('lost');
    await claim(lost, { volumeName: `${lost}-gone`, annotations: { 'pv.kubernetes.io/bind-completed': 'yes' } });
    await claimPhase(lost, 'Lost');
    expect((await eventOf(NS, lost, 'ClaimLost')).message).toBe('Bound claim has lost its PersistentVolume. Data on the volume is lost!');
  });
});

describe('persistent volume binder: provisioning hand-over', () => {
  it('hands a claim of an Immediate class to the class\'s external provisioner, and binds the volume it makes pre-bound', async () => {
    const tag = unique('ext');
    const c0 = await claim(tag, { className: 'external' });
    const annotated = await eventually(async () => {
      const c = await getClaim(tag);
      return c.metadata?.annotations?.['volume.kubernetes.io/storage-provisioner'] ? c : undefined;
    }, { what: 'storage-provisioner annotation' });
    expect(annotated.metadata?.annotations).toMatchObject({
      'volume.kubernetes.io/storage-provisioner': 'example.com/ext', 'volume.beta.kubernetes.io/storage-provisioner': 'example.com/ext',
    });
    expect((await eventOf(NS, tag, 'ExternalProvisioning')).message).toBe(
      "Waiting for a volume to be created either by the external provisioner 'example.com/ext' or manually by the system administrator. " +
      'If volume creation is delayed, please verify that the provisioner is running and correctly registered.');
    // The provisioner's part: a volume pre-bound with the claim's uid.
    await tb.rest.create(persistentVolumes, '', {
      metadata: { name: `pvc-${c0.metadata!.uid}`, annotations: { 'pv.kubernetes.io/provisioned-by': 'example.com/ext' } },
      spec: {
        capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/tmp/ext' }, storageClassName: 'external',
        persistentVolumeReclaimPolicy: 'Delete', claimRef: { kind: 'PersistentVolumeClaim', namespace: NS, name: tag, uid: c0.metadata!.uid },
      },
    });
    expectBound(await claimPhase(tag, 'Bound'), await getVolume(`pvc-${c0.metadata!.uid}`));

    // Its claim gone, the provisioned volume is Released for the provisioner to delete; the binder leaves it.
    await tb.rest.delete(persistentVolumeClaims, NS, tag);
    await tb.rest.patch(persistentVolumeClaims, NS, tag, { metadata: { finalizers: null } }).catch(() => undefined);
    const released = await volumePhase(`pvc-${c0.metadata!.uid}`, 'Released');
    expect(released.spec?.claimRef?.uid).toBe(c0.metadata!.uid);
  });

  it('gives a claim without a class the default class once no volume without a class fits it', async () => {
    const tag = unique('defaulted');
    await claim(tag, { className: null, size: '700Gi' });
    const c = await eventually(async () => {
      const x = await getClaim(tag);
      return x.metadata?.annotations?.['volume.kubernetes.io/storage-provisioner'] ? x : undefined;
    }, { what: 'default class provisioning' });
    expect(c.metadata?.annotations?.['volume.kubernetes.io/storage-provisioner']).toBe('example.com/ext');
    expect(c.spec?.storageClassName).toBe('external');
  });

  it('waits for the first consumer under WaitForFirstConsumer, and for the selected node before handing over', async () => {
    const tag = unique('wait');
    await claim(tag, { className: 'late' });
    expect((await eventOf(NS, tag, 'WaitForFirstConsumer')).message).toBe('waiting for first consumer to be created before binding');
    expect((await getClaim(tag)).metadata?.annotations?.['volume.kubernetes.io/storage-provisioner']).toBeUndefined();
    await tb.rest.patch(persistentVolumeClaims, NS, tag, { metadata: { annotations: { 'volume.kubernetes.io/selected-node': 'node-1' } } });
    await eventOf(NS, tag, 'ExternalProvisioning');
    expect((await getClaim(tag)).metadata?.annotations?.['volume.kubernetes.io/storage-provisioner']).toBe('example.com/ext');
  });

  it('reports a missing class, and an in-tree provisioner it does not have, with ProvisioningFailed', async () => {
    const tag = unique('noclass');
    await claim(tag, { className: 'nope' });
    const ev = await eventOf(NS, tag, 'ProvisioningFailed');
    expect(ev).toMatchObject({ type: 'Warning', message: 'storageclass.storage.k8s.io "nope" not found' });
    expect((await getClaim(tag)).status?.phase).toBe('Pending');
    const intree = unique('intree');
    await claim(intree, { className: 'intree' });
    expect((await eventOf(NS, intree, 'ProvisioningFailed')).message).toBe('no volume plugin matched name: kubernetes.io/no-provisioner');
  });
});

describe('persistent volume binder: reclaiming', () => {
  async function boundPair(policy: string) {
    const tag = unique(policy.toLowerCase());
    await volume(tag, { policy, claimRef: { namespace: NS, name: tag }, labels: { set: tag } });
    await claim(tag);
    await claimPhase(tag, 'Bound');
    await tb.rest.delete(persistentVolumeClaims, NS, tag);
    // No pvc-protection controller runs here: let the claim go.
    await tb.rest.patch(persistentVolumeClaims, NS, tag, { metadata: { finalizers: null } }).catch((e: unknown) => { if (!isNotFound(e)) throw e; });
    return tag;
  }

  it('releases a Retain volume whose claim is gone, keeps its claimRef, and never binds it again', async () => {
    const tag = await boundPair('Retain');
    const v = await volumePhase(tag, 'Released');
    expect(v.spec?.claimRef?.name).toBe(tag);
    const again = unique('again');
    await claim(again, { selector: { set: tag } });
    await eventOf(NS, again, 'FailedBinding');
    expect((await getClaim(again)).spec?.volumeName).toBeUndefined();
    expect((await getVolume(tag)).status?.phase).toBe('Released');
  });

  it('fails a Delete volume no provisioner made, with VolumeFailedDelete', async () => {
    const tag = await boundPair('Delete');
    await volumePhase(tag, 'Failed');
    expect((await eventOf('default', tag, 'VolumeFailedDelete')).message).toBe(`error getting deleter volume plugin for volume "${tag}": no deletable volume plugin matched`);
  });
});
