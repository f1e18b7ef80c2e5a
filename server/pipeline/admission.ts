// Admission: the built-in plugins that run after authorization and before the registry writes,
// in upstream's order (kube-apiserver's ordered plugin list): NamespaceLifecycle, LimitRanger,
// ServiceAccount, NodeRestriction, PodSecurity, DefaultStorageClass, StorageObjectInUseProtection,
// ResourceQuota. As upstream, every plugin's mutating step (admit) runs before any plugin's
// validating step (validate). Priority and DefaultTolerationSeconds belong to pods and run in the registry
// (server/apis/core/v1/podadmission.ts).
import * as errors from '../../machinery/errors.ts';
import type { KubeObject, RequestUser } from '../apis/types.ts';
import type { GenericRegistry } from '../registry/generic.ts';
import { limitRanger } from '../admission/limitranger.ts';
import { serviceAccount, type ServiceAccountOptions } from '../admission/serviceaccount.ts';
import { nodeRestriction } from '../admission/noderestriction.ts';
import { defaultStorageClassAdmission } from '../admission/defaultstorageclass.ts';
import { podSecurity } from '../admission/podsecurity/index.ts';
import { resourceQuota } from '../admission/resourcequota.ts';
import { storageObjectInUseProtection } from '../admission/storageobjectinuseprotection.ts';

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

/** What one request adds to the chain: its subresource, its user, and where warnings go. */
export interface RequestContext {
  /** The subresource the request addresses ('' or undefined for the object itself). */
  subresource?: string;
  user?: RequestUser;
  /** Adds a `Warning:` header to the response (upstream's warning.AddWarning). */
  warn?: (msg: string) => void;
}

export interface AdmissionAttributes {
  operation: Operation;
  registry: GenericRegistry;
  namespace: string;
  /**
   * The name the request addresses (upstream's Attributes.GetName): the URL's name, or on a create
   * the object's; '' when a create names none yet (generateName).
   */
  name: string;
  obj: KubeObject;
  old: KubeObject | undefined;
  dryRun: boolean;
  subresource: string;
  user?: RequestUser;
  warn(msg: string): void;
}

export interface AdmissionPlugin {
  name: string;
  /** Whether the plugin has anything to do with this request (cheap; no I/O). Default: yes. */
  handles?(a: AdmissionAttributes): boolean;
  /** The plugin reads the object as stored, after the resource's defaulting (a pod's requests from its limits). */
  readsDefaults?: boolean;
  /** Mutating step (upstream's MutationInterface.Admit). */
  admit?(a: AdmissionAttributes): Promise<void> | void;
  /** Validating step (upstream's ValidationInterface.Validate), after every plugin's mutation. */
  validate?(a: AdmissionAttributes): Promise<void> | void;
}

export interface Admission {
  /** The names of the plugins that run, in order. */
  readonly plugins: readonly string[];
  /** `name`: the name the request addresses (the URL's); by default the object's. */
  admit(op: Operation, registry: GenericRegistry, namespace: string, obj: KubeObject, old: KubeObject | undefined, dryRun: boolean, name?: string): Promise<void>;
  /** The same chain for one request: its subresource, user and warnings. */
  forRequest(ctx: RequestContext): Admission;
}

export function newAdmission(plugins: AdmissionPlugin[], ctx: RequestContext = {}): Admission {
  return {
    plugins: plugins.map((p) => p.name),
    forRequest: (next) => newAdmission(plugins, next),
    async admit(operation, registry, namespace, obj, old, dryRun, name) {
      const a: AdmissionAttributes = {
        operation, registry, namespace, obj, old, dryRun,
        name: name || obj.metadata?.name || '',
        subresource: ctx.subresource ?? '',
        ...(ctx.user ? { user: ctx.user } : {}),
        warn: ctx.warn ?? (() => {}),
      };
      const active = plugins.filter((p) => !p.handles || p.handles(a));
      if (active.length === 0) return;
      if (active.some((p) => p.readsDefaults) && (operation === 'CREATE' || operation === 'UPDATE') && !a.subresource) {
        // Upstream's plugins see the object as decoded, defaults applied; the registry applies
        // them again (they are idempotent).
        registry.def.strategy?.defaults?.(obj);
      }
      for (const p of active) await p.admit?.(a);
      for (const p of active) await p.validate?.(a);
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
        const err = errors.forbidden(a.registry.gr, a.name || a.obj.metadata?.generateName || '', message);
        err.status.details = { ...err.status.details, causes: [{ reason: 'NamespaceTerminating', message: `namespace ${a.namespace} is being terminated`, field: 'metadata.namespace' }] };
        throw err;
      }
    },
  };
}

/** The built-in plugins Capstan serves, in upstream's order. */
export const ADMISSION_PLUGINS = [
  'NamespaceLifecycle', 'LimitRanger', 'ServiceAccount', 'NodeRestriction', 'PodSecurity', 'DefaultStorageClass', 'StorageObjectInUseProtection',
  'ResourceQuota',
] as const;
export type AdmissionPluginName = (typeof ADMISSION_PLUGINS)[number];

/**
 * Plugins off unless enabled: none. (NodeRestriction is off by default upstream, but kubeadm
 * enables it in every cluster and the Node authorizer relies on it for what depends on the
 * object, so it is on here; ServiceAccount is on by default upstream, as here.) An API server
 * that runs no service account controller — so its namespaces get no "default" ServiceAccount —
 * turns ServiceAccount off, as upstream's integration test servers do
 * (--disable-admission-plugins=ServiceAccount).
 */
export const DEFAULT_OFF_ADMISSION_PLUGINS: readonly AdmissionPluginName[] = [];

export interface AdmissionOptions {
  /** Upstream's --enable-admission-plugins: turns on plugins that are off by default. */
  enable?: AdmissionPluginName[];
  /** Upstream's --disable-admission-plugins. */
  disable?: AdmissionPluginName[];
  serviceAccount?: ServiceAccountOptions;
}

/** The chain the API server runs. */
export function builtinAdmission(deps: { getNamespace: (name: string) => Promise<KubeObject | undefined> }, opts: AdmissionOptions = {}): Admission {
  const on = (name: AdmissionPluginName) => !opts.disable?.includes(name) && (!DEFAULT_OFF_ADMISSION_PLUGINS.includes(name) || !!opts.enable?.includes(name));
  const byName: Record<AdmissionPluginName, () => AdmissionPlugin> = {
    NamespaceLifecycle: () => namespaceLifecycle(deps.getNamespace),
    LimitRanger: () => limitRanger(),
    ServiceAccount: () => serviceAccount(opts.serviceAccount),
    NodeRestriction: () => nodeRestriction(),
    PodSecurity: () => podSecurity(),
    DefaultStorageClass: () => defaultStorageClassAdmission(),
    StorageObjectInUseProtection: () => storageObjectInUseProtection(),
    ResourceQuota: () => resourceQuota(),
  };
  return newAdmission(ADMISSION_PLUGINS.filter(on).map((n) => byName[n]()));
}
