// admissionregistration.k8s.io/v1 ValidatingAdmissionPolicyBinding: applies a policy, with its
// parameters and actions, to matching resources (stored and validated, not enforced).
import { FieldPath } from '../../../../machinery/fieldpath.ts';
import * as field from '../../../../machinery/fieldpath.ts';
import { validateLabelSelector, type LabelSelector } from '../../../../machinery/labels.ts';
import { nameIsDNSSubdomain, validatePathSegmentName } from '../../../../machinery/validation.ts';
import { defineResource, type FieldError, type KubeObject } from '../../types.ts';
import { age, ageColumn, nameColumn } from '../../common/age.ts';
import { labelSelectorGoString } from '../../common/shapes.ts';
import { defaultMatchResources, validateMatchResources, type MatchResources } from './validation.ts';

interface ParamRef { name?: string; namespace?: string; selector?: LabelSelector; parameterNotFoundAction?: string }
type VAPB = KubeObject & { spec?: { policyName?: string; paramRef?: ParamRef; matchResources?: MatchResources; validationActions?: string[] } };

const validationActions = ['Audit', 'Deny', 'Warn'];

function validateParamRef(pr: ParamRef | undefined, path: FieldPath): FieldError[] {
  if (!pr) return [];
  const errs: FieldError[] = [];
  const name = pr.name ?? '';
  if (name.length > 0) {
    for (const m of validatePathSegmentName(name, false)) errs.push(field.invalid(path.child('name'), name, m));
    if (pr.selector) errs.push(field.forbidden(path.child('name'), 'name and selector are mutually exclusive'));
  }
  if (pr.selector) {
    errs.push(...validateLabelSelector(pr.selector, path.child('selector')));
    if (name.length > 0) errs.push(field.forbidden(path.child('selector'), 'name and selector are mutually exclusive'));
  }
  if (name.length === 0 && !pr.selector) errs.push(field.required(path, 'one of name or selector must be specified'));
  const action = pr.parameterNotFoundAction ?? '';
  if (action === '') errs.push(field.required(path.child('parameterNotFoundAction')));
  else if (action !== 'Deny' && action !== 'Allow') errs.push(field.notSupported(path.child('parameterNotFoundAction'), action, ['Deny', 'Allow']));
  return errs;
}

function validateActions(actions: string[], path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  actions.forEach((a, i) => {
    if (!validationActions.includes(a)) errs.push(field.notSupported(path.index(i), a, validationActions));
    if (seen.has(a)) errs.push(field.duplicate(path.index(i), a));
    seen.add(a);
  });
  if (seen.has('Deny') && seen.has('Warn')) {
    errs.push(field.invalid(path, actions, 'must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)'));
  }
  if (seen.size === 0) errs.push(field.required(path, 'at least one validation action is required'));
  return errs;
}

export function validateBindingSpec(spec: NonNullable<VAPB['spec']>, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const policy = spec.policyName ?? '';
  if (policy === '') errs.push(field.required(path.child('policyName')));
  else for (const m of nameIsDNSSubdomain(policy, false)) errs.push(field.invalid(path.child('policyName'), policy, m));
  errs.push(...validateParamRef(spec.paramRef, path.child('paramRef')));
  // Upstream reports matchResources problems under the misspelt "matchResouces".
  errs.push(...validateMatchResources(spec.matchResources, path.child('matchResouces')));
  errs.push(...validateActions(spec.validationActions ?? [], path.child('validationActions')));
  return errs;
}

function formatParamRef(pr: ParamRef | undefined): string {
  if (!pr) return '<unset>';
  if (pr.name) return pr.namespace ? `${pr.namespace}/${pr.name}` : `*/${pr.name}`;
  if (pr.selector) return labelSelectorGoString(pr.selector);
  return '<unset>';
}

export const validatingadmissionpolicybindings = defineResource<VAPB>({
  group: 'admissionregistration.k8s.io', version: 'v1', kind: 'ValidatingAdmissionPolicyBinding', plural: 'validatingadmissionpolicybindings',
  singular: 'validatingadmissionpolicybinding', namespaced: false, model: 'V1ValidatingAdmissionPolicyBinding', hasGeneration: true,
  strategy: {
    defaults(b) {
      defaultMatchResources(b.spec?.matchResources);
    },
    validate: (b) => validateBindingSpec(b.spec ?? {}, FieldPath.root('spec')),
  },
  table: {
    columns: [
      nameColumn,
      { name: 'PolicyName', type: 'string', description: 'The policy the binding applies.' },
      { name: 'ParamRef', type: 'string', description: 'The resource that holds the parameters.' },
      ageColumn,
    ],
    row: (b, now) => [b.metadata?.name ?? '', b.spec?.policyName ?? '', formatParamRef(b.spec?.paramRef), age(b, now)],
  },
});
