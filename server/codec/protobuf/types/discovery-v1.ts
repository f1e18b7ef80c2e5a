// Protobuf schemas of k8s.io/api discovery/v1 (kubernetes/api v0.36.3): field numbers and types
// from its generated.proto; JSON names, omitempty and pointers from its Go struct tags.
// Written by ../tools/gen-schemas.ts; change the generator or schema.ts, not this file.

import type { KindTable, MessageSchemas } from '../schema.ts';

export const messages: MessageSchemas = {
  'discovery.v1.Endpoint': {
    fields: [
      { name: 'addresses', number: 1, type: 'string', repeated: true, omitEmpty: false },
      { name: 'conditions', number: 2, type: 'discovery.v1.EndpointConditions' },
      { name: 'hostname', number: 3, type: 'string', pointer: true },
      { name: 'targetRef', number: 4, type: 'core.v1.ObjectReference', pointer: true },
      { name: 'deprecatedTopology', number: 5, type: 'map<string,string>' },
      { name: 'nodeName', number: 6, type: 'string', pointer: true },
      { name: 'zone', number: 7, type: 'string', pointer: true },
      { name: 'hints', number: 8, type: 'discovery.v1.EndpointHints', pointer: true },
    ],
  },
  'discovery.v1.EndpointConditions': {
    fields: [
      { name: 'ready', number: 1, type: 'bool', pointer: true },
      { name: 'serving', number: 2, type: 'bool', pointer: true },
      { name: 'terminating', number: 3, type: 'bool', pointer: true },
    ],
  },
  'discovery.v1.EndpointHints': {
    fields: [
      { name: 'forZones', number: 1, type: 'discovery.v1.ForZone', repeated: true },
      { name: 'forNodes', number: 2, type: 'discovery.v1.ForNode', repeated: true },
    ],
  },
  'discovery.v1.EndpointPort': {
    fields: [
      { name: 'name', number: 1, type: 'string', pointer: true },
      { name: 'protocol', number: 2, type: 'string', pointer: true },
      { name: 'port', number: 3, type: 'int32', pointer: true },
      { name: 'appProtocol', number: 4, type: 'string', pointer: true },
    ],
  },
  'discovery.v1.EndpointSlice': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'addressType', number: 4, type: 'string', omitEmpty: false },
      { name: 'endpoints', number: 2, type: 'discovery.v1.Endpoint', repeated: true, omitEmpty: false },
      { name: 'ports', number: 3, type: 'discovery.v1.EndpointPort', repeated: true, omitEmpty: false },
    ],
  },
  'discovery.v1.EndpointSliceList': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'discovery.v1.EndpointSlice', repeated: true, omitEmpty: false },
    ],
  },
  'discovery.v1.ForNode': {
    fields: [
      { name: 'name', number: 1, type: 'string', omitEmpty: false },
    ],
  },
  'discovery.v1.ForZone': {
    fields: [
      { name: 'name', number: 1, type: 'string', omitEmpty: false },
    ],
  },
};

export const kinds: KindTable = {
  apiVersion: 'discovery.k8s.io/v1',
  kinds: {
    EndpointSlice: 'discovery.v1.EndpointSlice',
    EndpointSliceList: 'discovery.v1.EndpointSliceList',
  },
};
