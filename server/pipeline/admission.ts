// Admission: built-in plugins that run after authorization and before the registry writes.
// This holds NamespaceLifecycle; later plugins (LimitRanger, ResourceQuota, ServiceAccount,
// PodSecurity, Priority, …) join the same list.
import * as errors from '../../machinery/errors.ts';
import type { KubeObject } from '../apis/types.ts';
import type { GenericRegistry } from '../registry/generic.ts';

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

export interface AdmissionAttributes {
  operation: Operation;
  registry: GenericRegistry;
  namespace: string;
  obj: KubeObject;
  old: KubeObject | undefined;
  dryRun: boolean;
}

export interface AdmissionPlugin {
  name: string;
  admit(a: AdmissionAttributes): Promise<void> | void;
}

export interface Admission {
  admit(op: Operation, registry: GenericRegistry, namespace: string, obj: KubeObject, old: KubeObject | undefined, dryRun: boolean): Promise<void>;
}

export function newAdmission(plugins: AdmissionPlugin[]): Admission {
  return {
    async admit(operation, registry, namespace, obj, old, dryRun) {
      for (const p of plugins) await p.admit({ operation, registry, namespace, obj, old, dryRun });
    },
  };
}

const IMMORTAL_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);

/** Upstream's NamespaceLifecycle: no content in missing or terminating namespaces; some namespaces never go. */
export function namespaceLifecycle(getNamespace: (name: string) => Promise<KubeObject | undefined>): AdmissionPlugin {
  return {
    name: 'NamespaceLifecycle',
    async admit(a) {
      const def = a.registry.def;
      if (a.operation === 'DELETE' && def.group === '' && def.plural === 'namespaces' && IMMORTAL_NAMESPACES.has(a.obj.metadata?.name ?? '')) {
        throw errors.forbidden(a.registry.gr, a.obj.metadata?.name ?? '', 'this namespace may not be deleted');
      }
      if (a.operation !== 'CREATE' || !def.namespaced) return;
      const ns = await getNamespace(a.namespace);
      if (!ns) throw errors.notFound({ group: '', resource: 'namespaces' }, a.namespace);
      const phase = (ns.status as { phase?: string } | undefined)?.phase;
      if (ns.metadata?.deletionTimestamp || phase === 'Terminating') {
        const message = `unable to create new content in namespace ${a.namespace} because it is being terminated`;
        const err = errors.forbidden(a.registry.gr, a.obj.metadata?.name ?? a.obj.metadata?.generateName ?? '', message);
        err.status.details = { ...err.status.details, causes: [{ reason: 'NamespaceTerminating', message, field: 'metadata.namespace' }] };
        throw err;
      }
    },
  };
}
