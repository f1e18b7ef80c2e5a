// The Kubernetes `Status` object and the one error class that carries it, with constructors that
// reproduce apimachinery/pkg/api/errors (and the apiserver's negotiation and storage errors):
// the same codes, reasons, details and message texts.
import { aggregateFieldErrors, fieldErrorBody, type FieldError } from './fieldpath.ts';
import { goQuote } from './goformat.ts';

export interface StatusCause {
  /** The cause type (upstream's CauseType, serialised as `reason`), e.g. `FieldValueInvalid`. */
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: { resourceVersion?: string; continue?: string };
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** metav1.StatusReason values. */
export const StatusReason = {
  Unknown: '',
  Unauthorized: 'Unauthorized',
  Forbidden: 'Forbidden',
  NotFound: 'NotFound',
  AlreadyExists: 'AlreadyExists',
  Conflict: 'Conflict',
  Gone: 'Gone',
  Invalid: 'Invalid',
  ServerTimeout: 'ServerTimeout',
  StoreReadError: 'StorageReadError',
  Timeout: 'Timeout',
  TooManyRequests: 'TooManyRequests',
  BadRequest: 'BadRequest',
  MethodNotAllowed: 'MethodNotAllowed',
  NotAcceptable: 'NotAcceptable',
  RequestEntityTooLarge: 'RequestEntityTooLarge',
  UnsupportedMediaType: 'UnsupportedMediaType',
  InternalError: 'InternalError',
  Expired: 'Expired',
  ServiceUnavailable: 'ServiceUnavailable',
} as const;

/** metav1.CauseType values beyond the field error types. */
export const CauseType = {
  UnexpectedServerResponse: 'UnexpectedServerResponse',
  FieldManagerConflict: 'FieldManagerConflict',
  ResourceVersionTooLarge: 'ResourceVersionTooLarge',
} as const;

export class StatusError extends Error {
  readonly status: Status;

  constructor(status: Status) {
    super(status.message ?? '');
    this.name = 'StatusError';
    this.status = status;
  }

  get code(): number {
    return this.status.code;
  }

