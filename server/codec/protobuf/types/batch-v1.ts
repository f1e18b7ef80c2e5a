// Protobuf schemas of k8s.io/api batch/v1 (kubernetes/api v0.36.3): field numbers and types
// from its generated.proto; JSON names, omitempty and pointers from its Go struct tags.
// Written by ../tools/gen-schemas.ts; change the generator or schema.ts, not this file.

import type { KindTable, MessageSchemas } from '../schema.ts';

export const messages: MessageSchemas = {
  'batch.v1.CronJob': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'spec', number: 2, type: 'batch.v1.CronJobSpec' },
      { name: 'status', number: 3, type: 'batch.v1.CronJobStatus' },
    ],
  },
  'batch.v1.CronJobList': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'batch.v1.CronJob', repeated: true, omitEmpty: false },
    ],
  },
  'batch.v1.CronJobSpec': {
    fields: [
      { name: 'schedule', number: 1, type: 'string', omitEmpty: false },
      { name: 'timeZone', number: 8, type: 'string', pointer: true },
      { name: 'startingDeadlineSeconds', number: 2, type: 'int64', pointer: true },
      { name: 'concurrencyPolicy', number: 3, type: 'string' },
      { name: 'suspend', number: 4, type: 'bool', pointer: true },
      { name: 'jobTemplate', number: 5, type: 'batch.v1.JobTemplateSpec', omitEmpty: false },
      { name: 'successfulJobsHistoryLimit', number: 6, type: 'int32', pointer: true },
      { name: 'failedJobsHistoryLimit', number: 7, type: 'int32', pointer: true },
    ],
  },
  'batch.v1.CronJobStatus': {
    fields: [
      { name: 'active', number: 1, type: 'core.v1.ObjectReference', repeated: true },
      { name: 'lastScheduleTime', number: 4, type: 'meta.v1.Time', pointer: true },
      { name: 'lastSuccessfulTime', number: 5, type: 'meta.v1.Time', pointer: true },
    ],
  },
  'batch.v1.Job': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'spec', number: 2, type: 'batch.v1.JobSpec' },
      { name: 'status', number: 3, type: 'batch.v1.JobStatus' },
    ],
  },
  'batch.v1.JobCondition': {
    fields: [
      { name: 'type', number: 1, type: 'string', omitEmpty: false },
      { name: 'status', number: 2, type: 'string', omitEmpty: false },
      { name: 'lastProbeTime', number: 3, type: 'meta.v1.Time' },
      { name: 'lastTransitionTime', number: 4, type: 'meta.v1.Time' },
      { name: 'reason', number: 5, type: 'string' },
      { name: 'message', number: 6, type: 'string' },
    ],
  },
  'batch.v1.JobList': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'batch.v1.Job', repeated: true, omitEmpty: false },
    ],
  },
  'batch.v1.JobSpec': {
    fields: [
      { name: 'parallelism', number: 1, type: 'int32', pointer: true },
      { name: 'completions', number: 2, type: 'int32', pointer: true },
      { name: 'activeDeadlineSeconds', number: 3, type: 'int64', pointer: true },
      { name: 'podFailurePolicy', number: 11, type: 'batch.v1.PodFailurePolicy', pointer: true },
      { name: 'successPolicy', number: 16, type: 'batch.v1.SuccessPolicy', pointer: true },
      { name: 'backoffLimit', number: 7, type: 'int32', pointer: true },
      { name: 'backoffLimitPerIndex', number: 12, type: 'int32', pointer: true },
      { name: 'maxFailedIndexes', number: 13, type: 'int32', pointer: true },
      { name: 'selector', number: 4, type: 'meta.v1.LabelSelector', pointer: true },
      { name: 'manualSelector', number: 5, type: 'bool', pointer: true },
      { name: 'template', number: 6, type: 'core.v1.PodTemplateSpec', omitEmpty: false },
      { name: 'ttlSecondsAfterFinished', number: 8, type: 'int32', pointer: true },
      { name: 'completionMode', number: 9, type: 'string', pointer: true },
      { name: 'suspend', number: 10, type: 'bool', pointer: true },
      { name: 'podReplacementPolicy', number: 14, type: 'string', pointer: true },
      { name: 'managedBy', number: 15, type: 'string', pointer: true },
    ],
  },
  'batch.v1.JobStatus': {
    fields: [
      { name: 'conditions', number: 1, type: 'batch.v1.JobCondition', repeated: true },
      { name: 'startTime', number: 2, type: 'meta.v1.Time', pointer: true },
      { name: 'completionTime', number: 3, type: 'meta.v1.Time', pointer: true },
      { name: 'active', number: 4, type: 'int32' },
      { name: 'succeeded', number: 5, type: 'int32' },
      { name: 'failed', number: 6, type: 'int32' },
      { name: 'terminating', number: 11, type: 'int32', pointer: true },
      { name: 'completedIndexes', number: 7, type: 'string' },
      { name: 'failedIndexes', number: 10, type: 'string', pointer: true },
      { name: 'uncountedTerminatedPods', number: 8, type: 'batch.v1.UncountedTerminatedPods', pointer: true },
      { name: 'ready', number: 9, type: 'int32', pointer: true },
    ],
  },
  'batch.v1.JobTemplateSpec': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'spec', number: 2, type: 'batch.v1.JobSpec' },
    ],
  },
  'batch.v1.PodFailurePolicy': {
    fields: [
      { name: 'rules', number: 1, type: 'batch.v1.PodFailurePolicyRule', repeated: true, omitEmpty: false },
    ],
  },
  'batch.v1.PodFailurePolicyOnExitCodesRequirement': {
    fields: [
      { name: 'containerName', number: 1, type: 'string', pointer: true },
      { name: 'operator', number: 2, type: 'string', omitEmpty: false },
      { name: 'values', number: 3, type: 'int32', repeated: true, omitEmpty: false },
    ],
  },
  'batch.v1.PodFailurePolicyOnPodConditionsPattern': {
    fields: [
      { name: 'type', number: 1, type: 'string', omitEmpty: false },
      { name: 'status', number: 2, type: 'string', omitEmpty: false },
    ],
  },
  'batch.v1.PodFailurePolicyRule': {
    fields: [
      { name: 'action', number: 1, type: 'string', omitEmpty: false },
      { name: 'onExitCodes', number: 2, type: 'batch.v1.PodFailurePolicyOnExitCodesRequirement', pointer: true },
      { name: 'onPodConditions', number: 3, type: 'batch.v1.PodFailurePolicyOnPodConditionsPattern', repeated: true },
    ],
  },
  'batch.v1.SuccessPolicy': {
    fields: [
      { name: 'rules', number: 1, type: 'batch.v1.SuccessPolicyRule', repeated: true, omitEmpty: false },
    ],
  },
  'batch.v1.SuccessPolicyRule': {
    fields: [
      { name: 'succeededIndexes', number: 1, type: 'string', pointer: true },
      { name: 'succeededCount', number: 2, type: 'int32', pointer: true },
    ],
  },
  'batch.v1.UncountedTerminatedPods': {
    fields: [
      { name: 'succeeded', number: 1, type: 'string', repeated: true },
      { name: 'failed', number: 2, type: 'string', repeated: true },
    ],
  },
};

export const kinds: KindTable = {
  apiVersion: 'batch/v1',
  kinds: {
    Job: 'batch.v1.Job',
    JobList: 'batch.v1.JobList',
    CronJob: 'batch.v1.CronJob',
    CronJobList: 'batch.v1.CronJobList',
  },
};
