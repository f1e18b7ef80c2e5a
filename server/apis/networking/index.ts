// networking.k8s.io: ingresses (with status), ingressclasses and networkpolicies.
import type { AnyResource } from '../types.ts';
import { ingresses } from './v1/ingresses.ts';
import { ingressclasses } from './v1/ingressclasses.ts';
import { networkpolicies } from './v1/networkpolicies.ts';

export const networkingResources: AnyResource[] = [ingresses, ingressclasses, networkpolicies] as AnyResource[];
