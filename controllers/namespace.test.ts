import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { execFile } from 'node:child_process';
import type { V1ConfigMap, V1Namespace } from '@kubernetes/client-node';
import { isNotFound, RestClient } from '../client/index.ts';
import { configMaps, namespaces, secrets, serviceAccounts } from '../client/resources.ts';
import { createDatabaseAt } from '../test/postgres.ts';
import { startTestApiServer, type TestApiServer } from '../test/apiserver.ts';
import { namespaceConditions, namespaceController } from './namespace.ts';
import { startControllerManager, type RunningControllerManager } from './index.ts';
import { eventually } from '../test/eventually.ts';

let srv: TestApiServer;
let ac: AbortController;
let cm: RunningControllerManager;
let rest: RestClient;

beforeAll(async () => {
  srv = await startTestApiServer({ databaseUrl: await createDatabaseAt(inject('pgAdminUrl')), tls: true });
  ac = new AbortController();
  cm = startControllerManager({ kubeconfig: srv.kubeconfig, signal: ac.signal, controllers: [namespaceController], log: () => {} });
  rest = new RestClient(srv.kubeconfig);
});

afterAll(async () => {
  ac?.abort();
  await cm?.done;
  rest?.close();
  await srv?.close();
});

/** The real kubectl, asynchronously: the API server answering it runs in this process. */
function kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('kubectl', args, { env: { ...process.env, KUBECONFIG: srv.kubeconfigPath, KUBECTL_VERSION: '1.32' }, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

const nsGone = async (name: string) => {
  try {
    await rest.get(namespaces, '', name);
    return undefined;
  } catch (e) {
    return isNotFound(e) ? true : undefined;
  }
};

describe('namespace controller', () => {
  it('deletes the content of a deleted namespace, then the namespace (kubectl get answers NotFound)', async () => {
    const ns = 'ns-delete-content';
    await rest.create(namespaces, '', { metadata: { name: ns } });
    for (let i = 0; i < 3; i++) await rest.create(configMaps, ns, { metadata: { name: `cm-${i}` }, data: { i: String(i) } });
    for (let i = 0; i < 2; i++) await rest.create(secrets, ns, { metadata: { name: `s-${i}` }, stringData: { k: 'v' } });
    await rest.create(serviceAccounts, ns, { metadata: { name: 'default' } });

    const del = await kubectl('delete', 'namespace', ns, '--wait=false');
    expect(del.stderr).toBe('');
    expect(del.stdout).toContain(`namespace "${ns}" deleted`);
    const start = Date.now();
    const got = await eventually(async () => {
      const r = await kubectl('get', 'namespace', ns);
      return r.code !== 0 ? r : undefined;
    });
    expect(got.stderr).toContain(`namespaces "${ns}" not found`);
    expect(Date.now() - start).toBeLessThan(10_000);
    for (const r of [configMaps, secrets, serviceAccounts]) expect((await rest.list(r, ns)).items).toEqual([]);
  });

  it('keeps a namespace Terminating while content with finalizers remains, saying so in its conditions', async () => {
    const ns = 'ns-finalizer-holds';
    await rest.create(namespaces, '', { metadata: { name: ns } });
    await rest.create(configMaps, ns, { metadata: { name: 'held', finalizers: ['example.com/hold'] } });
    await rest.create(configMaps, ns, { metadata: { name: 'free' } });
    await rest.delete(namespaces, '', ns);

    const terminating = await eventually(async () => {
      const n = await rest.get(namespaces, '', ns);
      const c = n.status?.conditions?.find((x) => x.type === 'NamespaceFinalizersRemaining');
      return c?.status === 'True' ? n : undefined;
    });
    expect(terminating.status?.phase).toBe('Terminating');
    const cond = (t: string) => terminating.status?.conditions?.find((c) => c.type === t);
    expect(cond('NamespaceContentRemaining')).toMatchObject({ status: 'True', reason: 'SomeResourcesRemain', message: 'Some resources are remaining: configmaps. has 1 resource instances' });
    expect(cond('NamespaceFinalizersRemaining')).toMatchObject({ status: 'True', reason: 'SomeFinalizersRemain', message: 'Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances' });
    expect(cond('NamespaceDeletionDiscoveryFailure')).toMatchObject({ status: 'False', reason: 'ResourcesDiscovered' });
    expect(cond('NamespaceDeletionContentFailure')).toMatchObject({ status: 'False', reason: 'ContentDeleted' });
    expect(terminating.spec?.finalizers).toEqual(['kubernetes']);
    const held = await rest.get(configMaps, ns, 'held');
    expect(held.metadata?.deletionTimestamp).toBeDefined();
    await expect(rest.get(configMaps, ns, 'free')).rejects.toMatchObject({ code: 404 });

    // The finalizer's owner finishes: the namespace goes.
    await rest.patch<V1ConfigMap>(configMaps, ns, 'held', { metadata: { finalizers: null } });
    await eventually(() => nsGone(ns));
  });

  it('leaves alone namespaces that are not being deleted', async () => {
    const ns = 'ns-active';
    await rest.create(namespaces, '', { metadata: { name: ns } });
    await rest.create(configMaps, ns, { metadata: { name: 'stays' } });
    await new Promise((r) => setTimeout(r, 500));
    const n: V1Namespace = await rest.get(namespaces, '', ns);
    expect(n.status?.phase).toBe('Active');
    expect(n.status?.conditions).toBeUndefined();
    expect((await rest.get(configMaps, ns, 'stays')).metadata?.name).toBe('stays');
  });
});

describe('namespaceConditions', () => {
  it('writes upstream\'s five conditions, keeping transition times while the status holds', () => {
    const t1 = new Date('2026-01-01T00:00:00Z');
    const t2 = new Date('2026-01-01T00:01:00Z');
    const first = namespaceConditions([], new Map([['NamespaceContentRemaining', { reason: 'SomeResourcesRemain', message: 'm' }]]), t1);
    expect(first.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['NamespaceDeletionDiscoveryFailure', 'False', 'ResourcesDiscovered'],
      ['NamespaceDeletionGroupVersionParsingFailure', 'False', 'ParsedGroupVersions'],
      ['NamespaceDeletionContentFailure', 'False', 'ContentDeleted'],
      ['NamespaceContentRemaining', 'True', 'SomeResourcesRemain'],
      ['NamespaceFinalizersRemaining', 'False', 'ContentHasNoFinalizers'],
    ]);
    const second = namespaceConditions([...first, { type: 'Other', status: 'True' }], new Map(), t2);
    expect(second.find((c) => c.type === 'NamespaceContentRemaining')).toMatchObject({ status: 'False', lastTransitionTime: t2 });
    expect(second.find((c) => c.type === 'NamespaceDeletionDiscoveryFailure')?.lastTransitionTime).toBe(t1);
    expect(second.at(-1)).toEqual({ type: 'Other', status: 'True' });
  });
});
