// The PVC protection controller against a real API server (StorageObjectInUseProtection admission
// on): a claim in use by a scheduled pod stays Terminating until the pod goes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { V1PersistentVolumeClaim, V1Pod } from '@kubernetes/client-node';
import { isNotFound } from '../client/index.ts';
import { persistentVolumeClaims, pods } from '../client/resources.ts';
import { startControllerTestbed, type ControllerTestbed } from '../test/controllers.ts';
import { eventually } from '../test/eventually.ts';
import { PVC_PROTECTION_FINALIZER, podUsesClaim, pvcProtectionController } from './pvcprotection.ts';

const NS = 'pvcp';
let tb: ControllerTestbed;

beforeAll(async () => {
  tb = await startControllerTestbed({ controllers: [pvcProtectionController()], namespaces: [NS] });
});
afterAll(async () => {
  await tb?.close();
});

const claim = (name: string) => tb.rest.create(persistentVolumeClaims, NS, {
  metadata: { name }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: '' },
});
const pod = (name: string, claimName: string, nodeName?: string) => tb.rest.create(pods, NS, {
  metadata: { name },
  spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'c', image: 'busybox' }], volumes: [{ name: 'd', persistentVolumeClaim: { claimName } }] },
});
const claimGone = (name: string) => eventually(async () => {
  try { await tb.rest.get(persistentVolumeClaims, NS, name); return undefined; } catch (e) { return isNotFound(e) ? true : undefined; }
}, { what: `claim ${name} gone` });
/** Long enough for the controller to have acted, were it going to. */
const settle = () => new Promise((r) => setTimeout(r, 500));

describe('pvc protection controller', () => {
  it('keeps a claim used by a scheduled pod Terminating with its finalizer until the pod is deleted', async () => {
    const c = await claim('used');
    expect(c.metadata?.finalizers).toEqual([PVC_PROTECTION_FINALIZER]);
    await pod('user', 'used', 'node-1');
    await tb.rest.delete(persistentVolumeClaims, NS, 'used');
    await settle();
    const terminating = await tb.rest.get(persistentVolumeClaims, NS, 'used');
    expect(terminating.metadata?.deletionTimestamp).toBeDefined();
    expect(terminating.metadata?.finalizers).toEqual([PVC_PROTECTION_FINALIZER]);
    await tb.rest.delete(pods, NS, 'user', { gracePeriodSeconds: 0 });
    await claimGone('used');
  });

  it('lets a claim go at once when only an unscheduled pod names it', async () => {
    await claim('unscheduled');
    await pod('pending', 'unscheduled');
    await tb.rest.delete(persistentVolumeClaims, NS, 'unscheduled');
    await claimGone('unscheduled');
  });

  it('keeps a claim while a Succeeded pod that used it still exists, as upstream does', async () => {
    await claim('finished');
    await pod('job', 'finished', 'node-1');
    const p = await tb.rest.get(pods, NS, 'job');
    await tb.rest.update(pods, NS, { ...p, status: { ...p.status, phase: 'Succeeded' } }, { subresource: 'status' });
    await tb.rest.delete(persistentVolumeClaims, NS, 'finished');
    await settle();
    expect((await tb.rest.get(persistentVolumeClaims, NS, 'finished')).metadata?.finalizers).toEqual([PVC_PROTECTION_FINALIZER]);
    await tb.rest.delete(pods, NS, 'job', { gracePeriodSeconds: 0 });
    await claimGone('finished');
  });

  it('puts the finalizer back on a claim that lost it', async () => {
    await claim('bare');
    await tb.rest.patch(persistentVolumeClaims, NS, 'bare', { metadata: { finalizers: null } });
    const again = await eventually(async () => {
      const c = await tb.rest.get(persistentVolumeClaims, NS, 'bare');
      return c.metadata?.finalizers?.length ? c : undefined;
    }, { what: 'finalizer added back' });
    expect(again.metadata?.finalizers).toEqual([PVC_PROTECTION_FINALIZER]);
  });
});

describe('podUsesClaim', () => {
  const claimOf = (name: string, ownerUid?: string): V1PersistentVolumeClaim => ({
    metadata: { name, namespace: 'ns', ...(ownerUid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'web', uid: ownerUid, controller: true }] } : {}) },
  });
  const podOf = (o: { node?: string; shutDown?: boolean } = {}): V1Pod => ({
    metadata: { name: 'web', namespace: 'ns', uid: 'pod-uid', ...(o.shutDown ? { deletionTimestamp: new Date(), deletionGracePeriodSeconds: 0 } : {}) },
    spec: {
      nodeName: o.node, containers: [],
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }, { name: 'scratch', ephemeral: { volumeClaimTemplate: { spec: {} } } }],
    },
  });

  it('counts a generic ephemeral volume\'s claim only while it is the pod\'s own and the pod is not shut down', () => {
    expect(podUsesClaim(podOf({ node: 'n' }), claimOf('data'))).toBe(true);
    expect(podUsesClaim(podOf(), claimOf('data'))).toBe(false);
    expect(podUsesClaim(podOf({ node: 'n' }), claimOf('web-scratch', 'pod-uid'))).toBe(true);
    expect(podUsesClaim(podOf({ node: 'n' }), claimOf('web-scratch', 'someone-else'))).toBe(false);
    expect(podUsesClaim(podOf({ node: 'n', shutDown: true }), claimOf('web-scratch', 'pod-uid'))).toBe(false);
    expect(podUsesClaim(podOf({ node: 'n', shutDown: true }), claimOf('data'))).toBe(true);
  });
});
