// PersistentVolumes and claims through the real kubectl on `capstan up --simulated-nodes 1`: a
// static volume bound to a claim, the default class `standard` provisioning a claim once a pod
// using it is scheduled, a claim in use held Terminating by its finalizer until the pod goes, and
// the reclaim policies (Retain leaves the volume Released, Delete removes it).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startSystem, type System } from '../harness/system.ts';
import { kubectl, kubectlOk } from '../harness/kubectl.ts';
import { eventually } from '../../test/eventually.ts';

let sys: System;
let seq = 0;
const created: string[] = [];

beforeAll(async () => { sys = await startSystem({ extraArgs: ['--simulated-nodes', '1'] }); });
afterAll(async () => {
  if (sys && created.length) await kubectl(sys, ['delete', 'namespace', ...created, '--wait=false']);
  await sys?.stop();
});

/** A namespace of its own, ready for pods (its default ServiceAccount exists). */
async function namespace(): Promise<string> {
  const n = `pv-${process.pid}-${seq++}`;
  created.push(n);
  await kubectlOk(sys, ['create', 'namespace', n]);
  await eventually(async () => (await kubectl(sys, ['get', 'serviceaccount', 'default', '-n', n])).code === 0, { timeoutMs: 30_000, what: 'default ServiceAccount' });
  return n;
}

const apply = (doc: object) => kubectlOk(sys, ['apply', '-f', '-'], { input: JSON.stringify(doc) });
const jsonpath = (args: string[], path: string) => kubectlOk(sys, [...args, '-o', `jsonpath=${path}`]);
const claimDoc = (ns: string, name: string, spec: object = {}) => ({
  apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: ns },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec },
});
const volumeDoc = (name: string, spec: object = {}) => ({
  apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name },
  spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: `/tmp/capstan-conformance/${name}` }, storageClassName: 'manual', ...spec },
});
const podDoc = (ns: string, name: string, claimName: string) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns },
  spec: { containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'] }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName } }] },
});
const phaseOf = (args: string[]) => jsonpath(['get', ...args], '{.status.phase}');
const waitPhase = (args: string[], phase: string, timeoutMs = 30_000) =>
  eventually(async () => (await phaseOf(args)) === phase, { timeoutMs, what: `${args.join(' ')} ${phase}` });
const waitGone = (args: string[]) =>
  eventually(async () => (await kubectl(sys, ['get', ...args])).stderr.includes('NotFound'), { timeoutMs: 30_000, what: `${args.join(' ')} gone` });

