// rbac.authorization.k8s.io/v1 ClusterRoleBinding: grants a ClusterRole cluster-wide.
import { defineResource } from '../../types.ts';
import { bindingTable } from './bindingtable.ts';
import { confirmBindingWrite } from '../../../rbac/escalation.ts';
import { defaultBinding, validateBinding, validateBindingUpdate, validateRBACName, type Binding } from './validation.ts';

export const clusterrolebindings = defineResource<Binding>({
  group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRoleBinding', plural: 'clusterrolebindings', singular: 'clusterrolebinding',
  namespaced: false, model: 'V1ClusterRoleBinding',
  strategy: {
    nameValidator: validateRBACName,
    allowCreateOnUpdate: true,
    defaults: defaultBinding,
    validate: (b) => validateBinding(b, false),
    validateUpdate: validateBindingUpdate,
    // Escalation prevention: binding needs the role's rules, or `bind` on it.
    prepareForCreate: (b, ctx) => confirmBindingWrite('clusterrolebindings', b, undefined, ctx),
    prepareForUpdate: (b, old, ctx) => confirmBindingWrite('clusterrolebindings', b, old, ctx),
  },
  table: bindingTable('clusterRoleBinding'),
});
