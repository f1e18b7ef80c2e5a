// The audit log: who did what, one JSON line per event in upstream's audit.k8s.io/v1 Event
// format, as kube-apiserver's log backend writes it (--audit-log-path), filtered by an
// audit.k8s.io/v1 Policy (--audit-policy-file): the first rule that matches a request gives its
// level (None, Metadata, Request, RequestResponse) and the stages to leave out. Upstream:
// apiserver/pkg/endpoints/filters/audit.go, pkg/audit/{request.go,context.go,policy/checker.go}.
//
// The middleware sits first in the chain, so requests refused by authentication, authorization
// or the in-flight limit are audited too; the policy is evaluated once the user and request info
// are known (after authentication, or when the response starts).
import { randomUUID } from 'node:crypto';
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { load, CORE_SCHEMA } from 'js-yaml';
import { parseRequestInfo, type RequestInfo } from '../endpoints/requestinfo.ts';
import { decodeYaml } from '../codec/body.ts';
import { mediaTypeOf } from '../codec/negotiate.ts';
import { decodeProtobufObject } from '../codec/protobuf/index.ts';
import { isLongRunning } from './inflight.ts';
import type { UserInfo } from './authn.ts';

export type AuditLevel = 'None' | 'Metadata' | 'Request' | 'RequestResponse';
export type AuditStage = 'RequestReceived' | 'ResponseStarted' | 'ResponseComplete' | 'Panic';

const LEVELS: AuditLevel[] = ['None', 'Metadata', 'Request', 'RequestResponse'];
const STAGES: AuditStage[] = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'];
const atLeast = (level: AuditLevel, min: AuditLevel) => LEVELS.indexOf(level) >= LEVELS.indexOf(min);

export interface GroupResources { group?: string; resources?: string[]; resourceNames?: string[] }

export interface PolicyRule {
  level: AuditLevel;
  users?: string[];
  userGroups?: string[];
  verbs?: string[];
  resources?: GroupResources[];
  namespaces?: string[];
  nonResourceURLs?: string[];
  omitStages?: AuditStage[];
  omitManagedFields?: boolean;
}

export interface AuditPolicy {
  rules: PolicyRule[];
  omitStages?: AuditStage[];
  omitManagedFields?: boolean;
}

/** Without a policy file every request is logged at Metadata (upstream would log nothing). */
export const METADATA_POLICY: AuditPolicy = { rules: [{ level: 'Metadata' }] };

export interface RequestAuditConfig { level: AuditLevel; omitStages: AuditStage[]; omitManagedFields: boolean }

/** Reads and checks an audit.k8s.io/v1 Policy file. */
export function loadAuditPolicy(path: string): AuditPolicy {
  const text = readFileSync(path, 'utf8');
  let doc: unknown;
  try {
    doc = load(text, { schema: CORE_SCHEMA, json: true });
  } catch (e) {
    throw new Error(`failed decoding ${path}: ${(e as Error).message.split('\n')[0]}`);
  }
  return parseAuditPolicy(doc, path);
}

