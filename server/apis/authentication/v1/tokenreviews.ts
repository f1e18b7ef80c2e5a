// authentication.k8s.io/v1 TokenReview: POST a bearer token (and the audiences it should be good
// for) and get back whether it authenticates, as whom, and for which of those audiences; the API
// server's own authenticators judge it. Cluster-scoped, create-only, stored nowhere. Upstream:
// pkg/registry/authentication/tokenreview/storage.go.
import * as errors from '../../../../machinery/errors.ts';
import { authServicesFor } from '../../../auth/services.ts';
import { defineResource, type KubeObject } from '../../types.ts';
import { userInfoV1, type UserInfoV1 } from './userinfo.ts';

export type TokenReview = KubeObject & {
  spec?: { token?: string; audiences?: string[] };
  status?: { authenticated?: boolean; user?: UserInfoV1; audiences?: string[]; error?: string };
};

export const tokenreviews = defineResource<TokenReview>({
  group: 'authentication.k8s.io', version: 'v1', kind: 'TokenReview', plural: 'tokenreviews', singular: 'tokenreview',
  namespaced: false, verbs: ['create'], model: 'V1TokenReview',
  async create(body, ctx) {
    const review = body as TokenReview;
    if (ctx.namespace) throw errors.badRequest(`namespace is not allowed on this type: ${ctx.namespace}`);
    const token = review.spec?.token ?? '';
    if (!token) throw errors.badRequest('token is required for TokenReview in authentication');
    const result = await authServicesFor(ctx.registry.store).authenticator.reviewToken(token, review.spec?.audiences);
    // Go's zero metadata: creationTimestamp null; `user` is a struct, so always present.
    const status: NonNullable<TokenReview['status']> = {};
    if (result.authenticated) status.authenticated = true;
    status.user = result.user ? userInfoV1(result.user) : {};
    if (result.user && result.audiences?.length) status.audiences = result.audiences;
    if (result.error) status.error = result.error;
    return {
      ...review,
      metadata: { creationTimestamp: null as unknown as string, ...(review.metadata ?? {}) },
      spec: { ...(review.spec ?? {}) },
      status,
    };
  },
});
