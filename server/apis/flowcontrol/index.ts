// flowcontrol.apiserver.k8s.io: flowschemas and prioritylevelconfigurations (stored and
// validated, not enforced), with upstream's objects to create at start-up.
import type { AnyResource, KubeObject } from '../types.ts';
import { flowschemas } from './v1/flowschemas.ts';
import { prioritylevelconfigurations } from './v1/prioritylevelconfigurations.ts';
import { bootstrapObjects } from './v1/bootstrap.ts';

export const flowcontrolResources: AnyResource[] = [flowschemas, prioritylevelconfigurations] as AnyResource[];
/** Create at start-up (ignoring AlreadyExists), priority levels first. */
export const flowcontrolBootstrapObjects: KubeObject[] = bootstrapObjects;
