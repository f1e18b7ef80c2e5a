import { afterEach, describe, expect, it } from 'vitest';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import * as errors from '../../machinery/errors.ts';
import { checkJsonDepth, checkModelTypes, decodeBody, readBodies, MAX_NESTING_DEPTH } from './body.ts';

const noWarn = { fieldValidation: 'Strict' as const, warn: () => {} };
const deepJson = (n: number) => '['.repeat(n) + ']'.repeat(n);

function statusOf(fn: () => unknown): errors.Status {
  try {
    fn();
  } catch (e) {
    if (e instanceof errors.StatusError) return e.status;
    throw e;
  }
  throw new Error('no error thrown');
}

describe('decoding hostile bodies', () => {
  it('refuses JSON nested deeper than the limit with 400 and upstream\'s "exceeded max depth"', () => {
    expect(() => checkJsonDepth(Buffer.from(deepJson(MAX_NESTING_DEPTH)), MAX_NESTING_DEPTH)).not.toThrow();
    const s = statusOf(() => decodeBody('application/json', Buffer.from(`{"a":${deepJson(MAX_NESTING_DEPTH)}}`), noWarn));
    expect(s.code).toBe(400);
    expect(s.reason).toBe('BadRequest');
    expect(s.message).toBe("couldn't get version/kind; json parse error: invalid character '[' exceeded max depth");
    // Brackets inside strings are not nesting.
    expect(() => checkJsonDepth(Buffer.from(`{"a":"${'['.repeat(5000)}\\"{{{"}`), 10)).not.toThrow();
  });

  it('refuses a YAML alias bomb and a self-referencing anchor instead of expanding them', () => {
    const lines = ['apiVersion: v1', 'kind: ConfigMap', 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (const [name, prev] of [['b', 'a'], ['c', 'b'], ['d', 'c'], ['e', 'd'], ['f', 'e'], ['g', 'f'], ['h', 'g'], ['i', 'h']]) {
      lines.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const started = Date.now();
    const bomb = statusOf(() => decodeBody('application/yaml', Buffer.from(lines.join('\n')), noWarn));
    expect(bomb.code).toBe(400);
    expect(bomb.message).toBe('error converting YAML to JSON: yaml: document contains excessive aliasing');
    expect(Date.now() - started).toBeLessThan(2_000);
    const cycle = statusOf(() => decodeBody('application/yaml', Buffer.from('apiVersion: v1\nkind: ConfigMap\na: &a [*a]\n'), noWarn));
    expect(cycle.message).toBe('error converting YAML to JSON: yaml: anchor value contains itself');
    // Modest reuse of anchors is fine.
    const ok = decodeBody('application/yaml', Buffer.from('apiVersion: v1\nkind: ConfigMap\nx: &x {a: 1}\ny: *x\n'), { ...noWarn, fieldValidation: 'Ignore' });
    expect(ok.obj).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', x: { a: 1 }, y: { a: 1 } });
  });

  it('refuses YAML that is not UTF-8 (go-yaml does), and reads invalid UTF-8 in JSON as U+FFFD (Go\'s JSON does)', () => {
    const yaml = Buffer.concat([Buffer.from('apiVersion: v1\nkind: ConfigMap\ndata: {a: "'), Buffer.from([0xff, 0xfe]), Buffer.from('"}\n')]);
    const s = statusOf(() => decodeBody('application/yaml', yaml, noWarn));
    expect(s.code).toBe(400);
    expect(s.message).toBe('error converting YAML to JSON: yaml: invalid leading UTF-8 octet');
    const json = Buffer.concat([Buffer.from('{"data":{"a":"'), Buffer.from([0xff]), Buffer.from('"}}')]);
    expect(decodeBody('application/json', json, noWarn).obj).toEqual({ data: { a: '\ufffd' } });
  });

  it('refuses a field of the wrong JSON type with 400, as upstream\'s typed decoding does', () => {
    const decode = (body: unknown, model: string) => statusOf(() => decodeBody('application/json', Buffer.from(JSON.stringify(body)), { ...noWarn, model }));
    const name = decode({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 5 } }, 'V1Secret');
    expect(name.code).toBe(400);
    expect(name.reason).toBe('BadRequest');
    expect(name.message).toBe('Secret in version "v1" cannot be handled as a Secret: json: cannot unmarshal number into Go struct field ObjectMeta.metadata.name of type string');
    expect(decode({ kind: 'ReplicaSet', spec: false }, 'V1ReplicaSet').message)
      .toBe('ReplicaSet in version "v1" cannot be handled as a ReplicaSet: json: cannot unmarshal bool into Go struct field ReplicaSet.spec of type v1.ReplicaSetSpec');
    expect(decode({ spec: { replicas: 1.5 } }, 'V1Deployment').message).toContain('cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32');
    expect(decode({ spec: { template: { spec: { containers: [{ name: 'c', ports: [{ containerPort: 'x' }] }] } } } }, 'V1Deployment').message)
      .toContain('into Go struct field ContainerPort.spec.template.spec.containers.ports.containerPort of type int32');
    expect(decode({ metadata: { labels: { a: 1 } } }, 'V1ConfigMap').message).toContain('cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string');
    // Nulls, int-or-strings and free-form fields take what upstream takes.
    const ok = decodeBody('application/json', Buffer.from(JSON.stringify({ metadata: { name: 'x', labels: null }, spec: { strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } } } })), { ...noWarn, model: 'V1Deployment' });
    expect(ok.obj).toMatchObject({ metadata: { name: 'x' } });
    expect(statusOf(() => decodeBody('application/json', Buffer.from('{"metadata":{"name":"x"},"n":1e999}'), noWarn)).code).toBe(400);
  });

  it('refuses YAML nested deeper than the limit', () => {
    const doc = `a: ${'['.repeat(MAX_NESTING_DEPTH + 1)}${']'.repeat(MAX_NESTING_DEPTH + 1)}`;
    const s = statusOf(() => decodeBody('application/yaml', Buffer.from(doc), noWarn));
    expect(s.code).toBe(400);
    expect(s.message).toBe(`error converting YAML to JSON: yaml: exceeded max depth of ${MAX_NESTING_DEPTH}`);
  });
});

