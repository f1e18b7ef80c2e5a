// What validating and mutating webhook configurations share: the webhook checks and defaults
// of upstream's admissionregistration/v1 (timeouts of 10s, Fail, Equivalent, port 443).
import { FieldPath } from '../../../../machinery/fieldpath.ts';
import * as field from '../../../../machinery/fieldpath.ts';
import { isFullyQualifiedName } from '../../../../machinery/validation.ts';
import type { LabelSelector } from '../../../../machinery/labels.ts';
import type { FieldError, KubeObject, TableDef } from '../../types.ts';
import { age, ageColumn, nameColumn } from '../../common/age.ts';
import {
  failurePolicies, isDNS1035, matchPolicies, validateLabelSelectorField, validateMatchConditions, validateRuleWithOperations, validateWebhookService,
  validateWebhookURL, type MatchCondition, type Rule,
} from './validation.ts';

export interface Webhook {
  name?: string; clientConfig?: { url?: string; service?: { namespace?: string; name?: string; path?: string; port?: number }; caBundle?: string };
  rules?: Rule[]; failurePolicy?: string; matchPolicy?: string; namespaceSelector?: LabelSelector; objectSelector?: LabelSelector;
  sideEffects?: string; timeoutSeconds?: number; admissionReviewVersions?: string[]; reinvocationPolicy?: string; matchConditions?: MatchCondition[];
}
export type WebhookConfiguration = KubeObject & { webhooks?: Webhook[] };

const sideEffectClasses = ['None', 'NoneOnDryRun', 'Some', 'Unknown'];
const noSideEffectClasses = ['None', 'NoneOnDryRun'];
const reinvocationPolicies = ['IfNeeded', 'Never'];
const acceptedReviewVersions = ['v1', 'v1beta1'];

interface Options { requireNoSideEffects: boolean; requireRecognizedAdmissionReviewVersion: boolean; requireUniqueWebhookNames: boolean }
const strict: Options = { requireNoSideEffects: true, requireRecognizedAdmissionReviewVersion: true, requireUniqueWebhookNames: true };

function validateWebhook(hook: Webhook, mutating: boolean, opts: Options, path: FieldPath): FieldError[] {
  const errs = isFullyQualifiedName(path.child('name'), hook.name ?? '');
  (hook.rules ?? []).forEach((r, i) => errs.push(...validateRuleWithOperations(r, path.child('rules').index(i))));
  if (hook.failurePolicy !== undefined && hook.failurePolicy !== null && !failurePolicies.includes(hook.failurePolicy)) {
    errs.push(field.notSupported(path.child('failurePolicy'), hook.failurePolicy, failurePolicies));
  }
  if (hook.matchPolicy !== undefined && hook.matchPolicy !== null && !matchPolicies.includes(hook.matchPolicy)) {
    errs.push(field.notSupported(path.child('matchPolicy'), hook.matchPolicy, matchPolicies));
  }
  const allowed = opts.requireNoSideEffects ? noSideEffectClasses : sideEffectClasses;
  if (hook.sideEffects === undefined || hook.sideEffects === null) errs.push(field.required(path.child('sideEffects'), `must specify one of ${allowed.join(', ')}`));
  else if (!allowed.includes(hook.sideEffects)) errs.push(field.notSupported(path.child('sideEffects'), hook.sideEffects, allowed));
  if (hook.timeoutSeconds !== undefined && hook.timeoutSeconds !== null && (hook.timeoutSeconds > 30 || hook.timeoutSeconds < 1)) {
    errs.push(field.invalid(path.child('timeoutSeconds'), hook.timeoutSeconds, 'the timeout value must be between 1 and 30 seconds'));
  }
  errs.push(...validateLabelSelectorField(hook.namespaceSelector, path.child('namespaceSelector')));
  errs.push(...validateLabelSelectorField(hook.objectSelector, path.child('objectSelector')));
  if (mutating && hook.reinvocationPolicy !== undefined && hook.reinvocationPolicy !== null && !reinvocationPolicies.includes(hook.reinvocationPolicy)) {
    errs.push(field.notSupported(path.child('reinvocationPolicy'), hook.reinvocationPolicy, reinvocationPolicies));
  }
  const cc = hook.clientConfig ?? {};
  const hasURL = cc.url !== undefined && cc.url !== null, hasService = cc.service !== undefined && cc.service !== null;
  if (hasURL === hasService) errs.push(field.required(path.child('clientConfig'), 'exactly one of url or service is required'));
  else if (hasURL) errs.push(...validateWebhookURL(path.child('clientConfig', 'url'), cc.url!));
  else errs.push(...validateWebhookService(path.child('clientConfig', 'service'), cc.service!.name ?? '', cc.service!.namespace ?? '', cc.service!.path, cc.service!.port ?? 443));
  errs.push(...validateMatchConditions(hook.matchConditions, path.child('matchConditions')));
  return errs;
}

