import { describe, expect, it } from 'vitest';
import type { V1PersistentVolume, V1PersistentVolumeClaim, V1StorageClass } from '@kubernetes/client-node';
import { claimClass, isVolumeBoundToClaim } from '../../machinery/volumes.ts';
import { accessModesKey, claimHasClass, defaultClass, findBestMatchForClaim, isPodTerminated, volumeMismatch } from './matching.ts';

const pv = (name: string, o: {
  size?: string; modes?: string[]; className?: string; phase?: string; labels?: Record<string, string>; mode?: string;
  claimRef?: { namespace: string; name: string; uid?: string }; deleting?: boolean;
} = {}): V1PersistentVolume => ({
  metadata: { name, labels: o.labels, ...(o.deleting ? { deletionTimestamp: new Date() } : {}) },
  spec: {
    capacity: { storage: o.size ?? '1Gi' }, accessModes: o.modes ?? ['ReadWriteOnce'], hostPath: { path: `/v/${name}` },
    ...(o.className !== undefined ? { storageClassName: o.className } : {}), ...(o.mode ? { volumeMode: o.mode } : {}),
    ...(o.claimRef ? { claimRef: o.claimRef } : {}),
  },
  status: { phase: o.phase ?? 'Available' },
});

const claim = (o: { size?: string; modes?: string[]; className?: string; selector?: Record<string, string>; mode?: string } = {}): V1PersistentVolumeClaim => ({
  metadata: { name: 'data', namespace: 'ns', uid: 'uid-1' },
  spec: {
    accessModes: o.modes ?? ['ReadWriteOnce'], resources: { requests: { storage: o.size ?? '1Gi' } },
    ...(o.className !== undefined ? { storageClassName: o.className } : {}),
    ...(o.selector ? { selector: { matchLabels: o.selector } } : {}), ...(o.mode ? { volumeMode: o.mode } : {}),
  },
});

describe('volume matching (FindMatchingVolume, findBestMatchForClaim)', () => {
  it('takes the smallest Available volume that is big enough', () => {
    const volumes = [pv('small', { size: '500Mi' }), pv('big', { size: '10Gi' }), pv('fit', { size: '2Gi' }), pv('exact', { size: '1024Mi' })];
    expect(findBestMatchForClaim(claim(), volumes, false)?.metadata?.name).toBe('exact');
    expect(findBestMatchForClaim(claim({ size: '3Gi' }), volumes, false)?.metadata?.name).toBe('big');
    expect(findBestMatchForClaim(claim({ size: '20Gi' }), volumes, false)).toBeUndefined();
  });

  it('matches the class exactly: no class on the claim takes only volumes without one', () => {
    const volumes = [pv('gold', { className: 'gold' }), pv('none')];
    expect(findBestMatchForClaim(claim({ className: 'gold' }), volumes, false)?.metadata?.name).toBe('gold');
    expect(findBestMatchForClaim(claim({ className: '' }), volumes, false)?.metadata?.name).toBe('none');
    expect(findBestMatchForClaim(claim(), [pv('gold', { className: 'gold' })], false)).toBeUndefined();
  });

  it('skips volumes that are not Available, are claimed by another claim, are being deleted, or differ in volumeMode or labels', () => {
    const volumes = [
      pv('released', { phase: 'Released' }), pv('taken', { claimRef: { namespace: 'ns', name: 'other' } }), pv('going', { deleting: true }),
      pv('block', { mode: 'Block' }), pv('wrong-label', { labels: { tier: 'cold' } }), pv('ok', { size: '5Gi', labels: { tier: 'hot' } }),
    ];
    expect(findBestMatchForClaim(claim({ selector: { tier: 'hot' } }), volumes, false)?.metadata?.name).toBe('ok');
    expect(findBestMatchForClaim(claim({ mode: 'Block' }), volumes, false)?.metadata?.name).toBe('block');
  });

  it('prefers the volume with the fewest access modes that still offers every mode asked for', () => {
    const volumes = [pv('rwo-rwx', { size: '1Gi', modes: ['ReadWriteOnce', 'ReadWriteMany'] }), pv('rwo', { size: '5Gi' })];
    expect(findBestMatchForClaim(claim(), volumes, false)?.metadata?.name).toBe('rwo');
    expect(findBestMatchForClaim(claim({ modes: ['ReadWriteMany'] }), volumes, false)?.metadata?.name).toBe('rwo-rwx');
    expect(findBestMatchForClaim(claim({ modes: ['ReadOnlyMany'] }), volumes, false)).toBeUndefined();
    expect(accessModesKey(['ReadWriteOncePod', 'ReadWriteMany', 'ReadWriteOnce', 'ReadOnlyMany'])).toBe('RWO,ROX,RWX,RWOP');
  });

  it('returns a volume pre-bound to the claim whatever its class or phase, and with delayed binding only such a volume', () => {
    const preBound = pv('mine', { size: '8Gi', className: 'other', phase: 'Bound', claimRef: { namespace: 'ns', name: 'data' } });
    const free = pv('free');
    expect(findBestMatchForClaim(claim(), [free, preBound], false)?.metadata?.name).toBe('mine');
    expect(findBestMatchForClaim(claim(), [free], true)).toBeUndefined();
    expect(findBestMatchForClaim(claim(), [free, preBound], true)?.metadata?.name).toBe('mine');
    // A claimRef with another uid names an earlier claim of the same name.
    const stale = pv('stale', { claimRef: { namespace: 'ns', name: 'data', uid: 'uid-0' } });
    expect(isVolumeBoundToClaim(stale, claim())).toBe(false);
    expect(findBestMatchForClaim(claim(), [stale], false)).toBeUndefined();
  });

  it('says why a volume asked for by name cannot serve the claim, in upstream\'s words', () => {
    expect(volumeMismatch(pv('v', { size: '500Mi' }), claim())).toBe('requested PV is too small');
    expect(volumeMismatch(pv('v', { className: 'gold' }), claim())).toBe('storageClassName does not match');
    expect(volumeMismatch(pv('v', { mode: 'Block' }), claim())).toBe('incompatible volumeMode');
    expect(volumeMismatch(pv('v', { modes: ['ReadOnlyMany'] }), claim())).toBe('incompatible accessMode');
    expect(volumeMismatch(pv('v'), claim())).toBeUndefined();
  });
});

