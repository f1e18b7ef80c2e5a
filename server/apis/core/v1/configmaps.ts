// core/v1 ConfigMap: string data and binary data under valid keys, optionally immutable.
import { FieldPath } from '../../../../machinery/fieldpath.ts';
import * as field from '../../../../machinery/fieldpath.ts';
import { isConfigMapKey } from '../../../../machinery/validation.ts';
import { defineResource, type FieldError, type KubeObject } from '../../types.ts';
import { age, ageColumn, nameColumn } from '../../common/age.ts';

type ConfigMap = KubeObject & { data?: Record<string, string>; binaryData?: Record<string, string>; immutable?: boolean };

const MAX_SIZE = 1024 * 1024;

export function validateDataKeys(data: Record<string, unknown> | undefined, path: FieldPath, seen: Set<string>, dupField?: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  for (const key of Object.keys(data ?? {})) {
    for (const msg of isConfigMapKey(key)) errs.push(field.invalid(path, key, msg));
    if (seen.has(key)) errs.push(field.invalid(dupField ?? path, key, 'duplicate of key present in data'));
    seen.add(key);
  }
  return errs;
}

export const configmaps = defineResource<ConfigMap>({
  group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', singular: 'configmap',
  namespaced: true, shortNames: ['cm'], model: 'V1ConfigMap',
  strategy: {
    validate(cm) {
      const seen = new Set<string>();
      const errs = validateDataKeys(cm.data, FieldPath.root('data'), seen);
      errs.push(...validateDataKeys(cm.binaryData, FieldPath.root('binaryData'), seen, FieldPath.root('binaryData')));
      let size = 0;
      for (const v of Object.values(cm.data ?? {})) size += Buffer.byteLength(String(v));
      for (const v of Object.values(cm.binaryData ?? {})) size += Buffer.from(String(v), 'base64').length;
      if (size > MAX_SIZE) errs.push(field.tooLong(FieldPath.root(''), '', MAX_SIZE));
      return errs;
    },
    validateUpdate(cm, old) {
      if (!old.immutable) return [];
      const errs: FieldError[] = [];
      if (!cm.immutable) errs.push(field.forbidden(FieldPath.root('immutable'), 'field is immutable when `immutable` is set'));
      if (JSON.stringify(cm.data ?? {}) !== JSON.stringify(old.data ?? {})) errs.push(field.forbidden(FieldPath.root('data'), 'field is immutable when `immutable` is set'));
      if (JSON.stringify(cm.binaryData ?? {}) !== JSON.stringify(old.binaryData ?? {})) errs.push(field.forbidden(FieldPath.root('binaryData'), 'field is immutable when `immutable` is set'));
      return errs;
    },
  },
  table: {
    columns: [nameColumn, { name: 'Data', type: 'integer', description: 'The number of data entries.' }, ageColumn],
    row: (cm, now) => [cm.metadata?.name ?? '', Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length, age(cm, now)],
  },
});
