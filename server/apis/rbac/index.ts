// rbac.authorization.k8s.io: roles, clusterroles and their bindings (stored and validated; the
// authorizer that enforces them is separate).
import type { AnyResource } from '../types.ts';
import { roles } from './v1/roles.ts';
import { rolebindings } from './v1/rolebindings.ts';
import { clusterroles } from './v1/clusterroles.ts';
import { clusterrolebindings } from './v1/clusterrolebindings.ts';

export const rbacResources: AnyResource[] = [roles, rolebindings, clusterroles, clusterrolebindings] as AnyResource[];
