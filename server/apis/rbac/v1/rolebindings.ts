// rbac.authorization.k8s.io/v1 RoleBinding: grants a Role or ClusterRole within one namespace.
import { defineResource } from '../../types.ts';
import { bindingTable } from './bindingtable.ts';
import { confirmBindingWrite } from '../../../rbac/escalation.ts';
import { defaultBinding, validateBinding, validateBindingUpdate, validateRBACName, type Binding } from './validation.ts';

export const rolebindings = defineResource<Binding>({
  group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'RoleBinding', plural: 'rolebindings', singular: 'rolebinding',
  namespaced: true, model: 'V1RoleBinding',
  strategy: {
    nameValidator: validateRBACName,
    allowCreateOnUpdate: true,
    defaults: defaultBinding,
    validate: (b) => validateBinding(b, true),
    validateUpdate: validateBindingUpdate,
    // Escalation prevention: binding needs the role's rules, or `bind` on it.
    prepareForCreate: (b, ctx) => confirmBindingWrite('rolebindings', b, undefined, ctx),
    prepareForUpdate: (b, old, ctx) => confirmBindingWrite('rolebindings', b, old, ctx),
  },
  table: bindingTable('roleBinding'),
});
