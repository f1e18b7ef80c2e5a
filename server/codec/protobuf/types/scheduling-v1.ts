// Protobuf schemas of k8s.io/api scheduling/v1 (kubernetes/api v0.36.3): field numbers and types
// from its generated.proto; JSON names, omitempty and pointers from its Go struct tags.
// Written by ../tools/gen-schemas.ts; change the generator or schema.ts, not this file.

import type { KindTable, MessageSchemas } from '../schema.ts';

export const messages: MessageSchemas = {
  'scheduling.v1.PriorityClass': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'value', number: 2, type: 'int32', omitEmpty: false },
      { name: 'globalDefault', number: 3, type: 'bool' },
      { name: 'description', number: 4, type: 'string' },
      { name: 'preemptionPolicy', number: 5, type: 'string', pointer: true },
    ],
  },
  'scheduling.v1.PriorityClassList': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'scheduling.v1.PriorityClass', repeated: true, omitEmpty: false },
    ],
  },
};

export const kinds: KindTable = {
  apiVersion: 'scheduling.k8s.io/v1',
  kinds: {
    PriorityClass: 'scheduling.v1.PriorityClass',
    PriorityClassList: 'scheduling.v1.PriorityClassList',
  },
};
