// NodeRestriction (upstream plugin/pkg/admission/noderestriction, as kubeadm enables it): what a
// kubelet (system:node:<name> in system:nodes) may write, judged on the object itself. The Node
// authorizer lets nodes create and delete pods, write pod status, evict, and write Nodes, Leases
// and CSINodes by verb alone; this plugin then holds a node to mirror pods bound to itself, to the
// pods bound to it, to its own Node (no taints, no configSource, only kubelet labels), its own
// Lease in kube-node-lease, its own CSINode, tokens for its own pods, and to the status of PVCs.
// Messages are upstream's, each after `<resource> "<name>" is forbidden: `.
import * as errors from '../../machinery/errors.ts';
import { goQuote } from '../../machinery/goformat.ts';
import type { KubeObject } from '../apis/types.ts';
import type { AdmissionAttributes, AdmissionPlugin } from '../pipeline/admission.ts';
import { nodeIdentity } from '../rbac/node.ts';
import { podRefs } from '../rbac/nodegraph.ts';
import { getCached, isResource, nameOf } from './util.ts';

export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';
const NODE_LEASE_NAMESPACE = 'kube-node-lease';
/** corev1.LabelNamespaceNodeRestriction: labels only administrators may set on a Node. */
const NODE_RESTRICTION_LABEL_NAMESPACE = 'node-restriction.kubernetes.io';
/** The labels a kubelet may set on its own Node (k8s.io/kubelet/pkg/apis KubeletLabels). */
const KUBELET_LABELS = new Set([
  'kubernetes.io/hostname',
  'topology.kubernetes.io/zone',
  'topology.kubernetes.io/region',
  'failure-domain.beta.kubernetes.io/zone',
  'failure-domain.beta.kubernetes.io/region',
  'beta.kubernetes.io/instance-type',
  'node.kubernetes.io/instance-type',
  'kubernetes.io/os',
  'kubernetes.io/arch',
  'beta.kubernetes.io/os',
  'beta.kubernetes.io/arch',
]);
/** Label namespaces (and their subdomains) a kubelet may set (KubeletLabelNamespaces). */
const KUBELET_LABEL_NAMESPACES = ['kubelet.kubernetes.io', 'node.kubernetes.io'];
/** PVC status fields a node may change (capacity, conditions; the resize status with RecoverVolumeExpansionFailure, on in 1.32). */
const PVC_STATUS_FIELDS = ['capacity', 'conditions', 'allocatedResourceStatuses', 'allocatedResources'];

type Labels = Record<string, string> | undefined;
interface OwnerReference { apiVersion?: string; kind?: string; name?: string; uid?: string; controller?: boolean; blockOwnerDeletion?: boolean }
interface PodShape extends KubeObject {
  spec?: {
    nodeName?: string;
    serviceAccountName?: string;
    volumes?: Array<{ persistentVolumeClaim?: unknown; azureFile?: { secretName?: string }; projected?: { sources?: Array<{ clusterTrustBundle?: unknown }> } }>;
  };
  status?: { resourceClaimStatuses?: Array<{ name?: string; resourceClaimName?: string | null }> };
}
interface NodeShape extends KubeObject { spec?: { taints?: unknown[]; configSource?: unknown } }

/** `<resource> "<name>" is forbidden: <reason>`, named as upstream's admission.NewForbidden names it. */
function refuse(a: AdmissionAttributes, reason: string): errors.StatusError {
  return errors.forbidden(a.registry.gr, a.name || nameOf(a), reason);
}

const labelsOf = (o: KubeObject | undefined): Record<string, string> => (o?.metadata?.labels as Record<string, string> | undefined) ?? {};
const nodeNameOf = (pod: KubeObject | undefined): string => (pod as PodShape | undefined)?.spec?.nodeName ?? '';

/** A pod of the request's namespace from the watch cache (upstream reads its pod informer); 404 when there is none. */
async function existingPod(a: AdmissionAttributes, name: string): Promise<PodShape> {
  const pod = await getCached(a, '', 'v1', 'pods', a.namespace, name);
  if (!pod) throw errors.notFound({ group: '', resource: 'pods' }, name);
  return pod as PodShape;
}

