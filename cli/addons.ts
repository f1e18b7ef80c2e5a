// What `capstan up` installs as kubeadm installs its addons: RBAC for the cluster DNS, which runs
// under its own identity. The API server's bootstrap policy holds only upstream's default roles;
// kubeadm's CoreDNS manifest adds system:coredns, and our DNS also keeps the kube-dns Service and
// its endpoints itself (kubeadm writes the Service once and CoreDNS pods get endpoints from the
// endpoints controllers), so it may write those in kube-system.
import type { KubernetesObject } from '@kubernetes/client-node';
import { isAlreadyExists, resource, type RestClient } from '../client/index.ts';

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
  for (const { r, namespace, obj } of clusterDNSRBAC()) {
    try {
      await rest.create(r, namespace, obj);
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      const current = await rest.get(r, namespace, obj.metadata!.name!);
      await rest.update(r, namespace, { ...obj, metadata: { ...obj.metadata, resourceVersion: current.metadata?.resourceVersion } });
    }
  }
}
