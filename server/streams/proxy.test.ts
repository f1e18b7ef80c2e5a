// pods/proxy and services/proxy end to end: a real API server (HTTPS, PostgreSQL) proxying to
// local HTTP servers standing in for pods. They listen on this host's own non-loopback address,
// since upstream refuses to proxy to a pod whose IP is loopback ("address not allowed"); the
// pods carry that address as their IP (written through pods/status), and hand-written Endpoints
// point at them. Checked: paths, methods, bodies, queries, status codes and headers pass
// through; redirects and the bare `.../proxy` as upstream; upgrades; the real kubectl
// (`get --raw`, `kubectl proxy`); RBAC verbs per method; upstream's errors.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { spawn } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { V1Endpoints, V1Pod } from '@kubernetes/client-node';
import WebSocket, { WebSocketServer } from 'ws';
import { RestClient } from '../../client/index.ts';
import { endpoints, namespaces, pods, services } from '../../client/resources.ts';
import { advertiseAddressFor } from '../index.ts';
import { ensurePki } from '../pki.ts';
import { startTestApiServer, type TestApiServer } from '../../test/apiserver.ts';
import { createDatabaseAt } from '../../test/postgres.ts';

const NS = 'proxy-test';
const HOST_IP = advertiseAddressFor('0.0.0.0');

interface Seen { name: string; method: string; url: string; headers: http.IncomingHttpHeaders; body: string; bodyLength: number }

interface Backend { name: string; port: number; close(): Promise<void> }

/** An HTTP(S) server standing in for a pod: it answers with what it got, and knows a few special paths. */
async function startBackend(name: string, tls?: { cert: string; key: string }): Promise<Backend> {
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = req.url ?? '';
      const status = /^\/status\/(\d+)/.exec(url);
      if (status) {
        res.writeHead(Number(status[1]), { 'x-backend-name': name, 'content-type': 'text/plain' });
        return res.end(`status ${status[1]}`);
      }
      if (url === '/redirect') return res.writeHead(302, { location: '/login?next=1' }).end();
      if (url === '/redirect-away') return res.writeHead(302, { location: 'http://example.com/x' }).end();
      const seen: Seen = { name, method: req.method ?? '', url, headers: req.headers, body: body.length < 1000 ? body.toString() : '', bodyLength: body.length };
      res.writeHead(200, {
        'content-type': 'application/json', 'x-backend-name': name, 'access-control-allow-origin': '*', 'set-cookie': ['a=1', 'b=2'],
      });
      res.end(req.method === 'HEAD' ? undefined : JSON.stringify(seen));
    });
  };
  const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
  // WebSocket: the first message says which URL was asked for, then every message comes back.
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => {
    ws.send(`url:${req.url}`);
    ws.on('message', (m) => ws.send(`echo:${String(m)}`));
  }));
  await new Promise<void>((r) => server.listen(0, HOST_IP, () => r()));
  return {
    name, port: (server.address() as AddressInfo).port,
    close: () => new Promise((r) => { wss.close(); server.closeAllConnections(); server.close(() => r()); }),
  };
}

let srv: TestApiServer;
let rest: RestClient;
let a: Backend;
let b: Backend;
let secure: Backend;
let closedPort: number;

/** A request to the API server as a client sends it (bearer token; the test CA is not checked). */
function call(method: string, urlPath: string, o: { body?: string | Buffer; headers?: Record<string, string>; token?: string } = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(new URL(urlPath, srv.url), {
      method, rejectUnauthorized: false, agent: false,
      // Node sends no length of its own for a DELETE or OPTIONS body.
      headers: { Authorization: `Bearer ${o.token ?? srv.token}`, ...(o.body !== undefined ? { 'content-length': String(Buffer.byteLength(o.body)) } : {}), ...o.headers },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(o.body);
  });
}
const seenOf = (r: { body: string }) => JSON.parse(r.body) as Seen;
const podPath = (id: string, sub = '') => `/api/v1/namespaces/${NS}/pods/${id}/proxy${sub}`;
const svcPath = (id: string, sub = '') => `/api/v1/namespaces/${NS}/services/${id}/proxy${sub}`;

