import { readFileSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeEnvelope, hasProtobufMagic } from './envelope.ts';
import {
  ProtobufError,
  decodeProtobufObject,
  encodeProtobufObject,
  encodeProtobufWatchEvent,
  hasProtobufSchema,
  schemas,
} from './index.ts';
import type { JsonObject } from './schema.ts';
import { Reader, Writer, WireType } from './wire.ts';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

function roundTrip(obj: JsonObject): JsonObject {
  return decodeProtobufObject(encodeProtobufObject(obj)).obj;
}

const meta = (name: string, extra: JsonObject = {}): JsonObject => ({
  name,
  namespace: 'default',
  uid: '6f1c2b8e-3a4d-4e5f-8a9b-0c1d2e3f4a5b',
  resourceVersion: '4711',
  generation: 3,
  creationTimestamp: '2024-05-01T10:20:30Z',
  labels: { app: name, tier: 'web' },
  annotations: { 'deployment.kubernetes.io/revision': '2' },
  managedFields: [
    {
      manager: 'kubectl-client-side-apply',
      operation: 'Update',
      apiVersion: 'apps/v1',
      time: '2024-05-01T10:20:30Z',
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } }, 'f:spec': { 'f:replicas': {} } },
    },
  ],
  ...extra,
});

const podSpec: JsonObject = {
  volumes: [
    { name: 'config', configMap: { name: 'web-config', items: [{ key: 'nginx.conf', path: 'nginx.conf', mode: 0o644 }], defaultMode: 420 } },
    { name: 'creds', secret: { secretName: 'web-creds', optional: true } },
    { name: 'cache', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
    { name: 'logs', hostPath: { path: '/var/log/web', type: 'DirectoryOrCreate' } },
    { name: 'data', persistentVolumeClaim: { claimName: 'web-data', readOnly: true } },
    {
      name: 'token',
      projected: {
        sources: [
          { serviceAccountToken: { audience: 'vault', expirationSeconds: 3600, path: 'token' } },
          { downwardAPI: { items: [{ path: 'labels', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.labels' } }] } },
          { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        ],
        defaultMode: 420,
      },
    },
  ],
  initContainers: [{ name: 'init', image: 'busybox:1.36', command: ['sh', '-c', 'echo init'], resources: {} }],
  containers: [
    {
      name: 'web',
      image: 'nginx:1.27',
      command: ['nginx'],
      args: ['-g', 'daemon off;'],
      workingDir: '/srv',
      ports: [
        { name: 'http', containerPort: 8080, protocol: 'TCP' },
        { name: 'metrics', hostPort: 9100, containerPort: 9100, protocol: 'UDP', hostIP: '0.0.0.0' },
      ],
      envFrom: [{ configMapRef: { name: 'web-env' } }, { prefix: 'DB_', secretRef: { name: 'db', optional: false } }],
      env: [
        { name: 'MODE', value: 'production' },
        { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
        { name: 'POD_IP', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.podIP' } } },
        { name: 'CPU_LIMIT', valueFrom: { resourceFieldRef: { containerName: 'web', resource: 'limits.cpu', divisor: '1m' } } },
        { name: 'GREETING', valueFrom: { configMapKeyRef: { name: 'web-env', key: 'greeting', optional: true } } },
      ],
      resources: { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '250m', memory: '128Mi', 'ephemeral-storage': '1Gi' } },
      volumeMounts: [
        { name: 'config', readOnly: true, mountPath: '/etc/nginx/nginx.conf', subPath: 'nginx.conf' },
        { name: 'cache', mountPath: '/cache', mountPropagation: 'None' },
      ],
      livenessProbe: {
        httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP', httpHeaders: [{ name: 'X-Probe', value: 'liveness' }] },
        initialDelaySeconds: 10,
        timeoutSeconds: 2,
        periodSeconds: 15,
        successThreshold: 1,
        failureThreshold: 3,
        terminationGracePeriodSeconds: 20,
      },
      readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 5 },
      startupProbe: { exec: { command: ['cat', '/tmp/ready'] }, failureThreshold: 30 },
      lifecycle: { preStop: { exec: { command: ['nginx', '-s', 'quit'] } }, postStart: { httpGet: { path: '/warm', port: 8080 } } },
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
      imagePullPolicy: 'IfNotPresent',
      securityContext: {
        capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] },
        privileged: false,
        runAsUser: 1000,
        runAsNonRoot: true,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        seccompProfile: { type: 'RuntimeDefault' },
      },
    },
    { name: 'sidecar', image: 'busybox', stdin: true, tty: true, resources: {} },
  ],
  restartPolicy: 'Always',
  terminationGracePeriodSeconds: 30,
  activeDeadlineSeconds: 600,
  dnsPolicy: 'ClusterFirst',
  nodeSelector: { 'kubernetes.io/os': 'linux' },
  serviceAccountName: 'web',
  serviceAccount: 'web',
  automountServiceAccountToken: false,
  hostNetwork: true,
  securityContext: { runAsUser: 1000, runAsGroup: 3000, fsGroup: 2000, supplementalGroups: [4000, 5000], sysctls: [{ name: 'net.core.somaxconn', value: '1024' }] },
  imagePullSecrets: [{ name: 'registry' }],
  hostname: 'web-0',
  subdomain: 'web',
  affinity: {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64', 'arm64'] }] }],
      },
      preferredDuringSchedulingIgnoredDuringExecution: [
        { weight: 50, preference: { matchExpressions: [{ key: 'disk', operator: 'Exists' }] } },
      ],
    },
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        {
          weight: 100,
          podAffinityTerm: { labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname' },
        },
      ],
    },
  },
  schedulerName: 'default-scheduler',
  tolerations: [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    { key: 'dedicated', operator: 'Equal', value: 'web', effect: 'NoSchedule' },
  ],
  hostAliases: [{ ip: '10.0.0.1', hostnames: ['db.local'] }],
  priorityClassName: 'high',
  priority: 1000,
  dnsConfig: { nameservers: ['1.1.1.1'], options: [{ name: 'ndots', value: '2' }] },
  enableServiceLinks: false,
  preemptionPolicy: 'PreemptLowerPriority',
  topologySpreadConstraints: [
    {
      maxSkew: 1,
      topologyKey: 'topology.kubernetes.io/zone',
      whenUnsatisfiable: 'ScheduleAnyway',
      labelSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }] },
      minDomains: 2,
    },
  ],
};

