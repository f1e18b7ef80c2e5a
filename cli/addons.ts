// What `capstan up` installs as kubeadm installs its addons: RBAC for the cluster DNS, which runs
// under its own identity. The API server's bootstrap policy holds only upstream's default roles;
// kubeadm's CoreDNS manifest adds system:coredns, and our DNS also keeps the kube-dns Service and
// its endpoints itself (kubeadm writes the Service once and CoreDNS pods get endpoints from the
// endpoints controllers), so it may write those in kube-system.
//
// And local storage as kind installs it: a default StorageClass `standard` whose volumes the local
// provisioner makes (kind: rancher's local-path-provisioner, WaitForFirstConsumer, Delete), and
// the provisioner's RBAC, as kind's local-path-provisioner-role.
import type { KubernetesObject, V1StorageClass } from '@kubernetes/client-node';
import { isAlreadyExists, resource, type RestClient } from '../client/index.ts';
import { LOCAL_PROVISIONER } from '../controllers/localprovisioner.ts';
import { LOCAL_PROVISIONER_IDENTITY } from './identities.ts';
import { storageClasses } from '../client/resources.ts';

/** The user the cluster DNS's client certificate names. */
export const CLUSTER_DNS_USER = 'system:capstan-dns';

const clusterRoles = resource('rbac.authorization.k8s.io/v1/clusterroles', { kind: 'ClusterRole', namespaced: false });
const clusterRoleBindings = resource('rbac.authorization.k8s.io/v1/clusterrolebindings', { kind: 'ClusterRoleBinding', namespaced: false });
const roles = resource('rbac.authorization.k8s.io/v1/roles', { kind: 'Role', namespaced: true });
const roleBindings = resource('rbac.authorization.k8s.io/v1/rolebindings', { kind: 'RoleBinding', namespaced: true });

const RBAC_GROUP = 'rbac.authorization.k8s.io';
const labels = { 'kubernetes.io/bootstrapping': 'rbac-defaults', 'app.kubernetes.io/managed-by': 'capstan' };
const dnsUser = [{ kind: 'User', apiGroup: RBAC_GROUP, name: CLUSTER_DNS_USER }];

/** The objects, in the order they are written. */
export function clusterDNSRBAC(): Array<{ r: typeof clusterRoles; namespace: string; obj: KubernetesObject & Record<string, unknown> }> {
  return [
    {
      // kubeadm's system:coredns: what CoreDNS's kubernetes plugin reads.
      r: clusterRoles, namespace: '',
      obj: {
        metadata: { name: 'system:coredns', labels },
        rules: [
          { apiGroups: [''], resources: ['endpoints', 'services', 'pods', 'namespaces'], verbs: ['list', 'watch'] },
          { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
        ],
      },
    },
    {
      r: clusterRoleBindings, namespace: '',
      obj: { metadata: { name: 'system:coredns', labels }, roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: 'system:coredns' }, subjects: dnsUser },
    },
    {
      // The kube-dns Service, its Endpoints and the DNS replicas' EndpointSlices.
      r: roles, namespace: 'kube-system',
      obj: {
        metadata: { name: 'capstan:cluster-dns', namespace: 'kube-system', labels },
        rules: [
          { apiGroups: [''], resources: ['services'], verbs: ['get', 'create', 'update', 'patch', 'delete'] },
          { apiGroups: [''], resources: ['endpoints'], verbs: ['get', 'create', 'update', 'patch'] },
          { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'create', 'update', 'patch', 'delete'] },
        ],
      },
    },
    {
      r: roleBindings, namespace: 'kube-system',
      obj: {
        metadata: { name: 'capstan:cluster-dns', namespace: 'kube-system', labels },
        roleRef: { apiGroup: RBAC_GROUP, kind: 'Role', name: 'capstan:cluster-dns' }, subjects: dnsUser,
      },
    },
  ];
}

/** Creates what is missing and puts back what was changed (a reconcile, as kubeadm's apply). */
export async function ensureClusterDNSRBAC(rest: RestClient): Promise<void> {
  await reconcile(rest, clusterDNSRBAC());
}

async function reconcile(rest: RestClient, objects: Array<{ r: typeof clusterRoles; namespace: string; obj: KubernetesObject & Record<string, unknown> }>): Promise<void> {
  for (const { r, namespace, obj } of objects) {
    try {
      await rest.create(r, namespace, obj);
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      const current = await rest.get(r, namespace, obj.metadata!.name!);
      await rest.update(r, namespace, { ...obj, metadata: { ...obj.metadata, resourceVersion: current.metadata?.resourceVersion } });
    }
  }
}


/** The default StorageClass, named and shaped as kind's. */
export const DEFAULT_STORAGE_CLASS = 'standard';

/** The local provisioner's ClusterRole and its binding (kind's local-path-provisioner-role, with pods read-only). */
export function localProvisionerRBAC(): Array<{ r: typeof clusterRoles; namespace: string; obj: KubernetesObject & Record<string, unknown> }> {
  const name = 'capstan:local-provisioner';
  return [
    {
      r: clusterRoles, namespace: '',
      obj: {
        metadata: { name, labels },
        rules: [
          { apiGroups: [''], resources: ['persistentvolumes'], verbs: ['*'] },
          { apiGroups: [''], resources: ['persistentvolumeclaims'], verbs: ['get', 'list', 'watch', 'update'] },
          { apiGroups: [''], resources: ['pods', 'nodes'], verbs: ['get', 'list', 'watch'] },
          { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
          { apiGroups: ['storage.k8s.io'], resources: ['storageclasses'], verbs: ['get', 'list', 'watch'] },
        ],
      },
    },
    {
      r: clusterRoleBindings, namespace: '',
      obj: {
        metadata: { name, labels }, roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name },
        subjects: [{ kind: 'User', apiGroup: RBAC_GROUP, name: LOCAL_PROVISIONER_IDENTITY.user }],
      },
    },
  ];
}

/**
 * kind's `standard` class: the local provisioner's volumes, made once a pod using the claim is
 * scheduled (WaitForFirstConsumer) and deleted with their claim.
 */
export function defaultStorageClass(): V1StorageClass {
  return {
    metadata: {
      name: DEFAULT_STORAGE_CLASS,
      annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
      labels: { 'addonmanager.kubernetes.io/mode': 'EnsureExists' },
    },
    provisioner: LOCAL_PROVISIONER, reclaimPolicy: 'Delete', volumeBindingMode: 'WaitForFirstConsumer',
  };
}

/**
 * The provisioner's RBAC, reconciled; the default class created only when missing (the addon
 * manager's EnsureExists): a user's changes to it stand, and one deleted comes back at the next start.
 */
export async function ensureLocalStorage(rest: RestClient): Promise<void> {
  await reconcile(rest, localProvisionerRBAC());
  try {
    await rest.create(storageClasses, '', defaultStorageClass());
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
  }
}
