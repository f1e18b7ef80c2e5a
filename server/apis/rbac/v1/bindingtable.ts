// The Table both binding kinds print: the role they grant and, with -o wide, who gets it.
import type { TableDef } from '../../types.ts';
import { age, ageColumn, nameColumn } from '../../common/age.ts';
import { subjectsStrings, type Binding } from './validation.ts';

export function bindingTable(kind: string): TableDef<Binding> {
  return {
    columns: [
      nameColumn,
      { name: 'Role', type: 'string', description: 'The role the binding grants (kind/name).' },
      ageColumn,
      { name: 'Users', type: 'string', priority: 1, description: `Users in the ${kind}.` },
      { name: 'Groups', type: 'string', priority: 1, description: `Groups in the ${kind}.` },
      { name: 'ServiceAccounts', type: 'string', priority: 1, description: `Service accounts in the ${kind}.` },
    ],
    row: (b, now) => [b.metadata?.name ?? '', `${b.roleRef?.kind ?? ''}/${b.roleRef?.name ?? ''}`, age(b, now), ...subjectsStrings(b.subjects)],
  };
}
