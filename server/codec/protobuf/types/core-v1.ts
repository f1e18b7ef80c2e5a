// Protobuf schemas of k8s.io/api core/v1 (kubernetes/api v0.36.3): field numbers and types
// from its generated.proto; JSON names, omitempty and pointers from its Go struct tags.
// Written by ../tools/gen-schemas.ts; change the generator or schema.ts, not this file.

import type { KindTable, MessageSchemas } from '../schema.ts';

export const messages: MessageSchemas = {
  'core.v1.AWSElasticBlockStoreVolumeSource': {
    fields: [
      { name: 'volumeID', number: 1, type: 'string', omitEmpty: false },
      { name: 'fsType', number: 2, type: 'string' },
      { name: 'partition', number: 3, type: 'int32' },
      { name: 'readOnly', number: 4, type: 'bool' },
    ],
  },
  'core.v1.Affinity': {
    fields: [
      { name: 'nodeAffinity', number: 1, type: 'core.v1.NodeAffinity', pointer: true },
      { name: 'podAffinity', number: 2, type: 'core.v1.PodAffinity', pointer: true },
      { name: 'podAntiAffinity', number: 3, type: 'core.v1.PodAntiAffinity', pointer: true },
    ],
  },
  'core.v1.AppArmorProfile': {
    fields: [
      { name: 'type', number: 1, type: 'string', omitEmpty: false },
      { name: 'localhostProfile', number: 2, type: 'string', pointer: true },
    ],
  },
  'core.v1.AttachedVolume': {
    fields: [
      { name: 'name', number: 1, type: 'string', omitEmpty: false },
      { name: 'devicePath', number: 2, type: 'string', omitEmpty: false },
    ],
  },
  'core.v1.AvoidPods': {
    fields: [
      { name: 'preferAvoidPods', number: 1, type: 'core.v1.PreferAvoidPodsEntry', repeated: true },
    ],
  },
  'core.v1.AzureDiskVolumeSource': {
    fields: [
      { name: 'diskName', number: 1, type: 'string', omitEmpty: false },
      { name: 'diskURI', number: 2, type: 'string', omitEmpty: false },
      { name: 'cachingMode', number: 3, type: 'string', pointer: true },
      { name: 'fsType', number: 4, type: 'string', pointer: true },
      { name: 'readOnly', number: 5, type: 'bool', pointer: true },
      { name: 'kind', number: 6, type: 'string', pointer: true },
    ],
  },
  'core.v1.AzureFilePersistentVolumeSource': {
    fields: [
      { name: 'secretName', number: 1, type: 'string', omitEmpty: false },
      { name: 'shareName', number: 2, type: 'string', omitEmpty: false },
      { name: 'readOnly', number: 3, type: 'bool' },
      { name: 'secretNamespace', number: 4, type: 'string', omitEmpty: false, pointer: true },
    ],
  },
  'core.v1.AzureFileVolumeSource': {
    fields: [
      { name: 'secretName', number: 1, type: 'string', omitEmpty: false },
      { name: 'shareName', number: 2, type: 'string', omitEmpty: false },
      { name: 'readOnly', number: 3, type: 'bool' },
    ],
  },
  'core.v1.Binding': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'target', number: 2, type: 'core.v1.ObjectReference', omitEmpty: false },
    ],
  },
  'core.v1.CSIPersistentVolumeSource': {
    fields: [
      { name: 'driver', number: 1, type: 'string', omitEmpty: false },
      { name: 'volumeHandle', number: 2, type: 'string', omitEmpty: false },
      { name: 'readOnly', number: 3, type: 'bool' },
      { name: 'fsType', number: 4, type: 'string' },
      { name: 'volumeAttributes', number: 5, type: 'map<string,string>' },
      { name: 'controllerPublishSecretRef', number: 6, type: 'core.v1.SecretReference', pointer: true },
      { name: 'nodeStageSecretRef', number: 7, type: 'core.v1.SecretReference', pointer: true },
      { name: 'nodePublishSecretRef', number: 8, type: 'core.v1.SecretReference', pointer: true },
      { name: 'controllerExpandSecretRef', number: 9, type: 'core.v1.SecretReference', pointer: true },
      { name: 'nodeExpandSecretRef', number: 10, type: 'core.v1.SecretReference', pointer: true },
    ],
  },
  'core.v1.CSIVolumeSource': {
    fields: [
      { name: 'driver', number: 1, type: 'string', omitEmpty: false },
      { name: 'readOnly', number: 2, type: 'bool', pointer: true },
      { name: 'fsType', number: 3, type: 'string', pointer: true },
      { name: 'volumeAttributes', number: 4, type: 'map<string,string>' },
      { name: 'nodePublishSecretRef', number: 5, type: 'core.v1.LocalObjectReference', pointer: true },
    ],
  },
  'core.v1.Capabilities': {
    fields: [
      { name: 'add', number: 1, type: 'string', repeated: true },
      { name: 'drop', number: 2, type: 'string', repeated: true },
    ],
  },
  'core.v1.CephFSPersistentVolumeSource': {
    fields: [
      { name: 'monitors', number: 1, type: 'string', repeated: true, omitEmpty: false },
      { name: 'path', number: 2, type: 'string' },
      { name: 'user', number: 3, type: 'string' },
      { name: 'secretFile', number: 4, type: 'string' },
      { name: 'secretRef', number: 5, type: 'core.v1.SecretReference', pointer: true },
      { name: 'readOnly', number: 6, type: 'bool' },
    ],
  },
  'core.v1.CephFSVolumeSource': {
    fields: [
      { name: 'monitors', number: 1, type: 'string', repeated: true, omitEmpty: false },
      { name: 'path', number: 2, type: 'string' },
      { name: 'user', number: 3, type: 'string' },
      { name: 'secretFile', number: 4, type: 'string' },
      { name: 'secretRef', number: 5, type: 'core.v1.LocalObjectReference', pointer: true },
      { name: 'readOnly', number: 6, type: 'bool' },
    ],
  },
  'core.v1.CinderPersistentVolumeSource': {
    fields: [
      { name: 'volumeID', number: 1, type: 'string', omitEmpty: false },
      { name: 'fsType', number: 2, type: 'string' },
      { name: 'readOnly', number: 3, type: 'bool' },
      { name: 'secretRef', number: 4, type: 'core.v1.SecretReference', pointer: true },
    ],
  },
  'core.v1.CinderVolumeSource': {
    fields: [
      { name: 'volumeID', number: 1, type: 'string', omitEmpty: false },
      { name: 'fsType', number: 2, type: 'string' },
      { name: 'readOnly', number: 3, type: 'bool' },
      { name: 'secretRef', number: 4, type: 'core.v1.LocalObjectReference', pointer: true },
    ],
  },
  'core.v1.ClientIPConfig': {
    fields: [
      { name: 'timeoutSeconds', number: 1, type: 'int32', pointer: true },
    ],
  },
  'core.v1.ClusterTrustBundleProjection': {
    fields: [
      { name: 'name', number: 1, type: 'string', pointer: true },
      { name: 'signerName', number: 2, type: 'string', pointer: true },
      { name: 'labelSelector', number: 3, type: 'meta.v1.LabelSelector', pointer: true },
      { name: 'optional', number: 5, type: 'bool', pointer: true },
      { name: 'path', number: 4, type: 'string', omitEmpty: false },
    ],
  },
  'core.v1.ComponentCondition': {
    fields: [
      { name: 'type', number: 1, type: 'string', omitEmpty: false },
      { name: 'status', number: 2, type: 'string', omitEmpty: false },
      { name: 'message', number: 3, type: 'string' },
      { name: 'error', number: 4, type: 'string' },
    ],
  },
  'core.v1.ComponentStatus': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'conditions', number: 2, type: 'core.v1.ComponentCondition', repeated: true },
    ],
  },
  'core.v1.ComponentStatusList': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'core.v1.ComponentStatus', repeated: true, omitEmpty: false },
    ],
  },
  'core.v1.ConfigMap': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'immutable', number: 4, type: 'bool', pointer: true },
      { name: 'data', number: 2, type: 'map<string,string>' },
      { name: 'binaryData', number: 3, type: 'map<string,bytes>' },
    ],
  },
  'core.v1.ConfigMapEnvSource': {
    fields: [
      { name: 'localObjectReference', number: 1, type: 'core.v1.LocalObjectReference', omitEmpty: false, inline: true },
      { name: 'optional', number: 2, type: 'bool', pointer: true },
    ],
  },
  'core.v1.ConfigMapKeySelector': {
    fields: [
      { name: 'localObjectReference', number: 1, type: 'core.v1.LocalObjectReference', omitEmpty: false, inline: true },
      { name: 'key', number: 2, type: 'string', omitEmpty: false },
      { name: 'optional', number: 3, type: 'bool', pointer: true },
    ],
  },
  'core.v1.ConfigMapList': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'core.v1.ConfigMap', repeated: true, omitEmpty: false },
    ],
  },
  'core.v1.ConfigMapNodeConfigSource': {
    fields: [
      { name: 'namespace', number: 1, type: 'string', omitEmpty: false },
      { name: 'name', number: 2, type: 'string', omitEmpty: false },
      { name: 'uid', number: 3, type: 'string' },
      { name: 'resourceVersion', number: 4, type: 'string' },
      { name: 'kubeletConfigKey', number: 5, type: 'string', omitEmpty: false },
    ],
  },
  'core.v1.ConfigMapProjection': {
    fields: [
      { name: 'localObjectReference', number: 1, type: 'core.v1.LocalObjectReference', omitEmpty: false, inline: true },
      { name: 'items', number: 2, type: 'core.v1.KeyToPath', repeated: true },
      { name: 'optional', number: 4, type: 'bool', pointer: true },
    ],
  },
  'core.v1.ConfigMapVolumeSource': {
    fields: [
      { name: 'localObjectReference', number: 1, type: 'core.v1.LocalObjectReference', omitEmpty: false, inline: true },
      { name: 'items', number: 2, type: 'core.v1.KeyToPath', repeated: true },
      { name: 'defaultMode', number: 3, type: 'int32', pointer: true },
      { name: 'optional', number: 4, type: 'bool', pointer: true },
    ],
  },
  'core.v1.Container': {
    fields: [
      { name: 'name', number: 1, type: 'string', omitEmpty: false },
      { name: 'image', number: 2, type: 'string' },
      { name: 'command', number: 3, type: 'string', repeated: true },
      { name: 'args', number: 4, type: 'string', repeated: true },
      { name: 'workingDir', number: 5, type: 'string' },
      { name: 'ports', number: 6, type: 'core.v1.ContainerPort', repeated: true },
      { name: 'envFrom', number: 19, type: 'core.v1.EnvFromSource', repeated: true },
      { name: 'env', number: 7, type: 'core.v1.EnvVar', repeated: true },
      { name: 'resources', number: 8, type: 'core.v1.ResourceRequirements' },
      { name: 'resizePolicy', number: 23, type: 'core.v1.ContainerResizePolicy', repeated: true },
      { name: 'restartPolicy', number: 24, type: 'string', pointer: true },
      { name: 'restartPolicyRules', number: 25, type: 'core.v1.ContainerRestartRule', repeated: true },
      { name: 'volumeMounts', number: 9, type: 'core.v1.VolumeMount', repeated: true },
      { name: 'volumeDevices', number: 21, type: 'core.v1.VolumeDevice', repeated: true },
      { name: 'livenessProbe', number: 10, type: 'core.v1.Probe', pointer: true },
      { name: 'readinessProbe', number: 11, type: 'core.v1.Probe', pointer: true },
      { name: 'startupProbe', number: 22, type: 'core.v1.Probe', pointer: true },
      { name: 'lifecycle', number: 12, type: 'core.v1.Lifecycle', pointer: true },
      { name: 'terminationMessagePath', number: 13, type: 'string' },
      { name: 'terminationMessagePolicy', number: 20, type: 'string' },
      { name: 'imagePullPolicy', number: 14, type: 'string' },
      { name: 'securityContext', number: 15, type: 'core.v1.SecurityContext', pointer: true },
      { name: 'stdin', number: 16, type: 'bool' },
      { name: 'stdinOnce', number: 17, type: 'bool' },
      { name: 'tty', number: 18, type: 'bool' },
    ],
  },
  'core.v1.ContainerExtendedResourceRequest': {
    fields: [
      { name: 'containerName', number: 1, type: 'string', omitEmpty: false },
      { name: 'resourceName', number: 2, type: 'string', omitEmpty: false },
      { name: 'requestName', number: 3, type: 'string', omitEmpty: false },
    ],
  },
  'core.v1.ContainerImage': {
    fields: [
      { name: 'names', number: 1, type: 'string', repeated: true, omitEmpty: false },
      { name: 'sizeBytes', number: 2, type: 'int64' },
    ],
  },
  'core.v1.ContainerPort': {
    fields: [
      { name: 'name', number: 1, type: 'string' },
      { name: 'hostPort', number: 2, type: 'int32' },
      { name: 'containerPort', number: 3, type: 'int32', omitEmpty: false },
      { name: 'protocol', number: 4, type: 'string' },
      { name: 'hostIP', number: 5, type: 'string' },
    ],
  },
  'core.v1.ContainerResizePolicy': {
    fields: [
      { name: 'resourceName', number: 1, type: 'string', omitEmpty: false },
      { name: 'restartPolicy', number: 2, type: 'string', omitEmpty: false },
    ],
  },
  'core.v1.ContainerRestartRule': {
    fields: [
      { name: 'action', number: 1, type: 'string' },
      { name: 'exitCodes', number: 2, type: 'core.v1.ContainerRestartRuleOnExitCodes', pointer: true },
    ],
  },
  'core.v1.ContainerRestartRuleOnExitCodes': {
    fields: [
      { name: 'operator', number: 1, type: 'string' },
      { name: 'values', number: 2, type: 'int32', repeated: true },
    ],
  },
  'core.v1.ContainerState': {
    fields: [
      { name: 'waiting', number: 1, type: 'core.v1.ContainerStateWaiting', pointer: true },
      { name: 'running', number: 2, type: 'core.v1.ContainerStateRunning', pointer: true },
      { name: 'terminated', number: 3, type: 'core.v1.ContainerStateTerminated', pointer: true },
    ],
  },
  'core.v1.ContainerStateRunning': {
    fields: [
      { name: 'startedAt', number: 1, type: 'meta.v1.Time' },
    ],
  },
  'core.v1.ContainerStateTerminated': {
    fields: [
      { name: 'exitCode', number: 1, type: 'int32', omitEmpty: false },
      { name: 'signal', number: 2, type: 'int32' },
      { name: 'reason', number: 3, type: 'string' },
      { name: 'message', number: 4, type: 'string' },
      { name: 'startedAt', number: 5, type: 'meta.v1.Time' },
      { name: 'finishedAt', number: 6, type: 'meta.v1.Time' },
      { name: 'containerID', number: 7, type: 'string' },
    ],
  },
  'core.v1.ContainerStateWaiting': {
    fields: [
      { name: 'reason', number: 1, type: 'string' },
      { name: 'message', number: 2, type: 'string' },
    ],
  },
  'core.v1.ContainerStatus': {
    fields: [
      { name: 'name', number: 1, type: 'string', omitEmpty: false },
      { name: 'state', number: 2, type: 'core.v1.ContainerState' },
      { name: 'lastState', number: 3, type: 'core.v1.ContainerState' },
      { name: 'ready', number: 4, type: 'bool', omitEmpty: false },
      { name: 'restartCount', number: 5, type: 'int32', omitEmpty: false },
      { name: 'image', number: 6, type: 'string', omitEmpty: false },
      { name: 'imageID', number: 7, type: 'string', omitEmpty: false },
      { name: 'containerID', number: 8, type: 'string' },
      { name: 'started', number: 9, type: 'bool', pointer: true },
      { name: 'allocatedResources', number: 10, type: 'map<string,resource.Quantity>' },
      { name: 'resources', number: 11, type: 'core.v1.ResourceRequirements', pointer: true },
      { name: 'volumeMounts', number: 12, type: 'core.v1.VolumeMountStatus', repeated: true },
      { name: 'user', number: 13, type: 'core.v1.ContainerUser', pointer: true },
      { name: 'allocatedResourcesStatus', number: 14, type: 'core.v1.ResourceStatus', repeated: true },
      { name: 'stopSignal', number: 15, type: 'string', pointer: true },
    ],
  },
  'core.v1.ContainerUser': {
    fields: [
      { name: 'linux', number: 1, type: 'core.v1.LinuxContainerUser', pointer: true },
    ],
  },
  'core.v1.DaemonEndpoint': {
    fields: [
      { name: 'Port', number: 1, type: 'int32', omitEmpty: false },
    ],
  },
  'core.v1.DownwardAPIProjection': {
    fields: [
      { name: 'items', number: 1, type: 'core.v1.DownwardAPIVolumeFile', repeated: true },
    ],
  },
  'core.v1.DownwardAPIVolumeFile': {
    fields: [
      { name: 'path', number: 1, type: 'string', omitEmpty: false },
      { name: 'fieldRef', number: 2, type: 'core.v1.ObjectFieldSelector', pointer: true },
      { name: 'resourceFieldRef', number: 3, type: 'core.v1.ResourceFieldSelector', pointer: true },
      { name: 'mode', number: 4, type: 'int32', pointer: true },
    ],
  },
  'core.v1.DownwardAPIVolumeSource': {
    fields: [
      { name: 'items', number: 1, type: 'core.v1.DownwardAPIVolumeFile', repeated: true },
      { name: 'defaultMode', number: 2, type: 'int32', pointer: true },
    ],
  },
  'core.v1.EmptyDirVolumeSource': {
    fields: [
      { name: 'medium', number: 1, type: 'string' },
      { name: 'sizeLimit', number: 2, type: 'resource.Quantity', pointer: true },
    ],
  },
  'core.v1.EndpointAddress': {
    fields: [
      { name: 'ip', number: 1, type: 'string', omitEmpty: false },
      { name: 'hostname', number: 3, type: 'string' },
      { name: 'nodeName', number: 4, type: 'string', pointer: true },
      { name: 'targetRef', number: 2, type: 'core.v1.ObjectReference', pointer: true },
    ],
  },
  'core.v1.EndpointPort': {
    fields: [
      { name: 'name', number: 1, type: 'string' },
      { name: 'port', number: 2, type: 'int32', omitEmpty: false },
      { name: 'protocol', number: 3, type: 'string' },
      { name: 'appProtocol', number: 4, type: 'string', pointer: true },
    ],
  },
  'core.v1.EndpointSubset': {
    fields: [
      { name: 'addresses', number: 1, type: 'core.v1.EndpointAddress', repeated: true },
      { name: 'notReadyAddresses', number: 2, type: 'core.v1.EndpointAddress', repeated: true },
      { name: 'ports', number: 3, type: 'core.v1.EndpointPort', repeated: true },
    ],
  },
  'core.v1.Endpoints': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'subsets', number: 2, type: 'core.v1.EndpointSubset', repeated: true },
    ],
  },
  'core.v1.EndpointsList': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'core.v1.Endpoints', repeated: true, omitEmpty: false },
    ],
  },
  'core.v1.EnvFromSource': {
    fields: [
      { name: 'prefix', number: 1, type: 'string' },
      { name: 'configMapRef', number: 2, type: 'core.v1.ConfigMapEnvSource', pointer: true },
      { name: 'secretRef', number: 3, type: 'core.v1.SecretEnvSource', pointer: true },
    ],
  },
  'core.v1.EnvVar': {
    fields: [
      { name: 'name', number: 1, type: 'string', omitEmpty: false },
      { name: 'value', number: 2, type: 'string' },
      { name: 'valueFrom', number: 3, type: 'core.v1.EnvVarSource', pointer: true },
    ],
  },
  'core.v1.EnvVarSource': {
    fields: [
      { name: 'fieldRef', number: 1, type: 'core.v1.ObjectFieldSelector', pointer: true },
      { name: 'resourceFieldRef', number: 2, type: 'core.v1.ResourceFieldSelector', pointer: true },
      { name: 'configMapKeyRef', number: 3, type: 'core.v1.ConfigMapKeySelector', pointer: true },
      { name: 'secretKeyRef', number: 4, type: 'core.v1.SecretKeySelector', pointer: true },
      { name: 'fileKeyRef', number: 5, type: 'core.v1.FileKeySelector', pointer: true },
    ],
  },
  'core.v1.EphemeralContainer': {
    fields: [
      { name: 'ephemeralContainerCommon', number: 1, type: 'core.v1.EphemeralContainerCommon', omitEmpty: false, inline: true },
      { name: 'targetContainerName', number: 2, type: 'string' },
    ],
  },
  'core.v1.EphemeralContainerCommon': {
    fields: [
      { name: 'name', number: 1, type: 'string', omitEmpty: false },
      { name: 'image', number: 2, type: 'string' },
      { name: 'command', number: 3, type: 'string', repeated: true },
      { name: 'args', number: 4, type: 'string', repeated: true },
      { name: 'workingDir', number: 5, type: 'string' },
      { name: 'ports', number: 6, type: 'core.v1.ContainerPort', repeated: true },
      { name: 'envFrom', number: 19, type: 'core.v1.EnvFromSource', repeated: true },
      { name: 'env', number: 7, type: 'core.v1.EnvVar', repeated: true },
      { name: 'resources', number: 8, type: 'core.v1.ResourceRequirements' },
      { name: 'resizePolicy', number: 23, type: 'core.v1.ContainerResizePolicy', repeated: true },
      { name: 'restartPolicy', number: 24, type: 'string', pointer: true },
      { name: 'restartPolicyRules', number: 25, type: 'core.v1.ContainerRestartRule', repeated: true },
      { name: 'volumeMounts', number: 9, type: 'core.v1.VolumeMount', repeated: true },
      { name: 'volumeDevices', number: 21, type: 'core.v1.VolumeDevice', repeated: true },
      { name: 'livenessProbe', number: 10, type: 'core.v1.Probe', pointer: true },
      { name: 'readinessProbe', number: 11, type: 'core.v1.Probe', pointer: true },
      { name: 'startupProbe', number: 22, type: 'core.v1.Probe', pointer: true },
      { name: 'lifecycle', number: 12, type: 'core.v1.Lifecycle', pointer: true },
      { name: 'terminationMessagePath', number: 13, type: 'string' },
      { name: 'terminationMessagePolicy', number: 20, type: 'string' },
      { name: 'imagePullPolicy', number: 14, type: 'string' },
      { name: 'securityContext', number: 15, type: 'core.v1.SecurityContext', pointer: true },
      { name: 'stdin', number: 16, type: 'bool' },
      { name: 'stdinOnce', number: 17, type: 'bool' },
      { name: 'tty', number: 18, type: 'bool' },
    ],
  },
  'core.v1.EphemeralVolumeSource': {
    fields: [
      { name: 'volumeClaimTemplate', number: 1, type: 'core.v1.PersistentVolumeClaimTemplate', pointer: true },
    ],
  },
  'core.v1.Event': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta', omitEmpty: false },
      { name: 'involvedObject', number: 2, type: 'core.v1.ObjectReference', omitEmpty: false },
      { name: 'reason', number: 3, type: 'string' },
      { name: 'message', number: 4, type: 'string' },
      { name: 'source', number: 5, type: 'core.v1.EventSource' },
      { name: 'firstTimestamp', number: 6, type: 'meta.v1.Time' },
      { name: 'lastTimestamp', number: 7, type: 'meta.v1.Time' },
      { name: 'count', number: 8, type: 'int32' },
      { name: 'type', number: 9, type: 'string' },
      { name: 'eventTime', number: 10, type: 'meta.v1.MicroTime' },
      { name: 'series', number: 11, type: 'core.v1.EventSeries', pointer: true },
      { name: 'action', number: 12, type: 'string' },
      { name: 'related', number: 13, type: 'core.v1.ObjectReference', pointer: true },
      { name: 'reportingComponent', number: 14, type: 'string', omitEmpty: false },
      { name: 'reportingInstance', number: 15, type: 'string', omitEmpty: false },
    ],
  },
  'core.v1.EventList': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'core.v1.Event', repeated: true, omitEmpty: false },
    ],
  },
  'core.v1.EventSeries': {
    fields: [
      { name: 'count', number: 1, type: 'int32' },
      { name: 'lastObservedTime', number: 2, type: 'meta.v1.MicroTime' },
    ],
  },
  'core.v1.EventSource': {
    fields: [
      { name: 'component', number: 1, type: 'string' },
      { name: 'host', number: 2, type: 'string' },
    ],
  },
  'core.v1.ExecAction': {
    fields: [
      { name: 'command', number: 1, type: 'string', repeated: true },
    ],
  },
  'core.v1.FCVolumeSource': {
    fields: [
      { name: 'targetWWNs', number: 1, type: 'string', repeated: true },
      { name: 'lun', number: 2, type: 'int32', pointer: true },
      { name: 'fsType', number: 3, type: 'string' },
      { name: 'readOnly', number: 4, type: 'bool' },
      { name: 'wwids', number: 5, type: 'string', repeated: true },
    ],
  },
  'core.v1.FileKeySelector': {
    fields: [
      { name: 'volumeName', number: 1, type: 'string', omitEmpty: false },
      { name: 'path', number: 2, type: 'string', omitEmpty: false },
      { name: 'key', number: 3, type: 'string', omitEmpty: false },
      { name: 'optional', number: 4, type: 'bool', pointer: true },
    ],
  },
  'core.v1.FlexPersistentVolumeSource': {
    fields: [
      { name: 'driver', number: 1, type: 'string', omitEmpty: false },
      { name: 'fsType', number: 2, type: 'string' },
      { name: 'secretRef', number: 3, type: 'core.v1.SecretReference', pointer: true },
      { name: 'readOnly', number: 4, type: 'bool' },
      { name: 'options', number: 5, type: 'map<string,string>' },
    ],
  },
  'core.v1.FlexVolumeSource': {
    fields: [
      { name: 'driver', number: 1, type: 'string', omitEmpty: false },
      { name: 'fsType', number: 2, type: 'string' },
      { name: 'secretRef', number: 3, type: 'core.v1.LocalObjectReference', pointer: true },
      { name: 'readOnly', number: 4, type: 'bool' },
      { name: 'options', number: 5, type: 'map<string,string>' },
    ],
  },
  'core.v1.FlockerVolumeSource': {
    fields: [
      { name: 'datasetName', number: 1, type: 'string' },
      { name: 'datasetUUID', number: 2, type: 'string' },
    ],
  },
  'core.v1.GCEPersistentDiskVolumeSource': {
    fields: [
      { name: 'pdName', number: 1, type: 'string', omitEmpty: false },
      { name: 'fsType', number: 2, type: 'string' },
      { name: 'partition', number: 3, type: 'int32' },
      { name: 'readOnly', number: 4, type: 'bool' },
    ],
  },
  'core.v1.GRPCAction': {
    fields: [
      { name: 'port', number: 1, type: 'int32', omitEmpty: false },
      { name: 'service', number: 2, type: 'string', omitEmpty: false, pointer: true },
    ],
  },
  'core.v1.GitRepoVolumeSource': {
    fields: [
      { name: 'repository', number: 1, type: 'string', omitEmpty: false },
      { name: 'revision', number: 2, type: 'string' },
      { name: 'directory', number: 3, type: 'string' },
    ],
  },
  'core.v1.GlusterfsPersistentVolumeSource': {
    fields: [
      { name: 'endpoints', number: 1, type: 'string', omitEmpty: false },
      { name: 'path', number: 2, type: 'string', omitEmpty: false },
      { name: 'readOnly', number: 3, type: 'bool' },
      { name: 'endpointsNamespace', number: 4, type: 'string', pointer: true },
    ],
  },
  'core.v1.GlusterfsVolumeSource': {
    fields: [
      { name: 'endpoints', number: 1, type: 'string', omitEmpty: false },
      { name: 'path', number: 2, type: 'string', omitEmpty: false },
      { name: 'readOnly', number: 3, type: 'bool' },
    ],
  },
  'core.v1.HTTPGetAction': {
    fields: [
      { name: 'path', number: 1, type: 'string' },
      { name: 'port', number: 2, type: 'intstr.IntOrString', omitEmpty: false },
      { name: 'host', number: 3, type: 'string' },
      { name: 'scheme', number: 4, type: 'string' },
      { name: 'httpHeaders', number: 5, type: 'core.v1.HTTPHeader', repeated: true },
    ],
  },
  'core.v1.HTTPHeader': {
    fields: [
      { name: 'name', number: 1, type: 'string', omitEmpty: false },
      { name: 'value', number: 2, type: 'string', omitEmpty: false },
    ],
  },
  'core.v1.HostAlias': {
    fields: [
      { name: 'ip', number: 1, type: 'string', omitEmpty: false },
      { name: 'hostnames', number: 2, type: 'string', repeated: true },
    ],
  },
  'core.v1.HostIP': {
    fields: [
      { name: 'ip', number: 1, type: 'string', omitEmpty: false },
    ],
  },
  'core.v1.HostPathVolumeSource': {
    fields: [
      { name: 'path', number: 1, type: 'string', omitEmpty: false },
      { name: 'type', number: 2, type: 'string', pointer: true },
    ],
  },
  'core.v1.ISCSIPersistentVolumeSource': {
    fields: [
      { name: 'targetPortal', number: 1, type: 'string', omitEmpty: false },
      { name: 'iqn', number: 2, type: 'string', omitEmpty: false },
      { name: 'lun', number: 3, type: 'int32', omitEmpty: false },
      { name: 'iscsiInterface', number: 4, type: 'string' },
      { name: 'fsType', number: 5, type: 'string' },
      { name: 'readOnly', number: 6, type: 'bool' },
      { name: 'portals', number: 7, type: 'string', repeated: true },
      { name: 'chapAuthDiscovery', number: 8, type: 'bool' },
      { name: 'chapAuthSession', number: 11, type: 'bool' },
      { name: 'secretRef', number: 10, type: 'core.v1.SecretReference', pointer: true },
      { name: 'initiatorName', number: 12, type: 'string', pointer: true },
    ],
  },
  'core.v1.ISCSIVolumeSource': {
    fields: [
      { name: 'targetPortal', number: 1, type: 'string', omitEmpty: false },
      { name: 'iqn', number: 2, type: 'string', omitEmpty: false },
      { name: 'lun', number: 3, type: 'int32', omitEmpty: false },
      { name: 'iscsiInterface', number: 4, type: 'string' },
      { name: 'fsType', number: 5, type: 'string' },
      { name: 'readOnly', number: 6, type: 'bool' },
      { name: 'portals', number: 7, type: 'string', repeated: true },
      { name: 'chapAuthDiscovery', number: 8, type: 'bool' },
      { name: 'chapAuthSession', number: 11, type: 'bool' },
      { name: 'secretRef', number: 10, type: 'core.v1.LocalObjectReference', pointer: true },
      { name: 'initiatorName', number: 12, type: 'string', pointer: true },
    ],
  },
  'core.v1.ImageVolumeSource': {
    fields: [
      { name: 'reference', number: 1, type: 'string' },
      { name: 'pullPolicy', number: 2, type: 'string' },
    ],
  },
  'core.v1.ImageVolumeStatus': {
    fields: [
      { name: 'imageRef', number: 1, type: 'string' },
    ],
  },
  'core.v1.KeyToPath': {
    fields: [
      { name: 'key', number: 1, type: 'string', omitEmpty: false },
      { name: 'path', number: 2, type: 'string', omitEmpty: false },
      { name: 'mode', number: 3, type: 'int32', pointer: true },
    ],
  },
  'core.v1.Lifecycle': {
    fields: [
      { name: 'postStart', number: 1, type: 'core.v1.LifecycleHandler', pointer: true },
      { name: 'preStop', number: 2, type: 'core.v1.LifecycleHandler', pointer: true },
      { name: 'stopSignal', number: 3, type: 'string', pointer: true },
    ],
  },
  'core.v1.LifecycleHandler': {
    fields: [
      { name: 'exec', number: 1, type: 'core.v1.ExecAction', pointer: true },
      { name: 'httpGet', number: 2, type: 'core.v1.HTTPGetAction', pointer: true },
      { name: 'tcpSocket', number: 3, type: 'core.v1.TCPSocketAction', pointer: true },
      { name: 'sleep', number: 4, type: 'core.v1.SleepAction', pointer: true },
    ],
  },
  'core.v1.LimitRange': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'spec', number: 2, type: 'core.v1.LimitRangeSpec' },
    ],
  },
  'core.v1.LimitRangeItem': {
    fields: [
      { name: 'type', number: 1, type: 'string', omitEmpty: false },
      { name: 'max', number: 2, type: 'map<string,resource.Quantity>' },
      { name: 'min', number: 3, type: 'map<string,resource.Quantity>' },
      { name: 'default', number: 4, type: 'map<string,resource.Quantity>' },
      { name: 'defaultRequest', number: 5, type: 'map<string,resource.Quantity>' },
      { name: 'maxLimitRequestRatio', number: 6, type: 'map<string,resource.Quantity>' },
    ],
  },
  'core.v1.LimitRangeList': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'core.v1.LimitRange', repeated: true, omitEmpty: false },
    ],
  },
  'core.v1.LimitRangeSpec': {
    fields: [
      { name: 'limits', number: 1, type: 'core.v1.LimitRangeItem', repeated: true, omitEmpty: false },
    ],
  },
  'core.v1.LinuxContainerUser': {
    fields: [
      { name: 'uid', number: 1, type: 'int64', omitEmpty: false },
      { name: 'gid', number: 2, type: 'int64', omitEmpty: false },
      { name: 'supplementalGroups', number: 3, type: 'int64', repeated: true },
    ],
  },
  'core.v1.List': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'runtime.RawExtension', repeated: true },
    ],
  },
  'core.v1.LoadBalancerIngress': {
    fields: [
      { name: 'ip', number: 1, type: 'string' },
      { name: 'hostname', number: 2, type: 'string' },
      { name: 'ipMode', number: 3, type: 'string', pointer: true },
      { name: 'ports', number: 4, type: 'core.v1.PortStatus', repeated: true },
    ],
  },
  'core.v1.LoadBalancerStatus': {
    fields: [
      { name: 'ingress', number: 1, type: 'core.v1.LoadBalancerIngress', repeated: true },
    ],
  },
  'core.v1.LocalObjectReference': {
    fields: [
      { name: 'name', number: 1, type: 'string' },
    ],
  },
  'core.v1.LocalVolumeSource': {
    fields: [
      { name: 'path', number: 1, type: 'string', omitEmpty: false },
      { name: 'fsType', number: 2, type: 'string', pointer: true },
    ],
  },
  'core.v1.ModifyVolumeStatus': {
    fields: [
      { name: 'targetVolumeAttributesClassName', number: 1, type: 'string' },
      { name: 'status', number: 2, type: 'string', omitEmpty: false },
    ],
  },
  'core.v1.NFSVolumeSource': {
    fields: [
      { name: 'server', number: 1, type: 'string', omitEmpty: false },
      { name: 'path', number: 2, type: 'string', omitEmpty: false },
      { name: 'readOnly', number: 3, type: 'bool' },
    ],
  },
  'core.v1.Namespace': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'spec', number: 2, type: 'core.v1.NamespaceSpec' },
      { name: 'status', number: 3, type: 'core.v1.NamespaceStatus' },
    ],
  },
  'core.v1.NamespaceCondition': {
    fields: [
      { name: 'type', number: 1, type: 'string', omitEmpty: false },
      { name: 'status', number: 2, type: 'string', omitEmpty: false },
      { name: 'lastTransitionTime', number: 4, type: 'meta.v1.Time' },
      { name: 'reason', number: 5, type: 'string' },
      { name: 'message', number: 6, type: 'string' },
    ],
  },
  'core.v1.NamespaceList': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'core.v1.Namespace', repeated: true, omitEmpty: false },
    ],
  },
  'core.v1.NamespaceSpec': {
    fields: [
      { name: 'finalizers', number: 1, type: 'string', repeated: true },
    ],
  },
  'core.v1.NamespaceStatus': {
    fields: [
      { name: 'phase', number: 1, type: 'string' },
      { name: 'conditions', number: 2, type: 'core.v1.NamespaceCondition', repeated: true },
    ],
  },
  'core.v1.Node': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'spec', number: 2, type: 'core.v1.NodeSpec' },
      { name: 'status', number: 3, type: 'core.v1.NodeStatus' },
    ],
  },
  'core.v1.NodeAddress': {
    fields: [
      { name: 'type', number: 1, type: 'string', omitEmpty: false },
      { name: 'address', number: 2, type: 'string', omitEmpty: false },
    ],
  },
  'core.v1.NodeAffinity': {
    fields: [
      { name: 'requiredDuringSchedulingIgnoredDuringExecution', number: 1, type: 'core.v1.NodeSelector', pointer: true },
      { name: 'preferredDuringSchedulingIgnoredDuringExecution', number: 2, type: 'core.v1.PreferredSchedulingTerm', repeated: true },
    ],
  },
  'core.v1.NodeAllocatableResourceClaimStatus': {
    fields: [
      { name: 'resourceClaimName', number: 1, type: 'string', omitEmpty: false },
      { name: 'containers', number: 2, type: 'string', repeated: true },
      { name: 'resources', number: 3, type: 'map<string,resource.Quantity>', omitEmpty: false },
    ],
  },
  'core.v1.NodeCondition': {
    fields: [
      { name: 'type', number: 1, type: 'string', omitEmpty: false },
      { name: 'status', number: 2, type: 'string', omitEmpty: false },
      { name: 'lastHeartbeatTime', number: 3, type: 'meta.v1.Time' },
      { name: 'lastTransitionTime', number: 4, type: 'meta.v1.Time' },
      { name: 'reason', number: 5, type: 'string' },
      { name: 'message', number: 6, type: 'string' },
    ],
  },
  'core.v1.NodeConfigSource': {
    fields: [
      { name: 'configMap', number: 2, type: 'core.v1.ConfigMapNodeConfigSource', pointer: true },
    ],
  },
  'core.v1.NodeConfigStatus': {
    fields: [
      { name: 'assigned', number: 1, type: 'core.v1.NodeConfigSource', pointer: true },
      { name: 'active', number: 2, type: 'core.v1.NodeConfigSource', pointer: true },
      { name: 'lastKnownGood', number: 3, type: 'core.v1.NodeConfigSource', pointer: true },
      { name: 'error', number: 4, type: 'string' },
    ],
  },
  'core.v1.NodeDaemonEndpoints': {
    fields: [
      { name: 'kubeletEndpoint', number: 1, type: 'core.v1.DaemonEndpoint' },
    ],
  },
  'core.v1.NodeFeatures': {
    fields: [
      { name: 'supplementalGroupsPolicy', number: 1, type: 'bool', pointer: true },
    ],
  },
  'core.v1.NodeList': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'core.v1.Node', repeated: true, omitEmpty: false },
    ],
  },
  'core.v1.NodeProxyOptions': {
    fields: [
      { name: 'path', number: 1, type: 'string' },
    ],
  },
  'core.v1.NodeRuntimeHandler': {
    fields: [
      { name: 'name', number: 1, type: 'string', omitEmpty: false },
      { name: 'features', number: 2, type: 'core.v1.NodeRuntimeHandlerFeatures', pointer: true },
    ],
  },
  'core.v1.NodeRuntimeHandlerFeatures': {
    fields: [
      { name: 'recursiveReadOnlyMounts', number: 1, type: 'bool', pointer: true },
      { name: 'userNamespaces', number: 2, type: 'bool', pointer: true },
    ],
  },
  'core.v1.NodeSelector': {
    fields: [
      { name: 'nodeSelectorTerms', number: 1, type: 'core.v1.NodeSelectorTerm', repeated: true, omitEmpty: false },
    ],
  },
  'core.v1.NodeSelectorRequirement': {
    fields: [
      { name: 'key', number: 1, type: 'string', omitEmpty: false },
      { name: 'operator', number: 2, type: 'string', omitEmpty: false },
      { name: 'values', number: 3, type: 'string', repeated: true },
    ],
  },
  'core.v1.NodeSelectorTerm': {
    fields: [
      { name: 'matchExpressions', number: 1, type: 'core.v1.NodeSelectorRequirement', repeated: true },
      { name: 'matchFields', number: 2, type: 'core.v1.NodeSelectorRequirement', repeated: true },
    ],
  },
  'core.v1.NodeSpec': {
    fields: [
      { name: 'podCIDR', number: 1, type: 'string' },
      { name: 'podCIDRs', number: 7, type: 'string', repeated: true },
      { name: 'providerID', number: 3, type: 'string' },
      { name: 'unschedulable', number: 4, type: 'bool' },
      { name: 'taints', number: 5, type: 'core.v1.Taint', repeated: true },
      { name: 'configSource', number: 6, type: 'core.v1.NodeConfigSource', pointer: true },
      { name: 'externalID', number: 2, type: 'string' },
    ],
  },
  'core.v1.NodeStatus': {
    fields: [
      { name: 'capacity', number: 1, type: 'map<string,resource.Quantity>' },
      { name: 'allocatable', number: 2, type: 'map<string,resource.Quantity>' },
      { name: 'phase', number: 3, type: 'string' },
      { name: 'conditions', number: 4, type: 'core.v1.NodeCondition', repeated: true },
      { name: 'addresses', number: 5, type: 'core.v1.NodeAddress', repeated: true },
      { name: 'daemonEndpoints', number: 6, type: 'core.v1.NodeDaemonEndpoints' },
      { name: 'nodeInfo', number: 7, type: 'core.v1.NodeSystemInfo' },
      { name: 'images', number: 8, type: 'core.v1.ContainerImage', repeated: true },
      { name: 'volumesInUse', number: 9, type: 'string', repeated: true },
      { name: 'volumesAttached', number: 10, type: 'core.v1.AttachedVolume', repeated: true },
      { name: 'config', number: 11, type: 'core.v1.NodeConfigStatus', pointer: true },
      { name: 'runtimeHandlers', number: 12, type: 'core.v1.NodeRuntimeHandler', repeated: true },
      { name: 'features', number: 13, type: 'core.v1.NodeFeatures', pointer: true },
      { name: 'declaredFeatures', number: 14, type: 'string', repeated: true },
    ],
  },
  'core.v1.NodeSwapStatus': {
    fields: [
      { name: 'capacity', number: 1, type: 'int64', pointer: true },
    ],
  },
  'core.v1.NodeSystemInfo': {
    fields: [
      { name: 'machineID', number: 1, type: 'string', omitEmpty: false },
      { name: 'systemUUID', number: 2, type: 'string', omitEmpty: false },
      { name: 'bootID', number: 3, type: 'string', omitEmpty: false },
      { name: 'kernelVersion', number: 4, type: 'string', omitEmpty: false },
      { name: 'osImage', number: 5, type: 'string', omitEmpty: false },
      { name: 'containerRuntimeVersion', number: 6, type: 'string', omitEmpty: false },
      { name: 'kubeletVersion', number: 7, type: 'string', omitEmpty: false },
      { name: 'kubeProxyVersion', number: 8, type: 'string', omitEmpty: false },
      { name: 'operatingSystem', number: 9, type: 'string', omitEmpty: false },
      { name: 'architecture', number: 10, type: 'string', omitEmpty: false },
      { name: 'swap', number: 11, type: 'core.v1.NodeSwapStatus', pointer: true },
    ],
  },
  'core.v1.ObjectFieldSelector': {
    fields: [
      { name: 'apiVersion', number: 1, type: 'string' },
      { name: 'fieldPath', number: 2, type: 'string', omitEmpty: false },
    ],
  },
  'core.v1.ObjectReference': {
    fields: [
      { name: 'kind', number: 1, type: 'string' },
      { name: 'namespace', number: 2, type: 'string' },
      { name: 'name', number: 3, type: 'string' },
      { name: 'uid', number: 4, type: 'string' },
      { name: 'apiVersion', number: 5, type: 'string' },
      { name: 'resourceVersion', number: 6, type: 'string' },
      { name: 'fieldPath', number: 7, type: 'string' },
    ],
  },
  'core.v1.PersistentVolume': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'spec', number: 2, type: 'core.v1.PersistentVolumeSpec' },
      { name: 'status', number: 3, type: 'core.v1.PersistentVolumeStatus' },
    ],
  },
  'core.v1.PersistentVolumeClaim': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'spec', number: 2, type: 'core.v1.PersistentVolumeClaimSpec' },
      { name: 'status', number: 3, type: 'core.v1.PersistentVolumeClaimStatus' },
    ],
  },
  'core.v1.PersistentVolumeClaimCondition': {
    fields: [
      { name: 'type', number: 1, type: 'string', omitEmpty: false },
      { name: 'status', number: 2, type: 'string', omitEmpty: false },
      { name: 'lastProbeTime', number: 3, type: 'meta.v1.Time' },
      { name: 'lastTransitionTime', number: 4, type: 'meta.v1.Time' },
      { name: 'reason', number: 5, type: 'string' },
      { name: 'message', number: 6, type: 'string' },
    ],
  },
  'core.v1.PersistentVolumeClaimList': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'core.v1.PersistentVolumeClaim', repeated: true, omitEmpty: false },
    ],
  },
  'core.v1.PersistentVolumeClaimSpec': {
    fields: [
      { name: 'accessModes', number: 1, type: 'string', repeated: true },
      { name: 'selector', number: 4, type: 'meta.v1.LabelSelector', pointer: true },
      { name: 'resources', number: 2, type: 'core.v1.VolumeResourceRequirements' },
      { name: 'volumeName', number: 3, type: 'string' },
      { name: 'storageClassName', number: 5, type: 'string', pointer: true },
      { name: 'volumeMode', number: 6, type: 'string', pointer: true },
      { name: 'dataSource', number: 7, type: 'core.v1.TypedLocalObjectReference', pointer: true },
      { name: 'dataSourceRef', number: 8, type: 'core.v1.TypedObjectReference', pointer: true },
      { name: 'volumeAttributesClassName', number: 9, type: 'string', pointer: true },
    ],
  },
  'core.v1.PersistentVolumeClaimStatus': {
    fields: [
      { name: 'phase', number: 1, type: 'string' },
      { name: 'accessModes', number: 2, type: 'string', repeated: true },
      { name: 'capacity', number: 3, type: 'map<string,resource.Quantity>' },
      { name: 'conditions', number: 4, type: 'core.v1.PersistentVolumeClaimCondition', repeated: true },
      { name: 'allocatedResources', number: 5, type: 'map<string,resource.Quantity>' },
      { name: 'allocatedResourceStatuses', number: 7, type: 'map<string,string>' },
      { name: 'currentVolumeAttributesClassName', number: 8, type: 'string', pointer: true },
      { name: 'modifyVolumeStatus', number: 9, type: 'core.v1.ModifyVolumeStatus', pointer: true },
    ],
  },
  'core.v1.PersistentVolumeClaimTemplate': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'spec', number: 2, type: 'core.v1.PersistentVolumeClaimSpec', omitEmpty: false },
    ],
  },
  'core.v1.PersistentVolumeClaimVolumeSource': {
    fields: [
      { name: 'claimName', number: 1, type: 'string', omitEmpty: false },
      { name: 'readOnly', number: 2, type: 'bool' },
    ],
  },
  'core.v1.PersistentVolumeList': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'core.v1.PersistentVolume', repeated: true, omitEmpty: false },
    ],
  },
  'core.v1.PersistentVolumeSource': {
    fields: [
      { name: 'gcePersistentDisk', number: 1, type: 'core.v1.GCEPersistentDiskVolumeSource', pointer: true },
      { name: 'awsElasticBlockStore', number: 2, type: 'core.v1.AWSElasticBlockStoreVolumeSource', pointer: true },
      { name: 'hostPath', number: 3, type: 'core.v1.HostPathVolumeSource', pointer: true },
      { name: 'glusterfs', number: 4, type: 'core.v1.GlusterfsPersistentVolumeSource', pointer: true },
      { name: 'nfs', number: 5, type: 'core.v1.NFSVolumeSource', pointer: true },
      { name: 'rbd', number: 6, type: 'core.v1.RBDPersistentVolumeSource', pointer: true },
      { name: 'iscsi', number: 7, type: 'core.v1.ISCSIPersistentVolumeSource', pointer: true },
      { name: 'cinder', number: 8, type: 'core.v1.CinderPersistentVolumeSource', pointer: true },
      { name: 'cephfs', number: 9, type: 'core.v1.CephFSPersistentVolumeSource', pointer: true },
      { name: 'fc', number: 10, type: 'core.v1.FCVolumeSource', pointer: true },
      { name: 'flocker', number: 11, type: 'core.v1.FlockerVolumeSource', pointer: true },
      { name: 'flexVolume', number: 12, type: 'core.v1.FlexPersistentVolumeSource', pointer: true },
      { name: 'azureFile', number: 13, type: 'core.v1.AzureFilePersistentVolumeSource', pointer: true },
      { name: 'vsphereVolume', number: 14, type: 'core.v1.VsphereVirtualDiskVolumeSource', pointer: true },
      { name: 'quobyte', number: 15, type: 'core.v1.QuobyteVolumeSource', pointer: true },
      { name: 'azureDisk', number: 16, type: 'core.v1.AzureDiskVolumeSource', pointer: true },
      { name: 'photonPersistentDisk', number: 17, type: 'core.v1.PhotonPersistentDiskVolumeSource', pointer: true },
      { name: 'portworxVolume', number: 18, type: 'core.v1.PortworxVolumeSource', pointer: true },
      { name: 'scaleIO', number: 19, type: 'core.v1.ScaleIOPersistentVolumeSource', pointer: true },
      { name: 'local', number: 20, type: 'core.v1.LocalVolumeSource', pointer: true },
      { name: 'storageos', number: 21, type: 'core.v1.StorageOSPersistentVolumeSource', pointer: true },
      { name: 'csi', number: 22, type: 'core.v1.CSIPersistentVolumeSource', pointer: true },
    ],
  },
  'core.v1.PersistentVolumeSpec': {
    fields: [
      { name: 'capacity', number: 1, type: 'map<string,resource.Quantity>' },
      { name: 'persistentVolumeSource', number: 2, type: 'core.v1.PersistentVolumeSource', omitEmpty: false, inline: true },
      { name: 'accessModes', number: 3, type: 'string', repeated: true },
      { name: 'claimRef', number: 4, type: 'core.v1.ObjectReference', pointer: true },
      { name: 'persistentVolumeReclaimPolicy', number: 5, type: 'string' },
      { name: 'storageClassName', number: 6, type: 'string' },
      { name: 'mountOptions', number: 7, type: 'string', repeated: true },
      { name: 'volumeMode', number: 8, type: 'string', pointer: true },
      { name: 'nodeAffinity', number: 9, type: 'core.v1.VolumeNodeAffinity', pointer: true },
      { name: 'volumeAttributesClassName', number: 10, type: 'string', pointer: true },
    ],
  },
  'core.v1.PersistentVolumeStatus': {
    fields: [
      { name: 'phase', number: 1, type: 'string' },
      { name: 'message', number: 2, type: 'string' },
      { name: 'reason', number: 3, type: 'string' },
      { name: 'lastPhaseTransitionTime', number: 4, type: 'meta.v1.Time', pointer: true },
    ],
  },
  'core.v1.PhotonPersistentDiskVolumeSource': {
    fields: [
      { name: 'pdID', number: 1, type: 'string', omitEmpty: false },
      { name: 'fsType', number: 2, type: 'string' },
    ],
  },
  'core.v1.Pod': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'spec', number: 2, type: 'core.v1.PodSpec' },
      { name: 'status', number: 3, type: 'core.v1.PodStatus' },
    ],
  },
  'core.v1.PodAffinity': {
    fields: [
      { name: 'requiredDuringSchedulingIgnoredDuringExecution', number: 1, type: 'core.v1.PodAffinityTerm', repeated: true },
      { name: 'preferredDuringSchedulingIgnoredDuringExecution', number: 2, type: 'core.v1.WeightedPodAffinityTerm', repeated: true },
    ],
  },
  'core.v1.PodAffinityTerm': {
    fields: [
      { name: 'labelSelector', number: 1, type: 'meta.v1.LabelSelector', pointer: true },
      { name: 'namespaces', number: 2, type: 'string', repeated: true },
      { name: 'topologyKey', number: 3, type: 'string', omitEmpty: false },
      { name: 'namespaceSelector', number: 4, type: 'meta.v1.LabelSelector', pointer: true },
      { name: 'matchLabelKeys', number: 5, type: 'string', repeated: true },
      { name: 'mismatchLabelKeys', number: 6, type: 'string', repeated: true },
    ],
  },
  'core.v1.PodAntiAffinity': {
    fields: [
      { name: 'requiredDuringSchedulingIgnoredDuringExecution', number: 1, type: 'core.v1.PodAffinityTerm', repeated: true },
      { name: 'preferredDuringSchedulingIgnoredDuringExecution', number: 2, type: 'core.v1.WeightedPodAffinityTerm', repeated: true },
    ],
  },
  'core.v1.PodAttachOptions': {
    fields: [
      { name: 'stdin', number: 1, type: 'bool' },
      { name: 'stdout', number: 2, type: 'bool' },
      { name: 'stderr', number: 3, type: 'bool' },
      { name: 'tty', number: 4, type: 'bool' },
      { name: 'container', number: 5, type: 'string' },
    ],
  },
  'core.v1.PodCertificateProjection': {
    fields: [
      { name: 'signerName', number: 1, type: 'string' },
      { name: 'keyType', number: 2, type: 'string' },
      { name: 'maxExpirationSeconds', number: 3, type: 'int32', pointer: true },
      { name: 'credentialBundlePath', number: 4, type: 'string' },
      { name: 'keyPath', number: 5, type: 'string' },
      { name: 'certificateChainPath', number: 6, type: 'string' },
      { name: 'userAnnotations', number: 7, type: 'map<string,string>' },
    ],
  },
  'core.v1.PodCondition': {
    fields: [
      { name: 'type', number: 1, type: 'string', omitEmpty: false },
      { name: 'observedGeneration', number: 7, type: 'int64' },
      { name: 'status', number: 2, type: 'string', omitEmpty: false },
      { name: 'lastProbeTime', number: 3, type: 'meta.v1.Time' },
      { name: 'lastTransitionTime', number: 4, type: 'meta.v1.Time' },
      { name: 'reason', number: 5, type: 'string' },
      { name: 'message', number: 6, type: 'string' },
    ],
  },
  'core.v1.PodDNSConfig': {
    fields: [
      { name: 'nameservers', number: 1, type: 'string', repeated: true },
      { name: 'searches', number: 2, type: 'string', repeated: true },
      { name: 'options', number: 3, type: 'core.v1.PodDNSConfigOption', repeated: true },
    ],
  },
  'core.v1.PodDNSConfigOption': {
    fields: [
      { name: 'name', number: 1, type: 'string' },
      { name: 'value', number: 2, type: 'string', pointer: true },
    ],
  },
  'core.v1.PodExecOptions': {
    fields: [
      { name: 'stdin', number: 1, type: 'bool' },
      { name: 'stdout', number: 2, type: 'bool' },
      { name: 'stderr', number: 3, type: 'bool' },
      { name: 'tty', number: 4, type: 'bool' },
      { name: 'container', number: 5, type: 'string' },
      { name: 'command', number: 6, type: 'string', repeated: true, omitEmpty: false },
    ],
  },
  'core.v1.PodExtendedResourceClaimStatus': {
    fields: [
      { name: 'requestMappings', number: 1, type: 'core.v1.ContainerExtendedResourceRequest', repeated: true, omitEmpty: false },
      { name: 'resourceClaimName', number: 2, type: 'string', omitEmpty: false },
    ],
  },
  'core.v1.PodIP': {
    fields: [
      { name: 'ip', number: 1, type: 'string', omitEmpty: false },
    ],
  },
  'core.v1.PodList': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'core.v1.Pod', repeated: true, omitEmpty: false },
    ],
  },
  'core.v1.PodLogOptions': {
    fields: [
      { name: 'container', number: 1, type: 'string' },
      { name: 'follow', number: 2, type: 'bool' },
      { name: 'previous', number: 3, type: 'bool' },
      { name: 'sinceSeconds', number: 4, type: 'int64', pointer: true },
      { name: 'sinceTime', number: 5, type: 'meta.v1.Time', pointer: true },
      { name: 'timestamps', number: 6, type: 'bool' },
      { name: 'tailLines', number: 7, type: 'int64', pointer: true },
      { name: 'limitBytes', number: 8, type: 'int64', pointer: true },
      { name: 'insecureSkipTLSVerifyBackend', number: 9, type: 'bool' },
      { name: 'stream', number: 10, type: 'string', pointer: true },
    ],
  },
  'core.v1.PodOS': {
    fields: [
      { name: 'name', number: 1, type: 'string', omitEmpty: false },
    ],
  },
  'core.v1.PodPortForwardOptions': {
    fields: [
      { name: 'ports', number: 1, type: 'int32', repeated: true },
    ],
  },
  'core.v1.PodProxyOptions': {
    fields: [
      { name: 'path', number: 1, type: 'string' },
    ],
  },
  'core.v1.PodReadinessGate': {
    fields: [
      { name: 'conditionType', number: 1, type: 'string', omitEmpty: false },
    ],
  },
  'core.v1.PodResourceClaim': {
    fields: [
      { name: 'name', number: 1, type: 'string', omitEmpty: false },
      { name: 'resourceClaimName', number: 3, type: 'string', pointer: true },
      { name: 'resourceClaimTemplateName', number: 4, type: 'string', pointer: true },
    ],
  },
  'core.v1.PodResourceClaimStatus': {
    fields: [
      { name: 'name', number: 1, type: 'string', omitEmpty: false },
      { name: 'resourceClaimName', number: 2, type: 'string', pointer: true },
    ],
  },
  'core.v1.PodSchedulingGate': {
    fields: [
      { name: 'name', number: 1, type: 'string', omitEmpty: false },
    ],
  },
  'core.v1.PodSchedulingGroup': {
    fields: [
      { name: 'podGroupName', number: 1, type: 'string', pointer: true },
    ],
  },
  'core.v1.PodSecurityContext': {
    fields: [
      { name: 'seLinuxOptions', number: 1, type: 'core.v1.SELinuxOptions', pointer: true },
      { name: 'windowsOptions', number: 8, type: 'core.v1.WindowsSecurityContextOptions', pointer: true },
      { name: 'runAsUser', number: 2, type: 'int64', pointer: true },
      { name: 'runAsGroup', number: 6, type: 'int64', pointer: true },
      { name: 'runAsNonRoot', number: 3, type: 'bool', pointer: true },
      { name: 'supplementalGroups', number: 4, type: 'int64', repeated: true },
      { name: 'supplementalGroupsPolicy', number: 12, type: 'string', pointer: true },
      { name: 'fsGroup', number: 5, type: 'int64', pointer: true },
      { name: 'sysctls', number: 7, type: 'core.v1.Sysctl', repeated: true },
      { name: 'fsGroupChangePolicy', number: 9, type: 'string', pointer: true },
      { name: 'seccompProfile', number: 10, type: 'core.v1.SeccompProfile', pointer: true },
      { name: 'appArmorProfile', number: 11, type: 'core.v1.AppArmorProfile', pointer: true },
      { name: 'seLinuxChangePolicy', number: 13, type: 'string', pointer: true },
    ],
  },
  'core.v1.PodSignature': {
    fields: [
      { name: 'podController', number: 1, type: 'meta.v1.OwnerReference', pointer: true },
    ],
  },
  'core.v1.PodSpec': {
    fields: [
      { name: 'volumes', number: 1, type: 'core.v1.Volume', repeated: true },
      { name: 'initContainers', number: 20, type: 'core.v1.Container', repeated: true },
      { name: 'containers', number: 2, type: 'core.v1.Container', repeated: true, omitEmpty: false },
      { name: 'ephemeralContainers', number: 34, type: 'core.v1.EphemeralContainer', repeated: true },
      { name: 'restartPolicy', number: 3, type: 'string' },
      { name: 'terminationGracePeriodSeconds', number: 4, type: 'int64', pointer: true },
      { name: 'activeDeadlineSeconds', number: 5, type: 'int64', pointer: true },
      { name: 'dnsPolicy', number: 6, type: 'string' },
      { name: 'nodeSelector', number: 7, type: 'map<string,string>' },
      { name: 'serviceAccountName', number: 8, type: 'string' },
      { name: 'serviceAccount', number: 9, type: 'string' },
      { name: 'automountServiceAccountToken', number: 21, type: 'bool', pointer: true },
      { name: 'nodeName', number: 10, type: 'string' },
      { name: 'hostNetwork', number: 11, type: 'bool' },
      { name: 'hostPID', number: 12, type: 'bool' },
      { name: 'hostIPC', number: 13, type: 'bool' },
      { name: 'shareProcessNamespace', number: 27, type: 'bool', pointer: true },
      { name: 'securityContext', number: 14, type: 'core.v1.PodSecurityContext', pointer: true },
      { name: 'imagePullSecrets', number: 15, type: 'core.v1.LocalObjectReference', repeated: true },
      { name: 'hostname', number: 16, type: 'string' },
      { name: 'subdomain', number: 17, type: 'string' },
      { name: 'affinity', number: 18, type: 'core.v1.Affinity', pointer: true },
      { name: 'schedulerName', number: 19, type: 'string' },
      { name: 'tolerations', number: 22, type: 'core.v1.Toleration', repeated: true },
      { name: 'hostAliases', number: 23, type: 'core.v1.HostAlias', repeated: true },
      { name: 'priorityClassName', number: 24, type: 'string' },
      { name: 'priority', number: 25, type: 'int32', pointer: true },
      { name: 'dnsConfig', number: 26, type: 'core.v1.PodDNSConfig', pointer: true },
      { name: 'readinessGates', number: 28, type: 'core.v1.PodReadinessGate', repeated: true },
      { name: 'runtimeClassName', number: 29, type: 'string', pointer: true },
      { name: 'enableServiceLinks', number: 30, type: 'bool', pointer: true },
      { name: 'preemptionPolicy', number: 31, type: 'string', pointer: true },
      { name: 'overhead', number: 32, type: 'map<string,resource.Quantity>' },
      { name: 'topologySpreadConstraints', number: 33, type: 'core.v1.TopologySpreadConstraint', repeated: true },
      { name: 'setHostnameAsFQDN', number: 35, type: 'bool', pointer: true },
      { name: 'os', number: 36, type: 'core.v1.PodOS', pointer: true },
      { name: 'hostUsers', number: 37, type: 'bool', pointer: true },
      { name: 'schedulingGates', number: 38, type: 'core.v1.PodSchedulingGate', repeated: true },
      { name: 'resourceClaims', number: 39, type: 'core.v1.PodResourceClaim', repeated: true },
      { name: 'resources', number: 40, type: 'core.v1.ResourceRequirements', pointer: true },
      { name: 'hostnameOverride', number: 41, type: 'string', pointer: true },
      { name: 'schedulingGroup', number: 43, type: 'core.v1.PodSchedulingGroup', pointer: true },
    ],
  },
  'core.v1.PodStatus': {
    fields: [
      { name: 'observedGeneration', number: 17, type: 'int64' },
      { name: 'phase', number: 1, type: 'string' },
      { name: 'conditions', number: 2, type: 'core.v1.PodCondition', repeated: true },
      { name: 'message', number: 3, type: 'string' },
      { name: 'reason', number: 4, type: 'string' },
      { name: 'nominatedNodeName', number: 11, type: 'string' },
      { name: 'hostIP', number: 5, type: 'string' },
      { name: 'hostIPs', number: 16, type: 'core.v1.HostIP', repeated: true },
      { name: 'podIP', number: 6, type: 'string' },
      { name: 'podIPs', number: 12, type: 'core.v1.PodIP', repeated: true },
      { name: 'startTime', number: 7, type: 'meta.v1.Time', pointer: true },
      { name: 'initContainerStatuses', number: 10, type: 'core.v1.ContainerStatus', repeated: true },
      { name: 'containerStatuses', number: 8, type: 'core.v1.ContainerStatus', repeated: true },
      { name: 'qosClass', number: 9, type: 'string' },
      { name: 'ephemeralContainerStatuses', number: 13, type: 'core.v1.ContainerStatus', repeated: true },
      { name: 'resize', number: 14, type: 'string' },
      { name: 'resourceClaimStatuses', number: 15, type: 'core.v1.PodResourceClaimStatus', repeated: true },
      { name: 'extendedResourceClaimStatus', number: 18, type: 'core.v1.PodExtendedResourceClaimStatus', pointer: true },
      { name: 'allocatedResources', number: 19, type: 'map<string,resource.Quantity>' },
      { name: 'resources', number: 20, type: 'core.v1.ResourceRequirements', pointer: true },
      { name: 'nodeAllocatableResourceClaimStatuses', number: 21, type: 'core.v1.NodeAllocatableResourceClaimStatus', repeated: true },
    ],
  },
  'core.v1.PodStatusResult': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'status', number: 2, type: 'core.v1.PodStatus' },
    ],
  },
  'core.v1.PodTemplate': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'template', number: 2, type: 'core.v1.PodTemplateSpec' },
    ],
  },
  'core.v1.PodTemplateList': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'core.v1.PodTemplate', repeated: true, omitEmpty: false },
    ],
  },
  'core.v1.PodTemplateSpec': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'spec', number: 2, type: 'core.v1.PodSpec' },
    ],
  },
  'core.v1.PortStatus': {
    fields: [
      { name: 'port', number: 1, type: 'int32', omitEmpty: false },
      { name: 'protocol', number: 2, type: 'string', omitEmpty: false },
      { name: 'error', number: 3, type: 'string', pointer: true },
    ],
  },
  'core.v1.PortworxVolumeSource': {
    fields: [
      { name: 'volumeID', number: 1, type: 'string', omitEmpty: false },
      { name: 'fsType', number: 2, type: 'string' },
      { name: 'readOnly', number: 3, type: 'bool' },
    ],
  },
  'core.v1.Preconditions': {
    fields: [
      { name: 'uid', number: 1, type: 'string', pointer: true },
    ],
  },
  'core.v1.PreferAvoidPodsEntry': {
    fields: [
      { name: 'podSignature', number: 1, type: 'core.v1.PodSignature', omitEmpty: false },
      { name: 'evictionTime', number: 2, type: 'meta.v1.Time' },
      { name: 'reason', number: 3, type: 'string' },
      { name: 'message', number: 4, type: 'string' },
    ],
  },
  'core.v1.PreferredSchedulingTerm': {
    fields: [
      { name: 'weight', number: 1, type: 'int32', omitEmpty: false },
      { name: 'preference', number: 2, type: 'core.v1.NodeSelectorTerm', omitEmpty: false },
    ],
  },
  'core.v1.Probe': {
    fields: [
      { name: 'handler', number: 1, type: 'core.v1.ProbeHandler', omitEmpty: false, inline: true },
      { name: 'initialDelaySeconds', number: 2, type: 'int32' },
      { name: 'timeoutSeconds', number: 3, type: 'int32' },
      { name: 'periodSeconds', number: 4, type: 'int32' },
      { name: 'successThreshold', number: 5, type: 'int32' },
      { name: 'failureThreshold', number: 6, type: 'int32' },
      { name: 'terminationGracePeriodSeconds', number: 7, type: 'int64', pointer: true },
    ],
  },
  'core.v1.ProbeHandler': {
    fields: [
      { name: 'exec', number: 1, type: 'core.v1.ExecAction', pointer: true },
      { name: 'httpGet', number: 2, type: 'core.v1.HTTPGetAction', pointer: true },
      { name: 'tcpSocket', number: 3, type: 'core.v1.TCPSocketAction', pointer: true },
      { name: 'grpc', number: 4, type: 'core.v1.GRPCAction', pointer: true },
    ],
  },
  'core.v1.ProjectedVolumeSource': {
    fields: [
      { name: 'sources', number: 1, type: 'core.v1.VolumeProjection', repeated: true, omitEmpty: false },
      { name: 'defaultMode', number: 2, type: 'int32', pointer: true },
    ],
  },
  'core.v1.QuobyteVolumeSource': {
    fields: [
      { name: 'registry', number: 1, type: 'string', omitEmpty: false },
      { name: 'volume', number: 2, type: 'string', omitEmpty: false },
      { name: 'readOnly', number: 3, type: 'bool' },
      { name: 'user', number: 4, type: 'string' },
      { name: 'group', number: 5, type: 'string' },
      { name: 'tenant', number: 6, type: 'string' },
    ],
  },
  'core.v1.RBDPersistentVolumeSource': {
    fields: [
      { name: 'monitors', number: 1, type: 'string', repeated: true, omitEmpty: false },
      { name: 'image', number: 2, type: 'string', omitEmpty: false },
      { name: 'fsType', number: 3, type: 'string' },
      { name: 'pool', number: 4, type: 'string' },
      { name: 'user', number: 5, type: 'string' },
      { name: 'keyring', number: 6, type: 'string' },
      { name: 'secretRef', number: 7, type: 'core.v1.SecretReference', pointer: true },
      { name: 'readOnly', number: 8, type: 'bool' },
    ],
  },
  'core.v1.RBDVolumeSource': {
    fields: [
      { name: 'monitors', number: 1, type: 'string', repeated: true, omitEmpty: false },
      { name: 'image', number: 2, type: 'string', omitEmpty: false },
      { name: 'fsType', number: 3, type: 'string' },
      { name: 'pool', number: 4, type: 'string' },
      { name: 'user', number: 5, type: 'string' },
      { name: 'keyring', number: 6, type: 'string' },
      { name: 'secretRef', number: 7, type: 'core.v1.LocalObjectReference', pointer: true },
      { name: 'readOnly', number: 8, type: 'bool' },
    ],
  },
  'core.v1.RangeAllocation': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'range', number: 2, type: 'string', omitEmpty: false },
      { name: 'data', number: 3, type: 'bytes', omitEmpty: false, pointer: true },
    ],
  },
  'core.v1.ReplicationController': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'spec', number: 2, type: 'core.v1.ReplicationControllerSpec' },
      { name: 'status', number: 3, type: 'core.v1.ReplicationControllerStatus' },
    ],
  },
  'core.v1.ReplicationControllerCondition': {
    fields: [
      { name: 'type', number: 1, type: 'string', omitEmpty: false },
      { name: 'status', number: 2, type: 'string', omitEmpty: false },
      { name: 'lastTransitionTime', number: 3, type: 'meta.v1.Time' },
      { name: 'reason', number: 4, type: 'string' },
      { name: 'message', number: 5, type: 'string' },
    ],
  },
  'core.v1.ReplicationControllerList': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'core.v1.ReplicationController', repeated: true, omitEmpty: false },
    ],
  },
  'core.v1.ReplicationControllerSpec': {
    fields: [
      { name: 'replicas', number: 1, type: 'int32', pointer: true },
      { name: 'minReadySeconds', number: 4, type: 'int32' },
      { name: 'selector', number: 2, type: 'map<string,string>' },
      { name: 'template', number: 3, type: 'core.v1.PodTemplateSpec', pointer: true },
    ],
  },
  'core.v1.ReplicationControllerStatus': {
    fields: [
      { name: 'replicas', number: 1, type: 'int32', omitEmpty: false },
      { name: 'fullyLabeledReplicas', number: 2, type: 'int32' },
      { name: 'readyReplicas', number: 4, type: 'int32' },
      { name: 'availableReplicas', number: 5, type: 'int32' },
      { name: 'observedGeneration', number: 3, type: 'int64' },
      { name: 'conditions', number: 6, type: 'core.v1.ReplicationControllerCondition', repeated: true },
    ],
  },
  'core.v1.ResourceClaim': {
    fields: [
      { name: 'name', number: 1, type: 'string', omitEmpty: false },
      { name: 'request', number: 2, type: 'string' },
    ],
  },
  'core.v1.ResourceFieldSelector': {
    fields: [
      { name: 'containerName', number: 1, type: 'string' },
      { name: 'resource', number: 2, type: 'string', omitEmpty: false },
      { name: 'divisor', number: 3, type: 'resource.Quantity' },
    ],
  },
  'core.v1.ResourceHealth': {
    fields: [
      { name: 'resourceID', number: 1, type: 'string', omitEmpty: false },
      { name: 'health', number: 2, type: 'string' },
      { name: 'message', number: 6, type: 'string', pointer: true },
    ],
  },
  'core.v1.ResourceQuota': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'spec', number: 2, type: 'core.v1.ResourceQuotaSpec' },
      { name: 'status', number: 3, type: 'core.v1.ResourceQuotaStatus' },
    ],
  },
  'core.v1.ResourceQuotaList': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'core.v1.ResourceQuota', repeated: true, omitEmpty: false },
    ],
  },
  'core.v1.ResourceQuotaSpec': {
    fields: [
      { name: 'hard', number: 1, type: 'map<string,resource.Quantity>' },
      { name: 'scopes', number: 2, type: 'string', repeated: true },
      { name: 'scopeSelector', number: 3, type: 'core.v1.ScopeSelector', pointer: true },
    ],
  },
  'core.v1.ResourceQuotaStatus': {
    fields: [
      { name: 'hard', number: 1, type: 'map<string,resource.Quantity>' },
      { name: 'used', number: 2, type: 'map<string,resource.Quantity>' },
    ],
  },
  'core.v1.ResourceRequirements': {
    fields: [
      { name: 'limits', number: 1, type: 'map<string,resource.Quantity>' },
      { name: 'requests', number: 2, type: 'map<string,resource.Quantity>' },
      { name: 'claims', number: 3, type: 'core.v1.ResourceClaim', repeated: true },
    ],
  },
  'core.v1.ResourceStatus': {
    fields: [
      { name: 'name', number: 1, type: 'string', omitEmpty: false },
      { name: 'resources', number: 2, type: 'core.v1.ResourceHealth', repeated: true },
    ],
  },
  'core.v1.SELinuxOptions': {
    fields: [
      { name: 'user', number: 1, type: 'string' },
      { name: 'role', number: 2, type: 'string' },
      { name: 'type', number: 3, type: 'string' },
      { name: 'level', number: 4, type: 'string' },
    ],
  },
  'core.v1.ScaleIOPersistentVolumeSource': {
    fields: [
      { name: 'gateway', number: 1, type: 'string', omitEmpty: false },
      { name: 'system', number: 2, type: 'string', omitEmpty: false },
      { name: 'secretRef', number: 3, type: 'core.v1.SecretReference', omitEmpty: false, pointer: true },
      { name: 'sslEnabled', number: 4, type: 'bool' },
      { name: 'protectionDomain', number: 5, type: 'string' },
      { name: 'storagePool', number: 6, type: 'string' },
      { name: 'storageMode', number: 7, type: 'string' },
      { name: 'volumeName', number: 8, type: 'string' },
      { name: 'fsType', number: 9, type: 'string' },
      { name: 'readOnly', number: 10, type: 'bool' },
    ],
  },
  'core.v1.ScaleIOVolumeSource': {
    fields: [
      { name: 'gateway', number: 1, type: 'string', omitEmpty: false },
      { name: 'system', number: 2, type: 'string', omitEmpty: false },
      { name: 'secretRef', number: 3, type: 'core.v1.LocalObjectReference', omitEmpty: false, pointer: true },
      { name: 'sslEnabled', number: 4, type: 'bool' },
      { name: 'protectionDomain', number: 5, type: 'string' },
      { name: 'storagePool', number: 6, type: 'string' },
      { name: 'storageMode', number: 7, type: 'string' },
      { name: 'volumeName', number: 8, type: 'string' },
      { name: 'fsType', number: 9, type: 'string' },
      { name: 'readOnly', number: 10, type: 'bool' },
    ],
  },
  'core.v1.ScopeSelector': {
    fields: [
      { name: 'matchExpressions', number: 1, type: 'core.v1.ScopedResourceSelectorRequirement', repeated: true },
    ],
  },
  'core.v1.ScopedResourceSelectorRequirement': {
    fields: [
      { name: 'scopeName', number: 1, type: 'string', omitEmpty: false },
      { name: 'operator', number: 2, type: 'string', omitEmpty: false },
      { name: 'values', number: 3, type: 'string', repeated: true },
    ],
  },
  'core.v1.SeccompProfile': {
    fields: [
      { name: 'type', number: 1, type: 'string', omitEmpty: false },
      { name: 'localhostProfile', number: 2, type: 'string', pointer: true },
    ],
  },
  'core.v1.Secret': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'immutable', number: 5, type: 'bool', pointer: true },
      { name: 'data', number: 2, type: 'map<string,bytes>' },
      { name: 'stringData', number: 4, type: 'map<string,string>' },
      { name: 'type', number: 3, type: 'string' },
    ],
  },
  'core.v1.SecretEnvSource': {
    fields: [
      { name: 'localObjectReference', number: 1, type: 'core.v1.LocalObjectReference', omitEmpty: false, inline: true },
      { name: 'optional', number: 2, type: 'bool', pointer: true },
    ],
  },
  'core.v1.SecretKeySelector': {
    fields: [
      { name: 'localObjectReference', number: 1, type: 'core.v1.LocalObjectReference', omitEmpty: false, inline: true },
      { name: 'key', number: 2, type: 'string', omitEmpty: false },
      { name: 'optional', number: 3, type: 'bool', pointer: true },
    ],
  },
  'core.v1.SecretList': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'core.v1.Secret', repeated: true, omitEmpty: false },
    ],
  },
  'core.v1.SecretProjection': {
    fields: [
      { name: 'localObjectReference', number: 1, type: 'core.v1.LocalObjectReference', omitEmpty: false, inline: true },
      { name: 'items', number: 2, type: 'core.v1.KeyToPath', repeated: true },
      { name: 'optional', number: 4, type: 'bool', pointer: true },
    ],
  },
  'core.v1.SecretReference': {
    fields: [
      { name: 'name', number: 1, type: 'string' },
      { name: 'namespace', number: 2, type: 'string' },
    ],
  },
  'core.v1.SecretVolumeSource': {
    fields: [
      { name: 'secretName', number: 1, type: 'string' },
      { name: 'items', number: 2, type: 'core.v1.KeyToPath', repeated: true },
      { name: 'defaultMode', number: 3, type: 'int32', pointer: true },
      { name: 'optional', number: 4, type: 'bool', pointer: true },
    ],
  },
  'core.v1.SecurityContext': {
    fields: [
      { name: 'capabilities', number: 1, type: 'core.v1.Capabilities', pointer: true },
      { name: 'privileged', number: 2, type: 'bool', pointer: true },
      { name: 'seLinuxOptions', number: 3, type: 'core.v1.SELinuxOptions', pointer: true },
      { name: 'windowsOptions', number: 10, type: 'core.v1.WindowsSecurityContextOptions', pointer: true },
      { name: 'runAsUser', number: 4, type: 'int64', pointer: true },
      { name: 'runAsGroup', number: 8, type: 'int64', pointer: true },
      { name: 'runAsNonRoot', number: 5, type: 'bool', pointer: true },
      { name: 'readOnlyRootFilesystem', number: 6, type: 'bool', pointer: true },
      { name: 'allowPrivilegeEscalation', number: 7, type: 'bool', pointer: true },
      { name: 'procMount', number: 9, type: 'string', pointer: true },
      { name: 'seccompProfile', number: 11, type: 'core.v1.SeccompProfile', pointer: true },
      { name: 'appArmorProfile', number: 12, type: 'core.v1.AppArmorProfile', pointer: true },
    ],
  },
  'core.v1.SerializedReference': {
    fields: [
      { name: 'reference', number: 1, type: 'core.v1.ObjectReference' },
    ],
  },
  'core.v1.Service': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'spec', number: 2, type: 'core.v1.ServiceSpec' },
      { name: 'status', number: 3, type: 'core.v1.ServiceStatus' },
    ],
  },
  'core.v1.ServiceAccount': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'secrets', number: 2, type: 'core.v1.ObjectReference', repeated: true },
      { name: 'imagePullSecrets', number: 3, type: 'core.v1.LocalObjectReference', repeated: true },
      { name: 'automountServiceAccountToken', number: 4, type: 'bool', pointer: true },
    ],
  },
  'core.v1.ServiceAccountList': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'core.v1.ServiceAccount', repeated: true, omitEmpty: false },
    ],
  },
  'core.v1.ServiceAccountTokenProjection': {
    fields: [
      { name: 'audience', number: 1, type: 'string' },
      { name: 'expirationSeconds', number: 2, type: 'int64', pointer: true },
      { name: 'path', number: 3, type: 'string', omitEmpty: false },
    ],
  },
  'core.v1.ServiceList': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'core.v1.Service', repeated: true, omitEmpty: false },
    ],
  },
  'core.v1.ServicePort': {
    fields: [
      { name: 'name', number: 1, type: 'string' },
      { name: 'protocol', number: 2, type: 'string' },
      { name: 'appProtocol', number: 6, type: 'string', pointer: true },
      { name: 'port', number: 3, type: 'int32', omitEmpty: false },
      { name: 'targetPort', number: 4, type: 'intstr.IntOrString' },
      { name: 'nodePort', number: 5, type: 'int32' },
    ],
  },
  'core.v1.ServiceProxyOptions': {
    fields: [
      { name: 'path', number: 1, type: 'string' },
    ],
  },
  'core.v1.ServiceSpec': {
    fields: [
      { name: 'ports', number: 1, type: 'core.v1.ServicePort', repeated: true },
      { name: 'selector', number: 2, type: 'map<string,string>' },
      { name: 'clusterIP', number: 3, type: 'string' },
      { name: 'clusterIPs', number: 18, type: 'string', repeated: true },
      { name: 'type', number: 4, type: 'string' },
      { name: 'externalIPs', number: 5, type: 'string', repeated: true },
      { name: 'sessionAffinity', number: 7, type: 'string' },
      { name: 'loadBalancerIP', number: 8, type: 'string' },
      { name: 'loadBalancerSourceRanges', number: 9, type: 'string', repeated: true },
      { name: 'externalName', number: 10, type: 'string' },
      { name: 'externalTrafficPolicy', number: 11, type: 'string' },
      { name: 'healthCheckNodePort', number: 12, type: 'int32' },
      { name: 'publishNotReadyAddresses', number: 13, type: 'bool' },
      { name: 'sessionAffinityConfig', number: 14, type: 'core.v1.SessionAffinityConfig', pointer: true },
      { name: 'ipFamilies', number: 19, type: 'string', repeated: true },
      { name: 'ipFamilyPolicy', number: 17, type: 'string', pointer: true },
      { name: 'allocateLoadBalancerNodePorts', number: 20, type: 'bool', pointer: true },
      { name: 'loadBalancerClass', number: 21, type: 'string', pointer: true },
      { name: 'internalTrafficPolicy', number: 22, type: 'string', pointer: true },
      { name: 'trafficDistribution', number: 23, type: 'string', pointer: true },
    ],
  },
  'core.v1.ServiceStatus': {
    fields: [
      { name: 'loadBalancer', number: 1, type: 'core.v1.LoadBalancerStatus' },
      { name: 'conditions', number: 2, type: 'meta.v1.Condition', repeated: true },
    ],
  },
  'core.v1.SessionAffinityConfig': {
    fields: [
      { name: 'clientIP', number: 1, type: 'core.v1.ClientIPConfig', pointer: true },
    ],
  },
  'core.v1.SleepAction': {
    fields: [
      { name: 'seconds', number: 1, type: 'int64', omitEmpty: false },
    ],
  },
  'core.v1.StorageOSPersistentVolumeSource': {
    fields: [
      { name: 'volumeName', number: 1, type: 'string' },
      { name: 'volumeNamespace', number: 2, type: 'string' },
      { name: 'fsType', number: 3, type: 'string' },
      { name: 'readOnly', number: 4, type: 'bool' },
      { name: 'secretRef', number: 5, type: 'core.v1.ObjectReference', pointer: true },
    ],
  },
  'core.v1.StorageOSVolumeSource': {
    fields: [
      { name: 'volumeName', number: 1, type: 'string' },
      { name: 'volumeNamespace', number: 2, type: 'string' },
      { name: 'fsType', number: 3, type: 'string' },
      { name: 'readOnly', number: 4, type: 'bool' },
      { name: 'secretRef', number: 5, type: 'core.v1.LocalObjectReference', pointer: true },
    ],
  },
  'core.v1.Sysctl': {
    fields: [
      { name: 'name', number: 1, type: 'string', omitEmpty: false },
      { name: 'value', number: 2, type: 'string', omitEmpty: false },
    ],
  },
  'core.v1.TCPSocketAction': {
    fields: [
      { name: 'port', number: 1, type: 'intstr.IntOrString', omitEmpty: false },
      { name: 'host', number: 2, type: 'string' },
    ],
  },
  'core.v1.Taint': {
    fields: [
      { name: 'key', number: 1, type: 'string', omitEmpty: false },
      { name: 'value', number: 2, type: 'string' },
      { name: 'effect', number: 3, type: 'string', omitEmpty: false },
      { name: 'timeAdded', number: 4, type: 'meta.v1.Time', pointer: true },
    ],
  },
  'core.v1.Toleration': {
    fields: [
      { name: 'key', number: 1, type: 'string' },
      { name: 'operator', number: 2, type: 'string' },
      { name: 'value', number: 3, type: 'string' },
      { name: 'effect', number: 4, type: 'string' },
      { name: 'tolerationSeconds', number: 5, type: 'int64', pointer: true },
    ],
  },
  'core.v1.TopologySelectorLabelRequirement': {
    fields: [
      { name: 'key', number: 1, type: 'string', omitEmpty: false },
      { name: 'values', number: 2, type: 'string', repeated: true, omitEmpty: false },
    ],
  },
  'core.v1.TopologySelectorTerm': {
    fields: [
      { name: 'matchLabelExpressions', number: 1, type: 'core.v1.TopologySelectorLabelRequirement', repeated: true },
    ],
  },
  'core.v1.TopologySpreadConstraint': {
    fields: [
      { name: 'maxSkew', number: 1, type: 'int32', omitEmpty: false },
      { name: 'topologyKey', number: 2, type: 'string', omitEmpty: false },
      { name: 'whenUnsatisfiable', number: 3, type: 'string', omitEmpty: false },
      { name: 'labelSelector', number: 4, type: 'meta.v1.LabelSelector', pointer: true },
      { name: 'minDomains', number: 5, type: 'int32', pointer: true },
      { name: 'nodeAffinityPolicy', number: 6, type: 'string', pointer: true },
      { name: 'nodeTaintsPolicy', number: 7, type: 'string', pointer: true },
      { name: 'matchLabelKeys', number: 8, type: 'string', repeated: true },
    ],
  },
  'core.v1.TypedLocalObjectReference': {
    fields: [
      { name: 'apiGroup', number: 1, type: 'string', omitEmpty: false, pointer: true },
      { name: 'kind', number: 2, type: 'string', omitEmpty: false },
      { name: 'name', number: 3, type: 'string', omitEmpty: false },
    ],
  },
  'core.v1.TypedObjectReference': {
    fields: [
      { name: 'apiGroup', number: 1, type: 'string', omitEmpty: false, pointer: true },
      { name: 'kind', number: 2, type: 'string', omitEmpty: false },
      { name: 'name', number: 3, type: 'string', omitEmpty: false },
      { name: 'namespace', number: 4, type: 'string', pointer: true },
    ],
  },
  'core.v1.Volume': {
    fields: [
      { name: 'name', number: 1, type: 'string', omitEmpty: false },
      { name: 'volumeSource', number: 2, type: 'core.v1.VolumeSource', omitEmpty: false, inline: true },
    ],
  },
  'core.v1.VolumeDevice': {
    fields: [
      { name: 'name', number: 1, type: 'string', omitEmpty: false },
      { name: 'devicePath', number: 2, type: 'string', omitEmpty: false },
    ],
  },
  'core.v1.VolumeMount': {
    fields: [
      { name: 'name', number: 1, type: 'string', omitEmpty: false },
      { name: 'readOnly', number: 2, type: 'bool' },
      { name: 'recursiveReadOnly', number: 7, type: 'string', pointer: true },
      { name: 'mountPath', number: 3, type: 'string', omitEmpty: false },
      { name: 'subPath', number: 4, type: 'string' },
      { name: 'mountPropagation', number: 5, type: 'string', pointer: true },
      { name: 'subPathExpr', number: 6, type: 'string' },
    ],
  },
  'core.v1.VolumeMountStatus': {
    fields: [
      { name: 'name', number: 1, type: 'string', omitEmpty: false },
      { name: 'mountPath', number: 2, type: 'string', omitEmpty: false },
      { name: 'readOnly', number: 3, type: 'bool' },
      { name: 'recursiveReadOnly', number: 4, type: 'string', pointer: true },
      { name: 'volumeStatus', number: 5, type: 'core.v1.VolumeStatus', pointer: true },
    ],
  },
  'core.v1.VolumeNodeAffinity': {
    fields: [
      { name: 'required', number: 1, type: 'core.v1.NodeSelector', pointer: true },
    ],
  },
  'core.v1.VolumeProjection': {
    fields: [
      { name: 'secret', number: 1, type: 'core.v1.SecretProjection', pointer: true },
      { name: 'downwardAPI', number: 2, type: 'core.v1.DownwardAPIProjection', pointer: true },
      { name: 'configMap', number: 3, type: 'core.v1.ConfigMapProjection', pointer: true },
      { name: 'serviceAccountToken', number: 4, type: 'core.v1.ServiceAccountTokenProjection', pointer: true },
      { name: 'clusterTrustBundle', number: 5, type: 'core.v1.ClusterTrustBundleProjection', pointer: true },
      { name: 'podCertificate', number: 6, type: 'core.v1.PodCertificateProjection', pointer: true },
    ],
  },
  'core.v1.VolumeResourceRequirements': {
    fields: [
      { name: 'limits', number: 1, type: 'map<string,resource.Quantity>' },
      { name: 'requests', number: 2, type: 'map<string,resource.Quantity>' },
    ],
  },
  'core.v1.VolumeSource': {
    fields: [
      { name: 'hostPath', number: 1, type: 'core.v1.HostPathVolumeSource', pointer: true },
      { name: 'emptyDir', number: 2, type: 'core.v1.EmptyDirVolumeSource', pointer: true },
      { name: 'gcePersistentDisk', number: 3, type: 'core.v1.GCEPersistentDiskVolumeSource', pointer: true },
      { name: 'awsElasticBlockStore', number: 4, type: 'core.v1.AWSElasticBlockStoreVolumeSource', pointer: true },
      { name: 'gitRepo', number: 5, type: 'core.v1.GitRepoVolumeSource', pointer: true },
      { name: 'secret', number: 6, type: 'core.v1.SecretVolumeSource', pointer: true },
      { name: 'nfs', number: 7, type: 'core.v1.NFSVolumeSource', pointer: true },
      { name: 'iscsi', number: 8, type: 'core.v1.ISCSIVolumeSource', pointer: true },
      { name: 'glusterfs', number: 9, type: 'core.v1.GlusterfsVolumeSource', pointer: true },
      { name: 'persistentVolumeClaim', number: 10, type: 'core.v1.PersistentVolumeClaimVolumeSource', pointer: true },
      { name: 'rbd', number: 11, type: 'core.v1.RBDVolumeSource', pointer: true },
      { name: 'flexVolume', number: 12, type: 'core.v1.FlexVolumeSource', pointer: true },
      { name: 'cinder', number: 13, type: 'core.v1.CinderVolumeSource', pointer: true },
      { name: 'cephfs', number: 14, type: 'core.v1.CephFSVolumeSource', pointer: true },
      { name: 'flocker', number: 15, type: 'core.v1.FlockerVolumeSource', pointer: true },
      { name: 'downwardAPI', number: 16, type: 'core.v1.DownwardAPIVolumeSource', pointer: true },
      { name: 'fc', number: 17, type: 'core.v1.FCVolumeSource', pointer: true },
      { name: 'azureFile', number: 18, type: 'core.v1.AzureFileVolumeSource', pointer: true },
      { name: 'configMap', number: 19, type: 'core.v1.ConfigMapVolumeSource', pointer: true },
      { name: 'vsphereVolume', number: 20, type: 'core.v1.VsphereVirtualDiskVolumeSource', pointer: true },
      { name: 'quobyte', number: 21, type: 'core.v1.QuobyteVolumeSource', pointer: true },
      { name: 'azureDisk', number: 22, type: 'core.v1.AzureDiskVolumeSource', pointer: true },
      { name: 'photonPersistentDisk', number: 23, type: 'core.v1.PhotonPersistentDiskVolumeSource', pointer: true },
      { name: 'projected', number: 26, type: 'core.v1.ProjectedVolumeSource', pointer: true },
      { name: 'portworxVolume', number: 24, type: 'core.v1.PortworxVolumeSource', pointer: true },
      { name: 'scaleIO', number: 25, type: 'core.v1.ScaleIOVolumeSource', pointer: true },
      { name: 'storageos', number: 27, type: 'core.v1.StorageOSVolumeSource', pointer: true },
      { name: 'csi', number: 28, type: 'core.v1.CSIVolumeSource', pointer: true },
      { name: 'ephemeral', number: 29, type: 'core.v1.EphemeralVolumeSource', pointer: true },
      { name: 'image', number: 30, type: 'core.v1.ImageVolumeSource', pointer: true },
    ],
  },
  'core.v1.VolumeStatus': {
    fields: [
      { name: 'image', number: 1, type: 'core.v1.ImageVolumeStatus', pointer: true },
    ],
  },
  'core.v1.VsphereVirtualDiskVolumeSource': {
    fields: [
      { name: 'volumePath', number: 1, type: 'string', omitEmpty: false },
      { name: 'fsType', number: 2, type: 'string' },
      { name: 'storagePolicyName', number: 3, type: 'string' },
      { name: 'storagePolicyID', number: 4, type: 'string' },
    ],
  },
  'core.v1.WeightedPodAffinityTerm': {
    fields: [
      { name: 'weight', number: 1, type: 'int32', omitEmpty: false },
      { name: 'podAffinityTerm', number: 2, type: 'core.v1.PodAffinityTerm', omitEmpty: false },
    ],
  },
  'core.v1.WindowsSecurityContextOptions': {
    fields: [
      { name: 'gmsaCredentialSpecName', number: 1, type: 'string', pointer: true },
      { name: 'gmsaCredentialSpec', number: 2, type: 'string', pointer: true },
      { name: 'runAsUserName', number: 3, type: 'string', pointer: true },
      { name: 'hostProcess', number: 4, type: 'bool', pointer: true },
    ],
  },
};

