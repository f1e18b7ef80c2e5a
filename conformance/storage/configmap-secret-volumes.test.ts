// ConfigMap and Secret volumes on a Docker node (`capstan up --nodes 1`), driven by the real
// kubectl as upstream's sig-storage "ConfigMap" and "Secrets" tests do: a pod prints what it sees
// in its volumes and the test reads `kubectl logs`, or a running pod is asked with `kubectl exec`
// while the objects change. Several of upstream's tests share one pod here (one volume each).
import { describe, it, expect, beforeAll } from 'vitest';
import type { System } from '../harness/system.ts';
import { useDockerSystem } from '../harness/pods.ts';
import { kubectlOk } from '../harness/kubectl.ts';
import {
  content, create, eventMessages, exec, execUntil, expectLines, group, missing, mode, runToCompletion, shell, SHOW, startPod,
  waitForPhase, type Obj,
} from './volumepods.ts';
import { eventually } from '../../test/eventually.ts';

const cluster = useDockerSystem(1);
const namespace = cluster.namespace;
let sys: System;
beforeAll(() => { sys = cluster.sys(); });

/** upstream's newConfigMap / secretForTest data. */
const DATA = { 'data-1': 'value-1', 'data-2': 'value-2', 'data-3': 'value-3' };
const b64 = (s: string) => Buffer.from(s).toString('base64');
const secretData = (d: Record<string, string>) => Object.fromEntries(Object.entries(d).map(([k, v]) => [k, b64(v)]));
const configMap = (name: string, data: Record<string, string> = DATA, extra: Obj = {}): Obj => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data, ...extra });
const secret = (name: string, data: Record<string, string> = DATA): Obj => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name }, type: 'Opaque', data: secretData(data) });
const mount = (name: string, mountPath = `/etc/${name}`) => ({ name, mountPath, readOnly: true });