const deployment: JsonObject = {
  kind: 'Deployment',
  apiVersion: 'apps/v1',
  metadata: meta('web', {
    ownerReferences: [
      { apiVersion: 'example.com/v1', kind: 'App', name: 'web', uid: '0a0b0c0d-0000-4000-8000-000000000001', controller: true, blockOwnerDeletion: true },
    ],
    finalizers: ['example.com/cleanup'],
  }),
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' }, annotations: { 'kubectl.kubernetes.io/restartedAt': '2024-05-01T10:00:00Z' } }, spec: podSpec },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' } },
    minReadySeconds: 5,
    revisionHistoryLimit: 10,
    progressDeadlineSeconds: 600,
  },
  status: {
    observedGeneration: 3,
    replicas: 3,
    updatedReplicas: 3,
    readyReplicas: 2,
    availableReplicas: 2,
    unavailableReplicas: 1,
    conditions: [
      {
        type: 'Available',
        status: 'True',
        lastUpdateTime: '2024-05-01T10:21:00Z',
        lastTransitionTime: '2024-05-01T10:21:00Z',
        reason: 'MinimumReplicasAvailable',
        message: 'Deployment has minimum availability.',
      },
    ],
  },
};

const pod: JsonObject = {
  kind: 'Pod',
  apiVersion: 'v1',
  metadata: meta('web-7d4b9c-x2k4p', { generateName: 'web-7d4b9c-', deletionTimestamp: '2024-05-02T00:00:00Z', deletionGracePeriodSeconds: 30 }),
  spec: { ...podSpec, nodeName: 'node-1' },
  status: {
    phase: 'Running',
    conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2024-05-01T10:21:00Z' }],
    hostIP: '172.18.0.2',
    hostIPs: [{ ip: '172.18.0.2' }],
    podIP: '10.244.0.5',
    podIPs: [{ ip: '10.244.0.5' }, { ip: 'fd00::5' }],
    startTime: '2024-05-01T10:20:31Z',
    containerStatuses: [
      {
        name: 'web',
        state: { running: { startedAt: '2024-05-01T10:20:40Z' } },
        lastState: { terminated: { exitCode: -1, signal: 9, reason: 'Error', startedAt: '2024-05-01T10:20:32Z', finishedAt: '2024-05-01T10:20:39Z', containerID: 'docker://abc' } },
        ready: true,
        restartCount: 1,
        image: 'nginx:1.27',
        imageID: 'docker-pullable://nginx@sha256:0123',
        containerID: 'docker://def',
        started: true,
      },
    ],
    qosClass: 'Burstable',
  },
};

