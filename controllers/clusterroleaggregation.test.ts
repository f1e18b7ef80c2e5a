import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { V1ClusterRole } from '@kubernetes/client-node';
import { RestClient } from '../client/index.ts';
import { createDatabaseAt } from '../test/postgres.ts';
import { startTestApiServer, type TestApiServer } from '../test/apiserver.ts';
import { eventually } from '../test/eventually.ts';
import { aggregateRules, clusterRoleAggregationController, clusterRoles } from './clusterroleaggregation.ts';
import { startControllerManager, type RunningControllerManager } from './index.ts';

const role = (name: string, labels: Record<string, string>, rules: V1ClusterRole['rules'], aggregateFrom?: string): V1ClusterRole => ({
  metadata: { name, labels },
  ...(aggregateFrom ? { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [aggregateFrom]: 'true' } }] } } : {}),
  rules,
});

describe('aggregateRules', () => {
  it('gathers the rules of matching roles in name order, each rule once, never its own', () => {
    const target = role('agg', { 'x/agg': 'true' }, [{ verbs: ['stale'] }], 'x/agg');
    const all = [
      target,
      role('b', { 'x/agg': 'true' }, [{ verbs: ['get'], apiGroups: [''], resources: ['services'] }, { verbs: ['get'], apiGroups: [''], resources: ['pods'] }]),
      role('a', { 'x/agg': 'true' }, [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }]),
      role('c', {}, [{ verbs: ['delete'], apiGroups: [''], resources: ['pods'] }]),
    ];
    expect(aggregateRules(target, all)).toEqual([
      { verbs: ['get'], apiGroups: [''], resources: ['pods'] },
      { verbs: ['get'], apiGroups: [''], resources: ['services'] },
    ]);
  });
});

describe('clusterrole aggregation controller', () => {
  let srv: TestApiServer;
  let ac: AbortController;
  let cm: RunningControllerManager;
  let rest: RestClient;

  beforeAll(async () => {
    srv = await startTestApiServer({ databaseUrl: await createDatabaseAt(inject('pgAdminUrl')) });
    ac = new AbortController();
    cm = startControllerManager({ kubeconfig: srv.kubeconfig, signal: ac.signal, controllers: [clusterRoleAggregationController()], log: () => {} });
    rest = new RestClient(srv.kubeconfig);
  });

  afterAll(async () => {
    ac?.abort();
    await cm?.done;
    rest?.close();
    await srv?.close();
  });

  const rulesOf = async (name: string) => (await rest.get(clusterRoles, '', name)).rules ?? [];

  it('fills an aggregated role from the roles its selector matches, and follows their changes', async () => {
    await rest.create(clusterRoles, '', role('monitoring', {}, [], 'example.com/aggregate-to-monitoring'));
    await rest.create(clusterRoles, '', role('monitoring-pods', { 'example.com/aggregate-to-monitoring': 'true' }, [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }]));
    await eventually(async () => (await rulesOf('monitoring')).length === 1, { what: 'monitoring aggregates pods', timeoutMs: 5_000 });
    // Written as upstream writes it: a forced apply under the controller's own field manager.
    const managers = ((await rest.get(clusterRoles, '', 'monitoring')).metadata?.managedFields ?? []).map((m) => `${m.manager}/${m.operation}`);
    expect(managers).toContain('clusterrole-aggregation-controller/Apply');
    await rest.create(clusterRoles, '', role('monitoring-services', { 'example.com/aggregate-to-monitoring': 'true' }, [
      { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] },
      { verbs: ['get'], apiGroups: [''], resources: ['services'] },
    ]));
    await eventually(async () => (await rulesOf('monitoring')).length === 2, { what: 'monitoring aggregates services', timeoutMs: 5_000 });
    expect((await rulesOf('monitoring')).map((r) => r.resources)).toEqual([['pods'], ['services']]);
    await rest.patch(clusterRoles, '', 'monitoring-pods', { metadata: { labels: { 'example.com/aggregate-to-monitoring': null } } });
    await rest.delete(clusterRoles, '', 'monitoring-services');
    await eventually(async () => (await rulesOf('monitoring')).length === 0, { what: 'monitoring emptied', timeoutMs: 5_000 });
  });

  it('extends view, and through it edit and admin, with a role labelled aggregate-to-view', async () => {
    const widgets = { verbs: ['get', 'list', 'watch'], apiGroups: ['example.com'], resources: ['widgets'] };
    await rest.create(clusterRoles, '', role('widget-viewer', { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' }, [widgets]));
    for (const name of ['view', 'edit', 'admin']) {
      await eventually(async () => (await rulesOf(name)).some((r) => r.apiGroups?.includes('example.com')), { what: `${name} aggregates widgets`, timeoutMs: 5_000 });
    }
    expect(await rulesOf('view')).toContainEqual(widgets);
  });
});
