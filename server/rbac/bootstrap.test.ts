// Start-up reconciliation of the default policy: a second API server over the same store adds
// back what was taken from the defaults, keeps what was added, and leaves protected ones alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type SqlStore } from '../../storage/index.ts';
import { ApiServer } from '../apiserver.ts';
import type { Binding, ClusterRole } from '../apis/rbac/v1/validation.ts';
import { reconcileBinding, reconcileRole } from './bootstrap.ts';
import { bootstrapPolicy } from './policy.ts';

describe('reconciling one object', () => {
  const basic = bootstrapPolicy().clusterRoles.find((r) => r.metadata?.name === 'system:basic-user')!;

  it('adds missing rules (broken down), labels and annotations, keeping extra rules', () => {
    const existing: ClusterRole = { metadata: { name: 'system:basic-user', labels: { mine: 'yes' } }, rules: [{ verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews'] }, { verbs: ['get'], apiGroups: [''], resources: ['extra'] }] };
    const next = reconcileRole(existing, basic)!;
    expect(next.metadata?.labels).toEqual({ 'kubernetes.io/bootstrapping': 'rbac-defaults', mine: 'yes' });
    expect(next.metadata?.annotations).toEqual({ 'rbac.authorization.kubernetes.io/autoupdate': 'true' });
    expect(next.rules).toEqual([
      ...existing.rules!,
      { verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectrulesreviews'] },
      { verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'] },
    ]);
    expect(reconcileRole(next, basic)).toBeUndefined();
  });

  it('adds missing subjects to a binding and keeps the others', () => {
    const want = bootstrapPolicy().clusterRoleBindings.find((b) => b.metadata?.name === 'system:public-info-viewer')!;
    const existing: Binding = { ...structuredClone(want), subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'someone' }] };
    expect(reconcileBinding(existing, want)!.subjects!.map((s) => s.name)).toEqual(['someone', 'system:authenticated', 'system:unauthenticated']);
    expect(reconcileBinding(want, want)).toBeUndefined();
  });
});

describe('reconciling at start-up', () => {
  let store: SqlStore;
  const servers: ApiServer[] = [];
  const start = async () => {
    const api = new ApiServer({ store, log: () => {} });
    servers.push(api);
    await api.bootstrap();
    return api;
  };

  beforeAll(async () => { store = await openStore({}); });
  afterAll(async () => {
    for (const s of servers) s.close();
    await store.close();
  });

  it('restores what was removed from unprotected defaults, recreates a binding with another roleRef, and spares protected ones', async () => {
    const first = await start();
    const roles = first.registry('rbac.authorization.k8s.io', 'v1', 'clusterroles')!;
    const crbs = first.registry('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings')!;
    await roles.update('', 'system:basic-user', (cur) => ({ ...cur!, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['mine'] }] }));
    await roles.update('', 'system:monitoring', (cur) => ({
      ...cur!, metadata: { ...cur!.metadata, annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'false' } }, rules: [{ verbs: ['get'], nonResourceURLs: ['/metrics'] }],
    }));
    await crbs.delete('', 'system:kube-dns');
    await crbs.create('', { metadata: { name: 'system:kube-dns' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'dns-admin' }] });

    await start();
    const basic = (await roles.get('', 'system:basic-user')) as ClusterRole;
    expect(basic.rules).toEqual([
      { verbs: ['get'], apiGroups: [''], resources: ['mine'] },
      { verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews'] },
      { verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectrulesreviews'] },
      { verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'] },
    ]);
    expect(((await roles.get('', 'system:monitoring')) as ClusterRole).rules).toEqual([{ verbs: ['get'], nonResourceURLs: ['/metrics'] }]);
    const dns = (await crbs.get('', 'system:kube-dns')) as Binding;
    expect(dns.roleRef?.name).toBe('system:kube-dns');
    expect(dns.subjects?.map((s) => s.name)).toEqual(['dns-admin', 'kube-dns']);
    expect(dns.metadata?.labels).toEqual({ 'kubernetes.io/bootstrapping': 'rbac-defaults' });
  });
});
