// What a resource is: one plain value per resource module, read by the generic machinery
// (routing, registry, discovery, OpenAPI, Table output). Upstream's registry strategy pattern
// (PrepareForCreate, Validate, PrepareForUpdate, ValidateUpdate, Canonicalize) as data.
import type { FieldError } from '../../machinery/fieldpath.ts';
import type { FieldPath } from '../../machinery/fieldpath.ts';

export type KubeObject = {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [k: string]: unknown;
};

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: unknown[];
  selfLink?: string;
  [k: string]: unknown;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';
export const ALL_VERBS: Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** One Table column as upstream's metav1.TableColumnDefinition. */
export interface ColumnDef {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format?: string;
  description?: string;
  /** 0 shows in `kubectl get`; higher only with `-o wide`. */
  priority?: number;
}

export interface TableDef<T extends KubeObject = KubeObject> {
  columns: ColumnDef[];
  /** One cell per column; time is a parameter so rows are pure. */
  row(obj: T, now: Date): unknown[];
}

export interface StrategyContext {
  /** The request's namespace (empty for cluster-scoped). */
  namespace: string;
  now: Date;
}

/** The resource's behaviour as upstream's rest.RESTCreateStrategy / RESTUpdateStrategy. */
export interface Strategy<T extends KubeObject = KubeObject> {
  /** Upstream defaulting (runs on every create and update, before validation). */
  defaults?(obj: T): void;
  prepareForCreate?(obj: T, ctx: StrategyContext): void;
  prepareForUpdate?(obj: T, old: T, ctx: StrategyContext): void;
  validate?(obj: T, ctx: StrategyContext): FieldError[];
  validateUpdate?(obj: T, old: T, ctx: StrategyContext): FieldError[];
  canonicalize?(obj: T): void;
  /** Names are DNS-1123 subdomains unless this says otherwise (returns upstream's messages). */
  nameValidator?(name: string, prefix: boolean): string[];
  allowCreateOnUpdate?: boolean;
  allowUnconditionalUpdate?: boolean;
  /** Whether deletion must wait beyond metadata.finalizers (namespaces wait for spec.finalizers). */
  deletionPending?(obj: T): boolean;
  /** Changes made when deletion starts (a namespace turns Terminating). */
  markDeleting?(obj: T): void;
}

/**
 * The `status` subresource. The generic registry already keeps everything but `status` from the
 * stored object on a status write; a strategy may adjust the result further.
 */
export interface StatusStrategy<T extends KubeObject = KubeObject> {
  prepareForUpdate?(obj: T, old: T): void;
  validateUpdate?(obj: T, old: T, ctx: StrategyContext): FieldError[];
}

/** The `scale` subresource: where replicas live in the object. */
export interface ScaleSubresource {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

export interface ResourceDef<T extends KubeObject = KubeObject> {
  group: string;
  version: string;
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  verbs?: Verb[];
  /** Kind of the list type; default `${kind}List`. */
  listKind?: string;
  strategy?: Strategy<T>;
  /** Present when the resource has a status subresource. */
  status?: StatusStrategy<T>;
  scale?: ScaleSubresource;
  /** Fields usable in fieldSelector beyond metadata.name and metadata.namespace. */
  fieldSelectors?: Record<string, (obj: T) => string | undefined>;
  table?: TableDef<T>;
  /** The client-node model name for schema-driven decoding and OpenAPI (e.g. "V1ConfigMap"). */
  model?: string;
  /** Whether the object carries a `spec` whose changes bump metadata.generation. */
  hasGeneration?: boolean;
  /** Returned on DELETE instead of a Status (upstream's ReturnDeletedObject). */
  returnDeletedObject?: boolean;
  /**
   * Another version's storage: this version is served by converting to and from the objects
   * another resource stores (autoscaling/v1 over v2 HPAs, events.k8s.io/v1 over core/v1
   * Events). Strategies see this version's form; the store sees the storage form.
   */
  storageVersion?: {
    group: string;
    plural: string;
    toStorage(obj: T): KubeObject;
    fromStorage(obj: KubeObject): T;
  };
  /** Further subresources (binding, eviction, log, exec, …) as discovery lists them. */
  extraSubresources?: Array<{
    name: string; kind: string; group?: string; version?: string; verbs: string[];
    /** For an update-only subresource: the stored object with what this subresource may change taken from `obj`. */
    update?(obj: T, old: T): T;
  }>;
}

export function defineResource<T extends KubeObject>(def: ResourceDef<T>): ResourceDef<T> {
  return def;
}

export type AnyResource = ResourceDef<KubeObject>;

export const groupVersion = (r: { group: string; version: string }) => (r.group ? `${r.group}/${r.version}` : r.version);

export type { FieldError, FieldPath };
