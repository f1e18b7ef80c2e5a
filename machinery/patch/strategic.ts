// Strategic merge patch as kube-apiserver applies it
// (k8s.io/apimachinery/pkg/util/strategicpatch StrategicMergeMapPatch, server side:
// parallel lists merged, unmatched nulls ignored). Lists whose field is tagged
// patchStrategy=merge merge by patchMergeKey (or as a set for primitives); other lists
// are replaced; objects merge; null deletes. Directives: $patch (replace, delete, and
// merge where allowed), $retainKeys, $setElementOrder/<list>,
// $deleteFromPrimitiveList/<list>. Fields the schema does not know merge like a JSON
// merge patch. Errors carry the code handlers/patch.go gives them
// (interpretStrategicMergePatchError): 400 for malformed directives, 422 for lists of
// lists, 500 with the library's text otherwise.

import { PatchError, badRequest, internalError, unprocessable } from './errors.ts';
import {
  type JsonObject,
  cloneJson,
  deleteOwn,
  getOwn,
  goFormat,
  goTypeName,
  hasOwn,
  isObject,
  setOwn,
} from './json.ts';

export type PatchStrategy = 'merge' | 'replace' | 'retainKeys' | 'merge,retainKeys';

/**
 * What a field is, for patching. Built as data (see builtin-schema.ts); a field's patch
 * metadata sits on the field itself, as upstream's struct tags do.
 *
 * - object: a struct; `fields` names its known members (unknown members have no schema).
 * - map: a map[string]T; `elem` describes every value.
 * - list: `elem` describes every item; patchStrategy/patchMergeKey drive strategic merge,
 *   listType/listMapKeys drive server-side apply.
 * - primitive: a scalar.
 */
export interface PatchSchema {
  kind: 'object' | 'map' | 'list' | 'primitive';
  fields?: Readonly<Record<string, PatchSchema>>;
  elem?: PatchSchema;
  /** `patchStrategy` struct tag (x-kubernetes-patch-strategy). */
  patchStrategy?: PatchStrategy;
  /** `patchMergeKey` struct tag (x-kubernetes-patch-merge-key). */
  patchMergeKey?: string;
  /** +listType (x-kubernetes-list-type); unset lists are atomic for apply. */
  listType?: 'atomic' | 'set' | 'map';
  /** +listMapKey (x-kubernetes-list-map-keys), for listType map. */
  listMapKeys?: readonly string[];
  /** Defaults of key fields (e.g. protocol TCP for ports), used by apply when a key is absent. */
  listMapKeyDefaults?: Readonly<Record<string, unknown>>;
  /** +structType / +mapType (x-kubernetes-map-type); unset means granular. */
  mapType?: 'atomic' | 'granular';
}

const DIRECTIVE_MARKER = '$patch';
const DELETE_DIRECTIVE = 'delete';
const REPLACE_DIRECTIVE = 'replace';
const MERGE_DIRECTIVE = 'merge';
const RETAIN_KEYS_DIRECTIVE = '$retainKeys';
const DELETE_FROM_PRIMITIVE_LIST_PREFIX = '$deleteFromPrimitiveList';
const SET_ELEMENT_ORDER_PREFIX = '$setElementOrder';

/** mergepatch's sentinel errors and the code handlers/patch.go answers them with. */
const ERR_BAD_JSON_DOC = 'invalid JSON document';
const ERR_NO_LIST_OF_LISTS = 'lists of lists are not supported';
const ERR_BAD_PATCH_FORMAT_FOR_PRIMITIVE_LIST = 'invalid patch format of primitive list';
const ERR_BAD_PATCH_FORMAT_FOR_RETAIN_KEYS = 'invalid patch format of retainKeys';
const ERR_BAD_PATCH_FORMAT_FOR_SET_ELEMENT_ORDER_LIST = 'invalid patch format of setElementOrder list';
/** mergepatch.ErrUnsupportedStrategicMergePatchFormat, for unstructured objects. */
export const ERR_UNSUPPORTED_STRATEGIC_MERGE_PATCH_FORMAT = 'strategic merge patch format is not supported';

