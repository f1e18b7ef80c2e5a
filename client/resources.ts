// The built-in resources components name directly, typed by client-node's models.
import type {
  V1ConfigMap, V1ControllerRevision, V1CronJob, V1DaemonSet, V1Deployment, V1Endpoints, V1EndpointSlice, V1Job,
  V1Namespace, V1Node, V1PersistentVolume, V1PersistentVolumeClaim, V1Pod, V1PodDisruptionBudget, V1PriorityClass,
  V1ReplicaSet, V1ReplicationController, V1Secret, V1Service, V1ServiceAccount, V1StatefulSet, V1StorageClass,
} from '@kubernetes/client-node';
import { resource } from './rest.ts';

export const namespaces = resource<V1Namespace>('v1/namespaces', { model: 'V1Namespace', kind: 'Namespace', namespaced: false });
export const serviceAccounts = resource<V1ServiceAccount>('v1/serviceaccounts', { model: 'V1ServiceAccount', kind: 'ServiceAccount', namespaced: true });
export const configMaps = resource<V1ConfigMap>('v1/configmaps', { model: 'V1ConfigMap', kind: 'ConfigMap', namespaced: true });
export const secrets = resource<V1Secret>('v1/secrets', { model: 'V1Secret', kind: 'Secret', namespaced: true });
export const pods = resource<V1Pod>('v1/pods', { model: 'V1Pod', kind: 'Pod', namespaced: true });
export const nodes = resource<V1Node>('v1/nodes', { model: 'V1Node', kind: 'Node', namespaced: false });
export const services = resource<V1Service>('v1/services', { model: 'V1Service', kind: 'Service', namespaced: true });
export const endpoints = resource<V1Endpoints>('v1/endpoints', { model: 'V1Endpoints', kind: 'Endpoints', namespaced: true });
export const replicationControllers = resource<V1ReplicationController>('v1/replicationcontrollers', { model: 'V1ReplicationController', kind: 'ReplicationController', namespaced: true });
export const persistentVolumeClaims = resource<V1PersistentVolumeClaim>('v1/persistentvolumeclaims', { model: 'V1PersistentVolumeClaim', kind: 'PersistentVolumeClaim', namespaced: true });
export const persistentVolumes = resource<V1PersistentVolume>('v1/persistentvolumes', { model: 'V1PersistentVolume', kind: 'PersistentVolume', namespaced: false });
export const storageClasses = resource<V1StorageClass>('storage.k8s.io/v1/storageclasses', { model: 'V1StorageClass', kind: 'StorageClass', namespaced: false });
export const endpointSlices = resource<V1EndpointSlice>('discovery.k8s.io/v1/endpointslices', { model: 'V1EndpointSlice', kind: 'EndpointSlice', namespaced: true });
export const replicaSets = resource<V1ReplicaSet>('apps/v1/replicasets', { model: 'V1ReplicaSet', kind: 'ReplicaSet', namespaced: true });
export const deployments = resource<V1Deployment>('apps/v1/deployments', { model: 'V1Deployment', kind: 'Deployment', namespaced: true });
export const statefulSets = resource<V1StatefulSet>('apps/v1/statefulsets', { model: 'V1StatefulSet', kind: 'StatefulSet', namespaced: true });
export const daemonSets = resource<V1DaemonSet>('apps/v1/daemonsets', { model: 'V1DaemonSet', kind: 'DaemonSet', namespaced: true });
export const controllerRevisions = resource<V1ControllerRevision>('apps/v1/controllerrevisions', { model: 'V1ControllerRevision', kind: 'ControllerRevision', namespaced: true });
export const jobs = resource<V1Job>('batch/v1/jobs', { model: 'V1Job', kind: 'Job', namespaced: true });
export const cronJobs = resource<V1CronJob>('batch/v1/cronjobs', { model: 'V1CronJob', kind: 'CronJob', namespaced: true });
export const podDisruptionBudgets = resource<V1PodDisruptionBudget>('policy/v1/poddisruptionbudgets', { model: 'V1PodDisruptionBudget', kind: 'PodDisruptionBudget', namespaced: true });
export const priorityClasses = resource<V1PriorityClass>('scheduling.k8s.io/v1/priorityclasses', { model: 'V1PriorityClass', kind: 'PriorityClass', namespaced: false });
export { eventsResource as events } from './events.ts';
export { leasesResource as leases } from './leaderelection.ts';
