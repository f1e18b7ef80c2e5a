// Kubernetes protobuf (`application/vnd.kubernetes.protobuf`) at the server's edge: request
// bodies decoded into the plain JSON objects the registry works with, responses and watch
// events encoded for clients that ask for protobuf first.

import { ProtobufError, decodeEnvelope, encodeEnvelope } from './envelope.ts';
import { SchemaSet, type JsonObject, type KindTable, type MessageSchemas } from './schema.ts';
import { Writer, WireType } from './wire.ts';
import * as admissionregistrationV1 from './types/admissionregistration-v1.ts';
import * as appsV1 from './types/apps-v1.ts';
import * as authenticationV1 from './types/authentication-v1.ts';
import * as authorizationV1 from './types/authorization-v1.ts';
import * as autoscalingV1 from './types/autoscaling-v1.ts';
import * as autoscalingV2 from './types/autoscaling-v2.ts';
import * as batchV1 from './types/batch-v1.ts';
import * as certificatesV1 from './types/certificates-v1.ts';
import * as coordinationV1 from './types/coordination-v1.ts';
import * as coreV1 from './types/core-v1.ts';
import * as discoveryV1 from './types/discovery-v1.ts';
import * as eventsV1 from './types/events-v1.ts';
import * as metaV1 from './types/meta-v1.ts';
import * as networkingV1 from './types/networking-v1.ts';
import * as nodeV1 from './types/node-v1.ts';
import * as policyV1 from './types/policy-v1.ts';
import * as rbacV1 from './types/rbac-v1.ts';
import * as schedulingV1 from './types/scheduling-v1.ts';
import * as storageV1 from './types/storage-v1.ts';

export { ProtobufError, type ProtobufErrorReason, PROTOBUF_MEDIA_TYPE } from './envelope.ts';

const groups: readonly { messages: MessageSchemas; kinds: KindTable }[] = [
  coreV1,
  appsV1,
  batchV1,
  authenticationV1,
  authorizationV1,
  autoscalingV1,
  autoscalingV2,
  coordinationV1,
  discoveryV1,
  eventsV1,
  networkingV1,
  policyV1,
  rbacV1,
  schedulingV1,
  storageV1,
  nodeV1,
  certificatesV1,
  admissionregistrationV1,
  metaV1,
];

export const schemas = new SchemaSet(
  groups.map((g) => g.messages),
  (raw) => decodeProtobufObject(raw).obj,
);

/** metav1.AddToGroupVersion registers these in every group version. */
const everyGroupVersion: Readonly<Record<string, string>> = {
  WatchEvent: 'meta.v1.WatchEvent',
  ListOptions: 'meta.v1.ListOptions',
  GetOptions: 'meta.v1.GetOptions',
  DeleteOptions: 'meta.v1.DeleteOptions',
  CreateOptions: 'meta.v1.CreateOptions',
  UpdateOptions: 'meta.v1.UpdateOptions',
  PatchOptions: 'meta.v1.PatchOptions',
};

/** …and these once, as the unversioned "v1" (apimachinery meta/v1 register.go). */
const unversioned: Readonly<Record<string, string>> = {
  Status: 'meta.v1.Status',
  APIVersions: 'meta.v1.APIVersions',
  APIGroupList: 'meta.v1.APIGroupList',
  APIGroup: 'meta.v1.APIGroup',
  APIResourceList: 'meta.v1.APIResourceList',
};

const byKind = new Map<string, string>();
for (const { kinds } of groups) {
  for (const [kind, message] of Object.entries({ ...kinds.kinds, ...everyGroupVersion })) {
    byKind.set(`${kinds.apiVersion} ${kind}`, message);
  }
}
for (const [kind, message] of Object.entries(unversioned)) byKind.set(`v1 ${kind}`, message);

/** The message name for a kind, e.g. ('apps/v1', 'Deployment') → 'apps.v1.Deployment'. */
export function protobufMessageOf(apiVersion: string, kind: string): string | undefined {
  return byKind.get(`${apiVersion} ${kind}`);
}

export function hasProtobufSchema(apiVersion: string, kind: string): boolean {
  return byKind.has(`${apiVersion} ${kind}`);
}

export interface DecodedObject {
  apiVersion: string;
  kind: string;
  obj: JsonObject;
}

/**
 * An enveloped protobuf object as the JSON object upstream would have received, with its
 * kind and apiVersion set. The envelope's type wins; `defaults` fill what it leaves empty
 * (upstream decodes with the URL's group, version and kind as defaults).
 */
export function decodeProtobufObject(buf: Uint8Array, defaults?: { apiVersion?: string; kind?: string }): DecodedObject {
  const env = decodeEnvelope(buf);
  const apiVersion = env.apiVersion || defaults?.apiVersion || '';
  const kind = env.kind || defaults?.kind || '';
  if (kind === '') throw new ProtobufError('Malformed', "Object 'Kind' is missing in protobuf envelope");
  const message = protobufMessageOf(apiVersion, kind);
  if (!message) {
    throw new ProtobufError('UnknownKind', `no kind "${kind}" is registered for version "${apiVersion}"`);
  }
  const fields = schemas.decode(message, env.raw) as JsonObject;
  return { apiVersion, kind, obj: { kind, apiVersion, ...fields } };
}

/** A JSON object (with apiVersion and kind) as an enveloped protobuf message. */
export function encodeProtobufObject(obj: JsonObject): Uint8Array {
  const { apiVersion, kind } = obj;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || kind === '') {
    throw new ProtobufError('Unencodable', 'an object needs apiVersion and kind to be encoded as protobuf');
  }
  const message = protobufMessageOf(apiVersion, kind);
  if (!message) {
    throw new ProtobufError('UnknownKind', `no kind "${kind}" is registered for version "${apiVersion}"`);
  }
  return encodeEnvelope(apiVersion, kind, schemas.encode(message, obj));
}

/**
 * One frame of a protobuf watch stream (`application/vnd.kubernetes.protobuf;stream=watch`): a
 * 4-byte big-endian length, then a meta.v1.WatchEvent with no envelope (upstream encodes events
 * with the raw stream serializer and client-go decodes them with it), whose object is the
 * enveloped protobuf object, as a plain get would return it (apiserver handlers/watch.go,
 * apimachinery serializer/protobuf and util/framer).
 */
export function encodeProtobufWatchEvent(type: string, object: JsonObject): Uint8Array {
  const event = new Writer()
    .tag(1, WireType.Bytes)
    .string(type)
    .tag(2, WireType.Bytes)
    .bytes(new Writer().tag(1, WireType.Bytes).bytes(encodeProtobufObject(object)).finish())
    .finish();
  const frame = new Uint8Array(4 + event.length);
  new DataView(frame.buffer).setUint32(0, event.length, false);
  frame.set(event, 4);
  return frame;
}
