// One generic registry serves every resource, as upstream's generic registry Store
// (apiserver/pkg/registry/generic/registry/store.go): keys, object meta on create and update,
// strategies, optimistic concurrency, finalizers and graceful deletion, and the translation of
// storage errors into API Status errors. Resources only say how they differ (server/apis/*).
import { randomUUID } from 'node:crypto';
import * as errors from '../../machinery/errors.ts';
import { FieldPath, type FieldError } from '../../machinery/fieldpath.ts';
import { validateObjectMeta, validateObjectMetaUpdate, nameIsDNSSubdomain } from '../../machinery/validation.ts';
import { cacherFor } from './cacher.ts';
import { builtinPatchSchema, genericObjectSchema, updateManagedFields, type PatchSchema } from '../../machinery/patch/index.ts';
import { isStorageError, type Store, type StoredObject, type ListOptions as StoreListOptions } from '../../storage/store.ts';
import { groupVersion, type AdmitContext, type AnyResource, type KubeObject, type RequestUser, type StrategyContext } from '../apis/types.ts';

export interface Clock { now(): Date }
export const systemClock: Clock = { now: () => new Date() };

export const rfc3339 = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export interface ListParams {
  resourceVersion?: string;
  resourceVersionMatch?: string;
  limit?: number;
  continue?: string;
  /** Inside-the-store filter built from label and field selectors. */
  predicate?: (obj: KubeObject) => boolean;
}

export interface WriteOptions {
  dryRun?: boolean;
  /** Who is writing, for strategies that record it (CSR requestor). */
  user?: RequestUser;
  /** The field manager recorded in metadata.managedFields (upstream's fieldmanager). */
  fieldManager?: string;
}

