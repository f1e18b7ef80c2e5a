import { describe, expect, it } from 'vitest';
import type { V1Pod, V1PodDisruptionBudget } from '@kubernetes/client-node';
import { CycleState, NodeToStatus, Status, type Framework } from './framework.ts';
import { nodeResourcesFit } from './plugins/noderesourcesfit.ts';
import { taintToleration } from './plugins/tainttoleration.ts';
import { defaultPreemption, filterPodsWithPDBViolation, pickOneNodeForPreemption, selectVictimsOnNode, type Candidate, type PreemptionActions } from './preemption.ts';
import { Nominator } from './queue.ts';
import { cacheWith, frameworkWith, makeNode, makePod, type FakeHandleOptions } from './testing.ts';
import type { Cache } from './cache.ts';

const node = (name: string) => makeNode(name).allocatable({ cpu: '4', memory: '8Gi', pods: '10' });
const cpuPod = (name: string, nodeName: string, cpu: string, priority: number) => makePod(name).node(nodeName).requests({ cpu }).priority(priority).obj();

class FakeActions implements PreemptionActions {
  preempted: string[] = [];
  cleared: string[] = [];
  async preemptPod(victim: V1Pod, _preemptor: V1Pod, nodeName: string) { this.preempted.push(`${victim.metadata?.name}@${nodeName}`); }
  async clearNominatedNodeName(pods: V1Pod[]) { this.cleared.push(...pods.map((p) => p.metadata!.name!)); }
}

function setup(cache: Cache, o: FakeHandleOptions = {}): { fwk: Framework; actions: FakeActions } {
  const actions = new FakeActions();
  const fwk = frameworkWith(cache, [
    { factory: taintToleration },
    { factory: nodeResourcesFit },
    { factory: defaultPreemption(actions, { random: () => 0 }) },
  ], o);
  return { fwk, actions };
}

/** Filters every node as the scheduler would before PostFilter runs. */
function statusesFor(fwk: Framework, cache: Cache, pod: ReturnType<typeof makePod>): { state: CycleState; statuses: NodeToStatus } {
  const state = new CycleState();
  const statuses = new NodeToStatus();
  fwk.runPreFilterPlugins(state, pod.info());
  for (const ni of cache.nodeInfoList) {
    const s = fwk.runFilterPlugins(state, pod.info(), ni);
    if (s) statuses.set(ni.name, s);
  }
  return { state, statuses };
}

describe('selecting victims on a node', () => {
  it('removes the fewest lower-priority pods, reprieving the most important first', () => {
    const cache = cacheWith([node('n1').obj()], [
      cpuPod('p1', 'n1', '1', 1), cpuPod('p5', 'n1', '1', 5), cpuPod('p9', 'n1', '1', 9), cpuPod('p100', 'n1', '1', 100),
    ]);
    const { fwk } = setup(cache);
    const pod = makePod('pre').requests({ cpu: '2' }).priority(50).info();
    const state = new CycleState();
    fwk.runPreFilterPlugins(state, pod);
    const r = selectVictimsOnNode(fwk.handle, state, pod, cache.get('n1')!.clone(), []);
    expect(r.status).toBeUndefined();
    expect(r.victims.map((v) => v.metadata!.name)).toEqual(['p5', 'p1']);
    // The cache itself is untouched.
    expect(cache.get('n1')!.pods).toHaveLength(4);
  });

  it('reprieves PDB-protected pods first and counts the violations it cannot avoid', () => {
    const cache = cacheWith([node('n1').obj()], [
      makePod('guarded').labels({ app: 'db' }).node('n1').requests({ cpu: '2' }).priority(1).obj(),
      makePod('free').node('n1').requests({ cpu: '2' }).priority(1).obj(),
    ]);
    const pdb: V1PodDisruptionBudget = { metadata: { name: 'db', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'db' } } }, status: { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1, expectedPods: 1 } };
    const { fwk } = setup(cache, { pdbs: [pdb] });
    const pod = makePod('pre').requests({ cpu: '2' }).priority(50).info();
    const r = selectVictimsOnNode(fwk.handle, new CycleState(), pod, cache.get('n1')!.clone(), [pdb]);
    expect(r.victims.map((v) => v.metadata!.name)).toEqual(['free']);
    expect(r.numPDBViolations).toBe(0);
    const { violating, nonViolating } = filterPodsWithPDBViolation(cache.get('n1')!.pods, [pdb]);
    expect([violating.map((p) => p.pod.metadata!.name), nonViolating.map((p) => p.pod.metadata!.name)]).toEqual([['guarded'], ['free']]);
  });
});

