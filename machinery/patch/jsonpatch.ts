// RFC 6902 JSON patch, with the semantics kube-apiserver gets from
// gopkg.in/evanphx/json-patch.v4 (v4.13): negative array indices count from the end,
// `replace` of a missing object key adds it, `copy` of a missing key copies null,
// a null or absent value tested against a missing key passes. Errors follow
// handlers/patch.go: a body that is not a list of operations is 400, more than
// 10000 operations is 413, and any failure while applying is 422 with upstream's
// generic message (the library's text is kept in PatchError.detail).

import { badRequest, requestEntityTooLarge, unprocessable } from './errors.ts';
import { type JsonObject, cloneJson, deepEqual, getOwn, hasOwn, isObject, setOwn } from './json.ts';

export { PatchError } from './errors.ts';

/** maxJSONPatchOperations in handlers/patch.go. */
export const MAX_JSON_PATCH_OPERATIONS = 10000;
/** GenericAPIServer's JSONPatchMaxCopyBytes default (3 MiB), armed as AccumulatedCopySizeLimit. */
export const MAX_JSON_PATCH_COPY_BYTES = 3 * 1024 * 1024;

export interface JsonPatchOptions {
  /** Defaults to MAX_JSON_PATCH_OPERATIONS; 0 disables the check. */
  maxOperations?: number;
  /** Defaults to MAX_JSON_PATCH_COPY_BYTES; 0 disables the check. */
  maxCopyBytes?: number;
}

/** The library's own error text; turned into a 422 PatchError at the boundary. */
class OpError extends Error {}

const MISSING = 'missing value';
const INVALID_INDEX = 'invalid index referenced';

/**
 * Applies an RFC 6902 patch to a copy of `doc` and returns the result; neither argument
 * is modified. Throws PatchError (400, 413 or 422) as kube-apiserver would answer.
 */
export function applyJsonPatch(doc: unknown, ops: unknown, options: JsonPatchOptions = {}): unknown {
  const operations = decodePatch(ops);
  const maxOps = options.maxOperations ?? MAX_JSON_PATCH_OPERATIONS;
  if (maxOps > 0 && operations.length > maxOps) {
    throw requestEntityTooLarge(
      `The allowed maximum operations in a JSON patch is ${maxOps}, got ${operations.length}`,
    );
  }
  if (!Array.isArray(doc) && !isObject(doc)) {
    throw unprocessable(`json: cannot unmarshal ${goJsonKind(doc)} into Go value of type jsonpatch.partialDoc`);
  }
  const state: ApplyState = {
    root: cloneJson(doc),
    copied: 0,
    maxCopyBytes: options.maxCopyBytes ?? MAX_JSON_PATCH_COPY_BYTES,
  };
  try {
    for (const op of operations) applyOperation(state, op);
  } catch (err) {
    if (err instanceof OpError) throw unprocessable(err.message);
    throw err;
  }
  return state.root;
}

/** jsonpatch.DecodePatch: a JSON list whose items are objects (null items are kept). */
function decodePatch(ops: unknown): (JsonObject | null)[] {
  if (ops === null || ops === undefined) return [];
  if (!Array.isArray(ops)) {
    throw badRequest(`json: cannot unmarshal ${goJsonKind(ops)} into Go value of type jsonpatch.Patch`);
  }
  return ops.map((op) => {
    if (op === null || isObject(op)) return op;
    throw badRequest(`json: cannot unmarshal ${goJsonKind(op)} into Go value of type jsonpatch.Operation`);
  });
}

/** The JSON kind encoding/json names in an UnmarshalTypeError. */
function goJsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (isObject(v)) return 'object';
  if (typeof v === 'boolean') return 'bool';
  return typeof v === 'number' ? 'number' : 'string';
}

interface ApplyState {
  root: unknown;
  copied: number;
  maxCopyBytes: number;
}

type Container = JsonObject | unknown[];

