// A dynamic REST client over a client-node KubeConfig: any resource by group/version/plural,
// JSON in and out, typed through client-node's models, errors as one ApiError carrying the
// server's Status. Watches go through client-node's Watch. Upstream: client-go's dynamic client.
import http from 'node:http';
import https from 'node:https';
import { createHash } from 'node:crypto';
import { Watch, type KubeConfig, type KubernetesObject, type V1DeleteOptions } from '@kubernetes/client-node';
import type { Status } from '../machinery/errors.ts';
import { decode, encode, type ModelName } from './codec.ts';

/** A resource as the API serves it; `T` is the client-node model its objects decode to. */
export interface Resource<T extends KubernetesObject = KubernetesObject> {
  readonly group: string;
  readonly version: string;
  /** The plural name in the URL (upstream's "resource"). */
  readonly plural: string;
  readonly kind?: string;
  readonly namespaced?: boolean;
  readonly model: ModelName;
  /** Never set: it only lets `T` be inferred from a Resource value. */
  readonly _type?: () => T;
}

/** `resource<V1Pod>('v1/pods', { model: 'V1Pod', kind: 'Pod' })`; ids are "v1/pods" or "apps/v1/deployments". */
export function resource<T extends KubernetesObject = KubernetesObject>(
  id: string,
  opts: { model?: ModelName; kind?: string; namespaced?: boolean } = {},
): Resource<T> {
  const parts = id.split('/');
  if (parts.length !== 2 && parts.length !== 3) throw new Error(`resource id ${JSON.stringify(id)}: want version/plural or group/version/plural`);
  const [group, version, plural] = parts.length === 2 ? ['', parts[0]!, parts[1]!] : [parts[0]!, parts[1]!, parts[2]!];
  return { group, version, plural, model: opts.model ?? 'KubernetesObject', kind: opts.kind, namespaced: opts.namespaced };
}

export const resourceId = (r: { group: string; version: string; plural: string }): string =>
  r.group ? `${r.group}/${r.version}/${r.plural}` : `${r.version}/${r.plural}`;

export const apiVersionOf = (r: { group: string; version: string }): string => (r.group ? `${r.group}/${r.version}` : r.version);

export function resourcePath(r: { group: string; version: string; plural: string }, namespace?: string, name?: string, subresource?: string): string {
  let p = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  if (namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
  p += `/${r.plural}`;
  if (name !== undefined) p += `/${encodeURIComponent(name)}`;
  if (subresource) p += `/${subresource}`;
  return p;
}

/** An error answer from the API server, with its Status when it sent one. */
export class ApiError extends Error {
  constructor(readonly code: number, readonly reason: string, message: string, readonly status?: Status) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The HTTP code of an error from this client, from client-node's typed APIs, or from its Watch. */
export function statusCodeOf(e: unknown): number | undefined {
  if (e instanceof ApiError) return e.code;
  if (e && typeof e === 'object') {
    const o = e as { code?: unknown; statusCode?: unknown };
    if (typeof o.code === 'number') return o.code;
    if (typeof o.statusCode === 'number') return o.statusCode;
  }
  return undefined;
}

export function reasonOf(e: unknown): string | undefined {
  if (e instanceof ApiError) return e.reason;
  // client-node's ApiException keeps the response body as a string.
  const body = e && typeof e === 'object' ? (e as { body?: unknown }).body : undefined;
  if (typeof body === 'string') {
    try { return (JSON.parse(body) as { reason?: string }).reason; } catch { return undefined; }
  }
  return undefined;
}

export const isNotFound = (e: unknown): boolean => statusCodeOf(e) === 404;
export const isConflict = (e: unknown): boolean => statusCodeOf(e) === 409 && reasonOf(e) !== 'AlreadyExists';
export const isAlreadyExists = (e: unknown): boolean => statusCodeOf(e) === 409 && reasonOf(e) === 'AlreadyExists';
/** 410 Gone / Expired: the resourceVersion is too old; the caller must list again. */
export const isExpired = (e: unknown): boolean => statusCodeOf(e) === 410;

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  /** One page of this size; unset: every page (500 at a time), as client-go's pager. */
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  signal?: AbortSignal;
}

export interface ListResult<T> {
  items: T[];
  resourceVersion: string;
  continue?: string;
}

export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';
const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

export type DeleteOptions = Pick<V1DeleteOptions, 'gracePeriodSeconds' | 'preconditions' | 'dryRun'> & {
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
};

export type WatchEvent<T> =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: T }
  | { type: 'BOOKMARK'; resourceVersion: string }
  | { type: 'ERROR'; status: Partial<Status> };

