// Protobuf schemas of k8s.io/api apps/v1 (kubernetes/api v0.36.3): field numbers and types
// from its generated.proto; JSON names, omitempty and pointers from its Go struct tags.
// Written by ../tools/gen-schemas.ts; change the generator or schema.ts, not this file.

import type { KindTable, MessageSchemas } from '../schema.ts';

export const messages: MessageSchemas = {
  'apps.v1.ControllerRevision': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'data', number: 2, type: 'runtime.RawExtension' },
      { name: 'revision', number: 3, type: 'int64', omitEmpty: false },
    ],
  },
  'apps.v1.ControllerRevisionList': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'apps.v1.ControllerRevision', repeated: true, omitEmpty: false },
    ],
  },
  'apps.v1.DaemonSet': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'spec', number: 2, type: 'apps.v1.DaemonSetSpec' },
      { name: 'status', number: 3, type: 'apps.v1.DaemonSetStatus' },
    ],
  },
  'apps.v1.DaemonSetCondition': {
    fields: [
      { name: 'type', number: 1, type: 'string', omitEmpty: false },
      { name: 'status', number: 2, type: 'string', omitEmpty: false },
      { name: 'lastTransitionTime', number: 3, type: 'meta.v1.Time' },
      { name: 'reason', number: 4, type: 'string' },
      { name: 'message', number: 5, type: 'string' },
    ],
  },
  'apps.v1.DaemonSetList': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'apps.v1.DaemonSet', repeated: true, omitEmpty: false },
    ],
  },
  'apps.v1.DaemonSetSpec': {
    fields: [
      { name: 'selector', number: 1, type: 'meta.v1.LabelSelector', omitEmpty: false, pointer: true },
      { name: 'template', number: 2, type: 'core.v1.PodTemplateSpec', omitEmpty: false },
      { name: 'updateStrategy', number: 3, type: 'apps.v1.DaemonSetUpdateStrategy' },
      { name: 'minReadySeconds', number: 4, type: 'int32' },
      { name: 'revisionHistoryLimit', number: 6, type: 'int32', pointer: true },
    ],
  },
  'apps.v1.DaemonSetStatus': {
    fields: [
      { name: 'currentNumberScheduled', number: 1, type: 'int32', omitEmpty: false },
      { name: 'numberMisscheduled', number: 2, type: 'int32', omitEmpty: false },
      { name: 'desiredNumberScheduled', number: 3, type: 'int32', omitEmpty: false },
      { name: 'numberReady', number: 4, type: 'int32', omitEmpty: false },
      { name: 'observedGeneration', number: 5, type: 'int64' },
      { name: 'updatedNumberScheduled', number: 6, type: 'int32' },
      { name: 'numberAvailable', number: 7, type: 'int32' },
      { name: 'numberUnavailable', number: 8, type: 'int32' },
      { name: 'collisionCount', number: 9, type: 'int32', pointer: true },
      { name: 'conditions', number: 10, type: 'apps.v1.DaemonSetCondition', repeated: true },
    ],
  },
  'apps.v1.DaemonSetUpdateStrategy': {
    fields: [
      { name: 'type', number: 1, type: 'string' },
      { name: 'rollingUpdate', number: 2, type: 'apps.v1.RollingUpdateDaemonSet', pointer: true },
    ],
  },
  'apps.v1.Deployment': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'spec', number: 2, type: 'apps.v1.DeploymentSpec' },
      { name: 'status', number: 3, type: 'apps.v1.DeploymentStatus' },
    ],
  },
  'apps.v1.DeploymentCondition': {
    fields: [
      { name: 'type', number: 1, type: 'string', omitEmpty: false },
      { name: 'status', number: 2, type: 'string', omitEmpty: false },
      { name: 'lastUpdateTime', number: 6, type: 'meta.v1.Time' },
      { name: 'lastTransitionTime', number: 7, type: 'meta.v1.Time' },
      { name: 'reason', number: 4, type: 'string' },
      { name: 'message', number: 5, type: 'string' },
    ],
  },
  'apps.v1.DeploymentList': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'apps.v1.Deployment', repeated: true, omitEmpty: false },
    ],
  },
  'apps.v1.DeploymentSpec': {
    fields: [
      { name: 'replicas', number: 1, type: 'int32', pointer: true },
      { name: 'selector', number: 2, type: 'meta.v1.LabelSelector', omitEmpty: false, pointer: true },
      { name: 'template', number: 3, type: 'core.v1.PodTemplateSpec', omitEmpty: false },
      { name: 'strategy', number: 4, type: 'apps.v1.DeploymentStrategy' },
      { name: 'minReadySeconds', number: 5, type: 'int32' },
      { name: 'revisionHistoryLimit', number: 6, type: 'int32', pointer: true },
      { name: 'paused', number: 7, type: 'bool' },
      { name: 'progressDeadlineSeconds', number: 9, type: 'int32', pointer: true },
    ],
  },
  'apps.v1.DeploymentStatus': {
    fields: [
      { name: 'observedGeneration', number: 1, type: 'int64' },
      { name: 'replicas', number: 2, type: 'int32' },
      { name: 'updatedReplicas', number: 3, type: 'int32' },
      { name: 'readyReplicas', number: 7, type: 'int32' },
      { name: 'availableReplicas', number: 4, type: 'int32' },
      { name: 'unavailableReplicas', number: 5, type: 'int32' },
      { name: 'terminatingReplicas', number: 9, type: 'int32', pointer: true },
      { name: 'conditions', number: 6, type: 'apps.v1.DeploymentCondition', repeated: true },
      { name: 'collisionCount', number: 8, type: 'int32', pointer: true },
    ],
  },
  'apps.v1.DeploymentStrategy': {
    fields: [
      { name: 'type', number: 1, type: 'string' },
      { name: 'rollingUpdate', number: 2, type: 'apps.v1.RollingUpdateDeployment', pointer: true },
    ],
  },
  'apps.v1.ReplicaSet': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'spec', number: 2, type: 'apps.v1.ReplicaSetSpec' },
      { name: 'status', number: 3, type: 'apps.v1.ReplicaSetStatus' },
    ],
  },
  'apps.v1.ReplicaSetCondition': {
    fields: [
      { name: 'type', number: 1, type: 'string', omitEmpty: false },
      { name: 'status', number: 2, type: 'string', omitEmpty: false },
      { name: 'lastTransitionTime', number: 3, type: 'meta.v1.Time' },
      { name: 'reason', number: 4, type: 'string' },
      { name: 'message', number: 5, type: 'string' },
    ],
  },
  'apps.v1.ReplicaSetList': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'apps.v1.ReplicaSet', repeated: true, omitEmpty: false },
    ],
  },
  'apps.v1.ReplicaSetSpec': {
    fields: [
      { name: 'replicas', number: 1, type: 'int32', pointer: true },
      { name: 'minReadySeconds', number: 4, type: 'int32' },
      { name: 'selector', number: 2, type: 'meta.v1.LabelSelector', omitEmpty: false, pointer: true },
      { name: 'template', number: 3, type: 'core.v1.PodTemplateSpec' },
    ],
  },
  'apps.v1.ReplicaSetStatus': {
    fields: [
      { name: 'replicas', number: 1, type: 'int32', omitEmpty: false },
      { name: 'fullyLabeledReplicas', number: 2, type: 'int32' },
      { name: 'readyReplicas', number: 4, type: 'int32' },
      { name: 'availableReplicas', number: 5, type: 'int32' },
      { name: 'terminatingReplicas', number: 7, type: 'int32', pointer: true },
      { name: 'observedGeneration', number: 3, type: 'int64' },
      { name: 'conditions', number: 6, type: 'apps.v1.ReplicaSetCondition', repeated: true },
    ],
  },
  'apps.v1.RollingUpdateDaemonSet': {
    fields: [
      { name: 'maxUnavailable', number: 1, type: 'intstr.IntOrString', pointer: true },
      { name: 'maxSurge', number: 2, type: 'intstr.IntOrString', pointer: true },
    ],
  },
  'apps.v1.RollingUpdateDeployment': {
    fields: [
      { name: 'maxUnavailable', number: 1, type: 'intstr.IntOrString', pointer: true },
      { name: 'maxSurge', number: 2, type: 'intstr.IntOrString', pointer: true },
    ],
  },
  'apps.v1.RollingUpdateStatefulSetStrategy': {
    fields: [
      { name: 'partition', number: 1, type: 'int32', pointer: true },
      { name: 'maxUnavailable', number: 2, type: 'intstr.IntOrString', pointer: true },
    ],
  },
  'apps.v1.StatefulSet': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'spec', number: 2, type: 'apps.v1.StatefulSetSpec' },
      { name: 'status', number: 3, type: 'apps.v1.StatefulSetStatus' },
    ],
  },
  'apps.v1.StatefulSetCondition': {
    fields: [
      { name: 'type', number: 1, type: 'string', omitEmpty: false },
      { name: 'status', number: 2, type: 'string', omitEmpty: false },
      { name: 'lastTransitionTime', number: 3, type: 'meta.v1.Time' },
      { name: 'reason', number: 4, type: 'string' },
      { name: 'message', number: 5, type: 'string' },
    ],
  },
  'apps.v1.StatefulSetList': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'apps.v1.StatefulSet', repeated: true, omitEmpty: false },
    ],
  },
  'apps.v1.StatefulSetOrdinals': {
    fields: [
      { name: 'start', number: 1, type: 'int32', omitEmpty: false },
    ],
  },
  'apps.v1.StatefulSetPersistentVolumeClaimRetentionPolicy': {
    fields: [
      { name: 'whenDeleted', number: 1, type: 'string' },
      { name: 'whenScaled', number: 2, type: 'string' },
    ],
  },
  'apps.v1.StatefulSetSpec': {
    fields: [
      { name: 'replicas', number: 1, type: 'int32', pointer: true },
      { name: 'selector', number: 2, type: 'meta.v1.LabelSelector', omitEmpty: false, pointer: true },
      { name: 'template', number: 3, type: 'core.v1.PodTemplateSpec', omitEmpty: false },
      { name: 'volumeClaimTemplates', number: 4, type: 'core.v1.PersistentVolumeClaim', repeated: true },
      { name: 'serviceName', number: 5, type: 'string', omitEmpty: false },
      { name: 'podManagementPolicy', number: 6, type: 'string' },
      { name: 'updateStrategy', number: 7, type: 'apps.v1.StatefulSetUpdateStrategy' },
      { name: 'revisionHistoryLimit', number: 8, type: 'int32', pointer: true },
      { name: 'minReadySeconds', number: 9, type: 'int32' },
      { name: 'persistentVolumeClaimRetentionPolicy', number: 10, type: 'apps.v1.StatefulSetPersistentVolumeClaimRetentionPolicy', pointer: true },
      { name: 'ordinals', number: 11, type: 'apps.v1.StatefulSetOrdinals', pointer: true },
    ],
  },
  'apps.v1.StatefulSetStatus': {
    fields: [
      { name: 'observedGeneration', number: 1, type: 'int64' },
      { name: 'replicas', number: 2, type: 'int32', omitEmpty: false },
      { name: 'readyReplicas', number: 3, type: 'int32' },
      { name: 'currentReplicas', number: 4, type: 'int32' },
      { name: 'updatedReplicas', number: 5, type: 'int32' },
      { name: 'currentRevision', number: 6, type: 'string' },
      { name: 'updateRevision', number: 7, type: 'string' },
      { name: 'collisionCount', number: 9, type: 'int32', pointer: true },
      { name: 'conditions', number: 10, type: 'apps.v1.StatefulSetCondition', repeated: true },
      { name: 'availableReplicas', number: 11, type: 'int32', omitEmpty: false },
    ],
  },
  'apps.v1.StatefulSetUpdateStrategy': {
    fields: [
      { name: 'type', number: 1, type: 'string' },
      { name: 'rollingUpdate', number: 2, type: 'apps.v1.RollingUpdateStatefulSetStrategy', pointer: true },
    ],
  },
};

export const kinds: KindTable = {
  apiVersion: 'apps/v1',
  kinds: {
    Deployment: 'apps.v1.Deployment',
    DeploymentList: 'apps.v1.DeploymentList',
    StatefulSet: 'apps.v1.StatefulSet',
    StatefulSetList: 'apps.v1.StatefulSetList',
    DaemonSet: 'apps.v1.DaemonSet',
    DaemonSetList: 'apps.v1.DaemonSetList',
    ReplicaSet: 'apps.v1.ReplicaSet',
    ReplicaSetList: 'apps.v1.ReplicaSetList',
    ControllerRevision: 'apps.v1.ControllerRevision',
    ControllerRevisionList: 'apps.v1.ControllerRevisionList',
  },
};
