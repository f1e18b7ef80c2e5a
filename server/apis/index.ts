// THE resource list: every built-in resource Capstan serves, one module each. Discovery,
// OpenAPI, routing and Table output all derive from it.
import type { AnyResource, KubeObject } from './types.ts';
import { namespaces } from './core/v1/namespaces.ts';
import { configmaps } from './core/v1/configmaps.ts';
import { secrets } from './core/v1/secrets.ts';
import { serviceaccounts } from './core/v1/serviceaccounts.ts';
import { pods } from './core/v1/pods.ts';
import { events } from './core/v1/events.ts';
import { customresourcedefinitions } from './apiextensions/v1/customresourcedefinitions.ts';
import { coreV1Extra } from './core/v1/extra.ts';
import { appsResources } from './apps/index.ts';
import { batchResources } from './batch/index.ts';
import { autoscalingResources } from './autoscaling/index.ts';
import { policyResources } from './policy/index.ts';
import { admissionregistrationResources } from './admissionregistration/index.ts';
import { certificatesResources } from './certificates/index.ts';
import { authenticationResources } from './authentication/index.ts';
import { coordinationResources } from './coordination/index.ts';
import { discoveryResources } from './discovery/index.ts';
import { eventsResources } from './events/index.ts';
import { flowcontrolResources, flowcontrolBootstrapObjects } from './flowcontrol/index.ts';
import { networkingResources } from './networking/index.ts';
import { nodeResources } from './node/index.ts';
import { rbacResources } from './rbac/index.ts';
import { authorizationResources } from './authorization/index.ts';
import { schedulingResources, schedulingBootstrapObjects } from './scheduling/index.ts';
import { storageResources } from './storage/index.ts';

export const builtinResources: AnyResource[] = [
  ...([namespaces, configmaps, secrets, serviceaccounts, pods, events, customresourcedefinitions] as AnyResource[]),
  ...coreV1Extra,
  ...appsResources,
  ...batchResources,
  ...autoscalingResources,
  ...policyResources,
  ...admissionregistrationResources,
  ...certificatesResources,
  ...authenticationResources,
  ...coordinationResources,
  ...discoveryResources,
  ...eventsResources,
  ...flowcontrolResources,
  ...networkingResources,
  ...nodeResources,
  ...rbacResources,
  ...authorizationResources,
  ...schedulingResources,
  ...storageResources,
];

/** Objects every cluster has from the start (created at start-up when missing). */
export const bootstrapObjects: KubeObject[] = [
  ...schedulingBootstrapObjects,
  ...flowcontrolBootstrapObjects,
];
