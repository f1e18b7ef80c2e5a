// core/v1 ResourceQuota: hard limits per namespace; the quota controller writes status.hard and
// status.used through the status subresource. Upstream's resource-name and scope checks.
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

function validateQuota(rq: ResourceQuota): FieldError[] {
  const errs = validateList(rq.spec?.hard, FieldPath.root('spec', 'hard'));
  const scopes = rq.spec?.scopes ?? [];
  const scopesPath = FieldPath.root('spec', 'scopes');
  for (const s of scopes) if (!SCOPES.includes(s)) errs.push(field.invalid(scopesPath, scopes, 'unsupported scope'));
  const has = (s: string) => scopes.includes(s);
  if ((has('Terminating') && has('NotTerminating')) || (has('BestEffort') && has('NotBestEffort'))) errs.push(field.invalid(scopesPath, scopes, 'conflicting scopes'));
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
