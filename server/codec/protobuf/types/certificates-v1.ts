// Protobuf schemas of k8s.io/api certificates/v1 (kubernetes/api v0.36.3): field numbers and types
// from its generated.proto; JSON names, omitempty and pointers from its Go struct tags.
// Written by ../tools/gen-schemas.ts; change the generator or schema.ts, not this file.

import type { KindTable, MessageSchemas } from '../schema.ts';

export const messages: MessageSchemas = {
  'certificates.v1.CertificateSigningRequest': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'spec', number: 2, type: 'certificates.v1.CertificateSigningRequestSpec', omitEmpty: false },
      { name: 'status', number: 3, type: 'certificates.v1.CertificateSigningRequestStatus' },
    ],
  },
  'certificates.v1.CertificateSigningRequestCondition': {
    fields: [
      { name: 'type', number: 1, type: 'string', omitEmpty: false },
      { name: 'status', number: 6, type: 'string', omitEmpty: false },
      { name: 'reason', number: 2, type: 'string' },
      { name: 'message', number: 3, type: 'string' },
      { name: 'lastUpdateTime', number: 4, type: 'meta.v1.Time' },
      { name: 'lastTransitionTime', number: 5, type: 'meta.v1.Time' },
    ],
  },
  'certificates.v1.CertificateSigningRequestList': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'certificates.v1.CertificateSigningRequest', repeated: true, omitEmpty: false },
    ],
  },
  'certificates.v1.CertificateSigningRequestSpec': {
    fields: [
      { name: 'request', number: 1, type: 'bytes', omitEmpty: false, pointer: true },
      { name: 'signerName', number: 7, type: 'string', omitEmpty: false },
      { name: 'expirationSeconds', number: 8, type: 'int32', pointer: true },
      { name: 'usages', number: 5, type: 'string', repeated: true },
      { name: 'username', number: 2, type: 'string' },
      { name: 'uid', number: 3, type: 'string' },
      { name: 'groups', number: 4, type: 'string', repeated: true },
      { name: 'extra', number: 6, type: 'map<string,certificates.v1.ExtraValue>' },
    ],
  },
  'certificates.v1.CertificateSigningRequestStatus': {
    fields: [
      { name: 'conditions', number: 1, type: 'certificates.v1.CertificateSigningRequestCondition', repeated: true },
      { name: 'certificate', number: 2, type: 'bytes', pointer: true },
    ],
  },
  'certificates.v1.ExtraValue': { jsonArray: true,
    fields: [
      { name: 'items', number: 1, type: 'string', repeated: true },
    ],
  },
};

export const kinds: KindTable = {
  apiVersion: 'certificates.k8s.io/v1',
  kinds: {
    CertificateSigningRequest: 'certificates.v1.CertificateSigningRequest',
    CertificateSigningRequestList: 'certificates.v1.CertificateSigningRequestList',
  },
};
