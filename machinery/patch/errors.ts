// The one error type of the patch layer. Each value already carries the HTTP code,
// reason and message that kube-apiserver puts in its Status for the same failure
// (k8s.io/apiserver/pkg/endpoints/handlers/patch.go), so the server translates it once.

/** metav1.StatusReason values a patch can fail with; '' is StatusReasonUnknown. */
export type PatchErrorReason =
  | 'BadRequest'
  | 'Invalid'
  | 'Conflict'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | '';

export interface PatchStatusCause {
  type?: string;
  message?: string;
  field?: string;
}

export interface PatchStatusDetails {
  causes?: PatchStatusCause[];
}

/** The metav1.Status body upstream writes for the error. */
export interface PatchStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason?: PatchErrorReason;
  details?: PatchStatusDetails;
  code: number;
}

export class PatchError extends Error {
  override readonly name = 'PatchError';

  /**
   * @param code HTTP status upstream answers with.
   * @param reason metav1.StatusReason.
   * @param message the Status message, exactly as upstream writes it.
   * @param detail the underlying library error (evanphx/json-patch, strategicpatch) when
   *   upstream hides it behind a generic message; useful in logs, never sent.
   * @param details Status details, when upstream sends any.
   */
  constructor(
    readonly code: number,
    readonly reason: PatchErrorReason,
    message: string,
    readonly detail: string = message,
    readonly details?: PatchStatusDetails,
  ) {
    super(message);
  }

  toStatus(): PatchStatus {
    const status: PatchStatus = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      code: this.code,
    };
    if (this.reason !== '') status.reason = this.reason;
    if (this.details !== undefined) status.details = this.details;
    return status;
  }
}

/** errors.NewBadRequest(msg). */
export function badRequest(message: string): PatchError {
  return new PatchError(400, 'BadRequest', message);
}

/**
 * errors.NewGenericServerResponse(422, …, err.Error()): upstream replaces the library's
 * text with a fixed message and sends empty details; `detail` keeps the library's text.
 */
export function unprocessable(detail: string): PatchError {
  return new PatchError(
    422,
    'Invalid',
    'the server rejected our request due to an error in our request',
    detail,
    {},
  );
}

/** A plain Go error reaching the handler becomes 500 with an empty reason and err.Error(). */
export function internalError(message: string): PatchError {
  return new PatchError(500, '', message);
}

/** errors.NewRequestEntityTooLargeError(msg). */
export function requestEntityTooLarge(message: string): PatchError {
  return new PatchError(413, 'RequestEntityTooLarge', `Request entity too large: ${message}`);
}

/** negotiation.NewUnsupportedMediaTypeError(accepted). */
export function unsupportedMediaType(accepted: readonly string[]): PatchError {
  return new PatchError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
  );
}
