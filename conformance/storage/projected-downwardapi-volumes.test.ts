// downwardAPI and projected volumes on a Docker node (`capstan up --nodes 1`) through the real
// kubectl, as upstream's sig-storage "Downward API volume", "Projected configMap / secret /
// downwardAPI / combined" tests and the projected service-account token check them: a pod prints
// its volumes for `kubectl logs`, and a running pod is read with `kubectl exec` while its labels,
// annotations and sources change.
import { describe, it, expect, beforeAll } from 'vitest';
import type { System } from '../harness/system.ts';
import { useDockerSystem } from '../harness/pods.ts';
import { kubectlOk } from '../harness/kubectl.ts';
import {
  content, create, execUntil, expectLines, getJson, group, missing, mode, runToCompletion, shell, SHOW, startPod,
  type Obj,
} from './volumepods.ts';

const cluster = useDockerSystem(1);
const namespace = cluster.namespace;
let sys: System;
beforeAll(() => { sys = cluster.sys(); });

const DATA = { 'data-1': 'value-1', 'data-2': 'value-2', 'data-3': 'value-3' };
const b64 = (s: string) => Buffer.from(s).toString('base64');
const configMap = (ns: string, name: string, data: Record<string, string> = DATA): Obj => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data });
const secret = (ns: string, name: string, data: Record<string, string> = DATA): Obj => ({
  apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ns }, type: 'Opaque', data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
});
const mount = (name: string) => ({ name, mountPath: `/etc/${name}`, readOnly: true });
const fieldRef = (p: string, fieldPath: string) => ({ path: p, fieldRef: { apiVersion: 'v1', fieldPath } });
const resourceRef = (p: string, containerName: string, resource: string) => ({ path: p, resourceFieldRef: { containerName, resource } });

/** A quantity as an integer of `unit`, rounded up, as the downward API writes it with the default divisor "1". */
function ceilQuantity(q: string): bigint {
  const m = /^(\d+(?:\.\d+)?)(m|k|Ki|M|Mi|G|Gi|T|Ti)?$/.exec(q);
  if (!m) throw new Error(`unexpected quantity ${q}`);
  const [whole, frac = ''] = m[1]!.split('.');
  const scale: Record<string, [bigint, bigint]> = {
    '': [1n, 1n], m: [1n, 1000n], k: [1000n, 1n], Ki: [1024n, 1n], M: [1000n ** 2n, 1n], Mi: [1024n ** 2n, 1n],
    G: [1000n ** 3n, 1n], Gi: [1024n ** 3n, 1n], T: [1000n ** 4n, 1n], Ti: [1024n ** 4n, 1n],
  };
  const [mul, div] = scale[m[2] ?? '']!;
  const num = BigInt(whole! + frac) * mul;
  const den = div * 10n ** BigInt(frac.length);
  return (num + den - 1n) / den;
}

