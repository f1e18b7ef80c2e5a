// DefaultStorageClass over HTTP, on by default as upstream's: a claim that names no class gets
// the newest class marked default; "" and a named class stay; no default leaves the claim alone.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { RestClient } from '../../client/index.ts';
import { namespaces, persistentVolumeClaims, storageClasses } from '../../client/resources.ts';
import { createDatabaseAt } from '../../test/postgres.ts';
import { startTestApiServer, type TestApiServer } from '../../test/apiserver.ts';
import { defaultStorageClass } from './defaultstorageclass.ts';

const NS = 'dsc';
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

const claim = async (name: string, storageClassName?: string): Promise<V1PersistentVolumeClaim> => rest.create(persistentVolumeClaims, NS, {
  metadata: { name }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' }, }, ...(storageClassName !== undefined ? { storageClassName } : {}) },
});
const storageClass = (name: string, isDefault: boolean) => rest.create(storageClasses, '', {
  metadata: { name, ...(isDefault ? { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } : {}) }, provisioner: 'example.com/x',
});

describe('DefaultStorageClass admission', () => {
  it('leaves a claim without a class alone while no class is marked default', async () => {
    await storageClass('plain', false);
    expect((await claim('before')).spec?.storageClassName).toBeUndefined();
  });

  it('gives a claim that names no class the default one, and keeps "" and a named class', async () => {
    await storageClass('fast', true);
    // The admission plugin reads the watch cache, as upstream's reads an informer.
    let got: string | undefined;
    for (let i = 0; i < 50 && got !== 'fast'; i++) {
      got = (await claim(`c${i}`)).spec?.storageClassName;
      if (got !== 'fast') await new Promise((r) => setTimeout(r, 100));
    }
    expect(got).toBe('fast');
    expect((await claim('none', '')).spec?.storageClassName).toBe('');
    expect((await claim('named', 'plain')).spec?.storageClassName).toBe('plain');
  });

  it('picks the newest default class, then the first by name (upstream GetDefaultClass)', () => {
    const sc = (name: string, created: string, isDefault = true) => ({
      metadata: { name, creationTimestamp: created, ...(isDefault ? { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } : {}) },
    });
    expect(defaultStorageClass([sc('old', '2024-01-01T00:00:00Z'), sc('new', '2024-06-01T00:00:00Z'), sc('newest-but-not-default', '2025-01-01T00:00:00Z', false)])?.metadata?.name).toBe('new');
    expect(defaultStorageClass([sc('b', '2024-01-01T00:00:00Z'), sc('a', '2024-01-01T00:00:00Z')])?.metadata?.name).toBe('a');
    expect(defaultStorageClass([sc('x', '2024-01-01T00:00:00Z', false)])).toBeUndefined();
  });
});
