// ServiceAccount tokens at work on a Docker node (`capstan up --nodes 1`): the kubelet projects a
// bound token, the cluster CA and the namespace into a pod; a client inside the pod (busybox
// wget) calls the API server with that token and gets exactly what the account's Role allows;
// the same token is the ServiceAccount to kubectl, and dies with its pod. `kubectl create token`
// issues tokens through the TokenRequest API.
//
// Pods reach the API server as they do upstream: https://kubernetes.default.svc, through the
// cluster DNS and the service proxy to where the `kubernetes` Endpoints say it listens. The pods
// declare no volume: ServiceAccount admission adds kube-api-access-<5 random> (a serviceAccountToken,
// kube-root-ca.crt's ca.crt and the namespace), and the kubelet, as its node, projects it.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startSystem, type System } from '../harness/system.ts';
import { kubectl, kubectlOk } from '../harness/kubectl.ts';
import { expectDenied, kubectlAs, kubectlOkAs, tokenUser } from './identities.ts';
import { eventually } from '../../test/eventually.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
const TOKEN_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
let sys: System;
let nsSeq = 0;
const namespaces: string[] = [];
const ns = async () => {
  const name = `sa-${nsSeq++}`;
  await kubectlOk(sys, ['create', 'namespace', name]);
  namespaces.push(name);
  return name;
};

beforeAll(async () => {
  execFileSync(path.join(root, 'scripts', 'ensure-docker.sh'), { stdio: 'inherit' });
  sys = await startSystem({ extraArgs: ['--nodes', '1'] });
}, 180_000);
afterAll(async () => {
  // Pods first, so that the kubelet removes their containers before the system stops.
  if (sys && namespaces.length) await kubectlOk(sys, ['delete', 'namespace', ...namespaces, '--wait=true', '--timeout=60s']).catch(() => {});
  await sys?.stop();
}, 120_000);

/** A ServiceAccount that may get and list ConfigMaps in its namespace, and nothing else. */
async function configMapReader(n: string): Promise<void> {
  await kubectlOk(sys, ['create', 'serviceaccount', 'robot', '-n', n]);
  await kubectlOk(sys, ['create', 'role', 'configmap-reader', '--verb=get,list', '--resource=configmaps', '-n', n]);
  await kubectlOk(sys, ['create', 'rolebinding', 'robot-reads-configmaps', '--role=configmap-reader', '--serviceaccount', `${n}:robot`, '-n', n]);
  await kubectlOk(sys, ['create', 'configmap', 'visible', '-n', n, '--from-literal=greeting=hello']);
  await kubectlOk(sys, ['create', 'secret', 'generic', 'hidden', '-n', n, '--from-literal=password=s3cret']);
}

/** A long-running busybox pod as `robot`; ServiceAccount admission gives it the API access volume. */
async function clientPod(n: string, name: string): Promise<void> {
  const pod = {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: n },
    spec: {
      serviceAccountName: 'robot',
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'client', image: 'busybox', command: ['sh', '-c', 'sleep 3600'] }],
    },
  };
  await kubectlOk(sys, ['create', '-f', '-'], { input: JSON.stringify(pod) });
  await kubectlOk(sys, ['wait', '--for=condition=Ready', `pod/${name}`, '-n', n, '--timeout=90s'], { timeoutMs: 100_000 });
}

/** Runs a shell command in the pod; its output (stdout and stderr together) and exit code. */
async function inPod(n: string, pod: string, script: string): Promise<{ out: string; code: number }> {
  const out = await kubectlOk(sys, ['exec', pod, '-n', n, '--', 'sh', '-c', `${script} 2>&1; echo "exit=$?"`]);
  const m = /exit=(\d+)\n?$/.exec(out);
  return { out: out.slice(0, m?.index ?? out.length), code: Number(m?.[1] ?? -1) };
}

