// The engine client against a stand-in engine on a unix socket: the API version it settles on,
// errors in the engine's words, requests that run out of time, an attach that sends nothing but
// its query, and an unfollowed log handed over byte for byte.
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Duplex, Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { attachContainer, containerLogs, deadline, dockerClient, isDockerConflict, isDockerNotFound } from './client.ts';

interface FakeEngine {
  socketPath: string;
  /** "METHOD path" of every request, in order. */
  seen: string[];
  close(): Promise<void>;
}

const started: FakeEngine[] = [];
afterEach(async () => {
  for (const e of started.splice(0)) await e.close();
});

/** An engine of API `apiVersion`: /version answers it, `handle` the rest (and upgrades, when given). */
async function fakeEngine(
  apiVersion: string,
  handle: (req: http.IncomingMessage, res: http.ServerResponse) => void,
  upgrade?: (req: http.IncomingMessage, socket: Duplex) => void,
): Promise<FakeEngine> {
  const dir = mkdtempSync(path.join(tmpdir(), 'capstan-fake-engine-'));
  const socketPath = path.join(dir, 'docker.sock');
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    if (req.url === '/version') {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ Version: 'fake', ApiVersion: apiVersion }));
      return;
    }
    handle(req, res);
  });
  // Upgraded connections are the server's no more: closed here.
  const upgraded = new Set<Duplex>();
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex) => {
    seen.push(`${req.method} ${req.url}`);
    upgraded.add(socket);
    upgrade?.(req, socket);
  });
  await new Promise<void>((r) => server.listen(socketPath, r));
  const engine = {
    socketPath, seen,
    close: async () => {
      server.closeAllConnections();
      for (const socket of upgraded) socket.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  started.push(engine);
  return engine;
}

const json = (res: http.ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
};

describe('the Docker engine client', () => {
  it('speaks API 1.41 to a newer engine and an older engine\'s own version, asking once', async () => {
    for (const [theirs, spoken] of [['1.45', '1.41'], ['1.40', '1.40']] as const) {
      const engine = await fakeEngine(theirs, (_req, res) => json(res, 200, []));
      const docker = dockerClient({ socketPath: engine.socketPath });
      await Promise.all([docker.listContainers({ all: true }), docker.listContainers()]);
      await docker.listContainers();
      expect(engine.seen.filter((s) => s === 'GET /version')).toHaveLength(1);
      expect(engine.seen.filter((s) => s !== 'GET /version')).toHaveLength(3);
      expect(engine.seen.filter((s) => s !== 'GET /version').every((s) => s.startsWith(`GET /v${spoken}/containers/json`))).toBe(true);
    }
  });

  it('rejects with the engine\'s own message and its status', async () => {
    const engine = await fakeEngine('1.41', (req, res) => {
      if (req.url?.includes('/containers/gone/')) json(res, 404, { message: 'No such container: gone' });
      else json(res, 409, { message: 'Conflict. The container name "/k8s_c" is already in use' });
    });
    const docker = dockerClient({ socketPath: engine.socketPath });
    const gone = await docker.getContainer('gone').inspect().catch((e: unknown) => e);
    expect(gone).toMatchObject({ message: 'No such container: gone', statusCode: 404 });
    expect(isDockerNotFound(gone)).toBe(true);
    const taken = await docker.createContainer({ name: 'k8s_c', Image: 'busybox' }).catch((e: unknown) => e);
    expect((taken as Error).message).toBe('Conflict. The container name "/k8s_c" is already in use');
    expect(isDockerConflict(taken)).toBe(true);
    expect(isDockerNotFound(taken)).toBe(false);
  });

  it('fails a request the engine does not answer in time, saying which', async () => {
    const engine = await fakeEngine('1.41', () => { /* never answers */ });
    const docker = dockerClient({ socketPath: engine.socketPath });
    await expect(docker.getContainer('slow').inspect({ abortSignal: deadline(100) }))
      .rejects.toThrow(/^the Docker engine gave no answer to GET \/containers\/slow\/json in time$/);
  });

  it('says why when no engine answers', async () => {
    const docker = dockerClient({ socketPath: path.join(tmpdir(), 'capstan-no-such-engine.sock') });
    await expect(docker.listContainers()).rejects.toThrow(/ENOENT/);
  });

  it('attaches with its streams in the query and no body, so that stdin gets only what is written to it', async () => {
    let request: http.IncomingMessage | undefined;
    const received: Buffer[] = [];
    const engine = await fakeEngine('1.41', () => {}, (req, socket) => {
      request = req;
      socket.write('HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
      socket.on('data', (b: Buffer) => {
        received.push(b);
        socket.write(b); // echoed, as a TTY container's output would be
      });
    });
    const docker = dockerClient({ socketPath: engine.socketPath });
    const conn = await attachContainer(docker, 'c1', { stdin: true, stdout: true, stderr: false });
    const echoed = new Promise<string>((r) => conn.once('data', (b: Buffer) => r(b.toString())));
    conn.write('ping\n');
    expect(await echoed).toBe('ping\n');
    conn.destroy();
    const url = new URL(request!.url!, 'http://engine');
    expect(url.pathname).toBe('/v1.41/containers/c1/attach');
    expect(Object.fromEntries(url.searchParams)).toEqual({ stream: 'true', stdin: 'true', stdout: 'true', stderr: 'false' });
    expect(request!.headers['content-length']).toBe('0');
    expect(Buffer.concat(received).toString()).toBe('ping\n');
  });

  it('hands over an unfollowed log as the bytes the engine sent, JSON or not', async () => {
    const log = '{"level": 1.50}\n';
    const engine = await fakeEngine('1.41', (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/vnd.docker.raw-stream' });
      res.end(log);
    });
    const docker = dockerClient({ socketPath: engine.socketPath });
    const stream: Readable = await containerLogs(docker, 'c1', { follow: false, timestamps: false, tail: 5, signal: new AbortController().signal });
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe(log);
    const asked = new URL(engine.seen.at(-1)!.split(' ')[1]!, 'http://engine');
    expect(asked.pathname).toBe('/v1.41/containers/c1/logs');
    expect(Object.fromEntries(asked.searchParams)).toEqual({ stdout: 'true', stderr: 'true', timestamps: 'false', tail: '5', follow: 'false' });
  });
});
