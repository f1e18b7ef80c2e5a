// admissionregistration.k8s.io/v1 MutatingWebhookConfiguration: webhooks asked to change requests
// before they are stored (stored and validated; Capstan does not call them yet).
import { defineResource } from '../../types.ts';
import { webhookStrategy, webhookTable, type WebhookConfiguration } from './webhooks.ts';

export const mutatingwebhookconfigurations = defineResource<WebhookConfiguration>({
  group: 'admissionregistration.k8s.io', version: 'v1', kind: 'MutatingWebhookConfiguration', plural: 'mutatingwebhookconfigurations',
  singular: 'mutatingwebhookconfiguration', namespaced: false, model: 'V1MutatingWebhookConfiguration', hasGeneration: true,
  strategy: webhookStrategy(true),
  table: webhookTable,
});