const secret: JsonObject = {
  kind: 'Secret',
  apiVersion: 'v1',
  metadata: { name: 'tls', namespace: 'default' },
  immutable: true,
  data: {
    'tls.key': Buffer.from([0x30, 0x82, 0x00, 0xff, 0xfe, 0x80, 0x7f]).toString('base64'),
    empty: '',
    'tls.crt': Buffer.from('-----BEGIN CERTIFICATE-----\n').toString('base64'),
  },
  type: 'kubernetes.io/tls',
};

const namespace: JsonObject = {
  kind: 'Namespace',
  apiVersion: 'v1',
  metadata: { name: 'prod', labels: { 'kubernetes.io/metadata.name': 'prod' }, creationTimestamp: '2024-05-01T10:00:00Z', uid: 'u', resourceVersion: '12' },
  spec: { finalizers: ['kubernetes'] },
  status: {
    phase: 'Terminating',
    conditions: [
      { type: 'NamespaceDeletionContentFailure', status: 'False', lastTransitionTime: '2024-05-01T11:00:00Z', reason: 'ContentDeleted', message: 'All content successfully deleted' },
    ],
  },
};

const status: JsonObject = {
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message: 'Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
  reason: 'Invalid',
  details: {
    name: 'web',
    group: 'apps',
    kind: 'Deployment',
    causes: [{ reason: 'FieldValueInvalid', message: 'Invalid value: -1: must be greater than or equal to 0', field: 'spec.replicas' }],
    retryAfterSeconds: 2,
  },
  code: 422,
};