function applyOperation(state: ApplyState, op: JsonObject | null): void {
  const o = op ?? {};
  const kind = opKind(o);
  switch (kind) {
    case 'add':
      return opAdd(state, o);
    case 'remove':
      return opRemove(state, o);
    case 'replace':
      return opReplace(state, o);
    case 'move':
      return opMove(state, o);
    case 'test':
      return opTest(state, o);
    case 'copy':
      return opCopy(state, o);
    default:
      throw new OpError(`Unexpected kind: ${kind}`);
  }
}

function opKind(op: JsonObject): string {
  const v = getOwn(op, 'op');
  return typeof v === 'string' ? v : 'unknown';
}

/** Operation.Path / Operation.From: a string, else an error text. */
function stringField(op: JsonObject, field: 'path' | 'from'): { value: string } | { error: string } {
  const v = getOwn(op, field);
  if (v === undefined || v === null) {
    return {
      error: field === 'path' ? `operation missing path field: ${MISSING}` : `operation, missing from field: ${MISSING}`,
    };
  }
  if (typeof v !== 'string') return { error: `json: cannot unmarshal ${goJsonKind(v)} into Go value of type string` };
  return { value: v };
}

/** The operation's value; an absent value behaves as null. Copied so the result never aliases the patch. */
function opValue(op: JsonObject): unknown {
  const v = getOwn(op, 'value');
  return v === undefined ? null : cloneJson(v);
}

function decodeKey(k: string): string {
  return k.replace(/~[01]/g, (m) => (m === '~1' ? '/' : '~'));
}

/** strconv.Atoi, reporting errors with Go's text. */
function atoi(s: string): { value: number } | { error: string } {
  if (!/^[+-]?[0-9]+$/.test(s)) return { error: `strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax` };
  const big = BigInt(s);
  if (big > 2n ** 63n - 1n || big < -(2n ** 63n)) {
    return { error: `strconv.Atoi: parsing ${JSON.stringify(s)}: value out of range` };
  }
  return { value: Number(big) };
}

/** findObject: the container holding the last token of `path`, or undefined. */
function findObject(root: unknown, path: string): { con: Container; key: string } | undefined {
  const split = path.split('/');
  if (split.length < 2) return undefined;
  let doc: unknown = root;
  for (const part of split.slice(1, -1)) {
    const next = getChild(doc as Container, decodeKey(part));
    if (next === undefined || next === null) return undefined;
    if (!Array.isArray(next) && !isObject(next)) return undefined;
    doc = next;
  }
  return { con: doc as Container, key: decodeKey(split[split.length - 1]!) };
}

/** container.get without the error: undefined when absent or unreadable. */
function getChild(con: Container, key: string): unknown {
  const r = containerGet(con, key);
  return 'error' in r ? undefined : r.value;
}

/** container.get: objects never fail (absent reads as nil); arrays check the index. */
function containerGet(con: Container, key: string): { value: unknown } | { error: string } {
  if (!Array.isArray(con)) return { value: getOwn(con, key) ?? null };
  const parsed = atoi(key);
  if ('error' in parsed) return parsed;
  let idx = parsed.value;
  if (idx < 0) {
    if (idx < -con.length) return { error: `Unable to access invalid index: ${idx}: ${INVALID_INDEX}` };
    idx += con.length;
  }
  if (idx >= con.length) return { error: `Unable to access invalid index: ${idx}: ${INVALID_INDEX}` };
  return { value: con[idx] };
}

function containerAdd(con: Container, key: string, val: unknown): string | undefined {
  if (!Array.isArray(con)) {
    setOwn(con, key, val);
    return undefined;
  }
  if (key === '-') {
    con.push(val);
    return undefined;
  }
  const parsed = atoi(key);
  if ('error' in parsed) return `value was not a proper array index: '${key}': ${parsed.error}`;
  let idx = parsed.value;
  const size = con.length + 1;
  if (idx >= size) return `Unable to access invalid index: ${idx}: ${INVALID_INDEX}`;
  if (idx < 0) {
    if (idx < -size) return `Unable to access invalid index: ${idx}: ${INVALID_INDEX}`;
    idx += size;
  }
  con.splice(idx, 0, val);
  return undefined;
}

