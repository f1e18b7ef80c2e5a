// Protobuf schemas of k8s.io/api coordination/v1 (kubernetes/api v0.36.3): field numbers and types
// from its generated.proto; JSON names, omitempty and pointers from its Go struct tags.
// Written by ../tools/gen-schemas.ts; change the generator or schema.ts, not this file.

import type { KindTable, MessageSchemas } from '../schema.ts';

export const messages: MessageSchemas = {
  'coordination.v1.Lease': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'spec', number: 2, type: 'coordination.v1.LeaseSpec' },
    ],
  },
  'coordination.v1.LeaseList': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'coordination.v1.Lease', repeated: true, omitEmpty: false },
    ],
  },
  'coordination.v1.LeaseSpec': {
    fields: [
      { name: 'holderIdentity', number: 1, type: 'string', pointer: true },
      { name: 'leaseDurationSeconds', number: 2, type: 'int32', pointer: true },
      { name: 'acquireTime', number: 3, type: 'meta.v1.MicroTime', pointer: true },
      { name: 'renewTime', number: 4, type: 'meta.v1.MicroTime', pointer: true },
      { name: 'leaseTransitions', number: 5, type: 'int32', pointer: true },
      { name: 'strategy', number: 6, type: 'string', pointer: true },
      { name: 'preferredHolder', number: 7, type: 'string', pointer: true },
    ],
  },
};

export const kinds: KindTable = {
  apiVersion: 'coordination.k8s.io/v1',
  kinds: {
    Lease: 'coordination.v1.Lease',
    LeaseList: 'coordination.v1.LeaseList',
  },
};