export function nodeRestriction(): AdmissionPlugin {
  return {
    name: 'NodeRestriction',
    handles: (a) => a.operation !== 'CONNECT' && !!a.user && nodeIdentity(a.user).isNode,
    async admit(a) {
      const { nodeName } = nodeIdentity(a.user!);
      if (!nodeName) throw refuse(a, `could not determine node from user ${goQuote(a.user!.name)}`);
      if (isResource(a, '', 'pods')) {
        switch (a.subresource) {
          case '': return admitPod(a, nodeName);
          case 'status': return admitPodStatus(a, nodeName);
          case 'eviction': return admitPodEviction(a, nodeName);
          default: throw refuse(a, `unexpected pod subresource ${goQuote(a.subresource)}, only 'status' and 'eviction' are allowed`);
        }
      }
      if (isResource(a, '', 'nodes')) return admitNode(a, nodeName);
      if (isResource(a, '', 'persistentvolumeclaims')) {
        if (a.subresource !== 'status') throw refuse(a, 'may only update PVC status');
        return admitPVCStatus(a, nodeName);
      }
      if (isResource(a, '', 'serviceaccounts')) return admitServiceAccount(a, nodeName);
      if (isResource(a, 'coordination.k8s.io', 'leases')) return admitLease(a, nodeName);
      if (isResource(a, 'storage.k8s.io', 'csinodes')) return admitCSINode(a, nodeName);
    },
  };
}

async function admitPod(a: AdmissionAttributes, nodeName: string): Promise<void> {
  switch (a.operation) {
    case 'CREATE': return admitMirrorPodCreate(a, nodeName);
    case 'DELETE':
      // The pod as stored (upstream reads it from its informer).
      if (nodeNameOf(a.old ?? await existingPod(a, a.name)) !== nodeName) {
        throw refuse(a, `node ${goQuote(nodeName)} can only delete pods with spec.nodeName set to itself`);
      }
      return;
    default:
      throw refuse(a, `unexpected operation ${goQuote(a.operation)}, node ${goQuote(nodeName)} can only create and delete mirror pods`);
  }
}

/** A node creates only mirror pods of its static pods: bound to it, owned by its Node, referencing nothing else. */
async function admitMirrorPodCreate(a: AdmissionAttributes, nodeName: string): Promise<void> {
  const pod = a.obj as PodShape;
  const q = goQuote(nodeName);
  const annotations = (pod.metadata?.annotations ?? {}) as Record<string, string>;
  if (!(MIRROR_POD_ANNOTATION in annotations)) {
    throw refuse(a, `pod does not have ${goQuote(MIRROR_POD_ANNOTATION)} annotation, node ${q} can only create mirror pods`);
  }
  if (nodeNameOf(pod) !== nodeName) throw refuse(a, `node ${q} can only create pods with spec.nodeName set to itself`);
  const owners = (pod.metadata?.ownerReferences ?? []) as OwnerReference[];
  if (owners.length > 1) throw refuse(a, `node ${q} can only create pods with a single owner reference set to itself`);
  const owner = owners[0];
  if (!owner || owner.apiVersion !== 'v1' || owner.kind !== 'Node' || owner.name !== nodeName) {
    throw refuse(a, `node ${q} can only create pods with an owner reference set to itself`);
  }
  if (!owner.controller) throw refuse(a, `node ${q} can only create pods with a controller owner reference set to itself`);
  if (owner.blockOwnerDeletion) throw refuse(a, `node ${q} must not set blockOwnerDeletion on an owner reference`);
  const node = await getCached(a, '', 'v1', 'nodes', '', nodeName);
  if (!node) throw errors.notFound({ group: '', resource: 'nodes' }, nodeName);
  if ((owner.uid ?? '') !== (node.metadata?.uid ?? '')) {
    // Upstream's wording, which names the owner's uid "expected".
    throw refuse(a, `node ${nodeName} UID mismatch: expected ${owner.uid ?? ''} got ${node.metadata?.uid ?? ''}`);
  }
  if (pod.spec?.serviceAccountName) throw refuse(a, `node ${q} can not create pods that reference a service account`);
  const refs = podRefs(pod);
  const volumes = pod.spec?.volumes ?? [];
  // podRefs follows secretRef-style plugin volumes; azureFile names its secret secretName.
  if (refs.secrets.length > 0 || volumes.some((v) => v.azureFile?.secretName)) throw refuse(a, `node ${q} can not create pods that reference secrets`);
  if (refs.configMaps.length > 0) throw refuse(a, `node ${q} can not create pods that reference configmaps`);
  if (volumes.some((v) => (v.projected?.sources ?? []).some((s) => s.clusterTrustBundle))) {
    throw refuse(a, `node ${q} can not create pods that reference clustertrustbundles`);
  }
  if (volumes.some((v) => v.persistentVolumeClaim)) throw refuse(a, `node ${q} can not create pods that reference persistentvolumeclaims`);
}

