// The Node authorizer (upstream plugin/pkg/auth/authorizer/node, with AuthorizeNodeWithSelectors
// as 1.32 has it on) plus, in essence, the NodeRestriction admission plugin's name checks: a
// kubelet (user system:node:<name> in group system:nodes) may read and update only its own Node
// and Lease, read only the pods bound to it (list/watch with spec.nodeName=<name>), update the
// status of, delete and evict only those pods, and read only the Secrets, ConfigMaps,
// PersistentVolumeClaims and ServiceAccount tokens they reference. Everything else a kubelet
// needs comes from upstream's static node rules. Reasons are upstream's texts.
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
      // Volumes and attachments reach a node through claims and attachments this graph does not follow.
      if ((g === '' && r === 'persistentvolumes') || (g === 'storage.k8s.io' && r === 'volumeattachments')) return this.getRelated(nodeName, undefined, attrs);
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
    const modify = attrs.verb === 'update' || attrs.verb === 'patch';
    if (attrs.subresource === '') {
      if (attrs.verb === 'create') return allow();
      if (modify) return attrs.name === nodeName ? allow() : noOpinion(`node "${nodeName}" is not allowed to modify node "${attrs.name}"`);
      if (['get', 'list', 'watch'].includes(attrs.verb)) {
        // By name, so a kubelet may look for its Node before registering it.
        if (attrs.name === nodeName) return allow();
        if (attrs.name === '') return noOpinion(`node '${nodeName}' cannot read all nodes, only its own Node object`);
        return noOpinion(`node '${nodeName}' cannot read '${attrs.name}', only its own Node object`);
      }
    } else if (attrs.subresource === 'status' && modify) {
      return attrs.name === nodeName ? allow() : noOpinion(`node "${nodeName}" is not allowed to modify node "${attrs.name}"`);
    }
    return noOpinion();
  }

  private boundHere(nodeName: string, attrs: Attributes): boolean {
    return this.graph.pod(attrs.namespace, attrs.name)?.nodeName === nodeName;
  }

  private pod(nodeName: string, attrs: Attributes): DecisionResult {
    switch (attrs.subresource) {
      case '':
        switch (attrs.verb) {
          case 'get':
            if (!attrs.name) return noOpinion('No Object name found');
            return this.boundHere(nodeName, attrs) ? allow() : noOpinion(`no relationship found between node '${nodeName}' and this object`);
          case 'list':
          case 'watch': {
            if (onlyNode(attrs.fieldSelector, nodeName)) return allow();
            if (attrs.name) return this.boundHere(nodeName, attrs) ? allow() : noOpinion(`no relationship found between node '${nodeName}' and this object`);
            return noOpinion('can only list/watch pods with spec.nodeName field selector');
          }
          case 'delete':
            return this.boundHere(nodeName, attrs) ? allow() : noOpinion(`node "${nodeName}" can only delete pods with spec.nodeName set to itself`);
          case 'create':
            // Only mirror pods of static pods, which Capstan's kubelet does not make.
            return noOpinion(`node "${nodeName}" can only create mirror pods`);
        }
        break;
      case 'status':
        if (attrs.verb === 'update' || attrs.verb === 'patch') {
          return this.boundHere(nodeName, attrs) ? allow() : noOpinion(`node "${nodeName}" can only update pod status for pods with spec.nodeName set to itself`);
        }
        break;
      case 'eviction':
        if (attrs.verb === 'create') {
          return this.boundHere(nodeName, attrs) ? allow() : noOpinion(`node "${nodeName}" can only evict pods with spec.nodeName set to itself`);
        }
        break;
    }
    return noOpinion();
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
