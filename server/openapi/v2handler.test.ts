import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { builtinResources } from '../apis/index.ts';
import type { AnyResource } from '../apis/types.ts';
import { openapiV2 } from './openapi.ts';
import { encodeOpenAPIV2 } from './v2proto.ts';
import { OpenAPIV2Service, OPENAPI_V2_PROTOBUF_TYPE, negotiate } from './v2handler.ts';
import type { JsonValue } from './gnosticyaml.ts';

const KUBECTL_ACCEPT = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';

const pick = (...plurals: string[]) => (builtinResources as unknown as AnyResource[]).filter((r) => plurals.includes(r.plural) && (r.group === '' || r.group === 'apps'));
const resources = pick('configmaps', 'pods');
const catalog = { all: () => resources };
let clock = new Date('2026-03-01T10:00:00.500Z');
const service = new OpenAPIV2Service(catalog, () => {}, () => clock);
let server: http.Server;
let port: number;

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The Vary header lines as sent. */
  vary: string[];
}

function get(headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/openapi/v2', method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const varyLines: string[] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) if (res.rawHeaders[i]!.toLowerCase() === 'vary') varyLines.push(res.rawHeaders[i + 1]!);
        resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks), vary: varyLines });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

const expectedJson = () => JSON.stringify(openapiV2(catalog));
const expectedEtag = () => `"${createHash('sha512').update(expectedJson()).digest('hex').toUpperCase()}"`;

beforeAll(async () => {
  server = http.createServer((req, res) => service.serve(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
});

describe('GET /openapi/v2 (kube-openapi OpenAPIService)', () => {
  it('answers kubectl (protobuf only) with the gnostic document under the current media type', async () => {
    const r = await get({ Accept: KUBECTL_ACCEPT });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe(OPENAPI_V2_PROTOBUF_TYPE);
    const doc = JSON.parse(expectedJson()) as { [key: string]: JsonValue };
    expect(r.body.equals(Buffer.from(encodeOpenAPIV2(doc)))).toBe(true);
  });

  it('answers the current protobuf spelling too', async () => {
    const r = await get({ Accept: OPENAPI_V2_PROTOBUF_TYPE });
    expect(r.headers['content-type']).toBe(OPENAPI_V2_PROTOBUF_TYPE);
    expect(r.body[0]).toBe(0x0a); // Document.swagger, field 1
  });

  it.each([[undefined], ['*/*'], ['application/json'], ['application/*'], ['application/json, */*']])('answers JSON for Accept %s', async (accept) => {
    const r = await get(accept ? { Accept: accept } : {});
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.body.toString()).toBe(expectedJson());
  });

  it('orders clauses by quality, as goautoneg does', async () => {
    expect(negotiate(`application/json;q=0.5, ${KUBECTL_ACCEPT}`)).toBe('protobuf');
    expect(negotiate(`*/*, ${KUBECTL_ACCEPT}`)).toBe('protobuf'); // specific types before wildcards
    expect(negotiate(`${KUBECTL_ACCEPT};q=0.9, application/json`)).toBe('json');
    const r = await get({ Accept: `application/json;q=0.5, ${KUBECTL_ACCEPT}` });
    expect(r.headers['content-type']).toBe(OPENAPI_V2_PROTOBUF_TYPE);
  });

  it('answers 406 with no body to anything else, varying on Accept', async () => {
    const r = await get({ Accept: 'application/yaml' });
    expect(r.status).toBe(406);
    expect(r.body.length).toBe(0);
    expect(r.headers['content-type']).toBeUndefined();
    expect(r.vary).toEqual(['Accept-Encoding', 'Accept']);
    expect((await get({ Accept: 'application/vnd.kubernetes.protobuf' })).status).toBe(406);
  });

  it('tags both forms with the SHA-512 of the JSON document and their last modification', async () => {
    const json = await get({ Accept: 'application/json' });
    const pb = await get({ Accept: KUBECTL_ACCEPT });
    expect(json.headers.etag).toBe(expectedEtag());
    expect(pb.headers.etag).toBe(expectedEtag());
    expect(json.headers['last-modified']).toBe('Sun, 01 Mar 2026 10:00:00 GMT');
    expect(json.vary).toEqual(['Accept-Encoding', 'Accept']);
  });

  it('answers conditional requests with 304 and no body', async () => {
    const byTag = await get({ Accept: KUBECTL_ACCEPT, 'If-None-Match': expectedEtag() });
    expect(byTag.status).toBe(304);
    expect(byTag.body.length).toBe(0);
    expect(byTag.headers.etag).toBe(expectedEtag());
    expect(byTag.headers['content-type']).toBeUndefined();
    expect((await get({ 'If-None-Match': '"other"' })).status).toBe(200);
    expect((await get({ 'If-Modified-Since': 'Sun, 01 Mar 2026 10:00:00 GMT' })).status).toBe(304);
    expect((await get({ 'If-Modified-Since': 'Sun, 01 Mar 2026 09:59:59 GMT' })).status).toBe(200);
  });

  it('compresses for clients that accept gzip, as Go clients do', async () => {
    const r = await get({ Accept: KUBECTL_ACCEPT, 'Accept-Encoding': 'gzip' });
    expect(r.headers['content-encoding']).toBe('gzip');
    const plain = await get({ Accept: KUBECTL_ACCEPT });
    expect(gunzipSync(r.body).equals(plain.body)).toBe(true);
    expect((await get({ Accept: KUBECTL_ACCEPT, 'Accept-Encoding': 'gzip;q=0' })).headers['content-encoding']).toBeUndefined();
  });

  it('answers HEAD with the headers alone', async () => {
    const r = await get({ Accept: KUBECTL_ACCEPT }, 'HEAD');
    expect(r.status).toBe(200);
    expect(r.body.length).toBe(0);
    expect(Number(r.headers['content-length'])).toBe((await get({ Accept: KUBECTL_ACCEPT })).body.length);
  });

  it('builds the document once per change of the resource list', async () => {
    const before = await get({ Accept: KUBECTL_ACCEPT });
    clock = new Date('2026-03-01T10:05:00Z');
    const unchanged = await get({ Accept: KUBECTL_ACCEPT });
    expect(unchanged.headers['last-modified']).toBe(before.headers['last-modified']); // served from the cache
    resources.push(...pick('deployments'));
    const changed = await get({ Accept: 'application/json' });
    expect(changed.headers['last-modified']).toBe('Sun, 01 Mar 2026 10:05:00 GMT');
    expect(changed.headers.etag).not.toBe(before.headers.etag);
    expect(changed.headers.etag).toBe(expectedEtag());
    expect(Object.keys((JSON.parse(changed.body.toString()) as { paths: object }).paths)).toContain('/apis/apps/v1/namespaces/{namespace}/deployments/{name}');
    const pb = await get({ Accept: KUBECTL_ACCEPT });
    expect(pb.body.includes(Buffer.from('io.k8s.api.apps.v1.Deployment'))).toBe(true);
  });
});
