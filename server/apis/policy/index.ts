// The policy group: disruption budgets, for server/apis/index.ts to register.
import type { AnyResource } from '../types.ts';
import { poddisruptionbudgets } from './v1/poddisruptionbudgets.ts';

export const policyResources: AnyResource[] = [poddisruptionbudgets] as AnyResource[];
