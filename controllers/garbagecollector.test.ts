import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { KubernetesObject, V1ConfigMap, V1OwnerReference } from '@kubernetes/client-node';
import { isNotFound, RestClient, type Resource } from '../client/index.ts';
import { configMaps, namespaces, secrets } from '../client/resources.ts';
import { createDatabaseAt } from '../test/postgres.ts';
import { startTestApiServer, type TestApiServer } from '../test/apiserver.ts';
import { decideForDependent, garbageCollector } from './garbagecollector.ts';
import { startControllerManager, type RunningControllerManager } from './index.ts';
import { eventually } from '../test/eventually.ts';

let srv: TestApiServer;
let ac: AbortController;
let cm: RunningControllerManager;
let rest: RestClient;

beforeAll(async () => {
  srv = await startTestApiServer({ databaseUrl: await createDatabaseAt(inject('pgAdminUrl')) });
  ac = new AbortController();
  cm = startControllerManager({ kubeconfig: srv.kubeconfig, signal: ac.signal, controllers: [garbageCollector({ rediscoverMs: 2_000 })], log: () => {} });
  rest = new RestClient(srv.kubeconfig);
});

afterAll(async () => {
  ac?.abort();
  await cm?.done;
  rest?.close();
  await srv?.close();
});

async function find<T extends KubernetesObject>(r: Resource<T>, ns: string, name: string): Promise<T | undefined> {
  try {
    return await rest.get(r, ns, name);
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

const gone = <T extends KubernetesObject>(r: Resource<T>, ns: string, name: string) => async () => ((await find(r, ns, name)) ? undefined : true);

const refTo = (owner: V1ConfigMap, extra: Partial<V1OwnerReference> = {}): V1OwnerReference => ({
  apiVersion: 'v1', kind: 'ConfigMap', name: owner.metadata!.name!, uid: owner.metadata!.uid!, ...extra,
});

async function namespace(name: string): Promise<string> {
  await rest.create(namespaces, '', { metadata: { name } });
  return name;
}

describe('garbage collector', () => {
  it('Background: deletes dependents whose every owner is gone, and unhooks a gone owner from one that has another', async () => {
    const ns = await namespace('gc-background');
    const owner = await rest.create(configMaps, ns, { metadata: { name: 'owner' } });
    const other = await rest.create(configMaps, ns, { metadata: { name: 'other-owner' } });
    for (const n of ['dep-1', 'dep-2']) await rest.create(secrets, ns, { metadata: { name: n, ownerReferences: [refTo(owner)] } });
    await rest.create(secrets, ns, { metadata: { name: 'shared', ownerReferences: [refTo(owner), refTo(other)] } });

    await rest.delete(configMaps, ns, 'owner', { propagationPolicy: 'Background' });
    expect(await find(configMaps, ns, 'owner')).toBeUndefined();
    await eventually(gone(secrets, ns, 'dep-1'));
    await eventually(gone(secrets, ns, 'dep-2'));
    const shared = await eventually(async () => {
      const s = await find(secrets, ns, 'shared');
      return s?.metadata?.ownerReferences?.length === 1 ? s : undefined;
    });
    expect(shared.metadata?.ownerReferences?.[0]?.uid).toBe(other.metadata?.uid);
  });

  it('deletes a dependent whose owner never existed (a dangling reference found by a live lookup)', async () => {
    const ns = await namespace('gc-dangling');
    await rest.create(secrets, ns, { metadata: { name: 'orphaned', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'nobody', uid: '00000000-0000-0000-0000-000000000001' }] } });
    // An owner of the same name but another UID is not the owner.
    await rest.create(configMaps, ns, { metadata: { name: 'impostor' } });
    await rest.create(secrets, ns, { metadata: { name: 'wrong-uid', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'impostor', uid: '00000000-0000-0000-0000-000000000002' }] } });
    await eventually(gone(secrets, ns, 'orphaned'));
    await eventually(gone(secrets, ns, 'wrong-uid'));
    expect(await find(configMaps, ns, 'impostor')).toBeDefined();
  });

  it('Orphan: dependents stay without the reference, then the owner goes', async () => {
    const ns = await namespace('gc-orphan');
    const owner = await rest.create(configMaps, ns, { metadata: { name: 'owner' } });
    const other = await rest.create(configMaps, ns, { metadata: { name: 'other' } });
    await rest.create(secrets, ns, { metadata: { name: 'dep-1', ownerReferences: [refTo(owner, { controller: true, blockOwnerDeletion: true })] } });
    await rest.create(secrets, ns, { metadata: { name: 'dep-2', ownerReferences: [refTo(owner), refTo(other)] } });

    await rest.delete(configMaps, ns, 'owner', { propagationPolicy: 'Orphan' });
    await eventually(gone(configMaps, ns, 'owner'));
    const dep1 = await find(secrets, ns, 'dep-1');
    expect(dep1).toBeDefined();
    expect(dep1!.metadata?.ownerReferences).toBeUndefined();
    const dep2 = await find(secrets, ns, 'dep-2');
    expect(dep2!.metadata?.ownerReferences?.map((r) => r.name)).toEqual(['other']);
    // And they stay.
    await new Promise((r) => setTimeout(r, 300));
    expect(await find(secrets, ns, 'dep-1')).toBeDefined();
  });

  it('Foreground: the owner stays, with foregroundDeletion, until its blocking dependents are gone', async () => {
    const ns = await namespace('gc-foreground');
    const owner = await rest.create(configMaps, ns, { metadata: { name: 'owner' } });
    await rest.create(secrets, ns, { metadata: { name: 'free', ownerReferences: [refTo(owner, { blockOwnerDeletion: true })] } });
    // This one is held by someone else's finalizer, so the wait can be watched.
    await rest.create(secrets, ns, { metadata: { name: 'held', finalizers: ['example.com/hold'], ownerReferences: [refTo(owner, { blockOwnerDeletion: true })] } });

    await rest.delete(configMaps, ns, 'owner', { propagationPolicy: 'Foreground' });
    const waiting = await find(configMaps, ns, 'owner');
    expect(waiting?.metadata?.deletionTimestamp).toBeDefined();
    expect(waiting?.metadata?.finalizers).toEqual(['foregroundDeletion']);
    await eventually(gone(secrets, ns, 'free'));
    const held = await eventually(async () => {
      const s = await find(secrets, ns, 'held');
      return s?.metadata?.deletionTimestamp ? s : undefined;
    });
    expect(held.metadata?.finalizers).toEqual(['example.com/hold']);
    await new Promise((r) => setTimeout(r, 300));
    expect((await find(configMaps, ns, 'owner'))?.metadata?.finalizers).toEqual(['foregroundDeletion']);

    await rest.patch(secrets, ns, 'held', { metadata: { finalizers: null } });
    await eventually(gone(secrets, ns, 'held'));
    await eventually(gone(configMaps, ns, 'owner'));
  });

  it('Foreground propagates through a dependent that owns others', async () => {
    const ns = await namespace('gc-foreground-chain');
    const top = await rest.create(configMaps, ns, { metadata: { name: 'top' } });
    const middle = await rest.create(configMaps, ns, { metadata: { name: 'middle', ownerReferences: [refTo(top, { blockOwnerDeletion: true })] } });
    await rest.create(secrets, ns, { metadata: { name: 'bottom', finalizers: ['example.com/hold'], ownerReferences: [refTo(middle, { blockOwnerDeletion: true })] } });

    await rest.delete(configMaps, ns, 'top', { propagationPolicy: 'Foreground' });
    // The middle is deleted in the foreground too, so it waits for the bottom, and the top for it.
    const mid = await eventually(async () => {
      const m = await find(configMaps, ns, 'middle');
      return m?.metadata?.deletionTimestamp ? m : undefined;
    });
    expect(mid.metadata?.finalizers).toEqual(['foregroundDeletion']);
    await eventually(async () => ((await find(secrets, ns, 'bottom'))?.metadata?.deletionTimestamp ? true : undefined));
    expect(await find(configMaps, ns, 'top')).toBeDefined();

    await rest.patch(secrets, ns, 'bottom', { metadata: { finalizers: null } });
    await eventually(gone(configMaps, ns, 'middle'));
    await eventually(gone(configMaps, ns, 'top'));
  });
});

