// The REST verbs of one resource over its generic registry: query parameters, bodies, patch,
// Table / PartialObjectMetadata output, and watch. Upstream: apiserver/pkg/endpoints/handlers.
import type { Request, Response } from 'express';
import * as errors from '../../machinery/errors.ts';
import { parseSelector } from '../../machinery/labels.ts';
import { parseFieldSelector, checkFieldSelector } from '../../machinery/fields.ts';
import { applyConfiguration, applyPatch, decodeJsonPatchBody, isPatchError, negotiatePatchType } from '../../machinery/patch/index.ts';
import { negotiate, type Negotiated } from '../codec/negotiate.ts';
import { decodeBody, type DecodedBody } from '../codec/body.ts';
import { groupVersion, type AnyResource, type CreateHandler, type ExtraSubresource, type KubeObject, type Verb } from '../apis/types.ts';
import { GenericRegistry, type DeleteOptions, type ListParams } from '../registry/generic.ts';
import { toTable, toPartialObjectMetadata, type IncludeObject } from './table.ts';
import { serveWatch } from './watch.ts';
import { pruneUnknown } from '../crd/schema.ts';
import { writeObject } from './respond.ts';
import { hasProtobufSchema } from '../codec/protobuf/index.ts';
import { queryBool, type RequestInfo } from './requestinfo.ts';
import type { Admission } from '../pipeline/admission.ts';

export interface ResourceContext {
  registry: GenericRegistry;
  info: RequestInfo;
  body: Buffer | undefined;
  admission: Admission;
  warn: (msg: string) => void;
  log: (msg: string) => void;
}

const tableAs = { Table: [{ g: 'meta.k8s.io', v: 'v1' }, { g: 'meta.k8s.io', v: 'v1beta1' }] };
const metadataAs = {
  PartialObjectMetadata: [{ g: 'meta.k8s.io', v: 'v1' }, { g: 'meta.k8s.io', v: 'v1beta1' }],
  PartialObjectMetadataList: [{ g: 'meta.k8s.io', v: 'v1' }, { g: 'meta.k8s.io', v: 'v1beta1' }],
};

function queryOf(req: Request): URLSearchParams {
  const i = req.originalUrl.indexOf('?');
  return new URLSearchParams(i >= 0 ? req.originalUrl.slice(i + 1) : '');
}

function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw errors.badRequest(`invalid value for ${name}: ${JSON.stringify(v)}`);
  const n = BigInt(v);
  // Query integers are int64 upstream (strconv.ParseInt: 400 past that); beyond 2^53 a value
  // means "no bound" in practice, and must not reach SQL as 1e+23.
  if (n > 9223372036854775807n || n < -9223372036854775808n) throw errors.badRequest(`invalid value for ${name}: ${JSON.stringify(v)}`);
  return Math.max(Math.min(Number(n), Number.MAX_SAFE_INTEGER), Number.MIN_SAFE_INTEGER);
}

function dryRunOf(q: URLSearchParams): boolean {
  const values = q.getAll('dryRun');
  for (const v of values) {
    if (v !== 'All') throw errors.badRequest(`Invalid dryRun value: ${v}`);
  }
  return values.length > 0;
}

/** The fields a field selector may use for this resource, and their values on an object. */
export function fieldsOf(def: AnyResource, obj: KubeObject): Record<string, string> {
  const fields: Record<string, string> = { 'metadata.name': obj.metadata?.name ?? '' };
  if (def.namespaced) fields['metadata.namespace'] = obj.metadata?.namespace ?? '';
  for (const [f, get] of Object.entries(def.fieldSelectors ?? {})) fields[f] = get(obj) ?? '';
  return fields;
}