describe('configMap and secret volumes read once by root and non-root containers', () => {
  let ns = '';
  let logs: Record<string, string> = {};

  beforeAll(async () => {
    ns = await namespace('cm-secret-volumes');
    const other = await namespace('cm-secret-volumes-other');
    await create(sys,
      { ...configMap('cm'), metadata: { name: 'cm', namespace: ns } },
      { ...configMap('cm-bin', { 'data-1': 'value-1' }, { binaryData: { 'dump.bin': Buffer.from([0xde, 0xca, 0xfe, 0xba, 0xd0, 0xfe, 0xff]).toString('base64') } }), metadata: { name: 'cm-bin', namespace: ns } },
      { ...secret('s'), metadata: { name: 's', namespace: ns } },
      { ...secret('same-name', { 'data-1': 'value-1' }), metadata: { name: 'same-name', namespace: ns } },
      // upstream: a Secret of the same name in another namespace must not be what the pod sees.
      { ...secret('same-name', { 'data-1': 'value-from-the-other-namespace', 'other-only': 'x' }), metadata: { name: 'same-name', namespace: other } },
    );
    const volumes = [
      { name: 'cm-all', configMap: { name: 'cm' } },
      { name: 'cm-mode', configMap: { name: 'cm', defaultMode: 0o400 } },
      { name: 'cm-items', configMap: { name: 'cm', items: [{ key: 'data-2', path: 'path/to/data-2' }] } },
      { name: 'cm-item-mode', configMap: { name: 'cm', items: [{ key: 'data-2', path: 'path/to/data-2', mode: 0o400 }] } },
      { name: 'cm-again', configMap: { name: 'cm' } },
      { name: 'cm-bin', configMap: { name: 'cm-bin' } },
      { name: 'cm-optional', configMap: { name: 'cm-absent', optional: true } },
      { name: 'secret-all', secret: { secretName: 's' } },
      { name: 'secret-mode', secret: { secretName: 's', defaultMode: 0o400 } },
      { name: 'secret-items', secret: { secretName: 's', items: [{ key: 'data-1', path: 'new-path-data-1' }] } },
      { name: 'secret-item-mode', secret: { secretName: 's', items: [{ key: 'data-1', path: 'new-path-data-1', mode: 0o400 }] } },
      { name: 'secret-again', secret: { secretName: 's' } },
      { name: 'secret-optional', secret: { secretName: 'secret-absent', optional: true } },
      { name: 'same-name', secret: { secretName: 'same-name' } },
    ];
    logs = await runToCompletion(sys, ns, {
      metadata: { name: 'readers' },
      spec: {
        restartPolicy: 'Never', terminationGracePeriodSeconds: 1, volumes,
        containers: [
          {
            name: 'root', image: 'busybox', volumeMounts: volumes.map((v) => mount(v.name)),
            command: shell([
              'show /etc/cm-all/data-1 /etc/cm-all/data-3 /etc/cm-mode/data-1 /etc/cm-items/path/to/data-2 /etc/cm-items/data-1 /etc/cm-item-mode/path/to/data-2',
              'show /etc/cm-again/data-1 /etc/cm-bin/data-1',
              'echo "/etc/cm-all/data-1 links to $(readlink /etc/cm-all/data-1)"; echo "/etc/cm-all/..data links to $(readlink /etc/cm-all/..data)"',
              'hexdump -C /etc/cm-bin/dump.bin',
              'echo "entries of /etc/cm-optional: $(ls /etc/cm-optional | wc -l)"',
              'show /etc/secret-all/data-1 /etc/secret-mode/data-1 /etc/secret-items/new-path-data-1 /etc/secret-items/data-1 /etc/secret-item-mode/new-path-data-1 /etc/secret-again/data-1',
              'echo "entries of /etc/secret-optional: $(ls /etc/secret-optional | wc -l)"',
              'show /etc/same-name/data-1 /etc/same-name/other-only',
            ].join('\n')),
          },
          {
            name: 'nonroot', image: 'busybox', securityContext: { runAsUser: 1000 },
            volumeMounts: ['cm-all', 'cm-items', 'secret-all', 'secret-items'].map((n) => mount(n)),
            command: shell('id -u\nshow /etc/cm-all/data-1 /etc/cm-items/path/to/data-2 /etc/secret-all/data-1 /etc/secret-items/new-path-data-1'),
          },
        ],
      },
    });
  }, 150_000);

  it('makes every ConfigMap key a file with the default mode 0644', () => {
    expectLines(logs.root!, [content('/etc/cm-all/data-1', 'value-1'), mode('/etc/cm-all/data-1', '-rw-r--r--'), content('/etc/cm-all/data-3', 'value-3')]);
  });

  it('writes the files atomically: each key links into ..data, a link to a timestamped directory', () => {
    expectLines(logs.root!, ['/etc/cm-all/data-1 links to ..data/data-1']);
    expect(logs.root).toMatch(/^\/etc\/cm-all\/\.\.data links to \.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\.\d+$/m);
  });

  it('applies a ConfigMap volume\'s defaultMode (0400)', () => {
    expectLines(logs.root!, [content('/etc/cm-mode/data-1', 'value-1'), mode('/etc/cm-mode/data-1', '-r--------')]);
  });

  it('maps ConfigMap items to paths, with the default mode or the item\'s mode, and leaves other keys out', () => {
    expectLines(logs.root!, [
      content('/etc/cm-items/path/to/data-2', 'value-2'), mode('/etc/cm-items/path/to/data-2', '-rw-r--r--'), missing('/etc/cm-items/data-1'),
      content('/etc/cm-item-mode/path/to/data-2', 'value-2'), mode('/etc/cm-item-mode/path/to/data-2', '-r--------'),
    ]);
  });

  it('mounts one ConfigMap in several volumes of a pod', () => {
    expectLines(logs.root!, [content('/etc/cm-again/data-1', 'value-1')]);
  });

  it('writes binaryData as its bytes beside the text data', () => {
    expectLines(logs.root!, [content('/etc/cm-bin/data-1', 'value-1')]);
    expect(logs.root).toContain('de ca fe ba d0 fe ff');
  });

  it('starts a pod whose optional ConfigMap and Secret are missing, with empty volumes', () => {
    expectLines(logs.root!, ['entries of /etc/cm-optional: 0', 'entries of /etc/secret-optional: 0']);
  });

  it('makes Secret keys files (decoded) with defaultMode, items, item modes, and in several volumes', () => {
    expectLines(logs.root!, [
      content('/etc/secret-all/data-1', 'value-1'), mode('/etc/secret-all/data-1', '-rw-r--r--'),
      content('/etc/secret-mode/data-1', 'value-1'), mode('/etc/secret-mode/data-1', '-r--------'),
      content('/etc/secret-items/new-path-data-1', 'value-1'), mode('/etc/secret-items/new-path-data-1', '-rw-r--r--'), missing('/etc/secret-items/data-1'),
      content('/etc/secret-item-mode/new-path-data-1', 'value-1'), mode('/etc/secret-item-mode/new-path-data-1', '-r--------'),
      content('/etc/secret-again/data-1', 'value-1'),
    ]);
  });

  it('takes the Secret from the pod\'s namespace when another namespace has one of the same name', () => {
    expectLines(logs.root!, [content('/etc/same-name/data-1', 'value-1'), missing('/etc/same-name/other-only')]);
  });

  it('lets a non-root container (runAsUser 1000) read ConfigMap and Secret files with the default mode', () => {
    expectLines(logs.nonroot!, [
      '1000',
      content('/etc/cm-all/data-1', 'value-1'), mode('/etc/cm-all/data-1', '-rw-r--r--'),
      content('/etc/cm-items/path/to/data-2', 'value-2'), mode('/etc/cm-items/path/to/data-2', '-rw-r--r--'),
      content('/etc/secret-all/data-1', 'value-1'), content('/etc/secret-items/new-path-data-1', 'value-1'),
    ]);
  });
});

