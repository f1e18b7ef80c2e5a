import { describe, expect, it } from 'vitest';
import type { V1Pod } from '@kubernetes/client-node';
import {
  containerName, criState, dockerSecurity, dockerTime, exitReason, imageRefOf, isImageRef, linuxResources, managedHostsFile, milliCPUToQuota,
  milliCPUToShares, oomScoreAdjust, parseCIDR, pickFreeIP, portBindings, rangeContains, registryOf, resolvConf,
  runAsNonRootViolation, sandboxName, parseIPv4,
} from './config.ts';

const pod = (o: Partial<V1Pod> = {}): V1Pod => ({ metadata: { name: 'web', namespace: 'ns', uid: 'u1' }, spec: { containers: [] }, ...o });

describe('docker runtime translations', () => {
  it('names containers as dockershim did', () => {
    expect(sandboxName({ name: 'web', namespace: 'ns', uid: 'u1' }, 2)).toBe('k8s_POD_web_ns_u1_2');
    expect(containerName('app', { name: 'web', namespace: 'ns', uid: 'u1' }, 0)).toBe('k8s_app_web_ns_u1_0');
  });

  it.each([
    [0, 2], [1, 2], [2, 2], [100, 102], [250, 256], [1000, 1024], [500_000, 262_144],
  ])('MilliCPUToShares(%i) = %i', (milli, shares) => expect(milliCPUToShares(milli)).toBe(shares));

  it.each([[0, 0], [1, 1000], [10, 1000], [250, 25_000], [1500, 150_000]])('MilliCPUToQuota(%i) = %i', (milli, quota) => {
    expect(milliCPUToQuota(milli)).toBe(quota);
  });

  it('takes shares from the CPU request, else the limit, and the quota from the limit', () => {
    expect(linuxResources({ name: 'c', resources: { requests: { cpu: '100m' }, limits: { cpu: '2', memory: '1Gi' } } }))
      .toEqual({ cpuShares: 102, cpuQuota: 200_000, cpuPeriod: 100_000, memory: 1024 ** 3 });
    expect(linuxResources({ name: 'c', resources: { limits: { cpu: '500m' } } })).toMatchObject({ cpuShares: 512, cpuQuota: 50_000 });
    expect(linuxResources({ name: 'c' })).toEqual({ cpuShares: 2, cpuQuota: 0, cpuPeriod: 0, memory: 0 });
  });

  it('sets the OOM score by QoS class as upstream', () => {
    const c = { name: 'c', resources: { requests: { memory: '1Gi' } } };
    const gi = 1024 ** 3;
    expect(oomScoreAdjust(pod({ status: { qosClass: 'Guaranteed' } }), c, 4 * gi)).toBe(-997);
    expect(oomScoreAdjust(pod({ status: { qosClass: 'BestEffort' } }), c, 4 * gi)).toBe(1000);
    expect(oomScoreAdjust(pod({ status: { qosClass: 'Burstable' } }), c, 4 * gi)).toBe(750);
    expect(oomScoreAdjust(pod({ status: { qosClass: 'Burstable' } }), { name: 'c', resources: { requests: { memory: '4Gi' } } }, 4 * gi)).toBe(3);
    expect(oomScoreAdjust(pod({ status: { qosClass: 'Burstable' } }), { name: 'c' }, 4 * gi)).toBe(999);
  });

  it('merges the pod and container security contexts, container first', () => {
    const p = pod({ spec: { containers: [], securityContext: { runAsUser: 1000, runAsGroup: 2000, fsGroup: 3000, supplementalGroups: [4000] } } });
    expect(dockerSecurity(p, { name: 'c', securityContext: { runAsUser: 5, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { add: ['NET_ADMIN'] } } }))
      .toEqual({
        user: '5:2000', privileged: false, readonlyRootfs: true, capAdd: ['NET_ADMIN'], capDrop: [], groupAdd: ['4000', '3000'],
        securityOpt: ['seccomp=unconfined', 'no-new-privileges'], runAsNonRoot: false,
      });
    expect(dockerSecurity(pod(), { name: 'c', securityContext: { seccompProfile: { type: 'RuntimeDefault' } } }).securityOpt).toEqual([]);
    expect(() => dockerSecurity(pod(), { name: 'c', securityContext: { seccompProfile: { type: 'Localhost', localhostProfile: 'x.json' } } })).toThrow(/not supported/);
  });

  it('refuses runAsNonRoot for root or a user it cannot check, as the kubelet does', () => {
    const nonRoot = pod({ spec: { containers: [], securityContext: { runAsNonRoot: true } } });
    const c = { name: 'c' };
    expect(runAsNonRootViolation(dockerSecurity(nonRoot, c), '', nonRoot, c)).toBe('container has runAsNonRoot and image will run as root (pod: "web_ns(u1)", container: c)');
    expect(runAsNonRootViolation(dockerSecurity(nonRoot, c), 'nginx', nonRoot, c)).toMatch(/image has non-numeric user \(nginx\), cannot verify user is non-root/);
    expect(runAsNonRootViolation(dockerSecurity(nonRoot, c), '101', nonRoot, c)).toBeUndefined();
    expect(runAsNonRootViolation(dockerSecurity(nonRoot, { name: 'c', securityContext: { runAsUser: 7 } }), '', nonRoot, c)).toBeUndefined();
  });

  it('publishes host ports only, by port and protocol', () => {
    expect(portBindings([
      { containerPort: 80, hostPort: 8080, protocol: 'TCP' }, { containerPort: 53, hostPort: 5353, protocol: 'UDP', hostIP: '127.0.0.1' },
      { containerPort: 9000, hostPort: 0, protocol: 'TCP' },
    ])).toEqual({
      exposed: { '80/tcp': {}, '53/udp': {} },
      bindings: { '80/tcp': [{ HostIp: '', HostPort: '8080' }], '53/udp': [{ HostIp: '127.0.0.1', HostPort: '5353' }] },
    });
  });

  it('writes /etc/hosts and resolv.conf as the kubelet does', () => {
    const p = pod({ spec: { containers: [], subdomain: 'sub', hostAliases: [{ ip: '1.2.3.4', hostnames: ['a', 'b'] }] } });
    const hosts = managedHostsFile(p, '10.240.0.5', 'web', 'cluster.local');
    expect(hosts).toContain('10.240.0.5\tweb.sub.ns.svc.cluster.local\tweb\n');
    expect(hosts).toContain('# Entries added by HostAliases.\n1.2.3.4\ta\tb\n');
    expect(resolvConf({ servers: ['10.96.0.10'], searches: ['ns.svc.cluster.local', 'svc.cluster.local'], options: ['ndots:5'] }))
      .toBe('search ns.svc.cluster.local svc.cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n');
  });

  it('checks references and names their registry', () => {
    expect(['busybox', 'localhost:5000/app:1.2', 'busybox@sha256:abc'].filter(isImageRef)).toHaveLength(3);
    expect(isImageRef('bad image')).toBe(false);
    expect(isImageRef('../x')).toBe(false);
    expect(registryOf('busybox')).toBe('docker.io');
    expect(registryOf('registry.k8s.io/pause:3.10')).toBe('registry.k8s.io');
    expect(imageRefOf('sha256:1', ['busybox@sha256:2'])).toBe('docker-pullable://busybox@sha256:2');
    expect(imageRefOf('sha256:1', [])).toBe('docker://sha256:1');
  });

  it('hands out pod addresses from the range, skipping network, gateway and broadcast, round robin', () => {
    const r = parseCIDR('10.240.3.0/24');
    expect(r.cidr).toBe('10.240.3.0/24');
    const ip = (s: string) => parseIPv4(s)!;
    expect(pickFreeIP(r, new Set(), 0)).toBe(ip('10.240.3.2'));
    expect(pickFreeIP(r, new Set([ip('10.240.3.2')]), 0)).toBe(ip('10.240.3.3'));
    expect(pickFreeIP(r, new Set(), ip('10.240.3.254'))).toBe(ip('10.240.3.254'));
    expect(pickFreeIP(r, new Set([ip('10.240.3.254')]), ip('10.240.3.254'))).toBe(ip('10.240.3.2'));
    const all = new Set(Array.from({ length: 253 }, (_, i) => ip(`10.240.3.${i + 2}`)));
    expect(pickFreeIP(r, all, 0)).toBeUndefined();
    expect(rangeContains(parseCIDR('10.240.0.0/16'), r)).toBe(true);
    expect(rangeContains(parseCIDR('10.240.0.0/16'), parseCIDR('10.244.0.0/24'))).toBe(false);
    expect(() => parseCIDR('10.0.0.0/33')).toThrow(/not an IPv4 CIDR/);
  });

  it('maps Docker states, times and exit reasons to the CRI\'s', () => {
    expect(['created', 'running', 'paused', 'exited', 'dead', 'weird'].map(criState)).toEqual(['created', 'running', 'running', 'exited', 'exited', 'unknown']);
    expect(dockerTime('0001-01-01T00:00:00Z')).toBeUndefined();
    expect(dockerTime('2024-05-01T10:00:00.123456789Z')).toBe(Date.UTC(2024, 4, 1, 10, 0, 0, 123));
    expect([exitReason(0, false), exitReason(2, false), exitReason(137, true)]).toEqual(['Completed', 'Error', 'OOMKilled']);
  });
});
