import { describe, it, expect } from 'vitest';
import { defaultContainer, defaultVolume, defaultVolumeSourceFields, imageTag } from './poddefaults.ts';
import { defaultPod, defaultPodSpec, type Container, type PodSpec } from './pods.ts';

describe('image tags as upstream parsers.ParseImageName reads them', () => {
  it.each([
    ['busybox', 'latest'],
    ['busybox:1.36', '1.36'],
    ['busybox:latest', 'latest'],
    ['registry.example.com:5000/team/web', 'latest'],
    ['registry.example.com:5000/team/web:2.0', '2.0'],
    ['localhost/web', 'latest'],
    ['web@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', ''],
    ['web:latest@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 'latest'],
    // Not a reference (capitals in the repository): no tag, as upstream ignores the parse error.
    ['Busybox', ''],
  ])('%s → %j', (image, tag) => {
    expect(imageTag(image)).toBe(tag);
  });

  it('pulls Always for latest (or no tag) and IfNotPresent otherwise', () => {
    const pull = (image: string) => { const c: Container = { name: 'c', image }; defaultContainer(c); return c.imagePullPolicy; };
    expect(pull('busybox')).toBe('Always');
    expect(pull('busybox:latest')).toBe('Always');
    expect(pull('busybox:1.36')).toBe('IfNotPresent');
    expect(pull('busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef')).toBe('IfNotPresent');
    expect(pull('Busybox')).toBe('IfNotPresent');
  });
});

describe('container defaults (SetDefaults_Container, _Probe, _HTTPGetAction, _ObjectFieldSelector)', () => {
  it('fills probes, hooks, ports and downward-API references', () => {
    const c = {
      name: 'web', image: 'web:1',
      ports: [{ containerPort: 80 }],
      env: [
        { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
        { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
        { name: 'PLAIN', value: 'x' },
      ],
      readinessProbe: { httpGet: { port: 80 } },
      livenessProbe: { tcpSocket: { port: 80 }, periodSeconds: 20, timeoutSeconds: 0 },
      startupProbe: { grpc: { port: 9000 } },
      lifecycle: { preStop: { httpGet: { path: '/drain', port: 80, scheme: 'HTTPS' } }, postStart: { exec: { command: ['true'] } } },
    } as Container;
    defaultContainer(c);
    expect(c).toEqual({
      name: 'web', image: 'web:1', imagePullPolicy: 'IfNotPresent', resources: {},
      terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File',
      ports: [{ containerPort: 80, protocol: 'TCP' }],
      env: [
        { name: 'POD', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
        { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '0' } } },
        { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
        { name: 'PLAIN', value: 'x' },
      ],
      readinessProbe: { httpGet: { port: 80, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 },
      // A zero timeout is unset to upstream (an int32, not a pointer).
      livenessProbe: { tcpSocket: { port: 80 }, timeoutSeconds: 1, periodSeconds: 20, successThreshold: 1, failureThreshold: 3 },
      startupProbe: { grpc: { port: 9000, service: '' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 },
      lifecycle: { preStop: { httpGet: { path: '/drain', port: 80, scheme: 'HTTPS' } }, postStart: { exec: { command: ['true'] } } },
    });
  });
});

describe('quantities in their canonical form (SetDefaults_ResourceList and Quantity serialisation)', () => {
  it('rounds resource lists up to milli units and writes every quantity canonically', () => {
    const c = {
      name: 'c', image: 'c:1',
      resources: { requests: { cpu: '0.25', memory: '1024Mi', 'ephemeral-storage': '2G' }, limits: { cpu: '1000m', memory: '1.5Gi', 'nvidia.com/gpu': 1 } },
      env: [{ name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1024Ki' } } }],
    } as unknown as Container;
    defaultContainer(c);
    expect(c.resources).toEqual({ requests: { cpu: '250m', memory: '1Gi', 'ephemeral-storage': '2G' }, limits: { cpu: '1', memory: '1536Mi', 'nvidia.com/gpu': '1' } });
    expect((c as unknown as { env: Array<{ valueFrom: { resourceFieldRef: { divisor: string } } }> }).env[0]!.valueFrom.resourceFieldRef.divisor).toBe('1Mi');
    const rounded = { name: 'r', image: 'r:1', resources: { requests: { cpu: '0.0001' } } } as Container;
    defaultContainer(rounded);
    expect(rounded.resources!.requests).toEqual({ cpu: '1m' });
  });

  it('canonicalises an emptyDir size limit, a claim template, pod overhead and pod-level resources', () => {
    const spec: PodSpec = {
      containers: [{ name: 'a', image: 'a:1' }],
      volumes: [
        { name: 'cache', emptyDir: { sizeLimit: '1024Mi' } },
        { name: 'e', ephemeral: { volumeClaimTemplate: { spec: { resources: { requests: { storage: '2048Mi' } } } } } },
      ],
      overhead: { cpu: '0.1' }, resources: { limits: { memory: '1024Mi' } },
    };
    defaultPodSpec(spec);
    expect(spec.volumes![0]).toEqual({ name: 'cache', emptyDir: { sizeLimit: '1Gi' } });
    expect(spec.volumes![1]).toMatchObject({ ephemeral: { volumeClaimTemplate: { spec: { resources: { requests: { storage: '2Gi' } } } } } });
    expect(spec.overhead).toEqual({ cpu: '100m' });
    expect(spec.resources).toEqual({ limits: { memory: '1Gi' } });
  });
});

describe('volume defaults', () => {
  it('makes a volume without a source an emptyDir', () => {
    const v: Record<string, unknown> = { name: 'scratch' };
    defaultVolume(v);
    expect(v).toEqual({ name: 'scratch', emptyDir: {} });
  });

  it('gives secret, configMap, downwardAPI and projected volumes mode 0644, and their references their defaults', () => {
    const vols: Array<Record<string, unknown>> = [
      { name: 's', secret: { secretName: 'x' } },
      { name: 'c', configMap: { name: 'x', defaultMode: 0o400 } },
      { name: 'd', downwardAPI: { items: [{ path: 'l', fieldRef: { fieldPath: 'metadata.labels' } }, { path: 'm', resourceFieldRef: { containerName: 'a', resource: 'limits.memory' } }] } },
      { name: 'p', projected: { sources: [{ serviceAccountToken: { path: 'token', audience: 'vault' } }, { downwardAPI: { items: [{ path: 'ns', fieldRef: { fieldPath: 'metadata.namespace' } }] } }, { configMap: { name: 'ca' } }] } },
      { name: 'h', hostPath: { path: '/var/log' } },
      { name: 'e', ephemeral: { volumeClaimTemplate: { spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } } } },
    ];
    for (const v of vols) defaultVolume(v);
    expect(vols).toEqual([
      { name: 's', secret: { secretName: 'x', defaultMode: 420 } },
      { name: 'c', configMap: { name: 'x', defaultMode: 0o400 } },
      { name: 'd', downwardAPI: { defaultMode: 420, items: [{ path: 'l', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.labels' } }, { path: 'm', resourceFieldRef: { containerName: 'a', resource: 'limits.memory', divisor: '0' } }] } },
      { name: 'p', projected: { defaultMode: 420, sources: [{ serviceAccountToken: { path: 'token', audience: 'vault', expirationSeconds: 3600 } }, { downwardAPI: { items: [{ path: 'ns', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } }, { configMap: { name: 'ca' } }] } },
      { name: 'h', hostPath: { path: '/var/log', type: '' } },
      { name: 'e', ephemeral: { volumeClaimTemplate: { metadata: { creationTimestamp: null }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeMode: 'Filesystem' } } } },
    ]);
  });

  it('fills the +default fields of the older in-tree sources', () => {
    const src: Record<string, unknown> = {
      rbd: { monitors: ['m'], image: 'i' }, iscsi: { targetPortal: 't', iqn: 'q', lun: 0 },
      azureDisk: { diskName: 'd', diskURI: 'u' }, scaleIO: { gateway: 'g', system: 's', secretRef: { name: 'x' } },
    };
    defaultVolumeSourceFields(src);
    expect(src).toEqual({
      rbd: { monitors: ['m'], image: 'i', pool: 'rbd', user: 'admin', keyring: '/etc/ceph/keyring' },
      iscsi: { targetPortal: 't', iqn: 'q', lun: 0, iscsiInterface: 'default' },
      azureDisk: { diskName: 'd', diskURI: 'u', cachingMode: 'ReadWrite', fsType: 'ext4', readOnly: false, kind: 'Shared' },
      scaleIO: { gateway: 'g', system: 's', secretRef: { name: 'x' }, storageMode: 'ThinProvisioned', fsType: 'xfs' },
    });
  });
});

describe('pod spec defaults', () => {
  it('writes serviceAccountName under the deprecated serviceAccount too, and takes a name given only there', () => {
    const named: PodSpec = { containers: [{ name: 'a', image: 'a:1' }], serviceAccountName: 'web' };
    defaultPodSpec(named);
    expect(named).toMatchObject({ serviceAccountName: 'web', serviceAccount: 'web' });
    const legacy: PodSpec = { containers: [{ name: 'a', image: 'a:1' }], serviceAccount: 'old' };
    defaultPodSpec(legacy);
    expect(legacy).toMatchObject({ serviceAccountName: 'old', serviceAccount: 'old' });
    const none: PodSpec = { containers: [{ name: 'a', image: 'a:1' }] };
    defaultPodSpec(none);
    expect(none).not.toHaveProperty('serviceAccount');
  });

  it('defaults init, ephemeral containers and volumes as containers and volumes', () => {
    const pod = {
      spec: {
        initContainers: [{ name: 'i', image: 'i' }], containers: [{ name: 'a', image: 'a:1' }],
        ephemeralContainers: [{ name: 'dbg', image: 'busybox' }], volumes: [{ name: 'v' }],
      },
    };
    defaultPod(pod);
    expect(pod.spec.initContainers[0]).toMatchObject({ imagePullPolicy: 'Always', terminationMessagePolicy: 'File' });
    expect(pod.spec.ephemeralContainers[0]).toMatchObject({ imagePullPolicy: 'Always', terminationMessagePath: '/dev/termination-log' });
    expect(pod.spec.volumes[0]).toEqual({ name: 'v', emptyDir: {} });
  });
});
