// What the access reviews of authorization.k8s.io/v1 share (upstream pkg/registry/authorization
// and pkg/apis/authorization/validation): the spec's shapes and checks, the attributes a spec
// asks about, the answer as a status, and the authorizer that serves the request.
import * as errors from '../../../../machinery/errors.ts';
import * as field from '../../../../machinery/fieldpath.ts';
import { FieldPath, type FieldError } from '../../../../machinery/fieldpath.ts';
import type { KubeObject, RequestUser, SubresourceContext } from '../../types.ts';
import { authorizerForStore, type ClusterAuthorizer } from '../../../rbac/authorizer.ts';
import type { DecisionResult } from '../../../rbac/decision.ts';
import type { Attributes } from '../../../rbac/rules.ts';

export const GROUP = 'authorization.k8s.io';
export const API_VERSION = 'authorization.k8s.io/v1';

export interface ResourceAttributes {
  namespace?: string; verb?: string; group?: string; version?: string; resource?: string; subresource?: string; name?: string;
  fieldSelector?: { rawSelector?: string }; labelSelector?: { rawSelector?: string };
}
export interface NonResourceAttributes { path?: string; verb?: string }

export interface AccessReviewSpec {
  resourceAttributes?: ResourceAttributes | null;
  nonResourceAttributes?: NonResourceAttributes | null;
  user?: string;
  groups?: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}

export type AccessReview = KubeObject & { spec?: AccessReviewSpec; status?: unknown };

/** Upstream's ValidateSelfSubjectAccessReviewSpec: exactly one kind of attributes. */
export function validateAttributesChoice(spec: AccessReviewSpec, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (spec.resourceAttributes && spec.nonResourceAttributes) {
    errs.push(field.invalid(path.child('nonResourceAttributes'), spec.nonResourceAttributes, 'cannot be specified in combination with resourceAttributes'));
  }
  if (!spec.resourceAttributes && !spec.nonResourceAttributes) {
    errs.push(field.invalid(path.child('resourceAttributes'), spec.nonResourceAttributes ?? null, 'exactly one of nonResourceAttributes or resourceAttributes must be specified'));
  }
  return errs;
}

/** Upstream's ValidateSubjectAccessReviewSpec: attributes as above, and someone to ask about. */
export function validateSubjectSpec(spec: AccessReviewSpec, path: FieldPath): FieldError[] {
  const errs = validateAttributesChoice(spec, path);
  if (!spec.user && !(spec.groups ?? []).length) errs.push(field.invalid(path.child('user'), spec.user ?? '', 'at least one of user or group must be specified'));
  return errs;
}

/** Metadata a review may carry (upstream: empty, except the namespace of a local review). */
export function metadataIsEmpty(obj: KubeObject, allowNamespace: boolean): boolean {
  const meta = { ...(obj.metadata ?? {}) } as Record<string, unknown>;
  delete meta.managedFields;
  if (allowNamespace) delete meta.namespace;
  // The create handler may leave an empty creationTimestamp behind.
  if (meta.creationTimestamp === null || meta.creationTimestamp === undefined) delete meta.creationTimestamp;
  return Object.values(meta).every((v) => v === undefined || v === null || v === '' || (typeof v === 'object' && Object.keys(v as object).length === 0));
}

export const specPath = FieldPath.root('spec');

export function invalidReview(kind: string, errs: FieldError[]): errors.StatusError {
  return errors.invalid({ group: GROUP, kind }, '', errs);
}

/** Upstream's ResourceAttributesFrom / NonResourceAttributesFrom: an empty version means every version. */
export function attributesFrom(user: RequestUser, spec: AccessReviewSpec): Attributes {
  if (spec.resourceAttributes) {
    const r = spec.resourceAttributes;
    const attrs: Attributes = {
      user, verb: r.verb ?? '', isResourceRequest: true, path: '', namespace: r.namespace ?? '', apiGroup: r.group ?? '',
      apiVersion: r.version || '*', resource: r.resource ?? '', subresource: r.subresource ?? '', name: r.name ?? '',
    };
    if (r.fieldSelector?.rawSelector) attrs.fieldSelector = r.fieldSelector.rawSelector;
    if (r.labelSelector?.rawSelector) attrs.labelSelector = r.labelSelector.rawSelector;
    return attrs;
  }
  const n = spec.nonResourceAttributes ?? {};
  return {
    user, verb: n.verb ?? '', isResourceRequest: false, path: n.path ?? '', namespace: '', apiGroup: '', apiVersion: '', resource: '', subresource: '', name: '',
  };
}

/** SubjectAccessReviewStatus: allowed always, the rest only when set. */
export function statusOf(d: DecisionResult): Record<string, unknown> {
  return {
    allowed: d.decision === 'Allow',
    ...(d.decision === 'Deny' ? { denied: true } : {}),
    ...(d.reason ? { reason: d.reason } : {}),
    ...(d.evaluationError ? { evaluationError: d.evaluationError } : {}),
  };
}

/** The authorizer of the server this request reached. */
export function authorizerOf(ctx: SubresourceContext): ClusterAuthorizer {
  const auth = authorizerForStore(ctx.registry.store);
  if (!auth) throw errors.internalError(new Error('no authorizer serves this store'));
  return auth;
}

/** The review as answered: what was asked, and the status (upstream returns the object it was given). */
export function answer(review: AccessReview, status: unknown): KubeObject {
  const { uid: _u, resourceVersion: _r, creationTimestamp: _c, ...meta } = review.metadata ?? {};
  const out: KubeObject = { apiVersion: review.apiVersion, kind: review.kind, metadata: meta, spec: review.spec ?? {}, status };
  // Never stored, so Go's zero time: upstream writes `"creationTimestamp": null`.
  (out.metadata as Record<string, unknown>).creationTimestamp = null;
  return out;
}