/** A pod whose IP is `ip` (through pods/status, as a kubelet writes it), declaring `ports`. */
async function podAt(name: string, ip: string | undefined, ports: number[]): Promise<void> {
  await rest.create(pods, NS, {
    metadata: { name, labels: { app: name } },
    spec: { containers: [{ name: 'c', image: 'busybox', ports: ports.map((containerPort) => ({ containerPort })) }] },
  } as V1Pod);
  if (ip) await rest.patch(pods, NS, name, { status: { phase: 'Running', podIP: ip, podIPs: [{ ip }] } }, { type: 'merge', subresource: 'status' });
}

const ref = (name: string) => ({ kind: 'Pod', namespace: NS, name });

beforeAll(async () => {
  if (!HOST_IP) throw new Error('this machine has no non-loopback IPv4 address to stand in for a pod IP');
  srv = await startTestApiServer({
    databaseUrl: await createDatabaseAt(inject('pgAdminUrl')), tls: true,
    tokens: [{ token: 'viewer-token', user: { name: 'viewer', groups: ['system:authenticated'] } }],
  });
  rest = new RestClient(srv.kubeconfig);
  const pki = await ensurePki(path.join(path.dirname(srv.kubeconfigPath), 'pki'), { hosts: ['127.0.0.1', 'localhost'] });
  [a, b, secure] = await Promise.all([startBackend('a'), startBackend('b'), startBackend('secure', { cert: pki.servingCert, key: pki.servingKey })]);
  const spare = http.createServer();
  await new Promise<void>((r) => spare.listen(0, HOST_IP, () => r()));
  closedPort = (spare.address() as AddressInfo).port;
  await new Promise<void>((r) => spare.close(() => r()));

  await rest.create(namespaces, '', { metadata: { name: NS } });
  await Promise.all([
    podAt('web', HOST_IP, [a.port, 9999]), podAt('web2', HOST_IP, [b.port]), podAt('tls', HOST_IP, [secure.port]),
    podAt('noip', undefined, [80]), podAt('loop', '127.0.0.1', [a.port]), podAt('down', HOST_IP, [closedPort]),
  ]);
  const svc = (name: string, ports: Array<{ name?: string; port: number }>) => rest.create(services, NS, { metadata: { name }, spec: { selector: { app: name }, ports } });
  await Promise.all([
    svc('web', [{ name: 'http', port: 80 }, { name: 'other', port: 81 }]), svc('unnamed', [{ port: 80 }]), svc('empty', [{ port: 80 }]), svc('noref', [{ port: 80 }]),
  ]);
  const eps = (name: string, subsets: V1Endpoints['subsets']) => rest.create(endpoints, NS, { metadata: { name }, subsets });
  await Promise.all([
    // Two subsets (the pods serve on different ports): the proxy picks among them at random.
    eps('web', [
      { addresses: [{ ip: HOST_IP, targetRef: ref('web') }], ports: [{ name: 'http', port: a.port }] },
      { addresses: [{ ip: HOST_IP, targetRef: ref('web2') }], ports: [{ name: 'http', port: b.port }] },
    ]),
    eps('unnamed', [{ addresses: [{ ip: HOST_IP, targetRef: ref('web') }], ports: [{ port: a.port }] }]),
    eps('empty', []),
    // An address that is no pod of this namespace is skipped (upstream's isValidAddress).
    eps('noref', [{ addresses: [{ ip: HOST_IP }], ports: [{ port: a.port }] }]),
  ]);
}, 60_000);

afterAll(async () => {
  rest?.close();
  await Promise.all([a, b, secure].map((x) => x?.close()));
  await srv?.close();
});

