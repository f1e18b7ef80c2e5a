// storage.k8s.io/v1 CSIStorageCapacity: capacity a CSI driver reports for a storage class in a
// topology segment. The segment and the class are fixed; the numbers change.
import { FieldPath } from '../../../../machinery/fieldpath.ts';
import * as field from '../../../../machinery/fieldpath.ts';
import { validateLabelSelector, type LabelSelector } from '../../../../machinery/labels.ts';
import { parseQuantity } from '../../../../machinery/quantity.ts';
import { nameIsDNSSubdomain } from '../../../../machinery/validation.ts';
import { defineResource, type FieldError, type KubeObject } from '../../types.ts';
import { nameColumn } from '../../common/age.ts';
import { semanticEqual } from '../../common/shapes.ts';
import { quantityString } from '../../common/intstr.ts';

type CSIStorageCapacity = KubeObject & { nodeTopology?: LabelSelector; storageClassName?: string; capacity?: string; maximumVolumeSize?: string };

function validateCapacity(c: CSIStorageCapacity): FieldError[] {
  const errs = validateLabelSelector(c.nodeTopology, FieldPath.root('nodeTopology'));
  const sc = c.storageClassName ?? '';
  for (const m of nameIsDNSSubdomain(sc, false)) errs.push(field.invalid(FieldPath.root('storageClassName'), sc, m));
  if (c.capacity !== undefined && c.capacity !== null) {
    try {
      const q = parseQuantity(String(c.capacity));
      if (q.sign() < 0) errs.push(field.invalid(FieldPath.root('capacity'), q.toString(), 'must be greater than or equal to 0'));
    } catch {
      // An unparseable quantity is rejected when the body is decoded upstream.
    }
  }
  return errs;
}

export const csistoragecapacities = defineResource<CSIStorageCapacity>({
  group: 'storage.k8s.io', version: 'v1', kind: 'CSIStorageCapacity', plural: 'csistoragecapacities', singular: 'csistoragecapacity',
  namespaced: true, model: 'V1CSIStorageCapacity',
  strategy: {
    // Quantities are stored in their canonical form (`1024Gi` reads back `1Ti`).
    defaults(c) {
      if (c.capacity !== undefined && c.capacity !== null) c.capacity = quantityString(c.capacity);
      if (c.maximumVolumeSize !== undefined && c.maximumVolumeSize !== null) c.maximumVolumeSize = quantityString(c.maximumVolumeSize);
    },
    validate: (c) => validateCapacity(c),
    validateUpdate(c, old) {
      const errs: FieldError[] = [];
      if (!semanticEqual(c.nodeTopology, old.nodeTopology)) errs.push(field.invalid(FieldPath.root('nodeTopology'), c.nodeTopology ?? null, 'field is immutable'));
      if ((c.storageClassName ?? '') !== (old.storageClassName ?? '')) errs.push(field.invalid(FieldPath.root('storageClassName'), c.storageClassName ?? '', 'field is immutable'));
      return errs;
    },
  },
  table: {
    columns: [
      nameColumn,
      { name: 'StorageClassName', type: 'string', description: 'The storage class the capacity applies to.' },
      { name: 'Capacity', type: 'string', description: 'The capacity reported by the driver.' },
    ],
    row(c) {
      let capacity = '<unset>';
      if (c.capacity !== undefined && c.capacity !== null) {
        try { capacity = parseQuantity(String(c.capacity)).toString(); } catch { capacity = String(c.capacity); }
      }
      return [c.metadata?.name ?? '', c.storageClassName ?? '', capacity];
    },
  },
});
