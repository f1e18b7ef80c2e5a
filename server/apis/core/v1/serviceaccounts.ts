// core/v1 ServiceAccount, with its token subresource: the TokenRequest API (`kubectl create
// token`, the kubelet's projected tokens), which issues a JWT for the ServiceAccount, optionally
// bound to a Pod, Secret or Node so that it dies with that object. Upstream:
// pkg/registry/core/serviceaccount/storage/token.go (1.32), pkg/apis/authentication/validation
// (ValidateTokenRequest) and the v1 defaults (SetDefaults_TokenRequestSpec).
import { randomUUID } from 'node:crypto';
import * as errors from '../../../../machinery/errors.ts';
import * as field from '../../../../machinery/fieldpath.ts';
import { FieldPath, type FieldError } from '../../../../machinery/fieldpath.ts';
import { rfc3339 } from '../../../registry/generic.ts';
import { defineResource, type KubeObject, type SubresourceContext } from '../../types.ts';
import { age, ageColumn, nameColumn } from '../../common/age.ts';
import { authServicesFor } from '../../../auth/services.ts';
import {
  boundClaims, EXPIRATION_EXTENSION_SECONDS, WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS, type BoundTokenRequest,
} from '../../../auth/serviceaccount-token.ts';

type ServiceAccount = KubeObject & { secrets?: unknown[] };

export type TokenRequest = KubeObject & {
  spec?: {
    audiences?: string[] | null;
    expirationSeconds?: number | null;
    boundObjectRef?: { kind?: string; apiVersion?: string; name?: string; uid?: string } | null;
  };
  status?: { token?: string; expirationTimestamp?: string };
};

const TOKEN_REQUEST_KIND: errors.GroupKind = { group: 'authentication.k8s.io', kind: 'TokenRequest' };
/** v1's default expiry: one hour. */
const DEFAULT_EXPIRATION_SECONDS = 60 * 60;
const MIN_EXPIRATION_SECONDS = 10 * 60;

/** Upstream's ValidateTokenRequest. */
export function validateTokenRequest(tr: TokenRequest): FieldError[] {
  const errs: FieldError[] = [];
  const exp = tr.spec?.expirationSeconds ?? 0;
  const path = FieldPath.root('spec', 'expirationSeconds');
  if (exp < MIN_EXPIRATION_SECONDS) errs.push(field.invalid(path, exp, 'may not specify a duration less than 10 minutes'));
  if (exp > 2 ** 32) errs.push(field.invalid(path, exp, 'may not specify a duration larger than 2^32 seconds'));
  return errs;
}