function validateReviewVersions(versions: string[] | undefined, requireRecognized: boolean, path: FieldPath): FieldError[] {
  const list = versions ?? [];
  if (list.length < 1) return [field.required(path, `must specify one of ${acceptedReviewVersions.join(', ')}`)];
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  let accepted = false;
  list.forEach((v, i) => {
    if (seen.has(v)) { errs.push(field.invalid(path.index(i), v, 'duplicate version')); return; }
    seen.add(v);
    for (const m of isDNS1035(v)) errs.push(field.invalid(path.index(i), v, m));
    if (acceptedReviewVersions.includes(v)) accepted = true;
  });
  if (requireRecognized && !accepted) errs.push(field.invalid(path, list, `must include at least one of ${acceptedReviewVersions.join(', ')}`));
  return errs;
}

function validateConfiguration(c: WebhookConfiguration, mutating: boolean, opts: Options): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  (c.webhooks ?? []).forEach((hook, i) => {
    const p = FieldPath.root('webhooks').index(i);
    errs.push(...validateWebhook(hook, mutating, opts, p));
    errs.push(...validateReviewVersions(hook.admissionReviewVersions, opts.requireRecognizedAdmissionReviewVersion, p.child('admissionReviewVersions')));
    if (opts.requireUniqueWebhookNames && hook.name) {
      if (names.has(hook.name)) errs.push(field.duplicate(p.child('name'), hook.name)); else names.add(hook.name);
    }
  });
  return errs;
}

/** Update keeps what the stored configuration already got away with (upstream's update options). */
function optionsFrom(old: WebhookConfiguration): Options {
  const hooks = old.webhooks ?? [];
  const names = hooks.map((h) => h.name);
  return {
    requireNoSideEffects: hooks.every((h) => !!h.sideEffects && noSideEffectClasses.includes(h.sideEffects)),
    requireRecognizedAdmissionReviewVersion: hooks.every((h) => (h.admissionReviewVersions ?? []).length === 0 || (h.admissionReviewVersions ?? []).some((v) => acceptedReviewVersions.includes(v))),
    requireUniqueWebhookNames: new Set(names).size === names.length,
  };
}

export function defaultWebhooks(c: WebhookConfiguration, mutating: boolean): void {
  for (const hook of c.webhooks ?? []) {
    hook.failurePolicy ??= 'Fail';
    hook.matchPolicy ??= 'Equivalent';
    hook.namespaceSelector ??= {};
    hook.objectSelector ??= {};
    hook.timeoutSeconds ??= 10;
    if (mutating) hook.reinvocationPolicy ??= 'Never';
    for (const r of hook.rules ?? []) r.scope ??= '*';
    if (hook.clientConfig?.service) hook.clientConfig.service.port ??= 443;
  }
}

export function webhookStrategy(mutating: boolean) {
  return {
    defaults: (c: WebhookConfiguration) => defaultWebhooks(c, mutating),
    validate: (c: WebhookConfiguration, ctx: { operation?: 'CREATE' | 'UPDATE' }) => (ctx.operation === 'UPDATE' ? [] : validateConfiguration(c, mutating, strict)),
    validateUpdate: (c: WebhookConfiguration, old: WebhookConfiguration, ctx: { operation?: 'CREATE' | 'UPDATE' }) =>
      // Until the registry says which write it runs, `validate` already checked strictly.
      (ctx.operation === 'UPDATE' ? validateConfiguration(c, mutating, optionsFrom(old)) : []),
  };
}

export const webhookTable: TableDef<WebhookConfiguration> = {
  columns: [nameColumn, { name: 'Webhooks', type: 'integer', description: 'The number of webhooks in the configuration.' }, ageColumn],
  row: (c, now) => [c.metadata?.name ?? '', (c.webhooks ?? []).length, age(c, now)],
};