/**
 * Applies a strategic merge patch to a copy of `doc`; neither argument is modified.
 * A null patch changes nothing. Directive keys left in the result (for instance inside
 * an element appended whole, which upstream's typed decode would drop as unknown
 * fields) are removed, and so are null members of objects.
 */
export function applyStrategicMergePatch(doc: unknown, patch: unknown, schema: PatchSchema | undefined): unknown {
  if (patch === null || patch === undefined) return cloneJson(doc);
  if (!isObject(patch)) {
    throw badRequest(`json: cannot unmarshal ${jsonKind(patch)} into Go value of type map[string]interface {}`);
  }
  if (!isObject(doc)) throw badRequest(ERR_BAD_JSON_DOC);
  const result = mergeMap(cloneJson(doc), cloneJson(patch), schema);
  return pruneDecoded(result);
}

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  return typeof v === 'number' ? 'number' : 'string';
}

// ---- schema lookups (LookupPatchMetadataForStruct / ForSlice) ----

interface FieldMeta {
  /** The field's own schema (ForStruct) or its items' schema (ForSlice). */
  sub: PatchSchema | undefined;
  strategy: string;
  mergeKey: string;
}

function fieldOf(schema: PatchSchema | undefined, key: string): PatchSchema | undefined {
  if (!schema) return undefined;
  if (schema.kind === 'object') {
    const fields = schema.fields;
    return fields && Object.prototype.hasOwnProperty.call(fields, key) ? fields[key] : undefined;
  }
  return schema.kind === 'map' ? schema.elem : undefined;
}

function lookupForStruct(schema: PatchSchema | undefined, key: string): FieldMeta {
  const field = fieldOf(schema, key);
  return { sub: field, strategy: otherStrategy(field), mergeKey: field?.patchMergeKey ?? '' };
}

function lookupForSlice(schema: PatchSchema | undefined, key: string): FieldMeta {
  const field = fieldOf(schema, key);
  return { sub: field?.elem, strategy: otherStrategy(field), mergeKey: field?.patchMergeKey ?? '' };
}

/** extractRetainKeysPatchStrategy: the strategy other than retainKeys, if any. */
function otherStrategy(field: PatchSchema | undefined): string {
  const parts = (field?.patchStrategy ?? '').split(',');
  if (parts.length === 1) return parts[0] === 'retainKeys' ? '' : parts[0]!;
  if (parts[0] === 'retainKeys') return parts[1]!;
  if (parts[1] === 'retainKeys') return parts[0]!;
  throw internalError(`unexpected patch strategy: ${goFormat(parts)}`);
}

/** PatchMetaFromStruct.Name(): the Go kind of the list's items. */
function schemaName(schema: PatchSchema | undefined): string {
  if (schema?.kind === 'object') return 'struct';
  if (schema?.kind === 'map') return 'map';
  return 'interface';
}

// ---- error texts built with fmt ----

function errBadArgType(expected: string, actual: unknown): PatchError {
  return internalError(`expected a ${expected}, but received a ${goTypeName(actual)}`);
}

function errNoMergeKey(m: JsonObject, k: string): PatchError {
  return internalError(`map: ${goFormat(m)} does not contain declared merge key: ${k}`);
}

function errBadPatchType(t: unknown, m: JsonObject): PatchError {
  const ts = typeof t === 'string' ? t : `%!s(${goTypeName(t)}=${goFormat(t)})`;
  return internalError(`unknown patch type: ${ts} in map: ${goFormat(m)}`);
}

const LIST = '[]interface {}';
const MAP = 'map[string]interface {}';

// ---- mergeMap ----