export function predicateOf(def: AnyResource, q: URLSearchParams, name?: string): ((obj: KubeObject) => boolean) | undefined {
  const ls = q.get('labelSelector');
  let fs = q.get('fieldSelector') ?? '';
  if (name) fs = fs ? `${fs},metadata.name=${name}` : `metadata.name=${name}`;
  const labelSel = ls ? parseSelector(ls) : undefined;
  const fieldSel = fs ? parseFieldSelector(fs) : undefined;
  if (fieldSel) {
    const allowed = ['metadata.name', ...(def.namespaced ? ['metadata.namespace'] : []), ...Object.keys(def.fieldSelectors ?? {})];
    // Kinds with their own field selectors say "field label not supported"; the rest say
    // "not a known field selector", as upstream's two code paths do.
    checkFieldSelector(fieldSel, allowed, { group: def.group, resource: def.plural }, def.fieldSelectors ? {} : { unsupportedMessage: 'notKnown' });
  }
  if ((!labelSel || labelSel.empty()) && (!fieldSel || fieldSel.empty())) return undefined;
  return (obj: KubeObject) =>
    (!labelSel || labelSel.matches(obj.metadata?.labels ?? {})) && (!fieldSel || fieldSel.matches(fieldsOf(def, obj)));
}

function includeObjectOf(q: URLSearchParams): IncludeObject {
  const v = q.get('includeObject');
  if (v === null || v === '') return 'Metadata';
  if (v === 'None' || v === 'Metadata' || v === 'Object') return v;
  throw errors.badRequest(`Unable to convert to Table as requested: includeObject: Invalid value: ${JSON.stringify(v)}: must be 'Metadata', 'Object', 'None', or empty`);
}

/** Decodes a request body into an object of this resource, checking kind and apiVersion. */
function decodeObject(ctx: ResourceContext, req: Request, q: URLSearchParams): KubeObject {
  const decoded = decodeBody(req.headers['content-type'], ctx.body, {
    fieldValidation: fieldValidationOf(q),
    model: ctx.registry.def.model,
    ...(ctx.registry.def.customResource ? { prune: (o: Record<string, unknown>) => pruneUnknown(o, ctx.registry.def.customResource!.schema) } : {}),
    warn: ctx.warn,
  });
  return checkTypeMeta(ctx.registry, decoded);
}

function checkTypeMeta(registry: GenericRegistry, decoded: DecodedBody): KubeObject {
  const obj = decoded.obj;
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    throw errors.badRequest('Object \'Kind\' is missing in \'' + JSON.stringify(obj) + '\'');
  }
  const o = obj as KubeObject;
  const want = registry.apiVersion;
  if (o.apiVersion !== undefined && o.apiVersion !== '' && o.apiVersion !== want) {
    throw errors.badRequest(`the API version in the data (${o.apiVersion}) does not match the expected API version (${want})`);
  }
  if (o.kind !== undefined && o.kind !== '' && o.kind !== registry.def.kind) {
    throw errors.badRequest(`${o.kind} in version "${registry.def.version}" cannot be handled as a ${registry.def.kind}: no kind "${o.kind}" is registered for version "${want}" in scheme "k8s.io/apimachinery/pkg/runtime/scheme.go:100"`);
  }
  return o;
}

function fieldValidationOf(q: URLSearchParams): 'Ignore' | 'Warn' | 'Strict' {
  const v = q.get('fieldValidation');
  if (v === null || v === '') return 'Warn';
  if (v === 'Ignore' || v === 'Warn' || v === 'Strict') return v;
  throw errors.badRequest(`fieldValidation parameter unsupported: ${v}. Valid values are Ignore, Warn, Strict`);
}

function listParams(q: URLSearchParams, predicate: ListParams['predicate']): ListParams {
  const params: ListParams = { predicate };
  const rv = q.get('resourceVersion');
  const match = q.get('resourceVersionMatch');
  const limit = intParam(q, 'limit');
  const cont = q.get('continue');
  if (rv !== null && rv !== '') params.resourceVersion = rv;
  if (match) {
    if (match !== 'Exact' && match !== 'NotOlderThan') {
      throw errors.invalidParams(`resourceVersionMatch: Unsupported value: "${match}": supported values: "Exact", "NotOlderThan"`);
    }
    if (params.resourceVersion === undefined) throw errors.invalidParams('resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided');
    if (cont) throw errors.invalidParams('resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden when continue is provided');
    if (match === 'Exact' && params.resourceVersion === '0') throw errors.invalidParams('resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"');
    params.resourceVersionMatch = match;
  }
  if (cont) {
    if (params.resourceVersion !== undefined && params.resourceVersion !== '0') {
      throw errors.badRequest('specifying resource version is not allowed when using continue');
    }
    params.continue = cont;
  }
  if (limit !== undefined && limit > 0) params.limit = limit;
  return params;
}

