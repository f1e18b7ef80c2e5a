// The Node authorizer (upstream plugin/pkg/auth/authorizer/node, with AuthorizeNodeWithSelectors
// as 1.32 has it on): a kubelet (user system:node:<name> in group system:nodes) may read only its
// own Node and Lease, read only the pods bound to it (list/watch with spec.nodeName=<name>), and
// read only the Secrets, ConfigMaps, PersistentVolumeClaims (and the PersistentVolumes bound to
// them) and ServiceAccount tokens they reference. Writes whose limits depend on the object (which pods a node may create, delete, evict
// or write status for; which Node it may change and how) are allowed here by verb, as upstream's,
// and judged by the NodeRestriction admission plugin (server/admission/noderestriction.ts).
// Everything else a kubelet needs comes from upstream's static node rules. Reasons are upstream's.
import { parseFieldSelector } from '../../machinery/fields.ts';
import type { RequestUser } from '../apis/types.ts';
import { nodeRules } from './policy.ts';
import { rulesAllow, type Attributes, type PolicyRule } from './rules.ts';
import type { PodGraph, RefKind } from './nodegraph.ts';
import type { DecisionResult } from './decision.ts';

export const NODES_GROUP = 'system:nodes';
const NODE_USER_PREFIX = 'system:node:';
const NODE_LEASE_NAMESPACE = 'kube-node-lease';

/** Upstream's NodeIdentity: the node a user speaks for, if it is a node. */
export function nodeIdentity(user: RequestUser): { isNode: boolean; nodeName: string } {
  if (!user.name.startsWith(NODE_USER_PREFIX) || !(user.groups ?? []).includes(NODES_GROUP)) return { isNode: false, nodeName: '' };
  return { isNode: true, nodeName: user.name.slice(NODE_USER_PREFIX.length) };
}

const allow = (): DecisionResult => ({ decision: 'Allow', reason: '' });
const noOpinion = (reason = ''): DecisionResult => ({ decision: 'NoOpinion', reason });

export class NodeAuthorizer {
  private readonly rules: PolicyRule[] = nodeRules();

  constructor(private readonly graph: PodGraph) {}

  authorize(attrs: Attributes): DecisionResult {
    const { isNode, nodeName } = nodeIdentity(attrs.user);
    if (!isNode) return noOpinion();
    if (!nodeName) return noOpinion(`unknown node for user "${attrs.user.name}"`);
    if (attrs.isResourceRequest) {
      const g = attrs.apiGroup, r = attrs.resource;
      if (g === '' && r === 'secrets') return this.readNamespacedObject(nodeName, 'secret', attrs);
      if (g === '' && r === 'configmaps') return this.readNamespacedObject(nodeName, 'configmap', attrs);
      if (g === '' && r === 'persistentvolumeclaims') {
        return attrs.subresource === 'status' ? this.statusUpdate(nodeName, 'pvc', attrs) : this.getRelated(nodeName, 'pvc', attrs);
      }
      // A volume reaches a node through its claim; attachments through edges this graph does not keep.
      if (g === '' && r === 'persistentvolumes') return this.getRelated(nodeName, 'pv', attrs);
      if (g === 'storage.k8s.io' && r === 'volumeattachments') return this.getRelated(nodeName, undefined, attrs);
      if (g === '' && r === 'serviceaccounts') return this.createToken(nodeName, attrs);
      if (g === 'coordination.k8s.io' && r === 'leases') return this.lease(nodeName, attrs);
      if (g === 'storage.k8s.io' && r === 'csinodes') return this.csiNode(nodeName, attrs);
      if (g === '' && r === 'nodes') return this.node(nodeName, attrs);
      if (g === '' && r === 'pods') return this.pod(nodeName, attrs);
    }
    return rulesAllow(attrs, this.rules) ? allow() : noOpinion();
  }

  private related(nodeName: string, kind: RefKind | undefined, attrs: Attributes): DecisionResult {
    if (!attrs.name) return noOpinion('No Object name found');
    if (!kind || !this.graph.related(nodeName, kind, attrs.namespace, attrs.name)) return noOpinion(`no relationship found between node '${nodeName}' and this object`);
    return allow();
  }

  private readNamespacedObject(nodeName: string, kind: RefKind, attrs: Attributes): DecisionResult {
    if (!['get', 'list', 'watch'].includes(attrs.verb)) return noOpinion('can only read resources of this type');
    if (attrs.subresource) return noOpinion('cannot read subresource');
    if (!attrs.namespace) return noOpinion('can only read namespaced object of this type');
    return this.related(nodeName, kind, attrs);
  }