function mergeMap(original: JsonObject | null, patch: JsonObject, schema: PatchSchema | undefined): JsonObject {
  if (hasOwn(patch, DIRECTIVE_MARKER)) return handleDirectiveInMergeMap(patch[DIRECTIVE_MARKER], patch);
  const orig = original ?? {};
  applyRetainKeysDirective(orig, patch);
  mergePatchIntoOriginal(orig, patch, schema);

  for (const patchKey of Object.keys(patch)) {
    const patchV = patch[patchKey];
    let k = patchKey;
    let isDeleteList = false;
    if (patchKey.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX)) {
      const originalKey = extractKey(patchKey, DELETE_FROM_PRIMITIVE_LIST_PREFIX);
      isDeleteList = true;
      if (originalKey.length > 0) k = originalKey;
    }

    if (patchV === null) {
      // server side ignores unmatched nulls: a null only deletes.
      deleteOwn(orig, k);
      continue;
    }

    if (!hasOwn(orig, k) || goKind(orig[k]) !== goKind(patchV)) {
      if (!isDeleteList) {
        discardNullValuesFromPatch(patchV);
        setOrDelete(orig, k, removeDirectives(patchV));
      }
      continue;
    }

    const ov = orig[k];
    if (isObject(ov)) {
      const meta = lookupForStruct(schema, k);
      setOwn(orig, k, meta.strategy === REPLACE_DIRECTIVE ? patchV : mergeMap(ov, patchV as JsonObject, meta.sub));
    } else if (Array.isArray(ov)) {
      const meta = lookupForSlice(schema, k);
      setOwn(orig, k, mergeSliceHandler(ov, patchV as unknown[], meta.sub, meta.strategy, meta.mergeKey, isDeleteList));
    } else {
      setOrDelete(orig, k, removeDirectives(patchV));
    }
  }
  return orig;
}

function setOrDelete(o: JsonObject, k: string, r: Kept): void {
  if (r.keep) setOwn(o, k, r.value);
  else deleteOwn(o, k);
}

/** reflect.TypeOf as far as it matters to mergeMap: maps, lists, scalars, nil. */
function goKind(v: unknown): string {
  if (v === null || v === undefined) return 'nil';
  if (Array.isArray(v)) return 'slice';
  if (isObject(v)) return 'map';
  return typeof v;
}

function handleDirectiveInMergeMap(directive: unknown, patch: JsonObject): JsonObject {
  if (directive === REPLACE_DIRECTIVE) {
    delete patch[DIRECTIVE_MARKER];
    return patch;
  }
  if (directive === DELETE_DIRECTIVE) return {};
  throw errBadPatchType(directive, patch);
}

/** extractKey: "<prefix>/<field>" → field. */
function extractKey(s: string, prefix: string): string {
  const slash = s.indexOf('/');
  if (slash < 0 || s.slice(0, slash) !== prefix) {
    if (prefix === DELETE_FROM_PRIMITIVE_LIST_PREFIX) throw badRequest(ERR_BAD_PATCH_FORMAT_FOR_PRIMITIVE_LIST);
    if (prefix === SET_ELEMENT_ORDER_PREFIX) throw badRequest(ERR_BAD_PATCH_FORMAT_FOR_SET_ELEMENT_ORDER_LIST);
    throw internalError(`fail to find unknown prefix "${prefix}" in ${s}\n`);
  }
  return s.slice(slash + 1);
}

/**
 * $retainKeys: every non-null patch member must be listed; members of the original not
 * listed are cleared.
 */
function applyRetainKeysDirective(original: JsonObject, patch: JsonObject): void {
  if (!hasOwn(patch, RETAIN_KEYS_DIRECTIVE)) return;
  const retain = patch[RETAIN_KEYS_DIRECTIVE];
  delete patch[RETAIN_KEYS_DIRECTIVE];
  if (!Array.isArray(retain)) throw badRequest(ERR_BAD_PATCH_FORMAT_FOR_RETAIN_KEYS);
  const keys = new Set<unknown>(retain);
  for (const k of Object.keys(patch)) {
    const v = patch[k];
    if (v === null || k.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX) || k.startsWith(SET_ELEMENT_ORDER_PREFIX)) continue;
    if (!keys.has(k)) throw badRequest(ERR_BAD_PATCH_FORMAT_FOR_RETAIN_KEYS);
  }
  for (const k of Object.keys(original)) {
    if (!keys.has(k)) delete original[k];
  }
}

/**
 * $setElementOrder/<list>: merges the list now and orders the result — items named by
 * the directive in its order, items only on the server kept in their live order.
 */
