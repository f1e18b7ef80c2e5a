import { describe, expect, it } from 'vitest';
import type { V1Pod } from '@kubernetes/client-node';
import { BackoffStore, finishedTime, remainingBackoffMs } from './backoff.ts';
import { COMPLETION_INDEX_ANNOTATION, duplicatedIndexPodsForRemoval, firstPendingIndexes, OrderedIntervals, parseIndexes, podGenerateNameWithIndex } from './indexes.ts';
import { matchPodFailurePolicy, matchSuccessPolicy } from './policies.ts';

const indexed = (name: string, ix: number | undefined, o: { ready?: boolean; node?: string } = {}): V1Pod => ({
  metadata: { name, uid: name, namespace: 'ns', ...(ix === undefined ? {} : { annotations: { [COMPLETION_INDEX_ANNOTATION]: String(ix) } }) },
  spec: { containers: [], ...(o.node ? { nodeName: o.node } : {}) },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: o.ready ? 'True' : 'False' }] },
});

const finished = (name: string, at: string, phase = 'Failed'): V1Pod => ({
  metadata: { name, uid: name, namespace: 'ns', creationTimestamp: new Date('2026-01-01T00:00:00Z') },
  spec: { containers: [] },
  status: { phase, containerStatuses: [{ name: 'c', image: 'i', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: phase === 'Failed' ? 3 : 0, finishedAt: new Date(at) } } }] },
});

describe('completion indexes', () => {
  it('writes sets of indexes as upstream does and reads them back, dropping indexes beyond completions', () => {
    const s = new OrderedIntervals().withOrderedIndexes([0, 1, 3, 4, 5, 9]);
    expect(s.toString()).toBe('0,1,3-5,9');
    expect(s.total()).toBe(6);
    expect([s.has(2), s.has(4), s.has(9), s.has(10)]).toEqual([false, true, true, false]);
    expect(parseIndexes('0,1,3-5,9', 5).toString()).toBe('0,1,3,4');
    expect(parseIndexes('x,2-3', 10).toString()).toBe('2,3');
    expect(parseIndexes('1-2', 10).merge(parseIndexes('3,7', 10)).toString()).toBe('1-3,7');
  });

  it('picks the first indexes neither running nor succeeded', () => {
    expect(firstPendingIndexes({ count: 3, completions: 6, activePods: [indexed('a', 1)], succeeded: parseIndexes('0,3', 6) })).toEqual([2, 4, 5]);
    expect(firstPendingIndexes({ count: 5, completions: 3, activePods: [], succeeded: new OrderedIntervals() })).toEqual([0, 1, 2]);
  });

  it('removes pods without an index, beyond completions, and all but the best of a repeated index', () => {
    const { rm, left } = duplicatedIndexPodsForRemoval([
      indexed('none', undefined), indexed('one-ready', 1, { ready: true, node: 'n' }), indexed('one-pending', 1), indexed('two', 2), indexed('nine', 9),
    ], 3);
    expect(rm.map((p) => p.metadata?.name).sort()).toEqual(['nine', 'none', 'one-pending']);
    expect(left.map((p) => p.metadata?.name).sort()).toEqual(['one-ready', 'two']);
  });

  it('names indexed pods <job>-<index>- within the generated-name limit', () => {
    expect(podGenerateNameWithIndex('pi', 3)).toBe('pi-3-');
    const long = podGenerateNameWithIndex('x'.repeat(70), 12);
    expect(long).toHaveLength(58);
    expect(long.endsWith('-12-')).toBe(true);
  });
});

describe('pod failure back-off', () => {
  it('waits 10 s after one failure, doubling with each further one up to the cap', () => {
    expect(remainingBackoffMs(0, undefined, 1000, 10_000, 600_000)).toBe(0);
    expect(remainingBackoffMs(1, 0, 4_000, 10_000, 600_000)).toBe(6_000);
    expect(remainingBackoffMs(3, 0, 4_000, 10_000, 600_000)).toBe(36_000);
    expect(remainingBackoffMs(20, 0, 0, 10_000, 600_000)).toBe(600_000);
    expect(remainingBackoffMs(1, 0, 11_000, 10_000, 600_000)).toBe(0);
  });

  it('counts failures since the last success, timed by when pods finished', () => {
    const store = new BackoffStore();
    let rec = store.newRecord('ns/j', [], [finished('f1', '2026-01-01T00:00:05Z'), finished('f2', '2026-01-01T00:00:09Z')]);
    expect(rec).toMatchObject({ failuresAfterLastSuccess: 2, lastFailureTime: Date.parse('2026-01-01T00:00:09Z') });
    store.update(rec);
    rec = store.newRecord('ns/j', [finished('s1', '2026-01-01T00:00:10Z', 'Succeeded')], [finished('f3', '2026-01-01T00:00:12Z')]);
    expect(rec).toMatchObject({ failuresAfterLastSuccess: 1, lastFailureTime: Date.parse('2026-01-01T00:00:12Z') });
    expect(finishedTime({ metadata: { creationTimestamp: new Date(5000), deletionTimestamp: new Date(40_000), deletionGracePeriodSeconds: 30 } })).toBe(10_000);
  });
});

describe('job policies', () => {
  it('matches pod failure rules in order: exit codes, pod conditions, Ignore not counted', () => {
    const pod = finished('p', '2026-01-01T00:00:00Z');
    pod.status!.conditions = [{ type: 'DisruptionTarget', status: 'True' }];
    expect(matchPodFailurePolicy({ rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [3] } }] }, pod)).toEqual({
      action: 'FailJob', countFailed: true, failJobMessage: 'Container c for pod ns/p failed with exit code 3 matching FailJob rule at index 0',
    });
    expect(matchPodFailurePolicy({ rules: [{ action: 'FailJob', onExitCodes: { operator: 'NotIn', values: [3] } }, { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }] }, pod))
      .toEqual({ action: 'Ignore', countFailed: false });
    expect(matchPodFailurePolicy({ rules: [{ action: 'FailJob', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }] }, pod).failJobMessage)
      .toBe('Pod ns/p has condition DisruptionTarget matching FailJob rule at index 0');
    expect(matchPodFailurePolicy(undefined, pod)).toEqual({ countFailed: true });
  });

  it('meets a success policy by succeeded indexes or by their count', () => {
    const succeeded = parseIndexes('0-2,5', 10);
    expect(matchSuccessPolicy({ rules: [{ succeededIndexes: '7-9' }, { succeededIndexes: '0-2' }] }, 10, succeeded)).toBe('Matched rules at index 1');
    expect(matchSuccessPolicy({ rules: [{ succeededIndexes: '4-9', succeededCount: 1 }] }, 10, succeeded)).toBe('Matched rules at index 0');
    expect(matchSuccessPolicy({ rules: [{ succeededCount: 5 }] }, 10, succeeded)).toBeUndefined();
    expect(matchSuccessPolicy({ rules: [{ succeededCount: 4 }] }, 10, succeeded)).toBe('Matched rules at index 0');
  });
});
