// `capstan`: wiring only. `up` runs the whole cluster in one process on the embedded store (or
// --database-url); `apiserver` runs just the API server, so several can share one PostgreSQL.
import { parseArgs } from 'node:util';
import path from 'node:path';
import { mkdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { openStore, type SqlStore } from '../storage/index.ts';
import { startCompactor } from '../storage/compactor.ts';
import { startApiServer, type RunningApiServer } from '../server/index.ts';
import { ensurePki } from '../server/pki.ts';
import { writeKubeconfig } from '../server/kubeconfig.ts';
import { loadEncryptionConfig, type EncryptionConfig } from '../server/encryption/config.ts';
import { EncryptingStore } from '../server/encryption/store.ts';
import { Auditor, fileAuditSink, loadAuditPolicy, METADATA_POLICY } from '../server/pipeline/audit.ts';
import type { InflightLimits } from '../server/pipeline/inflight.ts';
import { defaultControllers, startControllerManager } from '../controllers/index.ts';
import { serviceAccountTokensController } from '../controllers/serviceaccounttokens.ts';
import { FakeRuntime, startKubelet, startSimulatedNodes } from '../kubelet/index.ts';
import { dockerNodesProblem, dockerRuntimeFor, startDockerNodes } from '../kubelet/runtime/docker/nodes.ts';
import { startScheduler } from '../scheduler/index.ts';
import { COMPONENT_USERS, componentKubeconfig } from './identities.ts';

const USAGE = `Usage: capstan <command> [flags]

Commands:
  up                  the whole cluster in one process (embedded store by default)
  apiserver           just the API server (use --database-url to share PostgreSQL between replicas)
  controller-manager  just the controllers, against --kubeconfig
  scheduler           just the scheduler, against --kubeconfig
  kubelet             one node agent, against --kubeconfig (--node-name, --runtime docker|fake)

Flags:
  --data-dir DIR        state, certificates and kubeconfig (default ./.capstan)
  --port PORT           API server port (default 6443)
  --database-url URL    postgres://… : a real PostgreSQL instead of the embedded store
  --nodes N             Docker nodes to run (up): node-0 … with pod CIDRs 10.240.<i>.0/24 (needs Docker:
                        scripts/ensure-docker.sh)
  --simulated-nodes N   simulated nodes (up; scale tests only)
  --kubeconfig FILE     the cluster to run against (controller-manager, scheduler, kubelet)
  --node-name NAME      the Node this kubelet registers (kubelet; default: the host name)
  --pod-cidr CIDR       the pod addresses of this node (kubelet; default 10.244.0.0/24)
  --runtime NAME        the container runtime (kubelet): docker, or fake (simulated; the default)
  --leader-elect        hold a Lease while running, so replicas take turns (controller-manager, scheduler)
  --use-service-account-credentials  each controller talks as its own ServiceAccount kube-system/<name>
                        (controller-manager; up always does)
  --token-auth-file FILE  static bearer tokens, CSV token,user,uid,"group1,group2" (up, apiserver)
  --max-requests-inflight N           read-only requests at once before 429s (default 400; 0: no limit)
  --max-mutating-requests-inflight N  mutating requests at once before 429s (default 200; 0: no limit)
  --audit-log-path FILE               audit events as JSON lines ("-": standard output)
  --audit-policy-file FILE            audit.k8s.io/v1 Policy (default without one: Metadata for everything)
  --encryption-provider-config FILE   apiserver.config.k8s.io/v1 EncryptionConfiguration: encrypt at rest
  --service-account-private-key-file FILE  signs legacy ServiceAccount token Secrets (controller-manager;
                        up uses the data dir's pki/sa.key)
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
      'use-service-account-credentials': { type: 'boolean', default: false },
      'node-name': { type: 'string' },
      'pod-cidr': { type: 'string' },
      runtime: { type: 'string', default: 'fake' },
      'token-auth-file': { type: 'string' },
      'max-requests-inflight': { type: 'string', default: '400' },
      'max-mutating-requests-inflight': { type: 'string', default: '200' },
      'audit-log-path': { type: 'string' },
      'audit-policy-file': { type: 'string' },
      'encryption-provider-config': { type: 'string' },
      'service-account-private-key-file': { type: 'string' },
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
    const key = values['service-account-private-key-file'];
    const running = command === 'scheduler' ? startScheduler(opts)
      : startControllerManager({
        ...opts, useServiceAccountCredentials: values['use-service-account-credentials'], ...controllersSigningWith(key ? readFileSync(key, 'utf8') : undefined),
      });
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
    if (values.runtime !== 'fake' && values.runtime !== 'docker') {
      process.stderr.write(`capstan kubelet: unknown runtime ${JSON.stringify(values.runtime)} (docker or fake)\n`);
      process.exit(2);
    }
    const ac = new AbortController();
    const nodeName = values['node-name'] ?? hostname();
    const runtime = values.runtime === 'docker'
      ? await dockerRuntimeFor({ nodeName, podCIDR: values['pod-cidr'], log }).catch((e: Error) => { process.stderr.write(`capstan kubelet: ${e.message}\n`); process.exit(1); })
      : new FakeRuntime();
    const kubelet = startKubelet({
      kubeconfig: values.kubeconfig, nodeName, runtime, signal: ac.signal, log,
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
  const dockerNodes = command === 'up' ? Number(values.nodes) : 0;
  const dockerProblem = await dockerNodesProblem(dockerNodes);
  if (dockerProblem) {
    log(`capstan up: ${dockerProblem}`);
    process.exit(dockerNodes > 0 && Number.isInteger(dockerNodes) ? 1 : 2);
  }
  const databaseUrl = values['database-url'];
  const store: SqlStore = await openStore(databaseUrl ? { databaseUrl, logger: log } : { dataDir: path.join(dataDir, 'db'), logger: log });
  const compactor = startCompactor(store, {});
  const pki = await ensurePki(path.join(dataDir, 'pki'), { hosts: ['localhost', '127.0.0.1', '::1', values.host!, 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', '10.96.0.1'] });
  let api: RunningApiServer;
  let serving: ServingOptions;
  try {
    serving = servingOptions(values);
  } catch (e) {
    log(`capstan: ${(e as Error).message}`);
    await store.close();
    process.exit(2);
  }
  try {
    api = await startApiServer({
      store: serving.encryption ? new EncryptingStore(store, serving.encryption) : store, host: values.host, port: Number(values.port), log,
      tls: { cert: pki.servingCert, key: pki.servingKey, ca: pki.caCert },
      serviceAccountSigningKey: pki.saPrivateKey, ...(values['token-auth-file'] ? { tokenAuthFile: values['token-auth-file'] } : {}),
      // What the API server shows kubelets for logs/exec/port-forward (kubeadm's apiserver-kubelet-client).
      kubeletClient: await pki.issueClientCert('kube-apiserver-kubelet-client', ['system:masters']),
    });
  } catch (e) {
    log(`capstan: cannot start the API server: ${(e as Error).message}`);
    await store.close();
    process.exit(1);
  }
  api.api.inflight.setLimits(serving.inflight);
  api.api.audit = serving.audit;
  const kubeconfig = path.join(dataDir, 'kubeconfig');
  const server = `https://${values.host === '0.0.0.0' ? '127.0.0.1' : values.host}:${api.port}`;
  await writeKubeconfig(kubeconfig, {
    server, caPem: pki.caCert, user: 'kubernetes-admin',
    clientCertPem: pki.adminCert, clientKeyPem: pki.adminKey, clusterName: 'capstan', contextName: 'capstan',
  });
  const kubeconfigOf = (file: string, identity: { user: string; groups: readonly string[] }) =>
    componentKubeconfig({ pki, dataDir, server, file, identity });
  log(`capstan ${command}: API server at ${api.url} (store: ${databaseUrl ? 'postgresql' : 'embedded'})`);
  // `up` runs every component in this process, each an API client with its own loops.
  const components = new AbortController();
  const controllers = command === 'up'
    ? startControllerManager({
      // As kubeadm runs it: its own certificate, each controller as its own ServiceAccount.
      kubeconfig: await kubeconfigOf('controller-manager', COMPONENT_USERS['controller-manager']), useServiceAccountCredentials: true,
      signal: components.signal, log, ...controllersSigningWith(pki.saPrivateKey, pki.caCert),
    })
    : undefined;
  const scheduler = command === 'up'
    ? startScheduler({ kubeconfig: await kubeconfigOf('scheduler', COMPONENT_USERS.scheduler), signal: components.signal, log })
    : undefined;
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
  const docker = dockerNodes > 0
    ? await startDockerNodes({ kubeconfig, count: dockerNodes, signal: components.signal, log, dataDir })
      .catch((e: Error) => { log(`capstan up: --nodes ${dockerNodes}: ${e.message}`); process.exit(1); })
    : undefined;
  if (docker) {
    await docker.ready;
    log(`capstan up: ${dockerNodes} Docker node(s) registered (node-0 … node-${dockerNodes - 1}; pods run as containers)`);
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
    await docker?.done;
    await api.close();
    await serving.audit?.close();
    await compactor.stop();
    await store.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

/**
 * The default controllers plus the tokens controller, which needs the service-account key
 * (kube-controller-manager's --service-account-private-key-file); without a key, the defaults.
 */
function controllersSigningWith(privateKey: string | undefined, rootCA?: string) {
  if (!privateKey) return {};
  return { controllers: [...defaultControllers(), serviceAccountTokensController({ privateKey, ...(rootCA ? { rootCA } : {}) })] };
}

main().catch((e) => {
  process.stderr.write(`capstan: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exit(1);
});

interface ServingOptions { inflight: InflightLimits; audit?: Auditor; encryption?: EncryptionConfig }

/** The API server's overload, audit and encryption flags, read and checked before it starts. */
function servingOptions(values: Record<string, string | boolean | undefined>): ServingOptions {
  const count = (flag: string): number => {
    const n = Number(values[flag]);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${flag} wants a whole number, not ${JSON.stringify(values[flag])}`);
    return n;
  };
  const inflight = { readOnly: count('max-requests-inflight'), mutating: count('max-mutating-requests-inflight') };
  const policyFile = values['audit-policy-file'] as string | undefined;
  const logPath = values['audit-log-path'] as string | undefined;
  const audit = logPath ? new Auditor(policyFile ? loadAuditPolicy(policyFile) : METADATA_POLICY, fileAuditSink(logPath)) : undefined;
  const encryptionFile = values['encryption-provider-config'] as string | undefined;
  return { inflight, ...(audit ? { audit } : {}), ...(encryptionFile ? { encryption: loadEncryptionConfig(encryptionFile) } : {}) };
}
