// The storage API objects as upstream's sig-storage API conformance tests exercise them
// (CSIDriver, CSINode, CSIStorageCapacity, StorageClass, VolumeAttachment with its status, the
// CSI inline volume source in the Pod API, immutable ConfigMaps and Secrets), on a real
// PostgreSQL through the real kubectl: create, get, list (by label, across namespaces), watch,
// patch, update, status, delete and deletecollection. No containers are needed; one simulated
// node stands in for the nodes upstream's VolumeAttachment test picks from.
import { spawn } from 'node:child_process';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startSystem, type System } from '../harness/system.ts';
import { kubectl, kubectlOk } from '../harness/kubectl.ts';
import { eventually } from '../../test/eventually.ts';
import { createNamespace, deleteNamespaces, type Obj } from './volumepods.ts';

let sys: System;
const namespaces: string[] = [];

beforeAll(async () => {
  sys = await startSystem({ store: 'postgresql', extraArgs: ['--simulated-nodes', '1'] });
}, 120_000);
afterAll(async () => {
  await deleteNamespaces(sys, namespaces);
  await sys?.stop();
}, 120_000);

async function namespace(name: string): Promise<string> {
  namespaces.push(name);
  return createNamespace(sys, name);
}

interface Meta { name: string; namespace?: string; uid: string; resourceVersion: string; labels?: Record<string, string>; annotations?: Record<string, string>; deletionTimestamp?: string; finalizers?: string[] }
type ApiObject = Obj & { metadata: Meta };
const nsArgs = (ns?: string) => (ns ? ['-n', ns] : []);

const kcreate = async (obj: Obj): Promise<ApiObject> => JSON.parse(await kubectlOk(sys, ['create', '-f', '-', '-o', 'json'], { input: JSON.stringify(obj) })) as ApiObject;
const kget = async (resource: string, name: string, ns?: string, subresource?: string): Promise<ApiObject> =>
  JSON.parse(await kubectlOk(sys, ['get', resource, name, ...nsArgs(ns), ...(subresource ? [`--subresource=${subresource}`] : []), '-o', 'json'])) as ApiObject;
const klist = async (resource: string, selector: string, ns?: string | 'all'): Promise<ApiObject[]> =>
  (JSON.parse(await kubectlOk(sys, ['get', resource, '-l', selector, ...(ns === 'all' ? ['-A'] : nsArgs(ns)), '-o', 'json'])) as { items: ApiObject[] }).items;
const kpatch = async (resource: string, name: string, type: 'merge' | 'strategic', patch: Obj, ns?: string, subresource?: string): Promise<ApiObject> =>
  JSON.parse(await kubectlOk(sys, ['patch', resource, name, ...nsArgs(ns), `--type=${type}`, '-p', JSON.stringify(patch), ...(subresource ? [`--subresource=${subresource}`] : []), '-o', 'json'])) as ApiObject;
const kreplace = async (obj: Obj, subresource?: string): Promise<ApiObject> =>
  JSON.parse(await kubectlOk(sys, ['replace', '-f', '-', ...(subresource ? [`--subresource=${subresource}`] : []), '-o', 'json'], { input: JSON.stringify(obj) })) as ApiObject;
const kdelete = (resource: string, name: string, ns?: string) => kubectlOk(sys, ['delete', resource, name, ...nsArgs(ns), '--wait=false']);
/** DELETE on the collection (deletecollection), which `kubectl delete -l` does not send. */
const kdeleteCollection = (urlPath: string, selector: string) => kubectlOk(sys, ['delete', '--raw', `${urlPath}?labelSelector=${encodeURIComponent(selector)}`]);
/** Upstream's "confirm deletion": the object is gone (404), or is marked for deletion. */
const gone = async (resource: string, name: string, ns?: string): Promise<boolean> => {
  const r = await kubectl(sys, ['get', resource, name, ...nsArgs(ns), '-o', 'json']);
  if (r.code !== 0) return r.stderr.includes('NotFound');
  return !!(JSON.parse(r.stdout) as ApiObject).metadata.deletionTimestamp;
};
const newer = (a: ApiObject, b: ApiObject) => BigInt(b.metadata.resourceVersion) > BigInt(a.metadata.resourceVersion);
/** `kubectl create` of an object that exists: 409 AlreadyExists. */
async function expectAlreadyExists(obj: ApiObject | Obj): Promise<void> {
  const r = await kubectl(sys, ['create', '-f', '-'], { input: JSON.stringify(obj) });
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('Error from server (AlreadyExists)');
}