/** Where the `kubernetes` Service's Endpoints say the API server is. */
/** busybox wget to the API server with the pod's projected token (busybox cannot check a CA). */
const wgetApi = (address: string, apiPath: string, extra = '') =>
  `timeout 10 wget -q -O - --no-check-certificate --header "Authorization: Bearer $(cat ${TOKEN_DIR}/token)" ${extra} "https://${address}${apiPath}"`;

describe('ServiceAccount tokens', () => {
  it('projects a bound token, the cluster CA and the namespace into the pod', async () => {
    const n = await ns();
    await configMapReader(n);
    await clientPod(n, 'projected');
    // Upstream's admission named the volume and mounted it read-only at the token directory.
    const spec = JSON.parse(await kubectlOk(sys, ['get', 'pod', 'projected', '-n', n, '-o', 'jsonpath={.spec}'])) as {
      volumes: Array<{ name: string; projected?: object }>; containers: Array<{ volumeMounts: Array<{ name: string; mountPath: string; readOnly?: boolean }> }>;
    };
    const volume = spec.volumes.find((v) => v.name.startsWith('kube-api-access-'));
    expect(volume?.name).toMatch(/^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(spec.containers[0]!.volumeMounts).toEqual([{ name: volume!.name, mountPath: TOKEN_DIR, readOnly: true }]);
    const files = await inPod(n, 'projected', `ls ${TOKEN_DIR}; cat ${TOKEN_DIR}/namespace; echo; cat ${TOKEN_DIR}/ca.crt`);
    expect(files.code).toBe(0);
    const lines = files.out.split('\n');
    expect(lines.slice(0, 3)).toEqual(['ca.crt', 'namespace', 'token']);
    expect(lines[3]).toBe(n);
    expect(lines.slice(4).join('\n').trim()).toBe(readFileSync(path.join(sys.dataDir, 'pki', 'ca.crt'), 'utf8').trim());
    // The token is a JWT naming the account and bound to this pod.
    const jwt = (await kubectlOk(sys, ['exec', 'projected', '-n', n, '--', 'cat', `${TOKEN_DIR}/token`])).trim();
    const claims = JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as { sub: string; aud: string[]; exp: number; iat: number; 'kubernetes.io': { namespace: string; pod: { name: string }; serviceaccount: { name: string } } };
    expect(claims.sub).toBe(`system:serviceaccount:${n}:robot`);
    expect(claims['kubernetes.io'].namespace).toBe(n);
    expect(claims['kubernetes.io'].serviceaccount.name).toBe('robot');
    expect(claims['kubernetes.io'].pod.name).toBe('projected');
    expect(claims.exp - claims.iat).toBeGreaterThanOrEqual(3607);
  });

  it('lets a pod call the API server with its projected token, limited to its Role', async () => {
    const n = await ns();
    const elsewhere = await ns();
    await configMapReader(n);
    await clientPod(n, 'caller');
    const address = 'kubernetes.default.svc';

    const list = await inPod(n, 'caller', wgetApi(address, `/api/v1/namespaces/${n}/configmaps`));
    expect(list.code, list.out).toBe(0);
    const body = JSON.parse(list.out) as { kind: string; items: Array<{ metadata: { name: string }; data?: Record<string, string> }> };
    expect(body.kind).toBe('ConfigMapList');
    expect(body.items.find((c) => c.metadata.name === 'visible')?.data).toEqual({ greeting: 'hello' });

    const review = await inPod(n, 'caller', wgetApi(address, '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      `--header "Content-Type: application/json" --post-data '{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}'`));
    expect(review.code, review.out).toBe(0);
    const userInfo = (JSON.parse(review.out) as { status: { userInfo: { username: string; groups: string[]; extra: Record<string, string[]> } } }).status.userInfo;
    expect(userInfo.username).toBe(`system:serviceaccount:${n}:robot`);
    expect(userInfo.groups).toEqual(['system:serviceaccounts', `system:serviceaccounts:${n}`, 'system:authenticated']);
    expect(userInfo.extra['authentication.kubernetes.io/pod-name']).toEqual(['caller']);

    for (const denied of [
      wgetApi(address, `/api/v1/namespaces/${n}/secrets`),
      wgetApi(address, `/api/v1/namespaces/${n}/secrets/hidden`),
      wgetApi(address, `/api/v1/namespaces/${elsewhere}/configmaps`),
      wgetApi(address, `/api/v1/namespaces/${n}/configmaps`, `--header "Content-Type: application/json" --post-data '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"forged"}}'`),
    ]) {
      const r = await inPod(n, 'caller', denied);
      expect(r.code, `${denied}\n${r.out}`).not.toBe(0);
      expect(r.out).toContain('403 Forbidden');
    }
    expect((await kubectl(sys, ['get', 'configmap', 'forged', '-n', n])).code).not.toBe(0);
  });

  it('makes the projected token the ServiceAccount to kubectl, and invalidates it with its pod', async () => {
    const n = await ns();
    await configMapReader(n);
    await clientPod(n, 'holder');
    const robot = tokenUser(sys, (await kubectlOk(sys, ['exec', 'holder', '-n', n, '--', 'cat', `${TOKEN_DIR}/token`])).trim(), 'robot');
    const whoami = await kubectlOkAs(sys, robot, ['auth', 'whoami', '-o', 'json']);
    const info = (JSON.parse(whoami) as { status: { userInfo: { username: string; extra: Record<string, string[]> } } }).status.userInfo;
    expect(info.username).toBe(`system:serviceaccount:${n}:robot`);
    expect(info.extra['authentication.kubernetes.io/pod-name']).toEqual(['holder']);
    expect(info.extra['authentication.kubernetes.io/node-name']).toEqual(['node-0']);
    expect(await kubectlOkAs(sys, robot, ['get', 'configmap', 'visible', '-n', n, '-o', 'jsonpath={.data.greeting}'])).toBe('hello');
    expectDenied(sys, await kubectlAs(sys, robot, ['get', 'secret', 'hidden', '-n', n]),
      `Error from server (Forbidden): secrets "hidden" is forbidden: User "system:serviceaccount:${n}:robot" cannot get resource "secrets" in API group "" in the namespace "${n}"`);

    await kubectlOk(sys, ['delete', 'pod', 'holder', '-n', n, '--wait=true', '--timeout=60s'], { timeoutMs: 70_000 });
    // Bound to the pod: once the pod is gone, so is the token.
    await eventually(async () => (await kubectlAs(sys, robot, ['get', 'configmaps', '-n', n])).stderr.includes('Unauthorized'), { what: 'the token to be rejected', timeoutMs: 15_000 });
    expectDenied(sys, await kubectlAs(sys, robot, ['get', 'configmaps', '-n', n]), 'error: You must be logged in to the server (Unauthorized)');
  });

  it('issues a token with kubectl create token that acts as the ServiceAccount within its Role', async () => {
    const n = await ns();
    await configMapReader(n);
    const jwt = (await kubectlOk(sys, ['create', 'token', 'robot', '-n', n, '--duration=10m'])).trim();
    const claims = JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as { sub: string; exp: number; iat: number };
    expect(claims.sub).toBe(`system:serviceaccount:${n}:robot`);
    expect(claims.exp - claims.iat).toBe(600);
    const robot = tokenUser(sys, jwt, 'robot');
    expect(await kubectlOkAs(sys, robot, ['get', 'configmaps', '-n', n, '-o', 'name'])).toContain('configmap/visible\n');
    expect((await kubectlAs(sys, robot, ['auth', 'can-i', 'list', 'secrets', '-n', n])).stdout.trim()).toBe('no');
    expectDenied(sys, await kubectlAs(sys, robot, ['delete', 'configmap', 'visible', '-n', n]),
      `Error from server (Forbidden): configmaps "visible" is forbidden: User "system:serviceaccount:${n}:robot" cannot delete resource "configmaps" in API group "" in the namespace "${n}"`);
  });
});