function containerRemove(con: Container, key: string): string | undefined {
  if (!Array.isArray(con)) {
    if (!hasOwn(con, key)) return `Unable to remove nonexistent key: ${key}: ${MISSING}`;
    delete con[key];
    return undefined;
  }
  const parsed = atoi(key);
  if ('error' in parsed) return parsed.error;
  let idx = parsed.value;
  if (idx >= con.length) return `Unable to access invalid index: ${idx}: ${INVALID_INDEX}`;
  if (idx < 0) {
    if (idx < -con.length) return `Unable to access invalid index: ${idx}: ${INVALID_INDEX}`;
    idx += con.length;
  }
  con.splice(idx, 1);
  return undefined;
}

/** container.set, used only by replace after a successful get. */
function containerSet(con: Container, key: string, val: unknown): string | undefined {
  if (!Array.isArray(con)) {
    setOwn(con, key, val);
    return undefined;
  }
  const parsed = atoi(key);
  if ('error' in parsed) return parsed.error;
  let idx = parsed.value;
  if (idx < 0) {
    if (idx < -con.length) return `Unable to access invalid index: ${idx}: ${INVALID_INDEX}`;
    idx += con.length;
  }
  con[idx] = val;
  return undefined;
}

function opAdd(state: ApplyState, op: JsonObject): void {
  const path = stringField(op, 'path');
  if ('error' in path) throw new OpError(`add operation failed to decode path: ${MISSING}`);
  const found = findObject(state.root, path.value);
  if (!found) throw new OpError(`add operation does not apply: doc is missing path: "${path.value}": ${MISSING}`);
  const err = containerAdd(found.con, found.key, opValue(op));
  if (err) throw new OpError(`error in add for path: '${path.value}': ${err}`);
}

function opRemove(state: ApplyState, op: JsonObject): void {
  const path = stringField(op, 'path');
  if ('error' in path) throw new OpError(`remove operation failed to decode path: ${MISSING}`);
  const found = findObject(state.root, path.value);
  if (!found) throw new OpError(`remove operation does not apply: doc is missing path: "${path.value}": ${MISSING}`);
  const err = containerRemove(found.con, found.key);
  if (err) throw new OpError(`error in remove for path: '${path.value}': ${err}`);
}

function opReplace(state: ApplyState, op: JsonObject): void {
  const path = stringField(op, 'path');
  if ('error' in path) throw new OpError(`replace operation failed to decode path: ${path.error}`);
  if (path.value === '') {
    const val = opValue(op);
    // upstream formats a nil error with %w here, hence the odd tail.
    if (!Array.isArray(val) && !isObject(val)) {
      throw new OpError('replace operation value must be object or array: %!w(<nil>)');
    }
    state.root = val;
    return;
  }
  const found = findObject(state.root, path.value);
  if (!found) throw new OpError(`replace operation does not apply: doc is missing path: ${path.value}: ${MISSING}`);
  const current = containerGet(found.con, found.key);
  if ('error' in current) {
    throw new OpError(`replace operation does not apply: doc is missing key: ${path.value}: ${MISSING}`);
  }
  const err = containerSet(found.con, found.key, opValue(op));
  // sic: upstream names the wrong operation in this message.
  if (err) throw new OpError(`error in remove for path: '${path.value}': ${err}`);
}

