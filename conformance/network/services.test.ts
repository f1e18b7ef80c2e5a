// Service networking on `capstan up --nodes 2`, driven by the real kubectl: a Deployment of busybox
// httpd behind Services, reached from another pod by virtual IP and by DNS name through the proxy
// and the cluster DNS, from the host by NodePort, through `kubectl proxy`, the API server's
// services/proxy and `kubectl port-forward svc/…`.
import { execFileSync, spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startSystem, type System } from '../harness/system.ts';
import { kubectl, kubectlOk } from '../harness/kubectl.ts';
import { eventually } from '../../test/eventually.ts';
import { freePort } from '../../test/ports.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
const NS = 'net';
const REPLICAS = 3;
let sys: System;

// Each replica serves its own pod name, and is ready while /tmp/ready exists.
const web = {
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: NS },
  spec: {
    replicas: REPLICAS, selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [{
          name: 'httpd', image: 'busybox', ports: [{ name: 'http', containerPort: 8080 }],
          command: ['sh', '-c', 'mkdir -p /www && hostname > /www/index.html && touch /tmp/ready && exec httpd -f -p 8080 -h /www'],
          readinessProbe: { exec: { command: ['cat', '/tmp/ready'] }, periodSeconds: 1, failureThreshold: 1 },
        }],
      },
    },
  },
};
const service = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS }, spec });
const client = {
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'client', namespace: NS },
  spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'] }] },
};

const apply = (obj: unknown) => kubectlOk(sys, ['apply', '-f', '-'], { input: JSON.stringify(obj) });
const inClient = (script: string) => kubectlOk(sys, ['exec', '-n', NS, 'client', '--', 'sh', '-c', script]);

/** The page of each of n requests from the client pod to url (failures count as empty lines). */
async function hits(url: string, n: number): Promise<string[]> {
  // busybox wget's own -T crashes this busybox build: the timeout applet bounds each request.
  const out = await inClient(`for i in $(seq ${n}); do timeout 3 wget -qO- ${url} || echo; done`);
  return out.split('\n').map((l) => l.trim()).filter((l, i, all) => i < all.length - 1 || l !== '');
}

async function readyPods(): Promise<Array<{ name: string; ip: string }>> {
  const out = await kubectlOk(sys, ['get', 'pods', '-n', NS, '-l', 'app=web', '-o', 'json']);
  const items = (JSON.parse(out) as { items: Array<{ metadata: { name: string; deletionTimestamp?: string }; status: { podIP?: string; conditions?: Array<{ type: string; status: string }> } }> }).items;
  return items
    .filter((p) => !p.metadata.deletionTimestamp && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
    .map((p) => ({ name: p.metadata.name, ip: p.status.podIP ?? '' }));
}

function httpGet(url: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 3_000 }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve(res.statusCode === 200 ? text : undefined));
    });
    req.on('error', () => resolve(undefined));
    req.on('timeout', () => { req.destroy(); resolve(undefined); });
  });
}

/** Runs a long-lived kubectl (proxy, port-forward) for the length of fn. */
async function withKubectl<T>(args: string[], fn: () => Promise<T>): Promise<T> {
  const child = spawn('kubectl', args, { env: { ...process.env, KUBECONFIG: sys.kubeconfig, KUBECTL_VERSION: '1.32' }, stdio: 'ignore' });
  try {
    return await fn();
  } finally {
    child.kill();
  }
}

beforeAll(async () => {
  execFileSync(path.join(root, 'scripts', 'ensure-docker.sh'), { stdio: 'inherit' });
  sys = await startSystem({ extraArgs: ['--nodes', '2'] });
  await kubectlOk(sys, ['create', 'namespace', NS]);
  await apply(web);
  await apply(client);
  await apply(service('web', { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] }));
  await kubectlOk(sys, ['rollout', 'status', 'deployment/web', '-n', NS, '--timeout=120s']);
  await kubectlOk(sys, ['wait', '--for=condition=Ready', 'pod/client', '-n', NS, '--timeout=120s']);
}, 300_000);

afterAll(async () => {
  // Pods first, so that the kubelets remove their containers before the system stops.
  await kubectlOk(sys, ['delete', 'namespace', NS, '--wait=true', '--timeout=60s']).catch(() => {});
  await sys?.stop();
});