/** A `kubectl get -w --output-watch-events` running in the background, its events parsed as they come. */
function watch(args: string[]) {
  const child = spawn('kubectl', ['get', ...args, '--watch', '--output-watch-events', '-o', 'json'], {
    env: { ...process.env, KUBECONFIG: sys.kubeconfig, KUBECTL_VERSION: '1.32' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let buf = '';
  const events: Array<{ type: string; object: ApiObject }> = [];
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    // kubectl prints each event as one line of JSON.
    let end: number;
    while ((end = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, end).trim();
      buf = buf.slice(end + 1);
      if (line) events.push(JSON.parse(line) as { type: string; object: ApiObject });
    }
  });
  return { events, stop: () => child.kill() };
}

describe('CSIDriver', () => {
  it('runs through the lifecycle of a CSIDriver', async () => {
    const label = { 'e2e-test': 'csidriver-lifecycle' };
    const driver = (name: string, modes: string[]) => ({ apiVersion: 'storage.k8s.io/v1', kind: 'CSIDriver', metadata: { name, labels: label }, spec: { volumeLifecycleModes: modes, fsGroupPolicy: 'ReadWriteOnceWithFSType' } });
    const d1 = await kcreate(driver('inline-driver-1.example.com', ['Ephemeral']));
    const d2 = await kcreate(driver('inline-driver-2.example.com', ['Persistent', 'Ephemeral']));
    await expectAlreadyExists(driver('inline-driver-1.example.com', ['Ephemeral']));
    expect((await kget('csidriver', d1.metadata.name)).metadata.uid).toBe(d1.metadata.uid);
    expect((await kget('csidriver', d2.metadata.name)).metadata.uid).toBe(d2.metadata.uid);

    const patched = await kpatch('csidriver', d2.metadata.name, 'strategic', { metadata: { labels: { [d2.metadata.name]: 'patched' } } });
    expect(patched.metadata.labels?.[d2.metadata.name]).toBe('patched');
    const current = await kget('csidriver', d2.metadata.name);
    const updated = await kreplace({ ...current, metadata: { ...current.metadata, labels: { ...current.metadata.labels, [d2.metadata.name]: 'updated' } } });
    expect(updated.metadata.labels?.[d2.metadata.name]).toBe('updated');
    expect((await klist('csidrivers', 'e2e-test=csidriver-lifecycle')).map((d) => d.metadata.name).sort()).toEqual([d1.metadata.name, d2.metadata.name]);

    await kdelete('csidriver', d1.metadata.name);
    expect(await gone('csidriver', d1.metadata.name)).toBe(true);
    await kdeleteCollection('/apis/storage.k8s.io/v1/csidrivers', `${d2.metadata.name}=updated`);
    expect(await gone('csidriver', d2.metadata.name)).toBe(true);
  });
});

describe('CSINode', () => {
  it('runs through the lifecycle of a CSINode', async () => {
    const first = await kcreate({ apiVersion: 'storage.k8s.io/v1', kind: 'CSINode', metadata: { name: 'e2e-csinode-first' }, spec: { drivers: [] } });
    expect(BigInt(first.metadata.resourceVersion)).toBeGreaterThan(0n);
    expect((await kget('csinode', first.metadata.name)).metadata.name).toBe(first.metadata.name);
    const patched = await kpatch('csinode', first.metadata.name, 'strategic', { metadata: { labels: { [first.metadata.name]: 'patched' } } });
    expect(patched.metadata.labels).toEqual({ [first.metadata.name]: 'patched' });
    expect(newer(first, patched)).toBe(true);
    expect(await klist('csinodes', `${first.metadata.name}=patched`)).toHaveLength(1);
    await kdelete('csinode', first.metadata.name);
    await eventually(async () => (await klist('csinodes', `${first.metadata.name}=patched`)).length === 0, { timeoutMs: 30_000, what: 'the first CSINode gone' });

    const second = await kcreate({ apiVersion: 'storage.k8s.io/v1', kind: 'CSINode', metadata: { name: 'e2e-csinode-second' }, spec: { drivers: [] } });
    const current = await kget('csinode', second.metadata.name);
    const updated = await kreplace({ ...current, metadata: { ...current.metadata, labels: { [second.metadata.name]: 'updated' } } });
    expect(updated.metadata.labels).toEqual({ [second.metadata.name]: 'updated' });
    await kdeleteCollection('/apis/storage.k8s.io/v1/csinodes', `${second.metadata.name}=updated`);
    await eventually(async () => (await klist('csinodes', `${second.metadata.name}=updated`)).length === 0, { timeoutMs: 30_000, what: 'the second CSINode gone' });
  });
});

describe('CSIStorageCapacity', () => {
  it('supports the CSIStorageCapacities API operations: discovery, create, get, list, watch, patch, update, delete, deletecollection', async () => {
    const ns = await namespace('csistoragecapacity');
    const other = await namespace('csistoragecapacity-other');
    const selector = 'test=csistoragecapacity-api';

    const groups = JSON.parse(await kubectlOk(sys, ['get', '--raw', '/apis'])) as { groups: Array<{ name: string; versions: Array<{ version: string }> }> };
    expect(groups.groups.find((g) => g.name === 'storage.k8s.io')?.versions.map((v) => v.version)).toContain('v1');
    const group = JSON.parse(await kubectlOk(sys, ['get', '--raw', '/apis/storage.k8s.io'])) as { versions: Array<{ version: string }> };
    expect(group.versions.map((v) => v.version)).toContain('v1');
    const resources = JSON.parse(await kubectlOk(sys, ['get', '--raw', '/apis/storage.k8s.io/v1'])) as { resources: Array<{ name: string }> };
    expect(resources.resources.map((r) => r.name)).toContain('csistoragecapacities');

    const capacity = (name: string, namespace = ns) => ({ apiVersion: 'storage.k8s.io/v1', kind: 'CSIStorageCapacity', metadata: { name, namespace, labels: { test: 'csistoragecapacity-api' } }, storageClassName: 'e2e.example.com' });
    const created = await kcreate(capacity('csc1'));
    await expectAlreadyExists(capacity('csc1'));
    await kcreate(capacity('csc2'));

    const inNamespace = watch(['csistoragecapacities', '-n', ns, '-l', selector]);
    const everywhere = watch(['csistoragecapacities', '-A', '-l', selector]);
    try {
      // Both watches have listed (their ADDED events for csc1 and csc2) before anything changes.
      await eventually(() => inNamespace.events.length >= 2 && everywhere.events.length >= 2, { timeoutMs: 20_000, what: 'the watches started' });
      await kcreate(capacity('csc3'));
      // One in another namespace: only the watch across namespaces sees it.
      await kcreate(capacity('csc-other', other));

      expect((await kget('csistoragecapacity', 'csc1', ns)).metadata.uid).toBe(created.metadata.uid);
      expect(await klist('csistoragecapacities', selector, ns)).toHaveLength(3);
      expect(await klist('csistoragecapacities', selector, 'all')).toHaveLength(4);

      const patched = await kpatch('csistoragecapacity', 'csc1', 'merge', { metadata: { annotations: { patched: 'true' } } }, ns);
      expect(patched.metadata.annotations?.patched).toBe('true');
      const updated = await kreplace({ ...patched, metadata: { ...patched.metadata, annotations: { ...patched.metadata.annotations, updated: 'true' } } });
      expect(updated.metadata.annotations?.updated).toBe('true');

      for (const [w, others] of [[inNamespace, 0], [everywhere, 1]] as const) {
        await eventually(() => w.events.some((e) => e.type === 'MODIFIED' && e.object.metadata.annotations?.updated === 'true'), { timeoutMs: 20_000, what: 'the update watched' });
        expect(w.events.filter((e) => e.type === 'ADDED').map((e) => e.object.metadata.name).sort()).toEqual(['csc1', 'csc2', 'csc3', ...(others ? ['csc-other'] : [])].sort());
        expect(w.events.filter((e) => e.type === 'MODIFIED').map((e) => [e.object.metadata.annotations?.patched, e.object.metadata.annotations?.updated]))
          .toEqual([['true', undefined], ['true', 'true']]);
        expect(w.events.every((e) => e.object.kind === 'CSIStorageCapacity')).toBe(true);
      }
    } finally {
      inNamespace.stop();
      everywhere.stop();
    }

    await kdelete('csistoragecapacity', 'csc1', ns);
    expect(await gone('csistoragecapacity', 'csc1', ns)).toBe(true);
    expect(await klist('csistoragecapacities', selector, ns)).toHaveLength(2);
    await kdeleteCollection(`/apis/storage.k8s.io/v1/namespaces/${ns}/csistoragecapacities`, selector);
    expect(await klist('csistoragecapacities', selector, ns)).toEqual([]);
    expect(await klist('csistoragecapacities', selector, other)).toHaveLength(1);
  });
});

describe('StorageClass', () => {
  it('runs through the lifecycle of a StorageClass', async () => {
    const sc = (generateName: string) => ({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { generateName }, provisioner: 'e2e-fake-provisioner' });
    const created = await kcreate(sc('e2e-'));
    expect(created.metadata.name).toMatch(/^e2e-[a-z0-9]{5}$/);
    expect(BigInt(created.metadata.resourceVersion)).toBeGreaterThan(0n);
    // Upstream's defaults for what the test leaves out.
    expect(created).toMatchObject({ reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate' });
    const name = created.metadata.name;
    const retrieved = await kget('storageclass', name);
    const patched = await kpatch('storageclass', name, 'strategic', { metadata: { labels: { [name]: 'patched' } } });
    expect(patched.metadata.labels?.[name]).toBe('patched');
    expect(newer(retrieved, patched)).toBe(true);
    await kdelete('storageclass', name);
    await eventually(async () => (await klist('storageclasses', `${name}=patched`)).length === 0, { timeoutMs: 30_000, what: 'the StorageClass gone' });

    const replacement = await kcreate(sc('e2e-v2-'));
    const rname = replacement.metadata.name;
    const current = await kget('storageclass', rname);
    const updated = await kreplace({ ...current, metadata: { ...current.metadata, labels: { [rname]: 'updated' } } });
    expect(updated.metadata.labels?.[rname]).toBe('updated');
    expect(await klist('storageclasses', `${rname}=updated`)).toHaveLength(1);
    await kdeleteCollection('/apis/storage.k8s.io/v1/storageclasses', `${rname}=updated`);
    await eventually(async () => (await klist('storageclasses', `${rname}=updated`)).length === 0, { timeoutMs: 30_000, what: 'the replacement StorageClass gone' });
  });
});

describe('VolumeAttachment', () => {
  let node = '';
  beforeAll(async () => {
    node = (await kubectlOk(sys, ['get', 'nodes', '-o', 'jsonpath={.items[0].metadata.name}'])).trim();
  });
  const attachment = (id: string) => ({
    apiVersion: 'storage.k8s.io/v1', kind: 'VolumeAttachment', metadata: { name: `va-${id}` },
    spec: { attacher: 'e2e-test.storage.k8s.io', nodeName: node, source: { persistentVolumeName: `pv-${id}` } },
    status: { attached: false },
  });

  it('runs through the lifecycle of a VolumeAttachment', async () => {
    expect(node).not.toBe('');
    const first = await kcreate(attachment('e2e-first'));
    const retrieved = await kget('volumeattachment', first.metadata.name);
    expect(retrieved.metadata.name).toBe('va-e2e-first');
    const patched = await kpatch('volumeattachment', first.metadata.name, 'merge', { metadata: { labels: { [first.metadata.name]: 'patched' } } });
    expect(patched.metadata.labels?.[first.metadata.name]).toBe('patched');
    expect(newer(retrieved, patched)).toBe(true);
    expect(await klist('volumeattachments', `${first.metadata.name}=patched`)).toHaveLength(1);
    await kdelete('volumeattachment', first.metadata.name);
    await eventually(async () => (await klist('volumeattachments', `${first.metadata.name}=patched`)).length === 0, { timeoutMs: 30_000, what: 'the first VolumeAttachment gone' });

    for (const id of ['e2e-second', 'e2e-third']) {
      await kcreate(attachment(id));
      const current = await kget('volumeattachment', `va-${id}`);
      const updated = await kreplace({ ...current, metadata: { ...current.metadata, labels: { 'va-e2e': 'updated' } } });
      expect(updated.metadata.labels?.['va-e2e']).toBe('updated');
    }
    await kdeleteCollection('/apis/storage.k8s.io/v1/volumeattachments', 'va-e2e=updated');
    await eventually(async () => (await klist('volumeattachments', 'va-e2e=updated')).length === 0, { timeoutMs: 30_000, what: 'the VolumeAttachments deleted as a collection' });
  });

  it('applies changes to a VolumeAttachment\'s status through /status (get, patch, update)', async () => {
    const created = await kcreate(attachment('e2e-status'));
    const name = created.metadata.name;
    // The status is the attacher's to set: a create's status is reset (attached false).
    expect((created as { status?: { attached?: boolean } }).status?.attached).toBe(false);
    const labelled = await kpatch('volumeattachment', name, 'merge', { metadata: { labels: { [name]: 'patched' } } });
    expect(labelled.metadata.labels?.[name]).toBe('patched');

    const status = await kget('volumeattachment', name, undefined, 'status') as ApiObject & { status: { attached: boolean } };
    expect(status.status.attached).toBe(false);
    const attached = await kpatch('volumeattachment', name, 'merge', { status: { attached: true } }, undefined, 'status') as ApiObject & { status: { attached: boolean } };
    expect(attached.status.attached).toBe(true);
    // The main resource ignores status changes; /status ignores the spec.
    const viaMain = await kpatch('volumeattachment', name, 'merge', { status: { attached: false } }) as ApiObject & { status: { attached: boolean } };
    expect(viaMain.status.attached).toBe(true);

    const current = await kget('volumeattachment', name) as ApiObject & { status: { attached: boolean } };
    const detached = await kreplace({ ...current, status: { attached: false } }, 'status') as ApiObject & { status: { attached: boolean } };
    expect(detached.status.attached).toBe(false);

    await kdelete('volumeattachment', name);
    await eventually(async () => (await klist('volumeattachments', `${name}=patched`)).length === 0, { timeoutMs: 30_000, what: 'the VolumeAttachment gone' });
  });
});

describe('CSI inline volumes in the Pod API', () => {
  it('supports the CSIVolumeSource in the Pod API: create, get, list, patch, delete', async () => {
    const ns = await namespace('csi-inline');
    const pod = {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pod-csi-inline-volumes', namespace: ns },
      spec: {
        volumes: [
          { name: 'csi-inline-vol1', csi: { driver: 'e2e.example.com' } },
          { name: 'csi-inline-vol2', csi: { driver: 'e2e.example.com', fsType: 'ext4', readOnly: true } },
        ],
        containers: [{
          name: 'pod-csi-inline-volumes', image: 'busybox', command: ['sh', '-c', 'ls /mnt/*'],
          volumeMounts: [{ name: 'csi-inline-vol1', mountPath: '/mnt/vol1' }, { name: 'csi-inline-vol2', mountPath: '/mnt/vol2' }],
        }],
      },
    };
    const created = await kcreate(pod);
    await expectAlreadyExists(pod);
    const got = await kget('pod', pod.metadata.name, ns) as ApiObject & { spec: { volumes: Array<{ name: string; csi?: Obj }> } };
    expect(got.metadata.uid).toBe(created.metadata.uid);
    expect(got.spec.volumes.find((v) => v.name === 'csi-inline-vol2')?.csi).toEqual({ driver: 'e2e.example.com', fsType: 'ext4', readOnly: true });
    const all = JSON.parse(await kubectlOk(sys, ['get', 'pods', '-n', ns, '-o', 'json'])) as { items: ApiObject[] };
    expect(all.items).toHaveLength(1);
    const patched = await kpatch('pod', pod.metadata.name, 'merge', { metadata: { annotations: { patched: 'true' } } }, ns);
    expect(patched.metadata.annotations?.patched).toBe('true');
    await kdelete('pod', pod.metadata.name, ns);
    expect(await gone('pod', pod.metadata.name, ns)).toBe(true);
  });
});

describe('immutable ConfigMaps and Secrets', () => {
  /** `kubectl replace` expecting upstream's 422 Invalid with these causes. */
  async function expectInvalid(obj: Obj, kind: string, causes: string[]): Promise<void> {
    const r = await kubectl(sys, ['replace', '-f', '-', '-v=6'], { input: JSON.stringify(obj) });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/PUT https:\/\/\S+ 422 Unprocessable Entity/);
    const name = (obj.metadata as Meta).name;
    expect(r.stderr).toContain(`The ${kind} "${name}" is invalid: `);
    for (const c of causes) expect(r.stderr).toContain(c);
  }
  const IMMUTABLE = 'Forbidden: field is immutable when `immutable` is set';

  for (const kind of ['ConfigMap', 'Secret'] as const) {
    it(`refuses changes to the data of an immutable ${kind} and unsetting immutable, yet allows metadata changes and deletion`, async () => {
      const ns = await namespace(`immutable-${kind.toLowerCase()}`);
      const resource = kind.toLowerCase();
      const data = (d: Record<string, string>) => (kind === 'Secret' ? Object.fromEntries(Object.entries(d).map(([k, v]) => [k, Buffer.from(v).toString('base64')])) : d);
      let current = await kcreate({ apiVersion: 'v1', kind, metadata: { name: 'immutable', namespace: ns }, data: data({ 'data-1': 'value-1', 'data-2': 'value-2', 'data-3': 'value-3' }) }) as ApiObject & { data: Record<string, string>; immutable?: boolean };
      current = await kreplace({ ...current, data: { ...current.data, ...data({ 'data-4': 'value-4' }) } }) as typeof current;
      current = await kreplace({ ...current, immutable: true }) as typeof current;
      expect(current.immutable).toBe(true);

      await expectInvalid({ ...current, data: { ...current.data, ...data({ 'data-5': 'value-5' }) } }, kind, [`data: ${IMMUTABLE}`]);
      current = await kget(resource, 'immutable', ns) as typeof current;
      expect(current.immutable).toBe(true);
      await expectInvalid({ ...current, immutable: false }, kind, [`immutable: ${IMMUTABLE}`]);

      const relabelled = await kreplace({ ...current, metadata: { ...current.metadata, labels: { label1: 'value1' } } });
      expect(relabelled.metadata.labels).toEqual({ label1: 'value1' });
      await kubectlOk(sys, ['delete', resource, 'immutable', '-n', ns]);
      expect(await gone(resource, 'immutable', ns)).toBe(true);
    });
  }
});
