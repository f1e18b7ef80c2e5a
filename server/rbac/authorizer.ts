// The authorizer chain of a kube-apiserver run with --authorization-mode=Node,RBAC: members of
// system:masters are always allowed (upstream's privileged-group authorizer, first in the
// chain), then the Node authorizer decides for kubelets, then RBAC. RBAC reads Roles,
// ClusterRoles and their bindings from in-memory mirrors of the store (as upstream's reads
// informers), rebuilding its subject index only after they change; until the mirrors have
// listed, the built-in bootstrap policy stands in.
import type { Store } from '../../storage/store.ts';
import type { Binding, ClusterRole, Role } from '../apis/rbac/v1/validation.ts';
import type { RequestUser } from '../apis/types.ts';
import type { DecisionResult, RulesResult } from './decision.ts';
import { StoreMirror } from './mirror.ts';
import { NodeAuthorizer, nodeIdentity } from './node.ts';
import { PodGraph, podRefs, pvRefs, type PodRefs, type PVRefs } from './nodegraph.ts';
import { bootstrapPolicy } from './policy.ts';
import { RuleResolver, aggregateMessage, type PolicyObjects } from './resolver.ts';
import { ruleAllows, type Attributes } from './rules.ts';

/** Upstream's user.SystemPrivilegedGroup. */
export const SYSTEM_MASTERS = 'system:masters';

export const isPrivileged = (user: RequestUser) => (user.groups ?? []).includes(SYSTEM_MASTERS);

/** Upstream's RBACAuthorizer: allowed when some rule that applies to the user allows the request. */
export function rbacAuthorize(resolver: RuleResolver, attrs: Attributes): DecisionResult {
  let allowedBy: string | undefined;
  const errs: string[] = [];
  resolver.visitRulesFor(attrs.user, attrs.namespace, (source, rule, err) => {
    if (rule && ruleAllows(attrs, rule)) {
      allowedBy = source;
      return false;
    }
    if (err) errs.push(err);
    return true;
  });
  if (allowedBy !== undefined) return { decision: 'Allow', reason: `RBAC: allowed by ${allowedBy}` };
  return { decision: 'NoOpinion', reason: errs.length ? `RBAC: ${aggregateMessage(errs)}` : '' };
}

/** Store prefixes of what the authorizers read. */
export interface PolicyPrefixes {
  roles: string;
  roleBindings: string;
  clusterRoles: string;
  clusterRoleBindings: string;
  pods: string;
  /** Default: beside the pods (the registry keeps every resource at /registry/<group>/<plural>/). */
  persistentVolumes?: string;
}

type AnyPolicyObject = Role | ClusterRole | Binding;

/** RBAC objects mirrored from the store, and the resolver built from them. */
class PolicyCache {
  readonly mirrors: Record<keyof PolicyObjects, StoreMirror<AnyPolicyObject>>;
  private built: { generation: number; resolver: RuleResolver } | undefined;
  private bootstrap: RuleResolver | undefined;

  constructor(store: Store, prefixes: PolicyPrefixes, log?: (msg: string) => void) {
    const mirror = (prefix: string) => new StoreMirror<AnyPolicyObject>(store, prefix, { project: (o) => o as AnyPolicyObject, log });
    this.mirrors = {
      roles: mirror(prefixes.roles), roleBindings: mirror(prefixes.roleBindings),
      clusterRoles: mirror(prefixes.clusterRoles), clusterRoleBindings: mirror(prefixes.clusterRoleBindings),
    };
  }

  resolver(): RuleResolver {
    const ms = Object.values(this.mirrors);
    if (!ms.every((m) => m.isSynced)) return (this.bootstrap ??= new RuleResolver(bootstrapPolicy()));
    const generation = ms.reduce((n, m) => n + m.generation, 0);
    if (this.built?.generation !== generation) {
      const list = <T>(m: StoreMirror<AnyPolicyObject>) => [...m.values()] as T[];
      this.built = {
        generation,
        resolver: new RuleResolver({
          roles: list<Role>(this.mirrors.roles), roleBindings: list<Binding>(this.mirrors.roleBindings),
          clusterRoles: list<ClusterRole>(this.mirrors.clusterRoles), clusterRoleBindings: list<Binding>(this.mirrors.clusterRoleBindings),
        }),
      };
    }
    return this.built.resolver;
  }

  stop(): void {
    for (const m of Object.values(this.mirrors)) m.stop();
  }
}

export class ClusterAuthorizer {
  private readonly node: NodeAuthorizer;

  constructor(
    private readonly resolve: () => RuleResolver,
    graph: PodGraph,
    private readonly caughtUp: () => Promise<void> = async () => {},
    private readonly onStop: () => void = () => {},
  ) {
    this.node = new NodeAuthorizer(graph);
  }

