// Overload protection: at most N requests in flight, read-only (get, list, watch) and mutating
// counted apart, as upstream's WithMaxInFlightLimit (apiserver/pkg/server/filters/maxinflight.go)
// with kube-apiserver's defaults (--max-requests-inflight 400, --max-mutating-requests-inflight
// 200). Past the limit a request is answered at once with 429 and Retry-After: 1, so a flood is
// turned away instead of queueing up memory. Long-running requests (watches, proxy, exec,
// attach, logs, port-forward) hold no slot, and system:masters is never turned away.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestInfo } from '../endpoints/requestinfo.ts';
import type { UserInfo } from './authn.ts';

export const DEFAULT_MAX_REQUESTS_INFLIGHT = 400;
export const DEFAULT_MAX_MUTATING_REQUESTS_INFLIGHT = 200;

const NON_MUTATING_VERBS = new Set(['get', 'list', 'watch']);
// kube-apiserver's LongRunningFunc: BasicLongRunningRequestCheck(watch+proxy verbs, these subresources).
const LONG_RUNNING_VERBS = new Set(['watch', 'proxy']);
const LONG_RUNNING_SUBRESOURCES = new Set(['attach', 'exec', 'proxy', 'log', 'portforward']);
const SYSTEM_PRIVILEGED_GROUP = 'system:masters';

/** Upstream's text, written with http.Error: plain text, not a Status. */
export const TOO_MANY_REQUESTS_MESSAGE = 'Too many requests, please try again later.';

export interface InflightLimits {
  /** Read-only requests at once; 0 means no limit. */
  readOnly: number;
  /** Mutating requests at once; 0 means no limit. */
  mutating: number;
}

/** Whether a request streams for long (and so holds no in-flight slot). */
export function isLongRunning(info: RequestInfo): boolean {
  if (LONG_RUNNING_VERBS.has(info.verb)) return true;
  return info.isResourceRequest && LONG_RUNNING_SUBRESOURCES.has(info.subresource);
}

export class InflightLimiter {
  private limits: InflightLimits;
  private readOnlyInFlight = 0;
  private mutatingInFlight = 0;
  /** Requests turned away since start, by kind (upstream's apiserver_dropped_requests_total). */
  readonly dropped = { readOnly: 0, mutating: 0 };

  constructor(limits: Partial<InflightLimits> = {}) {
    this.limits = { readOnly: DEFAULT_MAX_REQUESTS_INFLIGHT, mutating: DEFAULT_MAX_MUTATING_REQUESTS_INFLIGHT, ...limits };
  }

  /** Changes the limits; requests already in flight keep their slots. */
  setLimits(limits: Partial<InflightLimits>): void {
    this.limits = { ...this.limits, ...limits };
  }

  get inFlight(): { readOnly: number; mutating: number } {
    return { readOnly: this.readOnlyInFlight, mutating: this.mutatingInFlight };
  }

  /**
   * Middleware placed after authentication and request info. Takes a slot for the request's
   * kind until its response finishes or its connection closes, or answers 429.
   */
  readonly middleware = (req: IncomingMessage & { requestInfo?: RequestInfo; user?: UserInfo }, res: ServerResponse, next: () => void): void => {
    const info = req.requestInfo;
    if (!info || isLongRunning(info)) return next();
    const mutating = !NON_MUTATING_VERBS.has(info.verb);
    const limit = mutating ? this.limits.mutating : this.limits.readOnly;
    if (limit <= 0) return next();
    const current = mutating ? this.mutatingInFlight : this.readOnlyInFlight;
    if (current >= limit) {
      if (req.user?.groups.includes(SYSTEM_PRIVILEGED_GROUP)) return next();
      if (mutating) this.dropped.mutating++; else this.dropped.readOnly++;
      tooManyRequests(res);
      return;
    }
    if (mutating) this.mutatingInFlight++; else this.readOnlyInFlight++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      if (mutating) this.mutatingInFlight--; else this.readOnlyInFlight--;
    };
    res.once('finish', release);
    res.once('close', release);
    next();
  };
}

/** 429 as upstream's tooManyRequests helper writes it (http.Error: text, nosniff, trailing newline). */
export function tooManyRequests(res: ServerResponse): void {
  const body = `${TOO_MANY_REQUESTS_MESSAGE}\n`;
  res.statusCode = 429;
  res.setHeader('Retry-After', '1');
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}
