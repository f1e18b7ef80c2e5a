import { describe, expect, it } from 'vitest';
import { pruneUnknownFields } from './prune.ts';

describe('times in built-in objects', () => {
  it('keeps metav1.Time to whole seconds in UTC and metav1.MicroTime to microseconds, as upstream stores them', () => {
    const cj = { metadata: { creationTimestamp: '2026-01-02T03:04:05.678Z' }, status: { lastScheduleTime: '2026-01-02T12:04:05.999+09:00' } };
    pruneUnknownFields(cj, 'V1CronJob');
    expect(cj.metadata.creationTimestamp).toBe('2026-01-02T03:04:05Z');
    expect(cj.status.lastScheduleTime).toBe('2026-01-02T03:04:05Z');

    const lease = { spec: { renewTime: '2026-01-02T03:04:05.1Z', acquireTime: '2026-01-02T03:04:05.123456789Z' } };
    pruneUnknownFields(lease, 'V1Lease');
    expect(lease.spec).toEqual({ renewTime: '2026-01-02T03:04:05.100000Z', acquireTime: '2026-01-02T03:04:05.123456Z' });

    const pod = { status: { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-01-02T03:04:05.5Z' }] } };
    pruneUnknownFields(pod, 'V1Pod');
    expect(pod.status.conditions[0]!.lastTransitionTime).toBe('2026-01-02T03:04:05Z');
  });

  it('leaves a value that is not a time for validation to answer', () => {
    const cj = { status: { lastScheduleTime: 'yesterday' } };
    pruneUnknownFields(cj, 'V1CronJob');
    expect(cj.status.lastScheduleTime).toBe('yesterday');
  });
});
