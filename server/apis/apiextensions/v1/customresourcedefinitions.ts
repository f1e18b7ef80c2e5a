// apiextensions.k8s.io/v1 CustomResourceDefinition: the object. What it makes served lives in
// server/crd/ (registration, schemas, cleanup on delete).
import * as field from '../../../../machinery/fieldpath.ts';
import { FieldPath, type FieldError } from '../../../../machinery/fieldpath.ts';
import { isDNS1123Subdomain, isDNS1035Label } from '../../../../machinery/validation.ts';
import { defineResource, type KubeObject } from '../../types.ts';
import type { JSONSchemaProps } from '../../../crd/schema.ts';

export interface CRDVersion {
  name: string;
  served: boolean;
  storage: boolean;
  deprecated?: boolean;
  schema?: { openAPIV3Schema?: JSONSchemaProps };
  subresources?: { status?: object; scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string } };
  additionalPrinterColumns?: Array<{ name: string; type: string; format?: string; description?: string; priority?: number; jsonPath: string }>;
}

export interface CRDNames { plural: string; singular?: string; kind: string; listKind?: string; shortNames?: string[]; categories?: string[] }

export type CustomResourceDefinition = KubeObject & {
  spec: { group: string; names: CRDNames; scope: 'Namespaced' | 'Cluster'; versions: CRDVersion[]; conversion?: { strategy?: string }; preserveUnknownFields?: boolean };
  status?: { conditions?: Array<{ type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string }>; acceptedNames?: CRDNames; storedVersions?: string[] };
};

export const CRD_CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';

function validateNames(names: CRDNames | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (!names) return [field.required(path, '')];
  if (!names.plural) errs.push(field.required(path.child('plural'), ''));
  else for (const m of isDNS1035Label(names.plural)) errs.push(field.invalid(path.child('plural'), names.plural, m));
  if (names.singular) for (const m of isDNS1035Label(names.singular)) errs.push(field.invalid(path.child('singular'), names.singular, m));
  if (!names.kind) errs.push(field.required(path.child('kind'), ''));
  else if (!/^[A-Za-z][A-Za-z0-9]*$/.test(names.kind)) errs.push(field.invalid(path.child('kind'), names.kind, 'may have mixed case, but should otherwise match: [a-z]([-a-z0-9]*[a-z0-9])?'));
  (names.shortNames ?? []).forEach((s, i) => { for (const m of isDNS1035Label(s)) errs.push(field.invalid(path.child('shortNames').index(i), s, m)); });
  return errs;
}

export const customresourcedefinitions = defineResource<CustomResourceDefinition>({
  group: 'apiextensions.k8s.io', version: 'v1', kind: 'CustomResourceDefinition', plural: 'customresourcedefinitions',
  singular: 'customresourcedefinition', namespaced: false, shortNames: ['crd', 'crds'], categories: ['api-extensions'],
  model: 'V1CustomResourceDefinition', hasGeneration: true,
  strategy: {
    defaults(crd) {
      const spec = crd.spec;
      if (!spec?.names) return;
      spec.names.singular ??= spec.names.kind?.toLowerCase();
      spec.names.listKind ??= `${spec.names.kind}List`;
      spec.conversion ??= { strategy: 'None' };
    },
    prepareForCreate(crd) {
      const fins = new Set(crd.metadata?.finalizers ?? []);
      fins.add(CRD_CLEANUP_FINALIZER);
      crd.metadata!.finalizers = [...fins];
      crd.status = { storedVersions: crd.spec?.versions?.filter((v) => v.storage).map((v) => v.name) ?? [] };
    },
    validate(crd) {
      const errs: FieldError[] = [];
      const spec = crd.spec;
      const sp = FieldPath.root('spec');
      if (!spec) return [field.required(sp, '')];
      if (!spec.group) errs.push(field.required(sp.child('group'), ''));
      else {
        for (const m of isDNS1123Subdomain(spec.group)) errs.push(field.invalid(sp.child('group'), spec.group, m));
        if (!spec.group.includes('.')) errs.push(field.invalid(sp.child('group'), spec.group, 'should be a domain with at least one dot'));
      }
      errs.push(...validateNames(spec.names, sp.child('names')));
      const expected = `${spec.names?.plural}.${spec.group}`;
      if (crd.metadata?.name !== expected) errs.push(field.invalid(FieldPath.root('metadata', 'name'), crd.metadata?.name, `must be spec.names.plural+"."+spec.group`));
      if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster') errs.push(field.notSupported(sp.child('scope'), spec.scope, ['Cluster', 'Namespaced']));
      const versions = spec.versions ?? [];
      if (versions.length === 0) errs.push(field.invalid(sp.child('versions'), versions, 'must have exactly one version marked as storage version'));
      else {
        if (versions.filter((v) => v.storage).length !== 1) errs.push(field.invalid(sp.child('versions'), versions, 'must have exactly one version marked as storage version'));
        if (!versions.some((v) => v.served)) errs.push(field.invalid(sp.child('versions'), versions, 'must have at least one version marked as served'));
        versions.forEach((v, i) => {
          const vp = sp.child('versions').index(i);
          for (const m of isDNS1035Label(v.name ?? '')) errs.push(field.invalid(vp.child('name'), v.name, m));
          const schema = v.schema?.openAPIV3Schema;
          if (!schema) errs.push(field.required(vp.child('schema', 'openAPIV3Schema'), 'schemas are required'));
          else if (schema.type !== 'object' && !schema['x-kubernetes-preserve-unknown-fields']) {
            errs.push(field.invalid(vp.child('schema', 'openAPIV3Schema', 'type'), schema.type ?? '', 'must be object at the root'));
          }
        });
      }
      return errs;
    },
    validateUpdate(crd, old) {
      const errs: FieldError[] = [];
      if (crd.spec?.scope !== old.spec?.scope) errs.push(field.invalid(FieldPath.root('spec', 'scope'), crd.spec?.scope, 'field is immutable'));
      if (crd.spec?.names?.plural !== old.spec?.names?.plural) errs.push(field.invalid(FieldPath.root('spec', 'names', 'plural'), crd.spec?.names?.plural, 'field is immutable'));
      return errs;
    },
  },
  status: {},
  table: {
    columns: [
      { name: 'Name', type: 'string', format: 'name', description: 'The name of the definition: <plural>.<group>.' },
      { name: 'Created At', type: 'date', description: 'When the server created the object (RFC3339, UTC).' },
    ],
    row: (crd) => [crd.metadata?.name ?? '', crd.metadata?.creationTimestamp ?? ''],
  },
});
