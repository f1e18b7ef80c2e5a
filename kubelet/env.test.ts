import { describe, expect, it } from 'vitest';
import type { V1ConfigMap, V1Container, V1Pod, V1Secret, V1Service } from '@kubernetes/client-node';
import {
  ContainerConfigError, expand, expandCommandAndArgs, expandSubPathExpr, fieldRefValue, formatMap, makeEnvironment, mappingFor,
  ObjectNotFoundError, resourceFieldRefValue, serviceEnvMap, type EnvSources,
} from './env.ts';

describe('$(VAR) expansion (upstream expansion.Expand)', () => {
  const vars = mappingFor(new Map([['A', 'a'], ['EMPTY', ''], ['B', '$(A)']]));
  it.each([
    ['plain', 'plain'],
    ['$(A)', 'a'],
    ['x$(A)y$(A)', 'xaya'],
    ['$(EMPTY)', ''],
    ['$(UNKNOWN)', '$(UNKNOWN)'],
    ['$$(A)', '$(A)'],
    ['$$$(A)', '$a'],
    ['$(B)', '$(A)'],
    ['$(A', '$(A'],
    ['$A', '$A'],
    ['$', '$'],
    ['a$', 'a$'],
    ['$()', '$()'],
    ['$(A)$(', 'a$('],
  ])('%j → %j', (input, want) => {
    expect(expand(input, vars)).toBe(want);
  });
});

const svc = (ns: string, name: string, clusterIP: string, ports: Array<{ name?: string; port: number; protocol?: string }>): V1Service => ({
  metadata: { namespace: ns, name }, spec: { clusterIP, ports },
});

describe('service links (envvars.FromServices, getServiceEnvVarMap)', () => {
  const services = [
    svc('default', 'kubernetes', '10.96.0.1', [{ name: 'https', port: 443 }]),
    svc('app', 'redis-master', '10.96.0.20', [{ port: 6379, protocol: 'TCP' }, { name: 'metrics', port: 9121, protocol: 'UDP' }]),
    svc('app', 'headless', 'None', [{ port: 80 }]),
    svc('other', 'elsewhere', '10.96.0.30', [{ port: 80 }]),
    svc('app', '9lives', 'fd00::5', [{ port: 80 }]),
  ];

  it('gives every pod the kubernetes service, and the namespace services with enableServiceLinks', () => {
    const env = serviceEnvMap(services, 'app', true);
    expect(Object.fromEntries(env)).toMatchObject({
      KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443', KUBERNETES_SERVICE_PORT_HTTPS: '443',
      KUBERNETES_PORT: 'tcp://10.96.0.1:443', KUBERNETES_PORT_443_TCP: 'tcp://10.96.0.1:443', KUBERNETES_PORT_443_TCP_PROTO: 'tcp',
      KUBERNETES_PORT_443_TCP_PORT: '443', KUBERNETES_PORT_443_TCP_ADDR: '10.96.0.1',
      REDIS_MASTER_SERVICE_HOST: '10.96.0.20', REDIS_MASTER_SERVICE_PORT: '6379', REDIS_MASTER_SERVICE_PORT_METRICS: '9121',
      REDIS_MASTER_PORT: 'tcp://10.96.0.20:6379', REDIS_MASTER_PORT_9121_UDP: 'udp://10.96.0.20:9121', REDIS_MASTER_PORT_9121_UDP_PROTO: 'udp',
      _9LIVES_SERVICE_HOST: 'fd00::5', _9LIVES_PORT: 'tcp://[fd00::5]:80',
    });
    expect([...env.keys()].some((k) => k.startsWith('HEADLESS') || k.startsWith('ELSEWHERE'))).toBe(false);
  });

  it('keeps only the kubernetes service without enableServiceLinks', () => {
    const keys = [...serviceEnvMap(services, 'app', false).keys()];
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.every((k) => k.startsWith('KUBERNETES_'))).toBe(true);
  });
});

const pod: V1Pod = {
  metadata: { name: 'web', namespace: 'app', uid: 'u-1', labels: { b: '2', a: 'x"y' }, annotations: { note: 'hi' } },
  spec: {
    nodeName: 'n1', serviceAccountName: 'robot', enableServiceLinks: false,
    containers: [{ name: 'main', image: 'busybox', resources: { requests: { cpu: '250m', memory: '64Mi' }, limits: { memory: '128Mi' } } }],
  },
};