function opMove(state: ApplyState, op: JsonObject): void {
  const from = stringField(op, 'from');
  if ('error' in from) throw new OpError(`move operation failed to decode from: ${from.error}`);
  const src = findObject(state.root, from.value);
  if (!src) throw new OpError(`move operation does not apply: doc is missing from path: ${from.value}: ${MISSING}`);
  const val = containerGet(src.con, src.key);
  if ('error' in val) throw new OpError(`error in move for path: '${src.key}': ${val.error}`);
  const removeErr = containerRemove(src.con, src.key);
  if (removeErr) throw new OpError(`error in move for path: '${src.key}': ${removeErr}`);
  const path = stringField(op, 'path');
  if ('error' in path) throw new OpError(`move operation failed to decode path: ${path.error}`);
  const dst = findObject(state.root, path.value);
  if (!dst) {
    throw new OpError(`move operation does not apply: doc is missing destination path: ${path.value}: ${MISSING}`);
  }
  const addErr = containerAdd(dst.con, dst.key, val.value);
  if (addErr) throw new OpError(`error in move for path: '${path.value}': ${addErr}`);
}

function opTest(state: ApplyState, op: JsonObject): void {
  const path = stringField(op, 'path');
  if ('error' in path) throw new OpError(`test operation failed to decode path: ${path.error}`);
  const hasValue = hasOwn(op, 'value');
  const expected = getOwn(op, 'value') ?? null;
  if (path.value === '') {
    if (hasValue && deepEqual(state.root, expected)) return;
    throw new OpError(`testing value ${path.value} failed: test failed`);
  }
  const found = findObject(state.root, path.value);
  if (!found) throw new OpError(`test operation does not apply: is missing path: ${path.value}: ${MISSING}`);
  const actual = containerGet(found.con, found.key);
  if ('error' in actual) throw new OpError(`error in test for path: '${path.value}': ${actual.error}`);
  // A null member reads as absent, and absent matches an absent or null value.
  if (actual.value === null || actual.value === undefined) {
    if (expected === null) return;
    throw new OpError(`testing value ${path.value} failed: test failed`);
  }
  if (hasValue && deepEqual(actual.value, expected)) return;
  throw new OpError(`testing value ${path.value} failed: test failed`);
}

function opCopy(state: ApplyState, op: JsonObject): void {
  const from = stringField(op, 'from');
  if ('error' in from) throw new OpError(`copy operation failed to decode from: ${from.error}`);
  const src = findObject(state.root, from.value);
  if (!src) throw new OpError(`copy operation does not apply: doc is missing from path: ${from.value}: ${MISSING}`);
  const val = containerGet(src.con, src.key);
  if ('error' in val) throw new OpError(`error in copy for from: '${from.value}': ${val.error}`);
  const path = stringField(op, 'path');
  if ('error' in path) throw new OpError(`copy operation failed to decode path: ${MISSING}`);
  const dst = findObject(state.root, path.value);
  if (!dst) {
    throw new OpError(`copy operation does not apply: doc is missing destination path: ${path.value}: ${MISSING}`);
  }
  // A missing source copies as null and adds nothing to the accumulated size.
  const copy = val.value === null ? null : cloneJson(val.value);
  state.copied += copy === null ? 0 : goJsonSize(copy);
  if (state.maxCopyBytes > 0 && state.copied > state.maxCopyBytes) {
    throw new OpError(
      `Unable to complete the copy, the accumulated size increase of copy is ${state.copied}, exceeding the limit ${state.maxCopyBytes}`,
    );
  }
  const err = containerAdd(dst.con, dst.key, copy);
  if (err) throw new OpError(`error while adding value during copy: ${err}`);
}

/** Bytes of encoding/json's compact output, which escapes <, > and & as \u003c etc. */
function goJsonSize(v: unknown): number {
  const s = JSON.stringify(v);
  let extra = 0;
  for (const ch of s) {
    if (ch === '<' || ch === '>' || ch === '&') extra += 5;
    else if (ch === '\u2028' || ch === '\u2029') extra += 3;
  }
  return Buffer.byteLength(s, 'utf8') + extra;
}

