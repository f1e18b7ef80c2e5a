// The PV protection controller against a real API server (StorageObjectInUseProtection admission
// on): a Bound volume stays Terminating until it is no longer Bound.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNotFound } from '../client/index.ts';
import { persistentVolumes } from '../client/resources.ts';
import { startControllerTestbed, type ControllerTestbed } from '../test/controllers.ts';
import { eventually } from '../test/eventually.ts';
import { PV_PROTECTION_FINALIZER, pvProtectionController } from './pvprotection.ts';

let tb: ControllerTestbed;

beforeAll(async () => {
  tb = await startControllerTestbed({ controllers: [pvProtectionController()] });
});
afterAll(async () => {
  await tb?.close();
});

const volume = (name: string) => tb.rest.create(persistentVolumes, '', {
  metadata: { name }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: `/tmp/${name}` } },
});
const setPhase = async (name: string, phase: string) => {
  const pv = await tb.rest.get(persistentVolumes, '', name);
  await tb.rest.update(persistentVolumes, '', { ...pv, status: { ...pv.status, phase } }, { subresource: 'status' });
};
const volumeGone = (name: string) => eventually(async () => {
  try { await tb.rest.get(persistentVolumes, '', name); return undefined; } catch (e) { return isNotFound(e) ? true : undefined; }
}, { what: `volume ${name} gone` });

describe('pv protection controller', () => {
  it('keeps a Bound volume Terminating with its finalizer until it is Released', async () => {
    const pv = await volume('pvp-bound');
    expect(pv.metadata?.finalizers).toEqual([PV_PROTECTION_FINALIZER]);
    await setPhase('pvp-bound', 'Bound');
    await tb.rest.delete(persistentVolumes, '', 'pvp-bound');
    await new Promise((r) => setTimeout(r, 500));
    const terminating = await tb.rest.get(persistentVolumes, '', 'pvp-bound');
    expect(terminating.metadata?.deletionTimestamp).toBeDefined();
    expect(terminating.metadata?.finalizers).toEqual([PV_PROTECTION_FINALIZER]);
    await setPhase('pvp-bound', 'Released');
    await volumeGone('pvp-bound');
  });

  it('lets an unbound volume go at once, and puts the finalizer back on one that lost it', async () => {
    await volume('pvp-free');
    await tb.rest.delete(persistentVolumes, '', 'pvp-free');
    await volumeGone('pvp-free');

    await volume('pvp-bare');
    await tb.rest.patch(persistentVolumes, '', 'pvp-bare', { metadata: { finalizers: null } });
    const again = await eventually(async () => {
      const pv = await tb.rest.get(persistentVolumes, '', 'pvp-bare');
      return pv.metadata?.finalizers?.length ? pv : undefined;
    }, { what: 'finalizer added back' });
    expect(again.metadata?.finalizers).toEqual([PV_PROTECTION_FINALIZER]);
  });
});
