// Request bodies in: read with a size limit and a deadline, then decoded (JSON, YAML or
// Kubernetes protobuf) and narrowed once to a plain object. Hostile shapes stop here with a 4xx:
// bodies over the limit, nesting deeper than the walkers behind us can follow, YAML that is not
// UTF-8 or whose aliases expand into a bomb. Unknown and duplicate fields are reported per
// fieldValidation (Ignore / Warn / Strict) as upstream's strict decoding does, using the
// resource's schema when there is one.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { load, CORE_SCHEMA } from 'js-yaml';
import * as errors from '../../machinery/errors.ts';
import { mediaTypeOf, JSON_TYPE, YAML_TYPE, PROTOBUF_TYPE } from './negotiate.ts';
import { decodeProtobufObject } from './protobuf/index.ts';
import { pruneUnknownFields } from '../schema/prune.ts';
import { modelFields, type TypeRef } from '../schema/models.ts';

export type FieldValidation = 'Ignore' | 'Warn' | 'Strict';

/** Upstream's default request body limit (apiserver MaxRequestBodyBytes, 3 MiB). */
export const MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024;

/**
 * How long a client may take to send its body. Upstream reads bodies inside the handler, under
 * the 1-minute --request-timeout; a client still trickling bytes after that gets a 504 and is
 * dropped, so a slow-loris upload cannot hold a connection and a buffer for ever.
 */
export const REQUEST_BODY_TIMEOUT_MS = 60_000;

/**
 * The deepest nesting of objects and arrays a body may have. Upstream's JSON decoder stops at
 * 10000 levels; our object walkers (patch, managedFields, pruning, validation) recurse, and the
 * JavaScript stack overflows well before 10000, so the limit is lower here. Real manifests stay
 * under a few dozen levels.
 */
export const MAX_NESTING_DEPTH = 1000;

/**
 * How large (in JSON characters, roughly) a YAML document may become once its aliases are
 * expanded. An alias-free document never grows beyond its own text (at most 3 MiB); a "billion
 * laughs" document grows without bound. Past this it is refused as go-yaml refuses it.
 */
export const MAX_YAML_EXPANSION = 8 * 1024 * 1024;

export interface DecodeOptions {
  fieldValidation: FieldValidation;
  /** The client-node model of the expected type, for unknown-field detection. */
  model?: string;
  /** Otherwise, a function that removes unknown fields and names them (custom resources). */
  prune?: (obj: Record<string, unknown>) => string[];
  warn: (msg: string) => void;
}

export interface DecodedBody {
  obj: unknown;
}

