// authorization.k8s.io/v1 SubjectAccessReview: may this user (or these groups) do this?
// Create-only, never stored (upstream pkg/registry/authorization/subjectaccessreview); the
// subject is exactly as given: no system:authenticated is added.
import * as field from '../../../../machinery/fieldpath.ts';
import { FieldPath } from '../../../../machinery/fieldpath.ts';
import { defineResource } from '../../types.ts';
import { answer, attributesFrom, authorizerOf, invalidReview, metadataIsEmpty, specPath, statusOf, validateSubjectSpec, type AccessReview } from './review.ts';

export const subjectaccessreviews = defineResource<AccessReview>({
  group: 'authorization.k8s.io', version: 'v1', kind: 'SubjectAccessReview', plural: 'subjectaccessreviews', singular: 'subjectaccessreview',
  namespaced: false, verbs: ['create'], model: 'V1SubjectAccessReview',
  async create(body, ctx) {
    const review = body as AccessReview;
    const spec = review.spec ?? {};
    const errs = validateSubjectSpec(spec, specPath);
    if (!metadataIsEmpty(review, false)) errs.push(field.invalid(FieldPath.root('metadata'), review.metadata, 'must be empty'));
    if (errs.length) throw invalidReview('SubjectAccessReview', errs);
    const subject = { name: spec.user ?? '', groups: spec.groups ?? [], ...(spec.uid ? { uid: spec.uid } : {}), ...(spec.extra ? { extra: spec.extra } : {}) };
    return answer(review, statusOf(authorizerOf(ctx).decide(attributesFrom(subject, spec))));
  },
});