function admitPodStatus(a: AdmissionAttributes, nodeName: string): void {
  if (a.operation !== 'UPDATE' || !a.old) throw refuse(a, `unexpected operation ${goQuote(a.operation)}`);
  const q = goQuote(nodeName);
  if (nodeNameOf(a.old) !== nodeName) throw refuse(a, `node ${q} can only update pod status for pods with spec.nodeName set to itself`);
  if (!sameLabels(labelsOf(a.old), labelsOf(a.obj))) throw refuse(a, `node ${q} cannot update labels through pod status`);
  const claims = (o: KubeObject) => ((o as PodShape).status?.resourceClaimStatuses ?? []).map((s) => [s.name ?? '', s.resourceClaimName ?? null]);
  // Upstream's message spells it "statues".
  if (JSON.stringify(claims(a.old)) !== JSON.stringify(claims(a.obj))) throw refuse(a, `node ${q} cannot update resource claim statues`);
}

async function admitPodEviction(a: AdmissionAttributes, nodeName: string): Promise<void> {
  if (a.operation !== 'CREATE') throw refuse(a, `unexpected operation ${a.operation}`);
  // The pod named in the URL, else the Eviction's own name.
  const podName = a.name || a.obj.metadata?.name || '';
  if (!podName) throw refuse(a, 'could not determine pod from request data');
  const pod = await existingPod(a, podName);
  // Upstream prints this node name unquoted (%s).
  if (nodeNameOf(pod) !== nodeName) throw refuse(a, `node ${nodeName} can only evict pods with spec.nodeName set to itself`);
}

function admitPVCStatus(a: AdmissionAttributes, nodeName: string): void {
  if (a.operation !== 'UPDATE' || !a.old) throw refuse(a, `unexpected operation ${goQuote(a.operation)}`);
  const comparable = (claim: KubeObject) => {
    const c = structuredClone(claim);
    delete c.apiVersion;
    delete c.kind;
    if (c.metadata) {
      delete c.metadata.resourceVersion;
      delete c.metadata.managedFields;
    }
    const status = c.status as Record<string, unknown> | undefined;
    for (const f of PVC_STATUS_FIELDS) delete status?.[f];
    return c;
  };
  const changed = changedPaths(comparable(a.old), comparable(a.obj));
  // Nodes may not relabel a claim, add finalizers or owners, or touch its spec.
  if (changed.length > 0) {
    // Upstream appends a Go cmp.Diff of the two claims; the changed field paths stand in for it.
    throw refuse(a, `node ${goQuote(nodeName)} is not allowed to update fields other than status.quantity and status.conditions: ${changed.join(', ')}`);
  }
}

function admitNode(a: AdmissionAttributes, nodeName: string): void {
  const q = goQuote(nodeName);
  if (a.name !== nodeName) throw refuse(a, `node ${q} is not allowed to modify node ${goQuote(a.name)}`);
  const node = a.obj as NodeShape;
  if (a.operation === 'CREATE') {
    // A configSource would widen what the node may read (the Node authorizer follows it).
    if (present(node.spec?.configSource)) throw refuse(a, `node ${q} is not allowed to create pods with a non-nil configSource`);
    const forbidden = forbiddenLabels(modifiedLabels(labelsOf(node), undefined));
    if (forbidden.length) throw refuse(a, `node ${q} is not allowed to set the following labels: ${forbidden.join(', ')}`);
  } else if (a.operation === 'UPDATE' && a.old) {
    const old = a.old as NodeShape;
    // Only a new non-nil configSource counts: old kubelets drop the field on status writes.
    if (present(node.spec?.configSource) && !semanticallyEqual(node.spec?.configSource, old.spec?.configSource)) {
      throw refuse(a, `node ${q} is not allowed to update configSource to a new non-nil configSource`);
    }
    // Taints steer workloads: a node may neither drop nor add its own.
    if (!semanticallyEqual(node.spec?.taints, old.spec?.taints)) throw refuse(a, `node ${q} is not allowed to modify taints`);
    const forbidden = forbiddenLabels(modifiedLabels(labelsOf(node), labelsOf(old)));
    // Upstream's message names no node here.
    if (forbidden.length) throw refuse(a, `is not allowed to modify labels: ${forbidden.join(', ')}`);
  }
}

