// rbac.authorization.k8s.io/v1 RoleBinding: grants a Role or ClusterRole within one namespace.
import { defineResource } from '../../types.ts';
import { bindingTable } from './bindingtable.ts';
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
  },
  table: bindingTable('roleBinding'),
});
