// What a pod's containers read in /etc/resolv.conf on a Docker node: the kubelet computes it from
// the pod's dnsPolicy and dnsConfig (kubelet/dns.ts) and the runtime binds it into every container.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { V1Pod, V1PodSpec } from '@kubernetes/client-node';
import { RestClient } from '../../../client/index.ts';
import { pods } from '../../../client/resources.ts';
import { createDatabaseAt } from '../../../test/postgres.ts';
import { startTestApiServer, type TestApiServer } from '../../../test/apiserver.ts';
import { eventually } from '../../../test/eventually.ts';
import { KubeletHost, type RunningKubelet } from '../../kubelet.ts';
import type { DockerRuntime } from './docker.ts';
import { ensureDocker, testRuntime } from './testing.ts';

const NS = 'default';
const NODE_IP = '172.30.0.11';
const POD_CIDR = '10.240.211.0/24';
const CLUSTER_DNS = '10.96.0.10';
/** The node's resolver file (the kubelet's --resolv-conf), so that Default pods' file is known. */
const HOST_RESOLV_CONF = '# the node\'s resolver\nnameserver 10.255.255.53\nsearch corp.example\noptions timeout:2\n';

let srv: TestApiServer;
let rest: RestClient;
let ac: AbortController;
let kubelet: RunningKubelet;
let runtime: DockerRuntime;
let work: string;
const node = `docker-dns-${Math.random().toString(36).slice(2, 8)}`;

beforeAll(async () => {
  ensureDocker();
  srv = await startTestApiServer({ databaseUrl: await createDatabaseAt(inject('pgAdminUrl')) });
  rest = new RestClient(srv.kubeconfig);
  runtime = testRuntime({ podCIDR: POD_CIDR });
  work = mkdtempSync(path.join(tmpdir(), 'capstan-kubelet-dns-'));
  const resolvConf = path.join(work, 'resolv.conf');
  writeFileSync(resolvConf, HOST_RESOLV_CONF);
  ac = new AbortController();
  kubelet = new KubeletHost({
    kubeconfig: srv.kubeconfig, signal: ac.signal, log: () => {},
    statusIntervalMs: 300, statusReportIntervalMs: 3_000, leaseIntervalMs: 500, resyncIntervalMs: 3_000, backoff: { initialMs: 1_000, maxMs: 2_000 },
    nodes: [{
      nodeName: node, runtime, podCIDR: POD_CIDR, nodeIP: NODE_IP, rootDir: path.join(work, 'kubelet'),
      clusterDNS: [CLUSTER_DNS], clusterDomain: 'cluster.local', resolvConf,
    }],
  }).start();
  expect(await kubelet.ready).toBe(true);
});

afterAll(async () => {
  ac?.abort();
  await kubelet?.done;
  await runtime?.removeAll();
  runtime?.close();
  rest?.close();
  await srv?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

function createPod(name: string, spec: Partial<V1PodSpec>): Promise<V1Pod> {
  return rest.create(pods, NS, {
    metadata: { name: `${name}-${Math.random().toString(36).slice(2, 7)}` },
    spec: {
      nodeName: node, restartPolicy: 'Never', terminationGracePeriodSeconds: 1,
      containers: [{ name: 'c', image: 'busybox', imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] }],
      ...spec,
    },
  });
}

/** `cat /etc/resolv.conf` in the pod's container, once it runs. */
async function resolvConfIn(p: V1Pod): Promise<string> {
  await eventually(async () => (await rest.get(pods, NS, p.metadata!.name!)).status?.phase === 'Running', { what: `${p.metadata!.name} to run`, timeoutMs: 30_000, intervalMs: 100 });
  const c = (await runtime.podStatus(p.metadata!.uid!))!.containers.find((x) => x.name === 'c' && x.state === 'running')!;
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (b: Buffer) => chunks.push(b));
  const code = await runtime.exec(c.id, ['cat', '/etc/resolv.conf'], { stdout: out }, new AbortController().signal);
  expect(code).toBe(0);
  return Buffer.concat(chunks).toString('utf8');
}

describe('a pod\'s /etc/resolv.conf on a Docker node', () => {
  it('ClusterFirst: the cluster DNS server, the cluster search domains then the node\'s, ndots:5', async () => {
    const p = await createPod('cf', { dnsPolicy: 'ClusterFirst' });
    expect(await resolvConfIn(p)).toBe(
      `search ${NS}.svc.cluster.local svc.cluster.local cluster.local corp.example\n`
      + `nameserver ${CLUSTER_DNS}\n`
      + 'options ndots:5\n');
  });

  it('None with dnsConfig: only the pod\'s nameservers, searches and options', async () => {
    const p = await createPod('none', {
      dnsPolicy: 'None',
      dnsConfig: { nameservers: ['192.0.2.53', '192.0.2.54'], searches: ['ns1.svc.cluster-domain.example', 'my.dns.search.suffix'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] },
    });
    expect(await resolvConfIn(p)).toBe(
      'search ns1.svc.cluster-domain.example my.dns.search.suffix\n'
      + 'nameserver 192.0.2.53\nnameserver 192.0.2.54\n'
      + 'options ndots:2 edns0\n');
  });

  it('ClusterFirst on the host network: the node\'s own resolver configuration (Default)', async () => {
    const p = await createPod('hostnet', { dnsPolicy: 'ClusterFirst', hostNetwork: true });
    expect(await resolvConfIn(p)).toBe('search corp.example\nnameserver 10.255.255.53\noptions timeout:2\n');
  });
});