  private getRelated(nodeName: string, kind: RefKind | undefined, attrs: Attributes): DecisionResult {
    if (attrs.verb !== 'get') return noOpinion('can only get individual resources of this type');
    if (attrs.subresource) return noOpinion('cannot get subresource');
    return this.related(nodeName, kind, attrs);
  }

  private statusUpdate(nodeName: string, kind: RefKind, attrs: Attributes): DecisionResult {
    if (attrs.verb !== 'update' && attrs.verb !== 'patch') return noOpinion('can only get/update/patch this type');
    return this.related(nodeName, kind, attrs);
  }

  private createToken(nodeName: string, attrs: Attributes): DecisionResult {
    if (attrs.verb !== 'create' || !attrs.name) return noOpinion('can only create tokens for individual service accounts');
    if (attrs.subresource !== 'token') return noOpinion('can only create token subresource of serviceaccount');
    return this.related(nodeName, 'serviceaccount', attrs);
  }

  private lease(nodeName: string, attrs: Attributes): DecisionResult {
    if (!['get', 'create', 'update', 'patch', 'delete'].includes(attrs.verb)) return noOpinion('can only get, create, update, patch, or delete a node lease');
    if (attrs.namespace !== NODE_LEASE_NAMESPACE) return noOpinion(`can only access leases in the "${NODE_LEASE_NAMESPACE}" system namespace`);
    // The name of a create is in its body, which NodeRestriction checks.
    if (attrs.verb !== 'create' && attrs.name !== nodeName) return noOpinion('can only access node lease with the same name as the requesting node');
    return allow();
  }

  private csiNode(nodeName: string, attrs: Attributes): DecisionResult {
    if (!['get', 'create', 'update', 'patch', 'delete'].includes(attrs.verb)) return noOpinion('can only get, create, update, patch, or delete a CSINode');
    if (attrs.subresource) return noOpinion('cannot authorize CSINode subresources');
    if (attrs.verb !== 'create' && attrs.name !== nodeName) return noOpinion('can only access CSINode with the same name as the requesting node');
    return allow();
  }

  private node(nodeName: string, attrs: Attributes): DecisionResult {
    switch (attrs.subresource) {
      case '':
        switch (attrs.verb) {
          // NodeRestriction limits a node to creating and changing its own Node.
          case 'create': case 'update': case 'patch':
            return allow();
          case 'get': case 'list': case 'watch':
            // By name, so a kubelet may look for its Node before registering it.
            if (attrs.name === nodeName) return allow();
            if (attrs.name === '') return noOpinion(`node '${nodeName}' cannot read all nodes, only its own Node object`);
            return noOpinion(`node '${nodeName}' cannot read '${attrs.name}', only its own Node object`);
        }
        break;
      case 'status':
        // NodeRestriction limits a node to its own Node's status.
        if (attrs.verb === 'update' || attrs.verb === 'patch') return allow();
        break;
    }
    return noOpinion();
  }

  private pod(nodeName: string, attrs: Attributes): DecisionResult {
    switch (attrs.subresource) {
      case '':
        switch (attrs.verb) {
          case 'get':
            return this.podRelated(nodeName, attrs);
          case 'list':
          case 'watch':
            if (onlyNode(attrs.fieldSelector, nodeName)) return allow();
            // A read of one pod known to be bound here.
            if (attrs.name) return this.podRelated(nodeName, attrs);
            return noOpinion('can only list/watch pods with spec.nodeName field selector');
          // Mirror pods: NodeRestriction limits a node to creating and deleting pods bound to itself.
          case 'create':
          case 'delete':
            return allow();
        }
        break;
      case 'status':
        // NodeRestriction limits a node to the status of pods bound to itself.
        if (attrs.verb === 'update' || attrs.verb === 'patch') return allow();
        break;
      case 'eviction':
        // NodeRestriction limits a node to evicting pods bound to itself.
        if (attrs.verb === 'create') return allow();
        break;
    }
    return noOpinion();
  }

  /** Upstream's authorize through the graph, for a pod: bound to this node. */
  private podRelated(nodeName: string, attrs: Attributes): DecisionResult {
    if (!attrs.name) return noOpinion('No Object name found');
    if (this.graph.pod(attrs.namespace, attrs.name)?.nodeName !== nodeName) return noOpinion(`no relationship found between node '${nodeName}' and this object`);
    return allow();
  }
}

/** Whether a field selector pins spec.nodeName to this node. */
function onlyNode(fieldSelector: string | undefined, nodeName: string): boolean {
  if (!fieldSelector) return false;
  try {
    return parseFieldSelector(fieldSelector).requirements.some((r) => r.field === 'spec.nodeName' && r.op === '=' && r.value === nodeName);
  } catch {
    return false;
  }
}
