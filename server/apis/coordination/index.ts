// coordination.k8s.io: leases.
import type { AnyResource } from '../types.ts';
import { leases } from './v1/leases.ts';

export const coordinationResources: AnyResource[] = [leases] as AnyResource[];
