// `capstan`: wiring only. `up` runs the whole cluster in one process on the embedded store (or
// --database-url); `apiserver` runs just the API server, so several can share one PostgreSQL.
import { parseArgs } from 'node:util';
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { openStore, type SqlStore } from '../storage/index.ts';
import { startCompactor } from '../storage/compactor.ts';
import { startApiServer, type RunningApiServer } from '../server/index.ts';
import { ensurePki } from '../server/pki.ts';
import { writeKubeconfig } from '../server/kubeconfig.ts';
import { startControllerManager } from '../controllers/index.ts';
import { FakeRuntime, startKubelet, startSimulatedNodes } from '../kubelet/index.ts';
import { startScheduler } from '../scheduler/index.ts';

const USAGE = `Usage: capstan <command> [flags]

Commands:
  up                  the whole cluster in one process (embedded store by default)
  apiserver           just the API server (use --database-url to share PostgreSQL between replicas)
  controller-manager  just the controllers, against --kubeconfig
  scheduler           just the scheduler, against --kubeconfig
  kubelet             one node agent, against --kubeconfig (--node-name; --runtime fake for now)

Flags:
  --data-dir DIR        state, certificates and kubeconfig (default ./.capstan)
  --port PORT           API server port (default 6443)
  --database-url URL    postgres://… : a real PostgreSQL instead of the embedded store
  --nodes N             Docker nodes to run (up)
  --simulated-nodes N   simulated nodes (up; scale tests only)
  --kubeconfig FILE     the cluster to run against (controller-manager, scheduler, kubelet)
  --node-name NAME      the Node this kubelet registers (kubelet; default: the host name)
  --pod-cidr CIDR       the pod addresses of this node (kubelet; default 10.244.0.0/24)
  --runtime NAME        the container runtime (kubelet): fake (simulated; Docker comes next)
  --leader-elect        hold a Lease while running, so replicas take turns (controller-manager, scheduler)
`;

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  if (!command || command === '-h' || command === '--help') {
    process.stdout.write(USAGE);
    return;
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      'data-dir': { type: 'string', default: '.capstan' },
      port: { type: 'string', default: '6443' },
      host: { type: 'string', default: '127.0.0.1' },
      'database-url': { type: 'string' },
      nodes: { type: 'string', default: '0' },
      'simulated-nodes': { type: 'string', default: '0' },
      kubeconfig: { type: 'string' },
      'leader-elect': { type: 'boolean', default: false },
      'node-name': { type: 'string' },
      'pod-cidr': { type: 'string' },
      runtime: { type: 'string', default: 'fake' },
    },
  });
  const log = (msg: string) => process.stderr.write(`${new Date().toISOString()} ${msg}\n`);
  if (command === 'controller-manager' || command === 'scheduler') {
    if (!values.kubeconfig) {
      process.stderr.write(`capstan ${command}: --kubeconfig is required\n`);
      process.exit(2);
    }
    const ac = new AbortController();
    const opts = { kubeconfig: values.kubeconfig, signal: ac.signal, log, ...(values['leader-elect'] ? { leaderElection: {} } : {}) };
    const running = command === 'scheduler' ? startScheduler(opts) : startControllerManager(opts);
    for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => ac.abort());
    await running.done;
    // Upstream exits when it loses leadership; a supervisor restarts it.
    process.exit(ac.signal.aborted ? 0 : 1);
  }
  if (command === 'kubelet') {
    if (!values.kubeconfig) {
      process.stderr.write('capstan kubelet: --kubeconfig is required\n');
      process.exit(2);
    }
    if (values.runtime !== 'fake') {
      process.stderr.write(`capstan kubelet: runtime ${JSON.stringify(values.runtime)} is not available yet (use --runtime fake)\n`);
      process.exit(2);
    }
    const ac = new AbortController();
    const kubelet = startKubelet({
      kubeconfig: values.kubeconfig, nodeName: values['node-name'] ?? hostname(), runtime: new FakeRuntime(), signal: ac.signal, log,
      ...(values['pod-cidr'] ? { podCIDR: values['pod-cidr'] } : {}),
    });
    for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => ac.abort());
    await kubelet.done;
    process.exit(0);
  }
  if (command !== 'up' && command !== 'apiserver') {
    process.stderr.write(`capstan: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
    process.exit(2);
  }
  const dataDir = path.resolve(values['data-dir']!);
  mkdirSync(dataDir, { recursive: true });
  const databaseUrl = values['database-url'];
  const store: SqlStore = await openStore(databaseUrl ? { databaseUrl, logger: log } : { dataDir: path.join(dataDir, 'db'), logger: log });
  const compactor = startCompactor(store, {});
  const pki = await ensurePki(path.join(dataDir, 'pki'), { hosts: ['localhost', '127.0.0.1', '::1', values.host!, 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', '10.96.0.1'] });
  let api: RunningApiServer;
  try {
    api = await startApiServer({
      store, host: values.host, port: Number(values.port), log,
      tls: { cert: pki.servingCert, key: pki.servingKey, ca: pki.caCert },
    });
  } catch (e) {
    log(`capstan: cannot start the API server: ${(e as Error).message}`);
    await store.close();
    process.exit(1);
  }
  const kubeconfig = path.join(dataDir, 'kubeconfig');
  await writeKubeconfig(kubeconfig, {
    server: `https://${values.host === '0.0.0.0' ? '127.0.0.1' : values.host}:${api.port}`, caPem: pki.caCert, user: 'kubernetes-admin',
    clientCertPem: pki.adminCert, clientKeyPem: pki.adminKey, clusterName: 'capstan', contextName: 'capstan',
  });
  log(`capstan ${command}: API server at ${api.url} (store: ${databaseUrl ? 'postgresql' : 'embedded'})`);
  // `up` runs every component in this process, each an API client with its own loops.
  const components = new AbortController();
  const controllers = command === 'up' ? startControllerManager({ kubeconfig, signal: components.signal, log }) : undefined;
  const scheduler = command === 'up' ? startScheduler({ kubeconfig, signal: components.signal, log }) : undefined;
  const simulatedNodes = command === 'up' ? Number(values['simulated-nodes']) : 0;
  if (!Number.isInteger(simulatedNodes) || simulatedNodes < 0) {
    log(`capstan up: --simulated-nodes wants a whole number, not ${JSON.stringify(values['simulated-nodes'])}`);
    process.exit(2);
  }
  const simulated = simulatedNodes > 0 ? startSimulatedNodes({ kubeconfig, count: simulatedNodes, signal: components.signal, log }) : undefined;
  if (simulated) {
    await simulated.ready;
    log(`capstan up: ${simulatedNodes} simulated node(s) registered (label node.capstan.dev/simulated=true; they run no containers)`);
  }
  process.stdout.write(`\nCapstan is up. Use it with:\n\n  export KUBECONFIG=${kubeconfig}\n  kubectl get namespaces\n\n`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`capstan: ${signal}, shutting down`);
    components.abort();
    await controllers?.done;
    await scheduler?.done;
    await simulated?.done;
    await api.close();
    await compactor.stop();
    await store.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((e) => {
  process.stderr.write(`capstan: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exit(1);
});
