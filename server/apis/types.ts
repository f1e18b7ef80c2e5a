// What a resource is: one plain value per resource module, read by the generic machinery
// (routing, registry, discovery, OpenAPI, Table output). Upstream's registry strategy pattern
// (PrepareForCreate, Validate, PrepareForUpdate, ValidateUpdate, Canonicalize) as data.
import type { FieldError } from '../../machinery/fieldpath.ts';
import type { FieldPath } from '../../machinery/fieldpath.ts';
import type { JSONSchemaProps } from '../crd/schema.ts';
import type { Store } from '../../storage/store.ts';
import type { GenericRegistry } from '../registry/generic.ts';

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
  /**
   * PROPOSED (filled by the registry from the authenticated request, when it has one): who is
   * asking, as upstream's genericapirequest.UserFrom(ctx). CertificateSigningRequests record
   * their requestor from it on create.
   */
  user?: RequestUser;
  /**
   * PROPOSED (set by the registry): which write runs the strategy. The registry calls `validate`
   * on update too; resources whose create-only rules must not run then (events.k8s.io Events,
   * upstream's ValidateEventCreate) check this.
   */
  operation?: 'CREATE' | 'UPDATE';
}

/** The requesting user as a strategy sees it (upstream's user.Info). */
export interface RequestUser {
  name: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
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
  /**
   * Graceful deletion (upstream's RESTGracefulDeleteStrategy.CheckGracefulDelete): the grace
   * period in seconds a first DELETE gives the object before it is removed, from the request's
   * gracePeriodSeconds (undefined when not given; a negative one arrives as 1) and the object.
   * 0 removes it at once (finalizers aside). While a grace period runs, the object carries
   * metadata.deletionTimestamp (now + grace) and deletionGracePeriodSeconds; a later DELETE may
   * only shorten it. Resources without this hook ignore gracePeriodSeconds.
   */
  gracefulDelete?(obj: T, requestedSeconds: number | undefined): number;
  /**
   * Keep the `status` a create request carries even though the resource has a status
   * subresource. Upstream's node strategy does (a kubelet registers its Node with capacity and
   * addresses); for every other resource the registry clears it on create.
   */
  createKeepsStatus?: boolean;
}

/**
 * The `status` subresource. The generic registry already keeps everything but `status` from the
 * stored object on a status write; a strategy may adjust the result further.
 */
export interface StatusStrategy<T extends KubeObject = KubeObject> {
  /**
   * A status write may change metadata.annotations too: upstream's status strategy for this
   * resource resets only spec and labels (the Deployment controller records its revision so).
   */
  keepsRequestAnnotations?: boolean;
  /** `ctx` is PROPOSED (not yet passed by the registry): CSR conditions are stamped with ctx.now. */
  prepareForUpdate?(obj: T, old: T, ctx?: StrategyContext): void;
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
  /** Set for custom resources: their structural schema and the CRD that defines them. */
  customResource?: { schema: JSONSchemaProps; crdName: string };
  /** Further subresources (binding, eviction, log, exec, …) as discovery lists them. */
  extraSubresources?: Array<ExtraSubresource<T>>;
  /**
   * Built-in admission that belongs to this resource (upstream's Priority and
   * DefaultTolerationSeconds plugins for pods): async, may read other resources through
   * `ctx.registryFor`, may change the object or refuse it with a StatusError. The registry runs
   * it on create and on update of the object itself (not its subresources), after defaulting and
   * before prepareForCreate / prepareForUpdate and validation.
   */
  admit?(obj: T, ctx: AdmitContext<T>): Promise<void>;
  /**
   * A resource with no storage of its own whose create is served by this handler (the legacy
   * core/v1 `bindings`, upstream's LegacyBindingREST): the decoded body in, the answer out, as a
   * created subresource's `create`. Such a resource serves only create.
   */
  create?: CreateHandler;
  /** PROPOSED: store work around writes (see StoreHooks). */
  storeHooks?: StoreHooks<T>;
  /**
   * PROPOSED: objects the server computes rather than stores (componentstatuses): get and list
   * read this instead of the store; such a resource serves only get and list.
   */
  computed?(ctx: { store: Store; now: Date }): Promise<T[]>;
}

