// Protobuf schemas of k8s.io/api events/v1 (kubernetes/api v0.36.3): field numbers and types
// from its generated.proto; JSON names, omitempty and pointers from its Go struct tags.
// Written by ../tools/gen-schemas.ts; change the generator or schema.ts, not this file.

import type { KindTable, MessageSchemas } from '../schema.ts';

export const messages: MessageSchemas = {
  'events.v1.Event': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta', omitEmpty: false },
      { name: 'eventTime', number: 2, type: 'meta.v1.MicroTime', omitEmpty: false },
      { name: 'series', number: 3, type: 'events.v1.EventSeries', pointer: true },
      { name: 'reportingController', number: 4, type: 'string' },
      { name: 'reportingInstance', number: 5, type: 'string' },
      { name: 'action', number: 6, type: 'string' },
      { name: 'reason', number: 7, type: 'string' },
      { name: 'regarding', number: 8, type: 'core.v1.ObjectReference' },
      { name: 'related', number: 9, type: 'core.v1.ObjectReference', pointer: true },
      { name: 'note', number: 10, type: 'string' },
      { name: 'type', number: 11, type: 'string' },
      { name: 'deprecatedSource', number: 12, type: 'core.v1.EventSource' },
      { name: 'deprecatedFirstTimestamp', number: 13, type: 'meta.v1.Time' },
      { name: 'deprecatedLastTimestamp', number: 14, type: 'meta.v1.Time' },
      { name: 'deprecatedCount', number: 15, type: 'int32' },
    ],
  },
  'events.v1.EventList': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'events.v1.Event', repeated: true, omitEmpty: false },
    ],
  },
  'events.v1.EventSeries': {
    fields: [
      { name: 'count', number: 1, type: 'int32', omitEmpty: false },
      { name: 'lastObservedTime', number: 2, type: 'meta.v1.MicroTime', omitEmpty: false },
    ],
  },
};

export const kinds: KindTable = {
  apiVersion: 'events.k8s.io/v1',
  kinds: {
    Event: 'events.v1.Event',
    EventList: 'events.v1.EventList',
  },
};
