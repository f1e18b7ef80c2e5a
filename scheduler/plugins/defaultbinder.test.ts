import { describe, expect, it } from 'vitest';
import { CycleState } from '../framework.ts';
import { cacheWith, makePod, pluginWith } from '../testing.ts';
import { bindingFor, defaultBinder } from './defaultbinder.ts';

describe('DefaultBinder', () => {
  it('posts a Binding to the node with the pod UID', async () => {
    const sent: object[] = [];
    const p = pluginWith(defaultBinder(async (_pod, b) => { sent.push(b); }), cacheWith([]));
    const pod = makePod('web').uid('u1').obj();
    expect(await p.bind!(new CycleState(), pod, 'n1')).toBeUndefined();
    expect(sent).toEqual([{ apiVersion: 'v1', kind: 'Binding', metadata: { name: 'web', namespace: 'default', uid: 'u1' }, target: { kind: 'Node', name: 'n1' } }]);
    expect(bindingFor(pod, 'n2')).toMatchObject({ target: { name: 'n2' } });
  });

  it('turns a refused binding into an error status', async () => {
    const p = pluginWith(defaultBinder(async () => { throw new Error('pod web is already assigned to node "n0"'); }), cacheWith([]));
    const s = await p.bind!(new CycleState(), makePod('web').obj(), 'n1');
    expect(s?.isRejected()).toBe(false);
    expect(s?.message()).toContain('already assigned');
  });
});