export function parseAuditPolicy(doc: unknown, source = 'policy'): AuditPolicy {
  const p = doc as { kind?: unknown; apiVersion?: unknown; rules?: unknown; omitStages?: unknown; omitManagedFields?: unknown } | null;
  if (!p || typeof p !== 'object' || p.kind !== 'Policy' || p.apiVersion !== 'audit.k8s.io/v1') {
    throw new Error(`failed decoding ${source}: expected kind Policy in apiVersion audit.k8s.io/v1`);
  }
  const errs: string[] = [];
  const stages = (v: unknown, path: string): AuditStage[] => {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) { errs.push(`${path}: Invalid value: must be a list`); return []; }
    v.forEach((s, i) => { if (!STAGES.includes(s as AuditStage)) errs.push(`${path}[${i}]: Unsupported value: ${JSON.stringify(s)}: supported values: ${STAGES.map((x) => `"${x}"`).join(', ')}`); });
    return v as AuditStage[];
  };
  const rules = Array.isArray(p.rules) ? (p.rules as PolicyRule[]) : [];
  if (rules.length === 0) errs.push('rules: Required value: at least one rule is required');
  rules.forEach((r, i) => {
    if (!r || typeof r !== 'object') { errs.push(`rules[${i}]: Invalid value: must be an object`); return; }
    if (!r.level) errs.push(`rules[${i}].level: Required value`);
    else if (!LEVELS.includes(r.level)) errs.push(`rules[${i}].level: Unsupported value: ${JSON.stringify(r.level)}: supported values: ${LEVELS.map((x) => `"${x}"`).join(', ')}`);
    stages(r.omitStages, `rules[${i}].omitStages`);
    if ((r.nonResourceURLs?.length ?? 0) > 0 && ((r.resources?.length ?? 0) > 0 || (r.namespaces?.length ?? 0) > 0)) {
      errs.push(`rules[${i}].nonResourceURLs: Invalid value: rules cannot apply to both regular resources and non-resource URLs`);
    }
  });
  const omitStages = stages(p.omitStages, 'omitStages');
  if (errs.length) throw new Error(`invalid audit policy ${source}: ${errs.join(', ')}`);
  return { rules, omitStages, omitManagedFields: p.omitManagedFields === true };
}

/** What the policy says about one request (upstream's policyRuleEvaluator). */
export function evaluatePolicy(policy: AuditPolicy, user: UserInfo | undefined, info: RequestInfo): RequestAuditConfig {
  for (const rule of policy.rules) {
    if (ruleMatches(rule, user, info)) {
      return {
        level: rule.level,
        omitStages: [...new Set([...(policy.omitStages ?? []), ...(rule.omitStages ?? [])])],
        omitManagedFields: rule.omitManagedFields ?? policy.omitManagedFields ?? false,
      };
    }
  }
  return { level: 'None', omitStages: policy.omitStages ?? [], omitManagedFields: policy.omitManagedFields ?? false };
}

function ruleMatches(r: PolicyRule, user: UserInfo | undefined, info: RequestInfo): boolean {
  if (r.users?.length && (!user || !r.users.includes(user.name))) return false;
  if (r.userGroups?.length && (!user || !user.groups.some((g) => r.userGroups!.includes(g)))) return false;
  if (r.verbs?.length && !r.verbs.includes(info.verb)) return false;
  if (r.namespaces?.length || r.resources?.length) return resourceMatches(r, info);
  if (r.nonResourceURLs?.length) return !info.isResourceRequest && r.nonResourceURLs.some((spec) => pathMatches(info.path, spec));
  return true;
}

function pathMatches(path: string, spec: string): boolean {
  if (spec === '*' || spec === path) return true;
  return spec.endsWith('*') && path.startsWith(spec.replace(/\*+$/, ''));
}

function resourceMatches(r: PolicyRule, info: RequestInfo): boolean {
  if (!info.isResourceRequest) return false;
  // Cluster-scoped resources match the empty namespace.
  if (r.namespaces?.length && !r.namespaces.includes(info.namespace)) return false;
  if (!r.resources?.length) return true;
  const combined = info.subresource ? `${info.resource}/${info.subresource}` : info.resource;
  for (const gr of r.resources) {
    if ((gr.group ?? '') !== info.apiGroup && gr.group !== '*') continue;
    if (!gr.resources?.length) return true;
    for (const res of gr.resources) {
      if (gr.resourceNames?.length && !gr.resourceNames.includes(info.name)) continue;
      if (res === combined || res === '*') return true;
      if (info.subresource && res.startsWith('*/') && res.slice(2) === info.subresource) return true;
      if (res.endsWith('/*') && res.slice(0, -2) === info.resource) return true;
    }
  }
  return false;
}

export interface AuditEvent {
  kind: 'Event';
  apiVersion: 'audit.k8s.io/v1';
  level: AuditLevel;
  auditID: string;
  stage: AuditStage;
  requestURI: string;
  verb: string;
  user: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
  sourceIPs?: string[];
  userAgent?: string;
  objectRef?: Record<string, string>;
  responseStatus?: Record<string, unknown>;
  requestObject?: unknown;
  responseObject?: unknown;
  requestReceivedTimestamp: string;
  stageTimestamp: string;
  annotations?: Record<string, string>;
}

