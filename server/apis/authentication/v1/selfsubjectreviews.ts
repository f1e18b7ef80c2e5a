// authentication.k8s.io/v1 SelfSubjectReview (`kubectl auth whoami`): POST one and get back the
// user the request was authenticated (or impersonated) as. Create-only, stored nowhere.
// Upstream: pkg/registry/authentication/selfsubjectreview/rest.go.
import * as errors from '../../../../machinery/errors.ts';
import { rfc3339 } from '../../../registry/generic.ts';
import { defineResource, type KubeObject } from '../../types.ts';
import { userInfoV1, type UserInfoV1 } from './userinfo.ts';

export type SelfSubjectReview = KubeObject & { status?: { userInfo?: UserInfoV1 } };

export const selfsubjectreviews = defineResource<SelfSubjectReview>({
  group: 'authentication.k8s.io', version: 'v1', kind: 'SelfSubjectReview', plural: 'selfsubjectreviews', singular: 'selfsubjectreview',
  namespaced: false, verbs: ['create'], model: 'V1SelfSubjectReview',
  async create(_body, ctx) {
    if (!ctx.user) throw errors.badRequest('no user present on request');
    // A new object: nothing of the request body comes back.
    return {
      apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview',
      metadata: { creationTimestamp: rfc3339(ctx.now) },
      status: { userInfo: userInfoV1(ctx.user) },
    };
  },
});
