// Object metadata as it travels on the wire (metav1.ObjectMeta, timestamps as RFC 3339 strings),
// and small helpers every layer uses: object keys, timestamps, UIDs, group/version strings.
import { randomUUID } from 'node:crypto';

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean | null;
  blockOwnerDeletion?: boolean | null;
}

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: unknown;
  subresource?: string;
}

/** metav1.ObjectMeta; timestamps are RFC 3339 strings (`2006-01-02T15:04:05Z`). */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  selfLink?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string | null;
  deletionTimestamp?: string | null;
  deletionGracePeriodSeconds?: number | null;
  labels?: Record<string, string> | null;
  annotations?: Record<string, string> | null;
  ownerReferences?: OwnerReference[] | null;
  finalizers?: string[] | null;
  managedFields?: ManagedFieldsEntry[] | null;
}

export type KubeObject = {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [k: string]: unknown;
};

/** The informer cache key (cache.MetaNamespaceKeyFunc): `namespace/name`, or `name` when cluster-scoped. */
export function objectKey(ns: string | undefined | null, name: string): string {
  return ns ? `${ns}/${name}` : name;
}

/** Splits an object key back into namespace and name (cache.SplitMetaNamespaceKey). */
export function splitObjectKey(key: string): { namespace: string; name: string } {
  const parts = key.split('/');
  if (parts.length === 1) return { namespace: '', name: parts[0]! };
  if (parts.length === 2) return { namespace: parts[0]!, name: parts[1]! };
  throw new Error(`unexpected key format: ${JSON.stringify(key)}`);
}

/** metav1.Time on the wire: RFC 3339 in UTC with whole seconds, `2006-01-02T15:04:05Z`. */
export function nowRFC3339(clock: () => Date = () => new Date()): string {
  return formatRFC3339(clock());
}

export function formatRFC3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** metav1.MicroTime on the wire: `2006-01-02T15:04:05.000000Z` (leases, events.k8s.io). */
export function formatRFC3339Micro(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** A random (version 4) UID, as upstream's uuid.NewUUID. */
export function newUID(): string {
  return randomUUID();
}

export interface GroupVersion { group: string; version: string }

/**
 * schema.ParseGroupVersion: `apps/v1` → {apps, v1}, `v1` → {'', v1}, '' and '/' → empty;
 * more than one slash throws `unexpected GroupVersion string: ...`.
 */
export function parseGroupVersion(gv: string): GroupVersion {
  if (gv === '' || gv === '/') return { group: '', version: '' };
  const parts = gv.split('/');
  if (parts.length === 1) return { group: '', version: gv };
  if (parts.length === 2) return { group: parts[0]!, version: parts[1]! };
  throw new Error(`unexpected GroupVersion string: ${gv}`);
}

/** schema.GroupVersion.String(): `apps/v1`, or just the version for the core group. */
export function groupVersionString(gv: GroupVersion): string {
  return gv.group ? `${gv.group}/${gv.version}` : gv.version;
}
