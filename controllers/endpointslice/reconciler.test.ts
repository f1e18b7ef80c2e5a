import { describe, expect, it } from 'vitest';
import type { V1EndpointSlice, V1Node, V1Pod, V1Service } from '@kubernetes/client-node';
import {
  CONTROLLER_NAME, MANAGED_BY_LABEL, SERVICE_NAME_LABEL, addressTypesForService, endpointKey, planReconcile, portMapKey,
  type ReconcileInput, type ReconcilePlan,
} from './reconciler.ts';
import { LAST_CHANGE_TRIGGER_TIME, TriggerTimeTracker } from './util.ts';
import { EndpointSliceTracker } from './tracker.ts';

const svc = (o: { headless?: boolean; publishNotReady?: boolean; ports?: NonNullable<V1Service['spec']>['ports']; deleting?: boolean } = {}): V1Service => ({
  metadata: { name: 'web', namespace: 'ns', uid: 'svc-uid', labels: { team: 'a' }, ...(o.deleting ? { deletionTimestamp: new Date() } : {}) },
  spec: {
    selector: { app: 'web' },
    clusterIP: o.headless ? 'None' : '10.96.0.20',
    ipFamilies: ['IPv4'],
    ports: o.ports ?? [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
    publishNotReadyAddresses: o.publishNotReady,
  },
});

function pod(name: string, ip: string, o: { ready?: boolean; node?: string; port?: number; deleting?: boolean } = {}): V1Pod {
  return {
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, labels: { app: 'web' }, ...(o.deleting ? { deletionTimestamp: new Date() } : {}) },
    spec: { nodeName: o.node ?? 'n1', containers: [{ name: 'c', ports: [{ name: 'http', containerPort: o.port ?? 8080, protocol: 'TCP' }] }] },
    status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }] },
  } as V1Pod;
}

const nodes: Record<string, V1Node> = {
  n1: { metadata: { name: 'n1', labels: { 'topology.kubernetes.io/zone': 'zone-a' } } },
  n2: { metadata: { name: 'n2' } },
};

/** What the server would give back for a planned create: a name and a UID. */
let seq = 0;
function stored(slice: V1EndpointSlice): V1EndpointSlice {
  const s = structuredClone(slice);
  if (!s.metadata!.name) s.metadata!.name = `${s.metadata!.generateName}${(seq++).toString(36).padStart(5, 'x')}`;
  s.metadata!.uid ??= `uid-${s.metadata!.name}`;
  s.metadata!.resourceVersion = String(seq++);
  return s;
}

/** Applies a plan to a set of slices, as the API server would. */
function apply(existing: V1EndpointSlice[], plan: ReconcilePlan): V1EndpointSlice[] {
  const byName = new Map(existing.map((s) => [s.metadata!.name!, s]));
  for (const s of plan.delete) byName.delete(s.metadata!.name!);
  for (const s of plan.update) byName.set(s.metadata!.name!, stored(s));
  for (const s of plan.create) {
    const c = stored(s);
    byName.set(c.metadata!.name!, c);
  }
  return [...byName.values()];
}

const input = (service: V1Service, pods: V1Pod[], existing: V1EndpointSlice[] = [], extra: Partial<ReconcileInput> = {}): ReconcileInput => ({
  service, pods, existing, nodeOf: (n) => nodes[n], ...extra,
});

const addressesOf = (slices: V1EndpointSlice[]) => slices.flatMap((s) => (s.endpoints ?? []).flatMap((e) => e.addresses)).sort();

