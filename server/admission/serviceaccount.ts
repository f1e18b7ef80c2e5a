// ServiceAccount (upstream plugin/pkg/admission/serviceaccount): a new pod runs as the "default"
// ServiceAccount unless it names one; the account must exist; its image pull secrets are copied
// to a pod that has none; and unless the pod or the account opts out, every container and init
// container mounts the projected `kube-api-access-<random>` volume (a bound token, the cluster CA
// from kube-root-ca.crt, the namespace) at /var/run/secrets/kubernetes.io/serviceaccount.
import * as errors from '../../machinery/errors.ts';
import { generateName } from '../registry/generic.ts';
import type { KubeObject } from '../apis/types.ts';
import type { AdmissionAttributes, AdmissionPlugin } from '../pipeline/admission.ts';
import { forbidden, isResource } from './util.ts';

export const DEFAULT_SERVICE_ACCOUNT = 'default';
export const SERVICE_ACCOUNT_VOLUME_PREFIX = 'kube-api-access-';
export const DEFAULT_API_TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
export const ENFORCE_MOUNTABLE_SECRETS_ANNOTATION = 'kubernetes.io/enforce-mountable-secrets';
const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';
/** The projected token's lifetime: upstream's WarnOnlyBoundTokenExpirationSeconds (1 h 7 s). */
export const BOUND_TOKEN_EXPIRATION_SECONDS = 3607;
/** corev1.ProjectedVolumeSourceDefaultMode (0644), set explicitly as upstream does. */
const PROJECTED_DEFAULT_MODE = 420;

interface VolumeMount { name: string; mountPath: string; readOnly?: boolean; [k: string]: unknown }
interface EnvVar { name?: string; valueFrom?: { secretKeyRef?: { name?: string } } }
interface Container { name?: string; volumeMounts?: VolumeMount[]; env?: EnvVar[]; envFrom?: Array<{ secretRef?: { name?: string } }> }
interface Volume { name: string; secret?: { secretName?: string }; projected?: { sources?: Array<{ serviceAccountToken?: unknown }> }; [k: string]: unknown }
type Pod = KubeObject & {
  spec?: {
    serviceAccountName?: string; serviceAccount?: string; automountServiceAccountToken?: boolean;
    containers?: Container[]; initContainers?: Container[]; volumes?: Volume[]; imagePullSecrets?: Array<{ name?: string }>;
  };
};
type ServiceAccount = KubeObject & { automountServiceAccountToken?: boolean; secrets?: Array<{ name?: string }>; imagePullSecrets?: Array<{ name?: string }> };

export interface ServiceAccountOptions {
  /** Pause between live lookups of a missing "default" account (upstream: 100–200 ms, 10 tries). */
  retryIntervalMs?: number;
}

/** The projected volume source upstream mounts (TokenVolumeSource). */
export function tokenVolumeSource(): Record<string, unknown> {
  return {
    defaultMode: PROJECTED_DEFAULT_MODE,
    sources: [
      { serviceAccountToken: { path: 'token', expirationSeconds: BOUND_TOKEN_EXPIRATION_SECONDS } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
    ],
  };
}

/** The pod's own choice wins, then the account's; mounting is the default. */
const shouldAutomount = (sa: ServiceAccount, pod: Pod) => pod.spec?.automountServiceAccountToken ?? sa.automountServiceAccountToken ?? true;

/** Adds the token volume and its mount to every container that has nothing at the mount path. */
export function mountServiceAccountToken(pod: Pod): void {
  const spec = (pod.spec ??= {});
  const existing = (spec.volumes ?? []).find((v) => v.name.startsWith(SERVICE_ACCOUNT_VOLUME_PREFIX));
  const volumeName = existing?.name ?? generateName(SERVICE_ACCOUNT_VOLUME_PREFIX);
  let needed = false;
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    if ((c.volumeMounts ?? []).some((m) => m.mountPath === DEFAULT_API_TOKEN_MOUNT_PATH)) continue;
    c.volumeMounts = [...(c.volumeMounts ?? []), { name: volumeName, readOnly: true, mountPath: DEFAULT_API_TOKEN_MOUNT_PATH }];
    needed = true;
  }
  if (!existing && needed) spec.volumes = [...(spec.volumes ?? []), { name: volumeName, projected: tokenVolumeSource() }];
}

