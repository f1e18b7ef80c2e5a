import { describe, expect, it } from 'vitest';
import { cacheWith, makePod, pluginWith } from '../testing.ts';
import { schedulingGates } from './schedulinggates.ts';

describe('SchedulingGates', () => {
  const p = pluginWith(schedulingGates, cacheWith([]));

  it('holds a pod with gates, naming them as Go prints a slice', () => {
    const s = p.preEnqueue!(makePod().gates('a', 'b').obj());
    expect(s?.message()).toBe('waiting for scheduling gates: [a b]');
    expect(s?.isRejected()).toBe(true);
  });

  it('lets a pod without gates in', () => {
    expect(p.preEnqueue!(makePod().obj())).toBeUndefined();
  });
});
