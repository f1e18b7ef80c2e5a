// Protobuf schemas of k8s.io/api autoscaling/v2 (kubernetes/api v0.36.3): field numbers and types
// from its generated.proto; JSON names, omitempty and pointers from its Go struct tags.
// Written by ../tools/gen-schemas.ts; change the generator or schema.ts, not this file.

import type { KindTable, MessageSchemas } from '../schema.ts';

export const messages: MessageSchemas = {
  'autoscaling.v2.ContainerResourceMetricSource': {
    fields: [
      { name: 'name', number: 1, type: 'string', omitEmpty: false },
      { name: 'target', number: 2, type: 'autoscaling.v2.MetricTarget', omitEmpty: false },
      { name: 'container', number: 3, type: 'string', omitEmpty: false },
    ],
  },
  'autoscaling.v2.ContainerResourceMetricStatus': {
    fields: [
      { name: 'name', number: 1, type: 'string', omitEmpty: false },
      { name: 'current', number: 2, type: 'autoscaling.v2.MetricValueStatus', omitEmpty: false },
      { name: 'container', number: 3, type: 'string', omitEmpty: false },
    ],
  },
  'autoscaling.v2.CrossVersionObjectReference': {
    fields: [
      { name: 'kind', number: 1, type: 'string', omitEmpty: false },
      { name: 'name', number: 2, type: 'string', omitEmpty: false },
      { name: 'apiVersion', number: 3, type: 'string' },
    ],
  },
  'autoscaling.v2.ExternalMetricSource': {
    fields: [
      { name: 'metric', number: 1, type: 'autoscaling.v2.MetricIdentifier', omitEmpty: false },
      { name: 'target', number: 2, type: 'autoscaling.v2.MetricTarget', omitEmpty: false },
    ],
  },
  'autoscaling.v2.ExternalMetricStatus': {
    fields: [
      { name: 'metric', number: 1, type: 'autoscaling.v2.MetricIdentifier', omitEmpty: false },
      { name: 'current', number: 2, type: 'autoscaling.v2.MetricValueStatus', omitEmpty: false },
    ],
  },
  'autoscaling.v2.HPAScalingPolicy': {
    fields: [
      { name: 'type', number: 1, type: 'string', omitEmpty: false },
      { name: 'value', number: 2, type: 'int32', omitEmpty: false },
      { name: 'periodSeconds', number: 3, type: 'int32', omitEmpty: false },
    ],
  },
  'autoscaling.v2.HPAScalingRules': {
    fields: [
      { name: 'stabilizationWindowSeconds', number: 3, type: 'int32', pointer: true },
      { name: 'selectPolicy', number: 1, type: 'string', pointer: true },
      { name: 'policies', number: 2, type: 'autoscaling.v2.HPAScalingPolicy', repeated: true },
      { name: 'tolerance', number: 4, type: 'resource.Quantity', pointer: true },
    ],
  },
  'autoscaling.v2.HorizontalPodAutoscaler': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'spec', number: 2, type: 'autoscaling.v2.HorizontalPodAutoscalerSpec' },
      { name: 'status', number: 3, type: 'autoscaling.v2.HorizontalPodAutoscalerStatus' },
    ],
  },
  'autoscaling.v2.HorizontalPodAutoscalerBehavior': {
    fields: [
      { name: 'scaleUp', number: 1, type: 'autoscaling.v2.HPAScalingRules', pointer: true },
      { name: 'scaleDown', number: 2, type: 'autoscaling.v2.HPAScalingRules', pointer: true },
    ],
  },
  'autoscaling.v2.HorizontalPodAutoscalerCondition': {
    fields: [
      { name: 'type', number: 1, type: 'string', omitEmpty: false },
      { name: 'status', number: 2, type: 'string', omitEmpty: false },
      { name: 'lastTransitionTime', number: 3, type: 'meta.v1.Time' },
      { name: 'reason', number: 4, type: 'string' },
      { name: 'message', number: 5, type: 'string' },
    ],
  },
  'autoscaling.v2.HorizontalPodAutoscalerList': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'autoscaling.v2.HorizontalPodAutoscaler', repeated: true, omitEmpty: false },
    ],
  },
  'autoscaling.v2.HorizontalPodAutoscalerSpec': {
    fields: [
      { name: 'scaleTargetRef', number: 1, type: 'autoscaling.v2.CrossVersionObjectReference', omitEmpty: false },
      { name: 'minReplicas', number: 2, type: 'int32', pointer: true },
      { name: 'maxReplicas', number: 3, type: 'int32', omitEmpty: false },
      { name: 'metrics', number: 4, type: 'autoscaling.v2.MetricSpec', repeated: true },
      { name: 'behavior', number: 5, type: 'autoscaling.v2.HorizontalPodAutoscalerBehavior', pointer: true },
    ],
  },
  'autoscaling.v2.HorizontalPodAutoscalerStatus': {
    fields: [
      { name: 'observedGeneration', number: 1, type: 'int64', pointer: true },
      { name: 'lastScaleTime', number: 2, type: 'meta.v1.Time', pointer: true },
      { name: 'currentReplicas', number: 3, type: 'int32' },
      { name: 'desiredReplicas', number: 4, type: 'int32', omitEmpty: false },
      { name: 'currentMetrics', number: 5, type: 'autoscaling.v2.MetricStatus', repeated: true, omitEmpty: false },
      { name: 'conditions', number: 6, type: 'autoscaling.v2.HorizontalPodAutoscalerCondition', repeated: true },
    ],
  },
  'autoscaling.v2.MetricIdentifier': {
    fields: [
      { name: 'name', number: 1, type: 'string', omitEmpty: false },
      { name: 'selector', number: 2, type: 'meta.v1.LabelSelector', pointer: true },
    ],
  },
  'autoscaling.v2.MetricSpec': {
    fields: [
      { name: 'type', number: 1, type: 'string', omitEmpty: false },
      { name: 'object', number: 2, type: 'autoscaling.v2.ObjectMetricSource', pointer: true },
      { name: 'pods', number: 3, type: 'autoscaling.v2.PodsMetricSource', pointer: true },
      { name: 'resource', number: 4, type: 'autoscaling.v2.ResourceMetricSource', pointer: true },
      { name: 'containerResource', number: 7, type: 'autoscaling.v2.ContainerResourceMetricSource', pointer: true },
      { name: 'external', number: 5, type: 'autoscaling.v2.ExternalMetricSource', pointer: true },
    ],
  },
  'autoscaling.v2.MetricStatus': {
    fields: [
      { name: 'type', number: 1, type: 'string', omitEmpty: false },
      { name: 'object', number: 2, type: 'autoscaling.v2.ObjectMetricStatus', pointer: true },
      { name: 'pods', number: 3, type: 'autoscaling.v2.PodsMetricStatus', pointer: true },
      { name: 'resource', number: 4, type: 'autoscaling.v2.ResourceMetricStatus', pointer: true },
      { name: 'containerResource', number: 7, type: 'autoscaling.v2.ContainerResourceMetricStatus', pointer: true },
      { name: 'external', number: 5, type: 'autoscaling.v2.ExternalMetricStatus', pointer: true },
    ],
  },
  'autoscaling.v2.MetricTarget': {
    fields: [
      { name: 'type', number: 1, type: 'string', omitEmpty: false },
      { name: 'value', number: 2, type: 'resource.Quantity', pointer: true },
      { name: 'averageValue', number: 3, type: 'resource.Quantity', pointer: true },
      { name: 'averageUtilization', number: 4, type: 'int32', pointer: true },
    ],
  },
  'autoscaling.v2.MetricValueStatus': {
    fields: [
      { name: 'value', number: 1, type: 'resource.Quantity', pointer: true },
      { name: 'averageValue', number: 2, type: 'resource.Quantity', pointer: true },
      { name: 'averageUtilization', number: 3, type: 'int32', pointer: true },
    ],
  },
  'autoscaling.v2.ObjectMetricSource': {
    fields: [
      { name: 'describedObject', number: 1, type: 'autoscaling.v2.CrossVersionObjectReference', omitEmpty: false },
      { name: 'target', number: 2, type: 'autoscaling.v2.MetricTarget', omitEmpty: false },
      { name: 'metric', number: 3, type: 'autoscaling.v2.MetricIdentifier', omitEmpty: false },
    ],
  },
  'autoscaling.v2.ObjectMetricStatus': {
    fields: [
      { name: 'metric', number: 1, type: 'autoscaling.v2.MetricIdentifier', omitEmpty: false },
      { name: 'current', number: 2, type: 'autoscaling.v2.MetricValueStatus', omitEmpty: false },
      { name: 'describedObject', number: 3, type: 'autoscaling.v2.CrossVersionObjectReference', omitEmpty: false },
    ],
  },
  'autoscaling.v2.PodsMetricSource': {
    fields: [
      { name: 'metric', number: 1, type: 'autoscaling.v2.MetricIdentifier', omitEmpty: false },
      { name: 'target', number: 2, type: 'autoscaling.v2.MetricTarget', omitEmpty: false },
    ],
  },
  'autoscaling.v2.PodsMetricStatus': {
    fields: [
      { name: 'metric', number: 1, type: 'autoscaling.v2.MetricIdentifier', omitEmpty: false },
      { name: 'current', number: 2, type: 'autoscaling.v2.MetricValueStatus', omitEmpty: false },
    ],
  },
  'autoscaling.v2.ResourceMetricSource': {
    fields: [
      { name: 'name', number: 1, type: 'string', omitEmpty: false },
      { name: 'target', number: 2, type: 'autoscaling.v2.MetricTarget', omitEmpty: false },
    ],
  },
  'autoscaling.v2.ResourceMetricStatus': {
    fields: [
      { name: 'name', number: 1, type: 'string', omitEmpty: false },
      { name: 'current', number: 2, type: 'autoscaling.v2.MetricValueStatus', omitEmpty: false },
    ],
  },
};

export const kinds: KindTable = {
  apiVersion: 'autoscaling/v2',
  kinds: {
    HorizontalPodAutoscaler: 'autoscaling.v2.HorizontalPodAutoscaler',
    HorizontalPodAutoscalerList: 'autoscaling.v2.HorizontalPodAutoscalerList',
  },
};