export interface WatchOptions {
  resourceVersion?: string;
  labelSelector?: string;
  fieldSelector?: string;
  timeoutSeconds?: number;
  allowWatchBookmarks?: boolean;
}

const PAGE_SIZE = 500;

type TlsIdentity = Pick<https.RequestOptions, 'ca' | 'cert' | 'key' | 'rejectUnauthorized' | 'servername'>;

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  return false;
}

const sameTls = (a: TlsIdentity, b: TlsIdentity): boolean =>
  sameValue(a.ca, b.ca) && sameValue(a.cert, b.cert) && sameValue(a.key, b.key) && a.rejectUnauthorized === b.rejectUnauthorized && a.servername === b.servername;

export class RestClient {
  private readonly agents = new Map<string, http.Agent>();
  private readonly userAgent: string;
  private readonly timeoutMs: number;

  constructor(readonly kc: KubeConfig, opts: { userAgent?: string; timeoutMs?: number } = {}) {
    this.userAgent = opts.userAgent ?? 'capstan';
    this.timeoutMs = opts.timeoutMs ?? 30_000;
  }

  get server(): string {
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig: no current cluster');
    return cluster.server.replace(/\/+$/, '');
  }

  /** One request; the answer's JSON (undefined for an empty body). Errors are ApiError. */
  async request(method: string, path: string, o: RequestOptions = {}): Promise<unknown> {
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(o.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const opts: https.RequestOptions = { method, headers: { Accept: 'application/json', 'User-Agent': this.userAgent } };
    await this.kc.applyToHTTPSOptions(opts);
    opts.agent = this.agentFor(url.protocol, opts);
    const payload = o.body === undefined ? undefined : Buffer.from(typeof o.body === 'string' ? o.body : JSON.stringify(o.body));
    if (payload) {
      opts.headers = { ...opts.headers, 'Content-Type': o.contentType ?? 'application/json', 'Content-Length': payload.length };
    }
    const { code, body } = await new Promise<{ code: number; body: Buffer }>((resolve, reject) => {
      const send = url.protocol === 'https:' ? https.request : http.request;
      const req = send(url, { ...opts, signal: o.signal }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ code: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.setTimeout(o.timeoutMs ?? this.timeoutMs, () => req.destroy(new Error(`${method} ${path}: timed out`)));
      req.on('error', reject);
      req.end(payload);
    });
    const text = body.toString('utf8');
    let json: unknown;
    if (text.length > 0) {
      try { json = JSON.parse(text); } catch { json = undefined; }
    }
    if (code >= 400 || code < 200) {
      const status = json && typeof json === 'object' && (json as { kind?: string }).kind === 'Status' ? (json as Status) : undefined;
      throw new ApiError(code, status?.reason ?? '', status?.message ?? `${method} ${path}: ${code} ${text.slice(0, 200)}`, status);
    }
    return json;
  }

  /** Keep-alive agents, one per distinct TLS identity (the KubeConfig makes a fresh one per call). */
  private agentFor(protocol: string, opts: https.RequestOptions): http.Agent {
    const tls = { ca: opts.ca, cert: opts.cert, key: opts.key, rejectUnauthorized: opts.rejectUnauthorized, servername: opts.servername };
    // The same identity as the last request (nearly always): compare bytes instead of hashing them.
    const last = this.lastAgent;
    if (last && last.protocol === protocol && sameTls(last.tls, tls)) return last.agent;
    const agent = this.agentForKey(protocol, tls);
    this.lastAgent = { protocol, tls, agent };
    return agent;
  }

  private lastAgent: { protocol: string; tls: TlsIdentity; agent: http.Agent } | undefined;

  private agentForKey(protocol: string, tls: TlsIdentity): http.Agent {
    const key = createHash('sha256').update(protocol).update(JSON.stringify(tls, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('base64') : v))).digest('hex');
    let agent = this.agents.get(key);
    if (!agent) {
      agent = protocol === 'https:' ? new https.Agent({ keepAlive: true, ...tls }) : new http.Agent({ keepAlive: true });
      this.agents.set(key, agent);
    }
    return agent;
  }

  async get<T extends KubernetesObject>(r: Resource<T>, namespace: string, name: string, o: { signal?: AbortSignal; subresource?: string } = {}): Promise<T> {
    return decode<T>(await this.request('GET', resourcePath(r, namespace, name, o.subresource), { signal: o.signal }), r.model);
  }

  /** Lists, following `continue` unless a limit is given; items get apiVersion and kind from the list. */
  async list<T extends KubernetesObject>(r: Resource<T>, namespace?: string, o: ListOptions = {}): Promise<ListResult<T>> {
    const items: T[] = [];
    let cont = o.continue;
    for (;;) {
      const query: Query = {
        labelSelector: o.labelSelector, fieldSelector: o.fieldSelector, limit: o.limit ?? PAGE_SIZE, continue: cont,
        resourceVersion: cont ? undefined : o.resourceVersion,
      };
      const raw = (await this.request('GET', resourcePath(r, namespace), { query, signal: o.signal })) as {
        apiVersion?: string; kind?: string; metadata?: { resourceVersion?: string; continue?: string }; items?: unknown[];
      };
      const kind = r.kind ?? raw.kind?.replace(/List$/, '');
      for (const item of raw.items ?? []) {
        const typed = { apiVersion: raw.apiVersion ?? apiVersionOf(r), kind, ...(item as object) };
        items.push(decode<T>(typed, r.model));
      }
      cont = raw.metadata?.continue || undefined;
      if (o.limit !== undefined || !cont) return { items, resourceVersion: raw.metadata?.resourceVersion ?? '', ...(cont ? { continue: cont } : {}) };
    }
  }

  async create<T extends KubernetesObject>(r: Resource<T>, namespace: string, obj: T, o: { signal?: AbortSignal } = {}): Promise<T> {
    const body = { apiVersion: apiVersionOf(r), ...(r.kind ? { kind: r.kind } : {}), ...(encode(obj, r.model) as object) };
    return decode<T>(await this.request('POST', resourcePath(r, namespace), { body, signal: o.signal }), r.model);
  }

  /** PUT of the whole object (its resourceVersion is the precondition), or of a subresource (status, finalize). */
  async update<T extends KubernetesObject>(r: Resource<T>, namespace: string, obj: T, o: { subresource?: string; signal?: AbortSignal } = {}): Promise<T> {
    const name = obj.metadata?.name;
    if (!name) throw new Error('update: metadata.name is required');
    const body = { apiVersion: apiVersionOf(r), ...(r.kind ? { kind: r.kind } : {}), ...(encode(obj, r.model) as object) };
    return decode<T>(await this.request('PUT', resourcePath(r, namespace, name, o.subresource), { body, signal: o.signal }), r.model);
  }

  async patch<T extends KubernetesObject>(
    r: Resource<T>, namespace: string, name: string, patch: unknown,
    o: { type?: PatchType; subresource?: string; signal?: AbortSignal; fieldManager?: string; force?: boolean } = {},
  ): Promise<T> {
    const raw = await this.request('PATCH', resourcePath(r, namespace, name, o.subresource), {
      body: patch, contentType: PATCH_CONTENT_TYPES[o.type ?? 'merge'], signal: o.signal,
      query: { fieldManager: o.fieldManager, force: o.force },
    });
    return decode<T>(raw, r.model);
  }

  /**
   * POST to a subresource that is created rather than updated (pods/binding, pods/eviction,
   * serviceaccounts/token): the body goes as it is and the server's answer comes back undecoded.
   */
  async createSubresource(r: Resource, namespace: string, name: string, subresource: string, body: unknown, o: { signal?: AbortSignal } = {}): Promise<unknown> {
    return this.request('POST', resourcePath(r, namespace, name, subresource), { body, signal: o.signal });
  }

  async delete(r: Resource, namespace: string, name: string, opts: DeleteOptions = {}, o: { signal?: AbortSignal } = {}): Promise<void> {
    await this.request('DELETE', resourcePath(r, namespace, name), { body: deleteOptionsBody(opts), signal: o.signal });
  }

  async deleteCollection(r: Resource, namespace: string, opts: DeleteOptions & { labelSelector?: string; fieldSelector?: string } = {}, o: { signal?: AbortSignal } = {}): Promise<void> {
    const { labelSelector, fieldSelector, ...rest } = opts;
    await this.request('DELETE', resourcePath(r, namespace), { query: { labelSelector, fieldSelector }, body: deleteOptionsBody(rest), signal: o.signal });
  }

  /**
   * One watch through client-node's Watch. Resolves when the server ends it (or on abort);
   * rejects with the HTTP error when it does not start. ERROR events are passed on: a 410 in one
   * means the caller must list again.
   */
  watch<T extends KubernetesObject>(
    r: Resource<T>, namespace: string | undefined, o: WatchOptions,
    onEvent: (ev: WatchEvent<T>) => void, signal: AbortSignal,
  ): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let finished = false;
      let ctrl: AbortController | undefined;
      const finish = (err: unknown) => {
        if (finished) return;
        finished = true;
        signal.removeEventListener('abort', onAbort);
        ctrl?.abort();
        if (err && !signal.aborted) reject(err instanceof Error ? err : new Error(String((err as { message?: string })?.message ?? err)));
        else resolve();
      };
      const onAbort = () => finish(null);
      if (signal.aborted) return resolve();
      signal.addEventListener('abort', onAbort, { once: true });
      const query: Record<string, string | number | boolean | undefined> = {
        resourceVersion: o.resourceVersion, labelSelector: o.labelSelector, fieldSelector: o.fieldSelector,
        timeoutSeconds: o.timeoutSeconds, allowWatchBookmarks: o.allowWatchBookmarks,
      };
      const kind = r.kind;
      new Watch(this.kc).watch(resourcePath(r, namespace), query, (type: string, obj: unknown) => {
        if (finished) return;
        const o2 = obj as { kind?: string; metadata?: { resourceVersion?: string } } | undefined;
        switch (type) {
          case 'ADDED': case 'MODIFIED': case 'DELETED':
            onEvent({ type, object: decode<T>(kind && !o2?.kind ? { kind, ...o2 } : obj, r.model) });
            break;
          case 'BOOKMARK':
            onEvent({ type, resourceVersion: o2?.metadata?.resourceVersion ?? '' });
            break;
          case 'ERROR':
            onEvent({ type, status: (obj ?? {}) as Partial<Status> });
            break;
          default:
            break;
        }
      }, (err: unknown) => finish(err)).then((c) => {
        ctrl = c;
        if (finished) c.abort();
      }, (err: unknown) => finish(err));
    });
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    for (const a of this.agents.values()) a.destroy();
    this.agents.clear();
  }
}

function deleteOptionsBody(opts: DeleteOptions): unknown {
  if (Object.keys(opts).length === 0) return undefined;
  return { apiVersion: 'v1', kind: 'DeleteOptions', ...(encode(opts, 'V1DeleteOptions') as object) };
}