  /** The RBAC rules as they stand (escalation checks compare against them). */
  ruleResolver(): RuleResolver {
    return this.resolve();
  }

  /** The chain's decision; reasons of the authorizers without an opinion are joined, as upstream's union does. */
  decide(attrs: Attributes): DecisionResult {
    if (isPrivileged(attrs.user)) return { decision: 'Allow', reason: '' };
    const reasons: string[] = [];
    for (const d of [this.node.authorize(attrs), rbacAuthorize(this.resolve(), attrs)]) {
      if (d.decision !== 'NoOpinion') return d;
      if (d.reason) reasons.push(d.reason);
    }
    return { decision: 'NoOpinion', reason: reasons.join('\n') };
  }

  /** What the user may do in the namespace (SelfSubjectRulesReview): the Node authorizer cannot say, RBAC can. */
  rulesFor(user: RequestUser, namespace: string): RulesResult {
    const out: RulesResult = { resourceRules: [], nonResourceRules: [], incomplete: false };
    const errs: string[] = [];
    if (nodeIdentity(user).isNode) {
      out.incomplete = true;
      errs.push('node authorizer does not support user rule resolution');
    }
    const { rules, errors } = this.resolve().rulesFor(user, namespace);
    errs.push(...errors);
    for (const r of rules) {
      if ((r.resources ?? []).length > 0) {
        out.resourceRules.push({
          verbs: r.verbs ?? [],
          ...(r.apiGroups?.length ? { apiGroups: r.apiGroups } : {}),
          resources: r.resources!,
          ...(r.resourceNames?.length ? { resourceNames: r.resourceNames } : {}),
        });
      }
      if ((r.nonResourceURLs ?? []).length > 0) out.nonResourceRules.push({ verbs: r.verbs ?? [], nonResourceURLs: r.nonResourceURLs! });
    }
    if (errs.length) out.evaluationError = aggregateMessage(errs);
    return out;
  }

  /** Resolves once the authorizer has read every change the store had when it was called. */
  synced(): Promise<void> {
    return this.caughtUp();
  }

  stop(): void {
    this.onStop();
  }
}

const CATCH_UP_TIMEOUT_MS = 5_000;

/** The chain over a store's RBAC objects and pods. */
export function storeAuthorizer(store: Store, prefixes: PolicyPrefixes, log?: (msg: string) => void): ClusterAuthorizer {
  const policy = new PolicyCache(store, prefixes, log);
  const graph = new PodGraph();
  const pods = new StoreMirror<PodRefs>(store, prefixes.pods, { project: podRefs, onChange: (_k, prev, next) => graph.update(prev, next), log });
  const pvPrefix = prefixes.persistentVolumes ?? prefixes.pods.replace(/\/pods\/$/, '/persistentvolumes/');
  const pvs = new StoreMirror<PVRefs>(store, pvPrefix, { project: pvRefs, onChange: (_k, prev, next) => graph.updatePV(prev, next), log });
  const mirrors = [...Object.values(policy.mirrors), pods, pvs];
  const caughtUp = async () => {
    await Promise.all(mirrors.map((m) => m.ready));
    const rv = await store.currentRV();
    // Bounded: a store that cannot be read leaves the authorizer on what it has.
    await Promise.all(mirrors.map((m) => m.waitFor(rv, CATCH_UP_TIMEOUT_MS)));
  };
  const auth = new ClusterAuthorizer(() => policy.resolver(), graph, caughtUp, () => {
    policy.stop();
    pods.stop();
    pvs.stop();
  });
  byStore.set(store, auth);
  return auth;
}

/** The chain over fixed objects (no store): the bootstrap policy unless told otherwise. */
export function staticAuthorizer(objects: PolicyObjects = bootstrapPolicy(), pods: PodRefs[] = []): ClusterAuthorizer {
  const graph = new PodGraph();
  for (const p of pods) graph.update(undefined, p);
  const resolver = new RuleResolver(objects);
  return new ClusterAuthorizer(() => resolver, graph);
}

// Code that runs inside a request without a handle on the server reaches the authorizer that
// serves it: create handlers (the access reviews) through their store, strategies (escalation
// checks) through the requesting user, whom the authorizer saw first — upstream passes the
// authorizer to the REST storage and the user in the request context.
const byStore = new WeakMap<object, ClusterAuthorizer>();
const byUser = new WeakMap<object, ClusterAuthorizer>();

export function authorizerForStore(store: object): ClusterAuthorizer | undefined {
  return byStore.get(store);
}

export function rememberRequestUser(user: RequestUser, auth: ClusterAuthorizer): void {
  byUser.set(user, auth);
}

export function authorizerForUser(user: RequestUser): ClusterAuthorizer | undefined {
  return byUser.get(user);
}
