// node.k8s.io: runtimeclasses.
import type { AnyResource } from '../types.ts';
import { runtimeclasses } from './v1/runtimeclasses.ts';

export const nodeResources: AnyResource[] = [runtimeclasses] as AnyResource[];
