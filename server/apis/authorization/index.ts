// authorization.k8s.io: the access reviews, create-only questions answered by the authorizer
// chain (server/rbac) and never stored.
import type { AnyResource } from '../types.ts';
import { selfsubjectaccessreviews } from './v1/selfsubjectaccessreviews.ts';
import { subjectaccessreviews } from './v1/subjectaccessreviews.ts';
import { localsubjectaccessreviews } from './v1/localsubjectaccessreviews.ts';
import { selfsubjectrulesreviews } from './v1/selfsubjectrulesreviews.ts';

export const authorizationResources: AnyResource[] = [
  localsubjectaccessreviews, selfsubjectaccessreviews, selfsubjectrulesreviews, subjectaccessreviews,
] as AnyResource[];
