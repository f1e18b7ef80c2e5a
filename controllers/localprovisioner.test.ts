import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { V1StorageClass } from '@kubernetes/client-node';
import { isNotFound, resource } from '../client/index.ts';
import { persistentVolumeClaims, persistentVolumes, pods } from '../client/resources.ts';
import { startControllerTestbed, type ControllerTestbed } from '../test/controllers.ts';
import { eventually } from '../test/eventually.ts';
import { LOCAL_PROVISIONER, localProvisioner } from './localprovisioner.ts';

const storageClasses = resource<V1StorageClass>('storage.k8s.io/v1/storageclasses', { model: 'V1StorageClass', kind: 'StorageClass', namespaced: false });
const NS = 'lp';
let tb: ControllerTestbed;
let base: string;

beforeAll(async () => {
  base = mkdtempSync(path.join(tmpdir(), 'local-pv-'));
  tb = await startControllerTestbed({ controllers: [localProvisioner({ baseDir: base })], namespaces: [NS] });
  await tb.rest.create(storageClasses, '', {
    metadata: { name: 'local', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: LOCAL_PROVISIONER,
    reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate',
  });
  await tb.rest.create(storageClasses, '', { metadata: { name: 'local-wait' }, provisioner: LOCAL_PROVISIONER, reclaimPolicy: 'Retain', volumeBindingMode: 'WaitForFirstConsumer' });
  await tb.rest.create(storageClasses, '', { metadata: { name: 'elsewhere' }, provisioner: 'example.com/nfs' });
});

afterAll(async () => {
  await tb?.close();
  if (base) rmSync(base, { recursive: true, force: true });
});

const claim = (name: string, storageClassName?: string) => tb.rest.create(persistentVolumeClaims, NS, {
  metadata: { name }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } }, ...(storageClassName !== undefined ? { storageClassName } : {}) },
});

describe('local provisioner', () => {
  it('provisions a hostPath volume for a claim of its class and binds the two as the PV controller does', async () => {
    const pvc = await claim('data', 'local');
    const bound = await eventually(async () => {
      const c = await tb.rest.get(persistentVolumeClaims, NS, 'data');
      return c.status?.phase === 'Bound' ? c : undefined;
    }, { what: 'claim bound' });
    const pvName = `pvc-${pvc.metadata!.uid}`;
    expect(bound.spec?.volumeName).toBe(pvName);
    expect(bound.metadata?.annotations).toMatchObject({ 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes' });
    expect(bound.status).toMatchObject({ accessModes: ['ReadWriteOnce'], capacity: { storage: '2Gi' } });
    const pv = await tb.rest.get(persistentVolumes, '', pvName);
    expect(pv.metadata?.annotations?.['pv.kubernetes.io/provisioned-by']).toBe(LOCAL_PROVISIONER);
    expect(pv.spec).toMatchObject({
      storageClassName: 'local', persistentVolumeReclaimPolicy: 'Delete', accessModes: ['ReadWriteOnce'],
      hostPath: { path: path.join(base, `${pvName}_${NS}_data`), type: 'DirectoryOrCreate' },
      claimRef: { kind: 'PersistentVolumeClaim', namespace: NS, name: 'data', uid: pvc.metadata!.uid },
    });
    expect(pv.status?.phase).toBe('Bound');

    // Delete reclaim policy: the volume and its directory go with the claim.
    mkdirSync(pv.spec!.hostPath!.path, { recursive: true });
    await tb.rest.delete(persistentVolumeClaims, NS, 'data');
    await eventually(async () => {
      try { await tb.rest.get(persistentVolumes, '', pvName); return undefined; } catch (e) { return isNotFound(e) ? true : undefined; }
    }, { what: 'volume deleted' });
    expect(existsSync(pv.spec!.hostPath!.path)).toBe(false);
  });

  it('uses the default class for a claim without one, and leaves other provisioners and static claims alone', async () => {
    await claim('defaulted');
    await claim('nfs', 'elsewhere');
    await claim('static', '');
    const c = await eventually(async () => {
      const x = await tb.rest.get(persistentVolumeClaims, NS, 'defaulted');
      return x.status?.phase === 'Bound' ? x : undefined;
    }, { what: 'defaulted claim bound' });
    expect((await tb.rest.get(persistentVolumes, '', c.spec!.volumeName!)).spec?.storageClassName).toBe('local');
    expect((await tb.rest.get(persistentVolumeClaims, NS, 'nfs')).spec?.volumeName).toBeUndefined();
    expect((await tb.rest.get(persistentVolumeClaims, NS, 'static')).spec?.volumeName).toBeUndefined();
  });

  it('waits for a consumer with a node under WaitForFirstConsumer, and pins the volume to that node', async () => {
    const pvc = await claim('late', 'local-wait');
    await new Promise((r) => setTimeout(r, 500));
    expect((await tb.rest.get(persistentVolumeClaims, NS, 'late')).status?.phase).not.toBe('Bound');
    await tb.rest.create(pods, NS, {
      metadata: { name: 'user' },
      spec: { nodeName: 'node-7', volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'late' } }], containers: [{ name: 'c', image: 'busybox' }] },
    });
    await eventually(async () => (await tb.rest.get(persistentVolumeClaims, NS, 'late')).status?.phase === 'Bound', { what: 'late claim bound' });
    const pv = await tb.rest.get(persistentVolumes, '', `pvc-${pvc.metadata!.uid}`);
    expect(pv.spec?.nodeAffinity?.required?.nodeSelectorTerms?.[0]?.matchExpressions?.[0]).toEqual({ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-7'] });
    // Retain: the claim's deletion leaves the volume Released.
    await tb.rest.delete(pods, NS, 'user', { gracePeriodSeconds: 0 });
    await tb.rest.delete(persistentVolumeClaims, NS, 'late');
    await eventually(async () => (await tb.rest.get(persistentVolumes, '', pv.metadata!.name!)).status?.phase === 'Released', { what: 'volume released' });
  });
});
