// core/v1 ResourceQuota: hard limits per namespace; the quota controller writes status.hard and
// status.used through the status subresource (ResourceQuota admission raises status.used as it
// admits, server/admission/resourcequota.ts). Upstream's resource-name, scope and scope selector checks.
import { FieldPath } from '../../../../machinery/fieldpath.ts';
import * as field from '../../../../machinery/fieldpath.ts';
import { isQualifiedName } from '../../../../machinery/validation.ts';
import { compareGoStrings } from '../../../../machinery/goformat.ts';
import { defineResource, type FieldError, type KubeObject } from '../../types.ts';
import { age, ageColumn, nameColumn } from '../../common/age.ts';
import { canonicalizeResourceList, quantityString, validateResourceQuantityValue } from '../../common/intstr.ts';

type ResourceList = Record<string, string>;
export type ResourceQuota = KubeObject & {
  spec?: { hard?: ResourceList; scopes?: string[]; scopeSelector?: { matchExpressions?: Array<{ scopeName?: string; operator?: string; values?: string[] }> } };
  status?: { hard?: ResourceList; used?: ResourceList };
};

/** Upstream's standardQuotaResources (IsStandardQuotaResourceName), hugepages included. */
const STANDARD = new Set([
  'pods', 'services', 'replicationcontrollers', 'resourcequotas', 'secrets', 'configmaps', 'persistentvolumeclaims',
  'services.nodeports', 'services.loadbalancers', 'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory',
  'requests.storage', 'requests.ephemeral-storage', 'limits.cpu', 'limits.memory', 'limits.ephemeral-storage',
]);
const isStandardQuotaResource = (n: string) => STANDARD.has(n) || n.startsWith('hugepages-') || n.startsWith('requests.hugepages-');
const SCOPES = ['Terminating', 'NotTerminating', 'BestEffort', 'NotBestEffort', 'PriorityClass', 'CrossNamespacePodAffinity'];

function validateQuotaResourceName(name: string, path: FieldPath): FieldError[] {
  const errs = isQualifiedName(name).map((m) => field.invalid(path, name, m));
  if (!name.includes('/') && !isStandardQuotaResource(name)) errs.push(field.invalid(path, name, 'must be a standard resource for quota'));
  return errs;
}

function validateList(list: ResourceList | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(list ?? {})) {
    errs.push(...validateQuotaResourceName(k, path.key(k)));
    errs.push(...validateResourceQuantityValue(k, v, path.key(k)));
  }
  return errs;
}

/** Upstream's IsResourceQuotaScopeValidForResource: pod scopes only go with pod resources. */
const POD_COUNT = new Set(['pods']);
const POD_COMPUTE = new Set(['cpu', 'memory', 'limits.cpu', 'limits.memory', 'requests.cpu', 'requests.memory']);
function scopeValidForResource(scope: string, resource: string): boolean {
  switch (scope) {
    case 'Terminating': case 'NotTerminating': case 'NotBestEffort': case 'PriorityClass': case 'CrossNamespacePodAffinity':
      return POD_COUNT.has(resource) || POD_COMPUTE.has(resource);
    case 'BestEffort':
      return POD_COUNT.has(resource);
    default:
      return true;
  }
}

const conflicting = (set: Set<string>) => (set.has('Terminating') && set.has('NotTerminating')) || (set.has('BestEffort') && set.has('NotBestEffort'));
/** Resources a scope does not apply to, among the standard ones a quota limits (sorted, as upstream walks them). */
const unsupportedFor = (scope: string, hard: string[]) => hard.filter((k) => isStandardQuotaResource(k) && !scopeValidForResource(scope, k));

