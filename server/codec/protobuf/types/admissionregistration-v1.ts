// Protobuf schemas of k8s.io/api admissionregistration/v1 (kubernetes/api v0.36.3): field numbers and types
// from its generated.proto; JSON names, omitempty and pointers from its Go struct tags.
// Written by ../tools/gen-schemas.ts; change the generator or schema.ts, not this file.

import type { KindTable, MessageSchemas } from '../schema.ts';

export const messages: MessageSchemas = {
  'admissionregistration.v1.ApplyConfiguration': {
    fields: [
      { name: 'expression', number: 1, type: 'string' },
    ],
  },
  'admissionregistration.v1.AuditAnnotation': {
    fields: [
      { name: 'key', number: 1, type: 'string', omitEmpty: false },
      { name: 'valueExpression', number: 2, type: 'string', omitEmpty: false },
    ],
  },
  'admissionregistration.v1.ExpressionWarning': {
    fields: [
      { name: 'fieldRef', number: 2, type: 'string', omitEmpty: false },
      { name: 'warning', number: 3, type: 'string', omitEmpty: false },
    ],
  },
  'admissionregistration.v1.JSONPatch': {
    fields: [
      { name: 'expression', number: 1, type: 'string' },
    ],
  },
  'admissionregistration.v1.MatchCondition': {
    fields: [
      { name: 'name', number: 1, type: 'string', omitEmpty: false },
      { name: 'expression', number: 2, type: 'string', omitEmpty: false },
    ],
  },
  'admissionregistration.v1.MatchResources': {
    fields: [
      { name: 'namespaceSelector', number: 1, type: 'meta.v1.LabelSelector', pointer: true },
      { name: 'objectSelector', number: 2, type: 'meta.v1.LabelSelector', pointer: true },
      { name: 'resourceRules', number: 3, type: 'admissionregistration.v1.NamedRuleWithOperations', repeated: true },
      { name: 'excludeResourceRules', number: 4, type: 'admissionregistration.v1.NamedRuleWithOperations', repeated: true },
      { name: 'matchPolicy', number: 7, type: 'string', pointer: true },
    ],
  },
  'admissionregistration.v1.MutatingAdmissionPolicy': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'spec', number: 2, type: 'admissionregistration.v1.MutatingAdmissionPolicySpec' },
    ],
  },
  'admissionregistration.v1.MutatingAdmissionPolicyBinding': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'spec', number: 2, type: 'admissionregistration.v1.MutatingAdmissionPolicyBindingSpec' },
    ],
  },
  'admissionregistration.v1.MutatingAdmissionPolicyBindingList': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'admissionregistration.v1.MutatingAdmissionPolicyBinding', repeated: true, omitEmpty: false },
    ],
  },
  'admissionregistration.v1.MutatingAdmissionPolicyBindingSpec': {
    fields: [
      { name: 'policyName', number: 1, type: 'string' },
      { name: 'paramRef', number: 2, type: 'admissionregistration.v1.ParamRef', pointer: true },
      { name: 'matchResources', number: 3, type: 'admissionregistration.v1.MatchResources', pointer: true },
    ],
  },
  'admissionregistration.v1.MutatingAdmissionPolicyList': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'admissionregistration.v1.MutatingAdmissionPolicy', repeated: true, omitEmpty: false },
    ],
  },
  'admissionregistration.v1.MutatingAdmissionPolicySpec': {
    fields: [
      { name: 'paramKind', number: 1, type: 'admissionregistration.v1.ParamKind', pointer: true },
      { name: 'matchConstraints', number: 2, type: 'admissionregistration.v1.MatchResources', pointer: true },
      { name: 'variables', number: 3, type: 'admissionregistration.v1.Variable', repeated: true },
      { name: 'mutations', number: 4, type: 'admissionregistration.v1.Mutation', repeated: true },
      { name: 'failurePolicy', number: 5, type: 'string', pointer: true },
      { name: 'matchConditions', number: 6, type: 'admissionregistration.v1.MatchCondition', repeated: true },
      { name: 'reinvocationPolicy', number: 7, type: 'string' },
    ],
  },
  'admissionregistration.v1.MutatingWebhook': {
    fields: [
      { name: 'name', number: 1, type: 'string', omitEmpty: false },
      { name: 'clientConfig', number: 2, type: 'admissionregistration.v1.WebhookClientConfig', omitEmpty: false },
      { name: 'rules', number: 3, type: 'admissionregistration.v1.RuleWithOperations', repeated: true },
      { name: 'failurePolicy', number: 4, type: 'string', pointer: true },
      { name: 'matchPolicy', number: 9, type: 'string', pointer: true },
      { name: 'namespaceSelector', number: 5, type: 'meta.v1.LabelSelector', pointer: true },
      { name: 'objectSelector', number: 11, type: 'meta.v1.LabelSelector', pointer: true },
      { name: 'sideEffects', number: 6, type: 'string', omitEmpty: false, pointer: true },
      { name: 'timeoutSeconds', number: 7, type: 'int32', pointer: true },
      { name: 'admissionReviewVersions', number: 8, type: 'string', repeated: true, omitEmpty: false },
      { name: 'reinvocationPolicy', number: 10, type: 'string', pointer: true },
      { name: 'matchConditions', number: 12, type: 'admissionregistration.v1.MatchCondition', repeated: true },
    ],
  },
  'admissionregistration.v1.MutatingWebhookConfiguration': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'webhooks', number: 2, type: 'admissionregistration.v1.MutatingWebhook', repeated: true },
    ],
  },
  'admissionregistration.v1.MutatingWebhookConfigurationList': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'admissionregistration.v1.MutatingWebhookConfiguration', repeated: true, omitEmpty: false },
    ],
  },
  'admissionregistration.v1.Mutation': {
    fields: [
      { name: 'patchType', number: 2, type: 'string', omitEmpty: false },
      { name: 'applyConfiguration', number: 3, type: 'admissionregistration.v1.ApplyConfiguration', pointer: true },
      { name: 'jsonPatch', number: 4, type: 'admissionregistration.v1.JSONPatch', pointer: true },
    ],
  },
  'admissionregistration.v1.NamedRuleWithOperations': {
    fields: [
      { name: 'resourceNames', number: 1, type: 'string', repeated: true },
      { name: 'ruleWithOperations', number: 2, type: 'admissionregistration.v1.RuleWithOperations', omitEmpty: false, inline: true },
    ],
  },
  'admissionregistration.v1.ParamKind': {
    fields: [
      { name: 'apiVersion', number: 1, type: 'string' },
      { name: 'kind', number: 2, type: 'string' },
    ],
  },
  'admissionregistration.v1.ParamRef': {
    fields: [
      { name: 'name', number: 1, type: 'string' },
      { name: 'namespace', number: 2, type: 'string' },
      { name: 'selector', number: 3, type: 'meta.v1.LabelSelector', pointer: true },
      { name: 'parameterNotFoundAction', number: 4, type: 'string', pointer: true },
    ],
  },
  'admissionregistration.v1.Rule': {
    fields: [
      { name: 'apiGroups', number: 1, type: 'string', repeated: true },
      { name: 'apiVersions', number: 2, type: 'string', repeated: true },
      { name: 'resources', number: 3, type: 'string', repeated: true },
      { name: 'scope', number: 4, type: 'string', pointer: true },
    ],
  },
  'admissionregistration.v1.RuleWithOperations': {
    fields: [
      { name: 'operations', number: 1, type: 'string', repeated: true },
      { name: 'rule', number: 2, type: 'admissionregistration.v1.Rule', omitEmpty: false, inline: true },
    ],
  },
  'admissionregistration.v1.ServiceReference': {
    fields: [
      { name: 'namespace', number: 1, type: 'string', omitEmpty: false },
      { name: 'name', number: 2, type: 'string', omitEmpty: false },
      { name: 'path', number: 3, type: 'string', pointer: true },
      { name: 'port', number: 4, type: 'int32', pointer: true },
    ],
  },
  'admissionregistration.v1.TypeChecking': {
    fields: [
      { name: 'expressionWarnings', number: 1, type: 'admissionregistration.v1.ExpressionWarning', repeated: true },
    ],
  },
  'admissionregistration.v1.ValidatingAdmissionPolicy': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'spec', number: 2, type: 'admissionregistration.v1.ValidatingAdmissionPolicySpec' },
      { name: 'status', number: 3, type: 'admissionregistration.v1.ValidatingAdmissionPolicyStatus' },
    ],
  },
  'admissionregistration.v1.ValidatingAdmissionPolicyBinding': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'spec', number: 2, type: 'admissionregistration.v1.ValidatingAdmissionPolicyBindingSpec' },
    ],
  },
  'admissionregistration.v1.ValidatingAdmissionPolicyBindingList': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'admissionregistration.v1.ValidatingAdmissionPolicyBinding', repeated: true, omitEmpty: false },
    ],
  },
  'admissionregistration.v1.ValidatingAdmissionPolicyBindingSpec': {
    fields: [
      { name: 'policyName', number: 1, type: 'string' },
      { name: 'paramRef', number: 2, type: 'admissionregistration.v1.ParamRef', pointer: true },
      { name: 'matchResources', number: 3, type: 'admissionregistration.v1.MatchResources', pointer: true },
      { name: 'validationActions', number: 4, type: 'string', repeated: true },
    ],
  },
  'admissionregistration.v1.ValidatingAdmissionPolicyList': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'admissionregistration.v1.ValidatingAdmissionPolicy', repeated: true, omitEmpty: false },
    ],
  },
  'admissionregistration.v1.ValidatingAdmissionPolicySpec': {
    fields: [
      { name: 'paramKind', number: 1, type: 'admissionregistration.v1.ParamKind', pointer: true },
      { name: 'matchConstraints', number: 2, type: 'admissionregistration.v1.MatchResources', pointer: true },
      { name: 'validations', number: 3, type: 'admissionregistration.v1.Validation', repeated: true },
      { name: 'failurePolicy', number: 4, type: 'string', pointer: true },
      { name: 'auditAnnotations', number: 5, type: 'admissionregistration.v1.AuditAnnotation', repeated: true },
      { name: 'matchConditions', number: 6, type: 'admissionregistration.v1.MatchCondition', repeated: true },
      { name: 'variables', number: 7, type: 'admissionregistration.v1.Variable', repeated: true },
    ],
  },
  'admissionregistration.v1.ValidatingAdmissionPolicyStatus': {
    fields: [
      { name: 'observedGeneration', number: 1, type: 'int64' },
      { name: 'typeChecking', number: 2, type: 'admissionregistration.v1.TypeChecking', pointer: true },
      { name: 'conditions', number: 3, type: 'meta.v1.Condition', repeated: true },
    ],
  },
  'admissionregistration.v1.ValidatingWebhook': {
    fields: [
      { name: 'name', number: 1, type: 'string', omitEmpty: false },
      { name: 'clientConfig', number: 2, type: 'admissionregistration.v1.WebhookClientConfig', omitEmpty: false },
      { name: 'rules', number: 3, type: 'admissionregistration.v1.RuleWithOperations', repeated: true },
      { name: 'failurePolicy', number: 4, type: 'string', pointer: true },
      { name: 'matchPolicy', number: 9, type: 'string', pointer: true },
      { name: 'namespaceSelector', number: 5, type: 'meta.v1.LabelSelector', pointer: true },
      { name: 'objectSelector', number: 10, type: 'meta.v1.LabelSelector', pointer: true },
      { name: 'sideEffects', number: 6, type: 'string', omitEmpty: false, pointer: true },
      { name: 'timeoutSeconds', number: 7, type: 'int32', pointer: true },
      { name: 'admissionReviewVersions', number: 8, type: 'string', repeated: true, omitEmpty: false },
      { name: 'matchConditions', number: 11, type: 'admissionregistration.v1.MatchCondition', repeated: true },
    ],
  },
  'admissionregistration.v1.ValidatingWebhookConfiguration': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'webhooks', number: 2, type: 'admissionregistration.v1.ValidatingWebhook', repeated: true },
    ],
  },
  'admissionregistration.v1.ValidatingWebhookConfigurationList': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'admissionregistration.v1.ValidatingWebhookConfiguration', repeated: true, omitEmpty: false },
    ],
  },
  'admissionregistration.v1.Validation': {
    fields: [
      { name: 'expression', number: 1, type: 'string', omitEmpty: false },
      { name: 'message', number: 2, type: 'string' },
      { name: 'reason', number: 3, type: 'string', pointer: true },
      { name: 'messageExpression', number: 4, type: 'string' },
    ],
  },
  'admissionregistration.v1.Variable': {
    fields: [
      { name: 'name', number: 1, type: 'string', omitEmpty: false },
      { name: 'expression', number: 2, type: 'string', omitEmpty: false },
    ],
  },
  'admissionregistration.v1.WebhookClientConfig': {
    fields: [
      { name: 'url', number: 3, type: 'string', pointer: true },
      { name: 'service', number: 1, type: 'admissionregistration.v1.ServiceReference', pointer: true },
      { name: 'caBundle', number: 2, type: 'bytes', pointer: true },
    ],
  },
};