/** Where events go. */
export interface AuditSink {
  write(event: AuditEvent): void;
  close(): Promise<void>;
}

/** How much one log file's writer may buffer before events are dropped (and counted). */
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;

/** JSON lines appended to a file, or to standard output for "-" (upstream's log backend). */
export function fileAuditSink(path: string): AuditSink & { dropped: number } {
  const out: WriteStream | NodeJS.WriteStream = path === '-' ? process.stdout : createWriteStream(path, { flags: 'a', mode: 0o600 });
  const sink = {
    dropped: 0,
    write(event: AuditEvent) {
      if (out.writableLength > MAX_BUFFERED_BYTES) { sink.dropped++; return; }
      out.write(`${JSON.stringify(event)}\n`);
    },
    close() {
      if (out === process.stdout) return Promise.resolve();
      return new Promise<void>((resolve) => (out as WriteStream).end(() => resolve()));
    },
  };
  return sink;
}

/** Events kept in memory (tests). */
export function memoryAuditSink(): AuditSink & { events: AuditEvent[] } {
  const events: AuditEvent[] = [];
  return { events, write: (e) => void events.push(e), close: async () => {} };
}

const MAX_USER_AGENT = 1024;
/** Response bytes kept to read a Status (or, at RequestResponse, the object) back. */
const MAX_CAPTURE_BYTES = 3 * 1024 * 1024;
const STATUS_CAPTURE_BYTES = 64 * 1024;

type AuditedRequest = IncomingMessage & { user?: UserInfo; requestInfo?: RequestInfo; rawBody?: Buffer };

/** The audit trail of one request, from its arrival to its last byte. */
class RequestAudit {
  readonly id: string;
  private readonly received: Date;
  private config: RequestAuditConfig | undefined;
  private info: RequestInfo | undefined;
  private code = 0;
  private started = false;
  private completed = false;
  private receivedSent = false;
  private longRunning = false;
  private authorized = false;
  private captured: Buffer[] = [];
  private capturedBytes = 0;
  private captureLimit = STATUS_CAPTURE_BYTES;

  constructor(private readonly auditor: Auditor, private readonly req: AuditedRequest, private readonly res: ServerResponse) {
    const given = req.headers['audit-id'];
    this.id = typeof given === 'string' && given.trim() !== '' ? given.trim() : randomUUID();
    this.received = auditor.now();
  }

  /** Evaluates the policy once the request is known (user, verb, resource). */
  private decide(): RequestAuditConfig {
    if (this.config) return this.config;
    const url = new URL(this.req.url ?? '/', 'http://x');
    this.info = this.req.requestInfo ?? parseRequestInfo(this.req.method ?? 'GET', url.pathname, url.searchParams);
    this.longRunning = isLongRunning(this.info);
    this.config = evaluatePolicy(this.auditor.policy, this.req.user, this.info);
    if (atLeast(this.config.level, 'RequestResponse') && !this.longRunning) this.captureLimit = MAX_CAPTURE_BYTES;
    return this.config;
  }

  /** Past authentication and authorization: RequestReceived now rather than at the response. */
  authenticated(): void {
    this.authorized = true;
    this.requestReceived();
  }

  private requestReceived(): void {
    if (this.receivedSent) return;
    this.receivedSent = true;
    if (this.decide().level !== 'None') this.emit('RequestReceived', this.received);
  }

  responseStarted(code: number): void {
    if (this.started) return;
    this.started = true;
    this.code = code;
    this.requestReceived();
    if (this.longRunning) this.emit('ResponseStarted', this.auditor.now());
  }

  capture(chunk: unknown, encoding?: unknown): void {
    if (chunk === undefined || chunk === null || typeof chunk === 'function' || this.capturedBytes > this.captureLimit) return;
    const cfg = this.decide();
    if (cfg.level === 'None' || this.longRunning) return;
    // Below RequestResponse only a Status is read back: errors, and what deletes answer.
    if (!atLeast(cfg.level, 'RequestResponse') && this.res.statusCode < 300 && !this.info!.verb.startsWith('delete')) return;
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
    this.capturedBytes += buf.length;
    if (this.capturedBytes <= this.captureLimit) this.captured.push(buf);
  }

