// discovery.k8s.io: endpointslices.
import type { AnyResource } from '../types.ts';
import { endpointslices } from './v1/endpointslices.ts';

export const discoveryResources: AnyResource[] = [endpointslices] as AnyResource[];