export const kinds: KindTable = {
  apiVersion: 'v1',
  kinds: {
    Pod: 'core.v1.Pod',
    PodList: 'core.v1.PodList',
    PodStatusResult: 'core.v1.PodStatusResult',
    PodTemplate: 'core.v1.PodTemplate',
    PodTemplateList: 'core.v1.PodTemplateList',
    ReplicationController: 'core.v1.ReplicationController',
    ReplicationControllerList: 'core.v1.ReplicationControllerList',
    Service: 'core.v1.Service',
    ServiceProxyOptions: 'core.v1.ServiceProxyOptions',
    ServiceList: 'core.v1.ServiceList',
    Endpoints: 'core.v1.Endpoints',
    EndpointsList: 'core.v1.EndpointsList',
    Node: 'core.v1.Node',
    NodeList: 'core.v1.NodeList',
    NodeProxyOptions: 'core.v1.NodeProxyOptions',
    Binding: 'core.v1.Binding',
    Event: 'core.v1.Event',
    EventList: 'core.v1.EventList',
    List: 'core.v1.List',
    LimitRange: 'core.v1.LimitRange',
    LimitRangeList: 'core.v1.LimitRangeList',
    ResourceQuota: 'core.v1.ResourceQuota',
    ResourceQuotaList: 'core.v1.ResourceQuotaList',
    Namespace: 'core.v1.Namespace',
    NamespaceList: 'core.v1.NamespaceList',
    Secret: 'core.v1.Secret',
    SecretList: 'core.v1.SecretList',
    ServiceAccount: 'core.v1.ServiceAccount',
    ServiceAccountList: 'core.v1.ServiceAccountList',
    PersistentVolume: 'core.v1.PersistentVolume',
    PersistentVolumeList: 'core.v1.PersistentVolumeList',
    PersistentVolumeClaim: 'core.v1.PersistentVolumeClaim',
    PersistentVolumeClaimList: 'core.v1.PersistentVolumeClaimList',
    PodAttachOptions: 'core.v1.PodAttachOptions',
    PodLogOptions: 'core.v1.PodLogOptions',
    PodExecOptions: 'core.v1.PodExecOptions',
    PodPortForwardOptions: 'core.v1.PodPortForwardOptions',
    PodProxyOptions: 'core.v1.PodProxyOptions',
    ComponentStatus: 'core.v1.ComponentStatus',
    ComponentStatusList: 'core.v1.ComponentStatusList',
    SerializedReference: 'core.v1.SerializedReference',
    RangeAllocation: 'core.v1.RangeAllocation',
    ConfigMap: 'core.v1.ConfigMap',
    ConfigMapList: 'core.v1.ConfigMapList',
  },
};