const others: JsonObject[] = [
  {
    kind: 'ConfigMapList',
    apiVersion: 'v1',
    metadata: { resourceVersion: '99', continue: 'eyJydiI6OTl9', remainingItemCount: 0 },
    items: [
      { metadata: { name: 'a', namespace: 'default' }, data: { 'k.conf': 'x=1\n' }, binaryData: { bin: 'AAE=' } },
      { metadata: { name: 'b', namespace: 'default' }, immutable: false },
    ],
  },
  {
    kind: 'ServiceAccount',
    apiVersion: 'v1',
    metadata: { name: 'web', namespace: 'default' },
    secrets: [{ kind: 'Secret', namespace: 'default', name: 'web-token', uid: 'u', apiVersion: 'v1', resourceVersion: '1', fieldPath: 'data' }],
    imagePullSecrets: [{ name: 'registry' }],
    automountServiceAccountToken: true,
  },
  {
    kind: 'Service',
    apiVersion: 'v1',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      ports: [
        { name: 'http', protocol: 'TCP', appProtocol: 'http', port: 80, targetPort: 'http', nodePort: 30080 },
        { name: 'dns', protocol: 'UDP', port: 53, targetPort: 5353 },
      ],
      selector: { app: 'web' },
      clusterIP: '10.96.0.10',
      clusterIPs: ['10.96.0.10'],
      type: 'NodePort',
      sessionAffinity: 'ClientIP',
      sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
      externalTrafficPolicy: 'Cluster',
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      internalTrafficPolicy: 'Cluster',
    },
    status: { loadBalancer: { ingress: [{ ip: '192.0.2.1', ports: [{ port: 80, protocol: 'TCP' }] }] } },
  },
  {
    kind: 'Job',
    apiVersion: 'batch/v1',
    metadata: { name: 'pi', namespace: 'default' },
    spec: {
      parallelism: 2,
      completions: 4,
      activeDeadlineSeconds: 120,
      backoffLimit: 0,
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u' } },
      manualSelector: false,
      template: { metadata: { labels: { 'job-name': 'pi' } }, spec: { containers: [{ name: 'pi', image: 'perl', resources: {} }], restartPolicy: 'Never' } },
      ttlSecondsAfterFinished: 100,
      completionMode: 'Indexed',
      suspend: false,
      podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { containerName: 'pi', operator: 'In', values: [1, 42] } }] },
    },
    status: {
      conditions: [{ type: 'Complete', status: 'True', lastProbeTime: '2024-05-01T10:25:00Z', lastTransitionTime: '2024-05-01T10:25:00Z' }],
      startTime: '2024-05-01T10:20:00Z',
      completionTime: '2024-05-01T10:25:00Z',
      succeeded: 4,
      completedIndexes: '0-3',
      ready: 0,
    },
  },
  {
    kind: 'CronJob',
    apiVersion: 'batch/v1',
    metadata: { name: 'nightly', namespace: 'default' },
    spec: {
      schedule: '0 3 * * *',
      timeZone: 'Etc/UTC',
      startingDeadlineSeconds: 60,
      concurrencyPolicy: 'Forbid',
      suspend: true,
      jobTemplate: { metadata: { labels: { cron: 'nightly' } }, spec: { template: { metadata: {}, spec: { containers: [{ name: 'c', image: 'busybox', resources: {} }], restartPolicy: 'OnFailure' } } } },
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
    },
    status: { active: [{ kind: 'Job', namespace: 'default', name: 'nightly-1', uid: 'u', apiVersion: 'batch/v1', resourceVersion: '5' }], lastScheduleTime: '2024-05-01T03:00:00Z' },
  },
  {
    kind: 'SelfSubjectAccessReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: {},
    spec: {
      resourceAttributes: { namespace: 'prod', verb: 'get', group: 'apps', version: 'v1', resource: 'deployments', subresource: 'scale', name: 'web' },
    },
    status: { allowed: true, reason: 'RBAC: allowed by ClusterRoleBinding "admin"' },
  },
  {
    kind: 'SelfSubjectAccessReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: {},
    spec: { nonResourceAttributes: { path: '/healthz', verb: 'get' } },
    status: { allowed: false, denied: true, evaluationError: 'none' },
  },
  {
    kind: 'SubjectAccessReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: {},
    spec: { resourceAttributes: { verb: 'list', resource: 'pods' }, user: 'jane', groups: ['dev'], extra: { scopes: ['a', 'b'] }, uid: '42' },
    status: { allowed: true },
  },
  {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { name: 'web', namespace: 'default' },
    spec: { audiences: ['https://kubernetes.default.svc'], expirationSeconds: 3600, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web-0', uid: 'u' } },
    status: { token: 'eyJhbGciOi...', expirationTimestamp: '2024-05-01T11:20:30Z' },
  },
  {
    kind: 'DeleteOptions',
    apiVersion: 'v1',
    gracePeriodSeconds: 0,
    preconditions: { uid: 'u', resourceVersion: '7' },
    propagationPolicy: 'Foreground',
    dryRun: ['All'],
  },
  {
    kind: 'Event',
    apiVersion: 'v1',
    metadata: { name: 'web.17c', namespace: 'default' },
    involvedObject: { kind: 'Pod', namespace: 'default', name: 'web', uid: 'u', apiVersion: 'v1', fieldPath: 'spec.containers{web}' },
    reason: 'Pulled',
    message: 'Container image already present',
    source: { component: 'kubelet', host: 'node-1' },
    firstTimestamp: '2024-05-01T10:20:35Z',
    lastTimestamp: '2024-05-01T10:20:35Z',
    count: 1,
    type: 'Normal',
    eventTime: '2024-05-01T10:20:35.123456Z',
    reportingComponent: 'kubelet',
    reportingInstance: 'node-1',
  },
  {
    kind: 'Lease',
    apiVersion: 'coordination.k8s.io/v1',
    metadata: { name: 'node-1', namespace: 'kube-node-lease' },
    spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40, renewTime: '2024-05-01T10:20:35.000001Z', leaseTransitions: 2 },
  },
  {
    kind: 'Node',
    apiVersion: 'v1',
    metadata: { name: 'node-1' },
    spec: { podCIDR: '10.244.0.0/24', taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] },
    status: {
      capacity: { cpu: '2', memory: '24Gi', pods: '110' },
      allocatable: { cpu: '1900m', memory: '23Gi', pods: '110' },
      conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: '2024-05-01T10:20:35Z', lastTransitionTime: '2024-05-01T10:00:00Z', reason: 'KubeletReady', message: 'kubelet is posting ready status' }],
      addresses: [{ type: 'InternalIP', address: '172.18.0.2' }, { type: 'Hostname', address: 'node-1' }],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: 'm', systemUUID: 's', bootID: 'b', kernelVersion: '6.1', osImage: 'Debian', containerRuntimeVersion: 'docker://24',
        kubeletVersion: 'v1.32.4', kubeProxyVersion: '', operatingSystem: 'linux', architecture: 'amd64',
      },
      images: [{ names: ['busybox:latest'], sizeBytes: 4261574 }],
    },
  },
  {
    kind: 'Role',
    apiVersion: 'rbac.authorization.k8s.io/v1',
    metadata: { name: 'reader', namespace: 'default' },
    rules: [{ verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods', 'pods/log'], resourceNames: ['web'] }],
  },
  {
    kind: 'PodDisruptionBudget',
    apiVersion: 'policy/v1',
    metadata: { name: 'web' },
    spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'web' } }, unhealthyPodEvictionPolicy: 'AlwaysAllow' },
    status: { observedGeneration: 1, disruptedPods: { 'web-0': '2024-05-01T10:20:35Z' }, disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3 },
  },
  {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: 'web', namespace: 'default' },
    spec: { replicas: 2 },
    status: { replicas: 3, selector: 'app=web' },
  },
];

