// The scheduler and the controller manager on worker threads, as `capstan up` runs them: they
// work through the API as before, report the scheduler's counters, and end when stopped.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RestClient } from '../client/index.ts';
import { deployments, namespaces, nodes, pods } from '../client/resources.ts';
import { createDatabaseAt } from '../test/postgres.ts';
import { startTestApiServer, type TestApiServer } from '../test/apiserver.ts';
import { eventually } from '../test/eventually.ts';
import { startComponentThread } from './componentthread.ts';

let srv: TestApiServer;
let rest: RestClient;

beforeAll(async () => {
  srv = await startTestApiServer({ databaseUrl: await createDatabaseAt(inject('pgAdminUrl')) });
  rest = new RestClient(srv.kubeconfig);
  const allocatable = { cpu: '4', memory: '8Gi', pods: '110' };
  await rest.create(nodes, '', { metadata: { name: 'thread-node' }, spec: {} });
  await rest.patch(nodes, '', 'thread-node', { status: { capacity: allocatable, allocatable, conditions: [{ type: 'Ready', status: 'True' }] } }, { subresource: 'status' });
});

afterAll(async () => {
  rest?.close();
  await srv?.close();
});

describe('components on their own threads', () => {
  it('a Deployment becomes bound pods with the controller manager and the scheduler each on a thread, which end when stopped', async () => {
    const logs: string[] = [];
    const cm = startComponentThread({
      component: 'controller-manager', kubeconfig: { file: srv.kubeconfigPath }, controllers: ['deployment', 'replicaset'], quiet: true,
    }, (l) => logs.push(l));
    const sched = startComponentThread({ component: 'scheduler', kubeconfig: { yaml: srv.kubeconfig.exportConfig() }, quiet: true, statsEveryMs: 20 }, (l) => logs.push(l));
    try {
      await rest.create(namespaces, '', { metadata: { name: 'threads' } });
      await rest.create(deployments, 'threads', {
        metadata: { name: 'web' },
        spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
      });
      await eventually(async () => {
        const list = await rest.list(pods, 'threads');
        return list.items.length === 3 && list.items.every((p) => p.spec?.nodeName === 'thread-node');
      }, { timeoutMs: 30_000, what: 'three pods bound to thread-node' });
      await eventually(() => sched.stats.bound === 3, { timeoutMs: 5_000, what: 'the scheduler thread reporting 3 bound' });
      expect(sched.stats).toMatchObject({ bound: 3, nodes: 1 });
    } finally {
      await cm.stop();
      await sched.stop();
    }
    // Stopped on request is no failure: nothing was logged.
    expect(logs).toEqual([]);
  });
});