describe('PersistentVolumes through kubectl', () => {
  it('binds a static volume and a claim of its class, as kubectl get pv,pvc shows', async () => {
    const n = await namespace();
    const pv = `static-${n}`;
    await apply(volumeDoc(pv));
    await apply(claimDoc(n, 'data', { storageClassName: 'manual' }));
    await waitPhase(['pvc', 'data', '-n', n], 'Bound');
    const table = await kubectlOk(sys, ['get', `pv/${pv}`, 'pvc/data', '-n', n]);
    // NAME CAPACITY ACCESS MODES RECLAIM POLICY STATUS CLAIM STORAGECLASS …, then NAME STATUS VOLUME CAPACITY ACCESS MODES STORAGECLASS …
    expect(table).toMatch(new RegExp(`persistentvolume/${pv}\\s+1Gi\\s+RWO\\s+Retain\\s+Bound\\s+${n}/data\\s+manual\\s`));
    expect(table).toMatch(new RegExp(`persistentvolumeclaim/data\\s+Bound\\s+${pv}\\s+1Gi\\s+RWO\\s+manual\\s`));
    expect(await jsonpath(['get', 'pvc', 'data', '-n', n], '{.metadata.annotations}')).toContain('"pv.kubernetes.io/bind-completed":"yes"');
    expect(await jsonpath(['get', 'pv', pv], '{.metadata.finalizers}')).toBe('["kubernetes.io/pv-protection"]');
  });

  it('provisions a claim of the default class once a pod using it is scheduled, on that pod\'s node', async () => {
    expect(await kubectlOk(sys, ['get', 'storageclass'])).toMatch(/standard \(default\)\s+capstan\.dev\/local\s+Delete\s+WaitForFirstConsumer\s/);
    const n = await namespace();
    await apply(claimDoc(n, 'data'));
    await eventually(async () => (await kubectlOk(sys, ['get', 'events', '-n', n, '--field-selector', 'involvedObject.name=data,reason=WaitForFirstConsumer'])).includes('waiting for first consumer'),
      { timeoutMs: 30_000, what: 'WaitForFirstConsumer event' });
    expect(await phaseOf(['pvc', 'data', '-n', n])).toBe('Pending');

    await apply(podDoc(n, 'user', 'data'));
    await waitPhase(['pvc', 'data', '-n', n], 'Bound', 60_000);
    const uid = await jsonpath(['get', 'pvc', 'data', '-n', n], '{.metadata.uid}');
    expect(await jsonpath(['get', 'pvc', 'data', '-n', n], '{.spec.volumeName}')).toBe(`pvc-${uid}`);
    expect(await jsonpath(['get', 'pvc', 'data', '-n', n], '{.spec.storageClassName}')).toBe('standard');
    const node = await eventually(async () => (await jsonpath(['get', 'pod', 'user', '-n', n], '{.spec.nodeName}')) || undefined, { timeoutMs: 30_000, what: 'pod scheduled' });
    expect(await jsonpath(['get', 'pv', `pvc-${uid}`], '{.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values[0]}')).toBe(node);
    expect(await kubectlOk(sys, ['get', 'pv', `pvc-${uid}`])).toMatch(new RegExp(`pvc-${uid}\\s+1Gi\\s+RWO\\s+Delete\\s+Bound\\s+${n}/data\\s+standard\\s`));
  });

  it('keeps a claim in use Terminating with its finalizer until the pod goes, then deletes its Delete volume', async () => {
    const n = await namespace();
    await kubectlOk(sys, ['apply', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: `now-${n}` }, provisioner: 'capstan.dev/local', reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate' }),
    });
    await apply(claimDoc(n, 'data', { storageClassName: `now-${n}` }));
    await waitPhase(['pvc', 'data', '-n', n], 'Bound');
    const pv = await jsonpath(['get', 'pvc', 'data', '-n', n], '{.spec.volumeName}');
    await apply(podDoc(n, 'user', 'data'));
    await eventually(async () => (await jsonpath(['get', 'pod', 'user', '-n', n], '{.spec.nodeName}')) !== '', { timeoutMs: 30_000, what: 'pod scheduled' });

    await kubectlOk(sys, ['delete', 'pvc', 'data', '-n', n, '--wait=false']);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await kubectlOk(sys, ['get', 'pvc', 'data', '-n', n])).toMatch(/data\s+Terminating\s/);
    expect(await jsonpath(['get', 'pvc', 'data', '-n', n], '{.metadata.finalizers}')).toBe('["kubernetes.io/pvc-protection"]');
    expect(await phaseOf(['pv', pv])).toBe('Bound');

    await kubectlOk(sys, ['delete', 'pod', 'user', '-n', n, '--grace-period=0', '--force']);
    await waitGone(['pvc', 'data', '-n', n]);
    await waitGone(['pv', pv]);
  });

  it('leaves a Retain volume Released with its claim named once the claim is deleted', async () => {
    const n = await namespace();
    const pv = `retained-${n}`;
    await apply(volumeDoc(pv, { persistentVolumeReclaimPolicy: 'Retain' }));
    await apply(claimDoc(n, 'data', { storageClassName: 'manual', volumeName: pv }));
    await waitPhase(['pvc', 'data', '-n', n], 'Bound');
    await kubectlOk(sys, ['delete', 'pvc', 'data', '-n', n]);
    await waitPhase(['pv', pv], 'Released');
    expect(await kubectlOk(sys, ['get', 'pv', pv])).toMatch(new RegExp(`${pv}\\s+1Gi\\s+RWO\\s+Retain\\s+Released\\s+${n}/data\\s+manual\\s`));
    // A Released volume is not bound again, even to a claim of the same name.
    await apply(claimDoc(n, 'data', { storageClassName: 'manual' }));
    await eventually(async () => (await kubectlOk(sys, ['get', 'events', '-n', n, '--field-selector', 'involvedObject.name=data,reason=ProvisioningFailed'])).includes('"manual" not found'),
      { timeoutMs: 30_000, what: 'ProvisioningFailed for the missing class' });
    expect(await phaseOf(['pvc', 'data', '-n', n])).toBe('Pending');
    expect(await phaseOf(['pv', pv])).toBe('Released');
    await kubectlOk(sys, ['delete', 'pv', pv, '--wait=false']);
  });
});
