import { describe, expect, it } from 'vitest';
import type { V1ControllerRevision, V1PersistentVolumeClaim, V1Pod, V1StatefulSet, V1StatefulSetStatus } from '@kubernetes/client-node';
import { templatePatch } from '../revisions.ts';
import {
  claimIsStale, claimOwnerRefs, claimOwnersUpToDate, claimsForPod, completeRollingUpdate, identityMatches, newStatefulSetPod, newVersionedPod,
  parentAndOrdinal, setAtRevision, storageMatches,
} from './utils.ts';

const set = (o: { replicas?: number; start?: number; partition?: number; whenDeleted?: string; whenScaled?: string } = {}): V1StatefulSet => ({
  metadata: { name: 'web', namespace: 'ns', uid: 'set-uid' },
  spec: {
    replicas: o.replicas ?? 3, serviceName: 'svc', selector: { matchLabels: { app: 'web' } },
    ...(o.start !== undefined ? { ordinals: { start: o.start } } : {}),
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'v1' }], volumes: [{ name: 'scratch', emptyDir: {} }] } },
    updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: o.partition ?? 0 } },
    volumeClaimTemplates: [{ metadata: { name: 'data', labels: { tier: 'db' } }, spec: { accessModes: ['ReadWriteOnce'] }, status: { phase: 'Pending' } }],
    persistentVolumeClaimRetentionPolicy: { whenDeleted: o.whenDeleted ?? 'Retain', whenScaled: o.whenScaled ?? 'Retain' },
  },
});

const pod = (name: string, uid = `${name}-uid`): V1Pod => ({ metadata: { name, namespace: 'ns', uid } });
const claim = (refs: Array<{ kind: string; name: string; uid: string; controller?: boolean }>): V1PersistentVolumeClaim => ({
  metadata: { name: 'data-web-1', ownerReferences: refs.map((r) => ({ apiVersion: r.kind === 'Pod' ? 'v1' : 'apps/v1', ...r })) },
});

describe('StatefulSet pod identity', () => {
  it('reads the set and ordinal from a pod name', () => {
    expect(parentAndOrdinal(pod('web-12'))).toEqual({ parent: 'web', ordinal: 12 });
    expect(parentAndOrdinal(pod('my-app-0'))).toEqual({ parent: 'my-app', ordinal: 0 });
    expect(parentAndOrdinal(pod('web'))).toEqual({ parent: '', ordinal: -1 });
  });

  it('builds a member pod: stable name, identity labels, hostname and subdomain, the claim volumes first, a controller reference', () => {
    const p = newStatefulSetPod(set(), 2);
    expect(p.metadata).toMatchObject({
      name: 'web-2', generateName: 'web-', namespace: 'ns',
      labels: { app: 'web', 'statefulset.kubernetes.io/pod-name': 'web-2', 'apps.kubernetes.io/pod-index': '2' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'set-uid', controller: true, blockOwnerDeletion: true }],
    });
    expect(p.spec?.hostname).toBe('web-2');
    expect(p.spec?.subdomain).toBe('svc');
    expect(p.spec?.volumes?.map((v) => v.name)).toEqual(['data', 'scratch']);
    expect(p.spec?.volumes?.[0]?.persistentVolumeClaim?.claimName).toBe('data-web-2');
    expect(identityMatches(set(), p)).toBe(true);
    expect(storageMatches(set(), p)).toBe(true);
    expect(identityMatches(set(), { ...p, metadata: { ...p.metadata, labels: { app: 'web' } } })).toBe(false);
  });

  it('names claims <template>-<set>-<ordinal> with the template\'s and the selector\'s labels', () => {
    const c = claimsForPod(set(), pod('web-1')).get('data')!;
    expect(c.metadata).toEqual({ name: 'data-web-1', namespace: 'ns', labels: { tier: 'db', app: 'web' } });
    expect(c.status).toBeUndefined();
  });

  it('creates ordinals below the partition at the current revision and the rest at the update revision', () => {
    const current: V1ControllerRevision = { metadata: { name: 'web-old' }, revision: 1, data: templatePatch({ metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'v1' }] } }) };
    const update: V1ControllerRevision = { metadata: { name: 'web-new' }, revision: 2, data: templatePatch({ metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'v2' }] } }) };
    const s = set({ partition: 2, start: 5 });
    const cur = setAtRevision(s, current);
    const upd = setAtRevision(s, update);
    const p6 = newVersionedPod(cur, upd, 'web-old', 'web-new', 6);
    const p7 = newVersionedPod(cur, upd, 'web-old', 'web-new', 7);
    expect([p6.metadata?.labels?.['controller-revision-hash'], p6.spec?.containers[0]?.image]).toEqual(['web-old', 'v1']);
    expect([p7.metadata?.labels?.['controller-revision-hash'], p7.spec?.containers[0]?.image]).toEqual(['web-new', 'v2']);
  });

  it('completes a rolling update only when every replica is updated and ready', () => {
    const st = (updated: number, ready: number): V1StatefulSetStatus => ({ replicas: 3, updatedReplicas: updated, readyReplicas: ready, currentReplicas: 3 - updated, currentRevision: 'a', updateRevision: 'b' });
    const partial = st(2, 3);
    completeRollingUpdate(set(), partial);
    expect(partial.currentRevision).toBe('a');
    const full = st(3, 3);
    completeRollingUpdate(set(), full);
    expect(full).toMatchObject({ currentRevision: 'b', currentReplicas: 3 });
  });
});

