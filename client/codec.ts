// Wire JSON ↔ client-node's typed models. client-node 1.4 does not export its ObjectSerializer
// from the package root, so this is the one place that reaches into dist/; objects decoded here
// carry real Dates where the models say Date (metadata.creationTimestamp, deletionTimestamp, …).
import type { KubernetesObject } from '@kubernetes/client-node';
import { ObjectSerializer } from '@kubernetes/client-node/dist/serializer.js';

/** A client-node model name ("V1Namespace", "CoreV1Event"); "KubernetesObject" keeps unknown fields as they are. */
export type ModelName = string;

export function decode<T extends KubernetesObject>(raw: unknown, model: ModelName): T {
  return ObjectSerializer.deserialize(raw, model) as T;
}

export function encode(obj: unknown, model: ModelName): unknown {
  return ObjectSerializer.serialize(obj, model);
}

/** A time a model types as Date but client-node leaves as a string (V1MicroTime fields). */
export function millisOf(t: Date | string | undefined | null): number | undefined {
  if (t === undefined || t === null) return undefined;
  const ms = typeof t === 'string' ? Date.parse(t) : t.getTime();
  return Number.isNaN(ms) ? undefined : ms;
}