describe('endpointslice reconciler', () => {
  it('creates one slice with labels, owner, address type, ports and endpoint conditions, node, zone and target', () => {
    const plan = planReconcile(input(svc(), [pod('a', '10.1.0.2'), pod('b', '10.1.0.3', { ready: false, node: 'n2' }), pod('c', '10.1.0.4', { deleting: true })], [], { triggerTime: new Date('2024-01-02T03:04:05Z') }));
    expect(plan.update).toEqual([]);
    expect(plan.delete).toEqual([]);
    expect(plan.errors).toEqual([]);
    expect(plan.create).toHaveLength(1);
    const slice = plan.create[0]!;
    expect(slice.metadata).toEqual({
      generateName: 'web-', namespace: 'ns',
      ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'svc-uid', controller: true, blockOwnerDeletion: true }],
      labels: { team: 'a', [SERVICE_NAME_LABEL]: 'web', [MANAGED_BY_LABEL]: CONTROLLER_NAME },
      annotations: { [LAST_CHANGE_TRIGGER_TIME]: '2024-01-02T03:04:05Z' },
    });
    expect(slice.addressType).toBe('IPv4');
    expect(slice.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
    expect(slice.endpoints).toEqual([
      { addresses: ['10.1.0.2'], conditions: { ready: true, serving: true, terminating: false }, nodeName: 'n1', zone: 'zone-a',
        targetRef: { kind: 'Pod', namespace: 'ns', name: 'a', uid: 'uid-a' } },
      { addresses: ['10.1.0.3'], conditions: { ready: false, serving: false, terminating: false }, nodeName: 'n2',
        targetRef: { kind: 'Pod', namespace: 'ns', name: 'b', uid: 'uid-b' } },
      { addresses: ['10.1.0.4'], conditions: { ready: false, serving: true, terminating: true }, nodeName: 'n1', zone: 'zone-a',
        targetRef: { kind: 'Pod', namespace: 'ns', name: 'c', uid: 'uid-c' } },
    ]);
  });

  it('publishNotReadyAddresses makes every endpoint ready, terminating ones too', () => {
    const plan = planReconcile(input(svc({ publishNotReady: true }), [pod('a', '10.1.0.2', { ready: false }), pod('b', '10.1.0.3', { deleting: true })]));
    expect(plan.create[0]!.endpoints.map((e) => e.conditions)).toEqual([
      { ready: true, serving: false, terminating: false },
      { ready: true, serving: true, terminating: true },
    ]);
  });

  it('keeps at most maxEndpointsPerSlice (100 by default) endpoints in a slice', () => {
    const many = Array.from({ length: 250 }, (_, i) => pod(`p${String(i).padStart(3, '0')}`, `10.2.${Math.floor(i / 200)}.${(i % 200) + 1}`));
    const plan = planReconcile(input(svc(), many));
    expect(plan.create.map((s) => s.endpoints.length)).toEqual([100, 100, 50]);
    expect(addressesOf(plan.create)).toHaveLength(250);
  });

  it('does nothing when the slices already match, and updates a slice in place when an endpoint changes', () => {
    const pods = [pod('a', '10.1.0.2'), pod('b', '10.1.0.3')];
    const first = apply([], planReconcile(input(svc(), pods)));
    const again = planReconcile(input(svc(), pods, first));
    expect([again.create, again.update, again.delete]).toEqual([[], [], []]);

    const changed = planReconcile(input(svc(), [pod('a', '10.1.0.2'), pod('b', '10.1.0.3', { ready: false })], first));
    expect(changed.create).toEqual([]);
    expect(changed.delete).toEqual([]);
    expect(changed.update).toHaveLength(1);
    expect(changed.update[0]!.metadata!.name).toBe(first[0]!.metadata!.name);
    expect(changed.update[0]!.endpoints.find((e) => e.targetRef?.name === 'b')!.conditions).toEqual({ ready: false, serving: false, terminating: false });
  });

  it('removes endpoints of pods that are gone, fills slices being updated, and deletes slices left empty', () => {
    const many = Array.from({ length: 150 }, (_, i) => pod(`p${String(i).padStart(3, '0')}`, `10.2.0.${i + 1}`));
    const slices = apply([], planReconcile(input(svc(), many)));
    expect(slices.map((s) => s.endpoints.length).sort()).toEqual([100, 50]);
    const fifty = slices.find((s) => s.endpoints.length === 50)!;
    const gone = new Set(fifty.endpoints.map((e) => e.targetRef!.name));
    const remaining = many.filter((p) => !gone.has(p.metadata!.name!));
    const plan = planReconcile(input(svc(), remaining, slices));
    expect(plan.create).toEqual([]);
    expect(plan.update).toEqual([]);
    expect(plan.delete.map((s) => s.metadata!.name)).toEqual([fifty.metadata!.name]);

    // Ten pods replaced by ten new ones: the slice losing them takes the new ones in the same update.
    const full = slices.find((s) => s.endpoints.length === 100)!;
    const dropped = new Set(full.endpoints.slice(0, 10).map((e) => e.targetRef!.name));
    const next = [...remaining.filter((p) => !dropped.has(p.metadata!.name!)), ...Array.from({ length: 10 }, (_, i) => pod(`new${i}`, `10.3.0.${i + 1}`))];
    const swap = planReconcile(input(svc(), next, [full]));
    expect(swap.create).toEqual([]);
    expect(swap.update).toHaveLength(1);
    expect(swap.update[0]!.endpoints).toHaveLength(100);
    expect(addressesOf(swap.update)).toContain('10.3.0.1');
  });

  it('keeps one empty placeholder slice for a service without endpoints, and turns it into the real one in place', () => {
    const empty = planReconcile(input(svc(), []));
    expect(empty.create).toHaveLength(1);
    expect(empty.create[0]!.endpoints).toEqual([]);
    expect(empty.create[0]!.ports).toEqual([]);
    const placeholder = apply([], empty);
    const still = planReconcile(input(svc(), [], placeholder));
    expect([still.create, still.update, still.delete]).toEqual([[], [], []]);

    const filled = planReconcile(input(svc(), [pod('a', '10.1.0.2')], placeholder));
    expect(filled.create).toEqual([]);
    expect(filled.delete).toEqual([]);
    expect(filled.update.map((s) => [s.metadata!.name, s.metadata!.resourceVersion, s.endpoints.length, s.ports])).toEqual([
      [placeholder[0]!.metadata!.name, placeholder[0]!.metadata!.resourceVersion, 1, [{ name: 'http', port: 8080, protocol: 'TCP' }]],
    ]);
  });

  it('groups endpoints by the ports they resolve to', () => {
    const plan = planReconcile(input(svc(), [pod('a', '10.1.0.2', { port: 8080 }), pod('b', '10.1.0.3', { port: 9090 }), pod('c', '10.1.0.4', { port: 8080 })]));
    expect(plan.create.map((s) => [s.ports![0]!.port, s.endpoints.map((e) => e.targetRef!.name)])).toEqual([[8080, ['a', 'c']], [9090, ['b']]]);
  });

  it('updates labels to follow the service, deletes slices of another service of the same name and of unsupported address types', () => {
    const slices = apply([], planReconcile(input(svc(), [pod('a', '10.1.0.2')])));
    const relabelled = svc();
    relabelled.metadata!.labels = { team: 'b' };
    const plan = planReconcile(input(relabelled, [pod('a', '10.1.0.2')], slices));
    expect(plan.update.map((s) => s.metadata!.labels)).toEqual([{ team: 'b', [SERVICE_NAME_LABEL]: 'web', [MANAGED_BY_LABEL]: CONTROLLER_NAME }]);

    const oldOwner = structuredClone(slices[0]!);
    oldOwner.metadata!.ownerReferences![0]!.uid = 'previous-service';
    const v6 = { ...structuredClone(slices[0]!), addressType: 'IPv6', metadata: { ...slices[0]!.metadata, name: 'web-v6', uid: 'uid-v6' } };
    const replaced = planReconcile(input(svc(), [pod('a', '10.1.0.2')], [oldOwner, v6]));
    expect(replaced.create).toHaveLength(1);
    expect(replaced.delete.map((s) => s.metadata!.name).sort()).toEqual([oldOwner.metadata!.name, 'web-v6'].sort());
  });

  it('skips pods whose node does not exist (reporting an error), unless the service publishes not-ready addresses', () => {
    const plan = planReconcile(input(svc(), [pod('a', '10.1.0.2'), pod('lost', '10.1.0.9', { node: 'nowhere' })]));
    expect(addressesOf(plan.create)).toEqual(['10.1.0.2']);
    expect(plan.errors).toEqual(['skipping Pod lost for Service ns/web: Node nowhere Not Found']);
    const publish = planReconcile(input(svc({ publishNotReady: true }), [pod('lost', '10.1.0.9', { node: 'nowhere' })]));
    expect(addressesOf(publish.create)).toEqual(['10.1.0.9']);
    expect(publish.errors).toEqual([]);
  });

  it('creates nothing for a service being deleted; headless services get the headless label and may have no ports', () => {
    expect(planReconcile(input(svc({ deleting: true }), [pod('a', '10.1.0.2')])).create).toEqual([]);
    const headless = planReconcile(input(svc({ headless: true, ports: [] }), [pod('a', '10.1.0.2')]));
    expect(headless.create).toHaveLength(1);
    expect(headless.create[0]!.metadata!.labels!['service.kubernetes.io/headless']).toBe('');
    expect(headless.create[0]!.ports).toEqual([]);
    expect(addressesOf(headless.create)).toEqual(['10.1.0.2']);
  });

  it('derives address types from ipFamilies, else the cluster IP, else both for headless', () => {
    expect(addressTypesForService({ spec: { ipFamilies: ['IPv6', 'IPv4'] } })).toEqual(['IPv4', 'IPv6']);
    expect(addressTypesForService({ spec: { clusterIP: 'fd00::1' } })).toEqual(['IPv6']);
    expect(addressTypesForService({ spec: { clusterIP: 'None' } })).toEqual(['IPv4', 'IPv6']);
  });

  it('identifies endpoints by addresses, hostname and target, and port sets regardless of order', () => {
    expect(endpointKey({ addresses: ['b', 'a'], targetRef: { namespace: 'ns', name: 'p' } })).toBe(endpointKey({ addresses: ['a', 'b'], targetRef: { namespace: 'ns', name: 'p', uid: 'x' }, conditions: { ready: false } }));
    expect(portMapKey([{ name: 'a', port: 1, protocol: 'TCP' }, { name: 'b', port: 2, protocol: 'UDP' }])).toBe(portMapKey([{ name: 'b', port: 2, protocol: 'UDP' }, { name: 'a', port: 1 }]));
    expect(portMapKey(undefined)).toBe(portMapKey([]));
  });
});

