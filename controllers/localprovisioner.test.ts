// The local provisioner as an external provisioner beside the PV controller: the binder hands it
// claims through the storage-provisioner annotation, it makes pre-bound hostPath volumes, the
// binder completes the bind; Released volumes it made go with their directory under Delete.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { isNotFound } from '../client/index.ts';
import { events, nodes, persistentVolumeClaims, persistentVolumes } from '../client/resources.ts';
import { startControllerTestbed, type ControllerTestbed } from '../test/controllers.ts';
import { eventually } from '../test/eventually.ts';
import { LOCAL_PROVISIONER, localProvisioner } from './localprovisioner.ts';
import { persistentVolumeBinderController, storageClasses } from './persistentvolume/index.ts';
import { pvcProtectionController } from './pvcprotection.ts';
import { pvProtectionController } from './pvprotection.ts';

const NS = 'lp';
let tb: ControllerTestbed;
let base: string;

beforeAll(async () => {
  base = mkdtempSync(path.join(tmpdir(), 'local-pv-'));
  tb = await startControllerTestbed({
    controllers: [localProvisioner({ baseDir: base }), persistentVolumeBinderController(), pvcProtectionController(), pvProtectionController()],
    namespaces: [NS],
  });
  await tb.rest.create(storageClasses, '', {
    metadata: { name: 'local', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: LOCAL_PROVISIONER,
    reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate',
  });
  await tb.rest.create(storageClasses, '', { metadata: { name: 'local-wait' }, provisioner: LOCAL_PROVISIONER, reclaimPolicy: 'Retain', volumeBindingMode: 'WaitForFirstConsumer' });
  await tb.rest.create(storageClasses, '', { metadata: { name: 'elsewhere' }, provisioner: 'example.com/nfs', volumeBindingMode: 'Immediate' });
  await tb.rest.create(nodes, '', { metadata: { name: 'node-7', labels: { 'kubernetes.io/hostname': 'node-7' } } });
});

afterAll(async () => {
  await tb?.close();
  if (base) rmSync(base, { recursive: true, force: true });
});

const claim = (name: string, storageClassName?: string) => tb.rest.create(persistentVolumeClaims, NS, {
  metadata: { name }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } }, ...(storageClassName !== undefined ? { storageClassName } : {}) },
});
const bound = (name: string) => eventually(async () => {
  const c = await tb.rest.get(persistentVolumeClaims, NS, name);
  return c.status?.phase === 'Bound' ? c : undefined;
}, { what: `claim ${name} bound` });
const gone = (name: string) => eventually(async () => {
  try { await tb.rest.get(persistentVolumes, '', name); return undefined; } catch (e) { return isNotFound(e) ? true : undefined; }
}, { what: `volume ${name} deleted` });
const eventOf = (name: string, reason: string) =>
  eventually(async () => (await tb.rest.list(events, NS)).items.find((e) => e.involvedObject?.name === name && e.reason === reason), { what: `${reason} on ${name}` });

