// RFC 7386 JSON merge patch as kube-apiserver applies it (evanphx/json-patch.v4
// MergePatch): null deletes a member, objects merge recursively, anything else
// replaces. Nulls inside a replacing value are pruned where upstream prunes them.
// createMergePatch mirrors CreateMergePatch, for tests and dry-run diffs.

import { badRequest } from './errors.ts';
import { type JsonObject, cloneJson, deepEqual, hasOwn, isObject, setOwn } from './json.ts';

/** jsonpatch.ErrBadJSONPatch, answered as 400 by handlers/patch.go. */
export const ERR_BAD_JSON_PATCH = 'Invalid JSON Patch';

/**
 * Applies `patch` to a copy of `doc`. A null or non-object, non-list patch is rejected
 * with 400 "Invalid JSON Patch"; a list patch replaces the document (the server's
 * decode then rejects it, as upstream's does).
 */
export function applyMergePatch(doc: unknown, patch: unknown): unknown {
  if (patch === null || patch === undefined) throw badRequest(ERR_BAD_JSON_PATCH);
  if (Array.isArray(patch)) {
    // upstream marshals the list itself, with nulls pruned inside its objects.
    return pruneNulls(cloneJson(patch));
  }
  if (!isObject(patch)) throw badRequest(ERR_BAD_JSON_PATCH);
  const p = cloneJson(patch);
  if (!isObject(doc)) {
    // Not a document: the result is the patch without its nulls.
    return pruneDocNulls(p);
  }
  const d = cloneJson(doc);
  mergeDocs(d, p);
  return d;
}

function mergeDocs(doc: JsonObject, patch: JsonObject): void {
  for (const k of Object.keys(patch)) {
    const v = patch[k];
    if (v === null) {
      delete doc[k];
      continue;
    }
    const cur = hasOwn(doc, k) ? doc[k] : null;
    if (cur === null) {
      setOwn(doc, k, pruneNulls(v));
    } else {
      setOwn(doc, k, merge(cur, v));
    }
  }
}

function merge(cur: unknown, patch: unknown): unknown {
  if (!isObject(cur)) return pruneNulls(patch);
  if (!isObject(patch)) return patch;
  mergeDocs(cur, patch);
  return cur;
}

/** pruneNulls: drops null members of objects, recursing through objects and lists. */
function pruneNulls(v: unknown): unknown {
  if (isObject(v)) return pruneDocNulls(v);
  if (Array.isArray(v)) {
    for (const item of v) if (item !== null) pruneNulls(item);
  }
  return v;
}

function pruneDocNulls(doc: JsonObject): JsonObject {
  for (const k of Object.keys(doc)) {
    if (doc[k] === null) delete doc[k];
    else pruneNulls(doc[k]);
  }
  return doc;
}

/**
 * The merge patch that turns `original` into `modified` (jsonpatch.CreateMergePatch for
 * two objects): changed members carry the new value, removed members carry null, lists
 * are replaced whole. Returns {} when nothing changed.
 */
export function createMergePatch(original: unknown, modified: unknown): JsonObject {
  if (!isObject(original) || !isObject(modified)) {
    throw new TypeError('createMergePatch needs two JSON objects');
  }
  return diff(original, modified);
}

function diff(a: JsonObject, b: JsonObject): JsonObject {
  const into: JsonObject = {};
  for (const key of Object.keys(b)) {
    const bv = b[key];
    if (!hasOwn(a, key)) {
      setOwn(into, key, cloneJson(bv));
      continue;
    }
    const av = a[key];
    if (isObject(av) && isObject(bv)) {
      const sub = diff(av, bv);
      if (Object.keys(sub).length > 0) setOwn(into, key, sub);
    } else if (!deepEqual(av, bv)) {
      setOwn(into, key, cloneJson(bv));
    }
  }
  for (const key of Object.keys(a)) {
    if (!hasOwn(b, key)) setOwn(into, key, null);
  }
  return into;
}
