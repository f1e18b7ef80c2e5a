// authorization.k8s.io/v1 SelfSubjectAccessReview: may I do this? Create-only, never stored
// (upstream pkg/registry/authorization/selfsubjectaccessreview); `kubectl auth can-i` asks it.
import * as errors from '../../../../machinery/errors.ts';
import { defineResource } from '../../types.ts';
import { answer, attributesFrom, authorizerOf, invalidReview, specPath, statusOf, validateAttributesChoice, type AccessReview } from './review.ts';

export const selfsubjectaccessreviews = defineResource<AccessReview>({
  group: 'authorization.k8s.io', version: 'v1', kind: 'SelfSubjectAccessReview', plural: 'selfsubjectaccessreviews', singular: 'selfsubjectaccessreview',
  namespaced: false, verbs: ['create'], model: 'V1SelfSubjectAccessReview',
  async create(body, ctx) {
    const review = body as AccessReview;
    const spec = review.spec ?? {};
    if (!ctx.user) throw errors.badRequest('no user present on request');
    const errs = validateAttributesChoice(spec, specPath);
    if (errs.length) throw invalidReview('SelfSubjectAccessReview', errs);
    const decision = authorizerOf(ctx).decide(attributesFrom(ctx.user, spec));
    return answer(review, statusOf(decision));
  },
});