/** One further subresource of a resource: how discovery lists it, and what serves it. */
export interface ExtraSubresource<T extends KubeObject = KubeObject> {
  name: string; kind: string; group?: string; version?: string; verbs: string[];
  /** For an update-only subresource: the stored object with what this subresource may change taken from `obj`. */
  update?(obj: T, old: T, ctx?: StrategyContext): T;
  /**
   * PROPOSED (not yet called by the registry): validation of the result of `update` against
   * the stored object, as upstream's per-subresource strategies (certificatesigningrequests/approval).
   */
  validateUpdate?(obj: T, old: T, ctx: StrategyContext): FieldError[];
  /**
   * For a subresource that is created (POST `<name>/<sub>`: pods/binding, pods/eviction,
   * serviceaccounts/token), upstream's rest.NamedCreater: gets the decoded body, whose apiVersion
   * and kind have been checked against this entry's and whose metadata.namespace matches the
   * request's, and answers with what the response carries.
   */
  create?: CreateHandler;
  /** The client-node model of the created body (unknown-field checks; e.g. "V1Eviction"). */
  model?: string;
  /** Group versions a created body may name besides this entry's own (eviction takes policy/v1beta1 too). */
  alsoAccepts?: string[];
  /**
   * Keep metadata.uid and metadata.resourceVersion of a created body: binding uses them as
   * preconditions (upstream's SubresourceObjectMetaPreserver). Otherwise they are wiped, as
   * upstream's create handler wipes system fields.
   */
  keepsSystemFields?: boolean;
}

/**
 * What a created subresource answers: an object, or a `Status`. A Status without a code gets
 * 201 as upstream's create handler gives it; the HTTP status is 201, or the code of a
 * Failure Status (eviction's "more than one PodDisruptionBudget" is a 500).
 */
export type CreateHandler = (body: KubeObject, ctx: SubresourceContext) => Promise<KubeObject>;

/** How a resource's own code reaches its registry and the other resources' (upstream hands REST storage its peers). */
export interface RegistryAccess {
  /** The registry of the resource this code belongs to. */
  registry: GenericRegistry;
  /** Another served resource's registry, e.g. ('policy', 'v1', 'poddisruptionbudgets'). */
  registryFor(group: string, version: string, plural: string): GenericRegistry | undefined;
}

/** What a created subresource's handler gets besides the body. */
export interface SubresourceContext extends RegistryAccess {
  namespace: string;
  /** The object's name from the URL. */
  name: string;
  dryRun: boolean;
  now: Date;
  user?: RequestUser;
}

/** What a resource's admission hook gets besides the object. */
export interface AdmitContext<T extends KubeObject = KubeObject> extends RegistryAccess {
  operation: 'CREATE' | 'UPDATE';
  namespace: string;
  /** The stored object on UPDATE. */
  old?: T;
  dryRun: boolean;
}

/** What a store hook may use: the store itself, and whether the request is a dry run. */
export interface StoreHookContext {
  store: Store;
  /** A dry run must check what it would take but write nothing. */
  dryRun: boolean;
}

/** Called once the write it belongs to has committed (true) or failed (false); releases or keeps what was taken. */
export type FinishFunc = (success: boolean) => Promise<void>;

/**
 * PROPOSED (not yet called by server/registry/generic.ts — see the lead's note): async work against
 * the store that must accompany a write, as upstream's generic Store BeginCreate / BeginUpdate /
 * AfterDelete fields (the Service REST allocates cluster IPs and node ports there). The registry
 * calls `beginCreate` after the strategy has defaulted and validated the object and before
 * storing it, then `finish(true|false)` by the outcome; `beginUpdate` inside each update attempt
 * (a retried attempt finishes the previous one with false); `afterDelete` once the object is
 * gone from storage (also when the last finalizer is cleared). They may change the object and
 * may throw a StatusError (e.g. 422 with field causes).
 */
export interface StoreHooks<T extends KubeObject = KubeObject> {
  beginCreate?(obj: T, ctx: StoreHookContext): Promise<FinishFunc>;
  beginUpdate?(obj: T, old: T, ctx: StoreHookContext): Promise<FinishFunc>;
  afterDelete?(obj: T, ctx: StoreHookContext): Promise<void>;
}

export function defineResource<T extends KubeObject>(def: ResourceDef<T>): ResourceDef<T> {
  return def;
}

export type AnyResource = ResourceDef<KubeObject>;

export const groupVersion = (r: { group: string; version: string }) => (r.group ? `${r.group}/${r.version}` : r.version);

export type { FieldError, FieldPath };
