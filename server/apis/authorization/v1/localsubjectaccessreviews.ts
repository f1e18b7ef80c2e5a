// authorization.k8s.io/v1 LocalSubjectAccessReview: a SubjectAccessReview confined to one
// namespace, so namespace admins may be given it (upstream pkg/registry/authorization/
// localsubjectaccessreview). Create-only, never stored.
import * as errors from '../../../../machinery/errors.ts';
import * as field from '../../../../machinery/fieldpath.ts';
import { FieldPath } from '../../../../machinery/fieldpath.ts';
import { defineResource } from '../../types.ts';
import { answer, attributesFrom, authorizerOf, invalidReview, metadataIsEmpty, specPath, statusOf, validateSubjectSpec, type AccessReview } from './review.ts';

export const localsubjectaccessreviews = defineResource<AccessReview>({
  group: 'authorization.k8s.io', version: 'v1', kind: 'LocalSubjectAccessReview', plural: 'localsubjectaccessreviews', singular: 'localsubjectaccessreview',
  namespaced: true, verbs: ['create'], model: 'V1LocalSubjectAccessReview',
  async create(body, ctx) {
    const review = body as AccessReview;
    if (!ctx.namespace) throw errors.badRequest(`namespace is required on this type: ${ctx.namespace}`);
    const spec = review.spec ?? {};
    const namespace = review.metadata?.namespace ?? '';
    const errs = validateSubjectSpec(spec, specPath);
    if (!metadataIsEmpty(review, true)) errs.push(field.invalid(FieldPath.root('metadata'), review.metadata, 'must be empty except for namespace'));
    if (spec.resourceAttributes && (spec.resourceAttributes.namespace ?? '') !== namespace) {
      errs.push(field.invalid(FieldPath.root('spec', 'resourceAttributes', 'namespace'), spec.resourceAttributes.namespace ?? '', 'must match metadata.namespace'));
    }
    if (spec.nonResourceAttributes) errs.push(field.invalid(FieldPath.root('spec', 'nonResourceAttributes'), spec.nonResourceAttributes, 'disallowed on this kind of request'));
    if (errs.length) throw invalidReview('LocalSubjectAccessReview', errs);
    if (namespace !== ctx.namespace) throw errors.badRequest(`spec.resourceAttributes.namespace must match namespace: ${ctx.namespace}`);
    const subject = { name: spec.user ?? '', groups: spec.groups ?? [], ...(spec.uid ? { uid: spec.uid } : {}), ...(spec.extra ? { extra: spec.extra } : {}) };
    return answer(review, statusOf(authorizerOf(ctx).decide(attributesFrom(subject, spec))));
  },
});