describe('choosing the node', () => {
  const v = (name: string, priority: number, start = 0) => makePod(name).priority(priority).startTime(start).obj();
  const c = (name: string, victims: V1Pod[], numPDBViolations = 0): Candidate => ({ name, victims, numPDBViolations });

  it('prefers fewer PDB violations, then the lowest highest priority, the smallest sum, fewer victims, the latest start', () => {
    expect(pickOneNodeForPreemption([c('a', [v('x', 1)], 1), c('b', [v('y', 5)], 0)])?.name).toBe('b');
    expect(pickOneNodeForPreemption([c('a', [v('x', 5)]), c('b', [v('y', 3), v('z', 3)])])?.name).toBe('b');
    expect(pickOneNodeForPreemption([c('a', [v('x', 3), v('y', 2)]), c('b', [v('z', 3), v('w', 1)])])?.name).toBe('b');
    expect(pickOneNodeForPreemption([c('a', [v('x', -5), v('y', -5)]), c('b', [v('z', -5)])])?.name).toBe('b');
    expect(pickOneNodeForPreemption([c('a', [v('x', 3, 100)]), c('b', [v('y', 3, 200)])])?.name).toBe('b');
  });
});

describe('DefaultPreemption PostFilter', () => {
  it('preempts on the best node, clears lower nominations there, and nominates the node', async () => {
    const nominator = new Nominator();
    const lowNominee = makePod('low-nominee').priority(1).info();
    nominator.add(lowNominee, 'n2');
    const cache = cacheWith([node('n1').obj(), node('n2').obj()], [
      cpuPod('a', 'n1', '4', 10),
      cpuPod('b', 'n2', '2', 1), cpuPod('c', 'n2', '2', 1),
    ]);
    const { fwk, actions } = setup(cache, { nominator });
    const pod = makePod('pre').requests({ cpu: '3' }).priority(50);
    const { state, statuses } = statusesFor(fwk, cache, pod);
    const out = await fwk.runPostFilterPlugins(state, pod.info(), statuses);
    expect(out.status.isSuccess()).toBe(true);
    // n1 would lose a priority-10 pod, n2 two priority-1 pods: the lower highest priority wins.
    expect(out.nominatedNodeName).toBe('n2');
    expect(actions.preempted.sort()).toEqual(['b@n2', 'c@n2']);
    expect(actions.cleared).toEqual(['low-nominee']);
  });

  it('says why no node helps: unresolvable nodes are not helpful, others have no victims', async () => {
    const cache = cacheWith([
      node('cp').taints({ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }).obj(),
      node('w1').obj(), node('w2').obj(),
    ], [cpuPod('x', 'w1', '4', 100), cpuPod('y', 'w2', '4', 100)]);
    const { fwk } = setup(cache);
    const pod = makePod('pre').requests({ cpu: '1' }).priority(50).nominated('w1');
    const { state, statuses } = statusesFor(fwk, cache, pod);
    const out = await fwk.runPostFilterPlugins(state, pod.info(), statuses);
    expect(out.status.isRejected()).toBe(true);
    expect(out.status.message()).toBe('preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.');
    expect(out.nominatedNodeName).toBe('');
  });

  it('does not preempt for a pod with preemptionPolicy Never', async () => {
    const cache = cacheWith([node('n1').obj()], [cpuPod('a', 'n1', '4', 1)]);
    const { fwk, actions } = setup(cache);
    const pod = makePod('pre').requests({ cpu: '1' }).priority(50).preemptionPolicy('Never');
    const { state, statuses } = statusesFor(fwk, cache, pod);
    const out = await fwk.runPostFilterPlugins(state, pod.info(), statuses);
    expect(out.status.message()).toBe('preemption: not eligible due to preemptionPolicy=Never.');
    expect(actions.preempted).toEqual([]);
  });

  it('waits while an earlier victim still terminates on the nominated node', async () => {
    const dying = makePod('dying').node('n1').requests({ cpu: '4' }).priority(1).terminating().obj();
    dying.status!.conditions = [{ type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler' }];
    const cache = cacheWith([node('n1').obj()], [dying]);
    const { fwk, actions } = setup(cache);
    const pod = makePod('pre').requests({ cpu: '1' }).priority(50).nominated('n1');
    const statuses = new NodeToStatus();
    statuses.set('n1', Status.unschedulable('Insufficient cpu'));
    const out = await fwk.runPostFilterPlugins(new CycleState(), pod.info(), statuses);
    expect(out.status.message()).toBe('preemption: not eligible due to a terminating pod on the nominated node.');
    expect(actions.preempted).toEqual([]);
  });
});