const ACCEPTED = [JSON_TYPE, YAML_TYPE, PROTOBUF_TYPE];
const JSON_MEDIA = new Set([JSON_TYPE, 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json']);
const YAML_MEDIA = new Set([YAML_TYPE, 'application/apply-patch+yaml', 'text/yaml', 'application/x-yaml']);

export interface ReadBodyOptions {
  limit?: number;
  timeoutMs?: number;
  /** Writes an error response (a Status) for a refused body. */
  writeError: (req: IncomingMessage, res: ServerResponse, err: errors.StatusError) => void;
}

/**
 * Middleware that reads the whole body of a request that may carry one into `req.rawBody`:
 * 413 past the limit (declared or streamed), 504 when it does not arrive in time, 400 for JSON
 * nested deeper than MAX_NESTING_DEPTH (checked on the bytes, before anything parses or walks
 * them: JSON patches and merge patches included). A refused upload's connection is closed once
 * the answer is out, so the rest of it is never read.
 */
export function readBodies(opts: ReadBodyOptions) {
  const limit = opts.limit ?? MAX_REQUEST_BODY_BYTES;
  const timeoutMs = opts.timeoutMs ?? REQUEST_BODY_TIMEOUT_MS;
  return (req: IncomingMessage & { rawBody?: Buffer }, res: ServerResponse, next: () => void): void => {
    if (req.method === 'GET' || req.method === 'HEAD') return next();
    const tooLarge = () => errors.requestEntityTooLarge(`limit is ${limit}`);
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;

    function cleanup(): void {
      settled = true;
      chunks.length = 0;
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onGone);
      req.off('aborted', onGone);
      req.off('close', onGone);
    }
    function refuse(err: errors.StatusError, drop: boolean): void {
      if (settled) return;
      cleanup();
      if (drop) {
        res.setHeader('Connection', 'close');
        res.once('finish', () => dropConnection(req));
        res.once('close', () => dropConnection(req));
      } else {
        req.resume();
      }
      opts.writeError(req, res, err);
    }
    function onData(chunk: Buffer): void {
      size += chunk.length;
      if (size > limit) return refuse(tooLarge(), true);
      chunks.push(chunk);
    }
    function onEnd(): void {
      if (settled) return;
      const body = Buffer.concat(chunks);
      cleanup();
      if (JSON_MEDIA.has(mediaTypeOf(req.headers['content-type']) || JSON_TYPE)) {
        try {
          checkJsonDepth(body, MAX_NESTING_DEPTH);
        } catch (e) {
          opts.writeError(req, res, e as errors.StatusError);
          return;
        }
      }
      req.rawBody = body;
      next();
    }
    function onGone(): void {
      // The client went away mid-upload: nobody to answer.
      if (!settled) cleanup();
    }

    if (Number(req.headers['content-length'] ?? 0) > limit) return refuse(tooLarge(), true);
    timer = setTimeout(() => refuse(errors.timeout('request did not complete within requested timeout - context deadline exceeded', 0), true), timeoutMs);
    timer.unref();
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onGone);
    req.on('aborted', onGone);
    req.on('close', onGone);
  };
}

/** Closes a connection whose request was refused part-way: the answer first, then the socket. */
function dropConnection(req: IncomingMessage): void {
  const socket = req.socket;
  if (socket.destroyed) return;
  socket.end();
  setTimeout(() => socket.destroy(), 1_000).unref();
}

/**
 * Refuses JSON nested deeper than `max` levels without parsing it: one pass over the bytes,
 * skipping strings. Upstream's decoder fails such input with `exceeded max depth`, which the
 * handlers answer with 400.
 */
export function checkJsonDepth(body: Uint8Array, max: number): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) {
        throw errors.badRequest(`couldn't get version/kind; json parse error: invalid character '${String.fromCharCode(c)}' exceeded max depth`);
      }
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
}

export function decodeBody(contentType: string | undefined, body: Buffer | undefined, opts: DecodeOptions): DecodedBody {
  const media = mediaTypeOf(contentType) || JSON_TYPE;
  const buf = body ?? Buffer.alloc(0);
  let obj: unknown;
  let duplicates: string[] = [];
  if (JSON_MEDIA.has(media)) {
    // Invalid UTF-8 becomes U+FFFD, as Go's JSON decoder does upstream.
    const text = buf.toString('utf8');
    if (text.trim() === '') throw errors.badRequest('Object \'Kind\' is missing in \'\'');
    checkJsonDepth(buf, MAX_NESTING_DEPTH);
    try {
      obj = JSON.parse(text);
    } catch (e) {
      throw errors.badRequest(`couldn't get version/kind; json parse error: ${(e as Error).message}`);
    }
    if (opts.fieldValidation !== 'Ignore') duplicates = duplicateFields(text);
  } else if (YAML_MEDIA.has(media)) {
    obj = decodeYaml(buf);
    if (obj === undefined || obj === null) throw errors.badRequest('Object \'Kind\' is missing in \'\'');
  } else if (media === PROTOBUF_TYPE) {
    try {
      obj = decodeProtobufObject(new Uint8Array(buf)).obj;
    } catch (e) {
      throw errors.badRequest(`failed to decode protobuf body: ${(e as Error).message}`);
    }
  } else {
    throw errors.unsupportedMediaType(contentType ?? '', ACCEPTED);
  }
  if (media !== PROTOBUF_TYPE) checkFiniteNumbers(buf, obj);
  if ((opts.model || opts.prune) && obj && typeof obj === 'object' && !Array.isArray(obj)) {
    const unknown = opts.model ? pruneUnknownFields(obj as Record<string, unknown>, opts.model) : opts.prune!(obj as Record<string, unknown>);
    if (opts.model) checkModelTypes(obj as Record<string, unknown>, opts.model);
    const problems = [
      ...duplicates.map((f) => `json: duplicate field "${f}"`),
      ...unknown.map((f) => `unknown field "${f}"`),
    ];
    if (problems.length) {
      if (opts.fieldValidation === 'Strict') throw errors.badRequest(`strict decoding error: ${problems.join(', ')}`);
      if (opts.fieldValidation === 'Warn') for (const p of problems) opts.warn(p);
    }
  }
  return { obj };
}