describe('pods/proxy', () => {
  it('passes path, query, method, headers and body to the pod\'s first declared port, and the answer back', async () => {
    const got = await call('GET', podPath('web', '/echo/a%20b/?x=1&y=two%20words'), { headers: { 'x-custom': 'yes' } });
    expect(got.status).toBe(200);
    const seen = seenOf(got);
    expect(seen).toMatchObject({ name: 'a', method: 'GET', url: '/echo/a%20b/?x=1&y=two%20words' });
    expect(seen.headers['x-custom']).toBe('yes');
    // The caller's credentials stay with the API server; the forwarding headers say where it came from.
    expect(seen.headers.authorization).toBeUndefined();
    expect(seen.headers['x-forwarded-uri']).toBe(`/api/v1/namespaces/${NS}/pods/web/proxy/echo/a%20b/`);
    expect(seen.headers['x-forwarded-for']).toMatch(/127\.0\.0\.1$/);
    expect(seen.headers.host).toBe(new URL(srv.url).host);
    // Backend headers come back, but not its CORS headers (upstream's corsRemovingTransport).
    expect(got.headers['x-backend-name']).toBe('a');
    expect(got.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(got.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('forwards every proxy method with its body, and HEAD without one', async () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) {
      const got = await call(method, podPath('web', '/things?m=1'), { body: `body of ${method}`, headers: { 'content-type': 'text/plain' } });
      expect(got.status, `${method} ${got.body}`).toBe(200);
      expect(seenOf(got)).toMatchObject({ method, url: '/things?m=1', body: `body of ${method}` });
      expect(seenOf(got).headers['content-type']).toBe('text/plain');
    }
    const head = await call('HEAD', podPath('web', '/'));
    expect(head.status).toBe(200);
    expect(head.headers['x-backend-name']).toBe('a');
    expect(head.body).toBe('');
  });

  it('streams a body larger than the API server\'s own request limit', async () => {
    const big = Buffer.alloc(4 * 1024 * 1024, 'x');
    const got = await call('POST', podPath('web', '/upload'), { body: big, headers: { 'content-type': 'application/octet-stream' } });
    expect(got.status).toBe(200);
    expect(seenOf(got).bodyLength).toBe(big.length);
  });

  it('relays status codes, cleans the path, and redirects as upstream', async () => {
    const teapot = await call('GET', podPath('web', '/status/418'));
    expect(teapot).toMatchObject({ status: 418, body: 'status 418' });
    expect(seenOf(await call('GET', podPath('web', '/x/../y')))).toMatchObject({ url: '/y' });
    // The bare .../proxy of a GET goes to .../proxy/; a POST goes to the backend's root.
    const bare = await call('GET', podPath('web', '?q=1'));
    expect(bare.status).toBe(301);
    expect(bare.headers.location).toBe(`/api/v1/namespaces/${NS}/pods/web/proxy/?q=1`);
    expect(seenOf(await call('POST', podPath('web')))).toMatchObject({ method: 'POST', url: '/' });
    // A redirect to the backend itself comes back through the proxy; one elsewhere is left alone.
    expect((await call('GET', podPath('web', '/redirect'))).headers.location).toBe(`/api/v1/namespaces/${NS}/pods/web/proxy/login?next=1`);
    expect((await call('GET', podPath('web', '/redirect-away'))).headers.location).toBe('http://example.com/x');
  });

  it('takes a port and a scheme from the name', async () => {
    expect(seenOf(await call('GET', podPath(`web2:${b.port}`, '/p')))).toMatchObject({ name: 'b', url: '/p' });
    expect(seenOf(await call('GET', podPath(`web:${b.port}`, '/p')))).toMatchObject({ name: 'b' });
    expect(seenOf(await call('GET', podPath(`https:tls:${secure.port}`, '/tls')))).toMatchObject({ name: 'secure', url: '/tls' });
    // The same port over plain HTTP reaches a TLS server that will not answer it.
    expect((await call('GET', podPath(`http:tls:${secure.port}`, '/tls'))).status).not.toBe(200);
  });

  it('joins a WebSocket through, query and all', async () => {
    const ws = new WebSocket(`${srv.url.replace('https', 'wss')}${podPath('web', '/ws?token=abc')}`, { headers: { Authorization: `Bearer ${srv.token}` }, rejectUnauthorized: false });
    const messages: string[] = [];
    await new Promise<void>((resolve, reject) => {
      ws.on('message', (m) => {
        messages.push(String(m));
        if (messages.length === 1) ws.send('hello');
        else { ws.close(); resolve(); }
      });
      ws.on('error', reject);
    });
    expect(messages).toEqual(['url:/ws?token=abc', 'echo:hello']);
  });

  it('refuses with upstream\'s errors', async () => {
    const status = async (id: string) => {
      const r = await call('GET', podPath(id, '/'));
      return { code: r.status, message: JSON.parse(r.body).message as string };
    };
    expect(await status('noip')).toEqual({ code: 400, message: 'address not allowed' });
    expect(await status('loop')).toEqual({ code: 400, message: 'address not allowed' });
    expect(await status('a:b:c:d')).toEqual({ code: 400, message: 'invalid pod request "a:b:c:d"' });
    expect(await status('ftp:web:21')).toEqual({ code: 400, message: 'invalid pod request "ftp:web:21"' });
    expect(await status('nope')).toEqual({ code: 404, message: 'pods "nope" not found' });
    expect(await status('down')).toEqual({ code: 503, message: `error trying to reach service: dial tcp ${HOST_IP}:${closedPort}: connect: connection refused` });
  });
});

describe('services/proxy', () => {
  it('maps a port number to its name, and the name to a random ready endpoint\'s port', async () => {
    const names = new Set<string>();
    for (let i = 0; i < 30 && names.size < 2; i++) {
      const got = await call('GET', svcPath('web:80', `/echo?i=${i}`));
      expect(got.status).toBe(200);
      expect(seenOf(got).url).toBe(`/echo?i=${i}`);
      names.add(seenOf(got).name);
    }
    expect([...names].sort()).toEqual(['a', 'b']);
    expect(seenOf(await call('GET', svcPath('web:http', '/named'))).url).toBe('/named');
    expect(seenOf(await call('GET', svcPath('unnamed', '/')))).toMatchObject({ name: 'a', url: '/' });
    expect(seenOf(await call('PUT', svcPath('unnamed:80', '/put'), { body: 'x' }))).toMatchObject({ method: 'PUT', body: 'x' });
    const posted = await call('POST', svcPath('web:80', '/submit'), { body: '{"a":1}', headers: { 'content-type': 'application/json' } });
    expect(seenOf(posted)).toMatchObject({ method: 'POST', body: '{"a":1}' });
    expect(seenOf(posted).headers['x-forwarded-uri']).toBe(`/api/v1/namespaces/${NS}/services/web:80/proxy/submit`);
  });

  it('refuses with upstream\'s errors', async () => {
    const status = async (id: string) => {
      const r = await call('GET', svcPath(id, '/'));
      return { code: r.status, message: JSON.parse(r.body).message as string };
    };
    expect(await status('empty:80')).toEqual({ code: 503, message: 'no endpoints available for service "empty"' });
    expect(await status('noref:80')).toEqual({ code: 503, message: 'no endpoints available for service "noref:80"' });
    expect(await status('web:82')).toEqual({ code: 503, message: 'no service port 82 found for service "web"' });
    // The port named "other" has no endpoints.
    expect(await status('web:81')).toEqual({ code: 503, message: 'no endpoints available for service "web:81"' });
    expect(await status('missing:80')).toEqual({ code: 404, message: 'services "missing" not found' });
    expect(await status('missing:http')).toEqual({ code: 404, message: 'endpoints "missing" not found' });
    expect(await status('x:y:z:w')).toEqual({ code: 400, message: 'invalid service request "x:y:z:w"' });
  });
});

describe('through kubectl', () => {
  const env = () => ({ ...process.env, KUBECONFIG: srv.kubeconfigPath, KUBECTL_VERSION: '1.32' });

  it('reaches a service with kubectl get --raw', async () => {
    const out = await new Promise<string>((resolve, reject) => {
      const p = spawn('kubectl', ['get', '--raw', svcPath('web:80', '/raw?k=v')], { env: env() });
      let text = '';
      let err = '';
      p.stdout.on('data', (d) => { text += d; });
      p.stderr.on('data', (d) => { err += d; });
      p.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`kubectl exited ${code}: ${err}`))));
    });
    expect(JSON.parse(out)).toMatchObject({ method: 'GET', url: '/raw?k=v' });
  });

  it('reaches a service and a pod through kubectl proxy', async () => {
    const p = spawn('kubectl', ['proxy', '--port=0'], { env: env() });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let text = '';
        p.stdout.on('data', (d) => {
          text += d;
          const m = /Starting to serve on [\d.]+:(\d+)/.exec(text);
          if (m) resolve(Number(m[1]));
        });
        p.on('close', (code) => reject(new Error(`kubectl proxy exited ${code}`)));
      });
      const get = (urlPath: string) => new Promise<{ status: number; body: string }>((resolve, reject) => {
        http.get({ host: '127.0.0.1', port, path: urlPath, agent: false }, (res) => {
          let body = '';
          res.on('data', (d) => { body += d; });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        }).on('error', reject);
      });
      const viaSvc = await get(svcPath('web:http', '/via-kubectl-proxy?z=1'));
      expect(viaSvc.status).toBe(200);
      expect(JSON.parse(viaSvc.body)).toMatchObject({ url: '/via-kubectl-proxy?z=1' });
      const viaPod = await get(podPath('web2', '/pod'));
      expect(JSON.parse(viaPod.body)).toMatchObject({ name: 'b', url: '/pod' });
    } finally {
      p.kill();
    }
  });
});

