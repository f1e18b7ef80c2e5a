import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { V1Node, V1PersistentVolume, V1PersistentVolumeClaim, V1Pod, V1StorageClass } from '@kubernetes/client-node';
import { Code, CycleState, fitErrorMessage, newDiagnosis, Status, type Plugin } from '../framework.ts';
import type { PodInfo } from '../nodeinfo.ts';
import { cacheWith, fakeVolumeBinding, filterReasons, makeNode, makePod, pluginWith, type FakeVolumeBinding } from '../testing.ts';
import { ANN_BIND_COMPLETED, ANN_BOUND_BY_CONTROLLER, ANN_SELECTED_NODE } from '../../machinery/volumes.ts';
import { NOT_SUPPORTED_PROVISIONER } from '../volumes.ts';
import {
  ERR_REASON_BIND_CONFLICT, ERR_REASON_NODE_CONFLICT, ERR_REASON_PV_NOT_EXIST, ERR_UNBOUND_IMMEDIATE, volumeBinding,
} from './volumebinding.ts';

// ---- fixtures ----

const hostAffinity = (...hosts: string[]) => ({
  required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: hosts }] }] },
});

function storageClass(name: string, mode: 'Immediate' | 'WaitForFirstConsumer', provisioner = NOT_SUPPORTED_PROVISIONER, extra: Partial<V1StorageClass> = {}): V1StorageClass {
  return { metadata: { name, resourceVersion: '1' }, provisioner, volumeBindingMode: mode, ...extra };
}

interface ClaimOpts { className?: string; request?: string; modes?: string[]; volumeName?: string; bound?: boolean; annotations?: Record<string, string>; volumeMode?: string; selector?: object }

function claim(name: string, o: ClaimOpts = {}): V1PersistentVolumeClaim {
  return {
    metadata: {
      name, namespace: 'default', uid: randomUUID(), resourceVersion: '1',
      annotations: { ...o.annotations, ...(o.bound ? { [ANN_BIND_COMPLETED]: 'yes' } : {}) },
    },
    spec: {
      storageClassName: o.className ?? 'local', accessModes: o.modes ?? ['ReadWriteOnce'], resources: { requests: { storage: o.request ?? '1Gi' } },
      ...(o.volumeName ? { volumeName: o.volumeName } : {}), ...(o.volumeMode ? { volumeMode: o.volumeMode } : {}), ...(o.selector ? { selector: o.selector } : {}),
    },
    status: { phase: o.bound ? 'Bound' : 'Pending' },
  };
}

interface VolumeOpts { className?: string; capacity?: string; modes?: string[]; phase?: string; hosts?: string[]; labels?: Record<string, string>; claimRef?: object; volumeMode?: string; deleting?: boolean }

function volume(name: string, o: VolumeOpts = {}): V1PersistentVolume {
  return {
    metadata: { name, resourceVersion: '1', labels: o.labels ?? {}, ...(o.deleting ? { deletionTimestamp: new Date() } : {}) },
    spec: {
      storageClassName: o.className ?? 'local', capacity: { storage: o.capacity ?? '1Gi' }, accessModes: o.modes ?? ['ReadWriteOnce'],
      local: { path: `/mnt/${name}` }, ...(o.hosts ? { nodeAffinity: hostAffinity(...o.hosts) } : {}),
      ...(o.claimRef ? { claimRef: o.claimRef } : {}), ...(o.volumeMode ? { volumeMode: o.volumeMode } : {}),
    },
    status: { phase: o.phase ?? 'Available' },
  };
}

const nodes: V1Node[] = [
  makeNode('node-a').labels({ 'topology.kubernetes.io/zone': 'a' }).obj(),
  makeNode('node-b').labels({ 'topology.kubernetes.io/zone': 'b' }).obj(),
];

/** The plugin over these objects, with the cache holding nodes a and b. */
function setup(o: Parameters<typeof fakeVolumeBinding>[0] = {}): { f: FakeVolumeBinding; p: Plugin; cache: ReturnType<typeof cacheWith> } {
  const f = fakeVolumeBinding({
    classes: [storageClass('local', 'WaitForFirstConsumer'), storageClass('fast', 'Immediate', 'capstan.dev/local'), storageClass('dynamic', 'WaitForFirstConsumer', 'capstan.dev/local')],
    nodes, ...o,
  });
  const cache = cacheWith(nodes);
  return { f, p: pluginWith(volumeBinding(f), cache), cache };
}

const podUsing = (name: string, ...claims: string[]): PodInfo => makePod(name).claims(...claims).info();

