import { describe, expect, it } from 'vitest';
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { requestAttributes } from './auth.ts';
import { logContainerId, logRequestOf } from './logs.ts';
import { chooseRemoteCommandProtocol, exitCodeStatus, remoteCommandOptions } from './remotecommand.ts';
import { portsOf } from './portforward.ts';

const podWith = (status: Partial<V1ContainerStatus>): V1Pod => ({
  metadata: { name: 'web' },
  spec: { containers: [{ name: 'app' }] },
  status: { containerStatuses: [{ name: 'app', image: 'busybox', imageID: '', ready: false, restartCount: 0, ...status }] },
});

describe('which container a kubelet log request reads (validateContainerLogStatus)', () => {
  it.each([
    [{ state: { running: {} }, containerID: 'fake://abc' }, false, 'abc'],
    [{ state: { terminated: { exitCode: 0, containerID: 'docker://t1' } } }, false, 't1'],
    [{ state: { running: {} }, containerID: 'fake://new', lastState: { terminated: { exitCode: 1, containerID: 'fake://old' } } }, true, 'old'],
    [{ state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, containerID: 'fake://old' } } }, false, 'old'],
  ])('%j (previous: %s) reads %s', (status, previous, want) => {
    expect(logContainerId(podWith(status), 'app', previous)).toBe(want);
  });

  it.each([
    [{ state: { waiting: { reason: 'ContainerCreating' } } }, false, 'container "app" in pod "web" is waiting to start: ContainerCreating'],
    [{ state: { waiting: { reason: 'ErrImagePull' } } }, false, 'container "app" in pod "web" is waiting to start: image can\'t be pulled'],
    [{ state: { waiting: { reason: 'ImagePullBackOff' } } }, false, 'container "app" in pod "web" is waiting to start: trying and failing to pull image'],
    [{ state: { running: {} }, containerID: 'fake://a' }, true, 'previous terminated container "app" in pod "web" not found'],
    [{ state: { terminated: { exitCode: 0 } } }, false, 'container "app" in pod "web" is terminated'],
    [{ state: {} }, false, 'container "app" in pod "web" is waiting to start - no logs yet'],
  ])('%j (previous: %s) is refused: %s', (status, previous, message) => {
    expect(logContainerId(podWith(status), 'app', previous)).toEqual({ code: 400, message });
  });

  it('refuses containers the pod does not have (404) or has no status of yet', () => {
    expect(logContainerId(podWith({}), 'nope', false)).toEqual({ code: 404, message: 'container "nope" not found in pod "web"' });
    const bare: V1Pod = { metadata: { name: 'web' }, spec: { containers: [{ name: 'app' }] }, status: {} };
    expect(logContainerId(bare, 'app', false)).toEqual({ code: 400, message: 'container "app" in pod "web" is not available' });
  });

  it('decodes the kubelet\'s log query, with the old `tail` spelling', () => {
    expect(logRequestOf(new URLSearchParams('follow=true&tailLines=5&timestamps=1&limitBytes=10'), 0)).toEqual({ previous: false, follow: true, timestamps: true, tailLines: 5, limitBytes: 10 });
    expect(logRequestOf(new URLSearchParams('tail=3'), 0)).toMatchObject({ tailLines: 3 });
    expect(logRequestOf(new URLSearchParams('tail=all'), 0)).not.toHaveProperty('tailLines');
    expect(logRequestOf(new URLSearchParams('sinceSeconds=10'), 100_000)).toMatchObject({ sinceTime: 90_000 });
    expect(logRequestOf(new URLSearchParams('tailLines=x'), 0)).toEqual({ code: 400, message: '{"message": "Unable to decode query."}' });
    expect(logRequestOf(new URLSearchParams('limitBytes=0'), 0)).toEqual({ code: 422, message: '{"message": "Invalid request."}' });
  });
});

describe('kubelet request attributes (pkg/kubelet/server/auth.go)', () => {
  it.each([
    ['GET', '/containerLogs/ns/p/c', 'get', 'proxy'],
    ['POST', '/exec/ns/p/c', 'create', 'proxy'],
    ['GET', '/stats/summary', 'get', 'stats'],
    ['GET', '/metrics/cadvisor', 'get', 'metrics'],
    ['GET', '/logs/syslog', 'get', 'log'],
    ['GET', '/logsx', 'get', 'proxy'],
  ])('%s %s is %s nodes/%s', (method, p, verb, subresource) => {
    expect(requestAttributes(method, p, 'n1')).toEqual({ verb, resource: 'nodes', subresource, name: 'n1', path: p });
  });
});

describe('remote command options and protocols', () => {
  it('needs at least one stream; a tty takes stderr\'s place', () => {
    expect(remoteCommandOptions(new URLSearchParams('command=ls'))).toEqual({ error: 'you must specify at least 1 of stdin, stdout, stderr' });
    expect(remoteCommandOptions(new URLSearchParams('stdout=1&stderr=1&tty=1'))).toEqual({ stdin: false, stdout: true, stderr: false, tty: true });
    expect(remoteCommandOptions(new URLSearchParams('stdin=true&stdout=true'))).toEqual({ stdin: true, stdout: true, stderr: false, tty: false });
  });

  it('answers with the first offered protocol it serves', () => {
    expect(chooseRemoteCommandProtocol(['v5.channel.k8s.io'])).toBe('v5.channel.k8s.io');
    expect(chooseRemoteCommandProtocol(['v9.channel.k8s.io', 'v4.channel.k8s.io', 'channel.k8s.io'])).toBe('v4.channel.k8s.io');
    expect(chooseRemoteCommandProtocol(['base64.channel.k8s.io'])).toBe('base64.channel.k8s.io');
    expect(chooseRemoteCommandProtocol([])).toBe('');
    expect(chooseRemoteCommandProtocol(['SPDY/3.1+portforward.k8s.io'])).toBe(false);
  });

  it('reports an exit code as upstream\'s NonZeroExitCode status, which kubectl reads', () => {
    expect(exitCodeStatus(3, ['sh', '-c', 'exit 3'])).toEqual({
      metadata: {}, status: 'Failure', reason: 'NonZeroExitCode',
      message: "command terminated with non-zero exit code: command 'sh -c exit 3' exited with 3",
      details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    });
  });

  it('reads port-forward ports as the kubelet does', () => {
    expect(portsOf(new URLSearchParams('port=80,443'))).toEqual([80, 443]);
    expect(portsOf(new URLSearchParams('port=80&port=8080'))).toEqual([80, 8080]);
    expect(portsOf(new URLSearchParams(''))).toEqual({ error: 'query parameter "port" is required' });
    expect(portsOf(new URLSearchParams('port=http'))).toEqual({ error: 'unable to parse "http" as a port: invalid port' });
  });
});