describe('authorization and discovery', () => {
  it('authorizes each method as its verb on pods/proxy (GET is get, POST is create)', async () => {
    const rbac = `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}`;
    const json = { 'content-type': 'application/json' };
    expect((await call('POST', `${rbac}/roles`, { headers: json, body: JSON.stringify({
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'proxy-get' }, rules: [{ apiGroups: [''], resources: ['pods/proxy'], verbs: ['get'] }],
    }) })).status).toBe(201);
    expect((await call('POST', `${rbac}/rolebindings`, { headers: json, body: JSON.stringify({
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'viewer-proxy-get' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'proxy-get' },
      subjects: [{ kind: 'User', name: 'viewer', apiGroup: 'rbac.authorization.k8s.io' }],
    }) })).status).toBe(201);
    let got = { status: 0, body: '' };
    for (let i = 0; i < 50; i++) {
      got = await call('GET', podPath('web', '/mine'), { token: 'viewer-token' });
      if (got.status !== 403) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(got.status).toBe(200);
    const post = await call('POST', podPath('web', '/mine'), { token: 'viewer-token', body: 'x' });
    expect(post.status).toBe(403);
    expect(JSON.parse(post.body).message).toBe(`pods "web" is forbidden: User "viewer" cannot create resource "pods/proxy" in API group "" in the namespace "${NS}"`);
    expect((await call('GET', svcPath('web:80', '/'), { token: 'viewer-token' })).status).toBe(403);
  });

  it('lists pods/proxy and services/proxy in discovery as upstream', async () => {
    const list = JSON.parse((await call('GET', '/api/v1')).body) as { resources: Array<{ name: string; kind: string; verbs: string[]; namespaced: boolean }> };
    const of = (name: string) => list.resources.find((r) => r.name === name);
    expect(of('pods/proxy')).toMatchObject({ kind: 'PodProxyOptions', namespaced: true, verbs: ['create', 'delete', 'get', 'patch', 'update'] });
    expect(of('services/proxy')).toMatchObject({ kind: 'ServiceProxyOptions', namespaced: true, verbs: ['create', 'delete', 'get', 'patch', 'update'] });
  });
});
