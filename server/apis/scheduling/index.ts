// scheduling.k8s.io: priorityclasses, and the two system classes created at start-up.
import type { AnyResource, KubeObject } from '../types.ts';
import { bootstrapObjects, priorityclasses } from './v1/priorityclasses.ts';

export const schedulingResources: AnyResource[] = [priorityclasses] as AnyResource[];
/** Create at start-up (ignoring AlreadyExists), as upstream's scheduling post-start hook does. */
export const schedulingBootstrapObjects: KubeObject[] = bootstrapObjects;