  get reason(): string {
    return this.status.reason ?? '';
  }
}

export function isStatusError(e: unknown, reason?: string): e is StatusError {
  return e instanceof StatusError && (reason === undefined || e.reason === reason);
}

export interface GroupResource { group: string; resource: string }
export interface GroupKind { group: string; kind: string }

/** schema.GroupResource.String(): `configmaps`, `deployments.apps`. */
export function groupResourceString(gr: GroupResource): string {
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

/** schema.GroupKind.String(): `ConfigMap`, `Deployment.apps`. */
export function groupKindString(gk: GroupKind): string {
  return gk.group ? `${gk.kind}.${gk.group}` : gk.kind;
}

/** Details as upstream serialises them: empty strings and zero counts are omitted, the object is not. */
function details(d: { name?: string; group?: string; kind?: string; uid?: string; causes?: StatusCause[]; retryAfterSeconds?: number }): StatusDetails {
  const out: StatusDetails = {};
  if (d.name) out.name = d.name;
  if (d.group) out.group = d.group;
  if (d.kind) out.kind = d.kind;
  if (d.uid) out.uid = d.uid;
  if (d.causes && d.causes.length > 0) out.causes = d.causes;
  if (d.retryAfterSeconds) out.retryAfterSeconds = d.retryAfterSeconds;
  return out;
}

/** Keys in upstream's field order, so the JSON reads the same. */
function failure(code: number, reason: string, message: string, det?: StatusDetails): StatusError {
  const status: Status = det
    ? { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, details: det, code }
    : { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  if (!reason) delete status.reason; // StatusReasonUnknown is "" and omitted
  return new StatusError(status);
}

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export function notFound(gr: GroupResource, name: string): StatusError {
  return failure(404, StatusReason.NotFound, `${groupResourceString(gr)} ${goQuote(name)} not found`,
    details({ name, group: gr.group, kind: gr.resource }));
}

export function alreadyExists(gr: GroupResource, name: string): StatusError {
  return failure(409, StatusReason.AlreadyExists, `${groupResourceString(gr)} ${goQuote(name)} already exists`,
    details({ name, group: gr.group, kind: gr.resource }));
}

/** The 409 when generateName kept colliding (upstream's NewGenerateNameConflict). */
export function generateNameConflict(gr: GroupResource, name: string, retryAfterSeconds: number): StatusError {
  return failure(409, StatusReason.AlreadyExists,
    `${groupResourceString(gr)} ${goQuote(name)} already exists, the server was not able to generate a unique name for the object`,
    details({ name, group: gr.group, kind: gr.resource, retryAfterSeconds }));
}

/** `cause` is the text after the colon, e.g. upstream's OptimisticLockErrorMsg. */
export function conflict(gr: GroupResource, name: string, cause: string): StatusError {
  return failure(409, StatusReason.Conflict, `Operation cannot be fulfilled on ${groupResourceString(gr)} ${goQuote(name)}: ${cause}`,
    details({ name, group: gr.group, kind: gr.resource }));
}

/** The cause text upstream uses for a resourceVersion precondition that failed. */
export const OptimisticLockErrorMsg = 'the object has been modified; please apply your changes to the latest version and try again';

/** 422 Invalid with one cause per field error; the message aggregates them as upstream does. */
export function invalid(gk: GroupKind, name: string, fieldErrors: readonly FieldError[]): StatusError {
  const causes: StatusCause[] = fieldErrors.map((e) => ({ reason: e.type, message: fieldErrorBody(e), field: e.field }));
  const agg = aggregateFieldErrors(fieldErrors);
  const head = `${groupKindString(gk)} ${goQuote(name)} is invalid`;
  return failure(422, StatusReason.Invalid, agg ? `${head}: ${agg}` : head,
    details({ name, group: gk.group, kind: gk.kind, causes }));
}

export function badRequest(msg: string): StatusError {
  return failure(400, StatusReason.BadRequest, msg);
}

export function methodNotSupported(gr: GroupResource, action: string): StatusError {
  return failure(405, StatusReason.MethodNotAllowed,
    `${action} is not supported on resources of kind ${goQuote(groupResourceString(gr))}`,
    details({ group: gr.group, kind: gr.resource }));
}

/** `reason` is the authorizer's explanation (upstream's err), printed after "is forbidden: ". */
export function forbidden(gr: GroupResource, name: string, reason: string): StatusError {
  let message: string;
  if (!gr.group && !gr.resource) message = `forbidden: ${reason}`;
  else if (!name) message = `${groupResourceString(gr)} is forbidden: ${reason}`;
  else message = `${groupResourceString(gr)} ${goQuote(name)} is forbidden: ${reason}`;
  return failure(403, StatusReason.Forbidden, message, details({ name, group: gr.group, kind: gr.resource }));
}

export function unauthorized(msg: string): StatusError {
  return failure(401, StatusReason.Unauthorized, msg || 'not authorized');
}

/** 415 from content negotiation; upstream's text lists what is accepted, not what was sent. */
export function unsupportedMediaType(_contentType: string, supported: readonly string[]): StatusError {
  return failure(415, StatusReason.UnsupportedMediaType,
    `the body of the request was in an unknown format - accepted media types include: ${supported.join(', ')}`);
}

export function notAcceptable(supported: readonly string[]): StatusError {
  return failure(406, StatusReason.NotAcceptable, `only the following media types are accepted: ${supported.join(', ')}`);
}

export function requestEntityTooLarge(msg: string): StatusError {
  return failure(413, StatusReason.RequestEntityTooLarge, `Request entity too large: ${msg}`);
}

export function gone(msg: string): StatusError {
  return failure(410, StatusReason.Gone, msg);
}

/** 410 Expired: what a watch or continue token older than the compaction window gets. */
export function resourceExpired(msg: string): StatusError {
  return failure(410, StatusReason.Expired, msg);
}

export function tooManyRequests(msg: string, retryAfterSeconds: number): StatusError {
  return failure(429, StatusReason.TooManyRequests, msg, details({ retryAfterSeconds }));
}

/** 500 ServerTimeout; upstream puts the operation in details.name. */
export function serverTimeout(gr: GroupResource, operation: string, retryAfterSeconds: number): StatusError {
  return failure(500, StatusReason.ServerTimeout,
    `The ${operation} operation against ${groupResourceString(gr)} could not be completed at this time, please try again.`,
    details({ name: operation, group: gr.group, kind: gr.resource, retryAfterSeconds }));
}

export function timeout(msg: string, retryAfterSeconds: number): StatusError {
  return failure(504, StatusReason.Timeout, `Timeout: ${msg}`, details({ retryAfterSeconds }));
}

/**
 * A read at a resourceVersion the store has not reached yet: 504 Timeout with a
 * ResourceVersionTooLarge cause (apiserver storage.NewTooLargeResourceVersionError). Takes the two
 * revisions, or the storage layer's ready-made `Too large resource version: X, current: Y` text.
 * The watch cache asks clients to retry after 1 second, as upstream's does.
 */
export function tooLargeResourceVersion(message: string, retryAfterSeconds?: number): StatusError;
export function tooLargeResourceVersion(minimumResourceVersion: bigint | number, currentResourceVersion: bigint | number, retryAfterSeconds?: number): StatusError;
export function tooLargeResourceVersion(a: string | bigint | number, b?: bigint | number, c?: number): StatusError {
  const text = typeof a === 'string' ? a : `Too large resource version: ${a}, current: ${b}`;
  const retry = typeof a === 'string' ? (b === undefined ? 1 : Number(b)) : (c ?? 1);
  const err = timeout(text, retry);
  err.status.details = { ...err.status.details, causes: [{ reason: CauseType.ResourceVersionTooLarge, message: 'Too large resource version' }] };
  return err;
}

export function isTooLargeResourceVersion(e: unknown): boolean {
  return isStatusError(e, StatusReason.Timeout) &&
    (e.status.details?.causes ?? []).some((c) => c.reason === CauseType.ResourceVersionTooLarge);
}

export function internalError(err: unknown): StatusError {
  const text = errorText(err);
  return failure(500, StatusReason.InternalError, `Internal error occurred: ${text}`, { causes: [{ message: text }] });
}

export function serviceUnavailable(msg: string): StatusError {
  return failure(503, StatusReason.ServiceUnavailable, msg);
}

/**
 * The Status a client builds from a bare HTTP status, which the apiserver also uses for routing
 * failures and some patch errors (errors.NewGenericServerResponse): the message is fixed per code.
 */
export function genericServerResponse(code: number, verb: string, gr: GroupResource, name: string, serverMessage: string,
  retryAfterSeconds: number, isUnexpectedResponse: boolean): StatusError {
  let reason: string = StatusReason.Unknown;
  let message = `the server responded with the status code ${code} but did not return more information`;
  switch (code) {
    case 409:
      reason = verb === 'POST' ? StatusReason.AlreadyExists : StatusReason.Conflict;
      message = 'the server reported a conflict';
      break;
    case 404: reason = StatusReason.NotFound; message = 'the server could not find the requested resource'; break;
    case 400: reason = StatusReason.BadRequest; message = 'the server rejected our request for an unknown reason'; break;
    case 401: reason = StatusReason.Unauthorized; message = 'the server has asked for the client to provide credentials'; break;
    case 403: reason = StatusReason.Forbidden; message = serverMessage; break;
    case 406:
      reason = StatusReason.NotAcceptable;
      message = !serverMessage || serverMessage === 'unknown' ? 'the server was unable to respond with a content type that the client supports' : serverMessage;
      break;
    case 415: reason = StatusReason.UnsupportedMediaType; message = serverMessage; break;
    case 405: reason = StatusReason.MethodNotAllowed; message = 'the server does not allow this method on the requested resource'; break;
    case 422: reason = StatusReason.Invalid; message = 'the server rejected our request due to an error in our request'; break;
    case 503: reason = StatusReason.ServiceUnavailable; message = 'the server is currently unable to handle the request'; break;
    case 504:
      reason = StatusReason.Timeout;
      message = 'the server was unable to return a response in the time allotted, but may still be processing the request';
      break;
    case 429:
      reason = StatusReason.TooManyRequests;
      message = 'the server has received too many requests and has asked us to try again later';
      break;
    default:
      if (code >= 500) {
        reason = StatusReason.InternalError;
        message = `an error on the server (${goQuote(serverMessage)}) has prevented the request from succeeding`;
      }
  }
  const grEmpty = !gr.group && !gr.resource;
  if (!grEmpty && name) message = `${message} (${verb.toLowerCase()} ${groupResourceString(gr)} ${name})`;
  else if (!grEmpty) message = `${message} (${verb.toLowerCase()} ${groupResourceString(gr)})`;
  const causes = isUnexpectedResponse ? [{ reason: CauseType.UnexpectedServerResponse, message: serverMessage }] : undefined;
  return failure(code, reason, message, details({ name, group: gr.group, kind: gr.resource, causes, retryAfterSeconds }));
}

/**
 * The JSON 404 for a path no route serves (the apiserver's go-restful service error handler):
 * `the server could not find the requested resource`.
 */
export function notFoundPath(): StatusError {
  return genericServerResponse(404, '', { group: '', resource: '' }, '', '', 0, false);
}

/**
 * A patch that cannot be applied (a JSON patch test failing, a path missing): upstream answers a
 * generic 422 whose message drops the detail.
 */
export function invalidPatch(detail: string): StatusError {
  return genericServerResponse(422, '', { group: '', resource: '' }, '', detail, 0, false);
}

/**
 * Invalid query parameters, as upstream's 422 for ListOptions (or PatchOptions etc. via `kind`):
 * `ListOptions.meta.k8s.io "" is invalid: ...`. Pass field errors to get causes; a string is taken
 * as the already-aggregated error text.
 */
export function invalidParams(errs: string | readonly FieldError[], kind = 'ListOptions'): StatusError {
  const gk = { group: 'meta.k8s.io', kind };
  if (typeof errs !== 'string') return invalid(gk, '', errs);
  return failure(422, StatusReason.Invalid, `${groupKindString(gk)} "" is invalid: ${errs}`, details({ group: gk.group, kind: gk.kind }));
}

/** The Success status that deletes (and other verbs without an object to return) answer with. */
export function statusSuccess(det?: StatusDetails, code = 200): Status {
  return det
    ? { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: det, code }
    : { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code };
}

/**
 * The Status the apiserver writes for any thrown value (responsewriters.ErrorToAPIStatus): a
 * StatusError as is, anything else as a 500 with no reason and the error's text.
 */
export function errorToStatus(e: unknown): Status {
  if (e instanceof StatusError) {
    const s = { ...e.status };
    if (!s.code) s.code = s.status === 'Success' ? 200 : 500;
    return s;
  }
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: errorText(e), code: 500 };
}