function mergePatchIntoOriginal(original: JsonObject, patch: JsonObject, schema: PatchSchema | undefined): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER_PREFIX)) continue;
    const setOrder = patch[key];
    delete patch[key];
    if (!Array.isArray(setOrder)) throw errBadArgType(LIST, setOrder);
    const originalKey = extractKey(key, SET_ELEMENT_ORDER_PREFIX);

    const foundOriginal = hasOwn(original, originalKey);
    const foundPatch = hasOwn(patch, originalKey);
    let originalList: unknown[] = [];
    let patchList: unknown[] = [];
    if (foundOriginal) {
      const v = original[originalKey];
      if (!Array.isArray(v)) throw errBadArgType(LIST, v);
      originalList = v;
    }
    if (foundPatch) {
      const v = patch[originalKey];
      if (!Array.isArray(v)) throw errBadArgType(LIST, v);
      patchList = v;
    }
    const meta = lookupForSlice(schema, originalKey);
    validatePatchWithSetOrderList(patchList, setOrder, meta.mergeKey);

    let merged: unknown[];
    if (foundOriginal && !foundPatch) {
      merged = originalList;
    } else if (!foundOriginal && foundPatch) {
      merged = removeDirectives(patchList).value as unknown[];
    } else if (foundOriginal && foundPatch) {
      merged = mergeSliceHandler(originalList, patchList, meta.sub, meta.strategy, meta.mergeKey, false);
    } else {
      continue;
    }

    const [patchItems, serverOnlyItems] =
      meta.mergeKey === ''
        ? partitionPrimitivesByPresentInList(merged, setOrder)
        : partitionMapsByPresentInList(merged, setOrder, meta.mergeKey);
    const kind = sliceElementKind(originalList, patchList);
    setOwn(
      original,
      originalKey,
      normalizeElementOrder(patchItems, serverOnlyItems, setOrder, originalList, meta.mergeKey, kind),
    );
    delete patch[originalKey];
  }
}

/** The patch list's items (deletions aside) must appear in the $setElementOrder list, in its order. */
function validatePatchWithSetOrderList(patchList: unknown[], setOrder: unknown[], mergeKey: string): void {
  if (setOrder.length === 0 || patchList.length === 0) return;
  const nonDelete = mergeKey.length > 0 ? extractToDeleteItems(patchList)[0] : patchList;
  let p = 0;
  let s = 0;
  while (p < nonDelete.length && s < setOrder.length) {
    if (containsDirectiveMarker(nonDelete[p])) {
      p++;
      continue;
    }
    if (mergeKeyValueEqual(nonDelete[p], setOrder[s], mergeKey)) p++;
    s++;
  }
  if (p < nonDelete.length && s >= setOrder.length) {
    throw internalError(
      `The order in patch list:\n${goFormat(patchList)}\n doesn't match ${SET_ELEMENT_ORDER_PREFIX} list:\n${goFormat(setOrder)}\n`,
    );
  }
}

function containsDirectiveMarker(item: unknown): boolean {
  return isObject(item) && hasOwn(item, DIRECTIVE_MARKER);
}

function mergeKeyValueEqual(left: unknown, right: unknown, mergeKey: string): boolean {
  if (mergeKey.length === 0) return scalarEqual(left, right);
  if (!isObject(left)) throw errBadArgType(MAP, left);
  if (!isObject(right)) throw errBadArgType(MAP, right);
  if (!hasOwn(left, mergeKey)) throw errNoMergeKey(left, mergeKey);
  if (!hasOwn(right, mergeKey)) throw errNoMergeKey(right, mergeKey);
  return scalarEqual(left[mergeKey], right[mergeKey]);
}

/** Go's == on decoded JSON scalars (maps and lists never compare equal here). */
function scalarEqual(a: unknown, b: unknown): boolean {
  const an = a === undefined ? null : a;
  const bn = b === undefined ? null : b;
  if (typeof an === 'object' && an !== null) return false;
  return an === bn;
}

// ---- removeDirectives / discardNullValuesFromPatch ----

interface Kept {
  value: unknown;
  keep: boolean;
}