/** Upstream's validateScopedResourceSelectorRequirement, field paths and words included. */
function validateScopeSelector(rq: ResourceQuota): FieldError[] {
  const selector = rq.spec?.scopeSelector;
  if (!selector) return [];
  const errs: FieldError[] = [];
  const hard = Object.keys(rq.spec?.hard ?? {}).sort(compareGoStrings);
  const path = FieldPath.root('spec', 'scopeSelector', 'matchExpressions');
  const seen = new Set<string>();
  for (const req of selector.matchExpressions ?? []) {
    const scope = req.scopeName ?? '';
    if (!SCOPES.includes(scope)) errs.push(field.invalid(path.child('scopeName'), scope, 'unsupported scope'));
    errs.push(...unsupportedFor(scope, hard).map(() => field.invalid(path, selector, 'unsupported scope applied to resource')));
    if (['BestEffort', 'NotBestEffort', 'Terminating', 'NotTerminating'].includes(scope) && req.operator !== 'Exists') {
      errs.push(field.invalid(path.child('operator'), req.operator ?? '', 'must be \'Exist\' only operator when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort and ResourceQuotaScopeNotBestEffort'));
    }
    switch (req.operator) {
      case 'In': case 'NotIn':
        if (!(req.values ?? []).length) errs.push(field.required(path.child('values'), 'must be at least one value when `operator` is \'In\' or \'NotIn\' for scope selector'));
        break;
      case 'Exists': case 'DoesNotExist':
        if ((req.values ?? []).length) errs.push(field.invalid(path.child('values'), req.values, 'must be no value when `operator` is \'Exist\' or \'DoesNotExist\' for scope selector'));
        break;
      default:
        errs.push(field.invalid(path.child('operator'), req.operator ?? '', 'not a valid selector operator'));
    }
    seen.add(scope);
  }
  if (conflicting(seen)) errs.push(field.invalid(path, rq.spec?.scopes ?? null, 'conflicting scopes'));
  return errs;
}

function validateQuota(rq: ResourceQuota): FieldError[] {
  const errs = validateList(rq.spec?.hard, FieldPath.root('spec', 'hard'));
  const scopes = rq.spec?.scopes ?? [];
  const scopesPath = FieldPath.root('spec', 'scopes');
  const hard = Object.keys(rq.spec?.hard ?? {}).sort(compareGoStrings);
  for (const s of scopes) {
    if (!SCOPES.includes(s)) errs.push(field.invalid(scopesPath, scopes, 'unsupported scope'));
    errs.push(...unsupportedFor(s, hard).map(() => field.invalid(scopesPath, scopes, 'unsupported scope applied to resource')));
  }
  if (conflicting(new Set(scopes))) errs.push(field.invalid(scopesPath, scopes, 'conflicting scopes'));
  errs.push(...validateScopeSelector(rq));
  errs.push(...validateList(rq.status?.hard, FieldPath.root('status', 'hard')));
  errs.push(...validateList(rq.status?.used, FieldPath.root('status', 'used')));
  return errs;
}

/** Upstream's printResourceQuota: `name: used/hard` pairs, limits.* in the LIMIT column. */
function quotaColumns(rq: ResourceQuota): [string, string] {
  const hard = rq.status?.hard ?? {};
  const used = rq.status?.used ?? {};
  const req: string[] = [];
  const lim: string[] = [];
  for (const r of Object.keys(hard).sort(compareGoStrings)) {
    const text = `${r}: ${quantityString(used[r] ?? '0')}/${quantityString(hard[r])}`;
    const parts = r.split('.');
    (parts.length > 1 && parts[0] === 'limits' ? lim : req).push(text);
  }
  return [req.join(', '), lim.join(', ')];
}

export const resourcequotas = defineResource<ResourceQuota>({
  group: '', version: 'v1', kind: 'ResourceQuota', plural: 'resourcequotas', singular: 'resourcequota',
  namespaced: true, shortNames: ['quota'], model: 'V1ResourceQuota', returnDeletedObject: true,
  strategy: {
    defaults(rq) {
      canonicalizeResourceList(rq.spec?.hard);
      canonicalizeResourceList(rq.status?.hard);
      canonicalizeResourceList(rq.status?.used);
    },
    prepareForCreate(rq) {
      rq.status = {};
    },
    validate: validateQuota,
  },
  status: {
    prepareForUpdate(rq) {
      canonicalizeResourceList(rq.status?.hard);
      canonicalizeResourceList(rq.status?.used);
    },
    validateUpdate: (rq) => [...validateList(rq.status?.hard, FieldPath.root('status', 'hard')), ...validateList(rq.status?.used, FieldPath.root('status', 'used'))],
  },
  table: {
    columns: [
      nameColumn,
      { name: 'Request', type: 'string', description: 'Used and hard quota of the request resources.' },
      { name: 'Limit', type: 'string', description: 'Used and hard quota of the limit resources.' },
      ageColumn,
    ],
    row(rq, now) {
      const [req, lim] = quotaColumns(rq);
      return [rq.metadata?.name ?? '', req, lim, age(rq, now)];
    },
  },
});
