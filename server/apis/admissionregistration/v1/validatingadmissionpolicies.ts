// admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy: CEL validations for matching
// requests, parameterised by a kind (stored and validated; expressions are not compiled or run).
import { FieldPath } from '../../../../machinery/fieldpath.ts';
import * as field from '../../../../machinery/fieldpath.ts';
import { byteLength } from '../../../../machinery/goformat.ts';
import { isDNS1035Label, isDNS1123Subdomain, isQualifiedName, regexError, validateLabelName } from '../../../../machinery/validation.ts';
import { defineResource, type FieldError, type KubeObject } from '../../types.ts';
import { age, ageColumn, nameColumn } from '../../common/age.ts';
import { defaultMatchResources, failurePolicies, validateMatchConditions, validateMatchResources, type MatchCondition, type MatchResources } from './validation.ts';

interface Validation { expression?: string; message?: string; reason?: string; messageExpression?: string }
interface AuditAnnotation { key?: string; valueExpression?: string }
interface Condition { type?: string; status?: string; observedGeneration?: number; lastTransitionTime?: string; reason?: string; message?: string }
type VAP = KubeObject & {
  spec?: {
    paramKind?: { apiVersion?: string; kind?: string }; matchConstraints?: MatchResources; validations?: Validation[]; failurePolicy?: string;
    auditAnnotations?: AuditAnnotation[]; matchConditions?: MatchCondition[]; variables?: Array<{ name?: string; expression?: string }>;
  };
  status?: { observedGeneration?: number; typeChecking?: { expressionWarnings?: Array<{ fieldRef?: string; warning?: string }> }; conditions?: Condition[] };
};

const maxAuditAnnotations = 20;
const maxAuditAnnotationValueExpressionLength = 5 * 1024;
const validationReasons = ['Forbidden', 'Invalid', 'RequestEntityTooLarge'];
const celReserved = new Set(['true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import', 'let',
  'loop', 'package', 'namespace', 'return', 'var', 'void', 'while']);
const isCELIdentifier = (name: string) => /^[_a-zA-Z][_a-zA-Z0-9]*$/.test(name) && !celReserved.has(name);

function validateParamKind(pk: { apiVersion?: string; kind?: string }, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const apiVersion = pk.apiVersion ?? '';
  if (apiVersion === '') {
    errs.push(field.required(path.child('apiVersion')));
  } else if (apiVersion.split('/').length > 2) {
    errs.push(field.invalid(path.child('apiVersion'), apiVersion, `unexpected GroupVersion string: ${apiVersion}`));
  } else {
    const [group, version] = apiVersion === '/' ? ['', ''] : apiVersion.includes('/') ? apiVersion.split('/') as [string, string] : ['', apiVersion];
    if (group.length > 0) {
      const msgs = isDNS1123Subdomain(group);
      if (msgs.length) errs.push(field.invalid(path.child('apiVersion'), group, msgs.join(',')));
    }
    if (version.length === 0) errs.push(field.invalid(path.child('apiVersion'), apiVersion, 'version must be specified'));
    else {
      const msgs = isDNS1035Label(version);
      if (msgs.length) errs.push(field.invalid(path.child('apiVersion'), version, msgs.join(',')));
    }
  }
  const kind = pk.kind ?? '';
  if (kind === '') errs.push(field.required(path.child('kind')));
  else {
    const msgs = isDNS1035Label(kind.toLowerCase());
    if (msgs.length) errs.push(field.invalid(path.child('kind'), kind, 'may have mixed case, but should otherwise match: ' + msgs.join(',')));
  }
  return errs;
}

function validateValidation(v: Validation, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if ((v.expression ?? '').trim() === '') errs.push(field.required(path.child('expression'), 'expression is not specified'));
  const me = v.messageExpression ?? '';
  if (me.length > 0 && me.trim().length === 0) errs.push(field.invalid(path.child('messageExpression'), me, 'must be non-empty if specified'));
  const msg = v.message ?? '';
  if (msg.length > 0 && msg.trim().length === 0) errs.push(field.invalid(path.child('message'), msg, 'message must be non-empty if specified'));
  else if (/[\n\r]+/.test(msg.trim())) errs.push(field.invalid(path.child('message'), msg, 'message must not contain line breaks'));
  if (v.reason !== undefined && v.reason !== null && !validationReasons.includes(v.reason)) errs.push(field.notSupported(path.child('reason'), v.reason, validationReasons));
  return errs;
}

function validateAuditAnnotation(policyName: string, a: AuditAnnotation, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const key = a.key ?? '';
  if (policyName.length !== 0) for (const m of isQualifiedName(`${policyName}/${key}`)) errs.push(field.invalid(path.child('key'), `${policyName}/${key}`, m));
  else errs.push(field.invalid(path.child('key'), key, 'requires metadata.name be non-empty'));
  const ve = (a.valueExpression ?? '').trim();
  if (ve.length === 0) errs.push(field.required(path.child('valueExpression'), 'valueExpression is not specified'));
  else if (byteLength(ve) > maxAuditAnnotationValueExpressionLength) {
    errs.push(field.required(path.child('valueExpression'), `must not exceed ${maxAuditAnnotationValueExpressionLength} bytes in length`));
  }
  return errs;
}

