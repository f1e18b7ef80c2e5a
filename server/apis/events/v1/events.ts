// events.k8s.io/v1 Event: the same objects as core/v1 Events, stored once in the core form and
// converted on the way in and out (upstream's pkg/apis/events/v1 conversion: regarding is
// involvedObject, note is message, deprecated* are the legacy counters and source).
// Writes through this version get upstream's strict checks; messages name the core fields, as
// upstream validates its internal (core) form.
import { FieldPath } from '../../../../machinery/fieldpath.ts';
import * as field from '../../../../machinery/fieldpath.ts';
import { byteLength } from '../../../../machinery/goformat.ts';
import { isDNS1123Subdomain, isQualifiedName, validateImmutableField } from '../../../../machinery/validation.ts';
import { defineResource, type FieldError, type KubeObject } from '../../types.ts';
import { events as coreEvents } from '../../core/v1/events.ts';
import { isObject, semanticEqual } from '../../common/shapes.ts';

type ObjectReference = Record<string, unknown>;
type Series = { count?: number; lastObservedTime?: string };

/** The events.k8s.io/v1 form. */
export type Event = KubeObject & {
  eventTime?: string | null; series?: Series; reportingController?: string; reportingInstance?: string;
  action?: string; reason?: string; regarding?: ObjectReference; related?: ObjectReference; note?: string; type?: string;
  deprecatedSource?: { component?: string; host?: string }; deprecatedFirstTimestamp?: string | null;
  deprecatedLastTimestamp?: string | null; deprecatedCount?: number;
};

/** The core/v1 form, as stored. */
export type CoreEvent = KubeObject & {
  involvedObject?: ObjectReference; reason?: string; message?: string; source?: { component?: string; host?: string };
  firstTimestamp?: string | null; lastTimestamp?: string | null; count?: number; type?: string; eventTime?: string | null;
  series?: Series; action?: string; related?: ObjectReference; reportingComponent?: string; reportingInstance?: string;
};

const present = (v: unknown) => v !== undefined && v !== null && v !== '' && v !== 0;

/** core/v1 → events.k8s.io/v1, with upstream's JSON: the struct and timestamp fields always present. */
export function fromCore(e: CoreEvent): Event {
  const out: Event = { apiVersion: 'events.k8s.io/v1', kind: 'Event' };
  if (e.metadata !== undefined) out.metadata = e.metadata;
  out.eventTime = e.eventTime ?? null;
  if (e.series) out.series = e.series;
  if (present(e.reportingComponent)) out.reportingController = e.reportingComponent;
  if (present(e.reportingInstance)) out.reportingInstance = e.reportingInstance;
  if (present(e.action)) out.action = e.action;
  if (present(e.reason)) out.reason = e.reason;
  out.regarding = e.involvedObject ?? {};
  if (e.related) out.related = e.related;
  if (present(e.message)) out.note = e.message;
  if (present(e.type)) out.type = e.type;
  out.deprecatedSource = e.source ?? {};
  out.deprecatedFirstTimestamp = e.firstTimestamp ?? null;
  out.deprecatedLastTimestamp = e.lastTimestamp ?? null;
  if (present(e.count)) out.deprecatedCount = e.count;
  return out;
}

/** events.k8s.io/v1 → core/v1, with the core type's always-present fields. */
export function toCore(e: Event): CoreEvent {
  const out: CoreEvent = { apiVersion: 'v1', kind: 'Event' };
  if (e.metadata !== undefined) out.metadata = e.metadata;
  out.involvedObject = e.regarding ?? {};
  if (present(e.reason)) out.reason = e.reason;
  if (present(e.note)) out.message = e.note;
  out.source = e.deprecatedSource ?? {};
  out.firstTimestamp = e.deprecatedFirstTimestamp ?? null;
  out.lastTimestamp = e.deprecatedLastTimestamp ?? null;
  if (present(e.deprecatedCount)) out.count = e.deprecatedCount;
  if (present(e.type)) out.type = e.type;
  out.eventTime = e.eventTime ?? null;
  if (e.series) out.series = e.series;
  if (present(e.action)) out.action = e.action;
  if (e.related) out.related = e.related;
  out.reportingComponent = e.reportingController ?? '';
  out.reportingInstance = e.reportingInstance ?? '';
  return out;
}