describe('classes', () => {
  const sc = (name: string, o: { isDefault?: string; beta?: boolean; created?: number; mode?: string } = {}): V1StorageClass => ({
    metadata: {
      name, creationTimestamp: new Date(o.created ?? 0),
      ...(o.isDefault ? { annotations: { [o.beta ? 'storageclass.beta.kubernetes.io/is-default-class' : 'storageclass.kubernetes.io/is-default-class']: o.isDefault } } : {}),
    },
    provisioner: 'example.com/p', ...(o.mode ? { volumeBindingMode: o.mode } : {}),
  });

  it('picks the newest default class, by name among equals, and honours the beta annotation', () => {
    expect(defaultClass([sc('a'), sc('b', { isDefault: 'false' })])).toBeUndefined();
    expect(defaultClass([sc('old', { isDefault: 'true', created: 1000 }), sc('new', { isDefault: 'true', beta: true, created: 2000 })])?.metadata?.name).toBe('new');
    expect(defaultClass([sc('y', { isDefault: 'true' }), sc('x', { isDefault: 'true' })])?.metadata?.name).toBe('x');
  });

  it('reads a claim\'s class from the beta annotation first, and tells "" from no class', () => {
    const c = claim({ className: 'spec' });
    c.metadata!.annotations = { 'volume.beta.kubernetes.io/storage-class': 'annotated' };
    expect(claimClass(c)).toBe('annotated');
    expect(claimHasClass(claim())).toBe(false);
    expect(claimHasClass(claim({ className: '' }))).toBe(true);
    expect(claimClass(claim())).toBe('');
  });
});

describe('pods', () => {
  it('counts a pod as terminated once Succeeded or Failed, or deleted with no container running', () => {
    expect(isPodTerminated({ status: { phase: 'Succeeded' } })).toBe(true);
    expect(isPodTerminated({ status: { phase: 'Running' } })).toBe(false);
    expect(isPodTerminated({ metadata: { deletionTimestamp: new Date() }, status: { phase: 'Running', containerStatuses: [{ name: 'c', image: 'i', imageID: '', ready: false, restartCount: 0, state: { running: {} } }] } })).toBe(false);
    expect(isPodTerminated({ metadata: { deletionTimestamp: new Date() }, status: { phase: 'Running', containerStatuses: [{ name: 'c', image: 'i', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 0 } } }] } })).toBe(true);
  });
});
