// Quota usage as upstream's evaluators compute it.
import { describe, expect, it } from 'vitest';
import {
  add, calculateUsage, formatResourceList, lessThanOrEqual, objectCountName, parseObjectCountName, parseResourceList, persistentVolumeClaimEvaluator,
  podCountsForQuota, podEvaluator, podMatchesScope, podResourceTotals, prettyPrint, serviceEvaluator, subtractNonNegative, type PodLike,
} from './quota.ts';

const now = new Date('2026-01-01T00:00:00Z');
const fmt = (l: ReturnType<typeof parseResourceList>) => formatResourceList(l);

describe('resource lists', () => {
  it('adds, subtracts to no less than zero, compares and prints sorted', () => {
    const a = parseResourceList({ cpu: '500m', memory: '1Gi' });
    const b = parseResourceList({ cpu: '700m', pods: 2 });
    expect(fmt(add(a, b))).toEqual({ cpu: '1200m', memory: '1Gi', pods: '2' });
    expect(fmt(subtractNonNegative(a, b))).toEqual({ cpu: '0', memory: '1Gi', pods: '0' });
    expect(lessThanOrEqual(b, parseResourceList({ cpu: '600m', pods: '5', gpus: '1' }))).toEqual({ allowed: false, exceeded: ['cpu'] });
    expect(prettyPrint(add(a, b))).toBe('cpu=1200m,memory=1Gi,pods=2');
  });

  it('names object counts count/<resource>.<group>', () => {
    expect(objectCountName({ group: 'apps', resource: 'deployments' })).toBe('count/deployments.apps');
    expect(objectCountName({ group: '', resource: 'pods' })).toBe('count/pods');
    expect(parseObjectCountName('count/widgets.example.com')).toEqual({ group: 'example.com', resource: 'widgets' });
    expect(parseObjectCountName('requests.cpu')).toBeUndefined();
  });
});

describe('pods', () => {
  const withInit: PodLike = {
    spec: {
      overhead: { cpu: '10m', memory: '1Mi' },
      containers: [{ resources: { requests: { cpu: '100m' }, limits: { cpu: '200m' } } }, { resources: { requests: { cpu: '100m', memory: '64Mi' } } }],
      initContainers: [
        { restartPolicy: 'Always', resources: { requests: { cpu: '50m' } } },
        { resources: { requests: { cpu: '1' }, limits: { cpu: '2', memory: '1Gi' } } },
      ],
    },
  };

  it('sums containers and sidecars, keeps the largest init container, adds overhead', () => {
    // containers 200m + sidecar 50m = 250m < init 1 + sidecar 50m = 1050m; then + 10m overhead.
    expect(fmt(podResourceTotals(withInit, 'requests', { overhead: true }))).toEqual({ cpu: '1060m', memory: '65Mi' });
    expect(fmt(podResourceTotals(withInit, 'requests'))).toEqual({ cpu: '1050m', memory: '64Mi' });
    // Limits: overhead only where something is limited.
    expect(fmt(podResourceTotals(withInit, 'limits', { overhead: true }))).toEqual({ cpu: '2010m', memory: '1025Mi' });
  });

  it('charges a pod\'s compute until it finishes or its grace period has run out', () => {
    const usage = fmt(podEvaluator.usage(withInit, now));
    expect(usage).toEqual({
      'count/pods': '1', cpu: '1060m', 'limits.cpu': '2010m', 'limits.memory': '1025Mi', memory: '65Mi', pods: '1', 'requests.cpu': '1060m', 'requests.memory': '65Mi',
    });
    expect(fmt(podEvaluator.usage({ ...withInit, status: { phase: 'Succeeded' } }, now))).toEqual({ 'count/pods': '1' });
    const deleting = (secondsAgo: number) => ({ metadata: { deletionTimestamp: new Date(now.getTime() - secondsAgo * 1000).toISOString(), deletionGracePeriodSeconds: 30 } });
    expect(podCountsForQuota(deleting(10), now)).toBe(true);
    expect(podCountsForQuota(deleting(31), now)).toBe(false);
  });

  it('counts hugepages and extended resources as requests', () => {
    const usage = fmt(podEvaluator.usage({ spec: { containers: [{ resources: { requests: { 'hugepages-2Mi': '4Mi', 'example.com/gpu': '2' }, limits: { 'example.com/gpu': '2' } } }] } }, now));
    expect(usage).toEqual({ 'count/pods': '1', pods: '1', 'hugepages-2Mi': '4Mi', 'requests.hugepages-2Mi': '4Mi', 'requests.example.com/gpu': '2' });
    expect(podEvaluator.matchingResources(['requests.example.com/gpu', 'hugepages-2Mi', 'services', 'limits.cpu'])).toEqual(['requests.example.com/gpu', 'hugepages-2Mi', 'limits.cpu']);
  });

  it('matches scopes: terminating, best effort, priority class selectors', () => {
    const be = { spec: { containers: [{}] } };
    const burst = { spec: { activeDeadlineSeconds: 5, priorityClassName: 'high', containers: [{ resources: { requests: { memory: '1Mi' } } }] } };
    expect(podMatchesScope({ scopeName: 'BestEffort' }, be)).toBe(true);
    expect(podMatchesScope({ scopeName: 'NotBestEffort' }, burst)).toBe(true);
    expect(podMatchesScope({ scopeName: 'Terminating' }, burst)).toBe(true);
    expect(podMatchesScope({ scopeName: 'NotTerminating' }, be)).toBe(true);
    expect(podMatchesScope({ scopeName: 'PriorityClass', operator: 'In', values: ['high'] }, burst)).toBe(true);
    expect(podMatchesScope({ scopeName: 'PriorityClass', operator: 'NotIn', values: ['high'] }, be)).toBe(true);
    expect(podMatchesScope({ scopeName: 'PriorityClass', operator: 'Exists' }, be)).toBe(false);
  });

  it('asks for cpu and memory on every container a quota limits them for', () => {
    const pod = { spec: { initContainers: [{ name: 'i' }], containers: [{ name: 'b', resources: { requests: { cpu: '1' } } }, { name: 'a' }] } };
    expect(podEvaluator.constraints!(['requests.cpu', 'limits.memory', 'pods'], pod)).toBe('must specify limits.memory for: a,b,i; requests.cpu for: a,i');
    expect(podEvaluator.constraints!(['pods'], pod)).toBeUndefined();
  });
});