function listObject(registry: GenericRegistry, items: KubeObject[], meta: { resourceVersion: string; continue?: string; remainingItemCount?: number }): KubeObject {
  const metadata: Record<string, unknown> = { resourceVersion: meta.resourceVersion };
  if (meta.continue) metadata.continue = meta.continue;
  if (meta.remainingItemCount !== undefined) metadata.remainingItemCount = meta.remainingItemCount;
  // Items of a typed list carry no apiVersion/kind on the wire, as upstream's typed lists.
  const stripped = items.map(({ apiVersion: _a, kind: _k, ...rest }) => rest);
  return { kind: registry.def.listKind ?? `${registry.def.kind}List`, apiVersion: registry.apiVersion, metadata, items: stripped };
}

function respondObjects(res: Response, neg: Negotiated, ctx: ResourceContext, q: URLSearchParams, code: number, obj: KubeObject): void {
  if (neg.as === 'Table') {
    writeObject(res, code, toTable(ctx.registry.def, [obj], { resourceVersion: obj.metadata?.resourceVersion ?? '' }, includeObjectOf(q), new Date(), neg.asVersion), neg);
  } else if (neg.as === 'PartialObjectMetadata') {
    writeObject(res, code, toPartialObjectMetadata(obj, neg.asVersion ?? 'v1'), neg);
  } else if (neg.as === 'PartialObjectMetadataList') {
    throw errors.notAcceptable(['application/json', 'application/yaml']);
  } else {
    writeObject(res, code, obj, neg);
  }
}

