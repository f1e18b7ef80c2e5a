// Protobuf schemas of k8s.io/api authorization/v1 (kubernetes/api v0.36.3): field numbers and types
// from its generated.proto; JSON names, omitempty and pointers from its Go struct tags.
// Written by ../tools/gen-schemas.ts; change the generator or schema.ts, not this file.

import type { KindTable, MessageSchemas } from '../schema.ts';

export const messages: MessageSchemas = {
  'authorization.v1.ExtraValue': { jsonArray: true,
    fields: [
      { name: 'items', number: 1, type: 'string', repeated: true },
    ],
  },
  'authorization.v1.FieldSelectorAttributes': {
    fields: [
      { name: 'rawSelector', number: 1, type: 'string' },
      { name: 'requirements', number: 2, type: 'meta.v1.FieldSelectorRequirement', repeated: true },
    ],
  },
  'authorization.v1.LabelSelectorAttributes': {
    fields: [
      { name: 'rawSelector', number: 1, type: 'string' },
      { name: 'requirements', number: 2, type: 'meta.v1.LabelSelectorRequirement', repeated: true },
    ],
  },
  'authorization.v1.LocalSubjectAccessReview': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'spec', number: 2, type: 'authorization.v1.SubjectAccessReviewSpec', omitEmpty: false },
      { name: 'status', number: 3, type: 'authorization.v1.SubjectAccessReviewStatus' },
    ],
  },
  'authorization.v1.NonResourceAttributes': {
    fields: [
      { name: 'path', number: 1, type: 'string' },
      { name: 'verb', number: 2, type: 'string' },
    ],
  },
  'authorization.v1.NonResourceRule': {
    fields: [
      { name: 'verbs', number: 1, type: 'string', repeated: true, omitEmpty: false },
      { name: 'nonResourceURLs', number: 2, type: 'string', repeated: true },
    ],
  },
  'authorization.v1.ResourceAttributes': {
    fields: [
      { name: 'namespace', number: 1, type: 'string' },
      { name: 'verb', number: 2, type: 'string' },
      { name: 'group', number: 3, type: 'string' },
      { name: 'version', number: 4, type: 'string' },
      { name: 'resource', number: 5, type: 'string' },
      { name: 'subresource', number: 6, type: 'string' },
      { name: 'name', number: 7, type: 'string' },
      { name: 'fieldSelector', number: 8, type: 'authorization.v1.FieldSelectorAttributes', pointer: true },
      { name: 'labelSelector', number: 9, type: 'authorization.v1.LabelSelectorAttributes', pointer: true },
    ],
  },
  'authorization.v1.ResourceRule': {
    fields: [
      { name: 'verbs', number: 1, type: 'string', repeated: true, omitEmpty: false },
      { name: 'apiGroups', number: 2, type: 'string', repeated: true },
      { name: 'resources', number: 3, type: 'string', repeated: true },
      { name: 'resourceNames', number: 4, type: 'string', repeated: true },
    ],
  },
  'authorization.v1.SelfSubjectAccessReview': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'spec', number: 2, type: 'authorization.v1.SelfSubjectAccessReviewSpec', omitEmpty: false },
      { name: 'status', number: 3, type: 'authorization.v1.SubjectAccessReviewStatus' },
    ],
  },
  'authorization.v1.SelfSubjectAccessReviewSpec': {
    fields: [
      { name: 'resourceAttributes', number: 1, type: 'authorization.v1.ResourceAttributes', pointer: true },
      { name: 'nonResourceAttributes', number: 2, type: 'authorization.v1.NonResourceAttributes', pointer: true },
    ],
  },
  'authorization.v1.SelfSubjectRulesReview': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'spec', number: 2, type: 'authorization.v1.SelfSubjectRulesReviewSpec', omitEmpty: false },
      { name: 'status', number: 3, type: 'authorization.v1.SubjectRulesReviewStatus' },
    ],
  },
  'authorization.v1.SelfSubjectRulesReviewSpec': {
    fields: [
      { name: 'namespace', number: 1, type: 'string' },
    ],
  },
  'authorization.v1.SubjectAccessReview': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'spec', number: 2, type: 'authorization.v1.SubjectAccessReviewSpec', omitEmpty: false },
      { name: 'status', number: 3, type: 'authorization.v1.SubjectAccessReviewStatus' },
    ],
  },
  'authorization.v1.SubjectAccessReviewSpec': {
    fields: [
      { name: 'resourceAttributes', number: 1, type: 'authorization.v1.ResourceAttributes', pointer: true },
      { name: 'nonResourceAttributes', number: 2, type: 'authorization.v1.NonResourceAttributes', pointer: true },
      { name: 'user', number: 3, type: 'string' },
      { name: 'groups', number: 4, type: 'string', repeated: true },
      { name: 'extra', number: 5, type: 'map<string,authorization.v1.ExtraValue>' },
      { name: 'uid', number: 6, type: 'string' },
    ],
  },
  'authorization.v1.SubjectAccessReviewStatus': {
    fields: [
      { name: 'allowed', number: 1, type: 'bool', omitEmpty: false },
      { name: 'denied', number: 4, type: 'bool' },
      { name: 'reason', number: 2, type: 'string' },
      { name: 'evaluationError', number: 3, type: 'string' },
    ],
  },
  'authorization.v1.SubjectRulesReviewStatus': {
    fields: [
      { name: 'resourceRules', number: 1, type: 'authorization.v1.ResourceRule', repeated: true, omitEmpty: false },
      { name: 'nonResourceRules', number: 2, type: 'authorization.v1.NonResourceRule', repeated: true, omitEmpty: false },
      { name: 'incomplete', number: 3, type: 'bool', omitEmpty: false },
      { name: 'evaluationError', number: 4, type: 'string' },
    ],
  },
};

export const kinds: KindTable = {
  apiVersion: 'authorization.k8s.io/v1',
  kinds: {
    SelfSubjectRulesReview: 'authorization.v1.SelfSubjectRulesReview',
    SelfSubjectAccessReview: 'authorization.v1.SelfSubjectAccessReview',
    SubjectAccessReview: 'authorization.v1.SubjectAccessReview',
    LocalSubjectAccessReview: 'authorization.v1.LocalSubjectAccessReview',
  },
};
