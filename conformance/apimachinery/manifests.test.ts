// A directory of realistic manifests, written as people write them for upstream Kubernetes
// (manifests/: a web shop's namespaces, workloads, networking, storage, RBAC, policy, admission,
// a CRD and its objects), applied unchanged with the real kubectl: client-side, then, after
// `kubectl delete -f`, server-side. Every type reads back through `kubectl get` by its short name,
// and `kubectl get -o yaml` shows exactly the fields upstream's API server defaults (its
// pkg/apis/<group>/<version>/defaults.go, the registry strategies' PrepareForCreate and the Go
// serialisation of k8s.io/api types: zero structs written `{}`, zero times `null`, nil lists
// without omitempty `null`).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import path from 'node:path';
import { load, CORE_SCHEMA } from 'js-yaml';
import { startSystem, type System } from '../harness/system.ts';
import { kubectl, kubectlOk } from '../harness/kubectl.ts';

const dir = path.join(import.meta.dirname, 'manifests');
const customDir = path.join(dir, 'custom');
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

type Obj = { apiVersion: string; kind: string; metadata: Record<string, unknown> & { name: string; namespace?: string; uid: string }; [k: string]: unknown };

let sys: System;
beforeAll(async () => { sys = await startSystem(); });
afterAll(async () => { await sys?.stop(); });

/** Every object in a manifest directory, as `kubectl get -f <dir> -o yaml` prints it (parsed). */
async function objectsOf(from: string): Promise<Map<string, Obj>> {
  const list = load(await kubectlOk(sys, ['get', '-f', from, '-o', 'yaml']), { schema: CORE_SCHEMA }) as { items: Obj[] };
  return new Map(list.items.map((o) => [key(o.kind, o.metadata.namespace, o.metadata.name), o]));
}

const key = (kind: string, namespace: string | undefined, name: string) => `${kind} ${namespace ? `${namespace}/` : ''}${name}`;

/** The object without what the server stamps per write (identity, versions, managed fields, kubectl's own annotation). */
function view(o: Obj, keepStatus: boolean): Record<string, unknown> {
  const v = structuredClone(o) as Record<string, unknown> & { metadata: Record<string, unknown> };
  for (const k of ['uid', 'resourceVersion', 'creationTimestamp', 'managedFields']) delete v.metadata[k];
  const ann = v.metadata.annotations as Record<string, string> | undefined;
  if (ann) {
    delete ann[LAST_APPLIED];
    if (Object.keys(ann).length === 0) delete v.metadata.annotations;
  }
  if (!keepStatus) delete v.status;
  return v;
}