/**
 * Numbers JSON.parse turns into ±Infinity (1e999, 400 digits): Go's decoder refuses them, and
 * nothing downstream can store them.
 */
function checkFiniteNumbers(buf: Buffer, obj: unknown): void {
  // Only texts with a long exponent or a long run of digits can hold one.
  if (!/[eE][+-]?\d{3}|\d{300}/.test(buf.toString('latin1'))) return;
  const walk = (v: unknown): void => {
    if (typeof v === 'number' && !Number.isFinite(v)) throw errors.badRequest('json: cannot unmarshal number into Go value of type float64: value out of range');
    if (v && typeof v === 'object') for (const x of Array.isArray(v) ? v : Object.values(v)) walk(x);
  };
  walk(obj);
}

/**
 * Upstream decodes a body into its Go type, so a field of the wrong JSON type is a 400 before
 * anything looks at it (`Secret in version "v1" cannot be handled as a Secret: json: cannot
 * unmarshal number into Go struct field ObjectMeta.metadata.name of type string`). Our objects
 * stay plain JSON, so the same check walks the built-in type's model; without it a strategy
 * meets `spec: false` where it expects an object.
 */
export function checkModelTypes(obj: Record<string, unknown>, model: string): void {
  const problem = typeProblem(obj, { kind: 'model', name: model }, '', shortName(model));
  if (!problem) return;
  const [, version, kind] = /^V(\d+(?:(?:alpha|beta)\d+)?)(.*)$/.exec(model) ?? [undefined, '', model];
  const k = typeof obj.kind === 'string' && obj.kind ? obj.kind : kind!;
  throw errors.badRequest(`${k} in version "v${version}" cannot be handled as a ${kind}: json: ${problem}`);
}

const shortName = (model: string) => model.replace(/^V\d+(?:(?:alpha|beta)\d+)?/, '');

function goType(t: TypeRef): string {
  switch (t.kind) {
    case 'primitive':
      if (t.type === 'integer') return t.format === 'int64' ? 'int64' : 'int32';
      if (t.type === 'number') return 'float64';
      if (t.type === 'boolean') return 'bool';
      return t.format === 'date-time' ? (t.micro ? 'v1.MicroTime' : 'v1.Time') : 'string';
    case 'intOrString': return 'intstr.IntOrString';
    case 'array': return `[]${goType(t.elem)}`;
    case 'map': return `map[string]${goType(t.elem)}`;
    case 'model': return `v1.${shortName(t.name)}`;
    default: return 'interface {}';
  }
}

/**
 * The fields whose Go type is resource.Quantity (or a map of them), by the model that holds them.
 * A Quantity decodes from a JSON number as well as a string, so `cpu: 1` in a manifest works
 * upstream; our objects keep quantities as strings, so such numbers are turned into their text.
 */
