// policy/v1 PodDisruptionBudget: minAvailable or maxUnavailable (not both) over a selector; the
// disruption controller writes the status through the status subresource.
import { FieldPath } from '../../../../machinery/fieldpath.ts';
import * as field from '../../../../machinery/fieldpath.ts';
import { validateNonnegativeField } from '../../../../machinery/validation.ts';
import { validateLabelSelector, type LabelSelector } from '../../../../machinery/labels.ts';
import { defineResource, type FieldError, type KubeObject } from '../../types.ts';
import { age, ageColumn, nameColumn } from '../../common/age.ts';
import { isNotMoreThan100Percent, validatePositiveIntOrPercent, type IntOrString } from '../../common/intstr.ts';

interface PDBSpec { minAvailable?: IntOrString; maxUnavailable?: IntOrString; selector?: LabelSelector; unhealthyPodEvictionPolicy?: string }
export type PodDisruptionBudget = KubeObject & {
  spec?: PDBSpec;
  status?: {
    observedGeneration?: number; disruptedPods?: Record<string, string>; disruptionsAllowed?: number; currentHealthy?: number;
    desiredHealthy?: number; expectedPods?: number; conditions?: unknown[];
  };
};

const EVICTION_POLICIES = ['AlwaysAllow', 'IfHealthyBudget'];

/** Upstream's ValidatePodDisruptionBudgetSpec. */
function validateSpec(pdb: PodDisruptionBudget): FieldError[] {
  const s = pdb.spec ?? {};
  const p = FieldPath.root('spec');
  const errs: FieldError[] = [];
  if (s.minAvailable !== undefined && s.maxUnavailable !== undefined) {
    // Upstream reports the internal spec struct (Go field names).
    errs.push(field.invalid(p, { MinAvailable: s.minAvailable, Selector: s.selector ?? null, MaxUnavailable: s.maxUnavailable, UnhealthyPodEvictionPolicy: s.unhealthyPodEvictionPolicy ?? null }, 'minAvailable and maxUnavailable cannot be both set'));
  }
  for (const k of ['minAvailable', 'maxUnavailable'] as const) {
    if (s[k] === undefined) continue;
    errs.push(...validatePositiveIntOrPercent(s[k], p.child(k)), ...isNotMoreThan100Percent(s[k], p.child(k)));
  }
  errs.push(...validateLabelSelector(s.selector, p.child('selector')));
  if (s.unhealthyPodEvictionPolicy !== undefined && !EVICTION_POLICIES.includes(s.unhealthyPodEvictionPolicy)) {
    errs.push(field.notSupported(p.child('unhealthyPodEvictionPolicy'), s.unhealthyPodEvictionPolicy, EVICTION_POLICIES));
  }
  return errs;
}

const intOrStringText = (v: IntOrString | undefined) => (v === undefined ? 'N/A' : String(v));

export const poddisruptionbudgets = defineResource<PodDisruptionBudget>({
  group: 'policy', version: 'v1', kind: 'PodDisruptionBudget', plural: 'poddisruptionbudgets', singular: 'poddisruptionbudget',
  namespaced: true, shortNames: ['pdb'], model: 'V1PodDisruptionBudget', hasGeneration: true,
  strategy: {
    prepareForCreate(pdb) {
      pdb.status = { currentHealthy: 0, desiredHealthy: 0, disruptionsAllowed: 0, expectedPods: 0 };
    },
    validate: validateSpec,
  },
  status: {
    validateUpdate(pdb) {
      const st = pdb.status ?? {};
      const p = FieldPath.root('status');
      return [
        ...validateNonnegativeField(st.disruptionsAllowed ?? 0, p.child('disruptionsAllowed')),
        ...validateNonnegativeField(st.currentHealthy ?? 0, p.child('currentHealthy')),
        ...validateNonnegativeField(st.desiredHealthy ?? 0, p.child('desiredHealthy')),
        ...validateNonnegativeField(st.expectedPods ?? 0, p.child('expectedPods')),
      ];
    },
  },
  table: {
    columns: [
      nameColumn,
      { name: 'Min Available', type: 'string', description: 'The minimum number of pods that must be available.' },
      { name: 'Max Unavailable', type: 'string', description: 'The maximum number of pods that may be unavailable.' },
      { name: 'Allowed Disruptions', type: 'integer', description: 'Calculated number of pods that may be disrupted at this time.' },
      ageColumn,
    ],
    row: (pdb, now) => [pdb.metadata?.name ?? '', intOrStringText(pdb.spec?.minAvailable), intOrStringText(pdb.spec?.maxUnavailable), pdb.status?.disruptionsAllowed ?? 0, age(pdb, now)],
  },
});