  complete(): void {
    if (this.completed) return;
    this.completed = true;
    this.requestReceived();
    if (this.config!.level === 'None') return;
    if (!this.started) {
      // The connection closed before any response: upstream fakes a 200 "Connection closed early"
      // (a hijacked protocol switch records 101).
      this.started = true;
      this.code = this.res.headersSent ? this.res.statusCode : this.req.headers.upgrade ? 101 : 200;
      if (this.longRunning) this.emit('ResponseStarted', this.auditor.now());
    }
    this.emit('ResponseComplete', this.auditor.now());
    this.captured = [];
  }

  private emit(stage: AuditStage, at: Date): void {
    const cfg = this.config!;
    if (cfg.omitStages.includes(stage)) return;
    const info = this.info!;
    const user = this.req.user;
    const ua = this.req.headers['user-agent'];
    const final = stage !== 'RequestReceived';
    const response = final ? this.responseBody() : {};
    // The request object is logged by the handler, so only the events after it carry it.
    const requestObject = final && atLeast(cfg.level, 'Request') ? this.requestBody() : undefined;
    let annotations: Record<string, string> | undefined;
    if (this.authorized) annotations = { 'authorization.k8s.io/decision': 'allow' };
    else if (final && this.code === 403) annotations = { 'authorization.k8s.io/decision': 'forbid' };
    // Keys in upstream's field order, empty ones left out as its omitempty tags do.
    const event = {
      kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: cfg.level, auditID: this.id, stage,
      requestURI: this.req.url ?? '/', verb: info.verb,
      user: user ? omitEmpty({ username: user.name, uid: user.uid, groups: user.groups, extra: user.extra && Object.keys(user.extra).length ? user.extra : undefined }) : {},
      sourceIPs: sourceIPs(this.req),
      ...(ua ? { userAgent: ua.length > MAX_USER_AGENT ? `${ua.slice(0, MAX_USER_AGENT)}...TRUNCATED` : ua } : {}),
      ...(info.isResourceRequest ? {
        objectRef: omitEmpty({
          resource: info.resource, namespace: info.namespace, name: info.name,
          apiGroup: info.apiGroup, apiVersion: info.apiVersion, subresource: info.subresource,
        }),
      } : {}),
      ...(final ? { responseStatus: response.status ?? { metadata: {}, code: this.code } } : {}),
      ...(requestObject !== undefined ? { requestObject: this.withoutManagedFields(requestObject) } : {}),
      ...(response.object !== undefined && atLeast(cfg.level, 'RequestResponse') ? { responseObject: this.withoutManagedFields(response.object) } : {}),
      requestReceivedTimestamp: microTime(this.received),
      stageTimestamp: microTime(at),
      ...(annotations ? { annotations } : {}),
    } satisfies AuditEvent;
    this.auditor.sink.write(event);
  }

  /** The request's object (create, update) or patch, decoded for the log. */
  private requestBody(): unknown {
    const body = this.req.rawBody;
    if (!body || body.length === 0) return undefined;
    const media = mediaTypeOf(this.req.headers['content-type']);
    try {
      if (media === 'application/vnd.kubernetes.protobuf') return decodeProtobufObject(new Uint8Array(body)).obj;
      if (media.includes('yaml')) return decodeYaml(body);
      return JSON.parse(body.toString('utf8'));
    } catch {
      return undefined;
    }
  }

