// Simulated nodes that serve the kubelet API: each node reports an address and port where its
// kubelet answers, and the API server's pods/log and pods/exec reach a simulated pod through it,
// driven by the real kubectl as `capstan up --simulated-nodes N` users drive it.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { V1Pod } from '@kubernetes/client-node';
import { RestClient } from '../client/index.ts';
import { nodes, pods } from '../client/resources.ts';
import { kubectl } from '../conformance/harness/kubectl.ts';
import type { System } from '../conformance/harness/system.ts';
import { startTestApiServer, type TestApiServer } from '../test/apiserver.ts';
import { eventually } from '../test/eventually.ts';
import { createDatabaseAt } from '../test/postgres.ts';
import { simulatedLoopbackIP, startSimulatedNodes, type RunningKubelet } from './index.ts';

const NS = 'default';
let srv: TestApiServer;
let rest: RestClient;
let sim: RunningKubelet;
let sys: System;
const ac = new AbortController();

beforeAll(async () => {
  // With TLS the test server holds a kubelet client certificate from the CA its kubeconfig trusts, as kubeadm sets it up.
  srv = await startTestApiServer({ databaseUrl: await createDatabaseAt(inject('pgAdminUrl')), tls: true });
  rest = new RestClient(srv.kubeconfig);
  sys = { kubeconfig: srv.kubeconfigPath, logsFor: () => [] } as unknown as System;
  sim = startSimulatedNodes({
    kubeconfig: srv.kubeconfig, count: 2, signal: ac.signal, log: () => {}, serveKubeletApi: true,
    statusIntervalMs: 300, leaseIntervalMs: 1_000, resyncIntervalMs: 2_000,
  });
  expect(await sim.ready).toBe(true);
}, 60_000);

afterAll(async () => {
  ac.abort();
  await sim?.done;
  rest?.close();
  await srv?.close();
});

async function runningPod(name: string, node: string, command: string[]): Promise<V1Pod> {
  await rest.create(pods, NS, { metadata: { name }, spec: { nodeName: node, containers: [{ name: 'main', image: 'busybox', command }] } });
  return eventually(async () => {
    const p = await rest.get(pods, NS, name);
    return p.status?.phase === 'Running' && p;
  }, { what: `pod ${name} Running`, timeoutMs: 15_000, intervalMs: 50 });
}

describe('simulated nodes serving the kubelet API', () => {
  it('report a loopback address of their own and the port their kubelet API listens on', async () => {
    for (const i of [0, 1]) {
      const node = await rest.get(nodes, '', `sim-${i}`);
      expect(node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address).toBe(simulatedLoopbackIP(i));
      expect(node.status?.daemonEndpoints?.kubeletEndpoint?.Port).toBeGreaterThan(0);
    }
    expect(simulatedLoopbackIP(1)).toBe('127.18.0.3');
    const pod = await runningPod('where', 'sim-1', ['sleep', '3600']);
    expect(pod.status?.hostIP).toBe('127.18.0.3');
  });

  it('give kubectl logs what a simulated container printed', async () => {
    await runningPod('hello', 'sim-1', ['sh', '-c', 'echo "hello from $HOSTNAME"; echo to stderr >&2; sleep 3600']);
    const r = await kubectl(sys, ['logs', 'hello']);
    expect(r).toMatchObject({ code: 0, stdout: 'hello from hello\nto stderr\n' });
    expect((await kubectl(sys, ['logs', 'hello', '--tail=1'])).stdout).toBe('to stderr\n');
  });

  it('run kubectl exec in a simulated container: output, exit code, stdin and the files the container wrote', async () => {
    await runningPod('files', 'sim-0', ['sh', '-c', 'mkdir -p /data && echo ready > /data/state; sleep 3600']);
    expect(await kubectl(sys, ['exec', 'files', '--', 'cat', '/data/state'])).toMatchObject({ code: 0, stdout: 'ready\n' });
    const failed = await kubectl(sys, ['exec', 'files', '--', 'sh', '-c', 'echo nope >&2; exit 3']);
    expect(failed.code).toBe(3);
    expect(failed.stderr).toContain('nope');
    expect(await kubectl(sys, ['exec', '-i', 'files', '--', 'sh', '-c', 'cat > /data/in; cat /data/in /data/state'], { input: 'typed\n' })).toMatchObject({
      code: 0, stdout: 'typed\nready\n',
    });
  });
});
