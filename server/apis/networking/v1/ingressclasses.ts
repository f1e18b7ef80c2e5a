// networking.k8s.io/v1 IngressClass: which controller implements a class of Ingresses, with an
// optional reference to its parameters. The controller never changes.
import { FieldPath } from '../../../../machinery/fieldpath.ts';
import * as field from '../../../../machinery/fieldpath.ts';
import { byteLength } from '../../../../machinery/goformat.ts';
import { isDNS1123Subdomain, isDomainPrefixedPath, nameIsDNSLabel, validateImmutableField, validatePathSegmentName } from '../../../../machinery/validation.ts';
import { defineResource, type FieldError, type KubeObject } from '../../types.ts';
import { age, ageColumn, nameColumn } from '../../common/age.ts';

interface Parameters { apiGroup?: string; kind?: string; name?: string; namespace?: string; scope?: string }
type IngressClass = KubeObject & { spec?: { controller?: string; parameters?: Parameters } };

const maxLenController = 250;
const scopes = ['Cluster', 'Namespace'];

function validateParameters(p: Parameters | undefined, path: FieldPath): FieldError[] {
  if (!p) return [];
  const errs: FieldError[] = [];
  if (p.apiGroup !== undefined && p.apiGroup !== null) {
    for (const m of isDNS1123Subdomain(p.apiGroup)) errs.push(field.invalid(path.child('apiGroup'), p.apiGroup, m));
  }
  if (!p.kind) errs.push(field.required(path.child('kind')));
  else for (const m of validatePathSegmentName(p.kind, false)) errs.push(field.invalid(path.child('kind'), p.kind, m));
  if (!p.name) errs.push(field.required(path.child('name')));
  else for (const m of validatePathSegmentName(p.name, false)) errs.push(field.invalid(path.child('name'), p.name, m));
  if (p.scope === undefined || p.scope === null) {
    errs.push(field.required(path.child('scope')));
    return errs;
  }
  if (!scopes.includes(p.scope)) {
    errs.push(field.notSupported(path.child('scope'), p.scope, scopes));
    return errs;
  }
  if (p.scope === 'Namespace') {
    if (p.namespace === undefined || p.namespace === null) errs.push(field.required(path.child('namespace'), "`parameters.scope` is set to 'Namespace'"));
    else for (const m of nameIsDNSLabel(p.namespace, false)) errs.push(field.invalid(path.child('namespace'), p.namespace, m));
  }
  if (p.scope === 'Cluster' && p.namespace !== undefined && p.namespace !== null) {
    errs.push(field.forbidden(path.child('namespace'), "`parameters.scope` is set to 'Cluster'"));
  }
  return errs;
}

export function validateIngressClassSpec(spec: IngressClass['spec'], path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const controller = spec?.controller ?? '';
  if (controller === '') {
    errs.push(field.required(path.child('controller')));
  } else {
    if (byteLength(controller) > maxLenController) errs.push(field.tooLong(path.child('controller'), '', maxLenController));
    errs.push(...isDomainPrefixedPath(path.child('controller'), controller));
  }
  errs.push(...validateParameters(spec?.parameters, path.child('parameters')));
  return errs;
}

function formatParameters(p: Parameters | undefined): string {
  if (!p) return '<none>';
  return `${p.kind ?? ''}${p.apiGroup !== undefined && p.apiGroup !== null ? `.${p.apiGroup}` : ''}/${p.name ?? ''}`;
}

export const ingressclasses = defineResource<IngressClass>({
  group: 'networking.k8s.io', version: 'v1', kind: 'IngressClass', plural: 'ingressclasses', singular: 'ingressclass',
  namespaced: false, model: 'V1IngressClass', hasGeneration: true,
  strategy: {
    defaults(ic) {
      if (ic.spec?.parameters && (ic.spec.parameters.scope === undefined || ic.spec.parameters.scope === null)) ic.spec.parameters.scope = 'Cluster';
    },
    validate: (ic) => validateIngressClassSpec(ic.spec, FieldPath.root('spec')),
    validateUpdate: (ic, old) => validateImmutableField(ic.spec?.controller ?? '', old.spec?.controller ?? '', FieldPath.root('spec', 'controller')),
  },
  table: {
    columns: [
      nameColumn,
      { name: 'Controller', type: 'string', description: 'The controller that handles this class.' },
      { name: 'Parameters', type: 'string', description: 'The resource holding the class parameters.' },
      ageColumn,
    ],
    row: (ic, now) => [ic.metadata?.name ?? '', ic.spec?.controller ?? '', formatParameters(ic.spec?.parameters), age(ic, now)],
  },
});
