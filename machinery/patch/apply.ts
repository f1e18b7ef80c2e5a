// Server-side apply (sigs.k8s.io/structured-merge-diff as kube-apiserver's fieldmanager
// uses it): field sets in the managedFields "FieldsV1" format, the set of fields an
// object or applied configuration specifies, merging an applied configuration into the
// live object, conflicts with other managers (409, upstream's message and causes),
// `force`, pruning fields the applier stopped specifying, and the managedFields entries
// of Apply and Update operations. Time is a parameter; nothing here reads a clock.

import { PatchError } from './errors.ts';
import { type JsonObject, cloneJson, deepEqual, hasOwn, isObject, setOwn } from './json.ts';
import type { PatchSchema } from './strategic.ts';

// ---- field paths and sets ----

/**
 * A path element as it is spelled in FieldsV1: `f:<field>`, `k:<json of the key
 * fields, sorted>`, `v:<json value>` (set items) or `i:<index>`.
 */
export type PathElement = string;
export type FieldPath = readonly PathElement[];

/**
 * The key of a path in a FieldSet: its elements joined by NUL, so the key of a prefix is a
 * prefix of the key. An element holding a NUL itself (a field name may hold any character)
 * would let two paths share such a key: those paths are keyed by their JSON, which holds no
 * raw NUL and starts with "[" where a joined key starts with the element's letter.
 */
function pathKey(path: FieldPath): string {
  for (const pe of path) if (pe.includes('\u0000')) return JSON.stringify(path);
  return path.join('\u0000');
}

/** pathKey of `path` extended by `pe`, from pathKey of `path`, without rejoining it. */
function childKey(parentKey: string, path: FieldPath, pe: PathElement): string {
  if (parentKey.startsWith('[') || pe.includes('\u0000')) return pathKey([...path, pe]);
  return path.length === 0 ? pe : `${parentKey}\u0000${pe}`;
}

/**
 * A set of field paths; each path is a member, whether or not it has members below it.
 * Paths are shared, never copied: a path put in a set must not change afterwards.
 */
export class FieldSet {
  private readonly paths = new Map<string, FieldPath>();
  /** Keys of every proper prefix of a member, built when first asked for. */
  private prefixes: Set<string> | undefined;

  static of(paths: Iterable<FieldPath>): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }

  insert(path: FieldPath): void {
    this.insertKeyed(pathKey(path), path);
  }

  /** Inserts `path` under a key the caller built as pathKey would (see childKey). */
  insertKeyed(key: string, path: FieldPath): void {
    this.paths.set(key, path);
    this.prefixes = undefined;
  }

  has(path: FieldPath): boolean {
    return this.paths.has(pathKey(path));
  }

  /** has() by the path's key (as filter() hands it over). */
  hasKey(key: string): boolean {
    return this.paths.has(key);
  }

  /** Whether some member lies strictly below the path whose key (pathKey) is `key`. */
  hasDescendantKey(key: string): boolean {
    if (!this.prefixes) {
      const prefixes = new Set<string>();
      for (const [key, p] of this.paths) {
        if (key.startsWith('[')) {
          for (let i = 1; i < p.length; i++) prefixes.add(pathKey(p.slice(0, i)));
          continue;
        }
        for (let i = key.indexOf('\u0000'); i >= 0; i = key.indexOf('\u0000', i + 1)) prefixes.add(key.slice(0, i));
      }
      this.prefixes = prefixes;
    }
    return this.prefixes.has(key);
  }

  get size(): number {
    return this.paths.size;
  }

  *[Symbol.iterator](): IterableIterator<FieldPath> {
    yield* this.paths.values();
  }

  /** The members for which `keep` holds (given each member and its key). */
  filter(keep: (path: FieldPath, key: string) => boolean): FieldSet {
    const out = new FieldSet();
    for (const [key, p] of this.paths) if (keep(p, key)) out.paths.set(key, p);
    return out;
  }

  equals(other: FieldSet): boolean {
    if (this.size !== other.size) return false;
    for (const key of this.paths.keys()) if (!other.paths.has(key)) return false;
    return true;
  }

  union(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [key, p] of this.paths) out.paths.set(key, p);
    for (const [key, p] of other.paths) out.paths.set(key, p);
    return out;
  }

  difference(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [key, p] of this.paths) if (!other.paths.has(key)) out.paths.set(key, p);
    return out;
  }

  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [key, p] of this.paths) if (other.paths.has(key)) out.paths.set(key, p);
    return out;
  }

  /** Paths sorted as structured-merge-diff iterates them (element by element). */
  sorted(): FieldPath[] {
    return [...this].sort(comparePaths);
  }
}

