// admissionregistration.k8s.io/v1 ValidatingWebhookConfiguration: webhooks asked to admit or deny
// requests (stored and validated; Capstan does not call them yet).
import { defineResource } from '../../types.ts';
import { webhookStrategy, webhookTable, type WebhookConfiguration } from './webhooks.ts';

export const validatingwebhookconfigurations = defineResource<WebhookConfiguration>({
  group: 'admissionregistration.k8s.io', version: 'v1', kind: 'ValidatingWebhookConfiguration', plural: 'validatingwebhookconfigurations',
  singular: 'validatingwebhookconfiguration', namespaced: false, model: 'V1ValidatingWebhookConfiguration', hasGeneration: true,
  strategy: webhookStrategy(false),
  table: webhookTable,
});