describe('protobuf objects', () => {
  it('has a schema for every message its schemas name', () => {
    expect(schemas.check()).toEqual([]);
  });

  it.each([
    ['v1', 'Namespace'], ['v1', 'NamespaceList'], ['v1', 'ConfigMap'], ['v1', 'ConfigMapList'], ['v1', 'Secret'],
    ['v1', 'SecretList'], ['v1', 'ServiceAccount'], ['v1', 'Pod'], ['v1', 'PodList'], ['v1', 'Service'], ['v1', 'Status'],
    ['v1', 'DeleteOptions'], ['apps/v1', 'DeleteOptions'], ['apps/v1', 'Deployment'], ['apps/v1', 'DeploymentList'],
    ['batch/v1', 'Job'], ['batch/v1', 'CronJob'], ['authorization.k8s.io/v1', 'SelfSubjectAccessReview'],
    ['authentication.k8s.io/v1', 'TokenRequest'], ['coordination.k8s.io/v1', 'Lease'], ['autoscaling/v1', 'Scale'],
  ])('serves %s %s', (apiVersion, kind) => {
    expect(hasProtobufSchema(apiVersion, kind)).toBe(true);
  });

  it('has no schema for kinds upstream serves no protobuf for', () => {
    expect(hasProtobufSchema('example.com/v1', 'Widget')).toBe(false);
    expect(hasProtobufSchema('v1', 'Deployment')).toBe(false);
  });

  it.each([
    ['a Deployment with a full pod template', deployment],
    ['a Pod with probes, volumes and status', pod],
    ['a Secret with binary data', secret],
    ['a terminating Namespace', namespace],
    ['a Status with causes', status],
    ...others.map((o): [string, JsonObject] => [`a ${String(o.kind)} (${String(o.apiVersion)})`, o]),
  ])('round-trips %s', (_, obj) => {
    expect(roundTrip(obj)).toEqual(expected(obj));
  });

  it('puts kind and apiVersion first, as upstream JSON does', () => {
    expect(Object.keys(roundTrip(deployment)).slice(0, 2)).toEqual(['kind', 'apiVersion']);
  });

  it('keeps a zero pointer (maxUnavailable: 0) but drops omitempty zero scalars, as Go JSON does', () => {
    const d = roundTrip({ ...deployment, spec: { ...(deployment.spec as JsonObject), minReadySeconds: 0, paused: false } });
    const spec = d.spec as JsonObject;
    expect(spec).not.toHaveProperty('minReadySeconds');
    expect(spec).not.toHaveProperty('paused');
    expect((spec.strategy as JsonObject).rollingUpdate).toEqual({ maxUnavailable: 0, maxSurge: '25%' });
    // Deployment.spec.replicas is *int32; autoscaling/v1 Scale.spec.replicas is an omitempty int32
    expect((roundTrip({ ...deployment, spec: { ...(deployment.spec as JsonObject), replicas: 0 } }).spec as JsonObject).replicas).toBe(0);
    expect(roundTrip({ kind: 'Scale', apiVersion: 'autoscaling/v1', metadata: { name: 'web' }, spec: { replicas: 0 } }).spec).toEqual({});
  });

  it('normalizes times to UTC seconds, as Go marshals metav1.Time', () => {
    const ns = roundTrip({ ...namespace, metadata: { name: 'n', creationTimestamp: '2024-05-01T12:00:00.75+02:00' } });
    expect((ns.metadata as JsonObject).creationTimestamp).toBe('2024-05-01T10:00:00Z');
  });

  it('drops fields its schema does not know, such as nested apiVersion/kind', () => {
    const list = roundTrip({ kind: 'ConfigMapList', apiVersion: 'v1', metadata: {}, items: [{ kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'a' }, bogus: 1 }] });
    expect(list.items).toEqual([{ metadata: { name: 'a' } }]);
  });

  it('reports the field path of a value it cannot encode', () => {
    const bad = { ...deployment, spec: { ...(deployment.spec as JsonObject), replicas: 'three' } };
    expect(() => encodeProtobufObject(bad)).toThrow('spec.replicas: expected an integer, got string');
    expect(() => encodeProtobufObject({ kind: 'Widget', apiVersion: 'example.com/v1' })).toThrow(ProtobufError);
  });

  it('answers unknown kinds with 415 and malformed bodies with 400', () => {
    const widget = catchError(() => decodeProtobufObject(new Uint8Array([0x6b, 0x38, 0x73, 0x00, 0x0a, 0x16, 0x0a, 0x0e, ...Buffer.from('example.com/v1'), 0x12, 0x04, ...Buffer.from('Nope')])));
    expect([widget.reason, widget.code, widget.message]).toEqual(['UnknownKind', 415, 'no kind "Nope" is registered for version "example.com/v1"']);
    const full = encodeProtobufObject(deployment);
    const truncated = catchError(() => decodeProtobufObject(full.subarray(0, full.length - 30)));
    expect([truncated.reason, truncated.code]).toEqual(['Malformed', 400]);
    const json = catchError(() => decodeProtobufObject(Buffer.from(JSON.stringify(deployment))));
    expect([json.reason, json.code]).toEqual(['NotProtobuf', 400]);
  });

  it('takes the kind from the request when the envelope leaves it out', () => {
    const raw = decodeEnvelope(encodeProtobufObject(namespace)).raw;
    const bare = new Writer().tag(2, WireType.Bytes).bytes(raw).finish();
    const env = Buffer.concat([Buffer.from([0x6b, 0x38, 0x73, 0x00]), bare]);
    expect(decodeProtobufObject(env, { apiVersion: 'v1', kind: 'Namespace' }).obj.metadata).toMatchObject({ name: 'prod' });
    expect(catchError(() => decodeProtobufObject(env)).reason).toBe('Malformed');
  });

  it('frames watch events with a length, a bare WatchEvent and an embedded enveloped object', () => {
    const frame = encodeProtobufWatchEvent('MODIFIED', deployment);
    const len = new DataView(frame.buffer, frame.byteOffset).getUint32(0, false);
    expect(len).toBe(frame.length - 4);
    // No k8s\0 magic on the event itself: client-go reads it with the raw stream serializer.
    expect(hasProtobufMagic(frame.subarray(4))).toBe(false);
    const event = schemas.decode('meta.v1.WatchEvent', frame.subarray(4)) as JsonObject;
    expect(event.type).toBe('MODIFIED');
    expect(event.object).toEqual(expected(deployment));
    // The object's own bytes are exactly what a get in protobuf returns.
    const fieldsOf = (buf: Uint8Array) => {
      const r = new Reader(buf);
      const out = new Map<number, Uint8Array>();
      while (!r.done()) {
        const { field, wireType } = r.tag();
        if (wireType === WireType.Bytes) out.set(field, r.bytes());
        else r.skip(wireType);
      }
      return out;
    };
    const embedded = fieldsOf(fieldsOf(frame.subarray(4)).get(2)!).get(1);
    expect(embedded && Buffer.from(embedded).equals(Buffer.from(encodeProtobufObject(deployment)))).toBe(true);
  });
});

