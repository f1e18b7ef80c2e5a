// core/v1 Event: what `kubectl describe` and `kubectl get events` show.
import { defineResource, type KubeObject } from '../../types.ts';
import { since } from '../../common/age.ts';

type Event = KubeObject & {
  involvedObject?: { kind?: string; name?: string; namespace?: string; uid?: string; fieldPath?: string; apiVersion?: string; resourceVersion?: string };
  reason?: string; message?: string; type?: string; count?: number; source?: { component?: string; host?: string };
  firstTimestamp?: string | null; lastTimestamp?: string | null; eventTime?: string | null; reportingComponent?: string;
  reportingInstance?: string;
};

/**
 * The fields upstream's core/v1 Event always writes, whatever the client sent: the involved object
 * and source are structs (omitempty does not drop a struct), the three timestamps are zero Times
 * (written as null), and reportingComponent / reportingInstance have no omitempty.
 */
export function defaultCoreEvent(e: Event): void {
  e.involvedObject ??= {};
  e.source ??= {};
  if (e.firstTimestamp === undefined) e.firstTimestamp = null;
  if (e.lastTimestamp === undefined) e.lastTimestamp = null;
  if (e.eventTime === undefined) e.eventTime = null;
  e.reportingComponent ??= '';
  e.reportingInstance ??= '';
}

export const events = defineResource<Event>({
  group: '', version: 'v1', kind: 'Event', plural: 'events', singular: 'event',
  namespaced: true, shortNames: ['ev'], model: 'CoreV1Event',
  strategy: { defaults: defaultCoreEvent },
  fieldSelectors: {
    'involvedObject.kind': (e) => e.involvedObject?.kind,
    'involvedObject.namespace': (e) => e.involvedObject?.namespace,
    'involvedObject.name': (e) => e.involvedObject?.name,
    'involvedObject.uid': (e) => e.involvedObject?.uid,
    'involvedObject.apiVersion': (e) => e.involvedObject?.apiVersion,
    'involvedObject.resourceVersion': (e) => e.involvedObject?.resourceVersion,
    'involvedObject.fieldPath': (e) => e.involvedObject?.fieldPath,
    reason: (e) => e.reason,
    reportingComponent: (e) => e.reportingComponent,
    source: (e) => e.source?.component,
    type: (e) => e.type,
  },
  table: {
    columns: [
      { name: 'Last Seen', type: 'string', description: 'Time since the event was last seen.' },
      { name: 'Type', type: 'string', description: 'Normal or Warning.' },
      { name: 'Reason', type: 'string', description: 'Why the event happened.' },
      { name: 'Object', type: 'string', description: 'The object the event is about.' },
      { name: 'Subobject', type: 'string', priority: 1, description: 'The part of the object (a container).' },
      { name: 'Source', type: 'string', priority: 1, description: 'The component that reported it.' },
      { name: 'Message', type: 'string', description: 'A human-readable description.' },
      { name: 'First Seen', type: 'string', priority: 1, description: 'Time since the event was first seen.' },
      { name: 'Count', type: 'string', priority: 1, description: 'How many times it happened.' },
      { name: 'Name', type: 'string', priority: 1, description: 'The name of the event.' },
    ],
    row(e, now) {
      const last = e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp;
      const first = e.firstTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp;
      const obj = `${(e.involvedObject?.kind ?? '').toLowerCase()}/${e.involvedObject?.name ?? ''}`;
      const source = [e.source?.component ?? e.reportingComponent, e.source?.host].filter(Boolean).join(', ');
      return [since(last, now), e.type ?? '', e.reason ?? '', obj, e.involvedObject?.fieldPath ?? '', source, e.message ?? '',
        since(first, now), String(e.count ?? 1), e.metadata?.name ?? ''];
    },
  },
});