  /** A Status answer's fields (upstream copies status, message, reason, details and code), and the JSON object answered. */
  private responseBody(): { status?: Record<string, unknown>; object?: unknown } {
    if (this.captured.length === 0 || this.capturedBytes > this.captureLimit) return {};
    const type = String(this.res.getHeader('content-type') ?? '');
    if (!type.startsWith('application/json')) return {};
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.concat(this.captured).toString('utf8'));
    } catch {
      return {};
    }
    const o = parsed as { kind?: string; apiVersion?: string; status?: string; message?: string; reason?: string; details?: unknown; code?: number };
    if (o && o.kind === 'Status' && o.apiVersion === 'v1') {
      return { status: { metadata: {}, ...omitEmpty({ status: o.status, message: o.message, reason: o.reason }), ...(o.details && Object.keys(o.details).length ? { details: o.details } : {}), code: o.code ?? this.code }, object: parsed };
    }
    return { object: parsed };
  }

  private withoutManagedFields(obj: unknown): unknown {
    if (!this.config!.omitManagedFields || !obj || typeof obj !== 'object') return obj;
    const o = obj as { metadata?: Record<string, unknown>; items?: unknown[] };
    const strip = (x: { metadata?: Record<string, unknown> }) => {
      if (!x?.metadata?.managedFields) return x;
      const { managedFields: _m, ...metadata } = x.metadata;
      return { ...x, metadata };
    };
    const out = strip(o) as typeof o;
    return Array.isArray(out.items) ? { ...out, items: out.items.map((i) => strip(i as typeof o)) } : out;
  }
}

/** The audit filter: a policy and a sink, and the middleware that feeds one from the other. */
export class Auditor {
  readonly now: () => Date;
  private readonly audits = new WeakMap<IncomingMessage, RequestAudit>();

  constructor(readonly policy: AuditPolicy, readonly sink: AuditSink, opts: { now?: () => Date } = {}) {
    this.now = opts.now ?? (() => new Date());
  }

  /** First in the chain: follows the request until its response is complete. */
  readonly middleware = (req: AuditedRequest, res: ServerResponse, next: () => void): void => {
    const audit = new RequestAudit(this, req, res);
    this.audits.set(req, audit);
    res.setHeader('Audit-Id', audit.id);
    const writeHead = res.writeHead;
    res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
      audit.responseStarted(typeof args[0] === 'number' ? args[0] : res.statusCode);
      return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
    } as ServerResponse['writeHead'];
    const write = res.write;
    res.write = function (this: ServerResponse, ...args: unknown[]) {
      audit.capture(args[0], args[1]);
      return (write as (...a: unknown[]) => boolean).apply(this, args);
    } as ServerResponse['write'];
    const end = res.end;
    res.end = function (this: ServerResponse, ...args: unknown[]) {
      audit.capture(args[0], args[1]);
      return (end as (...a: unknown[]) => ServerResponse).apply(this, args);
    } as ServerResponse['end'];
    res.once('finish', () => audit.complete());
    res.once('close', () => audit.complete());
    // An upgraded stream (exec, attach, port-forward) leaves the response behind: it ends with its connection.
    if (req.headers.upgrade) req.socket.once('close', () => audit.complete());
    next();
  };

  /** After authentication and authorization: the request is let in; its RequestReceived event goes out now. */
  readonly afterAuthorization = (req: IncomingMessage, _res: ServerResponse, next: () => void): void => {
    this.audits.get(req)?.authenticated();
    next();
  };

  close(): Promise<void> {
    return this.sink.close();
  }
}

/** metav1.MicroTime: RFC 3339 with microseconds, in UTC. */
export function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** utilnet.SourceIPs: X-Forwarded-For, then X-Real-Ip, then the peer; distinct, in that order. */
function sourceIPs(req: IncomingMessage): string[] {
  const ips: string[] = [];
  const add = (ip: string | undefined) => {
    const clean = (ip ?? '').trim().replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
    if (clean && isIP(clean) && !ips.includes(clean)) ips.push(clean);
  };
  const xff = req.headers['x-forwarded-for'];
  for (const part of (Array.isArray(xff) ? xff.join(',') : xff ?? '').split(',')) add(part);
  const real = req.headers['x-real-ip'];
  add(Array.isArray(real) ? real[0] : real);
  add(req.socket.remoteAddress);
  return ips;
}

function omitEmpty<T extends Record<string, unknown>>(o: T): Record<string, any> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined || v === '' || (Array.isArray(v) && v.length === 0)) continue;
    out[k] = v;
  }
  return out;
}
