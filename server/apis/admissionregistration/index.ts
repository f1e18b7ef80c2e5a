// admissionregistration.k8s.io: webhook configurations and validating admission policies with
// their bindings (stored and validated; not enforced).
import type { AnyResource } from '../types.ts';
import { mutatingwebhookconfigurations } from './v1/mutatingwebhookconfigurations.ts';
import { validatingwebhookconfigurations } from './v1/validatingwebhookconfigurations.ts';
import { validatingadmissionpolicies } from './v1/validatingadmissionpolicies.ts';
import { validatingadmissionpolicybindings } from './v1/validatingadmissionpolicybindings.ts';

export const admissionregistrationResources: AnyResource[] = [
  mutatingwebhookconfigurations, validatingwebhookconfigurations, validatingadmissionpolicies, validatingadmissionpolicybindings,
] as AnyResource[];
