import { describe, expect, it } from 'vitest';
import type { V1EndpointSlice, V1Endpoints, V1EndpointSubset } from '@kubernetes/client-node';
import { MANAGED_BY_LABEL, SERVICE_NAME_LABEL } from '../endpointslice/reconciler.ts';
import { LAST_CHANGE_TRIGGER_TIME } from '../endpointslice/util.ts';
import {
  LAST_APPLIED_ANNOTATION, LEADER_ELECTION_ANNOTATION, MIRRORING_CONTROLLER_NAME, SKIP_MIRROR_LABEL,
  canonicalIP, planMirror, shouldMirror, sliceNamePrefix, type MirrorPlan,
} from './reconciler.ts';

const endpoints = (subsets: V1EndpointSubset[], o: { labels?: Record<string, string>; annotations?: Record<string, string>; deleting?: boolean } = {}): V1Endpoints => ({
  metadata: {
    name: 'custom', namespace: 'ns', uid: 'ep-uid',
    ...(o.labels ? { labels: o.labels } : {}),
    ...(o.annotations ? { annotations: o.annotations } : {}),
    ...(o.deleting ? { deletionTimestamp: new Date() } : {}),
  },
  subsets,
});

/** What the server would give back for a planned write: a name, a UID and a new resourceVersion. */
let seq = 0;
function stored(slice: V1EndpointSlice): V1EndpointSlice {
  const s = structuredClone(slice);
  if (!s.metadata!.name) s.metadata!.name = `${s.metadata!.generateName}${(seq++).toString(36).padStart(5, 'x')}`;
  delete s.metadata!.generateName;
  s.metadata!.uid ??= `uid-${s.metadata!.name}`;
  s.metadata!.resourceVersion = String(++seq);
  return s;
}

/** Applies a plan to a set of slices, as the API server would. */
function apply(existing: V1EndpointSlice[], plan: MirrorPlan): V1EndpointSlice[] {
  const byName = new Map(existing.map((s) => [s.metadata!.name!, s]));
  for (const s of plan.delete) byName.delete(s.metadata!.name!);
  for (const s of plan.update) {
    expect(byName.has(s.metadata!.name!)).toBe(true);
    byName.set(s.metadata!.name!, stored(s));
  }
  for (const s of plan.create) {
    const c = stored(s);
    byName.set(c.metadata!.name!, c);
  }
  return [...byName.values()];
}

const nothingToDo = (plan: MirrorPlan) => plan.create.length + plan.update.length + plan.delete.length === 0;
const addressesOf = (slices: V1EndpointSlice[]) => slices.flatMap((s) => (s.endpoints ?? []).flatMap((e) => e.addresses)).sort();