const ReportingInstanceLengthLimit = 128;
const ActionLengthLimit = 128;
const ReasonLengthLimit = 128;
const NoteLengthLimit = 1024;

/** Upstream's legacyValidateEvent, on the core form: every event passes it whatever its version. */
function legacyValidate(e: CoreEvent): FieldError[] {
  const errs: FieldError[] = [];
  const ns = e.metadata?.namespace ?? '';
  const involvedNs = String(e.involvedObject?.namespace ?? '');
  const nsPath = FieldPath.root('involvedObject', 'namespace');
  if (!e.eventTime) {
    if (involvedNs === '') {
      if (ns !== '' && ns !== 'default') errs.push(field.invalid(nsPath, involvedNs, 'does not match event.namespace'));
    } else if (ns !== involvedNs) {
      errs.push(field.invalid(nsPath, involvedNs, 'does not match event.namespace'));
    }
  } else {
    if (involvedNs === '' && ns !== 'default' && ns !== 'kube-system') errs.push(field.invalid(nsPath, involvedNs, 'does not match event.namespace'));
    const rc = e.reportingComponent ?? '';
    if (rc === '') errs.push(field.required(FieldPath.root('reportingController')));
    for (const m of isQualifiedName(rc)) errs.push(field.invalid(FieldPath.root('reportingController'), rc, m));
    const ri = e.reportingInstance ?? '';
    if (ri === '') errs.push(field.required(FieldPath.root('reportingInstance')));
    if (byteLength(ri) > ReportingInstanceLengthLimit) errs.push(field.invalid(FieldPath.root('reportingInstance'), '', `can have at most ${ReportingInstanceLengthLimit} characters`));
    const action = e.action ?? '';
    if (action === '') errs.push(field.required(FieldPath.root('action')));
    if (byteLength(action) > ActionLengthLimit) errs.push(field.invalid(FieldPath.root('action'), '', `can have at most ${ActionLengthLimit} characters`));
    const reason = e.reason ?? '';
    if (reason === '') errs.push(field.required(FieldPath.root('reason')));
    if (byteLength(reason) > ReasonLengthLimit) errs.push(field.invalid(FieldPath.root('reason'), '', `can have at most ${ReasonLengthLimit} characters`));
    if (byteLength(e.message ?? '') > NoteLengthLimit) errs.push(field.invalid(FieldPath.root('message'), '', `can have at most ${NoteLengthLimit} characters`));
  }
  for (const m of isDNS1123Subdomain(ns)) errs.push(field.invalid(FieldPath.root('namespace'), ns, m));
  return errs;
}

function validateSeries(e: CoreEvent): FieldError[] {
  if (!e.series) return [];
  const errs: FieldError[] = [];
  if ((e.series.count ?? 0) < 2) errs.push(field.invalid('series.count', '', 'should be at least 2'));
  if (!e.series.lastObservedTime) errs.push(field.required('series.lastObservedTime'));
  return errs;
}

/** Upstream's ValidateEventCreate for a request through events.k8s.io/v1. */
export function validateEventCreate(e: CoreEvent): FieldError[] {
  const errs = legacyValidate(e);
  errs.push(...validateSeries(e));
  if (!e.eventTime) errs.push(field.required('eventTime'));
  if (e.type !== 'Normal' && e.type !== 'Warning') errs.push(field.invalid('type', '', `has invalid value: ${e.type ?? ''}`));
  if (e.firstTimestamp) errs.push(field.invalid('firstTimestamp', '', 'needs to be unset'));
  if (e.lastTimestamp) errs.push(field.invalid('lastTimestamp', '', 'needs to be unset'));
  if (e.count) errs.push(field.invalid('count', '', 'needs to be unset'));
  if (e.source?.component || e.source?.host) errs.push(field.invalid('source', '', 'needs to be unset'));
  return errs;
}

