// The REST machinery through HTTP (supertest), over the embedded store: discovery agrees with
// the resource list, and errors, lists, watches and patches behave as upstream's.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import request from 'supertest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { openStore, type SqlStore } from '../storage/index.ts';
import { ApiServer } from './apiserver.ts';
import { builtinResources } from './apis/index.ts';
import { decodeProtobufObject, schemas } from './codec/protobuf/index.ts';
import { Reader, WireType } from './codec/protobuf/wire.ts';

let store: SqlStore;
let api: ApiServer;
const auth = { Authorization: 'Bearer admin-token' };
let seq = 0;
const ns = () => `t${seq++}`;

async function createNamespace(name: string) {
  await request(api.app).post('/api/v1/namespaces').set(auth).send({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }).expect(201);
}

beforeAll(async () => {
  store = await openStore({});
  // No service account controller makes "default" ServiceAccounts here: ServiceAccount admission is off, as on upstream's test servers.
  api = new ApiServer({
    store, tokens: [{ token: 'admin-token', user: { name: 'admin', groups: ['system:masters'] } }], log: () => {}, admission: { disable: ['ServiceAccount'] },
  });
  await api.bootstrap();
});
afterAll(async () => { await store.close(); });

/**
 * Reads `n` events of a watch from a real HTTP connection; `take` cuts whole events off the front
 * of what has arrived and returns them with the rest.
 */
