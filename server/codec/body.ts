// Request bodies in: JSON, YAML or Kubernetes protobuf, narrowed once to a plain object.
// Unknown and duplicate fields are reported per fieldValidation (Ignore / Warn / Strict) as
// upstream's strict decoding does, using the resource's schema when there is one.
import * as errors from '../../machinery/errors.ts';
import { mediaTypeOf, parseYaml, JSON_TYPE, YAML_TYPE, PROTOBUF_TYPE } from './negotiate.ts';
import { decodeProtobufObject } from './protobuf/index.ts';
import { pruneUnknownFields } from '../schema/prune.ts';

export type FieldValidation = 'Ignore' | 'Warn' | 'Strict';

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

export function decodeBody(contentType: string | undefined, body: Buffer | undefined, opts: DecodeOptions): DecodedBody {
  const media = mediaTypeOf(contentType) || JSON_TYPE;
  const buf = body ?? Buffer.alloc(0);
  let obj: unknown;
  let duplicates: string[] = [];
  switch (media) {
    case JSON_TYPE:
    case 'application/json-patch+json':
    case 'application/merge-patch+json':
    case 'application/strategic-merge-patch+json': {
      const text = buf.toString('utf8');
      if (text.trim() === '') throw errors.badRequest('Object \'Kind\' is missing in \'\'');
      try {
        obj = JSON.parse(text);
      } catch (e) {
        throw errors.badRequest(`couldn't get version/kind; json parse error: ${(e as Error).message}`);
      }
      if (opts.fieldValidation !== 'Ignore') duplicates = duplicateFields(text);
      break;
    }
    case YAML_TYPE:
    case 'application/apply-patch+yaml':
    case 'text/yaml':
    case 'application/x-yaml': {
      try {
        obj = parseYaml(buf.toString('utf8'));
      } catch (e) {
        throw errors.badRequest(`error converting YAML to JSON: ${(e as Error).message.split('\n')[0]}`);
      }
      if (obj === undefined || obj === null) throw errors.badRequest('Object \'Kind\' is missing in \'\'');
      break;
    }
    case PROTOBUF_TYPE: {
      try {
        obj = decodeProtobufObject(new Uint8Array(buf)).obj;
      } catch (e) {
        throw errors.badRequest(`failed to decode protobuf body: ${(e as Error).message}`);
      }
      break;
    }
    default:
      throw errors.unsupportedMediaType(contentType ?? '', ACCEPTED);
  }
  if ((opts.model || opts.prune) && obj && typeof obj === 'object' && !Array.isArray(obj)) {
    const unknown = opts.model ? pruneUnknownFields(obj as Record<string, unknown>, opts.model) : opts.prune!(obj as Record<string, unknown>);
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
 * Field paths that appear twice in one JSON object ("metadata.name"). JSON.parse keeps the last
 * silently; upstream's strict decoder reports them.
 */
export function duplicateFields(text: string): string[] {
  const dups: string[] = [];
  let i = 0;
  const path: string[] = [];
  const ws = () => { while (i < text.length && /\s/.test(text[i]!)) i++; };
  const str = (): string => {
    let out = '';
    i++; // opening quote
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') { out += text.slice(i, i + 2); i += 2; } else out += text[i++];
    }
    i++;
    return out;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const seen = new Set<string>();
      ws();
      if (text[i] === '}') { i++; return; }
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
        if (text[i] === ',') { i++; continue; }
        i++; // closing brace
        return;
      }
    } else if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') { i++; return; }
      while (i < text.length) {
        value();
        ws();
        if (text[i] === ',') { i++; continue; }
        i++;
        return;
      }
    } else if (c === '"') {
      str();
    } else {
      while (i < text.length && !/[,}\]\s]/.test(text[i]!)) i++;
    }
  };
  if (text.length < 5_000_000) value();
  return dups;
}