/** Upstream's ValidateEventUpdate through events.k8s.io/v1: what the event says may not change. */
export function validateEventUpdate(e: CoreEvent, old: CoreEvent): FieldError[] {
  const errs = legacyValidate(e);
  if (!semanticEqual(e.series, old.series)) errs.push(...validateSeries(e));
  const same = (name: string, a: unknown, b: unknown) => {
    if (!semanticEqual(a, b)) errs.push(...validateImmutableField(a ?? null, b ?? null, FieldPath.root(name)));
  };
  same('involvedObject', e.involvedObject, old.involvedObject);
  same('reason', e.reason ?? '', old.reason ?? '');
  same('message', e.message ?? '', old.message ?? '');
  same('source', e.source, old.source);
  same('firstTimestamp', e.firstTimestamp, old.firstTimestamp);
  same('lastTimestamp', e.lastTimestamp, old.lastTimestamp);
  same('count', e.count ?? 0, old.count ?? 0);
  same('type', e.type ?? '', old.type ?? '');
  same('eventTime', e.eventTime, old.eventTime);
  same('action', e.action ?? '', old.action ?? '');
  same('related', e.related, old.related);
  same('reportingComponent', e.reportingComponent ?? '', old.reportingComponent ?? '');
  same('reportingInstance', e.reportingInstance ?? '', old.reportingInstance ?? '');
  return errs;
}

// Upstream names the reportingController field path after the internal Go field, not the core/v1 JSON name.
const renameReportingComponent = (errs: FieldError[]) => errs.map((e) => (e.field === 'reportingComponent' ? { ...e, field: 'reportingController' } : e));

const ref = (e: Event, k: string) => (isObject(e.regarding) ? String(e.regarding[k] ?? '') : '');

export const events = defineResource<Event>({
  group: 'events.k8s.io', version: 'v1', kind: 'Event', plural: 'events', singular: 'event',
  namespaced: true, shortNames: ['ev'], model: 'EventsV1Event',
  storageVersion: { group: '', plural: 'events', toStorage: (e) => toCore(e), fromStorage: (o) => fromCore(o as CoreEvent) },
  fieldSelectors: {
    'regarding.kind': (e) => ref(e, 'kind'),
    'regarding.namespace': (e) => ref(e, 'namespace'),
    'regarding.name': (e) => ref(e, 'name'),
    'regarding.uid': (e) => ref(e, 'uid'),
    'regarding.apiVersion': (e) => ref(e, 'apiVersion'),
    'regarding.resourceVersion': (e) => ref(e, 'resourceVersion'),
    'regarding.fieldPath': (e) => ref(e, 'fieldPath'),
    reason: (e) => e.reason ?? '',
    reportingController: (e) => e.reportingController ?? '',
    type: (e) => e.type ?? '',
  },
  strategy: {
    allowCreateOnUpdate: true,
    allowUnconditionalUpdate: true,
    // Create-only rules (upstream's ValidateEventCreate); the registry also runs `validate` on update.
    validate: (e, ctx) => (ctx.operation === 'UPDATE' ? [] : renameReportingComponent(validateEventCreate(toCore(e)))),
    validateUpdate: (e, old) => renameReportingComponent(validateEventUpdate(toCore(e), toCore(old))),
  },
  // Upstream prints both versions with the one core Event printer.
  table: { columns: coreEvents.table!.columns, row: (e, now) => coreEvents.table!.row(toCore(e) as Parameters<NonNullable<typeof coreEvents.table>["row"]>[0], now) },
});
