// Watch over HTTP: newline-delimited JSON events `{"type":…,"object":…}`, or length-framed
// protobuf WatchEvents for clients that ask for protobuf first (client-go's typed clients in
// controllers and operators), on a chunked response whose headers go out at once (client
// informers wait for them). Selector watches turn "stopped
// matching" into DELETED and "started matching" into ADDED, as upstream's cacher does.
import type { Request, Response } from 'express';
import * as errors from '../../machinery/errors.ts';
import { isStorageError, type WatchEvent } from '../../storage/store.ts';
import type { KubeObject } from '../apis/types.ts';
import { PROTOBUF_TYPE, type Negotiated } from '../codec/negotiate.ts';
import { encodeProtobufWatchEvent } from '../codec/protobuf/index.ts';
import { GenericRegistry, parseResourceVersion } from '../registry/generic.ts';
import { toPartialObjectMetadata, toTable, type IncludeObject } from './table.ts';
import { queryBool } from './requestinfo.ts';

export interface WatchParams {
  registry: GenericRegistry;
  namespace: string;
  predicate?: (obj: KubeObject) => boolean;
  query: URLSearchParams;
  negotiated: Negotiated;
  includeObject: IncludeObject;
  log: (msg: string) => void;
  /** Idle time before a BOOKMARK when bookmarks are allowed. */
  bookmarkIntervalMs?: number;
  /** Upper bound of the server-chosen timeout (upstream: 30–60 minutes). */
  defaultTimeoutSeconds?: number;
}

type EventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export async function serveWatch(req: Request, res: Response, p: WatchParams): Promise<void> {
  const { registry, query: q } = p;
  const rvParam = q.get('resourceVersion') ?? '';
  const allowBookmarks = queryBool(q, 'allowWatchBookmarks');
  const sendInitialParam = q.get('sendInitialEvents');
  const sendInitial = queryBool(q, 'sendInitialEvents');
  const match = q.get('resourceVersionMatch') ?? '';
  if (sendInitialParam !== null && sendInitialParam !== '') {
    if (match !== 'NotOlderThan') {
      throw errors.invalid({ group: 'meta.k8s.io', kind: 'ListOptions' }, '', [{ type: 'FieldValueForbidden', field: 'resourceVersionMatch', detail: 'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan' }]);
    }
    if (sendInitial && !allowBookmarks) {
      throw errors.invalid({ group: 'meta.k8s.io', kind: 'ListOptions' }, '', [{ type: 'FieldValueForbidden', field: 'allowWatchBookmarks', detail: 'allowWatchBookmarks required when sendInitialEvents is true' }]);
    }
  } else if (match) {
    throw errors.invalid({ group: 'meta.k8s.io', kind: 'ListOptions' }, '', [{ type: 'FieldValueForbidden', field: 'resourceVersionMatch', detail: 'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided' }]);
  }
  const timeoutParam = q.get('timeoutSeconds');
  let timeoutSeconds: number;
  if (timeoutParam !== null && timeoutParam !== '') {
    if (!/^\d+$/.test(timeoutParam)) throw errors.badRequest(`invalid value for timeoutSeconds: ${JSON.stringify(timeoutParam)}`);
    timeoutSeconds = Number(timeoutParam);
  } else {
    const base = p.defaultTimeoutSeconds ?? 1800;
    timeoutSeconds = base + Math.floor(Math.random() * base);
  }

  // Initial state: RV "" or "0" (legacy) and sendInitialEvents start with the current objects.
  let fromRV: bigint;
  let initial: KubeObject[] = [];
  const wantsInitial = sendInitial || (sendInitialParam === null && (rvParam === '' || rvParam === '0'));
  if (wantsInitial) {
    const list = await registry.list(p.namespace, { predicate: p.predicate, ...(rvParam && rvParam !== '0' ? { resourceVersion: rvParam, resourceVersionMatch: 'NotOlderThan' } : {}) });
    initial = list.items;
    fromRV = BigInt(list.resourceVersion);
  } else {
    fromRV = rvParam === '' ? BigInt((await registry.list(p.namespace, { limit: 1 })).resourceVersion) : parseResourceVersion(rvParam);
  }

  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutSeconds * 1000);
  const onClose = () => ac.abort();
  res.on('close', onClose);
  const events = registry.store.watch(registry.prefix(p.namespace), fromRV, {
    signal: ac.signal,
    ...(allowBookmarks ? { bookmarkIntervalMs: p.bookmarkIntervalMs ?? 5_000 } : {}),
  })[Symbol.asyncIterator]();

  const neg = p.negotiated;
  // Selectors read this version's form; the store's events carry the storage form.
  const pred = p.predicate;
  const storedPredicate = pred && ((o: KubeObject) => pred(registry.withTypeMeta(o)));
  res.status(200);
  // Tables and metadata-only objects stay JSON (upstream's Table has no protobuf form).
  const protobuf = neg.format === 'protobuf' && !neg.as;
  // Upstream names the stream form for protobuf only; JSON keeps its plain media type.
  res.setHeader('Content-Type', protobuf ? `${PROTOBUF_TYPE};stream=watch` : 'application/json');
  res.setHeader('Transfer-Encoding', 'chunked');
  res.setHeader('Cache-Control', 'no-cache, private');
  res.flushHeaders();
  let columnsSent = false;

  const write = (type: EventType, obj: unknown) => {
    let object = obj;
    if (type !== 'ERROR' && type !== 'BOOKMARK') {
      if (neg.as === 'Table') {
        object = toTable(registry.def, [obj as KubeObject], { resourceVersion: (obj as KubeObject).metadata?.resourceVersion ?? '' },
          p.includeObject, new Date(), neg.asVersion, !columnsSent);
        columnsSent = true;
      } else if (neg.as === 'PartialObjectMetadata') {
        object = toPartialObjectMetadata(obj as KubeObject, neg.asVersion);
      }
    }
    res.write(protobuf ? encodeProtobufEvent(type, object) : encodeEvent(type, object));
  };
  const bookmark = (rv: bigint, annotations?: Record<string, string>) => {
    const kind = neg.as === 'Table' ? 'Table' : neg.as === 'PartialObjectMetadata' ? 'PartialObjectMetadata' : registry.def.kind;
    const apiVersion = neg.as ? `meta.k8s.io/${neg.asVersion}` : registry.apiVersion;
    write('BOOKMARK', { kind, apiVersion, metadata: { resourceVersion: rv.toString(), creationTimestamp: null, ...(annotations ? { annotations } : {}) } });
  };

  try {
    // Like upstream's cacher: an RV that is too old is an ERROR event on a 200 stream.
    const compacted = await registry.store.compactedRV();
    if (fromRV < compacted) {
      write('ERROR', errors.resourceExpired(`too old resource version: ${fromRV} (${compacted})`).status);
      return;
    }
    for (const obj of initial) write('ADDED', obj);
    if (sendInitial) bookmark(fromRV, { 'k8s.io/initial-events-end': 'true' });
    for (;;) {
      const { value: ev, done } = await events.next();
      if (done || !ev) break;
      if (ev.type === 'BOOKMARK') {
        if (allowBookmarks) bookmark(ev.rv);
        continue;
      }
      const out = transition(ev, storedPredicate);
      if (out) write(out.type, registry.withTypeMeta(out.obj as KubeObject));
    }
  } catch (e) {
    if (isStorageError(e, 'Expired')) {
      write('ERROR', errors.resourceExpired(e.message).status);
    } else if (isStorageError(e, 'TooLargeResourceVersion')) {
      try { registry.translate(e, ''); } catch (se) { write('ERROR', (se as errors.StatusError).status); }
    } else if (!isStorageError(e, 'WatchOverflow') && !isStorageError(e, 'Unavailable')) {
      p.log(`watch ${req.originalUrl}: ${(e as Error)?.stack ?? String(e)}`);
      write('ERROR', errors.internalError(e).status);
    }
    // An overflowing or interrupted watch just ends: the client resumes from its last RV.
  } finally {
    clearTimeout(timer);
    res.off('close', onClose);
    ac.abort();
    res.end();
  }
}