export async function serveResource(req: Request, res: Response, ctx: ResourceContext): Promise<void> {
  const { registry, info } = ctx;
  const def = registry.def;
  const q = queryOf(req);
  const ns = info.namespace;
  const name = info.name;
  const sub = info.subresource;
  if (def.namespaced && !ns && name) {
    throw errors.notFound(registry.gr, name);
  }

  // Verbs a resource does not serve are refused as upstream's router refuses them (405).
  if (!sub && def.verbs && !def.verbs.includes(info.verb as Verb)) throw errors.methodNotSupported(registry.gr, info.verb);

  const readAs = { ...tableAs, ...metadataAs };
  switch (info.verb) {
    case 'get': {
      const neg = negotiate(req.headers.accept, { as: readAs, protobuf: true });
      let obj = await registry.get(ns, name);
      if (sub === 'status' && def.status) { /* the whole object, as upstream */ }
      else if (sub === 'scale' && def.scale) obj = scaleOf(def, obj);
      else if (sub) throw errors.notFound(registry.gr, `${name}/${sub}`);
      respondObjects(res, neg, ctx, q, 200, obj);
      return;
    }
    case 'list': {
      const neg = negotiate(req.headers.accept, { as: readAs, protobuf: true });
      const result = await registry.list(ns, listParams(q, predicateOf(def, q)));
      const meta = { resourceVersion: result.resourceVersion, continue: result.continue, remainingItemCount: result.remainingItemCount };
      if (neg.as === 'Table') writeObject(res, 200, toTable(def, result.items, meta, includeObjectOf(q), new Date(), neg.asVersion), neg);
      else if (neg.as === 'PartialObjectMetadataList') {
        writeObject(res, 200, {
          kind: 'PartialObjectMetadataList', apiVersion: `meta.k8s.io/${neg.asVersion}`,
          metadata: { resourceVersion: meta.resourceVersion, ...(meta.continue ? { continue: meta.continue } : {}), ...(meta.remainingItemCount !== undefined ? { remainingItemCount: meta.remainingItemCount } : {}) },
          items: result.items.map((o) => toPartialObjectMetadata(o, neg.asVersion ?? 'v1')),
        }, neg);
      } else if (neg.as === 'PartialObjectMetadata') throw errors.notAcceptable(['application/json', 'application/yaml']);
      else writeObject(res, 200, listObject(registry, result.items, meta), neg);
      return;
    }
    case 'watch': {
      // Protobuf streams only for kinds with a protobuf schema: custom resources are JSON only, as upstream's.
      const neg = negotiate(req.headers.accept, {
        as: { ...tableAs, PartialObjectMetadata: metadataAs.PartialObjectMetadata }, yaml: false, stream: true,
        protobuf: hasProtobufSchema(registry.apiVersion, def.kind),
      });
      await serveWatch(req, res, {
        registry, namespace: ns, predicate: predicateOf(def, q, name || undefined), query: q, negotiated: neg,
        includeObject: includeObjectOf(q), log: ctx.log,
      });
      return;
    }
    case 'create': {
      if (name) {
        // A subresource that is created (pods/binding, pods/eviction): upstream's NamedCreater.
        const created = sub ? def.extraSubresources?.find((s) => s.name === sub && s.create) : undefined;
        if (!created) throw errors.methodNotSupported(registry.gr, 'create');
        await serveCreatedSubresource(req, res, ctx, q, created);
        return;
      }
      if (def.create) {
        await serveHandledCreate(req, res, ctx, q, def.create);
        return;
      }
      const neg = negotiate(req.headers.accept, { as: readAs, protobuf: true });
      const obj = decodeObject(ctx, req, q);
      const dryRun = dryRunOf(q);
      await ctx.admission.admit('CREATE', registry, ns, obj, undefined, dryRun);
      const created = await registry.create(ns, obj, { dryRun, fieldManager: fieldManagerOf(req, q, false), user: req.user });
      respondObjects(res, neg, ctx, q, 201, created);
      return;
    }
    case 'update': {
      const neg = negotiate(req.headers.accept, { as: readAs, protobuf: true });
      const dryRun = dryRunOf(q);
      if (sub === 'scale' && def.scale) {
        const scale = decodeBody(req.headers['content-type'], ctx.body, { fieldValidation: fieldValidationOf(q), warn: ctx.warn }).obj as KubeObject;
        const { obj } = await registry.update(ns, name, (cur) => applyScale(def, cur, scale, registry), { dryRun });
        writeObject(res, 200, scaleOf(def, obj), neg);
        return;
      }
      const custom = def.extraSubresources?.some((s) => s.name === sub && s.update);
      if (sub && !(sub === 'status' && def.status) && !custom) throw errors.notFound(registry.gr, `${name}/${sub}`);
      const obj = decodeObject(ctx, req, q);
      const { obj: updated, created } = await registry.update(ns, name, async (cur) => {
        await ctx.admission.admit(cur ? 'UPDATE' : 'CREATE', registry, ns, obj, cur, dryRun, name);
        return structuredClone(obj);
      }, { dryRun, subresource: sub, fieldManager: fieldManagerOf(req, q, false), user: req.user });
      respondObjects(res, neg, ctx, q, created ? 201 : 200, updated);
      return;
    }
    case 'patch': {
      const neg = negotiate(req.headers.accept, { as: readAs, protobuf: true });
      const dryRun = dryRunOf(q);
      // Custom resources have no strategic merge patch (upstream answers 415).
      const patchType = negotiatePatchType(req.headers['content-type'], { strategic: !def.customResource });
      if (sub && !(sub === 'status' && def.status) && !(sub === 'scale' && def.scale)) throw errors.notFound(registry.gr, `${name}/${sub}`);
      const manager = fieldManagerOf(req, q, patchType === 'apply');
      const force = queryBool(q, 'force');
      if (q.get('force') !== null && patchType !== 'apply') {
        throw errors.invalidParams([{ type: 'FieldValueForbidden', field: 'force', detail: 'may not be specified for non-apply patch' }], 'PatchOptions');
      }
      const patchBody = patchType === 'apply'
        ? decodeBody('application/yaml', ctx.body, { fieldValidation: 'Ignore', warn: () => {} }).obj
        : decodeJsonPatchBody(ctx.body ?? Buffer.alloc(0));
      const { obj, created } = await registry.update(ns, name, async (cur) => {
        if (!cur && patchType !== 'apply') throw errors.notFound(registry.gr, name);
        let next: KubeObject;
        try {
          if (patchType === 'apply') {
            next = applyConfiguration(cur, checkTypeMeta(registry, { obj: patchBody }), registry.patchSchema, {
              manager, apiVersion: registry.apiVersion, time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'), force,
              ...(sub ? { subresource: sub } : {}), ignoredFields: registry.ignoredFields(sub),
            }) as KubeObject;
          } else {
            const base: KubeObject = sub === 'scale' ? scaleOf(def, cur!) : cur!;
            const patched = applyPatch(patchType, base, patchBody, registry.patchSchema) as KubeObject;
            next = sub === 'scale' ? applyScale(def, cur, patched, registry) : patched;
          }
        } catch (e) {
          if (isPatchError(e)) throw new errors.StatusError(e.toStatus() as errors.Status);
          throw e;
        }
        // A patch without an RV applies to whatever is current (upstream retries it on conflict).
        if (next.metadata && cur && (!next.metadata.resourceVersion || sub === 'scale')) next.metadata.resourceVersion = cur.metadata?.resourceVersion;
        await ctx.admission.admit(cur ? 'UPDATE' : 'CREATE', registry, ns, next, cur, dryRun, name);
        return next;
      }, { dryRun, subresource: sub, allowCreate: patchType === 'apply', applied: patchType === 'apply', fieldManager: manager, user: req.user });
      respondObjects(res, neg, ctx, q, created ? 201 : 200, sub === 'scale' ? scaleOf(def, obj) : obj);
      return;
    }
    case 'delete': {
      if (sub) throw errors.methodNotSupported(registry.gr, 'delete');
      const neg = negotiate(req.headers.accept, { protobuf: true });
      const opts = deleteOptionsOf(req, ctx, q);
      const cur = await registry.get(ns, name);
      await ctx.admission.admit('DELETE', registry, ns, cur, cur, !!opts.dryRun, name);
      const { obj, deleted } = await registry.delete(ns, name, opts);
      // Upstream: 202 only for a pending deletion the client asked to cascade the deprecated way.
      const code = !deleted && opts.orphanDependents === false ? 202 : 200;
      if (!deleted || def.returnDeletedObject) {
        writeObject(res, code, obj, neg);
      } else {
        const status: errors.Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success',
          details: { name, ...(def.group ? { group: def.group } : {}), kind: def.plural, uid: obj.metadata?.uid } } as errors.Status;
        writeObject(res, code, status, neg);
      }
      return;
    }
    case 'deletecollection': {
      const neg = negotiate(req.headers.accept, { protobuf: true });
      const opts = deleteOptionsOf(req, ctx, q);
      const list = await registry.list(ns, listParams(q, predicateOf(def, q)));
      for (const item of list.items) {
        try {
          await registry.delete(item.metadata?.namespace ?? '', item.metadata!.name!, { ...opts, preconditions: undefined });
        } catch (e) {
          if (!errors.isStatusError(e, 'NotFound')) throw e;
        }
      }
      // Upstream answers with the items as listed before deletion.
      writeObject(res, 200, listObject(registry, list.items, { resourceVersion: list.resourceVersion, continue: list.continue }), neg);
      return;
    }
    default:
      throw errors.methodNotSupported(registry.gr, info.verb);
  }
}

