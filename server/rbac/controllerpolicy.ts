// Upstream's per-controller roles (bootstrappolicy/controller_policy.go, checked against its
// testdata/controller-roles.yaml): one ClusterRole `system:controller:<name>` per controller of
// kube-controller-manager, bound to the ServiceAccount kube-system/<name> each controller runs
// as when the controller manager uses service account credentials. Feature-gated controllers
// (dynamic resource allocation, SELinux warnings, service CIDRs, ...) are left out.
import type { Binding, ClusterRole, PolicyRule } from '../apis/rbac/v1/validation.ts';
import { READ, clusterRole, clusterRoleBinding, eventsRule, rule, serviceAccount } from './builders.ts';

const PREFIX = 'system:controller:';

function controllerRoles(): Array<[string, PolicyRule[]]> {
  return [
    ['attachdetach-controller', [
      rule(['list', 'watch'], [''], ['persistentvolumes', 'persistentvolumeclaims']),
      rule(['get', 'list', 'watch'], [''], ['nodes']),
      rule(['patch', 'update'], [''], ['nodes/status']),
      rule(['list', 'watch'], [''], ['pods']),
      eventsRule(),
      rule(['get', 'create', 'delete', 'list', 'watch'], ['storage.k8s.io'], ['volumeattachments']),
      rule(['get', 'watch', 'list'], ['storage.k8s.io'], ['csidrivers']),
      rule(['get', 'watch', 'list'], ['storage.k8s.io'], ['csinodes']),
    ]],
    ['clusterrole-aggregation-controller', [
      // Aggregation writes rules its own identity does not hold: it needs escalate.
      rule(['escalate', 'get', 'list', 'watch', 'update', 'patch'], ['rbac.authorization.k8s.io'], ['clusterroles']),
    ]],
    ['cronjob-controller', [
      rule(['get', 'list', 'watch', 'update'], ['batch'], ['cronjobs']),
      rule(['get', 'list', 'watch', 'create', 'update', 'delete', 'patch'], ['batch'], ['jobs']),
      rule(['update'], ['batch'], ['cronjobs/status']),
      rule(['update'], ['batch'], ['cronjobs/finalizers']),
      rule(['list', 'watch', 'delete'], [''], ['pods']),
      eventsRule(),
    ]],
    ['daemon-set-controller', [
      rule(['get', 'list', 'watch'], ['extensions', 'apps'], ['daemonsets']),
      rule(['update'], ['extensions', 'apps'], ['daemonsets/status']),
      rule(['update'], ['extensions', 'apps'], ['daemonsets/finalizers']),
      rule(['list', 'watch'], [''], ['nodes']),
      rule(['list', 'watch', 'create', 'delete', 'patch'], [''], ['pods']),
      rule(['create'], [''], ['pods/binding']),
      rule(['get', 'list', 'watch', 'create', 'delete', 'update', 'patch'], ['apps'], ['controllerrevisions']),
      eventsRule(),
    ]],
    ['deployment-controller', [
      rule(['get', 'list', 'watch', 'update'], ['extensions', 'apps'], ['deployments']),
      rule(['update'], ['extensions', 'apps'], ['deployments/status']),
      rule(['update'], ['extensions', 'apps'], ['deployments/finalizers']),
      rule(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'], ['apps', 'extensions'], ['replicasets']),
      // Pods are read, and updated only to adopt or orphan them.
      rule(['get', 'list', 'watch', 'update'], [''], ['pods']),
      eventsRule(),
    ]],
    ['disruption-controller', [
      rule(READ, ['extensions', 'apps'], ['deployments']),
      rule(READ, ['apps', 'extensions'], ['replicasets']),
      rule(READ, [''], ['replicationcontrollers']),
      rule(READ, ['policy'], ['poddisruptionbudgets']),
      rule(READ, ['apps'], ['statefulsets']),
      rule(['update'], ['policy'], ['poddisruptionbudgets/status']),
      rule(['patch', 'update'], [''], ['pods/status']),
      rule(['get'], ['*'], ['*/scale']),
      eventsRule(),
    ]],
    ['endpoint-controller', [
      rule(READ, [''], ['services', 'pods']),
      rule(['get', 'list', 'create', 'update', 'delete'], [''], ['endpoints']),
      rule(['create'], [''], ['endpoints/restricted']),
      eventsRule(),
    ]],
    ['endpointslice-controller', [
      rule(READ, [''], ['services', 'pods', 'nodes']),
      rule(['update'], [''], ['services/finalizers']),
      rule(['get', 'list', 'create', 'update', 'delete'], ['discovery.k8s.io'], ['endpointslices']),
      eventsRule(),
    ]],
    ['endpointslicemirroring-controller', [
      rule(READ, [''], ['services', 'endpoints']),
      rule(['update'], [''], ['services/finalizers']),
      rule(['update'], [''], ['endpoints/finalizers']),
      rule(['get', 'list', 'create', 'update', 'delete'], ['discovery.k8s.io'], ['endpointslices']),
      eventsRule(),
    ]],
    ['ephemeral-volume-controller', [
      rule(['get', 'list', 'watch'], [''], ['pods']),
      rule(['update'], [''], ['pods/finalizers']),
      rule(['get', 'list', 'watch', 'create'], [''], ['persistentvolumeclaims']),
      eventsRule(),
    ]],
    ['expand-controller', [
      rule(['get', 'list', 'watch', 'update', 'patch'], [''], ['persistentvolumes']),
      rule(['update', 'patch'], [''], ['persistentvolumeclaims/status']),
      rule(['get', 'list', 'watch'], [''], ['persistentvolumeclaims']),
      eventsRule(),
    ]],
    ['generic-garbage-collector', [
      // It deletes dependents of any type and edits their ownerReferences.
      rule(['get', 'list', 'watch', 'patch', 'update', 'delete'], ['*'], ['*']),
      eventsRule(),
    ]],
    ['horizontal-pod-autoscaler', [
      rule(['get', 'list', 'watch'], ['autoscaling'], ['horizontalpodautoscalers']),
      rule(['update'], ['autoscaling'], ['horizontalpodautoscalers/status']),
      rule(['get', 'update'], ['*'], ['*/scale']),
      rule(['list', 'watch'], [''], ['pods']),
      rule(['list', 'watch'], ['metrics.k8s.io'], ['pods']),
      rule(['get', 'list', 'watch'], ['custom.metrics.k8s.io'], ['*']),
      rule(['get', 'list', 'watch'], ['external.metrics.k8s.io'], ['*']),
      eventsRule(),
    ]],
    ['job-controller', [
      rule(['get', 'list', 'watch', 'update', 'patch'], ['batch'], ['jobs']),
      rule(['update'], ['batch'], ['jobs/status']),
      rule(['update'], ['batch'], ['jobs/finalizers']),
      rule(['list', 'watch', 'create', 'delete', 'patch'], [''], ['pods']),
      eventsRule(),
    ]],
    ['legacy-service-account-token-cleaner', [
      rule(['get'], [''], ['configmaps'], ['kube-apiserver-legacy-service-account-token-tracking']),
      rule(['delete', 'patch'], [''], ['secrets']),
    ]],
    ['namespace-controller', [
      rule(['get', 'list', 'watch', 'delete'], [''], ['namespaces']),
      rule(['update'], [''], ['namespaces/finalize', 'namespaces/status']),
      // It empties a namespace of every kind of object.
      rule(['get', 'list', 'watch', 'delete', 'deletecollection'], ['*'], ['*']),
    ]],
    ['node-controller', [
      rule(['get', 'list', 'update', 'delete', 'patch', 'watch'], [''], ['nodes']),
      rule(['patch', 'update'], [''], ['nodes/status']),
      rule(['patch', 'update'], [''], ['pods/status']),
      rule(['list', 'get', 'delete', 'watch'], [''], ['pods']),
      eventsRule(),
    ]],
    ['persistent-volume-binder', [
      rule(['get', 'list', 'watch', 'update', 'create', 'delete'], [''], ['persistentvolumes']),
      rule(['update'], [''], ['persistentvolumes/status']),
      rule(['get', 'list', 'watch', 'update'], [''], ['persistentvolumeclaims']),
      rule(['update'], [''], ['persistentvolumeclaims/status']),
      rule(['list', 'watch', 'get', 'create', 'delete'], [''], ['pods']),
      rule(['get', 'list', 'watch'], ['storage.k8s.io'], ['storageclasses']),
      rule(['list', 'watch'], [''], ['nodes']),
      eventsRule(),
      rule(['watch'], [''], ['events']),
    ]],
    ['pod-garbage-collector', [
      rule(['list', 'watch', 'delete'], [''], ['pods']),
      rule(['get', 'list', 'watch'], [''], ['nodes']),
      rule(['patch'], [''], ['pods/status']),
    ]],
    ['pv-protection-controller', [
      rule(['get', 'list', 'watch', 'update'], [''], ['persistentvolumes']),
      eventsRule(),
    ]],
    ['pvc-protection-controller', [
      rule(['get', 'list', 'watch', 'update'], [''], ['persistentvolumeclaims']),
      rule(['update'], [''], ['persistentvolumeclaims/status']),
      rule(['list', 'watch', 'get'], [''], ['pods']),
      eventsRule(),
    ]],
    ['replicaset-controller', [
      rule(['get', 'list', 'watch', 'update'], ['apps', 'extensions'], ['replicasets']),
      rule(['update'], ['apps', 'extensions'], ['replicasets/status']),
      rule(['update'], ['apps', 'extensions'], ['replicasets/finalizers']),
      rule(['list', 'watch', 'patch', 'create', 'delete'], [''], ['pods']),
      eventsRule(),
    ]],
    ['replication-controller', [
      rule(['get', 'list', 'watch', 'update'], [''], ['replicationcontrollers']),
      rule(['update'], [''], ['replicationcontrollers/status']),
      rule(['update'], [''], ['replicationcontrollers/finalizers']),
      rule(['list', 'watch', 'patch', 'create', 'delete'], [''], ['pods']),
      eventsRule(),
    ]],
    ['resourcequota-controller', [
      // It counts objects of every type.
      rule(['list', 'watch'], ['*'], ['*']),
      rule(['update'], [''], ['resourcequotas/status']),
      eventsRule(),
    ]],
    ['root-ca-cert-publisher', [
      rule(['create', 'update'], [''], ['configmaps']),
      eventsRule(),
    ]],
    ['route-controller', [
      rule(['list', 'watch'], [''], ['nodes']),
      rule(['patch'], [''], ['nodes/status']),
      eventsRule(),
    ]],
    ['service-account-controller', [
      rule(['create'], [''], ['serviceaccounts']),
      eventsRule(),
    ]],
    ['service-controller', [
      rule(READ, [''], ['services']),
      rule(['patch', 'update'], [''], ['services/status']),
      rule(['list', 'watch'], [''], ['nodes']),
      eventsRule(),
    ]],
    ['statefulset-controller', [
      rule(['list', 'watch'], [''], ['pods']),
      rule(['get', 'list', 'watch'], ['apps'], ['statefulsets']),
      rule(['update'], ['apps'], ['statefulsets/status']),
      rule(['update'], ['apps'], ['statefulsets/finalizers']),
      rule(['get', 'create', 'delete', 'update', 'patch'], [''], ['pods']),
      rule(['get', 'create', 'delete', 'update', 'patch', 'list', 'watch'], ['apps'], ['controllerrevisions']),
      rule(['get', 'create', 'list', 'watch'], [''], ['persistentvolumeclaims']),
      rule(['update', 'delete'], [''], ['persistentvolumeclaims']),
      rule(['update'], [''], ['pods/finalizers']),
      eventsRule(),
    ]],
    ['ttl-after-finished-controller', [
      rule(['get', 'list', 'watch', 'delete'], ['batch'], ['jobs']),
      eventsRule(),
    ]],
    ['ttl-controller', [
      rule(['update', 'patch', 'list', 'watch'], [''], ['nodes']),
      eventsRule(),
    ]],
    ['certificate-controller', [
      rule(['get', 'list', 'watch', 'delete'], ['certificates.k8s.io'], ['certificatesigningrequests']),
      rule(['update'], ['certificates.k8s.io'], ['certificatesigningrequests/status', 'certificatesigningrequests/approval']),
      rule(['approve'], ['certificates.k8s.io'], ['signers'], ['kubernetes.io/kube-apiserver-client-kubelet']),
      rule(['sign'], ['certificates.k8s.io'], ['signers'], [
        'kubernetes.io/kube-apiserver-client', 'kubernetes.io/kube-apiserver-client-kubelet', 'kubernetes.io/kubelet-serving', 'kubernetes.io/legacy-unknown',
      ]),
      rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
      eventsRule(),
    ]],
    ['validatingadmissionpolicy-status-controller', [
      rule(['get', 'list', 'watch'], ['admissionregistration.k8s.io'], ['validatingadmissionpolicies']),
      rule(['get', 'patch', 'update'], ['admissionregistration.k8s.io'], ['validatingadmissionpolicies/status']),
      eventsRule(),
    ]],
  ];
}

export function controllerClusterRoles(): ClusterRole[] {
  return controllerRoles().map(([name, rules]) => clusterRole(PREFIX + name, rules));
}

export function controllerClusterRoleBindings(): Binding[] {
  return controllerRoles().map(([name]) => clusterRoleBinding(PREFIX + name, [serviceAccount('kube-system', name)]));
}

/** The ServiceAccount a controller runs as and the ClusterRole it is bound to, by controller name. */
export const controllerRoleName = (name: string) => PREFIX + name;