const QUANTITY_FIELDS: Readonly<Record<string, readonly string[]>> = {
  ResourceRequirements: ['limits', 'requests'],
  VolumeResourceRequirements: ['limits', 'requests'],
  LimitRangeItem: ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio'],
  ResourceQuotaSpec: ['hard'],
  ResourceQuotaStatus: ['hard', 'used'],
  NodeStatus: ['capacity', 'allocatable'],
  PersistentVolumeSpec: ['capacity'],
  PersistentVolumeClaimStatus: ['capacity', 'allocatedResources'],
  ContainerStatus: ['allocatedResources'],
  Overhead: ['podFixed'],
  PodSpec: ['overhead'],
  EmptyDirVolumeSource: ['sizeLimit'],
  ResourceFieldSelector: ['divisor'],
  CSIStorageCapacity: ['capacity', 'maximumVolumeSize'],
  MetricTarget: ['value', 'averageValue'],
};

function quantitiesAsText(obj: Record<string, unknown>, model: string): void {
  for (const field of QUANTITY_FIELDS[shortName(model)] ?? []) {
    const v = obj[field];
    if (typeof v === 'number' && Number.isFinite(v)) obj[field] = String(v);
    else if (v && typeof v === 'object' && !Array.isArray(v)) {
      const m = v as Record<string, unknown>;
      for (const [k, x] of Object.entries(m)) if (typeof x === 'number' && Number.isFinite(x)) m[k] = String(x);
    }
  }
}

const jsonType = (v: unknown) => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v === 'boolean' ? 'bool' : typeof v === 'number' ? 'number' : typeof v === 'string' ? 'string' : 'object');

const mismatchOf = (what: string, t: TypeRef, path: string, struct: string) =>
  `cannot unmarshal ${what} into Go struct field ${struct}.${path} of type ${goType(t)}`;

/** The first value whose JSON type its field cannot hold, in Go's words; undefined when all fit. */
function typeProblem(v: unknown, t: TypeRef, path: string, struct: string): string | undefined {
  if (v === null || v === undefined) return undefined;
  switch (t.kind) {
    case 'primitive':
      if (t.type === 'string') return typeof v === 'string' ? undefined : mismatchOf(jsonType(v), t, path, struct);
      if (t.type === 'boolean') return typeof v === 'boolean' ? undefined : mismatchOf(jsonType(v), t, path, struct);
      if (typeof v !== 'number') return mismatchOf(jsonType(v), t, path, struct);
      if (t.type === 'integer' && !Number.isInteger(v)) return mismatchOf(`number ${v}`, t, path, struct);
      return undefined;
    case 'intOrString':
      if (typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v))) return undefined;
      return mismatchOf(jsonType(v), t, path, struct);
    case 'array':
      if (!Array.isArray(v)) return mismatchOf(jsonType(v), t, path, struct);
      for (const item of v) {
        const p = typeProblem(item, t.elem, path, struct);
        if (p) return p;
      }
      return undefined;
    case 'map':
      if (typeof v !== 'object' || Array.isArray(v)) return mismatchOf(jsonType(v), t, path, struct);
      for (const item of Object.values(v as Record<string, unknown>)) {
        const p = typeProblem(item, t.elem, path, struct);
        if (p) return p;
      }
      return undefined;
    case 'model': {
      if (typeof v !== 'object' || Array.isArray(v)) return mismatchOf(jsonType(v), t, path, struct);
      const fields = modelFields(t.name);
      if (!fields) return undefined;
      quantitiesAsText(v as Record<string, unknown>, t.name);
      const inner = shortName(t.name);
      for (const [key, item] of Object.entries(v as Record<string, unknown>)) {
        const f = fields.get(key);
        if (!f) continue;
        const p = typeProblem(item, f.type, path ? `${path}.${key}` : key, inner);
        if (p) return p;
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

const yamlError = (detail: string) => errors.badRequest(`error converting YAML to JSON: yaml: ${detail}`);

/**
 * One YAML document to JSON-compatible values, as upstream's YAML decoder (go-yaml, then JSON)
 * would: UTF-8 only, bounded nesting, and no alias expansion into a bomb or a cycle.
 */
export function decodeYaml(buf: Uint8Array): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    throw yamlError('invalid leading UTF-8 octet');
  }
  let obj: unknown;
  try {
    obj = load(text, { schema: CORE_SCHEMA, json: true, maxDepth: MAX_NESTING_DEPTH });
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0] ?? '';
    if (/maxDepth/.test(msg)) throw yamlError(`exceeded max depth of ${MAX_NESTING_DEPTH}`);
    throw errors.badRequest(`error converting YAML to JSON: ${msg}`);
  }
  checkYamlExpansion(obj, MAX_YAML_EXPANSION);
  return obj;
}

