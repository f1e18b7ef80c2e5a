// A test API server over the embedded store with extra resources registered, and helpers to
// assert upstream's 422 causes. Used by the resource modules' tests (server/apis/*/*.test.ts).
import request from 'supertest';
import { expect } from 'vitest';
import { openStore, type SqlStore } from '../../../storage/index.ts';
import { ApiServer } from '../../apiserver.ts';
import { groupVersion, type AnyResource, type KubeObject } from '../types.ts';

export const auth = { Authorization: 'Bearer admin-token' };
export const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

export interface TestApi {
  api: ApiServer;
  store: SqlStore;
  close(): Promise<void>;
  /** The collection URL of a registered resource in a namespace ('' for cluster-scoped). */
  url(def: AnyResource, namespace?: string, name?: string, sub?: string): string;
  createNamespace(name: string): Promise<void>;
}

export async function startApi(defs: AnyResource[]): Promise<TestApi> {
  const store = await openStore({});
  // No service account controller runs here: ServiceAccount admission is off, as on upstream's integration test servers.
  const api = new ApiServer({
    store, tokens: [{ token: 'admin-token', user: { name: 'admin', groups: ['system:masters'] } }], log: () => {}, admission: { disable: ['ServiceAccount'] },
  });
  for (const def of defs) api.register(def);
  await api.bootstrap();
  return {
    api, store,
    close: () => store.close(),
    url(def, namespace = '', name, sub) {
      const base = def.group ? `/apis/${groupVersion(def)}` : `/api/${def.version}`;
      const ns = def.namespaced && namespace ? `/namespaces/${namespace}` : '';
      return `${base}${ns}/${def.plural}${name ? `/${name}` : ''}${sub ? `/${sub}` : ''}`;
    },
    async createNamespace(name) {
      await request(api.app).post('/api/v1/namespaces').set(auth).send({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }).expect(201);
    },
  };
}

export interface InvalidCase {
  name: string;
  def: AnyResource;
  body: KubeObject;
  /** The cause upstream reports (one of possibly several). */
  field: string;
  message: string;
  namespace?: string;
}

/** POSTs the body and expects a 422 whose causes include {field, message}. */
export async function expectInvalid(t: TestApi, c: InvalidCase): Promise<void> {
  const res = await request(t.api.app).post(t.url(c.def, c.namespace ?? 'default')).set(auth)
    .send({ apiVersion: groupVersion(c.def), kind: c.def.kind, ...c.body });
  expect(res.status, `${c.name}: ${JSON.stringify(res.body)}`).toBe(422);
  expect(res.body.reason).toBe('Invalid');
  const causes = (res.body.details?.causes ?? []).map((x: { field: string; message: string }) => ({ field: x.field, message: x.message }));
  expect(causes, c.name).toContainEqual({ field: c.field, message: c.message });
}

/** The columns and the first row of a Table GET. */
export async function tableOf(t: TestApi, path: string): Promise<{ columns: string[]; rows: unknown[][]; priorities: number[] }> {
  const res = await request(t.api.app).get(path).set(auth).set('Accept', TABLE).expect(200);
  expect(res.body.kind).toBe('Table');
  return {
    columns: res.body.columnDefinitions.map((c: { name: string }) => c.name),
    priorities: res.body.columnDefinitions.map((c: { priority: number }) => c.priority),
    rows: (res.body.rows ?? []).map((r: { cells: unknown[] }) => r.cells),
  };
}