describe('reading request bodies', () => {
  let server: http.Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    server = undefined;
  });

  async function start(opts: { limit?: number; timeoutMs?: number }): Promise<number> {
    const read = readBodies({
      ...opts,
      writeError: (_req, res, e) => {
        res.statusCode = e.status.code;
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify(e.status));
      },
    });
    server = http.createServer((req, res) => read(req, res, () => res.end(`got ${(req as { rawBody?: Buffer }).rawBody?.length ?? 0}`)));
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    return (server.address() as AddressInfo).port;
  }

  /** Sends raw bytes and collects everything the server answers until it closes the connection. */
  function raw(port: number, head: string, body: Buffer | string, keepOpen = false): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      let answer = '';
      socket.on('data', (d) => { answer += d.toString(); });
      socket.on('close', () => resolve(answer));
      socket.on('error', reject);
      socket.write(head);
      socket.write(body);
      if (!keepOpen) socket.end();
      setTimeout(() => socket.destroy(), 5_000).unref();
    });
  }

  it('answers 413 RequestEntityTooLarge past the limit, declared or streamed, and closes the connection', async () => {
    const port = await start({ limit: 1024 });
    const ok = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: 'x'.repeat(1024) });
    expect(await ok.text()).toBe('got 1024');
    const declared = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: 'x'.repeat(1025) });
    expect(declared.status).toBe(413);
    expect(await declared.json()).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
      message: 'Request entity too large: limit is 1024', reason: 'RequestEntityTooLarge', code: 413,
    });
    // Chunked, no Content-Length: refused once the limit is crossed, before the client finishes.
    const streamed = await raw(port, 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n', `800\r\n${'y'.repeat(0x800)}\r\n`, true);
    expect(streamed).toMatch(/^HTTP\/1\.1 413 /);
    expect(streamed).toContain('Connection: close');
  });

  it('drops a client that trickles its body past the deadline with 504', async () => {
    const port = await start({ timeoutMs: 200 });
    const started = Date.now();
    const answer = await raw(port, 'POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n', '{"a":', true);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(answer).toMatch(/^HTTP\/1\.1 504 /);
    expect(answer).toContain('"message":"Timeout: request did not complete within requested timeout - context deadline exceeded","reason":"Timeout"');
  });

  it('refuses a too-deep JSON patch body before anything parses it', async () => {
    const port = await start({});
    const res = await fetch(`http://127.0.0.1:${port}/`, {
      method: 'PATCH', headers: { 'Content-Type': 'application/merge-patch+json' }, body: `{"a":${deepJson(100_000)}}`,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toContain('exceeded max depth');
    const fine = await fetch(`http://127.0.0.1:${port}/`, { method: 'PATCH', headers: { 'Content-Type': 'application/merge-patch+json' }, body: '{"a":[[1]]}' });
    expect(await fine.text()).toBe('got 11');
  });
});

describe('quantities written as JSON numbers', () => {
  it('reads them as upstream Quantity does, into their text (cpu: 1 in a manifest)', () => {
    const pod = {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' },
      spec: {
        overhead: { cpu: 0.25 },
        containers: [{ name: 'c', image: 'busybox', resources: { limits: { cpu: 1, 'nvidia.com/gpu': 2 }, requests: { memory: '64Mi', cpu: 0.5 } } }],
        volumes: [{ name: 'v', emptyDir: { sizeLimit: 1000 } }],
      },
    };
    checkModelTypes(pod, 'V1Pod');
    expect(pod.spec.containers[0]!.resources).toEqual({ limits: { cpu: '1', 'nvidia.com/gpu': '2' }, requests: { memory: '64Mi', cpu: '0.5' } });
    expect(pod.spec.overhead).toEqual({ cpu: '0.25' });
    expect(pod.spec.volumes[0]!.emptyDir).toEqual({ sizeLimit: '1000' });
    const quota = { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q' }, spec: { hard: { pods: 10 } } };
    checkModelTypes(quota, 'V1ResourceQuota');
    expect(quota.spec.hard).toEqual({ pods: '10' });
  });

  it('still refuses a number where a plain string belongs', () => {
    expect(() => checkModelTypes({ metadata: { name: 5 } }, 'V1ConfigMap')).toThrow(/cannot unmarshal number into Go struct field ObjectMeta.metadata.name of type string/);
  });
});