export interface DeleteOptions extends WriteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface ListResponse {
  items: KubeObject[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

const GENERATE_NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const GENERATE_NAME_SUFFIX = 5;

export function generateName(base: string): string {
  // Upstream trims the base so the result stays a valid 63-character name.
  const prefix = base.length > 63 - GENERATE_NAME_SUFFIX ? base.slice(0, 63 - GENERATE_NAME_SUFFIX) : base;
  let s = '';
  for (let i = 0; i < GENERATE_NAME_SUFFIX; i++) s += GENERATE_NAME_ALPHABET[Math.floor(Math.random() * GENERATE_NAME_ALPHABET.length)];
  return prefix + s;
}

/**
 * Every registry serving over one store, by group/version/plural, so that a resource's own code
 * (admission hooks, created subresources) can reach the others: eviction reads and writes
 * PodDisruptionBudgets, pod admission reads PriorityClasses. Upstream hands REST storage its
 * peers when it builds them; here the latest registry built for a resource over a store wins.
 */
const registriesByStore = new WeakMap<Store, Map<string, GenericRegistry>>();

function registriesOf(store: Store): Map<string, GenericRegistry> {
  let m = registriesByStore.get(store);
  if (!m) registriesByStore.set(store, (m = new Map()));
  return m;
}

export class GenericRegistry {
  readonly gr: errors.GroupResource;
  readonly gk: errors.GroupKind;
  private readonly storeKeyRoot: string;

  constructor(readonly def: AnyResource, readonly store: Store, readonly clock: Clock = systemClock) {
    this.gr = { group: def.group, resource: def.plural };
    this.gk = { group: def.group, kind: def.kind };
    const storage = def.storageVersion ?? def;
    this.storeKeyRoot = `/registry/${storage.group || 'core'}/${storage.plural}/`;
    registriesOf(store).set(`${def.group}/${def.version}/${def.plural}`, this);
  }

  /** Another resource's registry over the same store (undefined when it is not served). */
  registryFor(group: string, version: string, plural: string): GenericRegistry | undefined {
    return registriesOf(this.store).get(`${group}/${version}/${plural}`);
  }

  /** Runs the resource's own admission hook (upstream's built-in admission plugins for it). */
  private async admit(obj: KubeObject, namespace: string, operation: 'CREATE' | 'UPDATE', old: KubeObject | undefined, dryRun: boolean): Promise<void> {
    if (!this.def.admit) return;
    const ctx: AdmitContext = {
      operation, namespace, dryRun, registry: this,
      registryFor: (g, v, p) => this.registryFor(g, v, p),
      ...(old ? { old } : {}),
    };
    await this.def.admit(obj, ctx);
  }

  get apiVersion(): string { return groupVersion(this.def); }

  key(namespace: string, name: string): string {
    return this.def.namespaced ? `${this.storeKeyRoot}${namespace}/${name}` : `${this.storeKeyRoot}${name}`;
  }

  prefix(namespace: string): string {
    return this.def.namespaced && namespace ? `${this.storeKeyRoot}${namespace}/` : this.storeKeyRoot;
  }

  private ctx(namespace: string, operation: 'CREATE' | 'UPDATE', user?: RequestUser): StrategyContext {
    return { namespace, now: this.clock.now(), operation, ...(user ? { user } : {}) };
  }

  /** Stamps apiVersion and kind, which the stored form may omit. */
  withTypeMeta(obj: StoredObject): KubeObject {
    const sv = this.def.storageVersion;
    const o = sv ? sv.fromStorage(obj as KubeObject) : (obj as KubeObject);
    if (o.apiVersion === this.apiVersion && o.kind === this.def.kind) return o;
    return { apiVersion: this.apiVersion, kind: this.def.kind, ...o };
  }

  /** The strategic-merge / apply schema of this kind (list merge keys and strategies). */
  get patchSchema(): PatchSchema {
    return builtinPatchSchema(this.def.kind, this.def.group) ?? genericObjectSchema;
  }

  /** Fields a write at this endpoint never tracks in managedFields. */
  ignoredFields(subresource: string): string[][] {
    if (subresource === 'status') return [['f:spec']];
    return this.def.status ? [['f:status']] : [];
  }

  /** Sets metadata.managedFields for an Update by `manager` from `prev` to `next`. */
  recordManagedFields(prev: KubeObject | undefined, next: KubeObject, manager: string | undefined, subresource: string): KubeObject {
    if (!manager) return next;
    const recorded = updateManagedFields(prev, next, this.patchSchema, {
      manager, apiVersion: this.apiVersion, time: rfc3339(this.clock.now()),
      ...(subresource ? { subresource } : {}), ignoredFields: this.ignoredFields(subresource),
    }) as KubeObject;
    const managed = recorded.metadata?.managedFields;
    if (managed && (managed as unknown[]).length) next.metadata!.managedFields = managed; else delete next.metadata!.managedFields;
    return next;
  }

  /** The form the store keeps (another version's, when this one is converted). */
  toStorage(obj: KubeObject): StoredObject {
    const sv = this.def.storageVersion;
    return (sv ? sv.toStorage(obj) : obj) as StoredObject;
  }

  /** Maps a storage error to the API error upstream returns for it. */
  translate(err: unknown, name: string): never {
    if (isStorageError(err)) {
      switch (err.code) {
        case 'NotFound': throw errors.notFound(this.gr, name);
        case 'AlreadyExists': throw errors.alreadyExists(this.gr, name);
        case 'Conflict': throw errors.conflict(this.gr, name, err.message.startsWith('Precondition failed') ? err.message
          : 'the object has been modified; please apply your changes to the latest version and try again');
        case 'InvalidObj': throw errors.conflict(this.gr, name, err.message);
        case 'Expired': {
          const e = errors.resourceExpired(err.message);
          if (err.continueToken) e.status.metadata.continue = err.continueToken;
          throw e;
        }
        case 'InvalidContinue': throw errors.badRequest(`continue key is not valid: ${err.message}`);
        case 'TooLargeResourceVersion': {
          const [, want, current] = /(\d+), current: (\d+)/.exec(err.message) ?? [];
          throw errors.tooLargeResourceVersion(BigInt(want ?? 0), BigInt(current ?? 0), 1);
        }
        case 'Unavailable': throw errors.serviceUnavailable(err.message);
        default: throw errors.internalError(err);
      }
    }
    throw err;
  }

  async get(namespace: string, name: string): Promise<KubeObject> {
    if (this.def.computed) {
      // A computed resource (componentstatuses) is read from its module, never from the store.
      const found = (await this.def.computed({ store: this.store, now: this.clock.now() })).find((o) => o.metadata?.name === name);
      if (!found) throw errors.notFound(this.gr, name);
      return found;
    }
    try {
      return this.withTypeMeta((await this.store.get(this.key(namespace, name))).obj);
    } catch (e) {
      return this.translate(e, name);
    }
  }

  /**
   * A read that may be a moment stale, served by the watch cache when it holds the object
   * (admission lookups, as upstream's informers); falls back to the store.
   */
  async getCached(namespace: string, name: string): Promise<KubeObject> {
    const cached = this.cacher().peek(this.key(namespace, name));
    if (cached.obj) return this.withTypeMeta(cached.obj);
    return this.get(namespace, name);
  }

  /** Starts this resource's watch cache now rather than on the first list. */
  warmCache(): void {
    this.cacher();
  }

  private cacher() {
    return cacherFor(this.store, this.storeKeyRoot);
  }

  async list(namespace: string, params: ListParams = {}): Promise<ListResponse> {
    if (this.def.computed) {
      const items = (await this.def.computed({ store: this.store, now: this.clock.now() })).filter((o) => !params.predicate || params.predicate(o));
      return { items, resourceVersion: '' };
    }
    const opts: StoreListOptions = {};
    if (params.limit !== undefined && params.limit > 0) opts.limit = params.limit;
    if (params.continue) opts.continue = params.continue;
    const pred = params.predicate;
    if (pred) opts.predicate = (o: StoredObject) => pred(this.withTypeMeta(o));
    if (params.resourceVersion !== undefined && params.resourceVersion !== '' && !params.continue) {
      const rv = parseResourceVersion(params.resourceVersion);
      opts.resourceVersion = rv;
      // Upstream: an explicit match wins; a non-zero RV with a limit and no match means Exact.
      if (params.resourceVersionMatch === 'Exact') opts.resourceVersionMatch = 'Exact';
      else if (params.resourceVersionMatch === 'NotOlderThan') opts.resourceVersionMatch = 'NotOlderThan';
      else if (rv > 0n && opts.limit) opts.resourceVersionMatch = 'Exact';
      else opts.resourceVersionMatch = 'NotOlderThan';
    }
    try {
      const cached = await this.listFromCache(namespace, opts);
      if (cached) return cached;
      const res = await this.store.list(this.prefix(namespace), opts);
      const out: ListResponse = { items: res.items.map((i) => this.withTypeMeta(i.obj)), resourceVersion: res.rv.toString() };
      if (res.continue) out.continue = res.continue;
      if (res.remainingItemCount !== undefined) out.remainingItemCount = res.remainingItemCount;
      return out;
    } catch (e) {
      return this.translate(e, '');
    }
  }

  /**
   * Lists the watch cache can answer (upstream's cacher does the same): resourceVersion "0"
   * (any state; a limit is ignored), and unpaged consistent or NotOlderThan lists once the
   * cache has caught up. Paged and exact lists read the store.
   */
  private async listFromCache(namespace: string, opts: StoreListOptions): Promise<ListResponse | undefined> {
    if (opts.continue || opts.resourceVersionMatch === 'Exact') return undefined;
    const any = opts.resourceVersion === 0n;
    if (opts.limit && !any) return undefined;
    const minRV = any ? 0n : opts.resourceVersion ?? (await this.store.currentRV());
    const cached = await this.cacher().list(this.prefix(namespace), minRV, opts.predicate);
    if (!cached) return undefined;
    return { items: cached.items.map((o) => this.withTypeMeta(o)), resourceVersion: cached.rv.toString() };
  }

  /** Validation shared by create and update: object meta plus the resource's own rules. */
  private validateNew(obj: KubeObject, ctx: StrategyContext): FieldError[] {
    const nameValidator = this.def.strategy?.nameValidator ?? nameIsDNSSubdomain;
    const errs = validateObjectMeta(obj.metadata ?? {}, { namespaced: this.def.namespaced, nameValidator }, FieldPath.root('metadata'));
    errs.push(...(this.def.strategy?.validate?.(obj, ctx) ?? []));
    return errs;
  }

  /** Admission of a new object: defaulted first, as upstream's plugins see it after decoding. */
  private async admitCreate(namespace: string, obj: KubeObject, dryRun: boolean): Promise<void> {
    if (!this.def.admit) return;
    this.def.strategy?.defaults?.(obj);
    await this.admit(obj, namespace || obj.metadata?.namespace || '', 'CREATE', undefined, dryRun);
  }

  /** Upstream's rest.BeforeCreate: namespace, identity, timestamps, strategy, validation. */
  prepareCreate(namespace: string, obj: KubeObject, user?: RequestUser): KubeObject {
    const ctx = this.ctx(namespace, 'CREATE', user);
    const meta = (obj.metadata ??= {});
    if (this.def.namespaced) {
      if (meta.namespace && namespace && meta.namespace !== namespace) {
        throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      meta.namespace = namespace || meta.namespace;
    } else {
      delete meta.namespace;
    }
    if (!meta.name && meta.generateName) meta.name = generateName(meta.generateName);
    meta.uid = randomUUID();
    meta.creationTimestamp = rfc3339(ctx.now);
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.selfLink;
    delete meta.resourceVersion;
    if (this.def.hasGeneration) meta.generation = 1;
    else delete meta.generation;
    obj.apiVersion = this.apiVersion;
    obj.kind = this.def.kind;
    // A status subresource owns status: create starts it empty (strategies may seed it).
    if (this.def.status && !this.def.strategy?.createKeepsStatus) delete obj.status;
    this.def.strategy?.defaults?.(obj);
    this.def.strategy?.prepareForCreate?.(obj, ctx);
    const errs = this.validateNew(obj, ctx);
    if (errs.length) throw errors.invalid(this.gk, meta.name ?? '', errs);
    this.def.strategy?.canonicalize?.(obj);
    return obj;
  }

  async create(namespace: string, obj: KubeObject, opts: WriteOptions = {}): Promise<KubeObject> {
    await this.admitCreate(namespace, obj, !!opts.dryRun);
    const prepared = this.recordManagedFields(undefined, this.prepareCreate(namespace, obj, opts.user), opts.fieldManager, '');
    const name = prepared.metadata!.name!;
    if (opts.dryRun) {
      // A dry run still reports a conflict with an existing object, as upstream.
      const exists = await this.store.get(this.key(namespace, name)).then(() => true, () => false);
      if (exists) throw errors.alreadyExists(this.gr, name);
      // Store hooks check what they would take (a dry run takes nothing).
      await this.def.storeHooks?.beginCreate?.(prepared, { store: this.store, dryRun: true });
      return prepared;
    }
    // Upstream's BeginCreate: work in the store that goes with this write (service IP and port
    // allocation), finished by the write's outcome.
    const finish = await this.def.storeHooks?.beginCreate?.(prepared, { store: this.store, dryRun: false });
    try {
      const stored = await this.store.create(this.key(namespace, name), this.toStorage(prepared));
      await finish?.(true);
      return this.withTypeMeta(stored.obj);
    } catch (e) {
      await finish?.(false);
      return this.translate(e, name);
    }
  }

  /**
   * Upstream's rest.BeforeUpdate: keeps what an update may not change, bumps the generation on
   * spec changes, and validates. `old` is the stored object (never mutated).
   */
  prepareUpdate(namespace: string, obj: KubeObject, old: KubeObject, subresource: string, user?: RequestUser): KubeObject {
    const ctx = this.ctx(namespace, 'UPDATE', user);
    const meta = (obj.metadata ??= {});
    const oldMeta = old.metadata ?? {};
    if (this.def.namespaced) {
      if (meta.namespace && meta.namespace !== namespace) {
        throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      meta.namespace = namespace;
    }
    obj.apiVersion = this.apiVersion;
    obj.kind = this.def.kind;
    // Fields only the server sets.
    // A uid left out is filled in; a different one fails validation (clients use it as a precondition).
    if (!meta.uid) meta.uid = oldMeta.uid;
    meta.creationTimestamp = oldMeta.creationTimestamp;
    if (oldMeta.deletionTimestamp) meta.deletionTimestamp = oldMeta.deletionTimestamp; else delete meta.deletionTimestamp;
    if (oldMeta.deletionGracePeriodSeconds !== undefined) meta.deletionGracePeriodSeconds = oldMeta.deletionGracePeriodSeconds;
    else delete meta.deletionGracePeriodSeconds;
    delete meta.selfLink;
    if (oldMeta.generation !== undefined) meta.generation = oldMeta.generation; else delete meta.generation;

    const custom = this.def.extraSubresources?.find((s) => s.name === subresource && s.update);
    if (custom) {
      const next = custom.update!(obj, structuredClone(old), ctx);
      const errs = validateObjectMetaUpdate(next.metadata ?? {}, oldMeta, FieldPath.root('metadata'));
      errs.push(...(custom.validateUpdate?.(next, old, ctx) ?? []));
      if (errs.length) throw errors.invalid(this.gk, meta.name ?? '', errs);
      return next;
    }
    if (subresource === 'status') {
      // A status write changes status only (upstream's status strategies reset the rest).
      const status = obj.status;
      const next: KubeObject = structuredClone(old);
      if (status === undefined) delete next.status; else next.status = status;
      next.metadata = { ...next.metadata };
      // managedFields stay the request's (upstream's ResetObjectMetaForStatus keeps them): an
      // apply to status has already recorded its ownership there.
      if (meta.managedFields !== undefined) next.metadata.managedFields = meta.managedFields;
      // The request's UID is checked, not dropped: a status write meant for an earlier object of
      // this name must fail (422 field is immutable), as upstream's metadata validation makes it.
      if (meta.uid) next.metadata.uid = meta.uid;
      if (this.def.status?.keepsRequestAnnotations) {
        if (meta.annotations) next.metadata.annotations = meta.annotations; else delete next.metadata.annotations;
      }
      this.def.status?.prepareForUpdate?.(next, old, ctx);
      const errs = validateObjectMetaUpdate(next.metadata ?? {}, oldMeta, FieldPath.root('metadata'));
      errs.push(...(this.def.status?.validateUpdate?.(next, old, ctx) ?? []));
      if (errs.length) throw errors.invalid(this.gk, meta.name ?? '', errs);
      return next;
    }

    if (this.def.status) {
      if (old.status === undefined) delete obj.status; else obj.status = structuredClone(old.status);
    }
    this.def.strategy?.defaults?.(obj);
    this.def.strategy?.prepareForUpdate?.(obj, old, ctx);
    if (this.def.hasGeneration && specChanged(obj, old)) meta.generation = (oldMeta.generation ?? 0) + 1;
    const errs = validateObjectMetaUpdate(meta, oldMeta, FieldPath.root('metadata'));
    errs.push(...this.validateNew(obj, ctx));
    errs.push(...(this.def.strategy?.validateUpdate?.(obj, old, ctx) ?? []));
    if (errs.length) throw errors.invalid(this.gk, meta.name ?? '', errs);
    this.def.strategy?.canonicalize?.(obj);
    return obj;
  }

  /**
   * Read-modify-write of one object. `compute` gets the current object (undefined when missing
   * and creation is allowed) and returns the desired one; an RV in it is a precondition. A missing
   * object that may not be created is 404 before `compute` runs, so neither the patch nor
   * admission sees it (upstream's Store.Update checks AllowCreateOnUpdate before UpdatedObject,
   * where the handlers' admission runs). Subresource writes never create (upstream's StatusREST
   * and ScaleREST pass forceAllowCreate=false).
   */
  async update(
    namespace: string,
    name: string,
    compute: (current: KubeObject | undefined) => KubeObject | Promise<KubeObject>,
    opts: WriteOptions & { subresource?: string; allowCreate?: boolean; applied?: boolean } = {},
  ): Promise<{ obj: KubeObject; created: boolean }> {
    const key = this.key(namespace, name);
    let created = false;
    let result: KubeObject | undefined;
    const allowCreate = !opts.subresource && (opts.allowCreate ?? this.def.strategy?.allowCreateOnUpdate ?? false);
    // Store hooks of each attempt; a retried attempt is finished as failed, the last by the outcome.
    const hooks = this.def.storeHooks;
    const finishers: Array<(success: boolean) => Promise<void>> = [];
    const settle = async (success: boolean) => {
      for (const [i, f] of finishers.entries()) await f(success && i === finishers.length - 1);
      finishers.length = 0;
    };
    try {
      const tryUpdate = async (cur: { obj: StoredObject } | undefined): Promise<StoredObject> => {
        if (!cur && !allowCreate) throw errors.notFound(this.gr, name);
        const current = cur ? this.withTypeMeta(structuredClone(cur.obj)) : undefined;
        const desired = await compute(current ? structuredClone(current) : undefined);
        const meta = (desired.metadata ??= {});
        if (meta.name !== undefined && meta.name !== name) {
          throw errors.badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${name})`);
        }
        meta.name = name;
        if (!current) {
          created = true;
          await this.admitCreate(namespace, desired, !!opts.dryRun);
          result = opts.applied ? this.prepareCreate(namespace, desired, opts.user) : this.recordManagedFields(undefined, this.prepareCreate(namespace, desired, opts.user), opts.fieldManager, '');
          if (hooks?.beginCreate) finishers.push(await hooks.beginCreate(result, { store: this.store, dryRun: !!opts.dryRun }));
          if (opts.dryRun) throw new DryRunDone();
          return this.toStorage(result);
        }
        created = false;
        const wantRV = meta.resourceVersion;
        if (wantRV !== undefined && wantRV !== '' && wantRV !== current.metadata?.resourceVersion) {
          throw errors.conflict(this.gr, name, 'the object has been modified; please apply your changes to the latest version and try again');
        }
        if (wantRV === undefined || wantRV === '') {
          if (this.def.strategy?.allowUnconditionalUpdate === false) {
            throw errors.invalid(this.gk, name, [{ type: 'FieldValueRequired', field: 'metadata.resourceVersion', detail: 'must be specified for an update' }]);
          }
          // An unconditional update applies to the current version (upstream's Store.Update).
          meta.resourceVersion = current.metadata?.resourceVersion;
        }
        if (!opts.subresource && this.def.admit) {
          this.def.strategy?.defaults?.(desired);
          await this.admit(desired, namespace, 'UPDATE', current, !!opts.dryRun);
        }
        result = this.prepareUpdate(namespace, desired, current, opts.subresource ?? '', opts.user);
        // An apply has already recorded its ownership; every other write is an Update.
        if (!opts.applied) result = this.recordManagedFields(current, result, opts.fieldManager, opts.subresource ?? '');
        // Upstream's BeginUpdate; subresource writes (status, scale) leave allocations alone.
        if (hooks?.beginUpdate && !opts.subresource) finishers.push(await hooks.beginUpdate(result, current, { store: this.store, dryRun: !!opts.dryRun }));
        if (opts.dryRun) throw new DryRunDone();
        return this.toStorage(result);
      };
      const stored = await this.store.guaranteedUpdate(key, tryUpdate, { ignoreNotFound: true });
      await settle(true);
      const obj = this.withTypeMeta(stored.obj);
      // Clearing the last finalizer of an object being deleted completes its deletion.
      await this.deleteIfFinalized(namespace, obj);
      return { obj, created };
    } catch (e) {
      await settle(false);
      if (e instanceof DryRunDone && result) return { obj: result, created };
      if (e instanceof errors.StatusError) throw e;
      return this.translate(e, name);
    }
  }

  /**
   * Deletion as upstream's Store.Delete with rest.BeforeDelete: preconditions, a grace period for
   * resources that have one (pods), finalizers from the propagation policy, then either removal
   * or marking with deletionTimestamp while finalizers or a grace period remain.
   */
  async delete(namespace: string, name: string, opts: DeleteOptions = {}): Promise<{ obj: KubeObject; deleted: boolean }> {
    const key = this.key(namespace, name);
    const pre = opts.preconditions;
    let current: KubeObject;
    try {
      current = this.withTypeMeta((await this.store.get(key)).obj);
    } catch (e) {
      return this.translate(e, name);
    }
    if (pre?.uid && pre.uid !== current.metadata?.uid) {
      throw errors.conflict(this.gr, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata?.uid ?? ''}`);
    }
    if (pre?.resourceVersion && pre.resourceVersion !== current.metadata?.resourceVersion) {
      throw errors.conflict(this.gr, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata?.resourceVersion ?? ''}`);
    }
    const now = this.clock.now();
    // Each pass plans from the state it read; a plan that no longer holds when the write lands
    // (a finalizer or a node appeared meanwhile) is made again from the newer state.
    for (let attempt = 0; attempt < 5; attempt++) {
      const plan = this.planDeletion(current, opts, now);
      if (plan.action === 'pending') return { obj: current, deleted: false };
      if (plan.action === 'delete') {
        if (opts.dryRun) return { obj: current, deleted: true };
        try {
          const gone = await this.store.delete(key, {
            preconditions: { uid: current.metadata?.uid, ...(pre?.resourceVersion ? { resourceVersion: BigInt(pre.resourceVersion) } : {}) },
            validate: (cur) => {
              const latest = this.withTypeMeta(structuredClone(cur.obj));
              if (this.planDeletion(latest, opts, now).action !== 'delete') throw new Replan(latest);
            },
          });
          await this.def.storeHooks?.afterDelete?.(this.withTypeMeta(gone.obj), { store: this.store, dryRun: false });
          return { obj: this.withTypeMeta(gone.obj), deleted: true };
        } catch (e) {
          if (e instanceof Replan) { current = e.obj; continue; }
          return this.translate(e, name);
        }
      }
      // Pending deletion: record the finalizers, deletionTimestamp and grace period (upstream's
      // updateForGracefulDeletionAndFinalizers), bypassing the update strategy.
      let marked: KubeObject | undefined;
      try {
        const stored = await this.store.guaranteedUpdate(key, (cur) => {
          if (!cur) throw errors.notFound(this.gr, name);
          const latest = this.withTypeMeta(structuredClone(cur.obj));
          if (pre?.uid && pre.uid !== latest.metadata?.uid) {
            throw errors.conflict(this.gr, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${latest.metadata?.uid ?? ''}`);
          }
          const again = this.planDeletion(latest, opts, now);
          if (again.action !== 'mark') throw new Replan(latest);
          marked = again.next;
          if (opts.dryRun) throw new DryRunDone();
          return this.toStorage(again.next);
        });
        marked = this.withTypeMeta(stored.obj);
      } catch (e) {
        if (e instanceof Replan) { current = e.obj; continue; }
        if (!(e instanceof DryRunDone)) {
          if (e instanceof errors.StatusError) throw e;
          return this.translate(e, name);
        }
      }
      if (!opts.dryRun && (await this.deleteIfFinalized(namespace, marked!))) return { obj: marked!, deleted: true };
      return { obj: marked!, deleted: false };
    }
    throw errors.conflict(this.gr, name, OptimisticLockErrorText);
  }

  /**
   * What a DELETE does to `obj` (pure; upstream's BeforeDelete plus the finalizer handling of
   * Store.Delete): nothing when a running grace period is not shortened, removal now, or an
   * update that marks the object as being deleted.
   */
  planDeletion(obj: KubeObject, opts: DeleteOptions, now: Date): DeletionPlan {
    const meta = obj.metadata ?? {};
    // Upstream treats a negative grace period as 1 second.
    const requested = opts.gracePeriodSeconds === undefined ? undefined : Math.max(opts.gracePeriodSeconds, opts.gracePeriodSeconds < 0 ? 1 : 0);
    const graceful = this.def.strategy?.gracefulDelete;
    // Set when this request starts or shortens a graceful deletion.
    let grace: number | undefined;
    let deletionTimestamp: string | undefined;
    if (graceful) {
      if (meta.deletionTimestamp) {
        let running = meta.deletionGracePeriodSeconds;
        if (running !== undefined && running < 0) running = 1;
        // A grace period of 0 (or none) already elapsed: deleting again goes on to removal.
        if (running) {
          if (requested === undefined || requested >= running) return { action: 'pending' };
          grace = requested;
          deletionTimestamp = rfc3339(new Date(Date.parse(meta.deletionTimestamp) - (running - requested) * 1000));
        }
      } else {
        grace = graceful(obj, requested);
        deletionTimestamp = rfc3339(new Date(now.getTime() + grace * 1000));
      }
    }
    const oldFinalizers = meta.finalizers ?? [];
    const finalizers = finalizersAfterPolicy(oldFinalizers, opts);
    const waits = finalizers.length > 0 || !!this.def.strategy?.deletionPending?.(obj);
    if (!waits && !grace) return { action: 'delete' };
    const next = structuredClone(obj);
    const m = (next.metadata ??= {});
    if (!sameSet(finalizers, oldFinalizers)) {
      if (finalizers.length) m.finalizers = finalizers; else delete m.finalizers;
    }
    // The first marking bumps the generation of resources that track one.
    if (!meta.deletionTimestamp && this.def.hasGeneration && m.generation) m.generation += 1;
    if (grace !== undefined) {
      m.deletionTimestamp = deletionTimestamp;
      m.deletionGracePeriodSeconds = grace;
    } else {
      // Upstream's markAsDeleting: now (or kept when already past), no grace.
      if (!meta.deletionTimestamp || Date.parse(meta.deletionTimestamp) > now.getTime()) m.deletionTimestamp = rfc3339(now);
      m.deletionGracePeriodSeconds = 0;
    }
    this.def.strategy?.markDeleting?.(next);
    return { action: 'mark', next };
  }

  /**
   * Removes an object an update left with no finalizers while it is being deleted and no grace
   * period runs (upstream's ShouldDeleteDuringUpdate); a pod whose grace period runs stays until
   * the kubelet deletes it with gracePeriodSeconds=0.
   */
  async deleteIfFinalized(namespace: string, obj: KubeObject): Promise<boolean> {
    const meta = obj.metadata ?? {};
    if (!meta.deletionTimestamp || (meta.finalizers ?? []).length > 0 || this.def.strategy?.deletionPending?.(obj)) return false;
    if (meta.deletionGracePeriodSeconds) return false;
    let gone: { obj: StoredObject };
    try {
      gone = await this.store.delete(this.key(namespace, meta.name!), { preconditions: { resourceVersion: BigInt(meta.resourceVersion!) } });
    } catch {
      return false;
    }
    await this.def.storeHooks?.afterDelete?.(this.withTypeMeta(gone.obj), { store: this.store, dryRun: false });
    return true;
  }

  /**
   * A read-modify-write straight to storage, past the update strategy and validation: upstream's
   * Storage.GuaranteedUpdate as pods/binding uses it. `mutate` gets a copy of the current object
   * and returns the next (or throws a StatusError); preconditions and storage errors come back as
   * upstream's API errors. A dry run computes the result and writes nothing.
   */
  async guaranteedUpdate(
    namespace: string, name: string, mutate: (current: KubeObject) => KubeObject,
    opts: { dryRun?: boolean; preconditions?: { uid?: string; resourceVersion?: string } } = {},
  ): Promise<KubeObject> {
    const pre = opts.preconditions;
    let result: KubeObject | undefined;
    try {
      const stored = await this.store.guaranteedUpdate(this.key(namespace, name), (cur) => {
        if (!cur) throw errors.notFound(this.gr, name);
        result = mutate(this.withTypeMeta(structuredClone(cur.obj)));
        if (opts.dryRun) throw new DryRunDone();
        return this.toStorage(result);
      }, {
        preconditions: {
          ...(pre?.uid ? { uid: pre.uid } : {}),
          ...(pre?.resourceVersion ? { resourceVersion: parseResourceVersion(pre.resourceVersion) } : {}),
        },
      });
      return this.withTypeMeta(stored.obj);
    } catch (e) {
      if (e instanceof DryRunDone && result) return result;
      if (e instanceof errors.StatusError) throw e;
      return this.translate(e, name);
    }
  }
}

