// The core/v1 resources beyond the first set (namespaces, configmaps, secrets, serviceaccounts,
// pods, events), for server/apis/index.ts to append to the resource list.
import type { AnyResource } from '../../types.ts';
import { services } from './services.ts';
import { endpoints } from './endpoints.ts';
import { nodes } from './nodes.ts';
import { limitranges } from './limitranges.ts';
import { resourcequotas } from './resourcequotas.ts';
import { replicationcontrollers } from './replicationcontrollers.ts';
import { persistentvolumes } from './persistentvolumes.ts';
import { persistentvolumeclaims } from './persistentvolumeclaims.ts';
import { podtemplates } from './podtemplates.ts';
import { componentstatuses } from './componentstatuses.ts';
import { bindings } from './podbinding.ts';

export const coreV1Extra: AnyResource[] = [
  services, endpoints, nodes, limitranges, resourcequotas, replicationcontrollers,
  persistentvolumes, persistentvolumeclaims, podtemplates, componentstatuses, bindings,
] as AnyResource[];