export function validatePolicySpec(name: string, spec: NonNullable<VAP['spec']>, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (spec.failurePolicy === undefined || spec.failurePolicy === null) errs.push(field.required(path.child('failurePolicy')));
  else if (!failurePolicies.includes(spec.failurePolicy)) errs.push(field.notSupported(path.child('failurePolicy'), spec.failurePolicy, failurePolicies));
  if (spec.paramKind) errs.push(...validateParamKind(spec.paramKind, path.child('paramKind')));
  if (!spec.matchConstraints) {
    errs.push(field.required(path.child('matchConstraints')));
  } else {
    errs.push(...validateMatchResources(spec.matchConstraints, path.child('matchConstraints')));
    if ((spec.matchConstraints.resourceRules ?? []).length === 0) errs.push(field.required(path.child('matchConstraints', 'resourceRules')));
  }
  errs.push(...validateMatchConditions(spec.matchConditions, path.child('matchConditions')));
  (spec.variables ?? []).forEach((v, i) => {
    const p = path.child('variables').index(i);
    const vn = v.name ?? '';
    if (vn.trim() === '') errs.push(field.required(p.child('name'), 'name is not specified'));
    else if (!isCELIdentifier(vn)) errs.push(field.invalid(p.child('name'), vn, 'name is not a valid CEL identifier'));
    if ((v.expression ?? '').trim() === '') errs.push(field.required(p.child('expression'), 'expression is not specified'));
  });
  const validations = spec.validations ?? [], audits = spec.auditAnnotations ?? [];
  if (validations.length === 0 && audits.length === 0) {
    errs.push(field.required(path.child('validations'), 'validations or auditAnnotations must contain at least one item'));
    errs.push(field.required(path.child('auditAnnotations'), 'validations or auditAnnotations must contain at least one item'));
  } else {
    validations.forEach((v, i) => errs.push(...validateValidation(v, path.child('validations').index(i))));
    if (audits.length > maxAuditAnnotations) errs.push(field.invalid(path.child('auditAnnotations'), audits, `must not have more than ${maxAuditAnnotations} auditAnnotations`));
    const keys = new Set<string>();
    audits.forEach((a, i) => {
      errs.push(...validateAuditAnnotation(name, a, path.child('auditAnnotations').index(i)));
      if (keys.has(a.key ?? '')) errs.push(field.duplicate(path.child('auditAnnotations').index(i).child('key'), a.key ?? ''));
      keys.add(a.key ?? '');
    });
  }
  return errs;
}

const conditionReasonRe = /^(?:[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?)$/;
const conditionStatuses = ['False', 'True', 'Unknown'];

/** metav1 validation.ValidateConditions. */
export function validateConditions(conditions: Condition[] | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  (conditions ?? []).forEach((c, i) => {
    const p = path.index(i);
    errs.push(...validateLabelName(c.type ?? '', p.child('type')));
    if (!conditionStatuses.includes(c.status ?? '')) errs.push(field.notSupported(p.child('status'), c.status ?? '', conditionStatuses));
    if ((c.observedGeneration ?? 0) < 0) errs.push(field.invalid(p.child('observedGeneration'), c.observedGeneration, 'must be greater than or equal to zero'));
    if (!c.lastTransitionTime) errs.push(field.required(p.child('lastTransitionTime'), 'must be set'));
    const reason = c.reason ?? '';
    if (reason === '') errs.push(field.required(p.child('reason'), 'must be set'));
    else {
      if (!conditionReasonRe.test(reason)) {
        errs.push(field.invalid(p.child('reason'), reason, regexError(
          "a condition reason must start with alphabetic character, optionally followed by a string of alphanumeric characters or '_,:', and must end with an alphanumeric character or '_'",
          '[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?', 'my_name', 'MY_NAME', 'MyName', 'ReasonA,ReasonB', 'ReasonA:ReasonB')));
      }
      if (byteLength(reason) > 1024) errs.push(field.tooLong(p.child('reason'), reason, 1024));
    }
    if (byteLength(c.message ?? '') > 32 * 1024) errs.push(field.tooLong(p.child('message'), c.message, 32 * 1024));
    if (seen.has(c.type ?? '')) errs.push(field.duplicate(p.child('type'), c.type ?? ''));
    seen.add(c.type ?? '');
  });
  return errs;
}

function validateStatus(vap: VAP): FieldError[] {
  const errs: FieldError[] = [];
  (vap.status?.typeChecking?.expressionWarnings ?? []).forEach((w, i) => {
    const p = FieldPath.root('status', 'typeChecking', 'expressionWarnings').index(i);
    if (!w.warning) errs.push(field.required(p.child('warning')));
    if (!(w.fieldRef ?? '').trim()) errs.push(field.required(p.child('fieldRef')));
  });
  errs.push(...validateConditions(vap.status?.conditions, FieldPath.root('status', 'conditions')));
  return errs;
}

export const validatingadmissionpolicies = defineResource<VAP>({
  group: 'admissionregistration.k8s.io', version: 'v1', kind: 'ValidatingAdmissionPolicy', plural: 'validatingadmissionpolicies',
  singular: 'validatingadmissionpolicy', namespaced: false, model: 'V1ValidatingAdmissionPolicy', hasGeneration: true,
  strategy: {
    defaults(vap) {
      const spec = (vap.spec ??= {});
      spec.failurePolicy ??= 'Fail';
      defaultMatchResources(spec.matchConstraints);
    },
    prepareForCreate(vap) {
      vap.status = {};
    },
    validate: (vap) => validatePolicySpec(vap.metadata?.name ?? '', vap.spec ?? {}, FieldPath.root('spec')),
  },
  status: {
    validateUpdate: (vap) => validateStatus(vap),
  },
  table: {
    columns: [
      nameColumn,
      { name: 'Validations', type: 'integer', description: 'The number of validation rules in the policy.' },
      { name: 'ParamKind', type: 'string', description: 'The kind of resource that parameterises the policy.' },
      ageColumn,
    ],
    row: (vap, now) => [
      vap.metadata?.name ?? '', (vap.spec?.validations ?? []).length,
      vap.spec?.paramKind ? `${vap.spec.paramKind.apiVersion ?? ''}/${vap.spec.paramKind.kind ?? ''}` : '<unset>', age(vap, now),
    ],
  },
});
