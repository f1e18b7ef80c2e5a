// rbac.authorization.k8s.io/v1 Role: namespaced permission rules. Upstream prints it with the
// default Table (Name, Created At). Writers may grant only what they hold (server/rbac/escalation.ts).
import { defineResource } from '../../types.ts';
import { confirmRoleWrite } from '../../../rbac/escalation.ts';
import { defaultRole, validateRBACName, validateRules, type Role } from './validation.ts';

export const roles = defineResource<Role>({
  group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'Role', plural: 'roles', singular: 'role',
  namespaced: true, model: 'V1Role',
  strategy: {
    nameValidator: validateRBACName,
    allowCreateOnUpdate: true,
    defaults: defaultRole,
    validate: (role) => validateRules(role.rules, true),
    // Escalation prevention: only rules the writer holds, unless it may `escalate`.
    prepareForCreate: (role, ctx) => confirmRoleWrite('roles', role, undefined, ctx),
    prepareForUpdate: (role, old, ctx) => confirmRoleWrite('roles', role, old, ctx),
  },
});
