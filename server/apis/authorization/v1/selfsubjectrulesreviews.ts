// authorization.k8s.io/v1 SelfSubjectRulesReview: what may I do in this namespace? Create-only,
// never stored (upstream pkg/registry/authorization/selfsubjectrulesreview); `kubectl auth
// can-i --list` asks it. Kubelets get an incomplete answer: the Node authorizer cannot list rules.
import * as errors from '../../../../machinery/errors.ts';
import { defineResource, type KubeObject } from '../../types.ts';
import { answer, authorizerOf } from './review.ts';

type RulesReview = KubeObject & { spec?: { namespace?: string } };

export const selfsubjectrulesreviews = defineResource<RulesReview>({
  group: 'authorization.k8s.io', version: 'v1', kind: 'SelfSubjectRulesReview', plural: 'selfsubjectrulesreviews', singular: 'selfsubjectrulesreview',
  namespaced: false, verbs: ['create'], model: 'V1SelfSubjectRulesReview',
  async create(body, ctx) {
    const review = body as RulesReview;
    if (!ctx.user) throw errors.badRequest('no user present on request');
    const namespace = review.spec?.namespace ?? '';
    if (!namespace) throw errors.badRequest('no namespace on request');
    const rules = authorizerOf(ctx).rulesFor(ctx.user, namespace);
    const status: Record<string, unknown> = { resourceRules: rules.resourceRules, nonResourceRules: rules.nonResourceRules, incomplete: rules.incomplete };
    if (rules.evaluationError) status.evaluationError = rules.evaluationError;
    // Upstream answers with a new object: neither metadata nor spec is echoed.
    return answer({ apiVersion: review.apiVersion, kind: review.kind, spec: {} }, status);
  },
});
