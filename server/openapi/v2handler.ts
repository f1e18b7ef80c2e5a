// GET /openapi/v2, as kube-openapi's OpenAPIService serves it (pkg/handler/handler.go, behind
// NYTimes/gziphandler): JSON or gnostic protobuf chosen from the Accept header, an ETag (the
// SHA-512 of the JSON document, shared by both forms since the response varies on Accept),
// Last-Modified, conditional GETs answered 304, gzip for clients that ask, and a bare 406 for
// anything else. The document is built once per change of the resource list, the protobuf
// form once when first asked for: kubectl requests it for client-side validation and for
// `kubectl explain` without v3, and it is hundreds of kilobytes.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { AnyResource } from '../apis/types.ts';
import type { ResourceCatalog } from '../discovery/discovery.ts';
import { openapiV2 } from './openapi.ts';
import { encodeOpenAPIV2 } from './v2proto.ts';
import type { JsonValue } from './gnosticyaml.ts';

export const OPENAPI_V2_PROTOBUF_TYPE = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

/** The media types served, in kube-openapi's order; the deprecated `@v1.0` spelling answers with the current type. */
const OFFERED = [
  { type: 'application', subType: 'json', contentType: 'application/json', form: 'json' },
  { type: 'application', subType: 'com.github.proto-openapi.spec.v2@v1.0+protobuf', contentType: OPENAPI_V2_PROTOBUF_TYPE, form: 'protobuf' },
  { type: 'application', subType: 'com.github.proto-openapi.spec.v2.v1.0+protobuf', contentType: OPENAPI_V2_PROTOBUF_TYPE, form: 'protobuf' },
] as const;

type Form = (typeof OFFERED)[number]['form'];

/** gziphandler leaves bodies smaller than this uncompressed. */
const GZIP_MIN_SIZE = 1400;

interface Body {
  raw: Buffer;
  gzipped?: Buffer;
}

interface Snapshot {
  resources: AnyResource[];
  etag: string;
  lastModified: Date;
  forms: Partial<Record<Form, Body>>;
}

export class OpenAPIV2Service {
  private snapshot?: Snapshot;

  constructor(
    private readonly catalog: ResourceCatalog,
    private readonly log: (msg: string) => void = () => {},
    private readonly now: () => Date = () => new Date(),
  ) {}

  serve(req: IncomingMessage, res: ServerResponse): void {
    res.setHeader('Vary', ['Accept-Encoding', 'Accept']);
    const form = negotiate(req.headers.accept);
    if (!form) {
      res.statusCode = 406;
      res.setHeader('Content-Length', 0);
      res.end();
      return;
    }
    const snap = this.current();
    res.setHeader('Content-Type', OFFERED.find((o) => o.form === form)!.contentType);
    res.setHeader('Etag', `"${snap.etag}"`);
    res.setHeader('Last-Modified', snap.lastModified.toUTCString());
    if (notModified(req, snap)) {
      // As Go's http.ServeContent: no body, no Content-Type, and Last-Modified only without an ETag.
      res.removeHeader('Content-Type');
      res.removeHeader('Last-Modified');
      res.statusCode = 304;
      res.end();
      return;
    }
    res.statusCode = 200;
    const body = this.body(snap, form);
    if (acceptsGzip(req.headers['accept-encoding']) && body.raw.length >= GZIP_MIN_SIZE) {
      body.gzipped ??= gzipSync(body.raw);
      res.setHeader('Content-Encoding', 'gzip');
      res.setHeader('Content-Length', body.gzipped.length);
      res.end(body.gzipped);
      return;
    }
    res.setHeader('Content-Length', body.raw.length);
    res.end(body.raw);
  }

  /** The document for the resources served now, rebuilt only when that list has changed. */
  private current(): Snapshot {
    const resources = this.catalog.all();
    const prev = this.snapshot;
    if (prev && prev.resources.length === resources.length && prev.resources.every((r, i) => r === resources[i])) return prev;
    const json = Buffer.from(JSON.stringify(openapiV2(this.catalog)));
    const etag = createHash('sha512').update(json).digest('hex').toUpperCase();
    // HTTP dates have whole seconds; Go's ServeContent compares If-Modified-Since so.
    const lastModified = new Date(Math.floor(this.now().getTime() / 1000) * 1000);
    this.snapshot = { resources: [...resources], etag, lastModified, forms: { json: { raw: json } } };
    return this.snapshot;
  }

