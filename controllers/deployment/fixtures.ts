// Plain Deployment and ReplicaSet objects for the tests of this folder (tests only).
import type { V1Deployment, V1ReplicaSet } from '@kubernetes/client-node';
import { DESIRED_REPLICAS_ANNOTATION, MAX_REPLICAS_ANNOTATION, POD_TEMPLATE_HASH_LABEL, REVISION_ANNOTATION } from './util.ts';

export interface DeploymentFixture {
  name?: string;
  replicas?: number;
  maxSurge?: number | string;
  maxUnavailable?: number | string;
  recreate?: boolean;
  image?: string;
  generation?: number;
  progressDeadlineSeconds?: number;
  revisionHistoryLimit?: number;
  status?: V1Deployment['status'];
  annotations?: Record<string, string>;
}

export function makeDeployment(o: DeploymentFixture = {}): V1Deployment {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name: o.name ?? 'web', namespace: 'ns', uid: 'd-uid', generation: o.generation ?? 1, ...(o.annotations ? { annotations: { ...o.annotations } } : {}) },
    spec: {
      replicas: o.replicas ?? 10,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: o.image ?? 'img:1' }] } },
      strategy: o.recreate
        ? { type: 'Recreate' }
        : { type: 'RollingUpdate', rollingUpdate: { maxSurge: o.maxSurge ?? '25%', maxUnavailable: o.maxUnavailable ?? '25%' } },
      ...(o.progressDeadlineSeconds !== undefined ? { progressDeadlineSeconds: o.progressDeadlineSeconds } : {}),
      ...(o.revisionHistoryLimit !== undefined ? { revisionHistoryLimit: o.revisionHistoryLimit } : {}),
    },
    status: o.status ?? {},
  };
}

export interface ReplicaSetFixture {
  name: string;
  replicas: number;
  available?: number;
  ready?: number;
  actual?: number;
  image?: string;
  revision?: string;
  created?: string;
  desired?: number;
  max?: number;
  generation?: number;
  observedGeneration?: number;
}

export function makeReplicaSet(o: ReplicaSetFixture): V1ReplicaSet {
  const annotations: Record<string, string> = {};
  if (o.revision !== undefined) annotations[REVISION_ANNOTATION] = o.revision;
  if (o.desired !== undefined) annotations[DESIRED_REPLICAS_ANNOTATION] = String(o.desired);
  if (o.max !== undefined) annotations[MAX_REPLICAS_ANNOTATION] = String(o.max);
  const labels = { app: 'web', [POD_TEMPLATE_HASH_LABEL]: `h-${o.name}` };
  return {
    metadata: {
      name: o.name, namespace: 'ns', uid: `uid-${o.name}`, annotations, labels,
      creationTimestamp: new Date(o.created ?? '2026-01-01T00:00:00Z'), generation: o.generation ?? 1,
    },
    spec: {
      replicas: o.replicas,
      selector: { matchLabels: { ...labels } },
      template: { metadata: { labels: { ...labels } }, spec: { containers: [{ name: 'c', image: o.image ?? `img-${o.name}` }] } },
    },
    status: {
      replicas: o.actual ?? o.replicas, availableReplicas: o.available ?? o.replicas, readyReplicas: o.ready ?? o.available ?? o.replicas,
      observedGeneration: o.observedGeneration ?? o.generation ?? 1,
    },
  };
}