/** Drops every map carrying $patch, recursively; such a value is not kept at all. */
function removeDirectives(obj: unknown): Kept {
  if (isObject(obj)) {
    if (hasOwn(obj, DIRECTIVE_MARKER)) return { value: null, keep: false };
    for (const k of Object.keys(obj)) {
      const r = removeDirectives(obj[k]);
      if (r.keep) setOwn(obj, k, r.value);
      else delete obj[k];
    }
    return { value: obj, keep: true };
  }
  if (Array.isArray(obj)) {
    const res: unknown[] = [];
    for (const v of obj) {
      const r = removeDirectives(v);
      if (r.keep) res.push(r.value);
    }
    return { value: res, keep: true };
  }
  return { value: obj, keep: true };
}

function discardNullValuesFromPatch(v: unknown): void {
  if (isObject(v)) {
    for (const k of Object.keys(v)) {
      if (v[k] === null) delete v[k];
      else discardNullValuesFromPatch(v[k]);
    }
  } else if (Array.isArray(v)) {
    for (const item of v) discardNullValuesFromPatch(item);
  }
}

// ---- lists ----

function mergeSliceHandler(
  original: unknown[],
  patch: unknown[],
  elemSchema: PatchSchema | undefined,
  strategy: string,
  mergeKey: string,
  isDeleteList: boolean,
): unknown[] {
  // delete lists apply whatever the field's strategy is.
  if (strategy === MERGE_DIRECTIVE || isDeleteList) {
    return mergeSlice(original, patch, elemSchema, mergeKey, isDeleteList);
  }
  return patch;
}

function mergeSlice(
  originalIn: unknown[],
  patchIn: unknown[],
  elemSchema: PatchSchema | undefined,
  mergeKey: string,
  isDeleteList: boolean,
): unknown[] {
  let original = originalIn;
  let patch = patchIn;
  if (original.length === 0 && patch.length === 0) return original;
  const kind = sliceElementKind(original, patch);

  let merged: unknown[];
  if (kind !== 'map') {
    if (isDeleteList) return deleteFromSlice(original, patch);
    merged = deduplicateScalars([...original, ...patch]);
  } else {
    if (mergeKey === '') throw internalError(`cannot merge lists without merge key for ${schemaName(elemSchema)}`);
    // `original` is the caller's array and is written in place, as upstream's slice is.
    const live: GoSlice = { arr: original, len: original.length, shared: true };
    const plain = mergeSliceWithSpecialElements(live, patch, mergeKey);
    if (plain === undefined) {
      original = patch.filter((v) => !hasOwn(asMap(v), DIRECTIVE_MARKER));
      patch = [];
      merged = original;
    } else {
      original = sliceItems(live);
      patch = plain;
      mergeSliceWithoutSpecialElements(live, patch, mergeKey, elemSchema);
      merged = sliceItems(live);
    }
  }

  const [patchItems, serverOnlyItems] =
    mergeKey.length === 0
      ? partitionPrimitivesByPresentInList(merged, patch)
      : partitionMapsByPresentInList(merged, patch, mergeKey);
  return normalizeElementOrder(patchItems, serverOnlyItems, patch, original, mergeKey, kind);
}

/**
 * sliceElementType: every item of every list has one type, not a list. Returns 'map' for
 * objects and the Go type name otherwise.
 */
function sliceElementKind(...slices: unknown[][]): string {
  let prev: string | undefined;
  for (const s of slices) {
    for (const v of s) {
      const current = v === null ? undefined : goTypeName(v);
      if (prev === undefined) {
        if (current === undefined) {
          // reflect.TypeOf(nil).Kind() panics upstream; the handler answers 500.
          throw internalError('runtime error: invalid memory address or nil pointer dereference');
        }
        prev = current;
        if (prev === LIST) throw unprocessable(ERR_NO_LIST_OF_LISTS);
      } else if (prev !== current) {
        throw internalError(`list element types are not identical: ${goFormat(slices)}`);
      }
    }
  }
  if (prev === undefined) throw internalError('no elements in any of the given slices');
  return prev === MAP ? 'map' : prev;
}

