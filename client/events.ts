// An event recorder writing core/v1 Events about objects, as client-go's record package: events
// are written in the background (at most `maxPending` queued; more are dropped, as upstream's
// broadcaster drops when its channel is full), and a repeat of an event (same source, object,
// type, reason and message) bumps the count and lastTimestamp of the one already written instead
// of creating another (upstream's EventCorrelator deduplication, without its aggregation and spam
// filter).
import { randomInt } from 'node:crypto';
import type { CoreV1Event, KubernetesObject } from '@kubernetes/client-node';
import { isNotFound, resource, type RestClient } from './rest.ts';

export type EventType = 'Normal' | 'Warning';

export interface EventRecorder {
  /** Records an event about `obj`; never throws and never waits. */
  event(obj: KubernetesObject, type: EventType, reason: string, message: string): void;
  /** Resolves when every event recorded so far has been written (or has failed). */
  flush(): Promise<void>;
}

/** Where events go: the API server, or a fake in tests. */
export interface EventSink {
  create(namespace: string, ev: CoreV1Event): Promise<CoreV1Event>;
  /** A strategic merge patch of count, lastTimestamp and message. */
  patch(namespace: string, name: string, patch: { count: number; lastTimestamp: string; message: string }): Promise<CoreV1Event>;
}

export const eventsResource = resource<CoreV1Event>('v1/events', { model: 'CoreV1Event', kind: 'Event', namespaced: true });

export function restEventSink(rest: RestClient): EventSink {
  return {
    create: (ns, ev) => rest.create(eventsResource, ns, ev),
    patch: (ns, name, patch) => rest.patch(eventsResource, ns, name, patch, { type: 'strategic' }),
  };
}

/** Upstream's maxLruCacheEntries. */
const MAX_CACHE = 4096;

interface Seen { name: string; namespace: string; count: number; firstTimestamp: Date }

/**
 * The deduplicating half of upstream's EventCorrelator, pure: given a new event and the time,
 * returns either the event to create or the patch for the one it repeats.
 */
export class EventCorrelator {
  private readonly seen = new Map<string, Seen>();

  constructor(private readonly maxEntries = MAX_CACHE) {}

  correlate(ev: CoreV1Event, now: Date): { create: CoreV1Event } | { patch: { namespace: string; name: string; count: number; lastTimestamp: string; message: string } } {
    const key = eventKey(ev);
    const prev = this.seen.get(key);
    if (prev) {
      prev.count++;
      // Refresh its place in the LRU order.
      this.seen.delete(key);
      this.seen.set(key, prev);
      return { patch: { namespace: prev.namespace, name: prev.name, count: prev.count, lastTimestamp: now.toISOString().replace(/\.\d{3}Z$/, 'Z'), message: ev.message ?? '' } };
    }
    this.seen.set(key, { name: ev.metadata.name!, namespace: ev.metadata.namespace!, count: ev.count ?? 1, firstTimestamp: ev.firstTimestamp ?? now });
    while (this.seen.size > this.maxEntries) this.seen.delete(this.seen.keys().next().value!);
    return { create: ev };
  }

  /** After a patch found its event gone: the event to create again, keeping the count. */
  recreate(ev: CoreV1Event, count: number): CoreV1Event {
    const seen = this.seen.get(eventKey(ev));
    return { ...ev, count, firstTimestamp: seen?.firstTimestamp ?? ev.firstTimestamp, metadata: { ...ev.metadata, resourceVersion: undefined } };
  }
}

function eventKey(ev: CoreV1Event): string {
  const o = ev.involvedObject;
  return [ev.source?.component, ev.source?.host, o.kind, o.namespace, o.name, o.uid, o.apiVersion, o.fieldPath, ev.type, ev.reason, ev.message].join('\u0000');
}

export interface EventRecorderOptions {
  sink: EventSink;
  component: string;
  host?: string;
  maxPending?: number;
  now?: () => Date;
  log?: (msg: string) => void;
}

let eventSeq = randomInt(1_000_000);
const nextEventSeq = () => (eventSeq = (eventSeq + 1) % 1_000_000);

export function newEventRecorder(opts: EventRecorderOptions): EventRecorder {
  const correlator = new EventCorrelator();
  const maxPending = opts.maxPending ?? 1000;
  const now = opts.now ?? (() => new Date());
  const log = opts.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  let pending = 0;
  let chain: Promise<void> = Promise.resolve();

  const write = async (ev: CoreV1Event, t: Date) => {
    const c = correlator.correlate(ev, t);
    if ('create' in c) {
      await opts.sink.create(ev.metadata.namespace!, c.create);
      return;
    }
    try {
      await opts.sink.patch(c.patch.namespace, c.patch.name, { count: c.patch.count, lastTimestamp: c.patch.lastTimestamp, message: c.patch.message });
    } catch (e) {
      if (!isNotFound(e)) throw e;
      const again = correlator.recreate({ ...ev, metadata: { ...ev.metadata, name: c.patch.name } }, c.patch.count);
      again.lastTimestamp = t;
      await opts.sink.create(c.patch.namespace, again);
    }
  };

  return {
    event(obj, type, reason, message) {
      if (pending >= maxPending) return;
      const meta = obj.metadata ?? {};
      // metav1.Time has whole seconds on the wire.
      const t = new Date(Math.floor(now().getTime() / 1000) * 1000);
      const namespace = meta.namespace || 'default';
      // Upstream names events "<object>.<unix nanoseconds in hex>". Our clock has milliseconds:
      // the nanoseconds below them come from a counter shared by every recorder of this process,
      // starting at random, so recorders here and in other processes do not take one name.
      const nanos = BigInt(now().getTime()) * 1_000_000n + BigInt(nextEventSeq());
      const ev: CoreV1Event = {
        apiVersion: 'v1', kind: 'Event',
        metadata: { name: `${meta.name ?? 'unknown'}.${nanos.toString(16)}`, namespace },
        involvedObject: {
          apiVersion: obj.apiVersion, kind: obj.kind, name: meta.name, namespace: meta.namespace, uid: meta.uid, resourceVersion: meta.resourceVersion,
        },
        reason, message, type,
        source: { component: opts.component, ...(opts.host ? { host: opts.host } : {}) },
        reportingComponent: opts.component, reportingInstance: opts.host ?? '',
        count: 1, firstTimestamp: t, lastTimestamp: t,
      };
      pending++;
      chain = chain.then(() => write(ev, t)).catch((e: unknown) => {
        log(`events: cannot record ${reason} for ${obj.kind ?? ''} ${namespace}/${meta.name ?? ''}: ${(e as Error)?.message ?? String(e)}`);
      }).finally(() => { pending--; });
    },
    flush: () => chain,
  };
}
