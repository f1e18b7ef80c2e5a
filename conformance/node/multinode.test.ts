// Two Docker nodes (`capstan up --nodes 2`) through the real kubectl: a Deployment spread over
// both by a topologySpreadConstraint on the hostname, each pod's IP in its node's pod CIDR, and
// pods on different nodes reaching each other by pod IP.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { System } from '../harness/system.ts';
import { kubectlOk } from '../harness/kubectl.ts';
import { apply, createNamespace, deleteNamespaces, listPods, startDockerSystem } from './pods.ts';

const NS = 'multinode';
let sys: System;

beforeAll(async () => {
  sys = await startDockerSystem(2);
}, 180_000);

afterAll(async () => {
  await deleteNamespaces(sys, [NS]);
  await sys?.stop();
}, 150_000);

/** Whether a dotted IPv4 address lies in a CIDR. */
function inCIDR(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/') as [string, string];
  const toInt = (a: string) => a.split('.').reduce((n, o) => (n << 8) + Number(o), 0) >>> 0;
  const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
  return ((toInt(ip) & mask) >>> 0) === ((toInt(base) & mask) >>> 0);
}

describe('Node: two Docker nodes', () => {
  it('spreads a Deployment over both nodes, and pods on different nodes reach each other by pod IP', async () => {
    await createNamespace(sys, NS);
    await apply(sys, {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'spread', namespace: NS },
      spec: {
        replicas: 4, selector: { matchLabels: { app: 'spread' } },
        template: {
          metadata: { labels: { app: 'spread' } },
          spec: {
            terminationGracePeriodSeconds: 1,
            topologySpreadConstraints: [{
              maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'spread' } },
            }],
            containers: [{
              name: 'web', image: 'busybox', imagePullPolicy: 'IfNotPresent', ports: [{ containerPort: 8080 }],
              // Serves its own pod name (the hostname) on 8080.
              command: ['sh', '-c', 'mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www'],
            }],
          },
        },
      },
    });
    await kubectlOk(sys, ['rollout', 'status', 'deployment/spread', '-n', NS, '--timeout=120s'], { timeoutMs: 130_000 });

    const pods = (await listPods(sys, NS, 'app=spread')).filter((p) => !p.metadata.deletionTimestamp && p.status.phase === 'Running');
    expect(pods).toHaveLength(4);
    const byNode = new Map<string, typeof pods>();
    for (const p of pods) byNode.set(p.spec.nodeName!, [...(byNode.get(p.spec.nodeName!) ?? []), p]);
    // maxSkew 1 over two nodes: two and two.
    expect([...byNode.keys()].sort()).toEqual(['node-0', 'node-1']);
    expect([...byNode.values()].map((ps) => ps.length)).toEqual([2, 2]);

    // Each node hands out addresses from its own pod CIDR.
    const nodes = JSON.parse(await kubectlOk(sys, ['get', 'nodes', '-o', 'json'])) as { items: Array<{ metadata: { name: string }; spec: { podCIDR?: string } }> };
    const cidrOf = new Map(nodes.items.map((n) => [n.metadata.name, n.spec.podCIDR ?? '']));
    expect(cidrOf.get('node-0')).not.toBe(cidrOf.get('node-1'));
    for (const p of pods) expect(inCIDR(p.status.podIP!, cidrOf.get(p.spec.nodeName!)!), `${p.metadata.name} ${p.status.podIP} on ${p.spec.nodeName}`).toBe(true);

    // Across nodes, both ways: a pod on one node fetches the page of a pod on the other by its IP.
    const [a, b] = [byNode.get('node-0')![0]!, byNode.get('node-1')![0]!];
    for (const [from, to] of [[a, b], [b, a]] as const) {
      // busybox wget's own -T crashes this busybox build: the timeout applet bounds the request.
      const page = await kubectlOk(sys, ['exec', from.metadata.name, '-n', NS, '--', 'timeout', '5', 'wget', '-qO-', `http://${to.status.podIP}:8080/`]);
      expect(page.trim(), `${from.spec.nodeName} → ${to.spec.nodeName}`).toBe(to.metadata.name);
    }
  }, 180_000);
});
