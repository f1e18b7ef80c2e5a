// Status checks shared by the replica-counting controllers (ReplicaSet, ReplicationController,
// Deployment, StatefulSet): counts never negative and never above status.replicas.
import type { FieldPath } from '../../../machinery/fieldpath.ts';
import * as field from '../../../machinery/fieldpath.ts';
import { validateNonnegativeField } from '../../../machinery/validation.ts';
import type { FieldError } from '../types.ts';
import type { ColumnDef } from '../types.ts';
import { ageColumn, nameColumn } from './age.ts';

/**
 * Upstream's ValidateReplicaSetStatus shape: observedGeneration and every count non-negative,
 * each of `bounded` at most status.replicas, availableReplicas at most readyReplicas.
 */
export function validateReplicaCounts(status: Record<string, unknown>, path: FieldPath, bounded: string[], extra: string[] = []): FieldError[] {
  const n = (k: string) => (typeof status[k] === 'number' ? (status[k] as number) : 0);
  const errs: FieldError[] = [];
  for (const k of ['replicas', ...bounded, ...extra, 'observedGeneration']) errs.push(...validateNonnegativeField(n(k), path.child(k)));
  if (status.collisionCount !== undefined) errs.push(...validateNonnegativeField(n('collisionCount'), path.child('collisionCount')));
  for (const k of bounded) if (n(k) > n('replicas')) errs.push(field.invalid(path.child(k), n(k), 'cannot be greater than status.replicas'));
  if (bounded.includes('availableReplicas') && n('availableReplicas') > n('readyReplicas')) {
    errs.push(field.invalid(path.child('availableReplicas'), n('availableReplicas'), 'cannot be greater than readyReplicas'));
  }
  return errs;
}

/** collisionCount may only grow (upstream's ValidateDeploymentStatusUpdate and friends). */
export function validateCollisionCount(status: { collisionCount?: number } | undefined, old: { collisionCount?: number } | undefined, path: FieldPath): FieldError[] {
  const n = status?.collisionCount, o = old?.collisionCount;
  if (n !== undefined && o !== undefined && n < o) return [field.invalid(path.child('collisionCount'), n, 'cannot be decremented')];
  return [];
}

/** The columns upstream prints for ReplicaSets and ReplicationControllers alike. */
export const replicaControllerColumns: ColumnDef[] = [
  nameColumn,
  { name: 'Desired', type: 'integer', description: 'The number of replicas wanted.' },
  { name: 'Current', type: 'integer', description: 'The number of replicas observed.' },
  { name: 'Ready', type: 'integer', description: 'The number of ready replicas.' },
  ageColumn,
  { name: 'Containers', type: 'string', priority: 1, description: 'Names of each container in the template.' },
  { name: 'Images', type: 'string', priority: 1, description: 'Images referenced by each container in the template.' },
  { name: 'Selector', type: 'string', priority: 1, description: 'The label selector for the pods.' },
];
