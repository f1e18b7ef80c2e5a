// The patch machinery the API server calls for PATCH: the four patch types kubectl
// sends, how a request's Content-Type selects one, and the body checks upstream makes
// before applying (handlers/patch.go: validateAndTranscodePatch).

import { PatchError, badRequest, unsupportedMediaType } from './errors.ts';
import { applyJsonPatch as applyJsonPatchFn } from './jsonpatch.ts';
import { applyMergePatch as applyMergePatchFn } from './mergepatch.ts';
import {
  type PatchSchema as Schema,
  applyStrategicMergePatch as applyStrategicFn,
  ERR_UNSUPPORTED_STRATEGIC_MERGE_PATCH_FORMAT as ERR_UNSUPPORTED,
} from './strategic.ts';

export { PatchError, type PatchErrorReason, type PatchStatus, type PatchStatusDetails, type PatchStatusCause } from './errors.ts';
export { applyJsonPatch, MAX_JSON_PATCH_OPERATIONS, MAX_JSON_PATCH_COPY_BYTES, type JsonPatchOptions } from './jsonpatch.ts';
export { applyMergePatch, createMergePatch } from './mergepatch.ts';
export {
  applyStrategicMergePatch,
  ERR_UNSUPPORTED_STRATEGIC_MERGE_PATCH_FORMAT,
  type PatchSchema,
  type PatchStrategy,
} from './strategic.ts';
export {
  FieldSet,
  applyConfiguration,
  applyConflictError,
  fieldPathString,
  fieldSetOf,
  fieldsV1FromSet,
  mergeApplied,
  setFromFieldsV1,
  updateManagedFields,
  type ApplyOptions,
  type Conflict,
  type FieldPath,
  type ManagedFieldsEntry,
  type PathElement,
} from './apply.ts';
export {
  builtinPatchSchema,
  builtinPatchSchemaKinds,
  genericObjectSchema,
  objectMetaSchema,
  podSpecSchema,
  podTemplateSpecSchema,
  containerSchema,
} from './builtin-schema.ts';

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export const JSON_PATCH_CONTENT_TYPE = 'application/json-patch+json';
export const MERGE_PATCH_CONTENT_TYPE = 'application/merge-patch+json';
export const STRATEGIC_MERGE_PATCH_CONTENT_TYPE = 'application/strategic-merge-patch+json';
export const APPLY_PATCH_CONTENT_TYPE = 'application/apply-patch+yaml';

const byContentType: Record<string, PatchType> = {
  [JSON_PATCH_CONTENT_TYPE]: 'json',
  [MERGE_PATCH_CONTENT_TYPE]: 'merge',
  [STRATEGIC_MERGE_PATCH_CONTENT_TYPE]: 'strategic',
  [APPLY_PATCH_CONTENT_TYPE]: 'apply',
};

/**
 * The patch type of a Content-Type header. Like upstream, everything from the first ';'
 * (a charset) is ignored and the match is exact; application/apply-patch+cbor is not
 * served (upstream only with the CBOR feature gate), so it is undefined too.
 */
export function patchTypeFromContentType(ct: string): PatchType | undefined {
  const idx = ct.indexOf(';');
  const base = idx > 0 ? ct.slice(0, idx) : ct;
  return Object.prototype.hasOwnProperty.call(byContentType, base) ? byContentType[base] : undefined;
}

/**
 * The media types a resource accepts for PATCH, in upstream's order: built-in resources
 * take all four; custom resources (and aggregated ones without Go types) take no
 * strategic merge patch (apiextensions-apiserver's customresource_handler.go).
 */
export function acceptedPatchContentTypes(opts: { strategic: boolean }): string[] {
  return opts.strategic
    ? [JSON_PATCH_CONTENT_TYPE, MERGE_PATCH_CONTENT_TYPE, STRATEGIC_MERGE_PATCH_CONTENT_TYPE, APPLY_PATCH_CONTENT_TYPE]
    : [JSON_PATCH_CONTENT_TYPE, MERGE_PATCH_CONTENT_TYPE, APPLY_PATCH_CONTENT_TYPE];
}

/**
 * Checks a PATCH's Content-Type against what the resource accepts and returns the patch
 * type, or throws the 415 upstream answers ("the body of the request was in an unknown
 * format - accepted media types include: …").
 */
export function negotiatePatchType(contentType: string | undefined, opts: { strategic: boolean }): PatchType {
  const accepted = acceptedPatchContentTypes(opts);
  const type = patchTypeFromContentType(contentType ?? '');
  const idx = (contentType ?? '').indexOf(';');
  const base = idx > 0 ? (contentType ?? '').slice(0, idx) : (contentType ?? '');
  if (type === undefined || !accepted.includes(base)) throw unsupportedMediaType(accepted);
  return type;
}

/**
 * Parses the body of a json, merge or strategic patch. Upstream rejects a body that is
 * not valid JSON with 400 "invalid JSON patch" before anything else. Apply bodies are
 * YAML and are decoded by the caller.
 */
export function decodeJsonPatchBody(body: string | Uint8Array): unknown {
  const text = typeof body === 'string' ? body : new TextDecoder('utf-8', { fatal: false }).decode(body);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw badRequest('invalid JSON patch');
  }
}

/** The one entry point for json, merge and strategic patches of a decoded body. */
export function applyPatch(
  type: Exclude<PatchType, 'apply'>,
  doc: unknown,
  patch: unknown,
  schema: Schema | undefined,
): unknown {
  switch (type) {
    case 'json':
      return applyJsonPatchFn(doc, patch);
    case 'merge':
      return applyMergePatchFn(doc, patch);
    case 'strategic':
      if (schema === undefined) {
        // StrategicMergeMapPatch refuses unstructured objects; handlers/patch.go maps it to 400.
        throw badRequest(ERR_UNSUPPORTED);
      }
      return applyStrategicFn(doc, patch, schema);
  }
}

export function isPatchError(e: unknown): e is PatchError {
  return e instanceof PatchError;
}