async function watchStream<T>(path: string, n: number, act: () => Promise<void>, o: {
  accept?: string; take: (buf: Buffer) => [events: T[], rest: Buffer];
}): Promise<{ contentType: string; events: T[] }> {
  const server = http.createServer(api.app).listen(0);
  const port = (server.address() as AddressInfo).port;
  try {
    return await new Promise((resolve, reject) => {
      const events: T[] = [];
      const req = http.get({ port, path, headers: { ...auth, ...(o.accept ? { Accept: o.accept } : {}) } }, (res) => {
        let buf: Buffer = Buffer.alloc(0);
        res.on('data', (d: Buffer) => {
          const [got, rest] = o.take(Buffer.concat([buf, d]));
          buf = rest;
          events.push(...got);
          if (events.length >= n) { req.destroy(); resolve({ contentType: String(res.headers['content-type']), events: events.slice(0, n) }); }
        });
        void act().catch(reject);
      });
      req.on('error', (e) => { if (events.length < n) reject(e); });
      setTimeout(() => reject(new Error(`timed out with ${events.length}/${n} events`)), 10_000);
    });
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

type JsonEvent = { type: string; object: Record<string, any> };

/** Reads `n` newline-delimited JSON watch events. */
async function watchEvents(path: string, n: number, act: () => Promise<void>): Promise<JsonEvent[]> {
  const take = (buf: Buffer): [JsonEvent[], Buffer] => {
    const lines = buf.toString().split('\n');
    const rest = lines.pop()!;
    return [lines.map((l) => JSON.parse(l) as JsonEvent), Buffer.from(rest)];
  };
  return (await watchStream(path, n, act, { take })).events;
}

describe('discovery', () => {
  it('lists every registered resource with its kind, scope, verbs and short names', async () => {
    for (const r of builtinResources) {
      const path = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
      const res = await request(api.app).get(path).set(auth).expect(200);
      const entry = res.body.resources.find((x: { name: string }) => x.name === r.plural);
      expect(entry, r.plural).toBeDefined();
      expect(entry.kind).toBe(r.kind);
      expect(entry.namespaced).toBe(r.namespaced);
      expect(entry.shortNames ?? []).toEqual(r.shortNames ?? []);
    }
  });

  it('serves aggregated discovery v2 with its content type when asked', async () => {
    const res = await request(api.app).get('/api').set(auth)
      .set('Accept', 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json').expect(200);
    expect(res.headers['content-type']).toBe('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    const body = JSON.parse(res.text);
    expect(body.kind).toBe('APIGroupDiscoveryList');
    const cm = body.items[0].versions[0].resources.find((x: { resource: string }) => x.resource === 'configmaps');
    expect(cm).toMatchObject({ scope: 'Namespaced', singularResource: 'configmap', shortNames: ['cm'] });
    const again = await request(api.app).get('/api').set(auth).set('If-None-Match', res.headers.etag!)
      .set('Accept', 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    expect(again.status).toBe(304);
  });

  it('answers /version with a 1.32 version and health endpoints with ok, verbose on request', async () => {
    const v = await request(api.app).get('/version').expect(200);
    expect(v.body).toMatchObject({ major: '1', minor: '32' });
    expect((await request(api.app).get('/readyz').expect(200)).text).toBe('ok');
    const verbose = await request(api.app).get('/livez?verbose').expect(200);
    expect(verbose.text).toContain('[+]ping ok');
    expect(verbose.text).toContain('livez check passed');
  });
});

describe('errors are Status objects', () => {
  it('404s an unknown path with upstream\'s message', async () => {
    const res = await request(api.app).get('/api/v1/nothings').set(auth).expect(404);
    expect(res.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404 });
  });

  it('404s a missing object with the resource and name', async () => {
    const res = await request(api.app).get('/api/v1/namespaces/default/configmaps/nope').set(auth).expect(404);
    expect(res.body.message).toBe('configmaps "nope" not found');
    expect(res.body.details).toEqual({ name: 'nope', kind: 'configmaps' });
  });

  it('409s a second create with AlreadyExists', async () => {
    const n = ns();
    await createNamespace(n);
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } };
    await request(api.app).post(`/api/v1/namespaces/${n}/configmaps`).set(auth).send(cm).expect(201);
    const res = await request(api.app).post(`/api/v1/namespaces/${n}/configmaps`).set(auth).send(cm).expect(409);
    expect(res.body).toMatchObject({ reason: 'AlreadyExists', message: 'configmaps "x" already exists' });
  });

  it('409s an update with a stale resourceVersion', async () => {
    const n = ns();
    await createNamespace(n);
    const created = await request(api.app).post(`/api/v1/namespaces/${n}/configmaps`).set(auth).send({ metadata: { name: 'x' } }).expect(201);
    await request(api.app).put(`/api/v1/namespaces/${n}/configmaps/x`).set(auth).send({ ...created.body, data: { a: '1' } }).expect(200);
    const res = await request(api.app).put(`/api/v1/namespaces/${n}/configmaps/x`).set(auth).send({ ...created.body, data: { a: '2' } }).expect(409);
    expect(res.body.message).toBe('Operation cannot be fulfilled on configmaps "x": the object has been modified; please apply your changes to the latest version and try again');
    // Without a resourceVersion the update is unconditional.
    const { resourceVersion: _rv, ...meta } = created.body.metadata;
    await request(api.app).put(`/api/v1/namespaces/${n}/configmaps/x`).set(auth).send({ ...created.body, metadata: meta, data: { a: '3' } }).expect(200);
  });

  it('422s an invalid object with every cause and its field path', async () => {
    const n = ns();
    await createNamespace(n);
    const res = await request(api.app).post(`/api/v1/namespaces/${n}/pods`).set(auth)
      .send({ metadata: { name: 'Bad_Name' }, spec: { containers: [{ name: 'c' }], restartPolicy: 'Sometimes' } }).expect(422);
    expect(res.body.reason).toBe('Invalid');
    const fields = res.body.details.causes.map((c: { field: string }) => c.field).sort();
    expect(fields).toEqual(['metadata.name', 'spec.containers[0].image', 'spec.restartPolicy']);
  });

  it('400s malformed JSON, a kind that does not match, and a name that does not match the URL', async () => {
    const n = ns();
    await createNamespace(n);
    await request(api.app).post(`/api/v1/namespaces/${n}/configmaps`).set(auth).set('Content-Type', 'application/json').send('{"metadata": ').expect(400);
    const wrongKind = await request(api.app).post(`/api/v1/namespaces/${n}/configmaps`).set(auth).send({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'a' } }).expect(400);
    expect(wrongKind.body.reason).toBe('BadRequest');
    await request(api.app).post(`/api/v1/namespaces/${n}/configmaps`).set(auth).send({ metadata: { name: 'a' } }).expect(201);
    const res = await request(api.app).put(`/api/v1/namespaces/${n}/configmaps/a`).set(auth).send({ metadata: { name: 'b' } }).expect(400);
    expect(res.body.message).toBe('the name of the object (b) does not match the name on the URL (a)');
  });

  it('415s a body in a media type it cannot read, 406s an Accept it cannot produce', async () => {
    const res = await request(api.app).post('/api/v1/namespaces/default/configmaps').set(auth).set('Content-Type', 'text/plain').send('hi').expect(415);
    expect(res.body.reason).toBe('UnsupportedMediaType');
    await request(api.app).get('/api/v1/namespaces/default/configmaps').set(auth).set('Accept', 'text/html').expect(406);
  });

  it('413s a body over the size limit', async () => {
    const big = JSON.stringify({ metadata: { name: 'big' }, data: { a: 'x'.repeat(3 * 1024 * 1024 + 10) } });
    const res = await request(api.app).post('/api/v1/namespaces/default/configmaps').set(auth).set('Content-Type', 'application/json').send(big);
    expect(res.status).toBe(413);
  });

  it('refuses anonymous resource requests and discovery with 403, and serves it version and health (system:public-info-viewer)', async () => {
    // Upstream binds system:discovery to authenticated users only (since 1.14).
    await request(api.app).get('/api').expect(403);
    await request(api.app).get('/version').expect(200);
    const res = await request(api.app).get('/api/v1/namespaces/default/configmaps').expect(403);
    expect(res.body.message).toContain('User "system:anonymous" cannot list resource "configmaps" in API group "" in the namespace "default"');
  });
});

describe('lists', () => {
  it('filters by label selector with every operator and by field selector', async () => {
    const n = ns();
    await createNamespace(n);
    const labels: Record<string, Record<string, string>> = { a: { env: 'prod', tier: 'web' }, b: { env: 'dev' }, c: { tier: 'db' } };
    for (const [name, l] of Object.entries(labels)) {
      await request(api.app).post(`/api/v1/namespaces/${n}/configmaps`).set(auth).send({ metadata: { name, labels: l } }).expect(201);
    }
    const names = async (q: string) => (await request(api.app).get(`/api/v1/namespaces/${n}/configmaps?${q}`).set(auth).expect(200)).body.items.map((i: { metadata: { name: string } }) => i.metadata.name);
    expect(await names('labelSelector=env%3Dprod')).toEqual(['a']);
    expect(await names('labelSelector=env!%3Dprod')).toEqual(['b', 'c']);
    expect(await names('labelSelector=env%20in%20(prod,dev)')).toEqual(['a', 'b']);
    expect(await names('labelSelector=env%20notin%20(prod)')).toEqual(['b', 'c']);
    expect(await names('labelSelector=tier')).toEqual(['a', 'c']);
    expect(await names('labelSelector=!tier')).toEqual(['b']);
    expect(await names('fieldSelector=metadata.name%3Db')).toEqual(['b']);
    expect(await names('fieldSelector=metadata.name!%3Db')).toEqual(['a', 'c']);
  });

  it('pages with limit/continue and remainingItemCount, items without kind', async () => {
    const n = ns();
    await createNamespace(n);
    for (let i = 0; i < 5; i++) await request(api.app).post(`/api/v1/namespaces/${n}/configmaps`).set(auth).send({ metadata: { name: `p${i}` } }).expect(201);
    const first = await request(api.app).get(`/api/v1/namespaces/${n}/configmaps?limit=2`).set(auth).expect(200);
    expect(first.body.kind).toBe('ConfigMapList');
    expect(first.body.metadata.remainingItemCount).toBe(3);
    expect(first.body.items[0].kind).toBeUndefined();
    const second = await request(api.app).get(`/api/v1/namespaces/${n}/configmaps?limit=2&continue=${encodeURIComponent(first.body.metadata.continue)}`).set(auth).expect(200);
    expect(second.body.metadata.resourceVersion).toBe(first.body.metadata.resourceVersion);
    expect(second.body.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(['p2', 'p3']);
  });

  it('validates resourceVersionMatch as upstream', async () => {
    const res = await request(api.app).get('/api/v1/configmaps?resourceVersionMatch=Exact').set(auth).expect(422);
    expect(res.body.message).toBe('ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided');
  });

  it('answers as=Table with columns and rows, and PartialObjectMetadataList', async () => {
    const n = ns();
    await createNamespace(n);
    await request(api.app).post(`/api/v1/namespaces/${n}/configmaps`).set(auth).send({ metadata: { name: 't' }, data: { a: 'b' } }).expect(201);
    const table = await request(api.app).get(`/api/v1/namespaces/${n}/configmaps`).set(auth)
      .set('Accept', 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json').expect(200);
    expect(table.body.kind).toBe('Table');
    expect(table.body.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(['Name', 'Data', 'Age']);
    expect(table.body.rows[0].cells.slice(0, 2)).toEqual(['t', 1]);
    expect(table.body.rows[0].object.kind).toBe('PartialObjectMetadata');
    const pom = await request(api.app).get(`/api/v1/namespaces/${n}/configmaps`).set(auth)
      .set('Accept', 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io').expect(200);
    expect(pom.body.kind).toBe('PartialObjectMetadataList');
    expect(pom.body.items[0].metadata.name).toBe('t');
  });
});

describe('watch', () => {
  it('streams ADDED, MODIFIED and DELETED events from a resourceVersion, objects equal to what the writes returned', async () => {
    const n = ns();
    await createNamespace(n);
    const list = await request(api.app).get(`/api/v1/namespaces/${n}/configmaps`).set(auth).expect(200);
    const written: Array<Record<string, unknown>> = [];
    const events = await watchEvents(`/api/v1/namespaces/${n}/configmaps?watch=1&resourceVersion=${list.body.metadata.resourceVersion}`, 3, async () => {
      written.push((await request(api.app).post(`/api/v1/namespaces/${n}/configmaps`).set(auth).send({ metadata: { name: 'w' } }).expect(201)).body);
      written.push((await request(api.app).patch(`/api/v1/namespaces/${n}/configmaps/w`).set(auth).set('Content-Type', 'application/merge-patch+json').send({ data: { a: 'b' } }).expect(200)).body);
      await request(api.app).delete(`/api/v1/namespaces/${n}/configmaps/w`).set(auth).expect(200);
    });
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    expect(events[0]!.object).toEqual(written[0]);
    expect(events[1]!.object).toEqual(written[1]);
  });

  it('a label-selector watch sees DELETED when an object stops matching and ADDED when it matches again', async () => {
    const n = ns();
    await createNamespace(n);
    await request(api.app).post(`/api/v1/namespaces/${n}/configmaps`).set(auth).send({ metadata: { name: 's', labels: { app: 'a' } } }).expect(201);
    const list = await request(api.app).get(`/api/v1/namespaces/${n}/configmaps`).set(auth).expect(200);
    const relabel = (v: string) => request(api.app).patch(`/api/v1/namespaces/${n}/configmaps/s`).set(auth)
      .set('Content-Type', 'application/merge-patch+json').send({ metadata: { labels: { app: v } } }).expect(200);
    const events = await watchEvents(`/api/v1/namespaces/${n}/configmaps?watch=1&labelSelector=app%3Da&resourceVersion=${list.body.metadata.resourceVersion}`, 3, async () => {
      await relabel('b');
      await relabel('c');
      await relabel('a');
      await request(api.app).patch(`/api/v1/namespaces/${n}/configmaps/s`).set(auth).set('Content-Type', 'application/merge-patch+json').send({ data: { x: 'y' } }).expect(200);
    });
    expect(events.map((e) => e.type)).toEqual(['DELETED', 'ADDED', 'MODIFIED']);
  });

  it('starts a watch without resourceVersion with the current objects as ADDED', async () => {
    const n = ns();
    await createNamespace(n);
    await request(api.app).post(`/api/v1/namespaces/${n}/configmaps`).set(auth).send({ metadata: { name: 'pre' } }).expect(201);
    const events = await watchEvents(`/api/v1/namespaces/${n}/configmaps?watch=true`, 2, async () => {
      await new Promise((r) => setTimeout(r, 100));
      await request(api.app).post(`/api/v1/namespaces/${n}/configmaps`).set(auth).send({ metadata: { name: 'post' } }).expect(201);
    });
    expect(events.map((e) => [e.type, e.object.metadata.name])).toEqual([['ADDED', 'pre'], ['ADDED', 'post']]);
  });

  it('sends initial events then a bookmark marking their end (sendInitialEvents)', async () => {
    const n = ns();
    await createNamespace(n);
    await request(api.app).post(`/api/v1/namespaces/${n}/configmaps`).set(auth).send({ metadata: { name: 'i' } }).expect(201);
    const events = await watchEvents(`/api/v1/namespaces/${n}/configmaps?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true`, 2, async () => {});
    expect(events[0]!.type).toBe('ADDED');
    expect(events[1]!.type).toBe('BOOKMARK');
    expect(events[1]!.object.metadata.annotations).toEqual({ 'k8s.io/initial-events-end': 'true' });
  });
});

describe('protobuf watch streams', () => {
  type ProtobufEvent = JsonEvent & { objectBytes: Uint8Array };
  /** The fields of a message that are bytes, by number. */
  const bytesFields = (b: Uint8Array) => {
    const r = new Reader(b);
    const out = new Map<number, Uint8Array>();
    while (!r.done()) {
      const t = r.tag();
      if (t.wireType === WireType.Bytes) out.set(t.field, r.bytes());
      else r.skip(t.wireType);
    }
    return out;
  };
  /** Length-framed WatchEvents, decoded as client-go's raw stream serializer does. */
  const takeFrames = (buf: Buffer): [ProtobufEvent[], Buffer] => {
    const out: ProtobufEvent[] = [];
    while (buf.length >= 4 && buf.length >= 4 + buf.readUInt32BE(0)) {
      const frame = buf.subarray(4, 4 + buf.readUInt32BE(0));
      buf = buf.subarray(4 + frame.length);
      const ev = schemas.decode('meta.v1.WatchEvent', frame) as JsonEvent;
      // The event's object: a RawExtension whose raw bytes are the enveloped object.
      out.push({ ...ev, objectBytes: bytesFields(bytesFields(frame).get(2)!).get(1)! });
    }
    return [out, buf];
  };
  const protobufEvents = (path: string, accept: string, n: number, act: () => Promise<void>) => watchStream(path, n, act, { accept, take: takeFrames });

  it('answers a client asking for protobuf first with length-framed WatchEvents whose objects are enveloped protobuf', async () => {
    const n = ns();
    await createNamespace(n);
    const list = await request(api.app).get(`/api/v1/namespaces/${n}/configmaps`).set(auth).expect(200);
    const written: Array<Record<string, unknown>> = [];
    // client-go's typed clients with ContentType protobuf send this Accept header.
    const { contentType, events } = await protobufEvents(`/api/v1/namespaces/${n}/configmaps?watch=1&resourceVersion=${list.body.metadata.resourceVersion}&allowWatchBookmarks=true`,
      'application/vnd.kubernetes.protobuf, */*', 3, async () => {
        written.push((await request(api.app).post(`/api/v1/namespaces/${n}/configmaps`).set(auth).send({ metadata: { name: 'p' }, data: { a: '1' } }).expect(201)).body);
        written.push((await request(api.app).patch(`/api/v1/namespaces/${n}/configmaps/p`).set(auth).set('Content-Type', 'application/merge-patch+json').send({ data: { a: '2' } }).expect(200)).body);
        await request(api.app).delete(`/api/v1/namespaces/${n}/configmaps/p`).set(auth).expect(200);
      });
    expect(contentType).toBe('application/vnd.kubernetes.protobuf;stream=watch');
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    expect(events[1]!.object).toMatchObject({ kind: 'ConfigMap', apiVersion: 'v1', data: { a: '2' }, metadata: { name: 'p', resourceVersion: (written[1] as any).metadata.resourceVersion } });
    const decoded = decodeProtobufObject(events[0]!.objectBytes);
    expect([decoded.apiVersion, decoded.kind, decoded.obj.metadata]).toEqual(['v1', 'ConfigMap', expect.objectContaining({ name: 'p', uid: (written[0] as any).metadata.uid })]);
  });

  it('sends an expired watch its ERROR Status as a protobuf frame too', async () => {
    const n = ns();
    await createNamespace(n);
    await store.compact((await store.currentRV()));
    const { events } = await protobufEvents(`/api/v1/namespaces/${n}/configmaps?watch=1&resourceVersion=2`, 'application/vnd.kubernetes.protobuf;stream=watch', 1, async () => {});
    expect(events[0]!.type).toBe('ERROR');
    expect(decodeProtobufObject(events[0]!.objectBytes).obj).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
  });

  it('refuses a watch that accepts only YAML, naming the stream media types', async () => {
    const n = ns();
    await createNamespace(n);
    const res = await request(api.app).get(`/api/v1/namespaces/${n}/configmaps?watch=1`).set(auth).set('Accept', 'application/yaml').expect(406);
    expect(res.text).toContain('only the following media types are accepted: application/json;stream=watch, application/vnd.kubernetes.protobuf;stream=watch');
  });
});

describe('object semantics', () => {
  it('generates names, stamps uid and creationTimestamp, and honours dryRun', async () => {
    const n = ns();
    await createNamespace(n);
    const res = await request(api.app).post(`/api/v1/namespaces/${n}/configmaps`).set(auth).send({ metadata: { generateName: 'gen-' } }).expect(201);
    expect(res.body.metadata.name).toMatch(/^gen-[a-z0-9]{5}$/);
    expect(res.body.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    const dry = await request(api.app).post(`/api/v1/namespaces/${n}/configmaps?dryRun=All`).set(auth).send({ metadata: { name: 'dry' } }).expect(201);
    expect(dry.body.metadata.name).toBe('dry');
    await request(api.app).get(`/api/v1/namespaces/${n}/configmaps/dry`).set(auth).expect(404);
  });

  it('keeps an object with finalizers until they are removed', async () => {
    const n = ns();
    await createNamespace(n);
    await request(api.app).post(`/api/v1/namespaces/${n}/configmaps`).set(auth).send({ metadata: { name: 'f', finalizers: ['example.com/hold'] } }).expect(201);
    const del = await request(api.app).delete(`/api/v1/namespaces/${n}/configmaps/f`).set(auth).expect(200);
    expect(del.body.metadata.deletionTimestamp).toBeTruthy();
    await request(api.app).get(`/api/v1/namespaces/${n}/configmaps/f`).set(auth).expect(200);
    await request(api.app).patch(`/api/v1/namespaces/${n}/configmaps/f`).set(auth).set('Content-Type', 'application/merge-patch+json')
      .send({ metadata: { finalizers: null } }).expect(200);
    await request(api.app).get(`/api/v1/namespaces/${n}/configmaps/f`).set(auth).expect(404);
  });

  it('refuses new content in a namespace being deleted', async () => {
    const n = ns();
    await createNamespace(n);
    const del = await request(api.app).delete(`/api/v1/namespaces/${n}`).set(auth).expect(200);
    expect(del.body.status.phase).toBe('Terminating');
    const res = await request(api.app).post(`/api/v1/namespaces/${n}/configmaps`).set(auth).send({ metadata: { name: 'late' } }).expect(403);
    expect(res.body.message).toContain(`unable to create new content in namespace ${n} because it is being terminated`);
  });

  it('bumps generation only on spec changes, and a status write changes only status', async () => {
    const n = ns();
    await createNamespace(n);
    const pod = { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
    const created = await request(api.app).post(`/api/v1/namespaces/${n}/pods`).set(auth).send(pod).expect(201);
    expect(created.body.status.phase).toBe('Pending');
    const st = await request(api.app).put(`/api/v1/namespaces/${n}/pods/p/status`).set(auth)
      .send({ ...created.body, spec: { ...created.body.spec, nodeName: 'sneaky' }, status: { phase: 'Running' } }).expect(200);
    expect(st.body.status.phase).toBe('Running');
    expect(st.body.spec.nodeName).toBeUndefined();
    const upd = await request(api.app).put(`/api/v1/namespaces/${n}/pods/p`).set(auth).send({ ...st.body, status: { phase: 'Failed' } }).expect(200);
    expect(upd.body.status.phase).toBe('Running');
  });
});