// Watch events share their objects between watchers (storage/watch/broadcaster.ts), so a plain
// event is serialised once for all of them rather than once per watcher.
const encoded = new WeakMap<object, Map<string, string>>();

function encodeEvent(type: string, object: unknown): string {
  if (object === null || typeof object !== 'object') return `${JSON.stringify({ type, object })}\n`;
  let byType = encoded.get(object);
  if (!byType) encoded.set(object, (byType = new Map()));
  let line = byType.get(type);
  if (line === undefined) byType.set(type, (line = `${JSON.stringify({ type, object })}\n`));
  return line;
}

const encodedProtobuf = new WeakMap<object, Map<string, Uint8Array>>();

function encodeProtobufEvent(type: string, object: unknown): Uint8Array {
  const obj = object as Record<string, unknown>;
  let byType = encodedProtobuf.get(obj);
  if (!byType) encodedProtobuf.set(obj, (byType = new Map()));
  let frame = byType.get(type);
  if (frame === undefined) byType.set(type, (frame = encodeProtobufWatchEvent(type, obj)));
  return frame;
}

/** What a selector watcher sees of a change (upstream cacher's event conversion). */
function transition(ev: WatchEvent, pred: ((o: KubeObject) => boolean) | undefined): { type: EventType; obj: unknown } | undefined {
  if (!pred) return { type: ev.type, obj: ev.obj };
  const cur = ev.obj ? pred(ev.obj as KubeObject) : false;
  switch (ev.type) {
    case 'ADDED':
      return cur ? { type: 'ADDED', obj: ev.obj } : undefined;
    case 'DELETED':
      return ev.prevObj && pred(ev.prevObj as KubeObject) ? { type: 'DELETED', obj: ev.obj } : undefined;
    case 'MODIFIED': {
      const prev = ev.prevObj ? pred(ev.prevObj as KubeObject) : false;
      if (cur && prev) return { type: 'MODIFIED', obj: ev.obj };
      if (cur) return { type: 'ADDED', obj: ev.obj };
      if (prev) {
        // The previous content, stamped with this change's RV.
        const obj = structuredClone(ev.prevObj!) as KubeObject;
        obj.metadata = { ...obj.metadata, resourceVersion: ev.rv.toString() };
        return { type: 'DELETED', obj };
      }
      return undefined;
    }
    default:
      return undefined;
  }
}