function comparePaths(a: FieldPath, b: FieldPath): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  }
  return a.length - b.length;
}

/** The FieldsV1 object of a set: `{}` for a leaf, `".": {}` for a member that has children. */
export function fieldsV1FromSet(set: FieldSet): JsonObject {
  const root: JsonObject = {};
  for (const path of set.sorted()) {
    let node = root;
    for (const pe of path) {
      if (!hasOwn(node, pe)) setOwn(node, pe, {});
      node = node[pe] as JsonObject;
    }
    setOwn(node, '.', {});
  }
  return collapseLeaves(root);
}

/** A node whose only key is "." is written as {}. */
function collapseLeaves(node: JsonObject): JsonObject {
  const keys = Object.keys(node);
  if (keys.length === 1 && keys[0] === '.') return {};
  const out: JsonObject = {};
  for (const k of keys.sort()) setOwn(out, k, k === '.' ? {} : collapseLeaves(node[k] as JsonObject));
  return out;
}

const PATH_ELEMENT = /^[fkvi]:/;

/** Reads a FieldsV1 object; throws PatchError 400 on a malformed one. */
export function setFromFieldsV1(fields: unknown): FieldSet {
  const set = new FieldSet();
  const walk = (node: unknown, path: PathElement[], key: string): void => {
    if (!isObject(node)) throw new PatchError(400, 'BadRequest', 'error decoding set: expected an object');
    const keys = Object.keys(node);
    if (path.length > 0 && (keys.length === 0 || hasOwn(node, '.'))) set.insertKeyed(key, path);
    for (const k of keys) {
      if (k === '.') continue;
      if (!PATH_ELEMENT.test(k)) throw new PatchError(400, 'BadRequest', `error decoding set: unknown path element ${k}`);
      walk(node[k], [...path, k], childKey(key, path, k));
    }
  };
  walk(fields, [], '');
  return set;
}

/** Path.String(): `.spec.containers[name="web"].image`. */
export function fieldPathString(path: FieldPath): string {
  return path
    .map((pe) => {
      const body = pe.slice(2);
      switch (pe[0]) {
        case 'f':
          return `.${body}`;
        case 'k': {
          const key = JSON.parse(body) as JsonObject;
          return `[${Object.keys(key)
            .map((k) => `${k}=${JSON.stringify(key[k])}`)
            .join(',')}]`;
        }
        case 'v':
          return `[=${body}]`;
        default:
          return `[${body}]`;
      }
    })
    .join('');
}

// ---- the fields a value sets (TypedValue.ToFieldSet) ----

function fieldPE(name: string): PathElement {
  return `f:${name}`;
}

/**
 * The key of an item of a +listType=map list: the JSON of its key fields, sorted by name;
 * absent key fields take the schema's default.
 */
function itemKey(item: unknown, list: PatchSchema): PathElement {
  const names = list.listMapKeys ?? [];
  const sortedNames = names.length > 1 ? [...names].sort() : names;
  let out = '';
  for (const k of sortedNames) {
    const v = isObject(item) && hasOwn(item, k) ? item[k] : list.listMapKeyDefaults?.[k];
    if (v === undefined) continue;
    out += `${out ? ',' : ''}${JSON.stringify(k)}:${JSON.stringify(v)}`;
  }
  return `k:{${out}}`;
}

function fieldOf(schema: PatchSchema | undefined, key: string): { sub: PatchSchema | undefined; declared: boolean } {
  if (schema?.kind === 'object' && schema.fields && Object.prototype.hasOwnProperty.call(schema.fields, key)) {
    return { sub: schema.fields[key], declared: true };
  }
  return { sub: schema?.kind === 'map' ? schema.elem : undefined, declared: false };
}

