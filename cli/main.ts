// `capstan`: wiring only. `up` runs the whole cluster in one process on the embedded store (or
// --database-url); `apiserver` runs just the API server, so several can share one PostgreSQL.
import { parseArgs } from 'node:util';
import path from 'node:path';
import { mkdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { createHash } from 'node:crypto';
import { openStore, type SqlStore } from '../storage/index.ts';
import { startCompactor } from '../storage/compactor.ts';
import { advertiseAddressFor, startApiServer, type RunningApiServer } from '../server/index.ts';
import { ensurePki } from '../server/pki.ts';
import { writeKubeconfig } from '../server/kubeconfig.ts';
import { loadEncryptionConfig, type EncryptionConfig } from '../server/encryption/config.ts';
import { EncryptingStore } from '../server/encryption/store.ts';
import { Auditor, fileAuditSink, loadAuditPolicy, METADATA_POLICY } from '../server/pipeline/audit.ts';
import type { InflightLimits } from '../server/pipeline/inflight.ts';
import { controllersWith, startControllerManager } from '../controllers/index.ts';
import { localProvisioner } from '../controllers/localprovisioner.ts';
import { FakeRuntime, startKubelet, startSimulatedNodes } from '../kubelet/index.ts';
import { startKubeletServer } from '../kubelet/server.ts';
import { dockerNodesProblem, dockerRuntimeFor, startDockerNodes } from '../kubelet/runtime/docker/nodes.ts';
import { startScheduler } from '../scheduler/index.ts';
import { startComponentThread } from './componentthread.ts';
import { isWorker, reportServing, runWorkers, workerLabel } from './workers.ts';
import { COMPONENT_USERS, LOCAL_PROVISIONER_IDENTITY, componentKubeconfig, kubeletKubeconfigs } from './identities.ts';
import { CLUSTER_DNS_USER, ensureClusterDNSRBAC, ensureLocalStorage } from './addons.ts';
import { startServiceNetworking, type RunningServiceNetworking } from './network.ts';
import { isNotFound, loadKubeConfig, RestClient } from '../client/index.ts';
import { serviceAccounts } from '../client/resources.ts';
import { serviceIPAt, serviceNetworkOf, type ServiceNetwork } from '../server/apis/core/v1/services.ts';

const USAGE = `Usage: capstan <command> [flags]

Commands:
  up                  the whole cluster in one process (embedded store by default)
  apiserver           just the API server (use --database-url to share PostgreSQL between replicas)
  controller-manager  just the controllers, against --kubeconfig
  scheduler           just the scheduler, against --kubeconfig
  kubelet             one node agent, against --kubeconfig (--node-name, --runtime docker|fake)
  proxy               the service proxy and cluster DNS of this host, against --kubeconfig

Flags:
  --data-dir DIR        state, certificates and kubeconfig (default ./.capstan)
  --port PORT           API server port (default 6443)
  --host ADDRESS        the address the API server listens on (default 0.0.0.0, as upstream's
                        --bind-address: pods reach it through the kubernetes Service)
  --service-cluster-ip-range CIDR   ClusterIPs (default 10.96.0.0/12; kubernetes gets the 1st, kube-dns the 10th)
  --service-node-port-range A-B     NodePorts (default 30000-32767)
  --database-url URL    postgres://… : a real PostgreSQL instead of the embedded store
  --workers N           API server processes behind the one port, each on a core of its own
                        (apiserver; needs --database-url; default 1)
  --nodes N             Docker nodes to run (up): node-0 … with pod CIDRs 10.240.<i>.0/24 (needs Docker:
                        scripts/ensure-docker.sh)
  --simulated-nodes N   simulated nodes (up; scale tests only)
  --kubeconfig FILE     the cluster to run against (controller-manager, scheduler, kubelet)
  --node-name NAME      the Node this kubelet registers (kubelet; default: the host name)
  --pod-cidr CIDR       the pod addresses of this node (kubelet; default 10.244.0.0/24)
  --root-dir DIR        where the kubelet keeps pod volumes (kubelet; default /var/lib/capstan/kubelet/<node>)
  --kubelet-port PORT   the kubelet API's port for logs/exec/port-forward (kubelet; default 10250, 0: any)
  --runtime NAME        the container runtime (kubelet): docker, or fake (simulated; the default)
  --cluster-dns IP      the kube-dns Service's address pods resolve through (kubelet, proxy; default
                        10.96.0.10)
  --cluster-domain NAME the cluster's DNS domain (kubelet, proxy, up; default cluster.local)
  --proxy-mode MODE     iptables (as root) or userspace (NodePorts only); default: iptables when it can
                        (proxy, up)
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
      host: { type: 'string', default: '0.0.0.0' },
      'service-cluster-ip-range': { type: 'string' },
      'service-node-port-range': { type: 'string' },
      'cluster-dns': { type: 'string' },
      'cluster-domain': { type: 'string', default: 'cluster.local' },
      'proxy-mode': { type: 'string', default: 'auto' },
      'database-url': { type: 'string' },
      workers: { type: 'string', default: '1' },
      nodes: { type: 'string', default: '0' },
      'simulated-nodes': { type: 'string', default: '0' },
      kubeconfig: { type: 'string' },
      'leader-elect': { type: 'boolean', default: false },
      'use-service-account-credentials': { type: 'boolean', default: false },
      'node-name': { type: 'string' },
      'pod-cidr': { type: 'string' },
      'root-dir': { type: 'string' },
      'kubelet-port': { type: 'string', default: '10250' },
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
  const label = workerLabel();
  const log = (msg: string) => process.stderr.write(`${new Date().toISOString()} ${label}${msg}\n`);
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
        ...opts, useServiceAccountCredentials: values['use-service-account-credentials'], controllers: controllersWith(key ? { privateKey: readFileSync(key, 'utf8') } : undefined),
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
    const kubeletPort = Number(values['kubelet-port']);
    if (!Number.isInteger(kubeletPort) || kubeletPort < 0 || kubeletPort > 65535) {
      process.stderr.write(`capstan kubelet: --kubelet-port wants a port number, not ${JSON.stringify(values['kubelet-port'])}\n`);
      process.exit(2);
    }
    const ac = new AbortController();
    const nodeName = values['node-name'] ?? hostname();
    // Upstream's --root-dir (default /var/lib/kubelet): pod volumes, termination messages, /etc/hosts.
    const rootDir = path.resolve(values['root-dir'] ?? path.join('/var/lib/capstan/kubelet', nodeName));
    mkdirSync(rootDir, { recursive: true });
    const runtime = values.runtime === 'docker'
      ? await dockerRuntimeFor({ nodeName, podCIDR: values['pod-cidr'], stateDir: path.join(rootDir, 'runtime'), log })
        .catch((e: Error) => { process.stderr.write(`capstan kubelet: ${e.message}\n`); process.exit(1); })
      : new FakeRuntime();
    // The kubelet's own API (logs, exec, attach, port-forward) for the API server to call; the
    // Node reports its port in daemonEndpoints. It reads pods from the kubelet's own watch.
    const rest = new RestClient(loadKubeConfig(values.kubeconfig), { userAgent: 'capstan-kubelet' });
    let kubelet: ReturnType<typeof startKubelet> | undefined;
    const server = await startKubeletServer({
      nodeName, runtime, rest, port: kubeletPort, log, getPod: async (namespace, name) => kubelet?.pod?.(nodeName, namespace, name),
    }).catch((e: Error) => { process.stderr.write(`capstan kubelet: the kubelet API cannot listen on port ${kubeletPort}: ${e.message}\n`); process.exit(1); });
    kubelet = startKubelet({
      kubeconfig: values.kubeconfig, nodeName, runtime, signal: ac.signal, log, rootDir, kubeletPort: server.port,
      ...(values['pod-cidr'] ? { podCIDR: values['pod-cidr'] } : {}),
      clusterDNS: [values['cluster-dns'] ?? DEFAULT_CLUSTER_DNS], clusterDomain: values['cluster-domain'],
    });
    for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => ac.abort());
    await kubelet.done;
    await server.close();
    rest.close();
    process.exit(0);
  }
  const proxyMode = values['proxy-mode'];
  if (proxyMode !== 'auto' && proxyMode !== 'iptables' && proxyMode !== 'userspace') {
    process.stderr.write(`capstan: --proxy-mode wants auto, iptables or userspace, not ${JSON.stringify(proxyMode)}\n`);
    process.exit(2);
  }
  if (command === 'proxy') {
    if (!values.kubeconfig) {
      process.stderr.write('capstan proxy: --kubeconfig is required\n');
      process.exit(2);
    }
    const ac = new AbortController();
    const nodeName = values['node-name'] ?? hostname();
    const nodeIP = advertiseAddressFor('0.0.0.0');
    if (!nodeIP) {
      process.stderr.write('capstan proxy: this host has no non-loopback IPv4 address for the kube-dns endpoints\n');
      process.exit(1);
    }
    const net = startServiceNetworking({
      proxyKubeconfig: values.kubeconfig, dnsKubeconfig: values.kubeconfig, signal: ac.signal, log, nodeNames: [nodeName], nodeIP,
      clusterDNSIP: values['cluster-dns'] ?? DEFAULT_CLUSTER_DNS, clusterDomain: values['cluster-domain']!,
      clusterTag: clusterTagOf(values.kubeconfig), mode: proxyMode,
    });
    for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => ac.abort());
    await net.ready.then(() => log(`capstan proxy: ${net.mode} mode; cluster DNS on port ${net.dnsPort()}`), (e: Error) => { log(`capstan proxy: ${e.message}`); ac.abort(); });
    await net.done;
    process.exit(ac.signal.aborted ? 0 : 1);
  }
  if (command !== 'up' && command !== 'apiserver') {
    process.stderr.write(`capstan: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
    process.exit(2);
  }
  const workers = Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1) {
    log(`capstan: --workers wants a whole number of at least 1, not ${JSON.stringify(values.workers)}`);
    process.exit(2);
  }
  if (workers > 1) {
    if (command !== 'apiserver') {
      log('capstan: --workers is a flag of capstan apiserver');
      process.exit(2);
    }
    if (!values['database-url']) {
      log('capstan apiserver: --workers needs --database-url (the embedded store belongs to one process)');
      process.exit(2);
    }
    if (!isWorker()) return runWorkers(workers, log, () => announceUp(path.join(path.resolve(values['data-dir']!), 'kubeconfig')));
  }
  let network: ServiceNetwork;
  try {
    network = serviceNetworkOf({ serviceClusterIPRange: values['service-cluster-ip-range'], serviceNodePortRange: values['service-node-port-range'] });
  } catch (e) {
    log(`capstan: ${(e as Error).message}`);
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
  const advertised = advertiseAddressFor(values.host!);
  const clusterDomain = values['cluster-domain']!;
  const pki = await ensurePki(path.join(dataDir, 'pki'), {
    hosts: [
      'localhost', '127.0.0.1', '::1', values.host!, ...(advertised ? [advertised] : []), 'kubernetes', 'kubernetes.default',
      'kubernetes.default.svc', `kubernetes.default.svc.${clusterDomain}`, serviceIPAt(network.clusterIPRange, 1),
    ],
  });
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
      serviceClusterIPRange: network.clusterIPRange, serviceNodePortRange: values['service-node-port-range'],
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
  reportServing(api.url);
  // `up` runs every component in this process, each an API client with its own loops; the
  // controller manager and the scheduler each on a thread of its own (cli/componentthread.ts).
  const components = new AbortController();
  // (Made once the API server is up: loading their modules during its start-up slowed that more
  // than it saved on a 2-core machine.)
  const controllers = command === 'up'
    ? startComponentThread({
      // As kubeadm runs it: its own certificate, each controller as its own ServiceAccount.
      component: 'controller-manager', kubeconfig: { file: await kubeconfigOf('controller-manager', COMPONENT_USERS['controller-manager']) },
      useServiceAccountCredentials: true, serviceAccountKey: { privateKey: pki.saPrivateKey, rootCA: pki.caCert },
    }, log)
    : undefined;
  const scheduler = command === 'up'
    ? startComponentThread({ component: 'scheduler', kubeconfig: { file: await kubeconfigOf('scheduler', COMPONENT_USERS.scheduler) } }, log)
    : undefined;
  // Local storage as kind ships it: the default class `standard` and its provisioner, as itself,
  // with volumes under <data-dir>/volumes (the nodes of `up` share this host's file system).
  if (command === 'up') {
    const admin = new RestClient(loadKubeConfig(kubeconfig), { userAgent: 'capstan-up' });
    try {
      await ensureLocalStorage(admin);
      // The controller manager's thread loads its modules and syncs its informers after the API
      // is up: until its ServiceAccount controller has run, a pod in a new namespace would be
      // refused for want of a `default` ServiceAccount. Up means ready for `kubectl run`.
      if (!(await defaultServiceAccountMade(admin, 60_000))) log('capstan up: the controller manager has not made the default ServiceAccount within 60 s');
    } finally {
      admin.close();
    }
  }
  const storage = command === 'up'
    ? startControllerManager({
      kubeconfig: await kubeconfigOf('local-provisioner', LOCAL_PROVISIONER_IDENTITY), signal: components.signal, log,
      controllers: [localProvisioner({ baseDir: path.join(dataDir, 'volumes') })],
    })
    : undefined;
  const simulatedNodes = command === 'up' ? Number(values['simulated-nodes']) : 0;
  if (!Number.isInteger(simulatedNodes) || simulatedNodes < 0) {
    log(`capstan up: --simulated-nodes wants a whole number, not ${JSON.stringify(values['simulated-nodes'])}`);
    process.exit(2);
  }
  // Each kubelet talks as its own Node, as kubeadm's kubelet.conf makes it: system:node:<name> in system:nodes.
  const kubeletKubeconfigFor = kubeletKubeconfigs({ pki, dataDir, server });
  const simulated = simulatedNodes > 0
    ? startSimulatedNodes({ kubeconfigFor: kubeletKubeconfigFor, count: simulatedNodes, signal: components.signal, log, serveKubeletApi: true })
    : undefined;
  if (simulated) {
    await simulated.ready;
    log(`capstan up: ${simulatedNodes} simulated node(s) registered (label node.capstan.dev/simulated=true; they run no containers)`);
  }
  // Pods on Docker nodes reach Services through this host's proxy and resolve names through the
  // cluster DNS beside it (a simulated node has no pods to serve).
  const clusterDNSIP = serviceIPAt(network.clusterIPRange, 10);
  let networking: RunningServiceNetworking | undefined;
  if (dockerNodes > 0) {
    if (!advertised) {
      log('capstan up: this host has no non-loopback IPv4 address for pods to reach it at');
      process.exit(1);
    }
    await ensureClusterDNSRBAC(new RestClient(loadKubeConfig(kubeconfig), { userAgent: 'capstan-up' }));
    networking = startServiceNetworking({
      proxyKubeconfig: await kubeconfigOf('proxy', COMPONENT_USERS.proxy),
      dnsKubeconfig: await kubeconfigOf('cluster-dns', { user: CLUSTER_DNS_USER, groups: [] }),
      signal: components.signal, log, nodeNames: Array.from({ length: dockerNodes }, (_, i) => `node-${i}`), nodeIP: advertised,
      clusterDNSIP, clusterDomain, clusterTag: clusterTagOf(dataDir), mode: proxyMode,
    });
    await networking.ready.catch((e: Error) => { log(`capstan up: service networking: ${e.message}`); process.exit(1); });
    log(`capstan up: service proxy in ${networking.mode} mode; cluster DNS at ${clusterDNSIP} (this host, port ${networking.dnsPort()})`);
  }
  const docker = dockerNodes > 0
    ? await startDockerNodes({ kubeconfigFor: kubeletKubeconfigFor, count: dockerNodes, signal: components.signal, log, dataDir, clusterDNS: [clusterDNSIP], clusterDomain })
      .catch((e: Error) => { log(`capstan up: --nodes ${dockerNodes}: ${e.message}`); process.exit(1); })
    : undefined;
  if (docker) {
    await docker.ready;
    log(`capstan up: ${dockerNodes} Docker node(s) registered (node-0 … node-${dockerNodes - 1}; pods run as containers)`);
  }
  // A worker's primary says it once all are serving.
  if (!isWorker()) announceUp(kubeconfig);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`capstan: ${signal}, shutting down`);
    components.abort();
    await controllers?.stop();
    await scheduler?.stop();
    await storage?.done;
    await simulated?.done;
    await docker?.done;
    await networking?.done;
    await api.close();
    await serving.audit?.close();
    await compactor.stop();
    await store.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  // A component whose thread ends on its own has failed: exit, as a crashed upstream component
  // would, for a supervisor to restart the whole.
  for (const [name, thread] of [['controller manager', controllers], ['scheduler', scheduler]] as const) {
    void thread?.done.then(() => {
      if (stopping) return;
      log(`capstan: the ${name} stopped unexpectedly; shutting down`);
      process.exit(1);
    });
  }
}

function announceUp(kubeconfig: string): void {
  process.stdout.write(`\nCapstan is up. Use it with:\n\n  export KUBECONFIG=${kubeconfig}\n  kubectl get namespaces\n\n`);
}

/** Waits until the ServiceAccount default/default exists; false after `timeoutMs`. */
async function defaultServiceAccountMade(rest: RestClient, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    try {
      await rest.get(serviceAccounts, 'default', 'default');
      return true;
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** kubeadm's kube-dns address: the tenth of the default service range. */
const DEFAULT_CLUSTER_DNS = '10.96.0.10';

/** A short name for this cluster's iptables chains, from what identifies it on this host. */
function clusterTagOf(identity: string): string {
  return createHash('sha256').update(path.resolve(identity)).digest('hex').slice(0, 8);
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
