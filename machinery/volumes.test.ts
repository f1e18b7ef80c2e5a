import { describe, expect, it } from 'vitest';
import type { V1PersistentVolume, V1PersistentVolumeClaim, V1StorageClass } from '@kubernetes/client-node';
import { claimClass, findMatchingVolume, isDelayBindingMode, isVolumeBoundToClaim } from './volumes.ts';

const pvc: V1PersistentVolumeClaim = {
  metadata: { name: 'data', namespace: 'ns', uid: 'u-1' },
  spec: { storageClassName: 'local', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
};

const pv = (name: string, o: { size?: string; modes?: string[]; zone?: string; claimRef?: object; phase?: string } = {}): V1PersistentVolume => ({
  metadata: { name, labels: o.zone ? { zone: o.zone } : {} },
  spec: {
    storageClassName: 'local', capacity: { storage: o.size ?? '1Gi' }, accessModes: o.modes ?? ['ReadWriteOnce'],
    ...(o.claimRef ? { claimRef: o.claimRef } : {}),
  },
  status: { phase: o.phase ?? 'Available' },
});

describe('volume rules shared by the scheduler and the PV controller', () => {
  it('takes the class from the beta annotation before spec.storageClassName', () => {
    expect(claimClass(pvc)).toBe('local');
    expect(claimClass({ ...pvc, metadata: { annotations: { 'volume.beta.kubernetes.io/storage-class': 'old' } } })).toBe('old');
    expect(claimClass({ spec: {} })).toBe('');
  });

  it('decides delayed binding by the class: WaitForFirstConsumer only; no class or a missing class is immediate; no mode is an error', () => {
    const classes = new Map<string, V1StorageClass>([
      ['local', { metadata: { name: 'local' }, provisioner: 'x', volumeBindingMode: 'WaitForFirstConsumer' }],
      ['unset', { metadata: { name: 'unset' }, provisioner: 'x' }],
    ]);
    const delayed = (claim: V1PersistentVolumeClaim) => isDelayBindingMode(claimClass(claim), (name) => classes.get(name));
    expect(delayed(pvc)).toBe(true);
    expect(delayed({ spec: { storageClassName: 'nosuch' } })).toBe(false);
    expect(delayed({ spec: {} })).toBe(false);
    expect(() => delayed({ spec: { storageClassName: 'unset' } })).toThrow('VolumeBindingMode not set for StorageClass "unset"');
  });

  it('tells a volume bound to the claim (by name, and by uid when the ref has one) from one bound elsewhere', () => {
    expect(isVolumeBoundToClaim(pv('a', { claimRef: { namespace: 'ns', name: 'data' } }), pvc)).toBe(true);
    expect(isVolumeBoundToClaim(pv('a', { claimRef: { namespace: 'ns', name: 'data', uid: 'u-1' } }), pvc)).toBe(true);
    expect(isVolumeBoundToClaim(pv('a', { claimRef: { namespace: 'ns', name: 'data', uid: 'other' } }), pvc)).toBe(false);
    expect(isVolumeBoundToClaim(pv('a', { claimRef: { namespace: 'other', name: 'data' } }), pvc)).toBe(false);
    expect(isVolumeBoundToClaim(pv('a'), pvc)).toBe(false);
  });

  it('matches on the controller\'s path (no node): the smallest fitting Available volume, only pre-bound ones when binding is delayed', () => {
    const vols = [pv('big', { size: '5Gi' }), pv('small', { size: '2Gi' }), pv('tiny', { size: '500Mi' })];
    expect(findMatchingVolume(pvc, vols, { delayBinding: false })?.metadata?.name).toBe('small');
    expect(findMatchingVolume(pvc, vols, { delayBinding: true })).toBeUndefined();
    const preBound = pv('mine', { size: '9Gi', phase: 'Bound', claimRef: { namespace: 'ns', name: 'data' } });
    expect(findMatchingVolume(pvc, [...vols, preBound], { delayBinding: true })?.metadata?.name).toBe('mine');
  });

  it('matches on the scheduler\'s path (a node): delayed claims match, the node must fit, access modes count, chosen volumes are excluded', () => {
    const vols = [pv('a-small', { size: '2Gi', zone: 'a' }), pv('b-small', { size: '2Gi', zone: 'b' }), pv('b-big', { size: '4Gi', zone: 'b' }), pv('rox', { size: '1Gi', modes: ['ReadOnlyMany'], zone: 'b' })];
    const inZoneB = (v: V1PersistentVolume) => v.metadata?.labels?.zone === 'b';
    expect(findMatchingVolume(pvc, vols, { delayBinding: true, fitsNode: inZoneB })?.metadata?.name).toBe('b-small');
    expect(findMatchingVolume(pvc, vols, { delayBinding: true, fitsNode: inZoneB, excluded: new Set(['b-small']) })?.metadata?.name).toBe('b-big');
    // A volume pre-bound to the claim is the only candidate: on a node it does not fit, nothing matches.
    const preBound = pv('mine', { zone: 'a', claimRef: { namespace: 'ns', name: 'data' } });
    expect(findMatchingVolume(pvc, [...vols, preBound], { delayBinding: true, fitsNode: inZoneB })).toBeUndefined();
  });

  it('fails on a claim selector that does not parse, naming the claim', () => {
    const bad = { ...pvc, spec: { ...pvc.spec, selector: { matchExpressions: [{ key: 'k', operator: 'Nope' }] } } };
    expect(() => findMatchingVolume(bad, [pv('a')], { delayBinding: false })).toThrow(/error creating internal label selector for claim: ns\/data/);
  });
});
