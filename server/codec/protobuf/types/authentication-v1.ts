// Protobuf schemas of k8s.io/api authentication/v1 (kubernetes/api v0.36.3): field numbers and types
// from its generated.proto; JSON names, omitempty and pointers from its Go struct tags.
// Written by ../tools/gen-schemas.ts; change the generator or schema.ts, not this file.

import type { KindTable, MessageSchemas } from '../schema.ts';

export const messages: MessageSchemas = {
  'authentication.v1.BoundObjectReference': {
    fields: [
      { name: 'kind', number: 1, type: 'string' },
      { name: 'apiVersion', number: 2, type: 'string' },
      { name: 'name', number: 3, type: 'string' },
      { name: 'uid', number: 4, type: 'string' },
    ],
  },
  'authentication.v1.ExtraValue': { jsonArray: true,
    fields: [
      { name: 'items', number: 1, type: 'string', repeated: true },
    ],
  },
  'authentication.v1.SelfSubjectReview': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'status', number: 2, type: 'authentication.v1.SelfSubjectReviewStatus' },
    ],
  },
  'authentication.v1.SelfSubjectReviewStatus': {
    fields: [
      { name: 'userInfo', number: 1, type: 'authentication.v1.UserInfo' },
    ],
  },
  'authentication.v1.TokenRequest': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'spec', number: 2, type: 'authentication.v1.TokenRequestSpec', omitEmpty: false },
      { name: 'status', number: 3, type: 'authentication.v1.TokenRequestStatus' },
    ],
  },
  'authentication.v1.TokenRequestSpec': {
    fields: [
      { name: 'audiences', number: 1, type: 'string', repeated: true, omitEmpty: false },
      { name: 'expirationSeconds', number: 4, type: 'int64', omitEmpty: false, pointer: true },
      { name: 'boundObjectRef', number: 3, type: 'authentication.v1.BoundObjectReference', omitEmpty: false, pointer: true },
    ],
  },
  'authentication.v1.TokenRequestStatus': {
    fields: [
      { name: 'token', number: 1, type: 'string', omitEmpty: false },
      { name: 'expirationTimestamp', number: 2, type: 'meta.v1.Time', omitEmpty: false },
    ],
  },
  'authentication.v1.TokenReview': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'spec', number: 2, type: 'authentication.v1.TokenReviewSpec', omitEmpty: false },
      { name: 'status', number: 3, type: 'authentication.v1.TokenReviewStatus' },
    ],
  },
  'authentication.v1.TokenReviewSpec': {
    fields: [
      { name: 'token', number: 1, type: 'string' },
      { name: 'audiences', number: 2, type: 'string', repeated: true },
    ],
  },
  'authentication.v1.TokenReviewStatus': {
    fields: [
      { name: 'authenticated', number: 1, type: 'bool' },
      { name: 'user', number: 2, type: 'authentication.v1.UserInfo' },
      { name: 'audiences', number: 4, type: 'string', repeated: true },
      { name: 'error', number: 3, type: 'string' },
    ],
  },
  'authentication.v1.UserInfo': {
    fields: [
      { name: 'username', number: 1, type: 'string' },
      { name: 'uid', number: 2, type: 'string' },
      { name: 'groups', number: 3, type: 'string', repeated: true },
      { name: 'extra', number: 4, type: 'map<string,authentication.v1.ExtraValue>' },
    ],
  },
};

export const kinds: KindTable = {
  apiVersion: 'authentication.k8s.io/v1',
  kinds: {
    TokenReview: 'authentication.v1.TokenReview',
    TokenRequest: 'authentication.v1.TokenRequest',
    SelfSubjectReview: 'authentication.v1.SelfSubjectReview',
  },
};
