// Spot checks of the bootstrap policy against upstream's testdata (cluster-roles.yaml,
// cluster-role-bindings.yaml, controller-roles.yaml, namespace-roles.yaml).
import { describe, expect, it } from 'vitest';
import { bootstrapPolicy, clusterRoleBindings, clusterRoles, namespaceRoleBindings, namespaceRoles } from './policy.ts';

const byName = <T extends { metadata?: { name?: string } }>(xs: T[], name: string): T => {
  const found = xs.find((x) => x.metadata?.name === name);
  if (!found) throw new Error(`no ${name}`);
  return found;
};

describe('bootstrap cluster roles', () => {
  const roles = clusterRoles();

  it('labels and annotates every default object as upstream', () => {
    for (const o of [...roles, ...clusterRoleBindings(), ...namespaceRoles(), ...namespaceRoleBindings()]) {
      expect(o.metadata?.labels?.['kubernetes.io/bootstrapping'], o.metadata?.name).toBe('rbac-defaults');
      expect(o.metadata?.annotations?.['rbac.authorization.kubernetes.io/autoupdate'], o.metadata?.name).toBe('true');
    }
    const names = roles.map((r) => r.metadata!.name!);
    expect(new Set(names).size).toBe(names.length);
    for (const n of ['cluster-admin', 'admin', 'edit', 'view', 'system:discovery', 'system:basic-user', 'system:public-info-viewer', 'system:node',
      'system:node-proxier', 'system:kube-scheduler', 'system:kube-controller-manager', 'system:auth-delegator', 'system:monitoring',
      'system:controller:replicaset-controller', 'system:controller:clusterrole-aggregation-controller', 'system:controller:namespace-controller']) {
      expect(names).toContain(n);
    }
  });

  it('has cluster-admin, discovery, public-info-viewer and basic-user exactly as upstream', () => {
    expect(byName(roles, 'cluster-admin').rules).toEqual([
      { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
      { verbs: ['*'], nonResourceURLs: ['*'] },
    ]);
    expect(byName(roles, 'system:discovery').rules).toEqual([{
      verbs: ['get'],
      nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'],
    }]);
    expect(byName(roles, 'system:public-info-viewer').rules).toEqual([{ verbs: ['get'], nonResourceURLs: ['/healthz', '/livez', '/readyz', '/version', '/version/'] }]);
    expect(byName(roles, 'system:basic-user').rules).toEqual([
      { verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] },
      { verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'] },
    ]);
    expect(byName(roles, 'system:monitoring').rules).toEqual([{
      verbs: ['get'], nonResourceURLs: ['/healthz', '/healthz/*', '/livez', '/livez/*', '/metrics', '/metrics/slis', '/readyz', '/readyz/*'],
    }]);
  });

  it('aggregates admin, edit and view by upstream labels', () => {
    const admin = byName(roles, 'admin'), edit = byName(roles, 'edit'), view = byName(roles, 'view');
    expect(admin.aggregationRule).toEqual({ clusterRoleSelectors: [{ matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' } }] });
    expect(edit.aggregationRule).toEqual({ clusterRoleSelectors: [{ matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' } }] });
    expect(view.aggregationRule).toEqual({ clusterRoleSelectors: [{ matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } }] });
    expect(edit.metadata?.labels?.['rbac.authorization.k8s.io/aggregate-to-admin']).toBe('true');
    expect(view.metadata?.labels?.['rbac.authorization.k8s.io/aggregate-to-edit']).toBe('true');
    expect(byName(roles, 'system:aggregate-to-view').rules![0]).toEqual({
      verbs: ['get', 'list', 'watch'], apiGroups: [''],
      resources: ['configmaps', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status'],
    });
    expect(byName(roles, 'system:aggregate-to-edit').rules![2]).toEqual({
      verbs: ['create', 'delete', 'deletecollection', 'patch', 'update'], apiGroups: [''], resources: ['pods', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy'],
    });
  });

  it('fills the aggregated roles as the aggregation controller would: view ⊂ edit ⊂ admin, view without secrets', () => {
    const filled = bootstrapPolicy().clusterRoles;
    const view = byName(filled, 'view'), edit = byName(filled, 'edit'), admin = byName(filled, 'admin');
    expect(view.rules).toEqual(byName(filled, 'system:aggregate-to-view').rules);
    expect(view.rules!.some((r) => r.resources?.includes('secrets'))).toBe(false);
    for (const r of view.rules!) expect(edit.rules).toContainEqual(r);
    for (const r of edit.rules!) expect(admin.rules).toContainEqual(r);
    expect(admin.rules).toContainEqual({ verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['rolebindings', 'roles'] });
  });

  it('gives kubelets, the scheduler and the controller manager upstream rules', () => {
    const node = byName(roles, 'system:node').rules!;
    expect(node).toContainEqual({ verbs: ['patch', 'update'], apiGroups: [''], resources: ['pods/status'] });
    expect(node).toContainEqual({ verbs: ['create', 'delete', 'get', 'patch', 'update'], apiGroups: ['coordination.k8s.io'], resources: ['leases'] });
    expect(node).toHaveLength(22);
    const sched = byName(roles, 'system:kube-scheduler').rules!;
    expect(sched[0]).toEqual({ verbs: ['create', 'patch', 'update'], apiGroups: ['', 'events.k8s.io'], resources: ['events'] });
    expect(sched).toContainEqual({ verbs: ['get', 'update'], apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: ['kube-scheduler'] });
    expect(sched).toContainEqual({ verbs: ['create'], apiGroups: [''], resources: ['bindings', 'pods/binding'] });
    expect(byName(roles, 'system:kube-controller-manager').rules).toContainEqual({ verbs: ['list', 'watch'], apiGroups: ['*'], resources: ['*'] });
    expect(byName(roles, 'system:node-proxier').rules).toEqual([
      { verbs: ['list', 'watch'], apiGroups: [''], resources: ['endpoints', 'services'] },
      { verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['nodes'] },
      { verbs: ['create', 'patch', 'update'], apiGroups: ['', 'events.k8s.io'], resources: ['events'] },
      { verbs: ['list', 'watch'], apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'] },
    ]);
    expect(byName(roles, 'system:controller:clusterrole-aggregation-controller').rules).toEqual([
      { verbs: ['escalate', 'get', 'list', 'patch', 'update', 'watch'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'] },
    ]);
    expect(byName(roles, 'system:controller:disruption-controller').rules).toContainEqual({ verbs: ['get'], apiGroups: ['*'], resources: ['*/scale'] });
  });
});

describe('bootstrap bindings', () => {
  const bindings = clusterRoleBindings();
  const subjects = (name: string) => byName(bindings, name).subjects;

  it('binds the default roles to upstream subjects', () => {
    const g = (name: string) => ({ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name });
    const u = (name: string) => ({ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name });
    expect(subjects('cluster-admin')).toEqual([g('system:masters')]);
    expect(subjects('system:discovery')).toEqual([g('system:authenticated')]);
    expect(subjects('system:basic-user')).toEqual([g('system:authenticated')]);
    expect(subjects('system:public-info-viewer')).toEqual([g('system:authenticated'), g('system:unauthenticated')]);
    expect(subjects('system:kube-scheduler')).toEqual([u('system:kube-scheduler')]);
    expect(subjects('system:node-proxier')).toEqual([u('system:kube-proxy')]);
    expect(subjects('system:kube-controller-manager')).toEqual([u('system:kube-controller-manager')]);
    // Kubelets are served by the Node authorizer; the binding stays with no subjects.
    expect(subjects('system:node')).toBeUndefined();
    expect(subjects('system:controller:replicaset-controller')).toEqual([{ kind: 'ServiceAccount', name: 'replicaset-controller', namespace: 'kube-system' }]);
    for (const b of bindings) expect(b.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: b.metadata!.name });
  });

  it('has the leader-election roles in kube-system', () => {
    const role = namespaceRoles().find((r) => r.metadata?.name === 'system::leader-locking-kube-scheduler')!;
    expect(role.metadata?.namespace).toBe('kube-system');
    expect(role.rules![0]).toEqual({ verbs: ['create', 'get', 'list', 'update', 'watch'], apiGroups: ['coordination.k8s.io'], resources: ['leases'] });
    const rb = namespaceRoleBindings().find((b) => b.metadata?.name === 'system::leader-locking-kube-scheduler')!;
    expect(rb.subjects).toContainEqual({ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'system:kube-scheduler' });
  });
});
