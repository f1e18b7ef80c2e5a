// core/v1 LimitRange: per-namespace bounds and defaults for container, pod and claim resources,
// with upstream's defaulting of container limits (from max) and requests (from default, then min)
// and ValidateLimitRange's pairwise checks. No printer upstream: the default Name/Created At table.
import { FieldPath } from '../../../../machinery/fieldpath.ts';
import * as field from '../../../../machinery/fieldpath.ts';
import { isQualifiedName } from '../../../../machinery/validation.ts';
import { newQuantity, type Quantity } from '../../../../machinery/quantity.ts';
import { defineResource, type FieldError, type KubeObject } from '../../types.ts';
import { canonicalizeResourceList, quantityOf, validateResourceQuantityValue } from '../../common/intstr.ts';

type ResourceList = Record<string, string>;
interface LimitRangeItem {
  type?: string; max?: ResourceList; min?: ResourceList; default?: ResourceList; defaultRequest?: ResourceList; maxLimitRequestRatio?: ResourceList;
}
export type LimitRange = KubeObject & { spec?: { limits?: LimitRangeItem[] } };

const LISTS = ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio'] as const;

/** Resources that may not be overcommitted: default and defaultRequest must agree (upstream's IsOverCommitAllowed). */
const noOvercommit = (name: string) => name.startsWith('hugepages-') || (name.includes('/') && !name.includes('kubernetes.io/'));

function defaultItem(item: LimitRangeItem): void {
  for (const k of LISTS) canonicalizeResourceList(item[k]);
  if (item.type !== 'Container') return;
  item.default ??= {};
  item.defaultRequest ??= {};
  for (const [k, v] of Object.entries(item.max ?? {})) item.default[k] ??= v;
  for (const [k, v] of Object.entries(item.default)) item.defaultRequest[k] ??= v;
  for (const [k, v] of Object.entries(item.min ?? {})) item.defaultRequest[k] ??= v;
}

function validateResourceName(name: string, path: FieldPath): FieldError[] {
  return isQualifiedName(name).map((m) => field.invalid(path, name, m));
}

function validateItem(item: LimitRangeItem, path: FieldPath, types: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  const type = item.type ?? '';
  errs.push(...isQualifiedName(type).map((m) => field.invalid(path.child('type'), type, m)));
  if (types.has(type)) errs.push(field.duplicate(path.child('type'), type));
  types.add(type);
  const q: Record<string, Map<string, Quantity>> = {};
  const keys = new Set<string>();
  for (const list of LISTS) {
    q[list] = new Map();
    if (item.type === 'Pod' && (list === 'default' || list === 'defaultRequest')) continue;
    for (const [k, v] of Object.entries(item[list] ?? {})) {
      const p = path.child(list).key(k);
      errs.push(...validateResourceName(k, p));
      errs.push(...validateResourceQuantityValue(k, v, p));
      keys.add(k);
      const { q: parsed } = quantityOf(v, p);
      if (parsed) q[list]!.set(k, parsed);
    }
  }
  if (item.type === 'Pod') {
    if (Object.keys(item.default ?? {}).length) errs.push(field.forbidden(path.child('default'), "may not be specified when `type` is 'Pod'"));
    if (Object.keys(item.defaultRequest ?? {}).length) errs.push(field.forbidden(path.child('defaultRequest'), "may not be specified when `type` is 'Pod'"));
  }
  if (item.type === 'PersistentVolumeClaim' && item.min?.storage === undefined && item.max?.storage === undefined) {
    errs.push(field.required(path.child('limits'), 'either minimum or maximum storage value is required, but neither was provided'));
  }
  for (const k of keys) {
    const min = q.min!.get(k), max = q.max!.get(k), def = q.default!.get(k), req = q.defaultRequest!.get(k), ratio = q.maxLimitRequestRatio!.get(k);
    if (min && max && min.cmp(max) > 0) errs.push(field.invalid(path.child('min').key(k), min.toString(), `min value ${min} is greater than max value ${max}`));
    if (req && min && min.cmp(req) > 0) errs.push(field.invalid(path.child('defaultRequest').key(k), req.toString(), `min value ${min} is greater than default request value ${req}`));
    if (req && max && req.cmp(max) > 0) errs.push(field.invalid(path.child('defaultRequest').key(k), req.toString(), `default request value ${req} is greater than max value ${max}`));
    if (req && def && req.cmp(def) > 0) errs.push(field.invalid(path.child('defaultRequest').key(k), req.toString(), `default request value ${req} is greater than default limit value ${def}`));
    if (def && min && min.cmp(def) > 0) errs.push(field.invalid(path.child('default').key(k), min.toString(), `min value ${min} is greater than default value ${def}`));
    if (def && max && def.cmp(max) > 0) errs.push(field.invalid(path.child('default').key(k), max.toString(), `default value ${def} is greater than max value ${max}`));
    if (ratio && ratio.cmp(newQuantity(1, 'DecimalSI')) < 0) errs.push(field.invalid(path.child('maxLimitRequestRatio').key(k), ratio.toString(), `ratio ${ratio} is less than 1`));
    if (ratio && min && max) {
      const limit = max.milliValue() / min.milliValue();
      if (ratio.milliValue() / 1000 > limit) errs.push(field.invalid(path.child('maxLimitRequestRatio').key(k), ratio.toString(), `ratio ${ratio} is greater than max/min = ${limit.toFixed(6)}`));
    }
    if (noOvercommit(k) && def && req && def.cmp(req) !== 0) {
      errs.push(field.invalid(path.child('defaultRequest').key(k), req.toString(), `default value ${def} must equal to defaultRequest value ${req} in ${k}`));
    }
  }
  return errs;
}

export const limitranges = defineResource<LimitRange>({
  group: '', version: 'v1', kind: 'LimitRange', plural: 'limitranges', singular: 'limitrange',
  namespaced: true, shortNames: ['limits'], model: 'V1LimitRange',
  strategy: {
    defaults(lr) {
      for (const item of lr.spec?.limits ?? []) defaultItem(item);
    },
    validate(lr) {
      const types = new Set<string>();
      return (lr.spec?.limits ?? []).flatMap((item, i) => validateItem(item, FieldPath.root('spec', 'limits').index(i), types));
    },
  },
});