describe('configMap and secret volumes as non-root with fsGroup', () => {
  it('gives the files the fsGroup as their group, so that a 0440 defaultMode is readable by the pod\'s user', async () => {
    const ns = await namespace('cm-secret-fsgroup');
    await create(sys, { ...configMap('cm'), metadata: { name: 'cm', namespace: ns } }, { ...secret('s'), metadata: { name: 's', namespace: ns } });
    const logs = await runToCompletion(sys, ns, {
      metadata: { name: 'fsgroup' },
      spec: {
        restartPolicy: 'Never', terminationGracePeriodSeconds: 1,
        securityContext: { runAsUser: 1000, fsGroup: 1001 },
        volumes: [
          { name: 'cm', configMap: { name: 'cm', defaultMode: 0o440 } },
          { name: 'cm-items', configMap: { name: 'cm', items: [{ key: 'data-2', path: 'path/to/data-2' }] } },
          { name: 'secret', secret: { secretName: 's', defaultMode: 0o440 } },
        ],
        containers: [{
          name: 'reader', image: 'busybox', volumeMounts: ['cm', 'cm-items', 'secret'].map((n) => mount(n)),
          command: shell('show /etc/cm/data-1 /etc/cm-items/path/to/data-2 /etc/secret/data-1'),
        }],
      },
    });
    expectLines(logs.reader!, [
      content('/etc/cm/data-1', 'value-1'), mode('/etc/cm/data-1', '-r--r-----'), group('/etc/cm/data-1', 1001),
      content('/etc/cm-items/path/to/data-2', 'value-2'), group('/etc/cm-items/path/to/data-2', 1001),
      content('/etc/secret/data-1', 'value-1'), mode('/etc/secret/data-1', '-r--r-----'), group('/etc/secret/data-1', 1001),
    ]);
  }, 120_000);
});

describe('configMap volumes that cannot be set up', () => {
  it('keeps a pod Pending with a FailedMount event while a ConfigMap key it maps is missing, and starts it once the key exists', async () => {
    const ns = await namespace('cm-missing-key');
    await create(sys, { ...configMap('cm'), metadata: { name: 'cm', namespace: ns } });
    await create(sys, {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'missing-key', namespace: ns },
      spec: {
        terminationGracePeriodSeconds: 1,
        volumes: [{ name: 'cm', configMap: { name: 'cm', optional: false, items: [{ key: 'data-4', path: 'path/to/data-4' }] } }],
        containers: [{ name: 'reader', image: 'busybox', command: ['sleep', '3600'], volumeMounts: [mount('cm')] }],
      },
    });
    const message = await eventually(async () => (await eventMessages(sys, ns, 'missing-key', 'FailedMount'))[0], { timeoutMs: 30_000, intervalMs: 300, what: 'a FailedMount event' });
    expect(message).toBe('MountVolume.SetUp failed for volume "cm" : configmap references non-existent config key: data-4');
    expect(await kubectlOk(sys, ['get', 'pod', 'missing-key', '-n', ns, '-o', 'jsonpath={.status.phase}'])).toBe('Pending');
    await kubectlOk(sys, ['patch', 'configmap', 'cm', '-n', ns, '--type=merge', '-p', JSON.stringify({ data: { 'data-4': 'value-4' } })]);
    await waitForPhase(sys, ns, 'missing-key', ['Running']);
    expectLines((await exec(sys, ns, 'missing-key', 'reader', `${SHOW}\nshow /etc/cm/path/to/data-4`)).out, [content('/etc/cm/path/to/data-4', 'value-4')]);
  }, 120_000);
});

