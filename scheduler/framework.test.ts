import { describe, expect, it } from 'vitest';
import { CycleState, defaultNormalizeScore, fitErrorMessage, newDiagnosis, Status, type PluginFactory } from './framework.ts';
import { Nominator } from './queue.ts';
import { cacheWith, frameworkWith, makeNode, makePod } from './testing.ts';
import { nodeResourcesFit } from './plugins/noderesourcesfit.ts';

describe('FitError message', () => {
  it('is a sorted histogram of the node reasons, then the preemption message', () => {
    const d = newDiagnosis();
    d.nodeToStatus.set('cp', Status.unresolvable('node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }'));
    d.nodeToStatus.set('w1', Status.unschedulable('Insufficient cpu'));
    d.nodeToStatus.set('w2', Status.unschedulable('Insufficient cpu'));
    d.postFilterMsg = 'preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.';
    expect(fitErrorMessage(3, d)).toBe('0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. '
      + 'preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.');
  });

  it('counts every reason of a node, sorts as strings ("10 …" before "2 …"), and counts absent nodes', () => {
    const d = newDiagnosis();
    for (let i = 0; i < 10; i++) d.nodeToStatus.set(`a${i}`, Status.unschedulable('Insufficient memory', 'Insufficient cpu'));
    d.nodeToStatus.set('b', Status.unschedulable('Too many pods'));
    d.nodeToStatus.set('c', Status.unschedulable('Too many pods'));
    d.nodeToStatus.absent = Status.unresolvable("node(s) didn't satisfy plugin(s) [NodeAffinity]");
    expect(fitErrorMessage(15, d)).toBe("0/15 nodes are available: 10 Insufficient cpu, 10 Insufficient memory, 2 Too many pods, 3 node(s) didn't satisfy plugin(s) [NodeAffinity].");
  });

  it('uses the PreFilter message alone when PreFilter rejected the pod', () => {
    const d = newDiagnosis();
    d.preFilterMsg = 'pod affinity terms conflict';
    d.nodeToStatus.absent = Status.unresolvable('pod affinity terms conflict');
    expect(fitErrorMessage(2, d)).toBe('0/2 nodes are available: pod affinity terms conflict.');
  });
});

const passing = (name: string, nodes?: string[]): PluginFactory => () => ({
  name,
  preFilter: () => (nodes ? { nodeNames: new Set(nodes) } : undefined),
  filter: () => undefined,
});

