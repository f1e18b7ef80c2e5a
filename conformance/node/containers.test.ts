// Pods as real Docker containers on `capstan up --nodes 1`, driven by the real kubectl: a
// deployment's pod runs, `kubectl exec` and `kubectl logs` reach it through the API server and
// the kubelet, containers of one pod share localhost, and `kubectl port-forward` relays to it.
import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import http from 'node:http';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startSystem, type System } from '../harness/system.ts';
import { kubectlOk } from '../harness/kubectl.ts';
import { eventually } from '../../test/eventually.ts';
import { freePort } from '../../test/ports.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
let sys: System;

beforeAll(async () => {
  execFileSync(path.join(root, 'scripts', 'ensure-docker.sh'), { stdio: 'inherit' });
  sys = await startSystem({ extraArgs: ['--nodes', '1'] });
}, 180_000);
afterAll(async () => {
  // Pods first, so that the kubelet removes their containers before the system stops.
  await kubectlOk(sys, ['delete', 'namespace', 'containers', '--wait=true', '--timeout=60s']).catch(() => {});
  await sys?.stop();
});

describe('pods as containers through kubectl', () => {
  it('runs a two-container pod sharing localhost, with exec, logs and port-forward working', async () => {
    await kubectlOk(sys, ['create', 'namespace', 'containers']);
    const pod = {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'containers' },
      spec: {
        // Neither httpd nor sleep as PID 1 leaves on SIGTERM: a short grace period keeps cleanup quick.
        terminationGracePeriodSeconds: 1,
        containers: [
          { name: 'server', image: 'busybox', command: ['sh', '-c', 'mkdir -p /www && echo hello-from-capstan > /www/index.html && echo serving && httpd -f -p 8080 -h /www'] },
          { name: 'client', image: 'busybox', command: ['sh', '-c', 'sleep 3600'] },
        ],
      },
    };
    await kubectlOk(sys, ['create', '-f', '-'], { input: JSON.stringify(pod) });
    await kubectlOk(sys, ['wait', '--for=condition=Ready', 'pod/web', '-n', 'containers', '--timeout=90s']);
    expect(await kubectlOk(sys, ['get', 'pod', 'web', '-n', 'containers', '-o', 'jsonpath={.status.podIP}'])).toMatch(/^10\.240\.\d+\.\d+$/);

    // The client container reaches the server container on localhost: one network namespace.
    const body = await eventually(async () => (await kubectlOk(sys, ['exec', 'web', '-n', 'containers', '-c', 'client', '--', 'wget', '-qO-', 'http://127.0.0.1:8080/']).catch(() => '')) || undefined, 20_000);
    expect(body.trim()).toBe('hello-from-capstan');
    expect((await kubectlOk(sys, ['logs', 'web', '-n', 'containers', '-c', 'server'])).trim()).toBe('serving');

    const port = await freePort();
    const pf = spawn('kubectl', ['port-forward', '-n', 'containers', 'pod/web', `${port}:8080`], { env: { ...process.env, KUBECONFIG: sys.kubeconfig, KUBECTL_VERSION: '1.32' }, stdio: 'ignore' });
    try {
      const got = await eventually(() => new Promise<string | undefined>((resolve) => {
        http.get({ host: '127.0.0.1', port, path: '/' }, (res) => {
          let text = '';
          res.on('data', (d) => { text += d; });
          res.on('end', () => resolve(text));
        }).on('error', () => resolve(undefined));
      }), 20_000);
      expect(got.trim()).toBe('hello-from-capstan');
    } finally {
      pf.kill();
    }
  }, 180_000);
});
