// Start-up reconciliation of the bootstrap RBAC policy (upstream's rbac/bootstrap-roles post-start
// hook): each default role and binding is created when missing; one that exists and is not
// protected by `rbac.authorization.kubernetes.io/autoupdate: "false"` gains what it lacks —
// labels, annotations, missing rules (as the broken-down rules the comparison finds), missing
// aggregation selectors, missing subjects — and keeps whatever was added to it. A binding whose
// roleRef differs is recreated (roleRef cannot change).
import * as errors from '../../machinery/errors.ts';
import type { KubeObject } from '../apis/types.ts';
import type { Binding, ClusterRole, Role, Subject } from '../apis/rbac/v1/validation.ts';
import type { GenericRegistry } from '../registry/generic.ts';
import { AUTOUPDATE_ANNOTATION, RBAC_GROUP, bootstrapPolicy } from './policy.ts';
import { covers } from './rules.ts';

type RegistryFor = (group: string, version: string, plural: string) => GenericRegistry | undefined;

const FIELD_MANAGER = 'kube-apiserver';
/** Creates in flight at once (the store takes them faster side by side). */
const PARALLEL = 8;

const keyOf = (o: KubeObject) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

function mergeMaps(expected: Record<string, string> | undefined, existing: Record<string, string> | undefined): Record<string, string> | undefined {
  const merged = { ...(expected ?? {}), ...(existing ?? {}) };
  return Object.keys(merged).length ? merged : undefined;
}

/** The existing object with what the expected one adds, or undefined when nothing is missing. */
export function reconcileRole(existing: ClusterRole, expected: ClusterRole): ClusterRole | undefined {
  const next: ClusterRole = structuredClone(existing);
  const meta = (next.metadata ??= {});
  const labels = mergeMaps(expected.metadata?.labels, meta.labels);
  const annotations = mergeMaps(expected.metadata?.annotations, meta.annotations);
  let changed = JSON.stringify(labels ?? {}) !== JSON.stringify(meta.labels ?? {}) || JSON.stringify(annotations ?? {}) !== JSON.stringify(meta.annotations ?? {});
  if (labels) meta.labels = labels;
  if (annotations) meta.annotations = annotations;
  // An aggregated role's rules belong to the aggregation controller.
  if (!expected.aggregationRule) {
    const { missing } = covers(existing.rules ?? [], expected.rules ?? []);
    if (missing.length) {
      next.rules = [...(existing.rules ?? []), ...missing];
      changed = true;
    }
  }
  if (expected.aggregationRule) {
    const have = next.aggregationRule?.clusterRoleSelectors ?? [];
    const add = (expected.aggregationRule.clusterRoleSelectors ?? []).filter((s) => !have.some((h) => JSON.stringify(h) === JSON.stringify(s)));
    if (add.length || !next.aggregationRule) {
      next.aggregationRule = { clusterRoleSelectors: [...have, ...add] };
      changed = true;
    }
  }
  return changed ? next : undefined;
}

const sameSubject = (a: Subject, b: Subject, bindingNamespace: string) =>
  a.kind === b.kind && (a.name ?? '') === (b.name ?? '') && (a.kind !== 'ServiceAccount' || (a.namespace || bindingNamespace) === (b.namespace || bindingNamespace));

/** The existing binding with the expected labels, annotations and subjects added, or undefined. */
export function reconcileBinding(existing: Binding, expected: Binding): Binding | undefined {
  const next: Binding = structuredClone(existing);
  const meta = (next.metadata ??= {});
  const labels = mergeMaps(expected.metadata?.labels, meta.labels);
  const annotations = mergeMaps(expected.metadata?.annotations, meta.annotations);
  let changed = JSON.stringify(labels ?? {}) !== JSON.stringify(meta.labels ?? {}) || JSON.stringify(annotations ?? {}) !== JSON.stringify(meta.annotations ?? {});
  if (labels) meta.labels = labels;
  if (annotations) meta.annotations = annotations;
  const ns = existing.metadata?.namespace ?? '';
  const missing = (expected.subjects ?? []).filter((s) => !(existing.subjects ?? []).some((e) => sameSubject(e, s, ns)));
  if (missing.length) {
    next.subjects = [...(existing.subjects ?? []), ...missing];
    changed = true;
  }
  return changed ? next : undefined;
}

