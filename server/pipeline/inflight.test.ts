import { afterEach, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseRequestInfo, type RequestInfo } from '../endpoints/requestinfo.ts';
import { InflightLimiter, isLongRunning } from './inflight.ts';
import type { UserInfo } from './authn.ts';

// A bare server: request info from the path, the user from a header, the limiter, then a handler
// that holds every request until the test lets it go.
let server: http.Server | undefined;
let held: Array<() => void> = [];

async function start(limiter: InflightLimiter): Promise<string> {
  server = http.createServer((req, res) => {
    const r = req as http.IncomingMessage & { requestInfo?: RequestInfo; user?: UserInfo };
    const url = new URL(req.url!, 'http://x');
    r.requestInfo = parseRequestInfo(req.method!, url.pathname, url.searchParams);
    r.user = { name: 'u', groups: String(req.headers['x-groups'] ?? '').split(',').filter(Boolean) };
    limiter.middleware(r, res, () => {
      if (url.searchParams.has('fast')) return void res.end('ok');
      held.push(() => res.end('ok'));
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  for (const release of held) release();
  held = [];
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

async function until(cond: () => boolean): Promise<void> {
  const end = Date.now() + 5_000;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('max requests in flight', () => {
  it('answers 429 with Retry-After: 1 and upstream\'s text once the read-only slots are taken', async () => {
    const limiter = new InflightLimiter({ readOnly: 2, mutating: 1 });
    const url = await start(limiter);
    const pending = [fetch(`${url}/api/v1/namespaces/default/pods`), fetch(`${url}/api/v1/namespaces/default/pods/p`)];
    await until(() => limiter.inFlight.readOnly === 2);
    const refused = await fetch(`${url}/api/v1/namespaces/default/configmaps`);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(refused.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await refused.text()).toBe('Too many requests, please try again later.\n');
    expect(limiter.dropped.readOnly).toBe(1);

    // Mutating requests have their own slots; watches and streams hold none.
    const create = fetch(`${url}/api/v1/namespaces/default/configmaps?fast`, { method: 'POST' });
    expect((await create).status).toBe(200);
    const watch = fetch(`${url}/api/v1/namespaces/default/pods?watch=true&fast`);
    expect((await watch).status).toBe(200);
    const logs = fetch(`${url}/api/v1/namespaces/default/pods/p/log?fast`);
    expect((await logs).status).toBe(200);
    // system:masters is never turned away.
    expect((await fetch(`${url}/api/v1/pods?fast`, { headers: { 'x-groups': 'system:masters' } })).status).toBe(200);

    for (const release of held.splice(0)) release();
    await Promise.all(pending);
    await until(() => limiter.inFlight.readOnly === 0);
    expect((await fetch(`${url}/api/v1/pods?fast`)).status).toBe(200);
  });

  it('limits mutating requests separately and frees a slot when the client goes away', async () => {
    const limiter = new InflightLimiter({ readOnly: 10, mutating: 1 });
    const url = await start(limiter);
    const ac = new AbortController();
    const first = fetch(`${url}/api/v1/namespaces/default/configmaps`, { method: 'POST', signal: ac.signal }).catch(() => undefined);
    await until(() => limiter.inFlight.mutating === 1);
    expect((await fetch(`${url}/api/v1/namespaces/default/configmaps/x`, { method: 'DELETE' })).status).toBe(429);
    expect((await fetch(`${url}/api/v1/namespaces/default/configmaps/x?fast`)).status).toBe(200);
    expect(limiter.dropped).toEqual({ readOnly: 0, mutating: 1 });
    ac.abort();
    await first;
    await until(() => limiter.inFlight.mutating === 0);
    expect((await fetch(`${url}/api/v1/namespaces/default/configmaps?fast`, { method: 'POST' })).status).toBe(200);
  });

  it('treats 0 as no limit', async () => {
    const limiter = new InflightLimiter({ readOnly: 0, mutating: 0 });
    const url = await start(limiter);
    const pending = Array.from({ length: 5 }, () => fetch(`${url}/api/v1/pods`));
    await until(() => held.length === 5);
    expect(limiter.inFlight).toEqual({ readOnly: 0, mutating: 0 });
    for (const release of held.splice(0)) release();
    expect((await Promise.all(pending)).map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
  });

  it('knows upstream\'s long-running requests', () => {
    const info = (method: string, path: string) => { const u = new URL(path, 'http://x'); return parseRequestInfo(method, u.pathname, u.searchParams); };
    expect(isLongRunning(info('GET', '/api/v1/pods?watch=1'))).toBe(true);
    expect(isLongRunning(info('GET', '/api/v1/watch/pods'))).toBe(true);
    for (const sub of ['exec', 'attach', 'log', 'portforward', 'proxy']) expect(isLongRunning(info('POST', `/api/v1/namespaces/d/pods/p/${sub}`))).toBe(true);
    expect(isLongRunning(info('GET', '/api/v1/namespaces/d/pods/p/status'))).toBe(false);
    expect(isLongRunning(info('GET', '/api/v1/pods'))).toBe(false);
  });
});