describe('decideForDependent', () => {
  const obj = (finalizers?: string[]): KubernetesObject => ({ metadata: { name: 'x', finalizers } });
  const r = (uid: string): V1OwnerReference => ({ apiVersion: 'v1', kind: 'ConfigMap', name: uid, uid });

  it('follows upstream attemptToDeleteItem', () => {
    expect(decideForDependent(obj(), { solid: [r('a')], dangling: [], waitingForDependentsDeletion: [] }, false)).toEqual({ action: 'none' });
    expect(decideForDependent(obj(), { solid: [r('a')], dangling: [r('b')], waitingForDependentsDeletion: [r('c')] }, false))
      .toEqual({ action: 'removeReferences', uids: ['b', 'c'] });
    expect(decideForDependent(obj(), { solid: [], dangling: [r('b')], waitingForDependentsDeletion: [] }, true)).toEqual({ action: 'delete', policy: 'Background' });
    expect(decideForDependent(obj(), { solid: [], dangling: [], waitingForDependentsDeletion: [r('c')] }, true)).toEqual({ action: 'delete', policy: 'Foreground' });
    expect(decideForDependent(obj(), { solid: [], dangling: [], waitingForDependentsDeletion: [r('c')] }, false)).toEqual({ action: 'delete', policy: 'Background' });
    expect(decideForDependent(obj(['orphan']), { solid: [], dangling: [r('b')], waitingForDependentsDeletion: [] }, true)).toEqual({ action: 'delete', policy: 'Orphan' });
  });
});