// What SetDefaults_Container, _Probe and _PodSpec add to every container and pod template.
// (Quantities read back canonical: the manifests' `cpu: "0.25"`, `memory: 1024Mi`, `102400Mi`
// are `250m`, `1Gi`, `100Gi` here.)
const container = (c: Record<string, unknown>) => ({ resources: {}, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', ...c });
const probe = (p: Record<string, unknown>) => ({ timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3, ...p });
const podSpec = (s: Record<string, unknown>) => ({ dnsPolicy: 'ClusterFirst', restartPolicy: 'Always', schedulerName: 'default-scheduler', securityContext: {}, terminationGracePeriodSeconds: 30, ...s });
const template = (labels: Record<string, string> | undefined, spec: Record<string, unknown>, annotations?: Record<string, string>) => ({
  metadata: { creationTimestamp: null, ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) }, spec: podSpec(spec),
});

/** Whether the PV controller has bound this volume or claim (it may not have yet when the test reads it). */
const boundByController = (o: Obj) => !!(o.metadata.annotations as Record<string, string> | undefined)?.['pv.kubernetes.io/bound-by-controller'];
/** Whether the PV controller handed this claim to its class's provisioner. */
const handedToProvisioner = (o: Obj) => !!(o.metadata.annotations as Record<string, string> | undefined)?.['volume.kubernetes.io/storage-provisioner'];

interface Expected {
  /** The whole object as upstream's -o yaml prints it, less view()'s fields. */
  object: (raw: Obj) => Record<string, unknown>;
  /** Compare status too (only where it is the API server's alone, not a controller's). */
  status?: boolean;
}

/** Upstream's answer for every object in manifests/ (keyed `Kind namespace/name`). */
function expectations(ipRange: RegExp): Record<string, Expected> {
  const ip = expect.stringMatching(ipRange);
  const nodePort = expect.any(Number);
  const storefront = (kind: string, apiVersion: string, name: string, rest: Record<string, unknown>, metadata: Record<string, unknown> = {}) =>
    ({ apiVersion, kind, metadata: { name, namespace: 'storefront', ...metadata }, ...rest });
  const cluster = (kind: string, apiVersion: string, name: string, rest: Record<string, unknown>, metadata: Record<string, unknown> = {}) =>
    ({ apiVersion, kind, metadata: { name, ...metadata }, ...rest });
  const webLabels = { 'app.kubernetes.io/name': 'web', 'app.kubernetes.io/part-of': 'storefront' };
  return {
    // --- 00-namespaces.yaml
    'Namespace storefront': {
      status: true,
      object: () => cluster('Namespace', 'v1', 'storefront', { spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } }, {
        labels: { team: 'shop', 'pod-security.kubernetes.io/enforce': 'baseline', 'kubernetes.io/metadata.name': 'storefront' },
      }),
    },
    'Namespace observability': {
      status: true,
      object: () => cluster('Namespace', 'v1', 'observability', { spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } }, {
        labels: { team: 'platform', 'kubernetes.io/metadata.name': 'observability' },
      }),
    },
    'LimitRange storefront/container-defaults': {
      object: () => storefront('LimitRange', 'v1', 'container-defaults', {
        spec: {
          limits: [
            { type: 'Container', default: { cpu: '500m', memory: '256Mi' }, defaultRequest: { cpu: '100m', memory: '64Mi' }, max: { cpu: '2', memory: '1Gi' } },
            { type: 'PersistentVolumeClaim', min: { storage: '100Mi' }, max: { storage: '10Gi' } },
          ],
        },
      }),
    },
    // --- 01-cluster.yaml
    'PriorityClass storefront-critical': {
      object: () => cluster('PriorityClass', 'scheduling.k8s.io/v1', 'storefront-critical', {
        value: 100000, globalDefault: false, description: 'Customer-facing storefront pods.', preemptionPolicy: 'PreemptLowerPriority',
      }),
    },
    'PriorityClass batch-low': {
      object: () => cluster('PriorityClass', 'scheduling.k8s.io/v1', 'batch-low', { value: -10, preemptionPolicy: 'Never', description: 'Batch work that never preempts.' }),
    },
    'RuntimeClass gvisor': {
      object: () => cluster('RuntimeClass', 'node.k8s.io/v1', 'gvisor', {
        handler: 'runsc', overhead: { podFixed: { cpu: '100m', memory: '20Mi' } },
        scheduling: { nodeSelector: { runtime: 'gvisor' }, tolerations: [{ key: 'runtime', operator: 'Equal', value: 'gvisor', effect: 'NoSchedule' }] },
      }),
    },
    'StorageClass fast-ssd': {
      object: () => cluster('StorageClass', 'storage.k8s.io/v1', 'fast-ssd', {
        provisioner: 'csi.example.com', parameters: { type: 'ssd' }, allowVolumeExpansion: true, volumeBindingMode: 'WaitForFirstConsumer', reclaimPolicy: 'Delete',
      }, { annotations: { 'storageclass.kubernetes.io/is-default-class': 'false' } }),
    },
    'StorageClass archive': {
      object: () => cluster('StorageClass', 'storage.k8s.io/v1', 'archive', {
        provisioner: 'csi.example.com', parameters: { type: 'hdd' }, reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate',
      }),
    },
    'CSIDriver csi.example.com': {
      object: () => cluster('CSIDriver', 'storage.k8s.io/v1', 'csi.example.com', {
        spec: {
          attachRequired: true, podInfoOnMount: true, volumeLifecycleModes: ['Persistent'],
          fsGroupPolicy: 'ReadWriteOnceWithFSType', requiresRepublish: false, seLinuxMount: false, storageCapacity: false,
        },
      }),
    },
    'CSIDriver secrets-store.csi.example.com': {
      object: () => cluster('CSIDriver', 'storage.k8s.io/v1', 'secrets-store.csi.example.com', {
        spec: {
          attachRequired: true, podInfoOnMount: false, volumeLifecycleModes: ['Persistent'],
          fsGroupPolicy: 'ReadWriteOnceWithFSType', requiresRepublish: false, seLinuxMount: false, storageCapacity: false,
        },
      }),
    },
    'IngressClass nginx': {
      object: () => cluster('IngressClass', 'networking.k8s.io/v1', 'nginx', {
        spec: { controller: 'k8s.io/ingress-nginx', parameters: { apiGroup: 'k8s.example.com', kind: 'IngressParameters', name: 'external-lb', scope: 'Cluster' } },
      }, { annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' }, generation: 1 }),
    },
    'ClusterRole storefront-operator': {
      // The aggregation controller fills the rules from the selected roles, sorted by name.
      object: () => cluster('ClusterRole', 'rbac.authorization.k8s.io/v1', 'storefront-operator', {
        aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'rbac.example.com/aggregate-to-storefront-operator': 'true' } }] },
        rules: [
          { apiGroups: ['shop.example.com'], resources: ['widgets', 'widgets/status'], verbs: ['*'] },
          { apiGroups: ['apps'], resources: ['deployments', 'statefulsets'], verbs: ['get', 'list', 'watch', 'update', 'patch'] },
          { apiGroups: ['apps'], resources: ['deployments/scale'], verbs: ['update', 'patch'] },
        ],
      }),
    },
    'ClusterRole storefront-operator-workloads': {
      object: () => cluster('ClusterRole', 'rbac.authorization.k8s.io/v1', 'storefront-operator-workloads', {
        rules: [
          { apiGroups: ['apps'], resources: ['deployments', 'statefulsets'], verbs: ['get', 'list', 'watch', 'update', 'patch'] },
          { apiGroups: ['apps'], resources: ['deployments/scale'], verbs: ['update', 'patch'] },
        ],
      }, { labels: { 'rbac.example.com/aggregate-to-storefront-operator': 'true' } }),
    },
    'ClusterRole storefront-operator-widgets': {
      object: () => cluster('ClusterRole', 'rbac.authorization.k8s.io/v1', 'storefront-operator-widgets', {
        rules: [{ apiGroups: ['shop.example.com'], resources: ['widgets', 'widgets/status'], verbs: ['*'] }],
      }, { labels: { 'rbac.example.com/aggregate-to-storefront-operator': 'true' } }),
    },
    'ClusterRoleBinding storefront-operators': {
      object: () => cluster('ClusterRoleBinding', 'rbac.authorization.k8s.io/v1', 'storefront-operators', {
        subjects: [{ kind: 'Group', name: 'storefront-oncall', apiGroup: 'rbac.authorization.k8s.io' }],
        roleRef: { kind: 'ClusterRole', name: 'storefront-operator', apiGroup: 'rbac.authorization.k8s.io' },
      }),
    },
    'PriorityLevelConfiguration storefront-batch': {
      status: true,
      object: () => cluster('PriorityLevelConfiguration', 'flowcontrol.apiserver.k8s.io/v1', 'storefront-batch', {
        spec: {
          type: 'Limited',
          limited: { nominalConcurrencyShares: 30, lendablePercent: 0, limitResponse: { type: 'Queue', queuing: { queues: 16, handSize: 8, queueLengthLimit: 50 } } },
        },
        status: {},
      }, { generation: 1 }),
    },
    'FlowSchema storefront-batch': {
      object: () => cluster('FlowSchema', 'flowcontrol.apiserver.k8s.io/v1', 'storefront-batch', {
        spec: {
          priorityLevelConfiguration: { name: 'storefront-batch' }, matchingPrecedence: 1000, distinguisherMethod: { type: 'ByUser' },
          rules: [{
            subjects: [{ kind: 'ServiceAccount', serviceAccount: { name: 'report-runner', namespace: 'storefront' } }],
            resourceRules: [
              { verbs: ['list', 'get'], apiGroups: ['*'], resources: ['*'], namespaces: ['*'] },
              { verbs: ['list'], apiGroups: [''], resources: ['nodes'], clusterScope: true, namespaces: null },
            ],
          }],
        },
      }, { generation: 1 }),
    },
    // --- 10-web.yaml
    'ServiceAccount storefront/web': {
      object: () => storefront('ServiceAccount', 'v1', 'web', {}, { labels: { 'app.kubernetes.io/name': 'web' } }),
    },
    'ConfigMap storefront/web-config': {
      object: () => storefront('ConfigMap', 'v1', 'web-config', {
        data: { LOG_LEVEL: 'info', CACHE_TTL: '300', 'nginx.conf': 'server {\n  listen 8080;\n  location / { proxy_pass http://127.0.0.1:3000; }\n}\n' },
      }, { labels: { 'app.kubernetes.io/name': 'web' } }),
    },
    'Secret storefront/web-credentials': {
      // stringData is folded into data, base64-encoded.
      object: () => storefront('Secret', 'v1', 'web-credentials', {
        type: 'Opaque',
        data: { 'api-key': 'c2VjcmV0LWFwaS1rZXk=', DATABASE_URL: Buffer.from('postgres://shop:hunter2@orders-db:5432/shop').toString('base64') },
      }),
    },
    'Secret storefront/web-tls': {
      object: () => storefront('Secret', 'v1', 'web-tls', { type: 'kubernetes.io/tls', data: { 'tls.crt': expect.stringMatching(/^LS0t/), 'tls.key': expect.stringMatching(/^LS0t/) } }),
    },
    'Role storefront/web-config-reader': {
      object: () => storefront('Role', 'rbac.authorization.k8s.io/v1', 'web-config-reader', {
        rules: [
          { apiGroups: [''], resources: ['configmaps'], resourceNames: ['web-config'], verbs: ['get', 'watch'] },
          { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
        ],
      }),
    },
    'RoleBinding storefront/web-config-reader': {
      // A ServiceAccount subject's group is "", which Subject.apiGroup (omitempty) never writes.
      object: () => storefront('RoleBinding', 'rbac.authorization.k8s.io/v1', 'web-config-reader', {
        subjects: [{ kind: 'ServiceAccount', name: 'web', namespace: 'storefront' }],
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'web-config-reader' },
      }),
    },
    'Deployment storefront/web': {
      object: () => storefront('Deployment', 'apps/v1', 'web', {
        spec: {
          replicas: 3, selector: { matchLabels: { 'app.kubernetes.io/name': 'web' } },
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
          revisionHistoryLimit: 10, progressDeadlineSeconds: 600,
          template: template(webLabels, {
            serviceAccountName: 'web', serviceAccount: 'web', priorityClassName: 'storefront-critical',
            containers: [
              container({
                name: 'web', image: 'registry.example.com/storefront/web:1.14.2', imagePullPolicy: 'IfNotPresent', args: ['--config', '/etc/web/nginx.conf'],
                ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }, { name: 'metrics', containerPort: 9090, protocol: 'TCP' }],
                env: [
                  { name: 'LOG_LEVEL', valueFrom: { configMapKeyRef: { name: 'web-config', key: 'LOG_LEVEL' } } },
                  { name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'web-credentials', key: 'DATABASE_URL' } } },
                  { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
                  { name: 'GOMAXPROCS', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '0' } } },
                ],
                envFrom: [{ configMapRef: { name: 'web-config' } }],
                resources: { requests: { cpu: '250m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } },
                readinessProbe: probe({ httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP' } }),
                livenessProbe: probe({ tcpSocket: { port: 8080 }, initialDelaySeconds: 10 }),
                lifecycle: { preStop: { httpGet: { path: '/drain', port: 8080, scheme: 'HTTP' } } },
                volumeMounts: [
                  { name: 'config', mountPath: '/etc/web', readOnly: true }, { name: 'tls', mountPath: '/etc/tls' },
                  { name: 'cache', mountPath: '/var/cache/web' }, { name: 'vault-token', mountPath: '/var/run/secrets/vault', readOnly: true },
                ],
              }),
              container({ name: 'sidecar', image: 'busybox', imagePullPolicy: 'Always', command: ['sh', '-c', 'while true; do sleep 3600; done'] }),
            ],
            volumes: [
              { name: 'config', configMap: { name: 'web-config', defaultMode: 420 } },
              { name: 'tls', secret: { secretName: 'web-tls', defaultMode: 420 } },
              { name: 'cache', emptyDir: { sizeLimit: '1Gi' } },
              {
                name: 'podinfo',
                downwardAPI: {
                  defaultMode: 420,
                  items: [
                    { path: 'labels', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.labels' } },
                    { path: 'cpu-limit', resourceFieldRef: { containerName: 'web', resource: 'limits.cpu', divisor: '1m' } },
                  ],
                },
              },
              {
                name: 'vault-token',
                projected: {
                  defaultMode: 420,
                  sources: [
                    { serviceAccountToken: { audience: 'vault', path: 'token', expirationSeconds: 3600 } },
                    { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
                  ],
                },
              },
            ],
          }, { 'prometheus.io/scrape': 'true' }),
        },
      }, { labels: webLabels, generation: 1, annotations: { 'deployment.kubernetes.io/revision': '1' } }),
    },
    'Service storefront/web': {
      status: true,
      object: () => storefront('Service', 'v1', 'web', {
        spec: {
          type: 'ClusterIP', selector: { 'app.kubernetes.io/name': 'web' }, clusterIP: ip, clusterIPs: [ip],
          ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack', internalTrafficPolicy: 'Cluster', sessionAffinity: 'None',
          ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' }, { name: 'metrics', port: 9090, protocol: 'TCP', targetPort: 9090 }],
        },
        status: { loadBalancer: {} },
      }, { labels: { 'app.kubernetes.io/name': 'web' } }),
    },
    'Service storefront/web-public': {
      object: () => storefront('Service', 'v1', 'web-public', {
        spec: {
          type: 'LoadBalancer', selector: { 'app.kubernetes.io/name': 'web' }, clusterIP: ip, clusterIPs: [ip],
          ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack', internalTrafficPolicy: 'Cluster', externalTrafficPolicy: 'Cluster',
          allocateLoadBalancerNodePorts: true, sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
          ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 8080, nodePort }],
        },
      }),
    },
    'HorizontalPodAutoscaler storefront/web': {
      // No metadata.generation: 1.32's HPA strategy tracks none. A given behavior is filled in.
      object: () => storefront('HorizontalPodAutoscaler', 'autoscaling/v2', 'web', {
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 3, maxReplicas: 12,
          metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
          behavior: {
            scaleDown: { stabilizationWindowSeconds: 600, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] },
            scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] },
          },
        },
      }),
    },
    'PodDisruptionBudget storefront/web': {
      object: () => storefront('PodDisruptionBudget', 'policy/v1', 'web', { spec: { minAvailable: 2, selector: { matchLabels: { 'app.kubernetes.io/name': 'web' } } } }, { generation: 1 }),
    },
    'Ingress storefront/web': {
      status: true,
      object: () => storefront('Ingress', 'networking.k8s.io/v1', 'web', {
        spec: {
          ingressClassName: 'nginx',
          tls: [{ hosts: ['shop.example.com'], secretName: 'web-tls' }],
          rules: [{
            host: 'shop.example.com',
            http: {
              paths: [
                { path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { name: 'http' } } } },
                { path: '/metrics', pathType: 'Exact', backend: { service: { name: 'web', port: { number: 9090 } } } },
              ],
            },
          }],
        },
        status: { loadBalancer: {} },
      }, { generation: 1, annotations: { 'nginx.ingress.kubernetes.io/proxy-body-size': '8m' } }),
    },
    'NetworkPolicy storefront/web-ingress': {
      object: () => storefront('NetworkPolicy', 'networking.k8s.io/v1', 'web-ingress', {
        spec: {
          podSelector: { matchLabels: { 'app.kubernetes.io/name': 'web' } },
          ingress: [
            { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }], ports: [{ port: 8080, protocol: 'TCP' }] },
            { from: [{ podSelector: {} }] },
          ],
          policyTypes: ['Ingress'],
        },
      }, { generation: 1 }),
    },
    'NetworkPolicy storefront/default-deny-egress': {
      object: () => storefront('NetworkPolicy', 'networking.k8s.io/v1', 'default-deny-egress', {
        spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: {} }], ports: [{ port: 53, protocol: 'UDP' }] }] },
      }, { generation: 1 }),
    },
    // --- 15-worker.yaml
    'Deployment storefront/order-worker': {
      object: () => storefront('Deployment', 'apps/v1', 'order-worker', {
        spec: {
          replicas: 1, selector: { matchLabels: { app: 'order-worker' } }, strategy: { type: 'Recreate' }, revisionHistoryLimit: 10, progressDeadlineSeconds: 600,
          template: template({ app: 'order-worker' }, {
            terminationGracePeriodSeconds: 60,
            containers: [container({
              name: 'worker', image: 'registry.example.com/storefront/worker:latest', imagePullPolicy: 'Always',
              env: [{ name: 'QUEUE', value: 'orders' }], ports: [{ name: 'grpc', containerPort: 9000, protocol: 'TCP' }],
              livenessProbe: probe({ grpc: { port: 9000, service: '' }, periodSeconds: 20 }),
              volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }],
            })],
            volumes: [{
              name: 'scratch',
              ephemeral: {
                volumeClaimTemplate: {
                  metadata: { creationTimestamp: null, labels: { app: 'order-worker' } },
                  spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'fast-ssd', resources: { requests: { storage: '2Gi' } }, volumeMode: 'Filesystem' },
                },
              },
            }],
          }),
        },
      }, { generation: 1, annotations: { 'deployment.kubernetes.io/revision': '1' } }),
    },
    'HorizontalPodAutoscaler storefront/order-worker': {
      object: () => storefront('HorizontalPodAutoscaler', 'autoscaling/v1', 'order-worker', {
        spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'order-worker' }, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 80 },
      }),
    },
    'Lease storefront/order-worker-leader': {
      object: () => storefront('Lease', 'coordination.k8s.io/v1', 'order-worker-leader', { spec: { holderIdentity: 'order-worker-0', leaseDurationSeconds: 15 } }),
    },
    // --- 20-database.yaml
    'Service storefront/orders-db': {
      // Headless with a selector: single-stack, as any other service.
      object: () => storefront('Service', 'v1', 'orders-db', {
        spec: {
          type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'], selector: { app: 'orders-db' }, ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack',
          internalTrafficPolicy: 'Cluster', sessionAffinity: 'None', ports: [{ name: 'postgres', port: 5432, protocol: 'TCP', targetPort: 5432 }],
        },
      }, { labels: { app: 'orders-db' } }),
    },
    'StatefulSet storefront/orders-db': {
      object: () => storefront('StatefulSet', 'apps/v1', 'orders-db', {
        spec: {
          serviceName: 'orders-db', replicas: 2, selector: { matchLabels: { app: 'orders-db' } },
          podManagementPolicy: 'OrderedReady', revisionHistoryLimit: 10,
          updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
          persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
          template: template({ app: 'orders-db' }, {
            securityContext: { fsGroup: 999 },
            initContainers: [container({
              name: 'init-permissions', image: 'busybox:1.36', imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', 'chown -R 999:999 /var/lib/postgresql/data'],
              volumeMounts: [{ name: 'data', mountPath: '/var/lib/postgresql/data' }],
            })],
            containers: [container({
              name: 'postgres', image: 'postgres:16.2', imagePullPolicy: 'IfNotPresent', ports: [{ name: 'postgres', containerPort: 5432, protocol: 'TCP' }],
              env: [
                { name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' },
                { name: 'POSTGRES_PASSWORD', valueFrom: { secretKeyRef: { name: 'web-credentials', key: 'api-key' } } },
              ],
              readinessProbe: probe({ exec: { command: ['pg_isready', '-U', 'postgres'] }, periodSeconds: 5 }),
              volumeMounts: [{ name: 'data', mountPath: '/var/lib/postgresql/data' }],
            })],
          }),
          // Claim templates are whole PersistentVolumeClaims: typed, defaulted, status Pending.
          volumeClaimTemplates: [{
            apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { creationTimestamp: null, name: 'data' },
            spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'fast-ssd', resources: { requests: { storage: '1Gi' } }, volumeMode: 'Filesystem' },
            status: { phase: 'Pending' },
          }],
        },
      }, { generation: 1 }),
    },
    // --- 30-logging.yaml
    'ServiceAccount observability/log-agent': {
      object: () => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'log-agent', namespace: 'observability' }, automountServiceAccountToken: true }),
    },
    'ConfigMap observability/log-agent': {
      object: () => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'log-agent', namespace: 'observability' }, data: { 'fluent-bit.conf': '[INPUT]\n    Name tail\n    Path /var/log/containers/*.log\n' } }),
    },
    'DaemonSet observability/log-agent': {
      object: () => ({
        apiVersion: 'apps/v1', kind: 'DaemonSet',
        metadata: { name: 'log-agent', namespace: 'observability', labels: { 'app.kubernetes.io/name': 'log-agent' }, generation: 1, annotations: { 'deprecated.daemonset.template.generation': '1' } },
        spec: {
          selector: { matchLabels: { 'app.kubernetes.io/name': 'log-agent' } }, revisionHistoryLimit: 10,
          updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
          template: template({ 'app.kubernetes.io/name': 'log-agent' }, {
            serviceAccountName: 'log-agent', serviceAccount: 'log-agent',
            tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }],
            containers: [container({
              name: 'fluent-bit', image: 'fluent/fluent-bit:3.0.4', imagePullPolicy: 'IfNotPresent', resources: { limits: { memory: '200Mi' } },
              volumeMounts: [{ name: 'varlog', mountPath: '/var/log', readOnly: true }, { name: 'config', mountPath: '/fluent-bit/etc/' }],
            })],
            volumes: [{ name: 'varlog', hostPath: { path: '/var/log', type: '' } }, { name: 'config', configMap: { name: 'log-agent', defaultMode: 0o444 } }],
          }),
        },
      }),
    },
    'Lease observability/log-agent-leader': {
      object: () => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'log-agent-leader', namespace: 'observability' }, spec: {} }),
    },
    // --- 40-batch.yaml
    'Job storefront/migrate-schema': {
      // The selector and the pods' labels are generated from the Job's uid.
      object: (raw) => {
        const uid = raw.metadata.uid;
        const labels = { 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': 'migrate-schema', 'controller-uid': uid, 'job-name': 'migrate-schema' };
        return storefront('Job', 'batch/v1', 'migrate-schema', {
          spec: {
            parallelism: 1, completions: 1, backoffLimit: 6, completionMode: 'NonIndexed', suspend: false, manualSelector: false,
            podReplacementPolicy: 'TerminatingOrFailed', selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } },
            template: template(labels, {
              restartPolicy: 'Never', priorityClassName: 'batch-low',
              containers: [container({ name: 'migrate', image: 'registry.example.com/storefront/migrate:2024.05', imagePullPolicy: 'IfNotPresent', command: ['/migrate', 'up'] })],
            }),
          },
        }, { generation: 1, labels });
      },
    },
    'CronJob storefront/nightly-report': {
      object: () => storefront('CronJob', 'batch/v1', 'nightly-report', {
        spec: {
          schedule: '30 2 * * *', concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1,
          // A job template's spec is not a Job: it takes the pod template's defaults only.
          jobTemplate: {
            metadata: { creationTimestamp: null },
            spec: {
              template: template(undefined, {
                restartPolicy: 'OnFailure',
                containers: [container({ name: 'report', image: 'registry.example.com/storefront/report:1.2.0', imagePullPolicy: 'IfNotPresent', args: ['--since', '24h'] })],
              }),
            },
          },
        },
      }, { generation: 1 }),
    },
    // --- 50-legacy.yaml
    'ReplicationController storefront/legacy-api': {
      // The selector and the controller's labels default to the template's labels.
      object: () => storefront('ReplicationController', 'v1', 'legacy-api', {
        spec: {
          replicas: 2, selector: { app: 'legacy-api' },
          template: template({ app: 'legacy-api' }, {
            containers: [container({ name: 'api', image: 'registry.example.com/storefront/legacy-api:0.9', imagePullPolicy: 'IfNotPresent', ports: [{ containerPort: 8000, protocol: 'TCP' }] })],
          }),
        },
      }, { labels: { app: 'legacy-api' }, generation: 1 }),
    },
    'Service storefront/legacy-api': {
      object: () => storefront('Service', 'v1', 'legacy-api', {
        spec: {
          type: 'NodePort', selector: { app: 'legacy-api' }, clusterIP: ip, clusterIPs: [ip], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack',
          internalTrafficPolicy: 'Cluster', externalTrafficPolicy: 'Cluster', sessionAffinity: 'None',
          ports: [{ port: 8000, protocol: 'TCP', targetPort: 8000, nodePort }],
        },
      }),
    },
    'ReplicaSet storefront/canary': {
      object: () => storefront('ReplicaSet', 'apps/v1', 'canary', {
        spec: {
          replicas: 1, selector: { matchLabels: { track: 'canary' } },
          template: template({ track: 'canary' }, { containers: [container({ name: 'web', image: 'registry.example.com/storefront/web:1.15.0-rc.1', imagePullPolicy: 'IfNotPresent' })] }),
        },
      }, { labels: { track: 'canary' }, generation: 1 }),
    },
    'PodTemplate storefront/debug-shell': {
      object: () => storefront('PodTemplate', 'v1', 'debug-shell', {
        template: template({ purpose: 'debug' }, {
          containers: [container({ name: 'shell', image: 'busybox:1.36', imagePullPolicy: 'IfNotPresent', command: ['sleep', 'infinity'], stdin: true, tty: true })],
        }),
      }, { generation: 1 }),
    },
    'Pod storefront/toolbox': {
      // A pod also gets SetDefaults_Pod (requests from limits, enableServiceLinks) and what the
      // built-in admission plugins add: LimitRanger's defaults and annotation, the Priority
      // plugin's priority and preemption policy, DefaultTolerationSeconds' tolerations and the
      // ServiceAccount plugin's default account and its projected token volume.
      object: (raw) => {
        const tokenVolume = (raw.spec as { volumes?: Array<{ name: string }> }).volumes?.[0]?.name ?? 'kube-api-access-?????';
        expect(tokenVolume).toMatch(/^kube-api-access-[a-z0-9]{5}$/);
        const mounts = [{ name: tokenVolume, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }];
        return storefront('Pod', 'v1', 'toolbox', {
          spec: podSpec({
            containers: [
              container({
                name: 'toolbox', image: 'busybox:1.36', imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'], ports: [{ containerPort: 8081, protocol: 'TCP' }],
                resources: { limits: { cpu: '200m', memory: '64Mi' }, requests: { cpu: '200m', memory: '64Mi' } },
                startupProbe: probe({ httpGet: { path: '/', port: 8081, scheme: 'HTTP' }, failureThreshold: 30 }), volumeMounts: mounts,
              }),
              container({
                name: 'helper', image: 'busybox', imagePullPolicy: 'Always', command: ['sleep', '3600'],
                resources: { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '100m', memory: '64Mi' } }, volumeMounts: mounts,
              }),
            ],
            enableServiceLinks: true, priority: 0, preemptionPolicy: 'PreemptLowerPriority', serviceAccountName: 'default', serviceAccount: 'default',
            tolerations: [
              { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
              { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
            ],
            volumes: [{
              name: tokenVolume,
              projected: {
                defaultMode: 420,
                sources: [
                  { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
                  { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
                  { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
                ],
              },
            }],
          }),
        }, {
          labels: { purpose: 'debug' },
          annotations: { 'kubernetes.io/limit-ranger': 'LimitRanger plugin set: cpu, memory request for container helper; cpu, memory limit for container helper' },
        });
      },
    },
    'ControllerRevision storefront/web-config-snapshot-1': {
      object: () => storefront('ControllerRevision', 'apps/v1', 'web-config-snapshot-1', { data: { spec: { replicas: 3 } }, revision: 1 }, { labels: { 'snapshot-of': 'web-config' } }),
    },
    // --- 60-storage.yaml
    'Node storage-node-1': {
      // NodeStatus' daemonEndpoints and nodeInfo are structs whose fields have no omitempty. A
      // node whose kubelet never reports is given conditions and not-ready taints by the node
      // lifecycle controller once its start-up grace period is over: those are the controller's.
      status: true,
      object: (raw) => cluster('Node', 'v1', 'storage-node-1', {
        spec: {
          taints: [
            { key: 'example.com/storage-only', value: 'true', effect: 'NoSchedule' },
            ...((raw.spec as { taints: Array<{ key: string }> }).taints.slice(1).map((t) => ({ ...t, key: expect.stringMatching(/^node\.kubernetes\.io\//) }))),
          ],
        },
        status: {
          ...((raw.status as { conditions?: unknown }).conditions ? { conditions: expect.any(Array) } : {}),
          daemonEndpoints: { kubeletEndpoint: { Port: 0 } },
          nodeInfo: {
            machineID: '', systemUUID: '', bootID: '', kernelVersion: '', osImage: '', containerRuntimeVersion: '', kubeletVersion: '',
            kubeProxyVersion: '', operatingSystem: '', architecture: '',
          },
        },
      }, { labels: { 'kubernetes.io/hostname': 'storage-node-1', 'topology.kubernetes.io/zone': 'zone-a' } }),
    },
    'CSINode storage-node-1': {
      object: () => cluster('CSINode', 'storage.k8s.io/v1', 'storage-node-1', {
        spec: {
          drivers: [
            { name: 'csi.example.com', nodeID: 'storage-node-1', topologyKeys: ['topology.kubernetes.io/zone'], allocatable: { count: 16 } },
            { name: 'secrets-store.csi.example.com', nodeID: 'storage-node-1', topologyKeys: null },
          ],
        },
      }),
    },
    'PersistentVolume reports-archive': {
      object: (raw) => cluster('PersistentVolume', 'v1', 'reports-archive', {
        spec: {
          capacity: { storage: '5Gi' }, accessModes: ['ReadWriteMany'], storageClassName: 'archive',
          csi: { driver: 'csi.example.com', volumeHandle: 'vol-0123456789abcdef', fsType: 'ext4' },
          persistentVolumeReclaimPolicy: 'Retain', volumeMode: 'Filesystem',
          // The claim a volume controller binds it to, if one runs.
          ...((raw.spec as { claimRef?: unknown }).claimRef ? { claimRef: expect.objectContaining({ name: 'reports', namespace: 'storefront' }) } : {}),
        },
      }, {
        labels: { type: 'archive' },
        // What StorageObjectInUseProtection admission and a volume binder add, where they run.
        ...(raw.metadata.finalizers ? { finalizers: ['kubernetes.io/pv-protection'] } : {}),
        ...(boundByController(raw) ? { annotations: { 'pv.kubernetes.io/bound-by-controller': 'yes' } } : {}),
      }),
    },
    'PersistentVolumeClaim storefront/reports': {
      object: (raw) => storefront('PersistentVolumeClaim', 'v1', 'reports', {
        spec: {
          accessModes: ['ReadWriteMany'], storageClassName: 'archive', selector: { matchLabels: { type: 'archive' } },
          resources: { requests: { storage: '5Gi' } }, volumeMode: 'Filesystem',
          ...((raw.spec as { volumeName?: string }).volumeName ? { volumeName: 'reports-archive' } : {}),
        },
      }, {
        ...(raw.metadata.finalizers ? { finalizers: ['kubernetes.io/pvc-protection'] } : {}),
        ...(boundByController(raw) || handedToProvisioner(raw) ? {
          annotations: {
            ...(boundByController(raw) ? { 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes' } : {}),
            // A sync that ran before the volume was Available hands the claim to its class's
            // provisioner, as upstream's PV controller does; the annotations stay after the bind.
            ...(handedToProvisioner(raw) ? { 'volume.kubernetes.io/storage-provisioner': 'csi.example.com', 'volume.beta.kubernetes.io/storage-provisioner': 'csi.example.com' } : {}),
          },
        } : {}),
      }),
    },
    'VolumeAttachment csi-reports-archive-storage-node-1': {
      status: true,
      object: () => cluster('VolumeAttachment', 'storage.k8s.io/v1', 'csi-reports-archive-storage-node-1', {
        spec: { attacher: 'csi.example.com', nodeName: 'storage-node-1', source: { persistentVolumeName: 'reports-archive' } },
        status: { attached: false },
      }),
    },
    'CSIStorageCapacity storefront/csisc-fast-ssd-zone-a': {
      object: () => storefront('CSIStorageCapacity', 'storage.k8s.io/v1', 'csisc-fast-ssd-zone-a', {
        storageClassName: 'fast-ssd', capacity: '100Gi', maximumVolumeSize: '20Gi', nodeTopology: { matchLabels: { 'topology.kubernetes.io/zone': 'zone-a' } },
      }),
    },
    // --- 70-external.yaml
    'Service storefront/payments-gateway': {
      object: () => storefront('Service', 'v1', 'payments-gateway', {
        spec: {
          type: 'ClusterIP', clusterIP: ip, clusterIPs: [ip], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack', internalTrafficPolicy: 'Cluster',
          sessionAffinity: 'None', ports: [{ port: 443, protocol: 'TCP', targetPort: 443 }],
        },
      }),
    },
    'Endpoints storefront/payments-gateway': {
      object: () => storefront('Endpoints', 'v1', 'payments-gateway', { subsets: [{ addresses: [{ ip: '192.0.2.10' }, { ip: '192.0.2.11' }], ports: [{ port: 443, protocol: 'TCP' }] }] }),
    },
    'EndpointSlice storefront/payments-gateway-manual': {
      // An unnamed port is named "" (a defaulted *string), and an endpoint's conditions struct is always written.
      object: () => storefront('EndpointSlice', 'discovery.k8s.io/v1', 'payments-gateway-manual', {
        addressType: 'IPv4',
        ports: [{ name: '', port: 443, protocol: 'TCP' }],
        endpoints: [{ addresses: ['192.0.2.10'], conditions: { ready: true }, zone: 'zone-a' }, { addresses: ['192.0.2.11'], conditions: {} }],
      }, { generation: 1, labels: { 'kubernetes.io/service-name': 'payments-gateway', 'endpointslice.kubernetes.io/managed-by': 'storefront-operator' } }),
    },
    'Service storefront/mail': {
      status: true,
      object: () => storefront('Service', 'v1', 'mail', { spec: { type: 'ExternalName', externalName: 'smtp.mail.example.com', sessionAffinity: 'None' }, status: { loadBalancer: {} } }),
    },
    'Service storefront/warehouse': {
      // Headless without a selector: upstream asks for both families, even on a single-stack cluster.
      object: () => storefront('Service', 'v1', 'warehouse', {
        spec: {
          type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'], ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'RequireDualStack',
          internalTrafficPolicy: 'Cluster', sessionAffinity: 'None', ports: [{ name: 'postgres', port: 5432, protocol: 'TCP', targetPort: 5432 }],
        },
      }),
    },
    'Endpoints storefront/warehouse': {
      object: () => storefront('Endpoints', 'v1', 'warehouse', {
        subsets: [{ addresses: [{ ip: '192.0.2.20', hostname: 'warehouse-0' }], ports: [{ name: 'postgres', port: 5432, protocol: 'TCP' }] }],
      }),
    },
    // --- 75-events.yaml
    'Event storefront/web.deploy-started': {
      // Zero times are written null; reportingComponent and reportingInstance have no omitempty.
      object: () => storefront('Event', 'v1', 'web.deploy-started', {
        involvedObject: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'storefront' },
        reason: 'DeployStarted', message: 'Release 2024.05.1 rolling out', type: 'Normal', source: { component: 'release-bot' },
        firstTimestamp: null, lastTimestamp: null, eventTime: null, reportingComponent: '', reportingInstance: '',
      }),
    },
    'Event storefront/web.deploy-finished': {
      object: () => storefront('Event', 'events.k8s.io/v1', 'web.deploy-finished', {
        eventTime: '2024-05-01T10:00:00.000000Z', reportingController: 'example.com/release-bot', reportingInstance: 'release-bot-7d9f',
        action: 'Rollout', reason: 'DeployFinished', note: 'Release 2024.05.1 rolled out', type: 'Normal',
        regarding: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'storefront' },
        deprecatedSource: {}, deprecatedFirstTimestamp: null, deprecatedLastTimestamp: null,
      }),
    },
    // --- 80-admission.yaml
    'ValidatingWebhookConfiguration storefront-validator': {
      object: () => cluster('ValidatingWebhookConfiguration', 'admissionregistration.k8s.io/v1', 'storefront-validator', {
        webhooks: [{
          name: 'validate.widgets.shop.example.com',
          clientConfig: { service: { name: 'widget-webhook', namespace: 'storefront', path: '/validate', port: 443 } },
          rules: [{ apiGroups: ['shop.example.com'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['widgets'], scope: '*' }],
          objectSelector: { matchLabels: { 'webhooks.shop.example.com/enabled': 'true' } }, namespaceSelector: {},
          sideEffects: 'None', admissionReviewVersions: ['v1'], failurePolicy: 'Fail', matchPolicy: 'Equivalent', timeoutSeconds: 10,
        }],
      }, { generation: 1 }),
    },
    'MutatingWebhookConfiguration storefront-injector': {
      object: () => cluster('MutatingWebhookConfiguration', 'admissionregistration.k8s.io/v1', 'storefront-injector', {
        webhooks: [{
          name: 'inject.sidecars.shop.example.com',
          clientConfig: { service: { name: 'sidecar-injector', namespace: 'storefront', port: 443 } },
          rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'], scope: '*' }],
          objectSelector: { matchLabels: { 'sidecar.shop.example.com/inject': 'true' } }, namespaceSelector: {},
          sideEffects: 'None', admissionReviewVersions: ['v1', 'v1beta1'], failurePolicy: 'Fail', matchPolicy: 'Equivalent',
          reinvocationPolicy: 'Never', timeoutSeconds: 10,
        }],
      }, { generation: 1 }),
    },
    'ValidatingAdmissionPolicy replica-limit': {
      object: () => cluster('ValidatingAdmissionPolicy', 'admissionregistration.k8s.io/v1', 'replica-limit', {
        spec: {
          failurePolicy: 'Fail',
          matchConstraints: {
            matchPolicy: 'Equivalent', namespaceSelector: {}, objectSelector: {},
            resourceRules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments'], scope: '*' }],
          },
          validations: [{ expression: 'object.spec.replicas <= 20', message: 'at most 20 replicas' }],
        },
      }, { generation: 1 }),
    },
    'ValidatingAdmissionPolicyBinding replica-limit-storefront': {
      object: () => cluster('ValidatingAdmissionPolicyBinding', 'admissionregistration.k8s.io/v1', 'replica-limit-storefront', {
        spec: {
          policyName: 'replica-limit', validationActions: ['Deny'],
          matchResources: { matchPolicy: 'Equivalent', namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'storefront' } }, objectSelector: {} },
        },
      }, { generation: 1 }),
    },
    // --- 85-certificates.yaml
    'CertificateSigningRequest jane': {
      // The requestor is recorded from the request's user (the admin kubeconfig's client certificate).
      status: true,
      object: () => cluster('CertificateSigningRequest', 'certificates.k8s.io/v1', 'jane', {
        spec: {
          request: expect.stringMatching(/^LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNU/), signerName: 'kubernetes.io/kube-apiserver-client', expirationSeconds: 86400,
          usages: ['client auth'], username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'],
        },
        status: {},
      }),
    },
    // --- 90-widgets-crd.yaml
    'CustomResourceDefinition widgets.shop.example.com': {
      status: true,
      object: () => cluster('CustomResourceDefinition', 'apiextensions.k8s.io/v1', 'widgets.shop.example.com', {
        spec: {
          group: 'shop.example.com', scope: 'Namespaced', conversion: { strategy: 'None' },
          names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList', shortNames: ['wg'], categories: ['storefront'] },
          versions: [{
            name: 'v1', served: true, storage: true,
            subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' } },
            additionalPrinterColumns: [
              { name: 'Color', type: 'string', jsonPath: '.spec.color' },
              { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
              { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
            ],
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  spec: {
                    type: 'object', required: ['color'],
                    properties: {
                      color: { type: 'string', enum: ['red', 'green', 'blue'] },
                      replicas: { type: 'integer', minimum: 0, default: 1 },
                      size: { type: 'string', default: 'medium' },
                    },
                  },
                  status: { type: 'object', properties: { replicas: { type: 'integer' } } },
                },
              },
            },
          }],
        },
        status: {
          acceptedNames: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList', shortNames: ['wg'], categories: ['storefront'] },
          conditions: [
            { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found', lastTransitionTime: expect.any(String) },
            { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted', lastTransitionTime: expect.any(String) },
          ],
          storedVersions: ['v1'],
        },
      }, { generation: 1, finalizers: ['customresourcecleanup.apiextensions.k8s.io'] }),
    },
    // --- 95-quota.yaml
    'ResourceQuota storefront/storefront': {
      object: () => storefront('ResourceQuota', 'v1', 'storefront', {
        spec: {
          hard: {
            pods: '50', services: '20', 'services.loadbalancers': '2', 'services.nodeports': '4', persistentvolumeclaims: '10',
            'requests.storage': '50Gi', 'count/deployments.apps': '10', 'count/widgets.shop.example.com': '20',
          },
        },
      }),
    },
  };
}

/** The custom resources: the CRD's structural schema defaults what they leave out. */
const widgetExpectations: Record<string, Expected> = {
  'Widget storefront/homepage-banner': {
    object: () => ({ apiVersion: 'shop.example.com/v1', kind: 'Widget', metadata: { name: 'homepage-banner', namespace: 'storefront', generation: 1 }, spec: { color: 'blue', replicas: 1, size: 'medium' } }),
  },
  'Widget storefront/checkout-button': {
    object: () => ({ apiVersion: 'shop.example.com/v1', kind: 'Widget', metadata: { name: 'checkout-button', namespace: 'storefront', generation: 1 }, spec: { color: 'green', replicas: 3, size: 'large' } }),
  },
};

/** `a.b.c.0/24` → a pattern for addresses in it. */
function rangePattern(cidr: string): RegExp {
  const prefix = cidr.split('.').slice(0, 3).join('\\.');
  return new RegExp(`^${prefix}\\.\\d{1,3}$`);
}

/** Asserts every object of the directory (and the custom resources) reads back as upstream's. */
async function expectUpstreamDefaults(): Promise<void> {
  const want = expectations(rangePattern(sys.serviceClusterIPRange));
  const got = await objectsOf(dir);
  expect([...got.keys()].sort()).toEqual(Object.keys(want).sort());
  for (const [k, exp] of Object.entries(want)) {
    const raw = got.get(k)!;
    expect(view(raw, !!exp.status), k).toEqual(exp.object(raw));
  }
  for (const svc of ['web-public', 'legacy-api']) {
    const port = (got.get(`Service storefront/${svc}`)!.spec as { ports: Array<{ nodePort: number }> }).ports[0]!.nodePort;
    expect(port, svc).toBeGreaterThanOrEqual(30000);
    expect(port, svc).toBeLessThanOrEqual(32767);
  }
  const widgets = await objectsOf(customDir);
  expect([...widgets.keys()].sort()).toEqual(Object.keys(widgetExpectations).sort());
  for (const [k, exp] of Object.entries(widgetExpectations)) expect(view(widgets.get(k)!, false), k).toEqual(exp.object(widgets.get(k)!));
}

/** Retries a kubectl command while it fails (a controller or cache catching up), for up to `ms`. */
async function eventuallyOk(args: string[], ms = 10_000): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const r = await kubectl(sys, args);
    if (r.code === 0) return r.stdout;
    if (Date.now() > deadline) throw new Error(`${r.command} kept failing:\n${r.stderr}`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

/** Waits until the aggregation controller has filled the aggregated ClusterRole, the quota controller the quota's status and the deployment controller the revisions. */
async function controllersCaughtUp(): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const rules = await kubectl(sys, ['get', 'clusterrole', 'storefront-operator', '-o', 'jsonpath={.rules[*].apiGroups}']);
    const used = await kubectl(sys, ['get', 'quota', 'storefront', '-n', 'storefront', '-o', 'jsonpath={.status.used.services}']);
    const revisions = await kubectl(sys, ['get', 'deploy', '-n', 'storefront', '-o', 'jsonpath={.items[*].metadata.annotations.deployment\\.kubernetes\\.io/revision}']);
    if (rules.stdout.includes('shop.example.com') && rules.stdout.includes('apps') && used.stdout === '7' && revisions.stdout === '1 1') return;
    if (Date.now() > deadline) throw new Error(`controllers did not catch up: rules ${rules.stdout}, quota services used ${used.stdout}, revisions ${revisions.stdout}`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

// The short names (or plural names, where upstream has none) every type is listed by.
const NAMESPACED = 'cm,secret,sa,role,rolebinding,deploy,svc,hpa,pdb,ing,netpol,lease,sts,job,cj,rc,rs,podtemplate,po,controllerrevision,pvc,csistoragecapacity,ep,endpointslice,limits,quota,wg';
const CLUSTER = 'ns,pc,runtimeclass,sc,csidriver,ingressclass,clusterrole,clusterrolebinding,flowschema,prioritylevelconfiguration,no,csinode,pv,volumeattachment,validatingwebhookconfiguration,mutatingwebhookconfiguration,validatingadmissionpolicy,validatingadmissionpolicybinding,csr,crd';

describe('a directory of realistic manifests, applied unchanged', () => {
  it('applies client-side (kubectl apply -f <dir>), and kubectl get lists every type by its short name', async () => {
    const out = await kubectlOk(sys, ['apply', '-f', dir]);
    const names = (await kubectlOk(sys, ['get', '-f', dir, '-o', 'name'])).trim().split('\n');
    expect(names).toHaveLength(Object.keys(expectations(/./)).length);
    for (const n of names) expect(out).toContain(`${n} created`);
    // The CRD is established at once: its objects apply right after.
    const widgets = await eventuallyOk(['apply', '-f', customDir]);
    expect(widgets).toContain('widget.shop.example.com/homepage-banner created');
    expect(widgets).toContain('widget.shop.example.com/checkout-button created');

    // One table per type: every object of the directory has its row, under upstream's columns.
    const tables = (await kubectlOk(sys, ['get', NAMESPACED, '-n', 'storefront'])) + (await kubectlOk(sys, ['get', `${NAMESPACED},ds`, '-n', 'observability']))
      + (await kubectlOk(sys, ['get', CLUSTER]));
    const rows = new Set(tables.split('\n').map((l) => l.split(/\s+/)[0]));
    for (const n of [...names, 'widget.shop.example.com/homepage-banner', 'widget.shop.example.com/checkout-button']) {
      if (n.startsWith('event')) continue; // an Event's table has no NAME column: below
      expect(rows, n).toContain(n);
    }
    expect(tables).toMatch(/NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\ndeployment\.apps\/order-worker/);
    expect(tables).toMatch(/NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE\n/);
    expect(tables).toMatch(/NAME\s+COLOR\s+REPLICAS\s+AGE\nwidget\.shop\.example\.com\/checkout-button\s+green\s+3\s/);
    const events = await kubectlOk(sys, ['get', 'ev', '-n', 'storefront', '--field-selector', 'reason=DeployStarted']);
    expect(events).toMatch(/^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE\n.*Normal\s+DeployStarted\s+deployment\/web\s+Release 2024\.05\.1 rolling out/);
    const finished = await kubectlOk(sys, ['get', 'events.events.k8s.io', 'web.deploy-finished', '-n', 'storefront', '-o', 'name']);
    expect(finished.trim()).toBe('event.events.k8s.io/web.deploy-finished');
    expect(await kubectlOk(sys, ['get', 'cs'])).toMatch(/^NAME\s+STATUS\s+MESSAGE\s+ERROR\n/);
  });

  it('reads every object back with upstream\'s defaults (kubectl get -o yaml)', async () => {
    await controllersCaughtUp();
    await expectUpstreamDefaults();
  });

  it('deletes them with kubectl delete -f, applies them again server-side, with the same defaults', async () => {
    await kubectlOk(sys, ['delete', '-f', customDir, '--ignore-not-found']);
    // Deleting the namespaces takes their contents (kubectl's own wait, at its client-side 5
    // requests a second, would take longer than the deletions: poll the whole directory instead).
    const deleted = await kubectlOk(sys, ['delete', '-f', dir, '--ignore-not-found', '--wait=false']);
    expect(deleted).toContain('namespace "storefront" deleted');
    const deadline = Date.now() + 30_000;
    let left = '';
    do {
      left = (await kubectlOk(sys, ['get', '-f', dir, '-o', 'name', '--ignore-not-found'])).trim();
      if (left) await new Promise((res) => setTimeout(res, 250));
    } while (left && Date.now() < deadline);
    expect(left).toBe('');

    const out = await kubectlOk(sys, ['apply', '--server-side', '-f', dir]);
    const names = (await kubectlOk(sys, ['get', '-f', dir, '-o', 'name'])).trim().split('\n');
    for (const n of names) expect(out).toContain(`${n} serverside-applied`);
    const widgets = await eventuallyOk(['apply', '--server-side', '-f', customDir]);
    expect(widgets).toContain('widget.shop.example.com/checkout-button serverside-applied');
    // Server-side apply records no last-applied annotation; the field manager is kubectl's.
    const cm = load(await kubectlOk(sys, ['get', 'cm', 'web-config', '-n', 'storefront', '-o', 'yaml', '--show-managed-fields']), { schema: CORE_SCHEMA }) as Obj;
    expect((cm.metadata.annotations as Record<string, string> | undefined)?.[LAST_APPLIED]).toBeUndefined();
    expect(cm.metadata.managedFields).toContainEqual(expect.objectContaining({ manager: 'kubectl', operation: 'Apply' }));

    await controllersCaughtUp();
    await expectUpstreamDefaults();
  });
});