describe('downward API values', () => {
  const ctx = { podIPs: ['10.244.0.5', 'fd00::5'], hostIPs: ['172.18.0.2'] };
  it.each([
    ['metadata.name', 'web'],
    ['metadata.namespace', 'app'],
    ['metadata.uid', 'u-1'],
    ["metadata.labels['b']", '2'],
    ["metadata.annotations['note']", 'hi'],
    ["metadata.labels['missing']", ''],
    ['metadata.labels', 'a="x\\"y"\nb="2"'],
    ['spec.nodeName', 'n1'],
    ['spec.serviceAccountName', 'robot'],
    ['status.podIP', '10.244.0.5'],
    ['status.podIPs', '10.244.0.5,fd00::5'],
    ['status.hostIP', '172.18.0.2'],
  ])('fieldRef %s', (path, want) => {
    expect(fieldRefValue(pod, path, ctx)).toBe(want);
  });

  it('rejects an unknown field path', () => {
    expect(() => fieldRefValue(pod, 'spec.bogus', ctx)).toThrow('unsupported fieldPath: spec.bogus');
  });

  it('formats maps as upstream FormatMap: sorted, Go-quoted, no trailing newline', () => {
    expect(formatMap({ z: 'a\nb', a: '' })).toBe('a=""\nz="a\\nb"');
  });

  const c = pod.spec!.containers[0]!;
  const node = { cpu: '4', memory: '8Gi', 'ephemeral-storage': '100Gi' };
  it.each([
    ['requests.cpu', undefined, '1'],
    ['requests.cpu', '1m', '250'],
    ['requests.memory', '1Mi', '64'],
    ['limits.memory', undefined, String(128 * 1024 * 1024)],
    ['limits.cpu', undefined, '4'],
    ['limits.cpu', '1m', '4000'],
    ['limits.memory', '1Gi', '1'],
    ['limits.ephemeral-storage', '1Gi', '100'],
    ['requests.ephemeral-storage', undefined, '0'],
  ])('resourceFieldRef %s (divisor %s) = %s', (resource, divisor, want) => {
    expect(resourceFieldRefValue({ resource, ...(divisor ? { divisor } : {}) }, c, node)).toBe(want);
  });
});

function sources(o: Partial<EnvSources> & { configMaps?: V1ConfigMap[]; secrets?: V1Secret[] } = {}): EnvSources {
  const cms = new Map((o.configMaps ?? []).map((cm) => [cm.metadata!.name!, cm]));
  const secs = new Map((o.secrets ?? []).map((s) => [s.metadata!.name!, s]));
  return {
    getConfigMap: async (_ns, name) => { const cm = cms.get(name); if (!cm) throw new ObjectNotFoundError('configmap', name); return cm; },
    getSecret: async (_ns, name) => { const s = secs.get(name); if (!s) throw new ObjectNotFoundError('secret', name); return s; },
    services: () => [svc('default', 'kubernetes', '10.96.0.1', [{ name: 'https', port: 443 }])],
    nodeAllocatable: { cpu: '2', memory: '4Gi' },
    podIPs: ['10.244.0.9'], hostIPs: ['172.18.0.2'],
    ...o,
  };
}

const b64 = (s: string) => Buffer.from(s).toString('base64');
const settings: V1ConfigMap = { metadata: { name: 'settings' }, data: { MODE: 'fast', LEVEL: '3', 'log.level': 'debug' } };
const creds: V1Secret = { metadata: { name: 'creds' }, data: { USER: b64('admin'), PASS: b64('s3cr3t') } };

async function envOf(container: Partial<V1Container>, src = sources({ configMaps: [settings], secrets: [creds] })) {
  return makeEnvironment(pod, { name: 'main', image: 'busybox', ...container }, src);
}

