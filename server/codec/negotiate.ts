// Content negotiation at the edge: which media type a client accepts and which one its body
// is in. Everything behind this sees plain objects. Upstream: apiserver/pkg/endpoints/handlers/negotiation.
import { load, dump, CORE_SCHEMA } from 'js-yaml';
import * as errors from '../../machinery/errors.ts';

export type Format = 'json' | 'yaml' | 'protobuf';
export type As = 'Table' | 'PartialObjectMetadata' | 'PartialObjectMetadataList' | 'APIGroupDiscoveryList';

export interface MediaType {
  type: string;          // "application/json"
  params: Record<string, string>;
  q: number;
}

export interface Negotiated {
  format: Format;
  as?: As;
  /** The group/version of the `as` kind (meta.k8s.io/v1, apidiscovery.k8s.io/v2). */
  asGroup?: string;
  asVersion?: string;
  contentType: string;
}

export const JSON_TYPE = 'application/json';
export const YAML_TYPE = 'application/yaml';
export const PROTOBUF_TYPE = 'application/vnd.kubernetes.protobuf';

export function parseAccept(header: string | undefined): MediaType[] {
  if (!header || header.trim() === '') return [{ type: '*/*', params: {}, q: 1 }];
  const out: MediaType[] = [];
  for (const part of header.split(',')) {
    const [typeRaw, ...paramParts] = part.split(';');
    const type = typeRaw!.trim().toLowerCase();
    if (!type) continue;
    const params: Record<string, string> = {};
    let q = 1;
    for (const p of paramParts) {
      const eq = p.indexOf('=');
      if (eq < 0) continue;
      const k = p.slice(0, eq).trim().toLowerCase();
      const v = p.slice(eq + 1).trim().replace(/^"|"$/g, '');
      if (k === 'q') q = Number(v);
      else params[k] = v;
    }
    out.push({ type, params, q: Number.isFinite(q) ? q : 0 });
  }
  // Stable sort by quality; order otherwise as the client listed them.
  return out.map((m, i) => ({ m, i })).sort((a, b) => b.m.q - a.m.q || a.i - b.i).map((x) => x.m).filter((m) => m.q > 0);
}

function formatOf(type: string, protobufAllowed: boolean): Format | undefined {
  switch (type) {
    case JSON_TYPE: case '*/*': case 'application/*': return 'json';
    case YAML_TYPE: return 'yaml';
    case PROTOBUF_TYPE: return protobufAllowed ? 'protobuf' : undefined;
    default: return undefined;
  }
}

export interface NegotiateOptions {
  /** The `as=` kinds this endpoint can produce, with their group/versions. */
  as?: Partial<Record<As, Array<{ g: string; v: string }>>>;
  protobuf?: boolean;
  /** Watches have no YAML stream form. */
  yaml?: boolean;
  /** A watch: the 406 names the stream media types (`…;stream=watch`), as upstream's. */
  stream?: boolean;
}

/** Picks the response media type, or throws 406 Not Acceptable as upstream. */
export function negotiate(accept: string | undefined, opts: NegotiateOptions = {}): Negotiated {
  const supported: string[] = opts.stream ? [`${JSON_TYPE};stream=watch`] : [JSON_TYPE, YAML_TYPE];
  if (opts.protobuf) supported.push(opts.stream ? `${PROTOBUF_TYPE};stream=watch` : PROTOBUF_TYPE);
  for (const m of parseAccept(accept)) {
    const format = formatOf(m.type, !!opts.protobuf);
    if (!format || (format === 'yaml' && opts.yaml === false)) continue;
    const as = m.params.as as As | undefined;
    if (as) {
      const allowed = opts.as?.[as];
      const g = m.params.g ?? '';
      const v = m.params.v ?? '';
      if (!allowed?.some((x) => x.g === g && x.v === v)) continue;
      if (format === 'protobuf' && as !== 'Table' && as !== 'PartialObjectMetadata' && as !== 'PartialObjectMetadataList') continue;
      return { format, as, asGroup: g, asVersion: v, contentType: contentTypeOf(format) };
    }
    if (Object.keys(m.params).some((k) => k === 'g' || k === 'v')) continue;
    return { format, contentType: contentTypeOf(format) };
  }
  throw errors.notAcceptable(supported);
}

export function contentTypeOf(format: Format): string {
  return format === 'json' ? JSON_TYPE : format === 'yaml' ? YAML_TYPE : PROTOBUF_TYPE;
}

/** The body's media type, without parameters (charset and so on). */
export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Parses a YAML document the way upstream's YAML decoder does: to JSON-compatible values only. */
export function parseYaml(text: string): unknown {
  return load(text, { schema: CORE_SCHEMA, json: true });
}

export function toYaml(obj: unknown): string {
  return dump(obj, { noRefs: true, lineWidth: -1, sortKeys: false });
}