describe('local provisioner', () => {
  it('provisions a pre-bound hostPath volume for a claim the binder hands it, which the binder then binds', async () => {
    const pvc = await claim('data', 'local');
    const c: V1PersistentVolumeClaim = await bound('data');
    const pvName = `pvc-${pvc.metadata!.uid}`;
    expect(c.spec?.volumeName).toBe(pvName);
    expect(c.metadata?.annotations).toMatchObject({
      'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes', 'volume.kubernetes.io/storage-provisioner': LOCAL_PROVISIONER,
    });
    expect(c.status).toMatchObject({ accessModes: ['ReadWriteOnce'], capacity: { storage: '2Gi' } });
    const pv = await tb.rest.get(persistentVolumes, '', pvName);
    expect(pv.metadata?.annotations).toEqual({ 'pv.kubernetes.io/provisioned-by': LOCAL_PROVISIONER });
    expect(pv.metadata?.finalizers).toEqual(['kubernetes.io/pv-protection']);
    expect(pv.spec).toMatchObject({
      storageClassName: 'local', persistentVolumeReclaimPolicy: 'Delete', accessModes: ['ReadWriteOnce'],
      hostPath: { path: path.join(base, `${pvName}_${NS}_data`), type: 'DirectoryOrCreate' },
      claimRef: { kind: 'PersistentVolumeClaim', namespace: NS, name: 'data', uid: pvc.metadata!.uid },
    });
    expect(pv.spec?.nodeAffinity).toBeUndefined();
    expect(pv.status?.phase).toBe('Bound');
    const succeeded = await eventOf('data', 'ProvisioningSucceeded');
    expect(succeeded).toMatchObject({ type: 'Normal', message: `Successfully provisioned volume ${pvName}` });
    expect(succeeded.source?.component).toMatch(/^capstan\.dev\/local_/);

    // Delete reclaim policy: the volume and its directory go with the claim.
    mkdirSync(pv.spec!.hostPath!.path, { recursive: true });
    await tb.rest.delete(persistentVolumeClaims, NS, 'data');
    await gone(pvName);
    expect(existsSync(pv.spec!.hostPath!.path)).toBe(false);
  });

  it('provisions for a claim without a class through the default class, and leaves other provisioners\' and static claims alone', async () => {
    await claim('defaulted');
    await claim('nfs', 'elsewhere');
    await claim('static', '');
    const c = await bound('defaulted');
    expect(c.spec?.storageClassName).toBe('local');
    expect((await tb.rest.get(persistentVolumes, '', c.spec!.volumeName!)).spec?.storageClassName).toBe('local');
    const nfs = await eventually(async () => {
      const x = await tb.rest.get(persistentVolumeClaims, NS, 'nfs');
      return x.metadata?.annotations?.['volume.kubernetes.io/storage-provisioner'] ? x : undefined;
    });
    expect(nfs.metadata?.annotations?.['volume.kubernetes.io/storage-provisioner']).toBe('example.com/nfs');
    expect(nfs.spec?.volumeName).toBeUndefined();
    await eventOf('static', 'FailedBinding');
    expect((await tb.rest.get(persistentVolumeClaims, NS, 'static')).spec?.volumeName).toBeUndefined();
    expect((await tb.rest.list(persistentVolumes)).items.filter((v) => v.spec?.claimRef?.name === 'nfs' || v.spec?.claimRef?.name === 'static')).toEqual([]);
  });

  it('waits under WaitForFirstConsumer for the node the scheduler selects, pins the volume to it, and keeps it Released under Retain', async () => {
    const pvc = await claim('late', 'local-wait');
    await eventOf('late', 'WaitForFirstConsumer');
    expect((await tb.rest.get(persistentVolumeClaims, NS, 'late')).status?.phase).toBe('Pending');
    // What the scheduler's VolumeBinding does once a pod using the claim has a node.
    await tb.rest.patch(persistentVolumeClaims, NS, 'late', { metadata: { annotations: { 'volume.kubernetes.io/selected-node': 'node-7' } } });
    await bound('late');
    const pvName = `pvc-${pvc.metadata!.uid}`;
    const pv = await tb.rest.get(persistentVolumes, '', pvName);
    expect(pv.spec?.nodeAffinity?.required?.nodeSelectorTerms?.[0]?.matchExpressions?.[0]).toEqual({ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-7'] });
    await tb.rest.delete(persistentVolumeClaims, NS, 'late');
    const released = await eventually(async () => {
      const v = await tb.rest.get(persistentVolumes, '', pvName);
      return v.status?.phase === 'Released' ? v : undefined;
    }, { what: 'volume released' });
    expect(released.spec?.claimRef?.name).toBe('late');
  });

  it('reports a selected node that does not exist with ProvisioningFailed', async () => {
    await claim('lost-node', 'local-wait');
    await tb.rest.patch(persistentVolumeClaims, NS, 'lost-node', { metadata: { annotations: { 'volume.kubernetes.io/selected-node': 'node-404' } } });
    expect((await eventOf('lost-node', 'ProvisioningFailed')).message).toBe('failed to get target node: nodes "node-404" not found');
  });
});