describe('makeEnvironment', () => {
  it('resolves literal, fieldRef, resourceFieldRef, configMapKeyRef and secretKeyRef values, then the service variables', async () => {
    const env = await envOf({
      env: [
        { name: 'GREETING', value: 'hello' },
        { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'CPU_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
        { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'settings', key: 'MODE' } } },
        { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'creds', key: 'PASS' } } },
      ],
    });
    expect(env.slice(0, 6)).toEqual([
      { name: 'GREETING', value: 'hello' }, { name: 'POD', value: 'web' }, { name: 'IP', value: '10.244.0.9' },
      { name: 'CPU_LIMIT', value: '2' }, { name: 'MODE', value: 'fast' }, { name: 'PASSWORD', value: 's3cr3t' },
    ]);
    expect(env.find((e) => e.name === 'KUBERNETES_SERVICE_HOST')?.value).toBe('10.96.0.1');
  });

  it('takes envFrom first, with prefixes, and lets env override it', async () => {
    const env = await envOf({
      envFrom: [{ configMapRef: { name: 'settings' } }, { secretRef: { name: 'creds' }, prefix: 'DB_' }],
      env: [{ name: 'LEVEL', value: 'override' }],
    });
    const m = Object.fromEntries(env.map((e) => [e.name, e.value]));
    expect(m).toMatchObject({ MODE: 'fast', LEVEL: 'override', 'log.level': 'debug', DB_USER: 'admin', DB_PASS: 's3cr3t' });
  });

  it('expands $(VAR) over earlier variables and service variables, never later ones', async () => {
    const env = await envOf({
      envFrom: [{ configMapRef: { name: 'settings' } }],
      env: [
        { name: 'FIRST', value: 'one' },
        { name: 'BOTH', value: '$(FIRST)-$(MODE)-$(LATER)-$$(FIRST)' },
        { name: 'API', value: 'https://$(KUBERNETES_SERVICE_HOST):$(KUBERNETES_SERVICE_PORT)' },
        { name: 'LATER', value: 'late' },
      ],
    });
    const m = Object.fromEntries(env.map((e) => [e.name, e.value]));
    expect(m.BOTH).toBe('one-fast-$(LATER)-$(FIRST)');
    expect(m.API).toBe('https://10.96.0.1:443');
  });

  it.each([
    [{ env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'absent', key: 'k' } } }] }, 'configmap "absent" not found'],
    [{ env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'settings', key: 'nope' } } }] }, "couldn't find key nope in ConfigMap app/settings"],
    [{ env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'absent', key: 'k' } } }] }, 'secret "absent" not found'],
    [{ env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'creds', key: 'nope' } } }] }, "couldn't find key nope in Secret app/creds"],
    [{ envFrom: [{ configMapRef: { name: 'absent' } }] }, 'configmap "absent" not found'],
    [{ envFrom: [{ secretRef: { name: 'absent' } }] }, 'secret "absent" not found'],
  ])('fails with upstream\'s message: %j', async (container, message) => {
    const err = await envOf(container as Partial<V1Container>).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContainerConfigError);
    expect((err as Error).message).toBe(message);
  });

  it('skips optional sources and keys that are missing', async () => {
    const env = await envOf({
      envFrom: [{ configMapRef: { name: 'absent', optional: true } }, { secretRef: { name: 'absent', optional: true } }],
      env: [
        { name: 'A', valueFrom: { configMapKeyRef: { name: 'absent', key: 'k', optional: true } } },
        { name: 'B', valueFrom: { configMapKeyRef: { name: 'settings', key: 'nope', optional: true } } },
        { name: 'C', valueFrom: { secretKeyRef: { name: 'creds', key: 'nope', optional: true } } },
        { name: 'D', value: 'kept' },
      ],
    });
    expect(env.filter((e) => !e.name.startsWith('KUBERNETES_'))).toEqual([{ name: 'D', value: 'kept' }]);
  });

  it('waits for the service cache before building env', async () => {
    const err = await envOf({}, sources({ services: () => undefined })).catch((e: unknown) => e);
    expect((err as Error).message).toBe('services have not yet been read at least once, cannot construct envvars');
  });

  it('expands command, args and subPathExpr over the final environment', async () => {
    const env = await envOf({ env: [{ name: 'NAME', value: 'world' }, { name: 'EMPTY', value: '' }] });
    expect(expandCommandAndArgs({ name: 'c', command: ['echo', '$(NAME)'], args: ['$(KUBERNETES_SERVICE_PORT)', '$(NOPE)'] }, env))
      .toEqual({ command: ['echo', 'world'], args: ['443', '$(NOPE)'] });
    expect(expandSubPathExpr({ name: 'v', mountPath: '/m', subPathExpr: 'logs/$(NAME)' }, env)).toBe('logs/world');
    expect(() => expandSubPathExpr({ name: 'v', mountPath: '/m', subPathExpr: '$(EMPTY)/$(NOPE)' }, env)).toThrow('missing value for EMPTY, NOPE');
  });
});
