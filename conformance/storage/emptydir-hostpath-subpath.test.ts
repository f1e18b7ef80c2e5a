// emptyDir, hostPath and subPath on a Docker node (`capstan up --nodes 1`) through the real
// kubectl, as upstream's sig-storage "EmptyDir volumes", "HostPath" and "Subpath" tests and the
// "Variable Expansion" subPathExpr test check them: pods print what they see for `kubectl logs`,
// or are read with `kubectl exec` while they run.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { System } from '../harness/system.ts';
import { useDockerSystem } from '../harness/pods.ts';
import { kubectlOk } from '../harness/kubectl.ts';
import { eventually } from '../../test/eventually.ts';
import {
  content, create, eventMessages, exec, execUntil, expectLines, mode, runToCompletion, shell, startPod,
} from './volumepods.ts';

const cluster = useDockerSystem(1);
const namespace = cluster.namespace;
let sys: System;
/** The node's directory behind the hostPath volume: this machine is the node. */
const hostDir = mkdtempSync(path.join(tmpdir(), 'capstan-hostpath-'));
beforeAll(() => { sys = cluster.sys(); });
afterAll(() => rmSync(hostDir, { recursive: true, force: true }));

describe('emptyDir volumes', () => {
  let logs: Record<string, string> = {};

  beforeAll(async () => {
    const ns = await namespace('emptydir');
    // upstream's mounttest --new_file_0644 etc.: a new file with that mode and known content,
    // then its mode and content; --fs_type: the mount's filesystem type.
    const writeFiles = (who: string) => [
      'for d in /test-volume /test-tmpfs; do',
      '  echo "mode of file \\"$d\\": $(stat -c %A $d)"',
      '  echo "mount type of \\"$d\\": $(awk -v m=$d \'$2 == m { print $3 }\' /proc/mounts)"',
      '  for m in 0644 0666 0777; do',
      `    f=$d/${who}-$m; echo "mount-tester new file" > $f && chmod $m $f; show $f`,
      '  done',
      'done',
    ].join('\n');
    const mounts = [{ name: 'default', mountPath: '/test-volume' }, { name: 'memory', mountPath: '/test-tmpfs' }];
    logs = await runToCompletion(sys, ns, {
      metadata: { name: 'emptydir' },
      spec: {
        restartPolicy: 'Never', terminationGracePeriodSeconds: 1,
        volumes: [
          { name: 'default', emptyDir: {} },
          { name: 'memory', emptyDir: { medium: 'Memory' } },
          { name: 'sized', emptyDir: { medium: 'Memory', sizeLimit: '10Mi' } },
        ],
        containers: [
          {
            name: 'root', image: 'busybox', volumeMounts: [...mounts, { name: 'sized', mountPath: '/test-sized' }],
            command: shell(`${writeFiles('root')}\necho "size of /test-sized: $(df -k /test-sized | tail -1 | awk '{ print $2 }')"`),
          },
          { name: 'nonroot', image: 'busybox', securityContext: { runAsUser: 1001 }, volumeMounts: mounts, command: shell(`id -u\n${writeFiles('nonroot')}`) },
        ],
      },
    });
  }, 150_000);

  it('gives the volume mode 0777 (drwxrwxrwx) on the default medium and on tmpfs', () => {
    for (const log of [logs.root!, logs.nonroot!]) expectLines(log, [mode('/test-volume', 'drwxrwxrwx'), mode('/test-tmpfs', 'drwxrwxrwx')]);
  });

  it('backs medium Memory with a tmpfs, sized by sizeLimit', () => {
    for (const log of [logs.root!, logs.nonroot!]) expectLines(log, ['mount type of "/test-tmpfs": tmpfs']);
    expectLines(logs.root!, ['size of /test-sized: 10240']);
  });

  for (const who of ['root', 'nonroot'] as const) {
    for (const dir of ['/test-volume', '/test-tmpfs']) {
      const medium = dir === '/test-tmpfs' ? 'tmpfs' : 'default';
      it(`supports (${who === 'root' ? 'root' : 'non-root'},0644|0666|0777,${medium}) files`, () => {
        if (who === 'nonroot') expect(logs.nonroot!.split('\n')[0]).toBe('1001');
        expectLines(logs[who]!, [
          content(`${dir}/${who}-0644`, 'mount-tester new file'), mode(`${dir}/${who}-0644`, '-rw-r--r--'),
          content(`${dir}/${who}-0666`, 'mount-tester new file'), mode(`${dir}/${who}-0666`, '-rw-rw-rw-'),
          content(`${dir}/${who}-0777`, 'mount-tester new file'), mode(`${dir}/${who}-0777`, '-rwxrwxrwx'),
        ]);
      });
    }
  }
});