/** PreFilter, then Filter on each node: the reasons per node ([] when it passes). */
function filterAll(p: Plugin, cache: ReturnType<typeof cacheWith>, pod: PodInfo, state = new CycleState()): Record<string, string[]> {
  const pre = p.preFilter!(state, pod);
  const out: Record<string, string[]> = {};
  for (const n of ['node-a', 'node-b']) {
    if (pre?.status) { out[n] = pre.status.code === Code.Skip ? [] : pre.status.reasons; continue; }
    out[n] = p.filter!(state, pod, cache.get(n)!)?.reasons ?? [];
  }
  return out;
}

const assumed = (pod: PodInfo, node: string): V1Pod => ({ ...pod.pod, spec: { ...pod.pod.spec!, nodeName: node } });

async function until(cond: () => boolean, ms = 2_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Reserve on the node, then PreBind in the background; the pod must be in the pods lister (checkBindings looks). */
function reserveAndPreBind(f: FakeVolumeBinding, p: Plugin, state: CycleState, pod: PodInfo, node: string, signal = new AbortController().signal) {
  f.pods.set(pod.pod);
  const r = p.reserve!(state, pod, node);
  expect(r).toBeUndefined();
  return p.preBind!(state, assumed(pod, node), node, signal);
}

/** What the PV controller does once a claim and volume are paired: the claim bound, both phases Bound. */
function completeBind(f: FakeVolumeBinding, claimName: string, volumeName: string): void {
  const pvc = f.claims.get(`default/${claimName}`)!;
  f.deliver(f.claims, { ...pvc, metadata: { ...pvc.metadata, annotations: { ...pvc.metadata?.annotations, [ANN_BIND_COMPLETED]: 'yes' } }, spec: { ...pvc.spec, volumeName }, status: { phase: 'Bound' } });
}

// ---- tests ----

describe('VolumeBinding PreFilter', () => {
  it('skips pods that use no claims', () => {
    const { p } = setup();
    expect(p.preFilter!(new CycleState(), makePod().info())?.status?.code).toBe(Code.Skip);
  });

  it('rejects a pod whose claim is missing, being deleted or lost, naming the claim as upstream', () => {
    const deleting = claim('old');
    deleting.metadata!.deletionTimestamp = new Date();
    const lost = claim('lost', { volumeName: 'gone' });
    lost.status = { phase: 'Lost' };
    const { p } = setup({ claims: [deleting, lost] });
    const reject = (name: string) => p.preFilter!(new CycleState(), podUsing('web', name))!.status!;
    expect(reject('missing').code).toBe(Code.UnschedulableAndUnresolvable);
    expect(reject('missing').reasons).toEqual(['persistentvolumeclaim "missing" not found']);
    expect(reject('old').reasons).toEqual(['persistentvolumeclaim "old" is being deleted']);
    expect(reject('lost').reasons).toEqual(['persistentvolumeclaim "lost" bound to non-existent persistentvolume "gone"']);
  });

  it('waits for the ephemeral volume controller to create a generic ephemeral volume\'s claim', () => {
    const { p } = setup();
    const pod = makePod('web').volumes({ name: 'scratch', ephemeral: { volumeClaimTemplate: { spec: { accessModes: ['ReadWriteOnce'] } } } }).info();
    expect(p.preFilter!(new CycleState(), pod)!.status!.reasons).toEqual(['waiting for ephemeral volume controller to create the persistentvolumeclaim "web-scratch"']);
  });

  it('rejects unbound claims of an Immediate class, of no class and of a missing class, and claims pre-bound but not yet bound', () => {
    const { p } = setup({
      claims: [
        claim('fast', { className: 'fast' }), claim('none', { className: '' }), claim('nosuch', { className: 'nosuch' }),
        claim('prebound', { volumeName: 'pv-1' }),
      ],
    });
    for (const name of ['fast', 'none', 'nosuch', 'prebound']) {
      const s = p.preFilter!(new CycleState(), podUsing('web', name))!.status!;
      expect(s.code).toBe(Code.UnschedulableAndUnresolvable);
      expect(s.reasons).toEqual([ERR_UNBOUND_IMMEDIATE]);
    }
  });

  it('passes bound claims and unbound WaitForFirstConsumer claims on to Filter', () => {
    const { p } = setup({ claims: [claim('bound', { className: 'fast', volumeName: 'pv-1', bound: true }), claim('later')] });
    expect(p.preFilter!(new CycleState(), podUsing('web', 'bound', 'later'))).toBeUndefined();
  });
});

describe('VolumeBinding Filter', () => {
  it('keeps a pod with a bound claim on the nodes its volume\'s node affinity allows', () => {
    const { p, cache } = setup({
      claims: [claim('data', { volumeName: 'local-b', bound: true }), claim('orphan', { volumeName: 'gone', bound: true })],
      volumes: [volume('local-b', { hosts: ['node-b'], phase: 'Bound' })],
    });
    const r = filterAll(p, cache, podUsing('web', 'data'));
    expect(r).toEqual({ 'node-a': [ERR_REASON_NODE_CONFLICT], 'node-b': [] });
    expect(filterAll(p, cache, podUsing('web2', 'orphan'))).toEqual({ 'node-a': [ERR_REASON_PV_NOT_EXIST], 'node-b': [ERR_REASON_PV_NOT_EXIST] });
    expect(filterReasons(p, podUsing('web', 'data'), cache.get('node-a')!).code).toBe(Code.UnschedulableAndUnresolvable);
  });

  it('finds an Available static volume the node can reach for an unbound WaitForFirstConsumer claim', () => {
    const { p, cache } = setup({ claims: [claim('data')], volumes: [volume('local-b', { hosts: ['node-b'] })] });
    expect(filterAll(p, cache, podUsing('web', 'data'))).toEqual({ 'node-a': [ERR_REASON_BIND_CONFLICT], 'node-b': [] });
  });

  // Each volume differs from a match in one way: the claim finds nothing on either node.
  it.each<[string, VolumeOpts, ClaimOpts?]>([
    ['of another class', { className: 'other' }],
    ['too small', { capacity: '500Mi' }],
    ['without the access mode', { modes: ['ReadOnlyMany'] }],
    ['in block mode', { volumeMode: 'Block' }],
    ['not Available', { phase: 'Released' }],
    ['being deleted', { deleting: true }],
    ['bound to another claim', { claimRef: { namespace: 'default', name: 'someone-else', uid: 'u1' } }],
    ['whose labels the claim\'s selector does not match', { labels: { tier: 'slow' } }, { selector: { matchLabels: { tier: 'fast' } } }],
  ])('does not match a volume %s', (_why, vo, co) => {
    const { p, cache } = setup({ claims: [claim('data', co)], volumes: [volume('pv', vo)] });
    expect(filterAll(p, cache, podUsing('web', 'data'))).toEqual({ 'node-a': [ERR_REASON_BIND_CONFLICT], 'node-b': [ERR_REASON_BIND_CONFLICT] });
  });

  it('lets a class with a provisioner provision on nodes its allowedTopologies admit, and a class without one not at all', () => {
    const zoned = storageClass('zoned', 'WaitForFirstConsumer', 'capstan.dev/local', {
      allowedTopologies: [{ matchLabelExpressions: [{ key: 'topology.kubernetes.io/zone', values: ['a'] }] }],
    });
    const { p, cache } = setup({
      classes: [storageClass('local', 'WaitForFirstConsumer'), storageClass('dynamic', 'WaitForFirstConsumer', 'capstan.dev/local'), zoned],
      claims: [claim('dyn', { className: 'dynamic' }), claim('zoned', { className: 'zoned' }), claim('static')],
    });
    expect(filterAll(p, cache, podUsing('a', 'dyn'))).toEqual({ 'node-a': [], 'node-b': [] });
    expect(filterAll(p, cache, podUsing('b', 'zoned'))).toEqual({ 'node-a': [], 'node-b': [ERR_REASON_BIND_CONFLICT] });
    expect(filterAll(p, cache, podUsing('c', 'static'))).toEqual({ 'node-a': [ERR_REASON_BIND_CONFLICT], 'node-b': [ERR_REASON_BIND_CONFLICT] });
  });

  it('holds a claim whose provisioning already started to the selected node', () => {
    const { p, cache } = setup({ claims: [claim('dyn', { className: 'dynamic', annotations: { [ANN_SELECTED_NODE]: 'node-b' } })] });
    expect(filterAll(p, cache, podUsing('web', 'dyn'))).toEqual({ 'node-a': [ERR_REASON_BIND_CONFLICT], 'node-b': [] });
  });

  it('reports both reasons when a bound volume and an unbound claim both misfit, in upstream\'s order', () => {
    const { p, cache } = setup({
      claims: [claim('data', { volumeName: 'local-b', bound: true }), claim('more')],
      volumes: [volume('local-b', { hosts: ['node-b'], phase: 'Bound' })],
    });
    expect(filterAll(p, cache, podUsing('web', 'data', 'more'))['node-a']).toEqual([ERR_REASON_NODE_CONFLICT, ERR_REASON_BIND_CONFLICT]);
  });

  it('gives FailedScheduling upstream\'s message when no node has a volume', () => {
    const { p, cache } = setup({ claims: [claim('data')] });
    const d = newDiagnosis();
    for (const [n, reasons] of Object.entries(filterAll(p, cache, podUsing('web', 'data')))) d.nodeToStatus.set(n, Status.unresolvable(...reasons));
    expect(fitErrorMessage(2, d)).toBe("0/2 nodes are available: 2 node(s) didn't find available persistent volumes to bind.");
  });
});

describe('VolumeBinding Reserve, PreBind and Unreserve', () => {
  it('binds a claim to the smallest fitting volume, and to one pre-bound to it before any other', async () => {
    const { f, p, cache } = setup({
      claims: [claim('data', { request: '1Gi' })],
      volumes: [volume('big', { capacity: '10Gi' }), volume('small', { capacity: '2Gi' }), volume('tiny', { capacity: '512Mi' })],
    });
    const pod = podUsing('web', 'data');
    const state = new CycleState();
    filterAll(p, cache, pod, state);
    const done = reserveAndPreBind(f, p, state, pod, 'node-a');
    await until(() => f.writes.length === 1);
    expect(f.writes[0]!.obj.metadata?.name).toBe('small');
    completeBind(f, 'data', 'small');
    expect(await done).toBeUndefined();

    const { f: f2, p: p2, cache: c2 } = setup({
      claims: [claim('data')],
      volumes: [volume('small', { capacity: '2Gi' }), volume('mine', { capacity: '10Gi', claimRef: { namespace: 'default', name: 'data' } })],
    });
    const s2 = new CycleState();
    filterAll(p2, c2, pod, s2);
    const done2 = reserveAndPreBind(f2, p2, s2, pod, 'node-a');
    await until(() => f2.writes.length === 1);
    expect(f2.writes[0]!.obj.metadata?.name).toBe('mine');
    completeBind(f2, 'data', 'mine');
    expect(await done2).toBeUndefined();
  });

  it('writes the static volume\'s claimRef with the claim\'s uid and waits until the claim is bound', async () => {
    const data = claim('data');
    const { f, p, cache } = setup({ claims: [data], volumes: [volume('local-b', { hosts: ['node-b'] })] });
    const pod = podUsing('web', 'data');
    const state = new CycleState();
    expect(filterAll(p, cache, pod, state)['node-b']).toEqual([]);
    let settled = false;
    const done = reserveAndPreBind(f, p, state, pod, 'node-b').finally(() => { settled = true; });
    await until(() => f.writes.length === 1);
    const written = f.writes[0]!;
    expect(written.kind).toBe('PersistentVolume');
    expect((written.obj as V1PersistentVolume).spec?.claimRef).toMatchObject({ kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: 'default', name: 'data', uid: data.metadata!.uid });
    expect(written.obj.metadata?.annotations?.[ANN_BOUND_BY_CONTROLLER]).toBe('yes');
    // Written, but the claim is not bound yet: PreBind keeps waiting.
    await new Promise((r) => setTimeout(r, 60));
    expect(settled).toBe(false);
    completeBind(f, 'data', 'local-b');
    expect(await done).toBeUndefined();
  });

  it('sets selected-node on a claim to provision and waits for the provisioner and the PV controller', async () => {
    const { f, p, cache } = setup({ claims: [claim('dyn', { className: 'dynamic' })] });
    const pod = podUsing('web', 'dyn');
    const state = new CycleState();
    filterAll(p, cache, pod, state);
    const done = reserveAndPreBind(f, p, state, pod, 'node-a');
    await until(() => f.writes.length === 1);
    expect(f.writes[0]!.kind).toBe('PersistentVolumeClaim');
    expect(f.writes[0]!.obj.metadata?.annotations?.[ANN_SELECTED_NODE]).toBe('node-a');
    f.deliver(f.volumes, volume('pvc-1', { className: 'dynamic', hosts: ['node-a'], phase: 'Bound' }));
    completeBind(f, 'dyn', 'pvc-1');
    expect(await done).toBeUndefined();
  });

  it('fails PreBind when the provisioner gives up (it removes selected-node), and after the bind timeout', async () => {
    const { f, p, cache } = setup({ claims: [claim('dyn', { className: 'dynamic' })] });
    const pod = podUsing('web', 'dyn');
    const state = new CycleState();
    filterAll(p, cache, pod, state);
    const done = reserveAndPreBind(f, p, state, pod, 'node-a');
    await until(() => f.writes.length === 1);
    const pvc = f.claims.get('default/dyn')!;
    f.deliver(f.claims, { ...pvc, metadata: { ...pvc.metadata, annotations: { other: 'x' } } });
    const s = await done;
    expect(s?.code).toBe(Code.Error);
    expect(s?.message()).toBe('binding volumes: provisioning failed for PVC "dyn"');

    const slow = setup({ claims: [claim('data')], volumes: [volume('pv')], bindTimeoutMs: 100 });
    const pod2 = podUsing('web', 'data');
    const st2 = new CycleState();
    filterAll(slow.p, slow.cache, pod2, st2);
    const s2 = await reserveAndPreBind(slow.f, slow.p, st2, pod2, 'node-a');
    expect(s2?.message()).toBe('binding volumes: context deadline exceeded');
  });

  it('fails PreBind when the PV controller resets the claimRef or the pod is deleted', async () => {
    const { f, p, cache } = setup({ claims: [claim('data')], volumes: [volume('pv')] });
    const pod = podUsing('web', 'data');
    const state = new CycleState();
    filterAll(p, cache, pod, state);
    const done = reserveAndPreBind(f, p, state, pod, 'node-a');
    await until(() => f.writes.length === 1);
    const pv = f.volumes.get('pv')!;
    f.deliver(f.volumes, { ...pv, spec: { ...pv.spec, claimRef: undefined } });
    expect((await done)?.message()).toBe('binding volumes: ClaimRef got reset for pv "pv"');

    const g = setup({ claims: [claim('data')], volumes: [volume('pv')] });
    const st = new CycleState();
    filterAll(g.p, g.cache, pod, st);
    const gone = reserveAndPreBind(g.f, g.p, st, pod, 'node-a');
    await until(() => g.f.writes.length === 1);
    g.f.pods.delete(pod.pod);
    g.f.deliver(g.f.volumes, g.f.volumes.get('pv')!);
    expect((await gone)?.message()).toBe('binding volumes: pod does not exist any more: pod "web" not found');
  });

  it('assumes the chosen volume, so a second pod cannot take it, and gives it back on Unreserve', () => {
    const { f, p, cache } = setup({ claims: [claim('one'), claim('two')], volumes: [volume('only')] });
    const first = podUsing('first', 'one');
    const second = podUsing('second', 'two');
    const s1 = new CycleState();
    expect(filterAll(p, cache, first, s1)['node-a']).toEqual([]);
    f.pods.set(first.pod);
    expect(p.reserve!(s1, first, 'node-a')).toBeUndefined();
    expect(filterAll(p, cache, second)['node-a']).toEqual([ERR_REASON_BIND_CONFLICT]);
    // Nothing was written: the assumption lives in memory only.
    expect(f.writes).toEqual([]);
    p.unreserve!(s1, first, 'node-a');
    expect(filterAll(p, cache, second)['node-a']).toEqual([]);
  });

  it('does nothing in PreBind for a pod whose claims are all bound', async () => {
    const { f, p, cache } = setup({ claims: [claim('data', { volumeName: 'pv', bound: true })], volumes: [volume('pv', { phase: 'Bound' })] });
    const pod = podUsing('web', 'data');
    const state = new CycleState();
    filterAll(p, cache, pod, state);
    expect(await reserveAndPreBind(f, p, state, pod, 'node-a')).toBeUndefined();
    expect(f.writes).toEqual([]);
  });

  it('reports a failed write and restores what it had assumed', async () => {
    const { f, p, cache } = setup({ claims: [claim('data'), claim('other')], volumes: [volume('pv')], failWrites: 'persistentvolumes "pv" is forbidden' });
    const pod = podUsing('web', 'data');
    const state = new CycleState();
    filterAll(p, cache, pod, state);
    const s = await reserveAndPreBind(f, p, state, pod, 'node-a');
    expect(s?.code).toBe(Code.Error);
    expect(s?.message()).toBe('persistentvolumes "pv" is forbidden');
    expect(filterAll(p, cache, podUsing('next', 'other'))['node-a']).toEqual([]);
  });

  it('ends the wait when the scheduler stops', async () => {
    const { f, p, cache } = setup({ claims: [claim('data')], volumes: [volume('pv')], bindTimeoutMs: 60_000 });
    const pod = podUsing('web', 'data');
    const state = new CycleState();
    filterAll(p, cache, pod, state);
    const ac = new AbortController();
    const done = reserveAndPreBind(f, p, state, pod, 'node-a', ac.signal);
    await until(() => f.writes.length === 1);
    ac.abort();
    expect((await done)?.message()).toBe('binding volumes: context canceled');
  });
});
