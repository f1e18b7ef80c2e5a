// Protobuf schemas of k8s.io/api node/v1 (kubernetes/api v0.36.3): field numbers and types
// from its generated.proto; JSON names, omitempty and pointers from its Go struct tags.
// Written by ../tools/gen-schemas.ts; change the generator or schema.ts, not this file.

import type { KindTable, MessageSchemas } from '../schema.ts';

export const messages: MessageSchemas = {
  'node.v1.Overhead': {
    fields: [
      { name: 'podFixed', number: 1, type: 'map<string,resource.Quantity>' },
    ],
  },
  'node.v1.RuntimeClass': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'handler', number: 2, type: 'string', omitEmpty: false },
      { name: 'overhead', number: 3, type: 'node.v1.Overhead', pointer: true },
      { name: 'scheduling', number: 4, type: 'node.v1.Scheduling', pointer: true },
    ],
  },
  'node.v1.RuntimeClassList': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'node.v1.RuntimeClass', repeated: true, omitEmpty: false },
    ],
  },
  'node.v1.Scheduling': {
    fields: [
      { name: 'nodeSelector', number: 1, type: 'map<string,string>' },
      { name: 'tolerations', number: 2, type: 'core.v1.Toleration', repeated: true },
    ],
  },
};

export const kinds: KindTable = {
  apiVersion: 'node.k8s.io/v1',
  kinds: {
    RuntimeClass: 'node.v1.RuntimeClass',
    RuntimeClassList: 'node.v1.RuntimeClassList',
  },
};