/** $deleteFromPrimitiveList: removes every listed value. */
function deleteFromSlice(current: unknown[], toDelete: unknown[]): unknown[] {
  return current.filter((v) => !toDelete.some((d) => scalarEqual(d, v)));
}

/** deduplicateScalars, keeping upstream's swap-with-last order (normalised afterwards). */
function deduplicateScalars(s: unknown[]): unknown[] {
  let length = s.length - 1;
  for (let i = 0; i < length; i++) {
    for (let j = i + 1; j <= length; j++) {
      if (scalarEqual(s[i], s[j])) {
        s[j] = s[length];
        s.length = length;
        length--;
        j--;
      }
    }
  }
  return s;
}

/**
 * A Go slice over a shared backing array. Upstream deletes list items in place
 * (append(s[:i], s[i+1:]...)) and appends into spare capacity, so after a merge the
 * caller's view of the live list (used to order a $setElementOrder list) sees items
 * shifted by deletions and new items written into the freed tail. Writes past the
 * caller's length are never visible to it, whatever the capacity, so they go to a copy.
 */
interface GoSlice {
  arr: unknown[];
  len: number;
  shared: boolean;
}

function sliceItems(s: GoSlice): unknown[] {
  return s.arr.slice(0, s.len);
}

function sliceAppend(s: GoSlice, v: unknown): void {
  if (s.len < s.arr.length) {
    s.arr[s.len] = v;
  } else {
    if (s.shared) {
      s.arr = s.arr.slice(0, s.len);
      s.shared = false;
    }
    s.arr.push(v);
  }
  s.len++;
}

/**
 * Handles $patch items of a merging list: delete removes every item with that merge key,
 * replace makes the rest of the patch list the whole list, merge is refused. Returns the
 * patch items without directives, or undefined for a replace.
 */
function mergeSliceWithSpecialElements(original: GoSlice, patch: unknown[], mergeKey: string): unknown[] | undefined {
  const plain: unknown[] = [];
  let replace = false;
  for (const v of patch) {
    const m = asMap(v);
    if (!hasOwn(m, DIRECTIVE_MARKER)) {
      plain.push(v);
      continue;
    }
    const directive = m[DIRECTIVE_MARKER];
    if (directive === DELETE_DIRECTIVE) {
      if (!hasOwn(m, mergeKey)) throw errNoMergeKey(m, mergeKey);
      deleteMatchingEntries(original, mergeKey, m[mergeKey]);
    } else if (directive === REPLACE_DIRECTIVE) {
      replace = true;
    } else if (directive === MERGE_DIRECTIVE) {
      throw internalError('merging lists cannot yet be specified in the patch');
    } else {
      throw errBadPatchType(directive, m);
    }
  }
  return replace ? undefined : plain;
}

/** A list item asserted to be a map, as upstream's unchecked type assertion (which panics). */
function asMap(v: unknown): JsonObject {
  if (!isObject(v)) throw internalError(`interface conversion: interface {} is ${goTypeName(v)}, not ${MAP}`);
  return v;
}

function deleteMatchingEntries(s: GoSlice, mergeKey: string, value: unknown): void {
  for (;;) {
    const found = findMapInSliceBasedOnKeyValue(sliceItems(s), mergeKey, value);
    if (!found) return;
    for (let i = found.index; i < s.len - 1; i++) s.arr[i] = s.arr[i + 1];
    s.len--;
  }
}

function mergeSliceWithoutSpecialElements(
  original: GoSlice,
  patch: unknown[],
  mergeKey: string,
  elemSchema: PatchSchema | undefined,
): void {
  for (const v of patch) {
    const m = asMap(v);
    if (!hasOwn(m, mergeKey)) throw errNoMergeKey(m, mergeKey);
    const found = findMapInSliceBasedOnKeyValue(sliceItems(original), mergeKey, m[mergeKey]);
    if (found) original.arr[found.index] = mergeMap(found.map, m, elemSchema);
    else sliceAppend(original, v);
  }
}