describe('configMap and secret volumes of a running pod follow the objects', () => {
  it('reflects an update, and optional sources that are deleted, updated and created', async () => {
    const ns = await namespace('cm-secret-updates');
    const cm = (name: string, data: Record<string, string>) => ({ ...configMap(name, data), metadata: { name, namespace: ns } });
    const sec = (name: string, data: Record<string, string>) => ({ ...secret(name, data), metadata: { name, namespace: ns } });
    await create(sys,
      cm('cm-upd', { 'data-1': 'value-1' }), cm('cm-opt-del', { 'data-1': 'value-1' }), cm('cm-opt-upd', { 'data-1': 'value-1' }),
      sec('s-upd', { 'data-1': 'value-1' }), sec('s-opt-del', { 'data-1': 'value-1' }), sec('s-opt-upd', { 'data-1': 'value-1' }),
    );
    const volumes = [
      { name: 'cm-upd', configMap: { name: 'cm-upd' } },
      { name: 'cm-opt-del', configMap: { name: 'cm-opt-del', optional: true } },
      { name: 'cm-opt-upd', configMap: { name: 'cm-opt-upd', optional: true } },
      { name: 'cm-opt-create', configMap: { name: 'cm-opt-create', optional: true } },
      { name: 's-upd', secret: { secretName: 's-upd' } },
      { name: 's-opt-del', secret: { secretName: 's-opt-del', optional: true } },
      { name: 's-opt-upd', secret: { secretName: 's-opt-upd', optional: true } },
      { name: 's-opt-create', secret: { secretName: 's-opt-create', optional: true } },
    ];
    await startPod(sys, ns, {
      metadata: { name: 'watcher' },
      spec: {
        terminationGracePeriodSeconds: 1, volumes,
        containers: [{ name: 'watcher', image: 'busybox', command: ['sleep', '3600'], volumeMounts: volumes.map((v) => mount(v.name)) }],
      },
    });
    const files = ['cm-upd/data-1', 'cm-opt-del/data-1', 'cm-opt-upd/data-1', 'cm-opt-upd/data-3', 'cm-opt-create/data-1',
      's-upd/data-1', 's-opt-del/data-1', 's-opt-upd/data-1', 's-opt-upd/data-3', 's-opt-create/data-1'].map((f) => `/etc/${f}`);
    const script = `${SHOW}\nshow ${files.join(' ')}`;
    const has = (out: string, lines: string[]) => lines.every((l) => out.split('\n').includes(l));
    const before = [
      content('/etc/cm-upd/data-1', 'value-1'), content('/etc/cm-opt-del/data-1', 'value-1'), content('/etc/cm-opt-upd/data-1', 'value-1'),
      missing('/etc/cm-opt-upd/data-3'), missing('/etc/cm-opt-create/data-1'),
      content('/etc/s-upd/data-1', 'value-1'), content('/etc/s-opt-del/data-1', 'value-1'), content('/etc/s-opt-upd/data-1', 'value-1'),
      missing('/etc/s-opt-upd/data-3'), missing('/etc/s-opt-create/data-1'),
    ];
    await execUntil(sys, ns, 'watcher', 'watcher', script, (out) => has(out, before), 'the volumes as first written');

    // upstream: Update with the resourceVersion cleared (an unconditional PUT) for the plain
    // sources; delete / update (one key removed, one added) / create for the optional ones.
    await kubectlOk(sys, ['replace', '-f', '-'], { input: JSON.stringify(cm('cm-upd', { 'data-1': 'value-2' })) });
    await kubectlOk(sys, ['replace', '-f', '-'], { input: JSON.stringify(sec('s-upd', { 'data-1': 'value-2' })) });
    await kubectlOk(sys, ['delete', 'configmap', 'cm-opt-del', '-n', ns]);
    await kubectlOk(sys, ['delete', 'secret', 's-opt-del', '-n', ns]);
    await kubectlOk(sys, ['replace', '-f', '-'], { input: JSON.stringify(cm('cm-opt-upd', { 'data-3': 'value-3' })) });
    await kubectlOk(sys, ['replace', '-f', '-'], { input: JSON.stringify(sec('s-opt-upd', { 'data-3': 'value-3' })) });
    await create(sys, cm('cm-opt-create', { 'data-1': 'value-1' }), sec('s-opt-create', { 'data-1': 'value-1' }));

    const after = [
      content('/etc/cm-upd/data-1', 'value-2'), missing('/etc/cm-opt-del/data-1'), missing('/etc/cm-opt-upd/data-1'),
      content('/etc/cm-opt-upd/data-3', 'value-3'), content('/etc/cm-opt-create/data-1', 'value-1'),
      content('/etc/s-upd/data-1', 'value-2'), missing('/etc/s-opt-del/data-1'), missing('/etc/s-opt-upd/data-1'),
      content('/etc/s-opt-upd/data-3', 'value-3'), content('/etc/s-opt-create/data-1', 'value-1'),
    ];
    const out = await execUntil(sys, ns, 'watcher', 'watcher', script, (o) => has(o, after), 'the volumes after the changes', 60_000);
    expectLines(out, after);
  }, 150_000);
});
