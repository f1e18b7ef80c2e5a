// apps/v1 ControllerRevision: an immutable snapshot of a StatefulSet's or DaemonSet's template.
import { FieldPath } from '../../../../machinery/fieldpath.ts';
import * as field from '../../../../machinery/fieldpath.ts';
import { validateImmutableField, validateNonnegativeField } from '../../../../machinery/validation.ts';
import { defineResource, type KubeObject } from '../../types.ts';
import { age, ageColumn, nameColumn } from '../../common/age.ts';

export type ControllerRevision = KubeObject & { data?: unknown; revision?: number };

/** `kind.group/name` of the controlling owner, lower-cased, as upstream's formatResourceName. */
function controllerOf(cr: ControllerRevision): string {
  const ref = cr.metadata?.ownerReferences?.find((r) => r.controller);
  if (!ref) return '<none>';
  const group = ref.apiVersion.includes('/') ? ref.apiVersion.split('/')[0] : '';
  const kind = group ? `${ref.kind}.${group}` : ref.kind;
  return `${kind.toLowerCase()}/${ref.name}`;
}

export const controllerrevisions = defineResource<ControllerRevision>({
  group: 'apps', version: 'v1', kind: 'ControllerRevision', plural: 'controllerrevisions', singular: 'controllerrevision',
  namespaced: true, model: 'V1ControllerRevision',
  strategy: {
    validate(cr) {
      const errs = cr.data === undefined || cr.data === null ? [field.required(FieldPath.root('data'), 'data is mandatory')] : [];
      errs.push(...validateNonnegativeField(cr.revision ?? 0, FieldPath.root('revision')));
      return errs;
    },
    validateUpdate: (cr, old) => validateImmutableField(cr.data ?? null, old.data ?? null, FieldPath.root('data')),
  },
  table: {
    columns: [
      nameColumn,
      { name: 'Controller', type: 'string', description: 'Controller of the object' },
      { name: 'Revision', type: 'string', description: 'The revision this object represents.' },
      ageColumn,
    ],
    row: (cr, now) => [cr.metadata?.name ?? '', controllerOf(cr), cr.revision ?? 0, age(cr, now)],
  },
});