function findMapInSliceBasedOnKeyValue(
  list: unknown[],
  key: string,
  value: unknown,
): { map: JsonObject; index: number } | undefined {
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    if (!isObject(item)) throw internalError(`value for key ${i} is not a map`);
    if (hasOwn(item, key) && scalarEqual(item[key], value)) return { map: item, index: i };
  }
  return undefined;
}

function partitionPrimitivesByPresentInList(original: unknown[], partitionBy: unknown[]): [unknown[], unknown[]] {
  const patch: unknown[] = [];
  const serverOnly: unknown[] = [];
  for (const v of original) {
    if (partitionBy.some((p) => scalarEqual(p, v))) patch.push(v);
    else serverOnly.push(v);
  }
  return [patch, serverOnly];
}

function partitionMapsByPresentInList(
  original: unknown[],
  partitionBy: unknown[],
  mergeKey: string,
): [unknown[], unknown[]] {
  const patch: unknown[] = [];
  const serverOnly: unknown[] = [];
  for (const v of original) {
    if (!isObject(v)) throw errBadArgType(MAP, v);
    if (!hasOwn(v, mergeKey)) throw errNoMergeKey(v, mergeKey);
    if (findMapInSliceBasedOnKeyValue(partitionBy, mergeKey, v[mergeKey])) patch.push(v);
    else serverOnly.push(v);
  }
  return [patch, serverOnly];
}

// ---- ordering ----

/**
 * Sorts the patch items by the patch order and the server-only items by the live order,
 * then interleaves them: a server-only item goes before a patch item only when both are
 * in the live list and it came first there. So new items lead, as upstream's do.
 */
function normalizeElementOrder(
  patch: unknown[],
  serverOnly: unknown[],
  patchOrder: unknown[],
  serverOrder: unknown[],
  mergeKey: string,
  kind: string,
): unknown[] {
  const p = normalizeSliceOrder(patch, patchOrder, mergeKey, kind);
  const s = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, kind);
  return mergeSortedSlice(s, p, serverOrder, mergeKey, kind);
}

