// authentication.k8s.io: TokenReview (does this token authenticate, and as whom) and
// SelfSubjectReview (`kubectl auth whoami`). Both are create-only and stored nowhere.
import type { AnyResource } from '../types.ts';
import { tokenreviews } from './v1/tokenreviews.ts';
import { selfsubjectreviews } from './v1/selfsubjectreviews.ts';

export const authenticationResources: AnyResource[] = [tokenreviews, selfsubjectreviews] as AnyResource[];