export const kinds: KindTable = {
  apiVersion: 'admissionregistration.k8s.io/v1',
  kinds: {
    ValidatingWebhookConfiguration: 'admissionregistration.v1.ValidatingWebhookConfiguration',
    ValidatingWebhookConfigurationList: 'admissionregistration.v1.ValidatingWebhookConfigurationList',
    MutatingWebhookConfiguration: 'admissionregistration.v1.MutatingWebhookConfiguration',
    MutatingWebhookConfigurationList: 'admissionregistration.v1.MutatingWebhookConfigurationList',
    ValidatingAdmissionPolicy: 'admissionregistration.v1.ValidatingAdmissionPolicy',
    ValidatingAdmissionPolicyList: 'admissionregistration.v1.ValidatingAdmissionPolicyList',
    ValidatingAdmissionPolicyBinding: 'admissionregistration.v1.ValidatingAdmissionPolicyBinding',
    ValidatingAdmissionPolicyBindingList: 'admissionregistration.v1.ValidatingAdmissionPolicyBindingList',
    MutatingAdmissionPolicy: 'admissionregistration.v1.MutatingAdmissionPolicy',
    MutatingAdmissionPolicyList: 'admissionregistration.v1.MutatingAdmissionPolicyList',
    MutatingAdmissionPolicyBinding: 'admissionregistration.v1.MutatingAdmissionPolicyBinding',
    MutatingAdmissionPolicyBindingList: 'admissionregistration.v1.MutatingAdmissionPolicyBindingList',
  },
};