describe('Services: ClusterIP through the proxy and the cluster DNS', () => {
  it('reaches a ClusterIP service by IP and by svc, svc.ns and svc.ns.svc.cluster.local, spread over every replica', async () => {
    const ip = (await kubectlOk(sys, ['get', 'svc', 'web', '-n', NS, '-o', 'jsonpath={.spec.clusterIP}'])).trim();
    const names = (await readyPods()).map((p) => p.name).sort();
    expect(names).toHaveLength(REPLICAS);
    for (const host of [ip, 'web', `web.${NS}`, `web.${NS}.svc.cluster.local`]) {
      const seen = await eventually(async () => {
        const got = new Set(await hits(`http://${host}/`, 30));
        return names.every((n) => got.has(n)) ? got : undefined;
      }, 30_000);
      expect([...seen].filter((s) => s !== '').sort(), `pages served through ${host}`).toEqual(names);
    }
  }, 240_000);

  it('writes each pod a resolv.conf that points at the kube-dns Service with the namespace search path', async () => {
    const dnsIP = (await kubectlOk(sys, ['get', 'svc', 'kube-dns', '-n', 'kube-system', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
    const conf = await inClient('cat /etc/resolv.conf');
    expect(conf).toContain(`nameserver ${dnsIP}`);
    expect(conf).toMatch(new RegExp(`search ${NS}\\.svc\\.cluster\\.local svc\\.cluster\\.local cluster\\.local`));
    expect(conf).toContain('options ndots:5');
    const ports = await kubectlOk(sys, ['get', 'svc', 'kube-dns', '-n', 'kube-system', '-o', 'jsonpath={range .spec.ports[*]}{.name}/{.port}/{.protocol} {end}']);
    expect(ports.trim().split(' ')).toEqual(expect.arrayContaining(['dns/53/UDP', 'dns-tcp/53/TCP']));
  }, 60_000);

  it('changes the spread when the deployment scales', async () => {
    await kubectlOk(sys, ['scale', 'deployment/web', '-n', NS, '--replicas=1']);
    const only = await eventually(async () => {
      const pods = await readyPods();
      if (pods.length !== 1) return undefined;
      const got = new Set(await hits('http://web/', 20));
      return got.size === 1 && got.has(pods[0]!.name) ? pods[0]!.name : undefined;
    }, 60_000);
    expect(only).toMatch(/^web-/);
    await kubectlOk(sys, ['scale', 'deployment/web', '-n', NS, `--replicas=${REPLICAS}`]);
    await kubectlOk(sys, ['rollout', 'status', 'deployment/web', '-n', NS, '--timeout=120s']);
    const names = await eventually(async () => {
      const pods = (await readyPods()).map((p) => p.name);
      return pods.length === REPLICAS ? pods : undefined;
    }, 60_000);
    const seen = await eventually(async () => {
      const got = new Set(await hits('http://web/', 30));
      return names.every((n) => got.has(n)) ? got : undefined;
    }, 30_000);
    expect(seen.size).toBeGreaterThanOrEqual(REPLICAS);
  }, 240_000);

  it('sends no traffic to a pod that is not ready', async () => {
    const pods = await readyPods();
    const sick = pods[0]!.name;
    await kubectlOk(sys, ['exec', '-n', NS, sick, '--', 'rm', '/tmp/ready']);
    try {
      await kubectlOk(sys, ['wait', '--for=condition=Ready=false', `pod/${sick}`, '-n', NS, '--timeout=30s']);
      const got = await eventually(async () => {
        const pages = await hits('http://web/', 30);
        return pages.includes(sick) ? undefined : pages;
      }, 15_000);
      expect(got).not.toContain(sick);
      expect(new Set(got.filter((p) => p !== '')).size).toBe(pods.length - 1);
    } finally {
      await kubectlOk(sys, ['exec', '-n', NS, sick, '--', 'touch', '/tmp/ready']);
      await kubectlOk(sys, ['wait', '--for=condition=Ready', `pod/${sick}`, '-n', NS, '--timeout=30s']);
    }
  }, 120_000);

  it('reaches a service without a selector through hand-written Endpoints, mirrored into EndpointSlices', async () => {
    const ip = (await readyPods())[0]!.ip;
    await apply(service('manual', { ports: [{ name: 'http', port: 80, targetPort: 8080 }] }));
    await apply({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'manual', namespace: NS }, subsets: [{ addresses: [{ ip }], ports: [{ name: 'http', port: 8080 }] }] });
    const page = await eventually(async () => (await hits('http://manual/', 3)).find((p) => p.startsWith('web-')), 30_000);
    expect(page).toMatch(/^web-/);
    const managers = await kubectlOk(sys, ['get', 'endpointslices', '-n', NS, '-l', 'kubernetes.io/service-name=manual', '-o', 'jsonpath={.items[*].metadata.labels.endpointslice\\.kubernetes\\.io/managed-by}']);
    expect(managers.trim()).toBe('endpointslicemirroring-controller.k8s.io');
  }, 60_000);

  it('resolves a headless service to every ready pod IP', async () => {
    await apply(service('web-headless', { clusterIP: 'None', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] }));
    const ips = (await readyPods()).map((p) => p.ip);
    const answer = await eventually(async () => {
      const out = await inClient(`nslookup web-headless.${NS}.svc.cluster.local`).catch(() => '');
      return ips.every((ip) => out.includes(ip)) ? out : undefined;
    }, 30_000);
    for (const ip of ips) expect(answer).toContain(ip);
  }, 60_000);

  it('answers an ExternalName service with a CNAME to its external name', async () => {
    await apply(service('alias', { type: 'ExternalName', externalName: `web.${NS}.svc.cluster.local` }));
    const ip = (await kubectlOk(sys, ['get', 'svc', 'web', '-n', NS, '-o', 'jsonpath={.spec.clusterIP}'])).trim();
    const out = await eventually(async () => {
      const text = await inClient(`nslookup alias.${NS}.svc.cluster.local`).catch(() => '');
      return text.includes(`web.${NS}.svc.cluster.local`) ? text : undefined;
    }, 30_000);
    expect(out).toContain(ip);
    // And the alias carries traffic to the service it names.
    expect((await hits(`http://alias.${NS}.svc.cluster.local/`, 3)).filter((p) => p.startsWith('web-'))).toHaveLength(3);
  }, 60_000);
});

describe('Services: NodePort, proxy subresources and port-forward', () => {
  it('reaches a NodePort service from the host on 127.0.0.1 and on the node IP', async () => {
    await apply(service('web-np', { type: 'NodePort', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] }));
    const nodePort = Number(await kubectlOk(sys, ['get', 'svc', 'web-np', '-n', NS, '-o', 'jsonpath={.spec.ports[0].nodePort}']));
    expect(nodePort).toBeGreaterThanOrEqual(30000);
    const nodeIP = (await kubectlOk(sys, ['get', 'node', 'node-0', '-o', 'jsonpath={.status.addresses[?(@.type=="InternalIP")].address}'])).trim();
    for (const host of ['127.0.0.1', nodeIP]) {
      const page = await eventually(() => httpGet(`http://${host}:${nodePort}/`), 30_000);
      expect(page.trim(), `NodePort via ${host}`).toMatch(/^web-/);
    }
  }, 60_000);

  it('serves a service through the API server: kubectl get --raw …/services/web:80/proxy/ and kubectl proxy', async () => {
    const raw = await kubectlOk(sys, ['get', '--raw', `/api/v1/namespaces/${NS}/services/web:80/proxy/`]);
    expect(raw.trim()).toMatch(/^web-/);
    const port = await freePort();
    const page = await withKubectl(['proxy', `--port=${port}`], () =>
      eventually(() => httpGet(`http://127.0.0.1:${port}/api/v1/namespaces/${NS}/services/web:http/proxy/`), 20_000));
    expect(page.trim()).toMatch(/^web-/);
    // No endpoints: upstream's 503.
    await apply(service('nobody', { selector: { app: 'nobody' }, ports: [{ port: 80 }] }));
    const r = await kubectl(sys, ['get', '--raw', `/api/v1/namespaces/${NS}/services/nobody:80/proxy/`]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('ServiceUnavailable');
  }, 60_000);

  it('port-forwards to a service with kubectl port-forward svc/web', async () => {
    const port = await freePort();
    const page = await withKubectl(['port-forward', '-n', NS, 'svc/web', `${port}:80`], () =>
      eventually(() => httpGet(`http://127.0.0.1:${port}/`), 20_000));
    expect(page.trim()).toMatch(/^web-/);
  }, 60_000);
});
