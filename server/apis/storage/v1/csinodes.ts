// storage.k8s.io/v1 CSINode: the CSI drivers registered on a node (named like the node), their
// node IDs, topology keys and volume limits. A driver entry never changes once registered.
import { FieldPath } from '../../../../machinery/fieldpath.ts';
import * as field from '../../../../machinery/fieldpath.ts';
import { byteLength } from '../../../../machinery/goformat.ts';
import { isQualifiedName, validateImmutableField } from '../../../../machinery/validation.ts';
import { defineResource, type FieldError, type KubeObject } from '../../types.ts';
import { age, ageColumn, nameColumn } from '../../common/age.ts';
import { validateCSIDriverName } from './validation.ts';

interface Driver { name?: string; nodeID?: string; topologyKeys?: string[] | null; allocatable?: { count?: number } }
type CSINode = KubeObject & { spec?: { drivers?: Driver[] | null } };

// Upstream's csinode strategy always allows the longer node IDs.
const maxNodeIDLength = 256;

function validateDriver(d: Driver, names: Set<string>, path: FieldPath): FieldError[] {
  const errs = validateCSIDriverName(d.name ?? '', path.child('name'));
  const nodeID = d.nodeID ?? '';
  if (nodeID === '') errs.push(field.required(path.child('nodeID')));
  if (byteLength(nodeID) > maxNodeIDLength) errs.push(field.invalid(path.child('nodeID'), nodeID, `must be ${maxNodeIDLength} characters or less`));
  const count = d.allocatable?.count;
  if (count !== undefined && count !== null && count < 0) errs.push(field.invalid(path.child('allocatable', 'count'), count, 'must be greater than or equal to 0'));
  if (names.has(d.name ?? '')) errs.push(field.duplicate(path.child('name'), d.name ?? ''));
  names.add(d.name ?? '');
  const keys = new Set<string>();
  for (const key of d.topologyKeys ?? []) {
    if (key === '') errs.push(field.required(path));
    if (keys.has(key)) errs.push(field.duplicate(path, key));
    keys.add(key);
    for (const m of isQualifiedName(key)) errs.push(field.invalid(path, key, m));
  }
  return errs;
}

export const csinodes = defineResource<CSINode>({
  group: 'storage.k8s.io', version: 'v1', kind: 'CSINode', plural: 'csinodes', singular: 'csinode',
  namespaced: false, model: 'V1CSINode', returnDeletedObject: true,
  strategy: {
    // `drivers` and a driver's `topologyKeys` have no omitempty, and an empty list reads back from
    // upstream's (protobuf) storage as nil: none is written `null` (a driver without topology).
    defaults(n) {
      const spec = (n.spec ??= {});
      if (!spec.drivers?.length) spec.drivers = null;
      for (const d of spec.drivers ?? []) if (!d.topologyKeys?.length) d.topologyKeys = null;
    },
    validate(n) {
      const names = new Set<string>();
      return (n.spec?.drivers ?? []).flatMap((d, i) => validateDriver(d, names, FieldPath.root('spec', 'drivers').index(i)));
    },
    validateUpdate(n, old) {
      const errs: FieldError[] = [];
      for (const o of old.spec?.drivers ?? []) {
        for (const d of n.spec?.drivers ?? []) {
          if (o.name === d.name) errs.push(...validateImmutableField(d, o, FieldPath.root('spec', 'drivers')));
        }
      }
      return errs;
    },
  },
  table: {
    columns: [nameColumn, { name: 'Drivers', type: 'integer', description: 'The number of CSI drivers registered on the node.' }, ageColumn],
    row: (n, now) => [n.metadata?.name ?? '', (n.spec?.drivers ?? []).length, age(n, now)],
  },
});