  private body(snap: Snapshot, form: Form): Body {
    let body = snap.forms[form];
    if (!body) {
      const doc = JSON.parse(snap.forms.json!.raw.toString('utf8')) as { [key: string]: JsonValue };
      const problems: string[] = [];
      body = { raw: Buffer.from(encodeOpenAPIV2(doc, (path, problem) => problems.push(`${path} ${problem}`))) };
      // Upstream's gnostic parser would refuse such a document outright; we serve the rest.
      if (problems.length) this.log(`openapi/v2: protobuf encoding skipped what gnostic rejects: ${problems.slice(0, 10).join('; ')}${problems.length > 10 ? ` (and ${problems.length - 10} more)` : ''}`);
      snap.forms[form] = body;
    }
    return body;
  }
}

interface AcceptClause {
  type: string;
  subType: string;
  q: number;
}

/** munnerz/goautoneg's ParseAccept: clauses sorted by quality, specific types before wildcards. */
export function parseAcceptClauses(header: string): AcceptClause[] {
  const clauses: AcceptClause[] = [];
  for (const raw of header.split(',')) {
    const [range, ...params] = trimSpaces(raw).split(';');
    const parts = range!.split('/');
    const type = trimSpaces(parts[0]!);
    let subType: string;
    if (parts.length === 1 && type === '*') subType = '*';
    else if (parts.length === 2) subType = trimSpaces(parts[1]!);
    else continue;
    let q = 1;
    for (const p of params) {
      const eq = p.indexOf('=');
      if (eq < 0 || trimSpaces(p.slice(0, eq)) !== 'q') continue;
      // Go's ParseFloat: an unparsable quality counts as 0.
      const v = p.slice(eq + 1);
      q = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v) ? Number(v) : 0;
    }
    clauses.push({ type, subType, q });
  }
  // Go's sort.Sort runs an insertion sort on lists this short; its comparison is reproduced as is.
  const less = (a: AcceptClause, b: AcceptClause) => a.q > b.q || (a.type !== '*' && b.type === '*') || (a.subType !== '*' && b.subType === '*');
  for (let i = 1; i < clauses.length; i++) {
    for (let j = i; j > 0 && less(clauses[j]!, clauses[j - 1]!); j--) [clauses[j - 1], clauses[j]] = [clauses[j]!, clauses[j - 1]!];
  }
  return clauses;
}

/** The form to answer with: the first offered type the first matching clause allows (no Accept: any). */
export function negotiate(accept: string | undefined): Form | undefined {
  for (const clause of parseAcceptClauses(accept || '*/*')) {
    for (const offered of OFFERED) {
      if (clause.type !== offered.type && clause.type !== '*') continue;
      if (clause.subType !== offered.subType && clause.subType !== '*') continue;
      return offered.form;
    }
  }
  return undefined;
}

function trimSpaces(s: string): string {
  return s.replace(/^ +| +$/g, '');
}

/** Go's http.ServeContent preconditions for GET/HEAD: If-None-Match, else If-Modified-Since. */
function notModified(req: IncomingMessage, snap: Snapshot): boolean {
  const inm = req.headers['if-none-match'];
  if (inm) {
    if (inm.trim() === '*') return true;
    return inm.split(',').some((tag) => tag.trim().replace(/^W\//, '') === `"${snap.etag}"`);
  }
  const ims = req.headers['if-modified-since'];
  if (!ims || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
  const since = Date.parse(ims);
  return Number.isFinite(since) && snap.lastModified.getTime() <= since;
}

/** gziphandler compresses when Accept-Encoding lists gzip with a non-zero quality. */
function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  return header.split(',').some((part) => {
    const [coding, ...params] = part.split(';');
    if (coding!.trim().toLowerCase() !== 'gzip') return false;
    const q = params.map((p) => /^\s*q\s*=\s*([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    return q === undefined || Number(q) > 0;
  });
}
