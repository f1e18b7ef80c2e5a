// StorageObjectInUseProtection over HTTP, on by default as upstream's: the finalizers new claims
// and volumes get, and nothing else.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RestClient } from '../../client/index.ts';
import { namespaces, persistentVolumeClaims, persistentVolumes } from '../../client/resources.ts';
import { createDatabaseAt } from '../../test/postgres.ts';
import { startTestApiServer, type TestApiServer } from '../../test/apiserver.ts';
import { ADMISSION_PLUGINS, builtinAdmission } from '../pipeline/admission.ts';
import { PV_PROTECTION_FINALIZER, PVC_PROTECTION_FINALIZER } from './storageobjectinuseprotection.ts';

const NS = 'soiup';
let srv: TestApiServer;
let rest: RestClient;

beforeAll(async () => {
  srv = await startTestApiServer({ databaseUrl: await createDatabaseAt(inject('pgAdminUrl')) });
  rest = new RestClient(srv.kubeconfig);
  await rest.create(namespaces, '', { metadata: { name: NS } });
});
afterAll(async () => {
  rest?.close();
  await srv?.close();
});

const claim = (name: string, finalizers?: string[]) => rest.create(persistentVolumeClaims, NS, {
  metadata: { name, ...(finalizers ? { finalizers } : {}) }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
});
const volume = (name: string) => rest.create(persistentVolumes, '', {
  metadata: { name }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: `/tmp/${name}` } },
});

describe('StorageObjectInUseProtection admission', () => {
  it('is on by default, after PodSecurity and DefaultStorageClass, before ResourceQuota as in upstream\'s ordered list', () => {
    expect(ADMISSION_PLUGINS.indexOf('StorageObjectInUseProtection')).toBe(ADMISSION_PLUGINS.indexOf('DefaultStorageClass') + 1);
    expect(ADMISSION_PLUGINS.indexOf('DefaultStorageClass')).toBe(ADMISSION_PLUGINS.indexOf('PodSecurity') + 1);
    expect(ADMISSION_PLUGINS.indexOf('ResourceQuota')).toBe(ADMISSION_PLUGINS.indexOf('StorageObjectInUseProtection') + 1);
    expect(srv.api.admission.plugins).toContain('StorageObjectInUseProtection');
    expect(builtinAdmission({ getNamespace: async () => undefined }, { disable: ['StorageObjectInUseProtection'] }).plugins).not.toContain('StorageObjectInUseProtection');
  });

  it('adds kubernetes.io/pvc-protection to a new claim and kubernetes.io/pv-protection to a new volume', async () => {
    expect((await claim('plain')).metadata?.finalizers).toEqual([PVC_PROTECTION_FINALIZER]);
    expect((await volume('soiup-plain')).metadata?.finalizers).toEqual([PV_PROTECTION_FINALIZER]);
  });

  it('keeps the finalizers a claim comes with, without adding its own twice', async () => {
    expect((await claim('mine', ['example.com/keep'])).metadata?.finalizers).toEqual(['example.com/keep', PVC_PROTECTION_FINALIZER]);
    expect((await claim('twice', [PVC_PROTECTION_FINALIZER])).metadata?.finalizers).toEqual([PVC_PROTECTION_FINALIZER]);
  });

  it('acts on creates only: an update may take the finalizer off', async () => {
    await claim('updated');
    const next = await rest.patch(persistentVolumeClaims, NS, 'updated', { metadata: { finalizers: null } });
    expect(next.metadata?.finalizers).toBeUndefined();
    const status = await rest.patch(persistentVolumeClaims, NS, 'updated', { status: { phase: 'Pending' } }, { subresource: 'status' });
    expect(status.metadata?.finalizers).toBeUndefined();
  });
});