async function admitServiceAccount(a: AdmissionAttributes, nodeName: string): Promise<void> {
  if (a.operation !== 'CREATE' || a.subresource !== 'token') return;
  // A node's token must be bound to a pod scheduled on that node.
  const ref = (a.obj.spec as { boundObjectRef?: { apiVersion?: string; kind?: string; name?: string; uid?: string } } | undefined)?.boundObjectRef;
  if (!ref || ref.apiVersion !== 'v1' || ref.kind !== 'Pod' || !ref.name) throw refuse(a, 'node requested token not bound to a pod');
  if (!ref.uid) throw refuse(a, 'node requested token with a pod binding without a uid');
  const pod = await existingPod(a, ref.name);
  if (ref.uid !== pod.metadata?.uid) {
    throw refuse(a, `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
  }
  if (nodeNameOf(pod) !== nodeName) throw refuse(a, 'node requested token bound to a pod scheduled on a different node');
}

/** On create the authorizer has no name to check: the object's is compared here. */
const createdName = (a: AdmissionAttributes) => a.obj.metadata?.name || a.name;

function admitLease(a: AdmissionAttributes, nodeName: string): void {
  if (a.namespace !== NODE_LEASE_NAMESPACE) throw refuse(a, `can only access leases in the ${goQuote(NODE_LEASE_NAMESPACE)} system namespace`);
  const name = a.operation === 'CREATE' ? createdName(a) : a.name;
  if (name !== nodeName) throw refuse(a, 'can only access node lease with the same name as the requesting node');
}

function admitCSINode(a: AdmissionAttributes, nodeName: string): void {
  const name = a.operation === 'CREATE' ? createdName(a) : a.name;
  if (name !== nodeName) throw refuse(a, 'can only access CSINode with the same name as the requesting node');
}

/** labels.Equals: the same keys with the same values (no labels and none are equal). */
function sameLabels(x: Labels, y: Labels): boolean {
  const a = x ?? {};
  const b = y ?? {};
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => k in b && a[k] === b[k]);
}

/** Keys added, removed or changed between two label maps, sorted. */
export function modifiedLabels(next: Labels, prev: Labels): string[] {
  const a = next ?? {};
  const b = prev ?? {};
  const keys = new Set<string>();
  for (const [k, v] of Object.entries(a)) if (!(k in b) || b[k] !== v) keys.add(k);
  for (const [k, v] of Object.entries(b)) if (!(k in a) || a[k] !== v) keys.add(k);
  return [...keys].sort();
}

const labelNamespace = (key: string): string => {
  const i = key.indexOf('/');
  return i >= 0 ? key.slice(0, i) : '';
};
const inNamespace = (ns: string, domain: string) => ns === domain || ns.endsWith(`.${domain}`);

/** Whether a kubelet may set this label on its own Node (upstream's kubeletapis.IsKubeletLabel). */
export function isKubeletLabel(key: string): boolean {
  if (KUBELET_LABELS.has(key)) return true;
  const ns = labelNamespace(key);
  return KUBELET_LABEL_NAMESPACES.some((d) => inNamespace(ns, d));
}

/**
 * Of the modified labels, those a node may not set (upstream's getForbiddenLabels): any under
 * node-restriction.kubernetes.io, and kubernetes.io / k8s.io labels that are not kubelet labels.
 */
export function forbiddenLabels(modified: readonly string[]): string[] {
  return modified.filter((key) => {
    const ns = labelNamespace(key);
    if (inNamespace(ns, NODE_RESTRICTION_LABEL_NAMESPACE)) return true;
    const kubernetesLabel = inNamespace(ns, 'kubernetes.io') || inNamespace(ns, 'k8s.io');
    return kubernetesLabel && !isKubeletLabel(key);
  });
}

/** A Go pointer field that is set: present and not null. */
const present = (v: unknown): boolean => v !== undefined && v !== null;

/**
 * The value as Go's typed objects would compare it (equality.Semantic): absent, null, zero
 * scalars and empty lists or maps are all the zero value; times compare to the second.
 */
function canonical(v: unknown): unknown {
  if (v === null || v === undefined || v === '' || v === 0 || v === false) return undefined;
  if (typeof v === 'string') return /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$/.test(v) ? v.replace(/\.\d+Z$/, 'Z') : v;
  if (v instanceof Date) return v.toISOString().replace(/\.\d+Z$/, 'Z');
  if (Array.isArray(v)) return v.length ? v.map((x) => canonical(x) ?? null) : undefined;
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v as object).sort()) {
      const c = canonical((v as Record<string, unknown>)[k]);
      if (c !== undefined) out[k] = c;
    }
    return Object.keys(out).length ? out : undefined;
  }
  return v;
}

export function semanticallyEqual(x: unknown, y: unknown): boolean {
  return JSON.stringify(canonical(x)) === JSON.stringify(canonical(y));
}

/** Field paths at which two objects differ semantically (the first differing level of each branch). */
function changedPaths(x: unknown, y: unknown, path = ''): string[] {
  const a = canonical(x);
  const b = canonical(y);
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => changedPaths((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k));
  }
  return [path || '.'];
}