/**
 * The set of fields `value` specifies under `schema`: scalars, atomic lists and atomic
 * structs are leaves; map entries, list-map items and set items are members; struct
 * fields holding non-empty objects are not members themselves.
 */
export function fieldSetOf(value: unknown, schema: PatchSchema | undefined): FieldSet {
  const set = new FieldSet();
  walkFields(value, schema, [], set);
  return set;
}

function walkFields(value: unknown, schema: PatchSchema | undefined, path: FieldPath, set: FieldSet, maps?: FieldSet, key = ''): void {
  if (isObject(value)) {
    if (schema?.mapType === 'atomic') {
      set.insertKeyed(key, path);
      return;
    }
    if (maps && schema?.kind === 'map' && path.length > 0) maps.insertKeyed(key, path);
    for (const k of Object.keys(value)) {
      const v = value[k];
      const { sub, declared } = fieldOf(schema, k);
      const pe = fieldPE(k);
      const child = [...path, pe];
      const ck = childKey(key, path, pe);
      walkFields(v, sub, child, set, maps, ck);
      if (v === null || (isObject(v) && Object.keys(v).length === 0) || !declared) set.insertKeyed(ck, child);
    }
    return;
  }
  if (Array.isArray(value)) {
    if (schema?.listType === 'map') {
      for (const item of value) {
        const pe = itemKey(item, schema);
        const child = [...path, pe];
        const ck = childKey(key, path, pe);
        set.insertKeyed(ck, child);
        walkFields(item, schema.elem, child, set, maps, ck);
      }
    } else if (schema?.listType === 'set') {
      for (const item of value) {
        const pe = `v:${JSON.stringify(item)}`;
        set.insertKeyed(childKey(key, path, pe), [...path, pe]);
      }
    } else {
      set.insertKeyed(key, path);
    }
    return;
  }
  if (path.length > 0) set.insertKeyed(key, path);
}

/** Fields the field manager never tracks (fieldmanager's stripMeta). */
const STRIPPED: FieldPath[] = [
  ['f:apiVersion'],
  ['f:kind'],
  ['f:metadata', 'f:name'],
  ['f:metadata', 'f:namespace'],
  ['f:metadata', 'f:creationTimestamp'],
  ['f:metadata', 'f:selfLink'],
  ['f:metadata', 'f:uid'],
  ['f:metadata', 'f:generation'],
  ['f:metadata', 'f:managedFields'],
  ['f:metadata', 'f:resourceVersion'],
  ['f:metadata', 'f:deletionTimestamp'],
  ['f:metadata', 'f:deletionGracePeriodSeconds'],
];

function tracked(set: FieldSet, ignored: readonly FieldPath[]): FieldSet {
  const drop = ignored.length > 0 ? [...STRIPPED, ...ignored] : STRIPPED;
  const out = set.filter((p) => !drop.some((d) => startsWith(p, d)));
  // `f:metadata` alone (left when only stripped fields were under it) is no field of its own.
  return out.filter((p, key) => !(p.length === 1 && p[0] === 'f:metadata' && !out.hasDescendantKey(key)));
}

function startsWith(p: FieldPath, prefix: FieldPath): boolean {
  if (prefix.length > p.length) return false;
  for (let i = 0; i < prefix.length; i++) if (p[i] !== prefix[i]) return false;
  return true;
}

// ---- values at paths ----