/** group/version from an apiVersion ("v1" is the core group). */
function groupVersionOf(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.indexOf('/');
  return i < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

/** POST serviceaccounts/<name>/token. */
export async function createToken(body: KubeObject, ctx: SubresourceContext): Promise<KubeObject> {
  const req = structuredClone(body) as TokenRequest;
  const auth = authServicesFor(ctx.registry.store);
  const { namespace, name } = ctx;
  if (!namespace) throw errors.badRequest('namespace is required');
  const meta = (req.metadata ??= {});
  if (meta.name && meta.name !== name) {
    throw errors.invalid(TOKEN_REQUEST_KIND, name, [field.invalid(FieldPath.root('metadata', 'name'), meta.name, 'must match the service account name if specified')]);
  }
  if (meta.namespace && meta.namespace !== namespace) {
    throw errors.invalid(TOKEN_REQUEST_KIND, name, [field.invalid(FieldPath.root('metadata', 'namespace'), meta.namespace, 'must match the service account namespace if specified')]);
  }
  const sa = await ctx.registry.get(namespace, name);

  const spec = (req.spec ??= {});
  if (spec.expirationSeconds === undefined || spec.expirationSeconds === null) spec.expirationSeconds = DEFAULT_EXPIRATION_SECONDS;
  if (!spec.audiences || spec.audiences.length === 0) spec.audiences = [...auth.apiAudiences];
  if (spec.boundObjectRef === undefined) spec.boundObjectRef = null;
  meta.name ||= sa.metadata?.name ?? name;
  meta.namespace ||= sa.metadata?.namespace ?? namespace;
  // The time is taken before the token is built, so the reported expiry is never after the token's.
  const now = ctx.registry.clock.now();
  meta.creationTimestamp = rfc3339(now);
  delete req.status;

  const errs = validateTokenRequest(req);
  if (errs.length) throw errors.invalid(TOKEN_REQUEST_KIND, '', errs);

  const request: BoundTokenRequest = {
    serviceAccount: { namespace, name: sa.metadata?.name ?? name, uid: sa.metadata?.uid ?? '' },
    audiences: spec.audiences, expirationSeconds: spec.expirationSeconds, now, jti: randomUUID(),
  };
  const ref = spec.boundObjectRef;
  if (ref) {
    const gv = groupVersionOf(ref.apiVersion ?? '');
    const kind = ref.kind ?? '';
    const get = async (plural: string, ns: string, objName: string) => {
      const reg = ctx.registryFor('', 'v1', plural);
      if (!reg) throw errors.notFound({ group: '', resource: plural }, objName);
      return reg.get(ns, objName);
    };
    let uid = '';
    if (gv.group === '' && kind === 'Pod') {
      const pod = await get('pods', namespace, ref.name ?? '') as KubeObject & { spec?: { serviceAccountName?: string; nodeName?: string } };
      if (name !== (pod.spec?.serviceAccountName ?? '')) {
        throw errors.badRequest(`cannot bind token for serviceaccount ${JSON.stringify(name)} to pod running with different serviceaccount name.`);
      }
      uid = pod.metadata?.uid ?? '';
      request.pod = { name: pod.metadata?.name ?? '', uid };
      // The pod's node goes into the token too (ServiceAccountTokenPodNodeInfo); its UID when the node exists.
      const nodeName = pod.spec?.nodeName;
      if (nodeName) {
        const nodes = ctx.registryFor('', 'v1', 'nodes');
        try {
          const node = nodes ? await nodes.getCached('', nodeName) : undefined;
          request.node = { name: nodeName, ...(node?.metadata?.uid ? { uid: node.metadata.uid } : {}) };
        } catch (e) {
          if (!errors.isStatusError(e, 'NotFound')) throw errors.internalError(e);
          request.node = { name: nodeName };
        }
      }
    } else if (gv.group === '' && kind === 'Node') {
      const node = await get('nodes', '', ref.name ?? '');
      uid = node.metadata?.uid ?? '';
      request.node = { name: node.metadata?.name ?? '', uid };
    } else if (gv.group === '' && kind === 'Secret') {
      const secret = await get('secrets', namespace, ref.name ?? '');
      uid = secret.metadata?.uid ?? '';
      request.secret = { name: secret.metadata?.name ?? '', uid };
    } else {
      throw errors.badRequest(`cannot bind token to object of type ${gv.group}/${gv.version}, Kind=${kind}`);
    }
    if (ref.uid && ref.uid !== uid) {
      throw errors.conflict({ group: gv.group, resource: kind }, ref.name ?? '',
        `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
    }
  }

  // Upstream also warns "requested expiration of N seconds shortened to M seconds"; created subresources cannot warn yet.
  if (auth.maxTokenExpirationSeconds > 0 && spec.expirationSeconds > auth.maxTokenExpirationSeconds) {
    spec.expirationSeconds = auth.maxTokenExpirationSeconds;
  }
  // The kubelet's projected tokens: warn (not fail) after the hour asked for, fail after a year.
  let exp = spec.expirationSeconds;
  if (auth.extendTokenExpiration && request.pod && exp === WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS
    && spec.audiences.every((a) => auth.apiAudiences.includes(a))) {
    request.warnAfterSeconds = exp;
    exp = EXPIRATION_EXTENSION_SECONDS;
  }
  request.expirationSeconds = exp;
  const signer = await auth.signer();
  const token = await signer.sign(boundClaims(auth.issuer, request));
  return {
    ...req,
    apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest',
    status: { token, expirationTimestamp: rfc3339(new Date(now.getTime() + spec.expirationSeconds * 1000)) },
  };
}

/** The serviceaccounts/token entry of the serviceaccounts resource. */
export const tokenSubresource = {
  name: 'token', kind: 'TokenRequest', group: 'authentication.k8s.io', version: 'v1', verbs: ['create'],
  model: 'AuthenticationV1TokenRequest', create: createToken,
};

export const serviceaccounts = defineResource<ServiceAccount>({
  group: '', version: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts', singular: 'serviceaccount',
  namespaced: true, shortNames: ['sa'], returnDeletedObject: true, model: 'V1ServiceAccount',
  extraSubresources: [tokenSubresource],
  table: {
    columns: [nameColumn, { name: 'Secrets', type: 'integer', description: 'The number of token secrets.' }, ageColumn],
    row: (sa, now) => [sa.metadata?.name ?? '', (sa.secrets ?? []).length, age(sa, now)],
  },
});
