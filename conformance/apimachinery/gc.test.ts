// Deletion that cascades, through the real kubectl: namespaces empty and go, and
// --cascade=background|foreground|orphan treat dependents (ownerReferences) as upstream.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startSystem, type System } from '../harness/system.ts';
import { kubectl, kubectlOk } from '../harness/kubectl.ts';

let sys: System;
let seq = 0;
const ns = () => `gc-${process.pid}-${seq++}`;

beforeAll(async () => { sys = await startSystem(); });
afterAll(async () => { await sys?.stop(); });

async function eventually(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function ownerWithDependents(n: string): Promise<void> {
  await kubectlOk(sys, ['create', 'namespace', n]);
  await kubectlOk(sys, ['create', 'configmap', 'owner', '-n', n]);
  const uid = await kubectlOk(sys, ['get', 'cm', 'owner', '-n', n, '-o', 'jsonpath={.metadata.uid}']);
  for (const d of ['dep1', 'dep2']) {
    const doc = JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: d, namespace: n,
      ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid, blockOwnerDeletion: true }] } });
    await kubectlOk(sys, ['create', '-f', '-'], { input: doc });
  }
}

const names = async (n: string, kind: string) => (await kubectl(sys, ['get', kind, '-n', n, '-o', 'name'])).stdout.trim().split('\n').filter(Boolean);

describe('cascading deletion', () => {
  it('deletes a namespace with its content, and the namespace disappears', async () => {
    const n = ns();
    await kubectlOk(sys, ['create', 'namespace', n]);
    await kubectlOk(sys, ['create', 'configmap', 'c', '-n', n]);
    await kubectlOk(sys, ['create', 'secret', 'generic', 's', '-n', n, '--from-literal=a=b']);
    await kubectlOk(sys, ['delete', 'namespace', n, '--timeout=60s']);
    const r = await kubectl(sys, ['get', 'namespace', n]);
    expect(r.stderr).toContain(`namespaces "${n}" not found`);
  });

  it('gives every new namespace a default ServiceAccount', async () => {
    const n = ns();
    await kubectlOk(sys, ['create', 'namespace', n]);
    await eventually(async () => (await names(n, 'serviceaccounts')).includes('serviceaccount/default'), 10_000);
  });

  it('--cascade=background deletes the dependents after the owner', async () => {
    const n = ns();
    await ownerWithDependents(n);
    await kubectlOk(sys, ['delete', 'cm', 'owner', '-n', n, '--cascade=background']);
    await eventually(async () => (await names(n, 'secrets')).length === 0);
  });

  it('--cascade=orphan keeps the dependents, without the owner reference', async () => {
    const n = ns();
    await ownerWithDependents(n);
    await kubectlOk(sys, ['delete', 'cm', 'owner', '-n', n, '--cascade=orphan']);
    await eventually(async () => !(await names(n, 'configmaps')).includes('configmap/owner'));
    expect(await names(n, 'secrets')).toEqual(['secret/dep1', 'secret/dep2']);
    expect(await kubectlOk(sys, ['get', 'secret', 'dep1', '-n', n, '-o', 'jsonpath={.metadata.ownerReferences}'])).toBe('');
  });

  it('--cascade=foreground removes the dependents before the owner', async () => {
    const n = ns();
    await ownerWithDependents(n);
    await kubectlOk(sys, ['delete', 'cm', 'owner', '-n', n, '--cascade=foreground', '--wait=false']);
    await eventually(async () => !(await names(n, 'configmaps')).includes('configmap/owner'));
    expect(await names(n, 'secrets')).toEqual([]);
  });
});
