// API discovery, derived from the resource list: the legacy documents (/api, /api/v1, /apis,
// /apis/<group>, /apis/<group>/<version>) and aggregated discovery (apidiscovery.k8s.io/v2).
import { createHash } from 'node:crypto';
import { ALL_VERBS, groupVersion, type AnyResource } from '../apis/types.ts';

export const AGGREGATED_CONTENT_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

/** The set of served resources; CRDs add and remove entries at run time. */
export interface ResourceCatalog {
  all(): AnyResource[];
}

function verbsOf(r: AnyResource): string[] {
  return [...(r.verbs ?? ALL_VERBS)].sort();
}

function storageVersionHash(r: AnyResource): string {
  return createHash('sha256').update(`${r.group}/${r.version}/${r.kind}`).digest().subarray(0, 8).toString('base64');
}

interface Subresource { name: string; kind: string; group?: string; version?: string; verbs: string[] }

function subresourcesOf(r: AnyResource): Subresource[] {
  const subs: Subresource[] = [];
  if (r.status) subs.push({ name: 'status', kind: r.kind, verbs: ['get', 'patch', 'update'] });
  if (r.scale) subs.push({ name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] });
  for (const s of r.extraSubresources ?? []) subs.push(s);
  return subs.sort((a, b) => a.name.localeCompare(b.name));
}

export function apiResource(r: AnyResource): Record<string, unknown>[] {
  const main: Record<string, unknown> = {
    name: r.plural, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: verbsOf(r),
  };
  if (r.shortNames?.length) main.shortNames = r.shortNames;
  if (r.categories?.length) main.categories = r.categories;
  main.storageVersionHash = storageVersionHash(r);
  const out = [main];
  for (const s of subresourcesOf(r)) {
    const e: Record<string, unknown> = { name: `${r.plural}/${s.name}`, singularName: '', namespaced: r.namespaced };
    if (s.group !== undefined) { e.group = s.group; e.version = s.version; }
    e.kind = s.kind;
    e.verbs = s.verbs;
    out.push(e);
  }
  return out;
}

/** Group names in upstream's priority order, then the rest alphabetically. */
const GROUP_ORDER = [
  '', 'apiregistration.k8s.io', 'apps', 'events.k8s.io', 'authentication.k8s.io', 'authorization.k8s.io', 'autoscaling', 'batch',
  'certificates.k8s.io', 'networking.k8s.io', 'policy', 'rbac.authorization.k8s.io', 'storage.k8s.io', 'admissionregistration.k8s.io',
  'apiextensions.k8s.io', 'scheduling.k8s.io', 'coordination.k8s.io', 'node.k8s.io', 'discovery.k8s.io', 'flowcontrol.apiserver.k8s.io',
];

/** Groups with their versions, preferred version first (v1 over v2 over beta). */
export function groups(catalog: ResourceCatalog): Array<{ name: string; versions: string[] }> {
  const byGroup = new Map<string, Set<string>>();
  for (const r of catalog.all()) {
    if (!byGroup.has(r.group)) byGroup.set(r.group, new Set());
    byGroup.get(r.group)!.add(r.version);
  }
  const names = [...byGroup.keys()].sort((a, b) => {
    const ia = GROUP_ORDER.indexOf(a), ib = GROUP_ORDER.indexOf(b);
    if (ia >= 0 && ib >= 0) return ia - ib;
    if (ia >= 0) return -1;
    if (ib >= 0) return 1;
    return a.localeCompare(b);
  });
  return names.map((name) => ({ name, versions: [...byGroup.get(name)!].sort(compareVersions) }));
}

/** Kubernetes version priority: GA before beta before alpha, higher numbers first. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [0, 0, 0, v] as const;
    return [m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1, Number(m[1]), Number(m[3] ?? 0), v] as const;
  };
  const pa = parse(a), pb = parse(b);
  if (pa[0] !== pb[0]) return pb[0] - pa[0];
  if (pa[1] !== pb[1]) return pb[1] - pa[1];
  if (pa[2] !== pb[2]) return pb[2] - pa[2];
  return a.localeCompare(b);
}

export function apiVersions(serverAddress: string): Record<string, unknown> {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

export function apiGroup(name: string, versions: string[]): Record<string, unknown> {
  const vs = versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
  return { name, versions: vs, preferredVersion: vs[0] };
}

export function apiGroupList(catalog: ResourceCatalog): Record<string, unknown> {
  return {
    kind: 'APIGroupList', apiVersion: 'v1',
    groups: groups(catalog).filter((g) => g.name !== '').map((g) => apiGroup(g.name, g.versions)),
  };
}

export function apiResourceList(catalog: ResourceCatalog, group: string, version: string): Record<string, unknown> | undefined {
  const rs = catalog.all().filter((r) => r.group === group && r.version === version);
  if (rs.length === 0) return undefined;
  const doc: Record<string, unknown> = { kind: 'APIResourceList' };
  if (group !== '') doc.apiVersion = 'v1';
  doc.groupVersion = groupVersion({ group, version });
  doc.resources = rs.sort((a, b) => a.plural.localeCompare(b.plural)).flatMap(apiResource);
  return doc;
}

function aggregatedResource(r: AnyResource): Record<string, unknown> {
  const out: Record<string, unknown> = {
    resource: r.plural,
    // Upstream fills only the kind for a resource served in its own group/version.
    responseKind: { group: '', version: '', kind: r.kind },
    scope: r.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: r.singular,
    verbs: verbsOf(r),
  };
  if (r.shortNames?.length) out.shortNames = r.shortNames;
  if (r.categories?.length) out.categories = r.categories;
  const subs = subresourcesOf(r);
  if (subs.length) {
    out.subresources = subs.map((s) => ({
      subresource: s.name,
      responseKind: { group: s.group ?? '', version: s.version ?? '', kind: s.kind },
      verbs: s.verbs,
    }));
  }
  return out;
}

/** `/api` (core only) or `/apis` (every other group) as one APIGroupDiscoveryList. */
export function aggregatedDiscovery(catalog: ResourceCatalog, core: boolean): Record<string, unknown> {
  const all = catalog.all();
  const items = groups(catalog).filter((g) => (g.name === '') === core).map((g) => ({
    metadata: { ...(g.name ? { name: g.name } : {}), creationTimestamp: null },
    versions: g.versions.map((v) => ({
      version: v,
      resources: all.filter((r) => r.group === g.name && r.version === v).sort((a, b) => a.plural.localeCompare(b.plural)).map(aggregatedResource),
      ...(core ? {} : { freshness: 'Current' }),
    })),
  }));
  return { kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items };
}
