// Protobuf schemas of k8s.io/apimachinery pkg/apis/meta/v1 (kubernetes/apimachinery v0.36.3): field numbers and types
// from its generated.proto; JSON names, omitempty and pointers from its Go struct tags.
// Written by ../tools/gen-schemas.ts; change the generator or schema.ts, not this file.

import type { KindTable, MessageSchemas } from '../schema.ts';

export const messages: MessageSchemas = {
  'meta.v1.APIGroup': {
    fields: [
      { name: 'name', number: 1, type: 'string', omitEmpty: false },
      { name: 'versions', number: 2, type: 'meta.v1.GroupVersionForDiscovery', repeated: true, omitEmpty: false },
      { name: 'preferredVersion', number: 3, type: 'meta.v1.GroupVersionForDiscovery' },
      { name: 'serverAddressByClientCIDRs', number: 4, type: 'meta.v1.ServerAddressByClientCIDR', repeated: true },
    ],
  },
  'meta.v1.APIGroupList': {
    fields: [
      { name: 'groups', number: 1, type: 'meta.v1.APIGroup', repeated: true, omitEmpty: false },
    ],
  },
  'meta.v1.APIResource': {
    fields: [
      { name: 'name', number: 1, type: 'string', omitEmpty: false },
      { name: 'singularName', number: 6, type: 'string', omitEmpty: false },
      { name: 'namespaced', number: 2, type: 'bool', omitEmpty: false },
      { name: 'group', number: 8, type: 'string' },
      { name: 'version', number: 9, type: 'string' },
      { name: 'kind', number: 3, type: 'string', omitEmpty: false },
      { name: 'verbs', number: 4, type: 'meta.v1.Verbs', omitEmpty: false },
      { name: 'shortNames', number: 5, type: 'string', repeated: true },
      { name: 'categories', number: 7, type: 'string', repeated: true },
      { name: 'storageVersionHash', number: 10, type: 'string' },
    ],
  },
  'meta.v1.APIResourceList': {
    fields: [
      { name: 'groupVersion', number: 1, type: 'string', omitEmpty: false },
      { name: 'resources', number: 2, type: 'meta.v1.APIResource', repeated: true, omitEmpty: false },
    ],
  },
  'meta.v1.APIVersions': {
    fields: [
      { name: 'versions', number: 1, type: 'string', repeated: true, omitEmpty: false },
      { name: 'serverAddressByClientCIDRs', number: 2, type: 'meta.v1.ServerAddressByClientCIDR', repeated: true, omitEmpty: false },
    ],
  },
  'meta.v1.ApplyOptions': {
    fields: [
      { name: 'dryRun', number: 1, type: 'string', repeated: true },
      { name: 'force', number: 2, type: 'bool', omitEmpty: false },
      { name: 'fieldManager', number: 3, type: 'string', omitEmpty: false },
    ],
  },
  'meta.v1.Condition': {
    fields: [
      { name: 'type', number: 1, type: 'string', omitEmpty: false },
      { name: 'status', number: 2, type: 'string', omitEmpty: false },
      { name: 'observedGeneration', number: 3, type: 'int64' },
      { name: 'lastTransitionTime', number: 4, type: 'meta.v1.Time', omitEmpty: false },
      { name: 'reason', number: 5, type: 'string', omitEmpty: false },
      { name: 'message', number: 6, type: 'string', omitEmpty: false },
    ],
  },
  'meta.v1.CreateOptions': {
    fields: [
      { name: 'dryRun', number: 1, type: 'string', repeated: true },
      { name: 'fieldManager', number: 3, type: 'string' },
      { name: 'fieldValidation', number: 4, type: 'string' },
    ],
  },
  'meta.v1.DeleteOptions': {
    fields: [
      { name: 'gracePeriodSeconds', number: 1, type: 'int64', pointer: true },
      { name: 'preconditions', number: 2, type: 'meta.v1.Preconditions', pointer: true },
      { name: 'orphanDependents', number: 3, type: 'bool', pointer: true },
      { name: 'propagationPolicy', number: 4, type: 'string', pointer: true },
      { name: 'dryRun', number: 5, type: 'string', repeated: true },
      { name: 'ignoreStoreReadErrorWithClusterBreakingPotential', number: 6, type: 'bool', pointer: true },
    ],
  },
  'meta.v1.FieldSelectorRequirement': {
    fields: [
      { name: 'key', number: 1, type: 'string', omitEmpty: false },
      { name: 'operator', number: 2, type: 'string', omitEmpty: false },
      { name: 'values', number: 3, type: 'string', repeated: true },
    ],
  },
  'meta.v1.GetOptions': {
    fields: [
      { name: 'resourceVersion', number: 1, type: 'string' },
    ],
  },
  'meta.v1.GroupKind': {
    fields: [
      { name: 'group', number: 1, type: 'string', omitEmpty: false },
      { name: 'kind', number: 2, type: 'string', omitEmpty: false },
    ],
  },
  'meta.v1.GroupResource': {
    fields: [
      { name: 'group', number: 1, type: 'string', omitEmpty: false },
      { name: 'resource', number: 2, type: 'string', omitEmpty: false },
    ],
  },
  'meta.v1.GroupVersion': {
    fields: [
      { name: 'group', number: 1, type: 'string', omitEmpty: false },
      { name: 'version', number: 2, type: 'string', omitEmpty: false },
    ],
  },
  'meta.v1.GroupVersionForDiscovery': {
    fields: [
      { name: 'groupVersion', number: 1, type: 'string', omitEmpty: false },
      { name: 'version', number: 2, type: 'string', omitEmpty: false },
    ],
  },
  'meta.v1.GroupVersionKind': {
    fields: [
      { name: 'group', number: 1, type: 'string', omitEmpty: false },
      { name: 'version', number: 2, type: 'string', omitEmpty: false },
      { name: 'kind', number: 3, type: 'string', omitEmpty: false },
    ],
  },
  'meta.v1.GroupVersionResource': {
    fields: [
      { name: 'group', number: 1, type: 'string', omitEmpty: false },
      { name: 'version', number: 2, type: 'string', omitEmpty: false },
      { name: 'resource', number: 3, type: 'string', omitEmpty: false },
    ],
  },
  'meta.v1.LabelSelector': {
    fields: [
      { name: 'matchLabels', number: 1, type: 'map<string,string>' },
      { name: 'matchExpressions', number: 2, type: 'meta.v1.LabelSelectorRequirement', repeated: true },
    ],
  },
  'meta.v1.LabelSelectorRequirement': {
    fields: [
      { name: 'key', number: 1, type: 'string', omitEmpty: false },
      { name: 'operator', number: 2, type: 'string', omitEmpty: false },
      { name: 'values', number: 3, type: 'string', repeated: true },
    ],
  },
  'meta.v1.List': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'runtime.RawExtension', repeated: true, omitEmpty: false },
    ],
  },
  'meta.v1.ListMeta': {
    fields: [
      { name: 'selfLink', number: 1, type: 'string' },
      { name: 'resourceVersion', number: 2, type: 'string' },
      { name: 'continue', number: 3, type: 'string' },
      { name: 'remainingItemCount', number: 4, type: 'int64', pointer: true },
      { name: 'shardInfo', number: 5, type: 'meta.v1.ShardInfo', pointer: true },
    ],
  },
  'meta.v1.ListOptions': {
    fields: [
      { name: 'labelSelector', number: 1, type: 'string' },
      { name: 'fieldSelector', number: 2, type: 'string' },
      { name: 'watch', number: 3, type: 'bool' },
      { name: 'allowWatchBookmarks', number: 9, type: 'bool' },
      { name: 'resourceVersion', number: 4, type: 'string' },
      { name: 'resourceVersionMatch', number: 10, type: 'string' },
      { name: 'timeoutSeconds', number: 5, type: 'int64', pointer: true },
      { name: 'limit', number: 7, type: 'int64' },
      { name: 'continue', number: 8, type: 'string' },
      { name: 'sendInitialEvents', number: 11, type: 'bool', pointer: true },
      { name: 'shardSelector', number: 15, type: 'string' },
    ],
  },
  'meta.v1.ManagedFieldsEntry': {
    fields: [
      { name: 'manager', number: 1, type: 'string' },
      { name: 'operation', number: 2, type: 'string' },
      { name: 'apiVersion', number: 3, type: 'string' },
      { name: 'time', number: 4, type: 'meta.v1.Time', pointer: true },
      { name: 'fieldsType', number: 6, type: 'string' },
      { name: 'fieldsV1', number: 7, type: 'meta.v1.FieldsV1', pointer: true },
      { name: 'subresource', number: 8, type: 'string' },
    ],
  },
  'meta.v1.ObjectMeta': {
    fields: [
      { name: 'name', number: 1, type: 'string' },
      { name: 'generateName', number: 2, type: 'string' },
      { name: 'namespace', number: 3, type: 'string' },
      { name: 'selfLink', number: 4, type: 'string' },
      { name: 'uid', number: 5, type: 'string' },
      { name: 'resourceVersion', number: 6, type: 'string' },
      { name: 'generation', number: 7, type: 'int64' },
      { name: 'creationTimestamp', number: 8, type: 'meta.v1.Time' },
      { name: 'deletionTimestamp', number: 9, type: 'meta.v1.Time', pointer: true },
      { name: 'deletionGracePeriodSeconds', number: 10, type: 'int64', pointer: true },
      { name: 'labels', number: 11, type: 'map<string,string>' },
      { name: 'annotations', number: 12, type: 'map<string,string>' },
      { name: 'ownerReferences', number: 13, type: 'meta.v1.OwnerReference', repeated: true },
      { name: 'finalizers', number: 14, type: 'string', repeated: true },
      { name: 'managedFields', number: 17, type: 'meta.v1.ManagedFieldsEntry', repeated: true },
    ],
  },
  'meta.v1.OwnerReference': {
    fields: [
      { name: 'apiVersion', number: 5, type: 'string', omitEmpty: false },
      { name: 'kind', number: 1, type: 'string', omitEmpty: false },
      { name: 'name', number: 3, type: 'string', omitEmpty: false },
      { name: 'uid', number: 4, type: 'string', omitEmpty: false },
      { name: 'controller', number: 6, type: 'bool', pointer: true },
      { name: 'blockOwnerDeletion', number: 7, type: 'bool', pointer: true },
    ],
  },
  'meta.v1.PartialObjectMetadata': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
    ],
  },
  'meta.v1.PartialObjectMetadataList': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'meta.v1.PartialObjectMetadata', repeated: true, omitEmpty: false },
    ],
  },
  'meta.v1.Patch': {
    fields: [
    ],
  },
  'meta.v1.PatchOptions': {
    fields: [
      { name: 'dryRun', number: 1, type: 'string', repeated: true },
      { name: 'force', number: 2, type: 'bool', pointer: true },
      { name: 'fieldManager', number: 3, type: 'string' },
      { name: 'fieldValidation', number: 4, type: 'string' },
    ],
  },
  'meta.v1.Preconditions': {
    fields: [
      { name: 'uid', number: 1, type: 'string', pointer: true },
      { name: 'resourceVersion', number: 2, type: 'string', pointer: true },
    ],
  },
  'meta.v1.RootPaths': {
    fields: [
      { name: 'paths', number: 1, type: 'string', repeated: true, omitEmpty: false },
    ],
  },
  'meta.v1.ServerAddressByClientCIDR': {
    fields: [
      { name: 'clientCIDR', number: 1, type: 'string', omitEmpty: false },
      { name: 'serverAddress', number: 2, type: 'string', omitEmpty: false },
    ],
  },
  'meta.v1.ShardInfo': {
    fields: [
      { name: 'selector', number: 1, type: 'string', omitEmpty: false },
    ],
  },
  'meta.v1.Status': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'status', number: 2, type: 'string' },
      { name: 'message', number: 3, type: 'string' },
      { name: 'reason', number: 4, type: 'string' },
      { name: 'details', number: 5, type: 'meta.v1.StatusDetails', pointer: true },
      { name: 'code', number: 6, type: 'int32' },
    ],
  },
  'meta.v1.StatusCause': {
    fields: [
      { name: 'reason', number: 1, type: 'string' },
      { name: 'message', number: 2, type: 'string' },
      { name: 'field', number: 3, type: 'string' },
    ],
  },
  'meta.v1.StatusDetails': {
    fields: [
      { name: 'name', number: 1, type: 'string' },
      { name: 'group', number: 2, type: 'string' },
      { name: 'kind', number: 3, type: 'string' },
      { name: 'uid', number: 6, type: 'string' },
      { name: 'causes', number: 4, type: 'meta.v1.StatusCause', repeated: true },
      { name: 'retryAfterSeconds', number: 5, type: 'int32' },
    ],
  },
  'meta.v1.TableOptions': {
    fields: [
      { name: 'includeObject', number: 1, type: 'string' },
    ],
  },
  'meta.v1.UpdateOptions': {
    fields: [
      { name: 'dryRun', number: 1, type: 'string', repeated: true },
      { name: 'fieldManager', number: 2, type: 'string' },
      { name: 'fieldValidation', number: 3, type: 'string' },
    ],
  },
  'meta.v1.Verbs': { jsonArray: true,
    fields: [
      { name: 'items', number: 1, type: 'string', repeated: true },
    ],
  },
  'meta.v1.WatchEvent': {
    fields: [
      { name: 'type', number: 1, type: 'string', omitEmpty: false },
      { name: 'object', number: 2, type: 'runtime.RawExtension', omitEmpty: false },
    ],
  },
};

export const kinds: KindTable = {
  apiVersion: 'meta.k8s.io/v1',
  kinds: {
    TableOptions: 'meta.v1.TableOptions',
    PartialObjectMetadata: 'meta.v1.PartialObjectMetadata',
    PartialObjectMetadataList: 'meta.v1.PartialObjectMetadataList',
  },
};
