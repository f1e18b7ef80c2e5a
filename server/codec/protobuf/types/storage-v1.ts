// Protobuf schemas of k8s.io/api storage/v1 (kubernetes/api v0.36.3): field numbers and types
// from its generated.proto; JSON names, omitempty and pointers from its Go struct tags.
// Written by ../tools/gen-schemas.ts; change the generator or schema.ts, not this file.

import type { KindTable, MessageSchemas } from '../schema.ts';

export const messages: MessageSchemas = {
  'storage.v1.CSIDriver': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'spec', number: 2, type: 'storage.v1.CSIDriverSpec', omitEmpty: false },
    ],
  },
  'storage.v1.CSIDriverList': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'storage.v1.CSIDriver', repeated: true, omitEmpty: false },
    ],
  },
  'storage.v1.CSIDriverSpec': {
    fields: [
      { name: 'attachRequired', number: 1, type: 'bool', pointer: true },
      { name: 'podInfoOnMount', number: 2, type: 'bool', pointer: true },
      { name: 'volumeLifecycleModes', number: 3, type: 'string', repeated: true },
      { name: 'storageCapacity', number: 4, type: 'bool', pointer: true },
      { name: 'fsGroupPolicy', number: 5, type: 'string', pointer: true },
      { name: 'tokenRequests', number: 6, type: 'storage.v1.TokenRequest', repeated: true },
      { name: 'requiresRepublish', number: 7, type: 'bool', pointer: true },
      { name: 'seLinuxMount', number: 8, type: 'bool', pointer: true },
      { name: 'nodeAllocatableUpdatePeriodSeconds', number: 9, type: 'int64', pointer: true },
      { name: 'serviceAccountTokenInSecrets', number: 10, type: 'bool', pointer: true },
      { name: 'preventPodSchedulingIfMissing', number: 11, type: 'bool', pointer: true },
    ],
  },
  'storage.v1.CSINode': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'spec', number: 2, type: 'storage.v1.CSINodeSpec', omitEmpty: false },
    ],
  },
  'storage.v1.CSINodeDriver': {
    fields: [
      { name: 'name', number: 1, type: 'string', omitEmpty: false },
      { name: 'nodeID', number: 2, type: 'string', omitEmpty: false },
      { name: 'topologyKeys', number: 3, type: 'string', repeated: true, omitEmpty: false },
      { name: 'allocatable', number: 4, type: 'storage.v1.VolumeNodeResources', pointer: true },
    ],
  },
  'storage.v1.CSINodeList': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'storage.v1.CSINode', repeated: true, omitEmpty: false },
    ],
  },
  'storage.v1.CSINodeSpec': {
    fields: [
      { name: 'drivers', number: 1, type: 'storage.v1.CSINodeDriver', repeated: true, omitEmpty: false },
    ],
  },
  'storage.v1.CSIStorageCapacity': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'nodeTopology', number: 2, type: 'meta.v1.LabelSelector', pointer: true },
      { name: 'storageClassName', number: 3, type: 'string', omitEmpty: false },
      { name: 'capacity', number: 4, type: 'resource.Quantity', pointer: true },
      { name: 'maximumVolumeSize', number: 5, type: 'resource.Quantity', pointer: true },
    ],
  },
  'storage.v1.CSIStorageCapacityList': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'storage.v1.CSIStorageCapacity', repeated: true, omitEmpty: false },
    ],
  },
  'storage.v1.StorageClass': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'provisioner', number: 2, type: 'string', omitEmpty: false },
      { name: 'parameters', number: 3, type: 'map<string,string>' },
      { name: 'reclaimPolicy', number: 4, type: 'string', pointer: true },
      { name: 'mountOptions', number: 5, type: 'string', repeated: true },
      { name: 'allowVolumeExpansion', number: 6, type: 'bool', pointer: true },
      { name: 'volumeBindingMode', number: 7, type: 'string', pointer: true },
      { name: 'allowedTopologies', number: 8, type: 'core.v1.TopologySelectorTerm', repeated: true },
    ],
  },
  'storage.v1.StorageClassList': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'storage.v1.StorageClass', repeated: true, omitEmpty: false },
    ],
  },
  'storage.v1.TokenRequest': {
    fields: [
      { name: 'audience', number: 1, type: 'string', omitEmpty: false },
      { name: 'expirationSeconds', number: 2, type: 'int64', pointer: true },
    ],
  },
  'storage.v1.VolumeAttachment': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'spec', number: 2, type: 'storage.v1.VolumeAttachmentSpec', omitEmpty: false },
      { name: 'status', number: 3, type: 'storage.v1.VolumeAttachmentStatus' },
    ],
  },
  'storage.v1.VolumeAttachmentList': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'storage.v1.VolumeAttachment', repeated: true, omitEmpty: false },
    ],
  },
  'storage.v1.VolumeAttachmentSource': {
    fields: [
      { name: 'persistentVolumeName', number: 1, type: 'string', pointer: true },
      { name: 'inlineVolumeSpec', number: 2, type: 'core.v1.PersistentVolumeSpec', pointer: true },
    ],
  },
  'storage.v1.VolumeAttachmentSpec': {
    fields: [
      { name: 'attacher', number: 1, type: 'string', omitEmpty: false },
      { name: 'source', number: 2, type: 'storage.v1.VolumeAttachmentSource', omitEmpty: false },
      { name: 'nodeName', number: 3, type: 'string', omitEmpty: false },
    ],
  },
  'storage.v1.VolumeAttachmentStatus': {
    fields: [
      { name: 'attached', number: 1, type: 'bool', omitEmpty: false },
      { name: 'attachmentMetadata', number: 2, type: 'map<string,string>' },
      { name: 'attachError', number: 3, type: 'storage.v1.VolumeError', pointer: true },
      { name: 'detachError', number: 4, type: 'storage.v1.VolumeError', pointer: true },
    ],
  },
  'storage.v1.VolumeAttributesClass': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'driverName', number: 2, type: 'string', omitEmpty: false },
      { name: 'parameters', number: 3, type: 'map<string,string>' },
    ],
  },
  'storage.v1.VolumeAttributesClassList': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'storage.v1.VolumeAttributesClass', repeated: true, omitEmpty: false },
    ],
  },
  'storage.v1.VolumeError': {
    fields: [
      { name: 'time', number: 1, type: 'meta.v1.Time' },
      { name: 'message', number: 2, type: 'string' },
      { name: 'errorCode', number: 3, type: 'int32', pointer: true },
    ],
  },
  'storage.v1.VolumeNodeResources': {
    fields: [
      { name: 'count', number: 1, type: 'int32', pointer: true },
    ],
  },
};

export const kinds: KindTable = {
  apiVersion: 'storage.k8s.io/v1',
  kinds: {
    StorageClass: 'storage.v1.StorageClass',
    StorageClassList: 'storage.v1.StorageClassList',
    VolumeAttachment: 'storage.v1.VolumeAttachment',
    VolumeAttachmentList: 'storage.v1.VolumeAttachmentList',
    CSINode: 'storage.v1.CSINode',
    CSINodeList: 'storage.v1.CSINodeList',
    CSIDriver: 'storage.v1.CSIDriver',
    CSIDriverList: 'storage.v1.CSIDriverList',
    CSIStorageCapacity: 'storage.v1.CSIStorageCapacity',
    CSIStorageCapacityList: 'storage.v1.CSIStorageCapacityList',
    VolumeAttributesClass: 'storage.v1.VolumeAttributesClass',
    VolumeAttributesClassList: 'storage.v1.VolumeAttributesClassList',
  },
};
