// Protobuf schemas of k8s.io/api rbac/v1 (kubernetes/api v0.36.3): field numbers and types
// from its generated.proto; JSON names, omitempty and pointers from its Go struct tags.
// Written by ../tools/gen-schemas.ts; change the generator or schema.ts, not this file.

import type { KindTable, MessageSchemas } from '../schema.ts';

export const messages: MessageSchemas = {
  'rbac.v1.AggregationRule': {
    fields: [
      { name: 'clusterRoleSelectors', number: 1, type: 'meta.v1.LabelSelector', repeated: true },
    ],
  },
  'rbac.v1.ClusterRole': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'rules', number: 2, type: 'rbac.v1.PolicyRule', repeated: true, omitEmpty: false },
      { name: 'aggregationRule', number: 3, type: 'rbac.v1.AggregationRule', pointer: true },
    ],
  },
  'rbac.v1.ClusterRoleBinding': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'subjects', number: 2, type: 'rbac.v1.Subject', repeated: true },
      { name: 'roleRef', number: 3, type: 'rbac.v1.RoleRef', omitEmpty: false },
    ],
  },
  'rbac.v1.ClusterRoleBindingList': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'rbac.v1.ClusterRoleBinding', repeated: true, omitEmpty: false },
    ],
  },
  'rbac.v1.ClusterRoleList': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'rbac.v1.ClusterRole', repeated: true, omitEmpty: false },
    ],
  },
  'rbac.v1.PolicyRule': {
    fields: [
      { name: 'verbs', number: 1, type: 'string', repeated: true, omitEmpty: false },
      { name: 'apiGroups', number: 2, type: 'string', repeated: true },
      { name: 'resources', number: 3, type: 'string', repeated: true },
      { name: 'resourceNames', number: 4, type: 'string', repeated: true },
      { name: 'nonResourceURLs', number: 5, type: 'string', repeated: true },
    ],
  },
  'rbac.v1.Role': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'rules', number: 2, type: 'rbac.v1.PolicyRule', repeated: true, omitEmpty: false },
    ],
  },
  'rbac.v1.RoleBinding': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'subjects', number: 2, type: 'rbac.v1.Subject', repeated: true },
      { name: 'roleRef', number: 3, type: 'rbac.v1.RoleRef', omitEmpty: false },
    ],
  },
  'rbac.v1.RoleBindingList': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'rbac.v1.RoleBinding', repeated: true, omitEmpty: false },
    ],
  },
  'rbac.v1.RoleList': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'rbac.v1.Role', repeated: true, omitEmpty: false },
    ],
  },
  'rbac.v1.RoleRef': {
    fields: [
      { name: 'apiGroup', number: 1, type: 'string', omitEmpty: false },
      { name: 'kind', number: 2, type: 'string', omitEmpty: false },
      { name: 'name', number: 3, type: 'string', omitEmpty: false },
    ],
  },
  'rbac.v1.Subject': {
    fields: [
      { name: 'kind', number: 1, type: 'string', omitEmpty: false },
      { name: 'apiGroup', number: 2, type: 'string' },
      { name: 'name', number: 3, type: 'string', omitEmpty: false },
      { name: 'namespace', number: 4, type: 'string' },
    ],
  },
};

export const kinds: KindTable = {
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kinds: {
    Role: 'rbac.v1.Role',
    RoleBinding: 'rbac.v1.RoleBinding',
    RoleBindingList: 'rbac.v1.RoleBindingList',
    RoleList: 'rbac.v1.RoleList',
    ClusterRole: 'rbac.v1.ClusterRole',
    ClusterRoleBinding: 'rbac.v1.ClusterRoleBinding',
    ClusterRoleBindingList: 'rbac.v1.ClusterRoleBindingList',
    ClusterRoleList: 'rbac.v1.ClusterRoleList',
  },
};
