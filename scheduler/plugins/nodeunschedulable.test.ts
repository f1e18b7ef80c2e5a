import { describe, expect, it } from 'vitest';
import { Code } from '../framework.ts';
import { NodeInfo } from '../nodeinfo.ts';
import { cacheWith, filterReasons, makeNode, makePod, pluginWith } from '../testing.ts';
import { nodeUnschedulable } from './nodeunschedulable.ts';

describe('NodeUnschedulable', () => {
  const p = pluginWith(nodeUnschedulable, cacheWith([]));
  const cordoned = new NodeInfo(makeNode('n').unschedulable().obj());

  it('rejects a cordoned node, unresolvably', () => {
    expect(filterReasons(p, makePod().info(), cordoned)).toEqual({ code: Code.UnschedulableAndUnresolvable, reasons: ['node(s) were unschedulable'] });
  });

  it('admits pods tolerating node.kubernetes.io/unschedulable:NoSchedule, and any pod on a schedulable node', () => {
    const tolerant = makePod().tolerations({ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }).info();
    expect(filterReasons(p, tolerant, cordoned).reasons).toEqual([]);
    expect(filterReasons(p, makePod().info(), new NodeInfo(makeNode('m').obj())).reasons).toEqual([]);
  });
});
