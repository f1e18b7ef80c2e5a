import { describe, expect, it } from 'vitest';
import { NodeInfo } from '../nodeinfo.ts';
import { cacheWith, filterReasons, makeNode, makePod, pluginWith } from '../testing.ts';
import { nodeName } from './nodename.ts';

describe('NodeName', () => {
  const p = pluginWith(nodeName, cacheWith([]));

  it('fits a pod naming the node, or naming none; rejects others', () => {
    const n1 = new NodeInfo(makeNode('n1').obj());
    expect(filterReasons(p, makePod().node('n1').info(), n1).reasons).toEqual([]);
    expect(filterReasons(p, makePod().info(), n1).reasons).toEqual([]);
    expect(filterReasons(p, makePod().node('n2').info(), n1).reasons).toEqual(["node(s) didn't match the requested node name"]);
  });
});
