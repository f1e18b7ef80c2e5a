// Test support for resource modules: an API server over an in-memory store with extra resources
// registered, supertest helpers, and the assertion that a request failed with upstream's 422.
import request from 'supertest';
import { expect } from 'vitest';
import { openStore, type SqlStore } from '../../storage/index.ts';
import { ApiServer } from '../apiserver.ts';
import type { AnyResource } from './types.ts';

export const AUTH = { Authorization: 'Bearer admin-token' };

export interface TestApi {
  api: ApiServer;
  store: SqlStore;
  get(path: string, accept?: string): request.Test;
  post(path: string, body: unknown): request.Test;
  put(path: string, body: unknown): request.Test;
  patch(path: string, body: unknown, type?: string): request.Test;
  del(path: string): request.Test;
  /** Creates a namespace with a fresh name and returns it. */
  namespace(): Promise<string>;
  close(): Promise<void>;
}

let seq = 0;

export async function startTestApi(defs: AnyResource[]): Promise<TestApi> {
  const store = await openStore({});
  // No service account controller runs here: ServiceAccount admission is off, as on upstream's integration test servers.
  const api = new ApiServer({
    store, tokens: [{ token: 'admin-token', user: { name: 'admin', groups: ['system:masters'] } }], log: () => {}, admission: { disable: ['ServiceAccount'] },
  });
  for (const d of defs) api.register(d);
  await api.bootstrap();
  const r = () => request(api.app);
  return {
    api, store,
    get: (path, accept) => (accept ? r().get(path).set(AUTH).set('Accept', accept) : r().get(path).set(AUTH)),
    post: (path, body) => r().post(path).set(AUTH).send(body as object),
    put: (path, body) => r().put(path).set(AUTH).send(body as object),
    patch: (path, body, type = 'application/merge-patch+json') => r().patch(path).set(AUTH).set('Content-Type', type).send(JSON.stringify(body)),
    del: (path) => r().delete(path).set(AUTH),
    async namespace() {
      const name = `t${process.pid % 1000}-${seq++}`;
      await r().post('/api/v1/namespaces').set(AUTH).send({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }).expect(201);
      return name;
    },
    close: () => store.close(),
  };
}

export const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io';

/** The response is upstream's 422 Invalid with this cause among its causes. */
export function expectInvalid(res: request.Response, field: string, message: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(422);
  expect(res.body.reason).toBe('Invalid');
  expect(res.body.details.causes, res.body.message).toContainEqual(expect.objectContaining({ field, message }));
}

/** A case of a validation table: an object and the cause its create must fail with. */
export interface InvalidCase {
  name: string;
  /** The collection URL with `{ns}` for the namespace. */
  path: string;
  body: Record<string, unknown>;
  field: string;
  message: string;
}

/** Deep-merges `patch` into a copy of `base` (arrays replaced, undefined deletes). */
export function merge<T>(base: T, patch: unknown): T {
  if (patch === undefined) return base;
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch) || typeof base !== 'object' || base === null || Array.isArray(base)) {
    return structuredClone(patch) as T;
  }
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === undefined) delete out[k];
    else out[k] = merge(out[k], v);
  }
  return out as T;
}
