// The kubelet of bench/kubelet.ts in a process of its own, so that its CPU time and memory are
// measured apart from the API server's: one Docker kubelet and its HTTPS API, wired as
// `capstan up --nodes` wires them (kubelet/runtime/docker/nodes.ts), until SIGTERM. It loads
// kubelet code only. Prints "ready" once its node is registered.
//   node --import tsx bench/lib/kubeletchild.ts '<ChildConfig as JSON>'
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type Docker from 'dockerode';
import { loadKubeConfig, RestClient } from '../../client/index.ts';
import { startKubelet } from '../../kubelet/index.ts';
import { dockerRuntimeFor } from '../../kubelet/runtime/docker/nodes.ts';
import { startKubeletServer } from '../../kubelet/server.ts';

export interface ChildConfig {
  kubeconfig: string;
  nodeName: string;
  /** The Docker owner label: the bench removes every container of it at the end. */
  owner: string;
  podCIDR: string;
  rootDir: string;
}

/**
 * Profiling knob (CAPSTAN_BENCH_KUBELET_TRACE=1): counts and times the kubelet's Docker Engine API
 * calls by endpoint (streams until their answer starts), printed to stderr when the process ends.
 * Every dockerode call goes through its modem's dial.
 */
function traceEngine(docker: Docker): void {
  const calls = new Map<string, { n: number; ms: number; max: number }>();
  const modem = docker.modem;
  const dial = modem.dial.bind(modem);
  modem.dial = (request, callback) => {
    const t0 = performance.now();
    const p = request.path.replace(/\?$/, '');
    const key = `${request.method ?? 'GET'} ${p.replace(/[0-9a-f]{64}/g, ':id').replace(/^\/networks\/[^/]+$/, '/networks/:name').replace(/^\/images\/.+\/json$/, '/images/:ref/json')}`;
    dial(request, (err, result) => {
      const ms = performance.now() - t0;
      const c = calls.get(key) ?? { n: 0, ms: 0, max: 0 };
      calls.set(key, { n: c.n + 1, ms: c.ms + ms, max: Math.max(c.max, ms) });
      callback?.(err, result);
    });
  };
  process.once('exit', () => {
    const rows = [...calls].sort((a, b) => b[1].ms - a[1].ms);
    for (const [k, c] of rows) process.stderr.write(`trace ${k}: ${c.n} calls, ${Math.round(c.ms / c.n)} ms mean, ${Math.round(c.max)} ms max, ${Math.round(c.ms)} ms in all\n`);
  });
}

async function main(cfg: ChildConfig): Promise<void> {
  const log = (m: string) => process.stderr.write(`${m}\n`);
  const runtime = await dockerRuntimeFor({ nodeName: cfg.nodeName, owner: cfg.owner, podCIDR: cfg.podCIDR, stateDir: path.join(cfg.rootDir, 'runtime'), log });
  if (process.env.CAPSTAN_BENCH_KUBELET_TRACE) traceEngine(runtime.docker);
  await runtime.updateRuntimeConfig({ podCIDR: cfg.podCIDR });
  const rest = new RestClient(loadKubeConfig(cfg.kubeconfig), { userAgent: 'capstan-kubelet' });
  const server = await startKubeletServer({ nodeName: cfg.nodeName, runtime, rest, port: 0, host: '127.0.0.1', log });
  const ac = new AbortController();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => ac.abort());
  // The node's address is loopback, where the API server (same machine) reaches its kubelet API.
  const kubelet = startKubelet({
    kubeconfig: cfg.kubeconfig, nodeName: cfg.nodeName, runtime, signal: ac.signal, log, podCIDR: cfg.podCIDR,
    kubeletPort: server.port, rootDir: cfg.rootDir, nodeIP: '127.0.0.1',
  });
  if (await kubelet.ready) process.stdout.write('ready\n');
  await kubelet.done;
  await server.close();
  rest.close();
  runtime.close();
  process.exit(0);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main(JSON.parse(process.argv[2] ?? '{}') as ChildConfig);
}
