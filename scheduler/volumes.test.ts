import { describe, expect, it } from 'vitest';
import type { V1PersistentVolume, V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { ANN_BOUND_BY_CONTROLLER, isVolumeBoundToClaim } from '../machinery/volumes.ts';
import { bindVolumeToClaim, checkNodeAffinity, matchTopologySelectorTerms } from './volumes.ts';

const pvc: V1PersistentVolumeClaim = { metadata: { name: 'data', namespace: 'ns', uid: 'u-1', resourceVersion: '7' }, spec: { storageClassName: 'local' } };

describe('volume helpers', () => {
  it('checks a volume\'s node affinity against the node\'s labels only', () => {
    const pv = (terms: object[]): V1PersistentVolume => ({ spec: { nodeAffinity: { required: { nodeSelectorTerms: terms as never } } } });
    const host = [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['b'] }] }];
    expect(checkNodeAffinity(pv(host), { 'kubernetes.io/hostname': 'b' })).toBeUndefined();
    expect(checkNodeAffinity(pv(host), { 'kubernetes.io/hostname': 'a' })).toBe('no matching NodeSelectorTerms');
    // matchFields on metadata.name never match: upstream's node there has labels and nothing else.
    expect(checkNodeAffinity(pv([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['b'] }] }]), {})).toBe('no matching NodeSelectorTerms');
    expect(checkNodeAffinity({ spec: {} }, {})).toBeUndefined();
  });

  it('binds a volume to a claim with a full claimRef and bound-by-controller, and reports nothing to do when already bound', () => {
    const { pv, dirty } = bindVolumeToClaim({ metadata: { name: 'pv' }, spec: {} }, pvc);
    expect(dirty).toBe(true);
    expect(pv.spec?.claimRef).toEqual({ kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: 'ns', name: 'data', uid: 'u-1', resourceVersion: '7' });
    expect(pv.metadata?.annotations?.[ANN_BOUND_BY_CONTROLLER]).toBe('yes');
    expect(isVolumeBoundToClaim(pv, pvc)).toBe(true);
    expect(bindVolumeToClaim(pv, pvc).dirty).toBe(false);
    // Pre-bound by a user (no uid): the uid is filled in, but it was not the controller's choice.
    const user = bindVolumeToClaim({ metadata: { name: 'pv' }, spec: { claimRef: { namespace: 'ns', name: 'data' } } }, pvc);
    expect(user.dirty).toBe(true);
    expect(user.pv.spec?.claimRef?.uid).toBe('u-1');
    expect(user.pv.metadata?.annotations?.[ANN_BOUND_BY_CONTROLLER]).toBeUndefined();
  });

  it('matches allowedTopologies: none admit every node, a term needs every expression, an empty term admits none', () => {
    const zoneA = [{ matchLabelExpressions: [{ key: 'zone', values: ['a'] }] }];
    expect(matchTopologySelectorTerms(undefined, {})).toBe(true);
    expect(matchTopologySelectorTerms(zoneA, { zone: 'a' })).toBe(true);
    expect(matchTopologySelectorTerms(zoneA, { zone: 'b' })).toBe(false);
    expect(matchTopologySelectorTerms(zoneA, {})).toBe(false);
    expect(matchTopologySelectorTerms([{}], { zone: 'a' })).toBe(false);
  });
});
