import { describe, expect, it } from 'vitest';
import { rbacAuthorize } from './authorizer.ts';
import { RuleResolver, aggregateMessage, type PolicyObjects } from './resolver.ts';
import type { Attributes } from './rules.ts';

const crb = (name: string, role: string, subjects: object[]) => ({ metadata: { name }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role }, subjects });
const rb = (ns: string, name: string, kind: string, role: string, subjects: object[]) => ({ metadata: { namespace: ns, name }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind, name: role }, subjects });

const policy: PolicyObjects = {
  clusterRoles: [
    { metadata: { name: 'view' }, rules: [{ verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods', 'configmaps'] }] },
    { metadata: { name: 'node-reader' }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['nodes'] }] },
  ],
  roles: [{ metadata: { namespace: 'team', name: 'cm-writer' }, rules: [{ verbs: ['create'], apiGroups: [''], resources: ['configmaps'] }] }],
  clusterRoleBindings: [
    crb('readers', 'node-reader', [{ kind: 'Group', name: 'readers' }]),
    crb('dangling', 'missing', [{ kind: 'User', name: 'jane' }]),
  ],
  roleBindings: [
    rb('team', 'jane-view', 'ClusterRole', 'view', [{ kind: 'User', name: 'jane' }]),
    rb('team', 'writers', 'Role', 'cm-writer', [{ kind: 'ServiceAccount', name: 'builder' }]),
  ],
};

const attrs = (user: Attributes['user'], verb: string, resource: string, namespace: string): Attributes => ({
  user, verb, isResourceRequest: true, path: '', namespace, apiGroup: '', apiVersion: 'v1', resource, subresource: '', name: '',
});

describe('RuleResolver (upstream DefaultRuleResolver)', () => {
  const r = new RuleResolver(policy);
  const jane = { name: 'jane', groups: ['system:authenticated'] };

  it('applies a RoleBinding to a ClusterRole only in its namespace', () => {
    expect(rbacAuthorize(r, attrs(jane, 'list', 'pods', 'team')).decision).toBe('Allow');
    expect(rbacAuthorize(r, attrs(jane, 'list', 'pods', 'other')).decision).toBe('NoOpinion');
    expect(rbacAuthorize(r, attrs(jane, 'list', 'pods', '')).decision).toBe('NoOpinion');
    expect(rbacAuthorize(r, attrs(jane, 'delete', 'pods', 'team')).decision).toBe('NoOpinion');
  });

  it('says which binding allowed, in upstream words', () => {
    expect(rbacAuthorize(r, attrs(jane, 'get', 'configmaps', 'team')).reason)
      .toBe('RBAC: allowed by RoleBinding "jane-view/team" of ClusterRole "view" to User "jane"');
    const reader = { name: 'bob', groups: ['readers'] };
    expect(rbacAuthorize(r, attrs(reader, 'get', 'nodes', '')).reason)
      .toBe('RBAC: allowed by ClusterRoleBinding "readers" of ClusterRole "node-reader" to Group "readers"');
  });

  it('matches a ServiceAccount subject without a namespace in the binding\'s own namespace', () => {
    const sa = { name: 'system:serviceaccount:team:builder', groups: ['system:serviceaccounts', 'system:serviceaccounts:team'] };
    const d = rbacAuthorize(r, attrs(sa, 'create', 'configmaps', 'team'));
    expect(d).toEqual({ decision: 'Allow', reason: 'RBAC: allowed by RoleBinding "writers/team" of Role "cm-writer" to ServiceAccount "builder/team"' });
    const elsewhere = { name: 'system:serviceaccount:other:builder', groups: [] };
    expect(rbacAuthorize(r, attrs(elsewhere, 'create', 'configmaps', 'team')).decision).toBe('NoOpinion');
  });

  it('reports a binding to a missing role as the reason of a denial', () => {
    expect(rbacAuthorize(r, attrs(jane, 'delete', 'nodes', ''))).toEqual({
      decision: 'NoOpinion', reason: 'RBAC: clusterrole.rbac.authorization.k8s.io "missing" not found',
    });
  });

  it('lists the rules that apply, cluster-wide ones first', () => {
    const { rules, errors } = r.rulesFor(jane, 'team');
    expect(rules).toEqual([{ verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods', 'configmaps'] }]);
    expect(errors).toEqual(['clusterrole.rbac.authorization.k8s.io "missing" not found']);
  });

  it('resolves role references, NotFound for a missing role', () => {
    expect(r.roleReferenceRules({ kind: 'Role', name: 'cm-writer' }, 'team')).toHaveLength(1);
    expect(() => r.roleReferenceRules({ kind: 'Role', name: 'cm-writer' }, 'other')).toThrow('role.rbac.authorization.k8s.io "cm-writer" not found');
    expect(() => r.roleReferenceRules({ kind: 'Group', name: 'x' }, '')).toThrow('unsupported role reference kind: "Group"');
  });

  it('aggregates messages as Go does', () => {
    expect(aggregateMessage(['a'])).toBe('a');
    expect(aggregateMessage(['a', 'a'])).toBe('a');
    expect(aggregateMessage(['a', 'b', 'a'])).toBe('[a, b]');
  });
});
