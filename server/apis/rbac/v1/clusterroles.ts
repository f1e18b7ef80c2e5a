// rbac.authorization.k8s.io/v1 ClusterRole: cluster-wide rules, possibly aggregated from other
// ClusterRoles by label selectors (the aggregation controller fills `rules`).
import { defineResource } from '../../types.ts';
import { validateAggregationRule, validateRBACName, validateRules, type ClusterRole } from './validation.ts';

export const clusterroles = defineResource<ClusterRole>({
  group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRole', plural: 'clusterroles', singular: 'clusterrole',
  namespaced: false, model: 'V1ClusterRole',
  strategy: {
    nameValidator: validateRBACName,
    allowCreateOnUpdate: true,
    validate: (role) => [...validateRules(role.rules, false), ...validateAggregationRule(role)],
  },
});
