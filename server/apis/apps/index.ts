// The apps group: the workload controllers' resources, for server/apis/index.ts to register.
import type { AnyResource } from '../types.ts';
import { deployments } from './v1/deployments.ts';
import { replicasets } from './v1/replicasets.ts';
import { statefulsets } from './v1/statefulsets.ts';
import { daemonsets } from './v1/daemonsets.ts';
import { controllerrevisions } from './v1/controllerrevisions.ts';

export const appsResources: AnyResource[] = [deployments, replicasets, statefulsets, daemonsets, controllerrevisions] as AnyResource[];
