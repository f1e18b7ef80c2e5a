// The controller manager as `capstan up` runs it: every default controller, from a kubeconfig
// file with client certificates over HTTPS.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isNotFound, makeClients, type Clients } from '../client/index.ts';
import { configMaps, namespaces, secrets, serviceAccounts } from '../client/resources.ts';
import { openStore, type SqlStore } from '../storage/index.ts';
import { startApiServer, type RunningApiServer } from '../server/index.ts';
import { ensurePki } from '../server/pki.ts';
import { writeKubeconfig } from '../server/kubeconfig.ts';
import { createDatabaseAt } from '../test/postgres.ts';
import { defaultControllers, startControllerManager, type RunningControllerManager } from './index.ts';
import { eventually } from '../test/eventually.ts';

let dir: string;
let store: SqlStore;
let api: RunningApiServer;
let cm: RunningControllerManager;
let clients: Clients;
const ac = new AbortController();

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'capstan-cm-'));
  store = await openStore({ databaseUrl: await createDatabaseAt(inject('pgAdminUrl')) });
  const pki = await ensurePki(path.join(dir, 'pki'), { hosts: ['127.0.0.1'] });
  api = await startApiServer({ store, port: 0, log: () => {}, tls: { cert: pki.servingCert, key: pki.servingKey, ca: pki.caCert } });
  const kubeconfig = path.join(dir, 'kubeconfig');
  await writeKubeconfig(kubeconfig, { server: api.url, caPem: pki.caCert, user: 'kubernetes-admin', clientCertPem: pki.adminCert, clientKeyPem: pki.adminKey });
  cm = startControllerManager({ kubeconfig, signal: ac.signal, log: () => {} });
  clients = makeClients(kubeconfig);
});

afterAll(async () => {
  ac.abort();
  await cm?.done;
  clients?.rest.close();
  await api?.close();
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('controller manager', () => {
  it('runs the namespace, service account, garbage collector, root CA, node lifecycle, taint eviction and disruption controllers', () => {
    expect(defaultControllers().map((c) => c.name)).toEqual(expect.arrayContaining(['namespace', 'serviceaccount', 'garbagecollector', 'root-ca-cert-publisher', 'node-lifecycle', 'taint-eviction-controller', 'disruption']));
  });

  it('serves a namespace\'s whole life: default ServiceAccount, garbage collection, deletion', async () => {
    const rest = clients.rest;
    const ns = 'cm-life';
    await rest.create(namespaces, '', { metadata: { name: ns } });
    await eventually(() => rest.get(serviceAccounts, ns, 'default').catch(() => undefined), 2_000);

    const owner = await rest.create(configMaps, ns, { metadata: { name: 'owner' } });
    await rest.create(secrets, ns, { metadata: { name: 'dep', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata!.uid! }] } });
    await rest.delete(configMaps, ns, 'owner');
    await eventually(() => rest.get(secrets, ns, 'dep').then(() => undefined, (e: unknown) => (isNotFound(e) ? true : undefined)));

    await rest.create(configMaps, ns, { metadata: { name: 'content' } });
    await rest.delete(namespaces, '', ns);
    await eventually(() => rest.get(namespaces, '', ns).then(() => undefined, (e: unknown) => (isNotFound(e) ? true : undefined)));
    for (const r of [configMaps, secrets, serviceAccounts]) expect((await rest.list(r, ns)).items).toEqual([]);
  });
});
