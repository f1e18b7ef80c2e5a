// The API Priority and Fairness objects a kube-apiserver creates at start-up (upstream's
// apiserver/pkg/apis/flowcontrol/bootstrap, release-1.32): the mandatory exempt and catch-all
// pairs, and the suggested priority levels and flow schemas.
import type { KubeObject } from '../../types.ts';

const annotations = { 'apf.kubernetes.io/autoupdate-spec': 'true' };

const plc = (name: string, spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'flowcontrol.apiserver.k8s.io/v1', kind: 'PriorityLevelConfiguration', metadata: { name, annotations: { ...annotations } }, spec,
});

const limited = (shares: number, lendable: number, queues: number, handSize: number, queueLengthLimit: number) => ({
  type: 'Limited',
  limited: { nominalConcurrencyShares: shares, lendablePercent: lendable, limitResponse: { type: 'Queue', queuing: { queues, handSize, queueLengthLimit } } },
});

export const mandatoryPriorityLevels: KubeObject[] = [
  plc('catch-all', { type: 'Limited', limited: { nominalConcurrencyShares: 5, lendablePercent: 0, limitResponse: { type: 'Reject' } } }),
  plc('exempt', { type: 'Exempt', exempt: { nominalConcurrencyShares: 0, lendablePercent: 0 } }),
];

export const suggestedPriorityLevels: KubeObject[] = [
  plc('system', limited(30, 33, 64, 6, 50)),
  plc('node-high', limited(40, 25, 64, 6, 50)),
  plc('leader-election', limited(10, 0, 16, 4, 50)),
  plc('workload-high', limited(40, 50, 128, 6, 50)),
  plc('workload-low', limited(100, 90, 128, 6, 50)),
  plc('global-default', limited(20, 50, 128, 6, 50)),
];

type Subject = Record<string, unknown>;
const groups = (...names: string[]): Subject[] => names.map((name) => ({ kind: 'Group', group: { name } }));
const users = (...names: string[]): Subject[] => names.map((name) => ({ kind: 'User', user: { name } }));
const kubeSystemSAs = (...names: string[]): Subject[] => names.map((name) => ({ kind: 'ServiceAccount', serviceAccount: { name, namespace: 'kube-system' } }));
const resourceRule = (verbs: string[], apiGroups: string[], resources: string[], namespaces: string[], clusterScope: boolean) =>
  ({ verbs, apiGroups, resources, ...(clusterScope ? { clusterScope: true } : {}), namespaces });
const everything = { resourceRules: [resourceRule(['*'], ['*'], ['*'], ['*'], true)], nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }] };

const fs = (name: string, pl: string, precedence: number, distinguisher: string, ...rules: Array<Record<string, unknown>>): KubeObject => ({
  apiVersion: 'flowcontrol.apiserver.k8s.io/v1', kind: 'FlowSchema', metadata: { name, annotations: { ...annotations } },
  spec: {
    priorityLevelConfiguration: { name: pl }, matchingPrecedence: precedence,
    ...(distinguisher ? { distinguisherMethod: { type: distinguisher } } : {}), rules,
  },
});

export const mandatoryFlowSchemas: KubeObject[] = [
  fs('exempt', 'exempt', 1, '', { subjects: groups('system:masters'), ...everything }),
  fs('catch-all', 'catch-all', 10000, 'ByUser', { subjects: groups('system:unauthenticated', 'system:authenticated'), ...everything }),
];

export const suggestedFlowSchemas: KubeObject[] = [
  fs('system-nodes', 'system', 500, 'ByUser', { subjects: groups('system:nodes'), ...everything }),
  fs('system-node-high', 'node-high', 400, 'ByUser', {
    subjects: groups('system:nodes'),
    resourceRules: [resourceRule(['*'], [''], ['nodes', 'nodes/status'], ['*'], true), resourceRule(['*'], ['coordination.k8s.io'], ['leases'], ['*'], false)],
  }),
  fs('probes', 'exempt', 2, '', {
    subjects: groups('system:unauthenticated', 'system:authenticated'),
    nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/healthz', '/readyz', '/livez'] }],
  }),
  fs('system-leader-election', 'leader-election', 100, 'ByUser', {
    subjects: [...users('system:kube-controller-manager', 'system:kube-scheduler'), ...kubeSystemSAs('*')],
    resourceRules: [resourceRule(['get', 'create', 'update'], ['coordination.k8s.io'], ['leases'], ['*'], false)],
  }),
  fs('workload-leader-election', 'leader-election', 200, 'ByUser', {
    subjects: kubeSystemSAs('*'),
    resourceRules: [
      resourceRule(['get', 'create', 'update'], [''], ['endpoints', 'configmaps'], ['*'], false),
      resourceRule(['get', 'create', 'update'], ['coordination.k8s.io'], ['leases'], ['*'], false),
    ],
  }),
  fs('endpoint-controller', 'workload-high', 150, 'ByUser', {
    subjects: [...users('system:kube-controller-manager'), ...kubeSystemSAs('endpoint-controller', 'endpointslicemirroring-controller')],
    resourceRules: [resourceRule(['get', 'create', 'update'], [''], ['endpoints'], ['*'], false)],
  }),
  fs('kube-controller-manager', 'workload-high', 800, 'ByNamespace', { subjects: users('system:kube-controller-manager'), ...everything }),
  fs('kube-scheduler', 'workload-high', 800, 'ByNamespace', { subjects: users('system:kube-scheduler'), ...everything }),
  fs('kube-system-service-accounts', 'workload-high', 900, 'ByNamespace', { subjects: kubeSystemSAs('*'), ...everything }),
  fs('service-accounts', 'workload-low', 9000, 'ByUser', { subjects: groups('system:serviceaccounts'), ...everything }),
  fs('global-default', 'global-default', 9900, 'ByUser', { subjects: groups('system:unauthenticated', 'system:authenticated'), ...everything }),
];

/** In creation order: priority levels before the flow schemas that name them. */
export const bootstrapObjects: KubeObject[] = [
  ...mandatoryPriorityLevels, ...suggestedPriorityLevels, ...mandatoryFlowSchemas, ...suggestedFlowSchemas,
];

export const mandatorySpec = (kind: 'FlowSchema' | 'PriorityLevelConfiguration', name: string): Record<string, unknown> | undefined =>
  (kind === 'FlowSchema' ? mandatoryFlowSchemas : mandatoryPriorityLevels).find((o) => o.metadata?.name === name)?.spec as Record<string, unknown> | undefined;
