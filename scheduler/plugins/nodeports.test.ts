import { describe, expect, it } from 'vitest';
import { cacheWith, filterReasons, makeNode, makePod, pluginWith } from '../testing.ts';
import { nodePorts } from './nodeports.ts';

describe('NodePorts', () => {
  const cache = cacheWith([makeNode('n1').obj()], [makePod('web').node('n1').hostPort(8080, '10.0.0.1').obj()]);
  const p = pluginWith(nodePorts, cache);
  const n1 = cache.get('n1')!;

  it('rejects a host port in use, 0.0.0.0 conflicting with any address', () => {
    expect(filterReasons(p, makePod().hostPort(8080).info(), n1).reasons).toEqual(["node(s) didn't have free ports for the requested pod ports"]);
    expect(filterReasons(p, makePod().hostPort(8080, '10.0.0.1').info(), n1).reasons).toHaveLength(1);
  });

  it('allows another address, another protocol, or no host ports', () => {
    expect(filterReasons(p, makePod().hostPort(8080, '10.0.0.2').info(), n1).reasons).toEqual([]);
    expect(filterReasons(p, makePod().hostPort(8080, '10.0.0.1', 'UDP').info(), n1).reasons).toEqual([]);
    expect(filterReasons(p, makePod().info(), n1).reasons).toEqual([]);
  });
});
