import { describe, expect, it } from 'vitest';
import { Code } from '../framework.ts';
import { cacheWith, filterReasons, makeNode, makePod, pluginWith, scores } from '../testing.ts';
import { taintToleration } from './tainttoleration.ts';

describe('TaintToleration', () => {
  const cache = cacheWith([
    makeNode('cp').taints({ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }).obj(),
    makeNode('notready').taints({ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }).obj(),
    makeNode('soft2').taints({ key: 'a', effect: 'PreferNoSchedule' }, { key: 'b', effect: 'PreferNoSchedule' }).obj(),
    makeNode('soft1').taints({ key: 'a', effect: 'PreferNoSchedule' }).obj(),
    makeNode('clean').obj(),
  ]);
  const p = pluginWith(taintToleration, cache);

  it('rejects untolerated NoSchedule and NoExecute taints with the taint in the reason', () => {
    expect(filterReasons(p, makePod().info(), cache.get('cp')!)).toEqual({ code: Code.UnschedulableAndUnresolvable, reasons: ['node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }'] });
    expect(filterReasons(p, makePod().info(), cache.get('notready')!).reasons).toEqual(['node(s) had untolerated taint {node.kubernetes.io/not-ready: }']);
    const tolerant = makePod().tolerations({ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' }).info();
    expect(filterReasons(p, tolerant, cache.get('notready')!).reasons).toEqual([]);
    expect(filterReasons(p, makePod().info(), cache.get('soft2')!).reasons).toEqual([]);
  });

  it('scores nodes with fewer untolerated PreferNoSchedule taints higher', () => {
    const nodes = ['soft2', 'soft1', 'clean'].map((n) => cache.get(n)!);
    expect(scores(p, makePod().info(), nodes)).toEqual({ soft2: 0, soft1: 50, clean: 100 });
    const tolerant = makePod().tolerations({ key: 'b', operator: 'Exists', effect: 'PreferNoSchedule' }).info();
    expect(scores(p, tolerant, nodes)).toEqual({ soft2: 0, soft1: 0, clean: 100 });
  });
});