describe('request bodies recorded from kubectl 1.32', () => {
  const recorded = readdirSync(fixtures).filter((f) => f.endsWith('.pb')).map((f) => f.slice(0, -3));
  const load = (name: string) => new Uint8Array(readFileSync(path.join(fixtures, `${name}.pb`)));
  const decode = (name: string) => decodeProtobufObject(load(name)).obj;

  it('has the recordings', () => {
    expect(recorded).toEqual(expect.arrayContaining([
      'namespace', 'configmap', 'secret', 'serviceaccount', 'deployment', 'job', 'cronjob', 'token', 'selfsubjectaccessreview',
    ]));
  });

  it.each(recorded)('%s re-encodes to the very bytes kubectl sent', (name) => {
    const body = load(name);
    expect(Buffer.from(encodeProtobufObject(decodeProtobufObject(body).obj)).equals(Buffer.from(body))).toBe(true);
  });

  it.each(recorded.filter((n) => existsSync(path.join(fixtures, `${n}.json`))))(
    '%s decodes to the JSON kubectl prints for --dry-run=client -o json',
    (name) => {
      const printed = JSON.parse(readFileSync(path.join(fixtures, `${name}.json`), 'utf8')) as unknown;
      expect(decode(name)).toEqual(withoutNulls(printed)); // Go prints a zero metav1.Time as null
    },
  );

  it('kubectl create namespace x', () => {
    expect(decode('namespace')).toEqual({ kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'x' }, spec: {}, status: {} });
  });

  it('kubectl create configmap c --from-literal=a=b --from-literal=empty= --from-file=blob=<binary>', () => {
    expect(decode('configmap')).toEqual({
      kind: 'ConfigMap',
      apiVersion: 'v1',
      metadata: { name: 'c' },
      data: { a: 'b', empty: '' },
      binaryData: { blob: Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x0a, 0x7f, 0xc3, 0x28]).toString('base64') },
    });
  });

  it('kubectl create secret generic s --from-literal=k=v --from-file=blob=<binary>', () => {
    const s = decode('secret');
    expect(s.data).toEqual({ blob: 'AP/+gAp/wyg=', k: Buffer.from('v').toString('base64') });
    expect(s).not.toHaveProperty('type'); // kubectl leaves it empty; the server defaults Opaque
    expect(decode('secret-docker-registry')).toMatchObject({ type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': expect.any(String) } });
  });

  it('kubectl create serviceaccount sa', () => {
    expect(decode('serviceaccount')).toEqual({ kind: 'ServiceAccount', apiVersion: 'v1', metadata: { name: 'sa' } });
  });

  it('kubectl create deployment d --image=busybox --replicas=2 --port=8080', () => {
    const d = decode('deployment');
    expect(d.metadata).toEqual({ name: 'd', labels: { app: 'd' } });
    expect(d.spec).toEqual({
      replicas: 2,
      selector: { matchLabels: { app: 'd' } },
      template: {
        metadata: { labels: { app: 'd' } },
        spec: { containers: [{ name: 'busybox', image: 'busybox', ports: [{ containerPort: 8080 }], resources: {} }] },
      },
      strategy: {},
    });
  });

  it('kubectl create job j --image=busybox -- sh -c "echo hi"', () => {
    const spec = (decode('job').spec as JsonObject).template as JsonObject;
    expect(spec.spec).toEqual({ containers: [{ name: 'j', image: 'busybox', command: ['sh', '-c', 'echo hi'], resources: {} }], restartPolicy: 'Never' });
  });

  it('kubectl create cronjob cj --schedule="*/5 * * * *"', () => {
    const cj = decode('cronjob');
    expect(cj.apiVersion).toBe('batch/v1');
    expect((cj.spec as JsonObject).schedule).toBe('*/5 * * * *');
    expect(((cj.spec as JsonObject).jobTemplate as JsonObject).metadata).toEqual({ name: 'cj' });
  });

  it('kubectl create service clusterip svc --tcp=80:8080 --tcp=443:https', () => {
    expect((decode('service').spec as JsonObject).ports).toEqual([
      { name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 },
      { name: '443-https', protocol: 'TCP', port: 443, targetPort: 'https' },
    ]);
  });

  it('kubectl create token sa --duration=1h --audience=api --audience=vault', () => {
    expect(decode('token')).toMatchObject({
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      spec: { audiences: ['api', 'vault'], expirationSeconds: 3600 },
    });
  });

  it('kubectl auth can-i create deployments.apps -n prod', () => {
    expect(decode('selfsubjectaccessreview')).toEqual({
      kind: 'SelfSubjectAccessReview',
      apiVersion: 'authorization.k8s.io/v1',
      metadata: {},
      spec: { resourceAttributes: { namespace: 'prod', verb: 'create', group: 'apps', resource: 'deployments' } },
      status: { allowed: false }, // a non-omitempty bool, as upstream's JSON shows it
    });
  });
});

/** What an object reads back as: itself, in the JSON form (undefined keys gone). */
function expected(obj: JsonObject): JsonObject {
  return JSON.parse(JSON.stringify(obj)) as JsonObject;
}

function withoutNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutNulls);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null).map(([k, x]) => [k, withoutNulls(x)]));
  }
  return v;
}

function catchError(fn: () => unknown): ProtobufError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ProtobufError) return err;
    throw err;
  }
  throw new Error('expected a ProtobufError');
}