/** With the enforce-mountable-secrets annotation, a pod may use only the secrets its account lists. */
function secretReferenceError(sa: ServiceAccount, pod: Pod): string | undefined {
  const saName = sa.metadata?.name ?? '';
  const mountable = new Set((sa.secrets ?? []).map((s) => s.name));
  for (const v of pod.spec?.volumes ?? []) {
    const name = v.secret?.secretName;
    if (v.secret && !mountable.has(name)) return `volume with secret.secretName="${name ?? ''}" is not allowed because service account ${saName} does not reference that secret`;
  }
  for (const [kind, list] of [['init container', pod.spec?.initContainers], ['container', pod.spec?.containers]] as const) {
    for (const c of list ?? []) {
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.secretKeyRef;
        if (ref && !mountable.has(ref.name)) return `${kind} ${c.name ?? ''} with envVar ${e.name ?? ''} referencing secret.secretName="${ref.name ?? ''}" is not allowed because service account ${saName} does not reference that secret`;
      }
      for (const e of c.envFrom ?? []) {
        const ref = e.secretRef;
        if (ref && !mountable.has(ref.name)) return `${kind} ${c.name ?? ''} with envFrom referencing secret.secretName="${ref.name ?? ''}" is not allowed because service account ${saName} does not reference that secret`;
      }
    }
  }
  const pull = new Set((sa.imagePullSecrets ?? []).map((s) => s.name));
  for (const [i, ref] of (pod.spec?.imagePullSecrets ?? []).entries()) {
    if (!pull.has(ref.name)) return `imagePullSecrets[${i}].name="${ref.name ?? ''}" is not allowed because service account ${saName} does not reference that imagePullSecret`;
  }
  return undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function serviceAccount(opts: ServiceAccountOptions = {}): AdmissionPlugin {
  /**
   * The account from the watch cache, else read directly; the "default" account is tried ten
   * times, since its controller may be about to create it (upstream's getServiceAccount).
   */
  const lookup = async (a: AdmissionAttributes, name: string): Promise<ServiceAccount> => {
    const reg = a.registry.registryFor('', 'v1', 'serviceaccounts');
    if (!reg) throw errors.notFound({ group: '', resource: 'serviceaccount' }, name);
    try {
      return (await reg.getCached(a.namespace, name)) as ServiceAccount;
    } catch (e) {
      if (!errors.isStatusError(e, 'NotFound')) throw e;
    }
    const attempts = name === DEFAULT_SERVICE_ACCOUNT ? 10 : 1;
    const interval = opts.retryIntervalMs ?? 100 + Math.floor(Math.random() * 100);
    for (let i = 0; i < attempts; i++) {
      if (i > 0) await sleep(interval);
      try {
        return (await reg.get(a.namespace, name)) as ServiceAccount;
      } catch (e) {
        if (!errors.isStatusError(e, 'NotFound')) throw e;
      }
    }
    // Upstream names the resource in the singular here.
    throw errors.notFound({ group: '', resource: 'serviceaccount' }, name);
  };
  const accountOf = async (a: AdmissionAttributes, name: string): Promise<ServiceAccount> => {
    try {
      return await lookup(a, name);
    } catch (e) {
      const why = errors.isStatusError(e) ? e.status.message : (e as Error).message;
      throw forbidden(a, `error looking up service account ${a.namespace}/${name}: ${why}`);
    }
  };
  const isMirror = (pod: Pod) => MIRROR_POD_ANNOTATION in (pod.metadata?.annotations ?? {});

  return {
    name: 'ServiceAccount',
    handles: (a) => isResource(a, '', 'pods') && a.operation === 'CREATE' && !a.subresource,
    async admit(a) {
      const pod = a.obj as Pod;
      // Mirror pods are the kubelet's; their spec is left exactly as the kubelet wrote it.
      if (isMirror(pod)) return;
      const spec = (pod.spec ??= {});
      if (!spec.serviceAccountName) spec.serviceAccountName = DEFAULT_SERVICE_ACCOUNT;
      const sa = await accountOf(a, spec.serviceAccountName);
      if (shouldAutomount(sa, pod)) mountServiceAccountToken(pod);
      if (!spec.imagePullSecrets?.length && sa.imagePullSecrets?.length) {
        spec.imagePullSecrets = sa.imagePullSecrets.map((s) => ({ name: s.name }));
      }
    },
    async validate(a) {
      const pod = a.obj as Pod;
      if (isMirror(pod)) {
        if (pod.spec?.serviceAccountName) throw forbidden(a, 'a mirror pod may not reference service accounts');
        if ((pod.spec?.volumes ?? []).some((v) => (v.projected?.sources ?? []).some((s) => s.serviceAccountToken))) {
          throw forbidden(a, 'a mirror pod may not use ServiceAccountToken volume projections');
        }
        return;
      }
      const name = pod.spec?.serviceAccountName;
      if (!name) throw forbidden(a, `no service account specified for pod ${a.namespace}/${pod.metadata?.name ?? ''}`);
      const sa = await accountOf(a, name);
      if (/^(1|t|true)$/i.test(sa.metadata?.annotations?.[ENFORCE_MOUNTABLE_SECRETS_ANNOTATION] ?? '')) {
        const err = secretReferenceError(sa, pod);
        if (err) throw forbidden(a, err);
      }
    },
  };
}
