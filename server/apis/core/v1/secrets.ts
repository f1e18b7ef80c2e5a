// core/v1 Secret: base64 data, stringData folded into data on write, an immutable type.
import { FieldPath } from '../../../../machinery/fieldpath.ts';
import * as field from '../../../../machinery/fieldpath.ts';
import { defineResource, type FieldError, type KubeObject } from '../../types.ts';
import { age, ageColumn, nameColumn } from '../../common/age.ts';
import { validateDataKeys } from './configmaps.ts';

type Secret = KubeObject & { data?: Record<string, string>; stringData?: Record<string, string>; type?: string; immutable?: boolean };

/** Upstream folds stringData into data (stringData wins) and never stores stringData. */
function foldStringData(s: Secret): void {
  if (s.stringData) {
    s.data = { ...s.data };
    for (const [k, v] of Object.entries(s.stringData)) s.data[k] = Buffer.from(String(v), 'utf8').toString('base64');
    delete s.stringData;
  }
}

export const secrets = defineResource<Secret>({
  group: '', version: 'v1', kind: 'Secret', plural: 'secrets', singular: 'secret',
  namespaced: true, model: 'V1Secret',
  fieldSelectors: { type: (s) => s.type },
  strategy: {
    defaults(s) {
      if (!s.type) s.type = 'Opaque';
      foldStringData(s);
    },
    validate(s) {
      const errs: FieldError[] = validateDataKeys(s.data, FieldPath.root('data'), new Set());
      for (const [k, v] of Object.entries(s.data ?? {})) {
        if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) errs.push(field.invalid(FieldPath.root('data').key(k), '<secret contents redacted>', 'illegal base64 data'));
      }
      if (s.type === 'kubernetes.io/service-account-token' && !s.metadata?.annotations?.['kubernetes.io/service-account.name']) {
        errs.push(field.required(FieldPath.root('metadata', 'annotations').key('kubernetes.io/service-account.name'), ''));
      }
      return errs;
    },
    validateUpdate(s, old) {
      const errs: FieldError[] = [];
      if ((s.type ?? 'Opaque') !== (old.type ?? 'Opaque')) errs.push(field.invalid(FieldPath.root('type'), s.type, 'field is immutable'));
      if (old.immutable) {
        if (!s.immutable) errs.push(field.forbidden(FieldPath.root('immutable'), 'field is immutable when `immutable` is set'));
        if (JSON.stringify(s.data ?? {}) !== JSON.stringify(old.data ?? {})) errs.push(field.forbidden(FieldPath.root('data'), 'field is immutable when `immutable` is set'));
      }
      return errs;
    },
  },
  table: {
    columns: [nameColumn, { name: 'Type', type: 'string', description: 'The type of the secret.' }, { name: 'Data', type: 'integer', description: 'The number of entries in data.' }, ageColumn],
    row: (s, now) => [s.metadata?.name ?? '', s.type ?? '', Object.keys(s.data ?? {}).length, age(s, now)],
  },
});