const sameRoleRef = (a: Binding, b: Binding) =>
  (a.roleRef?.kind ?? '') === (b.roleRef?.kind ?? '') && (a.roleRef?.name ?? '') === (b.roleRef?.name ?? '') && (a.roleRef?.apiGroup ?? '') === (b.roleRef?.apiGroup ?? '');

/** A binding whose roleRef is not the expected one is replaced: its subjects kept, the expected roleRef set. */
function bindingRecreation(have: Binding, want: Binding): Binding | undefined {
  if (sameRoleRef(have, want)) return undefined;
  const merged = reconcileBinding(have, want) ?? structuredClone(have);
  return {
    apiVersion: want.apiVersion, kind: want.kind,
    metadata: { name: want.metadata?.name, ...(want.metadata?.namespace ? { namespace: want.metadata.namespace } : {}), labels: merged.metadata?.labels, annotations: merged.metadata?.annotations },
    roleRef: structuredClone(want.roleRef), ...(merged.subjects ? { subjects: merged.subjects } : {}),
  };
}

async function inParallel<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => { while (next < items.length) await fn(items[next++]!); };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, items.length) }, worker));
}

async function ensure<T extends KubeObject>(
  registry: GenericRegistry, expected: readonly T[], reconcile: (existing: T, expected: T) => T | undefined,
  recreation?: (existing: T, expected: T) => T | undefined,
): Promise<void> {
  const existing = new Map((await registry.list('')).items.map((o) => [keyOf(o), o as T]));
  await inParallel(expected, async (want) => {
    const ns = want.metadata?.namespace ?? '';
    const name = want.metadata?.name ?? '';
    const have = existing.get(keyOf(want));
    try {
      if (!have) {
        await registry.create(ns, structuredClone(want), { fieldManager: FIELD_MANAGER });
        return;
      }
      if (have.metadata?.annotations?.[AUTOUPDATE_ANNOTATION] === 'false') return;
      const replacement = recreation?.(have, want);
      if (replacement) {
        await registry.delete(ns, name, { preconditions: { uid: have.metadata?.uid ?? '' } });
        await registry.create(ns, replacement, { fieldManager: FIELD_MANAGER });
        return;
      }
      const next = reconcile(have, want);
      if (next) await registry.update(ns, name, () => next, { fieldManager: FIELD_MANAGER });
    } catch (e) {
      // Another API server sharing the store got there first; its result stands.
      if (errors.isStatusError(e, 'AlreadyExists') || errors.isStatusError(e, 'Conflict')) return;
      throw e;
    }
  });
}

/** Creates or completes upstream's default roles and bindings. */
export async function ensureBootstrapPolicy(registryFor: RegistryFor): Promise<void> {
  const reg = (plural: string) => {
    const r = registryFor(RBAC_GROUP, 'v1', plural);
    if (!r) throw new Error(`bootstrap policy: ${plural}.${RBAC_GROUP} is not served`);
    return r;
  };
  const policy = bootstrapPolicy();
  await Promise.all([
    ensure<ClusterRole>(reg('clusterroles'), policy.clusterRoles, reconcileRole),
    ensure<Role>(reg('roles'), policy.roles, reconcileRole),
  ]);
  await Promise.all([
    ensure<Binding>(reg('clusterrolebindings'), policy.clusterRoleBindings, reconcileBinding, bindingRecreation),
    ensure<Binding>(reg('rolebindings'), policy.roleBindings, reconcileBinding, bindingRecreation),
  ]);
}