describe('emptyDir volumes with an fsGroup', () => {
  it('creates new files with the fsGroup as their group (setgid directory), as root and as non-root', async () => {
    const ns = await namespace('emptydir-fsgroup');
    const script = (who: string) => `for d in /test-volume /test-tmpfs; do f=$d/${who}; echo x > $f; echo "group of $f: $(stat -c %g $f)"; done; echo "mode of /test-volume: $(stat -c %A /test-volume)"`;
    const mounts = [{ name: 'default', mountPath: '/test-volume' }, { name: 'memory', mountPath: '/test-tmpfs' }];
    const logs = await runToCompletion(sys, ns, {
      metadata: { name: 'fsgroup' },
      spec: {
        restartPolicy: 'Never', terminationGracePeriodSeconds: 1, securityContext: { fsGroup: 123 },
        volumes: [{ name: 'default', emptyDir: {} }, { name: 'memory', emptyDir: { medium: 'Memory' } }],
        containers: [
          { name: 'root', image: 'busybox', volumeMounts: mounts, command: ['sh', '-c', script('root')] },
          { name: 'nonroot', image: 'busybox', securityContext: { runAsUser: 1001 }, volumeMounts: mounts, command: ['sh', '-c', script('nonroot')] },
        ],
      },
    });
    for (const who of ['root', 'nonroot']) {
      expectLines(logs[who]!, [`group of /test-volume/${who}: 123`, `group of /test-tmpfs/${who}: 123`]);
      expect(logs[who]).toMatch(/^mode of \/test-volume: drwxrw[sS]rwx$/m);
    }
  }, 120_000);
});

describe('volumes shared by the containers of a running pod', () => {
  const ns = 'shared-volumes';

  beforeAll(async () => {
    await namespace(ns);
    // upstream mounts the node's /tmp (mode 1777); a directory of our own with that mode keeps
    // parallel runs apart.
    chmodSync(hostDir, 0o1777);
    writeFileSync(path.join(hostDir, 'from-the-node'), 'written on the node\n');
    await startPod(sys, ns, {
      metadata: { name: 'shared' },
      spec: {
        restartPolicy: 'Never', terminationGracePeriodSeconds: 0,
        volumes: [{ name: 'shared-data', emptyDir: {} }, { name: 'host', hostPath: { path: hostDir } }],
        containers: [
          {
            name: 'busybox-main-container', image: 'busybox', command: ['sleep', '3600'],
            volumeMounts: [{ name: 'shared-data', mountPath: '/usr/share/volumeshare' }, { name: 'host', mountPath: '/test-volume' }],
          },
          {
            name: 'busybox-sub-container', image: 'busybox',
            volumeMounts: [{ name: 'shared-data', mountPath: '/pod-data' }, { name: 'host', mountPath: '/test-volume', subPath: 'sub-path' }],
            command: ['sh', '-c', 'echo Hello from the busy-box sub-container > /pod-data/shareddata.txt && echo mount-tester new file > /test-volume/test-file && chmod 0644 /test-volume/test-file'],
          },
        ],
      },
    });
  }, 150_000);

  it('shares an emptyDir between the containers of a pod', async () => {
    const out = await execUntil(sys, ns, 'shared', 'busybox-main-container', 'cat /usr/share/volumeshare/shareddata.txt', (o) => o !== '', 'the file the sub-container wrote');
    expect(out).toBe('Hello from the busy-box sub-container\n');
  });

  it('mounts the node\'s directory as a hostPath volume with its mode (sticky bit) and its files', async () => {
    const r = await exec(sys, ns, 'shared', 'busybox-main-container', 'stat -c %A /test-volume; cat /test-volume/from-the-node');
    expect(r.out).toBe('drwxrwxrwt\nwritten on the node\n');
  });

  it('mounts a subPath of a hostPath volume, created on the node, and shares what is written there', async () => {
    const out = await execUntil(sys, ns, 'shared', 'busybox-main-container', 'cat /test-volume/sub-path/test-file', (o) => o !== '', 'the file written through the subPath');
    expect(out).toBe('mount-tester new file\n');
    expect(readFileSync(path.join(hostDir, 'sub-path', 'test-file'), 'utf8')).toBe('mount-tester new file\n');
  });
});

