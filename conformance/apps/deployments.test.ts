// Deployments and ReplicaSets through the real kubectl on `capstan up --simulated-nodes 3`: the
// scheduler binds pods to simulated nodes whose kubelets report them Running and Ready, so
// rollouts complete as on a real cluster.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as k8s from '@kubernetes/client-node';
import { startSystem, type System } from '../harness/system.ts';
import { kubectl, kubectlOk } from '../harness/kubectl.ts';

let sys: System;
let seq = 0;
const ns = () => `apps-${process.pid}-${seq++}`;

beforeAll(async () => { sys = await startSystem({ extraArgs: ['--simulated-nodes', '3'] }); });
afterAll(async () => { await sys?.stop(); });

async function eventually(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}

const podNames = async (n: string, selector: string) =>
  (await kubectlOk(sys, ['get', 'pods', '-n', n, '-l', selector, '-o', 'jsonpath={range .items[*]}{.metadata.name}{"\\n"}{end}'])).split('\n').filter(Boolean);

describe('Deployments through kubectl', () => {
  it('creates, scales, rolls out a new image with availability never below maxUnavailable, shows history and undoes', async () => {
    const n = ns();
    await kubectlOk(sys, ['create', 'namespace', n]);
    await kubectlOk(sys, ['create', 'deployment', 'web', '--image=busybox:1.36', '--replicas=4', '-n', n]);
    await kubectlOk(sys, ['rollout', 'status', 'deployment/web', '-n', n, '--timeout=60s']);
    const table = await kubectlOk(sys, ['get', 'deployment', 'web', '-n', n]);
    expect(table.split('\n')[0]).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE$/);
    expect(table).toMatch(/web\s+4\/4\s+4\s+4\s+/);

    // A watcher records the Deployment's availableReplicas through the rollout.
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(sys.kubeconfig);
    const available: number[] = [];
    const watch = await new k8s.Watch(kc).watch(`/apis/apps/v1/namespaces/${n}/deployments`, {},
      (_t, d: k8s.V1Deployment) => { if (d.metadata?.name === 'web') available.push(d.status?.availableReplicas ?? 0); }, () => {});
    await kubectlOk(sys, ['set', 'image', 'deployment/web', 'busybox=busybox:1.37', '-n', n]);
    // Recorded on the new ReplicaSet (annotations are copied to the current one), as users do after a change.
    await kubectlOk(sys, ['annotate', 'deployment/web', '-n', n, 'kubernetes.io/change-cause=image 1.37']);
    await kubectlOk(sys, ['rollout', 'status', 'deployment/web', '-n', n, '--timeout=60s']);
    watch.abort();
    // Default strategy: maxUnavailable 25% of 4 = 1, so never fewer than 3 available.
    expect(Math.min(...available.slice(1))).toBeGreaterThanOrEqual(3);
    await eventually(async () => (await kubectlOk(sys, ['get', 'pods', '-n', n, '-l', 'app=web', '-o', 'jsonpath={.items[*].spec.containers[0].image}'])).split(' ').every((i) => i === 'busybox:1.37'));

    const history = await kubectlOk(sys, ['rollout', 'history', 'deployment/web', '-n', n]);
    expect(history).toMatch(/REVISION\s+CHANGE-CAUSE/);
    expect(history).toMatch(/1\s+<none>/);
    expect(history).toMatch(/2\s+image 1\.37/);

    await kubectlOk(sys, ['rollout', 'undo', 'deployment/web', '-n', n]);
    await kubectlOk(sys, ['rollout', 'status', 'deployment/web', '-n', n, '--timeout=60s']);
    expect(await kubectlOk(sys, ['get', 'deployment', 'web', '-n', n, '-o', 'jsonpath={.spec.template.spec.containers[0].image}'])).toBe('busybox:1.36');

    await kubectlOk(sys, ['scale', 'deployment/web', '--replicas=2', '-n', n]);
    await kubectlOk(sys, ['rollout', 'status', 'deployment/web', '-n', n, '--timeout=60s']);
    await eventually(async () => (await podNames(n, 'app=web')).length === 2);
  });

  it('has a ReplicaSet restore a deleted pod, and its pods are bound to the simulated nodes', async () => {
    const n = ns();
    await kubectlOk(sys, ['create', 'namespace', n]);
    await kubectlOk(sys, ['create', 'deployment', 'api', '--image=busybox', '--replicas=3', '-n', n]);
    await kubectlOk(sys, ['rollout', 'status', 'deployment/api', '-n', n, '--timeout=60s']);
    const before = await podNames(n, 'app=api');
    expect(before).toHaveLength(3);
    await kubectlOk(sys, ['delete', 'pod', before[0]!, '-n', n]);
    await eventually(async () => {
      const now = await podNames(n, 'app=api');
      return now.length === 3 && !now.includes(before[0]!);
    });
    const wide = await kubectlOk(sys, ['get', 'pods', '-n', n, '-o', 'wide']);
    expect(wide).toMatch(/Running/);
    const nodes = await kubectlOk(sys, ['get', 'pods', '-n', n, '-o', 'jsonpath={.items[*].spec.nodeName}']);
    expect(nodes.split(' ').every((x) => x.length > 0)).toBe(true);
  });

  it('reports an unschedulable pod with upstream\'s message', async () => {
    const n = ns();
    await kubectlOk(sys, ['create', 'namespace', n]);
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'huge', namespace: n }, spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '1000' } } }] } };
    await kubectlOk(sys, ['create', '-f', '-'], { input: JSON.stringify(pod) });
    await eventually(async () => (await kubectl(sys, ['get', 'pod', 'huge', '-n', n, '-o', 'jsonpath={.status.conditions[?(@.type=="PodScheduled")].reason}'])).stdout === 'Unschedulable');
    const message = await kubectlOk(sys, ['get', 'pod', 'huge', '-n', n, '-o', 'jsonpath={.status.conditions[?(@.type=="PodScheduled")].message}']);
    expect(message).toMatch(/^0\/3 nodes are available: 3 Insufficient cpu\./);
    const events = await kubectlOk(sys, ['get', 'events', '-n', n, '--field-selector', 'reason=FailedScheduling', '-o', 'jsonpath={.items[*].message}']);
    expect(events).toMatch(/0\/3 nodes are available/);
  });
});
