// Protobuf schemas of k8s.io/api autoscaling/v1 (kubernetes/api v0.36.3): field numbers and types
// from its generated.proto; JSON names, omitempty and pointers from its Go struct tags.
// Written by ../tools/gen-schemas.ts; change the generator or schema.ts, not this file.

import type { KindTable, MessageSchemas } from '../schema.ts';

export const messages: MessageSchemas = {
  'autoscaling.v1.ContainerResourceMetricSource': {
    fields: [
      { name: 'name', number: 1, type: 'string', omitEmpty: false },
      { name: 'targetAverageUtilization', number: 2, type: 'int32', pointer: true },
      { name: 'targetAverageValue', number: 3, type: 'resource.Quantity', pointer: true },
      { name: 'container', number: 5, type: 'string', omitEmpty: false },
    ],
  },
  'autoscaling.v1.ContainerResourceMetricStatus': {
    fields: [
      { name: 'name', number: 1, type: 'string', omitEmpty: false },
      { name: 'currentAverageUtilization', number: 2, type: 'int32', pointer: true },
      { name: 'currentAverageValue', number: 3, type: 'resource.Quantity', omitEmpty: false },
      { name: 'container', number: 4, type: 'string', omitEmpty: false },
    ],
  },
  'autoscaling.v1.CrossVersionObjectReference': {
    fields: [
      { name: 'kind', number: 1, type: 'string', omitEmpty: false },
      { name: 'name', number: 2, type: 'string', omitEmpty: false },
      { name: 'apiVersion', number: 3, type: 'string' },
    ],
  },
  'autoscaling.v1.ExternalMetricSource': {
    fields: [
      { name: 'metricName', number: 1, type: 'string', omitEmpty: false },
      { name: 'metricSelector', number: 2, type: 'meta.v1.LabelSelector', pointer: true },
      { name: 'targetValue', number: 3, type: 'resource.Quantity', pointer: true },
      { name: 'targetAverageValue', number: 4, type: 'resource.Quantity', pointer: true },
    ],
  },
  'autoscaling.v1.ExternalMetricStatus': {
    fields: [
      { name: 'metricName', number: 1, type: 'string', omitEmpty: false },
      { name: 'metricSelector', number: 2, type: 'meta.v1.LabelSelector', pointer: true },
      { name: 'currentValue', number: 3, type: 'resource.Quantity', omitEmpty: false },
      { name: 'currentAverageValue', number: 4, type: 'resource.Quantity', pointer: true },
    ],
  },
  'autoscaling.v1.HorizontalPodAutoscaler': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'spec', number: 2, type: 'autoscaling.v1.HorizontalPodAutoscalerSpec' },
      { name: 'status', number: 3, type: 'autoscaling.v1.HorizontalPodAutoscalerStatus' },
    ],
  },
  'autoscaling.v1.HorizontalPodAutoscalerCondition': {
    fields: [
      { name: 'type', number: 1, type: 'string', omitEmpty: false },
      { name: 'status', number: 2, type: 'string', omitEmpty: false },
      { name: 'lastTransitionTime', number: 3, type: 'meta.v1.Time' },
      { name: 'reason', number: 4, type: 'string' },
      { name: 'message', number: 5, type: 'string' },
    ],
  },
  'autoscaling.v1.HorizontalPodAutoscalerList': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'autoscaling.v1.HorizontalPodAutoscaler', repeated: true, omitEmpty: false },
    ],
  },
  'autoscaling.v1.HorizontalPodAutoscalerSpec': {
    fields: [
      { name: 'scaleTargetRef', number: 1, type: 'autoscaling.v1.CrossVersionObjectReference', omitEmpty: false },
      { name: 'minReplicas', number: 2, type: 'int32', pointer: true },
      { name: 'maxReplicas', number: 3, type: 'int32', omitEmpty: false },
      { name: 'targetCPUUtilizationPercentage', number: 4, type: 'int32', pointer: true },
    ],
  },
  'autoscaling.v1.HorizontalPodAutoscalerStatus': {
    fields: [
      { name: 'observedGeneration', number: 1, type: 'int64', pointer: true },
      { name: 'lastScaleTime', number: 2, type: 'meta.v1.Time', pointer: true },
      { name: 'currentReplicas', number: 3, type: 'int32', omitEmpty: false },
      { name: 'desiredReplicas', number: 4, type: 'int32', omitEmpty: false },
      { name: 'currentCPUUtilizationPercentage', number: 5, type: 'int32', pointer: true },
    ],
  },
  'autoscaling.v1.MetricSpec': {
    fields: [
      { name: 'type', number: 1, type: 'string', omitEmpty: false },
      { name: 'object', number: 2, type: 'autoscaling.v1.ObjectMetricSource', pointer: true },
      { name: 'pods', number: 3, type: 'autoscaling.v1.PodsMetricSource', pointer: true },
      { name: 'resource', number: 4, type: 'autoscaling.v1.ResourceMetricSource', pointer: true },
      { name: 'containerResource', number: 7, type: 'autoscaling.v1.ContainerResourceMetricSource', pointer: true },
      { name: 'external', number: 5, type: 'autoscaling.v1.ExternalMetricSource', pointer: true },
    ],
  },
  'autoscaling.v1.MetricStatus': {
    fields: [
      { name: 'type', number: 1, type: 'string', omitEmpty: false },
      { name: 'object', number: 2, type: 'autoscaling.v1.ObjectMetricStatus', pointer: true },
      { name: 'pods', number: 3, type: 'autoscaling.v1.PodsMetricStatus', pointer: true },
      { name: 'resource', number: 4, type: 'autoscaling.v1.ResourceMetricStatus', pointer: true },
      { name: 'containerResource', number: 7, type: 'autoscaling.v1.ContainerResourceMetricStatus', pointer: true },
      { name: 'external', number: 5, type: 'autoscaling.v1.ExternalMetricStatus', pointer: true },
    ],
  },
  'autoscaling.v1.ObjectMetricSource': {
    fields: [
      { name: 'target', number: 1, type: 'autoscaling.v1.CrossVersionObjectReference', omitEmpty: false },
      { name: 'metricName', number: 2, type: 'string', omitEmpty: false },
      { name: 'targetValue', number: 3, type: 'resource.Quantity', omitEmpty: false },
      { name: 'selector', number: 4, type: 'meta.v1.LabelSelector', pointer: true },
      { name: 'averageValue', number: 5, type: 'resource.Quantity', pointer: true },
    ],
  },
  'autoscaling.v1.ObjectMetricStatus': {
    fields: [
      { name: 'target', number: 1, type: 'autoscaling.v1.CrossVersionObjectReference', omitEmpty: false },
      { name: 'metricName', number: 2, type: 'string', omitEmpty: false },
      { name: 'currentValue', number: 3, type: 'resource.Quantity', omitEmpty: false },
      { name: 'selector', number: 4, type: 'meta.v1.LabelSelector', pointer: true },
      { name: 'averageValue', number: 5, type: 'resource.Quantity', pointer: true },
    ],
  },
  'autoscaling.v1.PodsMetricSource': {
    fields: [
      { name: 'metricName', number: 1, type: 'string', omitEmpty: false },
      { name: 'targetAverageValue', number: 2, type: 'resource.Quantity', omitEmpty: false },
      { name: 'selector', number: 3, type: 'meta.v1.LabelSelector', pointer: true },
    ],
  },
  'autoscaling.v1.PodsMetricStatus': {
    fields: [
      { name: 'metricName', number: 1, type: 'string', omitEmpty: false },
      { name: 'currentAverageValue', number: 2, type: 'resource.Quantity', omitEmpty: false },
      { name: 'selector', number: 3, type: 'meta.v1.LabelSelector', pointer: true },
    ],
  },
  'autoscaling.v1.ResourceMetricSource': {
    fields: [
      { name: 'name', number: 1, type: 'string', omitEmpty: false },
      { name: 'targetAverageUtilization', number: 2, type: 'int32', pointer: true },
      { name: 'targetAverageValue', number: 3, type: 'resource.Quantity', pointer: true },
    ],
  },
  'autoscaling.v1.ResourceMetricStatus': {
    fields: [
      { name: 'name', number: 1, type: 'string', omitEmpty: false },
      { name: 'currentAverageUtilization', number: 2, type: 'int32', pointer: true },
      { name: 'currentAverageValue', number: 3, type: 'resource.Quantity', omitEmpty: false },
    ],
  },
  'autoscaling.v1.Scale': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'spec', number: 2, type: 'autoscaling.v1.ScaleSpec' },
      { name: 'status', number: 3, type: 'autoscaling.v1.ScaleStatus' },
    ],
  },
  'autoscaling.v1.ScaleSpec': {
    fields: [
      { name: 'replicas', number: 1, type: 'int32' },
    ],
  },
  'autoscaling.v1.ScaleStatus': {
    fields: [
      { name: 'replicas', number: 1, type: 'int32', omitEmpty: false },
      { name: 'selector', number: 2, type: 'string' },
    ],
  },
};

export const kinds: KindTable = {
  apiVersion: 'autoscaling/v1',
  kinds: {
    HorizontalPodAutoscaler: 'autoscaling.v1.HorizontalPodAutoscaler',
    HorizontalPodAutoscalerList: 'autoscaling.v1.HorizontalPodAutoscalerList',
    Scale: 'autoscaling.v1.Scale',
  },
};