describe('hostPath type checks', () => {
  it('keeps a pod Pending with FailedMount when the hostPath is not of the type asked for', async () => {
    const ns = await namespace('hostpath-type');
    const file = path.join(hostDir, 'a-file');
    writeFileSync(file, 'x');
    await create(sys, {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'wrong-type', namespace: ns },
      spec: {
        terminationGracePeriodSeconds: 1, volumes: [{ name: 'host', hostPath: { path: file, type: 'Directory' } }],
        containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'], volumeMounts: [{ name: 'host', mountPath: '/host' }] }],
      },
    });
    const message = await eventually(async () => (await eventMessages(sys, ns, 'wrong-type', 'FailedMount'))[0], { timeoutMs: 30_000, intervalMs: 300, what: 'a FailedMount event' });
    expect(message).toBe(`MountVolume.SetUp failed for volume "host" : hostPath type check failed: ${file} is not a directory`);
    expect(await kubectlOk(sys, ['get', 'pod', 'wrong-type', '-n', ns, '-o', 'jsonpath={.status.phase}'])).toBe('Pending');
  }, 60_000);
});

describe('subPath and subPathExpr', () => {
  let logs: Record<string, string> = {};

  beforeAll(async () => {
    const ns = await namespace('subpath');
    await create(sys,
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'my-configmap', namespace: ns }, data: { 'configmap-key': 'configmap-value' } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'my-secret', namespace: ns }, data: { 'secret-key': Buffer.from('secret-value').toString('base64') } });
    logs = await runToCompletion(sys, ns, {
      metadata: { name: 'pod-subpath-test' },
      spec: {
        restartPolicy: 'Never', terminationGracePeriodSeconds: 1,
        volumes: [
          { name: 'configmap', configMap: { name: 'my-configmap' } },
          { name: 'secret', secret: { secretName: 'my-secret' } },
          { name: 'downward', downwardAPI: { items: [{ path: 'downward/podname', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } }] } },
          { name: 'projected', projected: { sources: [{ configMap: { name: 'my-configmap', items: [{ key: 'configmap-key', path: 'projected/configmap-key' }] } }] } },
          { name: 'workdir1', emptyDir: {} },
        ],
        containers: [{
          name: 'test-container-subpath', image: 'busybox',
          env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } }],
          volumeMounts: [
            { name: 'configmap', mountPath: '/test-subpath/configmap', subPath: 'configmap-key' },
            { name: 'configmap', mountPath: '/etc/resolv.conf', subPath: 'configmap-key' },
            { name: 'secret', mountPath: '/test-subpath/secret', subPath: 'secret-key' },
            { name: 'downward', mountPath: '/test-subpath/downward', subPath: 'downward/podname' },
            { name: 'projected', mountPath: '/test-subpath/projected', subPath: 'projected/configmap-key' },
            { name: 'workdir1', mountPath: '/logscontainer', subPathExpr: '$(POD_NAME)' },
            { name: 'workdir1', mountPath: '/testcontainer' },
          ],
          command: shell([
            'show /test-subpath/configmap /etc/resolv.conf /test-subpath/secret /test-subpath/downward /test-subpath/projected',
            'touch /logscontainer/written-through-the-subpath',
            'test -d /testcontainer/pod-subpath-test; echo "subPathExpr directory: $?"',
            'ls /testcontainer/pod-subpath-test',
          ].join('\n')),
        }],
      },
    });
  }, 150_000);

  it('mounts one key of a configMap volume as a file', () => {
    expectLines(logs['test-container-subpath']!, [content('/test-subpath/configmap', 'configmap-value')]);
  });

  it('mounts a subPath of a configMap volume over an existing file of the image', () => {
    expectLines(logs['test-container-subpath']!, [content('/etc/resolv.conf', 'configmap-value')]);
  });

  it('mounts a subPath of secret, downwardAPI and projected volumes', () => {
    expectLines(logs['test-container-subpath']!, [
      content('/test-subpath/secret', 'secret-value'), content('/test-subpath/downward', 'pod-subpath-test'), content('/test-subpath/projected', 'configmap-value'),
    ]);
  });

  it('expands subPathExpr from a downward API env var into a directory of the volume', () => {
    expectLines(logs['test-container-subpath']!, ['subPathExpr directory: 0', 'written-through-the-subpath']);
  });
});