function mergeSortedSlice(left: unknown[], right: unknown[], serverOrder: unknown[], mergeKey: string, kind: string): unknown[] {
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = indexIn(serverOrder, left[i], mergeKey, kind);
      const ri = indexIn(serverOrder, right[j], mergeKey, kind);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

/** index(): position of the item (by merge key value for maps) in the list, or -1. */
function indexIn(list: unknown[], item: unknown, mergeKey: string, kind: string): number {
  const valueOf = (x: unknown): unknown => (kind === 'map' ? (isObject(x) ? (getOwn(x, mergeKey) ?? null) : null) : x);
  const target = valueOf(item);
  for (let i = 0; i < list.length; i++) {
    if (scalarEqual(target, valueOf(list[i]))) return i;
  }
  return -1;
}

function normalizeSliceOrder(toSortIn: unknown[], order: unknown[], mergeKey: string, kind: string): unknown[] {
  let toSort = [...toSortIn];
  let toDelete: unknown[] = [];
  if (kind === 'map') {
    validateMergeKeyInLists(mergeKey, toSort, order);
    [toSort, toDelete] = extractToDeleteItems(toSort);
  }
  goSliceStable(toSort, (a, b) => {
    const ia = indexIn(order, a, mergeKey, kind);
    if (ia >= 0) {
      const ib = indexIn(order, b, mergeKey, kind);
      if (ib >= 0) return ia < ib;
    }
    return true;
  });
  return [...toSort, ...toDelete];
}

function validateMergeKeyInLists(mergeKey: string, ...lists: unknown[][]): void {
  for (const list of lists) {
    for (const item of list) {
      if (!isObject(item)) throw errBadArgType(MAP, item);
      if (!hasOwn(item, mergeKey)) throw errNoMergeKey(item, mergeKey);
    }
  }
}

/** Splits out items carrying `$patch: delete`. */
function extractToDeleteItems(list: unknown[]): [unknown[], unknown[]] {
  const nonDelete: unknown[] = [];
  const toDelete: unknown[] = [];
  for (const v of list) {
    if (!isObject(v)) throw errBadArgType(MAP, v);
    if (hasOwn(v, DIRECTIVE_MARKER) && v[DIRECTIVE_MARKER] === DELETE_DIRECTIVE) toDelete.push(v);
    else nonDelete.push(v);
  }
  return [nonDelete, toDelete];
}

/**
 * Go's sort.SliceStable (insertion sort in blocks of 20, then SymMerge). Upstream's
 * comparator is not a strict order when an item is missing from the order list, so the
 * exact algorithm decides where such items land.
 */
function goSliceStable(data: unknown[], less: (a: unknown, b: unknown) => boolean): void {
  const n = data.length;
  const lessAt = (i: number, j: number): boolean => less(data[i], data[j]);
  const swap = (i: number, j: number): void => {
    const t = data[i];
    data[i] = data[j];
    data[j] = t;
  };
  const insertionSort = (a: number, b: number): void => {
    for (let i = a + 1; i < b; i++) {
      for (let j = i; j > a && lessAt(j, j - 1); j--) swap(j, j - 1);
    }
  };
  const swapRange = (a: number, b: number, count: number): void => {
    for (let i = 0; i < count; i++) swap(a + i, b + i);
  };
  const rotate = (a: number, m: number, b: number): void => {
    let i = m - a;
    let j = b - m;
    while (i !== j) {
      if (i > j) {
        swapRange(m - i, m, j);
        i -= j;
      } else {
        swapRange(m - i, m + j - i, i);
        j -= i;
      }
    }
    swapRange(m - i, m, i);
  };
  const symMerge = (a: number, m: number, b: number): void => {
    if (m - a === 1) {
      let i = m;
      let j = b;
      while (i < j) {
        const h = (i + j) >>> 1;
        if (lessAt(h, a)) i = h + 1;
        else j = h;
      }
      for (let k = a; k < i - 1; k++) swap(k, k + 1);
      return;
    }
    if (b - m === 1) {
      let i = a;
      let j = m;
      while (i < j) {
        const h = (i + j) >>> 1;
        if (!lessAt(m, h)) i = h + 1;
        else j = h;
      }
      for (let k = m; k > i; k--) swap(k, k - 1);
      return;
    }
    const mid = (a + b) >>> 1;
    const nn = mid + m;
    let start: number;
    let r: number;
    if (m > mid) {
      start = nn - b;
      r = mid;
    } else {
      start = a;
      r = m;
    }
    const p = nn - 1;
    while (start < r) {
      const c = (start + r) >>> 1;
      if (!lessAt(p - c, c)) start = c + 1;
      else r = c;
    }
    const end = nn - start;
    if (start < m && m < end) rotate(start, m, end);
    if (a < start && start < mid) symMerge(a, start, mid);
    if (mid < end && end < b) symMerge(mid, end, b);
  };

  let blockSize = 20;
  let a = 0;
  let b = blockSize;
  while (b <= n) {
    insertionSort(a, b);
    a = b;
    b += blockSize;
  }
  insertionSort(a, n);
  while (blockSize < n) {
    a = 0;
    b = 2 * blockSize;
    while (b <= n) {
      symMerge(a, a + blockSize, b);
      a = b;
      b += 2 * blockSize;
    }
    const m = a + blockSize;
    if (m < n) symMerge(a, m, n);
    blockSize *= 2;
  }
}

// ---- the typed decode that follows upstream's merge ----

function isDirectiveKey(k: string): boolean {
  return (
    k === DIRECTIVE_MARKER ||
    k === RETAIN_KEYS_DIRECTIVE ||
    k.startsWith(`${SET_ELEMENT_ORDER_PREFIX}/`) ||
    k.startsWith(`${DELETE_FROM_PRIMITIVE_LIST_PREFIX}/`)
  );
}

/**
 * Upstream converts the merged map into the Go type, which drops directive keys left in
 * raw patch values (unknown fields) and turns null members into omitted zero values.
 */
function pruneDecoded(v: unknown): unknown {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = pruneDecoded(v[i]);
    return v;
  }
  if (isObject(v)) {
    for (const k of Object.keys(v)) {
      if (v[k] === null || isDirectiveKey(k)) delete v[k];
      else setOwn(v, k, pruneDecoded(v[k]));
    }
  }
  return v;
}
