// Writing responses: objects in the negotiated format, and every error as a Status.
import type { Request, Response } from 'express';
import * as errors from '../../machinery/errors.ts';
import { toYaml, type Negotiated, JSON_TYPE } from '../codec/negotiate.ts';
import { encodeProtobufObject, hasProtobufSchema } from '../codec/protobuf/index.ts';

export function writeObject(res: Response, code: number, obj: unknown, neg?: Negotiated): void {
  const format = neg?.format ?? 'json';
  if (format === 'yaml') {
    res.status(code).type('application/yaml').send(toYaml(obj));
    return;
  }
  if (format === 'protobuf') {
    const o = obj as { apiVersion?: string; kind?: string };
    if (o.apiVersion && o.kind && hasProtobufSchema(o.apiVersion, o.kind)) {
      res.status(code).type('application/vnd.kubernetes.protobuf').send(Buffer.from(encodeProtobufObject(obj as Record<string, unknown>)));
      return;
    }
  }
  const body = JSON.stringify(obj);
  res.status(code).setHeader('Content-Type', JSON_TYPE);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

export function statusOf(err: unknown): errors.Status {
  if (err instanceof errors.StatusError) return err.status;
  return errors.internalError(err).status;
}

/** Writes any error as upstream's Status; unexpected ones are logged with the request. */
export function writeError(req: Request, res: Response, err: unknown, log?: (msg: string) => void): void {
  if (!(err instanceof errors.StatusError)) {
    log?.(`${req.method} ${req.originalUrl}: internal error: ${(err as Error)?.stack ?? String(err)}`);
  }
  const status = statusOf(err);
  if (res.headersSent) {
    res.end();
    return;
  }
  if (status.code === 429 || status.code === 503 || status.code === 504) {
    const retry = status.details?.retryAfterSeconds;
    if (retry) res.setHeader('Retry-After', String(retry));
  }
  writeObject(res, status.code, status);
}
