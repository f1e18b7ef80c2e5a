// Builders for RBAC policy objects as upstream's bootstrap policy writes them: rule lists sorted
// (upstream's rule builder sorts verbs, groups, resources, names and URLs), and every object
// labelled kubernetes.io/bootstrapping=rbac-defaults and annotated autoupdate=true.
import { compareGoStrings } from '../../machinery/goformat.ts';
import type { Binding, ClusterRole, PolicyRule, Subject } from '../apis/rbac/v1/validation.ts';

export const RBAC_API_VERSION = 'rbac.authorization.k8s.io/v1';
export const RBAC_GROUP = 'rbac.authorization.k8s.io';
/** Bootstrap objects carry this annotation: "true" lets start-up reconcile them (add what is missing). */
export const AUTOUPDATE_ANNOTATION = 'rbac.authorization.kubernetes.io/autoupdate';
export const BOOTSTRAP_LABELS = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };

export const READ = ['get', 'list', 'watch'];
export const WRITE = ['create', 'update', 'patch', 'delete', 'deletecollection'];
export const READ_WRITE = [...READ, ...WRITE];
export const READ_UPDATE = ['get', 'list', 'watch', 'update', 'patch'];

const sorted = (xs: readonly string[]) => [...new Set(xs)].sort(compareGoStrings);

/** A resource rule (lists sorted, as upstream's rule builder sorts them). */
export function rule(verbs: readonly string[], groups: readonly string[], resources: readonly string[], names?: readonly string[]): PolicyRule {
  const r: PolicyRule = { verbs: sorted(verbs), apiGroups: sorted(groups), resources: sorted(resources) };
  if (names?.length) r.resourceNames = sorted(names);
  return r;
}

/** A non-resource URL rule. */
export function urls(verbs: readonly string[], paths: readonly string[]): PolicyRule {
  return { verbs: sorted(verbs), nonResourceURLs: sorted(paths) };
}

/** Upstream's eventsRule(): controllers and components record events in both event groups. */
export const eventsRule = () => rule(['create', 'update', 'patch'], ['', 'events.k8s.io'], ['events']);

export function meta(name: string, labels: Record<string, string> = {}, namespace?: string) {
  return {
    name,
    ...(namespace ? { namespace } : {}),
    labels: { ...labels, ...BOOTSTRAP_LABELS },
    annotations: { [AUTOUPDATE_ANNOTATION]: 'true' },
  };
}

export function clusterRole(name: string, rules: PolicyRule[], extra: { labels?: Record<string, string>; aggregateFrom?: string } = {}): ClusterRole {
  const role: ClusterRole = { apiVersion: RBAC_API_VERSION, kind: 'ClusterRole', metadata: meta(name, extra.labels) };
  if (extra.aggregateFrom) role.aggregationRule = { clusterRoleSelectors: [{ matchLabels: { [extra.aggregateFrom]: 'true' } }] };
  else role.rules = rules;
  return role;
}

export const user = (name: string): Subject => ({ kind: 'User', apiGroup: RBAC_GROUP, name });
export const group = (name: string): Subject => ({ kind: 'Group', apiGroup: RBAC_GROUP, name });
export const serviceAccount = (namespace: string, name: string): Subject => ({ kind: 'ServiceAccount', name, namespace });

export function clusterRoleBinding(role: string, subjects: Subject[]): Binding {
  const b: Binding = { apiVersion: RBAC_API_VERSION, kind: 'ClusterRoleBinding', metadata: meta(role), roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: role } };
  if (subjects.length) b.subjects = subjects;
  return b;
}