describe('services and claims', () => {
  it('counts node ports and load balancers by type', () => {
    expect(fmt(serviceEvaluator.usage({ spec: { type: 'ClusterIP', ports: [{}] } }, now))).toEqual({ 'count/services': '1', services: '1', 'services.loadbalancers': '0', 'services.nodeports': '0' });
    expect(fmt(serviceEvaluator.usage({ spec: { type: 'NodePort', ports: [{}, {}] } }, now))['services.nodeports']).toBe('2');
    const lb = fmt(serviceEvaluator.usage({ spec: { type: 'LoadBalancer', allocateLoadBalancerNodePorts: false, ports: [{ nodePort: 30001 }, {}] } }, now));
    expect([lb['services.loadbalancers'], lb['services.nodeports']]).toEqual(['1', '1']);
  });

  it('charges a claim\'s storage, to its class too, in whole bytes', () => {
    expect(fmt(persistentVolumeClaimEvaluator.usage({ spec: { storageClassName: 'gold', resources: { requests: { storage: '1500m' } } } }, now))).toEqual({
      'count/persistentvolumeclaims': '1', persistentvolumeclaims: '1', 'gold.storageclass.storage.k8s.io/persistentvolumeclaims': '1',
      'gold.storageclass.storage.k8s.io/requests.storage': '2', 'requests.storage': '2',
    });
  });
});

describe('calculateUsage', () => {
  it('sums each evaluator over the namespace, scoped, zero when nothing is there', () => {
    const items: Record<string, unknown[]> = {
      '/pods': [{ spec: { containers: [{}] } }, { spec: { activeDeadlineSeconds: 1, containers: [{ resources: { requests: { cpu: '1' } } }] } }],
      '/configmaps': [{}, {}],
      'apps/deployments': [],
    };
    const itemsOf = (gr: { group: string; resource: string }) => items[`${gr.group}/${gr.resource}`];
    const all = calculateUsage({ spec: { hard: { pods: '9', 'requests.cpu': '9', configmaps: '9', 'count/deployments.apps': '9', 'count/widgets.example.com': '9' } } }, itemsOf, now);
    expect(fmt(all.used)).toEqual({ configmaps: '2', 'count/deployments.apps': '0', pods: '2', 'requests.cpu': '1' });
    expect(all.unknown).toEqual(['count/widgets.example.com']);
    // Scoped quotas count only pods in scope; object counts never match a scope.
    const terminating = calculateUsage({ spec: { hard: { pods: '9', configmaps: '9' }, scopes: ['Terminating'] } }, itemsOf, now);
    expect(fmt(terminating.used)).toEqual({ configmaps: '0', pods: '1' });
  });
});
