// rbac.authorization.k8s.io/v1 ClusterRole: cluster-wide rules, possibly aggregated from other
// ClusterRoles by label selectors (the aggregation controller fills `rules`).
import { defineResource } from '../../types.ts';
import { confirmRoleWrite } from '../../../rbac/escalation.ts';
import { defaultRole, validateAggregationRule, validateRBACName, validateRules, type ClusterRole } from './validation.ts';

export const clusterroles = defineResource<ClusterRole>({
  group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRole', plural: 'clusterroles', singular: 'clusterrole',
  namespaced: false, model: 'V1ClusterRole',
  strategy: {
    nameValidator: validateRBACName,
    allowCreateOnUpdate: true,
    defaults: defaultRole,
    validate: (role) => [...validateRules(role.rules, false), ...validateAggregationRule(role)],
    // Escalation prevention: only rules the writer holds (an aggregationRule needs all of them).
    prepareForCreate: (role, ctx) => confirmRoleWrite('clusterroles', role, undefined, ctx),
    prepareForUpdate: (role, old, ctx) => confirmRoleWrite('clusterroles', role, old, ctx),
  },
});
