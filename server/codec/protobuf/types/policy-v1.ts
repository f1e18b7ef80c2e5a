// Protobuf schemas of k8s.io/api policy/v1 (kubernetes/api v0.36.3): field numbers and types
// from its generated.proto; JSON names, omitempty and pointers from its Go struct tags.
// Written by ../tools/gen-schemas.ts; change the generator or schema.ts, not this file.

import type { KindTable, MessageSchemas } from '../schema.ts';

export const messages: MessageSchemas = {
  'policy.v1.Eviction': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'deleteOptions', number: 2, type: 'meta.v1.DeleteOptions', pointer: true },
    ],
  },
  'policy.v1.PodDisruptionBudget': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'spec', number: 2, type: 'policy.v1.PodDisruptionBudgetSpec' },
      { name: 'status', number: 3, type: 'policy.v1.PodDisruptionBudgetStatus' },
    ],
  },
  'policy.v1.PodDisruptionBudgetList': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'policy.v1.PodDisruptionBudget', repeated: true, omitEmpty: false },
    ],
  },
  'policy.v1.PodDisruptionBudgetSpec': {
    fields: [
      { name: 'minAvailable', number: 1, type: 'intstr.IntOrString', pointer: true },
      { name: 'selector', number: 2, type: 'meta.v1.LabelSelector', pointer: true },
      { name: 'maxUnavailable', number: 3, type: 'intstr.IntOrString', pointer: true },
      { name: 'unhealthyPodEvictionPolicy', number: 4, type: 'string', pointer: true },
    ],
  },
  'policy.v1.PodDisruptionBudgetStatus': {
    fields: [
      { name: 'observedGeneration', number: 1, type: 'int64' },
      { name: 'disruptedPods', number: 2, type: 'map<string,meta.v1.Time>' },
      { name: 'disruptionsAllowed', number: 3, type: 'int32', omitEmpty: false },
      { name: 'currentHealthy', number: 4, type: 'int32', omitEmpty: false },
      { name: 'desiredHealthy', number: 5, type: 'int32', omitEmpty: false },
      { name: 'expectedPods', number: 6, type: 'int32', omitEmpty: false },
      { name: 'conditions', number: 7, type: 'meta.v1.Condition', repeated: true },
    ],
  },
};

export const kinds: KindTable = {
  apiVersion: 'policy/v1',
  kinds: {
    PodDisruptionBudget: 'policy.v1.PodDisruptionBudget',
    PodDisruptionBudgetList: 'policy.v1.PodDisruptionBudgetList',
    Eviction: 'policy.v1.Eviction',
  },
};