describe('trigger time tracker', () => {
  it('answers the service creation for a new service, then the earliest changed Ready transition, then nothing', () => {
    const t = new TriggerTimeTracker();
    const s: V1Service = { metadata: { name: 'web', namespace: 'ns', creationTimestamp: new Date('2024-01-01T00:00:00Z') } };
    const withReady = (name: string, at: string): V1Pod => ({ metadata: { name }, status: { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: new Date(at) }] } });
    expect(t.compute(s, [withReady('a', '2024-01-01T00:01:00Z')])?.toISOString()).toBe('2024-01-01T00:00:00.000Z');
    expect(t.compute(s, [withReady('a', '2024-01-01T00:01:00Z')])).toBeUndefined();
    expect(t.compute(s, [withReady('a', '2024-01-01T00:05:00Z'), withReady('b', '2024-01-01T00:03:00Z')])?.toISOString()).toBe('2024-01-01T00:03:00.000Z');
    t.deleteService('ns', 'web');
    expect(t.compute(s, [])?.toISOString()).toBe('2024-01-01T00:00:00.000Z');
  });
});

describe('endpointslice tracker', () => {
  const slice = (uid: string, generation: number): V1EndpointSlice => ({
    addressType: 'IPv4', endpoints: [], metadata: { name: uid, namespace: 'ns', uid, generation, labels: { [SERVICE_NAME_LABEL]: 'web' } },
  });
  const service: V1Service = { metadata: { name: 'web', namespace: 'ns', uid: 'svc-1' } };

  it('sees a cache behind our writes: older generations, slices we deleted, slices we wrote missing', () => {
    const t = new EndpointSliceTracker();
    expect(t.staleSlices(service, [slice('a', 1)])).toBe(false);
    t.update(slice('a', 2));
    expect(t.shouldSync(slice('a', 2))).toBe(false);
    expect(t.shouldSync(slice('a', 3))).toBe(true);
    expect(t.staleSlices(service, [slice('a', 1)])).toBe(true);
    expect(t.staleSlices(service, [])).toBe(true);
    expect(t.staleSlices(service, [slice('a', 2)])).toBe(false);
    t.expectDeletion(slice('a', 2));
    expect(t.staleSlices(service, [slice('a', 2)])).toBe(true);
    expect(t.handleDeletion(slice('a', 2))).toBe(true);
    expect(t.staleSlices(service, [])).toBe(false);
    t.update(slice('b', 1));
    expect(t.handleDeletion(slice('b', 1))).toBe(false);
  });

  it('forgets writes made for an earlier service of the same name', () => {
    const t = new EndpointSliceTracker();
    t.staleSlices(service, []);
    t.update(slice('a', 5));
    expect(t.staleSlices({ metadata: { ...service.metadata, uid: 'svc-2' } }, [])).toBe(false);
  });
});