/**
 * POST `<name>/<sub>` of a created subresource: the body decoded as the subresource's kind
 * (its group version, or one it also accepts), system fields wiped unless it keeps them, the
 * namespace checked, then the handler's answer written (upstream's createHandler with a
 * NamedCreater).
 */
async function serveCreatedSubresource(req: Request, res: Response, ctx: ResourceContext, q: URLSearchParams, entry: ExtraSubresource): Promise<void> {
  const { registry, info } = ctx;
  const neg = negotiate(req.headers.accept, { protobuf: true });
  const want = entry.group !== undefined ? groupVersion({ group: entry.group, version: entry.version ?? '' }) : registry.apiVersion;
  const decoded = decodeBody(req.headers['content-type'], ctx.body, { fieldValidation: fieldValidationOf(q), ...(entry.model ? { model: entry.model } : {}), warn: ctx.warn }).obj;
  const body = checkCreatedTypeMeta(decoded, want, [want, ...(entry.alsoAccepts ?? [])], entry.kind);
  prepareCreatedMeta(body, info.namespace, !!entry.keepsSystemFields);
  const dryRun = dryRunOf(q);
  // The body (an Eviction, a TokenRequest, a Binding) goes through admission as a CREATE of the
  // parent's subresource, as upstream's createHandler admits a NamedCreater's object.
  await ctx.admission.admit('CREATE', registry, info.namespace, body, undefined, dryRun, info.name);
  const answer = await entry.create!(body, {
    namespace: info.namespace, name: info.name, dryRun, now: new Date(), ...(req.user ? { user: req.user } : {}),
    registry, registryFor: (g, v, p) => registry.registryFor(g, v, p),
  });
  writeCreated(res, neg, answer);
}