describe('framework runner', () => {
  const cache = cacheWith([makeNode('n1').obj(), makeNode('n2').obj()]);

  it('intersects PreFilter node names and rejects when nothing is left', () => {
    const fwk = frameworkWith(cache, [{ factory: passing('A', ['n1', 'n2']) }, { factory: passing('B', ['n2']) }]);
    expect([...fwk.runPreFilterPlugins(new CycleState(), makePod().info()).nodeNames!]).toEqual(['n2']);
    const none = frameworkWith(cache, [{ factory: passing('A', ['n1']) }, { factory: passing('B', ['n2']) }]);
    const r = none.runPreFilterPlugins(new CycleState(), makePod().info());
    expect(r.status?.message()).toBe("node(s) didn't satisfy plugin(s) [A B] simultaneously");
    expect(r.status?.isRejected()).toBe(true);
  });

  it('stops at the first filter that rejects, naming the plugin, and skips filters whose PreFilter skipped', () => {
    let calls = 0;
    const reject: PluginFactory = () => ({ name: 'Reject', filter: () => Status.unschedulable('no') });
    const counting: PluginFactory = () => ({ name: 'Count', filter: () => { calls++; return undefined; } });
    const skipping: PluginFactory = () => ({ name: 'Skip', preFilter: () => ({ status: Status.skip() }), filter: () => Status.unschedulable('never') });
    const fwk = frameworkWith(cache, [{ factory: skipping }, { factory: reject }, { factory: counting }]);
    const state = new CycleState();
    fwk.runPreFilterPlugins(state, makePod().info());
    const s = fwk.runFilterPlugins(state, makePod().info(), cache.get('n1')!);
    expect(s?.reasons).toEqual(['no']);
    expect(s?.plugin).toBe('Reject');
    expect(calls).toBe(0);
  });

  it('weights normalised scores and sums them per node', () => {
    const a: PluginFactory = () => ({ name: 'A', score: (_s, _p, n) => (n.name === 'n1' ? 10 : 5), normalizeScore: (_s, _p, sc) => defaultNormalizeScore(100, false, sc) });
    const b: PluginFactory = () => ({ name: 'B', score: (_s, _p, n) => (n.name === 'n1' ? 0 : 100) });
    const fwk = frameworkWith(cache, [{ factory: a, weight: 2 }, { factory: b, weight: 1 }]);
    expect(fwk.runScorePlugins(new CycleState(), makePod().info(), [cache.get('n1')!, cache.get('n2')!])).toEqual([200, 200]);
  });

  it('filters with nominated pods of equal or higher priority counted on the node', () => {
    const c = cacheWith([makeNode('n1').allocatable({ cpu: '1', memory: '1Gi', pods: '10' }).obj()]);
    const nominator = new Nominator();
    nominator.add(makePod('big').priority(10).requests({ cpu: '800m' }).info(), 'n1');
    const fwk = frameworkWith(c, [{ factory: nodeResourcesFit }], { nominator });
    const state = new CycleState();
    const low = makePod('low').priority(5).requests({ cpu: '500m' }).info();
    expect(fwk.runFilterPluginsWithNominatedPods(state, low, c.get('n1')!)?.reasons).toEqual(['Insufficient cpu']);
    const high = makePod('high').priority(20).requests({ cpu: '500m' }).info();
    expect(fwk.runFilterPluginsWithNominatedPods(state, high, c.get('n1')!)).toBeUndefined();
    // The nominated pod was only counted in a copy.
    expect(c.get('n1')!.requested.milliCPU).toBe(0);
  });

  it('runs PreBind plugins in order, stopping at the first failure and wrapping errors as upstream', async () => {
    const calls: string[] = [];
    const ok = (name: string): PluginFactory => () => ({ name, preBind: async () => { calls.push(name); return undefined; } });
    const failing: PluginFactory = () => ({ name: 'Volumes', preBind: async () => { calls.push('Volumes'); return Status.error('binding volumes: context deadline exceeded'); } });
    const rejecting: PluginFactory = () => ({ name: 'Reject', preBind: async () => Status.unschedulable('no room') });
    const signal = new AbortController().signal;
    const fwk = frameworkWith(cache, [{ factory: ok('A') }, { factory: failing }, { factory: ok('B') }]);
    const s = await fwk.runPreBindPlugins(new CycleState(), makePod().obj(), 'n1', signal);
    expect(s?.message()).toBe('running PreBind plugin "Volumes": binding volumes: context deadline exceeded');
    expect(s?.plugin).toBe('Volumes');
    expect(calls).toEqual(['A', 'Volumes']);
    const r = await frameworkWith(cache, [{ factory: rejecting }]).runPreBindPlugins(new CycleState(), makePod().obj(), 'n1', signal);
    expect(r?.isRejected()).toBe(true);
    expect(r?.reasons).toEqual(['no room']);
    expect(await frameworkWith(cache, [{ factory: ok('C') }]).runPreBindPlugins(new CycleState(), makePod().obj(), 'n1', signal)).toBeUndefined();
  });

  it('wraps a Reserve plugin\'s error as upstream and keeps a rejection\'s reasons', () => {
    const erring: PluginFactory = () => ({ name: 'Volumes', reserve: () => Status.error('PersistentVolume "pv" is out of sync') });
    const s = frameworkWith(cache, [{ factory: erring }]).runReservePlugins(new CycleState(), makePod().info(), 'n1');
    expect(s?.message()).toBe('running Reserve plugin "Volumes": PersistentVolume "pv" is out of sync');
    const rejecting: PluginFactory = () => ({ name: 'R', reserve: () => Status.unschedulable('taken') });
    expect(frameworkWith(cache, [{ factory: rejecting }]).runReservePlugins(new CycleState(), makePod().info(), 'n1')?.reasons).toEqual(['taken']);
  });

  it('normalises by the highest score, reversed or not', () => {
    const s = [{ name: 'a', score: 0 }, { name: 'b', score: 2 }, { name: 'c', score: 4 }];
    defaultNormalizeScore(100, true, s);
    expect(s.map((x) => x.score)).toEqual([100, 50, 0]);
    const zero = [{ name: 'a', score: 0 }];
    defaultNormalizeScore(100, true, zero);
    expect(zero[0]!.score).toBe(100);
  });
});
