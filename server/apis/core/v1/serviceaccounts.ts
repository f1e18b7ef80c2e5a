// core/v1 ServiceAccount.
import { defineResource, type KubeObject } from '../../types.ts';
import { age, ageColumn, nameColumn } from '../../common/age.ts';

type ServiceAccount = KubeObject & { secrets?: unknown[] };

export const serviceaccounts = defineResource<ServiceAccount>({
  group: '', version: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts', singular: 'serviceaccount',
  namespaced: true, shortNames: ['sa'], returnDeletedObject: true, model: 'V1ServiceAccount',
  table: {
    columns: [nameColumn, { name: 'Secrets', type: 'integer', description: 'The number of token secrets.' }, ageColumn],
    row: (sa, now) => [sa.metadata?.name ?? '', (sa.secrets ?? []).length, age(sa, now)],
  },
});