/** What a DELETE does to an object: see GenericRegistry.planDeletion. */
export type DeletionPlan =
  | { action: 'pending' }
  | { action: 'delete' }
  | { action: 'mark'; next: KubeObject };

const OptimisticLockErrorText = 'the object has been modified; please apply your changes to the latest version and try again';

class DryRunDone extends Error {}
/** The state changed under a deletion: plan again from `obj`. */
class Replan extends Error {
  constructor(readonly obj: KubeObject) { super('replan'); }
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size === sb.size && [...sa].every((x) => sb.has(x));
}

function finalizersAfterPolicy(finalizers: string[], opts: DeleteOptions): string[] {
  let policy = opts.propagationPolicy;
  if (!policy && opts.orphanDependents !== undefined) policy = opts.orphanDependents ? 'Orphan' : 'Background';
  const set = finalizers.filter((f) => !(policy && (f === 'orphan' || f === 'foregroundDeletion')));
  if (policy === 'Orphan') set.push('orphan');
  if (policy === 'Foreground') set.push('foregroundDeletion');
  return set;
}

function specChanged(obj: KubeObject, old: KubeObject): boolean {
  const strip = (o: KubeObject) => {
    const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = o;
    return JSON.stringify(rest);
  };
  return strip(obj) !== strip(old);
}

export function parseResourceVersion(rv: string): bigint {
  if (!/^\d+$/.test(rv)) throw errors.badRequest(`invalid resource version: ${JSON.stringify(rv)}`);
  return BigInt(rv);
}
