// `capstan apiserver --workers 2`: two API server processes behind one port on one PostgreSQL
// are one API server to their clients. Connections go to either; a watch held on one sees every
// write made through the other, in order; a worker that dies takes the command down with it.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import https from 'node:https';
import { execFileSync } from 'node:child_process';
import * as k8s from '@kubernetes/client-node';
import { startSystem, type System } from '../harness/system.ts';
import { eventually } from '../../test/eventually.ts';

let sys: System;
let kc: k8s.KubeConfig;

beforeAll(async () => {
  sys = await startSystem({ command: 'apiserver', store: 'postgresql', extraArgs: ['--workers', '2'] });
  kc = new k8s.KubeConfig();
  kc.loadFromFile(sys.kubeconfig);
});
afterAll(async () => { await sys?.stop(); });

/** One request on a connection of its own (so the primary hands each to the next worker). */
async function request(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const opts: https.RequestOptions = { method, host: '127.0.0.1', port: sys.port, path, agent: false, headers: { 'content-type': 'application/json' } };
  await kc.applyToHTTPSOptions(opts);
  return new Promise((resolve, reject) => {
    const req = https.request(opts, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

const workerPids = (): number[] =>
  execFileSync('pgrep', ['-P', String(sys.proc.pid)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);

/** The workers that logged a request for `path` (each worker's lines carry its label). */
const servedBy = (path: string): Set<string> =>
  new Set(sys.logsFor(path).map((l) => /\[worker (\d+)\]/.exec(l)?.[1]).filter((w): w is string => w !== undefined));

describe('capstan apiserver --workers 2', () => {
  it('runs two API server processes under the one command, and new connections reach both', async () => {
    expect(workerPids()).toHaveLength(2);
    for (let i = 0; i < 10; i++) expect((await request('GET', `/api/v1/namespaces/default?probe=${i}`)).status).toBe(200);
    expect([...servedBy('/api/v1/namespaces/default?probe=')].sort()).toEqual(['1', '2']);
    // kubectl sees one API server.
    const out = execFileSync('kubectl', ['--kubeconfig', sys.kubeconfig, 'get', 'namespace', 'default', '-o', 'jsonpath={.status.phase}'], { encoding: 'utf8' });
    expect(out).toBe('Active');
  });

  it('shows a watch on one worker every write made through either, in order, and reads each write back through both', async () => {
    expect((await request('POST', '/api/v1/namespaces', { metadata: { name: 'workers' } })).status).toBe(201);
    const seen: Array<{ name: string; rv: string }> = [];
    const watch = new k8s.Watch(kc);
    const start = await request('GET', '/api/v1/namespaces/workers/configmaps');
    const rv = (start.body.metadata as { resourceVersion: string }).resourceVersion;
    const req = await watch.watch('/api/v1/namespaces/workers/configmaps', { resourceVersion: rv },
      (_type, obj: k8s.V1ConfigMap) => seen.push({ name: obj.metadata!.name!, rv: obj.metadata!.resourceVersion! }), () => {});
    try {
      const written: string[] = [];
      for (let i = 0; i < 20; i++) {
        const made = await request('POST', '/api/v1/namespaces/workers/configmaps', { metadata: { name: `cm${i}` }, data: { i: String(i) } });
        expect(made.status).toBe(201);
        written.push((made.body.metadata as { resourceVersion: string }).resourceVersion);
        // Two gets, each on a connection of its own: the primary deals connections to the
        // workers in turn, so both read the write back at once (and the next write goes to the
        // other worker than this one did).
        for (let j = 0; j < 2; j++) {
          const got = await request('GET', `/api/v1/namespaces/workers/configmaps/cm${i}`);
          expect(got.status).toBe(200);
          expect((got.body.metadata as { resourceVersion: string }).resourceVersion).toBe(written[i]);
        }
      }
      expect([...servedBy('POST /api/v1/namespaces/workers/configmaps')].sort()).toEqual(['1', '2']);
      await eventually(() => seen.length >= 20, { timeoutMs: 10_000, what: 'all 20 events at the watch' });
      expect(seen.map((e) => e.name)).toEqual(Array.from({ length: 20 }, (_, i) => `cm${i}`));
      expect(seen.map((e) => e.rv)).toEqual(written);
    } finally {
      req.abort();
    }
  });

  it('stops the other worker and exits 1 when a worker dies, for a supervisor to restart it', async () => {
    const [first, second] = workerPids();
    const exited = new Promise<number | null>((resolve) => sys.proc.once('exit', (code) => resolve(code)));
    process.kill(first!, 'SIGKILL');
    expect(await exited).toBe(1);
    expect(() => process.kill(second!, 0)).toThrow();
    expect(sys.logs()).toMatch(/worker \d exited \(SIGKILL\); stopping the others/);
  });
});