/**
 * The parser hands back an alias as the very object its anchor named, so one document may
 * reference a node many times over (or itself). Weighs the document as JSON would spell it,
 * each shared node once per reference (memoised), and refuses cycles and documents heavier
 * than `max`.
 */
export function checkYamlExpansion(doc: unknown, max: number): void {
  const weights = new Map<object, number>();
  const open = new Set<object>();
  const weigh = (v: unknown): number => {
    if (typeof v === 'string') return v.length + 2;
    if (v === null || typeof v !== 'object') return 1;
    const known = weights.get(v);
    if (known !== undefined) return known;
    if (open.has(v)) throw yamlError('anchor value contains itself');
    open.add(v);
    let w = 2;
    if (Array.isArray(v)) {
      for (const item of v) {
        w += weigh(item) + 1;
        if (w > max) throw yamlError('document contains excessive aliasing');
      }
    } else {
      for (const [k, item] of Object.entries(v)) {
        w += k.length + 4 + weigh(item);
        if (w > max) throw yamlError('document contains excessive aliasing');
      }
    }
    open.delete(v);
    weights.set(v, w);
    return w;
  };
  weigh(doc);
}

/**
 * Field paths that appear twice in one JSON object ("metadata.name"). JSON.parse keeps the last
 * silently; upstream's strict decoder reports them. Callers have bounded the nesting first.
 */
export function duplicateFields(text: string): string[] {
  const dups: string[] = [];
  let i = 0;
  const path: string[] = [];
  const ws = () => {
    for (let c = text.charCodeAt(i); c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09; c = text.charCodeAt(++i));
  };
  // A string from its opening quote: its raw text (escapes as written), i left past its end.
  const str = (): string => {
    const from = i + 1;
    let q = text.indexOf('"', from);
    for (;;) {
      if (q < 0) { i = text.length; return text.slice(from); }
      let backslashes = 0;
      while (text.charCodeAt(q - 1 - backslashes) === 0x5c) backslashes++;
      if (backslashes % 2 === 0) break;
      q = text.indexOf('"', q + 1);
    }
    i = q + 1;
    return text.slice(from, q);
  };
  const value = (): void => {
    ws();
    const c = text.charCodeAt(i);
    if (c === 0x7b) { // {
      i++;
      const seen = new Set<string>();
      ws();
      if (text.charCodeAt(i) === 0x7d) { i++; return; }
      while (i < text.length) {
        ws();
        const key = str();
        if (seen.has(key)) dups.push([...path, key].join('.'));
        seen.add(key);
        ws(); i++; // colon
        path.push(key);
        value();
        path.pop();
        ws();
        if (text.charCodeAt(i) === 0x2c) { i++; continue; }
        i++; // closing brace
        return;
      }
    } else if (c === 0x5b) { // [
      i++;
      ws();
      if (text.charCodeAt(i) === 0x5d) { i++; return; }
      while (i < text.length) {
        value();
        ws();
        if (text.charCodeAt(i) === 0x2c) { i++; continue; }
        i++;
        return;
      }
    } else if (c === 0x22) {
      str();
    } else {
      // A number or literal runs to the next comma, closing bracket or whitespace.
      for (let d = text.charCodeAt(i); i < text.length && d !== 0x2c && d !== 0x7d && d !== 0x5d && d !== 0x20 && d !== 0x0a && d !== 0x0d && d !== 0x09; d = text.charCodeAt(++i));
    }
  };
  if (text.length < 5_000_000) value();
  return dups;
}
