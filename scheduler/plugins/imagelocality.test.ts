import { describe, expect, it } from 'vitest';
import { cacheWith, makeNode, makePod, pluginWith, scores } from '../testing.ts';
import { imageLocality, normalizedImageName } from './imagelocality.ts';

const MB = 1024 * 1024;

describe('ImageLocality', () => {
  it('adds :latest to untagged names', () => {
    expect(normalizedImageName('nginx')).toBe('nginx:latest');
    expect(normalizedImageName('localhost:5000/app')).toBe('localhost:5000/app:latest');
    expect(normalizedImageName('nginx:1.25')).toBe('nginx:1.25');
  });

  it('scores image size scaled by spread, between 23 MB and 1000 MB per container', () => {
    const cache = cacheWith([
      makeNode('has-big').images({ names: ['big:latest'], sizeBytes: 523 * MB }).obj(),
      makeNode('has-small').images({ names: ['small:latest'], sizeBytes: 10 * MB }).obj(),
      makeNode('none').obj(),
    ]);
    const s = scores(pluginWith(imageLocality, cache), makePod().image('big').info(), cache.nodeInfoList);
    // 523 MB on 1 of 3 nodes: 174.3 MB → 100 × (174.3 − 23) / (1000 − 23) = 15.
    expect(s).toEqual({ 'has-big': 15, 'has-small': 0, none: 0 });
  });
});
