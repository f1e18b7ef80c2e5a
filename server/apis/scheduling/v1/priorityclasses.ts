// scheduling.k8s.io/v1 PriorityClass: a name for a pod priority value. Names starting with
// "system-" are reserved for the two classes the API server creates at start-up.
import { FieldPath } from '../../../../machinery/fieldpath.ts';
import * as field from '../../../../machinery/fieldpath.ts';
import { validateImmutableField } from '../../../../machinery/validation.ts';
import { defineResource, type FieldError, type KubeObject } from '../../types.ts';
import { age, ageColumn, nameColumn } from '../../common/age.ts';

type PriorityClass = KubeObject & { value?: number; globalDefault?: boolean; description?: string; preemptionPolicy?: string };

export const SystemPriorityClassPrefix = 'system-';
export const HighestUserDefinablePriority = 1000000000;
export const SystemCriticalPriority = 2 * HighestUserDefinablePriority;

/** The classes every cluster has (upstream's scheduling/v1 SystemPriorityClasses). */
export const bootstrapObjects: PriorityClass[] = [
  {
    apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'system-node-critical' },
    value: SystemCriticalPriority + 1000, description: 'Used for system critical pods that must not be moved from their current node.',
  },
  {
    apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'system-cluster-critical' },
    value: SystemCriticalPriority, description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.',
  },
];

/** Why `name` may not carry the system prefix with this value, or undefined when it may. */
function knownSystemClassError(name: string, value: number, globalDefault: boolean): string | undefined {
  const known = bootstrapObjects.find((pc) => pc.metadata?.name === name);
  if (!known) return `${name} is not a known system priority class`;
  if (known.value !== value) return `value of ${name} PriorityClass must be ${known.value}`;
  if (globalDefault) return `globalDefault of ${name} PriorityClass must be false`;
  return undefined;
}

function validatePreemptionPolicy(policy: string, path: FieldPath): FieldError[] {
  if (policy === 'PreemptLowerPriority' || policy === 'Never') return [];
  if (policy === '') return [field.required(path)];
  return [field.notSupported(path, policy, ['PreemptLowerPriority', 'Never'])];
}

export function validatePriorityClass(pc: PriorityClass): FieldError[] {
  const errs: FieldError[] = [];
  const name = pc.metadata?.name ?? '';
  const value = pc.value ?? 0;
  if (name.startsWith(SystemPriorityClassPrefix)) {
    const why = knownSystemClassError(name, value, pc.globalDefault ?? false);
    if (why) {
      errs.push(field.forbidden(FieldPath.root('metadata', 'name'),
        `priority class names with '${SystemPriorityClassPrefix}' prefix are reserved for system use only. error: ${why}`));
    }
  } else if (value > HighestUserDefinablePriority) {
    errs.push(field.forbidden(FieldPath.root('value'), `maximum allowed value of a user defined priority is ${HighestUserDefinablePriority}`));
  }
  if (pc.preemptionPolicy !== undefined && pc.preemptionPolicy !== null) errs.push(...validatePreemptionPolicy(pc.preemptionPolicy, FieldPath.root('preemptionPolicy')));
  return errs;
}

export const priorityclasses = defineResource<PriorityClass>({
  group: 'scheduling.k8s.io', version: 'v1', kind: 'PriorityClass', plural: 'priorityclasses', singular: 'priorityclass',
  namespaced: false, shortNames: ['pc'], model: 'V1PriorityClass',
  strategy: {
    defaults(pc) {
      pc.preemptionPolicy ??= 'PreemptLowerPriority';
    },
    validate: (pc) => validatePriorityClass(pc),
    validateUpdate(pc, old) {
      const errs: FieldError[] = [];
      if ((pc.value ?? 0) !== (old.value ?? 0)) errs.push(field.forbidden(FieldPath.root('value'), 'may not be changed in an update.'));
      errs.push(...validateImmutableField(pc.preemptionPolicy ?? null, old.preemptionPolicy ?? null, FieldPath.root('preemptionPolicy')));
      return errs;
    },
  },
  table: {
    columns: [
      nameColumn,
      { name: 'Value', type: 'integer', description: 'The priority pods of this class get.' },
      { name: 'Global-Default', type: 'boolean', description: 'Whether pods without a class get this one.' },
      ageColumn,
      { name: 'PreemptionPolicy', type: 'string', description: 'Whether pods of this class preempt lower-priority pods.' },
    ],
    row: (pc, now) => [pc.metadata?.name ?? '', pc.value ?? 0, pc.globalDefault ?? false, age(pc, now), pc.preemptionPolicy ?? ''],
  },
});
