// certificates.k8s.io: certificatesigningrequests (with status and approval).
import type { AnyResource } from '../types.ts';
import { certificatesigningrequests } from './v1/certificatesigningrequests.ts';

export const certificatesResources: AnyResource[] = [certificatesigningrequests] as AnyResource[];