describe('claim owner references under persistentVolumeClaimRetentionPolicy', () => {
  const inRange = pod('web-1');
  const condemned = pod('web-1');
  const small = (o: { whenDeleted: string; whenScaled: string }) => set({ replicas: 1, ...o });
  const refsOf = (c: V1PersistentVolumeClaim, s: V1StatefulSet, p: V1Pod) => claimOwnerRefs(c, s, p).map((r) => `${r.kind}/${r.name}${r.controller ? '*' : ''}`);

  it('Retain/Retain: neither the set nor the pod owns the claim', () => {
    expect(refsOf(claim([{ kind: 'StatefulSet', name: 'web', uid: 'set-uid', controller: true }]), set(), inRange)).toEqual([]);
    expect(claimOwnersUpToDate(claim([]), set(), inRange)).toBe(true);
  });

  it('whenDeleted Delete: the set controls the claim', () => {
    const s = set({ whenDeleted: 'Delete' });
    expect(refsOf(claim([]), s, inRange)).toEqual(['StatefulSet/web*']);
    expect(claimOwnersUpToDate(claim([]), s, inRange)).toBe(false);
    expect(claimOwnersUpToDate(claim([{ kind: 'StatefulSet', name: 'web', uid: 'set-uid', controller: true }]), s, inRange)).toBe(true);
    // A non-controller reference is made a controller one.
    expect(claimOwnersUpToDate(claim([{ kind: 'StatefulSet', name: 'web', uid: 'set-uid' }]), s, inRange)).toBe(false);
  });

  it('whenScaled Delete: the pod controls the claim once it is scaled away; with whenDeleted Delete the set does while it is in range', () => {
    const scaled = { whenDeleted: 'Retain', whenScaled: 'Delete' };
    expect(refsOf(claim([]), set(scaled), inRange)).toEqual([]);
    expect(refsOf(claim([]), small(scaled), condemned)).toEqual(['Pod/web-1*']);
    const both = { whenDeleted: 'Delete', whenScaled: 'Delete' };
    expect(refsOf(claim([]), set(both), inRange)).toEqual(['StatefulSet/web*']);
    expect(refsOf(claim([{ kind: 'StatefulSet', name: 'web', uid: 'set-uid', controller: true }]), small(both), condemned)).toEqual(['Pod/web-1*']);
    expect(claimOwnersUpToDate(claim([{ kind: 'Pod', name: 'web-1', uid: 'web-1-uid', controller: true }]), small(both), condemned)).toBe(true);
  });

  it('leaves alone claims of an earlier set or pod of the same name, and those another controller owns', () => {
    const s = set({ whenDeleted: 'Delete', whenScaled: 'Delete' });
    expect(claimOwnersUpToDate(claim([{ kind: 'StatefulSet', name: 'web', uid: 'old-set', controller: true }]), s, inRange)).toBe(true);
    expect(claimOwnersUpToDate(claim([{ kind: 'Foo', name: 'x', uid: 'x', controller: true }]), s, inRange)).toBe(true);
    expect(refsOf(claim([{ kind: 'Foo', name: 'x', uid: 'x', controller: true }, { kind: 'StatefulSet', name: 'web', uid: 'set-uid', controller: true }]), s, inRange)).toEqual(['Foo/x*']);
    // A claim still owned by a deleted pod of the same name blocks the new pod until it is collected.
    const stale = claim([{ kind: 'Pod', name: 'web-1', uid: 'gone', controller: true }]);
    expect(claimIsStale(stale, s, { metadata: { name: 'web-1' } })).toBe(true);
    expect(claimIsStale(stale, set(), { metadata: { name: 'web-1' } })).toBe(false);
  });
});
