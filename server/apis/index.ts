// THE resource list: every built-in resource Capstan serves, one module each. Discovery,
// OpenAPI, routing and Table output all derive from it.
import type { AnyResource } from './types.ts';
import { namespaces } from './core/v1/namespaces.ts';
import { configmaps } from './core/v1/configmaps.ts';
import { secrets } from './core/v1/secrets.ts';
import { serviceaccounts } from './core/v1/serviceaccounts.ts';
import { pods } from './core/v1/pods.ts';
import { events } from './core/v1/events.ts';
import { customresourcedefinitions } from './apiextensions/v1/customresourcedefinitions.ts';

export const builtinResources: AnyResource[] = [
  namespaces, configmaps, secrets, serviceaccounts, pods, events,
  customresourcedefinitions,
] as AnyResource[];