describe('downwardAPI and projected volumes read once', () => {
  let ns = '';
  let logs: Record<string, string> = {};
  let allocatable: { cpu: string; memory: string } = { cpu: '', memory: '' };

  beforeAll(async () => {
    ns = await namespace('projected-volumes');
    await create(sys, configMap(ns, 'cm'), secret(ns, 's'),
      // upstream's combined projection test: one key of each source, and the pod name.
      configMap(ns, 'cm-all', { 'configmap-data': 'configmap-value-1' }), secret(ns, 's-all', { 'secret-data': 'secret-value-1' }));
    const podinfoItems = [
      fieldRef('podname', 'metadata.name'),
      resourceRef('cpu_limit', 'client-container', 'limits.cpu'), resourceRef('cpu_request', 'client-container', 'requests.cpu'),
      resourceRef('memory_limit', 'client-container', 'limits.memory'), resourceRef('memory_request', 'client-container', 'requests.memory'),
      resourceRef('cpu_limit_default', 'no-limits', 'limits.cpu'), resourceRef('memory_limit_default', 'no-limits', 'limits.memory'),
    ];
    const volumes = [
      { name: 'podinfo', downwardAPI: { items: podinfoItems } },
      { name: 'podinfo-mode', downwardAPI: { defaultMode: 0o400, items: [fieldRef('podname', 'metadata.name')] } },
      { name: 'podinfo-item-mode', downwardAPI: { items: [{ ...fieldRef('podname', 'metadata.name'), mode: 0o400 }] } },
      { name: 'proj-podinfo', projected: { sources: [{ downwardAPI: { items: podinfoItems } }] } },
      { name: 'proj-podinfo-mode', projected: { defaultMode: 0o400, sources: [{ downwardAPI: { items: [fieldRef('podname', 'metadata.name')] } }] } },
      { name: 'proj-podinfo-item-mode', projected: { sources: [{ downwardAPI: { items: [{ ...fieldRef('podname', 'metadata.name'), mode: 0o400 }] } }] } },
      { name: 'proj-cm', projected: { sources: [{ configMap: { name: 'cm' } }] } },
      { name: 'proj-cm-mode', projected: { defaultMode: 0o400, sources: [{ configMap: { name: 'cm' } }] } },
      { name: 'proj-cm-items', projected: { sources: [{ configMap: { name: 'cm', items: [{ key: 'data-2', path: 'path/to/data-2' }] } }] } },
      { name: 'proj-cm-item-mode', projected: { sources: [{ configMap: { name: 'cm', items: [{ key: 'data-2', path: 'path/to/data-2', mode: 0o400 }] } }] } },
      { name: 'proj-cm-again', projected: { sources: [{ configMap: { name: 'cm' } }] } },
      { name: 'proj-secret', projected: { sources: [{ secret: { name: 's' } }] } },
      { name: 'proj-secret-mode', projected: { defaultMode: 0o400, sources: [{ secret: { name: 's' } }] } },
      { name: 'proj-secret-items', projected: { sources: [{ secret: { name: 's', items: [{ key: 'data-1', path: 'new-path-data-1' }] } }] } },
      { name: 'proj-secret-item-mode', projected: { sources: [{ secret: { name: 's', items: [{ key: 'data-1', path: 'new-path-data-1', mode: 0o400 }] } }] } },
      { name: 'proj-secret-again', projected: { sources: [{ secret: { name: 's' } }] } },
      { name: 'proj-optional', projected: { sources: [{ configMap: { name: 'cm-absent', optional: true } }, { secret: { name: 's-absent', optional: true } }] } },
      {
        name: 'proj-all', projected: {
          sources: [
            { downwardAPI: { items: [fieldRef('podname', 'metadata.name')] } },
            { secret: { name: 's-all', items: [{ key: 'secret-data', path: 'secret-data' }] } },
            { configMap: { name: 'cm-all', items: [{ key: 'configmap-data', path: 'configmap-data' }] } },
          ],
        },
      },
      { name: 'proj-token', projected: { sources: [{ serviceAccountToken: { path: 'token', audience: 'storage-conformance', expirationSeconds: 3600 } }] } },
    ];
    const dapiFiles = (dir: string) => ['podname', 'cpu_limit', 'cpu_request', 'memory_limit', 'memory_request', 'cpu_limit_default', 'memory_limit_default'].map((f) => `${dir}/${f}`).join(' ');
    logs = await runToCompletion(sys, ns, {
      metadata: { name: 'readers' },
      spec: {
        restartPolicy: 'Never', terminationGracePeriodSeconds: 1, volumes,
        containers: [
          {
            name: 'client-container', image: 'busybox', volumeMounts: volumes.map((v) => mount(v.name)),
            resources: { requests: { cpu: '250m', memory: '32Mi' }, limits: { cpu: '1250m', memory: '64Mi' } },
            command: shell([
              `show ${dapiFiles('/etc/podinfo')} /etc/podinfo-mode/podname /etc/podinfo-item-mode/podname`,
              `show ${dapiFiles('/etc/proj-podinfo')} /etc/proj-podinfo-mode/podname /etc/proj-podinfo-item-mode/podname`,
              'show /etc/proj-cm/data-1 /etc/proj-cm/data-3 /etc/proj-cm-mode/data-1 /etc/proj-cm-items/path/to/data-2 /etc/proj-cm-items/data-1 /etc/proj-cm-item-mode/path/to/data-2 /etc/proj-cm-again/data-1',
              'show /etc/proj-secret/data-1 /etc/proj-secret-mode/data-1 /etc/proj-secret-items/new-path-data-1 /etc/proj-secret-items/data-1 /etc/proj-secret-item-mode/new-path-data-1 /etc/proj-secret-again/data-1',
              'echo "entries of /etc/proj-optional: $(ls /etc/proj-optional | wc -l)"',
              'show /etc/proj-all/podname /etc/proj-all/secret-data /etc/proj-all/configmap-data /etc/proj-token/token',
            ].join('\n')),
          },
          { name: 'no-limits', image: 'busybox', command: ['true'] },
          {
            name: 'nonroot', image: 'busybox', securityContext: { runAsUser: 1000 },
            volumeMounts: ['podinfo', 'proj-cm', 'proj-secret', 'proj-all'].map(mount),
            command: shell('id -u\nshow /etc/podinfo/podname /etc/proj-cm/data-1 /etc/proj-secret/data-1 /etc/proj-all/podname /etc/proj-all/configmap-data'),
          },
        ],
      },
    });
    const nodes = await getJson<{ items: Array<{ status: { allocatable: { cpu: string; memory: string } } }> }>(sys, ['nodes']);
    allocatable = nodes.items[0]!.status.allocatable;
  }, 150_000);

  for (const [kind, dir] of [['downwardAPI', '/etc/podinfo'], ['projected downwardAPI', '/etc/proj-podinfo']] as const) {
    it(`${kind}: gives the pod name, with the default mode 0644`, () => {
      expectLines(logs['client-container']!, [content(`${dir}/podname`, 'readers'), mode(`${dir}/podname`, '-rw-r--r--')]);
    });

    it(`${kind}: gives the container's cpu and memory limits and requests (cpu rounded up to whole cores)`, () => {
      expectLines(logs['client-container']!, [
        content(`${dir}/cpu_limit`, '2'), content(`${dir}/cpu_request`, '1'),
        content(`${dir}/memory_limit`, '67108864'), content(`${dir}/memory_request`, '33554432'),
      ]);
    });

    it(`${kind}: gives the node's allocatable cpu and memory as the limits of a container that sets none`, () => {
      expectLines(logs['client-container']!, [
        content(`${dir}/cpu_limit_default`, String(ceilQuantity(allocatable.cpu))),
        content(`${dir}/memory_limit_default`, String(ceilQuantity(allocatable.memory))),
      ]);
    });

    it(`${kind}: applies defaultMode and an item's mode (0400)`, () => {
      expectLines(logs['client-container']!, [mode(`${dir}-mode/podname`, '-r--------'), mode(`${dir}-item-mode/podname`, '-r--------'), content(`${dir}-mode/podname`, 'readers')]);
    });
  }

  it('projected configMap: keys as files, defaultMode, items with paths and modes, one ConfigMap in two volumes', () => {
    expectLines(logs['client-container']!, [
      content('/etc/proj-cm/data-1', 'value-1'), mode('/etc/proj-cm/data-1', '-rw-r--r--'), content('/etc/proj-cm/data-3', 'value-3'),
      content('/etc/proj-cm-mode/data-1', 'value-1'), mode('/etc/proj-cm-mode/data-1', '-r--------'),
      content('/etc/proj-cm-items/path/to/data-2', 'value-2'), mode('/etc/proj-cm-items/path/to/data-2', '-rw-r--r--'), missing('/etc/proj-cm-items/data-1'),
      content('/etc/proj-cm-item-mode/path/to/data-2', 'value-2'), mode('/etc/proj-cm-item-mode/path/to/data-2', '-r--------'),
      content('/etc/proj-cm-again/data-1', 'value-1'),
    ]);
  });

  it('projected secret: keys decoded as files, defaultMode, items with paths and modes, one Secret in two volumes', () => {
    expectLines(logs['client-container']!, [
      content('/etc/proj-secret/data-1', 'value-1'), mode('/etc/proj-secret/data-1', '-rw-r--r--'),
      content('/etc/proj-secret-mode/data-1', 'value-1'), mode('/etc/proj-secret-mode/data-1', '-r--------'),
      content('/etc/proj-secret-items/new-path-data-1', 'value-1'), missing('/etc/proj-secret-items/data-1'),
      content('/etc/proj-secret-item-mode/new-path-data-1', 'value-1'), mode('/etc/proj-secret-item-mode/new-path-data-1', '-r--------'),
      content('/etc/proj-secret-again/data-1', 'value-1'),
    ]);
  });

  it('projected: starts with optional sources missing, and an empty volume', () => {
    expectLines(logs['client-container']!, ['entries of /etc/proj-optional: 0']);
  });

  it('projects a ConfigMap, a Secret and the downward API into one volume', () => {
    expectLines(logs['client-container']!, [
      content('/etc/proj-all/podname', 'readers'), content('/etc/proj-all/secret-data', 'secret-value-1'), content('/etc/proj-all/configmap-data', 'configmap-value-1'),
    ]);
  });

  it('projects a service-account token for the audience, bound to the pod', () => {
    const line = logs['client-container']!.split('\n').find((l) => l.startsWith('content of file "/etc/proj-token/token": '));
    const token = line?.slice('content of file "/etc/proj-token/token": '.length) ?? '';
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { aud: string[]; sub: string; exp: number; iat: number; 'kubernetes.io': { pod: { name: string } } };
    expect(claims.aud).toEqual(['storage-conformance']);
    expect(claims.sub).toBe(`system:serviceaccount:${ns}:default`);
    expect(claims['kubernetes.io'].pod.name).toBe('readers');
    expect(claims.exp - claims.iat).toBe(3600);
    expectLines(logs['client-container']!, [mode('/etc/proj-token/token', '-rw-r--r--')]);
  });

  it('lets a non-root container (runAsUser 1000) read downwardAPI and projected files', () => {
    expectLines(logs.nonroot!, [
      '1000', content('/etc/podinfo/podname', 'readers'), content('/etc/proj-cm/data-1', 'value-1'), content('/etc/proj-secret/data-1', 'value-1'),
      content('/etc/proj-all/podname', 'readers'), content('/etc/proj-all/configmap-data', 'configmap-value-1'),
    ]);
  });
});