/** POST to a resource served by a handler instead of storage (the legacy core/v1 bindings). */
async function serveHandledCreate(req: Request, res: Response, ctx: ResourceContext, q: URLSearchParams, handler: CreateHandler): Promise<void> {
  const { registry, info } = ctx;
  const neg = negotiate(req.headers.accept, { protobuf: true });
  const decoded = decodeBody(req.headers['content-type'], ctx.body, { fieldValidation: fieldValidationOf(q), ...(registry.def.model ? { model: registry.def.model } : {}), warn: ctx.warn }).obj;
  const body = checkCreatedTypeMeta(decoded, registry.apiVersion, [registry.apiVersion], registry.def.kind);
  prepareCreatedMeta(body, info.namespace, true);
  const answer = await handler(body, {
    namespace: info.namespace, name: body.metadata?.name ?? '', dryRun: dryRunOf(q), now: new Date(), ...(req.user ? { user: req.user } : {}),
    registry, registryFor: (g, v, p) => registry.registryFor(g, v, p),
  });
  writeCreated(res, neg, answer);
}

function checkCreatedTypeMeta(obj: unknown, want: string, accepted: string[], kind: string): KubeObject {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    throw errors.badRequest('Object \'Kind\' is missing in \'' + JSON.stringify(obj) + '\'');
  }
  const o = obj as KubeObject;
  if (o.apiVersion && !accepted.includes(o.apiVersion)) {
    throw errors.badRequest(`the API version in the data (${o.apiVersion}) does not match the expected API version (${want})`);
  }
  if (o.kind && o.kind !== kind) throw errors.badRequest(`not a ${kind} object: ${o.kind}`);
  o.apiVersion ||= want;
  o.kind ||= kind;
  return o;
}