/** The value at `path`, or undefined when absent. */
function valueAt(obj: unknown, path: FieldPath, schema: PatchSchema | undefined): unknown {
  let cur: unknown = obj;
  let s = schema;
  for (const pe of path) {
    if (pe.startsWith('f:')) {
      if (!isObject(cur)) return undefined;
      const name = pe.slice(2);
      if (!hasOwn(cur, name)) return undefined;
      s = fieldOf(s, name).sub;
      cur = cur[name];
    } else if (pe.startsWith('k:') && Array.isArray(cur) && s) {
      const list = s;
      cur = cur.find((item) => itemKey(item, list) === pe);
      s = list.elem;
    } else if (pe.startsWith('v:') && Array.isArray(cur)) {
      const want = JSON.parse(pe.slice(2)) as unknown;
      return cur.some((item) => deepEqual(item, want)) ? want : undefined;
    } else {
      return undefined;
    }
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** Removes the fields in `set` from a copy of `obj` (TypedValue.RemoveItems). */
function removeFields(obj: unknown, set: FieldSet, schema: PatchSchema | undefined): unknown {
  const out = cloneJson(obj);
  // shallow paths first: removing an item or field takes everything under it.
  for (const path of set.sorted()) removeAt(out, path, schema);
  return out;
}

function removeAt(obj: unknown, path: FieldPath, schema: PatchSchema | undefined): void {
  let cur: unknown = obj;
  let s = schema;
  for (let i = 0; i < path.length; i++) {
    const pe = path[i]!;
    const last = i === path.length - 1;
    if (pe.startsWith('f:') && isObject(cur)) {
      const name = pe.slice(2);
      if (last) {
        delete cur[name];
        return;
      }
      s = fieldOf(s, name).sub;
      cur = cur[name];
    } else if (pe.startsWith('k:') && Array.isArray(cur) && s) {
      const list = s;
      const idx = cur.findIndex((item) => itemKey(item, list) === pe);
      if (idx < 0) return;
      if (last) {
        cur.splice(idx, 1);
        return;
      }
      cur = cur[idx];
      s = list.elem;
    } else if (pe.startsWith('v:') && Array.isArray(cur)) {
      const want = JSON.parse(pe.slice(2)) as unknown;
      const idx = cur.findIndex((item) => deepEqual(item, want));
      if (idx >= 0) cur.splice(idx, 1);
      return;
    } else {
      return;
    }
  }
}

// ---- merging an applied configuration ----

/**
 * Merges `rhs` (the applied configuration) over `lhs` (the live object): granular
 * objects merge member by member, list-map items merge by key and set items are unioned
 * (the applied order wins for items both have, live-only items keep their place), and
 * everything else — scalars, atomic lists and structs — is taken from `rhs`.
 */
export function mergeApplied(lhs: unknown, rhs: unknown, schema: PatchSchema | undefined): unknown {
  if (rhs === undefined) return cloneJson(lhs);
  if (isObject(rhs) && isObject(lhs) && schema?.mapType !== 'atomic') {
    const out = cloneJson(lhs);
    for (const k of Object.keys(rhs)) setOwn(out, k, mergeApplied(hasOwn(lhs, k) ? lhs[k] : undefined, rhs[k], fieldOf(schema, k).sub));
    return out;
  }
  if (Array.isArray(rhs) && Array.isArray(lhs) && (schema?.listType === 'map' || schema?.listType === 'set')) {
    const list = schema;
    const pe = (item: unknown): string =>
      list.listType === 'map' ? itemKey(item, list) : `v:${JSON.stringify(item)}`;
    return mergeListItems(lhs, rhs, pe, (l, r) => (l === undefined ? cloneJson(r) : mergeApplied(l, r, list.elem)));
  }
  return cloneJson(rhs);
}

/** structured-merge-diff's list merge: a two-pointer walk that keeps both orders. */
function mergeListItems(
  lhs: unknown[],
  rhs: unknown[],
  pe: (item: unknown) => string,
  merge: (l: unknown, r: unknown) => unknown,
): unknown[] {
  const lKeys = lhs.map(pe);
  const rKeys = rhs.map(pe);
  const lByKey = new Map<string, unknown>();
  lhs.forEach((item, i) => {
    if (!lByKey.has(lKeys[i]!)) lByKey.set(lKeys[i]!, item);
  });
  const rSet = new Set(rKeys);
  const shared = rKeys.filter((k) => lByKey.has(k));
  let sharedIdx = 0;
  const merged = new Set<string>();
  const out: unknown[] = [];
  let l = 0;
  let r = 0;
  while (l < lhs.length || r < rhs.length) {
    if (l < lhs.length && r < rhs.length) {
      if (lKeys[l] === rKeys[r]) {
        merged.add(rKeys[r]!);
        out.push(merge(lByKey.get(lKeys[l]!), rhs[r]));
        l++;
        r++;
        sharedIdx++;
        continue;
      }
      const next = shared[sharedIdx];
      if (rSet.has(lKeys[l]!) && next !== undefined && next !== lKeys[l]) {
        l++;
        continue;
      }
    }
    if (l < lhs.length) {
      if (!rSet.has(lKeys[l]!)) {
        out.push(cloneJson(lhs[l]));
        l++;
        continue;
      }
      if (merged.has(lKeys[l]!)) l++;
    }
    if (r < rhs.length) {
      const key = rKeys[r]!;
      merged.add(key);
      out.push(merge(lByKey.get(key), rhs[r]));
      r++;
      if (shared[sharedIdx] === key) sharedIdx++;
    }
  }
  return out;
}

// ---- managedFields ----

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time?: string;
  fieldsType: 'FieldsV1';
  fieldsV1: JsonObject;
  subresource?: string;
}

interface Owner {
  entry: ManagedFieldsEntry;
  set: FieldSet;
}

/** Upstream's manager identity: manager, operation, subresource, and apiVersion for updaters. */
function sameManager(a: ManagedFieldsEntry, b: Pick<ManagedFieldsEntry, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): boolean {
  return (
    a.manager === b.manager &&
    a.operation === b.operation &&
    (a.subresource ?? '') === (b.subresource ?? '') &&
    (a.operation === 'Apply' || a.apiVersion === b.apiVersion)
  );
}

function decodeManaged(entries: unknown): Owner[] {
  if (!Array.isArray(entries)) return [];
  return entries.filter(isObject).map((e) => {
    const entry = e as unknown as ManagedFieldsEntry;
    return { entry, set: setFromFieldsV1(entry.fieldsV1 ?? {}) };
  });
}

/** sortEncodedManagedFields: Apply before Update, then time, manager, apiVersion, subresource. */
function encodeManaged(owners: Owner[]): ManagedFieldsEntry[] {
  const seconds = (t: string | undefined): number => (t ? Math.floor(Date.parse(t) / 1000) : 0);
  return owners
    .filter((o) => o.set.size > 0)
    .map((o) => ({ ...o.entry, fieldsType: 'FieldsV1' as const, fieldsV1: fieldsV1FromSet(o.set) }))
    .sort((p, q) => {
      if (p.operation !== q.operation) return p.operation < q.operation ? -1 : 1;
      const ps = seconds(p.time);
      const qs = seconds(q.time);
      if (ps !== qs) return ps - qs;
      if (p.manager !== q.manager) return p.manager < q.manager ? -1 : 1;
      if (p.apiVersion !== q.apiVersion) return p.apiVersion < q.apiVersion ? -1 : 1;
      return (p.subresource ?? '') < (q.subresource ?? '') ? -1 : (p.subresource ?? '') > (q.subresource ?? '') ? 1 : 0;
    });
}

/** printManager: appliers by name, updaters with the version they used. */
function printManager(e: ManagedFieldsEntry): string {
  let s = JSON.stringify(e.manager);
  if (e.subresource) s += ` with subresource ${JSON.stringify(e.subresource)}`;
  return e.operation === 'Update' ? `${s} using ${e.apiVersion}` : s;
}

export interface Conflict {
  manager: ManagedFieldsEntry;
  path: FieldPath;
}

/** errors.NewApplyConflict with fieldmanager's message and one cause per conflict. */
export function applyConflictError(conflicts: readonly Conflict[]): PatchError {
  const causes = conflicts.map((c) => ({
    type: 'FieldManagerConflict',
    message: `conflict with ${printManager(c.manager)}`,
    field: fieldPathString(c.path),
  }));
  let message: string;
  if (conflicts.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${printManager(conflicts[0]!.manager)}: ${fieldPathString(conflicts[0]!.path)}`;
  } else {
    const byManager = new Map<string, string[]>();
    for (const c of conflicts) {
      const m = printManager(c.manager);
      byManager.set(m, [...(byManager.get(m) ?? []), fieldPathString(c.path)]);
    }
    const lines: string[] = [];
    for (const m of [...byManager.keys()].sort()) {
      lines.push(`conflicts with ${m}:`);
      for (const p of byManager.get(m)!) lines.push(`- ${p}`);
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new PatchError(409, 'Conflict', message, message, { causes });
}

export interface ApplyOptions {
  /** fieldManager; required for apply (upstream rejects an apply without one earlier). */
  manager: string;
  /** The version the configuration was applied in, e.g. "apps/v1". */
  apiVersion: string;
  /** RFC 3339 time to record on the entry. */
  time: string;
  force?: boolean;
  subresource?: string;
  /** Paths the endpoint resets and never tracks (e.g. [['f:status']] for the main resource). */
  ignoredFields?: readonly FieldPath[];
}

/**
 * Applies `config` to `live` (undefined when creating) for `manager`. Returns the new
 * object with its metadata.managedFields set, or throws PatchError 409 listing the
 * conflicts when another manager owns a field the configuration changes and `force` is
 * not set (with force, those fields move to the applier).
 */
export function applyConfiguration(live: unknown, config: unknown, schema: PatchSchema | undefined, opts: ApplyOptions): JsonObject {
  if (!isObject(config)) throw new PatchError(400, 'BadRequest', 'error decoding patch: expected an object');
  const cfg = dropNulls(cloneJson(config)) as JsonObject;
  const liveObj: JsonObject = isObject(live) ? cloneJson(live) : {};
  const liveMeta = isObject(liveObj.metadata) ? liveObj.metadata : {};
  let owners = decodeManaged(liveMeta.managedFields);
  if (isObject(liveObj.metadata)) delete liveObj.metadata.managedFields;
  const cfgMeta = isObject(cfg.metadata) ? cfg.metadata : undefined;
  if (cfgMeta) delete cfgMeta.managedFields;

  const ignored = opts.ignoredFields ?? [];
  // An object that predates field management is owned by "before-first-apply".
  if (owners.length === 0 && isObject(live)) {
    const existing = tracked(fieldSetOf(liveObj, schema), ignored);
    if (existing.size > 0) {
      owners = [
        {
          entry: { manager: 'before-first-apply', operation: 'Update', apiVersion: opts.apiVersion, fieldsType: 'FieldsV1', fieldsV1: {} },
          set: existing,
        },
      ];
    }
  }

  const me = { manager: opts.manager, operation: 'Apply' as const, apiVersion: opts.apiVersion, subresource: opts.subresource };
  const previous = owners.find((o) => sameManager(o.entry, me));
  const configSet = tracked(fieldSetOf(cfg, schema), ignored);
  let merged = mergeApplied(liveObj, cfg, schema);

  // Conflicts: fields others own whose value the configuration changes.
  const changed = changedFields(liveObj, merged, schema, ignored);
  const conflicts: Conflict[] = [];
  for (const o of owners) {
    if (o === previous) continue;
    for (const p of o.set.intersection(changed).sorted()) conflicts.push({ manager: o.entry, path: p });
  }
  if (conflicts.length > 0 && !opts.force) throw applyConflictError(conflicts);
  if (opts.force) {
    for (const o of owners) if (o !== previous) o.set = o.set.difference(configSet);
  }

  // Fields the applier dropped from its configuration and nobody else owns are removed.
  if (previous) {
    let others = new FieldSet();
    for (const o of owners) if (o !== previous) others = others.union(o.set);
    const dropped = previous.set.difference(configSet).difference(others);
    merged = removeFields(merged, leavesOnly(dropped, configSet.union(others)), schema);
  }

  // A no-op apply keeps the entry's time, so applying the same configuration twice writes
  // nothing (upstream leaves the object, and its resourceVersion, untouched).
  const unchanged = previous !== undefined && previous.set.equals(configSet) && JSON.stringify(merged) === JSON.stringify(liveObj);
  const entry: ManagedFieldsEntry = {
    manager: opts.manager,
    operation: 'Apply',
    apiVersion: opts.apiVersion,
    time: unchanged && previous.entry.time ? previous.entry.time : opts.time,
    fieldsType: 'FieldsV1',
    fieldsV1: {},
  };
  if (opts.subresource) entry.subresource = opts.subresource;
  owners = owners.filter((o) => o !== previous);
  owners.push({ entry, set: configSet });
  return withManagedFields(merged as JsonObject, encodeManaged(owners));
}

/** A dropped path whose descendants someone still specifies is kept (only its leaves go). */
function leavesOnly(dropped: FieldSet, kept: FieldSet): FieldSet {
  return dropped.filter((_, key) => !kept.hasDescendantKey(key));
}

/**
 * Records an Update (create, update, json/merge/strategic patch) by `manager`: fields it
 * added or changed become its own and leave other managers; fields it removed leave
 * everyone. Returns `next` with metadata.managedFields set.
 */
export function updateManagedFields(
  prev: unknown,
  next: unknown,
  schema: PatchSchema | undefined,
  opts: Omit<ApplyOptions, 'force'>,
): JsonObject {
  // Copies down to metadata, which loses managedFields here; the rest is only read, so shared.
  const nextObj = isObject(next) ? copyToMetadata(next) : {};
  const prevObj = isObject(prev) ? copyToMetadata(prev) : {};
  const prevMeta = isObject(prevObj.metadata) ? prevObj.metadata : {};
  let owners = decodeManaged(isObject(nextObj.metadata) && nextObj.metadata.managedFields !== undefined ? nextObj.metadata.managedFields : prevMeta.managedFields);
  if (isObject(prevObj.metadata)) delete prevObj.metadata.managedFields;
  if (isObject(nextObj.metadata)) delete nextObj.metadata.managedFields;

  const ignored = opts.ignoredFields ?? [];
  const prevSet = tracked(fieldSetOf(prevObj, schema), ignored);
  const nextMaps = new FieldSet();
  const nextAll = new FieldSet();
  walkFields(nextObj, schema, [], nextAll, nextMaps);
  const nextSet = tracked(nextAll, ignored);
  // A map-typed field (labels, annotations, …) that `next` adds counts as added itself, which
  // is why Update entries show `".": {}` under it.
  const addedMaps = tracked(nextMaps, ignored).filter((p) => valueAt(prevObj, p, schema) === undefined);
  const changed = changedBetween(prevObj, nextObj, prevSet, nextSet, schema).union(addedMaps);
  const removed = prevSet.difference(nextSet);
  const me = { manager: opts.manager, operation: 'Update' as const, apiVersion: opts.apiVersion, subresource: opts.subresource };
  let mine = owners.find((o) => sameManager(o.entry, me));
  for (const o of owners) if (o !== mine) o.set = o.set.difference(changed).difference(removed);
  if (changed.size > 0 || mine) {
    if (!mine) {
      const entry: ManagedFieldsEntry = { ...me, fieldsType: 'FieldsV1', fieldsV1: {} };
      if (!opts.subresource) delete entry.subresource;
      mine = { entry, set: new FieldSet() };
      owners.push(mine);
    }
    mine.set = mine.set.union(changed).difference(removed);
    if (changed.size > 0) mine.entry = { ...mine.entry, time: opts.time };
  }
  return withManagedFields(nextObj, encodeManaged(owners));
}

/** Fields of `next` that `prev` lacks or holds with another value (Compare: Added ∪ Modified). */
function changedFields(prev: unknown, next: unknown, schema: PatchSchema | undefined, ignored: readonly FieldPath[]): FieldSet {
  return changedBetween(prev, next, tracked(fieldSetOf(prev, schema), ignored), tracked(fieldSetOf(next, schema), ignored), schema);
}

/** changedFields from the two values' tracked field sets. */
function changedBetween(prev: unknown, next: unknown, prevSet: FieldSet, nextSet: FieldSet, schema: PatchSchema | undefined): FieldSet {
  return nextSet.filter((p, key) => {
    if (!prevSet.hasKey(key)) return true;
    if (nextSet.hasDescendantKey(key)) return false;
    return !deepEqual(valueAt(prev, p, schema), valueAt(next, p, schema));
  });
}

function copyToMetadata(obj: JsonObject): JsonObject {
  const out = { ...obj };
  if (isObject(obj.metadata)) setOwn(out, 'metadata', { ...obj.metadata });
  return out;
}

function withManagedFields(obj: JsonObject, entries: ManagedFieldsEntry[]): JsonObject {
  const meta = isObject(obj.metadata) ? obj.metadata : {};
  if (entries.length > 0) setOwn(meta, 'managedFields', entries);
  else delete meta.managedFields;
  if (Object.keys(meta).length > 0 || isObject(obj.metadata)) setOwn(obj, 'metadata', meta);
  return obj;
}

function dropNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropNulls);
  if (isObject(v)) {
    for (const k of Object.keys(v)) {
      if (v[k] === null) delete v[k];
      else setOwn(v, k, dropNulls(v[k]));
    }
  }
  return v;
}