describe('downwardAPI and projected volumes of a running pod follow the pod and the sources', () => {
  it('rewrites labels and annotations, a projected ConfigMap update, and optional projected sources deleted, updated and created', async () => {
    const ns = await namespace('projected-updates');
    await create(sys,
      configMap(ns, 'cm-upd', { 'data-1': 'value-1' }), configMap(ns, 'cm-opt-del', { 'data-1': 'value-1' }), configMap(ns, 'cm-opt-upd', { 'data-1': 'value-1' }),
      secret(ns, 's-opt-del', { 'data-1': 'value-1' }), secret(ns, 's-opt-upd', { 'data-1': 'value-1' }));
    const labelsAndAnnotations = [fieldRef('labels', 'metadata.labels'), fieldRef('annotations', 'metadata.annotations')];
    const proj = (name: string, source: Obj) => ({ name, projected: { sources: [source] } });
    const volumes = [
      { name: 'podinfo', downwardAPI: { items: labelsAndAnnotations } },
      proj('proj-podinfo', { downwardAPI: { items: labelsAndAnnotations } }),
      proj('cm-upd', { configMap: { name: 'cm-upd' } }),
      proj('cm-opt-del', { configMap: { name: 'cm-opt-del', optional: true } }),
      proj('cm-opt-upd', { configMap: { name: 'cm-opt-upd', optional: true } }),
      proj('cm-opt-create', { configMap: { name: 'cm-opt-create', optional: true } }),
      proj('s-opt-del', { secret: { name: 's-opt-del', optional: true } }),
      proj('s-opt-upd', { secret: { name: 's-opt-upd', optional: true } }),
      proj('s-opt-create', { secret: { name: 's-opt-create', optional: true } }),
      proj('token', { serviceAccountToken: { path: 'token' } }),
    ];
    await startPod(sys, ns, {
      metadata: { name: 'watcher', labels: { key1: 'value1', key2: 'value2' }, annotations: { builder: 'bar' } },
      spec: {
        terminationGracePeriodSeconds: 1, volumes,
        // upstream's token ownership check: with an fsGroup the token is 0600 plus group read.
        securityContext: { runAsUser: 1000, fsGroup: 1001 },
        containers: [{ name: 'watcher', image: 'busybox', command: ['sleep', '3600'], volumeMounts: volumes.map((v) => mount(v.name)) }],
      },
    });
    const sourceFiles = ['cm-upd/data-1', 'cm-opt-del/data-1', 'cm-opt-upd/data-1', 'cm-opt-upd/data-3', 'cm-opt-create/data-1',
      's-opt-del/data-1', 's-opt-upd/data-1', 's-opt-upd/data-3', 's-opt-create/data-1'].map((f) => `/etc/${f}`);
    const script = `${SHOW}\nfor f in /etc/podinfo/labels /etc/podinfo/annotations /etc/proj-podinfo/labels /etc/proj-podinfo/annotations; do echo "== $f"; cat $f; echo; done\nshow ${sourceFiles.join(' ')}\necho "mode of token: $(stat -L -c %A /etc/token/token) group $(stat -L -c %g /etc/token/token)"`;
    const sections = (out: string) => Object.fromEntries(out.split('== ').slice(1).map((s) => [s.slice(0, s.indexOf('\n')), s.slice(s.indexOf('\n') + 1)]));
    const first = await execUntil(sys, ns, 'watcher', 'watcher', script, (out) => out.includes(content('/etc/cm-upd/data-1', 'value-1')), 'the volumes as first written');
    for (const dir of ['/etc/podinfo', '/etc/proj-podinfo']) {
      expect(sections(first)[`${dir}/labels`]).toContain('key1="value1"\nkey2="value2"');
      expect(sections(first)[`${dir}/annotations`]).toContain('builder="bar"');
    }
    expectLines(first, [
      content('/etc/cm-opt-del/data-1', 'value-1'), missing('/etc/cm-opt-create/data-1'), missing('/etc/cm-opt-upd/data-3'),
      content('/etc/s-opt-del/data-1', 'value-1'), missing('/etc/s-opt-create/data-1'), missing('/etc/s-opt-upd/data-3'),
      'mode of token: -rw-r----- group 1001',
    ]);

    await kubectlOk(sys, ['label', 'pod', 'watcher', '-n', ns, 'key3=value3']);
    await kubectlOk(sys, ['annotate', 'pod', 'watcher', '-n', ns, 'builder=foo', '--overwrite']);
    await kubectlOk(sys, ['replace', '-f', '-'], { input: JSON.stringify(configMap(ns, 'cm-upd', { 'data-1': 'value-2' })) });
    await kubectlOk(sys, ['delete', 'configmap', 'cm-opt-del', '-n', ns]);
    await kubectlOk(sys, ['delete', 'secret', 's-opt-del', '-n', ns]);
    await kubectlOk(sys, ['replace', '-f', '-'], { input: JSON.stringify(configMap(ns, 'cm-opt-upd', { 'data-3': 'value-3' })) });
    await kubectlOk(sys, ['replace', '-f', '-'], { input: JSON.stringify(secret(ns, 's-opt-upd', { 'data-3': 'value-3' })) });
    await create(sys, configMap(ns, 'cm-opt-create', { 'data-1': 'value-1' }), secret(ns, 's-opt-create', { 'data-1': 'value-1' }));

    const after = [
      content('/etc/cm-upd/data-1', 'value-2'), missing('/etc/cm-opt-del/data-1'), missing('/etc/cm-opt-upd/data-1'),
      content('/etc/cm-opt-upd/data-3', 'value-3'), content('/etc/cm-opt-create/data-1', 'value-1'),
      missing('/etc/s-opt-del/data-1'), missing('/etc/s-opt-upd/data-1'), content('/etc/s-opt-upd/data-3', 'value-3'), content('/etc/s-opt-create/data-1', 'value-1'),
    ];
    const changed = (out: string) => {
      const s = sections(out);
      const lines = out.split('\n');
      return ['/etc/podinfo', '/etc/proj-podinfo'].every((d) => s[`${d}/labels`]?.includes('key3="value3"') && s[`${d}/annotations`]?.includes('builder="foo"'))
        && after.every((l) => lines.includes(l));
    };
    const out = await execUntil(sys, ns, 'watcher', 'watcher', script, changed, 'the volumes after the changes', 60_000);
    for (const dir of ['/etc/podinfo', '/etc/proj-podinfo']) expect(sections(out)[`${dir}/labels`]).toContain('key1="value1"\nkey2="value2"\nkey3="value3"');
    expectLines(out, after);
  }, 150_000);
});

describe('downwardAPI volume file groups', () => {
  it('gives downwardAPI files the fsGroup and a 0440 mode readable by the non-root user', async () => {
    const ns = await namespace('downwardapi-fsgroup');
    const logs = await runToCompletion(sys, ns, {
      metadata: { name: 'fsgroup' },
      spec: {
        restartPolicy: 'Never', terminationGracePeriodSeconds: 1, securityContext: { runAsUser: 1000, fsGroup: 1234 },
        volumes: [{ name: 'podinfo', downwardAPI: { items: [{ ...fieldRef('podname', 'metadata.name'), mode: 0o440 }] } }],
        containers: [{ name: 'reader', image: 'busybox', volumeMounts: [mount('podinfo')], command: shell('show /etc/podinfo/podname') }],
      },
    });
    expectLines(logs.reader!, [content('/etc/podinfo/podname', 'fsgroup'), mode('/etc/podinfo/podname', '-r--r-----'), group('/etc/podinfo/podname', 1234)]);
  }, 120_000);
});