/** Upstream's create handler: system fields wiped (unless kept as preconditions), namespace matched. */
function prepareCreatedMeta(obj: KubeObject, namespace: string, keepSystemFields: boolean): void {
  const meta = (obj.metadata ??= {});
  if (!keepSystemFields) {
    delete meta.uid;
    delete meta.creationTimestamp;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
  }
  delete meta.selfLink;
  if (meta.namespace && namespace && meta.namespace !== namespace) {
    throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  if (namespace) meta.namespace = namespace;
}

/** A created subresource's answer: 201, a Status stamped with that code unless it is a Failure with its own. */
function writeCreated(res: Response, neg: Negotiated, answer: KubeObject): void {
  let code = 201;
  if (answer.kind === 'Status') {
    const st = answer as unknown as errors.Status;
    if (st.status === 'Failure' && st.code) code = st.code;
    else if (!st.code) st.code = 201;
  }
  writeObject(res, code, answer, neg);
}

function deleteOptionsOf(req: Request, ctx: ResourceContext, q: URLSearchParams): DeleteOptions {
  let body: Record<string, unknown> = {};
  if (ctx.body && ctx.body.length > 0) {
    const decoded = decodeBody(req.headers['content-type'], ctx.body, { fieldValidation: 'Ignore', warn: ctx.warn }).obj;
    if (decoded && typeof decoded === 'object') body = decoded as Record<string, unknown>;
  }
  const opts: DeleteOptions = { dryRun: dryRunOf(q) || (Array.isArray(body.dryRun) && body.dryRun.includes('All')) };
  const grace = intParam(q, 'gracePeriodSeconds') ?? (body.gracePeriodSeconds as number | undefined);
  if (grace !== undefined && grace !== null) opts.gracePeriodSeconds = grace;
  const policy = q.get('propagationPolicy') ?? (body.propagationPolicy as string | undefined);
  if (policy) {
    if (policy !== 'Orphan' && policy !== 'Background' && policy !== 'Foreground') {
      throw errors.invalid({ group: 'meta.k8s.io', kind: 'DeleteOptions' }, '', [{ type: 'FieldValueNotSupported', field: 'propagationPolicy', badValue: policy, detail: 'supported values: "Foreground", "Background", "Orphan"' }]);
    }
    opts.propagationPolicy = policy;
  }
  const orphan = q.get('orphanDependents') ?? body.orphanDependents;
  if (orphan !== null && orphan !== undefined) {
    if (opts.propagationPolicy) throw errors.invalid({ group: 'meta.k8s.io', kind: 'DeleteOptions' }, '', [{ type: 'FieldValueInvalid', field: 'propagationPolicy', badValue: opts.propagationPolicy, detail: 'orphanDependents and deletionPropagation cannot be both set' }]);
    opts.orphanDependents = typeof orphan === 'string' ? orphan !== '0' && orphan.toLowerCase() !== 'false' : orphan === true;
  }
  const pre = body.preconditions as { uid?: string; resourceVersion?: string } | undefined;
  if (pre) opts.preconditions = pre;
  return opts;
}

/**
 * The field manager of a write: `fieldManager`, else (not for apply) the user agent up to its
 * first "/", as upstream's fieldmanager prefixes it.
 */
function fieldManagerOf(req: Request, q: URLSearchParams, apply: boolean): string {
  const explicit = q.get('fieldManager');
  if (explicit !== null && explicit !== '') {
    if (explicit.length > 128) throw errors.invalidParams([{ type: 'FieldValueTooLong', field: 'fieldManager', badValue: explicit, detail: 'must have at most 128 characters' }], 'PatchOptions');
    return explicit;
  }
  if (apply) throw errors.invalidParams([{ type: 'FieldValueRequired', field: 'fieldManager', detail: 'is required for apply patch' }], 'PatchOptions');
  const ua = req.headers['user-agent'] ?? '';
  return ua.split('/')[0]!.slice(0, 128) || 'unknown';
}

/** The autoscaling/v1 Scale view of an object. */
function scaleOf(def: AnyResource, obj: KubeObject): KubeObject {
  const s = def.scale!;
  const selector = s.labelSelectorPath ? getPath(obj, s.labelSelectorPath) : undefined;
  return {
    kind: 'Scale', apiVersion: 'autoscaling/v1',
    metadata: { name: obj.metadata?.name, namespace: obj.metadata?.namespace, uid: obj.metadata?.uid, resourceVersion: obj.metadata?.resourceVersion, creationTimestamp: obj.metadata?.creationTimestamp },
    spec: { replicas: (getPath(obj, s.specReplicasPath) as number | undefined) ?? 0 },
    status: { replicas: (getPath(obj, s.statusReplicasPath) as number | undefined) ?? 0, ...(selector ? { selector: selectorString(selector) } : {}) },
  };
}

function applyScale(def: AnyResource, cur: KubeObject | undefined, scale: KubeObject, registry: GenericRegistry): KubeObject {
  if (!cur) throw errors.notFound(registry.gr, scale.metadata?.name ?? '');
  const next = structuredClone(cur);
  const replicas = (scale.spec as { replicas?: unknown } | undefined)?.replicas;
  if (typeof replicas !== 'number' || replicas < 0 || !Number.isInteger(replicas)) {
    throw errors.invalid({ group: 'autoscaling', kind: 'Scale' }, cur.metadata?.name ?? '', [{ type: 'FieldValueInvalid', field: 'spec.replicas', badValue: replicas, detail: 'must be greater than or equal to 0' }]);
  }
  setPath(next, def.scale!.specReplicasPath, replicas);
  const rv = scale.metadata?.resourceVersion;
  if (rv) next.metadata!.resourceVersion = rv;
  return next;
}

function getPath(obj: unknown, path: string): unknown {
  let cur = obj as Record<string, unknown> | undefined;
  for (const p of path.replace(/^\./, '').split('.')) {
    if (cur === undefined || cur === null || typeof cur !== 'object') return undefined;
    cur = cur[p] as Record<string, unknown> | undefined;
  }
  return cur;
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.replace(/^\./, '').split('.');
  let cur = obj;
  for (const p of parts.slice(0, -1)) cur = (cur[p] ??= {}) as Record<string, unknown>;
  cur[parts[parts.length - 1]!] = value;
}

function selectorString(sel: unknown): string {
  if (typeof sel === 'string') return sel;
  const s = sel as { matchLabels?: Record<string, string>; matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> };
  const parts = Object.entries(s.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of s.matchExpressions ?? []) {
    if (e.operator === 'In') parts.push(`${e.key} in (${(e.values ?? []).join(',')})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${(e.values ?? []).join(',')})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}