describe('endpointslicemirroring reconciler (pure)', () => {
  it('mirrors an Endpoints into one slice: owner, generateName, labels, annotations, ports and endpoints', () => {
    const ep = endpoints([{
      addresses: [{ ip: '10.1.2.3', hostname: 'web-0', nodeName: 'node-a', targetRef: { kind: 'Pod', namespace: 'ns', name: 'web-0', uid: 'pod-uid' } }],
      notReadyAddresses: [{ ip: '10.1.2.4' }],
      ports: [{ port: 80 }, { name: 'metrics', port: 9090, protocol: 'UDP', appProtocol: 'http' }],
    }], {
      labels: { team: 'a' },
      annotations: { note: 'kept', [LAST_CHANGE_TRIGGER_TIME]: '2024-01-01T00:00:00Z', [LAST_APPLIED_ANNOTATION]: '{}' },
    });
    const plan = planMirror({ endpoints: ep, existing: [] });
    expect(plan.update).toEqual([]);
    expect(plan.delete).toEqual([]);
    expect(plan.create).toHaveLength(1);
    const slice = plan.create[0]!;
    expect(slice.metadata).toEqual({
      generateName: 'custom-',
      namespace: 'ns',
      labels: { team: 'a', [SERVICE_NAME_LABEL]: 'custom', [MANAGED_BY_LABEL]: MIRRORING_CONTROLLER_NAME },
      annotations: { note: 'kept' },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Endpoints', name: 'custom', uid: 'ep-uid', controller: true, blockOwnerDeletion: true }],
    });
    expect(slice.addressType).toBe('IPv4');
    expect(slice.ports).toEqual(expect.arrayContaining([
      { name: '', port: 80, protocol: 'TCP' },
      { name: 'metrics', port: 9090, protocol: 'UDP', appProtocol: 'http' },
    ]));
    expect(slice.ports).toHaveLength(2);
    expect(slice.endpoints).toEqual([
      {
        addresses: ['10.1.2.3'], conditions: { ready: true }, hostname: 'web-0', nodeName: 'node-a',
        targetRef: { kind: 'Pod', namespace: 'ns', name: 'web-0', uid: 'pod-uid' },
      },
      { addresses: ['10.1.2.4'], conditions: { ready: false } },
    ]);
  });

  it('repacks subsets first: one address in two subsets with different ports gives one slice with both ports', () => {
    const ep = endpoints([
      { addresses: [{ ip: '10.40.0.2' }], ports: [{ name: 'port80', port: 8090, protocol: 'TCP' }] },
      { addresses: [{ ip: '10.40.0.2' }], ports: [{ name: 'port81', port: 9090, protocol: 'TCP' }] },
    ]);
    const plan = planMirror({ endpoints: ep, existing: [] });
    expect(plan.create).toHaveLength(1);
    expect(plan.create[0]!.ports!.map((p) => p.name).sort()).toEqual(['port80', 'port81']);
    expect(plan.create[0]!.endpoints).toEqual([{ addresses: ['10.40.0.2'], conditions: { ready: true } }]);
  });

  it('gives each port set and each address type its own slice, and keeps port-less addresses', () => {
    const ep = endpoints([
      { addresses: [{ ip: '10.0.0.1' }, { ip: '2001:DB8:0:0:0:0:0:1' }], ports: [{ name: 'a', port: 80, protocol: 'TCP' }] },
      { addresses: [{ ip: '10.0.0.2' }, { ip: '::ffff:10.0.0.3' }], ports: [{ name: 'b', port: 81, protocol: 'TCP' }] },
      { addresses: [{ ip: '10.0.0.4' }] },
    ]);
    const plan = planMirror({ endpoints: ep, existing: [] });
    const summary = plan.create.map((s) => ({ type: s.addressType, ports: (s.ports ?? []).map((p) => p.name), ips: addressesOf([s]) }));
    expect(summary).toHaveLength(4);
    expect(summary).toEqual(expect.arrayContaining([
      { type: 'IPv4', ports: ['a'], ips: ['10.0.0.1'] },
      // Re-stringified as upstream does: canonical IPv6, an IPv4-mapped address as plain IPv4.
      { type: 'IPv6', ports: ['a'], ips: ['2001:db8::1'] },
      { type: 'IPv4', ports: ['b'], ips: ['10.0.0.2', '10.0.0.3'] },
      { type: 'IPv4', ports: [], ips: ['10.0.0.4'] },
    ]));
  });

  it('mirrors at most maxEndpointsPerSubset addresses a subset, ready ones first, and counts what it skipped', () => {
    const ep = endpoints([
      { addresses: [{ ip: '10.0.1.1' }, { ip: '10.0.1.2' }], notReadyAddresses: [{ ip: '10.0.1.3' }, { ip: '10.0.1.4' }, { ip: '10.0.1.5' }], ports: [{ port: 80, protocol: 'TCP' }] },
      { addresses: [{ ip: '10.0.2.1' }, { ip: 'not-an-ip' }], ports: [{ port: 81, protocol: 'TCP' }] },
    ]);
    const plan = planMirror({ endpoints: ep, existing: [], maxEndpointsPerSubset: 3 });
    const on80 = plan.create.find((s) => s.ports![0]!.port === 80)!;
    expect(on80.endpoints.map((e) => [e.addresses[0], e.conditions?.ready])).toEqual([['10.0.1.1', true], ['10.0.1.2', true], ['10.0.1.3', false]]);
    expect(plan.invalidAddresses).toBe(1);
    expect(plan.skippedAddresses).toBe(3);
  });

  it('changes nothing once mirrored, and rewrites the same slice in place when addresses, labels or annotations change', () => {
    const ep = endpoints([{ addresses: [{ ip: '10.1.2.3' }], ports: [{ port: 80, protocol: 'TCP' }] }], { labels: { team: 'a' } });
    let slices = apply([], planMirror({ endpoints: ep, existing: [] }));
    const name = slices[0]!.metadata!.name;
    expect(nothingToDo(planMirror({ endpoints: ep, existing: slices }))).toBe(true);

    const moved = structuredClone(ep);
    moved.subsets![0]!.addresses = [{ ip: '10.2.3.4' }];
    let plan = planMirror({ endpoints: moved, existing: slices });
    expect(plan.create).toEqual([]);
    expect(plan.update.map((s) => s.metadata!.name)).toEqual([name]);
    // The write is conditional on what was read.
    expect(plan.update[0]!.metadata!.resourceVersion).toBe(slices[0]!.metadata!.resourceVersion);
    slices = apply(slices, plan);
    expect(addressesOf(slices)).toEqual(['10.2.3.4']);

    const relabelled = structuredClone(moved);
    relabelled.metadata!.labels = { team: 'b' };
    relabelled.metadata!.annotations = { note: 'x' };
    plan = planMirror({ endpoints: relabelled, existing: slices });
    expect(plan.update).toHaveLength(1);
    slices = apply(slices, plan);
    expect(slices[0]!.metadata!.labels).toEqual({ team: 'b', [SERVICE_NAME_LABEL]: 'custom', [MANAGED_BY_LABEL]: MIRRORING_CONTROLLER_NAME });
    expect(slices[0]!.metadata!.annotations).toEqual({ note: 'x' });
    // A trigger-time annotation alone is not mirrored, so it changes nothing.
    relabelled.metadata!.annotations = { note: 'x', [LAST_CHANGE_TRIGGER_TIME]: '2024-01-01T00:00:00Z' };
    expect(nothingToDo(planMirror({ endpoints: relabelled, existing: slices }))).toBe(true);
  });

  it('reuses the slice of a port set no longer wanted for the new one, instead of deleting and creating', () => {
    const ep = endpoints([{ addresses: [{ ip: '10.1.2.3' }], ports: [{ port: 80, protocol: 'TCP' }] }]);
    const slices = apply([], planMirror({ endpoints: ep, existing: [] }));
    const repointed = structuredClone(ep);
    repointed.subsets![0]!.ports = [{ port: 8080, protocol: 'TCP' }];
    const plan = planMirror({ endpoints: repointed, existing: slices });
    expect(plan.create).toEqual([]);
    expect(plan.delete).toEqual([]);
    expect(plan.update).toHaveLength(1);
    expect(plan.update[0]!.metadata!.name).toBe(slices[0]!.metadata!.name);
    expect(plan.update[0]!.metadata!.generateName).toBeUndefined();
    expect(plan.update[0]!.ports).toEqual([{ name: '', port: 8080, protocol: 'TCP' }]);
  });

  it('keeps one slice a port set and deletes the others, and deletes every slice when no address is left', () => {
    const ep = endpoints([{ addresses: [{ ip: '10.1.2.3' }], ports: [{ port: 80, protocol: 'TCP' }] }]);
    const one = apply([], planMirror({ endpoints: ep, existing: [] }))[0]!;
    const twin = stored({ ...structuredClone(one), metadata: { ...structuredClone(one.metadata!), name: 'custom-zzzzz', uid: 'twin' } });
    const plan = planMirror({ endpoints: ep, existing: [twin, one] });
    expect(plan.create).toEqual([]);
    expect(plan.update).toEqual([]);
    expect(plan.delete.map((s) => s.metadata!.name)).toEqual(['custom-zzzzz']);

    const emptied = planMirror({ endpoints: endpoints([]), existing: [one, twin] });
    expect(emptied.delete.map((s) => s.metadata!.name).sort()).toEqual([one.metadata!.name, 'custom-zzzzz'].sort());
    expect(emptied.create.length + emptied.update.length).toBe(0);
  });

  it('creates nothing for an Endpoints being deleted', () => {
    const ep = endpoints([{ addresses: [{ ip: '10.1.2.3' }], ports: [{ port: 80, protocol: 'TCP' }] }], { deleting: true });
    expect(planMirror({ endpoints: ep, existing: [] }).create).toEqual([]);
  });

  it('skips Endpoints labelled skip-mirror "true" and leader-election records', () => {
    expect(shouldMirror(endpoints([]))).toBe(true);
    expect(shouldMirror(endpoints([], { labels: { [SKIP_MIRROR_LABEL]: 'true' } }))).toBe(false);
    expect(shouldMirror(endpoints([], { labels: { [SKIP_MIRROR_LABEL]: 'false' } }))).toBe(true);
    expect(shouldMirror(endpoints([], { annotations: { [LEADER_ELECTION_ANNOTATION]: '{}' } }))).toBe(false);
  });

  it('parses IPs as Go does and prefixes names with a dash while that still fits', () => {
    expect(canonicalIP('010.001.002.003')).toEqual({ address: '10.1.2.3', addressType: 'IPv4' });
    expect(canonicalIP('fd00:0:0:1::0:1')).toEqual({ address: 'fd00:0:0:1::1', addressType: 'IPv6' });
    expect(canonicalIP('10.0.0.256')).toBeUndefined();
    expect(canonicalIP('fe80::1%eth0')).toBeUndefined();
    expect(sliceNamePrefix('web')).toBe('web-');
    expect(sliceNamePrefix('a'.repeat(253))).toBe('a'.repeat(253));
  });
});
