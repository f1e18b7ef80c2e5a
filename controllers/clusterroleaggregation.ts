// The ClusterRole aggregation controller (upstream pkg/controller/clusterroleaggregation): a
// ClusterRole with an aggregationRule holds the rules of every other ClusterRole its selectors
// match — roles in name order, each distinct rule once. Any ClusterRole change can change any
// aggregate, so every change re-queues every aggregated role (the set is small).
import type { V1ClusterRole, V1PolicyRule } from '@kubernetes/client-node';
import { defineController, resource, type Controller } from '../client/index.ts';
import { selectorFromLabelSelector, type LabelSelector } from '../machinery/labels.ts';

export const clusterRoles = resource<V1ClusterRole>('rbac.authorization.k8s.io/v1/clusterroles', { model: 'V1ClusterRole', kind: 'ClusterRole', namespaced: false });

const sameList = (a: readonly string[] | undefined, b: readonly string[] | undefined) => {
  const x = a ?? [], y = b ?? [];
  return x.length === y.length && x.every((v, i) => v === y[i]);
};

/** Semantic equality of rules: a missing list equals an empty one. */
export function sameRule(a: V1PolicyRule, b: V1PolicyRule): boolean {
  return sameList(a.verbs, b.verbs) && sameList(a.apiGroups, b.apiGroups) && sameList(a.resources, b.resources)
    && sameList(a.resourceNames, b.resourceNames) && sameList(a.nonResourceURLs, b.nonResourceURLs);
}

const sameRules = (a: readonly V1PolicyRule[] | undefined, b: readonly V1PolicyRule[] | undefined) => {
  const x = a ?? [], y = b ?? [];
  return x.length === y.length && x.every((r, i) => sameRule(r, y[i]!));
};

/** The rules `role` aggregates from `all` (pure; upstream's syncClusterRole computation). */
export function aggregateRules(role: V1ClusterRole, all: readonly V1ClusterRole[]): V1PolicyRule[] {
  const out: V1PolicyRule[] = [];
  for (const sel of role.aggregationRule?.clusterRoleSelectors ?? []) {
    const selector = selectorFromLabelSelector(sel as LabelSelector);
    const matching = all
      .filter((r) => r.metadata?.name !== role.metadata?.name && selector.matches(r.metadata?.labels ?? {}))
      .sort((a, b) => ((a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : (a.metadata?.name ?? '') > (b.metadata?.name ?? '') ? 1 : 0));
    for (const r of matching) {
      for (const rule of r.rules ?? []) if (!out.some((o) => sameRule(o, rule))) out.push(rule);
    }
  }
  return out;
}

/** Upstream's wire form of a rule: only the lists it has. */
function wireRule(r: V1PolicyRule): Record<string, string[]> {
  const w: Record<string, string[]> = { verbs: r.verbs ?? [] };
  if (r.apiGroups) w.apiGroups = r.apiGroups;
  if (r.resources) w.resources = r.resources;
  if (r.resourceNames) w.resourceNames = r.resourceNames;
  if (r.nonResourceURLs) w.nonResourceURLs = r.nonResourceURLs;
  return w;
}

export function clusterRoleAggregationController(): Controller {
  return defineController({
    name: 'clusterrole-aggregation',
    primary: clusterRoles,
    watches: [{
      resource: clusterRoles,
      keys: (_obj, lister) => lister(clusterRoles).list().filter((r) => r.aggregationRule).map((r) => r.metadata?.name ?? ''),
    }],
    async sync(key, { lister, clients, signal }) {
      const role = lister(clusterRoles).get(key);
      if (!role?.aggregationRule) return;
      const rules = aggregateRules(role, lister(clusterRoles).list());
      if (sameRules(rules, role.rules)) return;
      // As upstream: a forced server-side apply of `rules` under the controller's own field manager.
      const applied = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: key }, rules: rules.map(wireRule) };
      await clients.rest.patch(clusterRoles, '', key, applied, { type: 'apply', fieldManager: 'clusterrole-aggregation-controller', force: true, signal });
    },
  });
}
