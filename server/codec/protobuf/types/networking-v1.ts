// Protobuf schemas of k8s.io/api networking/v1 (kubernetes/api v0.36.3): field numbers and types
// from its generated.proto; JSON names, omitempty and pointers from its Go struct tags.
// Written by ../tools/gen-schemas.ts; change the generator or schema.ts, not this file.

import type { KindTable, MessageSchemas } from '../schema.ts';

export const messages: MessageSchemas = {
  'networking.v1.HTTPIngressPath': {
    fields: [
      { name: 'path', number: 1, type: 'string' },
      { name: 'pathType', number: 3, type: 'string', omitEmpty: false, pointer: true },
      { name: 'backend', number: 2, type: 'networking.v1.IngressBackend', omitEmpty: false },
    ],
  },
  'networking.v1.HTTPIngressRuleValue': {
    fields: [
      { name: 'paths', number: 1, type: 'networking.v1.HTTPIngressPath', repeated: true, omitEmpty: false },
    ],
  },
  'networking.v1.IPAddress': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'spec', number: 2, type: 'networking.v1.IPAddressSpec' },
    ],
  },
  'networking.v1.IPAddressList': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'networking.v1.IPAddress', repeated: true, omitEmpty: false },
    ],
  },
  'networking.v1.IPAddressSpec': {
    fields: [
      { name: 'parentRef', number: 1, type: 'networking.v1.ParentReference', pointer: true },
    ],
  },
  'networking.v1.IPBlock': {
    fields: [
      { name: 'cidr', number: 1, type: 'string', omitEmpty: false },
      { name: 'except', number: 2, type: 'string', repeated: true },
    ],
  },
  'networking.v1.Ingress': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'spec', number: 2, type: 'networking.v1.IngressSpec' },
      { name: 'status', number: 3, type: 'networking.v1.IngressStatus' },
    ],
  },
  'networking.v1.IngressBackend': {
    fields: [
      { name: 'service', number: 4, type: 'networking.v1.IngressServiceBackend', pointer: true },
      { name: 'resource', number: 3, type: 'core.v1.TypedLocalObjectReference', pointer: true },
    ],
  },
  'networking.v1.IngressClass': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'spec', number: 2, type: 'networking.v1.IngressClassSpec' },
    ],
  },
  'networking.v1.IngressClassList': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'networking.v1.IngressClass', repeated: true, omitEmpty: false },
    ],
  },
  'networking.v1.IngressClassParametersReference': {
    fields: [
      { name: 'apiGroup', number: 1, type: 'string', pointer: true },
      { name: 'kind', number: 2, type: 'string', omitEmpty: false },
      { name: 'name', number: 3, type: 'string', omitEmpty: false },
      { name: 'scope', number: 4, type: 'string', omitEmpty: false, pointer: true },
      { name: 'namespace', number: 5, type: 'string', pointer: true },
    ],
  },
  'networking.v1.IngressClassSpec': {
    fields: [
      { name: 'controller', number: 1, type: 'string' },
      { name: 'parameters', number: 2, type: 'networking.v1.IngressClassParametersReference', pointer: true },
    ],
  },
  'networking.v1.IngressList': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'networking.v1.Ingress', repeated: true, omitEmpty: false },
    ],
  },
  'networking.v1.IngressLoadBalancerIngress': {
    fields: [
      { name: 'ip', number: 1, type: 'string' },
      { name: 'hostname', number: 2, type: 'string' },
      { name: 'ports', number: 4, type: 'networking.v1.IngressPortStatus', repeated: true },
    ],
  },
  'networking.v1.IngressLoadBalancerStatus': {
    fields: [
      { name: 'ingress', number: 1, type: 'networking.v1.IngressLoadBalancerIngress', repeated: true },
    ],
  },
  'networking.v1.IngressPortStatus': {
    fields: [
      { name: 'port', number: 1, type: 'int32', omitEmpty: false },
      { name: 'protocol', number: 2, type: 'string', omitEmpty: false },
      { name: 'error', number: 3, type: 'string', pointer: true },
    ],
  },
  'networking.v1.IngressRule': {
    fields: [
      { name: 'host', number: 1, type: 'string' },
      { name: 'ingressRuleValue', number: 2, type: 'networking.v1.IngressRuleValue', omitEmpty: false, inline: true },
    ],
  },
  'networking.v1.IngressRuleValue': {
    fields: [
      { name: 'http', number: 1, type: 'networking.v1.HTTPIngressRuleValue', pointer: true },
    ],
  },
  'networking.v1.IngressServiceBackend': {
    fields: [
      { name: 'name', number: 1, type: 'string', omitEmpty: false },
      { name: 'port', number: 2, type: 'networking.v1.ServiceBackendPort' },
    ],
  },
  'networking.v1.IngressSpec': {
    fields: [
      { name: 'ingressClassName', number: 4, type: 'string', pointer: true },
      { name: 'defaultBackend', number: 1, type: 'networking.v1.IngressBackend', pointer: true },
      { name: 'tls', number: 2, type: 'networking.v1.IngressTLS', repeated: true },
      { name: 'rules', number: 3, type: 'networking.v1.IngressRule', repeated: true },
    ],
  },
  'networking.v1.IngressStatus': {
    fields: [
      { name: 'loadBalancer', number: 1, type: 'networking.v1.IngressLoadBalancerStatus' },
    ],
  },
  'networking.v1.IngressTLS': {
    fields: [
      { name: 'hosts', number: 1, type: 'string', repeated: true },
      { name: 'secretName', number: 2, type: 'string' },
    ],
  },
  'networking.v1.NetworkPolicy': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'spec', number: 2, type: 'networking.v1.NetworkPolicySpec' },
    ],
  },
  'networking.v1.NetworkPolicyEgressRule': {
    fields: [
      { name: 'ports', number: 1, type: 'networking.v1.NetworkPolicyPort', repeated: true },
      { name: 'to', number: 2, type: 'networking.v1.NetworkPolicyPeer', repeated: true },
    ],
  },
  'networking.v1.NetworkPolicyIngressRule': {
    fields: [
      { name: 'ports', number: 1, type: 'networking.v1.NetworkPolicyPort', repeated: true },
      { name: 'from', number: 2, type: 'networking.v1.NetworkPolicyPeer', repeated: true },
    ],
  },
  'networking.v1.NetworkPolicyList': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'networking.v1.NetworkPolicy', repeated: true, omitEmpty: false },
    ],
  },
  'networking.v1.NetworkPolicyPeer': {
    fields: [
      { name: 'podSelector', number: 1, type: 'meta.v1.LabelSelector', pointer: true },
      { name: 'namespaceSelector', number: 2, type: 'meta.v1.LabelSelector', pointer: true },
      { name: 'ipBlock', number: 3, type: 'networking.v1.IPBlock', pointer: true },
    ],
  },
  'networking.v1.NetworkPolicyPort': {
    fields: [
      { name: 'protocol', number: 1, type: 'string', pointer: true },
      { name: 'port', number: 2, type: 'intstr.IntOrString', pointer: true },
      { name: 'endPort', number: 3, type: 'int32', pointer: true },
    ],
  },
  'networking.v1.NetworkPolicySpec': {
    fields: [
      { name: 'podSelector', number: 1, type: 'meta.v1.LabelSelector', omitEmpty: false },
      { name: 'ingress', number: 2, type: 'networking.v1.NetworkPolicyIngressRule', repeated: true },
      { name: 'egress', number: 3, type: 'networking.v1.NetworkPolicyEgressRule', repeated: true },
      { name: 'policyTypes', number: 4, type: 'string', repeated: true },
    ],
  },
  'networking.v1.ParentReference': {
    fields: [
      { name: 'group', number: 1, type: 'string' },
      { name: 'resource', number: 2, type: 'string' },
      { name: 'namespace', number: 3, type: 'string' },
      { name: 'name', number: 4, type: 'string' },
    ],
  },
  'networking.v1.ServiceBackendPort': {
    fields: [
      { name: 'name', number: 1, type: 'string' },
      { name: 'number', number: 2, type: 'int32' },
    ],
  },
  'networking.v1.ServiceCIDR': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ObjectMeta' },
      { name: 'spec', number: 2, type: 'networking.v1.ServiceCIDRSpec' },
      { name: 'status', number: 3, type: 'networking.v1.ServiceCIDRStatus' },
    ],
  },
  'networking.v1.ServiceCIDRList': {
    fields: [
      { name: 'metadata', number: 1, type: 'meta.v1.ListMeta' },
      { name: 'items', number: 2, type: 'networking.v1.ServiceCIDR', repeated: true, omitEmpty: false },
    ],
  },
  'networking.v1.ServiceCIDRSpec': {
    fields: [
      { name: 'cidrs', number: 1, type: 'string', repeated: true },
    ],
  },
  'networking.v1.ServiceCIDRStatus': {
    fields: [
      { name: 'conditions', number: 1, type: 'meta.v1.Condition', repeated: true },
    ],
  },
};

export const kinds: KindTable = {
  apiVersion: 'networking.k8s.io/v1',
  kinds: {
    Ingress: 'networking.v1.Ingress',
    IngressList: 'networking.v1.IngressList',
    IngressClass: 'networking.v1.IngressClass',
    IngressClassList: 'networking.v1.IngressClassList',
    NetworkPolicy: 'networking.v1.NetworkPolicy',
    NetworkPolicyList: 'networking.v1.NetworkPolicyList',
    IPAddress: 'networking.v1.IPAddress',
    IPAddressList: 'networking.v1.IPAddressList',
    ServiceCIDR: 'networking.v1.ServiceCIDR',
    ServiceCIDRList: 'networking.v1.ServiceCIDRList',
  },
};
